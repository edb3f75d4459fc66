package operator

import (
	"context"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// Field names of the operator forms.
const (
	FieldUsername = "username"
	FieldEmail    = "email"
	FieldPassword = "password"
	FieldConfirm  = "confirm_password"
	FieldCode     = "code"
	FieldReason   = "reason"
	FieldTicket   = "ticket"
	FieldName     = "name"
)

// totpKeyName is the server key that seals authenticator secrets, the one
// members' apps use too; the associated data keeps an operator's row from
// opening as a member's and the other way round.
const totpKeyName = "totp"

func totpAAD(id string) []byte { return []byte("totp\x00operator\x00" + id) }

// Added is a new operator and the activation link shown once to whoever
// added them (it is emailed too).
type Added struct {
	Operator *Operator
	Link     string
}

// Add creates a pending operator and their activation link (valid
// ActivationTTL). Only the command line adds operators (the system actor).
func (s *Service) Add(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, username, email string) (*Added, error) {
	const op = "operator.Add"
	if actor.Kind != gatehouse.ActorSystem {
		return nil, gatehouse.Errorf(gatehouse.Forbidden, op, "Operators are added on the command line.")
	}
	username, email = strings.TrimSpace(username), strings.TrimSpace(email)
	var errs []gatehouse.FieldError
	if fe := gatehouse.ValidateUsername(username); fe != nil {
		errs = append(errs, *fe)
	}
	if fe := gatehouse.ValidateEmail(FieldEmail, email, true); fe != nil {
		errs = append(errs, *fe)
	}
	if len(errs) > 0 {
		return nil, gatehouse.InvalidFields(op, errs...)
	}
	now := s.now()
	o := &Operator{ID: gatehouse.NewID(s.rand()), Username: username, Email: email, State: StatePending, CreatedAt: now, UpdatedAt: now}
	plain, _, err := secret.NewTOTP("Gatehouse service desk", username, s.rand())
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	if o.TOTPSecret, err = s.seal(ctx, o.ID, plain); err != nil {
		return nil, err
	}
	raw, hash, err := secret.NewToken(s.rand())
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	t := &Token{Hash: hash, OperatorID: o.ID, CreatedAt: now, ExpiresAt: now.Add(ActivationTTL)}
	link := s.link("/operator/activate", url.Values{"token": {raw}})
	subject, text, html, err := s.Composer.Email(gatehouse.KindOperatorActivation, gatehouse.MessageData{
		Username: username, Link: link, ValidFor: ActivationTTL, At: now, IP: c.IP})
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	// The installation's own mail is kept under the default organization and
	// goes with the operators' sender, or else the default organization's
	// (which the store gives a message without one).
	msg := &gatehouse.Message{ID: gatehouse.NewID(s.rand()), OrgID: gatehouse.DefaultOrgID, Channel: gatehouse.ChannelEmail,
		Kind: gatehouse.KindOperatorActivation, To: email, Subject: subject, Text: text, HTML: html,
		Status: gatehouse.MessageQueued, CreatedAt: now, NextAttemptAt: now, From: s.MailFrom, FromName: s.MailFromName}
	e := s.entry(actor, c, ActionOperatorAdded, "", o.ID, "", "", username)
	if err := s.Accounts.CreateOperator(ctx, o, t, msg, e); err != nil {
		if gatehouse.IsCode(err, gatehouse.Conflict) {
			return nil, gatehouse.InvalidFields(op, gatehouse.FieldError{Field: FieldUsername, Code: "taken", Message: "That username is already taken."})
		}
		return nil, gatehouse.Wrap(op, err)
	}
	return &Added{Operator: o, Link: link}, nil
}

func (s *Service) seal(ctx context.Context, id, plain string) (string, error) {
	key, err := s.Keys.ServerKey(ctx, totpKeyName, 32)
	if err != nil {
		return "", gatehouse.Wrap("operator.seal", err)
	}
	sealed, err := secret.Seal(key, []byte(plain), totpAAD(id), s.rand())
	return sealed, gatehouse.Wrap("operator.seal", err)
}

func (s *Service) open(ctx context.Context, o *Operator) (string, error) {
	key, err := s.Keys.ServerKey(ctx, totpKeyName, 32)
	if err != nil {
		return "", gatehouse.Wrap("operator.open", err)
	}
	plain, err := secret.Open(key, o.TOTPSecret, totpAAD(o.ID))
	return string(plain), gatehouse.Wrap("operator.open", err)
}

// ErrLinkInvalid is the answer for an activation link that is unknown, used
// or expired: all look the same.
var ErrLinkInvalid = &gatehouse.Error{Code: gatehouse.NotFound, Op: "operator.activation",
	Message: "This link has expired or has already been used."}

// Enrolment is what the activation page shows: the authenticator secret to
// type into the app (in groups of four) and the otpauth:// URL of its QR code.
type Enrolment struct {
	Username string
	Secret   string
	URL      string
}

// Activation checks an activation link without using it, and returns the
// authenticator app to set up.
func (s *Service) Activation(ctx context.Context, raw string) (*Enrolment, error) {
	o, _, err := s.activation(ctx, raw)
	if err != nil {
		return nil, err
	}
	plain, err := s.open(ctx, o)
	if err != nil {
		return nil, err
	}
	u, err := secret.TOTPURL("Gatehouse service desk", o.Username, plain)
	if err != nil {
		return nil, gatehouse.Wrap("operator.Activation", err)
	}
	var groups []string
	for i := 0; i < len(plain); i += 4 {
		groups = append(groups, plain[i:min(i+4, len(plain))])
	}
	return &Enrolment{Username: o.Username, Secret: strings.Join(groups, " "), URL: u}, nil
}

func (s *Service) activation(ctx context.Context, raw string) (*Operator, *Token, error) {
	if !secret.ValidToken(raw) {
		return nil, nil, ErrLinkInvalid
	}
	t, err := s.Accounts.OperatorToken(ctx, secret.HashToken(raw))
	if gatehouse.IsCode(err, gatehouse.NotFound) || err == nil && (!t.UsedAt.IsZero() || !s.now().Before(t.ExpiresAt)) {
		return nil, nil, ErrLinkInvalid
	}
	if err != nil {
		return nil, nil, gatehouse.Wrap("operator.activation", err)
	}
	o, err := s.Accounts.Operator(ctx, t.OperatorID)
	if err != nil {
		return nil, nil, gatehouse.Wrap("operator.activation", err)
	}
	if o.State != StatePending {
		return nil, nil, ErrLinkInvalid
	}
	return o, t, nil
}

// ActivateRequest completes an activation: a password (twice) and a code
// from the authenticator app just set up, which proves it works.
type ActivateRequest struct {
	Token    string
	Password string
	Confirm  string
	Code     string
	Client   gatehouse.Client
}

// Activate makes the operator active with their password and app, and uses the
// link. The password follows the default policy of organizations.
func (s *Service) Activate(ctx context.Context, req ActivateRequest) (*Operator, error) {
	const op = "operator.Activate"
	o, t, err := s.activation(ctx, req.Token)
	if err != nil {
		return nil, err
	}
	set := gatehouse.DefaultSettings()
	pw := secret.NormalizePassword(req.Password)
	var errs []gatehouse.FieldError
	if req.Password == "" {
		errs = append(errs, gatehouse.FieldError{Field: FieldPassword, Code: "required", Message: "Choose a password."})
	} else if errs = set.Policy().Check(FieldPassword, pw, []string{o.Username, o.Email, "gatehouse"}, s.Blocklist); len(errs) > 0 {
		e := gatehouse.InvalidFields(op, errs...)
		e.Message = gatehouse.PasswordMessage(errs)
		return nil, e
	} else if req.Password != req.Confirm {
		errs = append(errs, gatehouse.FieldError{Field: FieldConfirm, Code: gatehouse.RuleMismatch, Message: "The two passwords are not the same."})
	}
	step, ok, err := s.checkCode(ctx, o, req.Code)
	if err != nil {
		return nil, err
	}
	if !ok {
		errs = append(errs, gatehouse.FieldError{Field: FieldCode, Code: "wrong", Message: "That code is not right: type the 6 digits your app shows now."})
	}
	if len(errs) > 0 {
		return nil, gatehouse.InvalidFields(op, errs...)
	}
	hash, err := s.Hasher.Hash(ctx, req.Password)
	if err != nil {
		return nil, err
	}
	e := s.entry(o.Actor(), req.Client, ActionOperatorActivated, "", o.ID, "", "", "")
	o, err = s.Accounts.ActivateOperator(ctx, t.Hash, hash, step, s.now(), e)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, ErrLinkInvalid
	}
	return o, gatehouse.Wrap(op, err)
}

