package passkey_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/passkey"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// Renaming and removing need the current password; both are audited and
// emailed, and removing forgets trusted browsers.
func TestRenameAndRemove(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		ada := e.member(t, "ada")
		b := passkey.SessionBinding("s")
		p := e.register(t, ada, newDevice(ada), b, "  Work   laptop ")
		if p.Name != "Work laptop" {
			t.Errorf("name = %q, want the spaces tidied", p.Name)
		}
		if err := e.pk.Rename(ctx, ada, p.ID, "Phone", "wrong", client()); !isCode(err, gatehouse.Invalid) {
			t.Errorf("rename with a wrong password: %v", err)
		}
		if err := e.pk.Rename(ctx, ada, p.ID, "", password, client()); !isCode(err, gatehouse.Invalid) {
			t.Errorf("rename to nothing: %v", err)
		}
		e.clock.Advance(time.Second)
		if err := e.pk.Rename(ctx, ada, p.ID, "Phone", password, client()); err != nil {
			t.Fatal(err)
		}
		if err := e.pk.Remove(ctx, ada, p.ID, "wrong", client()); !isCode(err, gatehouse.Invalid) {
			t.Errorf("remove with a wrong password: %v", err)
		}
		bob := e.member(t, "bob")
		if err := e.pk.Remove(ctx, bob, p.ID, password, client()); !isCode(err, gatehouse.NotFound) {
			t.Errorf("bob removing ada's passkey: %v, want NotFound", err)
		}
		e.clock.Advance(time.Second)
		if err := e.pk.Remove(ctx, ada, p.ID, password, client()); err != nil {
			t.Fatal(err)
		}
		if list, _ := e.pk.List(ctx, ada); len(list) != 0 {
			t.Errorf("passkeys left: %d", len(list))
		}
		got := e.events(t, ada, passkey.EventAdded, passkey.EventRenamed, passkey.EventRemoved)
		if len(got) != 3 || got[1].Details["old"] != "Work laptop" || got[1].Details["new"] != "Phone" || got[2].Details["name"] != "Phone" {
			t.Errorf("events = %v", got)
		}
		msgs, _, _ := st.Messages(ctx, gatehouse.DefaultOrgID, gatehouse.MessageFilter{MemberID: ada.ID})
		if len(msgs) != 3 {
			t.Errorf("notices = %d, want 3", len(msgs))
		}
	})
}

// With an allow-list, only the listed authenticator models may be added.
func TestAAGUIDAllowList(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		ada := e.member(t, "ada")
		d := newDevice(ada)
		allowed := uuid.MustParse("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4")
		e.settings(t, map[string]string{"passkey_aaguids": allowed.String()})
		b := passkey.SessionBinding("s")
		if _, err := e.tryRegister(ada, d, b, rp, ""); !isCode(err, gatehouse.Forbidden) {
			t.Errorf("an authenticator not on the list: %v, want Forbidden", err)
		}
		d.auth.Aaguid = allowed
		p, err := e.tryRegister(ada, d, b, rp, "")
		if err != nil {
			t.Fatalf("an authenticator on the list: %v", err)
		}
		if p.Name != "Google Password Manager" || p.AAGUID != allowed.String() {
			t.Errorf("name %q, aaguid %q: want the authenticator's name", p.Name, p.AAGUID)
		}
	})
}

// A passkey alone must verify the user; as a second factor only when the
// organization asks. The organization may turn passkey sign-in off.
func TestUserVerification(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		ada := e.member(t, "ada")
		d := newDevice(ada)
		b := passkey.SessionBinding("s")
		e.register(t, ada, d, b, "key")
		d.auth.Options.UserNotVerified = true

		opts, err := e.pk.BeginSignIn(ctx, gatehouse.DefaultOrgID, b)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.pk.VerifySignIn(ctx, gatehouse.DefaultOrgID, b, assert(t, opts, d, rp), client()); !isCode(err, gatehouse.Unauthorized) {
			t.Errorf("sign-in without user verification: %v, want Unauthorized", err)
		}
		opts, err = e.pk.BeginSecondFactor(ctx, ada, b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.pk.VerifySecondFactor(ctx, ada, b, assert(t, opts, d, rp), client()); err != nil {
			t.Errorf("second factor without user verification, not required: %v", err)
		}
		e.settings(t, map[string]string{"passkey_uv_second_factor": "on"})
		opts, err = e.pk.BeginSecondFactor(ctx, ada, b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.pk.VerifySecondFactor(ctx, ada, b, assert(t, opts, d, rp), client()); !isCode(err, gatehouse.Unauthorized) {
			t.Errorf("second factor without user verification, required: %v", err)
		}

		e.settings(t, map[string]string{"passkey_sign_in": "off"})
		if _, err := e.pk.BeginSignIn(ctx, gatehouse.DefaultOrgID, b); !isCode(err, gatehouse.Forbidden) {
			t.Errorf("sign-in turned off: %v, want Forbidden", err)
		}
	})
}

func TestDefaultName(t *testing.T) {
	for _, c := range []struct{ aaguid, ua, want string }{
		{"fbfc3007-154e-4ecc-8c0b-6e020557d7bd", firefox, "iCloud Keychain"},
		{uuid.Nil.String(), "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Safari on macOS"},
		{uuid.Nil.String(), "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0", "Edge on Windows"},
		{uuid.Nil.String(), "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36", "Chrome on Android"},
		{uuid.Nil.String(), "curl/8.0", "Passkey"},
	} {
		if got := passkey.DefaultName(c.aaguid, c.ua); got != c.want {
			t.Errorf("DefaultName(%s, %q) = %q, want %q", c.aaguid, c.ua, got, c.want)
		}
	}
}
