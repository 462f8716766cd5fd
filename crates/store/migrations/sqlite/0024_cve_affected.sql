-- Which CVE records name a product without a package URL: one row per
-- `affected` entry of a record and per (vendor, product) key pair it is
-- found under (its own vendor and product, and each of its CPEs' that
-- differ), so that "which CVEs name this vendor/product" is an index read.
-- Keys and entries are computed by the caller (`bulwark-matching`'s
-- `name_key` and `AffectedEntry`, as JSON); the store does not interpret
-- them. Rows are replaced with their record.
CREATE TABLE cve_affected (
    cve_id      TEXT NOT NULL,
    n           BIGINT NOT NULL,
    vendor_key  TEXT NOT NULL,
    product_key TEXT NOT NULL,
    entry       TEXT NOT NULL,
    PRIMARY KEY (cve_id, n)
);

CREATE INDEX cve_affected_by_product ON cve_affected (vendor_key, product_key);
