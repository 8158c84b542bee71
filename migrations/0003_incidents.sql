-- Incidents: severities with SLA targets, incidents with their timeline, post-mortems and action items.

CREATE TABLE incident_severities (
    level               SMALLINT PRIMARY KEY CHECK (level BETWEEN 1 AND 4),
    name                TEXT NOT NULL,
    description         TEXT NOT NULL,
    examples            TEXT NOT NULL,
    response_target_s   INTEGER NOT NULL CHECK (response_target_s > 0),
    resolution_target_s INTEGER NOT NULL CHECK (resolution_target_s > 0),
    -- NULL: no public update cadence.
    update_cadence_s    INTEGER CHECK (update_cadence_s > 0),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO incident_severities (level, name, description, examples, response_target_s, resolution_target_s, update_cadence_s) VALUES
    (1, 'Critical', 'Service down for everyone.', 'Site unreachable; sign-in broken for all; data loss.', 900, 7200, 1800),
    (2, 'Major', 'Service degraded for many.', 'Checkout slow or failing for some; a core feature down.', 1800, 14400, 1800),
    (3, 'Minor', 'A minor feature is impaired; a workaround exists.', 'Exports delayed; one integration failing.', 7200, 86400, NULL),
    (4, 'Low', 'Cosmetic or low impact.', 'A typo on a page; a rarely used report is wrong.', 86400, 259200, NULL);

CREATE TABLE incidents (
    id                  BIGSERIAL PRIMARY KEY,
    title               TEXT NOT NULL,
    severity            SMALLINT NOT NULL CHECK (severity BETWEEN 1 AND 4),
    -- The targets it was declared (or last re-graded) under: later edits of the severities leave it alone.
    response_target_s   INTEGER NOT NULL CHECK (response_target_s > 0),
    resolution_target_s INTEGER NOT NULL CHECK (resolution_target_s > 0),
    update_cadence_s    INTEGER CHECK (update_cadence_s > 0),
    status              TEXT NOT NULL DEFAULT 'investigating'
                        CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
    impact              TEXT NOT NULL DEFAULT 'major' CHECK (impact IN ('none', 'minor', 'major', 'critical')),
    components          TEXT[] NOT NULL DEFAULT '{}',
    commander_id        BIGINT REFERENCES users (id),
    assignee_id         BIGINT REFERENCES users (id),
    started_at          TIMESTAMPTZ NOT NULL,
    declared_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    acknowledged_at     TIMESTAMPTZ,
    mitigated_at        TIMESTAMPTZ,
    resolved_at         TIMESTAMPTZ,
    -- Set by whichever process records the breach first: the timeline gets it exactly once.
    response_breach_recorded   BOOLEAN NOT NULL DEFAULT FALSE,
    resolution_breach_recorded BOOLEAN NOT NULL DEFAULT FALSE,
    created_by          TEXT NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (started_at <= declared_at),
    CHECK (acknowledged_at >= declared_at),
    CHECK (mitigated_at >= started_at),
    CHECK (resolved_at >= started_at),
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
CREATE INDEX incidents_open ON incidents (declared_at) WHERE status <> 'resolved';

CREATE TABLE incident_events (
    id          BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    kind        TEXT NOT NULL CHECK (kind IN ('declared', 'status', 'severity', 'assignment', 'edit', 'acknowledged',
                                              'note', 'update', 'breach', 'postmortem')),
    body        TEXT NOT NULL,
    -- Public updates appear on the status page; everything else is internal.
    public      BOOLEAN NOT NULL DEFAULT FALSE,
    author      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- When it happened, which may be earlier than when it was written down.
    occurred_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX incident_events_timeline ON incident_events (incident_id, occurred_at, id);

CREATE TABLE postmortems (
    incident_id  BIGINT PRIMARY KEY REFERENCES incidents (id),
    status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'in_review', 'published')),
    summary      TEXT NOT NULL DEFAULT '',
    impact       TEXT NOT NULL DEFAULT '',
    detection    TEXT NOT NULL DEFAULT '',
    root_cause   TEXT NOT NULL DEFAULT '',
    trigger      TEXT NOT NULL DEFAULT '',
    resolution   TEXT NOT NULL DEFAULT '',
    went_well    TEXT NOT NULL DEFAULT '',
    went_wrong   TEXT NOT NULL DEFAULT '',
    got_lucky    TEXT NOT NULL DEFAULT '',
    timeline     TEXT NOT NULL DEFAULT '',
    published_at TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by   TEXT NOT NULL
);

CREATE TABLE action_items (
    id          BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES postmortems (incident_id),
    title       TEXT NOT NULL,
    owner_id    BIGINT REFERENCES users (id),
    due_on      DATE,
    kind        TEXT NOT NULL CHECK (kind IN ('mitigate', 'prevent', 'process')),
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    done_at     TIMESTAMPTZ
);
CREATE INDEX action_items_open_due ON action_items (due_on) WHERE status = 'open';
