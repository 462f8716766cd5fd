-- Reports are only ever looked up by fingerprint within their case
-- (reports_case serves that); an index on the fingerprint alone cost every
-- intake a random B-tree insert per report and served no query.
DROP INDEX reports_fingerprint;
