-- What the voucher redemption report reads. On the rows: when each voucher was first
-- sent, delivered, read, failed and redeemed (statuses may come out of order: each is
-- kept when first seen, and a later step implies the earlier ones), and whether an
-- outcome's customer heard the voucher offer (it reached the offer with the quota not
-- used up and the voucher not expired). Counted by the hour (UTC) in voucher_hours by
-- triggers on the rows themselves — whatever writes them, nothing drifts — so the
-- report's days, in any Indonesian zone (all whole hours from UTC), are a sum of a few
-- hundred rows, whatever the campaign's size. The triggers are deferred to the commit:
-- the hour's row, which every issuer of the campaign updates, is locked only while the
-- transaction commits (the quota's count stays the one place issuers queue), and a step
-- undone with its transaction or savepoint is never counted.
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

CREATE TABLE voucher_hours (
    campaign_id bigint NOT NULL REFERENCES campaigns (id),
    hour        timestamptz NOT NULL,  -- the UTC hour
    step        text NOT NULL CHECK (step IN ('offered', 'accepted', 'issued', 'sent',
                    'delivered', 'read', 'failed', 'redeemed', 'expired', 'lapsed')),
    n           bigint NOT NULL,
    PRIMARY KEY (campaign_id, hour, step)
);

-- A campaign's hourly counts computed afresh from its vouchers and outcomes: the first
-- fill below, and after rows are loaded in bulk with the triggers off.
CREATE FUNCTION rebuild_voucher_hours(p_campaign bigint) RETURNS void LANGUAGE sql AS $$
    DELETE FROM voucher_hours WHERE campaign_id = p_campaign;
    INSERT INTO voucher_hours (campaign_id, hour, step, n)
    SELECT p_campaign, date_trunc('hour', at, 'UTC'), step, count(*)
    FROM (
        SELECT recorded_at AS at, 'offered' AS step
        FROM outcomes WHERE campaign_id = p_campaign AND voucher_offered
        UNION ALL
        SELECT recorded_at, 'accepted'
        FROM outcomes
        WHERE campaign_id = p_campaign AND voucher_offered AND code = 'pays_via_bukalapak'
        UNION ALL
        SELECT x.at, x.step
        FROM vouchers v,
             LATERAL (VALUES (v.issued_at, 'issued'), (v.sent_at, 'sent'),
                             (v.delivered_at, 'delivered'), (v.read_at, 'read'),
                             (v.failed_at, 'failed'), (v.redeemed_at, 'redeemed'),
                             (CASE WHEN v.state = 'expired' THEN v.expires_at END, 'expired'),
                             (CASE WHEN v.state = 'lapsed' THEN v.lapses_at END, 'lapsed')
             ) AS x (at, step)
        WHERE v.campaign_id = p_campaign AND x.at IS NOT NULL
    ) steps
    GROUP BY 2, 3;
$$;

SELECT rebuild_voucher_hours(id) FROM campaigns;


CREATE FUNCTION count_voucher_steps() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    steps text[] := '{}';
    ats   timestamptz[] := '{}';
BEGIN
    IF TG_OP = 'INSERT' AND num_nonnulls(NEW.sent_at, NEW.delivered_at, NEW.read_at,
                                         NEW.failed_at, NEW.redeemed_at) = 0
       AND NEW.state = 'issued' THEN
        -- A voucher just issued (issue_voucher): its one step, the quick way (this runs
        -- while the issuer holds the quota's count, until it commits).
        INSERT INTO voucher_hours AS h (campaign_id, hour, step, n)
        VALUES (NEW.campaign_id, date_trunc('hour', NEW.issued_at, 'UTC'), 'issued', 1)
        ON CONFLICT (campaign_id, hour, step) DO UPDATE SET n = h.n + 1;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        steps := ARRAY['issued', 'sent', 'delivered', 'read', 'failed', 'redeemed'];
        ats := ARRAY[NEW.issued_at, NEW.sent_at, NEW.delivered_at, NEW.read_at,
                     NEW.failed_at, NEW.redeemed_at];
    ELSE
        steps := ARRAY['sent', 'delivered', 'read', 'failed', 'redeemed'];
        ats := ARRAY[CASE WHEN OLD.sent_at IS NULL THEN NEW.sent_at END,
                     CASE WHEN OLD.delivered_at IS NULL THEN NEW.delivered_at END,
                     CASE WHEN OLD.read_at IS NULL THEN NEW.read_at END,
                     CASE WHEN OLD.failed_at IS NULL THEN NEW.failed_at END,
                     CASE WHEN OLD.redeemed_at IS NULL THEN NEW.redeemed_at END];
    END IF;
    IF NEW.state = 'expired' AND (TG_OP = 'INSERT' OR OLD.state <> 'expired') THEN
        steps := steps || 'expired'::text;
        ats := ats || NEW.expires_at;
    ELSIF NEW.state = 'lapsed' AND (TG_OP = 'INSERT' OR OLD.state <> 'lapsed') THEN
        steps := steps || 'lapsed'::text;
        ats := ats || NEW.lapses_at;
    END IF;
    INSERT INTO voucher_hours AS h (campaign_id, hour, step, n)
    SELECT NEW.campaign_id, date_trunc('hour', x.at, 'UTC'), x.step, 1
    FROM unnest(steps, ats) AS x (step, at)
    WHERE x.at IS NOT NULL
    ON CONFLICT (campaign_id, hour, step) DO UPDATE SET n = h.n + 1;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER vouchers_count_steps
    AFTER INSERT OR UPDATE OF sent_at, delivered_at, read_at, failed_at, redeemed_at, state
    ON vouchers DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION count_voucher_steps();

CREATE FUNCTION count_voucher_offers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO voucher_hours AS h (campaign_id, hour, step, n)
    SELECT NEW.campaign_id, date_trunc('hour', NEW.recorded_at, 'UTC'), x.step, 1
    FROM (VALUES ('offered'), ('accepted')) AS x (step)
    WHERE x.step = 'offered' OR NEW.code = 'pays_via_bukalapak'
    ON CONFLICT (campaign_id, hour, step) DO UPDATE SET n = h.n + 1;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER outcomes_count_offers
    AFTER INSERT ON outcomes DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.voucher_offered)
    EXECUTE FUNCTION count_voucher_offers();
