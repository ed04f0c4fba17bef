-- name: voucher_report_days
-- Campaign $1's voucher activity per day ($2: the zone's offset from UTC in seconds;
-- Indonesia keeps no summer time, so a day is 24 whole UTC hours): rows of (day number
-- since 1970-01-01, step, count) from the hourly counts (migration 0013); and the
-- vouchers by state now (day NULL, step 'state:…').
SELECT floor((date_part('epoch', hour) + $2) / 86400)::int AS day, step, sum(n)::bigint AS n
FROM voucher_hours
WHERE campaign_id = $1
GROUP BY 1, 2
UNION ALL
SELECT NULL, 'state:' || state, count(*)
FROM vouchers
WHERE campaign_id = $1
GROUP BY state

-- name: voucher_report_states
-- The places of campaign $1's quota taken, and the median time from the call (the
-- voucher was issued with its outcome) to the redemption.
SELECT coalesce((SELECT counted FROM voucher_counts WHERE campaign_id = $1), 0) AS taken,
       (SELECT percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY date_part('epoch', v.redeemed_at - v.issued_at))
        FROM vouchers v WHERE v.campaign_id = $1 AND v.redeemed_at IS NOT NULL)
           AS median_seconds_to_redemption

-- name: voucher_report_customers
-- A page of campaign $1's customers with a voucher: $2 rows from row $3, in issue order.
SELECT v.id, v.code, v.state, t.indihome_number, t.name, t.tier, t.zone, v.wa_number,
       u.username AS agent, coalesce(u.display_name, u.username) AS agent_name,
       v.issued_at, v.sent_at, v.delivered_at, v.read_at, v.failed_at, v.redeemed_at, v.expires_at
FROM vouchers v
JOIN targets t ON t.campaign_id = v.campaign_id AND t.id = v.target_id
JOIN users u ON u.id = v.agent_id
WHERE v.campaign_id = $1
ORDER BY v.issued_at, v.id
LIMIT $2 OFFSET $3

-- name: voucher_report_flagged
-- Redemptions the partner reported that were not honoured: of campaign $1's codes, or
-- of no known code at all; the first $2, oldest first, and how many in all.
SELECT r.reference, r.code, r.result, r.redeemed_at, r.received_at, r.source, r.amount,
       count(*) OVER () AS total
FROM redemptions r
WHERE r.result <> 'redeemed' AND (r.campaign_id = $1 OR r.campaign_id IS NULL)
ORDER BY r.received_at, r.id
LIMIT $2

-- name: rebuild_voucher_hours
-- The hourly counts of campaign $1 computed afresh (migration 0013), for rows loaded in
-- bulk with the triggers off.
SELECT rebuild_voucher_hours($1)

-- name: outcome_report_outcomes
-- Campaign $1's outcomes counted by code, the customer's tier, zone and province, and
-- the hour of the customer's local day they were recorded in (a small cube; the report
-- folds it each way), from the running counts (migration 0014).
SELECT code, tier, zone, province,
       floor((date_part('epoch', hour)
              + CASE zone WHEN 'WITA' THEN 28800 WHEN 'WIT' THEN 32400 ELSE 25200 END)
             / 3600)::bigint % 24 AS hour,
       sum(n)::bigint AS n
FROM outcome_counts
WHERE campaign_id = $1
GROUP BY 1, 2, 3, 4, 5
HAVING sum(n) <> 0

-- name: outcome_report_actions
-- Campaign $1's actions taken during calls (tickets, vouchers, follow-ups…) counted by
-- kind, from the running counts (migration 0018).
SELECT kind, sum(n)::bigint AS n FROM action_counts WHERE campaign_id = $1
GROUP BY kind HAVING sum(n) <> 0 ORDER BY n DESC, kind

-- name: outcome_report_calls
-- Campaign $1's placed calls by the hour of the customer's local day and result: the
-- ended ones from the running counts (migration 0014), the few still live ('live').
SELECT floor((date_part('epoch', hour)
              + CASE zone WHEN 'WITA' THEN 28800 WHEN 'WIT' THEN 32400 ELSE 25200 END)
             / 3600)::bigint % 24 AS hour,
       result,
       sum(n)::bigint AS n
FROM attempt_counts
WHERE campaign_id = $1 AND placed
GROUP BY 1, 2
HAVING sum(n) <> 0
UNION ALL
SELECT floor((date_part('epoch', a.placed_at)
              + CASE t.zone WHEN 'WITA' THEN 28800 WHEN 'WIT' THEN 32400 ELSE 25200 END)
             / 3600)::bigint % 24,
       'live',
       count(*)
FROM attempts a
JOIN targets t ON t.campaign_id = a.campaign_id AND t.id = a.target_id
WHERE a.campaign_id = $1 AND a.state IN ('queued', 'dialing', 'ringing', 'in-progress')
  AND a.placed_at IS NOT NULL AND a.result IS NULL
GROUP BY 1

