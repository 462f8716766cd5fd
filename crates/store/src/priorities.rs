//! The set of vulnerabilities the priority order ranks: every CVE with a
//! stored CVE record or a KEV entry, and each one's keys in that order.
//!
//! EPSS alone does not put a CVE in the set: FIRST scores every published
//! CVE (some 300,000), and a score without a record or a listing says too
//! little to act on. The order itself is the domain crate's
//! (`bulwark_scoring::priority`): the store keeps the keys the application
//! computed with it (`cve_priority`), so that a page of the ranking is read
//! from an index however many CVEs are known. Every feed import that
//! changes a CVE's facts marks its keys stale in the same transaction
//! (`Tx::mark_priority`); [`Store::stale_priority_keys`] hands them to the
//! application, which computes them from [`Store::vulnerability_facts_of`]
//! and writes them back with [`Store::set_priority_keys`]. The keys are
//! derived data, like the matching index: writing them is not audited.

use crate::{Result, Store, with_pool};

/// The most ids one call returns.
pub const MAX_KNOWN_CVES: u32 = 10_000;

/// Which SSVC decision orders the ranking: the Mission & Well-being the
/// decision assumes (the scoring crate's `MissionWellbeing`, which the
/// store does not know).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RankedAt {
    Low,
    Medium,
    High,
}

impl RankedAt {
    fn column(self) -> &'static str {
        match self {
            RankedAt::Low => "ssvc_low",
            RankedAt::Medium => "ssvc_medium",
            RankedAt::High => "ssvc_high",
        }
    }
}

/// One CVE's keys, as the application computed them.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorityKey {
    pub cve: String,
    /// The mark the facts were read at ([`Store::stale_priority_keys`]):
    /// a key computed from facts an import has changed since is not kept.
    pub mark: i64,
    pub in_kev: bool,
    /// The SSVC decision's rank (3 Act, 2 Attend, 1 Track*, 0 Track) at
    /// Mission & Well-being low, medium and high; `None` unknown.
    pub ssvc: [Option<u8>; 3],
    /// The newest model version's score, and that version.
    pub epss: Option<(f64, String)>,
    pub cvss: Option<f64>,
}

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

    /// Up to `limit` CVEs (clamped to 1..=[`MAX_KNOWN_CVES`]) whose keys
    /// are stale, each with its mark, in id order.
    pub async fn stale_priority_keys(&self, limit: u32) -> Result<Vec<(String, i64)>> {
        let limit = i64::from(limit.clamp(1, MAX_KNOWN_CVES));
        Ok(with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT cve_id, marked FROM cve_priority WHERE done < marked ORDER BY cve_id LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Writes computed keys; a key whose CVE was marked again since its
    /// facts were read is left stale. Returns how many were kept.
    pub async fn set_priority_keys(&self, keys: &[PriorityKey]) -> Result<u64> {
        let rank = |r: Option<u8>| r.map_or(-1i16, i16::from);
        let mut kept = 0;
        for chunk in keys.chunks(crate::feeds::FEED_CHUNK) {
            with_pool!(self, pool => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO cve_priority (cve_id, marked, done, in_kev, ssvc_low, ssvc_medium, \
                     ssvc_high, epss, epss_model, cvss) ",
                );
                q.push_values(chunk, |mut row, k| {
                    row.push_bind(k.cve.as_str())
                        .push_bind(k.mark)
                        .push_bind(k.mark)
                        .push_bind(i16::from(k.in_kev))
                        .push_bind(rank(k.ssvc[0]))
                        .push_bind(rank(k.ssvc[1]))
                        .push_bind(rank(k.ssvc[2]))
                        .push_bind(k.epss.as_ref().map_or(-1.0, |e| e.0))
                        .push_bind(k.epss.as_ref().map(|e| e.1.as_str()))
                        .push_bind(k.cvss.unwrap_or(-1.0));
                });
                q.push(
                    " ON CONFLICT (cve_id) DO UPDATE SET done = excluded.done, in_kev = excluded.in_kev, \
                     ssvc_low = excluded.ssvc_low, ssvc_medium = excluded.ssvc_medium, \
                     ssvc_high = excluded.ssvc_high, epss = excluded.epss, \
                     epss_model = excluded.epss_model, cvss = excluded.cvss \
                     WHERE cve_priority.marked = excluded.done",
                );
                kept += q.build().execute(pool).await?.rows_affected();
            });
        }
        Ok(kept)
    }

    /// A page of the known CVEs' ids in the priority order at `at`: the
    /// SSVC decision, KEV, EPSS (left out when `with_epss` is false: the
    /// scores mix model versions), CVSS, the id. Stale keys are read as
    /// they are: the caller computes them first.
    pub async fn ranked_cves(
        &self,
        at: RankedAt,
        with_epss: bool,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<String>> {
        let epss = if with_epss { "epss DESC, " } else { "" };
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT cve_id FROM cve_priority ORDER BY {} DESC, in_kev DESC, {epss}cvss DESC, cve_id \
             LIMIT $1 OFFSET $2",
            at.column()
        ));
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar(sql)
                .bind(i64::from(limit))
                .bind(i64::try_from(offset).unwrap_or(i64::MAX))
                .fetch_all(pool)
                .await?
        }))
    }

    /// A number every feed import that changes a fact moves on: a cache of
    /// figures joined with the feeds is still true while it has not moved.
    pub async fn feed_generation(&self) -> Result<u64> {
        let n: i64 = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT n FROM feed_generation WHERE id = 1").fetch_one(pool).await?
        });
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// How many CVEs are known, and whether their EPSS scores come from
    /// more than one model version.
    pub async fn ranked_cves_summary(&self) -> Result<(u64, bool)> {
        let (n, low, high): (i64, Option<String>, Option<String>) = with_pool!(self, pool => {
            let n: i64 = sqlx::query_scalar("SELECT known_cves FROM feed_generation WHERE id = 1")
                .fetch_one(pool)
                .await?;
            let (low, high): (Option<String>, Option<String>) =
                sqlx::query_as("SELECT MIN(epss_model), MAX(epss_model) FROM cve_priority")
                    .fetch_one(pool)
                    .await?;
            (n, low, high)
        });
        Ok((u64::try_from(n).unwrap_or(0), low != high))
    }
}
