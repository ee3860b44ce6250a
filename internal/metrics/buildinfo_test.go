package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestBuildInfo(t *testing.T) {
	p := New("i1")
	p.SetBuildInfo("v1.2.3", "abc123", "go1.26.0")
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	want := `openchat_build_info{go_version="go1.26.0",revision="abc123",version="v1.2.3"} 1`
	if !strings.Contains(string(b), want) {
		t.Fatalf("metrics lack %s:\n%s", want, b)
	}
}
