package safehttp

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestPublic(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"8.8.8.8", true},
		{"2606:4700:4700::1111", true},
		{"127.0.0.1", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"fe80::1", false},
		{"fc00::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"100.64.0.1", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"::ffff:127.0.0.1", false}, // mapped loopback
		{"::ffff:10.0.0.1", false},
		{"64:ff9b::7f00:1", false}, // NAT64 of 127.0.0.1
	} {
		t.Run(tc.addr, func(t *testing.T) {
			if got := Public(netip.MustParseAddr(tc.addr)); got != tc.want {
				t.Errorf("Public(%s) = %v, want %v", tc.addr, got, tc.want)
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		url          string
		allowPrivate bool
		ok           bool
	}{
		{"https://hooks.example.com/in", false, true},
		{"https://8.8.8.8/in", false, true},
		{"http://hooks.example.com/in", false, false},
		{"http://hooks.example.com/in", true, true},
		{"https://127.0.0.1/in", false, false},
		{"https://[::1]:8443/in", false, false},
		{"https://169.254.169.254/latest", false, false},
		{"https://localhost/in", false, false},
		{"https://a.localhost./in", false, false},
		{"https://127.0.0.1/in", true, true},
		{"ftp://example.com/", false, false},
		{"/relative", false, false},
		{"https://user:pw@example.com/", false, false},
		{"https://example.com/#frag", false, false},
		{"https://example.com/" + strings.Repeat("a", 2001), false, false},
	} {
		err := CheckURL(tc.url, tc.allowPrivate)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%.60q, %v) = %v, want ok=%v", tc.url, tc.allowPrivate, err, tc.ok)
		}
	}
}

// TestClientRefusesLoopback dials a real server on loopback: refused by
// default, reached when private addresses are allowed. A name that resolves
// to loopback ("localhost") is refused too: the dialed address is checked.
func TestClientRefusesLoopback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	for _, u := range []string{srv.URL, "http://localhost:" + port} {
		_, err := NewClient(Options{}).Get(u)
		if err == nil || !Refused(err) {
			t.Errorf("GET %s with the default client: err = %v, want a refusal", u, err)
		}
	}
	resp, err := NewClient(Options{AllowPrivate: true}).Get(srv.URL)
	if err != nil {
		t.Fatalf("GET with AllowPrivate: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hi" {
		t.Errorf("body = %q", b)
	}
}

// TestClientNoRedirects: a redirect is the answer, not followed, even to a
// public-looking place.
func TestClientNoRedirects(t *testing.T) {
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	resp, err := NewClient(Options{AllowPrivate: true}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || hits != 1 {
		t.Errorf("status %d after %d requests, want 302 after 1", resp.StatusCode, hits)
	}
}

func TestRefusedIsWrapped(t *testing.T) {
	err := control("tcp", "10.0.0.1:443", nil)
	if !errors.Is(err, ErrRefused) {
		t.Errorf("control(10.0.0.1) = %v", err)
	}
	if err := control("tcp", "8.8.8.8:443", nil); err != nil {
		t.Errorf("control(8.8.8.8) = %v", err)
	}
}
