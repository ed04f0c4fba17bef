-- name: running_campaigns
-- The running campaigns, in id order, for the pacer's tick.
SELECT id, name, state, version, definition, created_at, created_by, updated_at, updated_by
FROM campaigns WHERE state = 'running' ORDER BY id

-- name: live_counts
-- For the pacer: calls with someone on them (a seat or an agent), calls still ringing
-- or waiting for someone — split into not answered, answered with the machine verdict
-- pending, and persons on hold; the campaign's free agents (whose legs are connected),
-- its agents talking, and those whose after-call work ends by $2 to be available.
SELECT count(*) FILTER (WHERE seat IS NOT NULL OR agent_id IS NOT NULL)     AS bridged,
       count(*) FILTER (WHERE seat IS NULL AND agent_id IS NULL AND NOT abandoned)
                                                                            AS in_flight,
       count(*) FILTER (WHERE seat IS NULL AND agent_id IS NULL AND NOT abandoned
                          AND answered_at IS NULL AND waiting_since IS NULL) AS ringing,
       count(*) FILTER (WHERE seat IS NULL AND agent_id IS NULL AND NOT abandoned
                          AND answered_at IS NOT NULL AND waiting_since IS NULL)
                                                                            AS answered,
       count(*) FILTER (WHERE seat IS NULL AND agent_id IS NULL AND NOT abandoned
                          AND waiting_since IS NOT NULL)                    AS waiting,
       (SELECT count(*) FROM agent_states s
        JOIN agent_legs l ON l.user_id = s.user_id AND l.state = 'connected'
        WHERE s.campaign_id = $1 AND s.state = 'available')                 AS free_agents,
       (SELECT count(*) FROM agent_states s
        WHERE s.campaign_id = $1 AND s.state = 'on_call')                   AS on_call,
       (SELECT count(*) FROM agent_states s
        JOIN agent_legs l ON l.user_id = s.user_id AND l.state = 'connected'
        WHERE s.campaign_id = $1 AND s.state = 'wrap_up' AND s.then_pause IS NULL
          AND s.wrap_up_until <= $2)                                        AS freeing
FROM attempts
WHERE campaign_id = $1 AND state IN ('queued', 'dialing', 'ringing', 'in-progress')

-- name: promote_due
-- Retries and callbacks whose time has come become ready (the claim reads only those).
-- The due rows are chosen once (MATERIALIZED), not again inside a loop (reserve_agent).
WITH due AS MATERIALIZED (
    SELECT id FROM targets
    WHERE campaign_id = $1 AND state = 'scheduled' AND next_attempt_at <= $2
    ORDER BY next_attempt_at
    LIMIT 10000
    FOR UPDATE SKIP LOCKED
)
UPDATE targets t SET state = 'ready'
FROM due
WHERE t.campaign_id = $1 AND t.id = due.id

