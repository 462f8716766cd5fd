-- Webhook hardening: a subscription acts for the user who made it (each
-- event reaches it only if that user may read what the event is about), and
-- its HMAC key is stored sealed (ChaCha20-Poly1305, nonce || ciphertext,
-- under a sub-key of the server's master key, never in the database).
--
-- The plaintext secrets of existing subscriptions cannot be sealed here (the
-- key is not in the database), so they are dropped and those subscriptions
-- turned off: their owners subscribe again through the API.

ALTER TABLE webhook_subscriptions ADD COLUMN created_by BLOB REFERENCES users(id);
ALTER TABLE webhook_subscriptions ADD COLUMN secret_sealed BLOB;
UPDATE webhook_subscriptions SET active = 0;
ALTER TABLE webhook_subscriptions DROP COLUMN secret;

-- A delivery the subscriber may not read is dropped: done, not dead (there
-- is nothing to retry), and marked so it is shown as such.
ALTER TABLE webhook_deliveries ADD COLUMN dropped_at INTEGER;

-- "dropped" joins the attempt outcomes; SQLite changes a CHECK only by
-- rebuilding the table.
CREATE TABLE webhook_attempts_v2 (
    id           BLOB PRIMARY KEY NOT NULL,
    delivery_id  BLOB NOT NULL REFERENCES webhook_deliveries(id),
    attempt      INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    status_code  INTEGER,
    error        TEXT,
    outcome      TEXT NOT NULL CHECK (outcome IN ('delivered','retry','dead','dropped'))
);
INSERT INTO webhook_attempts_v2 (id, delivery_id, attempt, at, status_code, error, outcome)
    SELECT id, delivery_id, attempt, at, status_code, error, outcome FROM webhook_attempts;
DROP TABLE webhook_attempts;
ALTER TABLE webhook_attempts_v2 RENAME TO webhook_attempts;
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, at);
