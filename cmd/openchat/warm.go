package main

import (
	"context"
	"log/slog"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/postgres"
)

// warmStore readies a PostgreSQL store for the server's traffic
// (postgres.Store.Warm: its connections opened, each rehearsing the
// append); raw is the unwrapped store. A
// failure is logged, not fatal: the pool still grows on demand.
func warmStore(ctx context.Context, raw chat.Store, log *slog.Logger) {
	pg, ok := raw.(*postgres.Store)
	if !ok {
		return
	}
	if err := pg.Warm(ctx); err != nil {
		log.WarnContext(ctx, "database connections not opened ahead; they open on demand", "err", err)
	}
}
