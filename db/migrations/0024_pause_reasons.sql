-- Not-ready reasons and "pause after this call" (issue 20). An agent on a break says
-- why (a reason from DIALER_AGENTS__PAUSE_REASONS); an agent on a call or in after-call
-- work may ask to be paused, with a reason, when the after-call work ends (then_pause)
-- instead of available. Every change of an agent's state (and reason) is kept in
-- agent_state_changes, written by a trigger so that no path that changes the state can
-- forget it: the agent report's time paused per reason is read from it.
ALTER TABLE agent_states
    ADD COLUMN pause_reason text,
    ADD COLUMN then_pause   text,
    ADD CHECK (state = 'paused' OR pause_reason IS NULL),
    ADD CHECK (state IN ('on_call', 'wrap_up') OR then_pause IS NULL);

CREATE TABLE agent_state_changes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    campaign_id bigint REFERENCES campaigns (id) ON DELETE CASCADE,
    state       text NOT NULL,
    reason      text,
    at          timestamptz NOT NULL
);
CREATE INDEX agent_state_changes_user ON agent_state_changes (user_id, at, id);
CREATE INDEX agent_state_changes_campaign ON agent_state_changes (campaign_id, user_id);

CREATE FUNCTION agent_state_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR (NEW.state, NEW.pause_reason, NEW.campaign_id)
            IS DISTINCT FROM (OLD.state, OLD.pause_reason, OLD.campaign_id) THEN
        INSERT INTO agent_state_changes (user_id, campaign_id, state, reason, at)
        VALUES (NEW.user_id, NEW.campaign_id, NEW.state, NEW.pause_reason, NEW.since);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER agent_state_changes
    AFTER INSERT OR UPDATE ON agent_states
    FOR EACH ROW EXECUTE FUNCTION agent_state_changed();

-- A reason belongs to a break, a pause asked for after the call to a call: whichever
-- query moves the agent on (a release, a disabled account, gone silent) drops them.
CREATE FUNCTION agent_state_reasons() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state <> 'paused' THEN
        NEW.pause_reason := NULL;
    END IF;
    IF NEW.state NOT IN ('on_call', 'wrap_up') THEN
        NEW.then_pause := NULL;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER agent_state_reasons
    BEFORE UPDATE ON agent_states
    FOR EACH ROW EXECUTE FUNCTION agent_state_reasons();
