package operator_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/operator"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

func TestActivation(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		d := newDesk(t, s)
		if _, err := d.Add(ctx, gatehouse.Actor{Kind: gatehouse.ActorOperator, ID: "x"}, gatehouse.Client{}, "eve", "eve@vendor.example"); !gatehouse.IsCode(err, gatehouse.Forbidden) {
			t.Errorf("an operator adding an operator = %v; want Forbidden (the command line adds them)", err)
		}
		a, err := d.Add(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, "dora", "dora@vendor.example")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(a.Link, "https://login.example.com/operator/activate?token=") {
			t.Errorf("activation link %q", a.Link)
		}
		if _, err := d.Add(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, "DORA", "x@vendor.example"); !gatehouse.IsCode(err, gatehouse.Invalid) {
			t.Errorf("a taken username = %v; want Invalid", err)
		}
		msgs, _, _ := s.Messages(ctx, gatehouse.DefaultOrgID, gatehouse.MessageFilter{Limit: 10})
		if len(msgs) != 1 || msgs[0].To != "dora@vendor.example" || msgs[0].Kind != gatehouse.KindOperatorActivation {
			t.Errorf("queued messages = %+v; want the activation email", msgs)
		}
		raw := tokenOf(t, a.Link)
		e, err := d.Activation(ctx, raw)
		if err != nil || len(strings.ReplaceAll(e.Secret, " ", "")) != 32 || !strings.HasPrefix(e.URL, "otpauth://totp/") {
			t.Fatalf("Activation = %+v, %v", e, err)
		}
		_, err = d.Activate(ctx, operator.ActivateRequest{Token: raw, Password: "short", Confirm: "short", Code: "000000"})
		if !gatehouse.IsCode(err, gatehouse.Invalid) {
			t.Errorf("a weak password = %v; want Invalid", err)
		}
		_, err = d.Activate(ctx, operator.ActivateRequest{Token: raw, Password: password, Confirm: password, Code: d.code(t, e, 5)})
		var fe *gatehouse.Error
		if !errorsAs(err, &fe) || len(fe.Fields) != 1 || fe.Fields[0].Field != operator.FieldCode {
			t.Errorf("a wrong code = %v; want the code field named", err)
		}
		o, err := d.Activate(ctx, operator.ActivateRequest{Token: raw, Password: password, Confirm: password, Code: d.code(t, e, 0)})
		if err != nil || o.State != operator.StateActive {
			t.Fatalf("Activate = %+v, %v", o, err)
		}
		if _, err := d.Activation(ctx, raw); !gatehouse.IsCode(err, gatehouse.NotFound) {
			t.Errorf("the link after use = %v; want NotFound", err)
		}
		if n := len(entries(t, s, operator.ActionOperatorAdded)) + len(entries(t, s, operator.ActionOperatorActivated)); n != 2 {
			t.Errorf("log has %d add/activate entries; want 2", n)
		}
	})
}

func TestSignInSession(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		d := newDesk(t, s)
		_, e := d.active(t, "dora")
		c := gatehouse.Client{IP: "192.0.2.9"}
		// The activation used this step's code: the next step's is needed.
		if _, _, err := d.SignIn(ctx, operator.SignInRequest{Username: "dora", Password: password, Code: d.code(t, e, 0), Client: c}); !gatehouse.IsCode(err, gatehouse.Unauthorized) {
			t.Errorf("a code used at activation = %v; want Unauthorized", err)
		}
		if _, _, err := d.SignIn(ctx, operator.SignInRequest{Username: "dora", Password: password, Client: c}); !gatehouse.IsCode(err, gatehouse.Unauthorized) {
			t.Errorf("no code = %v; want Unauthorized: the app is always asked", err)
		}
		d.clock.Advance(30 * time.Second)
		sess, raw, err := d.SignIn(ctx, operator.SignInRequest{Username: "Dora", Password: password, Code: d.code(t, e, 0), Client: c})
		if err != nil {
			t.Fatalf("SignIn = %v", err)
		}
		if !sess.ExpiresAt.Equal(d.clock.Now().Add(8*time.Hour)) || !sess.IdleExpiresAt.Equal(d.clock.Now().Add(15*time.Minute)) {
			t.Errorf("session ends %v (idle %v); want 8 hours, 15 minutes idle", sess.ExpiresAt, sess.IdleExpiresAt)
		}
		d.clock.Advance(14 * time.Minute)
		if _, o, err := d.Session(ctx, raw); err != nil || o.Username != "dora" {
			t.Fatalf("Session after 14 minutes = %v, %v", o, err)
		}
		d.clock.Advance(14 * time.Minute)
		if _, _, err := d.Session(ctx, raw); err != nil {
			t.Errorf("Session 14 minutes after the last use = %v; want valid", err)
		}
		d.clock.Advance(16 * time.Minute)
		if _, _, err := d.Session(ctx, raw); !gatehouse.IsCode(err, gatehouse.Unauthorized) {
			t.Errorf("Session idle 16 minutes = %v; want ended", err)
		}
		// An active session still ends at 8 hours.
		sess, raw, err = d.SignIn(ctx, operator.SignInRequest{Username: "dora", Password: password, Code: d.code(t, e, 0), Client: c})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 8*5; i++ {
			d.clock.Advance(12 * time.Minute)
			if _, _, err := d.Session(ctx, raw); err != nil {
				if d.clock.Now().Before(sess.ExpiresAt) {
					t.Fatalf("session ended at %v, before its 8 hours", d.clock.Now())
				}
				break
			}
			if !d.clock.Now().Before(sess.ExpiresAt) {
				t.Fatalf("session valid at %v, past its 8 hours", d.clock.Now())
			}
		}
		if len(entries(t, s, operator.ActionSignIn)) != 2 || len(entries(t, s, operator.ActionSignInFailed)) != 2 {
			t.Errorf("sign-in entries: %d successes, %d failures; want 2 and 2",
				len(entries(t, s, operator.ActionSignIn)), len(entries(t, s, operator.ActionSignInFailed)))
		}
	})
}

