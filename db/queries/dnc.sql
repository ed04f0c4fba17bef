-- name: add_dnc
INSERT INTO dnc (msisdn, reason, source, added_by)
VALUES ($1, $2, $3, $4)
ON CONFLICT (msisdn) DO NOTHING
RETURNING msisdn

-- name: remove_dnc
DELETE FROM dnc WHERE msisdn = $1 RETURNING msisdn

-- name: get_dnc
SELECT msisdn, reason, source, added_by, added_at FROM dnc WHERE msisdn = $1

-- name: list_dnc
SELECT msisdn, reason, source, added_by, added_at
FROM dnc
WHERE msisdn > $1
ORDER BY msisdn
LIMIT $2

-- name: count_dnc
SELECT count(*) FROM dnc

-- name: create_dnc_stage
CREATE TEMP TABLE dnc_stage (msisdn text NOT NULL, reason text NOT NULL) ON COMMIT DROP

-- name: merge_dnc_stage
WITH inserted AS (
    INSERT INTO dnc (msisdn, reason, source, added_by)
    SELECT DISTINCT ON (msisdn) msisdn, reason, $1, $2 FROM dnc_stage ORDER BY msisdn
    ON CONFLICT (msisdn) DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM inserted
