package web

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/passkey"
)

// The member's passkeys (/account/passkeys). Adding one takes two requests:
// the current password (and a name) begins the ceremony and answers with a
// page that carries its options; the browser makes the passkey
// (static/passkey.js) and posts the answer to /account/passkeys/finish.

type passkeyListData struct {
	Passkeys []*passkey.Passkey
	Max      int
}

type passkeyAddData struct {
	Name    string
	Options template.JS // the creation options, JSON from the server, in a <script type="application/json">
}

var passkeyNotices = map[string]string{
	"added":   "Your passkey has been added. You can use it the next time you sign in.",
	"renamed": "The passkey has been renamed.",
	"removed": "The passkey has been removed.",
}

// available answers 404 when the server runs without passkeys.
func (s passkeyPages) available(w http.ResponseWriter, r *http.Request) bool {
	if s.Passkeys == nil {
		s.renderError(w, r, http.StatusNotFound, "This page does not exist.")
		return false
	}
	return true
}

func (s passkeyPages) listView(r *http.Request, m *gatehouse.Member) (*view, error) {
	set, err := s.Account.Settings(r.Context(), m.OrgID)
	if err != nil {
		return nil, err
	}
	list, err := s.Passkeys.List(r.Context(), m)
	if err != nil {
		return nil, err
	}
	return &view{Title: "Passkeys", Org: set.BrandName(), Member: m, Data: passkeyListData{Passkeys: list, Max: passkey.MaxNameLength}}, nil
}

func (s passkeyPages) listPage(w http.ResponseWriter, r *http.Request) {
	if !s.available(w, r) {
		return
	}
	_, m, ok := twofactorPages(s).enrolling(w, r)
	if !ok {
		return
	}
	v, err := s.listView(r, m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.CSRF = s.csrfToken(w, r)
	v.Notice = passkeyNotices[r.URL.Query().Get("done")]
	s.render(w, r, http.StatusOK, "passkey_list", v)
}

// listFailed shows the list again with the reasons next to the fields of the
// form that failed (form names which: "add", or a passkey's id).
func (s passkeyPages) listFailed(w http.ResponseWriter, r *http.Request, m *gatehouse.Member, form string, err error) {
	st, msg, retry := s.errorInfo(r, err)
	if retry > 0 {
		setRetryAfter(w, retry)
	}
	v, verr := s.listView(r, m)
	if verr != nil {
		s.fail(w, r, verr)
		return
	}
	v.CSRF = s.csrfToken(w, r)
	v.fieldErrors(err, msg)
	v.Form = map[string]string{"form": form, passkey.FieldName: field(r, passkey.FieldName)}
	s.render(w, r, st, "passkey_list", v)
}

func (s passkeyPages) addStart(w http.ResponseWriter, r *http.Request) {
	if !s.available(w, r) || !s.parseForm(w, r) {
		return
	}
	sess, m, ok := twofactorPages(s).enrolling(w, r)
	if !ok {
		return
	}
	name := field(r, passkey.FieldName)
	opts, err := s.Passkeys.BeginRegistration(r.Context(), m, field(r, passkey.FieldCurrentPassword), passkey.SessionBinding(sess.ID), s.client(r))
	if err != nil {
		s.listFailed(w, r, m, "add", err)
		return
	}
	v, err := s.listView(r, m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Title = "Add a passkey"
	v.CSRF = s.csrfToken(w, r)
	// The options are JSON the server made (no text of the member's but their
	// names, which encoding/json escapes for HTML).
	v.Data = passkeyAddData{Name: name, Options: template.JS(opts)}
	s.render(w, r, http.StatusOK, "passkey_add", v)
}

func (s passkeyPages) addFinish(w http.ResponseWriter, r *http.Request) {
	if !s.available(w, r) || !s.parseForm(w, r) {
		return
	}
	sess, m, ok := twofactorPages(s).enrolling(w, r)
	if !ok {
		return
	}
	_, err := s.Passkeys.FinishRegistration(r.Context(), m, passkey.SessionBinding(sess.ID),
		[]byte(field(r, passkey.FieldResponse)), field(r, passkey.FieldName), s.client(r))
	if err != nil {
		s.listFailed(w, r, m, "add", err)
		return
	}
	s.clearDeviceCookie(w)
	if sess.Stage == gatehouse.StageSetupSecondFactor {
		s.redirect(w, r, "/login/setup", nil)
		return
	}
	s.redirect(w, r, "/account/passkeys", url.Values{"done": {"added"}})
}

func (s passkeyPages) rename(w http.ResponseWriter, r *http.Request) {
	if !s.available(w, r) || !s.parseForm(w, r) {
		return
	}
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if err := s.Passkeys.Rename(r.Context(), m, id, field(r, passkey.FieldName), field(r, passkey.FieldCurrentPassword), s.client(r)); err != nil {
		s.listFailed(w, r, m, id, err)
		return
	}
	s.redirect(w, r, "/account/passkeys", url.Values{"done": {"renamed"}})
}

func (s passkeyPages) remove(w http.ResponseWriter, r *http.Request) {
	if !s.available(w, r) || !s.parseForm(w, r) {
		return
	}
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if err := s.Passkeys.Remove(r.Context(), m, id, field(r, passkey.FieldCurrentPassword), s.client(r)); err != nil {
		s.listFailed(w, r, m, id, err)
		return
	}
	s.clearDeviceCookie(w)
	s.redirect(w, r, "/account/passkeys", url.Values{"done": {"removed"}})
}
