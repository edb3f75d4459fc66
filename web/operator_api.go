package web

import (
	"net/http"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/operator"
	"github.com/gatehouse-auth/gatehouse/org"
)

// operatorAPI serves /api/v1/operator: the service desk's management API,
// with which a vendor's provisioning system creates a customer's organization
// and its first owner's invitation in one call. It takes operator API keys
// (gho_...) only, and answers only on the public URL's host.
type operatorAPI struct{ *Server }

type operatorRoute struct {
	Method, Path string
	Handle       func(s operatorAPI, w http.ResponseWriter, r *http.Request, actor gatehouse.Actor)
}

var operatorRoutes = []operatorRoute{
	{"GET", "/operator/organizations", operatorAPI.list},
	{"POST", "/operator/organizations", operatorAPI.create},
	{"GET", "/operator/organizations/{id}", operatorAPI.get},
	{"PATCH", "/operator/organizations/{id}", operatorAPI.update},
	{"POST", "/operator/organizations/{id}/suspend", operatorAPI.suspend},
	{"POST", "/operator/organizations/{id}/resume", operatorAPI.resume},
}

func (s operatorAPI) routes() {
	for _, rt := range operatorRoutes {
		s.route(rt.Method+" "+apiPrefix+rt.Path, s.handler(rt))
	}
}

