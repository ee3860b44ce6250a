-- Uploaded files (docs/files.md): metadata here, bytes in the blob store
-- under blob_key (and thumb_key). An upload is readable by its uploader
-- until a message attaches it (message_uploads), then by the readers of
-- the rooms where it was posted. messages.attachments keeps the uploads'
-- public fields (a JSON array) so every read of a message carries them.
CREATE TABLE uploads (
    id           text PRIMARY KEY,
    uploader_id  text NOT NULL REFERENCES users (id),
    name         text NOT NULL,
    size         bigint NOT NULL,
    content_type text NOT NULL,
    width        integer NOT NULL DEFAULT 0,
    height       integer NOT NULL DEFAULT 0,
    blob_key     text NOT NULL,
    thumb_key    text NOT NULL DEFAULT '',
    thumb_type   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL
);
CREATE INDEX uploads_uploader ON uploads (uploader_id);
CREATE INDEX uploads_created_at ON uploads (created_at);

CREATE TABLE message_uploads (
    message_id text NOT NULL REFERENCES messages (id),
    upload_id  text NOT NULL REFERENCES uploads (id),
    room_id    text NOT NULL REFERENCES rooms (id),
    PRIMARY KEY (message_id, upload_id)
);
CREATE INDEX message_uploads_upload ON message_uploads (upload_id);

ALTER TABLE messages ADD COLUMN attachments text NOT NULL DEFAULT '[]';
