package web

import (
	_ "embed"
	"net/http"
)

// openAPIDocument describes the management API (OpenAPI 3.1). A test checks
// that it describes exactly the /api/v1 routes the router serves.
//
//go:embed openapi.json
var openAPIDocument []byte

// apiOpenAPI serves the OpenAPI document. It needs no key: it describes the
// API, and reveals nothing about the organization.
func (s apiEndpoints) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(openAPIDocument)
}
