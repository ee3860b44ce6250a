-- What `from:` would cost with the author as a lexeme of the search index instead of
-- messages_author_created (docs/performance.md, "the author as a search lexeme"): a table of
-- messages' shape, 1,000,000 rows, author a0 writing 10 %, a1 1 %, a500 0.08 %, and r 20 old ones.
-- psql -h 127.0.0.1 -p 5433 -U postgres -d postgres -f docs/perf/fromsketch.sql (drops and makes
-- database lex), then time each query of the end with EXPLAIN ANALYZE, :a set to an author.
DROP DATABASE IF EXISTS lex;
CREATE DATABASE lex;
\c lex
CREATE TABLE m (id text PRIMARY KEY, author_id text NOT NULL, created_at timestamptz NOT NULL, body text NOT NULL,
  search tsvector GENERATED ALWAYS AS (to_tsvector('simple', body) || array_to_tsvector(ARRAY['@' || author_id])) STORED);
INSERT INTO m (id, author_id, created_at, body)
SELECT lpad(g::text, 10, '0'),
  CASE WHEN g % 10 = 0 THEN 'a0' WHEN g % 100 = 1 THEN 'a1' ELSE 'a' || (2 + g % 998) END,
  timestamptz '2026-01-01' + g * interval '1 second', 'bench message number ' || g
FROM generate_series(1, 1000000) g;
INSERT INTO m (id, author_id, created_at, body)
SELECT 'r' || g, 'r', timestamptz '2025-06-01' + g * interval '1 hour', 'rare ' || g FROM generate_series(1, 20) g;
CREATE INDEX m_search ON m USING gin (search);
CREATE INDEX m_created ON m (created_at, id);
CREATE INDEX m_author ON m (author_id, created_at, id);
VACUUM ANALYZE m;

-- The queries (\set a '''a1''' first):
-- today, the author's index:  SELECT id FROM m WHERE author_id = :a ORDER BY created_at DESC, id DESC LIMIT 50;
-- lexeme, the walk:           SELECT id FROM (SELECT * FROM m ORDER BY created_at DESC, id DESC LIMIT 2000) x
--                               WHERE search @@ ('@' || :a)::tsquery ORDER BY created_at DESC, id DESC LIMIT 50;
-- lexeme, every match:        SELECT id FROM (SELECT * FROM m WHERE search @@ ('@' || :a)::tsquery OFFSET 0) x
--                               ORDER BY created_at DESC, id DESC LIMIT 50;
