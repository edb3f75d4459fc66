// Package gatehouse holds the domain of Gatehouse, a self-hosted account-security
// server: members, their passwords, sessions, one-time tokens, organization settings
// and audit events, and the rules that govern them.
//
// The package imports only the standard library. The outside world (databases, mail,
// SMS, HTTP) lives in sub-packages that implement the small interfaces declared here;
// the use cases that orchestrate them live in package account.
package gatehouse

import (
	"crypto/rand"
	"encoding/base32"
	"io"
	"time"
)

// DefaultOrgID is the id of the organization created by the first migration. Every
// installation has it; further organizations may be added later.
const DefaultOrgID = "default"

// Organization is a tenant: it owns members, settings and audit events.
// Everything its members and administrators configure is in its Settings; the
// fields here are the installation's record of it (see organization.go).
type Organization struct {
	ID        string
	Slug      string   // short unique name for the command line and the operators
	Name      string   // the operators' name for it; also its first organization_name setting
	State     OrgState // active or suspended
	Hosts     []string // host names it answers on, the first one its links' host
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Client describes where a request came from, for sessions and the audit log.
type Client struct {
	IP        string
	UserAgent string
	// RequestID is the correlation id of the request (the X-Request-Id header),
	// which its log lines carry too; "" outside a request.
	RequestID string
}

// ActorKind says who performed an action.
type ActorKind string

// Actor kinds.
const (
	ActorMember ActorKind = "member" // a member acting on their own account or as administrator
	ActorAPIKey ActorKind = "apikey" // an integrator's API key
	ActorSystem ActorKind = "system" // the server itself or the command line
)

// Actor is who performed an action. For ActorMember, ID is the member id and Role
// their role; for ActorAPIKey, ID is the key id, Name the key's name and Role the
// role granted to the key. OrgID is the organization the actor belongs to and
// the only one it may act in: the permission checks (MayAdminister, ActsIn)
// compare it with the target's, and an actor without one may act nowhere.
type Actor struct {
	Kind  ActorKind
	ID    string
	Name  string
	Role  Role
	OrgID string
}

// SystemActor is the actor for actions the command line or the server itself
// takes in the organization orgID.
func SystemActor(orgID string) Actor {
	return Actor{Kind: ActorSystem, Name: "system", Role: RoleOwner, OrgID: orgID}
}

// ActsIn reports whether the actor belongs to the organization orgID (never
// for an empty one).
func (a Actor) ActsIn(orgID string) bool {
	return orgID != "" && a.OrgID == orgID
}

// CheckOrg returns nil when actor may act in the organization orgID, else a
// NotFound error: to an actor of another organization, this one and what it
// holds do not exist, so a mismatch tells nothing about them.
func CheckOrg(op string, actor Actor, orgID string) error {
	if !actor.ActsIn(orgID) {
		return Errorf(NotFound, op, "There is no such organization.")
	}
	return nil
}

// RequireOrg returns an error when orgID is empty: every use case acts in
// one organization, named by its caller, and none falls back to the default
// one (an empty id is a bug of the caller, not a choice).
func RequireOrg(op, orgID string) error {
	if orgID == "" {
		return Errorf(Invalid, op, "No organization was given.")
	}
	return nil
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns a random 128-bit identifier, 26 lowercase characters, read from r
// (crypto/rand when r is nil). Identifiers are not secrets; they only need to be unique.
func NewID(r io.Reader) string {
	var b [16]byte
	if r == nil {
		// crypto/rand.Read keeps b on the stack, where reading through the
		// io.Reader interface moves it to the heap: every request's
		// correlation id is one of these.
		_, _ = rand.Read(b[:]) // never fails (crypto/rand)
		return encodeID(&b)
	}
	return readID(r)
}

func readID(r io.Reader) string {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		panic("gatehouse: reading random bytes: " + err.Error())
	}
	return encodeID(&b)
}

func encodeID(b *[16]byte) string {
	var out [26]byte
	idEncoding.Encode(out[:], b[:])
	return string(out[:])
}
