-- A message's search words move out of messages into message_search, which
-- the search indexer fills after the commit (postgres/searchindex.go): the
-- append no longer writes the GIN index (331 bytes of WAL a message) or the
-- author index (messages_author_created), a third of the WAL a message cost
-- (docs/performance.md). Each room's mark in search_marks is the last seq
-- and change the indexer has read; a search first indexes whatever is past
-- the marks, so it still finds every message written before it began.
--
-- The table repeats what a search walks in order (room and seq, author and
-- time, time), so a walk reads the words in the row it walks, as it did in
-- messages, and the change number the words are of. No foreign keys: their checks would share-lock the rooms
-- that appends update, turning those updates into MultiXacts (0019).
-- DeleteRoom removes a room's rows, under the indexer's lock.
CREATE TABLE message_search (
    id         text PRIMARY KEY,
    room_id    text NOT NULL,
    seq        bigint NOT NULL,
    author_id  text NOT NULL,
    created_at timestamptz NOT NULL,
    change     bigint NOT NULL, -- the message's change number when indexed
    search     tsvector NOT NULL
);
CREATE TABLE search_marks (
    room_id text PRIMARY KEY,
    seq     bigint NOT NULL,
    change  bigint NOT NULL
);

-- The words 0005's column computed, for the indexer.
CREATE FUNCTION openchat_search_words(body text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN to_tsvector('simple'::regconfig, regexp_replace(openchat_unaccent(body), '[!-/:-@\[-`{-~]+', ' ', 'g'));

-- The column holds the words already: copied, not computed again, and the
-- indexes built once after the copy.
INSERT INTO message_search (id, room_id, seq, author_id, created_at, change, search)
    SELECT id, room_id, seq, author_id, created_at, change, search FROM messages;
INSERT INTO search_marks (room_id, seq, change) SELECT id, last_seq, last_change FROM rooms;
CREATE INDEX message_search_words ON message_search USING gin (search);
CREATE INDEX message_search_room ON message_search (room_id, seq);
CREATE INDEX message_search_created ON message_search (created_at, id);
CREATE INDEX message_search_author ON message_search (author_id, created_at, id);

DROP INDEX messages_author_created;
ALTER TABLE messages DROP COLUMN search; -- and its GIN index, messages_search
