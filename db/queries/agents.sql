-- name: agent_state
-- Agent $1's state, with the campaign they work (and its name), call, node and last sighting.
SELECT s.user_id, s.campaign_id, c.name AS campaign, s.state, s.since, s.attempt_id,
       s.wrap_up_until, s.node, s.seen_at, s.pause_reason, s.then_pause
FROM agent_states s LEFT JOIN campaigns c ON c.id = s.campaign_id
WHERE s.user_id = $1

-- name: agent_state_for_update
-- Agent $1's state, locked for the rest of the transaction, as the agent changes it.
SELECT user_id, campaign_id, state, since, attempt_id, wrap_up_until, pause_reason
FROM agent_states WHERE user_id = $1 FOR UPDATE

-- name: agent_join
-- The agent takes calls for campaign $2 from now on (paused until they say otherwise).
INSERT INTO agent_states (user_id, campaign_id, state, since, node, seen_at)
VALUES ($1, $2, 'paused', $3, $4, $3)
ON CONFLICT (user_id) DO UPDATE
SET campaign_id = EXCLUDED.campaign_id, node = EXCLUDED.node, seen_at = EXCLUDED.seen_at,
    state = CASE WHEN agent_states.state IN ('on_call', 'wrap_up') THEN agent_states.state
                 ELSE 'paused' END,
    since = CASE WHEN agent_states.state IN ('on_call', 'wrap_up') THEN agent_states.since
                 ELSE EXCLUDED.since END

-- name: agent_set_state
-- available, paused (for reason $4) or offline: only from a state without a call.
UPDATE agent_states
SET state = $2, since = $3, seen_at = $3, attempt_id = NULL, wrap_up_until = NULL,
    pause_reason = $4
WHERE user_id = $1 AND state IN ('offline', 'available', 'paused', 'wrap_up')
RETURNING campaign_id

-- name: agent_then_pause
-- Agent $1, on a call or in its after-call work, asks to be paused for reason $2 when
-- the after-call work ends (NULL: available, as usual).
UPDATE agent_states SET then_pause = $2
WHERE user_id = $1 AND state IN ('on_call', 'wrap_up')
RETURNING user_id

-- name: agent_seen
-- Agent $1's console connected to node $3: seen there at $2.
UPDATE agent_states SET seen_at = $2, node = $3 WHERE user_id = $1

-- name: reserve_agent
-- The campaign's longest-waiting free agent whose leg is connected (they can hear the
-- customer) takes call $2: never two agents on one
-- call (agent_states_attempt), never an agent who is not free (locked, state checked).
-- The choice is made once (MATERIALIZED): as a sub-select in UPDATE … FROM it could be
-- planned inside a loop over the agents' rows, and each run after the first skipped
-- the agent just taken (updated by this very statement) and chose the next one.
WITH free AS MATERIALIZED (
    SELECT s.user_id FROM agent_states s
    JOIN agent_legs l ON l.user_id = s.user_id AND l.state = 'connected'
    WHERE s.campaign_id = $1 AND s.state = 'available'
    ORDER BY s.since, s.user_id
    LIMIT 1
    FOR UPDATE OF s SKIP LOCKED
)
UPDATE agent_states s
SET state = 'on_call', attempt_id = $2, since = $3
FROM free
WHERE s.user_id = free.user_id AND s.state = 'available'
RETURNING s.user_id

-- name: take_call
-- A free agent whose leg is connected takes a given call (one waiting on hold).
UPDATE agent_states
SET state = 'on_call', attempt_id = $2, since = $3
WHERE user_id = $1 AND state = 'available'
  AND EXISTS (SELECT 1 FROM agent_legs l WHERE l.user_id = $1 AND l.state = 'connected')
RETURNING user_id

-- name: bridge_attempt
-- Call $1 goes to agent $2, bridged at $3; its call SID and campaign.
UPDATE attempts
SET agent_id = $2, bridged_at = $3, updated_at = $3
WHERE id = $1
RETURNING call_sid, campaign_id