-- name: claim_targets
-- Claim up to $3 (at most 100) ready targets of campaign $1 in the open zones $2, in
-- dialling order (due callbacks, then tier, then list order), skipping numbers on the
-- DNC list now and numbers with a live call in any campaign (which includes this
-- campaign's targets being dialled: a target keeps its state during a call); one
-- queued attempt each. The target itself is written when its attempt ends, not here —
-- unless billing reported its bill paid: then it is finished as already_paid instead.
--
-- The ready index is read one zone per branch, merged in dialling order (a Merge
-- Append: only as many entries as the claim takes, plus the live ones it skips), with
-- no locks; only the chosen targets are locked, SKIP LOCKED. The constant 100 keeps the
-- plan PostgreSQL caches for this statement a nested loop over a few rows.
WITH candidates AS (
    SELECT r.id, r.msisdn
    FROM (
        SELECT r.id, r.msisdn, r.callback, r.tier_rank
        FROM (
        (SELECT id, msisdn, indihome_number, callback, tier_rank FROM targets
         WHERE campaign_id = $1 AND state = 'ready' AND zone = 'WIB' AND 'WIB' = ANY($2)
         ORDER BY callback DESC, tier_rank, id)
        UNION ALL
        (SELECT id, msisdn, indihome_number, callback, tier_rank FROM targets
         WHERE campaign_id = $1 AND state = 'ready' AND zone = 'WITA' AND 'WITA' = ANY($2)
         ORDER BY callback DESC, tier_rank, id)
        UNION ALL
        (SELECT id, msisdn, indihome_number, callback, tier_rank FROM targets
         WHERE campaign_id = $1 AND state = 'ready' AND zone = 'WIT' AND 'WIT' = ANY($2)
         ORDER BY callback DESC, tier_rank, id)
        ) r
        -- On a live call first: the claim passes over every call in flight of the
        -- campaign (they lead its order), so those are dropped after one probe.
        WHERE NOT EXISTS (
              SELECT 1 FROM attempts a
              WHERE a.number = r.msisdn
                AND a.state IN ('queued', 'dialing', 'ringing', 'in-progress'))
          AND NOT EXISTS (SELECT 1 FROM dnc d WHERE d.msisdn = r.msisdn)
          -- An agent found the number is not this customer's.
          AND NOT EXISTS (
              SELECT 1 FROM wrong_numbers w
              WHERE w.msisdn = r.msisdn AND w.indihome_number = r.indihome_number)
          -- Paused or finished since the tick began: nothing is claimed.
          AND EXISTS (SELECT 1 FROM campaigns k WHERE k.id = $1 AND k.state = 'running')
        ORDER BY r.callback DESC, r.tier_rank, r.id
        LIMIT 100
    ) r
    ORDER BY r.callback DESC, r.tier_rank, r.id
    LIMIT $3
), picked AS (
    -- The chosen ids as one array: each is then locked through the primary key, whatever
    -- the planner knows of the table (a join here, on a list whose statistics are not
    -- gathered yet, re-ran the candidates once per target of the campaign). "paid":
    -- billing reported the target's bill paid (payments_bill), for only those locked.
    SELECT t.id, t.msisdn,
           EXISTS (SELECT 1 FROM payments p
                   WHERE p.indihome_number = t.indihome_number
                     AND p.bill_month = t.bill_month) AS paid
    FROM targets t
    WHERE t.id = ANY (ARRAY(SELECT c.id FROM candidates c))
      AND t.campaign_id = $1 AND t.state = 'ready'
    FOR UPDATE OF t SKIP LOCKED
), paid AS (
    -- A bill paid since the payment's own intake could finish it (a list uploaded after
    -- the payment, a call in progress then, a callback since): finished here, no call.
    UPDATE targets t
    SET state = 'done', done_reason = 'already_paid', callback = false, next_attempt_at = NULL
    WHERE t.campaign_id = $1 AND t.id = ANY (ARRAY(SELECT p.id FROM picked p WHERE p.paid))
)
INSERT INTO attempts (campaign_id, target_id, number, carrier, node, created_at, updated_at)
SELECT $1, picked.id, picked.msisdn, $5, $6, $4, $4 FROM picked WHERE NOT picked.paid
RETURNING id, target_id, number

-- name: mark_placed
-- The carrier took call $1 as SID $2 at $3: placed (queued becomes dialing), one more try.
UPDATE attempts
SET call_sid = $2, placed_at = $3, place_tries = place_tries + 1, updated_at = $3,
    state = CASE WHEN state = 'queued' THEN 'dialing' ELSE state END
WHERE id = $1

-- name: insert_carrier_event
-- A callback stored as it came, not applied (applying it failed): received $1, kind $2; its id.
INSERT INTO carrier_events (received_at, kind, attempt_id, call_sid, params)
VALUES ($1, $2, $3, $4, $5)
RETURNING id

