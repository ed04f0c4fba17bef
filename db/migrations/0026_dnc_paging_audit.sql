-- Issue 20: the do-not-call list on the manager's page is read newest first, a page at
-- a time (keyset on added_at, msisdn), and a number taken off it is audited: who, when,
-- why, and the entry as it was (the row itself is gone). Additions by hand are audited
-- the same way; imports are audited by their source (file:…) on the entries.
CREATE INDEX dnc_newest ON dnc (added_at DESC, msisdn DESC);

CREATE TABLE dnc_events (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    msisdn   text NOT NULL,
    action   text NOT NULL CHECK (action IN ('added', 'removed')),
    reason   text NOT NULL,
    actor    text NOT NULL,
    at       timestamptz NOT NULL DEFAULT now(),
    details  jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX dnc_events_msisdn ON dnc_events (msisdn, at);
