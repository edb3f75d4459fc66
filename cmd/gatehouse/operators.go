package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/operator"
)

const operatorUsage = `Usage:
  gatehouse operator add --username U --email E
  gatehouse operator disable|enable|remove --username U [--reason R]
  gatehouse operator apikey create --name N | list | revoke --id ID
  gatehouse operator log [--org SLUG]        (CSV on standard output)`

// cmdOperator manages the service desk's accounts, its API keys and its log.
func cmdOperator(ctx context.Context, e env, args []string) error {
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	if sub == "apikey" && len(args) > 1 {
		sub, args = "apikey "+args[1], args[1:]
	}
	switch sub {
	case "add", "disable", "enable", "remove", "log", "apikey create", "apikey list", "apikey revoke":
	default:
		fmt.Fprintln(e.stderr, operatorUsage)
		return errUsage
	}
	var username, email, name, id, slug, reason string
	a, _, err := openApp(ctx, e, "operator "+sub, args[1:], func(fs *flag.FlagSet) {
		switch sub {
		case "add":
			fs.StringVar(&username, "username", "", "the operator's username (required)")
			fs.StringVar(&email, "email", "", "where the activation link goes (required)")
		case "disable", "enable", "remove":
			fs.StringVar(&username, "username", "", "the operator's username (required)")
			fs.StringVar(&reason, "reason", "", "why, for the operator log")
		case "apikey create":
			fs.StringVar(&name, "name", "", "a name that says which system uses the key (required)")
		case "apikey revoke":
			fs.StringVar(&id, "id", "", "the id of the key (required)")
		case "log":
			fs.StringVar(&slug, "org", "", "only the entries about this organization")
		}
	})
	if err != nil {
		return err
	}
	defer a.Close()
	svc := a.Desk
	client := gatehouse.Client{IP: "command-line"}
	switch sub {
	case "add":
		added, err := svc.Add(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), client, username, email)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "Added operator %s, id %s. An email with this activation link is queued for %s; it works once, for %s:\n\n  %s\n\n",
			added.Operator.Username, added.Operator.ID, email, gatehouse.FormatDuration(operator.ActivationTTL), added.Link)
	case "disable", "enable", "remove":
		change := map[string]func(context.Context, gatehouse.Actor, gatehouse.Client, string, string) (*operator.Profile, error){
			"disable": svc.Disable, "enable": svc.Enable, "remove": svc.Remove}[sub]
		if username == "" {
			return fmt.Errorf("operator %s: --username is required", sub)
		}
		p, err := change(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), client, username, reason)
		if err != nil {
			return describe(err)
		}
		if sub == "remove" {
			fmt.Fprintf(e.stdout, "Removed operator %s (id %s); the operator log keeps their entries.\n", p.Username, p.ID)
		} else {
			fmt.Fprintf(e.stdout, "Operator %s is %s.\n", p.Username, p.State)
		}
	case "apikey create":
		k, raw, err := svc.CreateAPIKey(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), client, name)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stderr, "Created operator API key %q, id %s. It is shown this once; store it now:\n", k.Name, k.ID)
		fmt.Fprintln(e.stdout, raw)
	case "apikey list":
		keys, err := svc.APIKeys(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID))
		if err != nil {
			return describe(err)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tKEY\tCREATED\tLAST USED\tREVOKED")
		for _, k := range keys {
			fmt.Fprintf(tw, "%s\t%s\t%s…\t%s\t%s\t%s\n", k.ID, k.Name, k.Prefix, stamp(k.CreatedAt), stamp(k.LastUsedAt), stamp(k.RevokedAt))
		}
		return tw.Flush()
	case "apikey revoke":
		if err := svc.RevokeAPIKey(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), client, id); err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "Revoked operator API key %s.\n", id)
	case "log":
		f := operator.LogFilter{}
		if slug != "" {
			if f.OrgID, err = orgID(ctx, a, slug); err != nil {
				return err
			}
		}
		if err := svc.ExportCSV(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), f, e.stdout); err != nil {
			return describe(err)
		}
	}
	return nil
}
