-- Accounts (docs/security.md): e-mail addresses are unique
-- case-insensitively and verified; sessions carry what their owner sees in
-- the session list; verification e-mails go through the mail outbox.

-- email_key is the address lower-cased in Go (chat.EmailKey); '' means the
-- account has no address. Existing accounts start unverified.
ALTER TABLE users ADD COLUMN email_key TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN verify_mail_at INTEGER; -- when the last verification e-mail was queued
UPDATE users SET email_key = lower(email);
-- An address several accounts share stays with the oldest of them; the
-- others lose it (they still sign in, but get no e-mail).
UPDATE users SET email = '', email_key = '' WHERE id IN (
    SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY email_key ORDER BY created_at, id) AS n FROM users) WHERE n > 1);
CREATE UNIQUE INDEX users_email_key ON users (email_key) WHERE email_key <> '';

-- id is the session's public name (never the token or its hash).
ALTER TABLE sessions ADD COLUMN id TEXT;
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN address TEXT NOT NULL DEFAULT '';
UPDATE sessions SET id = lower(hex(randomblob(16))), last_seen_at = created_at;
CREATE UNIQUE INDEX sessions_id ON sessions (id);

ALTER TABLE mail_batches ADD COLUMN kind TEXT NOT NULL DEFAULT 'mention'; -- chat.BatchKind
