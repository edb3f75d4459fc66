package recovery_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/app"
	"github.com/gatehouse-auth/gatehouse/captcha"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/recovery"
	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/gatehouse-auth/gatehouse/signin"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/gatehouse-auth/gatehouse/web"
)

const password = "violet kettle orbit marsh"

// tracedService is a Service whose store, counters, composer, hasher and
// wake-up calls are all traced, with a builtin CAPTCHA on the same store.
type tracedService struct {
	*account.Service
	signIn  *signin.Service
	rec     *recovery.Service
	raw     *sqlstore.Store
	trace   *trace
	captcha *captcha.Checker
	clock   *gatehousetest.Clock
}

func newTracedService(t *testing.T, url string) *tracedService {
	raw := gatehousetest.NewStore(t, url)
	tr := &trace{}
	clock := gatehousetest.NewClock()
	pub, _ := urlParse("https://login.example.com")
	// The application as gatehouse serve builds it, whose parts are then
	// traced: the store, the counters, the hasher, the templates and the
	// outbox's wake-up calls, with a builtin CAPTCHA on the traced store.
	a, err := app.New(context.Background(), app.Config{Web: web.Config{PublicURL: pub}, Now: clock.Now,
		Hash: secret.HasherConfig{Memory: 256, Time: 1, Threads: 1}}, raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := tracedStore{s: raw, t: tr}
	chk := &captcha.Checker{Key: []byte("a key of thirty-two bytes, exact"), Store: st, Difficulty: 6, Now: clock.Now}
	svc := a.Account
	svc.Store, svc.Counters, svc.Captcha = st, tracedCounters{c: raw, t: tr}, chk
	svc.Hasher = tracedHasher{h: a.Hasher, t: tr}
	svc.Outbox.Composer, svc.Outbox.Waker = tracedComposer{c: svc.Outbox.Composer, t: tr}, tracedWaker{t: tr}
	rec := &recovery.Service{Store: st, Tx: tracedTransactor{st}, Steps: svc, SignIns: a.SignIn, Counters: svc.Counters, Captcha: chk,
		Hasher: svc.Hasher, Blocklist: svc.Blocklist, Now: clock.Now}
	return &tracedService{Service: svc, signIn: a.SignIn, rec: rec, raw: raw, trace: tr, captcha: chk, clock: clock}
}

func urlParse(s string) (*url.URL, error) { return url.Parse(s) }

func (ts *tracedService) add(t *testing.T, username, email string, role gatehouse.Role, edit func(*gatehouse.Member)) *gatehouse.Member {
	t.Helper()
	pw := password
	if edit == nil {
		edit = func(*gatehouse.Member) {}
	}
	m, _, err := app.AdminOf(ts.Service, ts.raw).CreateMember(context.Background(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.NewMember{
		OrgID: gatehouse.DefaultOrgID, Username: username, Email: email, Password: pw, Role: role,
	})
	if err != nil {
		t.Fatal(err)
	}
	edit(m)
	if err := ts.raw.ChangeMember(context.Background(), m.OrgID, m.ID, gatehousetest.Overwrite(m)); err != nil {
		t.Fatal(err)
	}
	return m
}

// answer returns a solved builtin CAPTCHA.
func (ts *tracedService) answer(t *testing.T) gatehouse.CaptchaAnswer {
	set := gatehouse.DefaultSettings()
	w, err := ts.captcha.Widget(context.Background(), gatehouse.DefaultOrgID, &set)
	if err != nil {
		t.Fatal(err)
	}
	sol, _ := captcha.Solve(w.Challenge)
	return gatehouse.CaptchaAnswer{Challenge: w.Challenge, Solution: sol}
}

// TestResetRequestsDoEqualWork checks that a request that sends an email and
// every kind of request that sends nothing make the same calls, in the same
// order, on the store, the counters, the templates and the hasher: the same
// lookups, the same writes, one rendered email and one transaction. Only the
// inner savepoint's fate differs (released, or rolled back), which the outer
// commit hides. This is the timing guarantee of S17, asserted on the work done
// rather than on the clock.
func TestResetRequestsDoEqualWork(t *testing.T) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			ts := newTracedService(t, db.URL)
			ctx := context.Background()
			now := ts.clock.Now()
			ts.add(t, "known", "known@example.com", gatehouse.RoleMember, nil)
			ts.add(t, "twin1", "shared@example.com", gatehouse.RoleMember, nil)
			ts.add(t, "twin2", "twin2@example.com", gatehouse.RoleMember, func(m *gatehouse.Member) { m.WorkEmail = "shared@example.com" })
			ts.add(t, "never", "never@example.com", gatehouse.RoleMember, func(m *gatehouse.Member) { m.State = gatehouse.StateNeverActivated })
			ts.add(t, "disabled", "disabled@example.com", gatehouse.RoleMember, func(m *gatehouse.Member) { m.State = gatehouse.StateDisabled })
			ts.add(t, "expired", "expired@example.com", gatehouse.RoleMember, func(m *gatehouse.Member) { m.ExpiresAt = now })
			ts.add(t, "admin", "admin@example.com", gatehouse.RoleAdministrator, nil)
			ts.add(t, "owner", "owner@example.com", gatehouse.RoleOwner, nil)
			ts.add(t, "capped", "capped@example.com", gatehouse.RoleMember, nil)
			for range 3 {
				if err := ts.rec.RequestReset(ctx, recovery.ResetRequest{OrgID: gatehouse.DefaultOrgID, Identifier: "capped", Captcha: ts.answer(t), Client: gatehouse.Client{IP: "198.51.100.7"}}); err != nil {
					t.Fatal(err)
				}
			}
			for range recovery.ResetRequestsPerAddressPerHour {
				if _, err := ts.raw.Incr(ctx, "reset:addr:default:203.0.113.66", now, time.Hour, false); err != nil {
					t.Fatal(err)
				}
			}
			ts.trace.take()

			cases := []struct{ name, id, ip string }{
				{"existing account", "known", "192.0.2.1"},
				{"unknown", "nobody@example.com", "192.0.2.1"},
				{"duplicate address", "shared@example.com", "192.0.2.1"},
				{"never activated", "never", "192.0.2.1"},
				{"disabled", "disabled@example.com", "192.0.2.1"},
				{"expired", "expired", "192.0.2.1"},
				{"administrator", "admin", "192.0.2.1"},
				{"owner", "owner", "192.0.2.1"},
				{"hourly cap reached", "capped", "192.0.2.1"},
				{"address throttled", "known@example.com", "203.0.113.66"},
				{"overlong", strings.Repeat("é", 200), "192.0.2.1"},
			}
			var want string
			for _, c := range cases {
				a := ts.answer(t)
				ts.trace.take()
				err := ts.rec.RequestReset(ctx, recovery.ResetRequest{OrgID: gatehouse.DefaultOrgID, Identifier: c.id, Captcha: a, Client: gatehouse.Client{IP: c.ip}})
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				got := ts.trace.take()
				if want == "" {
					want = got
					t.Logf("the work of a request: %s", got)
					continue
				}
				if got != want {
					t.Errorf("%s does other work:\n got %s\nwant %s", c.name, got, want)
				}
			}
			for _, must := range []string{"MembersByIdentifier", "CreateToken", "Email:reset", "Enqueue:reset", "AddAudit"} {
				if !strings.Contains(want, must) {
					t.Errorf("the traced work lacks %s: %s", must, want)
				}
			}
			// The settings are read once per request, by the use case; the
			// email carries its sender, so delivering it reads them no more.
			if n := len(regexp.MustCompile(`\bSettings\b`).FindAllString(want, -1)); n != 1 {
				t.Errorf("a reset request reads the settings %d times: %s", n, want)
			}
			msgs, _, err := ts.raw.Messages(ctx, gatehouse.DefaultOrgID, gatehouse.MessageFilter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				if m.From != "gatehouse@localhost" || m.FromName != "Gatehouse" {
					t.Errorf("message %s to %s is from %q <%s>, want the settings' sender", m.ID, m.To, m.FromName, m.From)
				}
			}
			for _, never := range []string{"Hash", "Verify", "Dummy"} {
				if strings.Contains(want, never) {
					t.Errorf("a reset request hashes a password: %s", want)
				}
			}
			// Only the existing account's message (and the capped account's three)
			// are in the outbox: the refused requests' work was undone.
			msgs, _, _ = ts.raw.Messages(ctx, gatehouse.DefaultOrgID, gatehouse.MessageFilter{Limit: 100})
			var resets []string
			for _, m := range msgs {
				if m.Kind == gatehouse.KindReset {
					resets = append(resets, m.To)
				}
			}
			if len(resets) != 4 || strings.Count(strings.Join(resets, " "), "known@example.com") != 1 {
				t.Errorf("reset emails queued: %v", resets)
			}
		})
	}
}

