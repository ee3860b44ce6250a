-- Messages that change: edits, deletions (tombstones), reactions and
-- replies in threads.
--
-- Every change in a room (a post, an edit, a deletion, a reaction added
-- or removed) takes the room's next change number, as a post takes the
-- next seq; a message's change is the number of its latest change, so the
-- messages with change > N, in change order, are everything a client that
-- saw change N has missed, each in its current form. Existing messages
-- keep their order: their change is their seq.
ALTER TABLE rooms ADD COLUMN last_change bigint NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN change bigint NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN edited_at timestamptz;
ALTER TABLE messages ADD COLUMN deleted_at timestamptz;
-- The reactions of the message as JSON ([{"emoji","user_ids"}] in order of
-- first use), kept with the reactions rows in the same transaction, so a
-- page of messages needs no join.
ALTER TABLE messages ADD COLUMN reactions text NOT NULL DEFAULT '[]';
-- Threads: a reply is a message of the room (it takes the next seq) with
-- reply_to, the seq of the message it answers; that message counts its
-- replies. also_to_room: the reply is shown in the room as well.
ALTER TABLE messages ADD COLUMN reply_to bigint;
ALTER TABLE messages ADD COLUMN reply_count integer NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN last_reply_at timestamptz;
ALTER TABLE messages ADD COLUMN also_to_room boolean NOT NULL DEFAULT false;
CREATE INDEX messages_replies ON messages (room_id, reply_to, seq) WHERE reply_to IS NOT NULL;
UPDATE messages SET change = seq;
UPDATE rooms SET last_change = last_seq;
CREATE UNIQUE INDEX messages_change ON messages (room_id, change);

CREATE TABLE reactions (
    message_id text NOT NULL REFERENCES messages (id),
    emoji      text NOT NULL,
    user_id    text NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
);
CREATE INDEX reactions_user_id ON reactions (user_id);
