package postgres

import (
	"context"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
	"github.com/open-chat/openchat/internal/testlog"
)

// openOneConn opens a store whose pool holds one connection, so that every
// statement runs where the test looks, logging into the returned buffer;
// with open OpenServer, a server's (its new connections rehearse).
func openOneConn(t *testing.T, open func(context.Context, string, *slog.Logger) (*Store, error)) (*Store, *testlog.Buffer) {
	t.Helper()
	var log testlog.Buffer
	s, err := open(context.Background(), pgtest.WithParams(t, pgtest.NewDatabase(t), url.Values{"pool_max_conns": {"1"}}), slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, &log
}

// prepared lists the statements prepared on the store's one connection,
// asked in the simple protocol so that asking prepares nothing.
func prepared(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.pool.Query(context.Background(), `SELECT statement FROM pg_prepared_statements ORDER BY statement`, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRehearsalOnlyServer: a server's store (OpenServer) rehearses on
// its connections, including the one the migrations used, and a command's
// or a test's (Open) does not, so that only servers pay for it.
func TestRehearsalOnlyServer(t *testing.T) {
	tests := []struct {
		name string
		open func(context.Context, string, *slog.Logger) (*Store, error)
		want int // rehearsed statements prepared
	}{
		{"Open", Open, 0},
		{"OpenServer", OpenServer, len(rehearsals(""))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openOneConn(t, tt.open)
			got := prepared(t, s)
			n := 0
			for _, r := range rehearsals("") {
				if slices.Contains(got, r.sql) {
					n++
				}
			}
			if n != tt.want {
				t.Fatalf("%d of the %d rehearsed statements prepared, want %d", n, len(rehearsals("")), tt.want)
			}
		})
	}
}

// TestRehearsalCoversAppends: on a rehearsed connection, every kind of
// append (single, joining, with mentions, a group with mentions,
// notifications and joins) prepares no statement of its own, and the
// rehearsal left nothing behind: each room's seqs start at 1.
func TestRehearsalCoversAppends(t *testing.T) {
	ctx := context.Background()
	s, log := openOneConn(t, OpenServer)
	var users []chat.User
	for _, name := range []string{"ana", "ben"} {
		u := chat.User{ID: chat.NewID(), Username: name, DisplayName: name, Email: name + "@example.org", PasswordHash: "x"}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	var rooms []string
	for _, name := range []string{"one", "two"} {
		r := chat.Room{ID: chat.NewID(), Name: name, Visibility: chat.Public, CreatedBy: users[0].ID}
		if err := s.CreateRoom(ctx, r); err != nil {
			t.Fatal(err)
		}
		rooms = append(rooms, r.ID)
	}
	before := prepared(t, s)
	if len(before) < len(rehearsals("")) {
		t.Fatalf("%d statements prepared after the rehearsal, want at least %d:\n%s", len(before), len(rehearsals("")), strings.Join(before, "\n"))
	}
	ana, ben := users[0].Ref(), users[1].Ref()
	msg := func(room int, author chat.UserRef, f func(*chat.NewMessage)) chat.NewMessage {
		m := chat.NewMessage{ID: chat.NewID(), RoomID: rooms[room], Author: author, Body: "hi", ClientID: chat.NewID()}
		if f != nil {
			f(&m)
		}
		return m
	}
	mention := func(m *chat.NewMessage) { m.Mentions, m.MentionUserIDs = []string{"ana"}, []string{ana.ID} }
	join := func(m *chat.NewMessage) { m.Join = true }
	notify := func(m *chat.NewMessage) { m.NotifyUserIDs = []string{ana.ID} }
	tests := []struct {
		name  string
		group []chat.NewMessage
	}{
		{"single", []chat.NewMessage{msg(0, ana, nil)}},
		{"single, joining", []chat.NewMessage{msg(0, ben, join)}},
		{"single, with a mention", []chat.NewMessage{msg(1, ben, mention)}},
		{"group", []chat.NewMessage{msg(0, ana, nil), msg(1, ben, mention), msg(1, ben, join), msg(0, ben, notify)}},
	}
	seqs := map[string]int64{}
	for _, tt := range tests {
		for i, r := range s.commitGroup(ctx, tt.group) {
			m := tt.group[i]
			seqs[m.RoomID]++
			if r.err != nil || !r.created || r.msg.Seq != seqs[m.RoomID] {
				t.Fatalf("%s: message %d: seq %d, created %v, err %v; want seq %d", tt.name, i, r.msg.Seq, r.created, r.err, seqs[m.RoomID])
			}
		}
		if after := prepared(t, s); !slices.Equal(after, before) {
			t.Fatalf("%s prepared statements the rehearsal did not:\n%s", tt.name, strings.Join(slices.DeleteFunc(after, func(q string) bool { return slices.Contains(before, q) }), "\n"))
		}
	}
	if strings.Contains(log.String(), "not rehearsed") {
		t.Fatalf("a rehearsal failed:\n%s", log)
	}
}

// TestRehearsalFailure: a connection whose rehearsal fails is still handed
// out, and the failure logged; one the failure closed is not (the pool
// gets the error).
func TestRehearsalFailure(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		setup   func(ctx context.Context, c *pgx.Conn) error
		wantErr bool
		warned  bool
	}{
		{"a statement fails", context.Background(), func(ctx context.Context, c *pgx.Conn) error {
			_, err := c.Exec(ctx, `SET search_path = pg_catalog`) // no messages table there
			return err
		}, false, true},
		{"connection closed", context.Background(), func(ctx context.Context, c *pgx.Conn) error { return c.Close(ctx) }, true, false},
		{"context cancelled (pgx closes the connection)", cancelled, nil, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, log := openOneConn(t, OpenServer)
			conn, err := s.pool.Acquire(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if tt.setup != nil {
				if err := tt.setup(context.Background(), conn.Conn()); err != nil {
					t.Fatal(err)
				}
			}
			err = s.afterConnect(tt.ctx, conn.Conn())
			conn.Release()
			if (err != nil) != tt.wantErr {
				t.Fatalf("afterConnect: %v, want an error: %v", err, tt.wantErr)
			}
			if warned := strings.Contains(log.String(), "not rehearsed"); warned != tt.warned {
				t.Fatalf("warned %v, want %v:\n%s", warned, tt.warned, log)
			}
		})
	}
}
