package app_test

import (
	"net/http"
	"net/url"
	"os"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestServerUnderTestCountsInRedis boots the test server with Redis, as
// gatehouse serve runs with GATEHOUSE_REDIS_URL: the use cases count in Redis,
// the readiness check asks Redis, and a wrong password through the sign-in
// page is counted there (the database holds no counter).
func TestServerUnderTestCountsInRedis(t *testing.T) {
	redisURL := os.Getenv("GATEHOUSE_TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("GATEHOUSE_TEST_REDIS_URL is not set")
	}
	s := webtest.New(t, webtest.Options{RedisURL: redisURL})
	if s.App.Redis == nil || s.App.Account.Counters != s.App.Redis || s.App.APIKeys.Counters != s.App.Redis {
		t.Fatalf("the use cases count in %T, not in Redis", s.App.Account.Counters)
	}
	m := s.AddMember(t, "jdoe", "jane@example.com", "violet kettle orbit marsh", gatehouse.RoleMember)
	r := s.Browser(t).Submit("/login", "/login", url.Values{"identifier": {"jdoe"}, "password": {"not the password at all"}})
	if r.Status == http.StatusSeeOther {
		t.Fatalf("a wrong password signed in: %d %s", r.Status, r.Location)
	}
	st, err := s.Admin.MemberThrottle(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), m)
	if err != nil || st.Failures != 1 {
		t.Fatalf("throttle after one wrong password: %+v, %v; want one failure", st, err)
	}
	if n, err := s.Store.DeleteExpired(t.Context(), s.Clock.Now().Add(1000000*3600e9), 0); err != nil || n != 0 {
		t.Errorf("the database held %d rows to expire (%v); the counters belong in Redis", n, err)
	}
	if r := s.Browser(t).Get("/readyz"); r.Status != http.StatusOK {
		t.Errorf("/readyz = %d: %s", r.Status, r.Body)
	}
}
