package chattest

import (
	"context"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

// SearchIDs returns the ids of the messages q (the query syntax) finds for
// reader, newest first: the migration tests of both stores search what
// they wrote by SQL.
func SearchIDs(t *testing.T, s chat.Store, reader, q string) []string {
	t.Helper()
	pq, err := chat.ParseSearch(q)
	if err != nil {
		t.Fatal(err)
	}
	hits, err := s.SearchMessages(context.Background(), chat.MessageSearch{Query: pq, ReaderID: reader, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.Message.ID)
	}
	return ids
}
