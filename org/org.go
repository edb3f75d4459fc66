// Package org holds the use cases of organizations (issue 12): the service
// desk and the command line create, list, change, suspend and resume the
// organizations of one installation, each answering on its own host names,
// and invite each one's first owner.
//
// Members, administrators and API keys of an organization never reach these
// use cases: only the system (the command line) and operators may
// (MayManage).
package org

import (
	"context"
	"io"
	"net/url"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// InvitationTTL is how long a first-owner invitation works.
const InvitationTTL = 24 * time.Hour

// Field names of the organization forms and the API.
const (
	FieldSlug       = "slug"
	FieldName       = "name"
	FieldHosts      = "hosts"
	FieldOwnerEmail = "owner_email"
	FieldMailFrom   = "mail_from_address"
)

// Service carries the dependencies of the organizations' use cases. Store,
// Composer and PublicURL must be set.
type Service struct {
	Store    Store
	Composer gatehouse.Composer
	// PublicURL is the installation's URL: the default organization answers
	// on it, and every other organization's links take its scheme (and path)
	// with their own host. Its host cannot be given to an organization.
	PublicURL *url.URL
	Now       func() time.Time
	Rand      io.Reader
}

func (s *Service) now() time.Time { return gatehouse.NowOr(s.Now) }

func (s *Service) rand() io.Reader { return gatehouse.RandOr(s.Rand) }

// MayManage returns nil when actor may create and change organizations: the
// system (the command line) and operators. Members and API keys of an
// organization never may, whatever their role.
func MayManage(op string, actor gatehouse.Actor) error {
	switch actor.Kind {
	case gatehouse.ActorSystem, gatehouse.ActorOperator:
		return nil
	}
	return gatehouse.Errorf(gatehouse.Forbidden, op, "Only the service desk manages organizations.")
}

// BaseURL returns the URL every link of the organization starts with: the
// public URL with the organization's first host, or the public URL itself for
// an organization without hosts (the default one).
func BaseURL(public *url.URL, o *gatehouse.Organization) *url.URL {
	return o.BaseURL(public)
}

// Link returns an absolute link to path with the query on the organization's
// base URL (BaseURL); never built from a request.
func Link(public *url.URL, o *gatehouse.Organization, path string, query url.Values) string {
	return o.Link(public, path, query)
}

// Link is the package's Link on the service's public URL.
func (s *Service) Link(o *gatehouse.Organization, path string, query url.Values) string {
	return Link(s.PublicURL, o, path, query)
}

// BySlug returns the organization with the slug.
func (s *Service) BySlug(ctx context.Context, slug string) (*gatehouse.Organization, error) {
	o, err := s.Store.OrganizationBySlug(ctx, slug)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, gatehouse.Errorf(gatehouse.NotFound, "org.BySlug", "There is no organization %q.", slug)
	}
	return o, gatehouse.Wrap("org.BySlug", err)
}

// ByID returns the organization with id (the operator log names them by id).
func (s *Service) ByID(ctx context.Context, id string) (*gatehouse.Organization, error) {
	o, err := s.Store.Organization(ctx, id)
	return o, gatehouse.Wrap("org.ByID", err)
}

// ByHost returns the organization whose host is exactly host (a request's
// Host header), NotFound when there is none. The public URL's host is the
// default organization's. An installation whose organizations have no hosts
// (one that serves only the default organization, as before organizations
// existed) serves every host as the default organization's.
func (s *Service) ByHost(ctx context.Context, host string) (*gatehouse.Organization, error) {
	h := gatehouse.NormalizeHost(host)
	if s.PublicURL != nil && h == gatehouse.NormalizeHost(s.PublicURL.Host) {
		return s.Store.Organization(ctx, gatehouse.DefaultOrgID)
	}
	o, err := s.Store.OrganizationByHost(ctx, h)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		multi, herr := s.Store.HasHosts(ctx)
		if herr != nil {
			return nil, gatehouse.Wrap("org.ByHost", herr)
		}
		if !multi {
			return s.Store.Organization(ctx, gatehouse.DefaultOrgID)
		}
	}
	return o, gatehouse.Wrap("org.ByHost", err)
}

// event builds an audit event of the organization.
func (s *Service) event(t gatehouse.EventType, orgID string, actor gatehouse.Actor, c gatehouse.Client, details map[string]string) *gatehouse.AuditEvent {
	return &gatehouse.AuditEvent{
		ID: gatehouse.NewID(s.rand()), OrgID: orgID, At: s.now(), Type: t,
		ActorKind: actor.Kind, ActorID: actor.ID, ActorName: actor.Name,
		IP: c.IP, UserAgent: c.UserAgent, RequestID: c.RequestID, Details: details,
	}
}

// settingName is the setting members see as their organization's name, which
// an organization's name starts as; settingMailFrom is its sender address.
const (
	settingName     = "organization_name"
	settingMailFrom = "mail_from_address"
)
