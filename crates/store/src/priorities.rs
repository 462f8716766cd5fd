//! The set of vulnerabilities the priority order ranks: every CVE with a
//! stored CVE record or a KEV entry.
//!
//! EPSS alone does not put a CVE in the set: FIRST scores every published
//! CVE (some 300,000), and a score without a record or a listing says too
//! little to act on. The order itself is the domain crate's
//! (`bulwark_scoring::priority`); the store only hands over the ids, and
//! [`Store::vulnerability_facts`] the facts of each.

use crate::{Result, Store, with_pool};

/// The most ids one call returns.
pub const MAX_KNOWN_CVES: u32 = 10_000;

impl Store {
    /// The ids of the CVEs that have a stored record or a KEV entry, each
    /// once, in id order (as text), at most `limit` of them (clamped to
    /// 1..=[`MAX_KNOWN_CVES`]).
    pub async fn known_cves(&self, limit: u32) -> Result<Vec<String>> {
        let limit = i64::from(limit.clamp(1, MAX_KNOWN_CVES));
        let rows: Vec<(String,)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id FROM (SELECT id FROM cve_records UNION SELECT cve_id FROM kev_entries) AS known \
                 ORDER BY id LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }
}
