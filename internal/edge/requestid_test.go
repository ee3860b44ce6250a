package edge

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestRequestIDTrust: only a trusted proxy's X-Request-Id reaches the
// handler (internal/httpapi takes it over); anyone else's is dropped.
func TestRequestIDTrust(t *testing.T) {
	trusted, err := ParsePrefixes("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		remote, want string
	}{
		{"10.1.2.3:80", "lb-id-1"},
		{"203.0.113.9:5555", ""},
	} {
		var got string
		h := Middleware(trusted, "n1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = r.Header.Get("X-Request-Id")
		}))
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.RemoteAddr = tt.remote
		req.Header.Set("X-Request-Id", "lb-id-1")
		h.ServeHTTP(httptest.NewRecorder(), req)
		if got != tt.want {
			t.Errorf("from %s: handler saw X-Request-Id %q, want %q", tt.remote, got, tt.want)
		}
	}
}
