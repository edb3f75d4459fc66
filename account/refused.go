package account

import (
	"context"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// Requests the web layer refuses before any use case runs — a form sent from
// another site, a form without its anti-forgery token — are audited as
// request.refused, so that an attack shows in the log. Whoever sends them
// chooses how many, so the audit writes are limited: at most
// RefusedAuditPerAddress an hour from one client address (an IPv4 address or
// an IPv6 /64), and RefusedAuditPerOrg an hour in all, counted in the shared
// counters so that every replica keeps to the same limits. Refusals beyond
// them are still refused, and logged and counted in the metrics as requests;
// they only leave no audit event. Past a limit a refusal costs one read of a
// counter, no write.

// Limits on the audit events of refused requests.
const (
	RefusedAuditPerAddress = 10
	RefusedAuditPerOrg     = 200
	RefusedAuditWindow     = time.Hour
)

// Reasons a request is refused.
const (
	RefusedCrossOrigin = "cross_origin" // a browser said the request came from another site
	RefusedCSRFToken   = "csrf_token"   // the form's anti-forgery token was missing or wrong
)

// RefusedRequest describes a request refused at the door.
type RefusedRequest struct {
	OrgID  string
	Reason string // RefusedCrossOrigin or RefusedCSRFToken
	Method string
	Path   string // without the query string, which may hold a token
	// Origin and FetchSite are the request's Origin and Sec-Fetch-Site headers,
	// which say where the browser says the request came from.
	Origin    string
	FetchSite string
	Client    gatehouse.Client
}

// AuditRefusedRequest records a refused request within the limits above and
// reports whether it did.
func (s *Service) AuditRefusedRequest(ctx context.Context, r RefusedRequest) (bool, error) {
	const op = "account.AuditRefusedRequest"
	now := s.now()
	addr := "refused:addr:" + r.OrgID + ":" + addressKey(r.Client.IP)
	ok, c, err := s.refusedQuota(ctx, addr, RefusedAuditPerAddress, now)
	if err != nil || !ok {
		return false, gatehouse.Wrap(op, err)
	}
	ok, _, err = s.refusedQuota(ctx, "refused:org:"+r.OrgID, RefusedAuditPerOrg, now)
	if err != nil || !ok {
		return false, gatehouse.Wrap(op, err)
	}
	details := map[string]string{"reason": r.Reason, "method": truncate(r.Method, 16), "path": truncate(r.Path, 256)}
	if r.Origin != "" {
		details["origin"] = truncate(r.Origin, 256)
	}
	if r.FetchSite != "" {
		details["sec_fetch_site"] = truncate(r.FetchSite, 32)
	}
	if c.Count == RefusedAuditPerAddress {
		details["not_recorded_until"] = c.First.Add(RefusedAuditWindow).UTC().Format(time.RFC3339)
	}
	if err := s.audit(ctx, s.Store, event(gatehouse.EventRequestRefused, r.OrgID, gatehouse.Actor{Kind: gatehouse.ActorMember}, "", r.Client, details)); err != nil {
		return false, err
	}
	return true, nil
}

// refusedQuota counts one audit write against the counter at key and reports
// whether it is within limit an hour. A counter already at its limit is only
// read. Of concurrent callers, exactly limit get true: the increment is atomic.
func (s *Service) refusedQuota(ctx context.Context, key string, limit int, now time.Time) (bool, gatehouse.Counter, error) {
	c, err := s.Counters.Peek(ctx, key, now)
	if err != nil || c.Count >= limit {
		return false, c, err
	}
	c, err = s.Counters.Incr(ctx, key, now, RefusedAuditWindow, false)
	if err != nil {
		return false, c, err
	}
	return c.Count <= limit, c, nil
}

// RefusedNotInOrg is the reason of an administrator's page request that named
// an id their organization does not have (another organization's, or
// nobody's: the answer, 404, does not tell them apart).
const RefusedNotInOrg = "not_in_org"

// AuditNotInOrg records, in the administrator's own organization's log, a page
// request of theirs refused because it named an id the organization does not
// have: the pages' counterpart of the API's api.call events with status 404.
// The actor is signed in and accountable, so unlike refusals at the door it is
// not limited.
func (s *Service) AuditNotInOrg(ctx context.Context, actor gatehouse.Actor, r RefusedRequest, route string, status int) error {
	details := map[string]string{"reason": RefusedNotInOrg, "method": truncate(r.Method, 16), "path": truncate(r.Path, 256),
		"route": truncate(route, 256), "status": strconv.Itoa(status)}
	return gatehouse.Wrap("account.AuditNotInOrg", s.audit(ctx, s.Store, event(gatehouse.EventRequestRefused, r.OrgID, actor, "", r.Client, details)))
}
