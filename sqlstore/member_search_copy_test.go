package sqlstore_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/google/go-cmp/cmp"
)

// copyDrift returns the members whose row in PostgreSQL's search copy,
// member_search_rows (migration 0027), is missing or differs from members,
// and the copy's rows of no member; nothing on SQLite, whose copy is older.
func copyDrift(t *testing.T, s *sqlstore.Store) []string {
	t.Helper()
	if s.Dialect() != sqlstore.Postgres {
		return nil
	}
	ids, err := s.QueryStrings(ctx, `SELECT COALESCE(m.id, r.member_id) FROM members m
		FULL JOIN member_search_rows r ON r.member_id = m.id
		WHERE m.id IS NULL OR r.member_id IS NULL
		OR (r.org_id, r.username_norm, r.role, r.state, r.search) IS DISTINCT FROM (m.org_id, m.username_norm, m.role, m.state,
			m.username_norm || E'\n' || m.display_name_norm || E'\n' || m.email_norm || E'\n' || m.work_email_norm)
		ORDER BY 1`)
	if err != nil {
		t.Fatalf("reading the search copy: %v", err)
	}
	return ids
}

// TestMemberSearchCopy: a search of three characters or more in username
// order, which on PostgreSQL reads the copy once its walk runs out, and every
// count of such a search, follow each write of what they read (the four
// fields, the role, the state), by every path, including bulk seeding (COPY
// on PostgreSQL) and the migration of members already there; and a query
// that holds the copy's separator finds no match across two fields.
func TestMemberSearchCopy(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		// A walk of one member: the search takes its candidates (on
		// PostgreSQL from the copy) whenever the first member does not match.
		s.SetDriveLimit(0, 1)
		find := func(t *testing.T, f gatehouse.MemberFilter) []string {
			t.Helper()
			ms, _, err := s.ListMembers(ctx, gatehouse.DefaultOrgID, f)
			if err != nil {
				t.Fatalf("ListMembers(%+v): %v", f, err)
			}
			n, _, err := s.CountMatching(ctx, gatehouse.DefaultOrgID, f, 0)
			if err != nil || n != len(ms) {
				t.Errorf("CountMatching(%+v) = %d, %v; the list has %d", f, n, err, len(ms))
			}
			return usernames(ms)
		}
		want := func(t *testing.T, f gatehouse.MemberFilter, names ...string) {
			t.Helper()
			if diff := cmp.Diff(names, find(t, f)); diff != "" {
				t.Errorf("%+v (-want +got):\n%s", f, diff)
			}
			if drift := copyDrift(t, s); len(drift) > 0 {
				t.Errorf("the search copy differs from members for %v", drift)
			}
		}
		q := func(q string) gatehouse.MemberFilter { return gatehouse.MemberFilter{Query: q} }
		addMember(t, s, "aardvark", nil) // first in username order, matches nothing below
		m := addMember(t, s, "zebedee", func(m *gatehouse.Member) {
			m.DisplayName, m.Email, m.WorkEmail = "Ab", "cd@spring.example", "zeb@roundabout.example"
		})
		want(t, q("roundabout"), "zebedee")
		want(t, q("cd@spring"), "zebedee")

		t.Run("separator", func(t *testing.T) {
			// Display name "ab" and email "cd@...": "ab\ncd" is in no field.
			want(t, q("ab\ncd"))
			want(t, q("zebedee\nab"))
		})
		ptr := func(v string) *string { return &v }
		t.Run("fields", func(t *testing.T) {
			err := s.ChangeMember(ctx, m.OrgID, m.ID, gatehouse.MemberChange{DisplayName: ptr("Florence"),
				Email: ptr("fl@magic.example"), WorkEmail: ptr("zeb@garden.example"), UpdatedAt: t0})
			if err != nil {
				t.Fatal(err)
			}
			want(t, q("roundabout"))
			want(t, q("cd@spring"))
			want(t, q("florence"), "zebedee")
			want(t, q("fl@magic"), "zebedee")
			want(t, q("garden"), "zebedee")
			if err := s.Exec(ctx, `UPDATE members SET username = 'Dougal', username_norm = 'dougal' WHERE id = $1`, m.ID); err != nil {
				t.Fatal(err)
			}
			want(t, q("zebedee"))
			want(t, q("ouga"), "Dougal")
		})
		t.Run("role and state", func(t *testing.T) {
			admin, disabled := gatehouse.RoleAdministrator, gatehouse.StateDisabled
			want(t, gatehouse.MemberFilter{Query: "ouga", Role: admin})
			want(t, gatehouse.MemberFilter{Query: "ouga", State: disabled})
			if err := s.ChangeMember(ctx, m.OrgID, m.ID, gatehouse.MemberChange{Role: &admin, State: &disabled, UpdatedAt: t0}); err != nil {
				t.Fatal(err)
			}
			want(t, gatehouse.MemberFilter{Query: "ouga", Role: admin}, "Dougal")
			want(t, gatehouse.MemberFilter{Query: "ouga", State: disabled}, "Dougal")
			want(t, gatehouse.MemberFilter{Query: "ouga", Role: gatehouse.RoleMember})
			want(t, gatehouse.MemberFilter{Query: "ouga", State: gatehouse.StateActive})
		})
		t.Run("rolled back", func(t *testing.T) {
			err := s.Tx(ctx, func(tx *sqlstore.Store) error {
				if err := tx.CreateMember(ctx, newMember("ermintrude")); err != nil {
					return err
				}
				if err := tx.ChangeMember(ctx, m.OrgID, m.ID, gatehouse.MemberChange{DisplayName: ptr("Brian"), UpdatedAt: t0}); err != nil {
					return err
				}
				return fmt.Errorf("undo")
			})
			if err == nil {
				t.Fatal("the transaction did not fail")
			}
			want(t, q("ermintrude"))
			want(t, q("brian"))
			want(t, q("florence"), "Dougal")
		})
		t.Run("bulk", func(t *testing.T) {
			var ms []*gatehouse.Member
			for i := range 40 {
				nm := newMember(fmt.Sprintf("seeded%02d", i))
				nm.DisplayName = fmt.Sprintf("Seeded Person %02d", i)
				nm.State = []gatehouse.State{gatehouse.StateActive, gatehouse.StateNeverActivated}[i%2]
				ms = append(ms, nm)
			}
			if err := s.CreateMembers(ctx, ms); err != nil {
				t.Fatal(err)
			}
			want(t, q("person 17"), "seeded17")
			want(t, gatehouse.MemberFilter{Query: "person 3", State: gatehouse.StateNeverActivated},
				"seeded31", "seeded33", "seeded35", "seeded37", "seeded39")
			if got := find(t, q("seeded person")); len(got) != 40 {
				t.Errorf("search seeded person: %d members, want 40", len(got))
			}
		})
		t.Run("delete", func(t *testing.T) {
			if err := s.DeleteMember(ctx, m.OrgID, m.ID); err != nil {
				t.Fatal(err)
			}
			want(t, q("ouga"))
			want(t, q("florence"))
		})
		t.Run("ranges of usernames", func(t *testing.T) {
			// PostgreSQL reads the copy by ranges of usernames (before a, a to
			// am, am to b, ...): usernames on, around and beyond each kind of
			// bound, in pages of three that end in every range, both ways.
			for _, u := range []string{"0lead", "_under", "a", "aa", "alma", "am", "amy", "b", "bm", "bz", "m", "mm",
				"n-dash", "nz", "zm", "zma", "zz", "zzz"} {
				addMember(t, s, u, func(m *gatehouse.Member) { m.DisplayName = "Range Person" })
			}
			for _, desc := range []bool{false, true} {
				order := "ASC"
				if desc {
					order = "DESC"
				}
				want, err := s.QueryStrings(ctx, `SELECT id FROM members WHERE display_name_norm = 'range person' ORDER BY username_norm `+order)
				if err != nil {
					t.Fatal(err)
				}
				for _, limit := range []int{3, 50} {
					f := gatehouse.MemberFilter{Query: "range pers", Desc: desc, Limit: limit}
					if diff := cmp.Diff(want, listAll(t, s, f)); diff != "" {
						t.Errorf("%+v: ids (-want +got):\n%s", f, diff)
					}
				}
			}
		})
		t.Run("migration of members already there", func(t *testing.T) {
			if s.Dialect() != sqlstore.Postgres {
				t.Skip("the copy is PostgreSQL's")
			}
			// Undo migrations 0027 and 0028, write members without them, and
			// migrate again.
			for _, stmt := range []string{`DROP TABLE member_search_rows`, `DROP FUNCTION member_search_rows_keep() CASCADE`,
				`DELETE FROM schema_migrations WHERE name IN ('member_search_rows', 'member_search_parts')`} {
				if err := s.Exec(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			addMember(t, s, "mchenry", func(m *gatehouse.Member) { m.DisplayName = "Mr McHenry" })
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			want(t, q("mr mch"), "mchenry")
			if got := find(t, q("seeded person")); len(got) != 40 {
				t.Errorf("search seeded person after the migration: %d members, want 40", len(got))
			}
			addMember(t, s, "mchenry2", func(m *gatehouse.Member) { m.DisplayName = "Mr McHenry" })
			want(t, q("mr mch"), "mchenry", "mchenry2")
		})
	})
}