-- name: oldest_waiting
-- The call waiting longest on hold in campaign $1 whose wait has not run out at $2.
SELECT id, call_sid FROM attempts
WHERE campaign_id = $1 AND waiting_since IS NOT NULL AND hold_until > $2
  AND agent_id IS NULL AND NOT abandoned
  AND state IN ('queued', 'dialing', 'ringing', 'in-progress')
ORDER BY waiting_since, id
LIMIT 1
FOR UPDATE SKIP LOCKED

-- name: start_waiting
-- Call $1 waits on hold for a free agent from $2, until $3 at most.
UPDATE attempts SET waiting_since = $2, hold_until = $3, updated_at = $2 WHERE id = $1

-- name: abandon_overdue
-- Answered calls that waited on hold past their deadline (``hold_until``): abandoned;
-- each hears the information message.
UPDATE attempts a
SET abandoned = true, updated_at = $1::timestamptz
FROM campaigns c
WHERE c.id = a.campaign_id
  AND a.waiting_since IS NOT NULL AND a.agent_id IS NULL AND NOT a.abandoned
  AND a.state IN ('queued', 'dialing', 'ringing', 'in-progress')
  AND a.hold_until <= $1::timestamptz
RETURNING a.id, a.call_sid, c.definition->'voice' AS voice

-- name: end_wrap_ups
-- After-call work over: available again, waiting since the moment it ended — or paused
-- with the reason the agent gave, when they asked to pause after the call.
UPDATE agent_states s
SET state = CASE WHEN s.then_pause IS NULL THEN 'available' ELSE 'paused' END,
    pause_reason = s.then_pause, then_pause = NULL,
    since = s.wrap_up_until, attempt_id = NULL, wrap_up_until = NULL
WHERE s.state = 'wrap_up' AND s.wrap_up_until <= $1
RETURNING s.user_id, s.campaign_id, s.state

-- name: agents_gone_silent
-- Consoles not heard from since $1: offline (an agent on a call keeps it).
UPDATE agent_states
SET state = 'offline', since = $2
WHERE state IN ('available', 'paused') AND seen_at < $1
RETURNING user_id

-- name: agent_wrap_up
-- The outcome is in: after-call work until $3.
UPDATE agent_states
SET state = 'wrap_up', wrap_up_until = $3, since = $2
WHERE user_id = $1 AND state = 'on_call'
RETURNING attempt_id

