-- name: add_dnc
-- Put number $1 on the do-not-call list (reason $2, source $3, by $4); no row if listed.
INSERT INTO dnc (msisdn, reason, source, added_by)
VALUES ($1, $2, $3, $4)
ON CONFLICT (msisdn) DO NOTHING
RETURNING msisdn

-- name: remove_dnc
-- Take number $1 off the do-not-call list; the entry as it was, no row if not on it.
DELETE FROM dnc WHERE msisdn = $1 RETURNING msisdn, reason, source, added_by, added_at

-- name: insert_dnc_event
-- The audit of action $2 ('added' or 'removed') on number $1: why ($3), by whom ($4), details $5.
INSERT INTO dnc_events (msisdn, action, reason, actor, details)
VALUES ($1, $2, $3, $4, $5)

-- name: dnc_history
-- What was done to number $1 on the list, oldest first, the actor's name with it.
SELECT e.action, e.reason, e.actor, e.at, e.details,
       COALESCE(NULLIF(u.display_name, ''), u.username, e.actor) AS actor_name
FROM dnc_events e
LEFT JOIN LATERAL (
    SELECT display_name, username FROM users
    WHERE username = e.actor OR 'agent:' || id = e.actor
    ORDER BY id LIMIT 1
) u ON true
WHERE e.msisdn = $1
ORDER BY e.at, e.id

-- name: get_dnc
-- The do-not-call list's entry for number $1.
SELECT msisdn, reason, source, added_by, added_at FROM dnc WHERE msisdn = $1

-- name: list_dnc
-- A page of the do-not-call list, newest first: $5 entries listed before ($3 added_at,
-- $4 msisdn) (both NULL: from the newest), matching number pattern $1 or reason pattern
-- $2 (LIKE patterns; both NULL: every entry). added_by_name is the user's name for a
-- username or an agent:<id> (an agent's outcome), else added_by as it is.
SELECT d.msisdn, d.reason, d.source, d.added_by, d.added_at,
       COALESCE(NULLIF(u.display_name, ''), u.username, d.added_by) AS added_by_name
FROM dnc d
LEFT JOIN LATERAL (
    SELECT display_name, username FROM users
    WHERE username = d.added_by OR 'agent:' || id = d.added_by
    ORDER BY id LIMIT 1
) u ON true
WHERE (($1::text IS NULL AND $2::text IS NULL) OR d.msisdn LIKE $1 OR d.reason ILIKE $2)
  AND ($3::timestamptz IS NULL OR (d.added_at, d.msisdn) < ($3, $4::text))
ORDER BY d.added_at DESC, d.msisdn DESC
LIMIT $5

-- name: count_dnc_matching
-- How many numbers of the do-not-call list match number pattern $1 or reason pattern $2.
SELECT count(*) FROM dnc d WHERE d.msisdn LIKE $1 OR d.reason ILIKE $2

-- name: count_dnc
-- How many numbers the do-not-call list holds.
SELECT count(*) FROM dnc

-- name: create_dnc_stage
-- A temporary table for a DNC file's numbers and reasons (filled by COPY), dropped at commit.
CREATE TEMP TABLE dnc_stage (msisdn text NOT NULL, reason text NOT NULL) ON COMMIT DROP

-- name: merge_dnc_stage
-- The staged numbers not listed yet put on the list (source $1, by $2), once each; how many.
WITH inserted AS (
    INSERT INTO dnc (msisdn, reason, source, added_by)
    SELECT DISTINCT ON (msisdn) msisdn, reason, $1, $2 FROM dnc_stage ORDER BY msisdn
    ON CONFLICT (msisdn) DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM inserted
