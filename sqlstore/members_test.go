package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/google/go-cmp/cmp"
)

func TestMemberRoundTrip(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		full := addMember(t, s, "Alice.Smith", nil)
		bare := addMember(t, s, "bare", func(m *gatehouse.Member) {
			m.DisplayName, m.Email, m.WorkEmail, m.Mobile = "", "", "", ""
			m.ExpiresAt, m.PasswordChangedAt, m.PasswordHash, m.SupportPINHash = time.Time{}, time.Time{}, "", ""
			m.MustChangePassword, m.State = false, gatehouse.StateNeverActivated
		})
		for _, want := range []*gatehouse.Member{full, bare} {
			got, err := s.Member(ctx, want.OrgID, want.ID)
			if err != nil {
				t.Fatalf("Member(%s): %v", want.Username, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Member(%s) (-want +got):\n%s", want.Username, diff)
			}
		}
		got, err := s.MemberByUsername(ctx, gatehouse.DefaultOrgID, "  alice.SMITH ")
		if err != nil {
			t.Fatalf("MemberByUsername: %v", err)
		}
		if diff := cmp.Diff(full, got); diff != "" {
			t.Errorf("MemberByUsername (-want +got):\n%s", diff)
		}
	})
}

func TestMemberErrors(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		addOrg(t, s, "other")
		alice := addMember(t, s, "alice", nil)
		bob := addMember(t, s, "bob", nil)
		ghost := newMember("ghost")
		tests := []struct {
			name string
			err  error
			want gatehouse.Code
		}{
			{"member unknown id", err2(s.Member(ctx, gatehouse.DefaultOrgID, "nope")), gatehouse.NotFound},
			{"member of another org", err2(s.Member(ctx, "other", alice.ID)), gatehouse.NotFound},
			{"username unknown", err2(s.MemberByUsername(ctx, gatehouse.DefaultOrgID, "nobody")), gatehouse.NotFound},
			{"username in another org", err2(s.MemberByUsername(ctx, "other", "alice")), gatehouse.NotFound},
			{"create taken username in other case", s.CreateMember(ctx, newMember("Alice")), gatehouse.Conflict},
			{"create same id", s.CreateMember(ctx, &gatehouse.Member{ID: alice.ID, OrgID: gatehouse.DefaultOrgID, Username: "x", Role: "member", State: "active"}), gatehouse.Conflict},
			{"create in unknown org", s.CreateMember(ctx, func() *gatehouse.Member { m := newMember("z"); m.OrgID = "nope"; return m }()), gatehouse.NotFound},
			{"create same username in another org", s.CreateMember(ctx, func() *gatehouse.Member { m := newMember("alice"); m.OrgID = "other"; return m }()), ""},
			{"change unknown", s.ChangeMember(ctx, gatehouse.DefaultOrgID, ghost.ID, gatehousetest.Overwrite(ghost)), gatehouse.NotFound},
			{"change in another org", s.ChangeMember(ctx, "other", alice.ID, gatehouse.MemberChange{UpdatedAt: t0}), gatehouse.NotFound},
			{"lock unknown", err2(s.LockMember(ctx, gatehouse.DefaultOrgID, "nope")), gatehouse.NotFound},
			{"lock in another org", err2(s.LockMember(ctx, "other", bob.ID)), gatehouse.NotFound},
			{"delete unknown", s.DeleteMember(ctx, gatehouse.DefaultOrgID, "nope"), gatehouse.NotFound},
			{"delete in another org", s.DeleteMember(ctx, "other", bob.ID), gatehouse.NotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.name, tt.err, tt.want) })
		}
	})
}

// err2 and err3 keep the error of a call with two or three results.
func err2[T any](_ T, err error) error         { return err }
func err3[T, U any](_ T, _ U, err error) error { return err }

