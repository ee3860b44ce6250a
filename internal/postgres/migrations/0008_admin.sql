-- Roles and moderation (docs/operations.md, "Administration and
-- moderation"): server admins, deactivated accounts, archived rooms,
-- password resets, the audit log and message reports.

-- The first account is made admin when it is created; an installation
-- upgraded with accounts makes its oldest one admin, so someone is.
ALTER TABLE users ADD COLUMN admin boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN deactivated_at timestamptz; -- NULL: active
UPDATE users SET admin = true WHERE id = (SELECT id FROM users ORDER BY created_at, id LIMIT 1);

ALTER TABLE rooms ADD COLUMN archived_at timestamptz; -- NULL: not archived (read-only when set)

-- token_hash is SHA-256 of the link's token; the token itself is derived
-- from the id under the server secret when the e-mail is rendered, so the
-- database never holds it. The id is also the mail batch's.
CREATE TABLE password_resets (
    id         text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX password_resets_user_id ON password_resets (user_id, created_at);

-- actor_id and target_id are not foreign keys: the log outlives what it
-- names (a deleted room, an account deleted later).
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY, -- the listing cursor
    actor_id    text NOT NULL,
    actor_name  text NOT NULL,
    action      text NOT NULL,
    target_type text NOT NULL,
    target_id   text NOT NULL,
    details     text NOT NULL DEFAULT '{}', -- JSON object
    created_at  timestamptz NOT NULL
);
CREATE INDEX audit_log_created_at ON audit_log (created_at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

CREATE TABLE reports (
    id          text PRIMARY KEY,
    room_id     text NOT NULL REFERENCES rooms (id),
    message_id  text NOT NULL REFERENCES messages (id),
    seq         bigint NOT NULL,
    reporter_id text NOT NULL REFERENCES users (id),
    reason      text NOT NULL,
    status      text NOT NULL DEFAULT 'open', -- chat.ReportStatus
    resolved_by text REFERENCES users (id),
    action      text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    resolved_at timestamptz
);
-- One open report per reporter per message.
CREATE UNIQUE INDEX reports_open ON reports (message_id, reporter_id) WHERE status = 'open';
CREATE INDEX reports_queue ON reports (status, room_id, created_at);
