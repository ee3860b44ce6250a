package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestSeqBound: the binary search that maps a time to a room's seq gives
// what a scan of the room gives, over gaps in seq (removed messages),
// messages of one millisecond, an empty room and times outside the room's.
func TestSeqBound(t *testing.T) {
	ctx := context.Background()
	s := OpenTest(t)
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := s.pool.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO users (id, username, display_name, email, password_hash, created_at) VALUES ('u1', 'ada', 'Ada', 'ada@example.org', 'x', $1)`, t0)
	exec(`INSERT INTO rooms (id, name, name_key, created_by, created_at, last_seq) VALUES ('r1', 'one', 'one', 'u1', $1, 40), ('r2', 'empty', 'empty', 'u1', $1, 0)`, t0)
	// Seqs 1..40 without 7, 8, 20 and 40 (the newest removed too); times
	// in 10 ms steps, every fifth message in the millisecond of the one before.
	at := map[int64]time.Time{}
	for seq, ms := int64(1), 0; seq <= 40; seq++ {
		if seq%5 != 0 {
			ms += 10
		}
		if seq == 7 || seq == 8 || seq == 20 || seq == 40 {
			continue
		}
		at[seq] = t0.Add(time.Duration(ms) * time.Millisecond)
		exec(`INSERT INTO messages (id, room_id, seq, change, author_id, body, created_at) VALUES ($1, 'r1', $2, $2, 'u1', 'x', $3)`,
			fmt.Sprint("m", seq), seq, at[seq])
	}
	// want: the lowest k such that no message of r1 from k on was created op tm.
	want := func(tm time.Time, op string) int64 {
		k := int64(1)
		for seq, a := range at {
			if (op == "<" && a.Before(tm)) || (op == "<=" && !a.After(tm)) {
				k = max(k, seq+1)
			}
		}
		return k
	}
	var times []time.Time
	for ms := -10; ms <= 400; ms += 5 { // at, between and outside the messages' times
		times = append(times, t0.Add(time.Duration(ms)*time.Millisecond))
	}
	for _, op := range []string{"<", "<="} {
		for _, tm := range times {
			t.Run(fmt.Sprintf("%s %s", op, tm.Format("15:04:05.000")), func(t *testing.T) {
				var got int64
				if err := s.pool.QueryRow(ctx, `SELECT `+seqBound("$1", `x.created_at `+op+` $2`), "r1", tm).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if w := want(tm, op); got != w {
					t.Fatalf("seqBound = %d, want %d", got, w)
				}
			})
		}
	}
	var got int64
	if err := s.pool.QueryRow(ctx, `SELECT `+seqBound("$1", `x.created_at < $2`), "r2", t0).Scan(&got); err != nil || got != 1 {
		t.Fatalf("empty room: %d, %v; want 1", got, err)
	}
}
