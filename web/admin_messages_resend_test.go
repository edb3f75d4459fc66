package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// failedMessages waits until memberID has n failed messages and returns them.
func failedMessages(t *testing.T, s *webtest.Server, memberID string, n int) []*gatehouse.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs, _, err := s.Store.Messages(context.Background(), gatehouse.DefaultOrgID, gatehouse.MessageFilter{MemberID: memberID, Status: gatehouse.MessageFailed})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d failed messages, want %d", len(msgs), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestResendFailedNotice: a notice that failed (the mail server refused it)
// keeps its text and can be sent again through the API once the cause is
// fixed, to the same recipient, once only, even by two requests at once; the
// resend is audited. A failed link is never sent again as it was (409: a new
// link replaces it), and neither is an unknown message (404).
func TestResendFailedNotice(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		o := newAdminOrg(t, s)
		key := newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
		s.SMTP.RejectAddress("mia@example.com", 550, "5.1.1 no such mailbox here")
		if r := apiRequest(t, s, key, "PUT", "/members/"+o.Member.ID+"/password", `{"password":"amber lantern quiet river"}`); r.Status >= 300 {
			t.Fatalf("set password: %d %s", r.Status, r.Body)
		}
		if r := apiRequest(t, s, key, "POST", "/members/"+o.Member.ID+"/activation-email", ""); r.Status != http.StatusAccepted {
			t.Fatalf("activation: %d %s", r.Status, r.Body)
		}
		if r := apiRequest(t, s, key, "PUT", "/members/"+o.Member.ID+"/password", `{"password":"copper kettle winter harbour"}`); r.Status >= 300 {
			t.Fatalf("set password again: %d %s", r.Status, r.Body)
		}
		msgs := failedMessages(t, s, o.Member.ID, 3)
		var notice, other, link *gatehouse.Message
		for _, m := range msgs {
			switch {
			case m.Kind == gatehouse.KindPasswordChanged && notice == nil:
				notice = m
			case m.Kind == gatehouse.KindPasswordChanged:
				other = m
			case m.Kind == gatehouse.KindActivation:
				link = m
			}
		}
		if notice == nil || other == nil || link == nil {
			t.Fatalf("failed messages: %+v", msgs)
		}
		// The list says which can be sent again.
		r := apiRequest(t, s, key, "GET", "/mail-messages?status=failed", "")
		var list struct {
			Messages []struct {
				ID         string `json:"id"`
				Resendable bool   `json:"resendable"`
			} `json:"messages"`
		}
		if err := json.Unmarshal([]byte(r.Body), &list); err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{notice.ID: true, link.ID: false}
		for _, m := range list.Messages {
			if w, ok := want[m.ID]; ok && m.Resendable != w {
				t.Errorf("message %s resendable %v, want %v", m.ID, m.Resendable, w)
			}
		}
		if r := apiRequest(t, s, key, "POST", "/mail-messages/"+link.ID+"/resend", ""); r.Status != http.StatusConflict {
			t.Errorf("a failed link sent again: %d %s", r.Status, r.Body)
		}
		if r := apiRequest(t, s, key, "POST", "/mail-messages/"+gatehouse.NewID(nil)+"/resend", ""); r.Status != http.StatusNotFound {
			t.Errorf("an unknown message: %d %s", r.Status, r.Body)
		}

		s.SMTP.Accept()
		before := len(s.SMTP.Messages())
		codes := make([]int, 2)
		var wg sync.WaitGroup
		for i := range codes {
			wg.Go(func() {
				codes[i] = apiRequest(t, s, key, "POST", "/mail-messages/"+notice.ID+"/resend", "{}").Status
			})
		}
		wg.Wait()
		if !(codes[0] == http.StatusAccepted && codes[1] == http.StatusConflict || codes[1] == http.StatusAccepted && codes[0] == http.StatusConflict) {
			t.Fatalf("two resends at once: %v, want one 202 and one 409", codes)
		}
		got := s.SMTP.WaitFor(t, before+1, 10*time.Second)
		last := got[len(got)-1]
		if len(last.To) != 1 || last.To[0] != "mia@example.com" {
			t.Errorf("sent again to %v, want mia@example.com", last.To)
		}
		if r := apiRequest(t, s, key, "POST", "/mail-messages/"+notice.ID+"/resend", ""); r.Status != http.StatusConflict {
			t.Errorf("a notice sent again twice: %d", r.Status)
		}
		time.Sleep(200 * time.Millisecond)
		if n := len(s.SMTP.Messages()); n != before+1 {
			t.Errorf("%d messages sent, want 1", n-before)
		}
		evs := s.Audit(t, gatehouse.EventMessageResent)
		if len(evs) != 1 || evs[0].Details["message"] != notice.ID || evs[0].MemberID != o.Member.ID || evs[0].Details["kind"] != gatehouse.KindPasswordChanged {
			t.Errorf("audit: %+v", evs)
		}

		// The mail page offers the same for the other failed notice, and a
		// new link (not "Send again") for the failed link.
		admin := signedInAs(t, s, "adam")
		page := admin.Get("/admin/messages?status=failed")
		if !strings.Contains(page.Body, `action="/admin/messages/`+other.ID+`/resend"`) {
			t.Fatal("the mail page offers no Send again for a failed notice")
		}
		if strings.Contains(page.Body, `action="/admin/messages/`+link.ID+`/resend"`) {
			t.Error("the mail page offers to send a failed link again as it was")
		}
		r = admin.Submit("/admin/messages?status=failed", "/admin/messages/"+other.ID+"/resend", nil)
		if r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "done=resent") {
			t.Fatalf("Send again: %d %s", r.Status, r.Header.Get("Location"))
		}
		if r := admin.Follow(r); !strings.Contains(r.Body, "The notice is queued to be sent again.") {
			t.Error("no notice after Send again")
		}
		s.SMTP.WaitFor(t, before+2, 10*time.Second)
		if r := admin.Submit("/admin/messages?status=failed", "/admin/messages/"+other.ID+"/resend", nil); r.Status != http.StatusConflict {
			t.Errorf("Send again twice from the page: %d", r.Status)
		}
	})
}
