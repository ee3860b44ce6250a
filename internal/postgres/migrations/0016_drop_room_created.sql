-- A search of one room walks it by (room_id, seq), its commit order, and
-- maps time bounds to seqs by a binary search (postgres/search.go), so
-- 0011's (room_id, created_at, id) index is dropped: it cost every message
-- a B-tree insert, the seventh on messages (docs/performance.md).
DROP INDEX messages_room_created;
