-- Data rights and lifecycle (issue 16, docs/operations.md).
--
-- A deleted account stays as a tombstone identity (the author of its
-- messages, "Deleted user"): deleted_at marks it.
ALTER TABLE users ADD COLUMN deleted_at INTEGER;

-- The cleanup job deletes expired sessions through this index.
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- A message's client_id is an idempotency key: the cleanup job clears it
-- after a day (chat.ClientIDWindow), so the unique index messages_client_id
-- holds only the last day's messages instead of every message (about a
-- quarter of the bytes of a message: docs/performance.md, Storage). This
-- partial index, which also holds only those, finds the ones to clear.
CREATE INDEX messages_client_id_age ON messages (created_at) WHERE client_id IS NOT NULL;
