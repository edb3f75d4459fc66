package org

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// CreateRequest is a new organization.
type CreateRequest struct {
	Slug  string
	Name  string
	Hosts []string // at least one; the first is where its links point
	// OwnerEmail, when set, receives the first-owner invitation by email.
	OwnerEmail string
	// MailFrom is the organization's sender address (its mail_from_address
	// setting), checked as that setting is. "" gives it the default
	// organization's, when one is set there: the installation's sender.
	MailFrom string
}

// Created is a new organization and its first-owner invitation link, shown
// once to whoever created it (and emailed when an address was given).
type Created struct {
	Org        *gatehouse.Organization
	Invitation string
}

// Create makes an organization answering on its hosts, with its name as its
// organization_name setting, and a one-time link (valid InvitationTTL) that
// creates its first owner.
func (s *Service) Create(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, req CreateRequest) (*Created, error) {
	const op = "org.Create"
	if err := MayManage(op, actor); err != nil {
		return nil, err
	}
	var errs []gatehouse.FieldError
	req.Slug = strings.TrimSpace(req.Slug)
	if fe := gatehouse.ValidateOrgSlug(FieldSlug, req.Slug); fe != nil {
		errs = append(errs, *fe)
	}
	req.Name = strings.TrimSpace(req.Name)
	if fe := gatehouse.ValidateOrgName(FieldName, req.Name); fe != nil {
		errs = append(errs, *fe)
	}
	hosts, herrs := s.checkHosts(req.Hosts)
	errs = append(errs, herrs...)
	req.OwnerEmail = strings.TrimSpace(req.OwnerEmail)
	if fe := gatehouse.ValidateEmail(FieldOwnerEmail, req.OwnerEmail, false); fe != nil {
		errs = append(errs, *fe)
	}
	settings := map[string]string{settingName: req.Name}
	if req.MailFrom = strings.TrimSpace(req.MailFrom); req.MailFrom != "" {
		check := gatehouse.DefaultSettings()
		if fe := check.Set(settingMailFrom, req.MailFrom); fe != nil {
			fe.Field = FieldMailFrom
			errs = append(errs, *fe)
		}
		settings[settingMailFrom] = req.MailFrom
	}
	if len(errs) > 0 {
		return nil, gatehouse.InvalidFields(op, errs...)
	}
	if req.MailFrom == "" {
		def, err := s.Store.Settings(ctx, gatehouse.DefaultOrgID)
		if err != nil {
			return nil, gatehouse.Wrap(op, err)
		}
		if _, set := def[settingMailFrom]; set {
			settings[settingMailFrom] = gatehouse.LoadSettings(def).MailFromAddress
		}
	}
	now := s.now()
	o := &gatehouse.Organization{ID: gatehouse.NewID(s.rand()), Slug: req.Slug, Name: req.Name,
		State: gatehouse.OrgActive, Hosts: hosts, CreatedAt: now, UpdatedAt: now}
	sender := gatehouse.LoadSettings(settings)
	inv, link, err := s.invitation(o, &sender, actor, c, req.OwnerEmail)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	f := Founding{Org: o, Settings: settings, Invitation: inv,
		Event: s.event(gatehouse.EventOrgCreated, o.ID, actor, c, map[string]string{
			"slug": o.Slug, "name": o.Name, "hosts": strings.Join(hosts, " ")})}
	if err := s.Store.FoundOrganization(ctx, f); err != nil {
		if gatehouse.IsCode(err, gatehouse.Conflict) {
			return nil, s.taken(ctx, op, o.Slug, hosts, "")
		}
		return nil, gatehouse.Wrap(op, err)
	}
	return &Created{Org: o, Invitation: link}, nil
}

// Invite makes a new first-owner invitation for the organization, superseding
// earlier ones, while it has no owner; Conflict once it has one.
func (s *Service) Invite(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, slug, email string) (string, error) {
	const op = "org.Invite"
	if err := MayManage(op, actor); err != nil {
		return "", err
	}
	email = strings.TrimSpace(email)
	if fe := gatehouse.ValidateEmail(FieldOwnerEmail, email, false); fe != nil {
		return "", gatehouse.InvalidFields(op, *fe)
	}
	o, err := s.BySlug(ctx, slug)
	if err != nil {
		return "", err
	}
	n, err := s.Store.CountMembers(ctx, o.ID, gatehouse.RoleOwner, "")
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	if n > 0 {
		return "", gatehouse.Errorf(gatehouse.Conflict, op, "The organization %s already has an owner: its owners invite others.", o.Slug)
	}
	stored, err := s.Store.Settings(ctx, o.ID)
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	set := gatehouse.LoadSettings(stored)
	inv, link, err := s.invitation(o, &set, actor, c, email)
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	return link, gatehouse.Wrap(op, s.Store.InviteOwner(ctx, o.ID, *inv))
}