-- name: outcome_report_attempts_per_target
-- How many of campaign $1's targets were called how many times (running counts).
SELECT attempts, sum(n)::bigint AS targets FROM target_counts
WHERE campaign_id = $1
GROUP BY 1
HAVING sum(n) <> 0
ORDER BY 1

-- name: agent_report
-- Campaign $1's agents: calls bridged to them, talk time (bridged to ended), outcomes,
-- the time from the call's end to its outcome, vouchers issued on their calls.
SELECT u.id AS agent_id, u.username, u.display_name,
       count(a.id) AS calls,
       coalesce(sum(date_part('epoch', a.ended_at - a.bridged_at))
                FILTER (WHERE a.ended_at IS NOT NULL AND a.bridged_at IS NOT NULL), 0)::bigint
           AS talk_seconds,
       count(o.id) AS outcomes,
       coalesce(sum(greatest(date_part('epoch', o.recorded_at - a.ended_at), 0))
                FILTER (WHERE a.ended_at IS NOT NULL), 0)::bigint AS seconds_to_outcome,
       (SELECT count(*) FROM vouchers v WHERE v.campaign_id = $1 AND v.agent_id = u.id)
           AS vouchers
FROM attempts a
JOIN users u ON u.id = a.agent_id
LEFT JOIN outcomes o ON o.attempt_id = a.id
WHERE a.campaign_id = $1 AND a.agent_id IS NOT NULL
GROUP BY u.id
ORDER BY u.username

-- name: agent_report_pauses
-- Campaign $1's agents' time paused per reason (NULL: none given) up to $2: a change
-- to paused lasts until the agent's next change in any campaign (or $2).
SELECT c.user_id AS agent_id, u.username, u.display_name, c.reason,
       sum(greatest(date_part('epoch', coalesce(c.next_at, $2) - c.at), 0))::bigint AS seconds
FROM (SELECT user_id, campaign_id, state, reason, at,
             lead(at) OVER (PARTITION BY user_id ORDER BY at, id) AS next_at
      FROM agent_state_changes
      WHERE user_id IN (SELECT user_id FROM agent_state_changes WHERE campaign_id = $1)) c
JOIN users u ON u.id = c.user_id
WHERE c.campaign_id = $1 AND c.state = 'paused' AND c.at < $2
GROUP BY 1, 2, 3, 4
HAVING sum(greatest(date_part('epoch', coalesce(c.next_at, $2) - c.at), 0)) >= 1

-- name: agent_report_codes
-- Campaign $1's outcomes per agent and code.
SELECT agent_id, code, count(*) AS n FROM outcomes WHERE campaign_id = $1 GROUP BY 1, 2

-- name: crm_interactions
-- Campaign $1's calls that reached an agent, one row each, with what the agent
-- recorded: for the CRM.
SELECT a.id AS attempt_id, a.call_sid, t.customer_id, t.indihome_number,
       t.name AS customer_name, a.number AS msisdn, t.tier, t.zone, u.username AS agent,
       a.answered_at, a.bridged_at, a.ended_at,
       round(date_part('epoch', a.ended_at - a.bridged_at))::int AS talk_seconds,
       o.code AS outcome, o.details, o.hub_penerima, o.address_valid, o.new_address,
       o.service_working, o.wa_number, o.myindihome,
       k.ticket, k.ticket_guide, k.ticket_category, k.ticket_due_at,
       v.code AS voucher_code, x.destination AS transferred_to,
       x.category AS transfer_category, x.log_text AS transfer_log_text,
       (SELECT string_agg(i.category || ': ' || i.log_text, E'\n' ORDER BY i.id)
        FROM informed i WHERE i.attempt_id = a.id) AS informed,
       (SELECT string_agg(c.kind, ' ' ORDER BY c.id) FROM call_actions c
        WHERE c.attempt_id = a.id) AS actions,
       f.due_at AS follow_up_due_at,
       o.notes, o.recorded_at,
       a.recording_sid, a.recording_url, a.recording_seconds
FROM attempts a
JOIN targets t ON t.campaign_id = a.campaign_id AND t.id = a.target_id
JOIN users u ON u.id = a.agent_id
LEFT JOIN outcomes o ON o.attempt_id = a.id
-- A call may record several tickets: one cell each, the call's tickets joined by " | ".
LEFT JOIN LATERAL (
    SELECT string_agg(coalesce(existing_ref, 'T' || id), ' | ' ORDER BY id) AS ticket,
           string_agg(coalesce(guide, ''), ' | ' ORDER BY id) AS ticket_guide,
           string_agg(coalesce(category, ''), ' | ' ORDER BY id) AS ticket_category,
           min(due_at) AS ticket_due_at
    FROM tickets WHERE outcome_id = o.id
) k ON true
LEFT JOIN follow_ups f ON f.outcome_id = o.id
LEFT JOIN vouchers v ON v.outcome_id = o.id
LEFT JOIN transfers x ON x.attempt_id = a.id AND x.state = 'done'
WHERE a.campaign_id = $1 AND a.agent_id IS NOT NULL
ORDER BY a.id

