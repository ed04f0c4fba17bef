-- name: voucher_of_target
-- The voucher of target $2 of campaign $1, if it was given one.
SELECT * FROM vouchers WHERE campaign_id = $1 AND target_id = $2

-- name: insert_voucher_event
-- Event $2 of voucher $1, by $3 at $4, with details $5.
INSERT INTO voucher_events (voucher_id, event, actor, at, details)
VALUES ($1, $2, $3, $4, $5)

-- name: known_codes
-- Which of codes $1 are in a pool already (of any campaign).
SELECT code FROM voucher_codes WHERE code = ANY($1::text[])

-- name: voucher_pool
-- Campaign $1's pool of voucher codes: how many, and how many not taken yet.
SELECT count(*) AS codes, count(*) FILTER (WHERE taken_at IS NULL) AS free
FROM voucher_codes WHERE campaign_id = $1

-- name: expire_vouchers
-- Held vouchers past their expiry at $1: expired (their ids and campaigns).
UPDATE vouchers SET state = 'expired'
WHERE expires_at <= $1 AND state IN ('issued', 'sent', 'delivered', 'read', 'failed')
RETURNING id, campaign_id

-- name: lapse_vouchers
-- Held vouchers not redeemed in time (before the expiry, which wins).
UPDATE vouchers SET state = 'lapsed'
WHERE lapses_at <= $1 AND expires_at > $1
  AND state IN ('issued', 'sent', 'delivered', 'read', 'failed')
RETURNING id, campaign_id

-- name: return_voucher_places
-- $2 places of campaign $1's voucher quota are free again (voided or lapsed vouchers).
UPDATE voucher_counts SET counted = greatest(counted - $2, 0) WHERE campaign_id = $1

-- name: export_vouchers
-- Every voucher of campaign $1 with its customer and agent, in id order, for the CSV export.
SELECT v.code, v.state, t.indihome_number, t.name AS customer_name, v.wa_number,
       v.issued_at, v.sent_at, v.delivered_at, v.read_at, v.redeemed_at, v.expires_at,
       u.username AS agent
FROM vouchers v
JOIN targets t ON t.campaign_id = v.campaign_id AND t.id = v.target_id
JOIN users u ON u.id = v.agent_id
WHERE v.campaign_id = $1
ORDER BY v.id

-- name: redemption_by_reference
-- The redemption the partner reported with reference $1, if stored already.
SELECT * FROM redemptions WHERE reference = $1

-- name: lock_voucher_by_code
-- Lock the voucher with code $1 for the rest of the transaction.
SELECT * FROM vouchers WHERE code = $1 FOR UPDATE

-- name: insert_redemption
-- The partner's redemption of code $2 (reference $1) and its result $8; no row if stored already.
INSERT INTO redemptions (reference, code, voucher_id, campaign_id, redeemed_at, amount,
                         source, result, received_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (reference) DO NOTHING
RETURNING *

-- name: voucher_funnel
-- How far a campaign's vouchers got: each counted at every step it passed.
SELECT c.voucher_quota AS quota,
       coalesce((SELECT n.counted FROM voucher_counts n WHERE n.campaign_id = c.id), 0)
           AS counted,
       count(v.id) AS issued,
       count(v.id) FILTER (WHERE EXISTS (SELECT 1 FROM voucher_events e
                             WHERE e.voucher_id = v.id AND e.event = 'sent')) AS sent,
       count(v.id) FILTER (WHERE EXISTS (SELECT 1 FROM voucher_events e
                             WHERE e.voucher_id = v.id AND e.event = 'delivered')) AS delivered,
       count(v.id) FILTER (WHERE EXISTS (SELECT 1 FROM voucher_events e
                             WHERE e.voucher_id = v.id AND e.event = 'read')) AS read,
       count(v.id) FILTER (WHERE v.state = 'failed') AS failed,
       count(v.id) FILTER (WHERE v.state = 'redeemed') AS redeemed,
       count(v.id) FILTER (WHERE v.state = 'expired') AS expired,
       count(v.id) FILTER (WHERE v.state = 'lapsed') AS lapsed,
       count(v.id) FILTER (WHERE v.state = 'voided') AS voided
FROM campaigns c
LEFT JOIN vouchers v ON v.campaign_id = c.id
WHERE c.id = $1
GROUP BY c.id

-- name: issue_voucher
-- The customer's voucher, issued now or found from before, or why none (migration 0012).
SELECT result, voucher FROM issue_voucher($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)

-- name: void_voucher
-- Void voucher $1; its row.
UPDATE vouchers SET state = 'voided' WHERE id = $1 RETURNING *

-- name: hold_voucher_messages
-- A voided voucher's messages not sent yet are not sent (a message already handed to
-- WhatsApp can't be called back).
WITH held AS (
    UPDATE messages SET state = 'failed', error = 'voucher voided', updated_at = $2
    WHERE voucher_id = $1 AND state = 'pending'
    RETURNING 1
)
SELECT count(*) FROM held

-- name: vouchers_on_whatsapp
-- The simulated partner: vouchers that reached the customer's WhatsApp (delivered or
-- read), but for those in $1 (decided already), oldest first.
SELECT id, code FROM vouchers WHERE state IN ('delivered', 'read')
  AND id <> ALL($1::bigint[]) ORDER BY id LIMIT 100

-- name: campaign_vouchers
-- Every voucher of campaign $1 with its customer's IndiHome number, oldest first.
SELECT v.*, t.indihome_number FROM vouchers v
JOIN targets t ON t.campaign_id = v.campaign_id AND t.id = v.target_id
WHERE v.campaign_id = $1 ORDER BY v.id

-- name: campaign_redemptions
-- The redemptions of campaign $1's vouchers.
SELECT * FROM redemptions WHERE campaign_id = $1 ORDER BY id

-- name: flagged_redemptions
-- Redemptions not honoured (unknown code, second use, after expiry, voided) of campaign
-- $1 or of no campaign at all (a code nobody issued).
SELECT * FROM redemptions WHERE result <> 'redeemed'
  AND (campaign_id = $1 OR campaign_id IS NULL) ORDER BY id
