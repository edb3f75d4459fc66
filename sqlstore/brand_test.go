package sqlstore_test

import (
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/brand"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// Two replicas on one database: B caches an organization's brand; a text
// override and a logo set on A reach B as soon as A's notice does (not after
// the cache's maximum age), and A sees its own change at once.
func TestBrandCacheAcrossReplicas(t *testing.T) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			a := gatehousetest.NewStore(t, db.URL)
			b, err := sqlstore.Open(ctx, db.URL, sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			notices := make(chan string, 16)
			// Subscribed after B's cache, so called after it has dropped the entry.
			b.Bus().Subscribe(sqlstore.TopicBrand, func(key string) { notices <- key })
			listen(t, b)
			org := gatehouse.DefaultOrgID

			for _, st := range []*sqlstore.Store{a, b} {
				if l, err := st.Look(ctx, org); err != nil || len(l.Texts) != 0 || l.HasLogo() {
					t.Fatalf("before: %+v, %v", l, err)
				}
			}
			if err := a.SetText(ctx, org, brand.Text{Lang: "de", Key: "login.title", Text: "Bei Acme anmelden"}, t0); err != nil {
				t.Fatal(err)
			}
			if l, _ := a.Look(ctx, org); l.Texts["de"]["login.title"] != "Bei Acme anmelden" {
				t.Errorf("A's own change not seen by A: %+v", l)
			}
			waitNotice(t, notices, org)
			if l, _ := b.Look(ctx, org); l.Texts["de"]["login.title"] != "Bei Acme anmelden" {
				t.Errorf("B after the notice: %+v", l)
			}
			logo := &brand.Logo{Type: "image/png", Data: []byte("png"), Width: 1, Height: 1, ETag: "0123", UpdatedAt: t0}
			if err := a.SetLogo(ctx, org, logo); err != nil {
				t.Fatal(err)
			}
			waitNotice(t, notices, org)
			if l, _ := b.Look(ctx, org); l.LogoETag != "0123" || l.LogoType != "image/png" {
				t.Errorf("B's logo after the notice: %+v", l)
			}
			if got, err := b.Logo(ctx, org); err != nil || string(got.Data) != "png" {
				t.Errorf("B reads the logo's bytes: %v, %v", got, err)
			}
			if had, err := a.DeleteText(ctx, org, "de", "login.title"); !had || err != nil {
				t.Fatalf("DeleteText = %v, %v", had, err)
			}
			waitNotice(t, notices, org)
			if l, _ := b.Look(ctx, org); len(l.Texts["de"]) != 0 {
				t.Errorf("B after the removal: %+v", l)
			}
			if _, err := a.Logo(ctx, "no-such-org"); !gatehouse.IsCode(err, gatehouse.NotFound) {
				t.Errorf("another organization's logo: %v", err)
			}
		})
	}
}

// waitNotice waits for B's bus to deliver a brand notice about org: an
// event, which the test needs no clock for (the bound only ends a broken run).
func waitNotice(t *testing.T, notices chan string, org string) {
	t.Helper()
	for {
		select {
		case k := <-notices:
			if k == org {
				return
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no brand notice reached replica B")
		}
	}
}
