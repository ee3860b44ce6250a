-- The admin room list orders, pages and searches public and private rooms
-- by lower-cased name. SQLite's lower() folds ASCII only, so "ÑANDÚ"
-- neither matched "ñan" nor sorted where the service's cursor (lower-cased
-- in Go) expected it. name_fold keeps chat.FoldName(name), written with the
-- name; existing rooms get theirs from this migration's Go step
-- (migrate_steps.go).
ALTER TABLE rooms ADD COLUMN name_fold TEXT NOT NULL DEFAULT '';
CREATE INDEX rooms_name_fold ON rooms (name_fold, id);
