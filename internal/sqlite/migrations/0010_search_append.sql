-- New messages are indexed by the append itself (groupcommit.go, one
-- INSERT INTO messages_fts per group, in the group's transaction), not by
-- a trigger per row: FTS5 writes its pending words out as a new segment at
-- every statement savepoint, and a trigger makes every message's INSERT
-- one, so a group of 16 messages became 16 tiny segments to write and
-- merge (measured: docs/performance.md, "Search ingest, round two").
-- Edits and deletes keep their triggers. Every message stored so far was
-- indexed by the trigger dropped here, so nothing needs rebuilding.
DROP TRIGGER messages_fts_insert;
