-- A target being dialled keeps its state; its live attempt is what says "dialling".
--
-- The claim used to update each claimed target (state 'dialing', attempts + 1): a
-- non-HOT update of a wide row with three index entries, about 45 µs a target and
-- half of the claim's time. The claim already skips every number with a live call
-- (attempts_live_number), and attempts_live_target allows one live attempt per target,
-- so the live attempt alone keeps a target from being dialled twice. The target is now
-- written once per attempt, when the attempt ends (attempts + 1, result counts, next
-- state), in the transaction that ends it.
UPDATE targets SET state = 'ready', attempts = greatest(attempts - 1, 0)
WHERE state = 'dialing';  -- their live attempt is counted when it ends
ALTER TABLE targets DROP CONSTRAINT targets_state;
ALTER TABLE targets ADD CONSTRAINT targets_state CHECK (state IN ('ready', 'scheduled', 'done'));

-- Fewer index entries per attempt written (each callback rewrites its attempt, and
-- no attempt update is HOT: its state decides the live indexes):
-- a call SID is unique, but an attempt has none until it is placed;
ALTER TABLE attempts DROP CONSTRAINT attempts_call_sid_key;
CREATE UNIQUE INDEX attempts_call_sid ON attempts (call_sid) WHERE call_sid IS NOT NULL;
-- live attempts per campaign are found through attempts_live_target, and the
-- reconciler's scan for stale ones reads the few live attempts anyway.
DROP INDEX attempts_live;

-- The claim writes 100 attempts at a time, and the key to campaigns checked each one
-- (about 8 µs an attempt, a seventh of the claim). The claim reads the campaign, running,
-- in the same statement, and the product never deletes a campaign (it finishes).
ALTER TABLE attempts DROP CONSTRAINT attempts_campaign_id_fkey;
