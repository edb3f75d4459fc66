package gatehousetest

import (
	"time"

	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/cdproto/page"

	"github.com/chromedp/chromedp"
)

// BrowserEnv, when "1", makes browser tests fail instead of skipping when no
// Chromium is found (CI sets it).
const BrowserEnv = "GATEHOUSE_TEST_BROWSER"

// chromePaths are where Debian and others install Chromium.
var chromePaths = []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"}

// Tab is one browser tab driven by a test. Its methods fail the test on error.
type Tab struct {
	t   testing.TB
	Ctx context.Context // the chromedp context, for actions the helpers lack
}

// Go opens url and waits for the page to load.
func (tab *Tab) Go(url string) {
	tab.t.Helper()
	if err := chromedp.Do(tab.Ctx, chromedp.Navigate(url)); err != nil {
		tab.t.Fatalf("opening %s: %v", url, err)
	}
}

// Fill types value into the field with the CSS selector sel.
func (tab *Tab) Fill(sel, value string) {
	tab.t.Helper()
	if err := chromedp.Do(tab.Ctx, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), value)); err != nil {
		tab.t.Fatalf("typing into %s: %v", sel, err)
	}
}

// Click clicks the element sel.
func (tab *Tab) Click(sel string) {
	tab.t.Helper()
	if err := chromedp.Do(tab.Ctx, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel))); err != nil {
		tab.t.Fatalf("clicking %s: %v", sel, err)
	}
}

// Submit clicks the element sel (a submit button or a link) and waits until the
// page it leads to has loaded.
func (tab *Tab) Submit(sel string) {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tab.Ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		tab.t.Fatalf("waiting for %s: %v", sel, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
		tab.t.Fatalf("submitting with %s: %v", sel, err)
	}
}

// Wait waits until sel is visible (after a click that loads a page, say).
func (tab *Tab) Wait(sel string) {
	tab.t.Helper()
	if err := chromedp.Do(tab.Ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		tab.t.Fatalf("waiting for %s: %v", sel, err)
	}
}

// Text waits for sel and returns its visible text.
func (tab *Tab) Text(sel string) string {
	tab.t.Helper()
	tab.Wait(sel)
	s, err := chromedp.Run(tab.Ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tab.t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

// Screenshot writes a PNG of the whole page to path.
func (tab *Tab) Screenshot(path string) {
	tab.t.Helper()
	png, err := chromedp.Run(tab.Ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tab.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tab.t.Fatal(err)
	}
}

// Chrome starts a headless Chromium for the test and returns a chromedp context
// for one tab. It skips the test when no Chromium is installed, unless BrowserEnv
// is "1". The browser runs with a fresh profile, no background networking (this
// machine's network is closed) and stops when the test ends.
func Chrome(t testing.TB) *Tab {
	t.Helper()
	path := ""
	for _, p := range chromePaths {
		if _, err := os.Stat(p); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if p, err := exec.LookPath("chromium"); err == nil {
			path = p
		}
	}
	if path == "" {
		if os.Getenv(BrowserEnv) == "1" {
			t.Fatal("no Chromium found and " + BrowserEnv + "=1: install the chromium package")
		}
		t.Skip("no Chromium found; set " + BrowserEnv + "=1 to make this a failure")
	}
	opts := append([]chromedp.ExecAllocatorOption{},
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return &Tab{t: t, Ctx: ctx}
}
