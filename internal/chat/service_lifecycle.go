package chat

import (
	"context"
	"time"
)

// ExpireMessages is message retention: up to limit messages created before
// before become tombstones, each as DeleteMessage makes one (its body,
// mentions, reactions and pending notifications gone; a message_deleted
// event and a change number, so open clients and catch-ups see it). The
// rows stay: seqs have no gaps and the change stream stays whole. It
// returns how many it deleted.
func (s *Service) ExpireMessages(ctx context.Context, before time.Time, limit int) (int64, error) {
	keys, err := s.store.LiveMessagesBefore(ctx, before, limit)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, k := range keys {
		err := s.tombstone(ctx, k.RoomID, k.Seq)
		switch {
		case err == nil:
			n++
		case ErrorCode(err) != ENOTFOUND: // deleted meanwhile: done already
			return n, err
		}
	}
	return n, nil
}
