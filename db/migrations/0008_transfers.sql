-- Live calls an agent handed to another contact center (seed 003), with the category
-- they were recorded under. 'requested' until the carrier confirms; 'failed' keeps the
-- carrier's refusal and leaves the agent on the call.
CREATE TABLE transfers (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    attempt_id    bigint NOT NULL,
    campaign_id   bigint NOT NULL REFERENCES campaigns (id),
    target_id     bigint NOT NULL,
    agent_id      bigint NOT NULL REFERENCES users (id),
    destination   text NOT NULL,
    number        text NOT NULL,
    category      text NOT NULL,
    notes         text NOT NULL DEFAULT '',
    state         text NOT NULL CHECK (state IN ('requested', 'done', 'failed')),
    error         text,
    requested_at  timestamptz NOT NULL,
    done_at       timestamptz
);
-- One transfer of a call under way or done (a failed one may be tried again).
CREATE UNIQUE INDEX transfers_attempt ON transfers (attempt_id) WHERE state <> 'failed';
CREATE INDEX transfers_campaign ON transfers (campaign_id, requested_at);
