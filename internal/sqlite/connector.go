package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync/atomic"

	msqlite "modernc.org/sqlite"
)

// openPool opens a pool of connections to dsn (no connection yet) that
// counts in *opened every connection it opens: database/sql counts the
// ones it closes, not those.
func openPool(dsn string, opened *atomic.Int64) (*sql.DB, error) {
	base, err := msqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(countingConnector{base, opened}), nil
}

// countingConnector hands out the driver's own connections, unwrapped, so
// that none of their optional interfaces is hidden from database/sql.
type countingConnector struct {
	driver.Connector
	opened *atomic.Int64
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err == nil {
		c.opened.Add(1)
	}
	return conn, err
}
