-- name: voucher_report_days
-- Campaign $1's voucher activity per day ($2: the zone's offset from UTC in seconds;
-- Indonesia keeps no summer time, so a day is 24 whole UTC hours): rows of (day number
-- since 1970-01-01, step, count) from the hourly counts (migration 0013); and the
-- vouchers by state now (day NULL, step 'state:…').
SELECT floor((date_part('epoch', hour) + $2) / 86400)::int AS day, step, sum(n)::bigint AS n
FROM voucher_hours
WHERE campaign_id = $1
GROUP BY 1, 2
UNION ALL
SELECT NULL, 'state:' || state, count(*)
FROM vouchers
WHERE campaign_id = $1
GROUP BY state

-- name: voucher_report_states
-- The places of campaign $1's quota taken, and the median time from the call (the
-- voucher was issued with its outcome) to the redemption.
SELECT coalesce((SELECT counted FROM voucher_counts WHERE campaign_id = $1), 0) AS taken,
       (SELECT percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY date_part('epoch', v.redeemed_at - v.issued_at))
        FROM vouchers v WHERE v.campaign_id = $1 AND v.redeemed_at IS NOT NULL)
           AS median_seconds_to_redemption

-- name: voucher_report_customers
-- A page of campaign $1's customers with a voucher: $2 rows from row $3, in issue order.
SELECT v.code, v.state, t.indihome_number, t.name, t.tier, t.zone, v.wa_number,
       u.username AS agent, v.issued_at, v.sent_at, v.delivered_at, v.read_at,
       v.failed_at, v.redeemed_at, v.expires_at
FROM vouchers v
JOIN targets t ON t.campaign_id = v.campaign_id AND t.id = v.target_id
JOIN users u ON u.id = v.agent_id
WHERE v.campaign_id = $1
ORDER BY v.issued_at, v.id
LIMIT $2 OFFSET $3

-- name: voucher_report_flagged
-- Redemptions the partner reported that were not honoured: of campaign $1's codes, or
-- of no known code at all; the first $2, oldest first, and how many in all.
SELECT r.reference, r.code, r.result, r.redeemed_at, r.received_at, r.source, r.amount,
       count(*) OVER () AS total
FROM redemptions r
WHERE r.result <> 'redeemed' AND (r.campaign_id = $1 OR r.campaign_id IS NULL)
ORDER BY r.received_at, r.id
LIMIT $2

-- name: rebuild_voucher_hours
-- The hourly counts of campaign $1 computed afresh from its vouchers and outcomes (as
-- migration 0013 first filled them): for data loaded with the triggers off.
WITH gone AS (DELETE FROM voucher_hours WHERE campaign_id = $1)
INSERT INTO voucher_hours (campaign_id, hour, step, n)
SELECT $1, date_trunc('hour', at, 'UTC'), step, count(*)
FROM (
    SELECT recorded_at AS at, 'offered' AS step
    FROM outcomes WHERE campaign_id = $1 AND voucher_offered
    UNION ALL
    SELECT recorded_at, 'accepted'
    FROM outcomes WHERE campaign_id = $1 AND voucher_offered AND code = 'pays_via_bukalapak'
    UNION ALL
    SELECT x.at, x.step
    FROM vouchers v,
         LATERAL (VALUES (v.issued_at, 'issued'), (v.sent_at, 'sent'),
                         (v.delivered_at, 'delivered'), (v.read_at, 'read'),
                         (v.failed_at, 'failed'), (v.redeemed_at, 'redeemed'),
                         (CASE WHEN v.state = 'expired' THEN v.expires_at END, 'expired'),
                         (CASE WHEN v.state = 'lapsed' THEN v.lapses_at END, 'lapsed')
         ) AS x (at, step)
    WHERE v.campaign_id = $1 AND x.at IS NOT NULL
) steps
GROUP BY 2, 3
