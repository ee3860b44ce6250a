-- 0005's openchat_unaccent is a SQL function that PostgreSQL cannot inline
-- (an IMMUTABLE function whose body calls a STABLE one), so the search
-- column ran it as a query of its own for every message written: 1.1 µs of
-- the 5.6 µs the column costs a message (docs/performance.md). In
-- PL/pgSQL its body is a simple expression, evaluated without starting an
-- executor. The body names the dictionary and the function with the
-- extension's schema, as the SQL-standard body bound them: whatever the
-- search_path, and through a dump and restore. The results are the same,
-- so the stored column stays valid.
DO $do$
DECLARE
    s text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent');
BEGIN
    EXECUTE format($f$CREATE OR REPLACE FUNCTION openchat_unaccent(t text) RETURNS text
        LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
        AS $body$BEGIN RETURN %I.unaccent(%L::regdictionary, t); END$body$$f$, s, format('%I.unaccent', s));
END
$do$;
