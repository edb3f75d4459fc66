package main

import (
	"os"
	"testing"
)

// TestMain lets the test binary play the baseline server, as the command
// itself does: the session scenario starts its own executable for it.
func TestMain(m *testing.M) {
	if body := os.Getenv(baselineEnv); body != "" {
		os.Exit(serveBaseline(body, os.Getenv(baselineCookieEnv)))
	}
	os.Exit(m.Run())
}
