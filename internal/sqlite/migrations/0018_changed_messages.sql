-- Every message paid an insert into messages_change (room_id, change), the
-- change stream's index. A message now keeps the change number it was
-- created with (first_change), and only messages written since (edited,
-- reacted to, deleted, replied to) are in the new partial index; the
-- change stream finds the others by seq, since first_change grows with seq
-- within a room (ChangesAfter, sqlite/changes.go). Messages that exist now
-- have first_change 0: all of them are in the new index, as they were in
-- the old.
ALTER TABLE messages ADD COLUMN first_change INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX messages_changed ON messages (room_id, change) WHERE change <> first_change;
DROP INDEX messages_change;
