-- Rooms with members: public, private and direct rooms.
--
-- name_key stays unique, but only a public room's holds its lower-cased
-- name (unique among public rooms); a private or direct room's holds its
-- id, so private names repeat freely and never reveal that a room exists.
-- A direct room's direct_key is its members' ids, sorted and joined: one
-- room per set of people.
ALTER TABLE rooms ADD COLUMN visibility text NOT NULL DEFAULT 'public';
ALTER TABLE rooms ADD COLUMN direct_key text;
CREATE UNIQUE INDEX rooms_direct_key ON rooms (direct_key) WHERE direct_key IS NOT NULL;

CREATE TABLE room_members (
    room_id       text NOT NULL REFERENCES rooms (id),
    user_id       text NOT NULL REFERENCES users (id),
    role          text NOT NULL, -- owner, moderator, member
    joined_at     timestamptz NOT NULL,
    last_read_seq bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_user_id ON room_members (user_id);
CREATE INDEX room_members_joined ON room_members (room_id, joined_at, user_id);

-- Existing rooms are public (the default above); their creators own them
-- and everyone who posted is a member, having read up to their own last post.
INSERT INTO room_members (room_id, user_id, role, joined_at, last_read_seq)
SELECT r.id, r.created_by, 'owner', r.created_at,
       COALESCE((SELECT max(m.seq) FROM messages m WHERE m.room_id = r.id AND m.author_id = r.created_by), 0)
FROM rooms r;
INSERT INTO room_members (room_id, user_id, role, joined_at, last_read_seq)
SELECT room_id, author_id, 'member', min(created_at), max(seq) FROM messages WHERE true GROUP BY room_id, author_id
ON CONFLICT DO NOTHING;
