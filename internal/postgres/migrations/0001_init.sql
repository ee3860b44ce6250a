-- Text columns that are sorted or prefix-searched use COLLATE "C": byte
-- order, the same as SQLite, and LIKE 'prefix%' can use the index.

CREATE TABLE users (
    id                  text PRIMARY KEY,
    username            text COLLATE "C" NOT NULL UNIQUE, -- stored lower-case: unique case-insensitively
    display_name        text NOT NULL,
    email               text NOT NULL,
    email_notifications text NOT NULL DEFAULT 'always',
    password_hash       text NOT NULL,
    created_at          timestamptz NOT NULL
);

CREATE TABLE sessions (
    token_hash text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE rooms (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    -- name_key is the name lower-cased in Go, so both stores fold case alike.
    name_key   text COLLATE "C" NOT NULL UNIQUE,
    topic      text NOT NULL DEFAULT '',
    created_by text NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    last_seq   bigint NOT NULL DEFAULT 0 -- the seq of the room's newest message
);

CREATE TABLE messages (
    id         text PRIMARY KEY,
    room_id    text NOT NULL REFERENCES rooms (id),
    seq        bigint NOT NULL,
    author_id  text NOT NULL REFERENCES users (id),
    body       text NOT NULL,
    client_id  text,
    mentions   text NOT NULL DEFAULT '[]', -- JSON array of usernames
    created_at timestamptz NOT NULL,
    UNIQUE (room_id, seq)
);
CREATE UNIQUE INDEX messages_client_id ON messages (room_id, author_id, client_id) WHERE client_id IS NOT NULL;

CREATE TABLE mentions (
    id         bigserial PRIMARY KEY, -- the listing cursor
    message_id text NOT NULL REFERENCES messages (id),
    user_id    text NOT NULL REFERENCES users (id),
    room_id    text NOT NULL REFERENCES rooms (id)
);
CREATE INDEX mentions_user_id ON mentions (user_id, id);

CREATE TABLE mail_batches (
    id              text PRIMARY KEY,
    user_id         text NOT NULL REFERENCES users (id),
    status          text NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    lease_owner     text,
    lease_until     timestamptz,
    last_error      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz
);
CREATE INDEX mail_batches_due ON mail_batches (status, next_attempt_at);
CREATE INDEX mail_batches_sent ON mail_batches (user_id, sent_at) WHERE status = 'sent';
CREATE INDEX mail_batches_created ON mail_batches (created_at);

CREATE TABLE notifications (
    id         bigserial PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id),
    message_id text NOT NULL REFERENCES messages (id),
    room_id    text NOT NULL REFERENCES rooms (id),
    batch_id   text REFERENCES mail_batches (id),
    created_at timestamptz NOT NULL
);
CREATE INDEX notifications_pending ON notifications (user_id, created_at) WHERE batch_id IS NULL;
CREATE INDEX notifications_batch_id ON notifications (batch_id) WHERE batch_id IS NOT NULL;
