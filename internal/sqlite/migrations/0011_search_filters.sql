-- PostgreSQL's 0011 adds indexes for from: and in: searches. SQLite needs
-- none: its FTS5 index holds the room and author ids as words (0005), so
-- those filters narrow the match inside the index. The migration exists so
-- that both engines list the same versions (openchat copy checks it).
SELECT 1;