-- name: save_progress_and_event
-- The attempt's new progress and the callback that made it, in one round trip.
WITH saved AS (
    UPDATE attempts
    SET state = $2, answered_by = $3, ringing_at = $4, answered_at = $5, ended_at = $6,
        duration_seconds = $7, call_sid = COALESCE(call_sid, $8), result = $9, updated_at = $10
    WHERE id = $1
    RETURNING id
)
INSERT INTO carrier_events (received_at, kind, attempt_id, call_sid, params, applied_at, effect)
VALUES ($10, $11, $1, $12, $13, $10, $14)

-- name: insert_applied_event
-- A callback stored as applied at $1 with effect $6 (nothing of the attempt to save).
INSERT INTO carrier_events (received_at, kind, attempt_id, call_sid, params, applied_at, effect)
VALUES ($1, $2, $3, $4, $5, $1, $6)

-- name: lock_attempt
-- Lock attempt $1 for the rest of the transaction, as callbacks apply to it.
SELECT id, campaign_id, target_id, number, carrier, node, state, result, call_sid,
       answered_by, seat, agent_id, waiting_since, abandoned, created_at, placed_at,
       ringing_at, answered_at, bridged_at, ended_at, duration_seconds, updated_at
FROM attempts WHERE id = $1 FOR UPDATE

-- name: attempt_by_sid
-- The attempt of call SID $1 (for a callback that names no attempt).
SELECT id FROM attempts WHERE call_sid = $1

-- name: save_progress
-- Attempt $1's progress as merged from its callbacks ($2 to $9), updated at $10.
UPDATE attempts
SET state = $2, answered_by = $3, ringing_at = $4, answered_at = $5, ended_at = $6,
    duration_seconds = $7, call_sid = COALESCE(call_sid, $8), result = $9, updated_at = $10
WHERE id = $1

-- name: lock_target
-- Lock target $2 of campaign $1 to settle it after an attempt; with the campaign's definition.
SELECT t.id, t.state, t.attempts, t.result_counts, t.next_attempt_at, t.callback,
       t.done_reason, c.definition
FROM targets t JOIN campaigns c ON c.id = t.campaign_id
WHERE t.campaign_id = $1 AND t.id = $2
FOR UPDATE OF t

-- name: settle_target
-- An attempt of the target ended: counted, and the target's next step.
UPDATE targets
SET state = $3, next_attempt_at = $4, done_reason = $5, callback = $6, last_result = $7,
    result_counts = $8, attempts = $9, last_attempt_at = $10
WHERE campaign_id = $1 AND id = $2

-- name: take_seat
-- A free virtual seat for an answered call: the lowest seat number no live call holds.
-- The caller holds the campaign's seat lock; no row back means every seat is taken.
UPDATE attempts
SET seat = free.s, bridged_at = $4, updated_at = $4
FROM (
    SELECT s FROM generate_series(1, $3::int) AS s
    WHERE NOT EXISTS (
        SELECT 1 FROM attempts a
        WHERE a.campaign_id = $2 AND a.seat = s
          AND a.state IN ('queued', 'dialing', 'ringing', 'in-progress'))
    ORDER BY s LIMIT 1
) free
WHERE attempts.id = $1
RETURNING attempts.seat

-- name: seat_lock
-- Lock campaign $2's virtual seats (lock namespace $1) until the transaction ends.
SELECT pg_advisory_xact_lock($1::int, $2::int)

-- name: mark_abandoned
-- Call $1 abandoned at $2: a person answered, and no seat or agent took the call.
UPDATE attempts SET abandoned = true, updated_at = $2 WHERE id = $1

-- name: abandon_stats
-- Human-answered calls since $2: on a seat, or abandoned for want of one.
SELECT count(*) FILTER (WHERE bridged_at IS NOT NULL OR abandoned) AS answered,
       count(*) FILTER (WHERE abandoned)                           AS abandoned
FROM attempts
WHERE campaign_id = $1 AND answered_at >= $2

