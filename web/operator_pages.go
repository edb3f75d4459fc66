package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/operator"
	"github.com/gatehouse-auth/gatehouse/org"
)

// operatorPages serve the service desk's console at /operator, on the public
// URL's host only: sign-in (always with an authenticator app), activation, the
// organizations and their owners, suspension, and owner recovery by support
// PIN. Its session cookie is its own, apart from members' sessions.
type operatorPages struct{ *Server }

func (s operatorPages) routes() {
	s.route("GET /operator", s.home)
	s.route("POST /operator/login", s.login)
	s.route("POST /operator/logout", s.logout)
	s.route("GET /operator/activate", s.activatePage)
	s.route("POST /operator/activate", s.activate)
	s.route("GET /operator/operators", s.operatorsPage)
	s.route("GET /operator/operators/{id}/{do}", s.confirmOperator)
	s.route("POST /operator/operators/{id}/{do}", s.changeOperator)
	s.route("GET /operator/log", s.logPage)
	s.route("GET /operator/log.csv", s.logCSV)
	s.route("POST /operator/orgs", s.create)
	s.route("GET /operator/orgs/{slug}", s.orgPage)
	s.route("POST /operator/orgs/{slug}/state", s.setState)
	s.route("POST /operator/orgs/{slug}/owners/{id}/pin", s.checkPIN)
	s.route("POST /operator/orgs/{slug}/owners/{id}/recover", s.recover)
}

func (s operatorPages) cookieName() string {
	if s.secure {
		return "__Host-gatehouse_operator"
	}
	return "gatehouse_operator"
}

// available answers 404 off the public host or without a desk.
func (s operatorPages) available(w http.ResponseWriter, r *http.Request) bool {
	if s.Desk == nil || s.OrgAdmin == nil || !onPublicHost(r) {
		http.Error(w, "Not found.", http.StatusNotFound)
		return false
	}
	return true
}

// operator returns the signed-in operator, or nil.
func (s operatorPages) operator(r *http.Request) (*operator.Session, *operator.Operator) {
	c, err := r.Cookie(s.cookieName())
	if err != nil {
		return nil, nil
	}
	sess, o, err := s.Desk.Session(r.Context(), c.Value)
	if err != nil {
		return nil, nil
	}
	return sess, o
}

// signedIn returns the operator or sends the browser to the sign-in form.
func (s operatorPages) signedIn(w http.ResponseWriter, r *http.Request) (*operator.Operator, bool) {
	if !s.available(w, r) {
		return nil, false
	}
	_, o := s.operator(r)
	if o == nil {
		s.redirect(w, r, "/operator", nil)
		return nil, false
	}
	return o, true
}

func (s operatorPages) view(w http.ResponseWriter, r *http.Request, title string) *view {
	return &view{Title: title, orgMessage: "operator.desk", CSRF: s.csrfToken(w, r), Notice: operatorNotices[r.URL.Query().Get("done")]}
}

// operatorNotices are the messages a redirect's done parameter names.
var operatorNotices = map[string]string{
	"activated": "Your account is active: sign in with your password and a code of your app.",
	"created":   "Created; the first owner's invitation is emailed to the address given.",
	"state":     "The organization's state is changed.",
	"recovery":  "The recovery link is emailed to the owner's address on record; the other owners and administrators are told.",
	"disabled":  "The operator is disabled: their sessions have ended and the API keys they created no longer work.",
	"enabled":   "The operator is enabled again.",
	"removed":   "The operator is removed; the operator log keeps their entries.",
}

type operatorHomeData struct {
	Operator *operator.Operator
	Query    string
	Orgs     []org.Summary
}

