-- Reviewing agencies (Treasury, NSA, CISA) write benchmark sets and review
-- models; the operator marks them. Only agencies can be.
ALTER TABLE organizations ADD COLUMN reviewing INTEGER NOT NULL DEFAULT 0;