// TestRefusedRequestLeavesNoToken checks that the undone work of a refused
// request leaves nothing behind: the token it created inside the rolled-back
// savepoint does not exist, while the sent request's token does, and only the
// sent request's message is queued.
func TestRefusedRequestLeavesNoToken(t *testing.T) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			ts := newTracedService(t, db.URL)
			ctx := context.Background()
			ts.add(t, "known", "known@example.com", gatehouse.RoleMember, nil)
			ts.add(t, "admin", "admin@example.com", gatehouse.RoleAdministrator, nil)
			for _, id := range []string{"known", "admin", "nobody"} {
				if err := ts.rec.RequestReset(ctx, recovery.ResetRequest{OrgID: gatehouse.DefaultOrgID, Identifier: id, Captcha: ts.answer(t)}); err != nil {
					t.Fatal(err)
				}
			}
			if len(ts.trace.tokens) != 3 {
				t.Fatalf("%d tokens created", len(ts.trace.tokens))
			}
			for i, hash := range ts.trace.tokens {
				_, err := ts.raw.Token(ctx, hash)
				if want := i == 0; (err == nil) != want {
					t.Errorf("token of request %d: %v (kept: %v)", i, err, want)
				}
			}
			msgs, _, _ := ts.raw.Messages(ctx, gatehouse.DefaultOrgID, gatehouse.MessageFilter{})
			if len(msgs) != 1 || msgs[0].To != "known@example.com" {
				t.Fatalf("messages: %+v", msgs)
			}
			m, _ := ts.raw.Message(ctx, gatehouse.DefaultOrgID, msgs[0].ID)
			u, _ := url.Parse(gatehousetest.LinkIn(gatehousetest.Received{Text: m.Text}))
			if !strings.HasPrefix(u.String(), "https://login.example.com/reset-password?token=") {
				t.Errorf("link %q", u)
			}
			if _, err := ts.rec.ResetLink(ctx, gatehouse.DefaultOrgID, u.Query().Get("token"), gatehouse.Client{IP: "192.0.2.1"}); err != nil {
				t.Errorf("the sent link does not work: %v", err)
			}
		})
	}
}

