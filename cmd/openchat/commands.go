package main

import (
	"flag"
	"fmt"
	"io"
)

// commandHelp is the --help text of a command that takes the serve flags
// but uses only some of them.
type commandHelp struct {
	usage string
	flags []string // shown under "Flags"; the command ignores the others
}

// databaseFlags choose the database every maintenance command works on.
var databaseFlags = []string{"config", "data-dir", "database-url", "log-level", "log-format"}

var commandHelps = map[string]commandHelp{
	"migrate": {usage: `Usage: openchat migrate [status|up] [flags]

  status   list every migration this binary knows and whether the database has it
  up       apply the missing ones (the default; "openchat serve" does it too)

Migrations only go forward: to undo an upgrade, restore the backup taken
before it (docs/operations.md).
`, flags: databaseFlags},
	"backup": {usage: `Usage: openchat backup [flags] FILE

Writes a consistent backup to FILE (which must not exist) while the server
keeps running. SQLite: a database file (VACUUM INTO), checked with
PRAGMA integrity_check. PostgreSQL: pg_dump's custom format (pg_dump on
PATH). Keep <data-dir>/secret (or --secret) with it: unsubscribe links are
signed with it.
`, flags: databaseFlags},
	"restore": {usage: `Usage: openchat restore [flags] FILE

Restores a backup made by "openchat backup". SQLite: into --data-dir, which
must be empty or absent. PostgreSQL: into --database-url, which must hold no
tables (pg_restore on PATH). Start the server afterwards.
`, flags: databaseFlags},
	"admin": {usage: `Usage: openchat admin grant|revoke [flags] USERNAME

  grant    make the account a server admin
  revoke   make it no longer one (refused for the last active admin)

The first account of a server is its admin. Admins deactivate accounts,
delete messages, archive and delete rooms, send password-reset links and
read the audit log (docs/operations.md, "Administration and moderation").
A running server sees the change within 30 seconds.
`, flags: databaseFlags},
	"copy": {usage: `Usage: openchat copy --to postgres://… [--from FILE] [flags]

Moves a SQLite installation to PostgreSQL: migrates both to this binary's
schema, copies every table in one transaction, checks the row count of each,
and refuses a target that already has rows. Stop the servers first.
`, flags: append([]string{"to", "from"}, databaseFlags...)},
}

// printUsage is the --help of the serve flag set under the name of a
// command.
func printUsage(w io.Writer, fs *flag.FlagSet, name string) {
	h, ok := commandHelps[name]
	if !ok {
		fmt.Fprintf(w, "Usage: openchat %s [flags]\n\nFlags (each also read from the environment variable in brackets):\n", name)
		printFlags(w, fs, nil)
		return
	}
	fmt.Fprint(w, h.usage)
	fmt.Fprintln(w, "\nFlags (where in brackets, also read from that environment variable):")
	printFlags(w, fs, h.flags)
}
