-- PostgreSQL's 0016 drops an index of its 0011 that SQLite never had (its
-- FTS5 index narrows in: searches itself). The migration exists so that
-- both engines list the same versions (openchat copy checks it).
SELECT 1;
