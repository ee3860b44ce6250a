package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestValidation(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		field string // "" means valid
	}{
		{"username ok", ValidateUsername("ada.l-o_1"), ""},
		{"username short", ValidateUsername("ab"), "username"},
		{"username long", ValidateUsername(strings.Repeat("a", 33)), "username"},
		{"username upper", ValidateUsername("Ada"), "username"},
		{"username space", ValidateUsername("ad a"), "username"},
		{"email ok", ValidateEmail("ada@example.org"), ""},
		{"email no domain dot", ValidateEmail("ada@localhost"), "email"},
		{"email with name", ValidateEmail("Ada <ada@example.org>"), "email"},
		{"email empty", ValidateEmail(""), "email"},
		{"username fullwidth normalized", ValidateUsername(NormalizeUsername("ＡＤＡ")), ""},
		{"username nul", ValidateUsername(NormalizeUsername("ada\x00")), "username"},
		{"username zero-width", ValidateUsername(NormalizeUsername("a\u200bda")), "username"},
		{"password short", ValidatePassword("password", "x7#Qp!2"), "password"},
		{"password 9 chars", ValidatePassword("password", "x7#Qp!2vZ"), "password"},
		{"password long", ValidatePassword("password", strings.Repeat("x", PasswordMaxLen+1)), "password"},
		{"password spaces", ValidatePassword("password", "          "), "password"},
		{"password common", ValidatePassword("password", "password123"), "password"},
		{"password keyboard", ValidatePassword("password", "qwertyuiop"), "password"},
		{"password username", ValidatePassword("password", "ada.lovelace1815", "ada.lovelace", "ada@example.org"), "password"},
		{"password nul", ValidatePassword("password", "correct horse\x00"), "password"},
		{"password field named", ValidatePassword("new_password", "1234567890"), "new_password"},
		{"password ok", ValidatePassword("password", "correct horse", "ada", "ada@example.org"), ""},
		{"password ok phrase", ValidatePassword("password", "purple-otter-canyon"), ""},
		{"display name long", ValidateDisplayName(strings.Repeat("é", DisplayNameMaxLen+1)), "display_name"},
		{"display name bad utf8", ValidateDisplayName("\xff"), "display_name"},
		{"client id space", ValidateClientID("a b"), "client_id"},
		{"client id long", ValidateClientID(strings.Repeat("a", ClientIDMaxLen+1)), "client_id"},
		{"client id ok", ValidateClientID("c-1:x"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.field == "" && tt.err != nil {
				t.Fatalf("unexpected error %v", tt.err)
			}
			if tt.field != "" && (ErrorCode(tt.err) != EINVALID || ErrorField(tt.err) != tt.field) {
				t.Fatalf("got %v, want invalid %s", tt.err, tt.field)
			}
		})
	}
}

func TestValidateBody(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"  hi  ", "hi", true},
		{"\n\t", "", false},
		{"", "", false},
		{strings.Repeat("é", BodyMaxLen), strings.Repeat("é", BodyMaxLen), true},
		{strings.Repeat("é", BodyMaxLen+1), "", false},
		{"ok\xff", "", false},
	}
	for _, tt := range tests {
		got, err := ValidateBody(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ValidateBody(%.20q) = %.20q, %v", tt.in, got, err)
		}
	}
}

func TestValidateRoom(t *testing.T) {
	for _, tt := range []struct {
		name, topic string
		field       string
	}{
		{" general ", "", ""},
		{"", "", "name"},
		{strings.Repeat("x", RoomNameMaxLen+1), "", "name"},
		{"ok", strings.Repeat("x", RoomTopicMaxLen+1), "topic"},
		{"ok", "\xff", "topic"},
	} {
		_, _, err := ValidateRoom(tt.name, tt.topic)
		if ErrorField(err) != tt.field {
			t.Errorf("ValidateRoom(%q, %q) = %v, want field %q", tt.name, tt.topic, err, tt.field)
		}
	}
}

