package web_test

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// bulkCast is a set of members for bulk sends: two who can get an activation
// code and four who cannot, each for another reason.
type bulkCast struct {
	Active, Pending                   *gatehouse.Member // eligible
	Disabled, Expired, Owner, NoEmail *gatehouse.Member // not
}

func newBulkCast(t *testing.T, s *webtest.Server) bulkCast {
	t.Helper()
	c := bulkCast{
		Active:   s.AddMember(t, "alice", "alice@example.com", goodPassword, gatehouse.RoleMember),
		Pending:  s.AddMember(t, "bruno", "bruno@example.com", "", gatehouse.RoleMember),
		Disabled: s.AddMember(t, "carla", "carla@example.com", goodPassword, gatehouse.RoleMember),
		Expired:  s.AddMember(t, "dmitri", "dmitri@example.com", goodPassword, gatehouse.RoleMember),
		Owner:    s.AddMember(t, "olga", "olga@example.com", goodPassword, gatehouse.RoleOwner),
		NoEmail:  s.AddMember(t, "emil", "emil@example.com", goodPassword, gatehouse.RoleMember),
	}
	c.Disabled.State = gatehouse.StateDisabled
	c.Expired.ExpiresAt = s.Clock.Now().Add(-time.Hour)
	c.NoEmail.Email = ""
	for _, m := range []*gatehouse.Member{c.Disabled, c.Expired, c.NoEmail} {
		s.Overwrite(t, m)
	}
	// bruno's creation queued his first activation email; wait for it so that
	// only the bulk send's mail is counted afterwards.
	s.SMTP.WaitFor(t, 1, 10*time.Second)
	return c
}

func (c bulkCast) all() []*gatehouse.Member {
	return []*gatehouse.Member{c.Active, c.Pending, c.Disabled, c.Expired, c.Owner, c.NoEmail}
}

