-- Caches apps report on (POST /api/v1/metrics/cache), with the rules that watch them.
CREATE TABLE caches (
    name            TEXT PRIMARY KEY,
    min_hit_rate    DOUBLE PRECISION NOT NULL DEFAULT 80,
    max_latency_ms  DOUBLE PRECISION NOT NULL DEFAULT 100,
    window_s        INTEGER NOT NULL DEFAULT 900 CHECK (window_s BETWEEN 60 AND 86400),
    min_requests    BIGINT NOT NULL DEFAULT 100,
    hit_rate_firing BOOLEAN NOT NULL DEFAULT FALSE,
    latency_firing  BOOLEAN NOT NULL DEFAULT FALSE,
    last_report_at  TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Reports as they came; kept 48 hours.
CREATE TABLE cache_samples (
    id             BIGSERIAL PRIMARY KEY,
    cache          TEXT NOT NULL REFERENCES caches (name) ON DELETE CASCADE,
    at             TIMESTAMPTZ NOT NULL,
    hits           BIGINT NOT NULL,
    misses         BIGINT NOT NULL,
    latency_avg_ms DOUBLE PRECISION,
    latency_p95_ms DOUBLE PRECISION
);
CREATE INDEX cache_samples_by_cache ON cache_samples (cache, at);
CREATE INDEX cache_samples_at ON cache_samples (at);

-- Hourly snapshots (the deploy guide's "snapshots horarios"); kept 400 days.
CREATE TABLE cache_hourly (
    cache          TEXT NOT NULL REFERENCES caches (name) ON DELETE CASCADE,
    hour           TIMESTAMPTZ NOT NULL,
    hits           BIGINT NOT NULL,
    misses         BIGINT NOT NULL,
    latency_avg_ms DOUBLE PRECISION,
    latency_p95_ms DOUBLE PRECISION,
    PRIMARY KEY (cache, hour)
);

-- A rule firing or recovering.
CREATE TABLE cache_events (
    id     BIGSERIAL PRIMARY KEY,
    cache  TEXT NOT NULL REFERENCES caches (name) ON DELETE CASCADE,
    at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    rule   TEXT NOT NULL CHECK (rule IN ('hit_rate', 'latency')),
    firing BOOLEAN NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX cache_events_by_cache ON cache_events (cache, at DESC);
