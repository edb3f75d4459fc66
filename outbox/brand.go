package outbox

import (
	"context"
	"net/url"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/brand"
	"github.com/gatehouse-auth/gatehouse/org"
)

// Brands tell the outbox an organization's brand (its logo and own texts)
// and its hosts, on which the logo is linked. The store is one.
type Brands interface {
	Look(ctx context.Context, orgID string) (brand.Look, error)
	Organization(ctx context.Context, id string) (*gatehouse.Organization, error)
}

// brand puts the organization's own texts in d's language, and for an email
// its logo's address, into d. They are read through q, the caller's
// transaction, when q can (see locale). A failure leaves Gatehouse's own
// look: the message matters more.
func (o *Outbox) brand(ctx context.Context, q Queue, orgID string, d *gatehouse.MessageData, email bool) {
	bs := o.Brands
	if b, ok := q.(Brands); ok && bs != nil {
		bs = b
	}
	if bs == nil {
		return
	}
	look, err := bs.Look(ctx, orgID)
	if err != nil {
		return
	}
	if d.Texts == nil {
		d.Texts = look.Overrides(d.Language)
	}
	if !email || !look.HasLogo() || o.PublicURL == nil || d.LogoURL != "" {
		return
	}
	og, err := bs.Organization(ctx, orgID)
	if err != nil {
		return
	}
	d.LogoURL = org.Link(o.PublicURL, og, "/brand/logo", url.Values{"v": {look.LogoETag}})
}