// checkBulkMail checks that the activation emails went to the eligible members
// only: delivered over SMTP with an activation link, and nothing queued for the
// others.
func checkBulkMail(t *testing.T, s *webtest.Server, c bulkCast) {
	t.Helper()
	got := s.SMTP.WaitFor(t, 3, 10*time.Second)[1:]
	var to []string
	for _, r := range got {
		to = append(to, r.To...)
		if link := gatehousetest.LinkIn(r); !strings.HasPrefix(link, s.URL+"/activate?token=") {
			t.Errorf("the email to %v has no activation link: %q", r.To, link)
		}
	}
	sort.Strings(to)
	if strings.Join(to, ",") != "alice@example.com,bruno@example.com" {
		t.Errorf("activation emails went to %v, want alice and bruno", to)
	}
	for _, m := range []*gatehouse.Member{c.Disabled, c.Expired, c.Owner, c.NoEmail} {
		msgs, _, err := s.Store.Messages(context.Background(), gatehouse.DefaultOrgID, gatehouse.MessageFilter{MemberID: m.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 0 {
			t.Errorf("%s is not eligible but has %d messages", m.Username, len(msgs))
		}
	}
	if n := len(s.Audit(t, gatehouse.EventActivationSent)); n != 3 { // bruno's creation and the two sends
		t.Errorf("%d activation.sent events, want 3", n)
	}
}

// TestBulkActivationPages is S23 in the admin area: tick members in the search
// results, confirm (the page says how many will get an email), and see who
// got one and who was skipped, and why.
func TestBulkActivationPages(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		admin := s.AddMember(t, "adam", "adam@example.com", goodPassword, gatehouse.RoleAdministrator)
		c := newBulkCast(t, s)
		b := signedInAs(t, s, "adam")

		list := b.Get("/admin/members?query=a")
		for _, m := range c.all() {
			if !strings.Contains(list.Body, `value="`+m.ID+`"`) && strings.Contains(m.Username, "a") {
				t.Errorf("search for 'a' does not offer %s", m.Username)
			}
		}
		form := url.Values{}
		for _, m := range c.all() {
			form.Add("member_id", m.ID)
		}
		form.Add("member_id", c.Active.ID) // ticked twice: counted once
		form.Add("member_id", "nosuchmember")
		prepared := b.Post("/admin/members/activation", form)
		if prepared.Status != http.StatusSeeOther || !strings.HasPrefix(prepared.Location, "/admin/activation/") {
			t.Fatalf("the selection: %d %s\n%s", prepared.Status, prepared.Location, prepared.Body)
		}
		confirm := b.Follow(prepared)
		if confirm.Status != http.StatusOK || !strings.Contains(confirm.Body, "2 members will receive an email") {
			t.Fatalf("confirmation: %d\n%s", confirm.Status, confirm.Body)
		}
		for _, want := range []string{"The account is disabled", "The account has expired", "Only an owner may reset an owner", "has no email address", "There is no such member"} {
			if !strings.Contains(confirm.Body, want) {
				t.Errorf("the confirmation does not say %q", want)
			}
		}
		if msgs, _, _ := s.Store.Messages(context.Background(), gatehouse.DefaultOrgID, gatehouse.MessageFilter{}); len(msgs) != 1 {
			t.Errorf("the confirmation step queued mail: %d messages", len(msgs))
		}
		sentTo := b.Post("/admin/members/activation/send", formOf(t, confirm.Body, "/admin/members/activation/send"))
		if sentTo.Status != http.StatusSeeOther || sentTo.Location != prepared.Location {
			t.Fatalf("send: %d %s, want 303 to %s", sentTo.Status, sentTo.Location, prepared.Location)
		}
		res := b.Follow(sentTo)
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "2 emails are on their way") {
			t.Fatalf("result: %d\n%s", res.Status, res.Body)
		}
		sent := htmlBetween(res.Body, `id="sent"`, "</ul>")
		skipped := htmlBetween(res.Body, `id="skipped"`, "</ul>")
		for _, m := range []*gatehouse.Member{c.Active, c.Pending} {
			if !strings.Contains(sent, m.Username) {
				t.Errorf("the result does not list %s as sent", m.Username)
			}
		}
		for _, m := range []*gatehouse.Member{c.Disabled, c.Expired, c.Owner, c.NoEmail} {
			if !strings.Contains(skipped, m.Username) || strings.Contains(sent, m.Username) {
				t.Errorf("the result does not list %s as skipped", m.Username)
			}
		}
		checkBulkMail(t, s, c)
		if n := countActor(s.Audit(t, gatehouse.EventActivationSent), gatehouse.ActorMember, admin.Username); n != 2 {
			t.Errorf("%d activation.sent events by the administrator, want 2", n)
		}
		if r := b.Post("/admin/members/activation", url.Values{}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Select at least one member") {
			t.Errorf("nothing selected: %d", r.Status)
		}
	})
}

