-- A counter every feed import that changes a fact (a KEV entry, an EPSS
-- score, a CVE record) moves on, in its transaction: what a cache of
-- figures joined with the feeds (an SBOM's hits counted by severity)
-- compares, in one row, to know it is still true.
CREATE TABLE feed_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO feed_generation (id, n) VALUES (1, 0);
