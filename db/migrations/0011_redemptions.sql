-- Redemptions the partner reports (signed callback or report file), each once by the
-- partner's reference, matched to an issued code; what cannot be honoured is kept and
-- flagged for the report: an unknown code, a second use, a use after the expiry.
CREATE TABLE redemptions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference   text NOT NULL UNIQUE,
    code        text NOT NULL,
    voucher_id  bigint REFERENCES vouchers (id),
    campaign_id bigint REFERENCES campaigns (id),
    redeemed_at timestamptz NOT NULL,
    amount      bigint,
    source      text NOT NULL,
    result      text NOT NULL CHECK (result IN ('redeemed', 'unknown_code', 'second_use',
                                                'after_expiry', 'voided')),
    received_at timestamptz NOT NULL
);
CREATE INDEX redemptions_campaign ON redemptions (campaign_id, received_at);
CREATE INDEX redemptions_flagged ON redemptions (received_at) WHERE result <> 'redeemed';
