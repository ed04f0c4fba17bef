-- The WhatsApp outbox: a voucher's message is written in the outcome's transaction and
-- sent after the commit by any node (claimed with SKIP LOCKED), so a crash between the
-- two neither loses nor repeats it; its statuses come back as signed callbacks, stored
-- raw, then applied (a status never goes back: out of order reaches the same state).
CREATE TABLE messages (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    voucher_id      bigint NOT NULL REFERENCES vouchers (id),
    campaign_id     bigint NOT NULL REFERENCES campaigns (id),
    to_number       text NOT NULL,
    sender          text NOT NULL,
    content_sid     text NOT NULL,
    variables       jsonb NOT NULL,
    idempotency_key text NOT NULL UNIQUE,  -- voucher-<id>-<n>: one message a send
    state           text NOT NULL CHECK (state IN ('pending', 'sending', 'queued', 'sent',
                        'delivered', 'read', 'failed', 'undelivered')),
    provider_sid    text UNIQUE,
    tries           integer NOT NULL DEFAULT 0,
    next_try_at     timestamptz NOT NULL,
    claimed_at      timestamptz,
    error           text,
    actor           text NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX messages_due ON messages (next_try_at) WHERE state = 'pending';
CREATE INDEX messages_sending ON messages (claimed_at) WHERE state = 'sending';
CREATE INDEX messages_voucher ON messages (voucher_id, id);

CREATE TABLE message_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at  timestamptz NOT NULL,
    message_id   bigint,
    message_sid  text,
    status       text,
    params       jsonb NOT NULL,
    effect       text
);
CREATE INDEX message_events_message ON message_events (message_id, id);
