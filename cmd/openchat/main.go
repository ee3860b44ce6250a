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
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "openchat:", err)
		}
		stop()
		os.Exit(1)
	}
}

const usage = `OpenChat: a self-hostable real-time chat server.

Usage:
  openchat [serve] [flags]      run the server (the default command)
  openchat migrate [flags]      apply database migrations and exit
  openchat web export DIR       write the web client as static files for a CDN
  openchat version              print the version
  openchat help                 this text; "openchat serve --help" lists every flag

Every flag can also be set with an OPENCHAT_* environment variable:
--database-url is OPENCHAT_DATABASE_URL, and so on.
`

// run is the whole program; main only supplies the process's environment,
// so tests start the real server in a goroutine.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && (len(args[0]) > 0 && args[0][0] != '-' || args[0] == "-h" || args[0] == "--help") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		var c config
		if err := parseServe(&c, args, getenv, stderr); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil // usage already printed
			}
			return err
		}
		return serve(ctx, c, stderr)
	case "migrate":
		var c config
		if err := parseServe(&c, args, getenv, stderr); err != nil {
			return err
		}
		return migrate(ctx, c, newLogger(c, stderr))
	case "web":
		return webCommand(args, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "openchat", versionString())
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

func versionString() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return version
}

func newLogger(c config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if c.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(h).With("instance", c.InstanceID)
}
