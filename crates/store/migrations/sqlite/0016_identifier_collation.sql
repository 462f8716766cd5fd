-- PostgreSQL's migration 0016 gives identifier columns (fingerprints,
-- SHA-256 addresses, source names) the byte-order "C" collation. SQLite's
-- default collation, BINARY, already is byte order: nothing to change.
SELECT 1;
