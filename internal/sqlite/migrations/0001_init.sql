-- Times are INTEGER Unix milliseconds (UTC), the precision chat.Time keeps.

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE, -- stored lower-case: unique case-insensitively
    display_name        TEXT NOT NULL,
    email               TEXT NOT NULL,
    email_notifications TEXT NOT NULL DEFAULT 'always',
    password_hash       TEXT NOT NULL,
    created_at          INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE rooms (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    -- name_key is the name lower-cased in Go: SQLite's lower() folds ASCII only.
    name_key   TEXT NOT NULL UNIQUE,
    topic      TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    last_seq   INTEGER NOT NULL DEFAULT 0 -- the seq of the room's newest message
);

CREATE TABLE messages (
    id         TEXT PRIMARY KEY,
    room_id    TEXT NOT NULL REFERENCES rooms (id),
    seq        INTEGER NOT NULL,
    author_id  TEXT NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    client_id  TEXT,
    mentions   TEXT NOT NULL DEFAULT '[]', -- JSON array of usernames
    created_at INTEGER NOT NULL,
    UNIQUE (room_id, seq)
);
CREATE UNIQUE INDEX messages_client_id ON messages (room_id, author_id, client_id) WHERE client_id IS NOT NULL;

CREATE TABLE mentions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT, -- the listing cursor
    message_id TEXT NOT NULL REFERENCES messages (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    room_id    TEXT NOT NULL REFERENCES rooms (id)
);
CREATE INDEX mentions_user_id ON mentions (user_id, id);

CREATE TABLE mail_batches (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_owner     TEXT,
    lease_until     INTEGER,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX mail_batches_due ON mail_batches (status, next_attempt_at);
CREATE INDEX mail_batches_sent ON mail_batches (user_id, sent_at) WHERE status = 'sent';
CREATE INDEX mail_batches_created ON mail_batches (created_at);

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT NOT NULL REFERENCES users (id),
    message_id TEXT NOT NULL REFERENCES messages (id),
    room_id    TEXT NOT NULL REFERENCES rooms (id),
    batch_id   TEXT REFERENCES mail_batches (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX notifications_pending ON notifications (user_id, created_at) WHERE batch_id IS NULL;
CREATE INDEX notifications_batch_id ON notifications (batch_id) WHERE batch_id IS NOT NULL;
