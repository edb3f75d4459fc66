package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/oidc"
)

const clientUsage = "Usage: gatehouse client create --name NAME --redirect-uri URI [--redirect-uri URI] [--post-logout-uri URI] [--backchannel-logout-uri URI] [--public] [--first-party] [--offline] | gatehouse client list | gatehouse client rotate-secret --id ID | gatehouse client delete --id ID (each with [--org SLUG], default the default organization)"

// multi is a flag that may be repeated.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, " ") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// cmdClient registers, lists, rotates the secret of and deletes OpenID
// Connect clients. The command line acts as the system; every change is
// audited like one made in the admin area.
func cmdClient(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list" && args[0] != "rotate-secret" && args[0] != "delete") {
		fmt.Fprintln(e.stderr, clientUsage)
		return errUsage
	}
	sub := args[0]
	var n oidc.NewClient
	var redirects, logouts multi
	var id, slug string
	a, _, err := openApp(ctx, e, "client "+sub, args[1:], func(fs *flag.FlagSet) {
		orgFlag(fs, &slug)
		switch sub {
		case "create":
			fs.StringVar(&n.Name, "name", "", "the application's name, shown on the consent page (required)")
			fs.Var(&redirects, "redirect-uri", "a redirect URI, matched exactly (required; repeat for more)")
			fs.Var(&logouts, "post-logout-uri", "a post-logout redirect URI (repeat for more)")
			fs.StringVar(&n.BackchannelLogoutURI, "backchannel-logout-uri", "", "where logout tokens are posted when a member's session ends")
			fs.BoolVar(&n.Public, "public", false, "a public client (no secret; PKCE required)")
			fs.BoolVar(&n.FirstParty, "first-party", false, "the organization's own application: no consent page")
			fs.BoolVar(&n.Offline, "offline", false, "refresh tokens without the offline_access scope")
		case "rotate-secret", "delete":
			fs.StringVar(&id, "id", "", "the client_id, as listed by gatehouse client list (required)")
		}
	})
	if err != nil {
		return err
	}
	defer a.Close()
	p := a.OIDC
	client := gatehouse.Client{IP: "command-line"}
	org, err := orgID(ctx, a, slug)
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		n.RedirectURIs, n.PostLogoutURIs = redirects, logouts
		cl, sec, err := p.Clients.Create(ctx, gatehouse.SystemActor(org), client, org, n)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "client_id: %s\n", cl.ID)
		if sec != "" {
			fmt.Fprintf(e.stdout, "client_secret: %s\n", sec)
			fmt.Fprintln(e.stderr, "The secret is shown this once; store it now.")
		}
		if iss, err := p.Issuer(ctx, org); err == nil {
			fmt.Fprintf(e.stderr, "Issuer: %s\n", iss)
		}
	case "list":
		cls, err := p.Clients.List(ctx, gatehouse.SystemActor(org), org)
		if err != nil {
			return describe(err)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CLIENT ID\tNAME\tKIND\tFIRST-PARTY\tREDIRECT URIS\tCREATED")
		for _, c := range cls {
			kind := "confidential"
			if c.Public {
				kind = "public"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\t%s\n", c.ID, c.Name, kind, c.FirstParty, strings.Join(c.RedirectURIs, " "), stamp(c.CreatedAt))
		}
		return tw.Flush()
	case "rotate-secret":
		if id == "" {
			return fmt.Errorf("--id is required")
		}
		sec, err := p.Clients.RotateSecret(ctx, gatehouse.SystemActor(org), client, org, id)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "client_id: %s\nclient_secret: %s\n", id, sec)
		fmt.Fprintln(e.stderr, "The previous secret keeps working for a day.")
	case "delete":
		if id == "" {
			return fmt.Errorf("--id is required")
		}
		if err := p.Clients.Delete(ctx, gatehouse.SystemActor(org), client, org, id); err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "Deleted client %s.\n", id)
	}
	return nil
}
