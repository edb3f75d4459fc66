package sqlstore_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/google/go-cmp/cmp"
)

// TestMemberSearchCopyAB compares, on a PostgreSQL schema seeded by
// gatehouse-load (--scenario search --keep), what the admin page asks of the
// store for a search (the first page, then the count up to 10,000) three
// ways: without the search copy (members' own indexes), with the copy as
// migration 0028 left it (each query planned for its values, a walk of 20,000
// members first), and with the copy as now (SetPGCopyPlan: plans kept per
// connection, a walk of 2,000 first, long texts by two words, a query of
// two characters walking on when its walk found some matches). Each query is
// run every way in a random order, so that all see the same load and cache,
// and all must give the same members. Run only when GATEHOUSE_SEARCH_AB_URL
// names such a schema (a postgres:// URL with search_path); see
// docs/performance.md.
func TestMemberSearchCopyAB(t *testing.T) {
	url := os.Getenv("GATEHOUSE_SEARCH_AB_URL")
	if url == "" {
		t.Skip("GATEHOUSE_SEARCH_AB_URL is not set")
	}
	s, err := sqlstore.Open(ctx, url, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.QueryStrings(ctx, `SELECT username_norm || E'\n' || display_name_norm || E'\n' || email_norm || E'\n' || work_email_norm
		FROM members TABLESAMPLE SYSTEM (1) REPEATABLE (14) LIMIT 200`)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 12))
	type query struct{ kind, q string }
	var qs []query
	for _, row := range rows {
		f := strings.Split(row, "\n")
		user, name, email, work := f[0], strings.Fields(f[1]), f[2], f[3]
		if len(user) < 4 || len(name) < 2 {
			continue
		}
		qs = append(qs, query{"part", user[:3+r.IntN(2)]}, query{"first name", name[0]}, query{"surname", name[len(name)-1]},
			query{"address", email}, query{"miss", fmt.Sprintf("zq%dx", r.IntN(1000))})
		if r.IntN(4) == 0 {
			qs = append(qs, query{"long", work}, query{"long", fmt.Sprintf("a long search for someone who works in accounts payable, %d", r.IntN(1000))},
				query{"common", []string{"northwind", "traders.com", ".com", "@gmail", "son", "mail"}[r.IntN(6)]},
				query{"two characters", user[:2]})
		}
	}
	// The ways: members' own indexes; the copy as migration 0028 left it
	// (each query planned for its values, a walk of 20,000 first); the copy
	// with its plans kept per connection and a walk of 2,000 first.
	ways := []string{"members", "copy, 0028", "copy, kept plans"}
	times := map[string][]time.Duration{}
	for _, q := range qs {
		var got [3][]string
		for _, i := range r.Perm(len(ways)) {
			s.SetPGCopy(i > 0)
			s.SetPGCopyPlan(i == 2)
			start := time.Now()
			ms, _, err := s.ListMembers(ctx, gatehouse.DefaultOrgID, gatehouse.MemberFilter{Query: q.q})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.CountMatching(ctx, gatehouse.DefaultOrgID, gatehouse.MemberFilter{Query: q.q}, 10000); err != nil {
				t.Fatal(err)
			}
			times[q.kind+", "+ways[i]] = append(times[q.kind+", "+ways[i]], time.Since(start))
			times["all, "+ways[i]] = append(times["all, "+ways[i]], time.Since(start))
			got[i] = usernames(ms)
		}
		for i := 1; i < len(ways); i++ {
			if diff := cmp.Diff(got[0], got[i]); diff != "" {
				t.Errorf("search %q: the page of %s differs from members' (-members +copy):\n%s", q.q, ways[i], diff)
			}
		}
	}
	keys := make([]string, 0, len(times))
	for k := range times {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		d := times[k]
		slices.Sort(d)
		at := func(p float64) float64 { return float64(d[int(p*float64(len(d)-1))].Microseconds()) / 1000 }
		t.Logf("%-30s %4d searches  p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms", k, len(d), at(0.5), at(0.95), at(1))
	}
}
