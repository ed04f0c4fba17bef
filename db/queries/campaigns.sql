-- name: upsert_script
INSERT INTO scripts (name, digest, kind, definition)
VALUES ($1, $2, $3, $4)
ON CONFLICT (name, digest) DO NOTHING

-- name: get_script
SELECT name, digest, kind, definition, loaded_at FROM scripts WHERE name = $1 AND digest = $2

-- name: insert_campaign
INSERT INTO campaigns (name, product, tiers, voucher_quota, voucher_expires_at, script_name,
                       definition, created_by, updated_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
RETURNING id, name, state, version, definition, created_at, created_by, updated_at, updated_by

-- name: lock_campaign_by_name
SELECT id, name, state, version, definition, created_at, created_by, updated_at, updated_by
FROM campaigns WHERE name = $1 FOR UPDATE

-- name: lock_campaign_by_id
SELECT id, name, state, version, definition, created_at, created_by, updated_at, updated_by
FROM campaigns WHERE id = $1 FOR UPDATE

-- name: get_campaign_by_name
SELECT id, name, state, version, definition, created_at, created_by, updated_at, updated_by
FROM campaigns WHERE name = $1

-- name: get_campaign_by_id
SELECT id, name, state, version, definition, created_at, created_by, updated_at, updated_by
FROM campaigns WHERE id = $1

-- name: list_campaigns
SELECT c.id, c.name, c.state, c.version, c.definition, c.created_at, c.created_by,
       c.updated_at, c.updated_by,
       (SELECT count(*) FROM targets t WHERE t.campaign_id = c.id) AS targets
FROM campaigns c
ORDER BY c.id

-- name: update_campaign
UPDATE campaigns
SET definition = $2, product = $3, tiers = $4, voucher_quota = $5, voucher_expires_at = $6,
    script_name = $7, version = version + 1, updated_at = now(), updated_by = $8
WHERE id = $1
RETURNING id, name, state, version, definition, created_at, created_by, updated_at, updated_by

-- name: insert_campaign_version
INSERT INTO campaign_versions (campaign_id, version, definition, changes, state, changed_by, source)
VALUES ($1, $2, $3, $4, $5, $6, $7)

-- name: list_campaign_versions
SELECT version, changes, state, changed_by, changed_at, source
FROM campaign_versions WHERE campaign_id = $1 ORDER BY version

-- name: set_campaign_state
-- Guarded: zero rows means the campaign was not in a state the action starts from.
UPDATE campaigns SET state = $2, updated_at = now(), updated_by = $4
WHERE id = $1 AND state = ANY($3::text[])
RETURNING id, name, state, version, definition, created_at, created_by, updated_at, updated_by

-- name: insert_campaign_event
INSERT INTO campaign_events (campaign_id, action, from_state, to_state, actor)
VALUES ($1, $2, $3, $4, $5)

-- name: list_campaign_events
SELECT action, from_state, to_state, actor, at
FROM campaign_events WHERE campaign_id = $1 ORDER BY at, id