-- name: get_pacing
-- Campaign $1's abandon guard as last set: on or off, since when, the window's counts then.
SELECT campaign_id, guard_active, changed_at, answered, abandoned
FROM campaign_pacing WHERE campaign_id = $1

-- name: set_pacing
-- The guard turned on or off: its state, and the window's counts at that moment.
INSERT INTO campaign_pacing (campaign_id, guard_active, changed_at, answered, abandoned)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (campaign_id) DO UPDATE
SET guard_active = EXCLUDED.guard_active, changed_at = EXCLUDED.changed_at,
    answered = EXCLUDED.answered, abandoned = EXCLUDED.abandoned

-- name: insert_dialer_event
-- Action $2 of the dialer on running campaign $1 at $3 (the abandon guard on or off), details $4.
INSERT INTO campaign_events (campaign_id, action, from_state, to_state, actor, at, details)
VALUES ($1, $2, 'running', 'running', 'dialer', $3, $4)

-- name: ensure_bucket
-- Rate bucket $1, created full ($2 tokens) at $3 unless it exists.
INSERT INTO rate_buckets (name, tokens, refilled_at) VALUES ($1, $2, $3)
ON CONFLICT (name) DO NOTHING

-- name: take_tokens
-- Refill bucket $1 at $2 tokens a second up to $3, then take at most $4 whole tokens.
WITH b AS (
    SELECT name,
           least($3::float8, tokens + greatest(0, extract(epoch FROM $5::timestamptz - refilled_at)) * $2::float8)
               AS available
    FROM rate_buckets WHERE name = $1 FOR UPDATE
)
UPDATE rate_buckets r
SET tokens = b.available - least(floor(b.available), $4::int),
    refilled_at = greatest(r.refilled_at, $5::timestamptz)
FROM b WHERE r.name = b.name
RETURNING least(floor(b.available), $4::int)::int AS granted

-- name: return_tokens
-- Give $2 tokens taken but not used back to bucket $1.
UPDATE rate_buckets SET tokens = tokens + $2 WHERE name = $1

-- name: stale_attempts
-- Up to $2 live attempts with no news since $1, oldest first, for the reconciler.
SELECT id, campaign_id, target_id, call_sid, carrier, node, state, updated_at
FROM attempts
WHERE state IN ('queued', 'dialing', 'ringing', 'in-progress') AND updated_at < $1
ORDER BY updated_at
LIMIT $2

-- name: touch_attempt
-- The carrier says attempt $1 is still live: updated at $2, so not stale yet.
UPDATE attempts SET updated_at = $2 WHERE id = $1

-- name: unapplied_events
-- Up to $2 stored callbacks not applied yet, received before $1, oldest first (reconciler).
SELECT id, received_at, kind, attempt_id, call_sid, params
FROM carrier_events
WHERE applied_at IS NULL AND received_at < $1
ORDER BY id
LIMIT $2

-- name: close_lost_attempt
-- An attempt that never reached the provider (or that the provider does not know):
-- closed, and its target is dialled again without counting it. Never one that was
-- answered: someone was talked to, it ends with the result it reached (recovery.py).
UPDATE attempts
SET state = 'canceled', result = 'canceled', error = $3, ended_at = $2, updated_at = $2
WHERE id = $1 AND state IN ('queued', 'dialing', 'ringing', 'in-progress')
  AND answered_at IS NULL
RETURNING campaign_id, target_id

-- name: requeue_target
-- Its attempt was lost before the call was made: dialled again later, not counted.
UPDATE targets
SET state = 'scheduled', next_attempt_at = $3
WHERE campaign_id = $1 AND id = $2 AND state = 'ready'

-- name: campaign_definition
-- Campaign $1's definition (JSON).
SELECT definition FROM campaigns WHERE id = $1

-- name: node_seen
-- Node $1 (placing calls through carrier $2) is alive at $3; its first sighting is its start.
INSERT INTO nodes (name, carrier, started_at, seen_at) VALUES ($1, $2, $3, $3)
ON CONFLICT (name) DO UPDATE SET seen_at = EXCLUDED.seen_at, carrier = EXCLUDED.carrier

