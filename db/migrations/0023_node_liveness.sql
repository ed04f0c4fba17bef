-- Fast failover (issue 19, point 8). A node's liveness is known to the others within
-- seconds: each node holds a session advisory lock (namespace 0x6e64 "nd", its id) on a
-- connection of its own — the lock dies with the connection of a killed process — and
-- heartbeats alive_at every second or so in the database's time (the nodes' clocks may be
-- virtual, and differ). A node with neither is judged dead by the others: its epoch moves
-- on (fenced_at set; fenced_from and fenced_below bound the ids of the attempts it may
-- have had live), so a node that was only paused learns on its next heartbeat that its
-- claims were reclaimed, and which calls to end.
ALTER TABLE nodes
    ADD COLUMN id           integer GENERATED ALWAYS AS IDENTITY,
    ADD COLUMN alive_at     timestamptz,
    ADD COLUMN epoch        bigint NOT NULL DEFAULT 0,
    ADD COLUMN fenced_at    timestamptz,
    ADD COLUMN fenced_from  bigint,
    ADD COLUMN fenced_below bigint;
CREATE UNIQUE INDEX nodes_id ON nodes (id);

-- The live attempts of one node, for the failover's reclaim.
CREATE INDEX attempts_live_node ON attempts (node, id)
    WHERE state IN ('queued', 'dialing', 'ringing', 'in-progress');
