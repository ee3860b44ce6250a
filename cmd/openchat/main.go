// Command openchat runs the OpenChat server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/open-chat/openchat/internal/requestid"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runWithEnviron(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "openchat:", err)
		}
		stop()
		os.Exit(1)
	}
}

const usage = `OpenChat: a self-hostable real-time chat server.

Usage:
  openchat [serve] [flags]             run the server (the default command)
  openchat migrate [status|up] [flags] show or apply database migrations
  openchat backup [flags] FILE         write a consistent backup while the server runs
  openchat restore [flags] FILE        restore a backup into an empty data dir or database
  openchat copy --to postgres://… [flags]  move a SQLite installation to PostgreSQL
  openchat admin grant|revoke USERNAME make an account a server admin, or no longer one
  openchat web export DIR              write the web client as static files for a CDN
  openchat version                     print the version
  openchat help                        this text; "openchat COMMAND --help" lists its flags

Every flag can also be set with an OPENCHAT_* environment variable
(--database-url is OPENCHAT_DATABASE_URL) or in a --config file (TOML or
YAML, flag names as keys). Flags win over the environment, which wins over
the file. docs/operations.md is the operator's handbook.
`

// runWithEnviron is run with the process environment as a list, so that an
// OPENCHAT_* variable nobody reads (a typo) stops the start.
func runWithEnviron(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	if err := checkEnviron(environ); err != nil {
		return err
	}
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return run(ctx, args, func(k string) string { return env[k] }, stdout, stderr)
}

// run is the whole program; main only supplies the process's environment,
// so tests start the real server in a goroutine.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && (len(args[0]) > 0 && args[0][0] != '-' || args[0] == "-h" || args[0] == "--help") {
		cmd, args = args[0], args[1:]
	}
	err := runCommand(ctx, cmd, args, getenv, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil // usage already printed
	}
	return err
}

func runCommand(ctx context.Context, cmd string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	switch cmd {
	case "serve":
		var c config
		if err := parseServe(&c, args, getenv, stderr); err != nil {
			return err
		}
		return serve(ctx, c, getenv, stderr)
	case "migrate":
		return migrateCommand(ctx, args, getenv, stdout, stderr)
	case "backup":
		return backupCommand(ctx, args, getenv, stdout, stderr)
	case "restore":
		return restoreCommand(ctx, args, getenv, stdout, stderr)
	case "admin":
		return adminCommand(ctx, args, getenv, stdout, stderr)
	case "copy":
		return copyCommand(ctx, args, getenv, stdout, stderr)
	case "web":
		return webCommand(args, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, readBuildInfo())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		fmt.Fprintln(stdout)
		newFlagSet("serve", &config{}, stdout).Usage()
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// newLogger writes text or JSON lines at --log-level; every line names
// the instance, and lines logged with a request's context its request id.
func newLogger(c config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel)) // checked by the flag
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if c.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(requestid.LogHandler(h)).With("instance", c.InstanceID)
}
