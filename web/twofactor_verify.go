package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/session"
	"github.com/gatehouse-auth/gatehouse/signin"
	"github.com/gatehouse-auth/gatehouse/twofactor"
)

// The second step of a sign-in (/login/verify): a code sent by SMS or email,
// a code from an authenticator app, or a recovery code.

type verifyData struct {
	Method string // the form shown: twofactor.MethodCode, MethodApp or MethodRecovery
	Next   string
	*signin.SecondFactorOptions
	ResendSeconds int
}

// pendingSecondFactor returns the session waiting for its second factor, or
// answers the request itself (to the sign-in page, or to where the session
// belongs) and returns ok=false.
func (s twofactorPages) pendingSecondFactor(w http.ResponseWriter, r *http.Request) (*gatehouse.Session, *gatehouse.Member, bool) {
	sess, m, err := s.current(r)
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, false
	}
	if sess == nil {
		s.redirect(w, r, "/login", nil)
		return nil, nil, false
	}
	if sess.Stage != gatehouse.StageSecondFactor {
		s.redirect(w, r, stagePath(sess.Stage), nil)
		return nil, nil, false
	}
	return sess, m, true
}

func (s twofactorPages) verifyPage(w http.ResponseWriter, r *http.Request) {
	sess, m, ok := s.pendingSecondFactor(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	v := &view{Title: "Confirm it is you", CSRF: s.csrfToken(w, r), Notice: verifyNotices[q.Get("done")]}
	s.renderVerify(w, r, http.StatusOK, v, sess, m, q.Get("method"), q.Get("next"))
}

// verifyNotices are the messages a redirect may ask the page to show.
var verifyNotices = map[string]string{
	"sent": "We have sent you a new code.",
}

func (s twofactorPages) renderVerify(w http.ResponseWriter, r *http.Request, st int, v *view, sess *gatehouse.Session, m *gatehouse.Member, method, next string) {
	opts, err := s.SignIn.SecondFactorOptions(r.Context(), sess, m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch method {
	case twofactor.MethodRecovery:
	case twofactor.MethodCode:
		if !opts.CanSend() && len(opts.AdminMethods) > 0 && !opts.SetUpNext {
			method = opts.Default() // not "ask your administrator for a number"
		}
	case twofactor.MethodPasskey:
		if opts.Passkeys == 0 {
			method = opts.Default()
		}
	case twofactor.MethodApp:
		if !opts.App {
			method = twofactor.MethodCode
		}
	default:
		method = opts.Default()
	}
	if next != "" {
		next = forwardPages(s).nextParam(next)
	}
	v.Data = verifyData{Method: method, Next: next, SecondFactorOptions: opts, ResendSeconds: int(opts.ResendIn.Seconds())}
	s.render(w, r, st, "verify", v)
}

func (s twofactorPages) verifySubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sess, m, ok := s.pendingSecondFactor(w, r)
	if !ok {
		return
	}
	method, next := field(r, "method"), field(r, "next")
	res, err := s.SignIn.VerifySecondFactor(r.Context(), signin.VerifyRequest{
		Session: sess, Member: m, Method: method, Code: field(r, twofactor.FieldCode), Response: []byte(field(r, "response")),
		Trust: field(r, "trust") == "on", Client: s.client(r),
	})
	if errors.Is(err, session.ErrNoSession) { // another request finished this sign-in first
		s.redirect(w, r, "/login", nil)
		return
	}
	if err != nil {
		st, msg, retry := s.errorInfo(r, err)
		if retry > 0 {
			setRetryAfter(w, retry)
		}
		v := &view{Title: "Confirm it is you", CSRF: s.csrfToken(w, r)}
		v.fieldErrors(err, msg)
		if fm := v.Fields["method"]; fm != "" { // no field of its own on the page
			v.Error = fm
		}
		s.renderVerify(w, r, st, v, sess, m, method, next)
		return
	}
	// A new secret: the one that could only answer this page no longer works.
	s.setSession(w, res.SessionToken)
	if res.DeviceCookie != "" {
		s.setDeviceCookie(w, res.DeviceCookie, res.DeviceMaxAge)
	}
	if res.Stage != gatehouse.StageActive {
		s.redirect(w, r, stagePath(res.Stage), nil)
		return
	}
	forwardPages(s).goNext(w, r, next)
}

// verifySend sends a new code by the channel of the button pressed.
func (s twofactorPages) verifySend(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sess, m, ok := s.pendingSecondFactor(w, r)
	if !ok {
		return
	}
	next := field(r, "next")
	err := s.SignIn.SendSignInCode(r.Context(), signin.SendCodeRequest{
		Session: sess, Member: m, Channel: gatehouse.Channel(field(r, "channel")), Client: s.client(r),
	})
	if err != nil {
		st, msg, retry := s.errorInfo(r, err)
		if retry > 0 {
			setRetryAfter(w, retry)
		}
		v := &view{Title: "Confirm it is you", CSRF: s.csrfToken(w, r)}
		v.fieldErrors(err, msg)
		if v.Fields["channel"] != "" {
			v.Error = v.Fields["channel"]
		}
		s.renderVerify(w, r, st, v, sess, m, twofactor.MethodCode, next)
		return
	}
	q := url.Values{"done": {"sent"}, "method": {twofactor.MethodCode}}
	if next != "" {
		q.Set("next", forwardPages(s).nextParam(next))
	}
	s.redirect(w, r, "/login/verify", q)
}
