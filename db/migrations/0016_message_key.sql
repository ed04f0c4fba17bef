-- A voucher's WhatsApp message is sent at most once per key: voucher-<id>-<n>, its n-th
-- message (the first with the voucher, more on a manager's resend). The key is made in
-- one place, this function, by issue_voucher (below, otherwise as in 0012) and by the
-- resend's query (enqueue_message).
CREATE FUNCTION message_key(p_voucher bigint, p_n bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT 'voucher-' || p_voucher || '-' || p_n $$;

CREATE OR REPLACE FUNCTION issue_voucher(
    p_campaign   bigint,
    p_target     bigint,
    p_outcome    bigint,
    p_agent      bigint,
    p_wa         text,
    p_now        timestamptz,
    p_expires    timestamptz,
    p_lapses     timestamptz,
    p_quota      integer,
    p_candidates text[],  -- generated codes to try in turn; NULL: take one from the pool
    p_actor      text,
    p_message    jsonb,   -- {sender, content_sid, variables, code_keys}; NULL: no message
    OUT result   text,
    OUT voucher  vouchers
) LANGUAGE plpgsql AS $$
DECLARE
    found_code text;
    candidate  text;
BEGIN
    SELECT * INTO voucher FROM vouchers v WHERE v.campaign_id = p_campaign AND v.target_id = p_target;
    IF FOUND THEN
        result := 'existing';
        RETURN;
    END IF;
    voucher := NULL;
    IF p_now >= p_expires THEN
        result := 'expired';
        RETURN;
    END IF;
    BEGIN
        IF p_candidates IS NULL THEN
            WITH free AS MATERIALIZED (
                SELECT k.id FROM voucher_codes k
                WHERE k.campaign_id = p_campaign AND k.taken_at IS NULL
                ORDER BY k.id
                LIMIT 1
                FOR UPDATE SKIP LOCKED
            )
            UPDATE voucher_codes k SET taken_at = p_now
            FROM free WHERE k.id = free.id
            RETURNING k.code INTO found_code;
            IF found_code IS NULL THEN
                result := 'no_codes';
                RETURN;
            END IF;
        ELSE
            FOREACH candidate IN ARRAY p_candidates LOOP
                INSERT INTO voucher_codes (campaign_id, code, source, added_by, added_at, taken_at)
                VALUES (p_campaign, candidate, 'generated', 'dialer', p_now, p_now)
                ON CONFLICT (code) DO NOTHING
                RETURNING code INTO found_code;
                EXIT WHEN found_code IS NOT NULL;
            END LOOP;
            IF found_code IS NULL THEN
                RAISE EXCEPTION 'all % generated voucher codes were taken already: lengthen code_length',
                    cardinality(p_candidates);
            END IF;
        END IF;
        INSERT INTO vouchers (campaign_id, target_id, code, outcome_id, agent_id, wa_number,
                              state, issued_at, expires_at, lapses_at)
        VALUES (p_campaign, p_target, found_code, p_outcome, p_agent, p_wa,
                'issued', p_now, p_expires, p_lapses)
        RETURNING * INTO voucher;
        INSERT INTO voucher_events (voucher_id, event, actor, at, details)
        VALUES (voucher.id, 'issued', p_actor, p_now, jsonb_build_object('code', found_code));
        IF p_message IS NOT NULL THEN
            INSERT INTO messages (voucher_id, campaign_id, to_number, sender, content_sid,
                                  variables, idempotency_key, state, next_try_at, actor,
                                  created_at, updated_at)
            VALUES (voucher.id, p_campaign, p_wa, p_message ->> 'sender',
                    p_message ->> 'content_sid',
                    (p_message -> 'variables') || coalesce(
                        (SELECT jsonb_object_agg(k, found_code)
                         FROM jsonb_array_elements_text(p_message -> 'code_keys') k),
                        '{}'),
                    message_key(voucher.id, 1), 'pending', p_now, p_actor, p_now, p_now);
        END IF;
        INSERT INTO voucher_counts AS n (campaign_id, counted)
        SELECT p_campaign, 1 WHERE p_quota > 0
        ON CONFLICT (campaign_id) DO UPDATE SET counted = n.counted + 1
        WHERE n.counted < p_quota;
        IF NOT FOUND THEN
            RAISE SQLSTATE 'VQ001';  -- undoes this block
        END IF;
        result := 'issued';
    EXCEPTION WHEN SQLSTATE 'VQ001' THEN
        result := 'quota_used_up';
        voucher := NULL;
    END;
END;
$$;
