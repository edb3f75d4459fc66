package web_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/i18n"
)

var (
	jsComments = regexp.MustCompile(`(?s)/\*.*?\*/|(?:^|\s)//\s[^\n]*`)
	jsStrings  = regexp.MustCompile(`"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|` + "`[^`]*`")
	// words: two words with a space between, the mark of a sentence (a
	// selector or a class name has none).
	words    = regexp.MustCompile(`[A-Za-z]{2,}[,.:;!?…]? +[A-Za-z]{2,}`)
	textUses = regexp.MustCompile(`\btext\("([a-z_]+)"\)`)
)

// TestScriptsHoldNoEnglish reads every script in static/ and fails on a
// string literal that reads as words: what a script shows comes from the
// page's gatehouse-texts block (scriptTexts), in the page's language. Every
// text a script asks for must be in the block.
func TestScriptsHoldNoEnglish(t *testing.T) {
	files, err := filepath.Glob("static/*.js")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	s := webtest.New(t, webtest.Options{})
	page := s.Browser(t).Get("/login")
	block := scriptBlock(t, page.Body)
	used := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		code := strings.ReplaceAll(jsComments.ReplaceAllString(string(src), ""), `"use strict"`, "")
		for _, lit := range jsStrings.FindAllString(code, -1) {
			if words.MatchString(lit) {
				t.Errorf("%s: %s is English of its own; put it in scriptTexts (web/i18n.go)", f, lit)
			}
		}
		for _, m := range textUses.FindAllStringSubmatch(code, -1) {
			used++
			if block[m[1]] == "" {
				t.Errorf("%s asks for the text %q, which the pages do not carry", f, m[1])
			}
		}
	}
	if used == 0 {
		t.Error("no script asks for a text: the scan of text(...) is broken")
	}
}

// scriptBlock is the page's gatehouse-texts block.
func scriptBlock(t *testing.T, body string) map[string]string {
	t.Helper()
	const open = `<script type="application/json" id="gatehouse-texts">`
	i := strings.Index(body, open)
	if i < 0 {
		t.Fatal("the page has no gatehouse-texts block")
	}
	rest := body[i+len(open):]
	var m map[string]string
	if err := json.Unmarshal([]byte(rest[:strings.Index(rest, "</script>")]), &m); err != nil {
		t.Fatalf("gatehouse-texts: %v", err)
	}
	return m
}

// TestScriptTextsInThePseudoLocale: a page in the pseudo-locale carries the
// scripts' texts pseudo-translated, the values the script fills in kept.
func TestScriptTextsInThePseudoLocale(t *testing.T) {
	s := webtest.New(t, webtest.Options{PseudoLocale: true})
	b := s.Browser(t)
	b.AcceptLanguage = i18n.Pseudo
	for _, path := range []string{"/login", "/forgot-password"} {
		r := b.Get(path)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d", path, r.Status)
		}
		block := scriptBlock(t, r.Body)
		if len(block) < 11 {
			t.Errorf("%s carries %d texts for the scripts, want 11", path, len(block))
		}
		keys := make([]string, 0, len(block))
		for k := range block {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if bad := i18n.Untranslated(block[k]); len(bad) > 0 || block[k] == "" {
				t.Errorf("%s: the script text %s is not from the catalog: %q", path, k, block[k])
			}
		}
		if short := block["strength_short"]; !strings.Contains(short, "{length}") || !strings.Contains(short, "{min}") {
			t.Errorf("%s: strength_short lost the values the script fills in: %q", path, short)
		}
	}
}
