package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse/oidc"
)

// authorize receives an application's authorization request. Errors about
// the client or its redirect URI are shown here (never redirected to an
// unverified address); the others go back to the application.
func (o oidcPages) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			o.renderError(w, r, http.StatusBadRequest, "The request could not be read.")
			return
		}
		q = r.PostForm
	}
	req, err := o.OIDC.Authorize(r.Context(), o.orgID(r), q)
	if err != nil {
		o.authorizeFailed(w, r, err)
		return
	}
	o.proceed(w, r, req.ID, false)
}

func (o oidcPages) authorizeFailed(w http.ResponseWriter, r *http.Request, err error) {
	var e *oidc.Error
	if errors.As(err, &e) {
		if e.RedirectURI != "" {
			to, err := o.OIDC.ErrorRedirect(r.Context(), o.orgID(r), e)
			if err != nil {
				o.fail(w, r, err)
				return
			}
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		o.renderError(w, r, http.StatusBadRequest, "The application's sign-in request is not valid: "+e.Description)
		return
	}
	o.fail(w, r, err)
}

// resume continues a request after sign-in or consent: GET /oidc/continue/{id}.
func (o oidcPages) resume(w http.ResponseWriter, r *http.Request) {
	o.proceed(w, r, r.PathValue("id"), true)
}

// proceed takes request id one step further. interstitial says that the
// browser may have come here through a form (sign-in, consent): a redirect
// to another site at the end of a form's redirects is refused by the pages'
// form-action policy, so the way back to the application is then a page
// that navigates there by itself.
func (o oidcPages) proceed(w http.ResponseWriter, r *http.Request, id string, interstitial bool) {
	req, cl, err := o.OIDC.Request(r.Context(), o.orgID(r), id)
	if err != nil {
		o.fail(w, r, err)
		return
	}
	sess, m, err := o.current(r)
	if err != nil {
		o.fail(w, r, err)
		return
	}
	next, err := o.OIDC.Continue(r.Context(), req, cl, sess, m, o.client(r))
	if err != nil {
		o.fail(w, r, err)
		return
	}
	o.follow(w, r, req, cl, next, interstitial)
}

func (o oidcPages) follow(w http.ResponseWriter, r *http.Request, req *oidc.AuthRequest, cl *oidc.Client, next *oidc.Next, interstitial bool) {
	back := "/oidc/continue/" + req.ID
	switch next.Step {
	case oidc.StepLogin:
		if next.Reauth {
			// prompt=login or max_age: the member proves it is them again,
			// in a new session.
			if sess, m, err := o.current(r); err == nil && sess != nil {
				_ = o.SignIn.SignOut(r.Context(), sess, m, o.client(r))
			}
			o.clearSession(w)
		}
		q := url.Values{"next": {back}}
		if req.LoginHint != "" {
			q.Set("login_hint", req.LoginHint)
		}
		o.redirect(w, r, "/login", q)
	case oidc.StepConsent:
		o.redirect(w, r, "/oidc/consent/"+req.ID, nil)
	default:
		if !interstitial {
			http.Redirect(w, r, next.Redirect, http.StatusFound)
			return
		}
		o.render(w, r, http.StatusOK, "oidc_continue", &view{Title: "Signing you in", Data: oidcContinue{Client: cl.Name, URL: next.Redirect}})
	}
}

type oidcContinue struct {
	Client string
	URL    string
}

type oidcConsent struct {
	ID     string
	Client string
	Scopes []string
}

// scopeText says what each scope lets the application see.
var scopeText = map[string]string{
	"openid":         "Know who you are (your account's identifier)",
	"profile":        "Your name, username and role",
	"email":          "Your email address",
	"groups":         "Your role in the organization",
	"offline_access": "Stay signed in while you are away (a refresh token)",
}

func (o oidcPages) consentPage(w http.ResponseWriter, r *http.Request) {
	req, cl, err := o.OIDC.Request(r.Context(), o.orgID(r), r.PathValue("id"))
	if err != nil {
		o.fail(w, r, err)
		return
	}
	_, m, ok := o.signedIn(w, r)
	if !ok {
		return
	}
	var scopes []string
	for _, s := range strings.Fields(req.Scope) {
		scopes = append(scopes, scopeText[s])
	}
	o.render(w, r, http.StatusOK, "oidc_consent", &view{Title: "Allow " + cl.Name, Member: m, CSRF: o.csrfToken(w, r),
		Data: oidcConsent{ID: req.ID, Client: cl.Name, Scopes: scopes}})
}

func (o oidcPages) consentSubmit(w http.ResponseWriter, r *http.Request) {
	if !o.parseForm(w, r) {
		return
	}
	req, cl, err := o.OIDC.Request(r.Context(), o.orgID(r), r.PathValue("id"))
	if err != nil {
		o.fail(w, r, err)
		return
	}
	sess, m, ok := o.signedIn(w, r)
	if !ok {
		return
	}
	next, err := o.OIDC.Consent(r.Context(), req, cl, sess, m, field(r, "decision") == "allow", o.client(r))
	if err != nil {
		o.fail(w, r, err)
		return
	}
	if next == nil {
		o.redirect(w, r, "/oidc/continue/"+req.ID, nil)
		return
	}
	o.follow(w, r, req, cl, next, true)
}
