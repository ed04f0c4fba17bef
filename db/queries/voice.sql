-- name: agent_leg
-- Agent $1's leg (their softphone, SIP address or phone number) and its state.
SELECT user_id, endpoint, address, state, call_sid, conference_sid, muted, reason, since
FROM agent_legs WHERE user_id = $1

-- name: leg_muted
-- The leg that is call $1 is muted ($2) or not, as its conference says; its agent.
UPDATE agent_legs SET muted = $2 WHERE call_sid = $1 RETURNING user_id

-- name: attempt_held
-- Call $1 is on hold ($2) or not in its agent's conference, as the conference says.
UPDATE attempts SET on_hold = $2, updated_at = $3 WHERE id = $1

-- name: call_to_control
-- The live call agent $1 holds, if it is attempt $2, with the agent's leg, locked.
SELECT a.id, a.call_sid, a.state, a.joined_at, a.left_at, a.on_hold, a.conference_sid,
       l.call_sid AS leg_sid, l.muted
FROM agent_states s
JOIN attempts a ON a.id = s.attempt_id
LEFT JOIN agent_legs l ON l.user_id = s.user_id
WHERE s.user_id = $1 AND s.attempt_id = $2 AND s.state = 'on_call'
FOR UPDATE OF s

-- name: agent_leg_for_update
-- Agent $1's leg, locked while it is replaced: the call it was, if still up.
SELECT call_sid FROM agent_legs WHERE user_id = $1 AND state <> 'dropped' FOR UPDATE

-- name: choose_leg
-- Agent $1 connects endpoint $2 (address $3) from $4: connecting, no call yet.
INSERT INTO agent_legs (user_id, endpoint, address, state, since)
VALUES ($1, $2, $3, 'connecting', $4)
ON CONFLICT (user_id) DO UPDATE
SET endpoint = EXCLUDED.endpoint, address = EXCLUDED.address, state = 'connecting',
    call_sid = NULL, conference_sid = NULL, muted = false, reason = NULL,
    since = EXCLUDED.since

-- name: leg_placed
-- Agent $1's connecting leg is call $2 (placed by the service, or dialled in by the
-- softphone); false when the agent is connecting no leg (then the call is not theirs).
UPDATE agent_legs SET call_sid = $2
WHERE user_id = $1 AND state = 'connecting' AND call_sid IS NULL
RETURNING true

-- name: leg_dialled_in
-- Agent $1's softphone dialled in as call $2 at $3: their leg, connecting (a softphone
-- may connect without asking first: it registers under the agent's identity). The
-- same call again (a repeated request) changes nothing: no row.
INSERT INTO agent_legs (user_id, endpoint, state, call_sid, since)
VALUES ($1, 'softphone', 'connecting', $2, $3)
ON CONFLICT (user_id) DO UPDATE
SET endpoint = 'softphone', address = NULL, state = 'connecting', call_sid = $2,
    conference_sid = NULL, muted = false, reason = NULL, since = $3
WHERE agent_legs.call_sid IS DISTINCT FROM $2
RETURNING user_id

-- name: leg_joined
-- Call $1 joined conference $2 (named $3) at $4: if it is an agent's leg into their own
-- conference, the leg is connected. Returns the agent.
UPDATE agent_legs SET state = 'connected', conference_sid = $2, since = $4, reason = NULL
WHERE call_sid = $1 AND state = 'connecting' AND 'agent-' || user_id = $3
RETURNING user_id

