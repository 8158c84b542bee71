-- Tokens follow their creator: while the user who issued a token is deactivated, the token does
-- not work. Flag tokens are cached by every process, so a change of `active` must notify them.
CREATE TRIGGER users_active_changed AFTER UPDATE OF active ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_flags_changed();

-- One-time set-up codes: each start of an instance without users adds one (printed in its log);
-- set-up takes any of them, and creating the first owner removes them all.
CREATE TABLE setup_codes (
    code_hash  TEXT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The retention jobs prune by time.
CREATE INDEX sign_in_failures_at ON sign_in_failures (at);
CREATE INDEX flag_metrics_hour ON flag_metrics (hour);
CREATE INDEX flag_clients_last_seen ON flag_clients (last_seen);
