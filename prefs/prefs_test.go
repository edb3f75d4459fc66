package prefs_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/prefs"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

func TestSet(t *testing.T) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			st := gatehousetest.NewStore(t, db.URL)
			now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			ada := &gatehouse.Member{ID: "m-ada", OrgID: gatehouse.DefaultOrgID, Username: "ada", Email: "ada@example.com",
				Role: gatehouse.RoleMember, State: gatehouse.StateActive, CreatedAt: now, UpdatedAt: now}
			admin := &gatehouse.Member{ID: "m-admin", OrgID: gatehouse.DefaultOrgID, Username: "root", Email: "root@example.com",
				Role: gatehouse.RoleOwner, State: gatehouse.StateActive, CreatedAt: now, UpdatedAt: now}
			for _, m := range []*gatehouse.Member{ada, admin} {
				if err := st.CreateMember(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			s := &prefs.Service{Tx: sqlstore.Transactor[prefs.Store](st), Now: func() time.Time { return now }}
			me := gatehouse.MemberActor(ada)

			if err := s.Set(ctx, me, gatehouse.Client{}, ada.ID, prefs.Preferences{Language: "de", TimeZone: "Europe/Berlin"}); err != nil {
				t.Fatal(err)
			}
			got, err := st.Member(ctx, ada.OrgID, ada.ID)
			if err != nil || got.Language != "de" || got.TimeZone != "Europe/Berlin" {
				t.Fatalf("stored %+v, %v", got, err)
			}
			lang, zone, err := st.MemberLocale(ctx, ada.OrgID, ada.ID)
			if err != nil || lang != "de" || zone != "Europe/Berlin" {
				t.Errorf("MemberLocale: %q %q %v", lang, zone, err)
			}
			if lang, zone, err := st.MemberLocale(ctx, ada.OrgID, "nobody"); err != nil || lang != "" || zone != "" {
				t.Errorf("MemberLocale of nobody: %q %q %v", lang, zone, err)
			}

			for _, tc := range []struct {
				name  string
				actor gatehouse.Actor
				id    string
				p     prefs.Preferences
				code  gatehouse.Code
			}{
				{"an owner for a member", gatehouse.MemberActor(admin), ada.ID, prefs.Preferences{Language: "es"}, gatehouse.Forbidden},
				{"the system for a member", gatehouse.SystemActor(gatehouse.DefaultOrgID), ada.ID, prefs.Preferences{Language: "es"}, gatehouse.Forbidden},
				{"no organization", gatehouse.Actor{Kind: gatehouse.ActorMember, ID: ada.ID}, ada.ID, prefs.Preferences{Language: "es"}, gatehouse.Forbidden},
				{"a language not offered", me, ada.ID, prefs.Preferences{Language: "fr"}, gatehouse.Invalid},
				{"the pseudo-locale", me, ada.ID, prefs.Preferences{Language: "en-XA"}, gatehouse.Invalid},
				{"the server's own zone", me, ada.ID, prefs.Preferences{TimeZone: "Local"}, gatehouse.Invalid},
				{"a path for a zone", me, ada.ID, prefs.Preferences{TimeZone: "../../../etc/localtime"}, gatehouse.Invalid},
			} {
				t.Run(tc.name, func(t *testing.T) {
					err := s.Set(ctx, tc.actor, gatehouse.Client{}, tc.id, tc.p)
					if code := gatehouse.ErrorCode(err); code != tc.code && !(tc.name == "no organization" && code != "") {
						t.Errorf("got %v, want %s", err, tc.code)
					}
				})
			}
			if got, _ := st.Member(ctx, ada.OrgID, ada.ID); got.Language != "de" || got.TimeZone != "Europe/Berlin" {
				t.Errorf("a refused change was stored: %q %q", got.Language, got.TimeZone)
			}
		})
	}
}
