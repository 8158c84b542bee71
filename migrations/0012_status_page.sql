-- The public status page: its components (in groups, ordered), what drives each one's status
-- (linked monitors with an editable rule, open incidents that name it, maintenance in progress,
-- a manual override with an expiry), the history of those statuses for the 90-day bars, and the
-- page's branding. Incidents and maintenance windows are read from their own tables, read-only.

CREATE TABLE status_settings (
    id          BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    -- Statuspage's page id: random, stable, public.
    page_id     TEXT NOT NULL DEFAULT substr(replace(gen_random_uuid()::text, '-', ''), 1, 12),
    page_name   TEXT NOT NULL DEFAULT 'Status',
    logo_url    TEXT NOT NULL DEFAULT '',
    accent      TEXT NOT NULL DEFAULT '#2563eb',
    support_url TEXT NOT NULL DEFAULT '',
    -- IANA name: days of the uptime bars and the times shown on the page.
    time_zone   TEXT NOT NULL DEFAULT 'UTC',
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO status_settings DEFAULT VALUES;

CREATE TABLE status_components (
    id                    BIGSERIAL PRIMARY KEY,
    name                  TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    description           TEXT NOT NULL DEFAULT '',
    -- A group holds components (one level, as on Statuspage); its status is its members' worst.
    is_group              BOOLEAN NOT NULL DEFAULT FALSE,
    group_id              BIGINT REFERENCES status_components (id) ON DELETE SET NULL,
    position              INTEGER NOT NULL,
    only_show_if_degraded BOOLEAN NOT NULL DEFAULT FALSE,
    hidden                BOOLEAN NOT NULL DEFAULT FALSE,
    -- Maintenance in Pitwall is site-wide (the gate): a component opts out when the gate does not cover it.
    covered_by_maintenance BOOLEAN NOT NULL DEFAULT TRUE,
    -- The rule for linked monitors: what a down and a degraded monitor make of this component.
    down_status           TEXT NOT NULL DEFAULT 'major_outage'
                          CHECK (down_status IN ('degraded_performance', 'partial_outage', 'major_outage')),
    degraded_status       TEXT NOT NULL DEFAULT 'degraded_performance'
                          CHECK (degraded_status IN ('degraded_performance', 'partial_outage', 'major_outage')),
    override_status       TEXT CHECK (override_status IN ('operational', 'degraded_performance', 'partial_outage',
                                                          'major_outage', 'under_maintenance')),
    -- NULL with an override: until someone clears it.
    override_until        TIMESTAMPTZ,
    -- The last status recorded in the history (by the recorder job, once across processes).
    status                TEXT NOT NULL DEFAULT 'operational',
    status_since          TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (NOT (is_group AND group_id IS NOT NULL)),
    CHECK (override_until IS NULL OR override_status IS NOT NULL)
);
CREATE UNIQUE INDEX status_components_name ON status_components (lower(name));

CREATE TABLE status_component_monitors (
    component_id BIGINT NOT NULL REFERENCES status_components (id) ON DELETE CASCADE,
    monitor_id   BIGINT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    PRIMARY KEY (component_id, monitor_id)
);

-- Each status a component entered, and when: the uptime bars are drawn from it.
CREATE TABLE status_component_history (
    id           BIGSERIAL PRIMARY KEY,
    component_id BIGINT NOT NULL REFERENCES status_components (id) ON DELETE CASCADE,
    status       TEXT NOT NULL CHECK (status IN ('operational', 'degraded_performance', 'partial_outage',
                                                 'major_outage', 'under_maintenance')),
    at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX status_component_history_at ON status_component_history (component_id, at);

-- An incident update tells the public the incident's status when it was written (Statuspage's
-- `incident_updates[].status`): every event keeps the status its incident had then.
ALTER TABLE incident_events ADD COLUMN status TEXT;
UPDATE incident_events e SET status = i.status FROM incidents i WHERE i.id = e.incident_id;
ALTER TABLE incident_events ALTER COLUMN status SET NOT NULL;
CREATE FUNCTION incident_event_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT status INTO NEW.status FROM incidents WHERE id = NEW.incident_id;
    RETURN NEW;
END $$;
CREATE TRIGGER incident_events_status BEFORE INSERT ON incident_events
    FOR EACH ROW EXECUTE FUNCTION incident_event_status();

-- Every process keeps the public page in memory and rebuilds it when anything it shows changes.
CREATE FUNCTION notify_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pitwall_status', '');
    RETURN NULL;
END $$;
CREATE TRIGGER status_settings_changed AFTER INSERT OR UPDATE OR DELETE ON status_settings
    FOR EACH ROW EXECUTE FUNCTION notify_status_changed();
CREATE TRIGGER status_components_changed AFTER INSERT OR UPDATE OR DELETE ON status_components
    FOR EACH ROW EXECUTE FUNCTION notify_status_changed();
CREATE TRIGGER status_component_monitors_changed AFTER INSERT OR UPDATE OR DELETE ON status_component_monitors
    FOR EACH ROW EXECUTE FUNCTION notify_status_changed();
CREATE TRIGGER status_incidents_changed AFTER INSERT OR UPDATE OR DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION notify_status_changed();
CREATE TRIGGER status_incident_events_changed AFTER INSERT OR UPDATE OR DELETE ON incident_events
    FOR EACH ROW EXECUTE FUNCTION notify_status_changed();
CREATE TRIGGER status_postmortems_changed AFTER INSERT OR UPDATE OR DELETE ON postmortems
    FOR EACH ROW EXECUTE FUNCTION notify_status_changed();
CREATE TRIGGER status_maintenance_windows_changed AFTER INSERT OR UPDATE OR DELETE ON maintenance_windows
    FOR EACH ROW EXECUTE FUNCTION notify_status_changed();
-- Monitors are written on every check: only a change of state concerns the page.
CREATE TRIGGER status_monitors_changed AFTER UPDATE OF state ON monitors
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION notify_status_changed();
CREATE TRIGGER status_monitors_removed AFTER DELETE ON monitors
    FOR EACH ROW EXECUTE FUNCTION notify_status_changed();