-- name: node_alive
-- Whether node $1 was last seen at or after $2 (no row: a node never seen).
SELECT seen_at >= $2 FROM nodes WHERE name = $1

-- name: target_for_why
-- Campaign $1's target of IndiHome number $2 (or of mobile number $3), with all that may
-- keep it from being dialled.
SELECT t.id, t.name, t.indihome_number, t.msisdn, t.tier, t.zone, t.province, t.state,
       t.attempts, t.result_counts, t.next_attempt_at, t.callback, t.last_result,
       t.last_attempt_at, t.done_reason, t.bill_month,
       d.reason AS dnc_reason, d.added_at AS dnc_added_at,
       a.id AS live_attempt, a.campaign_id AS live_campaign,
       w.added_at AS wrong_number_at, wc.name AS wrong_number_campaign,
       pay.source AS paid_source, pay.paid_at, pay.recorded_at AS paid_recorded_at
FROM targets t
LEFT JOIN dnc d ON d.msisdn = t.msisdn
-- An agent found the number is not this customer's (in this campaign or another).
LEFT JOIN wrong_numbers w ON w.msisdn = t.msisdn AND w.indihome_number = t.indihome_number
LEFT JOIN outcomes wo ON wo.id = w.outcome_id
LEFT JOIN campaigns wc ON wc.id = wo.campaign_id
-- At most one live call per number, across campaigns (attempts_live_number).
LEFT JOIN attempts a
    ON a.number = t.msisdn AND a.state IN ('queued', 'dialing', 'ringing', 'in-progress')
-- Billing reported the bill paid: its first payment (where from, when).
LEFT JOIN LATERAL (
    SELECT p.source, p.paid_at, p.recorded_at FROM payments p
    WHERE p.indihome_number = t.indihome_number AND p.bill_month = t.bill_month
    ORDER BY p.paid_at LIMIT 1
) pay ON true
WHERE t.campaign_id = $1 AND (t.indihome_number = $2 OR t.msisdn = $3::text)
ORDER BY t.indihome_number = $2 DESC  -- the IndiHome number first, if both match
LIMIT 1

-- name: why_not_groups
-- Targets of a campaign grouped by everything that decides whether they may be dialled;
-- "dialing": on a live call of this campaign; "paid_source": where billing's report
-- that the bill is paid came from (its first payment), with the latest such payment.
SELECT t.zone, t.state, t.done_reason, t.callback,
       (t.state = 'scheduled' AND t.next_attempt_at > $2) AS waiting,
       (d.msisdn IS NOT NULL) AS dnc,
       (a.id IS NOT NULL) AS dialing,
       EXISTS (SELECT 1 FROM wrong_numbers w
               WHERE w.msisdn = t.msisdn AND w.indihome_number = t.indihome_number)
           AS wrong_number,
       pay.source AS paid_source,
       count(*) AS targets,
       max(pay.paid_at) AS last_paid_at
FROM targets t
LEFT JOIN dnc d ON d.msisdn = t.msisdn
LEFT JOIN attempts a
    ON a.campaign_id = t.campaign_id AND a.target_id = t.id
   AND a.state IN ('queued', 'dialing', 'ringing', 'in-progress')
LEFT JOIN LATERAL (
    SELECT p.source, p.paid_at FROM payments p
    WHERE p.indihome_number = t.indihome_number AND p.bill_month = t.bill_month
    ORDER BY p.paid_at LIMIT 1
) pay ON true
WHERE t.campaign_id = $1
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9

-- name: export_attempts
-- Every attempt of campaign $1 with its customer, in id order, for the CSV export.
SELECT a.id, t.indihome_number, a.number, t.province, t.zone,
       coalesce(a.placed_at, a.created_at) AS dialled_at, a.state, a.result,
       NULL::text AS outcome
