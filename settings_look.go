package gatehouse

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zones validate on hosts without a zoneinfo database
)

// Appearance are an organization's own look and language (issue 18): the
// product name and accent colour on its pages and emails, and the language
// and time zone of members who have not chosen their own.
type Appearance struct {
	ProductName     string
	AccentColor     string // #rrggbb, or "" for Gatehouse's own
	DefaultLanguage string // one of Languages
	DefaultTimeZone string // an IANA zone name
}

// Languages are the codes of the languages Gatehouse speaks (package i18n
// has their messages; a test there keeps the two lists equal).
var Languages = []string{"en", "de", "es", "id"}

// BrandName is the name shown in page headers, titles and emails: the
// product name when set, else the organization's name.
func (s *Settings) BrandName() string {
	if s.ProductName != "" {
		return s.ProductName
	}
	return s.OrganizationName
}

func appearanceDefs() []SettingDef {
	return []SettingDef{
		stringDef("product_name", "Organization", "Product name",
			"Shown instead of the organization name in the header of every page, in page titles and in emails (such as Acme ID). Empty: the organization name.",
			"", 60, false, func(s *Settings) *string { return &s.ProductName }),
		{Name: "accent_color", Group: "Organization", Label: "Accent colour",
			Help: "The colour of the page header and the main buttons, as #rrggbb. It must have a contrast of at least 4.5:1 with white (WCAG AA), since white text is written on it. Empty: Gatehouse's blue.",
			Kind: KindString, MaxLen: 7,
			get: func(s *Settings) string { return s.AccentColor },
			set: func(s *Settings, v string) error {
				v = strings.ToLower(strings.TrimSpace(v))
				if v == "" {
					s.AccentColor = ""
					return nil
				}
				if _, ok := ParseColor(v); !ok {
					return &invalidValue{"must be a colour written as #rrggbb, such as #1f4e8c"}
				}
				if r := ContrastWithWhite(v); r < MinContrast {
					return &invalidValue{fmt.Sprintf("has a contrast of %.1f:1 with white; it needs at least %.1f:1 (choose a darker colour)", r, MinContrast)}
				}
				s.AccentColor = v
				return nil
			}},
		enumDef("default_language", "Organization", "Default language",
			"The language of pages, emails and texts for members who have not chosen one and whose browser asks for none that Gatehouse speaks.",
			"en", Languages, func(s *Settings) *string { return &s.DefaultLanguage }),
		{Name: "default_time_zone", Group: "Organization", Label: "Default time zone",
			Help: "The time zone in which pages and emails show times to members who have not chosen one: an IANA name such as Europe/Berlin or Asia/Jakarta.",
			Kind: KindString, Default: "UTC", MaxLen: 64,
			get: func(s *Settings) string { return s.DefaultTimeZone },
			set: func(s *Settings, v string) error {
				v = strings.TrimSpace(v)
				if !ValidTimeZone(v) {
					return &invalidValue{"must be a time zone name such as UTC, Europe/Berlin or Asia/Jakarta"}
				}
				s.DefaultTimeZone = v
				return nil
			}},
	}
}

// MinContrast is WCAG 2's AA contrast ratio for normal text.
const MinContrast = 4.5

// ParseColor reads #rrggbb.
func ParseColor(v string) ([3]uint8, bool) {
	var c [3]uint8
	if len(v) != 7 || v[0] != '#' {
		return c, false
	}
	for i := range 3 {
		n, err := strconv.ParseUint(v[1+2*i:3+2*i], 16, 8)
		if err != nil {
			return c, false
		}
		c[i] = uint8(n)
	}
	return c, true
}

// ContrastWithWhite is WCAG 2's contrast ratio between the colour #rrggbb and
// white, from 1 to 21 (0 for a value that is not a colour).
func ContrastWithWhite(v string) float64 {
	c, ok := ParseColor(v)
	if !ok {
		return 0
	}
	return 1.05 / (RelativeLuminance(c) + 0.05)
}

// RelativeLuminance is WCAG 2's relative luminance of an sRGB colour.
func RelativeLuminance(c [3]uint8) float64 {
	lin := func(u uint8) float64 {
		x := float64(u) / 255
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c[0]) + 0.7152*lin(c[1]) + 0.0722*lin(c[2])
}

// ValidTimeZone reports whether name is a time zone Gatehouse accepts: UTC,
// or an IANA Area/Location name. Local (the server's own zone) and anything
// that looks like a file path are refused.
func ValidTimeZone(name string) bool {
	if name == "UTC" {
		return true
	}
	if name == "" || len(name) > 64 || name == "Local" || strings.Contains(name, "..") || !strings.Contains(name, "/") || name[0] == '/' {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/_-+", r)) {
			return false
		}
	}
	_, err := time.LoadLocation(name)
	return err == nil
}
