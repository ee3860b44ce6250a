-- PostgreSQL's 0017 rewrites its unaccent wrapper (0005) in PL/pgSQL.
-- SQLite folds accents in its FTS5 tokenizer and has nothing to change; the
-- migration exists so that both engines list the same versions (openchat
-- copy checks it).
SELECT 1;
