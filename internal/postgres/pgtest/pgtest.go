// Package pgtest gives tests a fresh PostgreSQL database of their own.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/testenv"
)

// EnvURL names the variable holding the URL of a PostgreSQL server where
// tests may create databases.
const EnvURL = "OPENCHAT_TEST_POSTGRES_URL"

// adminTimeout bounds creating and dropping a test database.
const adminTimeout = 30 * time.Second

// NewDatabase creates a uniquely named database on the server of
// $OPENCHAT_TEST_POSTGRES_URL, returns its URL and drops it (WITH (FORCE),
// so open connections do not keep it alive) when the test ends. Without the
// variable the test is skipped, except in CI (CI=true) where it fails: the
// PostgreSQL tests must run there.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvURL)
	if admin == "" {
		testenv.Missing(t, "", "%s is not set", EnvURL)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "openchat_test_" + hex.EncodeToString(b[:])
	exec(t, admin, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize())
	t.Cleanup(func() { exec(t, admin, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`) })
	u.Path = "/" + name
	return u.String()
}

func exec(t testing.TB, admin, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// WithParams returns the database URL dbURL with the query parameters
// params (pool settings such as pool_max_conns) added or replaced.
func WithParams(t testing.TB, dbURL string, params url.Values) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("parse %s: %v", dbURL, err)
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}
