-- Notifications: a durable outbox of events and their webhook deliveries.
-- Publishing writes the event and one delivery (a job on the "webhook" queue)
-- per matching active subscription in the same transaction as the change
-- that caused it, so an event is never lost between the change and a send.
-- A delivery's id is its job's id; the job row carries its retry state.

CREATE TABLE webhook_subscriptions (
    id           BLOB PRIMARY KEY NOT NULL,
    owner_org    BLOB NOT NULL REFERENCES organizations(id),
    url          TEXT NOT NULL,
    -- The HMAC key, as given: it must be usable to sign, so it cannot be
    -- hashed. Never returned or logged after creation.
    secret       TEXT NOT NULL,
    -- JSON array of event types ("*" or "prefix.*" patterns allowed).
    event_types  TEXT NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL
);
CREATE INDEX webhook_subscriptions_owner ON webhook_subscriptions(owner_org);

CREATE TABLE outbox_events (
    id          BLOB PRIMARY KEY NOT NULL,
    event_type  TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE webhook_deliveries (
    id               BLOB PRIMARY KEY NOT NULL REFERENCES jobs(id),
    event_id         BLOB NOT NULL REFERENCES outbox_events(id),
    subscription_id  BLOB NOT NULL REFERENCES webhook_subscriptions(id),
    created_at       INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries(subscription_id);

CREATE TABLE webhook_attempts (
    id           BLOB PRIMARY KEY NOT NULL,
    delivery_id  BLOB NOT NULL REFERENCES webhook_deliveries(id),
    attempt      INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    status_code  INTEGER,
    error        TEXT,
    outcome      TEXT NOT NULL CHECK (outcome IN ('delivered','retry','dead'))
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, at);
