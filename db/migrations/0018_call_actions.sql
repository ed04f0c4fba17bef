-- One call, several results (seed 001: after caring the script goes on with steps
-- 4–10, so a customer with a problem can still take the voucher). The outcome's code is
-- the call's final disposition — why the call ended; what the agent did during the call
-- is recorded as actions, one row each: a ticket (several per call), a closure request,
-- a follow-up, a customer kept after asking to cancel, the "claims cancelled" check, a
-- voucher, a new address, another WA number, the myIndiHome status, a transfer, the
-- information given instead of a transfer (seed 003).
CREATE TABLE call_actions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    attempt_id  bigint NOT NULL,
    campaign_id bigint NOT NULL REFERENCES campaigns (id),
    target_id   bigint NOT NULL,
    kind        text NOT NULL CHECK (kind IN (
                    'ticket', 'closure_request', 'follow_up', 'retained', 'claim_checked',
                    'voucher', 'address_update', 'wa_number', 'myindihome', 'transfer',
                    'informed')),
    ref         bigint,   -- the ticket's, request's, follow-up's, voucher's or transfer's id
    detail      text,     -- e.g. the myIndiHome status, the guide of a new ticket
    recorded_at timestamptz NOT NULL
);
CREATE INDEX call_actions_attempt ON call_actions (attempt_id);
CREATE INDEX call_actions_campaign ON call_actions (campaign_id, recorded_at);

-- The running count of actions per campaign, UTC hour and kind (as migration 0014's
-- counts: appended by a trigger, folded by compact_action_counts, checked by the tests'
-- oracle against a scan).
CREATE TABLE action_counts (
    campaign_id bigint NOT NULL,
    hour        timestamptz NOT NULL,
    kind        text NOT NULL,
    n           bigint NOT NULL
);
CREATE INDEX action_counts_campaign ON action_counts (campaign_id);

CREATE FUNCTION count_action() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    a call_actions;
BEGIN
    a := CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    INSERT INTO action_counts (campaign_id, hour, kind, n)
    VALUES (a.campaign_id, date_trunc('hour', a.recorded_at, 'UTC'), a.kind,
            CASE TG_OP WHEN 'DELETE' THEN -1 ELSE 1 END);
    RETURN NULL;
END;
$$;

CREATE TRIGGER call_actions_count
    AFTER INSERT OR DELETE ON call_actions
    FOR EACH ROW EXECUTE FUNCTION count_action();

CREATE FUNCTION compact_action_counts() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    k bigint;
BEGIN
    WITH keys AS MATERIALIZED (
        SELECT campaign_id, hour, kind FROM action_counts
        GROUP BY 1, 2, 3 HAVING count(*) > 1
    ), gone AS (
        DELETE FROM action_counts c USING keys
        WHERE (c.campaign_id, c.hour, c.kind) = (keys.campaign_id, keys.hour, keys.kind)
        RETURNING c.*
    ), kept AS (
        INSERT INTO action_counts (campaign_id, hour, kind, n)
        SELECT campaign_id, hour, kind, sum(n) FROM gone
        GROUP BY 1, 2, 3 HAVING sum(n) <> 0
    )
    SELECT count(*) INTO k FROM gone;
    RETURN k;
END;
$$;

-- Seed 004: a customer who says the service is cancelled but still owes or still has
-- the modem (the provider's property) is followed up, by a deadline; managers list the
-- open ones and close them with what was done.
CREATE TABLE follow_ups (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outcome_id     bigint NOT NULL REFERENCES outcomes (id),
    campaign_id    bigint NOT NULL REFERENCES campaigns (id),
    target_id      bigint NOT NULL,
    reason         text NOT NULL CHECK (reason IN ('claims_cancelled_unsettled')),
    arrears_paid   boolean NOT NULL,
    modem_returned boolean NOT NULL,
    created_at     timestamptz NOT NULL,
    due_at         timestamptz NOT NULL,
    closed_at      timestamptz,
    closed_by      bigint REFERENCES users (id),
    resolution     text,
    UNIQUE (outcome_id, reason),
    CHECK (NOT (arrears_paid AND modem_returned)),
    CHECK ((closed_at IS NULL) = (resolution IS NULL))
);
CREATE INDEX follow_ups_open ON follow_ups (campaign_id, due_at) WHERE closed_at IS NULL;
