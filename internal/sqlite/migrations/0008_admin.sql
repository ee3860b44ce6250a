-- Roles and moderation (docs/operations.md, "Administration and
-- moderation"): server admins, deactivated accounts, archived rooms,
-- password resets, the audit log and message reports.

-- The first account is made admin when it is created; an installation
-- upgraded with accounts makes its oldest one admin, so someone is.
ALTER TABLE users ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN deactivated_at INTEGER; -- NULL: active
UPDATE users SET admin = 1 WHERE id = (SELECT id FROM users ORDER BY created_at, id LIMIT 1);

ALTER TABLE rooms ADD COLUMN archived_at INTEGER; -- NULL: not archived (read-only when set)

-- token_hash is SHA-256 of the link's token; the token itself is derived
-- from the id under the server secret when the e-mail is rendered, so the
-- database never holds it. The id is also the mail batch's.
CREATE TABLE password_resets (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX password_resets_user_id ON password_resets (user_id, created_at);

-- actor_id and target_id are not foreign keys: the log outlives what it
-- names (a deleted room, an account deleted later).
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT, -- the listing cursor
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    details     TEXT NOT NULL DEFAULT '{}', -- JSON object
    created_at  INTEGER NOT NULL
);
CREATE INDEX audit_log_created_at ON audit_log (created_at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

CREATE TABLE reports (
    id          TEXT PRIMARY KEY,
    room_id     TEXT NOT NULL REFERENCES rooms (id),
    message_id  TEXT NOT NULL REFERENCES messages (id),
    seq         INTEGER NOT NULL,
    reporter_id TEXT NOT NULL REFERENCES users (id),
    reason      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open', -- chat.ReportStatus
    resolved_by TEXT REFERENCES users (id),
    action      TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER
);
-- One open report per reporter per message.
CREATE UNIQUE INDEX reports_open ON reports (message_id, reporter_id) WHERE status = 'open';
CREATE INDEX reports_queue ON reports (status, room_id, created_at);
