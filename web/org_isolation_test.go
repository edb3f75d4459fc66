package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/mail"
	"github.com/gatehouse-auth/gatehouse/oidc"
	"github.com/gatehouse-auth/gatehouse/org"
	"github.com/gatehouse-auth/gatehouse/passkey"
	"github.com/gatehouse-auth/gatehouse/web"
	"github.com/gatehouse-auth/gatehouse/webhook"
)

// tenant is an organization of the isolation matrix, with one of everything
// an administrator or an API key can name by id.
type tenant struct {
	Org                           *gatehouse.Organization
	URL                           string // http://SLUG.localhost:PORT
	Owner, Admin, Member, Pending *gatehouse.Member
	OwnerKey, AdminKey            string // API keys with those roles
	KeyID, Webhook, Client        string
	Passkey, Activation           string
	Notice                        string // a failed notice, which may be sent again
	// Marks are strings only this organization's data contains: an answer to
	// another organization's actor that holds one shows its data.
	Marks []string
}

// ids returns the tenant's ids of the kind a route's path names by the
// segment before the wildcard ("members" in /admin/members/{id}); nil for a
// kind the matrix does not know.
func (x *tenant) ids(kind string) []string {
	switch kind {
	case "members":
		return []string{x.Owner.ID, x.Admin.ID, x.Member.ID, x.Pending.ID}
	case "api-keys":
		return []string{x.KeyID}
	case "webhooks":
		return []string{x.Webhook}
	case "applications", "clients":
		return []string{x.Client}
	case "passkeys":
		return []string{x.Passkey}
	case "activation":
		return []string{x.Activation}
	case "mail-messages", "messages":
		return []string{x.Notice}
	case "organizations":
		return []string{x.Org.ID, x.Org.Slug}
	}
	return nil
}

// anchor returns the id of the kind that a route names beside another
// organization's id: the tenant's first of the kind, or its plain member
// (whom an administrator may act on).
func (x *tenant) anchor(kind string) string {
	if kind == "members" {
		return x.Member.ID
	}
	return x.ids(kind)[0]
}

// withTenants turns host routing on with the organizations slugs on
// SLUG.localhost at the server's port, each filled by newTenant.
func withTenants(t *testing.T, s *webtest.Server, slugs ...string) []*tenant {
	t.Helper()
	orgs := &org.Service{Store: s.Store, Composer: &mail.Templates{}, PublicURL: s.Web.Config.PublicURL, Now: s.Clock.Now}
	s.Web.Orgs = orgs
	var out []*tenant
	for _, slug := range slugs {
		out = append(out, newTenant(t, s, orgs, slug))
	}
	return out
}

