-- The ranking's order when EPSS is left out (the scores mix model
-- versions): an index of its own, so that a page is still read in order.
CREATE INDEX cve_priority_high_no_epss ON cve_priority (ssvc_high DESC, in_kev DESC, cvss DESC, cve_id);

-- How many CVEs are known, kept by the imports that add them (in their
-- transactions): counting a million rows for each page of the ranking
-- costs more than the page.
ALTER TABLE feed_generation ADD COLUMN known_cves BIGINT NOT NULL DEFAULT 0;
UPDATE feed_generation SET known_cves = (SELECT COUNT(*) FROM cve_priority);
