-- name: forecast_targets
-- Campaign $1's targets not finished, counted alike for the forecast: zone, tier, callback,
-- attempts and results so far, and when due (to the minute; NULL when due by $2: ready).
-- A target on a call keeps its state (ready), as it does in the table.
SELECT zone, tier_rank, callback, attempts, result_counts,
       CASE WHEN state = 'scheduled' AND next_attempt_at > $2
            THEN date_trunc('minute', next_attempt_at) END AS due,
       count(*) AS n
FROM targets
WHERE campaign_id = $1 AND state IN ('ready', 'scheduled')
GROUP BY 1, 2, 3, 4, 5, 6

-- name: forecast_totals
-- Campaign $1's targets in all and finished (running counts), calls live now, agents
-- logged in (not offline), voucher places taken and the latest voucher issued.
SELECT (SELECT coalesce(sum(n), 0) FROM target_counts WHERE campaign_id = $1)::bigint AS total,
       (SELECT coalesce(sum(n), 0) FROM target_counts
        WHERE campaign_id = $1 AND state = 'done')::bigint AS done,
       (SELECT count(*) FROM attempts
        WHERE campaign_id = $1 AND state IN ('queued', 'dialing', 'ringing', 'in-progress'))
           AS dialing,
       (SELECT count(*) FROM agent_states WHERE campaign_id = $1 AND state <> 'offline')
           AS agents,
       coalesce((SELECT counted FROM voucher_counts WHERE campaign_id = $1), 0) AS taken,
       (SELECT max(issued_at) FROM vouchers WHERE campaign_id = $1) AS last_voucher_at

-- name: forecast_results
-- Campaign $1's ended calls by the customer's zone, the hour of their local day the call
-- was placed in, and result (running counts, migration 0014).
SELECT zone,
       floor((date_part('epoch', hour)
              + CASE zone WHEN 'WITA' THEN 28800 WHEN 'WIT' THEN 32400 ELSE 25200 END)
             / 3600)::bigint % 24 AS hour,
       result,
       sum(n)::bigint AS n
FROM attempt_counts
WHERE campaign_id = $1 AND placed
GROUP BY 1, 2, 3
HAVING sum(n) > 0

-- name: forecast_outcomes
-- Campaign $1's outcomes counted by code (running counts).
SELECT code, sum(n)::bigint AS n FROM outcome_counts WHERE campaign_id = $1
GROUP BY code HAVING sum(n) > 0

-- name: forecast_callback_delays
-- The latest $2 callbacks campaign $1's customers asked for: seconds from the outcome to
-- the time asked.
SELECT date_part('epoch', (details ->> 'callback_at')::timestamptz - recorded_at) AS seconds
FROM outcomes
WHERE campaign_id = $1 AND code = 'customer_busy' AND details ->> 'callback_at' IS NOT NULL
ORDER BY recorded_at DESC
LIMIT $2

-- name: forecast_calls
-- The latest $3 calls of campaign $1 bridged to an agent (or a virtual seat: its number,
-- negated) by $2: who took it, the bridge, and when they were free of it (the outcome
-- recorded, else the call's end).
SELECT coalesce(a.agent_id, -a.seat) AS agent_id, a.bridged_at,
       coalesce(o.recorded_at, a.ended_at) AS free_at
FROM attempts a
LEFT JOIN outcomes o ON o.attempt_id = a.id
WHERE a.campaign_id = $1 AND (a.agent_id IS NOT NULL OR a.seat IS NOT NULL)
  AND a.bridged_at IS NOT NULL
  AND a.bridged_at <= $2
ORDER BY a.id DESC
LIMIT $3