// TestOddIdentifiers sends identifiers that PostgreSQL cannot store (NUL,
// invalid UTF-8) and control characters to the forgotten-password request and
// to sign-in: each gets its ordinary answer, never an internal error, and the
// audit log records a readable form.
func TestOddIdentifiers(t *testing.T) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			ts := newTracedService(t, db.URL)
			ctx := context.Background()
			for _, id := range []string{"a\x00b", "\xff\xfe", "x\x01y", "jdoe\x00@example.com"} {
				if err := ts.rec.RequestReset(ctx, recovery.ResetRequest{OrgID: gatehouse.DefaultOrgID, Identifier: id, Captcha: ts.answer(t)}); err != nil {
					t.Errorf("reset %q: %v", id, err)
				}
				_, err := ts.signIn.SignIn(ctx, signin.SignInRequest{OrgID: gatehouse.DefaultOrgID, Identifier: id, Password: "whatever it is"})
				if err != signin.ErrWrongCredentials {
					t.Errorf("sign-in %q: %v", id, err)
				}
			}
			evs, _, err := ts.raw.AuditEvents(ctx, gatehouse.DefaultOrgID, gatehouse.AuditFilter{Types: []gatehouse.EventType{gatehouse.EventResetRefused}})
			if err != nil || len(evs) != 4 {
				t.Fatalf("%d refusals audited, %v", len(evs), err)
			}
			for _, e := range evs {
				if strings.ContainsRune(e.ActorName, 0) || strings.ContainsRune(e.Details["identifier"], 0) {
					t.Errorf("NUL in the audit log: %q", e.ActorName)
				}
			}
		})
	}
}
