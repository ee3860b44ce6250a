package edge

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/open-chat/openchat/internal/edge/edgetest"
)

func TestMiddleware(t *testing.T) {
	trusted, err := ParsePrefixes("10.0.0.0/8, 127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		remote     string
		xff, proto string
		wantStatus int
		wantRemote string
		wantHSTS   bool
		wantXFP    string
	}{
		{"direct client, headers stripped", "203.0.113.9:5555", "1.2.3.4", "https", 200, "203.0.113.9:5555", false, ""},
		{"trusted proxy https", "10.1.2.3:80", "198.51.100.7", "https", 200, "198.51.100.7:0", true, "https"},
		{"trusted proxy http redirects", "10.1.2.3:80", "198.51.100.7", "http", 308, "", false, ""},
		{"spoofed left hops ignored", "127.0.0.1:9", "6.6.6.6, 198.51.100.7, 10.9.9.9", "https", 200, "198.51.100.7:0", true, "https"},
		{"all hops trusted", "127.0.0.1:9", "10.0.0.1, 10.0.0.2", "", 200, "10.0.0.1:0", false, ""},
		{"garbage xff keeps peer", "127.0.0.1:9", "not-an-ip", "", 200, "127.0.0.1:9", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotRemote, gotXFP string
			h := Middleware(trusted, "n1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotRemote, gotXFP = r.RemoteAddr, r.Header.Get("X-Forwarded-Proto")
			}))
			req := httptest.NewRequest("GET", "http://chat.example.org/api/v1/rooms?x=1", nil)
			req.RemoteAddr = tt.remote
			req.Header.Set("X-Forwarded-For", tt.xff)
			if tt.proto != "" {
				req.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			if tt.wantStatus == 308 {
				if loc := rec.Header().Get("Location"); loc != "https://chat.example.org/api/v1/rooms?x=1" {
					t.Fatalf("Location %q", loc)
				}
				return
			}
			if gotRemote != tt.wantRemote || gotXFP != tt.wantXFP {
				t.Fatalf("remote %q proto %q; want %q %q", gotRemote, gotXFP, tt.wantRemote, tt.wantXFP)
			}
			if (rec.Header().Get("Strict-Transport-Security") != "") != tt.wantHSTS {
				t.Fatalf("HSTS header %q", rec.Header().Get("Strict-Transport-Security"))
			}
		})
	}
}

func TestRedirectHandler(t *testing.T) {
	tests := []struct{ host, port, want string }{
		{"chat.example.org", "443", "https://chat.example.org/a?b=c"},
		{"chat.example.org:80", "8443", "https://chat.example.org:8443/a?b=c"},
		{"[::1]:8080", "8443", "https://[::1]:8443/a?b=c"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			req := httptest.NewRequest("POST", "http://"+tt.host+"/a?b=c", nil)
			rec := httptest.NewRecorder()
			RedirectHandler(nil, tt.port, "n1").ServeHTTP(rec, req)
			if rec.Code != http.StatusPermanentRedirect || rec.Header().Get("Location") != tt.want || rec.Header().Get("X-Served-By") != "n1" {
				t.Fatalf("%d %q %q", rec.Code, rec.Header().Get("Location"), rec.Header().Get("X-Served-By"))
			}
		})
	}
}

func TestParsePrefixes(t *testing.T) {
	for _, tt := range []struct {
		in   string
		n    int
		fail bool
	}{{"", 0, false}, {"127.0.0.1", 1, false}, {"10.0.0.0/8,::1", 2, false}, {"bogus", 0, true}, {"10.0.0.0/99", 0, true}} {
		ps, err := ParsePrefixes(tt.in)
		if (err != nil) != tt.fail || len(ps) != tt.n {
			t.Errorf("ParsePrefixes(%q) = %v, %v", tt.in, ps, err)
		}
	}
}

func TestTLSConfig(t *testing.T) {
	dir := t.TempDir()
	cert, key := edgetest.WriteSelfSigned(t, dir)
	tests := []struct {
		name string
		cfg  TLS
		fail bool
		acme bool
	}{
		{"files", TLS{CertFile: cert, KeyFile: key}, false, false},
		{"acme", TLS{ACMEDomain: "chat.example.org", DataDir: dir}, false, true},
		{"both", TLS{CertFile: cert, KeyFile: key, ACMEDomain: "x.org"}, true, false},
		{"cert only", TLS{CertFile: cert}, true, false},
		{"missing file", TLS{CertFile: cert, KeyFile: filepath.Join(dir, "nope")}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, m, err := tt.cfg.Config()
			if (err != nil) != tt.fail {
				t.Fatalf("err = %v", err)
			}
			if err == nil && (cfg.MinVersion != tls.VersionTLS12 || (m != nil) != tt.acme) {
				t.Fatalf("cfg %+v manager %v", cfg, m)
			}
		})
	}
}
