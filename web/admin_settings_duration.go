package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// Durations on the settings page are a whole number and a unit (seconds,
// minutes, hours, days), not text such as "30m" that people must learn to
// write. The page builds the stored form ("90m", "2d") from the two fields and
// shows a stored value in the largest unit that holds it exactly, so that what
// is saved is what is shown. The API and the command line keep the text form.

// durUnit is a unit a duration field offers.
type durUnit struct {
	Suffix string // as ParseDuration reads it: s, m, h, d
	Name   string // plural, for the unit picker
	D      time.Duration
}

var durUnits = []durUnit{
	{"s", "seconds", time.Second}, {"m", "minutes", time.Minute}, {"h", "hours", time.Hour}, {"d", "days", 24 * time.Hour},
}

// durField is what a duration field shows: a number, its unit and the units
// the setting's range calls for.
type durField struct {
	Number string
	Unit   string // a Suffix
	Units  []durUnit
}

// durUnitsFor returns the units that fit d's range: none larger than its
// maximum, and seconds only when the minimum is not whole minutes.
func durUnitsFor(d *gatehouse.SettingDef) []durUnit {
	var out []durUnit
	for _, u := range durUnits {
		if u.D > d.MaxDur && len(out) > 0 {
			break
		}
		if u.D == time.Second && d.MinDur >= time.Minute && d.MinDur%time.Minute == 0 {
			continue
		}
		out = append(out, u)
	}
	return out
}

// durFieldOf shows the stored value v (text form) of d: in the largest offered
// unit that holds it exactly, adding seconds when none does.
func durFieldOf(d *gatehouse.SettingDef, v string) durField {
	f := durField{Units: durUnitsFor(d)}
	dur, err := gatehouse.ParseDuration(v)
	if err != nil {
		return f
	}
	if dur%f.Units[0].D != 0 {
		f.Units = append([]durUnit{durUnits[0]}, f.Units...)
	}
	u := f.Units[0]
	if dur != 0 {
		for _, c := range f.Units {
			if dur%c.D == 0 {
				u = c
			}
		}
	}
	f.Number, f.Unit = strconv.FormatInt(int64(dur/u.D), 10), u.Suffix
	return f
}

// durFieldTyped shows what was typed into the duration field of d, after a
// refusal.
func durFieldTyped(d *gatehouse.SettingDef, r *http.Request) durField {
	f := durField{Number: r.PostForm.Get(d.Name), Unit: r.PostForm.Get(d.Name + "_unit"), Units: durUnitsFor(d)}
	for _, u := range f.Units {
		if u.Suffix == f.Unit {
			return f
		}
	}
	if f.Unit == "s" {
		f.Units = append([]durUnit{durUnits[0]}, f.Units...)
	}
	return f
}

// durationValue reads the duration field of d from the form: the stored form
// of the number and unit, or ok false and what to tell when the number is not
// a whole number or the unit is not one the field offers.
func durationValue(d *gatehouse.SettingDef, r *http.Request) (value, problem string, ok bool) {
	n := strings.TrimSpace(r.PostForm.Get(d.Name))
	unit := r.PostForm.Get(d.Name + "_unit")
	known := false
	for _, u := range durUnits {
		known = known || u.Suffix == unit
	}
	num, err := strconv.ParseUint(n, 10, 32)
	switch {
	case !known:
		return "", fmt.Sprintf("%s: choose seconds, minutes, hours or days.", d.Label), false
	case n == "":
		return "", fmt.Sprintf("%s: enter a number.", d.Label), false
	case err != nil:
		return "", fmt.Sprintf("%s: enter a whole number, like 30.", d.Label), false
	}
	return strconv.FormatUint(num, 10) + unit, "", true
}

// durationRange says a duration setting's range in words: "From 5 minutes to
// 30 days."
func durationRange(d *gatehouse.SettingDef) string {
	return fmt.Sprintf("From %s to %s.", humanDuration(d.MinDur), humanDuration(d.MaxDur))
}
