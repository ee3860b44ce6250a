-- Starts pg_stat_statements afresh for pgss.sql (run by scenario.sh PROFILE=NAME and pgss.sh).
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
SELECT pg_stat_statements_reset();
