package gatehouse_test

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/blocklist"
)

// BenchmarkPolicyCheck runs the whole password policy (length, classes, the
// 200,000-entry blocklist, personal words, patterns) as every password change
// and reset does, for a password that passes and for one on the blocklist.
func BenchmarkPolicyCheck(b *testing.B) {
	bl := blocklist.Default()
	set := gatehouse.DefaultSettings()
	set.PasswordRequireDigit = true
	p := set.Policy()
	m := &gatehouse.Member{Username: "jdoe", Email: "jane.doe@example.com", WorkEmail: "j.doe@corp.example", DisplayName: "Jane Doe"}
	words := gatehouse.ContextWords(m, set.OrganizationName)
	for _, c := range []struct {
		name, password string
		errs           int
	}{
		{"passes", "violet kettle orbit marsh 7", 0},
		{"blocklisted", "abdulhussain786", 1},
	} {
		b.Run(c.name, func(b *testing.B) {
			if errs := p.Check("password", c.password, words, bl); len(errs) != c.errs {
				b.Fatalf("Check(%q) = %v, want %d unmet rules", c.password, errs, c.errs)
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = p.Check("password", c.password, words, bl)
			}
		})
	}
}
