-- The dialer: targets become dialable work, attempts record every call, provider
-- callbacks are stored raw before they are applied, and a token bucket shared by all
-- nodes paces the provider's calls per second.

-- A target's dialling state:
--   ready      may be dialled as soon as its zone's calling window is open
--   scheduled  waits for next_attempt_at (a retry, or a callback the customer asked for)
--   dialing    has one live attempt
--   done       finished; done_reason says why (contacted, attempts used, …)
ALTER TABLE targets ALTER COLUMN state SET DEFAULT 'ready';
UPDATE targets SET state = 'ready' WHERE state = 'new';
ALTER TABLE targets ADD CONSTRAINT targets_state
    CHECK (state IN ('ready', 'scheduled', 'dialing', 'done'));
ALTER TABLE targets
    ADD COLUMN attempts        integer NOT NULL DEFAULT 0,
    ADD COLUMN result_counts   jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN next_attempt_at timestamptz,
    ADD COLUMN callback        boolean NOT NULL DEFAULT false,
    ADD COLUMN last_result     text,
    ADD COLUMN last_attempt_at timestamptz,
    ADD COLUMN done_reason     text,
    -- Dialling order inside a campaign: due callbacks, then by tier, then list order.
    ADD COLUMN tier_rank       smallint GENERATED ALWAYS AS (
        CASE tier WHEN 'Diamond' THEN 1 WHEN 'Platinum' THEN 2 WHEN 'Gold' THEN 3 ELSE 4 END
    ) STORED;

-- The claim reads this index in order, one zone at a time (zones whose window is open).
CREATE INDEX targets_ready ON targets (campaign_id, zone, callback DESC, tier_rank, id)
    WHERE state = 'ready';
CREATE INDEX targets_scheduled ON targets (campaign_id, next_attempt_at)
    WHERE state = 'scheduled';
CREATE INDEX targets_msisdn ON targets (msisdn);

-- A campaign's first list is loaded into a detached table shaped like targets; it now
-- has a generated column too.
CREATE OR REPLACE FUNCTION create_targets_partition(campaign bigint) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    part text := 'targets_c' || campaign;
BEGIN
    EXECUTE format(
        'CREATE TABLE %I (LIKE targets INCLUDING DEFAULTS INCLUDING CONSTRAINTS'
        ' INCLUDING GENERATED, CHECK (campaign_id = %s))', part, campaign);
    RETURN part;
END
$$;

-- One row per dial. state follows the provider (Twilio's call statuses, plus
-- "machine"); result is the dialer's word for how it ended, which drives the retry
-- policy: contacted, busy_line, no_answer, failed, machine, abandoned, canceled.
CREATE TABLE attempts (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id      bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    target_id        bigint NOT NULL,
    number           text NOT NULL,
    carrier          text NOT NULL,
    node             text NOT NULL,
    state            text NOT NULL DEFAULT 'queued' CHECK (state IN (
                         'queued', 'dialing', 'ringing', 'in-progress',
                         'completed', 'busy', 'no-answer', 'failed', 'canceled', 'machine')),
    result           text CHECK (result IN (
                         'contacted', 'busy_line', 'no_answer', 'failed', 'machine',
                         'abandoned', 'canceled')),
    call_sid         text UNIQUE,
    answered_by      text,
    seat             integer,
    abandoned        boolean NOT NULL DEFAULT false,
    error            text,
    place_tries      integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL,
    placed_at        timestamptz,
    ringing_at       timestamptz,
    answered_at      timestamptz,
    bridged_at       timestamptz,
    ended_at         timestamptz,
    duration_seconds integer,
    updated_at       timestamptz NOT NULL,
    FOREIGN KEY (campaign_id, target_id) REFERENCES targets (campaign_id, id) ON DELETE CASCADE
);
-- Never two live calls to one number (across campaigns), never two to one target.
CREATE UNIQUE INDEX attempts_live_number ON attempts (number)
    WHERE state IN ('queued', 'dialing', 'ringing', 'in-progress');
CREATE UNIQUE INDEX attempts_live_target ON attempts (campaign_id, target_id)
    WHERE state IN ('queued', 'dialing', 'ringing', 'in-progress');
-- A virtual seat holds one call at a time.
CREATE UNIQUE INDEX attempts_seat ON attempts (campaign_id, seat)
    WHERE seat IS NOT NULL AND state IN ('queued', 'dialing', 'ringing', 'in-progress');
CREATE INDEX attempts_live ON attempts (campaign_id, updated_at)
    WHERE state IN ('queued', 'dialing', 'ringing', 'in-progress');
CREATE INDEX attempts_campaign ON attempts (campaign_id, id);
CREATE INDEX attempts_target ON attempts (campaign_id, target_id);
CREATE INDEX attempts_answered ON attempts (campaign_id, answered_at)
    WHERE answered_at IS NOT NULL;

-- Every provider callback, raw and append-only, stored before it is applied.
CREATE TABLE carrier_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at timestamptz NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('status', 'amd', 'answer', 'reconcile')),
    attempt_id  bigint,
    call_sid    text,
    params      jsonb NOT NULL,
    applied_at  timestamptz,
    effect      text
);
CREATE INDEX carrier_events_unapplied ON carrier_events (id) WHERE applied_at IS NULL;
CREATE INDEX carrier_events_attempt ON carrier_events (attempt_id);

-- Token buckets shared by every node (the provider's calls per second).
CREATE TABLE rate_buckets (
    name        text PRIMARY KEY,
    tokens      double precision NOT NULL,
    refilled_at timestamptz NOT NULL
);

-- The abandon guard's state per campaign: while active, the pacing ratio is 1.0.
CREATE TABLE campaign_pacing (
    campaign_id  bigint PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
    guard_active boolean NOT NULL DEFAULT false,
    changed_at   timestamptz,
    answered     integer NOT NULL DEFAULT 0,
    abandoned    integer NOT NULL DEFAULT 0
);

-- Events the dialer itself records on a campaign (the abandon guard) carry details.
ALTER TABLE campaign_events ADD COLUMN details jsonb;

-- The service nodes, and when each last ticked: the reconciler treats the simulated
-- calls of a node that stopped ticking as lost.
CREATE TABLE nodes (
    name       text PRIMARY KEY,
    carrier    text NOT NULL,
    started_at timestamptz NOT NULL,
    seen_at    timestamptz NOT NULL
);
