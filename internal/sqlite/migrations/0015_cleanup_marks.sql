-- The client-id cleanup (lifecycle.go) walks messages in rowid order,
-- which is commit order, from where its last batch stopped, kept here,
-- instead of finding them through messages_client_id_age: that index cost
-- every message a B-tree insert to save the cleanup a walk
-- (docs/performance.md, "the disk under the tail").
CREATE TABLE cleanup_marks (
    task TEXT PRIMARY KEY,
    mark INTEGER NOT NULL -- the rowid of the last message walked
);
-- An existing database starts before its oldest client id still set (every
-- message before it has none), or after its newest message if none is set.
INSERT INTO cleanup_marks (task, mark)
    SELECT 'client_ids', min(rowid) - 1 FROM messages WHERE client_id IS NOT NULL HAVING min(rowid) IS NOT NULL;
INSERT OR IGNORE INTO cleanup_marks (task, mark)
    SELECT 'client_ids', max(rowid) FROM messages HAVING max(rowid) IS NOT NULL;
DROP INDEX messages_client_id_age;