func (s operatorPages) home(w http.ResponseWriter, r *http.Request) {
	if !s.available(w, r) {
		return
	}
	_, o := s.operator(r)
	if o == nil {
		s.render(w, r, http.StatusOK, "operator_login", s.view(w, r, "Service desk sign-in"))
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	list, _, err := s.OrgAdmin.List(r.Context(), o.Actor(), org.Filter{Query: q, Limit: 200})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.view(w, r, "Organizations")
	v.Data = operatorHomeData{Operator: o, Query: q, Orgs: list}
	s.render(w, r, http.StatusOK, "operator_home", v)
}

func (s operatorPages) login(w http.ResponseWriter, r *http.Request) {
	if !s.available(w, r) || !s.parseForm(w, r) {
		return
	}
	_, raw, err := s.Desk.SignIn(r.Context(), operator.SignInRequest{Username: field(r, "username"), Password: r.PostForm.Get("password"),
		Code: field(r, "code"), Client: s.client(r)})
	if err != nil {
		st, msg, retry := s.errorInfo(r, err)
		if retry > 0 {
			setRetryAfter(w, retry)
		}
		v := s.view(w, r, "Service desk sign-in")
		v.Error, v.Form = msg, map[string]string{"username": field(r, "username")}
		s.render(w, r, st, "operator_login", v)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: raw, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
	s.redirect(w, r, "/operator", nil)
}

func (s operatorPages) logout(w http.ResponseWriter, r *http.Request) {
	if !s.available(w, r) || !s.parseForm(w, r) {
		return
	}
	if sess, _ := s.operator(r); sess != nil {
		if err := s.Desk.SignOut(r.Context(), sess); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
	s.redirect(w, r, "/operator", nil)
}

func (s operatorPages) activatePage(w http.ResponseWriter, r *http.Request) {
	if !s.available(w, r) {
		return
	}
	s.renderActivate(w, r, http.StatusOK, r.URL.Query().Get("token"), s.view(w, r, "Activate your service desk account"))
}

func (s operatorPages) renderActivate(w http.ResponseWriter, r *http.Request, st int, token string, v *view) {
	e, err := s.Desk.Activation(r.Context(), token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = struct {
		Token string
		*operator.Enrolment
	}{token, e}
	s.render(w, r, st, "operator_activate", v)
}

func (s operatorPages) activate(w http.ResponseWriter, r *http.Request) {
	if !s.available(w, r) || !s.parseForm(w, r) {
		return
	}
	token := field(r, "token")
	_, err := s.Desk.Activate(r.Context(), operator.ActivateRequest{Token: token, Password: r.PostForm.Get("password"),
		Confirm: r.PostForm.Get("confirm_password"), Code: field(r, "code"), Client: s.client(r)})
	if gatehouse.IsCode(err, gatehouse.Invalid) {
		v := s.view(w, r, "Activate your service desk account")
		v.fieldErrors(err, "")
		s.renderActivate(w, r, http.StatusUnprocessableEntity, token, v)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/operator", url.Values{"done": {"activated"}})
}

func (s operatorPages) create(w http.ResponseWriter, r *http.Request) {
	o, ok := s.signedIn(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	email := field(r, "owner_email")
	if email == "" {
		s.renderError(w, r, http.StatusUnprocessableEntity, "Give the first owner's email address: the invitation is emailed, never shown here.")
		return
	}
	c, err := s.OrgAdmin.Create(r.Context(), o.Actor(), s.client(r), org.CreateRequest{Slug: field(r, "slug"), Name: field(r, "name"),
		Hosts: strings.Fields(field(r, "hosts")), OwnerEmail: email, MailFrom: field(r, "mail_from_address")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_ = s.Desk.Record(r.Context(), o.Actor(), s.client(r), operator.ActionOrgCreated, c.Org.ID, "", "", "", "")
	s.redirect(w, r, "/operator/orgs/"+c.Org.Slug, url.Values{"done": {"created"}})
}

type operatorOrgData struct {
	Operator *operator.Operator
	Sum      *org.Summary
	URL      string
	Default  bool              // the default organization, which cannot be suspended
	PIN      map[string]string // owner id -> the result of the last check, from the redirect
}

func (s operatorPages) orgPage(w http.ResponseWriter, r *http.Request) {
	o, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	sum, err := s.OrgAdmin.Show(r.Context(), o.Actor(), r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.view(w, r, sum.Org.Name)
	v.Data = operatorOrgData{Operator: o, Sum: sum, URL: org.BaseURL(s.Config.PublicURL, sum.Org).String(), Default: sum.Org.IsDefault(),
		PIN: map[string]string{r.URL.Query().Get("owner"): r.URL.Query().Get("pin")}}
	s.render(w, r, http.StatusOK, "operator_org", v)
}

func (s operatorPages) setState(w http.ResponseWriter, r *http.Request) {
	o, ok := s.signedIn(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	do, action := s.OrgAdmin.Resume, operator.ActionOrgResumed
	if field(r, "state") == string(gatehouse.OrgSuspended) {
		do, action = s.OrgAdmin.Suspend, operator.ActionOrgSuspended
	}
	got, err := do(r.Context(), o.Actor(), s.client(r), r.PathValue("slug"), field(r, "reason"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_ = s.Desk.Record(r.Context(), o.Actor(), s.client(r), action, got.ID, "", field(r, "reason"), "", "")
	s.redirect(w, r, "/operator/orgs/"+got.Slug, url.Values{"done": {"state"}})
}

// ownerOrg returns the organization of the path's slug.
func (s operatorPages) ownerOrg(w http.ResponseWriter, r *http.Request, o *operator.Operator) (*gatehouse.Organization, bool) {
	sum, err := s.OrgAdmin.Show(r.Context(), o.Actor(), r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return sum.Org, true
}

func (s operatorPages) checkPIN(w http.ResponseWriter, r *http.Request) {
	o, ok := s.signedIn(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	og, ok := s.ownerOrg(w, r, o)
	if !ok {
		return
	}
	res, err := s.Desk.CheckPIN(r.Context(), o.Actor(), s.client(r), og.ID, r.PathValue("id"), field(r, "pin"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/operator/orgs/"+og.Slug, url.Values{"owner": {r.PathValue("id")}, "pin": {string(res)}})
}

func (s operatorPages) recover(w http.ResponseWriter, r *http.Request) {
	o, ok := s.signedIn(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	og, ok := s.ownerOrg(w, r, o)
	if !ok {
		return
	}
	err := s.Desk.SendRecovery(r.Context(), o.Actor(), operator.RecoveryRequest{OrgID: og.ID, MemberID: r.PathValue("id"),
		Reason: field(r, "reason"), Ticket: field(r, "ticket"), Client: s.client(r)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/operator/orgs/"+og.Slug, url.Values{"done": {"recovery"}})
}
