-- name: voucher_report_days
-- Campaign $1's voucher activity per day of zone $2: the offer heard and accepted (the
-- outcomes), and each voucher's steps on the day it reached them — one scan of the
-- campaign's vouchers, one of its offered outcomes (a partial index).
WITH steps AS (
    SELECT (o.recorded_at AT TIME ZONE $2)::date AS day,
           'offered' AS step
    FROM outcomes o WHERE o.campaign_id = $1 AND o.voucher_offered
    UNION ALL
    SELECT (o.recorded_at AT TIME ZONE $2)::date, 'accepted'
    FROM outcomes o
    WHERE o.campaign_id = $1 AND o.voucher_offered AND o.code = 'pays_via_bukalapak'
    UNION ALL
    SELECT (x.at AT TIME ZONE $2)::date, x.step
    FROM vouchers v,
         LATERAL (VALUES (v.issued_at, 'issued'), (v.sent_at, 'sent'),
                         (v.delivered_at, 'delivered'), (v.read_at, 'read'),
                         (v.failed_at, 'failed'), (v.redeemed_at, 'redeemed'),
                         (CASE WHEN v.state = 'expired' THEN v.expires_at END, 'expired'),
                         (CASE WHEN v.state = 'lapsed' THEN v.lapses_at END, 'lapsed')
         ) AS x (at, step)
    WHERE v.campaign_id = $1 AND x.at IS NOT NULL
)
SELECT day,
       count(*) FILTER (WHERE step = 'offered')   AS offered,
       count(*) FILTER (WHERE step = 'accepted')  AS accepted,
       count(*) FILTER (WHERE step = 'issued')    AS issued,
       count(*) FILTER (WHERE step = 'sent')      AS sent,
       count(*) FILTER (WHERE step = 'delivered') AS delivered,
       count(*) FILTER (WHERE step = 'read')      AS read,
       count(*) FILTER (WHERE step = 'failed')    AS failed,
       count(*) FILTER (WHERE step = 'redeemed')  AS redeemed,
       count(*) FILTER (WHERE step = 'expired')   AS expired,
       count(*) FILTER (WHERE step = 'lapsed')    AS lapsed
FROM steps
GROUP BY day
ORDER BY day

-- name: voucher_report_states
-- Campaign $1's vouchers by state now, the places of the quota taken, and the median
-- time from the call (the voucher was issued with its outcome) to the redemption.
SELECT coalesce(jsonb_object_agg(state, n), '{}') AS states,
       coalesce((SELECT counted FROM voucher_counts WHERE campaign_id = $1), 0) AS taken,
       (SELECT percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY extract(epoch FROM v.redeemed_at - v.issued_at))
        FROM vouchers v WHERE v.campaign_id = $1 AND v.redeemed_at IS NOT NULL)
           AS median_seconds_to_redemption
FROM (SELECT state, count(*) AS n FROM vouchers WHERE campaign_id = $1 GROUP BY state) s

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
