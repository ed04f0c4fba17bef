-- What /metrics reads from PostgreSQL at each scrape (dialer/monitoring.py): figures of
-- the whole deployment, the same whichever node answers. Each reads an index or a
-- running count, not a campaign's rows.

-- name: metrics_calls_in_flight
-- Live calls per campaign (placed or being placed, not ended).
SELECT c.name AS campaign, count(*) AS n
FROM attempts a JOIN campaigns c ON c.id = a.campaign_id
WHERE a.state IN ('queued', 'dialing', 'ringing', 'in-progress')
GROUP BY c.name

-- name: metrics_attempts_by_result
-- Ended calls per campaign and result, from the running counts (0014_live_counts).
SELECT c.name AS campaign, ac.result, sum(ac.n)::bigint AS n
FROM attempt_counts ac JOIN campaigns c ON c.id = ac.campaign_id
GROUP BY c.name, ac.result
HAVING sum(ac.n) <> 0

-- name: metrics_abandon
-- Human-answered and abandoned calls per campaign since $1 (the abandon guard's window,
-- as abandon_stats counts them), campaign by campaign: each reads its own range of
-- attempts_answered (campaign_id, answered_at), never the whole table.
SELECT c.name AS campaign, w.answered, w.abandoned
FROM campaigns c
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE a.bridged_at IS NOT NULL OR a.abandoned) AS answered,
           count(*) FILTER (WHERE a.abandoned)                             AS abandoned
    FROM attempts a
    WHERE a.campaign_id = c.id AND a.answered_at >= $1
) w
WHERE w.answered > 0 OR c.state = 'running'

-- name: metrics_backlog
-- Stored status callbacks the appliers have not applied yet, and the oldest one's age
-- in seconds at $1.
SELECT count(*) AS n,
       coalesce(extract(epoch FROM $1 - min(received_at)), 0)::float8 AS oldest_seconds
FROM carrier_events WHERE applied_at IS NULL

-- name: metrics_agents_by_state
-- Agents with a presence row, per campaign ('' when none) and state.
SELECT coalesce(c.name, '') AS campaign, s.state, count(*) AS n
FROM agent_states s LEFT JOIN campaigns c ON c.id = s.campaign_id
GROUP BY 1, 2

-- name: metrics_voucher_quota
-- Each campaign's voucher quota and the places of it taken.
SELECT c.name AS campaign, c.voucher_quota AS quota, coalesce(vc.counted, 0) AS counted
FROM campaigns c LEFT JOIN voucher_counts vc ON vc.campaign_id = c.id

-- name: metrics_messages_by_state
-- WhatsApp messages per campaign and state.
SELECT c.name AS campaign, m.state, count(*) AS n
FROM messages m JOIN campaigns c ON c.id = m.campaign_id
GROUP BY c.name, m.state

-- name: metrics_import_rows
-- Target-list rows imported per campaign, by what became of them.
SELECT c.name AS campaign,
       coalesce(sum(i.rows_total), 0)::bigint    AS total,
       coalesce(sum(i.accepted), 0)::bigint      AS accepted,
       coalesce(sum(i.duplicates), 0)::bigint    AS duplicates,
       coalesce(sum(i.dnc), 0)::bigint           AS dnc,
       coalesce(sum(i.out_of_tier), 0)::bigint   AS out_of_tier,
       coalesce(sum(i.rejected_rows), 0)::bigint AS rejected
FROM target_imports i JOIN campaigns c ON c.id = i.campaign_id
GROUP BY c.name
