package bench

import (
	"encoding/json"
	"testing"
)

// messageOf must agree with a full JSON decode, including where its fast
// path has to give up.
func TestMessageOf(t *testing.T) {
	frame := func(name, body string) []byte {
		b, _ := json.Marshal(map[string]any{"type": "message", "message": map[string]any{
			"id": "m1", "room_id": "r1", "seq": 42, "body": body, "client_id": "run-7",
			"user": map[string]string{"id": "u1", "username": name}, "created_at": "2026-11-27T00:00:00Z"}})
		return b
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"plain", frame("alice", "bench 123")},
		{"escaped quote in body", frame("alice", `say "seq":7`)},
		{"key text in a name", frame(`"seq":9,"body":"x"`, "bench 1")},
		{"unicode body", frame("alice", "héllo \u2028")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want messageFrame
			if err := json.Unmarshal(tt.in, &want); err != nil {
				t.Fatal(err)
			}
			got, ok := messageOf(tt.in)
			if !ok || got != want.Message {
				t.Fatalf("messageOf(%s) = %+v, %v; want %+v", tt.in, got, ok, want.Message)
			}
		})
	}
}

func BenchmarkMessageOf(b *testing.B) {
	in := []byte(`{"type":"message","message":{"id":"m1","room_id":"r1","seq":42,"user":{"id":"u1","username":"bench0001"},"body":"bench 1764201600000000000","client_id":"run-7","created_at":"2026-11-27T00:00:00Z"}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := messageOf(in); !ok {
			b.Fatal("not parsed")
		}
	}
}
