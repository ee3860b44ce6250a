package chattest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

// TestNameFoldMigration checks migration 0014 on rooms written under 0013:
// each gets its name folded by Go (chat.FoldName), which the engines'
// lower() does not compute for "ÑANDÚ", so the admin list finds and orders
// the rooms that existed before it as it does new ones.
func TestNameFoldMigration(t *testing.T, db OldSchema) {
	at := db.Time(base)
	db.Exec(t, fmt.Sprintf(`INSERT INTO users (id, username, display_name, email, password_hash, created_at) VALUES
		('u-ada', 'ada', 'Ada', 'ada@example.org', 'h', %s)`, at))
	db.Exec(t, fmt.Sprintf(`INSERT INTO rooms (id, name, name_key, topic, visibility, created_by, created_at) VALUES
		('r-1', 'ÑANDÚ', 'ñandú', '', 'public', 'u-ada', %[1]s), ('r-2', 'Árbol', 'r-2', '', 'private', 'u-ada', %[1]s),
		('r-3', 'General', 'general', '', 'public', 'u-ada', %[1]s)`, at))
	s := db.Open(t)
	ctx := context.Background()
	for _, tt := range []struct {
		q    string
		want []string
	}{
		{"", []string{"r-3", "r-2", "r-1"}},
		{"ñan", []string{"r-1"}},
		{"árb", []string{"r-2"}},
	} {
		rooms, err := s.AdminRooms(ctx, chat.AdminRoomQuery{Q: tt.q, Limit: 10})
		var got []string
		for _, r := range rooms {
			got = append(got, r.ID)
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("after migration, admin rooms %q = %v, %v; want %v", tt.q, got, err, tt.want)
		}
	}
}
