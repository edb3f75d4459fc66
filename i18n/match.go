package i18n

import (
	"context"
	"strings"

	"golang.org/x/text/language"
)

// Choice is what a language is chosen from, in order: the member's saved
// preference, the language the browser was switched to (a cookie), the
// browser's Accept-Language header, and the organization's default.
type Choice struct {
	Member, Switch, Accept, Org string
}

// Choose returns the first language of ch that the catalog offers; English
// when none is.
func (c *Catalog) Choose(ch Choice) *Lang {
	for _, code := range []string{ch.Member, ch.Switch} {
		if c.Has(code) {
			return c.langs[code]
		}
	}
	if l := c.Accept(ch.Accept); l != nil {
		return l
	}
	return c.Lang(ch.Org)
}

// Accept returns the catalog's best language for an Accept-Language header,
// or nil when it offers none of them. The pseudo-locale is chosen only when
// asked for by its exact tag.
func (c *Catalog) Accept(header string) *Lang {
	if header == "" || len(header) > 512 {
		return nil
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return nil
	}
	for _, t := range tags {
		if t.String() == Pseudo && c.Has(Pseudo) {
			return c.langs[Pseudo]
		}
	}
	_, i, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return nil
	}
	code := c.codes[i]
	if code == Pseudo {
		return c.langs[English]
	}
	return c.langs[code]
}

// Normalize returns the catalog's code for a language a person or program
// gave ("DE", "de-AT" is not "de": a saved preference names a language the
// catalog has), and whether it has it. "" is the automatic choice.
func (c *Catalog) Normalize(code string) (string, bool) {
	code = strings.TrimSpace(code)
	if code == "" {
		return "", true
	}
	t, err := language.Parse(code)
	if err != nil || !c.Has(t.String()) || t.String() == Pseudo {
		return "", false
	}
	return t.String(), true
}

// Offered returns the codes a person may choose (the pseudo-locale is not one).
func (c *Catalog) Offered() []string {
	var out []string
	for _, code := range c.codes {
		if code != Pseudo {
			out = append(out, code)
		}
	}
	return out
}

// Request is the language of an HTTP request as the web layer knows it,
// carried in the request's context so that a message queued while the
// request is served (a reset link, a sign-in code) is written in the language
// of the person who asked for it. Member is the signed-in member, when there
// is one, so that a message to somebody else (an administrator's action) is
// not written in the administrator's language.
type Request struct {
	Lang   string
	Member string
	// L is the language Lang names (nil when the request asked for none),
	// with which the web layer translates what it writes without a page:
	// API problem details.
	L *Lang
}

// Tr translates English text into the request's language, or leaves it
// English when the request asked for none.
func (r *Request) Tr(english string) string {
	if r == nil || r.L == nil {
		return english
	}
	return r.L.Tr(english)
}

// RequestKey is the context key WithRequest stores a *Request under. A
// context of its own (the web server's per-request one) may answer it in
// its Value method instead of adding a layer with WithRequest.
type RequestKey struct{}

// WithRequest returns ctx carrying r. The web layer fills Member once it
// knows who is signed in, so r is a pointer.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, RequestKey{}, r)
}

// RequestOf returns the request language ctx carries, or nil.
func RequestOf(ctx context.Context) *Request {
	r, _ := ctx.Value(RequestKey{}).(*Request)
	return r
}

// ForRecipient returns the language a request asked for when a message to
// memberID may use it: when nobody is signed in (the person asking for a
// reset link or a sign-in code is the recipient, or nobody) or the signed-in
// member is the recipient. "" otherwise.
func ForRecipient(ctx context.Context, memberID string) string {
	r := RequestOf(ctx)
	if r == nil || (r.Member != "" && r.Member != memberID) {
		return ""
	}
	return r.Lang
}