FROM attempts a
JOIN targets t ON t.campaign_id = a.campaign_id AND t.id = a.target_id
WHERE a.campaign_id = $1
ORDER BY a.id

-- name: demo_state
-- Per zone, for the demo's idle skip: targets not finished, live (a call in flight, or
-- one whose agent has not recorded its outcome yet), ready, next retry.
SELECT t.zone,
       count(*) FILTER (WHERE t.state <> 'done')                   AS open,
       count(a.id)                                                 AS live,
       count(*) FILTER (WHERE t.state = 'ready' AND a.id IS NULL)  AS ready,
       min(t.next_attempt_at) FILTER (WHERE t.state = 'scheduled') AS next_due
FROM targets t
LEFT JOIN attempts a
    ON a.campaign_id = t.campaign_id AND a.target_id = t.id
   AND (a.state IN ('queued', 'dialing', 'ringing', 'in-progress')
        OR EXISTS (SELECT 1 FROM agent_states s
                   WHERE s.attempt_id = a.id AND s.state = 'on_call'))
WHERE t.campaign_id = $1
GROUP BY t.zone

-- name: last_attempt_at
-- When campaign $1's latest attempt was created (NULL before its first).
SELECT max(created_at) FROM attempts WHERE campaign_id = $1

-- name: store_callbacks
-- Status callbacks as they came, a group in one statement (inbox.py): applied by a
-- node's applier right after.
INSERT INTO carrier_events (received_at, kind, attempt_id, call_sid, params)
SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::bigint[], $4::text[], $5::jsonb[])

-- name: claim_unapplied
-- The next stored callbacks to apply, oldest first; those that failed to apply are
-- left to the reconciler.
SELECT id, received_at, kind, attempt_id, call_sid, params
FROM carrier_events
WHERE applied_at IS NULL AND effect IS NULL
ORDER BY id
LIMIT $1
FOR UPDATE SKIP LOCKED

-- name: lock_attempts
-- Lock attempts $1 (ids), in id order, for a batch of callbacks.
SELECT id, campaign_id, target_id, number, carrier, node, state, result, call_sid,
       answered_by, seat, agent_id, waiting_since, abandoned, created_at, placed_at,
       ringing_at, answered_at, bridged_at, ended_at, duration_seconds, updated_at
FROM attempts WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE

-- name: attempts_by_sids
-- The attempts of call SIDs $1 (for callbacks that name no attempt), by SID.
SELECT call_sid, id FROM attempts WHERE call_sid = ANY($1::text[])

-- name: mark_events_applied
-- Stored callbacks $1 applied at $2, each with its effect in $3 (in the same order).
UPDATE carrier_events e
SET applied_at = $2, effect = x.effect
FROM unnest($1::bigint[], $3::text[]) AS x (id, effect)
WHERE e.id = x.id

-- name: mark_event_failed
-- Stored callback $1 failed to apply: its effect $2 (the error) leaves it to the reconciler.
UPDATE carrier_events SET effect = $2 WHERE id = $1

-- name: lock_event
-- Lock stored callback $1 if it is not applied yet, to apply it alone.
SELECT id, received_at, kind, attempt_id, call_sid, params
FROM carrier_events WHERE id = $1 AND applied_at IS NULL
FOR UPDATE

-- name: count_unapplied
-- How many stored callbacks wait to be applied (those that failed aside).
SELECT count(*) FROM carrier_events WHERE applied_at IS NULL AND effect IS NULL


-- name: node_register
-- Node $1 (placing calls through carrier $2, virtual time $3) starts or rejoins: a new
-- epoch, alive now in the database's time; its id keys its liveness lock.
INSERT INTO nodes (name, carrier, started_at, seen_at, alive_at, epoch)
VALUES ($1, $2, $3, $3, clock_timestamp(), 1)
ON CONFLICT (name) DO UPDATE
SET carrier = EXCLUDED.carrier, alive_at = clock_timestamp(), epoch = nodes.epoch + 1,
    fenced_at = NULL
