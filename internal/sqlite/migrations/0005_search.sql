-- Full-text search of message bodies: an FTS5 index over messages (an
-- external-content table: the text stays in messages, the index holds
-- only the words), keyed by the messages' rowid. unicode61 with
-- remove_diacritics 2 folds case and accents ("Canción" = "cancion"),
-- as chat.Fold does for snippets. Triggers keep it in step in the
-- transaction that writes a message (an edit or delete included), and the
-- 'rebuild' below indexes the messages that exist now. The index is
-- derived data: transfer skips it, and 'rebuild' remakes it at any time.
--
-- The room and author ids are indexed too, as one word each (their dashes
-- dropped), so "in:#room deploy" or "from:@ada deploy" intersect two word
-- lists instead of checking the room of every message saying "deploy".
-- The view is what 'rebuild' reads: the same values as the triggers write.
CREATE VIEW messages_search_source AS
    SELECT rowid, body, replace(room_id, '-', '') AS room_id, replace(author_id, '-', '') AS author_id FROM messages;

CREATE VIRTUAL TABLE messages_fts USING fts5(
    body,
    room_id,
    author_id,
    content = 'messages_search_source',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2',
    columnsize = 0 -- no per-message sizes: results are ordered by time, not bm25
);
-- Merge segments 8 at a time rather than 4: each commit writes a segment,
-- and merging is much of what indexing adds to an append (measured:
-- docs/performance.md, Search).
INSERT INTO messages_fts (messages_fts, rank) VALUES ('automerge', 8);

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, body, room_id, author_id)
    VALUES (new.rowid, new.body, replace(new.room_id, '-', ''), replace(new.author_id, '-', ''));
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body, room_id, author_id)
    VALUES ('delete', old.rowid, old.body, replace(old.room_id, '-', ''), replace(old.author_id, '-', ''));
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body, room_id, author_id ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body, room_id, author_id)
    VALUES ('delete', old.rowid, old.body, replace(old.room_id, '-', ''), replace(old.author_id, '-', ''));
    INSERT INTO messages_fts (rowid, body, room_id, author_id)
    VALUES (new.rowid, new.body, replace(new.room_id, '-', ''), replace(new.author_id, '-', ''));
END;

INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
