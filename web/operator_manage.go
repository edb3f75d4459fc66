package web

import (
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/operator"
)

// Disabling, enabling and removing an operator from the console: a link on
// the operators page leads to a confirmation page, whose form (with a reason)
// does it. The rules (not oneself, never the last active operator) are in
// package operator.

// operatorChanges are the changes the console offers, by the path's verb.
var operatorChanges = map[string]struct {
	Title, Warning, Button, Done string
}{
	"disable": {"Disable operator", "Their sessions end at once and the API keys they created stop working, on every replica. They can be enabled again.", "Disable", "disabled"},
	"enable":  {"Enable operator", "They can sign in again and the API keys they created work again.", "Enable", "enabled"},
	"remove":  {"Remove operator", "Their account, sessions and activation link are deleted; the API keys they created stop working. The operator log keeps their entries. This cannot be undone.", "Remove", "removed"},
}

type operatorConfirmData struct {
	Operator *operator.Operator
	Target   *operator.Profile
	Do       string
	Title    string
	Warning  string
	Button   string
}

// confirmOperator is the confirmation page: GET /operator/operators/{id}/{do}.
func (s operatorPages) confirmOperator(w http.ResponseWriter, r *http.Request) {
	o, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	ch, known := operatorChanges[r.PathValue("do")]
	if !known {
		http.NotFound(w, r)
		return
	}
	target, err := s.Desk.Operator(r.Context(), o.Actor(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.view(w, r, ch.Title)
	v.Data = operatorConfirmData{Operator: o, Target: target, Do: r.PathValue("do"), Title: ch.Title, Warning: ch.Warning, Button: ch.Button}
	s.render(w, r, http.StatusOK, "operator_confirm", v)
}

// changeOperator does what the confirmation page asked: POST
// /operator/operators/{id}/{do} with confirm=yes and a reason.
func (s operatorPages) changeOperator(w http.ResponseWriter, r *http.Request) {
	o, ok := s.signedIn(w, r)
	if !ok || !s.parseForm(w, r) {
		return
	}
	do := r.PathValue("do")
	ch, known := operatorChanges[do]
	if !known {
		http.NotFound(w, r)
		return
	}
	if field(r, "confirm") != "yes" {
		s.renderError(w, r, http.StatusUnprocessableEntity, "Confirm on the confirmation page first.")
		return
	}
	change := s.Desk.Disable
	switch do {
	case "enable":
		change = s.Desk.Enable
	case "remove":
		change = s.Desk.Remove
	}
	if _, err := change(r.Context(), o.Actor(), s.client(r), r.PathValue("id"), field(r, "reason")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/operator/operators", url.Values{"done": {ch.Done}})
}
