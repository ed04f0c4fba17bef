-- Login throttling (issue 19): failed logins counted per username and per client
-- address, shared by every node (the count lives here, not in a node's memory). A key
-- whose count passes its limit within the window is locked until locked_until: every
-- login it names is answered 429, the right password included.
CREATE TABLE login_failures (
    scope        text NOT NULL CHECK (scope IN ('user', 'address')),
    key          text NOT NULL,
    failures     integer NOT NULL CHECK (failures >= 0),
    window_start timestamptz NOT NULL,
    locked_until timestamptz,
    PRIMARY KEY (scope, key)
);

-- Old rows are swept by age (a window long over, no lock left).
CREATE INDEX login_failures_window ON login_failures (window_start);
