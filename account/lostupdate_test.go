package account_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/admin"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/recovery"
	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/gatehouse-auth/gatehouse/signin"
)

// The tests below race each write a use case makes to a member against an
// owner's change of the same member, many times, on both databases, and check
// the row afterwards: every change that answered success is there, and none
// undid the other (issue 10). Before each round the writer holds the member as
// a request would: read before the race.

// raceRounds is how many times each pair is raced.
const raceRounds = 20

// both runs a and b at the same moment and waits for them.
func both(a, b func()) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { <-start; a() })
	wg.Go(func() { <-start; b() })
	close(start)
	wg.Wait()
}

// ownerEdit is the owner's half of a race: a new role, email and expiry for
// the member, different every round.
type ownerEdit struct {
	role    gatehouse.Role
	email   string
	expires time.Time
}

func newOwnerEdit(s *webtest.Server, i int) ownerEdit {
	return ownerEdit{
		role:    []gatehouse.Role{gatehouse.RoleAdministrator, gatehouse.RoleMember}[i%2],
		email:   fmt.Sprintf("target+%d@example.com", i),
		expires: s.Clock.Now().AddDate(1, 0, i).Truncate(24 * time.Hour),
	}
}

func (e ownerEdit) run(ctx context.Context, s *webtest.Server, owner, m *gatehouse.Member) error {
	_, err := s.Admin.UpdateMember(ctx, gatehouse.MemberActor(owner), gatehouse.Client{}, m.OrgID, m.ID,
		admin.ProfileUpdate{Role: &e.role, Email: &e.email, ExpiresAt: &e.expires})
	return err
}

// check fails t unless the row holds the edit.
func (e ownerEdit) check(t *testing.T, round int, what string, got *gatehouse.Member) {
	t.Helper()
	if got.Role != e.role || got.Email != e.email || !got.ExpiresAt.Equal(e.expires) {
		t.Fatalf("round %d, %s: the owner set %s, %s, %s and the row holds %s, %s, %s", round, what,
			e.role, e.email, e.expires.Format(time.DateOnly), got.Role, got.Email, got.ExpiresAt.Format(time.DateOnly))
	}
}

// TestRehashKeepsConcurrentChanges: the upgrade of a weak hash at sign-in
// writes the hash only, and only over the hash it verified: it neither undoes
// an owner's edit nor replaces a password an administrator set meanwhile.
func TestRehashKeepsConcurrentChanges(t *testing.T) {
	// A sign-in that comes after the administrator's new password fails; enough
	// of them must not throttle the rounds that follow.
	webtest.Each(t, webtest.Options{Settings: map[string]string{"signin_free_attempts": "100"}}, func(t *testing.T, s *webtest.Server) {
		ctx := t.Context()
		owner := s.AddMember(t, "olivia", "olivia@example.com", password, gatehouse.RoleOwner)
		m := s.AddMember(t, "target", "target@example.com", password, gatehouse.RoleMember)
		weak, err := secret.NewHasher(secret.HasherConfig{Memory: 64, Time: 1, Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		weakHash, err := weak.Hash(ctx, password)
		if err != nil {
			t.Fatal(err)
		}
		signIn := func() error {
			_, err := s.SignIn.SignIn(ctx, signin.SignInRequest{OrgID: m.OrgID, Identifier: "target", Password: password})
			return err
		}
		for i := range raceRounds {
			arrange(t, s, m.ID, func(m *gatehouse.Member) { m.PasswordHash = weakHash })
			e := newOwnerEdit(s, i)
			var signErr, editErr error
			both(func() { signErr = signIn() }, func() { editErr = e.run(ctx, s, owner, m) })
			if signErr != nil || editErr != nil {
				t.Fatalf("round %d: sign-in %v, edit %v", i, signErr, editErr)
			}
			got := s.Member(t, m.ID)
			e.check(t, i, "rehash", got)
			if ok, _, _ := s.Hasher.Verify(ctx, password, got.PasswordHash); !ok {
				t.Fatalf("round %d: the password no longer verifies", i)
			}
		}

		// An administrator sets a new password while the old one is being
		// upgraded: the new one stays.
		for i := range raceRounds {
			arrange(t, s, m.ID, func(m *gatehouse.Member) { m.PasswordHash = weakHash })
			next := fmt.Sprintf("quartz harbor willow %02d", i)
			var signErr, setErr error
			both(func() { signErr = signIn() }, func() {
				setErr = s.Admin.SetMemberPassword(ctx, gatehouse.MemberActor(owner), gatehouse.Client{}, m.OrgID, m.ID, next, false)
			})
			// The sign-in may come after the new password and fail: then it
			// upgrades nothing.
			if (signErr != nil && !gatehouse.IsCode(signErr, gatehouse.Unauthorized)) || setErr != nil {
				t.Fatalf("round %d: sign-in %v, set %v", i, signErr, setErr)
			}
			if ok, _, _ := s.Hasher.Verify(ctx, next, s.Member(t, m.ID).PasswordHash); !ok {
				t.Fatalf("round %d: the administrator's new password was replaced by the upgraded old one", i)
			}
		}
	})
}

// TestMobileAndPINKeepConcurrentChanges: saving a mobile number (the member's
// or an administrator's) and setting a support PIN write their own column
// only.
func TestMobileAndPINKeepConcurrentChanges(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		ctx := t.Context()
		owner := s.AddMember(t, "olivia", "olivia@example.com", password, gatehouse.RoleOwner)
		m := s.AddMember(t, "target", "target@example.com", password, gatehouse.RoleMember)
		for i := range raceRounds {
			stale := s.Member(t, m.ID)
			mobile := fmt.Sprintf("+4479111234%02d", i)
			e := newOwnerEdit(s, i)
			var setErr, editErr error
			both(func() {
				setErr = s.Mobile.SetMobile(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, stale, mobile)
			},
				func() { editErr = e.run(ctx, s, owner, m) })
			if setErr != nil || editErr != nil {
				t.Fatalf("round %d: mobile %v, edit %v", i, setErr, editErr)
			}
			got := s.Member(t, m.ID)
			e.check(t, i, "mobile", got)
			if got.Mobile != mobile {
				t.Fatalf("round %d: mobile %s, want %s", i, got.Mobile, mobile)
			}
		}
		for i := range raceRounds {
			stale := s.Member(t, m.ID)
			pin := fmt.Sprintf("4817%02d", i)
			e := newOwnerEdit(s, i+1)
			var setErr, editErr error
			both(func() {
				setErr = s.Account.SetSupportPIN(ctx, account.SetSupportPINRequest{Member: stale, Current: password, PIN: pin, Confirm: pin})
			}, func() { editErr = e.run(ctx, s, owner, m) })
			if setErr != nil || editErr != nil {
				t.Fatalf("round %d: PIN %v, edit %v", i, setErr, editErr)
			}
			got := s.Member(t, m.ID)
			e.check(t, i, "support PIN", got)
			if ok, _, _ := s.Hasher.Verify(ctx, pin, got.SupportPINHash); !ok {
				t.Fatalf("round %d: the PIN that answered success is not stored", i)
			}
		}
	})
}

