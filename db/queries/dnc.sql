-- name: add_dnc
-- Put number $1 on the do-not-call list (reason $2, source $3, by $4); no row if listed.
INSERT INTO dnc (msisdn, reason, source, added_by)
VALUES ($1, $2, $3, $4)
ON CONFLICT (msisdn) DO NOTHING
RETURNING msisdn

-- name: remove_dnc
-- Take number $1 off the do-not-call list; no row if it was not on it.
DELETE FROM dnc WHERE msisdn = $1 RETURNING msisdn

-- name: get_dnc
-- The do-not-call list's entry for number $1.
SELECT msisdn, reason, source, added_by, added_at FROM dnc WHERE msisdn = $1

-- name: list_dnc
-- A page of the do-not-call list: $2 entries after number $1, in number order.
SELECT msisdn, reason, source, added_by, added_at
FROM dnc
WHERE msisdn > $1
ORDER BY msisdn
LIMIT $2

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
