-- Issue 21: a person who answered waits for an agent at most the campaign's connect
-- limit (2 s by default, from the answering-machine verdict; Ofcom), then hears the
-- information message and the call counts abandoned. The deadline is decided once, when
-- the call starts waiting, and kept on the attempt: every node's sweep, the hold
-- webhook and an agent who becomes free read the same moment.
ALTER TABLE attempts ADD COLUMN hold_until timestamptz;
UPDATE attempts SET hold_until = coalesce(answered_at, waiting_since) + interval '20 seconds'
WHERE waiting_since IS NOT NULL AND state IN ('queued', 'dialing', 'ringing', 'in-progress');
