package ws

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

func TestDecodeFrame(t *testing.T) {
	tests := []struct {
		name, in, code, ref string
		want                clientFrame
	}{
		{name: "subscribe", in: `{"type":"subscribe","room_id":"r1"}`, want: clientFrame{Type: "subscribe", RoomID: "r1"}},
		{name: "subscribe after_seq", in: `{"type":"subscribe","room_id":"r1","after_seq":7,"ref":"x"}`, want: clientFrame{Type: "subscribe", RoomID: "r1", Ref: "x"}},
		{name: "send", in: `{"type":"send","room_id":"r1","body":"hi","client_id":"c1"}`, want: clientFrame{Type: "send", RoomID: "r1", Body: "hi", ClientID: "c1"}},
		{name: "unknown fields ignored", in: `{"type":"ping","extra":[1,2]}`, want: clientFrame{Type: "ping"}},
		{name: "typing", in: `{"type":"typing","room_id":"r1"}`, want: clientFrame{Type: "typing", RoomID: "r1"}},
		{name: "unsubscribe", in: `{"type":"unsubscribe","room_id":"r1"}`, want: clientFrame{Type: "unsubscribe", RoomID: "r1"}},
		{name: "not json", in: `hello`, code: codeBadFrame},
		{name: "array", in: `[1]`, code: codeBadFrame},
		{name: "null", in: `null`, code: codeBadFrame},
		{name: "trailing garbage", in: `{"type":"ping"} x`, code: codeBadFrame},
		{name: "wrong field type", in: `{"type":"send","room_id":1,"body":"x"}`, code: codeBadFrame},
		{name: "unknown type", in: `{"type":"dance","ref":"r"}`, code: codeBadFrame, ref: "r"},
		{name: "missing type", in: `{"room_id":"r1"}`, code: codeBadFrame},
		{name: "subscribe without room", in: `{"type":"subscribe","ref":"q"}`, code: codeBadFrame, ref: "q"},
		{name: "negative after_seq", in: `{"type":"subscribe","room_id":"r1","after_seq":-1}`, code: codeBadFrame},
		{name: "fractional after_seq", in: `{"type":"subscribe","room_id":"r1","after_seq":1.5}`, code: codeBadFrame},
		{name: "send without body", in: `{"type":"send","room_id":"r1","client_id":"c"}`, code: codeBadFrame},
		{name: "typing without room", in: `{"type":"typing"}`, code: codeBadFrame},
		{name: "invalid utf-8", in: "{\"type\":\"send\",\"room_id\":\"r\",\"body\":\"\xff\"}", code: codeBadFrame},
		{name: "room id too long", in: `{"type":"subscribe","room_id":"` + strings.Repeat("a", maxIDLen+1) + `"}`, code: codeBadFrame},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := decodeFrame([]byte(tt.in))
			if got := chat.ErrorCode(err); got != tt.code {
				t.Fatalf("code = %q, want %q (err %v)", got, tt.code, err)
			}
			if tt.code != "" {
				if f.Ref != tt.ref {
					t.Errorf("ref = %q, want %q", f.Ref, tt.ref)
				}
				return
			}
			f.AfterSeq = nil
			if f != tt.want {
				t.Errorf("frame = %+v, want %+v", f, tt.want)
			}
		})
	}
}

