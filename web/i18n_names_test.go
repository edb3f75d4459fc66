package web

import (
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/i18n"
)

// TestEnglishOfTheAdminPagesIsInTheCatalog holds the English that Go code
// writes for the admin pages to the catalog: the templates translate it by
// its text (tr), so a name added or reworded here without its message would
// silently stay English in every language. The pseudo-locale marks what it
// translated, so a text it leaves unmarked has no message.
func TestEnglishOfTheAdminPagesIsInTheCatalog(t *testing.T) {
	xa := i18n.WithPseudo().Lang(i18n.Pseudo)
	check := func(what, english string) {
		t.Helper()
		if got := xa.Tr(english); !strings.Contains(got, i18n.PseudoOpen) {
			t.Errorf("%s %q has no message in the catalog", what, english)
		}
	}
	for typ, name := range eventNames {
		check("the name of event "+string(typ), name)
	}
	for action, name := range operatorActions {
		check("the name of operator action "+action, name)
	}
	for done, text := range adminNotices {
		check("the notice after "+done, text)
	}
	for kind, name := range messageKinds {
		check("the name of message kind "+kind, name)
	}
	for _, st := range []gatehouse.State{gatehouse.StateNeverActivated, gatehouse.StateActive, gatehouse.StateExpired, gatehouse.StateDisabled} {
		check("the state", stateLabel(st))
	}
	for _, s := range memberSorts {
		check("the column", s.Label)
	}
	for action, title := range bulkActions {
		check("the title of bulk action "+action, title)
	}
	for _, u := range durUnits {
		check("the unit", u.Name)
	}
	for _, w := range []string{"app", "passkey", "3 passkeys", "text message"} {
		check("the second step", w)
	}
	for scope, text := range scopeText {
		check("the consent text of scope "+scope, text)
	}
	for _, title := range []string{"Allow Partner app", "Signing you in", "Signed out", "Sign out"} {
		check("the OpenID Connect page title", title)
	}
	for _, g := range gatehouse.SettingGroups {
		check("the settings section", g)
	}
	for i := range gatehouse.SettingDefs {
		d := &gatehouse.SettingDefs[i]
		check("the label of setting "+d.Name, d.Label)
		check("the help of setting "+d.Name, d.Help)
		switch {
		case d.Kind == gatehouse.KindEnum && d.Name != "default_language":
			for _, v := range d.Enum {
				if id := "setting.value." + v; xa.T(id) == id {
					t.Errorf("the value %q of setting %s has no message %s", v, d.Name, id)
				}
			}
		case d.Kind == gatehouse.KindBool || d.Kind == gatehouse.KindDuration || d.Default == "":
			check("the default of setting "+d.Name, settingDefault(d))
		}
		if r := settingRange(d); r != "" {
			check("the range of setting "+d.Name, r)
		}
	}
	for _, title := range []string{"Members", "Settings", "Audit log", "Mail and SMS", "API keys", "Applications", "Webhooks",
		"New member", "Send activation codes", "Activation codes sent", "Delete Test ana"} {
		check("the page title", title)
	}
}
