package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// /admin/audit lists the audit log with filters (member, event type, time
// range) and pages; /admin/audit.csv exports what the filters select.

type auditPage struct {
	Member, Type, Since, Until string
	Events                     []*gatehouse.AuditEvent
	Types                      []eventChoice
	Names                      map[string]string // member ids of the page's events to names; deleted members are missing
	Pager                      pager
	CSV                        string // the export link for the same filters
}

// auditFilter reads the page's filters: member is a username or a member id
// (the log outlives deleted members), type one event type, since and until
// dates (UTC) of which both days are included.
func (s adminPages) auditFilter(r *http.Request, actor gatehouse.Actor) (gatehouse.AuditFilter, *auditPage, []gatehouse.FieldError) {
	q := r.URL.Query()
	d := &auditPage{Member: strings.TrimSpace(q.Get("member")), Type: strings.TrimSpace(q.Get("type")),
		Since: q.Get("since"), Until: q.Get("until"), Types: eventChoices()}
	f := gatehouse.AuditFilter{Cursor: q.Get("cursor"), Limit: 50}
	var errs []gatehouse.FieldError
	if d.Member != "" {
		id, fe := s.auditMember(r, actor, d.Member)
		if fe != nil {
			errs = append(errs, *fe)
		}
		f.MemberID = id
	}
	if d.Type != "" {
		f.Types = []gatehouse.EventType{gatehouse.EventType(d.Type)}
	}
	since, fe := parseDate("since", d.Since)
	if fe != nil {
		errs = append(errs, *fe)
	}
	until, fe := parseDate("until", d.Until)
	if fe != nil {
		errs = append(errs, *fe)
	}
	f.Since = since
	if !until.IsZero() {
		f.Until = until.AddDate(0, 0, 1)
	}
	return f, d, errs
}

func (s adminPages) adminAudit(w http.ResponseWriter, r *http.Request) {
	m, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	f, d, errs := s.auditFilter(r, actor)
	v := s.adminView(w, r, m, "Audit log", "audit", d)
	q := r.URL.Query()
	csvQ := url.Values{}
	for _, k := range []string{"member", "type", "since", "until"} {
		if q.Get(k) != "" {
			csvQ.Set(k, q.Get(k))
		}
	}
	d.CSV = "/admin/audit.csv"
	if len(csvQ) > 0 {
		d.CSV += "?" + csvQ.Encode()
	}
	var err error
	if len(errs) > 0 {
		err = gatehouse.InvalidFields("web.adminAudit", errs...)
	} else {
		var next string
		d.Events, next, err = s.Admin.AuditEvents(r.Context(), actor, s.orgID(r), f)
		d.Pager = newPager("/admin/audit", q, next)
		d.Names = s.eventMemberNames(r, actor, m.OrgID, d.Events)
	}
	if err != nil {
		if !gatehouse.IsCode(err, gatehouse.Invalid) {
			s.adminFail(w, r, m, err)
			return
		}
		v.fieldErrors(err, gatehouse.ErrorMessage(err))
		s.render(w, r, http.StatusUnprocessableEntity, "admin_audit", v)
		return
	}
	s.render(w, r, http.StatusOK, "admin_audit", v)
}

// auditMember finds the member the filter names: a username, a member id (the
// log outlives deleted members), or a part of one member's name or email.
func (s adminPages) auditMember(r *http.Request, actor gatehouse.Actor, typed string) (string, *gatehouse.FieldError) {
	if m, err := s.Admin.MemberByUsername(r.Context(), actor, s.orgID(r), typed); err == nil {
		return m.ID, nil
	}
	if m, err := s.Admin.Member(r.Context(), actor, s.orgID(r), typed); err == nil {
		return m.ID, nil
	}
	ms, _, err := s.Admin.ListMembers(r.Context(), actor, s.orgID(r), gatehouse.MemberFilter{Query: typed, Limit: 2})
	switch {
	case err == nil && len(ms) == 1:
		return ms[0].ID, nil
	case err == nil && len(ms) > 1:
		return typed, &gatehouse.FieldError{Field: "member", Code: "ambiguous", Message: "More than one member matches: type more of the name, the username or the email address."}
	}
	// No member now: perhaps the id of a deleted one.
	return typed, nil
}

// eventMemberNames looks up the members the events are about and by whom,
// so that the log shows names; a member deleted since is left out.
func (s adminPages) eventMemberNames(r *http.Request, actor gatehouse.Actor, orgID string, evs []*gatehouse.AuditEvent) map[string]string {
	names := map[string]string{}
	seen := map[string]bool{}
	for _, e := range evs {
		for _, id := range []string{e.MemberID, e.ActorID} {
			if id == "" || seen[id] || (id == e.ActorID && e.ActorKind != gatehouse.ActorMember) {
				continue
			}
			seen[id] = true
			if m, err := s.Admin.Member(r.Context(), actor, orgID, id); err == nil {
				names[id] = m.Name()
			}
		}
	}
	return names
}

// maxExportRows bounds one CSV export; narrow the filters for more.
const maxExportRows = 100000

// adminAuditCSV streams the selected events as CSV, newest first.
func (s adminPages) adminAuditCSV(w http.ResponseWriter, r *http.Request) {
	m, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	f, _, errs := s.auditFilter(r, actor)
	if len(errs) > 0 {
		s.adminFail(w, r, m, gatehouse.InvalidFields("web.adminAuditCSV", errs...))
		return
	}
	f.Cursor, f.Limit = "", 500
	// The first page is read before anything is written, so that an error can
	// still be an error page.
	evs, next, err := s.Admin.AuditEvents(r.Context(), actor, s.orgID(r), f)
	if err != nil {
		s.adminFail(w, r, m, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-`+s.now().UTC().Format("20060102-150405")+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"time", "type", "actor_kind", "actor_id", "actor_name", "member_id", "ip", "user_agent", "details", "request_id"})
	rows := 0
	for {
		for _, e := range evs {
			_ = cw.Write(csvSafe([]string{e.At.UTC().Format(time.RFC3339Nano), string(e.Type), string(e.ActorKind), e.ActorID,
				e.ActorName, e.MemberID, e.IP, e.UserAgent, detailsText(e.Details), e.RequestID}))
			rows++
		}
		if next == "" || rows >= maxExportRows {
			break
		}
		f.Cursor = next
		if evs, next, err = s.Admin.AuditEvents(r.Context(), actor, s.orgID(r), f); err != nil {
			s.Log.ErrorContext(r.Context(), "audit export cut short", "rows", rows, "err", err)
			break
		}
	}
	cw.Flush()
}

// csvSafe defuses formula injection: a spreadsheet runs a cell that starts
// with = + - @ (or a tab or carriage return that hides one) as a formula, so
// such cells get a leading apostrophe, which spreadsheets show as text.
func csvSafe(cells []string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}

// detailsText writes an event's details as key=value pairs in key order.
func detailsText(d map[string]string) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + d[k]
	}
	return strings.Join(parts, "; ")
}
