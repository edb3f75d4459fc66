package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestMain lets the test binary play the baseline server, as the command
// itself does: the session scenario starts its own executable for it.
func TestMain(m *testing.M) {
	if body, ok := os.LookupEnv(baselineEnv); ok {
		os.Exit(serveBaseline(body, os.Getenv(baselineCookieEnv), os.Getenv(baselineHeadersEnv)))
	}
	os.Exit(m.Run())
}

// TestBaselineAnswer: the baseline answers a request with the cookie with
// the body and header lines it was given, and one without with 401.
func TestBaselineAnswer(t *testing.T) {
	a := &floorAnswer{body: "", headers: []string{"Remote-User: ana", "Remote-Groups: member", "Cache-Control: no-store"}}
	addr, _, stop, err := startBaseline(context.Background(), a, "gh_session")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for _, c := range []struct {
		name   string
		cookie string
		want   int
	}{
		{"with the cookie", "gh_session=abc", http.StatusOK},
		{"without", "other=abc", http.StatusUnauthorized},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/auth/forward", nil)
			req.Header.Set("Cookie", c.cookie)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, c.want)
			}
			if c.want != http.StatusOK {
				return
			}
			got := []string{resp.Header.Get("Remote-User"), resp.Header.Get("Remote-Groups"), resp.Header.Get("Cache-Control"), string(body)}
			if want := []string{"ana", "member", "no-store", ""}; !slices.Equal(got, want) {
				t.Errorf("answer %q, want %q", got, want)
			}
		})
	}
}

// TestQuietTarget: on a machine loaded beyond its cores a ratio is not
// judged, met or not, and a latency only when missed; on a quiet one both
// are judged.
func TestQuietTarget(t *testing.T) {
	for _, c := range []struct {
		name          string
		load          float64
		met, either   bool
		wantMet, judg bool
	}{
		{"quiet, ratio met", 1.5, true, true, true, true},
		{"quiet, ratio missed", 1.5, false, true, false, true},
		{"loaded, ratio met", 2.5, true, true, false, false},
		{"loaded, ratio missed", 2.5, false, true, false, false},
		{"loaded, latency met", 2.5, true, false, true, true},
		{"loaded, latency missed", 2.5, false, false, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &Report{CPUs: 2, LoadAvgBefore: c.load}
			r.quietTarget("x", "y", "z", c.met, c.either)
			tg := r.Targets[0]
			if tg.Met != c.wantMet || (tg.NotJudged == "") != c.judg {
				t.Errorf("met %v, not judged %q; want met %v, judged %v", tg.Met, tg.NotJudged, c.wantMet, c.judg)
			}
			var out strings.Builder
			r.writeText(&out)
			if strings.Contains(out.String(), "not judged") == c.judg {
				t.Errorf("the text report says %q", out.String())
			}
		})
	}
}
