-- A campaign's numbers without scanning it: targets by state (and done reason, and how
-- many times they were called), ended calls by result (by the UTC hour they were placed
-- and the customer's zone), outcomes by code, tier, zone, province and UTC hour. The
-- campaign page's live numbers and the outcome report read these: a sum of at most a
-- few thousand rows, whatever the campaign's size.
--
-- Written by triggers on the rows themselves, so whatever writes them nothing drifts —
-- with one exception: a target list is COPYed straight into the campaign's partition
-- (the statement triggers of the parent table do not fire, and a transition table of a
-- million rows would cost the import a fifth of its time), so the importer counts its
-- accepted rows itself, in the same transaction (`count_imported_targets`).
--
-- Each change APPENDS a row (+1 / -1) rather than updating a total: thousands of calls
-- end every minute, and a single total row per key would make every one of them queue
-- on its lock until the one before committed. `compact_counts()` (a scheduled job, one
-- node at a time) folds each key's rows into one, in one statement: a reader sees the
-- rows before or after, never half. Rows deleted are uncounted (the product deletes
-- none; a hand-made DELETE must not leave the counts behind). No foreign key to
-- campaigns: each insert would key-share lock the campaign's row (multixacts; see 0012).

CREATE TABLE target_counts (
    campaign_id bigint NOT NULL,
    state       text NOT NULL,
    reason      text NOT NULL,   -- done_reason, '' when none
    attempts    integer NOT NULL,
    n           bigint NOT NULL
);
CREATE INDEX target_counts_campaign ON target_counts (campaign_id);

CREATE TABLE attempt_counts (
    campaign_id bigint NOT NULL,
    hour        timestamptz NOT NULL,  -- UTC hour placed (created, when never placed)
    placed      boolean NOT NULL,
    zone        text NOT NULL,
    result      text NOT NULL,
    n           bigint NOT NULL
);
CREATE INDEX attempt_counts_campaign ON attempt_counts (campaign_id);

CREATE TABLE outcome_counts (
    campaign_id bigint NOT NULL,
    hour        timestamptz NOT NULL,  -- UTC hour recorded
    code        text NOT NULL,
    tier        text NOT NULL,
    zone        text NOT NULL,
    province    text NOT NULL,
    n           bigint NOT NULL
);
CREATE INDEX outcome_counts_campaign ON outcome_counts (campaign_id);


-- Targets: one statement's changes, netted per key (a promotion of 10,000 scheduled
-- targets writes two rows, a call's end one or two).
CREATE FUNCTION count_target_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO target_counts (campaign_id, state, reason, attempts, n)
        SELECT campaign_id, state, coalesce(done_reason, ''), attempts, count(*)
        FROM new_targets GROUP BY 1, 2, 3, 4;
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO target_counts (campaign_id, state, reason, attempts, n)
        SELECT campaign_id, state, coalesce(done_reason, ''), attempts, -count(*)
        FROM old_targets GROUP BY 1, 2, 3, 4;
        RETURN NULL;
    END IF;
    INSERT INTO target_counts (campaign_id, state, reason, attempts, n)
    SELECT campaign_id, state, reason, attempts, sum(n)
    FROM (
        SELECT campaign_id, state, coalesce(done_reason, '') AS reason, attempts, -1 AS n
        FROM old_targets
        UNION ALL
        SELECT campaign_id, state, coalesce(done_reason, ''), attempts, 1
        FROM new_targets
    ) change
    GROUP BY 1, 2, 3, 4
    HAVING sum(n) <> 0;
    RETURN NULL;
END;
$$;

CREATE TRIGGER targets_count_inserts
    AFTER INSERT ON targets
    REFERENCING NEW TABLE AS new_targets
    FOR EACH STATEMENT EXECUTE FUNCTION count_target_changes();

CREATE TRIGGER targets_count_changes
    AFTER UPDATE ON targets
    REFERENCING OLD TABLE AS old_targets NEW TABLE AS new_targets
    FOR EACH STATEMENT EXECUTE FUNCTION count_target_changes();

CREATE TRIGGER targets_count_deletes
    AFTER DELETE ON targets
    REFERENCING OLD TABLE AS old_targets
    FOR EACH STATEMENT EXECUTE FUNCTION count_target_changes();

-- Rows an import COPYed into campaign $1's partition: all new, ready, never called.
CREATE FUNCTION count_imported_targets(p_campaign bigint, p_rows bigint) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO target_counts (campaign_id, state, reason, attempts, n)
    SELECT p_campaign, 'ready', '', 0, p_rows WHERE p_rows <> 0;
$$;


-- Calls: counted when their result is set (a call's end), moved if the result or the
-- time it was placed changes afterwards, uncounted if deleted. The claim's INSERT (no
-- result yet) and every callback that changes neither pass the WHEN clause without
-- calling the function.
CREATE FUNCTION count_attempt_results() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target_zone text;
BEGIN
    SELECT t.zone INTO target_zone
    FROM targets t
    WHERE (t.campaign_id, t.id) = (CASE TG_OP WHEN 'DELETE' THEN OLD.campaign_id
                                              ELSE NEW.campaign_id END,
                                   CASE TG_OP WHEN 'DELETE' THEN OLD.target_id
                                              ELSE NEW.target_id END);
    target_zone := coalesce(target_zone, 'WIB');
    IF TG_OP <> 'INSERT' AND OLD.result IS NOT NULL THEN
        INSERT INTO attempt_counts (campaign_id, hour, placed, zone, result, n)
        VALUES (OLD.campaign_id, date_trunc('hour', coalesce(OLD.placed_at, OLD.created_at), 'UTC'),
                OLD.placed_at IS NOT NULL, target_zone, OLD.result, -1);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.result IS NOT NULL THEN
        INSERT INTO attempt_counts (campaign_id, hour, placed, zone, result, n)
        VALUES (NEW.campaign_id, date_trunc('hour', coalesce(NEW.placed_at, NEW.created_at), 'UTC'),
                NEW.placed_at IS NOT NULL, target_zone, NEW.result, 1);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER attempts_count_results_insert
    AFTER INSERT ON attempts
    FOR EACH ROW WHEN (NEW.result IS NOT NULL)
    EXECUTE FUNCTION count_attempt_results();

CREATE TRIGGER attempts_count_results
    AFTER UPDATE OF result, placed_at ON attempts
    FOR EACH ROW WHEN ((OLD.result IS NOT NULL OR NEW.result IS NOT NULL)
                       AND (OLD.result IS DISTINCT FROM NEW.result
                            OR OLD.placed_at IS DISTINCT FROM NEW.placed_at))
    EXECUTE FUNCTION count_attempt_results();

CREATE TRIGGER attempts_count_deletes
    AFTER DELETE ON attempts
    FOR EACH ROW WHEN (OLD.result IS NOT NULL)
    EXECUTE FUNCTION count_attempt_results();


-- Outcomes are written once (never updated); a deleted one is uncounted.
CREATE FUNCTION count_outcome() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o outcomes;
BEGIN
    o := CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    INSERT INTO outcome_counts (campaign_id, hour, code, tier, zone, province, n)
    SELECT o.campaign_id, date_trunc('hour', o.recorded_at, 'UTC'), o.code,
           t.tier, t.zone, t.province, CASE TG_OP WHEN 'DELETE' THEN -1 ELSE 1 END
    FROM targets t WHERE t.campaign_id = o.campaign_id AND t.id = o.target_id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER outcomes_count
    AFTER INSERT OR DELETE ON outcomes
    FOR EACH ROW EXECUTE FUNCTION count_outcome();


-- Fold each key's rows into one (only keys with more than one row are touched).
CREATE FUNCTION compact_counts() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    folded bigint := 0;
    k bigint;
BEGIN
    WITH keys AS MATERIALIZED (
        SELECT campaign_id, state, reason, attempts FROM target_counts
        GROUP BY 1, 2, 3, 4 HAVING count(*) > 1
    ), gone AS (
        DELETE FROM target_counts c USING keys
        WHERE (c.campaign_id, c.state, c.reason, c.attempts)
            = (keys.campaign_id, keys.state, keys.reason, keys.attempts)
        RETURNING c.*
    ), kept AS (
        INSERT INTO target_counts (campaign_id, state, reason, attempts, n)
        SELECT campaign_id, state, reason, attempts, sum(n) FROM gone
        GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0
    )
    SELECT count(*) INTO k FROM gone;
    folded := folded + k;

    WITH keys AS MATERIALIZED (
        SELECT campaign_id, hour, placed, zone, result FROM attempt_counts
        GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1
    ), gone AS (
        DELETE FROM attempt_counts c USING keys
        WHERE (c.campaign_id, c.hour, c.placed, c.zone, c.result)
            = (keys.campaign_id, keys.hour, keys.placed, keys.zone, keys.result)
        RETURNING c.*
    ), kept AS (
        INSERT INTO attempt_counts (campaign_id, hour, placed, zone, result, n)
        SELECT campaign_id, hour, placed, zone, result, sum(n) FROM gone
        GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0
    )
    SELECT count(*) INTO k FROM gone;
    folded := folded + k;

    WITH keys AS MATERIALIZED (
        SELECT campaign_id, hour, code, tier, zone, province FROM outcome_counts
        GROUP BY 1, 2, 3, 4, 5, 6 HAVING count(*) > 1
    ), gone AS (
        DELETE FROM outcome_counts c USING keys
        WHERE (c.campaign_id, c.hour, c.code, c.tier, c.zone, c.province)
            = (keys.campaign_id, keys.hour, keys.code, keys.tier, keys.zone, keys.province)
        RETURNING c.*
    ), kept AS (
        INSERT INTO outcome_counts (campaign_id, hour, code, tier, zone, province, n)
        SELECT campaign_id, hour, code, tier, zone, province, sum(n) FROM gone
        GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(n) <> 0
    )
    SELECT count(*) INTO k FROM gone;
    RETURN folded + k;
END;
$$;


-- A campaign's counts computed afresh from its rows: the first fill below, and after
-- rows are loaded in bulk with the triggers off. The counts tables are locked first
-- (EXCLUSIVE: readers go on): a call ending, or the fold committing, between a DELETE
-- and its INSERT would be counted twice.
CREATE FUNCTION rebuild_counts(p_campaign bigint) RETURNS void LANGUAGE sql AS $$
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

SELECT rebuild_counts(id) FROM campaigns;
