-- What the agent recorded for a call, once per call, and what it set in motion: a
-- number that is not the customer's, a ticket, a closure request.
CREATE TABLE outcomes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    attempt_id      bigint NOT NULL UNIQUE,  -- a double submit records one outcome
    campaign_id     bigint NOT NULL REFERENCES campaigns (id),
    target_id       bigint NOT NULL,
    agent_id        bigint NOT NULL REFERENCES users (id),
    code            text NOT NULL CHECK (code IN (
                        'customer_busy', 'already_paid', 'do_not_call', 'not_subscriber',
                        'claims_cancelled', 'wants_cancellation', 'wrong_number',
                        'has_problem', 'pays_via_bukalapak', 'pays_other_channel')),
    details         jsonb NOT NULL DEFAULT '{}',
    hub_penerima    text NOT NULL,
    address_valid   boolean,
    new_address     text,
    service_working boolean,
    wa_number       text,
    myindihome      text,
    notes           text NOT NULL DEFAULT '',
    recorded_at     timestamptz NOT NULL
);
CREATE INDEX outcomes_campaign ON outcomes (campaign_id, recorded_at);
CREATE INDEX outcomes_agent ON outcomes (agent_id, recorded_at);

-- "Not the customer's number": never dialled again for that customer, in any campaign.
CREATE TABLE wrong_numbers (
    msisdn          text NOT NULL,
    indihome_number text NOT NULL,
    outcome_id      bigint NOT NULL REFERENCES outcomes (id),
    added_at        timestamptz NOT NULL,
    PRIMARY KEY (msisdn, indihome_number)
);

-- A problem the customer reported: an existing ticket (its number elsewhere), or a new
-- one with the mandatory fields of the matching guide, due by the guide's SLA.
CREATE TABLE tickets (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outcome_id   bigint NOT NULL REFERENCES outcomes (id),
    campaign_id  bigint NOT NULL REFERENCES campaigns (id),
    target_id    bigint NOT NULL,
    existing_ref text,            -- the open ticket found in MyCX / MySIIS
    guide        text,            -- a new ticket: the guide it follows
    category     text,
    fields       jsonb NOT NULL DEFAULT '{}',
    tier         text NOT NULL,
    opened_at    timestamptz NOT NULL,
    due_at       timestamptz,
    closed_at    timestamptz,
    CHECK ((existing_ref IS NULL) <> (guide IS NULL))
);
CREATE INDEX tickets_open ON tickets (due_at) WHERE closed_at IS NULL;
CREATE INDEX tickets_campaign ON tickets (campaign_id, opened_at);

-- A customer who wants the service closed after caring (seed 004): closed only with
-- the arrears settled and the modem returned; the request says what is missing.
CREATE TABLE closure_requests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outcome_id      bigint NOT NULL UNIQUE REFERENCES outcomes (id),
    campaign_id     bigint NOT NULL REFERENCES campaigns (id),
    target_id       bigint NOT NULL,
    arrears_settled boolean NOT NULL,
    modem_returned  boolean NOT NULL,
    requested_at    timestamptz NOT NULL
);