// TestBulkActivationAPI is the same through POST /api/v1/activation-emails,
// which answers per member.
func TestBulkActivationAPI(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		c := newBulkCast(t, s)
		key := newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
		ids := []string{}
		for _, m := range c.all() {
			ids = append(ids, `"`+m.ID+`"`)
		}
		r := apiRequest(t, s, key, "POST", "/activation-emails", `{"member_ids": [`+strings.Join(ids, ",")+`, "nosuchmember"]}`)
		if r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		var out struct {
			Sent, Skipped int
			Results       []struct {
				MemberID string `json:"member_id"`
				Status   string `json:"status"`
				Reason   string `json:"reason"`
			}
		}
		decodeJSONBody(t, r, &out)
		if out.Sent != 2 || out.Skipped != 5 || len(out.Results) != 7 {
			t.Errorf("sent %d, skipped %d, %d results", out.Sent, out.Skipped, len(out.Results))
		}
		want := map[string]string{c.Active.ID: "sent", c.Pending.ID: "sent", c.Disabled.ID: "disabled", c.Expired.ID: "expired",
			c.Owner.ID: "forbidden", c.NoEmail.ID: "no_email", "nosuchmember": "not_found"}
		for _, x := range out.Results {
			got := x.Status
			if got == "skipped" {
				got = x.Reason
			}
			if got != want[x.MemberID] {
				t.Errorf("member %s: %s, want %s", x.MemberID, got, want[x.MemberID])
			}
		}
		checkBulkMail(t, s, c)
		if n := countActor(s.Audit(t, gatehouse.EventActivationSent), gatehouse.ActorAPIKey, "crm"); n != 2 {
			t.Errorf("%d activation.sent events by the key crm, want 2", n)
		}
		// One member at a time: 202 when sent, a problem when not.
		if r := apiRequest(t, s, key, "POST", "/members/"+c.Active.ID+"/activation-email", ""); r.Status != http.StatusAccepted || !strings.Contains(r.Body, `"status": "sent"`) {
			t.Errorf("single send: %d %s", r.Status, r.Body)
		}
		wantProblem(t, "single send to a disabled member", apiRequest(t, s, key, "POST", "/members/"+c.Disabled.ID+"/activation-email", "{}"), http.StatusConflict)
		wantProblem(t, "single send to an owner", apiRequest(t, s, key, "POST", "/members/"+c.Owner.ID+"/activation-email", ""), http.StatusForbidden)
		wantProblem(t, "single send to nobody", apiRequest(t, s, key, "POST", "/members/nope/activation-email", ""), http.StatusNotFound)
		wantProblem(t, "no ids", apiRequest(t, s, key, "POST", "/activation-emails", `{"member_ids": []}`), http.StatusUnprocessableEntity)
		many := make([]string, 501)
		for i := range many {
			many[i] = `"m` + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + `` + itoaT(i) + `"`
		}
		wantProblem(t, "501 ids", apiRequest(t, s, key, "POST", "/activation-emails", `{"member_ids": [`+strings.Join(many, ",")+`]}`), http.StatusUnprocessableEntity)
	})
}

// TestMemberActivationPage is S24: one member, from their page.
func TestMemberActivationPage(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	o := newAdminOrg(t, s)
	b := signedInAs(t, s, "adam")
	page := "/admin/members/" + o.Member.ID
	r := b.Submit(page, page+"/activation", nil)
	if r.Status != http.StatusSeeOther || r.Location != page+"?done=activation_sent" {
		t.Fatalf("%d %s\n%s", r.Status, r.Location, r.Body)
	}
	msg := s.SMTP.WaitFor(t, 1, 10*time.Second)[0]
	if msg.To[0] != "mia@example.com" || !strings.Contains(gatehousetest.LinkIn(msg), "/activate?token=") {
		t.Errorf("activation email: %v %q", msg.To, gatehousetest.LinkIn(msg))
	}
	if page := b.Follow(r); !strings.Contains(page.Body, "An activation email is on its way") || !strings.Contains(page.Body, "activation") {
		t.Errorf("the page does not confirm the send")
	}
	// The member's current password keeps working until the code is used (S21).
	signedInAs(t, s, "mia")
}

func htmlBetween(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}

