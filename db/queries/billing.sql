-- name: create_payments_stage
-- A temporary table for a payments file's rows (filled by COPY), dropped at commit.
CREATE TEMP TABLE payments_stage (
    reference text, indihome_number text, bill_month date, amount bigint, channel text,
    paid_at timestamptz
) ON COMMIT DROP

-- name: merge_payments_stage
-- New references only: a payment billing reported before is left as it was.
WITH added AS (
    INSERT INTO payments (reference, indihome_number, bill_month, amount, channel, paid_at,
                          source, recorded_by, recorded_at)
    SELECT reference, indihome_number, bill_month, amount, channel, paid_at, $1, $2, $3
    FROM payments_stage
    ON CONFLICT (reference) DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM added

-- name: customer_payments
-- A customer's payments since $2 (newest first), and the payment of their bill of
-- month $3 whenever it was made: one round trip for the list's bill.
SELECT ARRAY(
           SELECT row(reference, bill_month, amount, channel, paid_at, source)
           FROM payments
           WHERE indihome_number = $1 AND paid_at >= $2
           ORDER BY paid_at DESC
           LIMIT 50
       ) AS recent,
       (SELECT row(reference, bill_month, amount, channel, paid_at, source)
        FROM payments
        WHERE indihome_number = $1 AND bill_month = $3
        ORDER BY paid_at
        LIMIT 1) AS paid

-- name: finish_paid_targets
-- The bills $1 (IndiHome numbers) of months $2, which billing reports paid: every target
-- for one of them, in every campaign not finished, is done as already_paid — unless it is
-- finished already, or on a call (live, or its agent still recording the outcome: the
-- agent's pop says the bill is paid), or being claimed right now (SKIP LOCKED: the claim
-- finishes it itself). Each campaign's targets are reached through its own unique
-- (campaign_id, indihome_number) index. The targets finished, by campaign.
WITH bills AS (
    SELECT DISTINCT b.indihome_number, b.bill_month
    FROM unnest($1::text[], $2::date[]) AS b (indihome_number, bill_month)
), due AS (
    SELECT t.campaign_id, t.id
    FROM bills b
    CROSS JOIN campaigns c
    JOIN targets t
        ON t.campaign_id = c.id AND t.indihome_number = b.indihome_number
       AND t.bill_month = b.bill_month
    WHERE c.state <> 'finished' AND t.state <> 'done'
      AND NOT EXISTS (
          SELECT 1 FROM attempts a
          WHERE a.campaign_id = t.campaign_id AND a.target_id = t.id
            AND a.state IN ('queued', 'dialing', 'ringing', 'in-progress'))
      AND NOT EXISTS (
          SELECT 1 FROM agent_states s
          JOIN attempts a ON a.id = s.attempt_id
          WHERE s.state = 'on_call' AND a.campaign_id = t.campaign_id AND a.target_id = t.id)
    FOR UPDATE OF t SKIP LOCKED
)
UPDATE targets t
SET state = 'done', done_reason = 'already_paid', callback = false, next_attempt_at = NULL
FROM due
WHERE t.campaign_id = due.campaign_id AND t.id = due.id

-- name: agents_on_paid_calls
-- Of the agents $1 (those whose consoles one node holds), the ones on a call whose bill
-- billing reports paid — of the IndiHome numbers $2 only, unless $2 is NULL — and the call.
SELECT s.user_id, s.attempt_id
FROM agent_states s
JOIN attempts a ON a.id = s.attempt_id
JOIN targets t ON t.campaign_id = a.campaign_id AND t.id = a.target_id
WHERE s.user_id = ANY($1::bigint[]) AND s.state = 'on_call'
  AND ($2::text[] IS NULL OR t.indihome_number = ANY($2::text[]))
  AND EXISTS (SELECT 1 FROM payments p
              WHERE p.indihome_number = t.indihome_number AND p.bill_month = t.bill_month)

-- name: claimed_bills
-- The bills of targets $2 of campaign $1, just claimed: asked of the billing API before
-- they are dialled.
SELECT id, indihome_number, bill_month FROM targets WHERE campaign_id = $1 AND id = ANY($2::bigint[])

-- name: drop_unplaced_attempts
-- Attempts $1, inserted by this transaction's claim and never placed, taken back: their
-- bill is paid, so no call is made (nobody else ever saw them).
DELETE FROM attempts WHERE id = ANY($1::bigint[]) AND state = 'queued' AND placed_at IS NULL

-- name: insert_billing_payments
-- Payments the billing API reported (references $1, numbers $2, months $3, amounts $4,
-- channels $5, paid at $6), recorded at $7 with source 'billing_api'; a reference known
-- already is left as it was.
INSERT INTO payments (reference, indihome_number, bill_month, amount, channel, paid_at,
                      source, recorded_by, recorded_at)
SELECT r.*, 'billing_api', 'dialer', $7
FROM unnest($1::text[], $2::text[], $3::date[], $4::bigint[], $5::text[], $6::timestamptz[])
    AS r (reference, indihome_number, bill_month, amount, channel, paid_at)
ON CONFLICT (reference) DO NOTHING
