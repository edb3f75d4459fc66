package operator_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/blocklist"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/mail"
	"github.com/gatehouse-auth/gatehouse/operator"
	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

var ctx = context.Background()

const password = "violet kettle orbit marsh"

type desk struct {
	*operator.Service
	s     *sqlstore.Store
	clock *gatehousetest.Clock
}

func newDesk(t *testing.T, s *sqlstore.Store) *desk {
	pub, _ := url.Parse("https://login.example.com")
	clock := gatehousetest.NewClock()
	svc := &operator.Service{Accounts: s, APIKeyStore: s, Log: s, Desk: s, Counters: s, Keys: s, Hasher: webtest.TestHasher(t),
		Blocklist: blocklist.Default(), Composer: &mail.Templates{}, PublicURL: pub, Now: clock.Now}
	return &desk{Service: svc, s: s, clock: clock}
}

func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

// code returns the app's code at the clock's time for the enrolment.
func (d *desk) code(t *testing.T, e *operator.Enrolment, offset int64) string {
	t.Helper()
	c, err := secret.TOTPCode(strings.ReplaceAll(e.Secret, " ", ""), secret.TOTPStep(d.clock.Now())+offset)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// active adds and activates an operator, and returns it with its enrolment.
func (d *desk) active(t *testing.T, username string) (*operator.Operator, *operator.Enrolment) {
	t.Helper()
	a, err := d.Add(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, username, username+"@vendor.example")
	if err != nil {
		t.Fatal(err)
	}
	e, err := d.Activation(ctx, tokenOf(t, a.Link))
	if err != nil {
		t.Fatal(err)
	}
	o, err := d.Activate(ctx, operator.ActivateRequest{Token: tokenOf(t, a.Link), Password: password, Confirm: password, Code: d.code(t, e, 0)})
	if err != nil {
		t.Fatal(err)
	}
	return o, e
}

func entries(t *testing.T, s *sqlstore.Store, action string) []*operator.LogEntry {
	t.Helper()
	es, _, err := s.OperatorLog(ctx, operator.LogFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var out []*operator.LogEntry
	for _, e := range es {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