func TestCheckPageQuery(t *testing.T) {
	for _, tt := range []struct {
		q     MessageQuery
		limit int
		field string
	}{
		{MessageQuery{}, PageDefaultLimit, ""},
		{MessageQuery{Limit: PageMaxLimit}, PageMaxLimit, ""},
		{MessageQuery{Limit: PageMaxLimit + 1}, 0, "limit"},
		{MessageQuery{Limit: -1}, 0, "limit"},
		{MessageQuery{Before: -1}, 0, "before"},
		{MessageQuery{Before: 5, After: 2}, 0, "after"},
	} {
		q, err := CheckPageQuery(tt.q)
		if ErrorField(err) != tt.field || (err == nil && q.Limit != tt.limit) {
			t.Errorf("CheckPageQuery(%+v) = %+v, %v", tt.q, q, err)
		}
	}
}

func TestTimeJSON(t *testing.T) {
	tm := NewTime(time.Date(2026, 11, 27, 1, 2, 3, 4_500_000, time.FixedZone("X", 3600)))
	b, _ := json.Marshal(tm)
	if string(b) != `"2026-11-27T00:02:03.004Z"` {
		t.Fatalf("got %s", b)
	}
	var back Time
	if err := json.Unmarshal(b, &back); err != nil || !back.Equal(tm.Time) {
		t.Fatalf("round trip: %v %v", back, err)
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for range 1000 {
		id := NewID()
		if len(id) != 36 || id[14] != '7' || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		if id[:8] < prev[:min(8, len(prev))] {
			t.Fatalf("ids go back in time: %s after %s", id, prev)
		}
		seen[id], prev = true, id
	}
}

func TestNotifyPref(t *testing.T) {
	for _, tt := range []struct {
		p      NotifyPref
		online bool
		want   bool
	}{
		{NotifyAlways, true, true}, {NotifyAlways, false, true},
		{NotifyOffline, true, false}, {NotifyOffline, false, true},
		{NotifyNever, false, false},
	} {
		if got := tt.p.ShouldEmail(tt.online); got != tt.want {
			t.Errorf("%s online=%v: %v", tt.p, tt.online, got)
		}
	}
	if NotifyPref("sometimes").Valid() {
		t.Error("unknown preference valid")
	}
}

func TestUnsubscribeToken(t *testing.T) {
	tok := UnsubscribeToken([]byte("k"), "u1")
	if !CheckUnsubscribeToken([]byte("k"), "u1", tok) || CheckUnsubscribeToken([]byte("k"), "u2", tok) ||
		CheckUnsubscribeToken([]byte("other"), "u1", tok) {
		t.Fatal("token check wrong")
	}
}

type sqlStateErr string

func (e sqlStateErr) Error() string    { return "sql " + string(e) }
func (e sqlStateErr) SQLState() string { return string(e) }

func TestErrorCodeUnavailable(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"domain", Errorf(ENOTFOUND, "x"), ENOTFOUND},
		{"refused", fmt.Errorf("query: %w", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), EUNAVAILABLE},
		{"eof", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), EUNAVAILABLE},
		{"deadline", fmt.Errorf("q: %w", context.DeadlineExceeded), EUNAVAILABLE},
		{"admin shutdown", fmt.Errorf("q: %w", sqlStateErr("57P01")), EUNAVAILABLE},
		{"connection failure", sqlStateErr("08006"), EUNAVAILABLE},
		{"syntax error", sqlStateErr("42601"), EINTERNAL},
		{"nul in text", fmt.Errorf("q: %w", sqlStateErr("22021")), EBADREQUEST},
		{"number out of range", sqlStateErr("22003"), EBADREQUEST},
		{"plain", errors.New("boom"), EINTERNAL},
	} {
		if got := ErrorCode(tt.err); got != tt.want {
			t.Errorf("%s: ErrorCode = %q, want %q", tt.name, got, tt.want)
		}
	}
	if ErrorMessage(io.ErrUnexpectedEOF) == "internal error" {
		t.Error("unavailable errors need their own message")
	}
	if ErrorMessage(sqlStateErr("22021")) == "internal error" {
		t.Error("refused values need their own message")
	}
}