-- name: live_numbers
-- Campaign $1's live numbers as one JSON object, in one statement (the campaign page
-- reads it once a second, on one node for all its managers): targets by state and
-- ended calls by result from the running counts (migration 0014), the live calls
-- counted by their targets' states and by their own (a few hundred rows at most: one a
-- line in use), agents by state, the quota's count, the abandon guard and the answered
-- and abandoned calls in the guard's window $3 up to now ($2). Every part is a count
-- by some state or reason, so the object stays small whatever the campaign's size.
-- With $4 it is also announced on channel 'dialer_live' as "<campaign> <json>" (a
-- NOTIFY carries at most 8,000 bytes: beyond that, an error is announced instead).
WITH live AS MATERIALIZED (
    SELECT a.state, a.result, t.state AS target_state, coalesce(t.done_reason, '') AS reason,
           a.seat IS NOT NULL OR a.agent_id IS NOT NULL AS bridged, a.abandoned
    FROM attempts a
    LEFT JOIN targets t ON t.campaign_id = a.campaign_id AND t.id = a.target_id
    WHERE a.campaign_id = $1 AND a.state IN ('queued', 'dialing', 'ringing', 'in-progress')
), numbers AS (
    SELECT jsonb_build_object(
        'campaign_id', c.id,
        'now', $2::timestamptz,
        'window_seconds', date_part('epoch', $3::interval),
        'name', c.name,
        'state', c.state,
        'quota', (c.definition -> 'voucher' ->> 'quota')::int,
        'seats', coalesce((c.definition ->> 'virtual_seats')::int, 0),
        'abandon_limit_percent', c.definition -> 'abandon_limit_percent',
        'targets', (
            SELECT coalesce(jsonb_agg(jsonb_build_array(state, reason, n)), '[]')
            FROM (SELECT state, reason, sum(n) AS n FROM target_counts
                  WHERE campaign_id = c.id GROUP BY 1, 2 HAVING sum(n) <> 0) s),
        'results', (
            SELECT coalesce(jsonb_agg(jsonb_build_array(result, n)), '[]')
            FROM (SELECT result, sum(n) AS n FROM attempt_counts
                  WHERE campaign_id = c.id GROUP BY 1 HAVING sum(n) <> 0) s),
        'live_targets', (
            SELECT coalesce(jsonb_agg(jsonb_build_array(target_state, reason, n)), '[]')
            FROM (SELECT target_state, reason, count(*) AS n FROM live
                  WHERE target_state IS NOT NULL GROUP BY 1, 2) s),
        'live_calls', (
            SELECT coalesce(jsonb_object_agg(state, n), '{}')
            FROM (SELECT state, count(*) AS n FROM live WHERE result IS NULL GROUP BY 1) s),
        'on_seat', (SELECT count(*) FROM live WHERE bridged),
        'in_flight', (SELECT count(*) FROM live WHERE NOT bridged AND NOT abandoned),
        'agents', (
            SELECT coalesce(jsonb_object_agg(state, n), '{}')
            FROM (SELECT state, count(*) AS n FROM agent_states
                  WHERE campaign_id = c.id AND state <> 'offline' GROUP BY 1) s),
        'taken', coalesce((SELECT counted FROM voucher_counts WHERE campaign_id = c.id), 0),
        'guard', (SELECT jsonb_build_object('active', p.guard_active, 'since', p.changed_at)
                  FROM campaign_pacing p WHERE p.campaign_id = c.id),
        'pacing', (SELECT jsonb_build_object(
                       'mode', p.mode, 'target_percent', p.target_percent,
                       'in_force_percent', p.effective_percent, 'slowed', p.slowed,
                       'slowed_since', p.slowed_at, 'at', p.sized_at,
                       'estimates', p.estimates)
                   FROM campaign_pacing p WHERE p.campaign_id = c.id),
        'window', (
            SELECT jsonb_build_object(
                'answered', count(*) FILTER (WHERE bridged_at IS NOT NULL OR abandoned),
                'abandoned', count(*) FILTER (WHERE abandoned))
            FROM attempts WHERE campaign_id = c.id AND answered_at >= $2 - $3::interval)
    ) AS numbers
    FROM campaigns c WHERE c.id = $1
)
SELECT numbers,
       CASE WHEN $4 THEN pg_notify('dialer_live', $1 || ' ' || CASE
           WHEN octet_length(numbers::text) < 7900 THEN numbers::text
           ELSE '{"error": "the live numbers are too large to announce"}' END) END
FROM numbers

-- name: compact_counts
-- Each key's appended counts folded into one row (migrations 0014, 0018); the rows folded.
SELECT compact_counts() + compact_action_counts()

-- name: rebuild_counts
-- The running counts of campaign $1 computed afresh, for rows loaded with triggers off.
SELECT rebuild_counts($1)

-- name: outcomes_by_code
-- Campaign $1's outcomes counted by code, most frequent first.
SELECT code, count(*) AS n FROM outcomes WHERE campaign_id = $1
GROUP BY code ORDER BY n DESC, code
