-- PostgreSQL's 0012 leaves free space in room_members' pages so read-mark
-- updates need no new index entries. SQLite updates a row in place
-- whatever its indexes, so nothing changes here; the migration exists so
-- that both engines list the same versions (openchat copy checks it).
SELECT 1;
