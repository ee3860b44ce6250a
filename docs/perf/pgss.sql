-- pg_stat_statements' top statements of database f1k since the last reset, and their totals
-- (run by scenario.sh PROFILE=NAME and pgss.sh: psql -f docs/perf/pgss.sql f1k).
SELECT calls, round(total_exec_time::numeric, 1) AS ms, round((total_exec_time / calls)::numeric, 3) AS per_call,
  rows, wal_bytes, left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query
FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY total_exec_time DESC LIMIT 25;
SELECT 'total exec ms ' || round(sum(total_exec_time)) || ', wal MB ' || round(sum(wal_bytes) / 1e6, 1) || ', calls ' || sum(calls)
FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database());
