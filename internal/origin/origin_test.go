package origin

import "testing"

// TestAllowed: one rule for CORS and WebSocket upgrades (docs/protocol.md).
func TestAllowed(t *testing.T) {
	patterns := []string{"HTTPS://app.example.org/", "cdn.example.net:8443", "https://*.example.com"}
	tests := []struct {
		origin string
		want   bool
	}{
		{"https://app.example.org", true},
		{"HTTPS://App.Example.org", true},
		{"http://app.example.org", false}, // scheme given, so it must match
		{"https://app.example.org:444", false},
		{"http://cdn.example.net:8443", true}, // host[:port]: any scheme
		{"https://cdn.example.net:8443", true},
		{"https://cdn.example.net", false},
		{"https://team.example.com", true},
		{"http://team.example.com", false},
		{"https://example.com", false},
		{"https://evil.example", false},
		{"null", false},
		{"", false},
		{"app.example.org", false}, // not an origin: no scheme
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			if got := Allowed(tt.origin, patterns); got != tt.want {
				t.Errorf("Allowed(%q) = %v, want %v", tt.origin, got, tt.want)
			}
		})
	}
}