// FuzzDecodeFrame: the decoder never panics, and whatever it accepts is a
// known type with the fields that type needs.
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{`{"type":"subscribe","room_id":"r","after_seq":3}`, `{"type":"send","room_id":"r","body":"b","client_id":"c"}`,
		`{"type":"ping"}`, `{"type":"typing","room_id":"r"}`, `{"type":"unsubscribe","room_id":"r"}`, `{}`, `[]`, "\xff",
		`{"type":"send","room_id":"01JD8X3K2M","body":"hi @ada, see ` + "`code`" + `","client_id":"c-17","ref":"r-3"}`,
		`{"type":"subscribe","room_id":"r1","after_seq":1.5}`, `{"type":"send","room_id":1,"body":"x"}`, `null`,
		`{"type":"ping"} trailing`, `{"type":"subscribe","room_id":"r1","after_seq":-1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := decodeFrame(b)
		if err != nil {
			if chat.ErrorCode(err) != codeBadFrame {
				t.Fatalf("error code %q", chat.ErrorCode(err))
			}
			return
		}
		switch fr.Type {
		case typePing:
		case typeSubscribe, typeUnsubscribe, typeTyping, typeSend:
			if fr.RoomID == "" || len(fr.RoomID) > maxIDLen {
				t.Fatalf("accepted bad room id in %q", b)
			}
			if fr.Type == typeSend && fr.Body == "" {
				t.Fatalf("accepted send without body: %q", b)
			}
			if fr.AfterSeq != nil && *fr.AfterSeq < 0 {
				t.Fatalf("accepted negative after_seq: %q", b)
			}
		default:
			t.Fatalf("accepted unknown type %q", fr.Type)
		}
	})
}

func TestServerFrames(t *testing.T) {
	m := chat.Message{ID: "m1", RoomID: "r1", Seq: 3, Body: "hi", Mentions: []string{}, Change: 7, Reactions: []chat.Reaction{}}
	raw, _ := json.Marshal(m)
	for _, typ := range []string{typeMessage, typeMessageUpdated} {
		if got, want := string(changedFrameRaw(typ, m.Change, raw)), string(encode(changedFrame{Type: typ, Change: m.Change, Message: &m})); got != want {
			t.Errorf("raw frame %s != encoded %s", got, want)
		}
	}
	type ackFrame struct { // what the ack was encoded from before it wrapped the event's bytes
		Type     string        `json:"type"`
		ClientID string        `json:"client_id"`
		Message  *chat.Message `json:"message"`
	}
	for _, id := range []string{"c1", `q"uo\te`, "<&>", "", "tab\tñ\u2028"} { // the last is no valid client id, yet encodes
		got := ackFrameRaw(id, raw)
		var back, want ackFrame
		err := json.Unmarshal(got, &back)
		_ = json.Unmarshal(encode(ackFrame{Type: typeAck, ClientID: id, Message: &m}), &want)
		if err != nil || !reflect.DeepEqual(back, want) || back.ClientID != id {
			t.Errorf("raw ack %s decodes to %+v, %v; want %+v", got, back, err, want)
		}
	}
	e := string(encodeError(chat.Invalid("body", "too long"), "c1"))
	if e != `{"type":"error","code":"invalid","message":"too long","field":"body","ref":"c1"}` {
		t.Errorf("error frame = %s", e)
	}
	for retry, want := range map[time.Duration]string{1500 * time.Microsecond: "2", 0: "1", 3 * time.Second: "3000"} {
		limited := &chat.RateLimitError{Err: chat.Errorf(chat.ERATELIMITED, "slow down"), Limit: chat.Limit{Name: chat.LimitPosts, Quota: 1, Window: time.Hour},
			Decision: chat.RateDecision{RetryAfter: retry}}
		if e := string(encodeError(limited, "c2")); e != `{"type":"error","code":"rate_limited","message":"slow down","ref":"c2","retry_after_ms":`+want+`}` {
			t.Errorf("rate_limited frame = %s", e)
		}
	}
	s := string(encode(subscribedFrame{Type: typeSubscribed, RoomID: "r", LastSeq: 4, LastChange: 9}))
	if s != `{"type":"subscribed","room_id":"r","last_seq":4,"last_change":9}` {
		t.Errorf("subscribed frame = %s", s)
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	want := Config{SendQueue: DefaultSendQueue, MaxFrameBytes: DefaultMaxFrameBytes, MaxSubscriptions: DefaultMaxSubscriptions,
		PingInterval: DefaultPingInterval, IdleTimeout: DefaultIdleTimeout, PresenceRefresh: DefaultPresenceRefresh,
		PresenceTTL: DefaultPresenceTTL, PresenceDebounce: DefaultPresenceDebounce, PresenceListMax: DefaultPresenceListMax, GapWait: DefaultGapWait}
	if c.sweepInterval() != DefaultPingInterval/2 {
		t.Errorf("sweep interval = %v", c.sweepInterval())
	}
	c.AllowedOrigins = nil
	if c.SendQueue != want.SendQueue || c.MaxFrameBytes != want.MaxFrameBytes || c.MaxSubscriptions != want.MaxSubscriptions ||
		c.PingInterval != want.PingInterval || c.IdleTimeout != want.IdleTimeout ||
		c.PresenceRefresh != want.PresenceRefresh || c.PresenceTTL != want.PresenceTTL || c.PresenceDebounce != want.PresenceDebounce ||
		c.PresenceListMax != want.PresenceListMax || c.GapWait != want.GapWait {
		t.Errorf("defaults = %+v, want %+v", c, want)
	}
	if DefaultMaxFrameBytes < 6*chat.BodyMaxLen { // a body of escaped characters must fit
		t.Errorf("DefaultMaxFrameBytes %d too small for a %d-character body", DefaultMaxFrameBytes, chat.BodyMaxLen)
	}
	// Inconsistent values are repaired, not trusted.
	c = Config{PingInterval: time.Minute, IdleTimeout: time.Second, PresenceTTL: 10 * time.Second, PresenceRefresh: time.Minute}.withDefaults()
	if c.IdleTimeout != 2*time.Minute || c.PresenceRefresh != 5*time.Second {
		t.Errorf("repaired config = idle %v refresh %v", c.IdleTimeout, c.PresenceRefresh)
	}
}
