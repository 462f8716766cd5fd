//! A case's SSVC assessment, set by the clearinghouse's analysts.
//!
//! An assessment holds the decision points an analyst judged for the case
//! (Exploitation, Automatable, Technical Impact, Mission & Well-being; each
//! optional) and, optionally, the CVE the case is about. The store keeps
//! the normalised words ([`EXPLOITATION`], [`AUTOMATABLE`],
//! [`TECHNICAL_IMPACT`], [`MISSION_WELLBEING`]) and refuses anything else;
//! parsing raw values (`PoC`, `Public PoC`…) is the domain crate's job
//! (`bulwark_scoring::ssvc`), done by the caller. Which value the decision
//! uses when a point is not set (the CVE's CISA ADP value, else a default)
//! is the caller's rule too: the store never interprets an assessment.
//!
//! One row per case, replaced as a whole and audited in the same
//! transaction (`case.assessment`, with the assessment before and after).
//! Setting the assessment a case already has writes nothing, not even an
//! audit entry; setting an empty one (no point, no CVE) removes it.

use bulwark_core::{AuditEvent, CveId, from_micros, to_micros};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::{Actor, Result, Store, StoreError, with_pool, write_tx};

/// Exploitation, normalised.
pub const EXPLOITATION: [&str; 3] = ["none", "public_poc", "active"];
/// Automatable, normalised.
pub const AUTOMATABLE: [&str; 2] = ["yes", "no"];
/// Technical Impact, normalised.
pub const TECHNICAL_IMPACT: [&str; 2] = ["partial", "total"];
/// Mission & Well-being, normalised.
pub const MISSION_WELLBEING: [&str; 3] = ["low", "medium", "high"];

/// What an analyst judged about a case; `None` for a point not judged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// `none`, `public_poc` or `active`.
    pub exploitation: Option<String>,
    /// `yes` or `no`.
    pub automatable: Option<String>,
    /// `partial` or `total`.
    pub technical_impact: Option<String>,
    /// `low`, `medium` or `high`.
    pub mission_wellbeing: Option<String>,
    /// The CVE the case is about, in [`CveId`]'s canonical form.
    pub cve: Option<String>,
}

impl Assessment {
    /// Nothing judged and no CVE.
    pub fn is_empty(&self) -> bool {
        self.exploitation.is_none()
            && self.automatable.is_none()
            && self.technical_impact.is_none()
            && self.mission_wellbeing.is_none()
            && self.cve.is_none()
    }

    /// Refuses a value outside the normalised words, naming its field.
    fn check(&self) -> Result<()> {
        let one = |field: &str, value: &Option<String>, allowed: &[&str]| match value {
            Some(v) if !allowed.contains(&v.as_str()) => Err(StoreError::Invalid(format!(
                "{field} must be one of {}, not {v:?}",
                allowed.join(", ")
            ))),
            _ => Ok(()),
        };
        one("exploitation", &self.exploitation, &EXPLOITATION)?;
        one("automatable", &self.automatable, &AUTOMATABLE)?;
        one(
            "technical_impact",
            &self.technical_impact,
            &TECHNICAL_IMPACT,
        )?;
        one(
            "mission_wellbeing",
            &self.mission_wellbeing,
            &MISSION_WELLBEING,
        )?;
        if let Some(cve) = &self.cve
            && !CveId::is_canonical(cve)
        {
            return Err(StoreError::Invalid(format!(
                "cve must be a CVE id (CVE-YYYY-NNNN), not {cve:?}"
            )));
        }
        Ok(())
    }
}

/// A case's assessment as stored, with who set it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseAssessment {
    pub case_id: Uuid,
    pub assessment: Assessment,
    /// The user who set it; `None` at the command line.
    pub set_by: Option<Uuid>,
    pub set_by_org: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub set_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct AssessmentRow {
    case_id: Uuid,
    exploitation: Option<String>,
    automatable: Option<String>,
    technical_impact: Option<String>,
    mission_wellbeing: Option<String>,
    cve: Option<String>,
    set_by: Option<Uuid>,
    set_by_org: Option<Uuid>,
    set_at: i64,
}