func TestSignInThrottle(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		d := newDesk(t, s)
		_, e := d.active(t, "dora")
		d.clock.Advance(30 * time.Second)
		for i := 0; i < 5; i++ {
			if _, _, err := d.SignIn(ctx, operator.SignInRequest{Username: "dora", Password: "wrong password!", Code: d.code(t, e, 0)}); !gatehouse.IsCode(err, gatehouse.Unauthorized) {
				t.Fatalf("attempt %d = %v", i, err)
			}
		}
		if _, _, err := d.SignIn(ctx, operator.SignInRequest{Username: "dora", Password: password, Code: d.code(t, e, 0)}); !gatehouse.IsCode(err, gatehouse.Throttled) {
			t.Errorf("the right password after five failures = %v; want Throttled", err)
		}
		d.clock.Advance(16 * time.Minute)
		if _, _, err := d.SignIn(ctx, operator.SignInRequest{Username: "dora", Password: password, Code: d.code(t, e, 0)}); err != nil {
			t.Errorf("after the window = %v", err)
		}
	})
}

func TestAPIKeysAndLogCSV(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		d := newDesk(t, s)
		k, raw, err := d.CreateAPIKey(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, "provisioning")
		if err != nil || !strings.HasPrefix(raw, operator.APIKeyPrefix) {
			t.Fatalf("CreateAPIKey = %q, %v", raw, err)
		}
		if got, err := d.Authenticate(ctx, raw); err != nil || got.ID != k.ID {
			t.Errorf("Authenticate = %+v, %v", got, err)
		}
		if _, _, err := d.CreateAPIKey(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, "provisioning"); !gatehouse.IsCode(err, gatehouse.Invalid) {
			t.Errorf("a second key of the name = %v; want Invalid", err)
		}
		if _, _, err := d.CreateAPIKey(ctx, gatehouse.Actor{Kind: gatehouse.ActorAPIKey, Role: gatehouse.RoleOwner}, gatehouse.Client{}, "x"); !gatehouse.IsCode(err, gatehouse.Forbidden) {
			t.Errorf("an organization's key making an operator key = %v; want Forbidden", err)
		}
		if _, err := d.Authenticate(ctx, "gh_"+raw[4:]); !gatehouse.IsCode(err, gatehouse.Unauthorized) {
			t.Errorf("an organization-style key = %v; want Unauthorized", err)
		}
		if err := d.RevokeAPIKey(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, k.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Authenticate(ctx, raw); !gatehouse.IsCode(err, gatehouse.Unauthorized) {
			t.Errorf("a revoked key = %v; want Unauthorized", err)
		}
		d.clock.Advance(time.Minute) // the newest entry, whatever the ids
		if err := d.Record(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{IP: "192.0.2.1"}, operator.ActionOrgSuspended, "acme-id", "", "=HYPERLINK(\"x\")", "T-1", ""); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := d.ExportCSV(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), operator.LogFilter{}, &b); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&b).ReadAll()
		if err != nil || len(rows) != 4 || strings.Join(rows[0], ",") != strings.Join(operator.CSVHeader, ",") {
			t.Fatalf("CSV = %q, %v; want the header and three entries", rows, err)
		}
		if rows[1][3] != operator.ActionOrgSuspended || rows[1][6] != "'=HYPERLINK(\"x\")" || rows[1][7] != "T-1" {
			t.Errorf("newest row = %q; want the suspension, its formula defused", rows[1])
		}
	})
}

// TestAPIKeyLastUsed: a key's use is recorded, at most once a minute, so
// that the list shows which keys are still used.
func TestAPIKeyLastUsed(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		d := newDesk(t, s)
		sys := gatehouse.SystemActor(gatehouse.DefaultOrgID)
		k, raw, err := d.CreateAPIKey(ctx, sys, gatehouse.Client{}, "provisioning")
		if err != nil {
			t.Fatal(err)
		}
		lastUsed := func() time.Time {
			t.Helper()
			keys, err := d.APIKeys(ctx, sys)
			if err != nil || len(keys) != 1 || keys[0].ID != k.ID {
				t.Fatalf("keys = %v, %v", keys, err)
			}
			return keys[0].LastUsedAt
		}
		if !lastUsed().IsZero() {
			t.Errorf("a key never used has a last use")
		}
		first := d.clock.Now()
		if _, err := d.Authenticate(ctx, raw); err != nil {
			t.Fatal(err)
		}
		if got := lastUsed(); !got.Equal(first.Truncate(time.Microsecond)) {
			t.Errorf("last used %v after a call at %v", got, first)
		}
		d.clock.Advance(30 * time.Second)
		if _, err := d.Authenticate(ctx, raw); err != nil {
			t.Fatal(err)
		}
		if got := lastUsed(); !got.Equal(first.Truncate(time.Microsecond)) {
			t.Errorf("last used %v after a second call within the minute; want it left at %v", got, first)
		}
		d.clock.Advance(time.Minute)
		if _, err := d.Authenticate(ctx, raw); err != nil {
			t.Fatal(err)
		}
		if got, want := lastUsed(), d.clock.Now().Truncate(time.Microsecond); !got.Equal(want) {
			t.Errorf("last used %v after a call a minute later; want %v", got, want)
		}
	})
}
