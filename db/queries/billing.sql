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
