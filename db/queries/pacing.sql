-- name: pacing_agent_seconds
-- Campaign $1's agents' seconds in each state but offline between $2 and $3, from
-- their state changes: a change lasts until the agent's next one in any campaign (or
-- $3), clipped to the interval; with how many agents were in that state then (and a
-- row of state NULL: all of them, logged in).
SELECT c.state, count(DISTINCT c.user_id) AS agents,
       coalesce(sum(greatest(date_part('epoch',
                    least(coalesce(c.next_at, $3), $3) - greatest(c.at, $2)), 0)), 0)::float8
           AS seconds
FROM (SELECT user_id, campaign_id, state, at,
             lead(at) OVER (PARTITION BY user_id ORDER BY at, id) AS next_at
      FROM agent_state_changes
      WHERE user_id IN (SELECT user_id FROM agent_state_changes WHERE campaign_id = $1)) c
WHERE c.campaign_id = $1 AND c.state <> 'offline' AND c.at < $3 AND coalesce(c.next_at, $3) > $2
GROUP BY GROUPING SETS ((c.state), ())

-- name: pacing_calls
-- Campaign $1's calls between $2 and $3: dialled (placed then), answered by a person
-- (reached an agent or abandoned for want of one, by the answer), abandoned, taken by
-- an agent (by the bridge), and the agents' talk seconds (bridge to end, clipped).
SELECT count(*) FILTER (WHERE created_at >= $2 AND created_at < $3) AS dialled,
       count(*) FILTER (WHERE answered_at >= $2 AND answered_at < $3
                          AND (bridged_at IS NOT NULL OR abandoned)) AS human_answered,
       count(*) FILTER (WHERE answered_at >= $2 AND answered_at < $3 AND abandoned)
           AS abandoned,
       count(*) FILTER (WHERE bridged_at >= $2 AND bridged_at < $3 AND agent_id IS NOT NULL)
           AS handled,
       coalesce(sum(greatest(date_part('epoch',
                    least(coalesce(ended_at, $3), $3) - greatest(bridged_at, $2)), 0))
                FILTER (WHERE agent_id IS NOT NULL AND bridged_at < $3
                          AND coalesce(ended_at, $3) > $2), 0)::float8 AS talk_seconds
FROM attempts
WHERE campaign_id = $1 AND (created_at < $3 AND coalesce(ended_at, $3) >= $2)

-- name: pacing_rolling_abandon
-- Campaign $1's worst abandon rate over any $4 (an interval) inside $2..$3: windows
-- starting or ending at each call a person answered; NULL when none fits.
WITH answered AS (
    SELECT answered_at AS at, abandoned::int AS abandoned
    FROM attempts
    WHERE campaign_id = $1 AND answered_at >= $2 AND answered_at < $3
      AND (bridged_at IS NOT NULL OR abandoned)
), windows AS (
    SELECT at,
           count(*) OVER ahead AS answered_ahead, sum(abandoned) OVER ahead AS abandoned_ahead,
           count(*) OVER behind AS answered_behind, sum(abandoned) OVER behind AS abandoned_behind
    FROM answered
    WINDOW ahead AS (ORDER BY at RANGE BETWEEN CURRENT ROW AND $4::interval FOLLOWING),
           behind AS (ORDER BY at RANGE BETWEEN $4::interval PRECEDING AND CURRENT ROW)
)
SELECT max(rate) AS worst_percent, count(*) AS windows
FROM (SELECT 100.0 * abandoned_ahead / answered_ahead AS rate FROM windows
      WHERE at + $4::interval <= $3
      UNION ALL
      SELECT 100.0 * abandoned_behind / answered_behind FROM windows
      WHERE at - $4::interval >= $2) w

-- name: pacing_connect_seconds
-- Campaign $1's calls answered between $2 and $3 that reached an agent: seconds from
-- the answering-machine verdict (a person) to the customer joining the agent (p50,
-- p99, the longest), and from the bridge to the join (p50, p99: the service and the
-- carrier at work, no waiting for an agent).
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY connect) AS p50,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY connect) AS p99,
       max(connect) AS longest,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY join_s) AS join_p50,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY join_s) AS join_p99,
       count(*) AS calls
FROM (SELECT date_part('epoch', a.joined_at - v.at) AS connect,
             date_part('epoch', a.joined_at - a.bridged_at) AS join_s
      FROM attempts a
      JOIN LATERAL (SELECT min(e.received_at) AS at FROM carrier_events e
                    WHERE e.attempt_id = a.id AND e.kind = 'amd') v ON v.at IS NOT NULL
      WHERE a.campaign_id = $1 AND a.answered_at >= $2 AND a.answered_at < $3
        AND a.joined_at IS NOT NULL) c