-- name: agent_call
-- The call agent $1 holds, with its customer: only their own (the join is on the
-- agent's row, so no other call can be read this way). The campaign's definition is
-- not read (each node keeps it by version: ``Pops.campaign``); the places of the
-- voucher quota taken and when the customer's row came with the list are.
SELECT s.state AS agent_state, s.since, s.wrap_up_until, s.pause_reason, s.then_pause,
       a.id AS attempt_id,
       a.state AS call_state, a.call_sid, a.answered_at, a.bridged_at, a.ended_at,
       a.joined_at, a.left_at, a.on_hold,
       (SELECT json_build_object('id', x.id, 'state', x.state, 'number', x.number,
                                 'category', x.category, 'destination', x.destination,
                                 'error', x.error, 'warm', x.warm, 'answered_at', x.answered_at,
                                 'log_text', x.log_text)
        FROM transfers x WHERE x.attempt_id = a.id ORDER BY x.id DESC LIMIT 1) AS transfer,
       a.campaign_id, c.name AS campaign, c.version, u.display_name AS agent_name,
       t.id AS target_id, t.customer_id, t.name, t.indihome_number, t.msisdn, t.wa_number,
       t.tier, t.product, t.address, t.province, t.zone, t.bill_month, t.bill_amount,
       t.payment_channels, t.attempts, t.last_result,
       -- This call's number among the target's calls, from the calls themselves: the
       -- target's count grows when this call settles, the call's number must not.
       (SELECT count(*) FROM attempts p
        WHERE p.campaign_id = a.campaign_id AND p.target_id = a.target_id AND p.id <= a.id)
           AS attempt_number,
       i.finished_at AS list_as_of,
       coalesce((SELECT n.counted FROM voucher_counts n WHERE n.campaign_id = a.campaign_id), 0)
           AS vouchers_counted
FROM agent_states s
JOIN users u ON u.id = s.user_id
JOIN attempts a ON a.id = s.attempt_id
JOIN campaigns c ON c.id = a.campaign_id
JOIN targets t ON t.campaign_id = a.campaign_id AND t.id = a.target_id
LEFT JOIN target_imports i ON i.id = t.import_id
WHERE s.user_id = $1 AND s.state IN ('on_call', 'wrap_up')

-- name: campaign_version
-- The campaign $1's definition (JSON) and version.
SELECT version, definition FROM campaigns WHERE id = $1

-- name: outcome_of_attempt
-- The outcome recorded for call $1, if any (a repeated submit finds the first).
SELECT * FROM outcomes WHERE attempt_id = $1

-- name: outcome_call
-- The call agent $1 holds, if it is attempt $2, locked with its target.
SELECT a.id, a.campaign_id, a.target_id, a.call_sid, a.state AS call_state,
       a.conference_sid, a.left_at, c.definition, t.msisdn, t.indihome_number, t.tier, t.zone, t.name, t.bill_amount,
       coalesce((SELECT n.counted FROM voucher_counts n WHERE n.campaign_id = a.campaign_id), 0)
           AS vouchers_counted
FROM agent_states s
JOIN attempts a ON a.id = s.attempt_id
JOIN campaigns c ON c.id = a.campaign_id
JOIN targets t ON t.campaign_id = a.campaign_id AND t.id = a.target_id
WHERE s.user_id = $1 AND s.attempt_id = $2 AND s.state = 'on_call'
FOR UPDATE OF s, t

-- name: insert_outcome
-- Agent $4's outcome of call $1 (target $3 of campaign $2): code $5, answers, at $14; its row.
INSERT INTO outcomes (attempt_id, campaign_id, target_id, agent_id, code, details,
                      hub_penerima, address_valid, new_address, service_working, wa_number,
                      myindihome, notes, recorded_at, voucher_offered)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
RETURNING *

-- name: target_callback
-- The customer asked to be called back: a due callback is dialled first, by the rules.
UPDATE targets
SET state = 'scheduled', callback = true, next_attempt_at = $3, done_reason = NULL
WHERE campaign_id = $1 AND id = $2

-- name: target_finished
-- Target $2 of campaign $1 is done, for reason $3 (the outcome's code, or 'transferred').
UPDATE targets
SET state = 'done', done_reason = $3, callback = false, next_attempt_at = NULL
WHERE campaign_id = $1 AND id = $2

-- name: add_wrong_number
-- Mobile number $1 does not belong to IndiHome customer $2: found by outcome $3 at $4.
INSERT INTO wrong_numbers (msisdn, indihome_number, outcome_id, added_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING

-- name: insert_ticket
-- Outcome $1's ticket, opened $9: existing reference $4, or a new one by guide $5, due $10,
-- for tier $8 (the one confirmed on the call when its fields $7 hold one); its id.
INSERT INTO tickets (outcome_id, campaign_id, target_id, existing_ref, guide, category,
                     fields, tier, opened_at, due_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id

-- name: insert_closure_request
-- Outcome $1's request to close the service (arrears settled $4, modem returned $5) at $6.
INSERT INTO closure_requests (outcome_id, campaign_id, target_id, arrears_settled,
                              modem_returned, requested_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id

-- name: insert_follow_up
-- Outcome $1's follow-up of target $3 (campaign $2) for reason $4 (arrears paid $5, modem
-- returned $6), made at $7, due at $8; its id.
INSERT INTO follow_ups (outcome_id, campaign_id, target_id, reason, arrears_paid,
                        modem_returned, created_at, due_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id

-- name: insert_call_action
-- An action taken during call $1 (target $3 of campaign $2): kind $4, the row it made $5,
-- detail $6, at $7.
INSERT INTO call_actions (attempt_id, campaign_id, target_id, kind, ref, detail, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)

-- name: actions_of_call
-- The actions recorded for call $1, in order.
SELECT kind, ref, detail, recorded_at FROM call_actions WHERE attempt_id = $1 ORDER BY id

-- name: campaign_follow_ups
-- Campaign $1's follow-ups in state $3 (open, overdue: open past their deadline at $2,
-- closed, all), by deadline, at most $4; with the customer and the agent who found it.
SELECT f.id, f.campaign_id, t.indihome_number, t.name AS customer_name, t.msisdn, t.tier,
       f.reason, f.arrears_paid, f.modem_returned, f.created_at, f.due_at, f.closed_at,
       f.resolution, c.username AS closed_by, u.username AS agent,
       coalesce(u.display_name, u.username) AS agent_name,
       (f.closed_at IS NULL AND f.due_at < $2) AS overdue
FROM follow_ups f
JOIN outcomes o ON o.id = f.outcome_id
JOIN users u ON u.id = o.agent_id
LEFT JOIN users c ON c.id = f.closed_by
JOIN targets t ON t.campaign_id = f.campaign_id AND t.id = f.target_id
WHERE f.campaign_id = $1
  AND CASE $3::text
        WHEN 'open' THEN f.closed_at IS NULL
        WHEN 'overdue' THEN f.closed_at IS NULL AND f.due_at < $2
        WHEN 'closed' THEN f.closed_at IS NOT NULL
        ELSE true END
ORDER BY f.due_at, f.id
LIMIT $4

-- name: overdue_follow_ups
-- How many of campaign $1's open follow-ups are past their deadline at $2.
SELECT count(*) FROM follow_ups WHERE campaign_id = $1 AND closed_at IS NULL AND due_at < $2

-- name: close_follow_up
-- Close follow-up $1 at $2 by user $3 with resolution $4, if it is open.
UPDATE follow_ups SET closed_at = $2, closed_by = $3, resolution = $4
WHERE id = $1 AND closed_at IS NULL
RETURNING *

-- name: follow_up_exists
-- Whether follow-up $1 exists.
SELECT 1 FROM follow_ups WHERE id = $1

-- name: lock_agent
-- Lock agent $1's row: one outcome or transfer submit at a time per agent.
SELECT 1 FROM agent_states WHERE user_id = $1 FOR UPDATE

-- name: vouchers_taken
-- Customers of campaign $1 given the voucher so far (the ledger's count).
SELECT coalesce((SELECT counted FROM voucher_counts WHERE campaign_id = $1), 0)

-- name: agents_in_campaign
-- Of the agents $2 (those whose consoles one node holds), the ones working campaign $1.
SELECT user_id FROM agent_states
WHERE campaign_id = $1 AND state <> 'offline' AND user_id = ANY($2::bigint[])

-- name: bots_state
-- The bot agents $1 at $2: each marked present (at most every 15 s of the node's
-- clock, so their rows are seldom locked), with their state, call (and when it
-- ended) and leg.
WITH seen AS (
    UPDATE agent_states SET seen_at = $2
    WHERE user_id = ANY($1) AND state <> 'offline' AND seen_at < $2::timestamptz - interval '15 seconds'
    RETURNING user_id
)
SELECT u.id AS user_id, coalesce(s.state, 'offline') AS state, s.campaign_id, s.attempt_id,
       t.msisdn, t.wa_number, l.state AS leg_state, l.since AS leg_since,
       a.ended_at AS call_ended_at
FROM users u
LEFT JOIN agent_states s ON s.user_id = u.id
LEFT JOIN agent_legs l ON l.user_id = u.id
LEFT JOIN attempts a ON a.id = s.attempt_id
LEFT JOIN targets t ON t.campaign_id = a.campaign_id AND t.id = a.target_id
WHERE u.id = ANY($1)

-- name: transfer_of_attempt
-- The transfer of call $1 under way or done (a failed one does not count), if any.
SELECT id FROM transfers WHERE attempt_id = $1 AND state <> 'failed'

-- name: insert_transfer
-- Agent $4 asks at $9 to transfer call $1 to destination $5 (number $6), warm ($10) or
-- not, for category $7 of transfer guide $11, the customer having agreed ($12), with the
-- guide's log text $13: requested; its id.
INSERT INTO transfers (attempt_id, campaign_id, target_id, agent_id, destination, number,
                       category, notes, state, requested_at, warm, guide, consent, log_text)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'requested', $9, $10, $11, $12, $13)
RETURNING id

-- name: insert_informed
-- Agent $4 gave the customer of call $1 the information of category $6 of transfer guide
-- $5 at $8, logged as $7; nothing when it was recorded for that call and category already.
INSERT INTO informed (attempt_id, campaign_id, target_id, agent_id, guide, category,
                      log_text, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (attempt_id, category) DO NOTHING
RETURNING *

-- name: informed_of_call
-- The information of category $2 recorded for call $1 (a repeated submit finds it).
SELECT * FROM informed WHERE attempt_id = $1 AND category = $2

-- name: campaign_informed
-- Campaign $1's information given without a transfer, with the agent and the customer's
-- IndiHome number.
SELECT i.*, u.username AS agent, coalesce(u.display_name, u.username) AS agent_name,
       t.indihome_number
FROM informed i
JOIN users u ON u.id = i.agent_id
JOIN targets t ON t.campaign_id = i.campaign_id AND t.id = i.target_id
WHERE i.campaign_id = $1 ORDER BY i.id

-- name: transfer_done
-- Transfer $1 is done at $2; its row.
UPDATE transfers SET state = 'done', done_at = $2 WHERE id = $1 RETURNING *

-- name: transfer
-- Transfer $1.
SELECT * FROM transfers WHERE id = $1

-- name: transfer_failed
-- Transfer $1 failed at $3 with error $2 (the carrier refused it); its row.
UPDATE transfers SET state = 'failed', error = $2, done_at = $3 WHERE id = $1 RETURNING *

-- name: waiting_calls
-- Calls on hold, oldest first, each locked by one node's sweep (SKIP LOCKED).
SELECT id, campaign_id, call_sid FROM attempts
WHERE waiting_since IS NOT NULL AND agent_id IS NULL AND NOT abandoned
  AND state IN ('queued', 'dialing', 'ringing', 'in-progress')
ORDER BY waiting_since, id
LIMIT 200
FOR UPDATE SKIP LOCKED

-- name: mark_present
-- Consoles whose sockets this node holds ($1) are there. Only rows not marked for 10 s,
-- 200 at a time, and none another transaction holds (SKIP LOCKED): the reservation of an
-- agent for a call never waits on this, and few rows are ever locked by it at once.
WITH due AS MATERIALIZED (
    SELECT user_id FROM agent_states
    WHERE user_id = ANY($1) AND state <> 'offline'
      AND seen_at < $2::timestamptz - interval '10 seconds'
    ORDER BY seen_at
    LIMIT 200
    FOR UPDATE SKIP LOCKED
)
UPDATE agent_states s SET seen_at = $2
FROM due WHERE s.user_id = due.user_id

-- name: agent_ping
-- Agent $1's console says it is still there at $2.
UPDATE agent_states SET seen_at = $2 WHERE user_id = $1

-- name: joinable_campaigns
-- The campaigns agent $1 may join: running, assigned to them, with their titles.
SELECT c.name, c.state, c.definition->>'title' AS title
FROM campaigns c JOIN campaign_agents a ON a.campaign_id = c.id AND a.user_id = $1
WHERE c.state = 'running' ORDER BY c.name

-- name: agent_by_username
-- User $1 (by username): id, role, disabled.
SELECT id, username, display_name, role, disabled FROM users WHERE username = $1

-- name: assign_agent
-- Agent $2 may join campaign $1 from now on (assigned by $3); a row when newly assigned.
INSERT INTO campaign_agents (campaign_id, user_id, assigned_by) VALUES ($1, $2, $3)
ON CONFLICT (campaign_id, user_id) DO NOTHING
RETURNING user_id

-- name: unassign_agent
-- Agent $2 may no longer join campaign $1; a row when they were assigned.
DELETE FROM campaign_agents WHERE campaign_id = $1 AND user_id = $2
RETURNING user_id

-- name: unassigned_agent_offline
-- Agent $1, unassigned from campaign $2 while working it, goes offline at $3 unless on a
-- call (which ends as calls do).
UPDATE agent_states
SET state = 'offline', since = $3, attempt_id = NULL, wrap_up_until = NULL
WHERE user_id = $1 AND campaign_id = $2 AND state IN ('available', 'paused', 'wrap_up')
RETURNING user_id

-- name: agent_assigned
-- Whether agent $2 may join campaign $1.
SELECT EXISTS (SELECT FROM campaign_agents WHERE campaign_id = $1 AND user_id = $2)

-- name: campaign_assigned_agents
-- The agents assigned to campaign $1, by username, with their state in it now.
SELECT u.username, u.display_name, u.disabled, a.assigned_at, a.assigned_by,
       CASE WHEN s.campaign_id = a.campaign_id THEN s.state ELSE 'offline' END AS state
FROM campaign_agents a
JOIN users u ON u.id = a.user_id
LEFT JOIN agent_states s ON s.user_id = a.user_id
WHERE a.campaign_id = $1
ORDER BY u.username

-- name: campaign_tickets
-- Campaign $1's tickets in state $3 (open, overdue: open past their deadline at $2,
-- closed, all), by deadline (none last), at most $4.
SELECT k.id, k.campaign_id, t.indihome_number, t.name AS customer_name, k.tier,
       k.existing_ref, k.guide, k.category, k.fields, k.opened_at, k.due_at, k.closed_at,
       o.agent_id, u.username AS agent, coalesce(u.display_name, u.username) AS agent_name,
       k.close_note, (SELECT c.username FROM users c WHERE c.id = k.closed_by) AS closed_by,
       (k.closed_at IS NULL AND k.due_at IS NOT NULL AND k.due_at < $2) AS overdue
FROM tickets k
JOIN outcomes o ON o.id = k.outcome_id
JOIN users u ON u.id = o.agent_id
JOIN targets t ON t.campaign_id = k.campaign_id AND t.id = k.target_id
WHERE k.campaign_id = $1
  AND CASE $3::text
        WHEN 'open' THEN k.closed_at IS NULL
        WHEN 'overdue' THEN k.closed_at IS NULL AND k.due_at < $2
        WHEN 'closed' THEN k.closed_at IS NOT NULL
        ELSE true END
ORDER BY k.due_at NULLS LAST, k.id
LIMIT $4

-- name: overdue_tickets
-- How many of campaign $1's open tickets are past their deadline at $2.
SELECT count(*) FROM tickets WHERE campaign_id = $1 AND closed_at IS NULL AND due_at < $2

-- name: close_ticket
-- Close ticket $1 at $2 by user $3 with note $4 if it is open; nothing when it is not (or
-- does not exist).
UPDATE tickets SET closed_at = $2, closed_by = $3, close_note = $4
WHERE id = $1 AND closed_at IS NULL RETURNING *

-- name: ticket_exists
-- Whether ticket $1 exists.
SELECT 1 FROM tickets WHERE id = $1

-- name: campaign_transfers
-- Campaign $1's transfers, with the agent and the customer's IndiHome number.
SELECT x.*, u.username AS agent, coalesce(u.display_name, u.username) AS agent_name,
       t.indihome_number
FROM transfers x
JOIN users u ON u.id = x.agent_id
JOIN targets t ON t.campaign_id = x.campaign_id AND t.id = x.target_id
WHERE x.campaign_id = $1 ORDER BY x.id

-- name: campaign_closure_requests
-- Campaign $1's closure requests, with the customer's IndiHome number.
SELECT c.*, t.indihome_number FROM closure_requests c
JOIN targets t ON t.campaign_id = c.campaign_id AND t.id = c.target_id
WHERE c.campaign_id = $1 ORDER BY c.id
