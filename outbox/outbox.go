// Package outbox is the one way the use cases send email and texts. It
// composes a message from its template, queues it in the durable outbox
// (normally inside the transaction of the change that causes it) together
// with everything its sender needs, the From address and name among it, and
// wakes the sender once that change has committed.
//
// The sender (package delivery) only reads what is queued: it never calls
// back into the use cases, nor reads the organization's settings.
package outbox

import (
	"context"
	"io"
	"net/url"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/i18n"
)

// Queue adds a message to the durable outbox: the store, or a transaction of
// it, so that the message exists exactly when the change that causes it does.
type Queue interface {
	Enqueue(ctx context.Context, m *gatehouse.Message) error
}

// Waker wakes the sender of queued messages at once (delivery.Worker is one).
type Waker interface {
	Kick()
}

// Recipients tell the outbox a member's own language and time zone ("" for
// none), which a message to them is written in. The store is one.
type Recipients interface {
	MemberLocale(ctx context.Context, orgID, memberID string) (language, timeZone string, err error)
}

// Outbox composes, queues and wakes. Composer is required; the other fields
// have working defaults (no Waker: the sender finds new messages at its next
// look; no Recipients: messages are in the language of the request that
// causes them, else the organization's).
type Outbox struct {
	Composer   gatehouse.Composer
	Waker      Waker
	Recipients Recipients
	// Brands, when set, give the organization's logo and own texts to every
	// message; PublicURL, with the organization's first host, makes the
	// logo's address (brand.go).
	Brands    Brands
	PublicURL *url.URL
	Now       func() time.Time
	Rand      io.Reader
}

// Email is an email to queue: a template (Kind) with its data, to an address,
// about a member ("" when about none) of the organization OrgID.
type Email struct {
	ID       string // "" for a new one (see NewID)
	OrgID    string
	MemberID string
	To       string
	Kind     string
	Data     gatehouse.MessageData
}

// Text is a text message to queue, like Email.
type Text struct {
	ID       string // "" for a new one (see NewID)
	OrgID    string
	MemberID string
	To       string // E.164
	Kind     string
	Data     gatehouse.MessageData
}

// Email renders e with the organization's settings set (its name, and the
// sender the message will carry) and queues it through q. It returns the
// queued message; the caller calls Wake once q's transaction has committed.
func (o *Outbox) Email(ctx context.Context, q Queue, set *gatehouse.Settings, e Email) (*gatehouse.Message, error) {
	const op = "outbox.Email"
	if err := gatehouse.RequireOrg(op, e.OrgID); err != nil {
		return nil, err
	}
	e.Data.OrgName, e.Data.AccentColor = set.BrandName(), set.AccentColor
	o.locale(ctx, q, set, e.OrgID, e.MemberID, &e.Data)
	o.brand(ctx, q, e.OrgID, &e.Data, true)
	subject, text, html, err := o.Composer.Email(e.Kind, e.Data)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	m := o.message(e.ID, e.OrgID, e.MemberID, gatehouse.ChannelEmail, e.Kind, e.To)
	m.Subject, m.Text, m.HTML = subject, text, html
	m.From, m.FromName = set.MailFromAddress, set.SenderName()
	if err := q.Enqueue(ctx, m); err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	return m, nil
}

// Text renders t with the organization's settings set and queues it through
// q, like Email.
func (o *Outbox) Text(ctx context.Context, q Queue, set *gatehouse.Settings, t Text) (*gatehouse.Message, error) {
	const op = "outbox.Text"
	if err := gatehouse.RequireOrg(op, t.OrgID); err != nil {
		return nil, err
	}
	t.Data.OrgName = set.BrandName()
	o.locale(ctx, q, set, t.OrgID, t.MemberID, &t.Data)
	o.brand(ctx, q, t.OrgID, &t.Data, false)
	body, err := o.Composer.SMS(t.Kind, t.Data)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	m := o.message(t.ID, t.OrgID, t.MemberID, gatehouse.ChannelSMS, t.Kind, t.To)
	m.Text = body
	if err := q.Enqueue(ctx, m); err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	return m, nil
}

// locale decides the language and time zone of a message, when it is
// queued: the recipient's own choice, then the language of the request that
// causes the message when it goes to the person who asked (a reset link, a
// sign-in code: i18n.ForRecipient), then the organization's defaults. A
// value the caller set in d comes first. A failure to read the member's
// choice falls back: the message matters more than its language.
//
// The member's choice is read through q, the caller's transaction, when q can
// (the store's transactions can): a read on another connection while the
// transaction holds one could wait for the pool forever under load.
func (o *Outbox) locale(ctx context.Context, q Queue, set *gatehouse.Settings, orgID, memberID string, d *gatehouse.MessageData) {
	var lang, zone string
	rs := o.Recipients
	if r, ok := q.(Recipients); ok {
		rs = r
	}
	if memberID != "" && rs != nil {
		lang, zone, _ = rs.MemberLocale(ctx, orgID, memberID)
	}
	if lang == "" {
		lang = i18n.ForRecipient(ctx, memberID)
	}
	if lang == "" {
		lang = set.DefaultLanguage
	}
	if zone == "" {
		zone = set.DefaultTimeZone
	}
	if d.Language == "" {
		d.Language = lang
	}
	if d.TimeZone == "" {
		d.TimeZone = zone
	}
}

// Wake tells the sender that messages are waiting: call it after the
// transaction that queued them has committed. It never blocks.
func (o *Outbox) Wake() {
	if o.Waker != nil {
		o.Waker.Kick()
	}
}

// NewID returns an id for a message, for callers that must know it before
// the message is queued (a code records the message that carries it).
func (o *Outbox) NewID() string { return gatehouse.NewID(o.rand()) }

func (o *Outbox) message(id, orgID, memberID string, ch gatehouse.Channel, kind, to string) *gatehouse.Message {
	if id == "" {
		id = o.NewID()
	}
	at := o.now()
	return &gatehouse.Message{
		ID: id, OrgID: orgID, MemberID: memberID, Channel: ch, Kind: kind, To: to,
		Status: gatehouse.MessageQueued, CreatedAt: at, NextAttemptAt: at,
	}
}

func (o *Outbox) now() time.Time { return gatehouse.NowOr(o.Now) }

func (o *Outbox) rand() io.Reader { return gatehouse.RandOr(o.Rand) }
