package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/recovery"
)

// The pages behind one-time links: /reset-password (from the forgotten-password
// email) and /activate (from the activation email). The secret travels in the
// link's query on GET and in a hidden field on POST; it is never logged (the
// request log has the path only) and the pages send Referrer-Policy: no-referrer.

// linkFlow says what differs between the reset and the activation page.
type linkFlow struct {
	path, purpose, title, lead, button string
}

var (
	resetFlow = linkFlow{path: "/reset-password", purpose: "reset", title: "Choose a new password",
		lead: "Your current password keeps working until you save a new one.", button: "Save new password"}
	activateFlow = linkFlow{path: "/activate", purpose: "activation", title: "Choose your password",
		lead: "Choose the password you will sign in with. Your account is ready as soon as you save it.", button: "Save password and activate"}
)

// linkPageData feeds reset.html.
type linkPageData struct {
	Token        string
	Action       string
	Lead         string
	Button       string
	Username     string // for password managers, when the page may show it
	ConfirmEmail bool
	Rules        []string
	MinLength    int
	MaxLength    int
}

func (s recoveryPages) resetPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	l, err := s.Recovery.ResetLink(r.Context(), s.orgID(r), token, s.client(r))
	if err != nil {
		s.linkInvalid(w, r, err, resetFlow.purpose)
		return
	}
	s.renderLinkPage(w, r, http.StatusOK, resetFlow, token, l.Member, &l.Settings, &view{})
}

func (s recoveryPages) activatePage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	l, err := s.Recovery.ActivationLink(r.Context(), s.orgID(r), token, s.client(r))
	if err != nil {
		s.linkInvalid(w, r, err, activateFlow.purpose)
		return
	}
	s.renderLinkPage(w, r, http.StatusOK, activateFlow, token, l.Member, &l.Settings, &view{})
}

// renderLinkPage shows the new-password form of a link, with the rules stated
// before the member types (S32).
func (s recoveryPages) renderLinkPage(w http.ResponseWriter, r *http.Request, st int, f linkFlow, token string, m *gatehouse.Member, set *gatehouse.Settings, v *view) {
	p := set.Policy()
	d := linkPageData{Token: token, Action: f.path, Lead: f.lead, Button: f.button, Rules: p.Rules(),
		MinLength: p.MinLength, MaxLength: p.MaxLength}
	if f.purpose == resetFlow.purpose {
		d.ConfirmEmail = set.ResetConfirmEmail
	}
	if m != nil && !d.ConfirmEmail {
		// Only when the page does not test that the visitor knows the account.
		d.Username = m.Username
	}
	v.Title, v.Org, v.CSRF, v.Data = f.title, set.BrandName(), s.csrfToken(w, r), d
	s.render(w, r, st, "reset", v)
}

func (s recoveryPages) resetSubmit(w http.ResponseWriter, r *http.Request) {
	s.linkSubmit(w, r, resetFlow, s.Recovery.CompleteReset)
}

func (s recoveryPages) activateSubmit(w http.ResponseWriter, r *http.Request) {
	s.linkSubmit(w, r, activateFlow, s.Recovery.CompleteActivation)
}

// linkSubmit completes a reset or an activation. After a reset the member signs
// in on the sign-in page, or is signed in straight away when reset_signs_in is
// on (S7); after an activation they sign in.
func (s recoveryPages) linkSubmit(w http.ResponseWriter, r *http.Request, f linkFlow,
	complete func(ctx context.Context, req recovery.CompleteLinkRequest) (*recovery.CompleteResult, error)) {
	if !s.parseForm(w, r) {
		return
	}
	req := recovery.CompleteLinkRequest{
		OrgID: s.orgID(r), Token: field(r, "token"), Email: field(r, "email"),
		New: field(r, account.FieldNewPassword), Confirm: field(r, account.FieldConfirmPassword), Client: s.client(r),
	}
	res, err := complete(r.Context(), req)
	if err != nil {
		s.linkFailed(w, r, f, req, err)
		return
	}
	if res.SessionToken != "" {
		if old, m, err := s.current(r); err == nil && old != nil && m.ID != res.Member.ID {
			_ = s.SignIn.SignOut(r.Context(), old, m, s.client(r))
		}
		s.setSession(w, res.SessionToken)
		s.redirect(w, r, stagePath(res.Session.Stage), url.Values{"done": {"password_changed"}})
		return
	}
	done := "password_reset"
	if f.purpose == activateFlow.purpose {
		done = "activated"
	}
	s.redirect(w, r, "/login", url.Values{"done": {done}})
}

// linkFailed shows the form again with the reasons next to the fields, or the
// page for a link that no longer works.
func (s recoveryPages) linkFailed(w http.ResponseWriter, r *http.Request, f linkFlow, req recovery.CompleteLinkRequest, err error) {
	if !gatehouse.IsCode(err, gatehouse.Invalid) {
		s.linkInvalid(w, r, err, f.purpose)
		return
	}
	set, serr := s.Account.Settings(r.Context(), req.OrgID)
	if serr != nil {
		s.fail(w, r, serr)
		return
	}
	st, msg, _ := s.errorInfo(r, err)
	v := &view{Form: map[string]string{"email": req.Email}}
	v.fieldErrors(err, msg)
	// One message naming every unmet rule, next to the new-password field (S10).
	var rules []gatehouse.FieldError
	for _, fe := range gatehouse.ErrorFields(err) {
		if fe.Field == account.FieldNewPassword {
			rules = append(rules, fe)
		}
	}
	if len(rules) > 0 {
		v.Fields[account.FieldNewPassword] = gatehouse.PasswordMessage(rules)
	}
	s.renderLinkPage(w, r, st, f, req.Token, nil, &set, v)
}
