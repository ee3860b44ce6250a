package chattest

import (
	"context"
	"fmt"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

// benchRoom makes a user and a room holding n messages.
func benchRoom(b *testing.B, s chat.Store, n int) (chat.User, chat.Room) {
	b.Helper()
	ctx := context.Background()
	u := chat.User{ID: chat.NewID(), Username: "bench", DisplayName: "Bench", Email: "b@example.org", PasswordHash: "x"}
	r := chat.Room{ID: chat.NewID(), Name: "bench", Visibility: chat.Public, CreatedBy: u.ID}
	if err := s.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	if err := s.CreateRoom(ctx, r); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if _, _, err := s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: u.Ref(), Body: fmt.Sprintf("message %d", i)}); err != nil {
			b.Fatal(err)
		}
	}
	return u, r
}

// BenchmarkStore runs the store benchmarks every implementation shares:
// appends (sequential and parallel, one room) and reading the latest 50 of a
// 1,000-message room. newStore returns an empty, migrated store.
func BenchmarkStore(b *testing.B, newStore func(b *testing.B) chat.Store) {
	b.Run("AppendMessage", func(b *testing.B) { benchAppend(b, newStore) })
	b.Run("Latest50", func(b *testing.B) { benchLatest50(b, newStore) })
	b.Run("Heads500", func(b *testing.B) { benchHeads(b, newStore) })
}

// benchHeads reads the heads of HeadsMax rooms of 2,000, one statement: one
// call of a hub's position check per HeadsMax rooms it holds.
func benchHeads(b *testing.B, newStore func(b *testing.B) chat.Store) {
	ctx := context.Background()
	s := newStore(b)
	u, _ := benchRoom(b, s, 0)
	ids := make([]string, 2000)
	for i := range ids {
		r := chat.Room{ID: chat.NewID(), Name: fmt.Sprintf("room %d", i), Visibility: chat.Public, CreatedBy: u.ID}
		if err := s.CreateRoom(ctx, r); err != nil {
			b.Fatal(err)
		}
		ids[i] = r.ID
	}
	ids = ids[:chat.HeadsMax]
	b.ReportAllocs()
	for b.Loop() {
		if heads, err := s.Heads(ctx, ids); err != nil || len(heads) != len(ids) {
			b.Fatalf("Heads = %d, %v", len(heads), err)
		}
	}
}

func benchAppend(b *testing.B, newStore func(b *testing.B) chat.Store) {
	ctx := context.Background()
	b.Run("sequential", func(b *testing.B) {
		s := newStore(b)
		u, r := benchRoom(b, s, 0)
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: u.Ref(), Body: "hello, world"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		s := newStore(b)
		u, r := benchRoom(b, s, 0)
		b.ReportAllocs()
		b.SetParallelism(16) // many posters at once, as behind a busy server
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, _, err := s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: u.Ref(), Body: "hello, world"}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func benchLatest50(b *testing.B, newStore func(b *testing.B) chat.Store) {
	ctx := context.Background()
	s := newStore(b)
	_, r := benchRoom(b, s, 1000)
	read := func() error {
		ms, err := s.Messages(ctx, r.ID, chat.MessageQuery{Limit: 50})
		if err == nil && len(ms) != 50 {
			err = fmt.Errorf("got %d messages", len(ms))
		}
		return err
	}
	b.Run("sequential", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := read(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := read(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
