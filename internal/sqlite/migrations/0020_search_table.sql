-- PostgreSQL's 0020 moves its search words into a table of their own,
-- filled after the commit. SQLite's FTS5 index is written in the append's
-- own transaction (0010) and stays there: one writer, and no WAL shipped to
-- replicas. The migration exists so that both engines list the same
-- versions (openchat copy checks it).
SELECT 1;
