-- Webhook hardening: a subscription acts for the user who made it (each
-- event reaches it only if that user may read what the event is about), and
-- its HMAC key is stored sealed (ChaCha20-Poly1305, nonce || ciphertext,
-- under a sub-key of the server's master key, never in the database).
--
-- The plaintext secrets of existing subscriptions cannot be sealed here (the
-- key is not in the database), so they are dropped and those subscriptions
-- turned off: their owners subscribe again through the API.

ALTER TABLE webhook_subscriptions ADD COLUMN created_by UUID REFERENCES users(id);
ALTER TABLE webhook_subscriptions ADD COLUMN secret_sealed BYTEA;
UPDATE webhook_subscriptions SET active = FALSE;
ALTER TABLE webhook_subscriptions DROP COLUMN secret;

-- A delivery the subscriber may not read is dropped: done, not dead (there
-- is nothing to retry), and marked so it is shown as such.
ALTER TABLE webhook_deliveries ADD COLUMN dropped_at BIGINT;

ALTER TABLE webhook_attempts DROP CONSTRAINT webhook_attempts_outcome_check;
ALTER TABLE webhook_attempts ADD CONSTRAINT webhook_attempts_outcome_check
    CHECK (outcome IN ('delivered','retry','dead','dropped'));
