package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// brandLogo draws a small white mark: a ring and three bars.
func brandLogo(t testing.TB) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 120, 40))
	white := color.NRGBA{255, 255, 255, 255}
	for y := range 40 {
		for x := range 120 {
			dx, dy := x-20, y-20
			if d := dx*dx + dy*dy; d <= 324 && d >= 144 {
				img.Set(x, y, white)
			}
			if x >= 48 && (x-48)%24 < 14 && y >= 8+(x-48)/24*4 && y < 32 {
				img.Set(x, y, white)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestBrowserBrandedSignIn shows the sign-in page of an organization with a
// logo, an accent colour, a product name and a text of its own, in
// Chromium: the logo loads (the CSP allows it), the header takes the accent
// colour from the organization's style sheet, and the heading is its own.
// With GATEHOUSE_SCREENSHOTS=DIR it saves branded-login.png there.
func TestBrowserBrandedSignIn(t *testing.T) {
	tab := gatehousetest.Chrome(t)
	s := webtest.New(t, webtest.Options{Settings: map[string]string{"organization_name": "Acme Widgets",
		"product_name": "Acme ID", "accent_color": "#7a1f5c"}})
	s.AddMember(t, "olivia", "olivia@example.com", goodPassword, gatehouse.RoleOwner)
	actor := gatehouse.SystemActor(gatehouse.DefaultOrgID)
	if _, err := s.App.Web.Brand.SetLogo(t.Context(), actor, gatehouse.Client{}, gatehouse.DefaultOrgID, brandLogo(t)); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Web.Brand.SetText(t.Context(), actor, gatehouse.Client{}, gatehouse.DefaultOrgID,
		brandText("en", "login.title", "Sign in to Acme ID")); err != nil {
		t.Fatal(err)
	}
	tab.Go(s.URL + "/login")
	if h := tab.Text("h1"); h != "Sign in to Acme ID" {
		t.Errorf("heading %q", h)
	}
	loaded, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[bool](`(() => { const i = document.querySelector("header img.logo"); return !!i && i.complete && i.naturalWidth === 120 && i.alt === "Acme ID"; })()`))
	if err != nil {
		t.Fatal(err)
	}
	bg, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("header.top")).backgroundColor`))
	if err != nil {
		t.Fatal(err)
	}
	if !loaded {
		t.Error("the logo did not load in the header, or lacks its alternative text")
	}
	if bg != "rgb(122, 31, 92)" {
		t.Errorf("header background %q, want the accent colour", bg)
	}
	if dir := os.Getenv("GATEHOUSE_SCREENSHOTS"); dir != "" {
		tab.Screenshot(filepath.Join(dir, "branded-login.png"))
	}
}
