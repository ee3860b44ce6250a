package main

import (
	"context"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/postgres"
)

// searchIndexer is the background job that keeps PostgreSQL's search index
// close behind the messages (postgres/searchindex.go), so that a search
// seldom has much to index first. raw is the unwrapped store. SQLite
// indexes in the append and needs none.
func searchIndexer(raw chat.Store) func(context.Context) {
	if pg, ok := raw.(*postgres.Store); ok {
		return func(ctx context.Context) { pg.RunSearchIndexer(ctx, postgres.SearchIndexInterval) }
	}
	return func(context.Context) {}
}