// TestBulkActivationConfirmationWorksOnce posts one confirmation page several
// times at once, and once more afterwards (a double click, a retry, the back
// button): each member gets one activation email, not one per POST each
// killing the link of the one before, and every POST is shown the one result.
func TestBulkActivationConfirmationWorksOnce(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "adam", "adam@example.com", goodPassword, gatehouse.RoleAdministrator)
		alice := s.AddMember(t, "alice", "alice@example.com", goodPassword, gatehouse.RoleMember)
		bruno := s.AddMember(t, "bruno", "bruno@example.com", goodPassword, gatehouse.RoleMember)
		b := signedInAs(t, s, "adam")
		const rounds, posts = 4, 5
		for round := 1; round <= rounds; round++ {
			b.Get("/admin/members")
			page := b.Post("/admin/members/activation", url.Values{"member_id": {alice.ID, bruno.ID}})
			if page.Status == http.StatusSeeOther {
				page = b.Follow(page)
			}
			if page.Status != http.StatusOK || !strings.Contains(page.Body, "2 members will receive an email") {
				t.Fatalf("round %d: the confirmation: %d\n%s", round, page.Status, page.Body)
			}
			form := formOf(t, page.Body, "/admin/members/activation/send")
			answers := make([]*webtest.Response, posts+1)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range posts {
				wg.Go(func() {
					<-start
					r, err := http.NewRequest(http.MethodPost, s.URL+"/admin/members/activation/send", strings.NewReader(form.Encode()))
					if err != nil {
						t.Error(err)
						return
					}
					r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					resp, err := b.Client.Do(r)
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					loc, _ := url.Parse(resp.Header.Get("Location"))
					answers[i] = &webtest.Response{Status: resp.StatusCode, Location: loc.RequestURI()}
				})
			}
			close(start)
			wg.Wait()
			answers[posts] = b.Post("/admin/members/activation/send", form) // later: the back button
			for _, m := range []*gatehouse.Member{alice, bruno} {
				msgs, _, err := s.Store.Messages(t.Context(), gatehouse.DefaultOrgID, gatehouse.MessageFilter{MemberID: m.ID})
				if err != nil {
					t.Fatal(err)
				}
				if len(msgs) != round {
					t.Fatalf("round %d: %s has %d activation emails after %d POSTs of one confirmation, want %d", round, m.Username, len(msgs), posts+1, round)
				}
			}
			for i, a := range answers {
				if a == nil || a.Status != http.StatusSeeOther || a.Location != answers[0].Location || !strings.HasPrefix(a.Location, "/admin/activation/") {
					t.Fatalf("round %d: POST %d answered %+v, want 303 to the page of the send like the first", round, i, a)
				}
			}
			res := b.Get(answers[0].Location)
			if sent := htmlBetween(res.Body, `id="sent"`, "</ul>"); !strings.Contains(res.Body, "2 emails are on their way") ||
				!strings.Contains(sent, "alice") || !strings.Contains(sent, "bruno") {
				t.Fatalf("round %d: the result page: %d\n%s", round, res.Status, res.Body)
			}
		}
		if n := len(s.Audit(t, gatehouse.EventActivationSent)); n != 2*rounds {
			t.Errorf("%d activation.sent events, want %d", n, 2*rounds)
		}
		// Of alice's links, the newest works: no later POST killed it.
		working := 0
		for _, m := range s.SMTP.WaitFor(t, 2*rounds, 20*time.Second) {
			if m.To[0] == "alice@example.com" && s.Browser(t).Get(gatehousetest.LinkIn(m)).Status == http.StatusOK {
				working++
			}
		}
		if working != 1 {
			t.Errorf("%d of alice's activation links work, want 1", working)
		}
	})
}

// TestBulkActivationConfirmationBounds: a confirmation is its administrator's
// own, and works for an hour.
func TestBulkActivationConfirmationBounds(t *testing.T) {
	webtest.Each(t, webtest.Options{Settings: map[string]string{"session_idle_timeout": "3h"}}, func(t *testing.T, s *webtest.Server) {
		o := newAdminOrg(t, s)
		adam := signedInAs(t, s, "adam")
		olivia := signedInAs(t, s, "olivia")
		adam.Get("/admin/members")
		page := adam.Follow(adam.Post("/admin/members/activation", url.Values{"member_id": {o.Member.ID}}))
		form := formOf(t, page.Body, "/admin/members/activation/send")
		path := "/admin/activation/" + form.Get("confirmation")

		if r := olivia.Get(path); r.Status != http.StatusGone {
			t.Errorf("another administrator's view of the confirmation: %d, want 410", r.Status)
		}
		olivia.Get("/admin/members")
		f := url.Values{"confirmation": {form.Get("confirmation")}}
		if r := olivia.Post("/admin/members/activation/send", f); r.Status != http.StatusGone {
			t.Errorf("another administrator's confirming POST: %d, want 410", r.Status)
		}
		s.Clock.Advance(61 * time.Minute)
		if r := adam.Post("/admin/members/activation/send", form); r.Status != http.StatusGone || !strings.Contains(r.Body, "expired") {
			t.Errorf("an expired confirmation: %d, want 410", r.Status)
		}
		if r := adam.Get(path); r.Status != http.StatusGone {
			t.Errorf("the page of an expired confirmation: %d, want 410", r.Status)
		}
		if n := len(s.Audit(t, gatehouse.EventActivationSent)); n != 0 {
			t.Errorf("%d activation emails sent", n)
		}
	})
}