func TestUpdateAndDeleteMember(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m := addMember(t, s, "alice", nil)
		m.DisplayName, m.Email, m.WorkEmail = "Alicia S", "New@Example.com", ""
		m.Role, m.State, m.MustChangePassword = gatehouse.RoleOwner, gatehouse.StateDisabled, false
		m.ExpiresAt, m.UpdatedAt = time.Time{}, t0
		if err := s.ChangeMember(ctx, m.OrgID, m.ID, gatehousetest.Overwrite(m)); err != nil {
			t.Fatalf("ChangeMember: %v", err)
		}
		got, err := s.MemberByUsername(ctx, m.OrgID, "alice")
		if err != nil {
			t.Fatalf("MemberByUsername: %v", err)
		}
		if diff := cmp.Diff(m, got); diff != "" {
			t.Errorf("after update (-want +got):\n%s", diff)
		}
		if ms, _ := s.MembersByIdentifier(ctx, m.OrgID, "new@example.com", 10); len(ms) != 1 {
			t.Errorf("lookup by the new email found %d members, want 1", len(ms))
		}
		if ms, _ := s.MembersByIdentifier(ctx, m.OrgID, "alice@work.example", 10); len(ms) != 0 {
			t.Errorf("lookup by the removed work email found %d members, want 0", len(ms))
		}

		// Deleting a member ends their sessions, tokens and history, not the audit log.
		addSession(t, s, m, "tok", t0)
		if err := s.CreateToken(ctx, &gatehouse.Token{Hash: "h", OrgID: m.OrgID, MemberID: m.ID, Purpose: gatehouse.PurposeReset, ExpiresAt: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddPasswordHistory(ctx, m.OrgID, m.ID, "old", t0, 5); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteMember(ctx, m.OrgID, m.ID); err != nil {
			t.Fatalf("DeleteMember: %v", err)
		}
		wantCode(t, "Member after delete", err2(s.Member(ctx, m.OrgID, m.ID)), gatehouse.NotFound)
		wantCode(t, "session after delete", err3(s.SessionByToken(ctx, "tok")), gatehouse.NotFound)
		wantCode(t, "token after delete", err2(s.Token(ctx, "h")), gatehouse.NotFound)
		if h, err := s.PasswordHistory(ctx, m.OrgID, m.ID, 5); err != nil || len(h) != 0 {
			t.Errorf("history after delete = %v, %v; want none", h, err)
		}
	})
}

func TestMembersByIdentifier(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		addOrg(t, s, "other")
		set := func(email, work string) func(*gatehouse.Member) {
			return func(m *gatehouse.Member) { m.Email, m.WorkEmail = email, work }
		}
		addMember(t, s, "alice", set("Shared@Example.com", ""))
		addMember(t, s, "bob", set("shared@example.COM", "bob@work.example"))
		addMember(t, s, "carol", set("carol@example.com", "SHARED@example.com"))
		addMember(t, s, "dave", set("Dave@Example.com", ""))
		addMember(t, s, "erin", set("", "")) // no email: must not match ""
		addMember(t, s, "frank", func(m *gatehouse.Member) { m.OrgID, m.Email = "other", "shared@example.com" })
		tests := []struct {
			name       string
			identifier string
			limit      int
			want       []string
		}{
			{"username any case", "ALICE", 10, []string{"alice"}},
			{"username with spaces", "  bob ", 10, []string{"bob"}},
			{"email shared by three accounts", "shared@example.com", 10, []string{"alice", "bob", "carol"}},
			{"email in other case", "DAVE@example.com", 10, []string{"dave"}},
			{"work email", "Bob@Work.Example", 10, []string{"bob"}},
			{"limit", "shared@example.com", 2, []string{"alice", "bob"}},
			{"unknown", "nobody@example.com", 10, nil},
			{"empty matches nobody", "  ", 10, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ms, err := s.MembersByIdentifier(ctx, gatehouse.DefaultOrgID, tt.identifier, tt.limit)
				if err != nil {
					t.Fatalf("MembersByIdentifier: %v", err)
				}
				if diff := cmp.Diff(tt.want, usernames(ms)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	})
}

func usernames(ms []*gatehouse.Member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Username)
	}
	return out
}

