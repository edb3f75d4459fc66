package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/app"
	"github.com/gatehouse-auth/gatehouse/phone"
)

func cmdUser(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(e.stderr, "Usage: gatehouse user add --username U --email E [--work-email W] [--mobile +E164] [--name N] [--role member|administrator|owner] [--password-stdin]")
		return errUsage
	}
	var nm gatehouse.NewMember
	var role, mobile string
	var passwordStdin bool
	var slug string
	a, _, err := openApp(ctx, e, "user add", args[1:], func(fs *flag.FlagSet) {
		orgFlag(fs, &slug)
		fs.StringVar(&nm.Username, "username", "", "username (required)")
		fs.StringVar(&nm.Email, "email", "", "personal email address (required)")
		fs.StringVar(&nm.WorkEmail, "work-email", "", "work email address")
		fs.StringVar(&mobile, "mobile", "", "mobile number in international format, like +447400123456")
		fs.StringVar(&nm.DisplayName, "name", "", "display name")
		fs.StringVar(&role, "role", "member", "member, administrator or owner")
		fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input; the account is active at once")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if nm.OrgID, err = activeOrgID(ctx, a, slug); err != nil {
		return err
	}
	nm.Role = gatehouse.Role(role)
	if mobile != "" {
		if nm.Mobile, err = phone.ParseNumber(mobile, ""); err != nil {
			return fmt.Errorf("--mobile: %w", err)
		}
	}
	if passwordStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("--password-stdin: no password on standard input")
		}
		// Only the line ending is removed: the password is used exactly as typed.
		nm.Password = strings.TrimRight(line, "\r\n")
		if nm.Password == "" {
			return fmt.Errorf("--password-stdin: the password is empty")
		}
	}
	m, link, err := a.Admin.CreateMember(ctx, gatehouse.SystemActor(nm.OrgID), gatehouse.Client{IP: "command-line"}, nm)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "Created %s (%s), id %s, state %s.\n", m.Username, m.Role, m.ID, m.State)
	if link != "" {
		fmt.Fprintf(e.stdout, "The account waits for activation. An email with this link is queued for %s; the link works for %s:\n\n  %s\n\n"+
			"A running gatehouse serve on this database sends the email within seconds; otherwise the next one to start does.\n",
			m.ContactEmail(), mustSetting(ctx, a, nm.OrgID, "activation_link_ttl"), link)
	}
	return nil
}

// describe turns a domain error into a message for the terminal, naming every
// field at fault.
func describe(err error) error {
	fields := gatehouse.ErrorFields(err)
	if len(fields) == 0 {
		return fmt.Errorf("%s", gatehouse.ErrorMessage(err))
	}
	var b strings.Builder
	for _, f := range fields {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Message)
	}
	return fmt.Errorf("refused:%s", b.String())
}

func mustSetting(ctx context.Context, a *app.App, orgID, name string) string {
	set, err := a.Account.Settings(ctx, orgID)
	if err != nil {
		return "?"
	}
	v, _ := set.Get(name)
	return v
}