func (s operatorAPI) handler(rt operatorRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Values("Authorization")
		scheme, raw, ok := "", "", len(h) == 1
		if ok {
			scheme, raw, ok = strings.Cut(strings.TrimSpace(h[0]), " ")
		}
		if !ok || !strings.EqualFold(scheme, "Bearer") || s.Desk == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gatehouse-operator"`)
			s.problem(w, r, operator.ErrBadKey)
			return
		}
		if !onPublicHost(r) {
			problemAt(w, http.StatusNotFound, "There is no such endpoint here.")
			return
		}
		k, err := s.Desk.Authenticate(r.Context(), strings.TrimSpace(raw))
		if err != nil {
			if gatehouse.IsCode(err, gatehouse.Unauthorized) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="gatehouse-operator"`)
			}
			s.problem(w, r, err)
			return
		}
		rt.Handle(s, w, r, k.Actor())
	}
}

// apiOrg is an organization in the operator API.
type apiOrg struct {
	ID        string     `json:"id"`
	Slug      string     `json:"slug"`
	Name      string     `json:"name"`
	State     string     `json:"state"`
	Hosts     []string   `json:"hosts"`
	URL       string     `json:"url"`
	Members   *int       `json:"members,omitempty"`
	Owners    []apiOwner `json:"owners,omitempty"`
	CreatedAt *string    `json:"created_at"`
	UpdatedAt *string    `json:"updated_at"`
}

// apiOwner is what the service desk sees of an owner: contact details only.
type apiOwner struct {
	ID            string `json:"id"`
	Username      string `json:"username"`
	DisplayName   string `json:"display_name"`
	Email         string `json:"email"`
	Mobile        string `json:"mobile"`
	State         string `json:"state"`
	SupportPINSet bool   `json:"support_pin_set"`
}

func (s operatorAPI) orgJSON(o *gatehouse.Organization, sum *org.Summary) apiOrg {
	hosts := o.Hosts
	if hosts == nil {
		hosts = []string{}
	}
	a := apiOrg{ID: o.ID, Slug: o.Slug, Name: o.Name, State: string(o.State), Hosts: hosts,
		URL: org.BaseURL(s.Config.PublicURL, o).String(), CreatedAt: apiTimeText(o.CreatedAt), UpdatedAt: apiTimeText(o.UpdatedAt)}
	if sum != nil {
		n := sum.Members
		a.Members = &n
		a.Owners = []apiOwner{}
		for _, ow := range sum.Owners {
			a.Owners = append(a.Owners, apiOwner{ID: ow.ID, Username: ow.Username, DisplayName: ow.DisplayName, Email: ow.Email,
				Mobile: ow.Mobile, State: string(ow.State), SupportPINSet: ow.PINSet})
		}
	}
	return a
}

func (s operatorAPI) list(w http.ResponseWriter, r *http.Request, actor gatehouse.Actor) {
	q, ok := parseAPIQuery(w, r, "query", "state", "cursor", "limit")
	if !ok {
		return
	}
	st := gatehouse.OrgState(q.Get("state"))
	if st != "" && st != gatehouse.OrgActive && st != gatehouse.OrgSuspended {
		invalidProblem(w, r, "state is active or suspended.", gatehouse.FieldError{Field: "state", Code: "invalid", Message: "state is active or suspended."})
		return
	}
	list, next, err := s.OrgAdmin.List(r.Context(), actor, org.Filter{Query: q.Get("query"), State: st, Cursor: q.Get("cursor"), Limit: q.Limit})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	out := make([]apiOrg, 0, len(list))
	for i := range list {
		out = append(out, s.orgJSON(list[i].Org, &list[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"organizations": out, "next_cursor": apiCursor(next)})
}

func (s operatorAPI) create(w http.ResponseWriter, r *http.Request, actor gatehouse.Actor) {
	var in struct {
		Slug       string   `json:"slug"`
		Name       string   `json:"name"`
		Hosts      []string `json:"hosts"`
		OwnerEmail string   `json:"owner_email"`
		MailFrom   string   `json:"mail_from_address"`
	}
	if !decodeJSON(w, r, &in, false) {
		return
	}
	c, err := s.OrgAdmin.Create(r.Context(), actor, s.client(r), org.CreateRequest{Slug: in.Slug, Name: in.Name, Hosts: in.Hosts,
		OwnerEmail: in.OwnerEmail, MailFrom: in.MailFrom})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	s.record(r, actor, operator.ActionOrgCreated, c.Org.ID, "")
	w.Header().Set("Location", apiPrefix+"/operator/organizations/"+c.Org.Slug)
	writeJSON(w, http.StatusCreated, map[string]any{"organization": s.orgJSON(c.Org, nil), "invitation_url": c.Invitation,
		"invitation_emailed": in.OwnerEmail != ""})
}

func (s operatorAPI) get(w http.ResponseWriter, r *http.Request, actor gatehouse.Actor) {
	sum, err := s.OrgAdmin.Show(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.orgJSON(sum.Org, sum))
}

func (s operatorAPI) update(w http.ResponseWriter, r *http.Request, actor gatehouse.Actor) {
	var in struct {
		Name  *string  `json:"name"`
		Hosts []string `json:"hosts"`
	}
	if !decodeJSON(w, r, &in, false) {
		return
	}
	o, err := s.OrgAdmin.Update(r.Context(), actor, s.client(r), r.PathValue("id"), org.UpdateRequest{Name: in.Name, Hosts: in.Hosts})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	s.record(r, actor, operator.ActionOrgUpdated, o.ID, "")
	writeJSON(w, http.StatusOK, s.orgJSON(o, nil))
}

func (s operatorAPI) suspend(w http.ResponseWriter, r *http.Request, actor gatehouse.Actor) {
	s.setState(w, r, actor, true)
}

func (s operatorAPI) resume(w http.ResponseWriter, r *http.Request, actor gatehouse.Actor) {
	s.setState(w, r, actor, false)
}

func (s operatorAPI) setState(w http.ResponseWriter, r *http.Request, actor gatehouse.Actor, suspend bool) {
	var in struct {
		Reason string `json:"reason"`
	}
	if !decodeJSON(w, r, &in, true) {
		return
	}
	do, action := s.OrgAdmin.Resume, operator.ActionOrgResumed
	if suspend {
		do, action = s.OrgAdmin.Suspend, operator.ActionOrgSuspended
	}
	o, err := do(r.Context(), actor, s.client(r), r.PathValue("id"), in.Reason)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	s.recordReason(r, actor, action, o.ID, in.Reason)
	writeJSON(w, http.StatusOK, s.orgJSON(o, nil))
}

func (s operatorAPI) record(r *http.Request, actor gatehouse.Actor, action, orgID, details string) {
	if err := s.Desk.Record(r.Context(), actor, s.client(r), action, orgID, "", "", "", details); err != nil {
		s.Log.ErrorContext(r.Context(), "writing the operator log", "err", err)
	}
}

func (s operatorAPI) recordReason(r *http.Request, actor gatehouse.Actor, action, orgID, reason string) {
	if err := s.Desk.Record(r.Context(), actor, s.client(r), action, orgID, "", reason, "", ""); err != nil {
		s.Log.ErrorContext(r.Context(), "writing the operator log", "err", err)
	}
}
