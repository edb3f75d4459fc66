package sqlstore_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/google/go-cmp/cmp"
)

func TestMigrateIdempotent(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		for range 2 {
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("Migrate again: %v", err)
			}
		}
		have, known, err := s.SchemaVersion(ctx)
		if err != nil || have != known || known < 1 {
			t.Errorf("SchemaVersion = %d, %d, %v; want equal and at least 1", have, known, err)
		}
		if n, err := s.CountMembers(ctx, gatehouse.DefaultOrgID, "", ""); err != nil || n != 0 {
			t.Errorf("CountMembers = %d, %v", n, err)
		}
	})
}

// TestSchemaNewer pretends a newer Gatehouse has migrated the database: this
// one must refuse to migrate or open it.
func TestSchemaNewer(t *testing.T) {
	for _, u := range gatehousetest.DatabaseURLs(t) {
		t.Run(u.Name, func(t *testing.T) {
			s := gatehousetest.NewStore(t, u.URL)
			_, known, err := s.SchemaVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future', 0)`, known+1); err != nil {
				t.Fatal(err)
			}
			wantMsg := "newer than this gatehouse knows"
			check := func(what string, err error) {
				t.Helper()
				var se *sqlstore.SchemaError
				if !errors.As(err, &se) || se.Version != known+1 || se.Known != known || !strings.Contains(err.Error(), wantMsg) {
					t.Errorf("%s = %v; want a SchemaError saying %q", what, err, wantMsg)
				}
			}
			check("Migrate", s.Migrate(ctx))
			other, err := sqlstore.Open(ctx, u.URL, sqlstore.Options{})
			if err == nil {
				other.Close()
			}
			check("Open", err)
		})
	}
}

// TestConcurrentMigrate starts four Stores on one empty database at once, as
// replicas of a new installation would: all must succeed, and the schema must
// be made once.
func TestConcurrentMigrate(t *testing.T) {
	for _, u := range gatehousetest.DatabaseURLs(t) {
		t.Run(u.Name, func(t *testing.T) {
			stores := make([]*sqlstore.Store, 4)
			for i := range stores {
				s, err := sqlstore.Open(ctx, u.URL, sqlstore.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				stores[i] = s
			}
			var wg sync.WaitGroup
			for i, s := range stores {
				wg.Go(func() {
					if err := s.Migrate(ctx); err != nil {
						t.Errorf("store %d: Migrate: %v", i, err)
					}
				})
			}
			wg.Wait()
			for i, s := range stores {
				have, known, err := s.SchemaVersion(ctx)
				if err != nil || have != known {
					t.Errorf("store %d: SchemaVersion = %d, %d, %v", i, have, known, err)
				}
			}
			if _, err := stores[0].Organization(ctx, gatehouse.DefaultOrgID); err != nil {
				t.Errorf("default organization: %v", err)
			}
		})
	}
}

func TestLoadMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	base := fstest.MapFS{
		"migrations/0001_init.sql":                   file("portable 1"),
		"migrations/0002_keys.sql":                   file("portable 2"),
		"migrations/0002_keys.postgres.sql":          file("postgres 2"),
		"migrations/0003_only_variants.sqlite.sql":   file("sqlite 3"),
		"migrations/0003_only_variants.postgres.sql": file("postgres 3"),
	}
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		dialect sqlstore.Dialect
		want    []string
		wantErr string
	}{
		{"sqlite takes portable and its variants", base, sqlstore.SQLite,
			[]string{"0001 init: portable 1", "0002 keys: portable 2", "0003 only_variants: sqlite 3"}, ""},
		{"postgres variant replaces portable", base, sqlstore.Postgres,
			[]string{"0001 init: portable 1", "0002 keys: postgres 2", "0003 only_variants: postgres 3"}, ""},
		{"gap", fstest.MapFS{"migrations/0001_a.sql": file("1"), "migrations/0003_c.sql": file("3")}, sqlstore.SQLite,
			nil, "migration 0002 is missing"},
		{"bad name", fstest.MapFS{"migrations/1_a.sql": file("1")}, sqlstore.SQLite, nil, "the name must be"},
		{"two names", fstest.MapFS{"migrations/0001_a.sql": file("1"), "migrations/0001_b.sqlite.sql": file("1")}, sqlstore.SQLite,
			nil, "two names"},
		{"no SQL for this dialect", fstest.MapFS{"migrations/0001_a.postgres.sql": file("1")}, sqlstore.SQLite,
			nil, "has no SQL for sqlite"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sqlstore.LoadMigrations(tt.fsys, tt.dialect)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
