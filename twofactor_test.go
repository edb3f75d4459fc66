package gatehouse_test

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse"
)

func TestMasks(t *testing.T) {
	for _, c := range []struct{ in, phone, email string }{
		{"+447700900123", "•••• 0123", "•••"},
		{"alice@example.com", "•••• .com", "a•••@example.com"},
		{"élodie@example.fr", "•••• e.fr", "é•••@example.fr"},
		{"@example.com", "•••• .com", "•••"},
		{"", "••••", "•••"},
	} {
		if got := gatehouse.MaskPhone(c.in); got != c.phone {
			t.Errorf("MaskPhone(%q) = %q, want %q", c.in, got, c.phone)
		}
		if got := gatehouse.MaskEmail(c.in); got != c.email {
			t.Errorf("MaskEmail(%q) = %q, want %q", c.in, got, c.email)
		}
	}
}
