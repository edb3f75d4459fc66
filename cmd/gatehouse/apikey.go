package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

const apikeyUsage = "Usage: gatehouse apikey create --name N --role administrator|owner | gatehouse apikey list | gatehouse apikey revoke --id ID"

// cmdAPIKey creates, lists and revokes API keys of the management API. The
// command line acts as the system, with the owner's rights; every change is
// audited like one made in the admin area.
func cmdAPIKey(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list" && args[0] != "revoke") {
		fmt.Fprintln(e.stderr, apikeyUsage)
		return errUsage
	}
	sub := args[0]
	var name, role, id, slug string
	cfg, _, err := configFlags(e, "apikey "+sub, args[1:], func(fs *flag.FlagSet) {
		orgFlag(fs, &slug)
		switch sub {
		case "create":
			fs.StringVar(&name, "name", "", "a name that says which application uses the key (required)")
			fs.StringVar(&role, "role", "administrator", "administrator or owner")
		case "revoke":
			fs.StringVar(&id, "id", "", "the id of the key, as listed by gatehouse apikey list (required)")
		}
	})
	if err != nil {
		return err
	}
	log := newLogger(cfg, e.stderr)
	st, err := openStore(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	a, err := build(ctx, cfg, log, st)
	if err != nil {
		return err
	}
	defer a.Close()
	resolve := orgID
	if sub == "create" {
		resolve = activeOrgID
	}
	org, err := resolve(ctx, a, slug)
	if err != nil {
		return err
	}
	client := gatehouse.Client{IP: "command-line"}
	switch sub {
	case "create":
		key, k, err := a.APIKeys.Create(ctx, gatehouse.SystemActor(org), client, org, name, gatehouse.Role(role))
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stderr, "Created API key %q (%s), id %s. It is shown this once; store it now:\n", k.Name, k.Role, k.ID)
		fmt.Fprintln(e.stdout, key)
	case "list":
		keys, err := a.APIKeys.List(ctx, gatehouse.SystemActor(org), org)
		if err != nil {
			return describe(err)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tKEY\tCREATED\tLAST USED\tREVOKED")
		for _, k := range keys {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s…\t%s\t%s\t%s\n", k.ID, k.Name, k.Role, k.Prefix, stamp(k.CreatedAt), stamp(k.LastUsedAt), stamp(k.RevokedAt))
		}
		return tw.Flush()
	case "revoke":
		if id == "" {
			return fmt.Errorf("--id is required")
		}
		if err := a.APIKeys.Revoke(ctx, gatehouse.SystemActor(org), client, org, id); err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "Revoked API key %s.\n", id)
	}
	return nil
}

// stamp writes a time for the terminal; "-" for never.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}