func TestListMembers(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		addOrg(t, s, "other")
		add := func(username, name, email string, role gatehouse.Role, state gatehouse.State) {
			addMember(t, s, username, func(m *gatehouse.Member) {
				m.DisplayName, m.Email, m.WorkEmail, m.Role, m.State = name, email, "", role, state
				if username == "dan" {
					m.WorkEmail = "D.Olmez@Work.Example"
				}
			})
		}
		add("anna", "Anna Smith", "anna@example.com", gatehouse.RoleOwner, gatehouse.StateActive)
		add("a_b", "Underscore", "ab@example.com", gatehouse.RoleMember, gatehouse.StateActive)
		add("axb", "Not Underscore", "axb@example.com", gatehouse.RoleMember, gatehouse.StateDisabled)
		add("ben", "Ben Smith", "ben@corp.example", gatehouse.RoleAdministrator, gatehouse.StateActive)
		add("cara", "100% Cara", "cara@example.com", gatehouse.RoleMember, gatehouse.StateNeverActivated)
		add("dan", "Dan Ölmez", "dan@example.com", gatehouse.RoleMember, gatehouse.StateActive)
		addMember(t, s, "zed", func(m *gatehouse.Member) { m.OrgID = "other" })
		tests := []struct {
			name string
			f    gatehouse.MemberFilter
			want []string
		}{
			{"all, by username", gatehouse.MemberFilter{}, []string{"a_b", "anna", "axb", "ben", "cara", "dan"}},
			{"display name any case", gatehouse.MemberFilter{Query: "SMITH"}, []string{"anna", "ben"}},
			{"email part", gatehouse.MemberFilter{Query: "corp.EXAMPLE"}, []string{"ben"}},
			{"work email", gatehouse.MemberFilter{Query: "olmez@WORK"}, []string{"dan"}},
			{"underscore is literal", gatehouse.MemberFilter{Query: "a_b"}, []string{"a_b"}},
			{"percent is literal", gatehouse.MemberFilter{Query: "100%"}, []string{"cara"}},
			{"backslash is literal", gatehouse.MemberFilter{Query: `\`}, nil},
			{"unicode any case", gatehouse.MemberFilter{Query: "ÖLMEZ"}, []string{"dan"}},
			{"role", gatehouse.MemberFilter{Role: gatehouse.RoleMember}, []string{"a_b", "axb", "cara", "dan"}},
			{"state", gatehouse.MemberFilter{State: gatehouse.StateActive}, []string{"a_b", "anna", "ben", "dan"}},
			{"query role and state", gatehouse.MemberFilter{Query: "a", Role: gatehouse.RoleMember, State: gatehouse.StateActive}, []string{"a_b", "dan"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ms, next, err := s.ListMembers(ctx, gatehouse.DefaultOrgID, tt.f)
				if err != nil {
					t.Fatalf("ListMembers: %v", err)
				}
				if diff := cmp.Diff(tt.want, usernames(ms)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				if next != "" {
					t.Errorf("next = %q on the only page", next)
				}
			})
		}

		t.Run("pages", func(t *testing.T) {
			var got []string
			f := gatehouse.MemberFilter{Limit: 4}
			for page := 0; ; page++ {
				ms, next, err := s.ListMembers(ctx, gatehouse.DefaultOrgID, f)
				if err != nil {
					t.Fatalf("page %d: %v", page, err)
				}
				got = append(got, usernames(ms)...)
				if next == "" {
					break
				}
				f.Cursor = next
			}
			if diff := cmp.Diff([]string{"a_b", "anna", "axb", "ben", "cara", "dan"}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("bad cursor", func(t *testing.T) {
			_, _, err := s.ListMembers(ctx, gatehouse.DefaultOrgID, gatehouse.MemberFilter{Cursor: "!!"})
			wantCode(t, "ListMembers", err, gatehouse.Invalid)
		})
	})
}

func TestListMembersLimits(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		err := s.Tx(ctx, func(tx *sqlstore.Store) error {
			for i := range 501 {
				m := newMember(fmt.Sprintf("m%03d", i))
				if err := tx.CreateMember(ctx, m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name  string
			limit int
			want  int
		}{{"default", 0, 50}, {"negative", -1, 50}, {"asked", 7, 7}, {"capped", 1000, 500}} {
			t.Run(tt.name, func(t *testing.T) {
				ms, next, err := s.ListMembers(ctx, gatehouse.DefaultOrgID, gatehouse.MemberFilter{Limit: tt.limit})
				if err != nil || len(ms) != tt.want || next == "" {
					t.Errorf("ListMembers(limit %d) = %d members, next %q, %v; want %d and a next page", tt.limit, len(ms), next, err, tt.want)
				}
			})
		}
	})
}

func TestCountMembers(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		addOrg(t, s, "other")
		set := func(r gatehouse.Role, st gatehouse.State) func(*gatehouse.Member) {
			return func(m *gatehouse.Member) { m.Role, m.State = r, st }
		}
		addMember(t, s, "o1", set(gatehouse.RoleOwner, gatehouse.StateActive))
		addMember(t, s, "o2", set(gatehouse.RoleOwner, gatehouse.StateDisabled))
		addMember(t, s, "m1", set(gatehouse.RoleMember, gatehouse.StateActive))
		addMember(t, s, "x1", func(m *gatehouse.Member) { m.OrgID, m.Role = "other", gatehouse.RoleOwner })
		tests := []struct {
			name  string
			role  gatehouse.Role
			state gatehouse.State
			want  int
		}{
			{"all", "", "", 3},
			{"owners", gatehouse.RoleOwner, "", 2},
			{"active owners", gatehouse.RoleOwner, gatehouse.StateActive, 1},
			{"active", "", gatehouse.StateActive, 2},
			{"none", gatehouse.RoleAdministrator, "", 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.CountMembers(ctx, gatehouse.DefaultOrgID, tt.role, tt.state)
				if err != nil || got != tt.want {
					t.Errorf("CountMembers = %d, %v; want %d", got, err, tt.want)
				}
			})
		}
	})
}

func TestPasswordHistory(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m := addMember(t, s, "alice", nil)
		other := addMember(t, s, "bob", nil)
		// The same instant every time: order must come from the insertion order.
		for _, h := range []string{"h1", "h2", "h3", "h4", "h5"} {
			if err := s.AddPasswordHistory(ctx, m.OrgID, m.ID, h, t0, 3); err != nil {
				t.Fatalf("AddPasswordHistory(%s): %v", h, err)
			}
		}
		if err := s.AddPasswordHistory(ctx, other.OrgID, other.ID, "b1", t0, 3); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name   string
			member string
			n      int
			want   []string
		}{
			{"keeps the newest three", m.ID, 10, []string{"h5", "h4", "h3"}},
			{"newest n", m.ID, 2, []string{"h5", "h4"}},
			{"zero", m.ID, 0, nil},
			{"other member", other.ID, 10, []string{"b1"}},
			{"unknown member", "nope", 10, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.PasswordHistory(ctx, gatehouse.DefaultOrgID, tt.member, tt.n)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	})
}

// TestChangeMemberWritesOnlyItsFields: a change names its columns; every other
// column keeps what the database holds, even when the caller's copy of the
// row is older (the lost update of issue 10).
func TestChangeMemberWritesOnlyItsFields(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m := addMember(t, s, "alice", nil)
		stale := *m
		owner, disabled := gatehouse.RoleOwner, gatehouse.StateDisabled
		if err := s.ChangeMember(ctx, m.OrgID, m.ID, gatehouse.MemberChange{Role: &owner, State: &disabled, UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		hash, changed, email := "$argon2id$new", t0.Add(time.Minute), "Alice.New@Example.com"
		if err := s.ChangeMember(ctx, m.OrgID, m.ID, gatehouse.MemberChange{PasswordHash: &hash, PasswordChangedAt: &changed,
			Email: &email, UpdatedAt: t0.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		want := stale
		want.Role, want.State = owner, disabled
		want.PasswordHash, want.PasswordChangedAt, want.Email, want.UpdatedAt = hash, changed, email, t0.Add(time.Minute)
		got, err := s.Member(ctx, m.OrgID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&want, got); diff != "" {
			t.Errorf("after two narrow changes (-want +got):\n%s", diff)
		}
		if ms, _ := s.MembersByIdentifier(ctx, m.OrgID, "alice.new@example.com", 10); len(ms) != 1 {
			t.Errorf("lookup by the changed email found %d members, want 1", len(ms))
		}
		applied := stale
		gatehouse.MemberChange{PasswordHash: &hash, PasswordChangedAt: &changed, Email: &email, UpdatedAt: t0.Add(time.Minute)}.Apply(&applied)
		if applied.Role != stale.Role || applied.PasswordHash != hash || applied.Email != email {
			t.Errorf("Apply: %+v", applied)
		}
		locked, err := s.LockMember(ctx, m.OrgID, m.ID)
		if err != nil || locked.Role != owner {
			t.Errorf("LockMember: %v, %v", locked, err)
		}
	})
}
