package mail

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// MailDir is the folder, inside the data dir, of the file transport.
const MailDir = "mail"

// FileTransport writes each e-mail as an RFC 5322 .eml file, so mention
// e-mails work with no mail server (open them in any mail client).
type FileTransport struct {
	dir string
	log *slog.Logger
}

// NewFileTransport creates <dataDir>/mail/ if needed.
func NewFileTransport(dataDir string, log *slog.Logger) (*FileTransport, error) {
	dir := filepath.Join(dataDir, MailDir)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("mail dir: %w", err)
	}
	return &FileTransport{dir: dir, log: log}, nil
}

// Dir is where the files go.
func (t *FileTransport) Dir() string { return t.dir }

// Path is the file an e-mail is written to: named by its Message-ID, so a
// resend of the same batch replaces the file instead of adding one.
func (t *FileTransport) Path(e *Email) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '@', r == '_':
			return r
		}
		return '_'
	}, e.MessageID)
	return filepath.Join(t.dir, name+".eml")
}

// tempPattern names a file still being written. It must not end in .eml:
// readers of the folder (mail tools, the tests) glob *.eml, and a temp file
// they listed may be renamed away before they open it.
const tempPattern = ".writing-*.tmp"

// Send writes the file atomically (temp file, fsync, rename), so a reader
// never sees half an e-mail.
func (t *FileTransport) Send(ctx context.Context, e *Email) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := os.CreateTemp(t.dir, tempPattern)
	if err != nil {
		return fmt.Errorf("mail file: %w", err)
	}
	tmp := f.Name()
	_, err = e.WriteTo(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	path := t.Path(e)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("mail file: %w", err)
	}
	t.log.InfoContext(ctx, "mention e-mail written", "path", path, "to", e.To, "subject", e.Subject)
	return nil
}
