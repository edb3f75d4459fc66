package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/oidc"
)

// logoutParams are the parameters of RP-initiated logout, carried through
// the confirmation page.
var logoutParams = []string{"id_token_hint", "client_id", "post_logout_redirect_uri", "state"}

type oidcLogout struct {
	Params map[string]string
	Client string
}

// logout is the end_session_endpoint. With an id_token_hint naming the
// member signed in here, the member is signed out at once; without one (or
// for another member) they are asked first, so that no other site can sign
// a member out by a link alone.
func (o oidcPages) logout(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			o.renderError(w, r, http.StatusBadRequest, "The request could not be read.")
			return
		}
		q = r.PostForm
	}
	lr, ok := o.endSession(w, r, q)
	if !ok {
		return
	}
	sess, m, err := o.current(r)
	if err != nil {
		o.fail(w, r, err)
		return
	}
	switch {
	case sess == nil:
		// Signed out here already; what the hinted session gave still ends.
		if lr.MemberID != "" && lr.SessionID != "" {
			if err := o.OIDC.Logouts.SessionEnded(r.Context(), o.orgID(r), lr.MemberID, lr.SessionID, o.client(r)); err != nil {
				o.fail(w, r, err)
				return
			}
		}
	case lr.MemberID == m.ID:
		if !o.signOut(w, r) {
			return
		}
	default:
		params := map[string]string{}
		for _, k := range logoutParams {
			params[k] = q.Get(k)
		}
		o.render(w, r, http.StatusOK, "oidc_logout", &view{Title: "Sign out", Member: m, CSRF: o.csrfToken(w, r), Data: oidcLogout{Params: params}})
		return
	}
	o.afterLogout(w, r, lr, false)
}

func (o oidcPages) endSession(w http.ResponseWriter, r *http.Request, q url.Values) (*oidc.LogoutRequest, bool) {
	lr, err := o.OIDC.Logouts.EndSession(r.Context(), o.orgID(r), q)
	if err != nil {
		var e *oidc.Error
		if errors.As(err, &e) {
			o.renderError(w, r, http.StatusBadRequest, e.Description)
		} else {
			o.fail(w, r, err)
		}
		return nil, false
	}
	return lr, true
}

// logoutConfirm is the confirmation page's form.
func (o oidcPages) logoutConfirm(w http.ResponseWriter, r *http.Request) {
	if !o.parseForm(w, r) {
		return
	}
	lr, ok := o.endSession(w, r, r.PostForm)
	if !ok {
		return
	}
	if !o.signOut(w, r) {
		return
	}
	o.afterLogout(w, r, lr, true)
}

// signOut ends the browser's Gatehouse session and what the applications
// obtained through it.
func (o oidcPages) signOut(w http.ResponseWriter, r *http.Request) bool {
	sess, m, err := o.current(r)
	if err != nil {
		o.fail(w, r, err)
		return false
	}
	if sess != nil {
		if err := o.SignIn.SignOut(r.Context(), sess, m, o.client(r)); err != nil {
			o.fail(w, r, err)
			return false
		}
		if err := o.OIDC.Logouts.SessionEnded(r.Context(), o.orgID(r), m.ID, sess.ID, o.client(r)); err != nil {
			o.fail(w, r, err)
			return false
		}
	}
	o.clearSession(w)
	return true
}

func (o oidcPages) afterLogout(w http.ResponseWriter, r *http.Request, lr *oidc.LogoutRequest, fromForm bool) {
	switch {
	case lr.Redirect == "":
		o.redirect(w, r, "/login", url.Values{"done": {"signed_out"}})
	case fromForm:
		o.render(w, r, http.StatusOK, "oidc_continue", &view{Title: "Signed out", Data: oidcContinue{URL: lr.Redirect}})
	default:
		http.Redirect(w, r, lr.Redirect, http.StatusFound)
	}
}
