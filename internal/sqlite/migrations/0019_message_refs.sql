-- PostgreSQL's 0019 drops the foreign keys of a message's room_id and
-- author_id (their checks locked the parent rows). SQLite's checks take no
-- locks, and dropping them would rebuild the table, so it keeps them and
-- its appends answer an unknown author from the failed key (groupcommit.go)
-- as PostgreSQL's do from their own check. The migration exists so that
-- both engines list the same versions (openchat copy checks it).
SELECT 1;