// TestActivationKeepsDisable: an account disabled while its member chooses a
// first password through an activation link stays disabled; the activation
// either came first or is refused.
func TestActivationKeepsDisable(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		ctx := t.Context()
		owner := s.AddMember(t, "olivia", "olivia@example.com", password, gatehouse.RoleOwner)
		disabled := gatehouse.StateDisabled
		for i := range raceRounds {
			m, link, err := s.Admin.CreateMember(ctx, gatehouse.MemberActor(owner), gatehouse.Client{}, gatehouse.NewMember{
				OrgID: gatehouse.DefaultOrgID, Username: fmt.Sprintf("new%02d", i), Email: fmt.Sprintf("new%02d@example.com", i)})
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(link)
			pw := fmt.Sprintf("quartz harbor willow %02d", i)
			var actErr, editErr error
			both(func() {
				_, actErr = s.Recovery.CompleteActivation(ctx, recovery.CompleteLinkRequest{OrgID: gatehouse.DefaultOrgID, Token: u.Query().Get("token"), New: pw, Confirm: pw})
			}, func() {
				_, editErr = s.Admin.UpdateMember(ctx, gatehouse.MemberActor(owner), gatehouse.Client{}, m.OrgID, m.ID, admin.ProfileUpdate{State: &disabled})
			})
			if editErr != nil {
				t.Fatalf("round %d: disable: %v", i, editErr)
			}
			got := s.Member(t, m.ID)
			if got.State != gatehouse.StateDisabled {
				t.Fatalf("round %d: the owner disabled the account (activation: %v) and the row says %s", i, actErr, got.State)
			}
			if actErr == nil {
				if ok, _, _ := s.Hasher.Verify(ctx, pw, got.PasswordHash); !ok {
					t.Fatalf("round %d: the activation answered success and its password is not stored", i)
				}
			} else if !strings.Contains(gatehouse.ErrorMessage(actErr), "disabled") || got.PasswordHash != "" {
				t.Fatalf("round %d: the activation failed with %v and left hash %q", i, actErr, got.PasswordHash)
			}
		}
	})
}

// arrange edits the member's stored record for the next round.
func arrange(t *testing.T, s *webtest.Server, id string, edit func(*gatehouse.Member)) {
	t.Helper()
	m := s.Member(t, id)
	edit(m)
	s.Overwrite(t, m)
}
