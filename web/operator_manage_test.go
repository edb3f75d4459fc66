package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/operator"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// consoleOperator adds an operator, activates them through the console and
// signs them in; it returns their browser.
func consoleOperator(t *testing.T, s *webtest.Server, desk *operator.Service, username string) *webtest.Browser {
	t.Helper()
	added, err := desk.Add(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, username, username+"@vendor.example")
	if err != nil {
		t.Fatal(err)
	}
	b := hostBrowser(t, s)
	u, _ := url.Parse(added.Link)
	m := secretRe.FindStringSubmatch(b.Get(s.URL + u.RequestURI()).Body)
	if m == nil {
		t.Fatal("no authenticator secret on the activation page")
	}
	key := strings.ReplaceAll(m[1], " ", "")
	code := func(offset int64) string {
		c, _ := secret.TOTPCode(key, secret.TOTPStep(s.Clock.Now())+offset)
		return c
	}
	const pw = "violet kettle orbit marsh"
	if r := b.Post(s.URL+"/operator/activate", url.Values{"token": {u.Query().Get("token")}, "password": {pw}, "confirm_password": {pw}, "code": {code(0)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("activate %s: %d\n%s", username, r.Status, r.Body)
	}
	b.Get(s.URL + "/operator")
	if r := b.Post(s.URL+"/operator/login", url.Values{"username": {username}, "password": {pw}, "code": {code(1)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("sign-in of %s: %d\n%s", username, r.Status, r.Body)
	}
	return b
}

// TestOperatorConsoleDisable: from the operators page, through a
// confirmation page, one operator disables another, whose console session
// and API key stop working at once, and then removes them; nobody disables
// themselves; a post without the confirmation is refused; the operator log
// has each change.
func TestOperatorConsoleDisable(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		desk, _, _ := withDesk(t, s)
		ctx := t.Context()
		dora := consoleOperator(t, s, desk, "dora")
		eve := consoleOperator(t, s, desk, "eve")
		doraOp, _ := s.Store.OperatorByUsername(ctx, "dora")
		eveOp, _ := s.Store.OperatorByUsername(ctx, "eve")
		_, eveKey, err := desk.CreateAPIKey(ctx, eveOp.Actor(), gatehouse.Client{}, "eve's script")
		if err != nil {
			t.Fatal(err)
		}
		keyWorks := func() int {
			st, _ := call(t, http.DefaultClient, http.MethodGet, s.URL+"/api/v1/operator/organizations", eveKey, "")
			return st
		}
		if st := keyWorks(); st != http.StatusOK {
			t.Fatalf("eve's key before: %d", st)
		}
		if r := eve.Get(s.URL + "/operator"); !strings.Contains(r.Body, "/operator/orgs/acme") {
			t.Fatalf("eve's console before: %d", r.Status)
		}

		list := dora.Get(s.URL + "/operator/operators")
		disable := "/operator/operators/" + eveOp.ID + "/disable"
		if !strings.Contains(list.Body, `href="`+disable+`"`) || strings.Contains(list.Body, "/operator/operators/"+doraOp.ID+"/disable") {
			t.Errorf("the operators page offers to disable eve but not dora herself:\n%s", list.Body)
		}
		confirm := dora.Get(s.URL + disable)
		if confirm.Status != http.StatusOK || !strings.Contains(confirm.Body, "Disable eve") || !strings.Contains(confirm.Body, `name="confirm" value="yes"`) {
			t.Fatalf("the confirmation page: %d\n%s", confirm.Status, confirm.Body)
		}
		if r := dora.Post(s.URL+disable, url.Values{"reason": {"left"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("disabling without the confirmation: %d; want 422", r.Status)
		}
		if st := keyWorks(); st != http.StatusOK {
			t.Fatalf("eve's key after a refused disable: %d", st)
		}
		r := dora.Post(s.URL+disable, url.Values{"reason": {"left the company"}, "confirm": {"yes"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("disabling eve: %d\n%s", r.Status, r.Body)
		}
		if r = dora.Follow(r); !strings.Contains(r.Body, "The operator is disabled") {
			t.Errorf("no notice after disabling:\n%s", r.Body)
		}
		if r := eve.Get(s.URL + "/operator"); strings.Contains(r.Body, "/operator/orgs/acme") || !strings.Contains(r.Body, `action="/operator/login"`) {
			t.Errorf("eve's console after she was disabled: %d, not the sign-in form", r.Status)
		}
		if st := keyWorks(); st != http.StatusUnauthorized {
			t.Errorf("eve's key after she was disabled: %d; want 401", st)
		}
		if r := dora.Post(s.URL+"/operator/operators/"+doraOp.ID+"/disable", url.Values{"confirm": {"yes"}}); r.Status != http.StatusForbidden {
			t.Errorf("dora disabling herself: %d; want 403", r.Status)
		}
		if r := dora.Get(s.URL + "/operator/operators/" + eveOp.ID + "/frobnicate"); r.Status != http.StatusNotFound {
			t.Errorf("an unknown change: %d; want 404", r.Status)
		}
		if r := dora.Post(s.URL+"/operator/operators/"+eveOp.ID+"/remove", url.Values{"reason": {"contract ended"}, "confirm": {"yes"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("removing eve: %d\n%s", r.Status, r.Body)
		}
		if r := dora.Get(s.URL + "/operator/operators"); strings.Contains(r.Body, "eve@vendor.example") {
			t.Errorf("eve still listed after removal")
		}
		es, _, _ := desk.Entries(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), operator.LogFilter{})
		var got []string
		for _, e := range es {
			if e.Target == eveOp.ID && e.OperatorID == doraOp.ID {
				got = append(got, e.Action+":"+e.Reason)
			}
		}
		if j := strings.Join(got, " "); !strings.Contains(j, "operator.disabled:left the company") || !strings.Contains(j, "operator.removed:contract ended") {
			t.Errorf("dora's entries about eve: %s", j)
		}
	})
}

// TestOperatorLogCSV: the console downloads the operator log as CSV, only
// for a signed-in operator.
func TestOperatorLogCSV(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		desk, _, _ := withDesk(t, s)
		dora := consoleOperator(t, s, desk, "dora")
		if r := dora.Get(s.URL + "/operator/log"); !strings.Contains(r.Body, `href="/operator/log.csv"`) {
			t.Errorf("the log page has no CSV link")
		}
		r := dora.Get(s.URL + "/operator/log.csv")
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Body, strings.Join(operator.CSVHeader, ",")+"\n") ||
			!strings.Contains(r.Body, operator.ActionOperatorActivated) || !strings.Contains(r.Header.Get("Content-Type"), "text/csv") {
			t.Errorf("the CSV: %d %s\n%s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		if r := s.Browser(t).Get("/operator/log.csv"); r.Status == http.StatusOK {
			t.Errorf("the CSV without a session: %d", r.Status)
		}
	})
}
