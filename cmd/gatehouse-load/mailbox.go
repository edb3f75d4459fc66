package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// mailbox reads the server's file mail transport (one .eml file per message)
// and hands each reset link to the scenario worker waiting for its recipient.
// It looks at the directory only while someone waits.
type mailbox struct {
	dir string

	mu      sync.Mutex
	seen    map[string]bool
	waiters map[string]chan string // recipient -> the next reset link
	wake    chan struct{}
}

func newMailbox(dir string) *mailbox {
	return &mailbox{dir: dir, seen: map[string]bool{}, waiters: map[string]chan string{}, wake: make(chan struct{}, 1)}
}

// resetLinkRe finds a reset link in a message body.
var resetLinkRe = regexp.MustCompile(`https?://[^\s"<>]+/reset-password\?token=[A-Za-z0-9_-]+`)

// expect registers interest in the next reset link sent to addr; call it before
// the request that causes the email, then wait.
func (mb *mailbox) expect(addr string) chan string {
	ch := make(chan string, 1)
	mb.mu.Lock()
	mb.waiters[strings.ToLower(addr)] = ch
	mb.mu.Unlock()
	select {
	case mb.wake <- struct{}{}:
	default:
	}
	return ch
}

func (mb *mailbox) forget(addr string) {
	mb.mu.Lock()
	delete(mb.waiters, strings.ToLower(addr))
	mb.mu.Unlock()
}

// wait returns the link sent to addr, or an error after timeout.
func (mb *mailbox) wait(ctx context.Context, addr string, ch chan string, timeout time.Duration) (string, error) {
	defer mb.forget(addr)
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case link := <-ch:
		return link, nil
	case <-t.C:
		return "", errNoMail
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

var errNoMail = errors.New("no reset email arrived")

// run polls the directory every 20 ms while someone waits.
func (mb *mailbox) run(ctx context.Context) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		mb.mu.Lock()
		waiting := len(mb.waiters) > 0
		mb.mu.Unlock()
		if !waiting {
			select {
			case <-ctx.Done():
				return
			case <-mb.wake:
			}
		}
		mb.scan()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// scan reads the messages not seen yet.
func (mb *mailbox) scan() {
	entries, err := os.ReadDir(mb.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".eml") || mb.seen[name] {
			continue
		}
		mb.seen[name] = true
		to, link := readResetLink(filepath.Join(mb.dir, name))
		if link == "" {
			continue
		}
		mb.mu.Lock()
		ch := mb.waiters[to]
		delete(mb.waiters, to)
		mb.mu.Unlock()
		if ch != nil {
			ch <- link
		}
	}
}

// readResetLink returns the recipient of a message file and the reset link in
// it, if any, decoding the MIME parts as a mail client would.
func readResetLink(path string) (to, link string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", ""
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "", ""
	}
	if addr, err := mail.ParseAddress(msg.Header.Get("To")); err == nil {
		to = strings.ToLower(addr.Address)
	}
	text := decodeBody(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	return to, resetLinkRe.FindString(text)
}

func decodeBody(ctype, enc string, body io.Reader) string {
	mt, params, err := mime.ParseMediaType(ctype)
	if err == nil && strings.HasPrefix(mt, "multipart/") {
		var out strings.Builder
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				break
			}
			out.WriteString(decodeBody(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p))
			out.WriteString("\n")
		}
		return out.String()
	}
	if strings.EqualFold(strings.TrimSpace(enc), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, _ := io.ReadAll(body)
	return string(b)
}

// countMail returns the number of message files in dir.
func countMail(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".eml") {
			n++
		}
	}
	return n, nil
}
