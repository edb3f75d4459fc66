package operator_test

import (
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/operator"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// TestDisableEnableRemove: disabling an operator ends their sessions and
// stops the API keys they created at once (the state is read from the
// database at every request, so on every replica); enabling restores the
// keys but not the sessions; removing deletes the account and keeps the log;
// nobody disables or removes themselves or the last active operator; each
// change is in the operator log with its reason.
func TestDisableEnableRemove(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		d := newDesk(t, s)
		sys := gatehouse.SystemActor(gatehouse.DefaultOrgID)
		c := gatehouse.Client{IP: "192.0.2.9"}
		dora, de := d.active(t, "dora")
		eve, ee := d.active(t, "eve")
		d.clock.Advance(30 * time.Second)
		_, doraRaw, err := d.SignIn(ctx, operator.SignInRequest{Username: "dora", Password: password, Code: d.code(t, de, 0), Client: c})
		if err != nil {
			t.Fatal(err)
		}
		_, eveRaw, err := d.SignIn(ctx, operator.SignInRequest{Username: "eve", Password: password, Code: d.code(t, ee, 0), Client: c})
		if err != nil {
			t.Fatal(err)
		}
		_, key, err := d.CreateAPIKey(ctx, eve.Actor(), c, "eve's provisioning")
		if err != nil {
			t.Fatal(err)
		}
		_, cliKey, err := d.CreateAPIKey(ctx, sys, c, "installation")
		if err != nil {
			t.Fatal(err)
		}

		if _, err := d.Disable(ctx, dora.Actor(), c, dora.ID, ""); !gatehouse.IsCode(err, gatehouse.Forbidden) {
			t.Errorf("dora disabling herself = %v; want Forbidden", err)
		}
		if _, err := d.Remove(ctx, dora.Actor(), c, "dora", ""); !gatehouse.IsCode(err, gatehouse.Forbidden) {
			t.Errorf("dora removing herself = %v; want Forbidden", err)
		}
		if _, err := d.Disable(ctx, dora.Actor(), c, "nobody", ""); !gatehouse.IsCode(err, gatehouse.NotFound) {
			t.Errorf("disabling an unknown operator = %v; want NotFound", err)
		}
		if _, err := d.Disable(ctx, gatehouse.Actor{Kind: gatehouse.ActorMember, ID: "m", Role: gatehouse.RoleOwner}, c, "eve", ""); !gatehouse.IsCode(err, gatehouse.Forbidden) {
			t.Errorf("a member disabling an operator = %v; want Forbidden", err)
		}

		p, err := d.Disable(ctx, dora.Actor(), c, "eve", "left the company")
		if err != nil || p.State != operator.StateDisabled {
			t.Fatalf("dora disabling eve = %+v, %v", p, err)
		}
		if _, _, err := d.Session(ctx, eveRaw); !gatehouse.IsCode(err, gatehouse.Unauthorized) {
			t.Errorf("eve's session after she was disabled = %v; want refused", err)
		}
		if _, err := d.Authenticate(ctx, key); !gatehouse.IsCode(err, gatehouse.Unauthorized) {
			t.Errorf("eve's API key after she was disabled = %v; want refused", err)
		}
		if _, err := d.Authenticate(ctx, cliKey); err != nil {
			t.Errorf("the command line's key while eve is disabled = %v", err)
		}
		d.clock.Advance(30 * time.Second)
		if _, _, err := d.SignIn(ctx, operator.SignInRequest{Username: "eve", Password: password, Code: d.code(t, ee, 0), Client: c}); !gatehouse.IsCode(err, gatehouse.Unauthorized) {
			t.Errorf("eve signing in while disabled = %v; want refused", err)
		}
		// dora is now the only active operator.
		if _, err := d.Disable(ctx, sys, c, "dora", ""); !gatehouse.IsCode(err, gatehouse.Conflict) {
			t.Errorf("disabling the last active operator = %v; want Conflict", err)
		}
		if _, err := d.Remove(ctx, sys, c, "dora", ""); !gatehouse.IsCode(err, gatehouse.Conflict) {
			t.Errorf("removing the last active operator = %v; want Conflict", err)
		}
		if _, _, err := d.Session(ctx, doraRaw); err != nil {
			t.Errorf("dora's session after the refusals = %v", err)
		}

		if p, err := d.Enable(ctx, sys, c, "eve", "came back"); err != nil || p.State != operator.StateActive {
			t.Fatalf("enabling eve = %+v, %v", p, err)
		}
		if _, err := d.Authenticate(ctx, key); err != nil {
			t.Errorf("eve's API key after she was enabled = %v", err)
		}
		if _, _, err := d.Session(ctx, eveRaw); !gatehouse.IsCode(err, gatehouse.Unauthorized) {
			t.Errorf("eve's old session after enabling = %v; want ended for good", err)
		}

		// A pending operator enabled again is pending again: only the
		// activation link makes an account active.
		fay, err := d.Add(ctx, sys, c, "fay", "fay@vendor.example")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Disable(ctx, sys, c, "fay", ""); err != nil {
			t.Fatal(err)
		}
		if p, err := d.Enable(ctx, sys, c, fay.Operator.ID, ""); err != nil || p.State != operator.StatePending {
			t.Errorf("enabling a never-activated operator = %+v, %v; want pending", p, err)
		}

		if _, err := d.Remove(ctx, dora.Actor(), c, "eve", "contract ended"); err != nil {
			t.Fatalf("dora removing eve = %v", err)
		}
		if _, err := s.OperatorByUsername(ctx, "eve"); !gatehouse.IsCode(err, gatehouse.NotFound) {
			t.Errorf("eve after removal = %v; want gone", err)
		}
		if _, err := d.Authenticate(ctx, key); !gatehouse.IsCode(err, gatehouse.Unauthorized) {
			t.Errorf("a removed operator's API key = %v; want refused", err)
		}
		for _, want := range []struct {
			action, reason string
		}{{operator.ActionOperatorDisabled, "left the company"}, {operator.ActionOperatorEnabled, "came back"}, {operator.ActionOperatorRemoved, "contract ended"}} {
			var found bool
			for _, e := range entries(t, s, want.action) {
				found = found || e.Target == eve.ID && e.Reason == want.reason && e.Details == "eve"
			}
			if !found {
				t.Errorf("no %s entry about eve with reason %q", want.action, want.reason)
			}
		}
		if es := entries(t, s, operator.ActionOperatorAdded); len(es) != 3 {
			t.Errorf("operator.added entries after a removal: %d; want the 3 kept", len(es))
		}
	})
}

// TestDisableEachOtherAtOnce: two operators disabling each other at the same
// moment never leave the desk without an active operator.
func TestDisableEachOtherAtOnce(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		d := newDesk(t, s)
		a, _ := d.active(t, "ann")
		b, _ := d.active(t, "bob")
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, pair := range [][2]*operator.Operator{{a, b}, {b, a}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = d.Disable(ctx, pair[0].Actor(), gatehouse.Client{}, pair[1].ID, "")
			}()
		}
		wg.Wait()
		list, err := d.Operators(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID))
		if err != nil {
			t.Fatal(err)
		}
		active := 0
		for _, p := range list {
			if p.State == operator.StateActive {
				active++
			}
		}
		if active != 1 {
			t.Errorf("active operators after disabling each other at once: %d (errors %v); want 1", active, errs)
		}
	})
}
