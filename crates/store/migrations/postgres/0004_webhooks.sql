-- Notifications: a durable outbox of events and their webhook deliveries.
-- Publishing writes the event and one delivery (a job on the "webhook" queue)
-- per matching active subscription in the same transaction as the change
-- that caused it, so an event is never lost between the change and a send.
-- A delivery's id is its job's id; the job row carries its retry state.

CREATE TABLE webhook_subscriptions (
    id           UUID PRIMARY KEY,
    owner_org    UUID NOT NULL REFERENCES organizations(id),
    url          TEXT NOT NULL,
    -- The HMAC key, as given: it must be usable to sign, so it cannot be
    -- hashed. Never returned or logged after creation.
    secret       TEXT NOT NULL,
    -- JSON array of event types ("*" or "prefix.*" patterns allowed).
    event_types  TEXT NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at   BIGINT NOT NULL
);
CREATE INDEX webhook_subscriptions_owner ON webhook_subscriptions(owner_org);

CREATE TABLE outbox_events (
    id          UUID PRIMARY KEY,
    event_type  TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id               UUID PRIMARY KEY REFERENCES jobs(id),
    event_id         UUID NOT NULL REFERENCES outbox_events(id),
    subscription_id  UUID NOT NULL REFERENCES webhook_subscriptions(id),
    created_at       BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries(subscription_id);

CREATE TABLE webhook_attempts (
    id           UUID PRIMARY KEY,
    delivery_id  UUID NOT NULL REFERENCES webhook_deliveries(id),
    attempt      INTEGER NOT NULL,
    at           BIGINT NOT NULL,
    status_code  INTEGER,
    error        TEXT,
    outcome      TEXT NOT NULL CHECK (outcome IN ('delivered','retry','dead'))
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, at);
