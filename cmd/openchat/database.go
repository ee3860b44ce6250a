package main

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// sqliteFile is the database file inside --data-dir.
const sqliteFile = "openchat.db"

// checkDatabaseURL accepts empty (SQLite) or a PostgreSQL URL.
func checkDatabaseURL(u string) error {
	if u == "" || isPostgresURL(u) {
		return nil
	}
	return fmt.Errorf("--database-url: want postgres://… or postgresql://… (empty for SQLite), got %q", u)
}

func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// sqlitePath is the SQLite database of the data dir.
func (c *config) sqlitePath() string { return filepath.Join(c.DataDir, sqliteFile) }

// describeDatabase names the database for operators, without a password.
func (c *config) describeDatabase() string {
	if c.DatabaseURL == "" {
		return "sqlite " + c.sqlitePath()
	}
	return "postgres " + redactURL(c.DatabaseURL)
}

// redactURL hides the password of a URL.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return p.Redacted()
}
