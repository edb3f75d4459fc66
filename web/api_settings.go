package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"

	"github.com/gatehouse-auth/gatehouse"
)

// /api/v1/settings: read every organization setting with its definition, and
// change some. Secret settings are write-only.

type apiSetting struct {
	Name        string   `json:"name"`
	Group       string   `json:"group"`
	Label       string   `json:"label"`
	Help        string   `json:"help"`
	Kind        string   `json:"kind"`
	Value       *string  `json:"value"` // null for a secret
	Set         *bool    `json:"set,omitempty"`
	Default     string   `json:"default"`
	Min         *int64   `json:"min,omitempty"`
	Max         *int64   `json:"max,omitempty"`
	MinDuration string   `json:"min_duration,omitempty"`
	MaxDuration string   `json:"max_duration,omitempty"`
	Enum        []string `json:"enum,omitempty"`
	MaxLength   int      `json:"max_length,omitempty"`
	Secret      bool     `json:"secret"`
}

func (s apiEndpoints) apiGetSettings(w http.ResponseWriter, r *http.Request, c *apiCall) {
	if _, ok := parseAPIQuery(w, r); !ok {
		return
	}
	if !c.Actor.Role.IsAdmin() {
		s.problem(w, r, gatehouse.Errorf(gatehouse.Forbidden, "web.apiGetSettings", "Only administrators read settings."))
		return
	}
	set, err := s.Account.Settings(r.Context(), c.OrgID)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	out := struct {
		Settings []apiSetting `json:"settings"`
	}{}
	for i := range gatehouse.SettingDefs {
		d := &gatehouse.SettingDefs[i]
		v, _ := set.Get(d.Name)
		a := apiSetting{Name: d.Name, Group: d.Group, Label: d.Label, Help: d.Help, Kind: string(d.Kind), Value: &v,
			Default: d.Default, Enum: d.Enum, MaxLength: d.MaxLen, Secret: d.Secret}
		switch d.Kind {
		case gatehouse.KindInt:
			a.Min, a.Max = &d.Min, &d.Max
		case gatehouse.KindDuration:
			a.MinDuration, a.MaxDuration = gatehouse.FormatDuration(d.MinDur), gatehouse.FormatDuration(d.MaxDur)
		}
		if d.Secret {
			isSet := v != ""
			a.Value, a.Set = nil, &isSet
		}
		out.Settings = append(out.Settings, a)
	}
	writeJSON(w, http.StatusOK, out)
}

// apiUpdateSettings takes an object of setting names and values: strings, or
// numbers and booleans for the settings that are. All are validated before any
// is stored; the answer lists what changed, old and new (secrets only as set or
// not set).
func knownSetting(name string) bool {
	_, ok := gatehouse.SettingDefByName(name)
	return ok
}

func (s apiEndpoints) apiUpdateSettings(w http.ResponseWriter, r *http.Request, c *apiCall) {
	var in map[string]json.RawMessage
	if !decodeJSON(w, r, &in, false) {
		return
	}
	values := map[string]string{}
	var errs []gatehouse.FieldError
	names := make([]string, 0, len(in))
	for n := range in {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		raw := bytes.TrimSpace(in[n])
		var str string
		var b bool
		var num json.Number
		switch {
		case !knownSetting(n):
			// Named before its value is judged: "nope must be a string" would
			// not say that there is no such setting (and for "" says nothing).
			errs = append(errs, gatehouse.FieldError{Field: n, Code: "unknown_setting", Message: fmt.Sprintf("There is no setting named %q.", n)})
		case string(raw) == "null":
			errs = append(errs, gatehouse.FieldError{Field: n, Code: "wrong_type", Message: n + " must have a value; \"\" clears a secret setting."})
		case json.Unmarshal(raw, &str) == nil:
			values[n] = str
		case json.Unmarshal(raw, &b) == nil:
			values[n] = settingBool(b)
		case json.Unmarshal(raw, &num) == nil && len(raw) > 0 && raw[0] != '"':
			values[n] = num.String()
		default:
			errs = append(errs, gatehouse.FieldError{Field: n, Code: "wrong_type", Message: n + " must be a string, a number or true or false."})
		}
	}
	if len(errs) > 0 {
		s.problem(w, r, gatehouse.InvalidFields("web.apiUpdateSettings", errs...))
		return
	}
	changes, err := s.Admin.UpdateSettings(r.Context(), c.Actor, s.client(r), c.OrgID, values)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	type change struct {
		Name string `json:"name"`
		Old  string `json:"old"`
		New  string `json:"new"`
	}
	out := struct {
		Changes []change `json:"changes"`
	}{Changes: []change{}}
	for _, ch := range changes {
		out.Changes = append(out.Changes, change(ch))
	}
	writeJSON(w, http.StatusOK, out)
}

func settingBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
