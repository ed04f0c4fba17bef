-- Seed 003's procedure by category (issue 18): the campaign's transfer guide is stored
-- with its scripts; a transfer records the guide, the customer's consent (their YA or
-- Baik: no transfer without it) and the guide's log text for its category; a category
-- the guide answers by educating the customer records that the information was given,
-- with its log text, and no transfer.
ALTER TABLE scripts DROP CONSTRAINT scripts_kind_check;
ALTER TABLE scripts ADD CONSTRAINT scripts_kind_check
    CHECK (kind IN ('call_script', 'guide', 'transfer_guide'));

-- Transfers recorded before this migration have no guide (their category was the
-- destination's free text); every one since has its consent and log text.
ALTER TABLE transfers
    ADD COLUMN guide    text,
    ADD COLUMN consent  text,
    ADD COLUMN log_text text,
    ADD CONSTRAINT transfers_guided CHECK (guide IS NULL OR (consent <> '' AND log_text <> ''));

-- "Informed": the agent gave the customer the guide's information for a category whose
-- procedure is to educate (no transfer). Once per call and category.
CREATE TABLE informed (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    attempt_id   bigint NOT NULL,
    campaign_id  bigint NOT NULL REFERENCES campaigns (id),
    target_id    bigint NOT NULL,
    agent_id     bigint NOT NULL REFERENCES users (id),
    guide        text NOT NULL,
    category     text NOT NULL,
    log_text     text NOT NULL CHECK (log_text <> ''),
    recorded_at  timestamptz NOT NULL,
    UNIQUE (attempt_id, category)
);
CREATE INDEX informed_campaign ON informed (campaign_id, recorded_at);
