package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/operator"
)

// The console's pages about the service desk itself: its operators, and its
// log (what `gatehouse operator log` exports as CSV), newest first, a page at
// a time, optionally about one organization.

type operatorsData struct {
	Operator  *operator.Operator
	Operators []operator.Profile
}

func (s operatorPages) operatorsPage(w http.ResponseWriter, r *http.Request) {
	o, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	list, err := s.Desk.Operators(r.Context(), o.Actor())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.view(w, r, "Operators")
	v.Data = operatorsData{Operator: o, Operators: list}
	s.render(w, r, http.StatusOK, "operator_operators", v)
}

// operatorActions are the operator log's own actions in words. Its other
// actions are audit event types (signin.success, organization.suspended),
// named as the audit log names them (eventName).
var operatorActions = map[string]string{
	operator.ActionOperatorAdded:     "Operator added",
	operator.ActionOperatorActivated: "Operator activated",
	operator.ActionOperatorDisabled:  "Operator disabled",
	operator.ActionOperatorEnabled:   "Operator enabled",
	operator.ActionOperatorRemoved:   "Operator removed",
}

// operatorAction is an action of the operator log in words (English, which
// the page translates); one without a name is shown as is.
func operatorAction(action string) string {
	if n, ok := operatorActions[action]; ok {
		return n
	}
	return eventName(gatehouse.EventType(action))
}

func init() { funcs["operatorAction"] = operatorAction }

// logPageSize is how many entries the log page shows at once.
const logPageSize = 100

type logRow struct {
	*operator.LogEntry
	Org string // the organization's slug, "" when the entry is about none
}

// ByCommandLine reports whether the entry was made on the command line, by
// no operator: the page says so in its language.
func (r logRow) ByCommandLine() bool {
	return r.OperatorID == "" && r.OperatorName == operator.CommandLine
}

type logData struct {
	Operator *operator.Operator
	Org      string // the slug the page is filtered by
	Rows     []logRow
	Older    string // the link to the next (older) page, "" at the end
}

// logCSV downloads the whole log (or what is about one organization) as
// CSV, as `gatehouse operator log` writes it.
func (s operatorPages) logCSV(w http.ResponseWriter, r *http.Request) {
	o, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	f := operator.LogFilter{}
	if slug := strings.TrimSpace(r.URL.Query().Get("org")); slug != "" {
		got, err := s.OrgAdmin.BySlug(r.Context(), slug)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f.OrgID = got.ID
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="operator-log.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := s.Desk.ExportCSV(r.Context(), o.Actor(), f, w); err != nil {
		s.Log.WarnContext(r.Context(), "exporting the operator log", "err", err)
	}
}

func (s operatorPages) logPage(w http.ResponseWriter, r *http.Request) {
	o, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	slug := strings.TrimSpace(q.Get("org"))
	f := operator.LogFilter{Cursor: q.Get("cursor"), Limit: logPageSize}
	if slug != "" {
		got, err := s.OrgAdmin.BySlug(r.Context(), slug)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f.OrgID = got.ID
	}
	entries, next, err := s.Desk.Entries(r.Context(), o.Actor(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	slugs := map[string]string{}
	d := logData{Operator: o, Org: slug}
	for _, e := range entries {
		row := logRow{LogEntry: e}
		if e.OrgID != "" {
			if _, seen := slugs[e.OrgID]; !seen {
				slugs[e.OrgID] = e.OrgID // an organization that cannot be read is shown by its id
				if got, err := s.OrgAdmin.ByID(r.Context(), e.OrgID); err == nil {
					slugs[e.OrgID] = got.Slug
				}
			}
			row.Org = slugs[e.OrgID]
		}
		d.Rows = append(d.Rows, row)
	}
	if next != "" {
		older := url.Values{"cursor": {next}}
		if slug != "" {
			older.Set("org", slug)
		}
		d.Older = "/operator/log?" + older.Encode()
	}
	v := s.view(w, r, "Operator log")
	v.Data = d
	s.render(w, r, http.StatusOK, "operator_log", v)
}
