-- Queries every room uses: announcements and advisory locks. A lock is named by two
-- integers: a namespace (each user of locks has its own, see the Python constants) and a
-- key within it (a campaign's id, or 1 for a singleton job).

-- name: notify
-- Announce $2 on channel $1 when the transaction commits (at once outside one).
SELECT pg_notify($1, $2)

-- name: try_xact_lock
-- Take lock ($1, $2) until the transaction ends, if no one holds it: true when taken.
SELECT pg_try_advisory_xact_lock($1::int, $2::int)

-- name: try_session_lock
-- Take lock ($1, $2) until released or the connection ends, if no one holds it.
SELECT pg_try_advisory_lock($1::int, $2::int)

-- name: session_unlock
-- Release session lock ($1, $2).
SELECT pg_advisory_unlock($1::int, $2::int)

-- name: session_lock
-- Take session lock $1, waiting for whoever holds it (migrations: one node at a time).
SELECT pg_advisory_lock($1::bigint)

-- name: session_unlock_one
-- Release session lock $1.
SELECT pg_advisory_unlock($1::bigint)

-- name: use_utc
-- Each connection reads and writes times in UTC.
SET TIME ZONE 'UTC'

-- name: create_migrations_table
-- The applied migrations (``db.migrate``), created on first use.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())

-- name: applied_migrations
-- The versions applied so far.
SELECT version FROM schema_migrations

-- name: record_migration
-- Migration $1 (file $2) is applied.
INSERT INTO schema_migrations (version, name) VALUES ($1, $2)

-- name: schema_version
-- The latest migration applied (readiness).
SELECT max(version) FROM schema_migrations

-- name: database_exists
-- Whether the server holds database $1.
SELECT 1 FROM pg_database WHERE datname = $1

-- name: create_dialer_database
-- The embedded server's database (``embedded_pg.DATABASE_NAME``).
CREATE DATABASE dialer

-- name: mark_demo_database
-- This database is a demo's (``dialer run``, ``dialer demo``): they may add their users
-- and reset their passwords here. A comment on the database, not a row: nothing of the
-- schema, and a copy or a restore elsewhere is not marked.
DO $$ BEGIN
    EXECUTE format('COMMENT ON DATABASE %I IS %L', current_database(), 'dialer demo');
END $$

-- name: demo_database
-- Whether this database is marked as a demo's, and whether the dialer has used it.
SELECT coalesce(shobj_description(d.oid, 'pg_database') = 'dialer demo', false) AS demo,
       to_regclass('schema_migrations') IS NOT NULL AS used
FROM pg_database d WHERE d.datname = current_database()

-- name: keep_alive
-- A connection that holds a session lock: the server notices a vanished peer in ~25 s
-- (not TCP's default two hours), so the lock is free again.
SELECT set_config('tcp_keepalives_idle', '10', false),
       set_config('tcp_keepalives_interval', '5', false),
       set_config('tcp_keepalives_count', '3', false)

-- name: let_go
-- Before a connection goes back to the pool (which resets nothing): no session lock, the
-- keepalive settings back to what they were (RESET).
SELECT pg_advisory_unlock_all(),
       (SELECT count(set_config(name, reset_val, false)) FROM pg_settings
        WHERE name IN ('tcp_keepalives_idle', 'tcp_keepalives_interval', 'tcp_keepalives_count'))

-- name: tune_wal_minimal
-- The embedded server is a private single node: no replicas, so a bulk load into a fresh
-- table writes no WAL (tune_* are applied once, then the server restarts).
ALTER SYSTEM SET wal_level = 'minimal'

-- name: tune_no_wal_senders
-- ... which wal_level minimal requires: no WAL senders.
ALTER SYSTEM SET max_wal_senders = '0'

-- name: tune_shared_buffers
-- More memory for the embedded server's cache.
ALTER SYSTEM SET shared_buffers = '256MB'

-- name: tune_max_wal_size
-- Fewer checkpoints during a large import.
ALTER SYSTEM SET max_wal_size = '2GB'

-- name: tune_maintenance_work_mem
-- More memory for the index builds of a fresh partition.
ALTER SYSTEM SET maintenance_work_mem = '256MB'

-- name: ping
-- Whether the database answers (a node telling its own session's end from an outage).
SELECT 1
