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

-- The recount itself stays 0014's function, renamed; the name callers use now locks
-- first, then recounts.
ALTER FUNCTION rebuild_counts(bigint) RENAME TO recount_unlocked;

CREATE FUNCTION rebuild_counts(p_campaign bigint) RETURNS void LANGUAGE sql AS $$
    LOCK TABLE target_counts, attempt_counts, outcome_counts IN EXCLUSIVE MODE;
    SELECT recount_unlocked(p_campaign);
$$;
