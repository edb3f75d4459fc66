package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/org"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// Two replicas on one database: an organization created on A answers on B at
// once (a host that was not found is never cached), and a change made on A
// reaches B's cache (its notice, or at worst its maximum age).
func TestOrgHostsAcrossReplicas(t *testing.T) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			a := gatehousetest.NewStore(t, db.URL)
			b, err := sqlstore.Open(ctx, db.URL, sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			lctx, cancel := context.WithCancel(ctx)
			defer cancel()
			go b.Listen(lctx, sqlstore.ListenOptions{PollInterval: 50 * time.Millisecond})

			if _, err := b.OrganizationByHost(ctx, "acme.example.com"); !gatehouse.IsCode(err, gatehouse.NotFound) {
				t.Fatalf("before: %v", err)
			}
			o := &gatehouse.Organization{ID: "acme-id", Slug: "acme", Name: "Acme", Hosts: []string{"acme.example.com"}, CreatedAt: t0}
			if err := a.CreateOrganization(ctx, o); err != nil {
				t.Fatal(err)
			}
			got, err := b.OrganizationByHost(ctx, "acme.example.com")
			if err != nil || got.ID != "acme-id" || got.Suspended() {
				t.Fatalf("replica B right after A created it: %+v, %v", got, err)
			}
			st := gatehouse.OrgSuspended
			if err := a.ChangeOrganization(ctx, o.ID, org.Change{State: &st, UpdatedAt: t0}); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				got, err = b.OrganizationByHost(ctx, "acme.example.com")
				if err == nil && got.Suspended() {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("replica B never saw the suspension: %+v, %v", got, err)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}
