-- The voucher ledger: a campaign's codes (the partner's pool, or generated), the
-- vouchers issued — one per customer, at most the quota, in the outcome's transaction —
-- and every change of each, with actor and time.
ALTER TABLE campaigns ADD COLUMN vouchers_issued integer NOT NULL DEFAULT 0
    CHECK (vouchers_issued >= 0);

CREATE TABLE voucher_codes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id bigint NOT NULL REFERENCES campaigns (id),
    code        text NOT NULL UNIQUE,  -- never the same code twice, in any campaign
    source      text NOT NULL,         -- 'file:<name>' or 'generated'
    added_by    text NOT NULL,
    added_at    timestamptz NOT NULL,
    taken_at    timestamptz
);
CREATE INDEX voucher_codes_free ON voucher_codes (campaign_id, id) WHERE taken_at IS NULL;

CREATE TABLE vouchers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id bigint NOT NULL REFERENCES campaigns (id),
    target_id   bigint NOT NULL,
    code        text NOT NULL UNIQUE REFERENCES voucher_codes (code),
    outcome_id  bigint NOT NULL UNIQUE REFERENCES outcomes (id),
    agent_id    bigint NOT NULL REFERENCES users (id),
    wa_number   text NOT NULL,
    state       text NOT NULL CHECK (state IN ('issued', 'sent', 'delivered', 'read', 'failed',
                                               'redeemed', 'expired', 'lapsed', 'voided')),
    issued_at   timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    lapses_at   timestamptz,
    UNIQUE (campaign_id, target_id)  -- one voucher per customer
);
CREATE INDEX vouchers_campaign ON vouchers (campaign_id, issued_at);

CREATE TABLE voucher_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    voucher_id bigint NOT NULL REFERENCES vouchers (id),
    event      text NOT NULL,
    actor      text NOT NULL,
    at         timestamptz NOT NULL,
    details    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX voucher_events_voucher ON voucher_events (voucher_id, at);
