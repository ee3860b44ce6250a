package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/postgres"
)

// adminCommand runs `openchat admin grant|revoke USERNAME`: it makes an
// account a server admin or no longer one, in the database directly (the
// audit log names the command line). A running server sees the change
// within chat.SessionCacheTTL (its session cache).
func adminCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 && (args[0] == "grant" || args[0] == "revoke") {
		sub, args = args[0], args[1:]
	}
	c, err := maintenanceConfig("admin", args, getenv, stderr, 1)
	if err != nil {
		return err
	}
	if sub == "" {
		printUsage(stderr, newFlagSet("admin", &config{}, stderr), "admin")
		return fmt.Errorf("admin: want grant or revoke, then a username")
	}
	username := args[len(args)-1]
	log := newLogger(c, stderr)
	st, err := openStore(ctx, c, postgres.Open, log)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := chat.SetAdmin(ctx, st, username, sub == "grant", time.Now())
	if err != nil {
		return fmt.Errorf("admin %s %s: %w", sub, username, err)
	}
	state := "is now a server admin"
	if !u.Admin {
		state = "is no longer a server admin"
	}
	fmt.Fprintf(stdout, "%s %s (%s)\n", u.Username, state, c.describeDatabase())
	return nil
}
