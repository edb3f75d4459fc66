package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// testImage returns an image of w by h pixels in format png, jpeg or gif;
// noisy pixels do not compress.
func testImage(t testing.TB, format string, w, h int, noisy bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rnd := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			c := color.RGBA{0x1f, 0x4e, 0x8c, 0xff}
			if noisy {
				c = color.RGBA{uint8(rnd.IntN(256)), uint8(rnd.IntN(256)), uint8(rnd.IntN(256)), 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&b, img)
	case "jpeg":
		err = jpeg.Encode(&b, img, nil)
	case "gif":
		err = gif.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// uploadLogo posts the logo form of /admin/settings/brand as a browser
// does: multipart, with the page's anti-forgery token (none when csrf is
// false).
func uploadLogo(t testing.TB, b *webtest.Browser, base string, data []byte, csrf bool) *webtest.Response {
	t.Helper()
	page := b.Get(base + "/admin/settings/brand")
	if page.Status != http.StatusOK {
		t.Fatalf("the brand page: %d\n%s", page.Status, page.Body)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if csrf {
		m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page.Body)
		if m == nil {
			t.Fatal("no anti-forgery token on the brand page")
		}
		_ = mw.WriteField("csrf_token", m[1])
	}
	fw, _ := mw.CreateFormFile("logo", "logo.png")
	_, _ = fw.Write(data)
	_ = mw.Close()
	r, err := http.NewRequest(http.MethodPost, b.AbsURL(base+"/admin/settings/brand/logo"), &body)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Origin", strings.TrimSuffix(b.AbsURL(base+"/"), "/"))
	return b.Do(r)
}

// An administrator uploads a logo on the settings page; it is refused for
// a wrong type, too many pixels, too many bytes and without the form's
// token, naming the field; once stored it is shown in the header of every
// page (the sign-in page too) with the product name as its alternative text,
// served with strict headers and a validator, audited, and removed again.
func TestLogoUploadedShownAndServed(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		newAdminOrg(t, s)
		if _, err := s.Admin.UpdateSettings(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{},
			gatehouse.DefaultOrgID, map[string]string{"product_name": "Acme ID"}); err != nil {
			t.Fatal(err)
		}
		b := signedInAs(t, s, "adam")
		for name, data := range map[string][]byte{
			"gif":        testImage(t, "gif", 8, 8, false),
			"svg":        []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
			"too wide":   testImage(t, "png", 1025, 4, false),
			"too large":  testImage(t, "png", 320, 320, true),
			"broken png": testImage(t, "png", 64, 64, true)[:300],
			"empty":      nil,
		} {
			r := uploadLogo(t, b, "", data, true)
			if r.Status < 400 || r.Status >= 500 || !strings.Contains(r.Body, `id="logo-error"`) && r.Status != http.StatusRequestEntityTooLarge {
				t.Errorf("%s: %d, want a 4xx naming the logo field\n%s", name, r.Status, r.Body)
			}
		}
		if r := uploadLogo(t, b, "", testImage(t, "png", 64, 32, false), false); r.Status != http.StatusForbidden {
			t.Errorf("upload without the form's token: %d, want 403", r.Status)
		}
		if n := len(s.Audit(t, gatehouse.EventLogoChanged)); n != 0 {
			t.Fatalf("%d logo changes audited before any was stored", n)
		}

		logo := testImage(t, "png", 64, 32, false)
		r := uploadLogo(t, b, "", logo, true)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("upload: %d\n%s", r.Status, r.Body)
		}
		if evs := s.Audit(t, gatehouse.EventLogoChanged); len(evs) != 1 || evs[0].Details["type"] != "image/png" || evs[0].Details["pixels"] != "64x32" {
			t.Errorf("audit of the upload: %+v", evs)
		}
		img := regexp.MustCompile(`<img class="logo" src="(/brand/logo\?v=[0-9a-f]+)" alt="Acme ID">`)
		for _, p := range []string{"/account", "/admin/members"} {
			if page := b.Get(p); img.FindStringSubmatch(page.Body) == nil {
				t.Errorf("%s has no logo in its header", p)
			}
		}
		anon := s.Browser(t)
		login := anon.Get("/login")
		m := img.FindStringSubmatch(login.Body)
		if m == nil {
			t.Fatalf("the sign-in page has no logo in its header:\n%s", login.Body)
		}
		if !strings.Contains(login.Body, "<title>") || !strings.Contains(login.Body, "· Acme ID</title>") {
			t.Errorf("the sign-in page's title lacks the product name")
		}
		got := anon.Get(m[1])
		if got.Status != http.StatusOK || got.Body != string(logo) {
			t.Fatalf("GET %s: %d, %d bytes", m[1], got.Status, len(got.Body))
		}
		for h, want := range map[string]string{
			"Content-Type": "image/png", "X-Content-Type-Options": "nosniff",
			"Content-Security-Policy": "default-src 'none'; sandbox",
		} {
			if v := got.Header.Get(h); v != want {
				t.Errorf("logo's %s: %q, want %q", h, v, want)
			}
		}
		etag := got.Header.Get("ETag")
		if !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(etag) {
			t.Errorf("logo's ETag %q", etag)
		}
		req, _ := http.NewRequest(http.MethodGet, anon.AbsURL("/brand/logo"), nil)
		req.Header.Set("If-None-Match", etag)
		if r := anon.Do(req); r.Status != http.StatusNotModified || r.Body != "" {
			t.Errorf("GET with If-None-Match: %d, %d bytes; want 304", r.Status, len(r.Body))
		}

		// A new logo is a new version.
		if r := uploadLogo(t, b, "", testImage(t, "jpeg", 40, 40, false), true); r.Status != http.StatusSeeOther {
			t.Fatalf("second upload: %d\n%s", r.Status, r.Body)
		}
		if got := anon.Get("/brand/logo"); got.Header.Get("Content-Type") != "image/jpeg" || got.Header.Get("ETag") == etag {
			t.Errorf("after a new JPEG logo: %s, ETag %s", got.Header.Get("Content-Type"), got.Header.Get("ETag"))
		}

		b.Get("/admin/settings/brand")
		if r := b.Post("/admin/settings/brand/logo/remove", url.Values{}); r.Status != http.StatusSeeOther {
			t.Fatalf("remove: %d\n%s", r.Status, r.Body)
		}
		if got := anon.Get("/brand/logo"); got.Status != http.StatusNotFound {
			t.Errorf("logo after removal: %d", got.Status)
		}
		if page := anon.Get("/login"); strings.Contains(page.Body, `class="logo"`) || !strings.Contains(page.Body, "Acme ID</a>") {
			t.Errorf("the sign-in page after removal still shows a logo, or not the product name")
		}
		if n := len(s.Audit(t, gatehouse.EventLogoChanged)); n != 3 {
			t.Errorf("%d logo changes audited, want 3", n)
		}
		// A member who is not an administrator cannot change it.
		mia := signedInAs(t, s, "mia")
		if r := mia.Get("/admin/settings/brand"); r.Status != http.StatusForbidden {
			t.Errorf("a member on the brand page: %d", r.Status)
		}
	})
}