RETURNING id, epoch

-- name: node_heartbeat
-- Node $1 of epoch $2 is alive now; no row back: it was judged dead (fenced) meanwhile.
UPDATE nodes SET alive_at = clock_timestamp() WHERE name = $1 AND epoch = $2
RETURNING id

-- name: fence_dead_nodes
-- The nodes judged dead now, fenced: no heartbeat for $3 seconds (a hung node), or none
-- for $2 seconds and no liveness lock (namespace $1) held (a killed node: its lock died
-- with its connection). Silence is counted from the later of its heartbeat and the
-- database's start, and the lock only asked of a node that heartbeat since that start:
-- after a restart of PostgreSQL (every lock gone at once) each node has the lease to
-- come back.
UPDATE nodes n
SET epoch = n.epoch + 1, fenced_at = clock_timestamp(),
    fenced_below = (SELECT coalesce(max(a.id), 0) FROM attempts a),
    fenced_from = (SELECT min(a.id) FROM attempts a
                   WHERE a.node = n.name
                     AND a.state IN ('queued', 'dialing', 'ringing', 'in-progress'))
WHERE n.fenced_at IS NULL AND n.alive_at IS NOT NULL
  AND (greatest(n.alive_at, pg_postmaster_start_time())
           < clock_timestamp() - make_interval(secs => $3)
       OR (n.alive_at > pg_postmaster_start_time()
           AND n.alive_at < clock_timestamp() - make_interval(secs => $2)
           AND NOT EXISTS (
               SELECT 1 FROM pg_locks l
               WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                 AND l.classid = $1::oid AND l.objid = n.id::oid
                 -- this database's: another database on the server has nodes of its own
                 AND l.database = (SELECT oid FROM pg_database
                                   WHERE datname = current_database()))))
RETURNING n.name, n.alive_at, n.fenced_at

-- name: reclaimable_attempts
-- Up to $1 live attempts claimed by nodes judged dead (fenced) before they were fenced,
-- the oldest news first; one a transaction of the hung node still locks is left for the
-- next pass.
SELECT a.id, a.campaign_id, a.target_id, a.call_sid, a.carrier, a.node, a.state,
       a.updated_at
FROM nodes n
JOIN attempts a ON a.node = n.name AND a.id <= n.fenced_below
WHERE n.fenced_below IS NOT NULL
  AND a.state IN ('queued', 'dialing', 'ringing', 'in-progress')
ORDER BY a.updated_at, a.id
LIMIT $1
FOR UPDATE OF a SKIP LOCKED

