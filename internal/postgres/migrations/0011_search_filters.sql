-- from: and in: (or room_id) searches read an author's or a room's
-- messages newest first and check each for the words, stopping at the page
-- (postgres/search.go). Without these, the planner walked all messages
-- by created_at, checking the author or room of each (a second at
-- 1,000,000 messages), or intersected the word's GIN list with the rows
-- of (room_id, seq) and sorted them (docs/performance.md, issue 15).
CREATE INDEX messages_author_created ON messages (author_id, created_at, id);
CREATE INDEX messages_room_created ON messages (room_id, created_at, id);
