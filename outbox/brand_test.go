package outbox_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/brand"
	"github.com/gatehouse-auth/gatehouse/mail"
	"github.com/gatehouse-auth/gatehouse/outbox"
)

// brands is an in-memory outbox.Brands: one organization on its own host.
type brands struct{ look brand.Look }

func (b brands) Look(ctx context.Context, orgID string) (brand.Look, error) { return b.look, nil }
func (b brands) Organization(ctx context.Context, id string) (*gatehouse.Organization, error) {
	return &gatehouse.Organization{ID: id, Hosts: []string{"id.acme.example"}}, nil
}

// A text message says the organization's own text in the language it has
// one for, and the catalog's in another; an email links the logo on the
// organization's own host, with its buttons in the organization's accent
// colour.
func TestBrandInMessages(t *testing.T) {
	pub, _ := url.Parse("https://gatehouse.example")
	o := &outbox.Outbox{Composer: &mail.Templates{}, PublicURL: pub, Brands: brands{brand.Look{LogoType: "image/png", LogoETag: "abc123",
		Texts: map[string]map[string]string{"en": {"sms.code": "Acme code: {{.Code}}"}}}}}
	set := gatehouse.DefaultSettings()
	set.ProductName, set.AccentColor = "Acme ID", "#0b6e4f"
	var q queue
	for lang, want := range map[string]string{"en": "Acme code: 123456", "de": "123456 ist Ihr"} {
		m, err := o.Text(t.Context(), &q, &set, outbox.Text{OrgID: "o1", To: "+447700900123", Kind: gatehouse.KindSMSCode,
			Data: gatehouse.MessageData{Code: "123456", Language: lang}})
		if err != nil || !strings.HasPrefix(m.Text, want) {
			t.Errorf("%s text %q, %v; want it to start %q", lang, m.Text, err, want)
		}
	}
	m, err := o.Email(t.Context(), &q, &set, outbox.Email{OrgID: "o1", To: "ada@example.com", Kind: gatehouse.KindReset,
		Data: gatehouse.MessageData{Link: "https://id.acme.example/reset-password?token=x", Language: "en"}})
	if err != nil || !strings.Contains(m.HTML, `<img src="https://id.acme.example/brand/logo?v=abc123" alt="Acme ID"`) {
		t.Errorf("email %v:\n%s", err, m.HTML)
	}
	if err == nil && !strings.Contains(m.HTML, "background-color:#0b6e4f;") {
		t.Errorf("the email's button is not in the organization's accent colour:\n%s", m.HTML)
	}
}
