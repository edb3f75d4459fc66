package operator_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/mail"
	"github.com/gatehouse-auth/gatehouse/operator"
	"github.com/gatehouse-auth/gatehouse/org"
	"github.com/gatehouse-auth/gatehouse/recovery"
	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/gatehouse-auth/gatehouse/signin"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// The seed's case end to end: a sole owner calls; a wrong PIN is refused and
// throttled; the right PIN lets the operator send a link to the address on
// record, never shown; the other owners and administrators hear of it; both
// logs record it; the owner's sessions stay until the link is used, on the
// organization's own host.
func TestOwnerRecovery(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		d := newDesk(t, s)
		orgs := &org.Service{Store: s, Composer: &mail.Templates{}, PublicURL: d.PublicURL, Now: d.clock.Now}
		created, err := orgs.Create(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, org.CreateRequest{Slug: "acme", Name: "Acme", Hosts: []string{"acme.example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		acme := created.Org.ID
		a := webtest.NewApp(t, s, d.clock, d.PublicURL)
		add := func(username string, role gatehouse.Role, pin string) *gatehouse.Member {
			m, _, err := a.Admin.CreateMember(ctx, gatehouse.SystemActor(acme), gatehouse.Client{}, gatehouse.NewMember{OrgID: acme,
				Username: username, Email: username + "@acme.test", Password: password, Role: role})
			if err != nil {
				t.Fatal(err)
			}
			if pin != "" {
				h, _ := d.Hasher.Hash(ctx, pin)
				if err := s.ChangeMember(ctx, acme, m.ID, gatehouse.MemberChange{SupportPINHash: &h, UpdatedAt: d.clock.Now()}); err != nil {
					t.Fatal(err)
				}
			}
			return m
		}
		boss := add("boss", gatehouse.RoleOwner, "602914")
		co := add("co", gatehouse.RoleOwner, "")
		admin := add("admin", gatehouse.RoleAdministrator, "")
		member := add("member", gatehouse.RoleMember, "")
		if _, err := a.SignIn.SignIn(ctx, signin.SignInRequest{OrgID: acme, Identifier: "boss", Password: password}); err != nil {
			t.Fatalf("boss signs in: %v", err)
		}
		// Sessions are listed as valid at the sign-in, so that the hour the
		// throttle makes the test wait does not end them.
		signedIn := d.clock.Now()
		sessionsBefore, _ := s.MemberSessions(ctx, acme, boss.ID, signedIn)

		dora, _ := d.active(t, "dora")
		actor := dora.Actor()
		c := gatehouse.Client{IP: "192.0.2.50"}
		req := operator.RecoveryRequest{OrgID: acme, MemberID: boss.ID, Reason: "lost phone and password", Ticket: "SD-1234", Client: c}

		if err := d.SendRecovery(ctx, actor, req); !gatehouse.IsCode(err, gatehouse.Forbidden) {
			t.Errorf("SendRecovery before a PIN check = %v; want Forbidden", err)
		}
		if _, err := d.CheckPIN(ctx, actor, c, acme, member.ID, "602914"); !gatehouse.IsCode(err, gatehouse.NotFound) {
			t.Errorf("a PIN check on a member who is not an owner = %v; want NotFound", err)
		}
		if _, err := d.CheckPIN(ctx, actor, c, gatehouse.DefaultOrgID, boss.ID, "602914"); !gatehouse.IsCode(err, gatehouse.NotFound) {
			t.Errorf("acme's owner looked up in another organization = %v; want NotFound", err)
		}
		if _, err := d.CheckPIN(ctx, gatehouse.Actor{Kind: gatehouse.ActorMember, Role: gatehouse.RoleOwner}, c, acme, boss.ID, "602914"); !gatehouse.IsCode(err, gatehouse.Forbidden) {
			t.Errorf("a member using the desk's check = %v; want Forbidden", err)
		}
		for i := 0; i < 5; i++ {
			if r, err := d.CheckPIN(ctx, actor, c, acme, boss.ID, "111222"); err != nil || r != operator.PINMismatch {
				t.Fatalf("wrong PIN %d = %v, %v", i, r, err)
			}
		}
		if _, err := d.CheckPIN(ctx, actor, c, acme, boss.ID, "602914"); !gatehouse.IsCode(err, gatehouse.Throttled) {
			t.Fatalf("the right PIN after five wrong ones = %v; want Throttled", err)
		}
		if err := d.SendRecovery(ctx, actor, req); !gatehouse.IsCode(err, gatehouse.Forbidden) {
			t.Errorf("SendRecovery after mismatches only = %v; want Forbidden", err)
		}
		d.clock.Advance(61 * time.Minute)
		if r, err := d.CheckPIN(ctx, actor, c, acme, boss.ID, "602914"); err != nil || r != operator.PINMatch {
			t.Fatalf("the right PIN an hour later = %v, %v", r, err)
		}
		bad := req
		bad.Reason, bad.Ticket = " ", ""
		err = d.SendRecovery(ctx, actor, bad)
		var fe *gatehouse.Error
		if !errorsAs(err, &fe) || len(fe.Fields) != 2 {
			t.Errorf("SendRecovery without reason and ticket = %v; want both fields named", err)
		}
		if err := d.SendRecovery(ctx, actor, req); err != nil {
			t.Fatalf("SendRecovery = %v", err)
		}
		if err := d.SendRecovery(ctx, actor, req); !gatehouse.IsCode(err, gatehouse.Forbidden) {
			t.Errorf("a second link on the same PIN check = %v; want Forbidden", err)
		}

		msgs, _, _ := s.Messages(ctx, acme, gatehouse.MessageFilter{Limit: 50})
		sent := map[string]string{}
		for _, m := range msgs {
			if m.Kind == gatehouse.KindOwnerRecovery || m.Kind == gatehouse.KindOwnerRecoveryNotice {
				full, _ := s.Message(ctx, acme, m.ID)
				sent[m.To] = m.Kind
				if m.Kind == gatehouse.KindOwnerRecovery {
					req := full.Text
					i := strings.Index(req, "https://acme.example.com/activate?token=")
					if i < 0 {
						t.Fatalf("the recovery email has no link on acme's host:\n%s", full.Text)
					}
					link := strings.Fields(req[i:])[0]
					raw := link[strings.Index(link, "token=")+len("token="):]
					if tok, err := s.Token(ctx, secret.HashToken(raw)); err != nil || tok.MemberID != boss.ID || tok.Purpose != gatehouse.PurposeActivation {
						t.Errorf("the link's token = %+v, %v", tok, err)
					}
					defer func() {
						// The link works, once, and only then do the sessions end.
						if _, err := a.Recovery.CompleteActivation(ctx, recovery.CompleteLinkRequest{OrgID: acme, Token: raw,
							New: "amber lantern quiet river", Confirm: "amber lantern quiet river"}); err != nil {
							t.Errorf("using the recovery link: %v", err)
						}
						if after, _ := s.MemberSessions(ctx, acme, boss.ID, signedIn); len(after) != 0 {
							t.Errorf("%d sessions left after the link was used", len(after))
						}
					}()
				}
			}
		}
		want := map[string]string{"boss@acme.test": gatehouse.KindOwnerRecovery, "co@acme.test": gatehouse.KindOwnerRecoveryNotice,
			"admin@acme.test": gatehouse.KindOwnerRecoveryNotice}
		for to, kind := range want {
			if sent[to] != kind {
				t.Errorf("to %s: %q; want %s (all sent: %v)", to, sent[to], kind, sent)
			}
		}
		if len(sent) != 3 {
			t.Errorf("sent %v; want exactly the owner, the other owner and the administrator", sent)
		}
		_, _ = co, admin
		if after, _ := s.MemberSessions(ctx, acme, boss.ID, signedIn); len(after) != len(sessionsBefore) || len(after) == 0 {
			t.Errorf("sessions before the link is used: %d, were %d", len(after), len(sessionsBefore))
		}
		evs, _, _ := s.AuditEvents(ctx, acme, gatehouse.AuditFilter{Types: []gatehouse.EventType{gatehouse.EventOwnerRecoverySent}, Limit: 10})
		if len(evs) != 1 || evs[0].ActorKind != gatehouse.ActorOperator || evs[0].ActorName != "dora" || evs[0].Details["ticket"] != "SD-1234" || evs[0].MemberID != boss.ID {
			t.Errorf("acme's audit log: %+v", evs)
		}
		checks, _, _ := s.AuditEvents(ctx, acme, gatehouse.AuditFilter{Types: []gatehouse.EventType{gatehouse.EventSupportPINChecked}, Limit: 20})
		if len(checks) != 7 {
			t.Errorf("acme's log has %d PIN checks; want 7 (5 wrong, 1 throttled, 1 match)", len(checks))
		}
		rec := entries(t, s, operator.ActionRecoverySent)
		if len(rec) != 1 || rec[0].OperatorName != "dora" || rec[0].OrgID != acme || rec[0].Target != boss.ID ||
			rec[0].Reason != req.Reason || rec[0].Ticket != "SD-1234" || rec[0].IP != "192.0.2.50" {
			t.Errorf("operator log: %+v", rec)
		}
		if n := len(entries(t, s, operator.ActionPINChecked)); n != 7 {
			t.Errorf("operator log has %d PIN checks; want 7", n)
		}
	})
}
