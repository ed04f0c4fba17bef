-- name: upsert_script
-- Store script $1 at digest $2 (kind $3, definition $4); one stored already is kept.
INSERT INTO scripts (name, digest, kind, definition)
VALUES ($1, $2, $3, $4)
ON CONFLICT (name, digest) DO NOTHING

-- name: get_script
-- Script $1 as stored at digest $2.
SELECT name, digest, kind, definition, loaded_at FROM scripts WHERE name = $1 AND digest = $2

-- name: insert_campaign
-- A new campaign $1: definition $7 ($2 to $6 copied out of it), by $8; its row.
INSERT INTO campaigns (name, product, tiers, voucher_quota, voucher_expires_at, script_name,
                       definition, created_by, updated_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
RETURNING id, name, state, version, definition, created_at, created_by, updated_at, updated_by

-- name: lock_campaign_by_name
-- Campaign $1 (by name), locked for the rest of the transaction, to change it.
SELECT id, name, state, version, definition, created_at, created_by, updated_at, updated_by
FROM campaigns WHERE name = $1 FOR UPDATE

-- name: get_campaign_by_name
-- Campaign $1, by name.
SELECT id, name, state, version, definition, created_at, created_by, updated_at, updated_by
FROM campaigns WHERE name = $1

-- name: get_campaign_by_id
-- Campaign $1, by id.
SELECT id, name, state, version, definition, created_at, created_by, updated_at, updated_by
FROM campaigns WHERE id = $1

-- name: list_campaigns
-- Every campaign, with how many targets it has, how many are done, and the places of its
-- voucher quota taken, in id order.
SELECT c.id, c.name, c.state, c.version, c.definition, c.created_at, c.created_by,
       c.updated_at, c.updated_by,
       (SELECT count(*) FROM targets t WHERE t.campaign_id = c.id) AS targets,
       (SELECT count(*) FROM targets t WHERE t.campaign_id = c.id AND t.state = 'done')
           AS done,
       coalesce((SELECT counted FROM voucher_counts v WHERE v.campaign_id = c.id), 0)
           AS quota_taken
FROM campaigns c
ORDER BY c.id

-- name: update_campaign
-- Campaign $1's new definition $2 ($3 to $7 copied out of it) by $8: its next version.
UPDATE campaigns
SET definition = $2, product = $3, tiers = $4, voucher_quota = $5, voucher_expires_at = $6,
    script_name = $7, version = version + 1, updated_at = now(), updated_by = $8
WHERE id = $1
RETURNING id, name, state, version, definition, created_at, created_by, updated_at, updated_by

-- name: insert_campaign_version
-- Version $2 of campaign $1: definition $3, changes $4, state $5, by $6, from source $7.
INSERT INTO campaign_versions (campaign_id, version, definition, changes, state, changed_by, source)
VALUES ($1, $2, $3, $4, $5, $6, $7)

-- name: list_campaign_versions
-- Campaign $1's versions in order: what changed, the state, who, when and from where.
SELECT version, changes, state, changed_by, changed_at, source
FROM campaign_versions WHERE campaign_id = $1 ORDER BY version

-- name: set_campaign_state
-- Guarded: zero rows means the campaign was not in a state the action starts from.
UPDATE campaigns SET state = $2, updated_at = now(), updated_by = $4
WHERE id = $1 AND state = ANY($3::text[])
RETURNING id, name, state, version, definition, created_at, created_by, updated_at, updated_by

-- name: insert_campaign_event
-- Action $2 on campaign $1 (from state $3 to $4) by $5.
INSERT INTO campaign_events (campaign_id, action, from_state, to_state, actor)
VALUES ($1, $2, $3, $4, $5)

-- name: list_campaign_events
-- Campaign $1's actions and state changes, in the order they happened.
SELECT action, from_state, to_state, actor, at
FROM campaign_events WHERE campaign_id = $1 ORDER BY at, id