// invitation makes a first-owner link for o: a setup token of o, valid
// InvitationTTL, its email when there is an address (from the organization's
// sender in its settings set), and its audit event.
func (s *Service) invitation(o *gatehouse.Organization, set *gatehouse.Settings, actor gatehouse.Actor, c gatehouse.Client, email string) (*Invitation, string, error) {
	raw, hash, err := secret.NewToken(s.rand())
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	link := s.Link(o, "/setup", url.Values{"token": {raw}})
	inv := &Invitation{
		Token: &gatehouse.Token{Hash: hash, OrgID: o.ID, Purpose: gatehouse.PurposeSetup, CreatedAt: now, ExpiresAt: now.Add(InvitationTTL)},
		Event: s.event(gatehouse.EventActivationSent, o.ID, actor, c, map[string]string{
			"invitation": "first_owner", "emailed": fmt.Sprint(email != ""), "valid_for": gatehouse.FormatDuration(InvitationTTL)}),
	}
	if email != "" {
		subject, text, html, err := s.Composer.Email(gatehouse.KindOwnerInvitation, gatehouse.MessageData{
			OrgName: o.Name, Link: link, ValidFor: InvitationTTL, At: now, IP: c.IP})
		if err != nil {
			return nil, "", err
		}
		inv.Message = &gatehouse.Message{ID: gatehouse.NewID(s.rand()), OrgID: o.ID, Channel: gatehouse.ChannelEmail,
			Kind: gatehouse.KindOwnerInvitation, To: email, Subject: subject, Text: text, HTML: html,
			Status: gatehouse.MessageQueued, CreatedAt: now, NextAttemptAt: now, From: set.MailFromAddress, FromName: set.SenderName()}
	}
	return inv, link, nil
}

// checkHosts normalizes and checks the hosts of an organization: at least
// one, at most MaxOrgHosts, each once, none the public URL's.
func (s *Service) checkHosts(in []string) ([]string, []gatehouse.FieldError) {
	var out []string
	seen := map[string]bool{}
	for _, h := range in {
		h = gatehouse.NormalizeHost(h)
		if h == "" || seen[h] {
			continue
		}
		seen[h] = true
		if fe := gatehouse.ValidateHost(FieldHosts, h); fe != nil {
			fe.Message = fmt.Sprintf("%q: %s", h, fe.Message)
			return nil, []gatehouse.FieldError{*fe}
		}
		if s.PublicURL != nil && h == gatehouse.NormalizeHost(s.PublicURL.Host) {
			return nil, []gatehouse.FieldError{{Field: FieldHosts, Code: "reserved",
				Message: fmt.Sprintf("%q is the host of the public URL, where the default organization and the service desk answer.", h)}}
		}
		out = append(out, h)
	}
	switch {
	case len(out) == 0:
		return nil, []gatehouse.FieldError{{Field: FieldHosts, Code: "required", Message: "Give at least one host name (such as acme.example.com)."}}
	case len(out) > gatehouse.MaxOrgHosts:
		return nil, []gatehouse.FieldError{{Field: FieldHosts, Code: "too_many", Message: fmt.Sprintf("An organization has at most %d hosts.", gatehouse.MaxOrgHosts)}}
	}
	return out, nil
}

// taken says which of the slug and hosts another organization (not self) has,
// after a Conflict.
func (s *Service) taken(ctx context.Context, op, slug string, hosts []string, self string) error {
	var errs []gatehouse.FieldError
	if o, err := s.Store.OrganizationBySlug(ctx, slug); err == nil && o.ID != self {
		errs = append(errs, gatehouse.FieldError{Field: FieldSlug, Code: "taken", Message: fmt.Sprintf("The slug %q is taken.", slug)})
	}
	for _, h := range hosts {
		if o, err := s.Store.OrganizationByHost(ctx, h); err == nil && o.ID != self {
			errs = append(errs, gatehouse.FieldError{Field: FieldHosts, Code: "taken", Message: fmt.Sprintf("The host %q belongs to another organization.", h)})
		}
	}
	if len(errs) == 0 {
		return gatehouse.Errorf(gatehouse.Conflict, op, "The slug or a host is taken.")
	}
	return gatehouse.InvalidFields(op, errs...)
}
