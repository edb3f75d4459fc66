package gatehousetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// axePath is where `npm ci` in testdata/browser puts axe-core (.ci/run does it).
const axePath = "testdata/browser/node_modules/axe-core/axe.min.js"

// AxeViolation is one rule of axe-core that a page breaks, with the elements at fault.
type AxeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

func (v AxeViolation) String() string {
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "; "))
}

// axeSource reads axe-core from the repository's testdata, skipping the test
// (or failing it when BrowserEnv is "1") when npm has not installed it.
func (tab *Tab) axeSource() string {
	tab.t.Helper()
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", axePath)
	b, err := os.ReadFile(p)
	if err != nil {
		msg := "axe-core is not installed: run `npm ci --prefix testdata/browser` (" + err.Error() + ")"
		if os.Getenv(BrowserEnv) == "1" {
			tab.t.Fatal(msg)
		}
		tab.t.Skip(msg)
	}
	return string(b)
}

// View sets the viewport width and height in CSS pixels (a phone when width
// is under 600) and the colour scheme the page sees in prefers-color-scheme.
func (tab *Tab) View(width, height int64, dark bool) {
	tab.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if width < 600 {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	scheme := "light"
	if dark {
		scheme = "dark"
	}
	err := chromedp.Do(tab.Ctx, chromedp.EmulateViewport(width, height, opts...), chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	}))
	if err != nil {
		tab.t.Fatalf("setting the view to %dx%d %s: %v", width, height, scheme, err)
	}
}

// Overflow returns how many CSS pixels the page is wider than its window
// (0 when nothing scrolls sideways) and the elements that stick out furthest.
func (tab *Tab) Overflow() (int, string) {
	tab.t.Helper()
	type result struct {
		Over  int    `json:"over"`
		Worst string `json:"worst"`
	}
	r, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[result](`(() => {
		const de = document.documentElement, w = de.clientWidth;
		const over = Math.max(de.scrollWidth, document.body.scrollWidth) - w;
		const out = [];
		if (over > 0) for (const el of document.body.querySelectorAll("*")) {
			const r = el.getBoundingClientRect();
			if (r.right > w + 1 && r.width > 0) out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "") + " right=" + Math.round(r.right));
		}
		return {over: Math.max(0, over), worst: out.slice(-5).join(", ")};
	})()`))
	if err != nil {
		tab.t.Fatalf("measuring overflow: %v", err)
	}
	return r.Over, r.Worst
}

// Axe runs axe-core's WCAG 2.x A and AA rules (and its best practices) on
// the page and returns the violations.
func (tab *Tab) Axe() []AxeViolation {
	tab.t.Helper()
	src := tab.axeSource()
	loaded, _ := chromedp.Run(tab.Ctx, chromedp.Evaluate[bool](`typeof axe !== "undefined"`))
	if !loaded {
		if _, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			tab.t.Fatalf("injecting axe-core: %v", err)
		}
	}
	v, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[[]AxeViolation](`axe.run(document, {
		runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
		resultTypes: ["violations"]
	}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
		nodes: v.nodes.map(n => n.target.join(" ") + (n.failureSummary ? " [" + n.failureSummary.replace(/\s+/g, " ") + "]" : ""))})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		tab.t.Fatalf("running axe-core: %v", err)
	}
	return v
}

// DuplicateIDs returns the ids that more than one element of the page carries
// (a label's for= and aria references then point at the wrong element).
func (tab *Tab) DuplicateIDs() []string {
	tab.t.Helper()
	ids, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[[]string](`(() => {
		const seen = new Map();
		for (const el of document.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) || 0) + 1);
		return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
	})()`))
	if err != nil {
		tab.t.Fatalf("looking for duplicate ids: %v", err)
	}
	return ids
}

// WeakFocus focuses every visible link, button, field and summary of the page
// and returns those whose focus indicator is missing, thinner than 2 px, or
// under 3:1 against the background around it (WCAG 1.4.11).
func (tab *Tab) WeakFocus() []string {
	tab.t.Helper()
	weak, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[[]string](`(() => {
		const rgb = s => { const m = s.match(/[\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; };
		const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
		const bgOf = el => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.a > 0.5) return c; } return rgb(getComputedStyle(document.documentElement).backgroundColor || "rgb(255,255,255)"); };
		const out = [];
		for (const el of document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary")) {
			const box = el.getBoundingClientRect();
			if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === "hidden") continue;
			el.focus();
			if (document.activeElement !== el) continue;
			const st = getComputedStyle(el);
			const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + (el.textContent || el.name || "").trim().slice(0, 30);
			if (st.outlineStyle === "none" || parseFloat(st.outlineWidth) < 2) { out.push(name + ": no focus outline"); continue; }
			const a = lum(rgb(st.outlineColor)), b = lum(bgOf(el.parentElement));
			const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
			if (ratio < 3) out.push(name + ": focus outline " + ratio.toFixed(2) + ":1");
		}
		if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
		return out;
	})()`))
	if err != nil {
		tab.t.Fatalf("checking focus indicators: %v", err)
	}
	return weak
}
