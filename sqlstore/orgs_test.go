package sqlstore_test

import (
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/google/go-cmp/cmp"
)

func TestOrganizations(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		def, err := s.Organization(ctx, gatehouse.DefaultOrgID)
		if err != nil {
			t.Fatalf("the default organization: %v", err)
		}
		if def.ID != gatehouse.DefaultOrgID || def.CreatedAt.IsZero() || time.Since(def.CreatedAt) > time.Hour {
			t.Errorf("default organization = %+v; want it created by the migration, just now", def)
		}
		addOrg(t, s, "acme")
		acme, err := s.Organization(ctx, "acme")
		if err != nil || !acme.CreatedAt.Equal(t0) {
			t.Errorf("Organization(acme) = %+v, %v; want created at %v", acme, err, t0)
		}
		wantCode(t, "unknown", err2(s.Organization(ctx, "nope")), gatehouse.NotFound)
		wantCode(t, "id taken", s.CreateOrganization(ctx, &gatehouse.Organization{ID: "acme"}), gatehouse.Conflict)
	})
}

func TestSettings(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		addOrg(t, s, "acme")
		got, err := s.Settings(ctx, gatehouse.DefaultOrgID)
		if err != nil || len(got) != 0 {
			t.Fatalf("Settings of a new organization = %v, %v; want none", got, err)
		}
		steps := []struct {
			name string
			org  string
			set  map[string]string
			want map[string]string
		}{
			{"first values", gatehouse.DefaultOrgID,
				map[string]string{"organization_name": "Example Ltd", "password_min_length": "16"},
				map[string]string{"organization_name": "Example Ltd", "password_min_length": "16"}},
			{"overwrite one, add one", gatehouse.DefaultOrgID,
				map[string]string{"password_min_length": "20", "two_factor": "required"},
				map[string]string{"organization_name": "Example Ltd", "password_min_length": "20", "two_factor": "required"}},
			{"empty value is a value", gatehouse.DefaultOrgID,
				map[string]string{"mail_from_name": ""},
				map[string]string{"organization_name": "Example Ltd", "password_min_length": "20", "two_factor": "required", "mail_from_name": ""}},
			{"other organization apart", "acme",
				map[string]string{"organization_name": "Acme"},
				map[string]string{"organization_name": "Acme"}},
		}
		for i, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				if err := s.SetSettings(ctx, st.org, st.set, t0.Add(time.Duration(i)*time.Minute)); err != nil {
					t.Fatalf("SetSettings: %v", err)
				}
				got, err := s.Settings(ctx, st.org)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(st.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
		wantCode(t, "unknown organization", s.SetSettings(ctx, "nope", map[string]string{"a": "b"}, t0), gatehouse.NotFound)
		if got, _ := s.Settings(ctx, gatehouse.DefaultOrgID); len(got) != 4 {
			t.Errorf("after all steps, %d settings in the default organization, want 4", len(got))
		}
	})
}