// TestMemberSearchManyWords: PostgreSQL looks a text of four words or more
// up by its two longest words (pgPieces), as many members have them as not
// the whole text: they are found exactly as the definition says, through
// the walk and through the copy, in the page and the count, and so are the
// members of its cached plans (the same query run again and again).
func TestMemberSearchManyWords(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		var ms []*gatehouse.Member
		for i, name := range []string{
			"Accounts Payable, North Office 7",
			"payable accounts north office 7", // the longest words, not the text
			"x ACCOUNTS PAYABLE, NORTH OFFICE 7 y",
			"accounts payable",
			"Accounts Payable, North Office 77",
			"accounts-payable, north office 7",
		} {
			ms = append(ms, addMember(t, s, fmt.Sprintf("%c-words%d", 'a'+i*4, i), func(m *gatehouse.Member) { m.DisplayName = name }))
		}
		for i := range 12 { // walked first, matching nothing
			ms = append(ms, addMember(t, s, fmt.Sprintf("0-other%02d", i), nil))
		}
		ms = append(ms, addMember(t, s, "zz-mail", func(m *gatehouse.Member) { m.WorkEmail = "Accounts.Payable.North.Office@example.com" }))
		for _, budget := range []int{1, 5000} { // the walk runs out, or finds them all
			s.SetDriveLimit(4000, budget)
			for range 7 { // past the five runs PostgreSQL plans for their values
				for _, q := range []string{"accounts payable, north office 7", "Payable, North Office", "accounts payable north",
					"ccounts payable, north of", "accounts.payable.north.office", "payable accounts north office 7 z"} {
					var want []string
					for _, m := range ms {
						if matches(m, gatehouse.MemberFilter{Query: q}) {
							want = append(want, m.Username)
						}
					}
					slices.Sort(want)
					got, _, err := s.ListMembers(ctx, gatehouse.DefaultOrgID, gatehouse.MemberFilter{Query: q})
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(want, usernames(got)); diff != "" {
						t.Fatalf("budget %d, search %q (-want +got):\n%s", budget, q, diff)
					}
					n, _, err := s.CountMatching(ctx, gatehouse.DefaultOrgID, gatehouse.MemberFilter{Query: q}, 10000)
					if err != nil || n != len(want) {
						t.Fatalf("budget %d, count of %q = %d, %v; want %d", budget, q, n, err, len(want))
					}
				}
			}
		}
	})
}
