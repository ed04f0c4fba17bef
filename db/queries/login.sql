-- name: count_login_try
-- One more login try counted against key $2 of scope $1 ('user' or 'address') at $3.
-- The count starts over when its window ($4 seconds) is past or its lock is over; a
-- try past limit $5 locks the key until $3 + $6 seconds (a lock is not extended by the
-- tries it refuses). The count and the lock.
INSERT INTO login_failures AS f (scope, key, failures, window_start, locked_until)
VALUES ($1, $2, 1, $3, CASE WHEN 1 > $5::integer THEN $3::timestamptz + make_interval(secs => $6::float8) END)
ON CONFLICT (scope, key) DO UPDATE SET
    failures = CASE
        WHEN f.locked_until <= $3
          OR (f.locked_until IS NULL AND f.window_start <= $3::timestamptz - make_interval(secs => $4::float8))
        THEN 1 ELSE f.failures + 1 END,
    window_start = CASE
        WHEN f.locked_until <= $3
          OR (f.locked_until IS NULL AND f.window_start <= $3::timestamptz - make_interval(secs => $4::float8))
        THEN $3 ELSE f.window_start END,
    locked_until = CASE
        WHEN f.locked_until <= $3
          OR (f.locked_until IS NULL AND f.window_start <= $3::timestamptz - make_interval(secs => $4::float8))
        THEN NULL
        WHEN f.locked_until > $3 THEN f.locked_until
        WHEN f.failures + 1 > $5::integer THEN $3::timestamptz + make_interval(secs => $6::float8)
        END
RETURNING failures, locked_until

-- name: login_succeeded
-- User $1 logged in from address $2: the user's count starts over, and the try counted
-- against the address is taken back (an office's agents logging in behind one address
-- do not lock it).
WITH forgotten AS (
    DELETE FROM login_failures WHERE scope = 'user' AND key = $1
)
UPDATE login_failures SET failures = greatest(failures - 1, 0)
WHERE scope = 'address' AND key = $2

-- name: sweep_login_failures
-- Up to 100 counts whose window began before $1 and that hold no lock at $2: forgotten.
DELETE FROM login_failures
WHERE ctid = ANY (ARRAY (
    SELECT ctid FROM login_failures
    WHERE window_start < $1 AND (locked_until IS NULL OR locked_until <= $2)
    LIMIT 100
))
