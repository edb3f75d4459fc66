package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The recovery scenarios' workers: forgotten-password requests and the
// resets that follow the emailed links.

// mailWait is how long a reset waits for its email. The queue is drained by
// one sender per server, one message after another: behind a backlog (the
// forgot scenario queues hundreds at once) a message may wait many seconds,
// which is within the product's promise of five minutes.
const mailWait = 60 * time.Second

// errNeedsRecovery says that the server has no recovery flow (issue 3).
var errNeedsRecovery = errors.New("scenario needs /forgot-password: the server answered 404, so this build has no recovery flow yet")

// forgotForm loads the forgot-password page and returns its form.
func (e *env) forgotForm(b *browser) (pageForm, error) {
	a, err := b.get("/forgot-password")
	if err != nil {
		return pageForm{}, err
	}
	if a.status == http.StatusNotFound {
		return pageForm{}, errNeedsRecovery
	}
	if a.status != http.StatusOK {
		return pageForm{}, fmt.Errorf("GET /forgot-password: %d", a.status)
	}
	f, ok := findForm(a.body, "text")
	if !ok {
		if f, ok = findForm(a.body, "email"); !ok {
			return pageForm{}, errors.New("GET /forgot-password: no form with an identifier field")
		}
	}
	return f, nil
}

// forgotWorker submits the forgot-password form for members and, every other
// time, for addresses nobody has: each request from another client address, as
// many people each asking once. In the soak only one request in 16 names a
// member: the others' emails would queue ahead of the reset scenario's (the
// server caps each account at 20 an hour, so the first seconds would queue
// over a thousand).
func (e *env) forgotWorker(ctx context.Context, id int, r *recs) {
	every := 2
	if e.o.scenario == "soak" {
		every = 16
	}
	b := e.newBrowser()
	b.rotateIP = true
	f, err := e.forgotForm(b)
	if err != nil {
		r.get("POST /forgot-password").record(0, 0, err, false)
		return
	}
	action := formAction(f.action, "/forgot-password")
	for i := id; !done(ctx); i++ {
		ident := fmt.Sprintf("nobody%d-%d@load.example.com", id, i)
		if i%every == 0 {
			ident = e.members[(i/every)%len(e.members)].email
		}
		form := f.values(func(fd formField) (string, bool) {
			if fd.name == "identifier" || fd.typ == "email" || (fd.typ == "text" && fd.value == "") {
				return ident, true
			}
			return "", false
		})
		a, err := b.post(action, form)
		if done(ctx) {
			return
		}
		r.get("POST /forgot-password").record(a.took, a.status, err, a.status == http.StatusOK || a.status == http.StatusSeeOther)
	}
}

// resetWorker completes password resets for its own members: asks for the link,
// reads it from the mail file, opens it and sets a new password. The whole
// round is one "reset"; its requests are also counted on their own.
func (e *env) resetWorker(ctx context.Context, id int, r *recs) {
	own := e.resetters[id%len(e.resetters)]
	b := e.newBrowser()
	// Every reset is another person's: the server limits reset requests per
	// client address, and one address would reach that limit in seconds.
	b.rotateIP = true
	f, err := e.forgotForm(b)
	if err != nil {
		r.get("reset").record(0, 0, err, false)
		return
	}
	action := formAction(f.action, "/forgot-password")
	for i := 0; !done(ctx); i++ {
		m := own[i%len(own)]
		start := time.Now()
		ok, err := e.resetOnce(ctx, b, f, action, m, i, r)
		if done(ctx) {
			return
		}
		st := 0
		if ok {
			st = http.StatusSeeOther
		}
		r.get("reset").record(time.Since(start), st, err, ok)
	}
}

func (e *env) resetOnce(ctx context.Context, b *browser, f pageForm, action string, m *member, round int, r *recs) (bool, error) {
	ch := e.mailbox.expect(m.email)
	form := f.values(func(fd formField) (string, bool) {
		if fd.name == "identifier" || fd.typ == "email" || (fd.typ == "text" && fd.value == "") {
			return m.email, true
		}
		return "", false
	})
	a, err := b.post(action, form)
	r.get("POST /forgot-password").record(a.took, a.status, err, a.status == http.StatusOK || a.status == http.StatusSeeOther)
	if err != nil || (a.status != http.StatusOK && a.status != http.StatusSeeOther) {
		e.mailbox.forget(m.email)
		return false, err
	}
	mailStart := time.Now()
	link, err := e.mailbox.wait(ctx, m.email, ch, mailWait)
	r.get("mail delivered").record(time.Since(mailStart), 200, err, err == nil)
	if err != nil {
		return false, err
	}
	page, err := b.get(link)
	r.get("GET /reset-password").record(page.took, page.status, err, page.status == http.StatusOK)
	if err != nil || page.status != http.StatusOK {
		return false, err
	}
	rf, ok := findForm(page.body, "password")
	if !ok {
		return false, errors.New("the reset page has no password form")
	}
	newPassword := fmt.Sprintf("%s %c%c%c round %d", loadPassword, 'a'+round%26, 'a'+(round/26)%26, 'a'+(round/676)%26, round)
	values := rf.values(func(fd formField) (string, bool) {
		switch fd.typ {
		case "password":
			return newPassword, true
		case "email":
			return m.email, true
		}
		return "", false
	})
	if values.Get("token") == "" {
		if u, err := url.Parse(link); err == nil && u.Query().Get("token") != "" && !strings.Contains(rf.action, "token=") {
			values.Set("token", u.Query().Get("token"))
		}
	}
	target := formAction(rf.action, "/reset-password")
	a, err = b.post(target, values)
	good := a.status == http.StatusSeeOther && !strings.Contains(a.location, "reset-password")
	r.get("POST /reset-password").record(a.took, a.status, err, good)
	if !good {
		return false, err
	}
	m.password = newPassword
	return true, nil
}

// formAction returns where a form posts: its action, or the page it is on.
func formAction(action, page string) string {
	if action == "" {
		return page
	}
	if u, err := url.Parse(action); err == nil && u.Host != "" {
		return u.RequestURI()
	}
	return action
}
