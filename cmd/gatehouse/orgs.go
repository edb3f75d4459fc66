package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/app"
	"github.com/gatehouse-auth/gatehouse/org"
)

const orgUsage = `Usage:
  gatehouse org create --slug S --name N --host H [--host H2 ...] [--owner-email E] [--mail-from A]
  gatehouse org list [--query Q] [--state active|suspended]
  gatehouse org show SLUG
  gatehouse org update SLUG [--name N] [--host H ...]
  gatehouse org suspend SLUG [--reason R]
  gatehouse org resume SLUG [--reason R]
  gatehouse org invite SLUG [--owner-email E]`

// hostList is a repeatable --host flag.
type hostList []string

func (h *hostList) String() string     { return strings.Join(*h, ",") }
func (h *hostList) Set(v string) error { *h = append(*h, v); return nil }

// orgFlag adds --org to a command that acts inside an organization.
func orgFlag(fs *flag.FlagSet, slug *string) {
	fs.StringVar(slug, "org", gatehouse.DefaultOrgID, "the slug of the organization to act in (see gatehouse org list)")
}

// orgID returns the id of the organization with the slug.
func orgID(ctx context.Context, a *app.App, slug string) (string, error) {
	if slug == "" || slug == gatehouse.DefaultOrgID {
		return gatehouse.DefaultOrgID, nil
	}
	o, err := a.Orgs.BySlug(ctx, slug)
	if err != nil {
		return "", fmt.Errorf("--org: %s", gatehouse.ErrorMessage(err))
	}
	return o.ID, nil
}

// activeOrgID is orgID for a command that adds or changes something inside
// the organization: a suspended organization is refused, as its sign-ins,
// sessions and keys are, until it is resumed. Reading (settings show, apikey
// list) and revoking a key, which only takes access away, stay possible.
func activeOrgID(ctx context.Context, a *app.App, slug string) (string, error) {
	id, err := orgID(ctx, a, slug)
	if err != nil {
		return "", err
	}
	o, err := a.Store.Organization(ctx, id)
	if err != nil {
		return "", describe(err)
	}
	if o.Suspended() {
		return "", fmt.Errorf("--org %s: the organization is suspended; nothing is added or changed in it until it is resumed (gatehouse org resume %s)", o.Slug, o.Slug)
	}
	return id, nil
}

// cmdOrg manages the organizations of the installation. The command line acts
// as the system; every change is in the organization's audit log.
func cmdOrg(ctx context.Context, e env, args []string) error {
	subs := map[string]bool{"create": true, "list": true, "show": true, "update": true, "suspend": true, "resume": true, "invite": true}
	if len(args) == 0 || !subs[args[0]] {
		fmt.Fprintln(e.stderr, orgUsage)
		return errUsage
	}
	sub, rest := args[0], args[1:]
	// The slug comes first for the commands about one organization, so that
	// the flags after it parse as flags.
	slug := ""
	if sub != "create" && sub != "list" {
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			fmt.Fprintln(e.stderr, orgUsage)
			return errUsage
		}
		slug, rest = rest[0], rest[1:]
	}
	var req org.CreateRequest
	var hosts hostList
	var name, query, state, reason string
	a, fs, err := openApp(ctx, e, "org "+sub, rest, func(fs *flag.FlagSet) {
		switch sub {
		case "create":
			fs.StringVar(&req.Slug, "slug", "", "short unique name, such as acme (required)")
			fs.StringVar(&req.Name, "name", "", "the organization's name (required)")
			fs.Var(&hosts, "host", "a host name it answers on, exactly (repeat for more; the first is its links' host)")
			fs.StringVar(&req.OwnerEmail, "owner-email", "", "email the first-owner invitation to this address too")
			fs.StringVar(&req.MailFrom, "mail-from", "", "the sender address of its emails (its mail_from_address setting); default: the default organization's")
		case "list":
			fs.StringVar(&query, "query", "", "part of a slug, name or host")
			fs.StringVar(&state, "state", "", "active or suspended")
		case "update":
			fs.StringVar(&name, "name", "", "a new name")
			fs.Var(&hosts, "host", "the hosts (repeat; replaces them all, in order)")
		case "suspend", "resume":
			fs.StringVar(&reason, "reason", "", "why, for the audit log")
		case "invite":
			fs.StringVar(&req.OwnerEmail, "owner-email", "", "email the invitation to this address too")
		}
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	svc := a.Orgs
	client := gatehouse.Client{IP: "command-line"}
	actor := gatehouse.SystemActor(gatehouse.DefaultOrgID)
	switch sub {
	case "create":
		req.Hosts = hosts
		c, err := svc.Create(ctx, actor, client, req)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "Created %s (%s), id %s, on %s.\n", c.Org.Slug, c.Org.Name, c.Org.ID, strings.Join(c.Org.Hosts, ", "))
		printInvitation(e, req.OwnerEmail, c.Invitation)
	case "invite":
		link, err := svc.Invite(ctx, actor, client, slug, req.OwnerEmail)
		if err != nil {
			return describe(err)
		}
		printInvitation(e, req.OwnerEmail, link)
	case "list":
		list, _, err := svc.List(ctx, actor, org.Filter{Query: query, State: gatehouse.OrgState(state), Limit: 200})
		if err != nil {
			return describe(err)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SLUG\tNAME\tSTATE\tHOSTS\tMEMBERS\tOWNERS")
		for _, s := range list {
			var owners []string
			for _, o := range s.Owners {
				owners = append(owners, o.Username)
			}
			hosts := strings.Join(s.Org.Hosts, " ")
			if s.Org.IsDefault() {
				hosts = a.Account.PublicURL.Host + " (public URL)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", s.Org.Slug, s.Org.Name, s.Org.State, hosts, s.Members, strings.Join(owners, " "))
		}
		return tw.Flush()
	case "show":
		s, err := svc.Show(ctx, actor, slug)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "Slug:     %s\nName:     %s\nId:       %s\nState:    %s\nHosts:    %s\nURL:      %s\nMembers:  %d\nCreated:  %s\n",
			s.Org.Slug, s.Org.Name, s.Org.ID, s.Org.State, strings.Join(s.Org.Hosts, ", "), org.BaseURL(a.Account.PublicURL, s.Org),
			s.Members, stamp(s.Org.CreatedAt))
		fmt.Fprintln(e.stdout, "Owners:")
		for _, o := range s.Owners {
			fmt.Fprintf(e.stdout, "  %s (%s) %s %s, %s, support PIN %s\n", o.Username, o.DisplayName, o.Email, o.Mobile, o.State, map[bool]string{true: "set", false: "not set"}[o.PINSet])
		}
	case "update":
		var ur org.UpdateRequest
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "name" {
				ur.Name = &name
			}
		})
		if len(hosts) > 0 {
			ur.Hosts = hosts
		}
		o, err := svc.Update(ctx, actor, client, slug, ur)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "%s (%s) answers on %s.\n", o.Slug, o.Name, strings.Join(o.Hosts, ", "))
	case "suspend", "resume":
		do := svc.Suspend
		if sub == "resume" {
			do = svc.Resume
		}
		o, err := do(ctx, actor, client, slug, reason)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "%s is %s.\n", o.Slug, o.State)
	}
	return nil
}

func printInvitation(e env, email, link string) {
	if email != "" {
		fmt.Fprintf(e.stdout, "An email with the first-owner invitation is queued for %s.\n", email)
	}
	fmt.Fprintf(e.stdout, "The first owner is created with this link, which works once, for %s:\n\n  %s\n\n",
		gatehouse.FormatDuration(org.InvitationTTL), link)
}
