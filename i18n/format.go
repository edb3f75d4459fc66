package i18n

import (
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// When writes a moment for a page ("2 Jan 2026, 15:04 CET" in English) in
// zone loc (UTC when nil); the zero time is "never".
func (l *Lang) When(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return l.T("time.never")
	}
	t = t.In(zoneOr(loc))
	return l.T("time.when", "Day", t.Day(), "Month", l.T("month.short."+strconv.Itoa(int(t.Month()))),
		"Year", t.Year(), "Time", t.Format("15:04"), "Zone", zoneName(t))
}

// Long writes a moment for an email ("Monday 2 March 2026 at 09:00 UTC" in
// English) in zone loc (UTC when nil).
func (l *Lang) Long(t time.Time, loc *time.Location) string {
	t = t.In(zoneOr(loc))
	return l.T("time.long", "Weekday", l.T("weekday."+strconv.Itoa(int(t.Weekday()))), "Day", t.Day(),
		"Month", l.T("month.long."+strconv.Itoa(int(t.Month()))), "Year", t.Year(), "Time", t.Format("15:04"), "Zone", zoneName(t))
}

// Date writes a day as ISO 8601 (2026-03-02), which reads the same in every
// language, in zone loc (UTC when nil); the zero time is "".
func Date(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(zoneOr(loc)).Format("2006-01-02")
}

// Duration writes a lifetime the way people say it ("30 minutes", "1 hour and
// 30 minutes"): the two largest units, rounded to the minute (to the second
// below a minute), in the language's plural forms.
func (l *Lang) Duration(d time.Duration) string {
	if d < time.Minute {
		return l.N("duration.seconds", int((d+time.Second/2)/time.Second))
	}
	d = d.Round(time.Minute)
	units := []struct {
		size time.Duration
		id   string
	}{{24 * time.Hour, "duration.days"}, {time.Hour, "duration.hours"}, {time.Minute, "duration.minutes"}}
	var parts []string
	for _, u := range units {
		if n := d / u.size; n > 0 && len(parts) < 2 {
			parts = append(parts, l.N(u.id, int(n)))
			d -= n * u.size
		} else if len(parts) > 0 {
			break // "1 day and 30 minutes" would skip a unit: stop after the first
		}
	}
	if len(parts) == 2 {
		return l.T("duration.and", "First", parts[0], "Second", parts[1])
	}
	return strings.Join(parts, "")
}

// Zone returns the time zone named name (an IANA name such as Europe/Berlin),
// or nil when name is "" or not a zone.
func Zone(name string) *time.Location {
	if !ValidZone(name) {
		return nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	return loc
}

// ValidZone reports whether name is a time zone Gatehouse accepts
// (gatehouse.ValidTimeZone: UTC or an IANA Area/Location name).
func ValidZone(name string) bool { return gatehouse.ValidTimeZone(name) }

func zoneOr(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// zoneName is the zone's abbreviation (CET, WIB) or, for zones that have
// none, its offset (+07).
func zoneName(t time.Time) string {
	name, _ := t.Zone()
	return name
}
