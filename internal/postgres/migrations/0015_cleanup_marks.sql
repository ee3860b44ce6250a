-- The client-id cleanup (lifecycle.go) walks messages in (created_at, id)
-- order, through messages_created_at, from where its last batch stopped,
-- kept here, instead of finding them through messages_client_id_age: that
-- index cost every message a B-tree insert to save the cleanup a walk
-- (docs/performance.md, "the disk under the tail").
CREATE TABLE cleanup_marks (
    task    text PRIMARY KEY,
    mark_at timestamptz NOT NULL, -- the last message walked: its created_at
    mark_id text NOT NULL         -- and its id ('': before every id)
);
-- An existing database starts at its oldest client id still set (every
-- message before it has none), or after its newest message if none is set.
INSERT INTO cleanup_marks (task, mark_at, mark_id)
    SELECT 'client_ids', min(created_at), '' FROM messages WHERE client_id IS NOT NULL HAVING min(created_at) IS NOT NULL;
INSERT INTO cleanup_marks (task, mark_at, mark_id)
    SELECT 'client_ids', created_at, id FROM messages ORDER BY created_at DESC, id DESC LIMIT 1
    ON CONFLICT (task) DO NOTHING;
DROP INDEX messages_client_id_age;
