-- Maintenance: windows (one-off and from recurrences), their history, and the gate's settings.

-- One row: what the gate needs besides the windows.
CREATE TABLE maintenance_settings (
    id              BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    site_name       TEXT NOT NULL DEFAULT 'Our site',
    -- Where the gate's visitors are sent: the site's own address (for the bypass link), status page, support.
    site_url        TEXT NOT NULL DEFAULT '',
    status_url      TEXT NOT NULL DEFAULT '',
    support_contact TEXT NOT NULL DEFAULT '',
    excluded_paths  TEXT[] NOT NULL DEFAULT ARRAY['/health', '/healthz', '/readyz', '/up', '/robots.txt', '/api/health'],
    -- 256 random bits each (two v4 UUIDs' hex); the cookie secret never leaves the server.
    bypass_key      TEXT NOT NULL DEFAULT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''),
    cookie_secret   TEXT NOT NULL DEFAULT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO maintenance_settings DEFAULT VALUES;

CREATE TABLE maintenance_allowlist (
    -- Canonical network text (`203.0.113.0/24`, `2001:db8::1/128`), written by the application.
    network    TEXT PRIMARY KEY,
    label      TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE maintenance_recurrences (
    id           BIGSERIAL PRIMARY KEY,
    reason       TEXT NOT NULL,
    message      TEXT NOT NULL,
    -- ISO weekdays, 1 = Monday.
    weekdays     SMALLINT[] NOT NULL,
    local_time   TEXT NOT NULL,
    timezone     TEXT NOT NULL,
    duration_s   INTEGER NOT NULL CHECK (duration_s > 0),
    active_from  DATE,
    active_until DATE,
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE maintenance_windows (
    id            BIGSERIAL PRIMARY KEY,
    reason        TEXT NOT NULL,
    message       TEXT NOT NULL,
    planned_start TIMESTAMPTZ NOT NULL,
    -- NULL: until someone ends it.
    planned_end   TIMESTAMPTZ CHECK (planned_end > planned_start),
    actual_start  TIMESTAMPTZ,
    actual_end    TIMESTAMPTZ,
    state         TEXT NOT NULL DEFAULT 'scheduled'
                  CHECK (state IN ('scheduled', 'in_progress', 'completed', 'cancelled')),
    -- Its whole span passed while no Pitwall process was running.
    missed        BOOLEAN NOT NULL DEFAULT FALSE,
    recurrence_id BIGINT REFERENCES maintenance_recurrences (id),
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- A recurrence's occurrence is materialised once, whichever process gets there first.
    UNIQUE (recurrence_id, planned_start),
    -- The last line against overlaps; the application names the other window before this fires.
    CONSTRAINT maintenance_windows_no_overlap EXCLUDE USING gist (tstzrange(planned_start, planned_end) WITH &&)
        WHERE (state IN ('scheduled', 'in_progress'))
);
CREATE INDEX maintenance_windows_due ON maintenance_windows (planned_start) WHERE state IN ('scheduled', 'in_progress');

-- Each window's history: scheduled, started, extended, ended, completed, cancelled, missed.
CREATE TABLE maintenance_events (
    id        BIGSERIAL PRIMARY KEY,
    window_id BIGINT NOT NULL REFERENCES maintenance_windows (id),
    at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    kind      TEXT NOT NULL,
    actor     TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX maintenance_events_window ON maintenance_events (window_id, at);
