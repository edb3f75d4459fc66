package org

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// Store is what the organizations' use cases need from storage. Package
// sqlstore implements it. Every write that must happen with others (an
// organization and its first owner's invitation, a change and its audit event)
// is one call, which the store makes in one transaction.
type Store interface {
	// FoundOrganization stores f.Org with its hosts, its first settings, the
	// invitation (when f.Invitation is set) and the audit event, in one
	// transaction. A slug or a host already taken is a Conflict.
	FoundOrganization(ctx context.Context, f Founding) error
	// Organization returns the organization with id, with its hosts.
	Organization(ctx context.Context, id string) (*gatehouse.Organization, error)
	OrganizationBySlug(ctx context.Context, slug string) (*gatehouse.Organization, error)
	// OrganizationByHost returns the organization whose host is exactly host
	// (normalized); NotFound when none has it.
	OrganizationByHost(ctx context.Context, host string) (*gatehouse.Organization, error)
	// HasHosts reports whether any organization has a host: whether the
	// installation serves more than the default organization.
	HasHosts(ctx context.Context) (bool, error)
	// Organizations returns a page of the organizations f selects, by slug,
	// and the cursor of the next page ("" after the last).
	Organizations(ctx context.Context, f Filter) ([]*gatehouse.Organization, string, error)
	// ChangeOrganization writes what c names, and UpdatedAt, and adds c.Event
	// to the audit log, in one transaction. A host taken by another
	// organization is a Conflict.
	ChangeOrganization(ctx context.Context, id string, c Change) error
	// InviteOwner supersedes the organization's unused invitations with inv,
	// in one transaction with its email and audit event.
	InviteOwner(ctx context.Context, orgID string, inv Invitation) error
	// CountMembers counts the organization's members with the role and state
	// ("" matches any).
	CountMembers(ctx context.Context, orgID string, role gatehouse.Role, state gatehouse.State) (int, error)
	// ListMembers returns a page of the organization's members f selects.
	ListMembers(ctx context.Context, orgID string, f gatehouse.MemberFilter) ([]*gatehouse.Member, string, error)
	// Settings returns the organization's stored settings by name (its
	// sender; the default organization's is a new one's).
	Settings(ctx context.Context, orgID string) (map[string]string, error)
}

// Founding is everything that makes a new organization, written at once.
type Founding struct {
	Org        *gatehouse.Organization
	Settings   map[string]string
	Invitation *Invitation // nil: no invitation (not used today: every organization gets one)
	Event      *gatehouse.AuditEvent
}

// Invitation is a first-owner link: its token (a setup token of the
// organization, stored by hash) and, when it is emailed, its message.
type Invitation struct {
	Token   *gatehouse.Token
	Message *gatehouse.Message // nil when no address was given
	Event   *gatehouse.AuditEvent
}

// Change names what an update writes; nil fields keep what is stored.
type Change struct {
	Name      *string
	Hosts     *[]string // replaces every host, in order
	State     *gatehouse.OrgState
	UpdatedAt time.Time
	Event     *gatehouse.AuditEvent
}

// Filter selects organizations for the operators' console and the API.
type Filter struct {
	// Query matches a part of the slug, the name or a host, case-insensitively;
	// every character in it is literal.
	Query  string
	State  gatehouse.OrgState // "" for any
	Cursor string             // the slug after which the page starts
	Limit  int
}
