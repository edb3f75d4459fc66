package admin

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// The bulk send of activation codes in the admin area goes through a
// confirmation page (S23). The confirmation is single-use: preparing it
// stores the selection under a random id (gatehouse.Confirmation); the
// confirming POST redeems that id, sends, and stores the outcome, all in one
// transaction. A second POST of the same page, at the same moment or later
// (a double click, a retry, the back button), finds it redeemed, sends
// nothing, and is shown the first one's outcome. Sending each member a new
// code would otherwise kill the link sent a moment before.

// ConfirmTTL is how long a confirmation page can be confirmed.
const ConfirmTTL = time.Hour

const confirmActivationKind = "activation"

// ErrConfirmationGone answers a confirmation that is unknown, of another
// actor, or whose time ran out before it was confirmed.
var ErrConfirmationGone = &gatehouse.Error{Code: gatehouse.NotFound, Op: "admin.confirmation",
	Message: "This confirmation has expired. Select the members again."}

// ActivationStep is a bulk send of activation codes: before it is confirmed,
// the plan (who would get a code and who not, as things stand now); after, what
// was done.
type ActivationStep struct {
	ID      string
	Done    bool
	Results []ActivationResult
}

// PrepareActivation decides who of the members would get an activation code,
// without sending anything, and stores the selection as a confirmation that
// SendConfirmedActivation can redeem once. It returns the confirmation's id.
func (s *Service) PrepareActivation(ctx context.Context, actor gatehouse.Actor, orgID string, ids []string) (string, error) {
	const op = "admin.PrepareActivation"
	plan, err := s.planActivation(ctx, s.Store, op, actor, orgID, ids)
	if err != nil {
		return "", err
	}
	uniq := make([]string, len(plan))
	for i, r := range plan {
		uniq[i] = r.MemberID
	}
	payload, err := json.Marshal(uniq)
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	now := s.now()
	c := &gatehouse.Confirmation{ID: gatehouse.NewID(s.rand()), OrgID: orgID, ActorID: gatehouse.ActorKey(actor),
		Kind: confirmActivationKind, Payload: string(payload), CreatedAt: now, ExpiresAt: now.Add(ConfirmTTL)}
	if err := s.Store.CreateConfirmation(ctx, c); err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	return c.ID, nil
}

// ActivationConfirmation returns the bulk send with id: its plan while it
// waits for confirmation, what was done once confirmed.
func (s *Service) ActivationConfirmation(ctx context.Context, actor gatehouse.Actor, orgID, id string) (*ActivationStep, error) {
	const op = "admin.ActivationConfirmation"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return nil, err
	}
	c, err := s.confirmation(ctx, s.Store, op, actor, orgID, id)
	if err != nil {
		return nil, err
	}
	if !c.UsedAt.IsZero() {
		res, err := decodeOutcome(c.Result)
		if err != nil {
			return nil, gatehouse.Wrap(op, err)
		}
		return &ActivationStep{ID: id, Done: true, Results: res}, nil
	}
	if !s.now().Before(c.ExpiresAt) {
		return nil, ErrConfirmationGone
	}
	var ids []string
	if err := json.Unmarshal([]byte(c.Payload), &ids); err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	plan, err := s.planActivation(ctx, s.Store, op, actor, orgID, ids)
	if err != nil {
		return nil, err
	}
	return &ActivationStep{ID: id, Results: plan}, nil
}

// SendConfirmedActivation redeems the confirmation with id and sends the
// activation codes it stands for (see SendActivation), in one transaction with
// the redemption and the stored outcome. When the confirmation was already
// redeemed by this actor (a second POST of the page, concurrent or not), it
// sends nothing and returns nil: the outcome to show is the first one's.
func (s *Service) SendConfirmedActivation(ctx context.Context, actor gatehouse.Actor, cl gatehouse.Client, orgID, id string) error {
	const op = "admin.SendConfirmedActivation"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return err
	}
	set, err := s.Settings(ctx, orgID)
	if err != nil {
		return err
	}
	sent := false
	err = s.Tx.Tx(ctx, func(tx Tx) error {
		c, err := tx.UseConfirmation(ctx, orgID, id, s.now())
		if gatehouse.IsCode(err, gatehouse.NotFound) {
			// Redeemed already (or never usable): by the time the database
			// says so, the redeeming transaction has ended.
			done, err := s.confirmation(ctx, tx, op, actor, orgID, id)
			if err != nil {
				return err
			}
			if done.UsedAt.IsZero() {
				return ErrConfirmationGone // expired before it was confirmed
			}
			return nil
		}
		if err != nil {
			return gatehouse.Wrap(op, err)
		}
		if c.ActorID != gatehouse.ActorKey(actor) || c.Kind != confirmActivationKind {
			return ErrConfirmationGone // rolls the redemption back
		}
		var ids []string
		if err := json.Unmarshal([]byte(c.Payload), &ids); err != nil {
			return gatehouse.Wrap(op, err)
		}
		plan, err := s.planActivation(ctx, tx, op, actor, orgID, ids)
		if err != nil {
			return err
		}
		if err := s.sendPlanned(ctx, tx, op, actor, cl, orgID, &set, plan); err != nil {
			return err
		}
		out, err := encodeOutcome(plan)
		if err != nil {
			return gatehouse.Wrap(op, err)
		}
		sent = true
		return tx.SetConfirmationResult(ctx, orgID, id, out)
	})
	if sent && err == nil {
		s.kick()
	}
	return err
}

// confirmation loads the actor's activation confirmation with id through st.
func (s *Service) confirmation(ctx context.Context, st confirmations, op string, actor gatehouse.Actor, orgID, id string) (*gatehouse.Confirmation, error) {
	c, err := st.Confirmation(ctx, orgID, id)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, ErrConfirmationGone
	}
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	if c.ActorID != gatehouse.ActorKey(actor) || c.Kind != confirmActivationKind {
		return nil, ErrConfirmationGone
	}
	return c, nil
}

// confirmations reads a confirmation: the store, or a transaction.
type confirmations interface {
	Confirmation(ctx context.Context, orgID, id string) (*gatehouse.Confirmation, error)
}

// outcome is one member's result as stored with a redeemed confirmation: the
// names as they were, since the member may change or go.
type outcome struct {
	MemberID string `json:"member_id"`
	Username string `json:"username,omitempty"`
	Name     string `json:"name,omitempty"`
	Found    bool   `json:"found"`
	Sent     bool   `json:"sent"`
	Reason   string `json:"reason,omitempty"`
	Message  string `json:"message,omitempty"`
	To       string `json:"to,omitempty"`
}

func encodeOutcome(res []ActivationResult) (string, error) {
	out := make([]outcome, len(res))
	for i, r := range res {
		out[i] = outcome{MemberID: r.MemberID, Sent: r.Sent, Reason: r.Reason, Message: r.Message, To: r.To}
		if r.Member != nil {
			out[i].Found, out[i].Username, out[i].Name = true, r.Member.Username, r.Member.DisplayName
		}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func decodeOutcome(s string) ([]ActivationResult, error) {
	var in []outcome
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, err
	}
	res := make([]ActivationResult, len(in))
	for i, o := range in {
		res[i] = ActivationResult{MemberID: o.MemberID, Sent: o.Sent, Reason: o.Reason, Message: o.Message, To: o.To}
		if o.Found {
			res[i].Member = &gatehouse.Member{ID: o.MemberID, Username: o.Username, DisplayName: o.Name}
		}
	}
	return res, nil
}
