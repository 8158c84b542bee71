-- Results rolled up per minute and hour (from the raw results) and per day (from the hours),
-- so charts and uptime over long ranges never read raw rows. Kept 48 h, 90 days and 400 days.
CREATE TABLE monitor_rollups (
    monitor_id     BIGINT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    size           TEXT NOT NULL CHECK (size IN ('minute', 'hour', 'day')),
    bucket         TIMESTAMPTZ NOT NULL,
    checks         INTEGER NOT NULL,
    up             INTEGER NOT NULL,
    degraded       INTEGER NOT NULL,
    down           INTEGER NOT NULL,
    -- Checks taken during a maintenance window: shown as maintenance, left out of uptime.
    in_maintenance INTEGER NOT NULL,
    p50_ms         DOUBLE PRECISION,
    p95_ms         DOUBLE PRECISION,
    max_ms         INTEGER,
    PRIMARY KEY (monitor_id, size, bucket)
);
CREATE INDEX monitor_rollups_age ON monitor_rollups (size, bucket);

-- How far each size has been rolled up, so a process that was away catches up.
CREATE TABLE monitor_rollup_marks (
    size        TEXT PRIMARY KEY CHECK (size IN ('minute', 'hour', 'day')),
    rolled_from TIMESTAMPTZ NOT NULL
);
