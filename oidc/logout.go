package oidc

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/internal/safehttp"
	"github.com/go-jose/go-jose/v4/jwt"
)

// idClaims are the claims of an ID token the provider reads back (an id_token_hint).
type idClaims struct {
	jwt.Claims
	SessionID string `json:"sid"`
}

// LogoutRequest is a checked RP-initiated logout request.
type LogoutRequest struct {
	ClientID  string
	MemberID  string // from the id_token_hint; "" without one
	SessionID string
	// Redirect is where the browser goes afterwards: the registered
	// post_logout_redirect_uri with the state, or "" for Gatehouse's own page.
	Redirect string
}

// Logouts end what applications obtained through a Gatehouse session when it
// ends, check RP-initiated logout requests, and deliver back-channel logout
// tokens.
type Logouts struct {
	Keys    *Keys
	Clients ClientStore
	Grants  GrantStore
	Queue   LogoutQueue
	Audit   AuditLog
	// HTTP posts the logout tokens. Default: internal/safehttp's client,
	// which reaches public addresses only.
	HTTP *http.Client
	// Worker names this replica in its claims on the queue.
	Worker string
	Now    func() time.Time
	Rand   io.Reader
	Log    *slog.Logger
}

func (ls *Logouts) log() *slog.Logger {
	if ls.Log != nil {
		return ls.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (ls *Logouts) audit(ctx context.Context, t gatehouse.EventType, orgID string, actor gatehouse.Actor, memberID string, c gatehouse.Client, details map[string]string) error {
	return audit(ctx, ls.Audit, ls.Rand, now(ls.Now), t, orgID, actor, memberID, c, details)
}

// EndSession checks an RP-initiated logout request (OpenID Connect
// RP-Initiated Logout 1.0). A post_logout_redirect_uri is followed only when
// it is registered for the client named by the id_token_hint or client_id.
func (ls *Logouts) EndSession(ctx context.Context, orgID string, q url.Values) (*LogoutRequest, error) {
	bad := func(desc string) error { return &Error{Code: "invalid_request", Description: desc, Status: 400} }
	lr := &LogoutRequest{ClientID: q.Get("client_id")}
	if hint := q.Get("id_token_hint"); hint != "" {
		c, err := ls.Keys.verify(ctx, orgID, hint)
		if err != nil {
			return nil, bad("The id_token_hint was not issued by this provider.")
		}
		if len(c.Audience) != 1 || lr.ClientID != "" && lr.ClientID != c.Audience[0] {
			return nil, bad("The id_token_hint was issued to another client.")
		}
		lr.ClientID, lr.MemberID, lr.SessionID = c.Audience[0], c.Subject, c.SessionID
	}
	if to := q.Get("post_logout_redirect_uri"); to != "" {
		if lr.ClientID == "" {
			return nil, bad("post_logout_redirect_uri needs an id_token_hint or client_id.")
		}
		cl, err := ls.Clients.OIDCClient(ctx, orgID, lr.ClientID)
		if gatehouse.IsCode(err, gatehouse.NotFound) {
			return nil, bad("The application is not registered here.")
		} else if err != nil {
			return nil, gatehouse.Wrap("oidc.EndSession", err)
		}
		if !contains(cl.PostLogoutURIs, to) {
			return nil, bad("The post_logout_redirect_uri is not registered for this application.")
		}
		lr.Redirect = to
		if st := q.Get("state"); st != "" {
			lr.Redirect = withQuery(to, url.Values{"state": {st}})
		}
	}
	return lr, nil
}

// SessionEnded ends the grants obtained through the Gatehouse session sid of
// the member and tells every client that asked for it by back-channel logout.
// Web calls it when a member signs out.
func (ls *Logouts) SessionEnded(ctx context.Context, orgID, memberID, sid string, c gatehouse.Client) error {
	gs, err := ls.Grants.RevokeOIDCSession(ctx, orgID, memberID, sid, now(ls.Now))
	if err != nil {
		return gatehouse.Wrap("oidc.SessionEnded", err)
	}
	if len(gs) == 0 {
		return nil
	}
	var clients []string
	for _, g := range gs {
		if !contains(clients, g.ClientID) {
			clients = append(clients, g.ClientID)
		}
	}
	return ls.audit(ctx, EventLogout, orgID, gatehouse.Actor{Kind: gatehouse.ActorMember, ID: memberID}, memberID, c,
		map[string]string{"sid": sid, "clients": strings.Join(clients, " ")})
}

// Delivery of back-channel logouts.
const (
	logoutBatch = 10
	// logoutLease outlasts a batch of the slowest sends (safehttp's
	// timeout), so that no replica claims a logout still being sent.
	logoutLease    = logoutBatch * (safehttp.DefaultTimeout + 5*time.Second)
	logoutAttempts = 12
	logoutTokenTTL = 2 * time.Minute
)

// Deliver posts the due back-channel logout tokens, retrying failures with a
// growing delay (up to an hour, 12 tries). Replicas may run it at the same
// time: each claims its logouts for a lease first. It returns how many were
// delivered.
func (ls *Logouts) Deliver(ctx context.Context) (int, error) {
	at := now(ls.Now)
	worker := ls.Worker
	if worker == "" {
		worker = "oidc"
	}
	due, err := ls.Queue.DueOIDCLogouts(ctx, worker, at, logoutLease, logoutBatch)
	if err != nil {
		return 0, gatehouse.Wrap("oidc.Logouts.Deliver", err)
	}
	n := 0
	for _, l := range due {
		err := ls.deliver(ctx, l)
		if err == nil {
			n++
			_ = ls.audit(ctx, EventLogoutDelivered, l.OrgID, gatehouse.SystemActor(l.OrgID), l.MemberID, gatehouse.Client{}, map[string]string{"client_id": l.ClientID})
			if ferr := ls.finish(ctx, l, worker, true, time.Time{}, ""); ferr != nil {
				return n, ferr
			}
			continue
		}
		last := l.Attempts+1 >= logoutAttempts
		delay := time.Duration(1<<min(l.Attempts, 6)) * time.Minute
		ls.log().WarnContext(ctx, "back-channel logout failed", "client_id", l.ClientID, "attempt", l.Attempts+1, "err", err)
		if last {
			_ = ls.audit(ctx, EventLogoutFailed, l.OrgID, gatehouse.SystemActor(l.OrgID), l.MemberID, gatehouse.Client{},
				map[string]string{"client_id": l.ClientID, "error": trimTo(err.Error(), 200)})
		}
		if ferr := ls.finish(ctx, l, worker, last, at.Add(delay), trimTo(err.Error(), 500)); ferr != nil {
			return n, ferr
		}
	}
	return n, nil
}

// finish records the outcome of a delivery. A lease that ran out meanwhile
// (another replica may have claimed the logout) is logged, not an error.
func (ls *Logouts) finish(ctx context.Context, l *Logout, worker string, done bool, next time.Time, lastErr string) error {
	err := ls.Queue.FinishOIDCLogout(ctx, l.ID, worker, done, next, lastErr)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		ls.log().WarnContext(ctx, "back-channel logout: the claim ran out before the outcome was recorded", "id", l.ID, "client_id", l.ClientID)
		return nil
	}
	return gatehouse.Wrap("oidc.Logouts.Deliver", err)
}

func (ls *Logouts) deliver(ctx context.Context, l *Logout) error {
	cl, err := ls.Clients.OIDCClient(ctx, l.OrgID, l.ClientID)
	if err != nil {
		return err
	}
	if cl.BackchannelLogoutURI == "" {
		return nil
	}
	at := now(ls.Now)
	claims := map[string]any{
		"aud": cl.ID, "iat": at.Unix(), "exp": at.Add(logoutTokenTTL).Unix(),
		"jti": l.ID, "sub": l.MemberID,
		"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
	}
	if l.SessionID != "" {
		claims["sid"] = l.SessionID
	}
	tok, err := ls.Keys.sign(ctx, l.OrgID, "logout+jwt", claims)
	if err != nil {
		return err
	}
	hc := ls.HTTP
	if hc == nil {
		hc = safehttp.NewClient(safehttp.Options{})
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cl.BackchannelLogoutURI, strings.NewReader(url.Values{"logout_token": {tok}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNoContent {
		return fmt.Errorf("the client answered %s", res.Status)
	}
	return nil
}
