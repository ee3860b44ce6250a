package bench

import (
	"strings"
	"testing"
)

func TestEachFrame(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`{"type":"pong"}`, []string{"pong"}},
		{"{\"type\":\"message\"}\n{\"type\":\"message\"}\n", []string{"message", "message"}},
		{"{\"type\":\"ack\"}\n\n {\"type\":\"pong\"} ", []string{"ack", "pong"}},
		{"", nil},
	}
	for _, tt := range tests {
		var got []string
		eachFrame([]byte(tt.in), func(typ string, b []byte) {
			if !strings.Contains(string(b), typ) {
				t.Errorf("frame %q has type %q", b, typ)
			}
			got = append(got, typ)
		})
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("eachFrame(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
