-- Where alerts go.
CREATE TABLE alert_channels (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 80),
    kind          TEXT NOT NULL CHECK (kind IN ('email', 'slack', 'webhook')),
    -- Email: addresses, comma-separated; Slack and webhook: the URL.
    target        TEXT NOT NULL,
    -- Webhook: the HMAC signing secret (never shown again).
    secret        TEXT,
    -- Down always alerts every channel; degraded only those with this set.
    on_degraded   BOOLEAN NOT NULL,
    failing_since TIMESTAMPTZ,
    last_error    TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The one SMTP server email alerts go through.
CREATE TABLE smtp_settings (
    id           BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    host         TEXT NOT NULL,
    port         INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    security     TEXT NOT NULL CHECK (security IN ('starttls', 'tls', 'none')),
    username     TEXT NOT NULL DEFAULT '',
    password     TEXT NOT NULL DEFAULT '',
    from_address TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Messages to send: written in the transaction that records the state change, sent by whichever
-- process leases them, retried with backoff.
CREATE TABLE alert_outbox (
    id              BIGSERIAL PRIMARY KEY,
    channel_id      BIGINT NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
    monitor_id      BIGINT REFERENCES monitors (id) ON DELETE SET NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('alert', 'recovery', 'test')),
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    -- The webhook's JSON (links relative to the console).
    payload         JSONB NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    attempts        INTEGER NOT NULL DEFAULT 0,
    delivered_at    TIMESTAMPTZ,
    gave_up_at      TIMESTAMPTZ,
    lease_owner     TEXT,
    lease_until     TIMESTAMPTZ
);
CREATE INDEX alert_outbox_due ON alert_outbox (next_attempt_at) WHERE delivered_at IS NULL AND gave_up_at IS NULL;

-- Each delivery attempt and the receiver's answer.
CREATE TABLE alert_attempts (
    id        BIGSERIAL PRIMARY KEY,
    outbox_id BIGINT NOT NULL REFERENCES alert_outbox (id) ON DELETE CASCADE,
    at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    ok        BOOLEAN NOT NULL,
    answer    TEXT NOT NULL
);
CREATE INDEX alert_attempts_by_outbox ON alert_attempts (outbox_id, at DESC);
