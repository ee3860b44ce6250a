-- SQLite's 0010 moves the indexing of new messages from a trigger into the
-- append. PostgreSQL computes its search column in the INSERT already
-- (0005), so nothing changes here; the migration exists so that both
-- engines list the same versions (openchat copy checks it).
SELECT 1;