-- name: claim_idle_limit
-- This transaction ends if it waits idle $1 (a node paused mid-claim: its locks on the
-- campaign's pacing and its targets are freed for the other nodes; its claim undone).
SELECT set_config('idle_in_transaction_session_timeout', $1, true)

-- name: reclaimed_calls
-- The calls of node $1 whose attempts ended while it was judged dead (or had ended just
-- before): a node back from a pause ends those its own process still runs.
SELECT a.call_sid
FROM nodes n
JOIN attempts a ON a.node = n.name AND a.id BETWEEN n.fenced_from AND n.fenced_below
WHERE n.name = $1 AND a.call_sid IS NOT NULL
  AND a.state NOT IN ('queued', 'dialing', 'ringing', 'in-progress')

-- name: end_fenced_sessions
-- The sessions of a node judged dead (application name $1) caught mid-transaction: a hung
-- node's open transactions hold locks the others would wait on; ended, they roll back.
-- Only this database's sessions: another database on the server may name a node alike.
SELECT count(pg_terminate_backend(pid))
FROM pg_stat_activity
WHERE application_name = $1 AND state <> 'idle' AND pid <> pg_backend_pid()
  AND datname = current_database()

-- name: pacing_odds
-- For predictive pacing, from the running counts (migration 0014) since $2: calls
-- placed, persons reached (contacted or abandoned) and machines, for each open zone ($3)
-- at the hour of the day it is there now — the same UTC hour of the day ($4) for every
-- zone, Indonesia's offsets being fixed — and over all hours and zones; and the persons
-- reached and abandoned since $5 (the last 24 hours, whole hours).
WITH counted AS (
    SELECT zone, extract(hour FROM hour AT TIME ZONE 'UTC')::int AS utc_hour, hour, result, n
    FROM attempt_counts
    WHERE campaign_id = $1 AND placed AND hour >= least($2::timestamptz, $5::timestamptz)
      AND result <> 'canceled'
)
SELECT coalesce(jsonb_agg(z) FILTER (WHERE z.zone IS NOT NULL), '[]') AS zones,
       (SELECT jsonb_build_object(
            'placed', coalesce(sum(n), 0),
            'persons', coalesce(sum(n) FILTER (WHERE result IN ('contacted', 'abandoned')), 0),
            'machines', coalesce(sum(n) FILTER (WHERE result = 'machine'), 0))
        FROM counted WHERE hour >= $2) AS overall,
       (SELECT jsonb_build_object(
            'persons', coalesce(sum(n) FILTER (WHERE result IN ('contacted', 'abandoned')), 0),
            'abandoned', coalesce(sum(n) FILTER (WHERE result = 'abandoned'), 0))
        FROM counted WHERE hour >= $5) AS day
FROM (
    SELECT c.zone, sum(c.n) AS placed,
           sum(c.n) FILTER (WHERE c.result IN ('contacted', 'abandoned')) AS persons
    FROM counted c
    WHERE c.hour >= $2 AND c.zone = ANY($3::text[]) AND c.utc_hour = $4
    GROUP BY c.zone
) z

-- name: pacing_timings
-- For predictive pacing, from the campaign's last 300 ended calls (an index range, not
-- a scan of the campaign): the mean seconds from placing a call to knowing a person
-- answered (handed to an agent or put on hold), and from an agent taking the person to
-- the call's end; with how many calls each mean is of.
SELECT avg(date_part('epoch', coalesce(waiting_since, bridged_at) - coalesce(placed_at, created_at)))
           FILTER (WHERE coalesce(waiting_since, bridged_at) IS NOT NULL) AS verdict_seconds,
       count(*) FILTER (WHERE coalesce(waiting_since, bridged_at) IS NOT NULL) AS verdicts,
       avg(date_part('epoch', ended_at - bridged_at))
           FILTER (WHERE bridged_at IS NOT NULL AND ended_at IS NOT NULL) AS talk_seconds,
       count(*) FILTER (WHERE bridged_at IS NOT NULL AND ended_at IS NOT NULL) AS talks
FROM (
    SELECT waiting_since, bridged_at, placed_at, created_at, ended_at
    FROM attempts
    WHERE campaign_id = $1 AND result IS NOT NULL
    ORDER BY id DESC
    LIMIT 300
) recent

-- name: save_pacing
-- Campaign $1 paced at $2 in mode $3: its target $4, the target in force $5, slowed $6
-- (since $7 when it is), the estimates $8.
INSERT INTO campaign_pacing (campaign_id, sized_at, mode, target_percent, effective_percent,
                             slowed, slowed_at, estimates)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (campaign_id) DO UPDATE
SET sized_at = EXCLUDED.sized_at, mode = EXCLUDED.mode,
    target_percent = EXCLUDED.target_percent, effective_percent = EXCLUDED.effective_percent,
    slowed = EXCLUDED.slowed, slowed_at = EXCLUDED.slowed_at, estimates = EXCLUDED.estimates

-- name: pacing_slowed
-- Whether campaign $1's pacer last slowed down for its abandon rate, and since when.
SELECT slowed, slowed_at FROM campaign_pacing WHERE campaign_id = $1
