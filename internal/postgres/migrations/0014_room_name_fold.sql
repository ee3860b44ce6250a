-- The admin room list orders, pages and searches public and private rooms
-- by lower-cased name. PostgreSQL's lower() follows the database's locale
-- (ASCII only under C), and SQLite's folds ASCII only, so "ÑANDÚ" could
-- neither match "ñan" nor sort where the service's cursor (lower-cased in
-- Go) expected it. name_fold keeps chat.FoldName(name), written with the
-- name; existing rooms get theirs from this migration's Go step
-- (migrate_steps.go).
ALTER TABLE rooms ADD COLUMN name_fold text COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX rooms_name_fold ON rooms (name_fold, id COLLATE "C");
