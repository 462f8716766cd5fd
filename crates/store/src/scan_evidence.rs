//! Released scans as evidence: what a directive's requirement on a system
//! ("scanned by an approved AI-enabled tool every 30 days") is met by. A
//! claim released with findings or with nothing found is a scan that
//! happened; an abandoned one is not. Which tools count and which targets
//! are a system's is the application's to decide.

use bulwark_core::{ClaimOutcome, Target, TargetKind, from_micros, to_micros};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Result, Store, StoreError, parse_col, with_pool};

/// One released scan: the claim, its target, the tool it named, what came
/// of it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleasedScan {
    pub claim: Uuid,
    pub org_id: Uuid,
    pub target: Target,
    pub tool: String,
    pub outcome: ClaimOutcome,
    pub released_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct ScanRow {
    id: Uuid,
    org_id: Uuid,
    kind: String,
    locator: String,
    tool: String,
    outcome: String,
    released_at: i64,
}

/// Tool names per statement.
const TOOLS_CHUNK: usize = 200;

impl Store {
    /// The claims released at or after `since` with findings or nothing
    /// found whose tool is one of `tools` (compared exactly: a catalogue
    /// entry's `reports_as`), newest first.
    pub async fn scans_released_by(
        &self,
        tools: &[String],
        since: OffsetDateTime,
    ) -> Result<Vec<ReleasedScan>> {
        let mut out = Vec::new();
        for chunk in tools.chunks(TOOLS_CHUNK) {
            let rows: Vec<ScanRow> = with_pool!(self, pool => {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT c.id, c.org_id, t.kind, t.locator, c.tool, c.outcome, c.released_at \
                     FROM scan_claims c JOIN scan_targets t ON t.id = c.target_id \
                     WHERE c.outcome IN ('findings', 'nothing_found') AND c.released_at >= ",
                );
                q.push_bind(to_micros(since)).push(" AND c.tool IN (");
                let mut list = q.separated(", ");
                for t in chunk {
                    list.push_bind(t.as_str());
                }
                q.push(")");
                q.build_query_as().fetch_all(pool).await?
            });
            for r in rows {
                let kind: TargetKind = parse_col("scan_targets.kind", &r.kind)?;
                let target = Target::parse(kind, &r.locator)
                    .map_err(|e| StoreError::Corrupt(format!("scan_targets.locator: {e}")))?;
                out.push(ReleasedScan {
                    claim: r.id,
                    org_id: r.org_id,
                    target,
                    tool: r.tool,
                    outcome: parse_col("scan_claims.outcome", &r.outcome)?,
                    released_at: from_micros(r.released_at),
                });
            }
        }
        out.sort_by(|a, b| {
            b.released_at
                .cmp(&a.released_at)
                .then(b.claim.cmp(&a.claim))
        });
        Ok(out)
    }
}
