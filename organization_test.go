package gatehouse

import "testing"

// TestNormalizeHost: a Host header as it arrives and the host an
// organization is stored under compare equal after NormalizeHost, and a host
// already normal comes back as it was.
func TestNormalizeHost(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"acme.example.com", "acme.example.com"},
		{"ACME.Example.com.", "acme.example.com"},
		{" acme.example.com ", "acme.example.com"},
		{"acme.example.com:8443", "acme.example.com:8443"},
		{"Acme.Example.COM.:8443", "acme.example.com:8443"},
		{"127.0.0.1:41199", "127.0.0.1:41199"},
		{"[::1]:8080", "[::1]:8080"},
		{"", ""},
	} {
		if got := NormalizeHost(c.in); got != c.want {
			t.Errorf("NormalizeHost(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = NormalizeHost("127.0.0.1:41199") }); n != 0 {
		t.Errorf("NormalizeHost of a normal host with a port allocates %.0f times, want 0", n)
	}
}
