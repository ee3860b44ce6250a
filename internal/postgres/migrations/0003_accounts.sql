-- Accounts (docs/security.md): e-mail addresses are unique
-- case-insensitively and verified; sessions carry what their owner sees in
-- the session list; verification e-mails go through the mail outbox.

-- email_key is the address lower-cased in Go (chat.EmailKey); '' means the
-- account has no address. Existing accounts start unverified.
ALTER TABLE users
    ADD COLUMN email_key text COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN email_verified boolean NOT NULL DEFAULT false,
    ADD COLUMN verify_mail_at timestamptz; -- when the last verification e-mail was queued
UPDATE users SET email_key = lower(email);
-- An address several accounts share stays with the oldest of them; the
-- others lose it (they still sign in, but get no e-mail).
UPDATE users SET email = '', email_key = '' WHERE id IN (
    SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY email_key ORDER BY created_at, id) AS n FROM users) d WHERE n > 1);
CREATE UNIQUE INDEX users_email_key ON users (email_key) WHERE email_key <> '';

-- id is the session's public name (never the token or its hash).
ALTER TABLE sessions
    ADD COLUMN id text,
    ADD COLUMN last_seen_at timestamptz,
    ADD COLUMN user_agent text NOT NULL DEFAULT '',
    ADD COLUMN address text NOT NULL DEFAULT '';
UPDATE sessions SET id = replace(gen_random_uuid()::text, '-', ''), last_seen_at = created_at;
ALTER TABLE sessions ALTER COLUMN id SET NOT NULL, ALTER COLUMN last_seen_at SET NOT NULL;
CREATE UNIQUE INDEX sessions_id ON sessions (id);

ALTER TABLE mail_batches ADD COLUMN kind text NOT NULL DEFAULT 'mention'; -- chat.BatchKind

-- Cursors: mentions.id and notifications.id are bigserial since 0001; the
-- queries cast their cursor parameters to bigint (an untyped "$2 <= 0"
-- made PostgreSQL read a cursor as int4 and fail past 2^31-1).