impl From<AssessmentRow> for CaseAssessment {
    fn from(r: AssessmentRow) -> Self {
        CaseAssessment {
            case_id: r.case_id,
            assessment: Assessment {
                exploitation: r.exploitation,
                automatable: r.automatable,
                technical_impact: r.technical_impact,
                mission_wellbeing: r.mission_wellbeing,
                cve: r.cve,
            },
            set_by: r.set_by,
            set_by_org: r.set_by_org,
            set_at: from_micros(r.set_at),
        }
    }
}

const SELECT: &str = "SELECT a.case_id, a.exploitation, a.automatable, a.technical_impact, \
    a.mission_wellbeing, a.cve, a.set_by, a.set_by_org, a.set_at FROM case_assessments a";

impl Store {
    /// Sets `case`'s assessment, replacing the one it had, audited in the
    /// same transaction. An empty assessment removes it. Answers the
    /// assessment now in force and whether anything changed: setting the
    /// assessment the case already has writes nothing (who set it and when
    /// stay as they were). [`StoreError::NotFound`] for an unknown case,
    /// [`StoreError::Invalid`] for a value outside the normalised words.
    pub async fn set_case_assessment(
        &self,
        actor: &Actor,
        case: Uuid,
        new: &Assessment,
        now: OffsetDateTime,
    ) -> Result<(Option<CaseAssessment>, bool)> {
        new.check()?;
        let at = to_micros(now);
        let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE a.case_id = $1"));
        let changed = write_tx!(self, tx => {
            let exists: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM cases WHERE id = $1")
                .bind(case).fetch_optional(&mut *tx).await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            let old: Option<AssessmentRow> = sqlx::query_as(sql)
                .bind(case).fetch_optional(&mut *tx).await?;
            let old: Option<CaseAssessment> = old.map(Into::into);
            let before = old.as_ref().map(|o| &o.assessment);
            let unchanged = match before {
                Some(b) => b == new,
                None => new.is_empty(),
            };
            if !unchanged {
                if new.is_empty() {
                    sqlx::query("DELETE FROM case_assessments WHERE case_id = $1")
                        .bind(case).execute(&mut *tx).await?;
                } else {
                    sqlx::query(
                        "INSERT INTO case_assessments (case_id, exploitation, automatable, \
                         technical_impact, mission_wellbeing, cve, set_by, set_by_org, set_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                         ON CONFLICT (case_id) DO UPDATE SET exploitation = excluded.exploitation, \
                         automatable = excluded.automatable, technical_impact = excluded.technical_impact, \
                         mission_wellbeing = excluded.mission_wellbeing, cve = excluded.cve, \
                         set_by = excluded.set_by, set_by_org = excluded.set_by_org, set_at = excluded.set_at",
                    )
                    .bind(case)
                    .bind(&new.exploitation)
                    .bind(&new.automatable)
                    .bind(&new.technical_impact)
                    .bind(&new.mission_wellbeing)
                    .bind(&new.cve)
                    .bind(actor.user)
                    .bind(actor.org)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
                    .bind(at).bind(case).execute(&mut *tx).await?;
                append_audit!(tx, actor, AuditEvent::new("case.assessment", "case", case.to_string())
                    .with_detail(json!({
                        "from": before,
                        "to": (!new.is_empty()).then_some(new),
                    })), at);
            }
            !unchanged
        });
        Ok((self.case_assessment(case).await?, changed))
    }

    /// `case`'s assessment, if an analyst set one.
    pub async fn case_assessment(&self, case: Uuid) -> Result<Option<CaseAssessment>> {
        let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE a.case_id = $1"));
        let row: Option<AssessmentRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(case).fetch_optional(pool).await?
        });
        Ok(row.map(Into::into))
    }

    /// The assessments of every pending case (`new` or `triaged`, not
    /// merged away), in case id order: the triage queue ranks these cases
    /// first. Assessments are set by hand, one case at a time, so the set
    /// stays small next to the pending cases.
    pub async fn pending_case_assessments(&self) -> Result<Vec<CaseAssessment>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{SELECT} JOIN cases c ON c.id = a.case_id \
             WHERE c.state IN ('new', 'triaged') AND c.merged_into IS NULL ORDER BY a.case_id"
        ));
        let rows: Vec<AssessmentRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