-- name: leg_left
-- Call $1 (an agent's leg) is gone at $3, for reason $2: dropped. Returns the agent.
UPDATE agent_legs SET state = 'dropped', reason = $2, since = $3
WHERE call_sid = $1 AND state <> 'dropped'
RETURNING user_id

-- name: drop_leg
-- Agent $1 hangs their leg up at $2 (or the console closed): dropped; the call to end.
UPDATE agent_legs SET state = 'dropped', reason = 'hung_up', since = $2
WHERE user_id = $1 AND state <> 'dropped'
RETURNING call_sid

-- name: attempt_voice
-- Call $1 as the voice path needs it, locked: its progress, who has it, and its
-- campaign's voice and hold limit.
SELECT a.id, a.campaign_id, a.state, a.call_sid, a.answered_at, a.agent_id, a.seat,
       a.waiting_since, a.abandoned, a.joined_at, a.conference_sid, a.left_at,
       a.bridge_failures, a.ended_at, a.hold_until,
       c.definition->'voice' AS voice,
       coalesce((c.definition->>'max_hold_seconds')::float8, 20) AS max_hold_seconds,
       coalesce((c.definition->>'wrap_up_seconds')::int, 15) AS wrap_up_seconds
FROM attempts a JOIN campaigns c ON c.id = a.campaign_id
WHERE a.id = $1
FOR UPDATE OF a

-- name: attempt_joined
-- Call $1 joined conference $2 at $3; true the first time (not again after a hold or a
-- failed transfer).
UPDATE attempts a SET joined_at = coalesce(a.joined_at, $3), conference_sid = $2, updated_at = $3
FROM (SELECT joined_at FROM attempts WHERE id = $1) before
WHERE a.id = $1
RETURNING before.joined_at IS NULL AS first

-- name: attempt_recorded
-- Call $1's recording: SID $2, URL $3, $4 seconds.
UPDATE attempts SET recording_sid = $2, recording_url = $3, recording_seconds = $4
WHERE id = $1

-- name: attempt_left
-- Call $1 left its conference at $2.
UPDATE attempts SET left_at = $2, updated_at = $2 WHERE id = $1 AND left_at IS NULL

-- name: bridge_failed
-- The bridge of call $1 failed at $2: no agent holds it any more, and it waits on hold
-- again (since its answer); counted.
UPDATE attempts
SET agent_id = NULL, bridged_at = NULL, joined_at = NULL, conference_sid = NULL,
    waiting_since = coalesce(waiting_since, answered_at, $2),
    bridge_failures = bridge_failures + 1, updated_at = $2
WHERE id = $1

-- name: release_agent
-- Agent $1 never got call $2 (its bridge failed): free again at $3, or paused when
-- their leg is not connected.
UPDATE agent_states s
SET state = CASE WHEN EXISTS (SELECT 1 FROM agent_legs l
                              WHERE l.user_id = s.user_id AND l.state = 'connected')
                 THEN 'available' ELSE 'paused' END,
    attempt_id = NULL, since = $3, wrap_up_until = NULL
WHERE user_id = $1 AND attempt_id = $2 AND state = 'on_call'
RETURNING user_id

-- name: bridges_overdue
-- Calls handed to an agent whose customer is still not in the agent's conference after
-- the campaign's bridge timeout, at $1: each locked by one node's sweep.
SELECT a.id FROM attempts a JOIN campaigns c ON c.id = a.campaign_id
WHERE a.agent_id IS NOT NULL AND a.joined_at IS NULL AND a.bridged_at IS NOT NULL
  AND a.state IN ('queued', 'dialing', 'ringing', 'in-progress')
  AND a.bridged_at < $1::timestamptz - make_interval(
        secs => coalesce((c.definition->'voice'->>'bridge_timeout_seconds')::int, 10))
FOR UPDATE OF a SKIP LOCKED

-- name: transfer_for_voice
-- Transfer $1 with its call and the agent, locked.
SELECT x.id, x.attempt_id, x.agent_id, x.state, x.number, x.campaign_id, x.target_id,
       a.call_sid, coalesce((c.definition->>'wrap_up_seconds')::int, 15) AS wrap_up_seconds,
       c.definition->'voice' AS voice
FROM transfers x
JOIN attempts a ON a.id = x.attempt_id
JOIN campaigns c ON c.id = x.campaign_id
WHERE x.id = $1
FOR UPDATE OF x

-- name: is_agent
-- Whether user $1 exists and is not disabled (an agent's leg, or a supervisor's).
SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND NOT disabled)

-- name: leg_refused
-- The carrier refused to connect agent $1's leg (reason $2) at $3: dropped.
UPDATE agent_legs SET state = 'dropped', reason = $2, since = $3
WHERE user_id = $1 AND state = 'connecting' AND call_sid IS NULL

-- name: drop_every_leg
-- Every leg still up is gone at $1 for reason $2 (the simulator's phones of a run that
-- ended, which died with its process); the agents whose legs they were.
UPDATE agent_legs SET state = 'dropped', reason = $2, since = $1
WHERE state <> 'dropped'
RETURNING user_id

