-- Accounts, sign-in throttling, machine tokens and the audit log.

CREATE TABLE users (
    id              BIGSERIAL PRIMARY KEY,
    email           TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('owner', 'pm', 'support', 'viewer')),
    password_hash   TEXT NOT NULL,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    -- Bumped to end every session of the user (deactivation, password change).
    session_version INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_sign_in_at TIMESTAMPTZ
);
-- Emails are stored lower-cased by the application; the index makes duplicates impossible.
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE sign_in_failures (
    id        BIGSERIAL PRIMARY KEY,
    email     TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failures_email_at ON sign_in_failures (email, at);
CREATE INDEX sign_in_failures_ip_at ON sign_in_failures (client_ip, at);

CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT NOT NULL,
    -- SHA-256 of the secret: tokens are 256 random bits, so a fast hash is enough.
    token_hash   TEXT NOT NULL UNIQUE,
    -- First characters of the secret, so a leaked token can be recognised in the list.
    token_prefix TEXT NOT NULL,
    scopes       TEXT[] NOT NULL,
    environment  TEXT,
    created_by   BIGINT REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);

CREATE TABLE audit_log (
    id            BIGSERIAL PRIMARY KEY,
    at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_user_id BIGINT REFERENCES users (id),
    -- 'user:<email>', 'token:<name>', 'cli' or 'system'.
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    entity_type   TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    before        JSONB,
    after         JSONB,
    client_ip     TEXT
);
CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);
CREATE INDEX audit_log_actor ON audit_log (actor);
