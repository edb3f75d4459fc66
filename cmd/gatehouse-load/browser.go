package main

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"
)

// browser is one virtual person: a client address of its own (sent as
// X-Forwarded-For), cookies, and the anti-forgery token of the last form seen.
// It uses net/http, shared by every browser through one keep-alive transport.
type browser struct {
	client  *http.Client
	base    string
	ip      string
	cookies map[string]string
	// keepSession: whether the session cookie is kept. The sign-in scenario
	// drops it, so that every sign-in starts a new session from nothing.
	keepSession bool
	csrf        string
	// rotateIP gives every request a new client address, for scenarios that
	// stand for many people each sending one request (forgot-password).
	rotateIP bool
}

// nextIP hands out client addresses from 10.0.0.0/8, one per virtual client.
var nextIP atomic.Uint32

func newIP() string {
	n := nextIP.Add(1)
	return fmt.Sprintf("10.%d.%d.%d", byte(n>>16), byte(n>>8), byte(n))
}

// newTransport is the keep-alive transport of every browser, with an idle
// connection kept for each client so that no request pays for a new one.
func newTransport(conns int) *http.Transport {
	return &http.Transport{
		MaxIdleConns:        conns + 16,
		MaxIdleConnsPerHost: conns + 16,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

func newHTTPClient(tr *http.Transport, timeout time.Duration) *http.Client {
	return &http.Client{
		Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (e *env) newBrowser() *browser {
	return &browser{client: e.http, base: e.t.base, ip: newIP(), cookies: map[string]string{}}
}

// answer is what a browser request got.
type answer struct {
	status   int
	header   http.Header
	body     string
	location string
	took     time.Duration
}

// do sends a request; form, when not nil, is posted url-encoded with the
// anti-forgery token added. The body is kept when keepBody is set.
func (b *browser) do(method, path string, form url.Values, keepBody bool) (answer, error) {
	var body io.Reader
	if form != nil {
		if b.csrf != "" && form.Get("csrf_token") == "" {
			form.Set("csrf_token", b.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	u := path
	if !strings.HasPrefix(u, "http://") {
		u = b.base + path
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return answer{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", "gatehouse-load")
	ip := b.ip
	if b.rotateIP {
		ip = newIP()
	}
	req.Header.Set("X-Forwarded-For", ip)
	if len(b.cookies) > 0 {
		var c strings.Builder
		for k, v := range b.cookies {
			if c.Len() > 0 {
				c.WriteString("; ")
			}
			c.WriteString(k + "=" + v)
		}
		req.Header.Set("Cookie", c.String())
	}
	start := time.Now()
	resp, err := b.client.Do(req)
	if err != nil {
		return answer{took: time.Since(start)}, err
	}
	var text string
	if keepBody {
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			resp.Body.Close()
			return answer{took: time.Since(start)}, err
		}
		text = string(raw)
	} else {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header, body: text, location: resp.Header.Get("Location"), took: time.Since(start)}
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Name, "session") && !b.keepSession {
			continue
		}
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	if m := csrfRe.FindStringSubmatch(text); m != nil {
		b.csrf = m[1]
	}
	return a, err
}

func (b *browser) get(path string) (answer, error) { return b.do(http.MethodGet, path, nil, true) }

func (b *browser) post(path string, form url.Values) (answer, error) {
	return b.do(http.MethodPost, path, form, false)
}

// cookie returns the browser's cookie whose name contains part.
func (b *browser) cookie(part string) (name, value string) {
	for k, v := range b.cookies {
		if strings.Contains(k, part) {
			return k, v
		}
	}
	return "", ""
}

var (
	csrfRe  = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	formRe  = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	inputRe = regexp.MustCompile(`(?is)<input\b([^>]*)>`)
	attrRe  = regexp.MustCompile(`(?is)([a-z_-]+)\s*=\s*"([^"]*)"`)
)

// pageForm is a form found on a page: where it posts and its fields.
type pageForm struct {
	action string
	fields []formField
}

type formField struct{ name, typ, value string }

// findForm returns the first POST form of page that has a field of type typ
// (password, email, text), so the generator follows the page rather than
// knowing every flow's field names.
func findForm(page, typ string) (pageForm, bool) {
	for _, fm := range formRe.FindAllStringSubmatch(page, -1) {
		attrs := attrMap(fm[1])
		if !strings.EqualFold(attrs["method"], "post") {
			continue
		}
		f := pageForm{action: html.UnescapeString(attrs["action"])}
		has := false
		for _, in := range inputRe.FindAllStringSubmatch(fm[2], -1) {
			a := attrMap(in[1])
			if a["name"] == "" {
				continue
			}
			t := strings.ToLower(a["type"])
			if t == "" {
				t = "text"
			}
			has = has || t == typ
			f.fields = append(f.fields, formField{name: a["name"], typ: t, value: html.UnescapeString(a["value"])})
		}
		if has {
			return f, true
		}
	}
	return pageForm{}, false
}

func attrMap(s string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRe.FindAllStringSubmatch(s, -1) {
		m[strings.ToLower(a[1])] = a[2]
	}
	return m
}

// values fills the form: every field keeps its value unless fill gives one for
// its type or name.
func (f pageForm) values(fill func(field formField) (string, bool)) url.Values {
	v := url.Values{}
	for _, fd := range f.fields {
		if fd.typ == "submit" || fd.typ == "button" || (fd.typ == "checkbox" && fd.value == "") {
			continue
		}
		if s, ok := fill(fd); ok {
			v.Set(fd.name, s)
			continue
		}
		v.Set(fd.name, fd.value)
	}
	return v
}
