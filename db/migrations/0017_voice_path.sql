-- The voice path: each agent's own leg (a browser softphone, a SIP address or a phone
-- number) stays connected to the agent's conference while they work, and an answered
-- customer is joined to it. A call is handed only to an agent whose leg is connected.
--   connecting  the leg is being set up (the service placed it, or the softphone dials in)
--   connected   the leg is in the agent's conference (the conference said so)
--   dropped     the leg left it (hung up, the network, a failed call); reason says why
CREATE TABLE agent_legs (
    user_id        bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    endpoint       text NOT NULL CHECK (endpoint IN ('softphone', 'sip', 'phone')),
    address        text,
    state          text NOT NULL CHECK (state IN ('connecting', 'connected', 'dropped')),
    call_sid       text,
    conference_sid text,
    muted          boolean NOT NULL DEFAULT false,
    reason         text,
    since          timestamptz NOT NULL,
    CHECK ((endpoint = 'softphone') = (address IS NULL)),
    CHECK (state <> 'connected' OR (call_sid IS NOT NULL AND conference_sid IS NOT NULL))
);
CREATE UNIQUE INDEX agent_legs_call ON agent_legs (call_sid) WHERE call_sid IS NOT NULL;

-- When the customer joined their agent's conference (which one), and left it: a call
-- is heard only then. A bridge that failed (the agent's leg gone, the conference not the agent's)
-- is counted; the customer goes back on hold for the next agent or hears the apology.
ALTER TABLE attempts
    ADD COLUMN joined_at       timestamptz,
    ADD COLUMN conference_sid  text,
    ADD COLUMN left_at         timestamptz,
    ADD COLUMN on_hold         boolean NOT NULL DEFAULT false,
    ADD COLUMN recording_sid   text,
    ADD COLUMN recording_url   text,
    ADD COLUMN recording_seconds integer,
    ADD COLUMN bridge_failures smallint NOT NULL DEFAULT 0;

-- The voice callbacks are stored like the status callbacks, with what they did.
ALTER TABLE carrier_events DROP CONSTRAINT carrier_events_kind_check;
ALTER TABLE carrier_events ADD CONSTRAINT carrier_events_kind_check CHECK (kind IN (
    'status', 'amd', 'answer', 'reconcile', 'hold', 'agent', 'agent_status', 'conference',
    'bridged', 'transfer', 'transfer_answered', 'music', 'recording', 'monitor_status', 'transfer_status'));

-- Supervisors in an agent's conference: listening (muted), whispering to the agent
-- (coaching: only the agent hears them) or barging in (everyone hears them).
CREATE TABLE monitors (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supervisor_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    agent_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    mode           text NOT NULL CHECK (mode IN ('listen', 'whisper', 'barge')),
    endpoint       text NOT NULL CHECK (endpoint IN ('softphone', 'sip', 'phone')),
    address        text,
    state          text NOT NULL CHECK (state IN ('connecting', 'connected', 'ended')),
    call_sid       text UNIQUE,
    conference_sid text NOT NULL,
    reason         text,
    started_at     timestamptz NOT NULL,
    ended_at       timestamptz
);
-- One live monitoring per supervisor.
CREATE UNIQUE INDEX monitors_live ON monitors (supervisor_id) WHERE state <> 'ended';

-- A warm transfer: the destination is called into the agent's conference first (the
-- customer on hold), the agent talks to them, then hands the customer over.
ALTER TABLE transfers
    ADD COLUMN warm            boolean NOT NULL DEFAULT false,
    ADD COLUMN destination_sid text,
    ADD COLUMN answered_at     timestamptz;
