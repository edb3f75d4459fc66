package org

import (
	"context"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
)

// Summary is what the service desk sees of an organization in lists: its
// record, how many members it has, and its owners (contact details only).
type Summary struct {
	Org     *gatehouse.Organization
	Members int
	Owners  []Owner
}

// Owner is what the service desk sees of an owner: who to call back and where
// a recovery link would go, nothing else of the member.
type Owner struct {
	ID          string
	Username    string
	DisplayName string
	Email       string // the address on record that recovery links go to
	Mobile      string
	State       gatehouse.State
	PINSet      bool // whether the owner keeps a support PIN (never the PIN)
}

// MaxOwnersShown bounds the owners a summary lists.
const MaxOwnersShown = 20

// List returns a page of organizations with their summaries.
func (s *Service) List(ctx context.Context, actor gatehouse.Actor, f Filter) ([]Summary, string, error) {
	const op = "org.List"
	if err := MayManage(op, actor); err != nil {
		return nil, "", err
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	f.Query = strings.TrimSpace(f.Query)
	orgs, next, err := s.Store.Organizations(ctx, f)
	if err != nil {
		return nil, "", gatehouse.Wrap(op, err)
	}
	out := make([]Summary, 0, len(orgs))
	for _, o := range orgs {
		sum, err := s.summary(ctx, op, o)
		if err != nil {
			return nil, "", err
		}
		out = append(out, *sum)
	}
	return out, next, nil
}

// Show returns the summary of the organization with the slug.
func (s *Service) Show(ctx context.Context, actor gatehouse.Actor, slug string) (*Summary, error) {
	const op = "org.Show"
	if err := MayManage(op, actor); err != nil {
		return nil, err
	}
	o, err := s.BySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.summary(ctx, op, o)
}

func (s *Service) summary(ctx context.Context, op string, o *gatehouse.Organization) (*Summary, error) {
	n, err := s.Store.CountMembers(ctx, o.ID, "", "")
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	owners, _, err := s.Store.ListMembers(ctx, o.ID, gatehouse.MemberFilter{Role: gatehouse.RoleOwner, Limit: MaxOwnersShown})
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	sum := &Summary{Org: o, Members: n}
	for _, m := range owners {
		sum.Owners = append(sum.Owners, OwnerOf(m))
	}
	return sum, nil
}

// OwnerOf returns what the service desk may see of an owner.
func OwnerOf(m *gatehouse.Member) Owner {
	return Owner{ID: m.ID, Username: m.Username, DisplayName: m.DisplayName, Email: m.ContactEmail(),
		Mobile: m.Mobile, State: m.State, PINSet: m.SupportPINHash != ""}
}

// UpdateRequest changes an organization; nil fields stay as they are.
type UpdateRequest struct {
	Name  *string
	Hosts []string // nil keeps the hosts; otherwise replaces them all, in order
}

// Update changes the organization's name or hosts. A new name is not copied
// to its organization_name setting, which its administrators own by now.
func (s *Service) Update(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, slug string, req UpdateRequest) (*gatehouse.Organization, error) {
	const op = "org.Update"
	if err := MayManage(op, actor); err != nil {
		return nil, err
	}
	o, err := s.BySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	ch := Change{UpdatedAt: s.now()}
	details := map[string]string{}
	var errs []gatehouse.FieldError
	if req.Name != nil {
		name := strings.TrimSpace(*req.Name)
		if fe := gatehouse.ValidateOrgName(FieldName, name); fe != nil {
			errs = append(errs, *fe)
		} else if name != o.Name {
			ch.Name = &name
			details["name"] = o.Name + " → " + name
		}
	}
	var hosts []string
	if req.Hosts != nil {
		var herrs []gatehouse.FieldError
		hosts, herrs = s.checkHosts(req.Hosts)
		errs = append(errs, herrs...)
		if len(herrs) == 0 && strings.Join(hosts, " ") != strings.Join(o.Hosts, " ") {
			if o.IsDefault() {
				errs = append(errs, gatehouse.FieldError{Field: FieldHosts, Code: "default",
					Message: "The default organization answers on the public URL; change GATEHOUSE_PUBLIC_URL instead."})
			}
			ch.Hosts = &hosts
			details["hosts"] = strings.Join(o.Hosts, " ") + " → " + strings.Join(hosts, " ")
		}
	}
	if len(errs) > 0 {
		return nil, gatehouse.InvalidFields(op, errs...)
	}
	if len(details) == 0 {
		return o, nil
	}
	ch.Event = s.event(gatehouse.EventOrgUpdated, o.ID, actor, c, details)
	if err := s.Store.ChangeOrganization(ctx, o.ID, ch); err != nil {
		if gatehouse.IsCode(err, gatehouse.Conflict) {
			return nil, s.taken(ctx, op, o.Slug, hosts, o.ID)
		}
		return nil, gatehouse.Wrap(op, err)
	}
	return s.Store.Organization(ctx, o.ID)
}

// ErrDefaultSuspend refuses to suspend the default organization: it answers
// on the installation's public URL, whose sign-in it would take down, and an
// installation that wants no members there simply has none.
var ErrDefaultSuspend = &gatehouse.Error{Code: gatehouse.Forbidden, Op: "org.Suspend",
	Message: "The default organization cannot be suspended: it answers on the installation's public URL. Disable its members instead."}

// Suspend suspends the organization: its members cannot sign in, its API keys
// and links are refused, and nothing is deleted. reason is recorded.
func (s *Service) Suspend(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, slug, reason string) (*gatehouse.Organization, error) {
	return s.setState(ctx, "org.Suspend", actor, c, slug, reason, gatehouse.OrgSuspended, gatehouse.EventOrgSuspended)
}

// Resume makes a suspended organization active again.
func (s *Service) Resume(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, slug, reason string) (*gatehouse.Organization, error) {
	return s.setState(ctx, "org.Resume", actor, c, slug, reason, gatehouse.OrgActive, gatehouse.EventOrgResumed)
}

func (s *Service) setState(ctx context.Context, op string, actor gatehouse.Actor, c gatehouse.Client, slug, reason string, st gatehouse.OrgState, t gatehouse.EventType) (*gatehouse.Organization, error) {
	if err := MayManage(op, actor); err != nil {
		return nil, err
	}
	o, err := s.BySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	if o.State == st {
		return o, nil // already so: nothing to record
	}
	if st == gatehouse.OrgSuspended && o.IsDefault() {
		return nil, ErrDefaultSuspend
	}
	ch := Change{State: &st, UpdatedAt: s.now(),
		Event: s.event(t, o.ID, actor, c, map[string]string{"reason": strings.TrimSpace(reason)})}
	if err := s.Store.ChangeOrganization(ctx, o.ID, ch); err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	o.State, o.UpdatedAt = st, ch.UpdatedAt
	return o, nil
}