// One organization's logo is served only on its own host: another host
// answers with its own organization's logo, or 404.
func TestLogoOnlyOnItsOrganizationsHost(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		_, acme, acmeURL := withOrgs(t, s, false)
		logo := testImage(t, "png", 16, 16, false)
		if _, err := s.App.Web.Brand.SetLogo(t.Context(), gatehouse.SystemActor(acme.ID), gatehouse.Client{}, acme.ID, logo); err != nil {
			t.Fatal(err)
		}
		b := hostBrowser(t, s)
		if r := b.Get(acmeURL + "/brand/logo"); r.Status != http.StatusOK || r.Body != string(logo) {
			t.Errorf("acme's logo on acme's host: %d", r.Status)
		}
		if r := b.Get(s.URL + "/brand/logo"); r.Status != http.StatusNotFound || r.Body == string(logo) {
			t.Errorf("acme's logo on the default organization's host: %d", r.Status)
		}
		if r := b.Get(s.URL + "/login"); strings.Contains(r.Body, `class="logo"`) {
			t.Error("the default organization's sign-in page shows acme's logo")
		}
		if r := b.Get(acmeURL + "/login"); !strings.Contains(r.Body, `class="logo"`) {
			t.Error("acme's sign-in page has no logo")
		}
	})
}

// HTML emails show the organization's logo, linked on its own URL, with the
// product name as its alternative; the text part and the subject name the
// product.
func TestLogoInEmails(t *testing.T) {
	webtest.Each(t, webtest.Options{NoWorker: true, Settings: map[string]string{"product_name": "Acme ID"}}, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "mia", "mia@example.com", goodPassword, gatehouse.RoleMember)
		l, err := s.App.Web.Brand.SetLogo(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID,
			testImage(t, "png", 48, 48, false))
		if err != nil {
			t.Fatal(err)
		}
		if r := s.Browser(t).RequestReset("mia", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("reset request: %d", r.Status)
		}
		msgs := queued(t, s, gatehouse.KindReset)
		if len(msgs) != 1 {
			t.Fatalf("%d reset emails queued", len(msgs))
		}
		m, err := s.Store.Message(t.Context(), gatehouse.DefaultOrgID, msgs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		want := `<img src="` + s.URL + `/brand/logo?v=` + l.ETag + `" alt="Acme ID"`
		if !strings.Contains(m.HTML, want) {
			t.Errorf("the HTML email lacks %s:\n%s", want, m.HTML)
		}
		if !strings.Contains(m.Subject, "Acme ID") || !strings.Contains(m.Text, "Acme ID") {
			t.Errorf("subject %q or text lacks the product name:\n%s", m.Subject, m.Text)
		}
	})
}

// TestBrandPageInTheAdminMenu: every admin page's menu links the brand page
// (logo and texts), which is the current item on that page only.
func TestBrandPageInTheAdminMenu(t *testing.T) {
	s := webtest.New(t, webtest.Options{NoWorker: true})
	newAdminOrg(t, s)
	admin := signedInAs(t, s, "adam")
	for _, path := range []string{"/admin/members", "/admin/settings", "/admin/audit"} {
		page := admin.Get(path).Body
		if !strings.Contains(page, `<a href="/admin/settings/brand">Logo and texts</a>`) {
			t.Errorf("%s: the admin menu does not link the brand page, or marks it current:\n%s", path, htmlBetween(page, `<nav class="subnav"`, "</nav>"))
		}
	}
	page := admin.Get("/admin/settings/brand").Body
	if !strings.Contains(page, `<a href="/admin/settings/brand" aria-current="page">Logo and texts</a>`) ||
		strings.Contains(page, `<a href="/admin/settings" aria-current="page">`) {
		t.Errorf("the brand page is not the current item of its menu:\n%s", htmlBetween(page, `<nav class="subnav"`, "</nav>"))
	}
}
