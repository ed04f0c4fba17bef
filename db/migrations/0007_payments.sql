-- Payments reported by billing (API or file), so a bill paid after the list was
-- uploaded shows as paid on the agent's screen, and the channels a customer used
-- lately come from what they actually paid with.
CREATE TABLE payments (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference       text NOT NULL UNIQUE,  -- billing's own id: a re-import adds nothing
    indihome_number text NOT NULL,
    bill_month      date NOT NULL CHECK (extract(day FROM bill_month) = 1),
    amount          bigint NOT NULL CHECK (amount >= 0),
    channel         text NOT NULL,
    paid_at         timestamptz NOT NULL,
    source          text NOT NULL,         -- 'api' or 'file:<name>'
    recorded_by     text NOT NULL,
    recorded_at     timestamptz NOT NULL
);
CREATE INDEX payments_number ON payments (indihome_number, paid_at DESC);
