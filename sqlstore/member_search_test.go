package sqlstore_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/google/go-cmp/cmp"
)

// The member list's contract: whatever index finds them, a search returns
// exactly the members of which one normalized field contains the normalized
// query, in the order asked for, each once across the pages.

// searchAlphabet is what the random members and queries are made of: letters
// of several scripts, LIKE's wildcards and escape, space, @ and dots, so that
// a query can be a short or long part of anything.
var searchAlphabet = []rune("abcdeéèßøöÖ李王ЖжΣσ_%\\ .@-1\"'")

func randomText(r *rand.Rand, min, max int) string {
	n := min + r.IntN(max-min+1)
	var b strings.Builder
	for range n {
		b.WriteRune(searchAlphabet[r.IntN(len(searchAlphabet))])
	}
	return b.String()
}

// seedRandomMembers stores n members of random text, roles, states and
// times (many equal, so that ties are broken by username), and a member of
// another organization that matches everything.
func seedRandomMembers(t *testing.T, s *sqlstore.Store, r *rand.Rand, n int) []*gatehouse.Member {
	t.Helper()
	addOrg(t, s, "other")
	roles := []gatehouse.Role{gatehouse.RoleMember, gatehouse.RoleMember, gatehouse.RoleAdministrator, gatehouse.RoleOwner}
	states := []gatehouse.State{gatehouse.StateActive, gatehouse.StateActive, gatehouse.StateDisabled, gatehouse.StateNeverActivated, gatehouse.StateExpired}
	var ms []*gatehouse.Member
	for i := range n {
		// Half the usernames share their first eight characters: the search
		// index numbers its rows by those, in no order within them.
		prefix := "u"
		if i%2 == 0 {
			prefix = "groupedx"
		}
		m := newMember(fmt.Sprintf("%s%s%d", prefix, strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'e' {
				return r
			}
			return -1
		}, randomText(r, 0, 6)), i))
		m.DisplayName = randomText(r, 0, 14)
		if r.IntN(4) == 0 {
			m.DisplayName = strings.ToUpper(m.DisplayName) // stored as typed, found case-insensitively
		}
		m.Email = randomText(r, 0, 10) + "@" + randomText(r, 1, 6) + ".example"
		m.WorkEmail = ""
		if r.IntN(2) == 0 {
			m.WorkEmail = randomText(r, 1, 12)
		}
		if r.IntN(5) == 0 {
			m.Email = ""
		}
		m.Role, m.State = roles[r.IntN(len(roles))], states[r.IntN(len(states))]
		m.PasswordChangedAt = t0.Add(time.Duration(r.IntN(4)) * time.Hour)
		if r.IntN(3) == 0 {
			m.PasswordChangedAt = time.Time{}
		}
		ms = append(ms, m)
	}
	err := s.Tx(ctx, func(tx *sqlstore.Store) error {
		for _, m := range ms {
			if err := tx.CreateMember(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if r.IntN(3) > 0 {
			m.LastSignInAt = t0.Add(time.Duration(r.IntN(3)) * time.Minute)
			if err := s.RecordSignIn(ctx, m.OrgID, m.ID, m.LastSignInAt); err != nil {
				t.Fatal(err)
			}
		}
	}
	addMember(t, s, "elsewhere", func(m *gatehouse.Member) {
		m.OrgID, m.DisplayName = "other", string(searchAlphabet)
	})
	return ms
}

// matches is the definition: a normalized field contains the normalized query.
func matches(m *gatehouse.Member, f gatehouse.MemberFilter) bool {
	norm := gatehouse.NormalizeIdentifier
	q := norm(f.Query)
	if q != "" && !strings.Contains(norm(m.Username), q) && !strings.Contains(norm(m.DisplayName), q) &&
		!strings.Contains(norm(m.Email), q) && !strings.Contains(norm(m.WorkEmail), q) {
		return false
	}
	return (f.Role == "" || m.Role == f.Role) && (f.State == "" || m.State == f.State)
}

// referenceOrder is every member of the organization in the order of sort,
// as the database itself orders them with a plain ORDER BY (its collation
// decides how text compares): the expressions say what each order means.
func referenceOrder(t *testing.T, s *sqlstore.Store, sort gatehouse.MemberSort, desc bool) []string {
	t.Helper()
	key := map[gatehouse.MemberSort]string{
		gatehouse.SortUsername:        "username_norm",
		gatehouse.SortName:            "display_name_norm",
		gatehouse.SortEmail:           "email_norm",
		gatehouse.SortRole:            "CASE role WHEN 'member' THEN 1 WHEN 'administrator' THEN 2 ELSE 3 END",
		gatehouse.SortState:           "CASE state WHEN 'never_activated' THEN 1 WHEN 'active' THEN 2 WHEN 'expired' THEN 3 ELSE 4 END",
		gatehouse.SortLastSignIn:      "COALESCE(last_signin_at, 0)",
		gatehouse.SortPasswordChanged: "COALESCE(password_changed_at, 0)",
	}[sort]
	dir := ""
	if desc {
		dir = " DESC"
	}
	ids, err := s.QueryStrings(ctx, `SELECT id FROM members WHERE org_id = $1 ORDER BY `+key+dir+`, username_norm`+dir, gatehouse.DefaultOrgID)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// listAll pages through the list with f and returns the ids in order.
func listAll(t *testing.T, s *sqlstore.Store, f gatehouse.MemberFilter) []string {
	t.Helper()
	var got []string
	for page := 0; ; page++ {
		ms, next, err := s.ListMembers(ctx, gatehouse.DefaultOrgID, f)
		if err != nil {
			t.Fatalf("ListMembers(%+v) page %d: %v", f, page, err)
		}
		if len(ms) > pageLimitOf(f) {
			t.Fatalf("page %d has %d members, more than the limit", page, len(ms))
		}
		for _, m := range ms {
			got = append(got, m.ID)
		}
		if next == "" {
			return got
		}
		if len(ms) == 0 || page > 1000 {
			t.Fatalf("page %d: empty page with a next cursor", page)
		}
		f.Cursor = next
	}
}

func pageLimitOf(f gatehouse.MemberFilter) int {
	if f.Limit <= 0 {
		return 50
	}
	return f.Limit
}

// searchQueries returns queries of every kind for the members: parts of
// their fields of every length (most 1 to 3 characters, where the ways
// differ), in another case, with spaces around, and random text that may
// match nothing.
func searchQueries(r *rand.Rand, ms []*gatehouse.Member, n int) []string {
	// Queries at multiples of 7 are listed by username (see the contract
	// test): some match most of the usernames that share a group.
	qs := []string{"groupedx", "_", `\`, "a_", "%@", " ", "é", "oupedx", "李", "ж", "Ж", "ΣΣ", "xyz-not-there", "@", "upe",
		"%", "ß", ".example", "ouped", "ped"}
	for len(qs) < n {
		m := ms[r.IntN(len(ms))]
		field := []string{m.Username, m.DisplayName, m.Email, m.WorkEmail}[r.IntN(4)]
		runes := []rune(field)
		switch {
		case len(runes) == 0 || r.IntN(6) == 0:
			qs = append(qs, randomText(r, 1, 5))
		default:
			i := r.IntN(len(runes))
			l := 1 + r.IntN(min(len(runes)-i, 4))
			if r.IntN(4) == 0 {
				l = len(runes) - i // a long part, to the end
			}
			q := string(runes[i : i+l])
			switch r.IntN(4) {
			case 0:
				q = strings.ToUpper(q)
			case 1:
				q = "  " + q + " "
			}
			qs = append(qs, q)
		}
	}
	// Whole addresses, and local parts with another domain or none: on
	// PostgreSQL the index looks up the local part alone (pgPieces), and
	// its other members must still be told apart by the whole text.
	for _, m := range ms[:4] {
		for _, a := range []string{m.Email, m.WorkEmail} {
			if local, _, ok := strings.Cut(a, "@"); ok {
				qs = append(qs, a, local+"@", local+"@nowhere.example")
			}
		}
	}
	return qs
}

func TestMemberSearchContract(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		r := rand.New(rand.NewPCG(14, 17))
		ms := seedRandomMembers(t, s, r, 300)
		byID := map[string]*gatehouse.Member{}
		for _, m := range ms {
			byID[m.ID] = m
		}
		orders := map[string][]string{}
		for _, sort := range gatehouse.MemberSorts {
			for _, desc := range []bool{false, true} {
				orders[fmt.Sprint(sort, desc)] = referenceOrder(t, s, sort, desc)
			}
		}
		filters := []gatehouse.MemberFilter{{}, {Role: gatehouse.RoleMember}, {State: gatehouse.StateDisabled},
			{Role: gatehouse.RoleOwner, State: gatehouse.StateActive}}
		// Limits that make the store take each way: 0 walks unless the index
		// finds nothing, 10 takes the candidates and filters only when they
		// are few, the default nearly always does on so few members; a walk
		// budget of 8 runs out before most pages are full and falls back to
		// the candidates, one of 5000 never does.
		// SQLite's search in the order of the index is tried on and off.
		for _, limit := range [][3]int{{0, 8, 0}, {10, 5000, 0}, {10, 8, 0}, {4000, 5000, 1}} {
			s.SetDriveLimit(limit[0], limit[1])
			s.SetInOrder(limit[2] == 1)
			for i, q := range searchQueries(r, ms, 60) {
				f := filters[i%len(filters)]
				f.Query = q
				f.Sort = gatehouse.MemberSorts[i%len(gatehouse.MemberSorts)]
				f.Desc = i%3 == 0
				f.Limit = []int{4, 11, 50}[i%3]
				var want []string
				for _, id := range orders[fmt.Sprint(f.Sort, f.Desc)] {
					if matches(byID[id], f) {
						want = append(want, id)
					}
				}
				got := listAll(t, s, f)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("limits %v, %+v: ids (-want +got):\n%s", limit, f, diff)
				}
				n, more, err := s.CountMatching(ctx, gatehouse.DefaultOrgID, f, 0)
				if err != nil || n != len(want) || more {
					t.Errorf("limits %v, CountMatching(%+v) = %d, %v, %v; want %d", limit, f, n, more, err, len(want))
				}
				upTo := 1 + i%7
				n, more, err = s.CountMatching(ctx, gatehouse.DefaultOrgID, f, upTo)
				if err != nil || n != min(len(want), upTo) || more != (len(want) > upTo) {
					t.Errorf("limits %v, CountMatching(%+v, up to %d) = %d, %v, %v; want %d", limit, f, upTo, n, more, err, len(want))
				}
			}
		}
	})
}

// TestMemberSortOrders pins down what each order means, with ties broken by
// username in the same direction.
func TestMemberSortOrders(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		add := func(username, name, email string, role gatehouse.Role, state gatehouse.State, changed, signin time.Time) {
			m := addMember(t, s, username, func(m *gatehouse.Member) {
				m.DisplayName, m.Email, m.Role, m.State, m.PasswordChangedAt = name, email, role, state, changed
			})
			if !signin.IsZero() {
				if err := s.RecordSignIn(ctx, m.OrgID, m.ID, signin); err != nil {
					t.Fatal(err)
				}
			}
		}
		add("dora", "Zoë", "b@example.com", gatehouse.RoleOwner, gatehouse.StateDisabled, t0, t0.Add(time.Hour))
		add("carl", "", "a@example.com", gatehouse.RoleMember, gatehouse.StateActive, time.Time{}, time.Time{})
		add("bea", "Ann", "", gatehouse.RoleAdministrator, gatehouse.StateNeverActivated, t0.Add(time.Hour), t0)
		add("abe", "ann", "c@example.com", gatehouse.RoleMember, gatehouse.StateExpired, t0, t0)
		tests := []struct {
			sort gatehouse.MemberSort
			want []string
		}{
			{gatehouse.SortUsername, []string{"abe", "bea", "carl", "dora"}},
			{gatehouse.SortName, []string{"carl", "abe", "bea", "dora"}},
			{gatehouse.SortEmail, []string{"bea", "carl", "dora", "abe"}},
			{gatehouse.SortRole, []string{"abe", "carl", "bea", "dora"}},
			{gatehouse.SortState, []string{"bea", "carl", "abe", "dora"}},
			{gatehouse.SortLastSignIn, []string{"carl", "abe", "bea", "dora"}},
			{gatehouse.SortPasswordChanged, []string{"carl", "abe", "dora", "bea"}},
		}
		for _, tt := range tests {
			for _, desc := range []bool{false, true} {
				t.Run(fmt.Sprint(tt.sort, map[bool]string{false: " ascending", true: " descending"}[desc]), func(t *testing.T) {
					want := slices.Clone(tt.want)
					if desc {
						slices.Reverse(want)
					}
					var got []string
					f := gatehouse.MemberFilter{Sort: tt.sort, Desc: desc, Limit: 3}
					for {
						ms, next, err := s.ListMembers(ctx, gatehouse.DefaultOrgID, f)
						if err != nil {
							t.Fatal(err)
						}
						got = append(got, usernames(ms)...)
						if next == "" {
							break
						}
						f.Cursor = next
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("(-want +got):\n%s", diff)
					}
				})
			}
		}
	})
}

// TestMemberCursors: a cursor belongs to its order, and the list by username
// still reads the cursors it gave before there were orders (the username).
func TestMemberCursors(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		for _, u := range []string{"anna", "bert", "cleo"} {
			addMember(t, s, u, nil)
		}
		_, byName, err := s.ListMembers(ctx, gatehouse.DefaultOrgID, gatehouse.MemberFilter{Sort: gatehouse.SortName, Limit: 1})
		if err != nil || byName == "" {
			t.Fatalf("ListMembers by name: %q, %v", byName, err)
		}
		_, byUser, err := s.ListMembers(ctx, gatehouse.DefaultOrgID, gatehouse.MemberFilter{Limit: 1})
		if err != nil || byUser == "" {
			t.Fatalf("ListMembers: %q, %v", byUser, err)
		}
		legacy := "YW5uYQ" // base64url("anna"), as ListMembers made them before
		tests := []struct {
			name   string
			f      gatehouse.MemberFilter
			want   []string
			failed bool
		}{
			{"username cursor", gatehouse.MemberFilter{Cursor: byUser}, []string{"bert", "cleo"}, false},
			{"cursor of before", gatehouse.MemberFilter{Cursor: legacy}, []string{"bert", "cleo"}, false},
			{"name cursor", gatehouse.MemberFilter{Sort: gatehouse.SortName, Cursor: byName}, []string{"bert", "cleo"}, false},
			{"name cursor read by username", gatehouse.MemberFilter{Cursor: byName}, nil, true},
			{"name cursor read descending", gatehouse.MemberFilter{Sort: gatehouse.SortName, Desc: true, Cursor: byName}, nil, true},
			{"name cursor read by email", gatehouse.MemberFilter{Sort: gatehouse.SortEmail, Cursor: byName}, nil, true},
			{"username cursor read by name", gatehouse.MemberFilter{Sort: gatehouse.SortName, Cursor: byUser}, nil, true},
			{"username cursor read descending", gatehouse.MemberFilter{Desc: true, Cursor: byUser}, nil, true},
			{"text key for a time order", gatehouse.MemberFilter{Sort: gatehouse.SortLastSignIn,
				Cursor: b64(`["last_signin",false,"x","anna"]`)}, nil, true},
			{"number key for a text order", gatehouse.MemberFilter{Sort: gatehouse.SortName, Cursor: b64(`["name",false,1,"anna"]`)}, nil, true},
			{"short", gatehouse.MemberFilter{Sort: gatehouse.SortName, Cursor: b64(`["name",false,"x"]`)}, nil, true},
			{"not JSON", gatehouse.MemberFilter{Sort: gatehouse.SortName, Cursor: b64(`[nope`)}, nil, true},
			{"not base64", gatehouse.MemberFilter{Cursor: "!!"}, nil, true},
			{"unknown order", gatehouse.MemberFilter{Sort: "shoe_size"}, nil, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ms, _, err := s.ListMembers(ctx, gatehouse.DefaultOrgID, tt.f)
				if tt.failed {
					wantCode(t, "ListMembers", err, gatehouse.Invalid)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, usernames(ms)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	})
}

func b64(s string) string { return sqlstore.TextCursor(s) }

// TestMemberSearchFollowsWrites: the search index follows every write of the
// four searched fields, by any path: the store's methods, a statement
// written by hand, a transaction rolled back, a savepoint undone.
func TestMemberSearchFollowsWrites(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		find := func(t *testing.T, q string) []string {
			t.Helper()
			ms, _, err := s.ListMembers(ctx, gatehouse.DefaultOrgID, gatehouse.MemberFilter{Query: q})
			if err != nil {
				t.Fatalf("ListMembers(%q): %v", q, err)
			}
			n, _, err := s.CountMatching(ctx, gatehouse.DefaultOrgID, gatehouse.MemberFilter{Query: q}, 0)
			if err != nil || n != len(ms) {
				t.Errorf("CountMatching(%q) = %d, %v; the list has %d", q, n, err, len(ms))
			}
			return usernames(ms)
		}
		want := func(t *testing.T, q string, names ...string) {
			t.Helper()
			if diff := cmp.Diff(names, find(t, q)); diff != "" {
				t.Errorf("search %q (-want +got):\n%s", q, diff)
			}
		}
		m := addMember(t, s, "quentin", func(m *gatehouse.Member) {
			m.DisplayName, m.Email, m.WorkEmail = "Quentin Blake", "qb@illustrators.example", "quentin@studio.example"
		})
		want(t, "blake", "quentin")
		want(t, "illustrators", "quentin")
		want(t, "studio", "quentin")

		ptr := func(v string) *string { return &v }
		t.Run("change every field", func(t *testing.T) {
			// No use case renames a member: the username changes by hand.
			if err := s.Exec(ctx, `UPDATE members SET username = 'Roald', username_norm = 'roald' WHERE id = $1`, m.ID); err != nil {
				t.Fatal(err)
			}
			err := s.ChangeMember(ctx, m.OrgID, m.ID, gatehouse.MemberChange{DisplayName: ptr("Roald Dahl"),
				Email: ptr("rd@authors.example"), WorkEmail: ptr("roald@giant.example"), UpdatedAt: t0})
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{"quentin", "blake", "illustrators", "studio"} {
				want(t, q)
			}
			want(t, "roa", "Roald")
			want(t, "dahl", "Roald")
			want(t, "authors", "Roald")
			want(t, "giant", "Roald")
		})
		t.Run("change other fields", func(t *testing.T) {
			admin := gatehouse.RoleAdministrator
			if err := s.ChangeMember(ctx, m.OrgID, m.ID, gatehouse.MemberChange{PasswordHash: ptr("other"), Role: &admin, UpdatedAt: t0}); err != nil {
				t.Fatal(err)
			}
			want(t, "dahl", "Roald")
			for role, names := range map[gatehouse.Role][]string{gatehouse.RoleAdministrator: {"Roald"}, gatehouse.RoleMember: nil} {
				ms, _, err := s.ListMembers(ctx, gatehouse.DefaultOrgID, gatehouse.MemberFilter{Query: "dahl", Role: role})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(names, usernames(ms)); diff != "" {
					t.Errorf("search dahl among %ss (-want +got):\n%s", role, diff)
				}
			}
		})
		t.Run("statement by hand", func(t *testing.T) {
			if err := s.Exec(ctx, `UPDATE members SET display_name = 'Matilda', display_name_norm = 'matilda' WHERE id = $1`, m.ID); err != nil {
				t.Fatal(err)
			}
			want(t, "dahl")
			want(t, "tild", "Roald")
		})
		t.Run("rolled back", func(t *testing.T) {
			err := s.Tx(ctx, func(tx *sqlstore.Store) error {
				if err := tx.CreateMember(ctx, newMember("ghostwriter")); err != nil {
					return err
				}
				if err := tx.ChangeMember(ctx, m.OrgID, m.ID, gatehouse.MemberChange{DisplayName: ptr("Fantastic Mr Fox"), UpdatedAt: t0}); err != nil {
					return err
				}
				return fmt.Errorf("undo")
			})
			if err == nil {
				t.Fatal("the transaction did not fail")
			}
			want(t, "ghostw")
			want(t, "fox")
			want(t, "tild", "Roald")
		})
		t.Run("savepoint undone", func(t *testing.T) {
			err := s.Tx(ctx, func(tx *sqlstore.Store) error {
				if err := tx.CreateMember(ctx, newMember("kept")); err != nil {
					return err
				}
				_ = tx.Tx(ctx, func(sp *sqlstore.Store) error {
					if err := sp.CreateMember(ctx, newMember("undone")); err != nil {
						return err
					}
					return fmt.Errorf("undo the savepoint")
				})
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want(t, "kept", "kept")
			want(t, "undone")
		})
		t.Run("delete", func(t *testing.T) {
			if err := s.DeleteMember(ctx, m.OrgID, m.ID); err != nil {
				t.Fatal(err)
			}
			want(t, "roald")
			want(t, "tild")
			// A new member may take the deleted one's name and be found.
			addMember(t, s, "roald", func(m *gatehouse.Member) { m.DisplayName = "Roald Again" })
			want(t, "roald", "roald")
			want(t, "again", "roald")
		})
		t.Run("bulk", func(t *testing.T) {
			var ms []*gatehouse.Member
			for i := range 30 {
				nm := newMember(fmt.Sprintf("bulk%02d", i))
				nm.DisplayName = fmt.Sprintf("Imported Person %02d", i)
				nm.LastSignInAt = t0.Add(time.Duration(i) * time.Minute)
				ms = append(ms, nm)
			}
			if err := s.CreateMembers(ctx, ms); err != nil {
				t.Fatal(err)
			}
			want(t, "person 07", "bulk07")
			if got := find(t, "imported"); len(got) != 30 {
				t.Errorf("search imported: %d members, want 30", len(got))
			}
			got, err := s.Member(ctx, ms[3].OrgID, ms[3].ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ms[3], got); diff != "" {
				t.Errorf("an imported member (-want +got):\n%s", diff)
			}
			// All or none: one taken username refuses the whole batch.
			dup := []*gatehouse.Member{newMember("fresh"), newMember("bulk01")}
			wantCode(t, "CreateMembers with a taken username", s.CreateMembers(ctx, dup), gatehouse.Conflict)
			want(t, "fresh")
			// A username no form would take refuses the batch too: the
			// list's order and search rely on the usernames' shape.
			bad := []*gatehouse.Member{newMember("fresh2"), newMember("ñandu")}
			wantCode(t, "CreateMembers with a username outside the rules", s.CreateMembers(ctx, bad), gatehouse.Invalid)
			want(t, "fresh2")
		})
	})
}

// TestRecordSignIn writes the time of the last sign-in and nothing else, and
// a change of other fields leaves it.
func TestRecordSignIn(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m := addMember(t, s, "alice", nil)
		if err := s.RecordSignIn(ctx, m.OrgID, m.ID, t0); err != nil {
			t.Fatal(err)
		}
		name := "Alice Renamed"
		if err := s.ChangeMember(ctx, m.OrgID, m.ID, gatehouse.MemberChange{DisplayName: &name, UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Member(ctx, m.OrgID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *m
		want.DisplayName, want.UpdatedAt, want.LastSignInAt = name, t0, t0
		if diff := cmp.Diff(&want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		wantCode(t, "RecordSignIn of nobody", s.RecordSignIn(ctx, m.OrgID, "nope", t0), gatehouse.NotFound)
		wantCode(t, "RecordSignIn in another organization", s.RecordSignIn(ctx, "other", m.ID, t0), gatehouse.NotFound)
	})
}

// TestMemberListPlans checks on SQLite that each way of the member list reads
// the index it is meant to, and that walking in the order of the page never
// sorts: a sort there would read every member of the organization.
func TestMemberListPlans(t *testing.T) {
	s := gatehousetest.NewStore(t, gatehousetest.SQLiteURL(t))
	r := rand.New(rand.NewPCG(1, 2))
	seedRandomMembers(t, s, r, 60)
	s.SetDriveLimit(20, 5000)
	tests := []struct {
		name string
		f    gatehouse.MemberFilter
		want []string // parts of the plan
		not  []string
	}{
		{"walk by username", gatehouse.MemberFilter{}, []string{"members_sort_username"}, []string{"TEMP B-TREE"}},
		{"walk descending after a cursor", gatehouse.MemberFilter{Sort: gatehouse.SortRole, Desc: true, Cursor: b64(`["role",true,2,"u5"]`)},
			[]string{"members_sort_role"}, []string{"TEMP B-TREE"}},
		{"walk with a common part", gatehouse.MemberFilter{Query: "e", Sort: gatehouse.SortLastSignIn},
			[]string{"members_sort_signin"}, []string{"TEMP B-TREE"}},
		{"walk with a common role", gatehouse.MemberFilter{Role: gatehouse.RoleMember, Sort: gatehouse.SortName},
			[]string{"members_sort_name"}, []string{"TEMP B-TREE"}},
		{"search by username in the index's order", gatehouse.MemberFilter{Query: "abc", Cursor: b64("u5")},
			[]string{"SCAN member_search VIRTUAL TABLE", "SEARCH r USING INTEGER PRIMARY KEY"}, []string{"TEMP B-TREE"}},
		{"search", gatehouse.MemberFilter{Query: "xyz-not-there", Sort: gatehouse.SortEmail},
			[]string{"SCAN member_search VIRTUAL TABLE", "SEARCH r USING INTEGER PRIMARY KEY", "SEARCH m USING INDEX sqlite_autoindex_members_1"}, nil},
		{"search of two characters nobody has", gatehouse.MemberFilter{Query: "zz"},
			[]string{"SCAN member_search_terms VIRTUAL TABLE", "SEARCH r USING INTEGER PRIMARY KEY"}, nil},
		{"filter by role and state", gatehouse.MemberFilter{Role: gatehouse.RoleOwner, State: gatehouse.StateExpired},
			[]string{"members_role_state"}, nil},
		{"filter by state", gatehouse.MemberFilter{State: gatehouse.StateExpired, Sort: gatehouse.SortPasswordChanged},
			[]string{"members_sort_state"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := s.ExplainMembers(ctx, gatehouse.DefaultOrgID, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(plan, w) {
					t.Errorf("the plan does not use %s:\n%s", w, plan)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(plan, n) {
					t.Errorf("the plan has %s:\n%s", n, plan)
				}
			}
		})
	}
}

// TestUsernameGroups: the search index numbers its rows by the group of the
// username as the store computes it, and groups follow username order.
func TestUsernameGroups(t *testing.T) {
	s := gatehousetest.NewStore(t, gatehousetest.SQLiteURL(t))
	names := []string{"a", "a-b", "a.b", "a0", "a_", "aa", "abcdefgh", "abcdefgh1", "abcdefgh2", "abcdefgi", "zzzzzzzzzz", "-", "9", "_x"}
	for _, u := range names {
		addMember(t, s, u, nil)
	}
	for _, u := range names {
		got, err := s.QueryStrings(ctx, `SELECT r.seq FROM member_search_rows r JOIN members m ON m.id = r.member_id WHERE m.username_norm = $1`, u)
		if err != nil || len(got) != 1 {
			t.Fatalf("seq of %s: %v, %v", u, got, err)
		}
		var seq int64
		fmt.Sscan(got[0], &seq)
		if g := sqlstore.UsernameGroup(u); seq < g || seq >= g+1<<20 {
			t.Errorf("%s: seq %d is not in its group %d", u, seq, g)
		}
	}
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	for i := 1; i < len(sorted); i++ {
		if a, b := sqlstore.UsernameGroup(sorted[i-1]), sqlstore.UsernameGroup(sorted[i]); a > b {
			t.Errorf("group of %s (%d) after that of %s (%d)", sorted[i-1], a, sorted[i], b)
		}
	}
	if a, b := sqlstore.UsernameGroup("abcdefgh1"), sqlstore.UsernameGroup("abcdefgh2"); a != b {
		t.Errorf("usernames that share eight characters are in groups %d and %d", a, b)
	}
}
