package operator

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// Store keeps operators, their activation links and sessions.
// Package sqlstore implements it. Writes that go with an entry of the operator
// log take the entry and write both in one transaction.
type Store interface {
	// CreateOperator stores o with its activation token, its email and the log
	// entry. A username already taken (case-insensitively) is a Conflict.
	CreateOperator(ctx context.Context, o *Operator, t *Token, m *gatehouse.Message, e *LogEntry) error
	Operator(ctx context.Context, id string) (*Operator, error)
	OperatorByUsername(ctx context.Context, username string) (*Operator, error)
	// Operators lists every operator, by username.
	Operators(ctx context.Context) ([]*Operator, error)
	// OperatorToken returns the activation token with hash, used or not.
	OperatorToken(ctx context.Context, hash string) (*Token, error)
	// ActivateOperator uses the token (NotFound unless it is unused and
	// unexpired at at), and makes its operator active with the password hash
	// and the accepted time step, in one transaction with the log entry.
	ActivateOperator(ctx context.Context, tokenHash, passwordHash string, step int64, at time.Time, e *LogEntry) (*Operator, error)
	// UseTOTPStep records step as the operator's latest accepted time step,
	// only if it is later than the stored one; Conflict otherwise (a code used
	// twice).
	UseTOTPStep(ctx context.Context, operatorID string, step int64) error
	CreateOperatorSession(ctx context.Context, s *Session) error
	// OperatorSession returns the session whose TokenHash is hash.
	OperatorSession(ctx context.Context, hash string) (*Session, error)
	TouchOperatorSession(ctx context.Context, id string, lastSeen, idleExpires time.Time) error
	DeleteOperatorSession(ctx context.Context, id string) error
	// ChangeOperator disables (StateDisabled), enables (StateActive, or
	// StatePending for one never activated; only a disabled operator) or
	// removes (StateRemoved) the operator id at at,
	// ending their sessions, in one transaction with the log entry. It is a
	// Conflict when that would leave no active operator: the check holds the
	// active operators' rows, so two operators disabling each other at once
	// cannot both succeed.
	ChangeOperator(ctx context.Context, id string, to State, at time.Time, e *LogEntry) error
}

// APIKeyStore keeps the operator API keys of provisioning systems.
type APIKeyStore interface {
	// CreateOperatorAPIKey stores k with the log entry; a name of an
	// unrevoked key is a Conflict.
	CreateOperatorAPIKey(ctx context.Context, k *APIKey, e *LogEntry) error
	OperatorAPIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	// OperatorAPIKeys lists every key, revoked ones too, newest first.
	OperatorAPIKeys(ctx context.Context) ([]*APIKey, error)
	// RevokeOperatorAPIKey revokes the key with the log entry; NotFound when
	// unknown or already revoked.
	RevokeOperatorAPIKey(ctx context.Context, id string, at time.Time, e *LogEntry) error
	// TouchOperatorAPIKey records that the key was used at at, unless it was
	// recorded less than every before (one write a minute, whatever the
	// number of calls).
	TouchOperatorAPIKey(ctx context.Context, id string, at time.Time, every time.Duration) error
}

// LogStore keeps the operator log. It has no method to change or delete an
// entry.
type LogStore interface {
	AppendOperatorLog(ctx context.Context, e *LogEntry) error
	// OperatorLog returns entries f selects, newest first, and the cursor of
	// the next page ("" at the end).
	OperatorLog(ctx context.Context, f LogFilter) ([]*LogEntry, string, error)
}

// DeskStore is what owner recovery needs of the organizations.
type DeskStore interface {
	Organization(ctx context.Context, id string) (*gatehouse.Organization, error)
	Member(ctx context.Context, orgID, id string) (*gatehouse.Member, error)
	ListMembers(ctx context.Context, orgID string, f gatehouse.MemberFilter) ([]*gatehouse.Member, string, error)
	Settings(ctx context.Context, orgID string) (map[string]string, error)
	// RecordPINCheck writes the organization's audit event and the log entry
	// of a support PIN check, in one transaction.
	RecordPINCheck(ctx context.Context, ev *gatehouse.AuditEvent, e *LogEntry) error
	// RecordOwnerRecovery writes a recovery in one transaction: it
	// supersedes the owner's unused activation links with r.Token, queues
	// r.Messages, and writes r.Event and r.Entry.
	RecordOwnerRecovery(ctx context.Context, r Recovery) error
}

// Recovery is what one owner recovery writes.
type Recovery struct {
	Token    *gatehouse.Token
	Messages []*gatehouse.Message
	Event    *gatehouse.AuditEvent
	Entry    *LogEntry
}

// LogEntry is one action of the service desk.
type LogEntry struct {
	ID           string
	At           time.Time
	OperatorID   string // "" for the command line
	OperatorName string
	Action       string
	OrgID        string // "" when not about an organization
	Target       string // what the action was about: a member, a key, an operator
	Reason       string
	Ticket       string
	IP           string
	Details      string // a short free text (a result, a name)
}

// LogFilter selects entries of the operator log. Zero fields do not filter.
type LogFilter struct {
	OrgID  string
	Since  time.Time
	Until  time.Time
	Cursor string
	Limit  int
}

// CommandLine is the operator name of the log's entries made on the command
// line (gatehouse operator ...), by no operator.
const CommandLine = "command line"

// Actions of the operator log.
const (
	ActionOperatorAdded     = "operator.added"
	ActionOperatorActivated = "operator.activated"
	ActionSignIn            = "signin.success"
	ActionSignInFailed      = "signin.failure"
	ActionAPIKeyCreated     = "apikey.created"
	ActionAPIKeyRevoked     = "apikey.revoked"
	ActionOrgCreated        = "organization.created"
	ActionOrgUpdated        = "organization.updated"
	ActionOrgSuspended      = "organization.suspended"
	ActionOrgResumed        = "organization.resumed"
	ActionPINChecked        = "support_pin.checked"
	ActionRecoverySent      = "owner_recovery.sent"
)
