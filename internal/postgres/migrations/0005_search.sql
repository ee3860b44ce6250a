-- Full-text search of message bodies: a tsvector column computed from the
-- body (so every insert, edit or delete updates it in its own transaction,
-- and adding it indexes the messages that exist now) with a GIN index.
-- The 'simple' configuration (no stemming, no stop words: messages mix
-- languages) over unaccent folds case and accents ("Canción" =
-- "cancion"). ASCII punctuation becomes a space first, so that
-- "ada@example.org" or "3.14" are words split as SQLite's unicode61 and
-- chat.SearchTokens split them, not single email or number tokens.
--
-- unaccent is a trusted extension (PostgreSQL 13+): the database owner
-- may create it. Its function is STABLE (its dictionary could change); the
-- wrapper states IMMUTABLE, as a generated column requires, and binds the
-- dictionary when created (a SQL-standard body), whatever the search_path.
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE FUNCTION openchat_unaccent(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN unaccent('unaccent'::regdictionary, t);

ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS
    (to_tsvector('simple'::regconfig, regexp_replace(openchat_unaccent(body), '[!-/:-@\[-`{-~]+', ' ', 'g'))) STORED;
CREATE INDEX messages_search ON messages USING gin (search);

-- Newest-first pages of a common word walk this index backwards and stop
-- at the limit, rather than sorting every match; the planner picks it or
-- the GIN index from the word's statistics.
CREATE INDEX messages_created_at ON messages (created_at, id);