-- name: agent_of_attempt
-- The agent holding call $1 (on it, or in after-call work), if any.
SELECT user_id FROM agent_states WHERE attempt_id = $1

-- name: insert_monitor
-- Supervisor $1 starts monitoring agent $2 in mode $3 through endpoint $4 ($5), in
-- conference $6, at $7: connecting; its id.
INSERT INTO monitors (supervisor_id, agent_id, mode, endpoint, address, state,
                      conference_sid, started_at)
VALUES ($1, $2, $3, $4, $5, 'connecting', $6, $7)
RETURNING id

-- name: monitor_placed
-- Monitoring $1 is call $2.
UPDATE monitors SET call_sid = $2 WHERE id = $1 AND call_sid IS NULL

-- name: monitor
-- Monitoring $1.
SELECT * FROM monitors WHERE id = $1

-- name: monitor_of_supervisor
-- Supervisor $1's live monitoring, locked, with the call of the agent's leg.
SELECT m.*, l.call_sid AS agent_leg
FROM monitors m LEFT JOIN agent_legs l ON l.user_id = m.agent_id
WHERE m.supervisor_id = $1 AND m.state <> 'ended'
FOR UPDATE OF m

-- name: monitor_mode
-- Monitoring $1 is now in mode $2.
UPDATE monitors SET mode = $2 WHERE id = $1 RETURNING *

-- name: monitor_joined
-- The call $1 of a monitoring joined its conference: connected; the monitoring.
UPDATE monitors SET state = 'connected' WHERE call_sid = $1 AND state = 'connecting'
RETURNING id

-- name: monitor_ended
-- The monitoring that is call $1 (or is monitoring $4) ended at $2 for reason $3 (the
-- first end counts; a later word of it changes nothing).
UPDATE monitors
SET state = 'ended', ended_at = coalesce(ended_at, $2), reason = coalesce(reason, $3)
WHERE call_sid = $1 OR id = $4
RETURNING id, call_sid

-- name: live_agents
-- Campaign $1's agents at work now: their state, phone, the call they hold (its
-- progress, not the customer), and who monitors them.
SELECT s.user_id, u.username, u.display_name, s.state, s.since, s.attempt_id, s.pause_reason,
       l.state AS phone, l.endpoint, a.state AS call_state, a.joined_at, a.on_hold,
       a.bridged_at, t.name AS customer_name, t.indihome_number, a.number AS customer_number,
       (SELECT json_agg(json_build_object('id', m.id, 'supervisor', v.username,
                                          'mode', m.mode, 'state', m.state))
        FROM monitors m JOIN users v ON v.id = m.supervisor_id
        WHERE m.agent_id = s.user_id AND m.state <> 'ended') AS monitors
FROM agent_states s
JOIN users u ON u.id = s.user_id
LEFT JOIN agent_legs l ON l.user_id = s.user_id
LEFT JOIN attempts a ON a.id = s.attempt_id
LEFT JOIN targets t ON t.campaign_id = a.campaign_id AND t.id = a.target_id
WHERE s.campaign_id = $1 AND s.state <> 'offline'
ORDER BY u.username

-- name: transfer_called
-- Warm transfer $1's destination is call $2.
UPDATE transfers SET destination_sid = $2 WHERE id = $1

-- name: transfer_of_destination
-- The warm transfer whose destination is call $1, locked.
SELECT x.*, a.call_sid AS customer_sid, a.conference_sid
FROM transfers x JOIN attempts a ON a.id = x.attempt_id
WHERE x.destination_sid = $1
FOR UPDATE OF x

-- name: transfer_answered_at
-- Warm transfer $1's destination is in the agent's conference from $2.
UPDATE transfers SET answered_at = $2 WHERE id = $1 AND answered_at IS NULL

-- name: warm_transfer_of_agent
-- Agent $1's warm transfer $2 under way, with the customer's call, locked.
SELECT x.*, a.call_sid AS customer_sid, a.conference_sid,
       coalesce((c.definition->>'wrap_up_seconds')::int, 15) AS wrap_up_seconds
FROM transfers x
JOIN attempts a ON a.id = x.attempt_id
JOIN campaigns c ON c.id = x.campaign_id
WHERE x.id = $2 AND x.agent_id = $1 AND x.warm AND x.state = 'requested'
FOR UPDATE OF x
