-- Agents take the calls. Each agent user has one presence row while they use the
-- console: the campaign they take calls for, their state, and the call they hold.
--   offline    not taking calls (logged out, or their console went silent)
--   available  waiting for a call: the longest waiting gets the next one
--   paused     logged in, not taking calls
--   on_call    holds attempt_id: the call, then its outcome form
--   wrap_up    after-call work until wrap_up_until, then available by itself
CREATE TABLE agent_states (
    user_id       bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    campaign_id   bigint REFERENCES campaigns (id) ON DELETE SET NULL,
    state         text NOT NULL CHECK (state IN (
                      'offline', 'available', 'paused', 'on_call', 'wrap_up')),
    since         timestamptz NOT NULL,
    attempt_id    bigint,
    wrap_up_until timestamptz,
    node          text,
    seen_at       timestamptz NOT NULL,
    CHECK ((state IN ('on_call', 'wrap_up')) = (attempt_id IS NOT NULL)),
    CHECK ((state = 'wrap_up') = (wrap_up_until IS NOT NULL)),
    CHECK (state = 'offline' OR campaign_id IS NOT NULL)
);
-- One agent per call, ever at once.
CREATE UNIQUE INDEX agent_states_attempt ON agent_states (attempt_id) WHERE attempt_id IS NOT NULL;
-- The free agents of a campaign, longest waiting first.
CREATE INDEX agent_states_free ON agent_states (campaign_id, since) WHERE state = 'available';

-- The agent a human-answered call went to; and, while no agent is free, since when
-- the answered call has been waiting on hold (abandoned after the campaign's limit).
ALTER TABLE attempts ADD COLUMN agent_id bigint, ADD COLUMN waiting_since timestamptz;
CREATE INDEX attempts_waiting ON attempts (campaign_id, waiting_since)
    WHERE waiting_since IS NOT NULL AND agent_id IS NULL AND NOT abandoned
      AND state IN ('queued', 'dialing', 'ringing', 'in-progress');
