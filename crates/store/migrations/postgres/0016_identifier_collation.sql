-- Identifiers are compared byte by byte: fingerprints, SHA-256 addresses,
-- source names and kinds. Under the database's default collation (often a
-- glibc locale such as en_US.UTF-8, or C.UTF-8, which PostgreSQL 15 does not
-- recognise as "C") every B-tree comparison of these keys went through
-- strcoll with a copy of both strings; the intake compares them millions of
-- times (deduplication, foreign keys, the source index). "C" is memcmp, and
-- it is the order SQLite's BINARY collation gives, so both back-ends sort
-- these columns alike.

ALTER TABLE case_fingerprints ALTER COLUMN fingerprint TYPE TEXT COLLATE "C";
ALTER TABLE reports ALTER COLUMN fingerprint TYPE TEXT COLLATE "C",
                    ALTER COLUMN document TYPE TEXT COLLATE "C";
ALTER TABLE case_validations ALTER COLUMN evidence TYPE TEXT COLLATE "C";
ALTER TABLE raw_document_chunks ALTER COLUMN sha256 TYPE TEXT COLLATE "C";
ALTER TABLE raw_documents ALTER COLUMN sha256 TYPE TEXT COLLATE "C";
ALTER TABLE case_sources ALTER COLUMN kind TYPE TEXT COLLATE "C",
                         ALTER COLUMN source TYPE TEXT COLLATE "C";
ALTER TABLE source_stats ALTER COLUMN kind TYPE TEXT COLLATE "C",
                         ALTER COLUMN source TYPE TEXT COLLATE "C";
