package sqlstore_test

import (
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// openStore opens another Store on a database, as another replica would.
func openStore(t *testing.T, url string, opts sqlstore.Options) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(ctx, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func orgName(t *testing.T, s *sqlstore.Store) string {
	t.Helper()
	v, err := s.Settings(ctx, gatehouse.DefaultOrgID)
	if err != nil {
		t.Fatal(err)
	}
	return v["organization_name"]
}

func setOrgName(t *testing.T, s *sqlstore.Store, name string) {
	t.Helper()
	if err := s.SetSettings(ctx, gatehouse.DefaultOrgID, map[string]string{"organization_name": name}, t0); err != nil {
		t.Fatal(err)
	}
}

// TestSettingsCache: a Store sees its own changes at once, even from inside a
// transaction, and another replica's once the cache's time is up; a caller
// cannot change the cache through the map it gets.
func TestSettingsCache(t *testing.T) {
	for _, u := range gatehousetest.DatabaseURLs(t) {
		t.Run(u.Name, func(t *testing.T) {
			a := gatehousetest.NewStore(t, u.URL) // migrates; default TTL
			long := openStore(t, u.URL, sqlstore.Options{SettingsTTL: time.Hour})
			short := openStore(t, u.URL, sqlstore.Options{SettingsTTL: 20 * time.Millisecond})
			none := openStore(t, u.URL, sqlstore.Options{SettingsTTL: -1})

			setOrgName(t, a, "One")
			for _, s := range []*sqlstore.Store{a, long, short, none} {
				if got := orgName(t, s); got != "One" {
					t.Fatalf("first read = %q, want One", got)
				}
			}

			// Another replica changes the name.
			setOrgName(t, none, "Two")
			if got := orgName(t, none); got != "Two" {
				t.Errorf("the writer reads %q, want its own change at once", got)
			}
			if got := orgName(t, long); got != "One" {
				t.Errorf("a replica with a one-hour cache reads %q, want the cached One", got)
			}
			time.Sleep(30 * time.Millisecond) // past short's TTL
			if got := orgName(t, short); got != "Two" {
				t.Errorf("after its TTL a replica reads %q, want Two", got)
			}

			// Changes through the Store itself are seen at once, also when made
			// in a transaction; inside it, the transaction's own value.
			setOrgName(t, long, "Three")
			if got := orgName(t, long); got != "Three" {
				t.Errorf("after its own change a Store reads %q, want Three", got)
			}
			err := long.Tx(ctx, func(tx *sqlstore.Store) error {
				setOrgName(t, tx, "Four")
				v, err := tx.Settings(ctx, gatehouse.DefaultOrgID)
				if v["organization_name"] != "Four" {
					t.Errorf("inside the transaction: %q, %v; want Four", v["organization_name"], err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := orgName(t, long); got != "Four" {
				t.Errorf("after a committed transaction a Store reads %q, want Four", got)
			}
			err = long.Tx(ctx, func(tx *sqlstore.Store) error {
				setOrgName(t, tx, "Five")
				return gatehouse.Errorf(gatehouse.Invalid, "test", "roll back")
			})
			if !gatehouse.IsCode(err, gatehouse.Invalid) {
				t.Fatalf("rolled-back Tx: %v", err)
			}
			if got := orgName(t, long); got != "Four" {
				t.Errorf("after a rolled-back transaction a Store reads %q, want Four", got)
			}

			v, _ := long.Settings(ctx, gatehouse.DefaultOrgID)
			v["organization_name"] = "Scribbled"
			if got := orgName(t, long); got != "Four" {
				t.Errorf("a caller changed the cache through its map: %q", got)
			}
		})
	}
}

// TestSettingsChangeReachesReplicas: a replica whose cache would keep the
// settings for an hour sees another replica's change as soon as the change's
// notice arrives (PostgreSQL NOTIFY, SQLite's polled change_notices), which
// only the notice can explain; and its own cache is never filled with what
// was read before.
func TestSettingsChangeReachesReplicas(t *testing.T) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			a := gatehousetest.NewStore(t, db.URL)
			b := openStore(t, db.URL, sqlstore.Options{SettingsTTL: time.Hour})
			listen(t, b)

			setOrgName(t, a, "Before")
			if got := orgName(t, b); got != "Before" {
				t.Fatalf("first read on B = %q", got)
			}
			setOrgName(t, a, "After")
			deadline := time.Now().Add(10 * time.Second)
			for orgName(t, b) != "After" {
				if time.Now().After(deadline) {
					t.Fatalf("replica B with a one-hour cache still reads %q 10 s after the change", orgName(t, b))
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}
