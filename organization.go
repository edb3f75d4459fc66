package gatehouse

import (
	"net/url"
	"strconv"
	"strings"
)

// Organizations (issue 12): one installation serves many organizations, each
// on its own host names. The default organization (DefaultOrgID) exists in
// every installation and answers on the configured public URL; the others are
// created by the service desk (package org) and answer on their hosts.

// OrgState says whether an organization may be used.
type OrgState string

// Organization states. A suspended organization keeps everything; its members
// cannot sign in, its API keys and reset links are refused until it resumes.
const (
	OrgActive    OrgState = "active"
	OrgSuspended OrgState = "suspended"
)

// Suspended reports whether the organization is suspended.
func (o *Organization) Suspended() bool { return o.State == OrgSuspended }

// IsDefault reports whether o is the installation's default organization,
// the one that answers on the public URL (and cannot be suspended).
func (o *Organization) IsDefault() bool { return o.ID == DefaultOrgID }

// SuspendedMessage is what everyone who tries to use a suspended
// organization is told: its pages, its API and its use cases.
const SuspendedMessage = "This organization's account is suspended: nobody can sign in, reset a password or use its API keys until it is resumed. Contact your service provider."

// RequireActiveOrg returns nil when the organization is active, else a
// Forbidden error that says it is suspended. Every way into an organization
// checks it, whatever checked it before: a sign-in, a session, an API key,
// a new API key.
func RequireActiveOrg(op string, o *Organization) error {
	if o.Suspended() {
		return &Error{Code: Forbidden, Op: op, Message: SuspendedMessage}
	}
	return nil
}

// PrimaryHost returns the host the organization's links are built on: its
// first host, "" when it has none (the default organization, whose host is
// the public URL's).
func (o *Organization) PrimaryHost() string {
	if len(o.Hosts) == 0 {
		return ""
	}
	return o.Hosts[0]
}

// BaseURL returns the URL every link of the organization starts with, and
// its OpenID Connect issuer: the installation's public URL with the
// organization's first host, or the public URL itself for an organization
// without hosts (the default one).
func (o *Organization) BaseURL(public *url.URL) *url.URL {
	u := *public
	if h := o.PrimaryHost(); h != "" {
		u.Host = h
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return &u
}

// Link returns an absolute link to path with the query on the organization's
// base URL (BaseURL): never built from a request.
func (o *Organization) Link(public *url.URL, path string, query url.Values) string {
	u := o.BaseURL(public)
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawQuery = query.Encode()
	return u.String()
}

// Limits of an organization's record.
const (
	MaxOrgSlugLength = 40
	MaxOrgNameLength = 100
	MaxOrgHosts      = 10
)

// ValidateOrgSlug checks a slug: 2 to 40 of a-z, 0-9 and "-", starting with a
// letter or digit. Slugs name organizations on the command line and in URLs of
// the operators' console, so they are plain.
func ValidateOrgSlug(field, slug string) *FieldError {
	if slug == "" {
		return &FieldError{Field: field, Code: "required", Message: "Give the organization a slug (such as acme)."}
	}
	if len(slug) < 2 || len(slug) > MaxOrgSlugLength {
		return &FieldError{Field: field, Code: "invalid_length", Message: "A slug has 2 to 40 characters."}
	}
	for i := 0; i < len(slug); i++ {
		c := slug[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && i > 0
		if !ok {
			return &FieldError{Field: field, Code: "invalid_character", Message: "A slug has only lower-case letters, digits and hyphens, and starts with a letter or digit."}
		}
	}
	return nil
}

// ValidateOrgName checks an organization's name: 1 to 100 characters, no
// control characters.
func ValidateOrgName(field, name string) *FieldError {
	if strings.TrimSpace(name) == "" {
		return &FieldError{Field: field, Code: "required", Message: "Give the organization a name."}
	}
	if len([]rune(name)) > MaxOrgNameLength {
		return &FieldError{Field: field, Code: "too_long", Message: "A name has at most 100 characters."}
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return &FieldError{Field: field, Code: "invalid_character", Message: "A name may not contain control characters."}
		}
	}
	return nil
}

// NormalizeHost returns the host of a Host header or a configured host as it
// is compared: lower case, without a trailing dot. It keeps a port.
func NormalizeHost(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	name, port, ok := strings.Cut(h, ":")
	switch {
	case !ok:
		return strings.TrimSuffix(h, ".")
	case !strings.HasSuffix(name, "."):
		return h // already normal: every request's Host goes through here, so no new string
	}
	return strings.TrimSuffix(name, ".") + ":" + port
}

// ValidateHost checks a host name an organization answers on: a DNS name of
// letters, digits and hyphens (at most 253 characters, labels of at most 63),
// optionally with a port. h must be normalized (NormalizeHost).
func ValidateHost(field, h string) *FieldError {
	bad := &FieldError{Field: field, Code: "invalid", Message: "A host is a DNS name such as acme.example.com, optionally with a port."}
	name, port, hasPort := strings.Cut(h, ":")
	if hasPort {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return bad
		}
	}
	if name == "" || len(name) > 253 {
		return bad
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return bad
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return bad
			}
		}
	}
	return nil
}

// ActorOperator is a member of the installation's service desk (package
// operator), who is never a member of an organization.
const ActorOperator ActorKind = "operator"

// Audit events of organizations and the service desk, in the organization's
// own audit log.
const (
	EventOrgCreated           EventType = "organization.created"
	EventOrgUpdated           EventType = "organization.updated"
	EventOrgSuspended         EventType = "organization.suspended"
	EventOrgResumed           EventType = "organization.resumed"
	EventOwnerRecoverySent    EventType = "owner_recovery.sent"
	EventOwnerRecoveryRefused EventType = "owner_recovery.refused"
)

// Message kinds of organizations and the service desk.
const (
	KindOwnerInvitation     = "owner_invitation"      // the link that creates an organization's first owner
	KindOwnerRecovery       = "owner_recovery"        // the service desk's recovery link to an owner
	KindOwnerRecoveryNotice = "owner_recovery_notice" // tells the other owners and administrators of it
	KindOperatorActivation  = "operator_activation"   // a new operator's activation link
)
