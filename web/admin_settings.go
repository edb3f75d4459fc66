package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
)

// /admin/settings: every organization setting, grouped and explained, with its
// allowed range. Values are validated by the settings registry; a refused value
// is shown again next to its field with the range. Secret settings are
// write-only: the page says whether one is set, never what it is. Every change
// is audited with its old and new value by account.UpdateSettings.

type settingRow struct {
	Def     *gatehouse.SettingDef
	Value   string // current value (or what was typed); "" for secrets
	IsSet   bool   // for secrets: whether a value is stored
	Range   string // the allowed values in words
	Default string // the default in words
	Changed bool   // the stored value differs from the default
	Err     string
	Dur     durField // for durations: the number and unit shown
}

// settingGroup is one section of the page, saved with its own form.
type settingGroup struct {
	Name     string
	Slug     string // the section's id and the value of its form's "section" field
	Settings []settingRow
	Changed  int  // settings that differ from their default
	Saved    bool // this section was just saved
	Errors   int  // refused values in this section
}

// settingSlug is the id of a section: "Sign-in and sessions" → "sign-in-and-sessions".
func settingSlug(group string) string {
	return strings.ToLower(strings.ReplaceAll(group, " ", "-"))
}

// settingDefault says a setting's default in words.
func settingDefault(d *gatehouse.SettingDef) string {
	switch {
	case d.Kind == gatehouse.KindBool && d.Default == "true":
		return "on"
	case d.Kind == gatehouse.KindBool:
		return "off"
	case d.Default == "":
		return "empty"
	case d.Kind == gatehouse.KindDuration:
		if v, err := gatehouse.ParseDuration(d.Default); err == nil {
			return humanDuration(v)
		}
	}
	return d.Default
}

// settingRange says in words which values a setting accepts.
func settingRange(d *gatehouse.SettingDef) string {
	switch d.Kind {
	case gatehouse.KindInt:
		return fmt.Sprintf("A whole number from %d to %d.", d.Min, d.Max)
	case gatehouse.KindDuration:
		return durationRange(d)
	case gatehouse.KindString:
		if d.Address {
			return "An email address, like recovery@example.com."
		}
		return fmt.Sprintf("At most %d characters.", d.MaxLen)
	}
	return ""
}

func (s adminPages) settingsView(w http.ResponseWriter, r *http.Request, m *gatehouse.Member, typed map[string]string, errs map[string]string) (*view, error) {
	set, err := s.Account.Settings(r.Context(), s.orgID(r))
	if err != nil {
		return nil, err
	}
	saved := r.URL.Query().Get("section")
	var groups []settingGroup
	for _, g := range gatehouse.SettingGroups {
		sg := settingGroup{Name: g, Slug: settingSlug(g)}
		sg.Saved = sg.Slug == saved && r.Method == http.MethodGet
		for i := range gatehouse.SettingDefs {
			d := &gatehouse.SettingDefs[i]
			if d.Group != g {
				continue
			}
			cur, _ := set.Get(d.Name)
			row := settingRow{Def: d, Value: cur, Range: settingRange(d), Default: settingDefault(d), Err: errs[d.Name],
				Changed: cur != d.Default}
			if v, ok := typed[d.Name]; ok {
				row.Value = v
			}
			if d.Secret {
				row.IsSet, row.Value = cur != "", ""
			}
			if d.Kind == gatehouse.KindDuration {
				row.Dur = durFieldOf(d, row.Value)
				if _, ok := typed[d.Name]; ok && r.Method == http.MethodPost {
					row.Dur = durFieldTyped(d, r)
				}
			}
			if row.Changed {
				sg.Changed++
			}
			if row.Err != "" {
				sg.Errors++
			}
			sg.Settings = append(sg.Settings, row)
		}
		groups = append(groups, sg)
	}
	return s.adminView(w, r, m, "Settings", "settings", groups), nil
}

func (s adminPages) adminSettingsPage(w http.ResponseWriter, r *http.Request) {
	m, _, ok := s.admin(w, r)
	if !ok {
		return
	}
	v, err := s.settingsView(w, r, m, nil, nil)
	if err != nil {
		s.adminFail(w, r, m, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_settings", v)
}

// adminSettingsSave applies the submitted values. A field missing from the
// form leaves its setting alone; an empty secret field keeps the secret, and
// its "clear" box removes it.
func (s adminPages) adminSettingsSave(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	m, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	values := map[string]string{}
	// Duration fields the page itself refuses (not a number, no unit): the
	// use case still sees them, as values it refuses, so that nothing is
	// saved and every refused field is told at once.
	durProblems := map[string]string{}
	for _, d := range gatehouse.SettingDefs {
		if _, ok := r.PostForm[d.Name+"_unit"]; ok && d.Kind == gatehouse.KindDuration {
			v, problem, ok := durationValue(&d, r)
			if !ok {
				v, durProblems[d.Name] = "not a duration", problem
			}
			values[d.Name] = v
			continue
		}
		if d.Secret {
			if field(r, "clear_"+d.Name) != "" {
				values[d.Name] = ""
			} else if v := field(r, d.Name); v != "" {
				values[d.Name] = v
			}
			continue
		}
		if _, ok := r.PostForm[d.Name]; ok {
			values[d.Name] = field(r, d.Name)
		} else if d.Kind == gatehouse.KindBool && slices.Contains(r.PostForm["switches"], d.Name) {
			// An on/off switch left off sends nothing but its name in "switches".
			values[d.Name] = "false"
		}
	}
	changes, err := s.Admin.UpdateSettings(r.Context(), actor, s.client(r), s.orgID(r), values)
	if err != nil {
		st, msg, _ := s.errorInfo(r, err)
		errs := map[string]string{}
		for _, f := range gatehouse.ErrorFields(err) {
			errs[f.Field] = f.Message
			if d, ok := gatehouse.SettingDefByName(f.Field); ok && d.Kind == gatehouse.KindDuration {
				errs[f.Field] = fmt.Sprintf("%s must be %s", d.Label, strings.ToLower(durationRange(d)[:1])+durationRange(d)[1:])
			}
			if p, ok := durProblems[f.Field]; ok {
				errs[f.Field] = p
			}
		}
		typed := map[string]string{}
		for k, v := range values {
			typed[k] = v
		}
		v, verr := s.settingsView(w, r, m, typed, errs)
		if verr != nil {
			s.adminFail(w, r, m, verr)
			return
		}
		v.Error = msg
		if len(errs) > 0 {
			v.refused, v.refusedText = len(errs), "admin.settings.refused"
			v.Fields = errs
		}
		s.render(w, r, st, "admin_settings", v)
		return
	}
	done := "settings_saved"
	if len(changes) == 0 {
		done = "settings_unchanged"
	}
	q := url.Values{"done": {done}}
	if sec := field(r, "section"); sec != "" && slices.ContainsFunc(gatehouse.SettingGroups, func(g string) bool { return settingSlug(g) == sec }) {
		q.Set("section", sec)
	}
	s.redirect(w, r, "/admin/settings", q)
}
