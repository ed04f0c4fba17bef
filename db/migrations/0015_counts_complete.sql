-- The running counts (0014), completed:
-- - Rows deleted are uncounted too (the product deletes none today, but a hand-made
--   DELETE must not leave the counts behind).
-- - rebuild_counts() locks the counts tables against writers and the folding job while
--   it recomputes (EXCLUSIVE: readers go on). Without it, a call ending, or the fold
--   committing, between its DELETE and its INSERT was counted twice.

CREATE FUNCTION uncount_deleted_targets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO target_counts (campaign_id, state, reason, attempts, n)
    SELECT campaign_id, state, coalesce(done_reason, ''), attempts, -count(*)
    FROM old_targets GROUP BY 1, 2, 3, 4;
    RETURN NULL;
END;
$$;

CREATE TRIGGER targets_uncount_deletes
    AFTER DELETE ON targets
    REFERENCING OLD TABLE AS old_targets
    FOR EACH STATEMENT EXECUTE FUNCTION uncount_deleted_targets();

CREATE FUNCTION uncount_deleted_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target_zone text;
BEGIN
    SELECT t.zone INTO target_zone
    FROM targets t WHERE t.campaign_id = OLD.campaign_id AND t.id = OLD.target_id;
    INSERT INTO attempt_counts (campaign_id, hour, placed, zone, result, n)
    VALUES (OLD.campaign_id, date_trunc('hour', coalesce(OLD.placed_at, OLD.created_at), 'UTC'),
            OLD.placed_at IS NOT NULL, coalesce(target_zone, 'WIB'), OLD.result, -1);
    RETURN NULL;
END;
$$;

CREATE TRIGGER attempts_uncount_deletes
    AFTER DELETE ON attempts
    FOR EACH ROW WHEN (OLD.result IS NOT NULL)
    EXECUTE FUNCTION uncount_deleted_attempt();

CREATE FUNCTION uncount_deleted_outcome() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outcome_counts (campaign_id, hour, code, tier, zone, province, n)
    SELECT OLD.campaign_id, date_trunc('hour', OLD.recorded_at, 'UTC'), OLD.code,
           t.tier, t.zone, t.province, -1
    FROM targets t WHERE t.campaign_id = OLD.campaign_id AND t.id = OLD.target_id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER outcomes_uncount_deletes
    AFTER DELETE ON outcomes
    FOR EACH ROW EXECUTE FUNCTION uncount_deleted_outcome();

CREATE OR REPLACE FUNCTION rebuild_counts(p_campaign bigint) RETURNS void LANGUAGE sql AS $$
    LOCK TABLE target_counts, attempt_counts, outcome_counts IN EXCLUSIVE MODE;

    DELETE FROM target_counts WHERE campaign_id = p_campaign;
    INSERT INTO target_counts (campaign_id, state, reason, attempts, n)
    SELECT p_campaign, state, coalesce(done_reason, ''), attempts, count(*)
    FROM targets WHERE campaign_id = p_campaign
    GROUP BY 2, 3, 4;

    DELETE FROM attempt_counts WHERE campaign_id = p_campaign;
    INSERT INTO attempt_counts (campaign_id, hour, placed, zone, result, n)
    SELECT p_campaign, date_trunc('hour', coalesce(a.placed_at, a.created_at), 'UTC'),
           a.placed_at IS NOT NULL, coalesce(t.zone, 'WIB'), a.result, count(*)
    FROM attempts a
    LEFT JOIN targets t ON t.campaign_id = a.campaign_id AND t.id = a.target_id
    WHERE a.campaign_id = p_campaign AND a.result IS NOT NULL
    GROUP BY 2, 3, 4, 5;

    DELETE FROM outcome_counts WHERE campaign_id = p_campaign;
    INSERT INTO outcome_counts (campaign_id, hour, code, tier, zone, province, n)
    SELECT p_campaign, date_trunc('hour', o.recorded_at, 'UTC'), o.code,
           t.tier, t.zone, t.province, count(*)
    FROM outcomes o
    JOIN targets t ON t.campaign_id = o.campaign_id AND t.id = o.target_id
    WHERE o.campaign_id = p_campaign
    GROUP BY 2, 3, 4, 5, 6;
$$;
