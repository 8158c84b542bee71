-- Status page subscribers: email (double opt-in, from the public page) and webhooks (added by
-- the owner), optionally to chosen components; notified through the alerts' outbox, each
-- notification exactly once however many processes run.

-- Signs confirmation links.
ALTER TABLE status_settings
    ADD COLUMN signing_key TEXT NOT NULL DEFAULT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');

CREATE TABLE status_subscribers (
    id                   BIGSERIAL PRIMARY KEY,
    kind                 TEXT NOT NULL CHECK (kind IN ('email', 'webhook')),
    -- The email address or the webhook URL.
    address              TEXT NOT NULL,
    -- Webhooks: the HMAC signing secret.
    secret               TEXT,
    -- Empty: every component.
    components           BIGINT[] NOT NULL DEFAULT '{}',
    -- In the unsubscribe link: 256 random bits.
    token                TEXT NOT NULL UNIQUE
                         DEFAULT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''),
    confirmed_at         TIMESTAMPTZ,
    confirmation_sent_at TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX status_subscribers_address ON status_subscribers (kind, lower(address));

-- Sign-ups by client address, for the rate limit.
CREATE TABLE status_signups (
    client_ip TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX status_signups_by_ip ON status_signups (client_ip, at);

-- What subscribers were told of: the first process to insert a key sends it.
CREATE TABLE status_notified (
    key TEXT PRIMARY KEY,
    at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The outbox carries messages to recipients that are not alert channels: status subscribers.
ALTER TABLE alert_outbox ALTER COLUMN channel_id DROP NOT NULL;
ALTER TABLE alert_outbox
    ADD COLUMN recipient_kind   TEXT CHECK (recipient_kind IN ('email', 'webhook')),
    ADD COLUMN recipient        TEXT,
    ADD COLUMN recipient_secret TEXT,
    ADD CONSTRAINT alert_outbox_one_recipient
        CHECK ((channel_id IS NULL) = (recipient IS NOT NULL AND recipient_kind IS NOT NULL));
ALTER TABLE alert_outbox DROP CONSTRAINT alert_outbox_kind_check;
ALTER TABLE alert_outbox ADD CONSTRAINT alert_outbox_kind_check
    CHECK (kind IN ('alert', 'recovery', 'test', 'reminder', 'notification', 'confirmation'));