// newTenant creates the organization slug with an owner, an administrator, a
// member (signed in once on its host, so that it has a session) and a
// never-activated member, API keys of both roles, a webhook, an OpenID
// Connect client, a passkey of the member and a pending activation
// confirmation.
func newTenant(t *testing.T, s *webtest.Server, orgs *org.Service, slug string) *tenant {
	t.Helper()
	ctx := t.Context()
	_, port, _ := net.SplitHostPort(s.Addr())
	name := strings.ToUpper(slug[:1]) + slug[1:] + " Company"
	c, err := orgs.Create(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, org.CreateRequest{Slug: slug, Name: name,
		Hosts: []string{slug + ".localhost:" + port}})
	if err != nil {
		t.Fatal(err)
	}
	x := &tenant{Org: c.Org, URL: "http://" + slug + ".localhost:" + port}
	sys := gatehouse.SystemActor(c.Org.ID)
	add := func(who string, role gatehouse.Role, password string) *gatehouse.Member {
		m, _, err := s.Admin.CreateMember(ctx, sys, gatehouse.Client{}, gatehouse.NewMember{OrgID: c.Org.ID,
			Username: slug + "-" + who, Email: who + "@" + slug + ".test", DisplayName: slug + " " + who, Role: role, Password: password})
		if err != nil {
			t.Fatalf("%s %s: %v", slug, who, err)
		}
		x.Marks = append(x.Marks, m.Username, m.Email, m.DisplayName)
		return m
	}
	x.Owner = add("owner", gatehouse.RoleOwner, goodPassword)
	x.Admin = add("admin", gatehouse.RoleAdministrator, goodPassword)
	x.Member = add("member", gatehouse.RoleMember, goodPassword)
	x.Pending = add("pending", gatehouse.RoleMember, "")
	x.Marks = append(x.Marks, name)
	if _, err := s.Admin.UpdateSettings(ctx, sys, gatehouse.Client{}, c.Org.ID, map[string]string{"api_requests_per_minute": "100000"}); err != nil {
		t.Fatal(err)
	}
	var k *gatehouse.APIKey
	if x.OwnerKey, k, err = s.App.APIKeys.Create(ctx, sys, gatehouse.Client{}, c.Org.ID, slug+" owner key", gatehouse.RoleOwner); err != nil {
		t.Fatal(err)
	}
	x.KeyID = k.ID
	if x.AdminKey, _, err = s.App.APIKeys.Create(ctx, sys, gatehouse.Client{}, c.Org.ID, slug+" admin key", gatehouse.RoleAdministrator); err != nil {
		t.Fatal(err)
	}
	hook, _, err := s.Webhooks.Create(ctx, sys, gatehouse.Client{}, c.Org.ID, webhook.NewEndpoint{URL: "https://hooks." + slug + ".test/in", Events: []string{"member.disabled"}})
	if err != nil {
		t.Fatal(err)
	}
	x.Webhook = hook.ID
	cl, _, err := s.OIDC.Clients.Create(ctx, sys, gatehouse.Client{}, c.Org.ID, oidc.NewClient{Name: slug + " crm", RedirectURIs: []string{"https://crm." + slug + ".test/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	x.Client = cl.ID
	x.Marks = append(x.Marks, "hooks."+slug+".test", slug+" crm")
	pk := &passkey.Passkey{ID: gatehouse.NewID(nil), OrgID: c.Org.ID, MemberID: x.Member.ID, CredentialID: "cred-" + slug, Name: slug + " laptop",
		AAGUID: "00000000-0000-0000-0000-000000000000", Credential: []byte("{}"), CreatedAt: s.Clock.Now()}
	if err := s.Store.CreatePasskey(ctx, pk); err != nil {
		t.Fatal(err)
	}
	x.Passkey = pk.ID
	x.Marks = append(x.Marks, pk.Name)
	if x.Activation, err = s.Admin.PrepareActivation(ctx, sys, c.Org.ID, []string{x.Pending.ID}); err != nil {
		t.Fatal(err)
	}
	notice := &gatehouse.Message{ID: gatehouse.NewID(nil), OrgID: c.Org.ID, MemberID: x.Member.ID, Channel: gatehouse.ChannelEmail,
		Kind: "security_notice", To: x.Member.Email, Subject: "Your sign-in details changed", Text: "A notice of " + slug + ".",
		Status: gatehouse.MessageFailed, CreatedAt: s.Clock.Now()}
	if err := s.Store.Enqueue(ctx, notice); err != nil {
		t.Fatal(err)
	}
	x.Notice = notice.ID
	b := hostBrowser(t, s)
	if r := b.Submit(x.URL+"/login", x.URL+"/login", url.Values{"identifier": {x.Member.Username}, "password": {goodPassword}}); r.Status != http.StatusSeeOther {
		t.Fatalf("%s's member signs in: %d\n%s", slug, r.Status, r.Body)
	}
	return x
}

// signedInOn returns a browser signed in as username on the tenant's host.
func signedInOn(t *testing.T, s *webtest.Server, x *tenant, username string) *webtest.Browser {
	t.Helper()
	b := hostBrowser(t, s)
	if r := b.Submit(x.URL+"/login", x.URL+"/login", url.Values{"identifier": {username}, "password": {goodPassword}}); r.Status != http.StatusSeeOther {
		t.Fatalf("%s signs in: %d\n%s", username, r.Status, r.Body)
	}
	if r := b.Get(x.URL + "/admin/members"); r.Status != http.StatusOK {
		t.Fatalf("%s's admin page: %d\n%s", username, r.Status, r.Body)
	}
	return b
}

// snapshot is everything of the organization an administrator or a key could
// change or cause, as JSON, to compare before and after.
func snapshot(t *testing.T, s *webtest.Server, x *tenant) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	put := func(what string, v any, err error) {
		if err != nil {
			t.Fatalf("snapshot of %s: %v", what, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[what] = string(b)
	}
	id := x.Org.ID
	members, _, err := s.Store.ListMembers(ctx, id, gatehouse.MemberFilter{Limit: 500})
	put("members", members, err)
	for _, m := range members {
		sess, err := s.Store.MemberSessions(ctx, id, m.ID, s.Clock.Now())
		put("sessions of "+m.Username, sess, err)
		pks, err := s.Store.Passkeys(ctx, id, m.ID)
		put("passkeys of "+m.Username, pks, err)
	}
	o, err := s.Store.Organization(ctx, id)
	put("organization", o, err)
	set, err := s.Store.Settings(ctx, id)
	put("settings", set, err)
	keys, err := s.Store.APIKeys(ctx, id)
	put("API keys", keys, err)
	hooks, err := s.Store.Webhooks(ctx, id)
	put("webhooks", hooks, err)
	clients, err := s.Store.OIDCClients(ctx, id)
	put("OpenID Connect clients", clients, err)
	evs, _, err := s.Store.AuditEvents(ctx, id, gatehouse.AuditFilter{Limit: 500})
	put("audit log", evs, err)
	// Messages change state as the worker sends them: their ids and kinds
	// say whether one was added.
	msgs, _, err := s.Store.Messages(ctx, id, gatehouse.MessageFilter{Limit: 500})
	var sent []string
	for _, m := range msgs {
		sent = append(sent, m.ID+" "+m.Kind+" "+m.To)
	}
	put("messages", sent, err)
	return out
}

// matrixRequest is one request of the matrix: the route's pattern, the path
// with B's ids (or nonexistent ones) and what goes with it.
type matrixRequest struct {
	Pattern, Method, Path string
	Wildcards             bool       // the path names ids
	Query, Form           url.Values // for pages
	JSON                  string     // for the API
}

// pageForms are the fields a page's form sends besides the ids, so that an
// answer reaches the lookup of the id rather than stopping at a missing
// field.
var pageForms = map[string]url.Values{
	"POST /admin/members/{id}/profile":    {"display_name": {"Renamed"}, "email": {"renamed@example.com"}},
	"POST /admin/members/{id}/password":   {"password": {"amber lantern quiet river"}, "confirm_password": {"amber lantern quiet river"}},
	"POST /admin/members/{id}/verify-pin": {"pin": {"602914"}},
	"POST /admin/applications/{id}":       {"name": {"Renamed"}, "redirect_uris": {"https://renamed.example/cb"}},
	"POST /admin/members/bulk":            {"action": {"disable"}},
	"POST /admin/members/bulk/apply":      {"action": {"disable"}},
}

// apiQueries are the query strings of API reads, which refuse parameters
// they do not know.
var apiQueries = map[string]func(other *tenant) url.Values{
	"GET /api/v1/members":       func(o *tenant) url.Values { return url.Values{"query": {o.Member.Username}} },
	"GET /api/v1/audit-events":  func(o *tenant) url.Values { return url.Values{"member_id": {o.Member.ID}} },
	"GET /api/v1/mail-messages": func(o *tenant) url.Values { return url.Values{"member_id": {o.Member.ID}} },
}

// apiBodies are the JSON bodies of API calls, for the same reason.
var apiBodies = map[string]string{
	"PATCH /api/v1/members/{id}":               `{"display_name":"Renamed"}`,
	"PUT /api/v1/members/{id}/password":        `{"password":"amber lantern quiet river"}`,
	"PUT /api/v1/brand/texts/{language}/{key}": `{"text":"Anmelden bei uns"}`,
}

// notIDs are the wildcards that name no organization's data but something
// every organization shares (a language, a catalog message): they are filled
// with the same value in every request, and the route is checked like one
// without ids (B's data unchanged, nothing of B's shown).
var notIDs = map[string]string{"{language}": "de", "{key}": "login.title"}

// matrixRequests turns every route of the router under /admin and /api/v1
// into requests naming other's ids, and the same requests naming ids that
// exist nowhere. A wildcard the matrix cannot fill fails the test, naming the
// route, so that a new route is covered or noticed.
func matrixRequests(t *testing.T, s *webtest.Server, own, other *tenant) (theirs, nobodys []matrixRequest, twins map[string]string) {
	t.Helper()
	fresh := map[string]string{} // other's id → an id nobody has
	nobody := func(id string) string {
		if fresh[id] == "" {
			fresh[id] = gatehouse.NewID(nil)
		}
		return fresh[id]
	}
	// Searches name other's member by name and address: the twin searches
	// for names nobody has.
	fresh[other.Member.Username] = "nobody-" + gatehouse.NewID(nil)[:8]
	fresh[other.Member.Email] = "nobody-" + gatehouse.NewID(nil)[:8] + "@nowhere.test"
	swap := func(v url.Values) url.Values {
		out := url.Values{}
		for k, vs := range v {
			for _, x := range vs {
				if f, ok := fresh[x]; ok {
					x = f
				}
				out.Add(k, x)
			}
		}
		return out
	}
	for _, p := range web.RoutePatterns(s.Web) {
		method, path, ok := strings.Cut(p, " ")
		if !ok || !(path == "/admin" || strings.HasPrefix(path, "/admin/") || strings.HasPrefix(path, "/api/v1/")) {
			continue
		}
		for w, v := range notIDs {
			path = strings.ReplaceAll(path, w, v)
		}
		segs := strings.Split(path, "/")
		var holes []int
		for i, sg := range segs {
			if strings.HasPrefix(sg, "{") && sg != "{$}" {
				holes = append(holes, i)
			}
		}
		if len(holes) == 0 {
			// The ids go where forms, queries and bodies carry them.
			mr := matrixRequest{Pattern: p, Method: method, Path: strings.TrimSuffix(path, "{$}"),
				Query: url.Values{"member": {other.Member.ID}, "member_id": {other.Member.ID}, "endpoint": {other.Webhook},
					"query": {other.Member.Username}, "recipient": {other.Member.Email}}}
			if strings.HasPrefix(path, "/api/") {
				mr.Query = nil
				if q := apiQueries[p]; q != nil {
					mr.Query = q(other)
				}
			}
			if method != http.MethodGet {
				mr.Query = nil
				mr.Form = url.Values{"member_id": other.ids("members"), "confirmation": {other.Activation}, "query": {other.Member.Username}}
				for k, v := range pageForms[p] {
					mr.Form[k] = v
				}
				ids, _ := json.Marshal(other.ids("members"))
				mr.JSON = `{"member_ids":` + string(ids) + `}`
			}
			for _, id := range append(other.ids("members"), other.Webhook, other.Activation) {
				nobody(id)
			}
			theirs = append(theirs, mr)
			nm := mr
			nm.Query, nm.Form = swap(mr.Query), swap(mr.Form)
			nm.JSON = mr.JSON
			for id, f := range fresh {
				nm.JSON = strings.ReplaceAll(nm.JSON, id, f)
			}
			nobodys = append(nobodys, nm)
			continue
		}
		kinds := make([]string, len(holes))
		known := true
		for i, h := range holes {
			kinds[i] = segs[h-1]
			if other.ids(kinds[i]) == nil {
				t.Errorf("%s: the isolation matrix does not know what %s after %q names; give tenant.ids the ids of that kind", p, segs[h], kinds[i])
				known = false
			}
		}
		if !known {
			continue
		}
		// Each wildcard names each of other's ids of its kind, the others
		// naming other's first; and, where there are several, each names
		// other's while the others name own's (B's passkey on A's member).
		fill := func(x *tenant, first func(*tenant, string) string, i int, id string) []string {
			c := make([]string, len(holes))
			for j := range holes {
				c[j] = first(x, kinds[j])
			}
			c[i] = id
			return c
		}
		var combos [][]string
		for i := range holes {
			for _, id := range other.ids(kinds[i]) {
				combos = append(combos, fill(other, func(x *tenant, k string) string { return x.ids(k)[0] }, i, id))
				if len(holes) > 1 {
					combos = append(combos, fill(own, (*tenant).anchor, i, id))
				}
			}
		}
		for _, c := range combos {
			ss, ns := append([]string(nil), segs...), append([]string(nil), segs...)
			for j, h := range holes {
				ss[h] = c[j]
				ns[h] = c[j]
				if !contains(own.ids(kinds[j]), c[j]) {
					ns[h] = nobody(c[j])
				}
			}
			mr := matrixRequest{Pattern: p, Method: method, Path: strings.Join(ss, "/"), Wildcards: true,
				Form: pageForms[p], JSON: apiBodies[p]}
			theirs = append(theirs, mr)
			mr.Path = strings.Join(ns, "/")
			nobodys = append(nobodys, mr)
		}
	}
	return theirs, nobodys, fresh
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// anyID matches the ids Gatehouse makes, which a redirect may carry.
var anyID = regexp.MustCompile(`[a-z2-7]{26}`)

// answer is what a request's answer is compared by.
type answer struct {
	Status   int
	Location string
	Body     string
}

func (a answer) String() string { return fmt.Sprintf("%d %q", a.Status, a.Location) }

// sendMatrix makes the request as a signed-in browser (pages) or with key (the
// API), on base.
func sendMatrix(t *testing.T, b *webtest.Browser, key, base string, mr matrixRequest) answer {
	t.Helper()
	u := base + mr.Path
	if len(mr.Query) > 0 && mr.Method == http.MethodGet {
		u += "?" + mr.Query.Encode()
	}
	var r *webtest.Response
	switch {
	case strings.HasPrefix(mr.Path, "/api/"):
		req, _ := http.NewRequest(mr.Method, u, strings.NewReader(mr.JSON))
		req.Header.Set("Authorization", "Bearer "+key)
		if mr.JSON != "" && mr.Method != http.MethodGet {
			req.Header.Set("Content-Type", "application/json")
		}
		r = b.Do(req)
	case mr.Method == http.MethodGet:
		r = b.Get(u)
	default:
		r = b.Post(u, mr.Form)
	}
	return answer{Status: r.Status, Location: r.Location, Body: r.Body}
}

// TestIsolationMatrix: an administrator, an owner and API keys of both roles
// of organization A, on A's host, name organization B's ids on every admin
// page route and every /api/v1 route the router serves. Each answer is the
// answer to an id that exists nowhere (404 wherever the path names an id),
// shows nothing of B's, B's data is unchanged afterwards, B's audit log does
// not hold the attempts and A's holds the refused API calls and, for every
// admin page route that names an id, the refused page requests.
func TestIsolationMatrix(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		ts := withTenants(t, s, "acme", "beta")
		a, b := ts[0], ts[1]
		if _, err := s.Worker.Drain(t.Context()); err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, s, b)
		theirs, nobodys, twins := matrixRequests(t, s, a, b)
		if len(theirs) < 60 {
			t.Fatalf("only %d requests in the matrix", len(theirs))
		}
		covered := map[string]bool{}
		apiRefused := map[string]int{}
		pageRefused := map[string]int{}
		actors := []struct {
			name    string
			browser *webtest.Browser
			key     string
		}{
			{"A's owner", signedInOn(t, s, a, a.Owner.Username), a.OwnerKey},
			{"A's administrator", signedInOn(t, s, a, a.Admin.Username), a.AdminKey},
		}
		// compare fails unless got, the answer to B's ids, is want, the
		// answer to ids nobody has, and shows nothing of B's beyond what the
		// request itself said.
		compare := func(what string, got, want answer) {
			t.Helper()
			if got.Status != want.Status || anyID.ReplaceAllString(got.Location, "ID") != anyID.ReplaceAllString(want.Location, "ID") {
				t.Errorf("%s: %v, but %v for ids that exist nowhere", what, got, want)
			}
			for _, mark := range b.Marks {
				n := strings.Count(got.Body, mark)
				if twin, ok := twins[mark]; ok {
					n -= strings.Count(want.Body, twin)
				}
				if n > 0 {
					t.Errorf("%s: the answer shows B's %q", what, mark)
				}
			}
		}
		for _, actor := range actors {
			for i, mr := range theirs {
				covered[mr.Pattern] = true
				what := fmt.Sprintf("%s: %s %s", actor.name, mr.Method, mr.Path)
				got := sendMatrix(t, actor.browser, actor.key, a.URL, mr)
				want := sendMatrix(t, actor.browser, actor.key, a.URL, nobodys[i])
				compare(what, got, want)
				if got.Status == http.StatusSeeOther && want.Status == http.StatusSeeOther && strings.HasPrefix(got.Location, "/") {
					compare(what+", then GET "+got.Location,
						sendMatrix(t, actor.browser, "", a.URL, matrixRequest{Method: http.MethodGet, Path: got.Location}),
						sendMatrix(t, actor.browser, "", a.URL, matrixRequest{Method: http.MethodGet, Path: want.Location}))
				}
				// The service desk's API is no endpoint on an organization's
				// host, whatever the key.
				wantStatus := http.StatusNotFound
				if mr.Pattern == "GET /admin/activation/{id}" {
					wantStatus = http.StatusGone // every unknown confirmation is gone
				}
				if mr.Wildcards && got.Status != wantStatus {
					t.Errorf("%s: %v, want %d (B's id is no id in A)\n%.600s", what, got, wantStatus, got.Body)
				}
				if strings.HasPrefix(mr.Path, "/api/v1/") && !strings.HasPrefix(mr.Path, "/api/v1/operator") &&
					mr.Method != http.MethodGet && got.Status == http.StatusNotFound {
					apiRefused[mr.Pattern]++
				}
				if strings.HasPrefix(mr.Path, "/admin/") && mr.Wildcards {
					pageRefused[mr.Pattern]++
				}
			}
		}
		for _, p := range web.RoutePatterns(s.Web) {
			_, path, _ := strings.Cut(p, " ")
			if (path == "/admin" || strings.HasPrefix(path, "/admin/") || strings.HasPrefix(path, "/api/v1/")) && !covered[p] {
				t.Errorf("%s is not in the matrix", p)
			}
		}
		// A's key on B's host is no key there.
		for _, p := range []string{"/api/v1/members", "/api/v1/members/" + b.Member.ID, "/api/v1/settings"} {
			r := sendMatrix(t, actors[0].browser, a.OwnerKey, b.URL, matrixRequest{Method: http.MethodGet, Path: p})
			if r.Status != http.StatusUnauthorized {
				t.Errorf("A's key on B's host, GET %s: %v, want 401\n%.300s", p, r, r.Body)
			}
		}
		if _, err := s.Worker.Drain(t.Context()); err != nil {
			t.Fatal(err)
		}
		after := snapshot(t, s, b)
		for what, v := range before {
			if after[what] != v {
				t.Errorf("B's %s changed:\nbefore %s\nafter  %s", what, v, after[what])
			}
		}
		// The refused API calls are in A's audit log, as every call is.
		got := map[string]int{}
		list, _, err := s.Store.AuditEvents(t.Context(), a.Org.ID, gatehouse.AuditFilter{Types: []gatehouse.EventType{gatehouse.EventAPICall}, Limit: 5000})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list {
			if e.Details["status"] == "404" {
				got[e.Details["method"]+" "+e.Details["route"]]++
			}
		}
		for route, n := range apiRefused {
			if got[route] < n {
				t.Errorf("%s: %d refused calls on B's ids, %d in A's audit log", route, n, got[route])
			}
		}
		// So are the refused page requests, by the administrator or owner
		// who made them, on every admin page route that names an id.
		if len(pageRefused) < 10 {
			t.Errorf("only %d admin page routes with ids in the matrix", len(pageRefused))
		}
		refused, _, err := s.Store.AuditEvents(t.Context(), a.Org.ID, gatehouse.AuditFilter{Types: []gatehouse.EventType{gatehouse.EventRequestRefused}, Limit: 5000})
		if err != nil {
			t.Fatal(err)
		}
		pages := map[string]int{}
		for _, e := range refused {
			if e.Details["reason"] == account.RefusedNotInOrg && (e.ActorID == a.Owner.ID || e.ActorID == a.Admin.ID) {
				pages[e.Details["route"]]++
			}
		}
		for route, n := range pageRefused {
			// Each id of B's, and each id of nobody's, is refused and audited.
			if pages[route] < n {
				t.Errorf("%s: %d refused page requests on B's ids, %d audited in A's log", route, n, pages[route])
			}
		}
		if evs, _, _ := s.Store.AuditEvents(t.Context(), b.Org.ID, gatehouse.AuditFilter{Types: []gatehouse.EventType{gatehouse.EventRequestRefused}, Limit: 100}); len(evs) != 0 {
			t.Errorf("B's audit log holds %d refused requests of A's", len(evs))
		}
	})
}
