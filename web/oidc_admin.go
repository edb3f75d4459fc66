package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/oidc"
)

// /admin/applications: the OpenID Connect clients. The admin area's checks and
// page frame are adminPages' (adminPages{...}.admin, adminView, adminFail).

// adminRoutes registers the clients' admin pages.
func (o oidcPages) adminRoutes() {
	o.route("GET /admin/applications", o.with(o.adminClients))
	o.route("POST /admin/applications", o.with(o.adminCreateClient))
	o.route("GET /admin/applications/{id}", o.with(o.adminClient))
	o.route("POST /admin/applications/{id}", o.with(o.adminUpdateClient))
	o.route("POST /admin/applications/{id}/secret", o.with(o.adminRotateSecret))
	o.route("POST /admin/applications/{id}/delete", o.with(o.adminDeleteClient))
}

var clientNotices = map[string]string{
	"client_saved":   "The application has been saved.",
	"client_deleted": "The application has been deleted. Its tokens no longer work.",
}

type clientsPage struct {
	Clients []*oidc.Client
	Issuer  string
}

type clientPage struct {
	Client    *oidc.Client
	NewSecret string // shown once, after creation or rotation
	Issuer    string
}

// clientForm reads the fields of the create and edit forms.
func clientForm(r *http.Request) oidc.NewClient {
	return oidc.NewClient{
		Name: field(r, "name"), RedirectURIs: strings.Fields(field(r, "redirect_uris")),
		PostLogoutURIs: strings.Fields(field(r, "post_logout_redirect_uris")), BackchannelLogoutURI: field(r, "backchannel_logout_uri"),
		Public: field(r, "public") == "on", FirstParty: field(r, "first_party") == "on", Offline: field(r, "offline") == "on",
	}
}

func (o oidcPages) adminClientsView(w http.ResponseWriter, r *http.Request, m *gatehouse.Member, actor gatehouse.Actor) (*view, error) {
	cls, err := o.OIDC.Clients.List(r.Context(), actor, m.OrgID)
	if err != nil {
		return nil, err
	}
	iss, err := o.OIDC.Issuer(r.Context(), m.OrgID)
	if err != nil {
		return nil, err
	}
	v := adminPages(o).adminView(w, r, m, "Applications", "applications", &clientsPage{Clients: cls, Issuer: iss})
	if n := clientNotices[r.URL.Query().Get("done")]; n != "" {
		v.Notice = n
	}
	return v, nil
}

func (o oidcPages) adminClients(w http.ResponseWriter, r *http.Request) {
	a := adminPages(o)
	m, actor, ok := a.admin(w, r)
	if !ok {
		return
	}
	v, err := o.adminClientsView(w, r, m, actor)
	if err != nil {
		a.adminFail(w, r, m, err)
		return
	}
	o.render(w, r, http.StatusOK, "oidc_admin_clients", v)
}

// adminCreateClient answers with the new client's page itself: its secret
// is shown this once and must not travel in a URL.
func (o oidcPages) adminCreateClient(w http.ResponseWriter, r *http.Request) {
	if !o.parseForm(w, r) {
		return
	}
	a := adminPages(o)
	m, actor, ok := a.admin(w, r)
	if !ok {
		return
	}
	cl, sec, err := o.OIDC.Clients.Create(r.Context(), actor, o.client(r), m.OrgID, clientForm(r))
	if err != nil {
		v, verr := o.adminClientsView(w, r, m, actor)
		if verr != nil {
			a.adminFail(w, r, m, verr)
			return
		}
		st, msg, _ := o.errorInfo(r, err)
		v.fieldErrors(err, msg)
		for _, k := range []string{"name", "redirect_uris", "post_logout_redirect_uris", "backchannel_logout_uri", "public", "first_party", "offline"} {
			v.Form[k] = field(r, k)
		}
		o.render(w, r, st, "oidc_admin_clients", v)
		return
	}
	if v, ok := o.clientPage(w, r, m, cl, sec); ok {
		o.render(w, r, http.StatusCreated, "oidc_admin_client", v)
	}
}

// clientPage is the view of an application's page, with its secret when
// one was just made.
func (o oidcPages) clientPage(w http.ResponseWriter, r *http.Request, m *gatehouse.Member, cl *oidc.Client, secret string) (*view, bool) {
	iss, err := o.OIDC.Issuer(r.Context(), m.OrgID)
	if err != nil {
		adminPages(o).adminFail(w, r, m, err)
		return nil, false
	}
	return adminPages(o).adminView(w, r, m, cl.Name, "applications", &clientPage{Client: cl, NewSecret: secret, Issuer: iss}), true
}

func (o oidcPages) clientView(w http.ResponseWriter, r *http.Request) (*gatehouse.Member, gatehouse.Actor, *oidc.Client, bool) {
	a := adminPages(o)
	m, actor, ok := a.admin(w, r)
	if !ok {
		return nil, actor, nil, false
	}
	cl, err := o.OIDC.Clients.Get(r.Context(), actor, m.OrgID, r.PathValue("id"))
	if err != nil {
		a.adminFail(w, r, m, err)
		return nil, actor, nil, false
	}
	return m, actor, cl, true
}

func (o oidcPages) adminClient(w http.ResponseWriter, r *http.Request) {
	m, _, cl, ok := o.clientView(w, r)
	if !ok {
		return
	}
	v, ok := o.clientPage(w, r, m, cl, "")
	if !ok {
		return
	}
	if n := clientNotices[r.URL.Query().Get("done")]; n != "" {
		v.Notice = n
	}
	o.render(w, r, http.StatusOK, "oidc_admin_client", v)
}

func (o oidcPages) adminUpdateClient(w http.ResponseWriter, r *http.Request) {
	if !o.parseForm(w, r) {
		return
	}
	m, actor, cl, ok := o.clientView(w, r)
	if !ok {
		return
	}
	if _, err := o.OIDC.Clients.Update(r.Context(), actor, o.client(r), m.OrgID, cl.ID, clientForm(r)); err != nil {
		v, ok := o.clientPage(w, r, m, cl, "")
		if !ok {
			return
		}
		st, msg, _ := o.errorInfo(r, err)
		v.fieldErrors(err, msg)
		o.render(w, r, st, "oidc_admin_client", v)
		return
	}
	o.redirect(w, r, "/admin/applications/"+url.PathEscape(cl.ID), url.Values{"done": {"client_saved"}})
}

// adminRotateSecret answers with the page itself: the new secret is shown once.
func (o oidcPages) adminRotateSecret(w http.ResponseWriter, r *http.Request) {
	if !o.parseForm(w, r) {
		return
	}
	m, actor, cl, ok := o.clientView(w, r)
	if !ok {
		return
	}
	sec, err := o.OIDC.Clients.RotateSecret(r.Context(), actor, o.client(r), m.OrgID, cl.ID)
	if err != nil {
		adminPages(o).adminFail(w, r, m, err)
		return
	}
	if v, ok := o.clientPage(w, r, m, cl, sec); ok {
		o.render(w, r, http.StatusCreated, "oidc_admin_client", v)
	}
}

func (o oidcPages) adminDeleteClient(w http.ResponseWriter, r *http.Request) {
	if !o.parseForm(w, r) {
		return
	}
	m, actor, cl, ok := o.clientView(w, r)
	if !ok {
		return
	}
	if err := o.OIDC.Clients.Delete(r.Context(), actor, o.client(r), m.OrgID, cl.ID); err != nil {
		adminPages(o).adminFail(w, r, m, err)
		return
	}
	o.redirect(w, r, "/admin/applications", url.Values{"done": {"client_deleted"}})
}
