package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestSettingsDurationFields: a duration is a number and a unit on the page;
// what is saved is shown again in the largest unit that holds it exactly; a
// number that is not whole, a missing unit and a value out of range are each
// named at once, in words (minutes, days), and nothing is saved. The text
// form ("90m") still works for forms and scripts that send it.
func TestSettingsDurationFields(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		newAdminOrg(t, s)
		b := signedInAs(t, s, "adam")
		settings := func() gatehouse.Settings {
			set, err := s.Account.Settings(context.Background(), gatehouse.DefaultOrgID)
			if err != nil {
				t.Fatal(err)
			}
			return set
		}
		page := b.Get("/admin/settings").Body
		// The default idle timeout, 1h, is 1 hour; seconds are not offered
		// for a range that starts at 5 minutes, but are for the resend wait.
		if !strings.Contains(page, `id="session_idle_timeout" name="session_idle_timeout" type="number" min="0" step="1" inputmode="numeric" value="1"`) ||
			!strings.Contains(page, `<option value="h" selected>hours</option>`) {
			t.Errorf("idle timeout field:\n%s", htmlBetween(page, `id="setting-session_idle_timeout"`, `</div>
    </div>`))
		}
		if strings.Contains(htmlBetween(page, `id="session_idle_timeout_unit"`, "</select>"), `"s"`) ||
			!strings.Contains(htmlBetween(page, `id="two_factor_resend_cooldown_unit"`, "</select>"), `<option value="s" selected>seconds</option>`) {
			t.Error("units offered do not follow the ranges")
		}
		if !strings.Contains(page, "From 5 minutes to 30 days. Default: 1 hour.") {
			t.Error("the range is not said in words")
		}

		save := func(form url.Values) *webtest.Response {
			form.Set("section", "sign-in-and-sessions")
			return b.Post("/admin/settings", form)
		}
		r := save(url.Values{"session_idle_timeout": {"90"}, "session_idle_timeout_unit": {"m"},
			"session_absolute_timeout": {"2"}, "session_absolute_timeout_unit": {"d"},
			"signin_max_delay": {"45"}, "signin_max_delay_unit": {"s"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", r.Status, htmlBetween(r.Body, `<main`, `</form>`))
		}
		if set := settings(); set.SessionIdleTimeout != 90*time.Minute || set.SessionAbsoluteTimeout != 48*time.Hour || set.SigninMaxDelay != 45*time.Second {
			t.Errorf("saved %v, %v, %v", set.SessionIdleTimeout, set.SessionAbsoluteTimeout, set.SigninMaxDelay)
		}
		page = b.Follow(r).Body
		for _, want := range []string{
			`name="session_idle_timeout" type="number" min="0" step="1" inputmode="numeric" value="90"`,
			`name="session_absolute_timeout" type="number" min="0" step="1" inputmode="numeric" value="2"`,
			`name="signin_max_delay" type="number" min="0" step="1" inputmode="numeric" value="45"`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("not shown again: %s", want)
			}
		}
		if !strings.Contains(htmlBetween(page, `id="session_absolute_timeout_unit"`, "</select>"), `<option value="d" selected>days</option>`) {
			t.Error("2 days is not shown in days")
		}

		// Three problems at once, nothing saved, the typed values kept.
		r = save(url.Values{"session_idle_timeout": {"1.5"}, "session_idle_timeout_unit": {"h"},
			"session_absolute_timeout": {"91"}, "session_absolute_timeout_unit": {"d"},
			"signin_max_delay": {"10"}, "signin_max_delay_unit": {"weeks"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("refused: %d", r.Status)
		}
		for _, want := range []string{"Idle timeout: enter a whole number, like 30.", "Absolute timeout must be from 1 hour to 90 days.",
			"Maximum delay: choose seconds, minutes, hours or days.", `value="1.5"`, `value="91"`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("the refusal lacks %q", want)
			}
		}
		if set := settings(); set.SessionIdleTimeout != 90*time.Minute || set.SessionAbsoluteTimeout != 48*time.Hour {
			t.Error("a refused form saved something")
		}
		// The text form, as before.
		if r := save(url.Values{"session_idle_timeout": {"2h"}}); r.Status != http.StatusSeeOther || settings().SessionIdleTimeout != 2*time.Hour {
			t.Errorf("text form: %d", r.Status)
		}
	})
}
