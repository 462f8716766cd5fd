//! The clearinghouse's activity over time, for its chart: cases as they
//! were opened and validations as they were recorded, since an instant.
//!
//! Rows, not counts: whether a case counts for a reader is the policy's
//! decision per case (its marking, embargo and parties), which the
//! application layer asks before it counts.

use time::OffsetDateTime;
use uuid::Uuid;

use bulwark_core::{from_micros, to_micros};

use crate::{Result, Store, with_pool};

impl Store {
    /// Cases opened at or after `since` (merged-away duplicates left out),
    /// newest first (the latest weeks matter most), at most `limit`: (case, opened at). Every state is
    /// named so that the `(state, created_at)` index serves the range.
    pub async fn cases_opened_since(
        &self,
        since: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<(Uuid, OffsetDateTime)>> {
        let rows: Vec<(Uuid, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, created_at FROM cases \
                 WHERE state IN ('new', 'triaged', 'validating', 'validated', 'rejected', 'duplicate') \
                 AND created_at >= $1 AND merged_into IS NULL ORDER BY created_at DESC, id DESC LIMIT $2",
            )
            .bind(to_micros(since)).bind(i64::from(limit)).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, at)| (id, from_micros(at)))
            .collect())
    }

    /// Validations recorded at or after `since`, newest first, at most
    /// `limit`: (case, recorded at).
    pub async fn validations_since(
        &self,
        since: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<(Uuid, OffsetDateTime)>> {
        let rows: Vec<(Uuid, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT case_id, at FROM case_validations WHERE at >= $1 ORDER BY at DESC, id DESC LIMIT $2",
            )
            .bind(to_micros(since)).bind(i64::from(limit)).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, at)| (id, from_micros(at)))
            .collect())
    }
}
