package ws

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

// sameAsUnmarshal decodes b both ways, into a client frame and into a room
// event, and fails unless objReader and json.Unmarshal agree: both fail,
// or both succeed with equal values.
func sameAsUnmarshal(t *testing.T, b []byte) {
	t.Helper()
	var got, want clientFrame
	gotErr, wantErr := got.read(b), json.Unmarshal(b, &want)
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("frame %q: read error %v, Unmarshal error %v", b, gotErr, wantErr)
	}
	if gotErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("frame %q: read %+v, Unmarshal %+v", b, got, want)
	}
	var ev, wantEv roomEvent
	gotErr, wantErr = ev.read(b), json.Unmarshal(b, &wantEv)
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("event %q: read error %v, Unmarshal error %v", b, gotErr, wantErr)
	}
	if gotErr != nil {
		return
	}
	msg, wantMsg := ev.Message, wantEv.Message
	ev.Message, wantEv.Message = nil, nil
	if !bytes.Equal(msg, wantMsg) || (msg == nil) != (wantMsg == nil) || !reflect.DeepEqual(ev, wantEv) {
		t.Fatalf("event %q: read %+v (message %q), Unmarshal %+v (message %q)", b, ev, msg, wantEv, wantMsg)
	}
}

// objReaderCases are inputs at the edges of JSON and of Unmarshal's rules;
// TestObjReader checks each against Unmarshal and FuzzObjReader starts from
// them.
func objReaderCases() []string {
	deep := func(n int) string { return `{"x":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + `}` }
	deepObj := func(n int) string {
		return `{"x":` + strings.Repeat(`{"a":`, n-1) + "1" + strings.Repeat("}", n-1) + `}`
	}
	return []string{
		// the usual frames and events
		`{"type":"send","room_id":"r1","body":"hi @ada","client_id":"c-1","ref":"q"}`,
		`{"type":"subscribe","room_id":"r1","after_seq":7}`, `{"type":"subscribe","room_id":"r1","after_change":0}`,
		`{"type":"message","change":3,"seq":2,"at":1733300000000000000,"message":{"id":"m","body":"a \"q\" \u003cb\u003e"}}`,
		`{"type":"reaction","seq":2,"emoji":"👍","count":2,"user_id":"u","added":true,"change":4}`,
		`{"type":"typing","user":{"id":"u","username":"ada","display_name":"Ada"}}`,
		// the whole input
		``, ` `, `null`, ` null `, `nul`, `nullx`, `{}`, ` {} `, `{} {}`, `{}x`, `[]`, `[1]`, `"s"`, `1`, `true`, `{`, `}`,
		// members
		`{"type":"ping",}`, `{,}`, `{"type"}`, `{"type":}`, `{"type" "ping"}`, `{type:"ping"}`, `{'type':'ping'}`, `{"":1}`,
		`{"type":"a","type":"b"}`, `{"unknown":{"deep":[1,{"x":null}]},"type":"ping"}`, "{\"type\"\t:\n\"ping\"\r}",
		// keys matched as Unmarshal matches them
		`{"TYPE":"ping"}`, `{"Room_ID":"r"}`, `{"roomid":"r"}`, `{"room-id":"r"}`, `{"\u0074ype":"ping"}`,
		`{"ſeq":5}`, `{"SEQ":5}`, "{\"chan\u212ae\":1}", `{"change":1,"CHANGE":2}`, `{"cHange":2,"change":1}`,
		// strings
		`{"body":"a\"b\\c\/d\b\f\n\r\t"}`, `{"body":"\u00e9\u4e16"}`, `{"body":"\ud83d\ude00"}`, `{"body":"\ud83d"}`,
		`{"body":"\ud83dx"}`, `{"body":"\ude00\ud83d"}`, `{"body":"\ud83d\u0041"}`, `{"body":"\ud83d\ud83d\ude00"}`,
		`{"body":"\u12"}`, `{"body":"\u12g4"}`, `{"body":"\x"}`, `{"body":"\'"}`, `{"body":"a` + "\x01" + `"}`,
		`{"body":"a` + "\x7f" + `"}`, "{\"body\":\"\xff\"}", "{\"body\":\"a\xe2\x82\"}", "{\"body\":\"\xed\xa0\x80\"}",
		"{\"body\":\"\xef\xbf\xbd\"}", `{"body":"unterminated`, `{"body":"\`, `{"body":null}`, `{"body":1}`,
		`{"body":"x","body":null}`, `{"ref":"` + strings.Repeat("é", 40) + `"}`, `{"x":"\u12"}`, `{"x":"\q"}`,
		"{\"x\":\"\x00\"}", "{\"\xff\":1}",
		// numbers
		`{"after_seq":0}`, `{"after_seq":-0}`, `{"after_seq":-1}`, `{"after_seq":01}`, `{"after_seq":1.0}`,
		`{"after_seq":1e2}`, `{"after_seq":1E+2}`, `{"after_seq":-}`, `{"after_seq":+1}`, `{"after_seq":.5}`,
		`{"after_seq":1.}`, `{"after_seq":1e}`, `{"after_seq":9223372036854775807}`, `{"after_seq":9223372036854775808}`,
		`{"after_seq":-9223372036854775808}`, `{"after_seq":"5"}`, `{"after_seq":null}`, `{"after_seq":5,"after_seq":null}`,
		`{"after_seq":true}`, `{"count":12}`, `{"count":1.5}`, `{"x":-01}`, `{"x":1.5e-3}`, `{"x":0.0}`, `{"x":00}`,
		// literals
		`{"added":true}`, `{"added":false}`, `{"added":null}`, `{"added":"true"}`, `{"added":tru}`, `{"added":True}`,
		`{"x":nul}`, `{"x":falsey}`,
		// raw values
		`{"message":null}`, `{"message":"s"}`, `{"message":[]}`, `{"message":{}}`, `{"message": { "a" : [ 1 , 2 ] } }`,
		`{"message":{"a":}}`, `{"message":{"a":1,}}`, `{"message":[1,]}`, `{"message":[1 2]}`, `{"message":{"a" 1}}`,
		`{"message":{1:2}}`, `{"message":[}`, `{"message":{]}`, `{"user":null}`, `{"user":5}`, `{"user":{"id":1}}`,
		`{"user":{"id":"a"},"user":{"username":"b"}}`,
		// nesting at encoding/json's limit and past it
		deep(maxJSONDepth), deep(maxJSONDepth + 1), deepObj(maxJSONDepth), deepObj(maxJSONDepth + 1),
	}
}

func TestObjReader(t *testing.T) {
	for _, in := range objReaderCases() {
		name := in
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) { sameAsUnmarshal(t, []byte(in)) })
	}
}

// The cases above compare with Unmarshal; these pin down what it does, so
// that a change in both would show.
func TestObjReaderValues(t *testing.T) {
	seq := int64(7)
	tests := []struct {
		in   string
		want clientFrame
	}{
		{`{"type":"subscribe","room_id":"r","after_seq":7}`, clientFrame{Type: typeSubscribe, RoomID: "r", AfterSeq: &seq}},
		{`{"TYPE":"ping","Ref":"a","ref":"b"}`, clientFrame{Type: typePing, Ref: "b"}},
		{`{"body":"\ud83d\ude00 \ud83d \u00e9\n"}`, clientFrame{Body: "😀 \uFFFD é\n"}},
		{"{\"body\":\"a\xffb\"}", clientFrame{Body: "a\uFFFDb"}},
		{`{"body":"x","body":null,"after_seq":7,"after_seq":null}`, clientFrame{Body: "x"}},
		{`null`, clientFrame{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var f clientFrame
			if err := f.read([]byte(tt.in)); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f, tt.want) {
				t.Errorf("read %+v, want %+v", f, tt.want)
			}
		})
	}
	var ev roomEvent
	in := []byte(`{"type":"message","message": {"id":"m"} ,"seq":2}`)
	if err := ev.read(in); err != nil || string(ev.Message) != `{"id":"m"}` || ev.Seq != 2 || ev.Type != chat.EventMessage {
		t.Fatalf("event %+v (message %s), err %v", ev, ev.Message, err)
	}
}

// FuzzObjReader: on any input, objReader and json.Unmarshal agree.
func FuzzObjReader(f *testing.F) {
	for _, in := range objReaderCases() {
		if len(in) < 1000 {
			f.Add([]byte(in))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) { sameAsUnmarshal(t, b) })
}

// BenchmarkDecode: a send frame and a published message event, decoded by
// objReader and, for comparison in the same run, by json.Unmarshal.
func BenchmarkDecode(b *testing.B) {
	m := benchMessage()
	ev, err := chat.EncodeEvent(chat.Event{Type: chat.EventMessage, Seq: m.Seq, At: m.CreatedAt.UnixNano(), Change: 7, Message: &m})
	if err != nil {
		b.Fatal(err)
	}
	send := []byte(`{"type":"send","room_id":"01JD8X3K2M4N5P6Q7R8S9T0V1W","body":"hi @ada, the build is green again","client_id":"c-1733300000-17"}`)
	for _, bc := range []struct {
		name string
		run  func() error
	}{
		{"send/objReader", func() error { var f clientFrame; return f.read(send) }},
		{"send/Unmarshal", func() error { var f clientFrame; return json.Unmarshal(send, &f) }},
		{"event/objReader", func() error { var e roomEvent; return e.read(ev) }},
		{"event/Unmarshal", func() error { var e roomEvent; return json.Unmarshal(ev, &e) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
