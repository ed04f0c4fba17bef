-- name: enqueue_message
-- Queue voucher $1's next WhatsApp message to $3 (template $5, values $6), due $7, by $8;
-- its key says it is the voucher's n-th (message_key, migration 0016). Its row.
INSERT INTO messages (voucher_id, campaign_id, to_number, sender, content_sid, variables,
                      idempotency_key, state, next_try_at, actor, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6,
        message_key($1, (SELECT count(*) + 1 FROM messages WHERE voucher_id = $1)),
        'pending', $7, $8, $7, $7)
RETURNING *

-- name: claim_messages
-- Due messages for this node to send, each claimed once (MATERIALIZED, SKIP LOCKED).
WITH due AS MATERIALIZED (
    SELECT id FROM messages
    WHERE state = 'pending' AND next_try_at <= $1
    ORDER BY next_try_at, id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE messages m SET state = 'sending', claimed_at = $1, tries = m.tries + 1, updated_at = $1
FROM due WHERE m.id = due.id
RETURNING m.*

-- name: message_sent
-- The provider took it; a status callback may have come first (it then stays ahead).
UPDATE messages SET provider_sid = $2, updated_at = $3,
    state = CASE WHEN state = 'sending' THEN 'queued' ELSE state END
WHERE id = $1
RETURNING *

-- name: message_retry
-- Sending message $1 failed for now (error $3): due again at $2; updated at $4.
UPDATE messages SET state = 'pending', next_try_at = $2, error = $3, updated_at = $4
WHERE id = $1 AND state = 'sending'

-- name: message_failed
-- Message $1, being sent, failed for good with error $2 at $3; its row.
UPDATE messages SET state = 'failed', error = $2, updated_at = $3
WHERE id = $1 AND state = 'sending'
RETURNING *

-- name: requeue_stuck_messages
-- Claimed by a node that did not report back (it died mid-send): sent again.
UPDATE messages SET state = 'pending', next_try_at = $1, updated_at = $1,
    error = 'the sending node did not report back'
WHERE state = 'sending' AND claimed_at < $2 AND provider_sid IS NULL
RETURNING id

-- name: insert_message_event
-- A WhatsApp status callback: received $1, of message $2 (or SID $3), status $4; its id.
INSERT INTO message_events (received_at, message_id, message_sid, status, params)
VALUES ($1, $2, $3, $4, $5)
RETURNING id

-- name: lock_message
-- Lock message $1 to apply a status callback to it.
SELECT * FROM messages WHERE id = $1 FOR UPDATE

-- name: lock_message_by_sid
-- Lock the message the provider knows as SID $1 (a callback naming no message).
SELECT * FROM messages WHERE provider_sid = $1 FOR UPDATE

-- name: set_message_status
-- Message $1 reached status $2 at $5 (provider SID $3 if none yet, error $4).
UPDATE messages SET state = $2, provider_sid = coalesce(provider_sid, $3), error = $4,
    updated_at = $5
WHERE id = $1

-- name: mark_message_event
-- Status callback $1 is applied: what it did ($2).
UPDATE message_events SET effect = $2 WHERE id = $1

-- name: lock_voucher
-- Lock voucher $1 for the rest of the transaction.
SELECT * FROM vouchers WHERE id = $1 FOR UPDATE

-- name: set_voucher_state
-- Voucher $1's state is now $2.
UPDATE vouchers SET state = $2 WHERE id = $1

-- name: set_voucher_wa
-- Voucher $1's messages go to WhatsApp number $2 from now on.
UPDATE vouchers SET wa_number = $2 WHERE id = $1

-- name: voucher_message_data
-- What a voucher's message tells of its customer (target $2 of campaign $1).
SELECT t.name, t.bill_amount, t.zone
FROM targets t WHERE t.campaign_id = $1 AND t.id = $2

-- name: voucher_reached
-- Voucher $1 reached WhatsApp step $2 at $3: kept when first seen; a later step implies
-- the earlier ones (a read message was delivered and sent).
UPDATE vouchers SET
    sent_at      = CASE WHEN $2 IN ('sent', 'delivered', 'read')
                        THEN coalesce(sent_at, $3) ELSE sent_at END,
    delivered_at = CASE WHEN $2 IN ('delivered', 'read')
                        THEN coalesce(delivered_at, $3) ELSE delivered_at END,
    read_at      = CASE WHEN $2 = 'read' THEN coalesce(read_at, $3) ELSE read_at END,
    failed_at    = CASE WHEN $2 = 'failed' THEN coalesce(failed_at, $3) ELSE failed_at END
WHERE id = $1

-- name: voucher_redeemed
-- Voucher $1 is redeemed, at $2.
UPDATE vouchers SET state = 'redeemed', redeemed_at = $2 WHERE id = $1

-- name: messages_moving
-- Campaign $1's messages not yet handed to WhatsApp or still queued there.
SELECT count(*) FROM messages WHERE campaign_id = $1
  AND state IN ('pending', 'sending', 'queued')
