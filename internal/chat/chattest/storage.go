package chattest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// StorageEnv, set to a number of messages, runs the storage measurement
// (docs/performance.md, Storage): MeasureStorage is a test that does
// nothing without it, and costs minutes with it.
const StorageEnv = "OPENCHAT_MEASURE_STORAGE"

// MeasureStorage posts the number of messages StorageEnv says (107-byte
// bodies, each with a 36-byte client id as the web client sends, by 10
// authors in 100 rooms, 32 posters at once, so group commit works as in
// production), then logs the bytes per message size reports before and
// after the client ids are cleared (what the cleanup job does a day after a
// post). size returns the bytes of the messages table and its indexes (for
// SQLite, the file: its other tables are a few pages), compacted.
func MeasureStorage(t *testing.T, st chat.Store, size func() (int64, error)) {
	n, _ := strconv.Atoi(os.Getenv(StorageEnv))
	if n <= 0 {
		t.Logf("%s unset: nothing measured", StorageEnv)
		return
	}
	ctx := context.Background()
	empty, err := size()
	if err != nil {
		t.Fatal(err)
	}
	var users []chat.User
	var rooms []chat.Room
	for i := range 10 {
		users = append(users, newUser(t, st, fmt.Sprintf("user%d", i)))
	}
	for i := range 100 {
		rooms = append(rooms, newRoom(t, st, users[0], fmt.Sprintf("room%d", i)))
	}
	const posters = 32
	body := fmt.Sprintf("%-107s", "The quick brown fox jumps over the lazy dog; a message about the size of a chat line, typed by someone.")[:107]
	var wg sync.WaitGroup
	start := time.Now()
	for p := range posters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := p; i < n; i += posters {
				u, r := users[i%len(users)], rooms[i%len(rooms)]
				_, _, err := st.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: u.Ref(), Body: body, ClientID: chat.NewID()})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("posted %d messages in %v", n, time.Since(start).Round(time.Second))
	before, err := size()
	if err != nil {
		t.Fatal(err)
	}
	for {
		k, err := st.ClearClientIDs(ctx, time.Now().Add(time.Hour), 10*chat.CleanupBatch)
		if err != nil {
			t.Fatal(err)
		}
		if k == 0 {
			break
		}
	}
	after, err := size()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bytes per message: %d with client ids, %d once cleared (empty database: %d bytes)",
		(before-empty)/int64(n), (after-empty)/int64(n), empty)
}
