-- Per monitor: which channels its alerts go to (instead of the default routing), a reminder
-- while it stays down, and an incident declared once it has been down long enough. Pitwall
-- watches itself out of the box. Health documents' services get rollups of their own, so the
-- charts draw a line per service over any range.

ALTER TABLE monitors DROP CONSTRAINT monitors_kind_check;
ALTER TABLE monitors ADD CONSTRAINT monitors_kind_check
    CHECK (kind IN ('http', 'tcp', 'postgres', 'redis', 'push', 'pitwall'));

ALTER TABLE monitors
    -- TRUE: only the channels in monitor_alert_channels get this monitor's alerts (none: silent).
    ADD COLUMN custom_routing    BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN reminder_s        INTEGER CHECK (reminder_s BETWEEN 60 AND 86400),
    -- The last reminder of the current outage (NULL: none yet; the count starts at state_since).
    ADD COLUMN reminded_at       TIMESTAMPTZ,
    ADD COLUMN incident_after_s  INTEGER CHECK (incident_after_s BETWEEN 60 AND 86400),
    ADD COLUMN incident_severity SMALLINT CHECK (incident_severity BETWEEN 1 AND 4),
    ADD COLUMN incident_id       BIGINT REFERENCES incidents (id) ON DELETE SET NULL,
    -- The state_since of the outage the incident was declared for: one incident per outage,
    -- even when somebody resolves it while the monitor is still down.
    ADD COLUMN incident_for      TIMESTAMPTZ,
    ADD CONSTRAINT monitors_incident_rule CHECK ((incident_after_s IS NULL) = (incident_severity IS NULL));

CREATE TABLE monitor_alert_channels (
    monitor_id BIGINT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    channel_id BIGINT NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
    PRIMARY KEY (monitor_id, channel_id)
);

ALTER TABLE alert_outbox DROP CONSTRAINT alert_outbox_kind_check;
ALTER TABLE alert_outbox ADD CONSTRAINT alert_outbox_kind_check
    CHECK (kind IN ('alert', 'recovery', 'reminder', 'test'));

-- A health document's services per bucket: how often each was unhealthy and how fast it answered.
CREATE TABLE monitor_service_rollups (
    monitor_id BIGINT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    service    TEXT NOT NULL,
    size       TEXT NOT NULL CHECK (size IN ('minute', 'hour', 'day')),
    bucket     TIMESTAMPTZ NOT NULL,
    checks     INTEGER NOT NULL,
    unhealthy  INTEGER NOT NULL,
    avg_ms     DOUBLE PRECISION,
    max_ms     DOUBLE PRECISION,
    PRIMARY KEY (monitor_id, size, bucket, service)
);
CREATE INDEX monitor_service_rollups_age ON monitor_service_rollups (size, bucket);

-- Pitwall itself: its database answers and none of its job loops has stalled.
INSERT INTO monitors (name, kind, interval_s, timeout_s, grace_s, failure_threshold, success_threshold)
VALUES ('Pitwall', 'pitwall', 60, 10, 60, 2, 2)
ON CONFLICT (name) DO NOTHING;
