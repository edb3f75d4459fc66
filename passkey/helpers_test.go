package passkey_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/app"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/passkey"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

var ctx = context.Background()

const (
	publicURL = "https://id.example.org"
	password  = "correct horse battery staple"
	firefox   = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
)

// rp is the relying party as a browser on the public URL sees it.
var rp = virtualwebauthn.RelyingParty{ID: "id.example.org", Name: "Gatehouse", Origin: publicURL}

type env struct {
	st    *sqlstore.Store
	acc   *account.Service
	pk    *passkey.Service
	clock *gatehousetest.Clock
}

func newEnv(t *testing.T, st *sqlstore.Store) *env {
	t.Helper()
	u, err := url.Parse(publicURL)
	if err != nil {
		t.Fatal(err)
	}
	clock := gatehousetest.NewClock()
	a := webtest.NewApp(t, st, clock, u)
	return &env{st: st, acc: a.Account, pk: a.Passkeys, clock: clock}
}

// member creates an active member with the password.
func (e *env) member(t *testing.T, username string) *gatehouse.Member {
	t.Helper()
	hash, err := e.acc.Hasher.Hash(ctx, password)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	m := &gatehouse.Member{
		ID: gatehouse.NewID(nil), OrgID: gatehouse.DefaultOrgID, Username: username, Email: username + "@example.com",
		Role: gatehouse.RoleMember, State: gatehouse.StateActive, PasswordHash: hash, PasswordChangedAt: now,
		CreatedAt: now, UpdatedAt: now,
	}
	if err := e.st.CreateMember(ctx, m); err != nil {
		t.Fatal(err)
	}
	return m
}

func (e *env) settings(t *testing.T, values map[string]string) {
	t.Helper()
	if _, err := app.AdminOf(e.acc, e.st).UpdateSettings(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID, values); err != nil {
		t.Fatal(err)
	}
}

// device is a virtual authenticator with one credential made for a member.
type device struct {
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
}

func newDevice(m *gatehouse.Member) *device {
	auth := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(m.ID)})
	return &device{auth: auth, cred: gatehousetest.PasskeyCredential()}
}

// register adds d's credential as a passkey of m, through the browser at rp.
func (e *env) register(t *testing.T, m *gatehouse.Member, d *device, b passkey.Binding, name string) *passkey.Passkey {
	t.Helper()
	p, err := e.tryRegister(m, d, b, rp, name)
	if err != nil {
		t.Fatalf("registering a passkey: %v", err)
	}
	d.auth.AddCredential(d.cred)
	return p
}

func (e *env) tryRegister(m *gatehouse.Member, d *device, b passkey.Binding, at virtualwebauthn.RelyingParty, name string) (*passkey.Passkey, error) {
	opts, err := e.pk.BeginRegistration(ctx, m, password, b, client())
	if err != nil {
		return nil, err
	}
	parsed, err := virtualwebauthn.ParseAttestationOptions(string(opts))
	if err != nil {
		return nil, err
	}
	resp := virtualwebauthn.CreateAttestationResponse(at, d.auth, d.cred, *parsed)
	return e.pk.FinishRegistration(ctx, m, b, []byte(resp), name, client())
}

// assert answers the options of a ceremony with d's credential, from the
// browser at rp.
func assert(t *testing.T, opts []byte, d *device, at virtualwebauthn.RelyingParty) []byte {
	t.Helper()
	parsed, err := virtualwebauthn.ParseAssertionOptions(string(opts))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(virtualwebauthn.CreateAssertionResponse(at, d.auth, d.cred, *parsed))
}

func client() gatehouse.Client {
	return gatehouse.Client{IP: "192.0.2.7", UserAgent: firefox}
}

// events returns the audit events of the types about m, oldest first.
func (e *env) events(t *testing.T, m *gatehouse.Member, types ...gatehouse.EventType) []*gatehouse.AuditEvent {
	t.Helper()
	list, _, err := e.st.AuditEvents(ctx, gatehouse.DefaultOrgID, gatehouse.AuditFilter{MemberID: m.ID, Types: types, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list
}

func isCode(err error, code gatehouse.Code) bool { return gatehouse.IsCode(err, code) }
