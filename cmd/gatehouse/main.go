// Command gatehouse runs the Gatehouse account-security server and its
// administration commands.
//
//	gatehouse serve                      start the server (migrates the database first)
//	gatehouse migrate                    apply database migrations and exit
//	gatehouse user add --username U --email E [--password-stdin] ...
//	gatehouse settings show [--json]
//	gatehouse settings set NAME=VALUE...
//	gatehouse apikey create --name N --role administrator|owner
//	gatehouse apikey list | revoke --id ID
//	gatehouse client create --name N --redirect-uri URI ... | list | rotate-secret --id ID | delete --id ID
//	gatehouse org create|list|show|update|suspend|resume|invite ...
//	gatehouse operator add | apikey create|list|revoke | log
//	gatehouse version
//
// Every command takes the configuration flags listed by `gatehouse help`; each
// has an environment variable (GATEHOUSE_...) and a config-file key.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// env bundles what a command reads from and writes to, so tests can run commands
// in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// run executes one command and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, e, args[1:])
	case "migrate":
		err = cmdMigrate(ctx, e, args[1:])
	case "user":
		err = cmdUser(ctx, e, args[1:])
	case "settings":
		err = cmdSettings(ctx, e, args[1:])
	case "apikey":
		err = cmdAPIKey(ctx, e, args[1:])
	case "client":
		err = cmdClient(ctx, e, args[1:])
	case "org":
		err = cmdOrg(ctx, e, args[1:])
	case "operator":
		err = cmdOperator(ctx, e, args[1:])
	case "version":
		fmt.Fprintln(stdout, "gatehouse", version)
		return 0
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "gatehouse: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if err != nil {
		if err == errUsage {
			return 2
		}
		fmt.Fprintln(stderr, "gatehouse:", err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: gatehouse COMMAND [flags]

Commands:
  serve                         start the server (applies migrations first)
  migrate                       apply database migrations and exit
  user add --username U --email E [--work-email W] [--mobile +E164] [--name N]
           [--role member|administrator|owner] [--password-stdin]
                                create a member; without --password-stdin the account
                                waits for activation and its link is printed and emailed
  settings show [--json]        print the organization's settings
  settings set NAME=VALUE...    change settings (validated; audited)
  apikey create --name N [--role administrator|owner]
                                create a key for the management API; the key is
                                printed once, on standard output
  apikey list                   list the API keys (never the keys themselves)
  apikey revoke --id ID         revoke a key at once
  client create --name N --redirect-uri URI [--redirect-uri URI] [--post-logout-uri URI]
           [--backchannel-logout-uri URI] [--public] [--first-party] [--offline]
                                register an OpenID Connect application; prints
                                client_id: and client_secret: lines (docs/oidc.md)
  client list                   list the applications
  client rotate-secret --id ID  a new secret; the old one works for a day more
  client delete --id ID         delete an application and its tokens
                                (user, settings and apikey take --org SLUG: the
                                organization to act in, the default one otherwise)
  org create --slug S --name N --host H [--host H2] [--owner-email E]
                                create an organization answering on its hosts; its
                                first owner's one-time link (24 hours) is printed
  org list | show SLUG | update SLUG [--name N] [--host H...]
  org suspend SLUG | resume SLUG | invite SLUG [--owner-email E]
  operator add --username U --email E
                                add a service desk operator; prints the activation link
  operator apikey create --name N | list | revoke --id ID
                                keys of /api/v1/operator (shown once)
  operator log [--org SLUG]     the operator log as CSV
  version                       print the version

Configuration (flag, or environment variable, or key in the --config YAML file):
`+configTable())
}
