-- name: create_payments_stage
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

-- name: payments_of
-- A customer's payments since $2, newest first.
SELECT reference, bill_month, amount, channel, paid_at, source, recorded_at
FROM payments
WHERE indihome_number = $1 AND paid_at >= $2
ORDER BY paid_at DESC
LIMIT 50

-- name: bill_payment
-- The payment of one bill, if billing reported one.
SELECT reference, bill_month, amount, channel, paid_at, source, recorded_at
FROM payments
WHERE indihome_number = $1 AND bill_month = $2
ORDER BY paid_at
LIMIT 1

-- name: list_import_time
-- When the customer's row came in with the list (the bill columns' "as of").
SELECT i.finished_at
FROM targets t JOIN target_imports i ON i.id = t.import_id
WHERE t.campaign_id = $1 AND t.id = $2
