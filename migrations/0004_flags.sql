-- Feature flags: environments, flags (one versioned definition each), segments, history,
-- scheduled changes, and what SDKs report back.

CREATE TABLE flag_environments (
    name        TEXT PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
    position    INT NOT NULL DEFAULT 100,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO flag_environments (name, position) VALUES ('development', 10), ('production', 20);
-- Flag tokens issued before environments existed keep working: their environment is created.
INSERT INTO flag_environments (name)
    SELECT DISTINCT environment FROM api_tokens
    WHERE environment IS NOT NULL AND environment ~ '^[a-z0-9][a-z0-9_-]{0,39}$'
    ON CONFLICT DO NOTHING;

-- The flag's whole definition (name, type, tags, per-environment strategies and variants) is
-- one JSON document in Unleash's terms: it is what history stores and revert restores.
CREATE TABLE flags (
    id          BIGSERIAL PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 255),
    definition  JSONB NOT NULL,
    archived    BOOLEAN NOT NULL DEFAULT false,
    version     INT NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by  TEXT NOT NULL
);

CREATE TABLE flag_versions (
    flag_id     BIGINT NOT NULL REFERENCES flags(id) ON DELETE CASCADE,
    version     INT NOT NULL,
    definition  JSONB NOT NULL,
    archived    BOOLEAN NOT NULL,
    summary     TEXT NOT NULL,
    changed_by  TEXT NOT NULL,
    changed_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (flag_id, version)
);

CREATE TABLE flag_segments (
    id          SERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    description TEXT NOT NULL DEFAULT '',
    constraints JSONB NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE flag_schedules (
    id           BIGSERIAL PRIMARY KEY,
    flag_id      BIGINT NOT NULL REFERENCES flags(id) ON DELETE CASCADE,
    environment  TEXT NOT NULL REFERENCES flag_environments(name),
    run_at       TIMESTAMPTZ NOT NULL,
    action       TEXT NOT NULL CHECK (action IN ('enable', 'disable', 'rollout')),
    rollout      INT CHECK (rollout BETWEEN 0 AND 100),
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_at   TIMESTAMPTZ,
    cancelled_at TIMESTAMPTZ,
    outcome      TEXT,
    CHECK ((action = 'rollout') = (rollout IS NOT NULL))
);
CREATE INDEX flag_schedules_due ON flag_schedules (run_at) WHERE applied_at IS NULL AND cancelled_at IS NULL;

-- Per-flag yes/no counts reported by SDKs, per hour.
CREATE TABLE flag_metrics (
    environment TEXT NOT NULL,
    flag_key    TEXT NOT NULL,
    hour        TIMESTAMPTZ NOT NULL,
    yes         BIGINT NOT NULL DEFAULT 0,
    no          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (environment, flag_key, hour)
);

CREATE TABLE flag_clients (
    environment TEXT NOT NULL,
    app_name    TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    sdk_version TEXT,
    last_seen   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (environment, app_name, instance_id)
);

-- Every process keeps compiled flags and flag tokens in memory; any change to them says so.
CREATE FUNCTION notify_flags_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pitwall_flags', TG_TABLE_NAME);
    RETURN NULL;
END $$;
CREATE TRIGGER flags_changed AFTER INSERT OR UPDATE OR DELETE ON flags
    FOR EACH STATEMENT EXECUTE FUNCTION notify_flags_changed();
CREATE TRIGGER flag_segments_changed AFTER INSERT OR UPDATE OR DELETE ON flag_segments
    FOR EACH STATEMENT EXECUTE FUNCTION notify_flags_changed();
CREATE TRIGGER flag_environments_changed AFTER INSERT OR UPDATE OR DELETE ON flag_environments
    FOR EACH STATEMENT EXECUTE FUNCTION notify_flags_changed();
CREATE TRIGGER api_tokens_changed AFTER INSERT OR UPDATE OF revoked_at, scopes, environment OR DELETE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_flags_changed();
