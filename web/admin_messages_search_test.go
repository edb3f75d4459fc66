package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestMessagesSearchAndResend: the mail page finds a member's messages by a
// part of their name or address, names the kind in words ("Activation link by
// email", not "activation (email)"), links to the member, and offers a new
// link in place of a failed one.
func TestMessagesSearchAndResend(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	o := newAdminOrg(t, s)
	admin := signedInAs(t, s, "adam")
	s.SMTP.RejectAddress("mia@example.com", 550, "5.1.1 no such mailbox here")
	page := "/admin/members/" + o.Member.ID
	admin.Get(page)
	admin.Submit(page, page+"/activation", nil)
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs, _, _ := s.Store.Messages(context.Background(), gatehouse.DefaultOrgID, gatehouse.MessageFilter{MemberID: o.Member.ID, Status: gatehouse.MessageFailed})
		if len(msgs) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the refused email never failed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	r := admin.Get("/admin/messages?recipient=Test+mi")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, ">Activation link by email</span>") || strings.Contains(r.Body, "activation <span") {
		t.Errorf("the kind in words: %d", r.Status)
	}
	if !strings.Contains(r.Body, `<a href="/admin/members/`+o.Member.ID+`">Test mia</a>`) {
		t.Error("no link to the member")
	}
	if !strings.Contains(r.Body, `action="/admin/members/`+o.Member.ID+`/activation"`) {
		t.Error("no way to send a new link in place of the failed one")
	}
	if r := admin.Get("/admin/messages?recipient=adam"); strings.Contains(r.Body, "Test mia") {
		t.Error("the recipient search does not filter")
	}
	if r := admin.Get("/admin/messages?recipient=example.com"); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("an ambiguous recipient: %d", r.Status)
	}
}
