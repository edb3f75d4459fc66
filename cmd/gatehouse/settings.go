package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/gatehouse-auth/gatehouse"
)

func cmdSettings(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || (args[0] != "show" && args[0] != "set") {
		fmt.Fprintln(e.stderr, "Usage: gatehouse settings show [--json] | gatehouse settings set NAME=VALUE...")
		return errUsage
	}
	sub := args[0]
	var asJSON bool
	var slug string
	a, fs, err := openApp(ctx, e, "settings "+sub, args[1:], func(fs *flag.FlagSet) {
		orgFlag(fs, &slug)
		if sub == "show" {
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		}
	})
	if err != nil {
		return err
	}
	defer a.Close()
	resolve := orgID
	if sub == "set" {
		resolve = activeOrgID
	}
	org, err := resolve(ctx, a, slug)
	if err != nil {
		return err
	}
	if sub == "set" {
		values := map[string]string{}
		for _, kv := range fs.Args() {
			name, value, ok := strings.Cut(kv, "=")
			if !ok {
				return fmt.Errorf("%q: write NAME=VALUE", kv)
			}
			values[strings.TrimSpace(name)] = value
		}
		if len(values) == 0 {
			return fmt.Errorf("nothing to set: give NAME=VALUE pairs")
		}
		changes, err := a.Admin.UpdateSettings(ctx, gatehouse.SystemActor(org), gatehouse.Client{IP: "command-line"}, org, values)
		if err != nil {
			return describe(err)
		}
		if len(changes) == 0 {
			fmt.Fprintln(e.stdout, "Nothing changed.")
		}
		for _, c := range changes {
			fmt.Fprintf(e.stdout, "%s: %s -> %s\n", c.Name, c.Old, c.New)
		}
		return nil
	}
	set, err := a.Account.Settings(ctx, org)
	if err != nil {
		return err
	}
	vals := set.Map()
	for _, d := range gatehouse.SettingDefs {
		if d.Secret {
			vals[d.Name] = redacted(vals[d.Name])
		}
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(vals)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	group := ""
	for _, d := range gatehouse.SettingDefs {
		if d.Group != group {
			group = d.Group
			fmt.Fprintf(tw, "\n# %s\n", group)
		}
		fmt.Fprintf(tw, "%s\t%s\n", d.Name, vals[d.Name])
	}
	return tw.Flush()
}

func redacted(v string) string {
	if v == "" {
		return ""
	}
	return "(set)"
}
