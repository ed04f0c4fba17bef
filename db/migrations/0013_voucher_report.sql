-- What the voucher redemption report reads, kept on the rows it counts so that one scan
-- of a campaign's vouchers (and of its offered outcomes) answers it: when each voucher
-- was first sent, delivered, read, failed and redeemed (statuses may come out of order:
-- each is kept when first seen, and a later step implies the earlier ones), and whether
-- an outcome's customer heard the voucher offer (it reached the offer with the quota not
-- used up and the voucher not expired).
ALTER TABLE vouchers
    ADD COLUMN sent_at      timestamptz,
    ADD COLUMN delivered_at timestamptz,
    ADD COLUMN read_at      timestamptz,
    ADD COLUMN failed_at    timestamptz,
    ADD COLUMN redeemed_at  timestamptz;

UPDATE vouchers v SET
    sent_at      = e.sent,
    delivered_at = e.delivered,
    read_at      = e.read,
    failed_at    = e.failed,
    redeemed_at  = r.redeemed_at
FROM (
    SELECT voucher_id,
           min(at) FILTER (WHERE event IN ('sent', 'delivered', 'read')) AS sent,
           min(at) FILTER (WHERE event IN ('delivered', 'read'))         AS delivered,
           min(at) FILTER (WHERE event = 'read')                          AS read,
           min(at) FILTER (WHERE event = 'failed')                        AS failed
    FROM voucher_events GROUP BY voucher_id
) e
LEFT JOIN (
    SELECT voucher_id, min(redeemed_at) AS redeemed_at
    FROM redemptions WHERE result = 'redeemed' GROUP BY voucher_id
) r ON r.voucher_id = e.voucher_id
WHERE v.id = e.voucher_id;

ALTER TABLE outcomes ADD COLUMN voucher_offered boolean NOT NULL DEFAULT false;
UPDATE outcomes o SET voucher_offered = true
WHERE o.code IN ('pays_via_bukalapak', 'pays_other_channel')
  AND (o.code <> 'pays_via_bukalapak'
       OR EXISTS (SELECT 1 FROM vouchers v WHERE v.outcome_id = o.id));
CREATE INDEX outcomes_offered ON outcomes (campaign_id, recorded_at) WHERE voucher_offered;