// checkCode reports whether code is the app's code for the current time step
// or one either side and later than the last one accepted, and which step.
func (s *Service) checkCode(ctx context.Context, o *Operator, code string) (int64, bool, error) {
	code = strings.Join(strings.Fields(code), "")
	if len(code) != secret.TOTPDigits || !utf8.ValidString(code) {
		return 0, false, nil
	}
	plain, err := s.open(ctx, o)
	if err != nil {
		return 0, false, err
	}
	now := secret.TOTPStep(s.now())
	for step := now - 1; step <= now+1; step++ {
		if step <= o.TOTPLastStep {
			continue
		}
		want, err := secret.TOTPCode(plain, step)
		if err != nil {
			return 0, false, gatehouse.Wrap("operator.checkCode", err)
		}
		if secret.Equal(want, code) {
			return step, true, nil
		}
	}
	return 0, false, nil
}

// entry builds an operator log entry.
func (s *Service) entry(actor gatehouse.Actor, c gatehouse.Client, action, orgID, target, reason, ticket, details string) *LogEntry {
	name := actor.Name
	id := actor.ID
	if actor.Kind == gatehouse.ActorSystem {
		name, id = CommandLine, ""
	}
	return &LogEntry{ID: gatehouse.NewID(s.rand()), At: s.now(), OperatorID: id, OperatorName: name, Action: action,
		OrgID: orgID, Target: target, Reason: reason, Ticket: ticket, IP: c.IP, Details: details}
}

// Record writes an entry of the operator log for an action taken elsewhere
// (an organization created or suspended through package org).
func (s *Service) Record(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, action, orgID, target, reason, ticket, details string) error {
	if err := mayAct("operator.Record", actor); err != nil {
		return err
	}
	return gatehouse.Wrap("operator.Record", s.Log.AppendOperatorLog(ctx, s.entry(actor, c, action, orgID, target, reason, ticket, details)))
}
