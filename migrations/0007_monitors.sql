-- Monitors: what is checked, how, and where it stands; the scheduler's lease lives on the row.
CREATE TABLE monitors (
    id                BIGSERIAL PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 80),
    kind              TEXT NOT NULL CHECK (kind IN ('http', 'tcp', 'postgres', 'redis', 'push')),
    -- The URL, host:port or DSN (may hold a password: views redact it).
    target            TEXT NOT NULL DEFAULT '',
    -- HttpSettings: method, headers (values may be secrets), body, follow_redirects, verify_tls.
    http              JSONB NOT NULL DEFAULT '{}',
    interval_s        INTEGER NOT NULL CHECK (interval_s BETWEEN 10 AND 86400),
    timeout_s         INTEGER NOT NULL CHECK (timeout_s BETWEEN 1 AND 120),
    grace_s           INTEGER NOT NULL CHECK (grace_s BETWEEN 1 AND 86400),
    conditions        TEXT[] NOT NULL DEFAULT '{}',
    failure_threshold INTEGER NOT NULL CHECK (failure_threshold BETWEEN 1 AND 20),
    success_threshold INTEGER NOT NULL CHECK (success_threshold BETWEEN 1 AND 20),
    -- Push monitors: the random key in their push URL.
    push_key          TEXT UNIQUE,
    state             TEXT NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'up', 'degraded', 'down', 'paused')),
    state_since       TIMESTAMPTZ NOT NULL DEFAULT now(),
    paused            BOOLEAN NOT NULL DEFAULT FALSE,
    bad_streak        INTEGER NOT NULL DEFAULT 0,
    good_streak       INTEGER NOT NULL DEFAULT 0,
    last_checked_at   TIMESTAMPTZ,
    last_response_ms  INTEGER,
    last_message      TEXT NOT NULL DEFAULT '',
    -- When the next check is due (for push monitors: when silence makes them down).
    next_check_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- A process holds the check until the lease runs out; a process that dies loses nothing.
    lease_owner       TEXT,
    lease_until       TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX monitors_due ON monitors (next_check_at) WHERE NOT paused;

-- Every check's result; kept 48 hours.
CREATE TABLE monitor_results (
    id             BIGSERIAL PRIMARY KEY,
    monitor_id     BIGINT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    at             TIMESTAMPTZ NOT NULL,
    outcome        TEXT NOT NULL CHECK (outcome IN ('up', 'degraded', 'down')),
    response_ms    INTEGER,
    status_code    INTEGER,
    message        TEXT NOT NULL DEFAULT '',
    -- [{condition, passed, detail}] and the health document's services.
    conditions     JSONB NOT NULL DEFAULT '[]',
    services       JSONB NOT NULL DEFAULT '[]',
    in_maintenance BOOLEAN NOT NULL DEFAULT FALSE,
    -- How long after its planned time the check was leased (NULL for pushes): the scheduler's
    -- own health, and what bench/monitors.sh reports.
    late_ms        INTEGER
);
CREATE INDEX monitor_results_by_monitor ON monitor_results (monitor_id, at DESC);
CREATE INDEX monitor_results_at ON monitor_results (at);

-- State changes and their causes.
CREATE TABLE monitor_events (
    id             BIGSERIAL PRIMARY KEY,
    monitor_id     BIGINT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    at             TIMESTAMPTZ NOT NULL,
    from_state     TEXT NOT NULL,
    to_state       TEXT NOT NULL,
    cause          TEXT NOT NULL,
    in_maintenance BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX monitor_events_by_monitor ON monitor_events (monitor_id, at DESC);
