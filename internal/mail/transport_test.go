package mail

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNewTransportURL(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	tests := []struct {
		url     string
		wantErr bool
	}{
		{"smtp://user:pass@smtp.example.org:587", false},
		{"smtp://user:pass@smtp.example.org", false},
		{"smtps://user:pass@smtp.example.org:465", false},
		{"smtp://localhost:25", false},
		{"smtp://127.0.0.1:1025?tls=none", false},
		{"smtp://u:p@127.0.0.1:1025?tls=none&auth=plain", false},
		{"smtp://u:p@relay.local?tls=starttls&skip_verify=true&auth=login", false},
		{"smtp://relay.local?tls=mandatory", false},
		{"http://smtp.example.org", true},
		{"smtp://", true},
		{"smtp://host?tls=maybe", true},
		{"smtp://host?skip_verify=perhaps", true},
		{"smtp://u:p@host?auth=magic", true},
		{"smtp://host:99999", true},
		{"smtp://host:abc", true},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			tr, err := NewTransport(tt.url, t.TempDir(), log)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil {
				if s, ok := tr.(*smtpTransport); !ok || strings.Contains(s.String(), "pass@") {
					t.Errorf("transport %T %v leaks the password or is not SMTP", tr, tr)
				}
			}
		})
	}
}

func TestFileTransport(t *testing.T) {
	dir := t.TempDir()
	tr, err := NewTransport("", dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ft := tr.(*FileTransport)
	if ft.Dir() != filepath.Join(dir, "mail") {
		t.Fatalf("dir = %s", ft.Dir())
	}
	e := &Email{MessageID: "b-1@chat.example.org", From: "chat@example.org", To: "ada@example.org",
		Subject: "first", Date: time.Now(), Text: "hello", HTML: "<p>hello</p>"}
	ctx := context.Background()
	if err := tr.Send(ctx, e); err != nil {
		t.Fatal(err)
	}
	e2 := *e
	e2.Subject = "second" // a resend of the same batch replaces the file
	if err := tr.Send(ctx, &e2); err != nil {
		t.Fatal(err)
	}
	other := *e
	other.MessageID = "b-2/../x@chat.example.org" // never escapes the folder
	if err := tr.Send(ctx, &other); err != nil {
		t.Fatal(err)
	}
	files, _ := os.ReadDir(ft.Dir())
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	if len(names) != 2 {
		t.Fatalf("files = %v, want two (no temp files, no duplicate)", names)
	}
	b, err := os.ReadFile(filepath.Join(ft.Dir(), "b-1@chat.example.org.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "Subject: second") || !strings.Contains(string(b), "Message-ID: <b-1@chat.example.org>") {
		t.Errorf("file holds:\n%s", b)
	}

	// A file being written is not an .eml yet: a reader that globs the
	// folder must not list one that may be renamed before it is opened.
	f, err := os.CreateTemp(ft.Dir(), tempPattern)
	if err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	if m, _ := filepath.Match("*.eml", filepath.Base(f.Name())); m {
		t.Errorf("a file being written (%s) matches *.eml", filepath.Base(f.Name()))
	}
}

// TestSMTPTransportModes sends through each TLS mode to a real server.
func TestSMTPTransportModes(t *testing.T) {
	cert, key := selfSignedCert(t)
	tests := []struct {
		name   string
		flags  []string
		url    string
		failOn string // a URL that the server must refuse, if any
	}{
		{"plain relay", nil, "smtp://%s", "smtp://user:secret@%s"}, // credentials demand TLS
		{"starttls with auth", []string{"--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-starttls", "--smtp-auth-accept-any"},
			"smtp://user:secret@%s?skip_verify=true", "smtp://%s?tls=none"},
		{"implicit tls with auth", []string{"--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-tls", "--smtp-auth-accept-any"},
			"smtps://user:secret@%s?skip_verify=true", ""},
		{"plain auth without tls", []string{"--smtp-auth-accept-any", "--smtp-auth-allow-insecure"},
			"smtp://user:secret@%s?tls=none&auth=plain", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp := startMailpit(t, tt.flags...)
			tr, err := NewTransport(smtpURL(tt.url, mp), t.TempDir(), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			e := &Email{MessageID: "mode-1@chat.example.org", From: "chat@example.org", To: "ada@example.org",
				Subject: "hello", Date: time.Now(), Text: "hello", HTML: "<p>hello</p>"}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := tr.Send(ctx, e); err != nil {
				t.Fatal(err)
			}
			ms := mp.waitMessages(1)
			if ms[0].MessageID != "mode-1@chat.example.org" {
				t.Errorf("MessageID = %q", ms[0].MessageID)
			}
			if tt.failOn != "" {
				bad, err := NewTransport(smtpURL(tt.failOn, mp), t.TempDir(), slog.New(slog.DiscardHandler))
				if err != nil {
					t.Fatal(err)
				}
				if err := bad.Send(ctx, e); err == nil {
					t.Error("server requiring TLS accepted a plain session")
				}
			}
		})
	}
}
