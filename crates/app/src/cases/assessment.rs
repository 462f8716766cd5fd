//! A case's SSVC assessment, set by the clearinghouse's analysts: the
//! decision points they judged and the CVE the case is about, each
//! optional. Raw values are normalised by the scoring crate's parsing
//! (`poc` and `Public PoC` are `public_poc`; any case), so that the store
//! keeps one spelling; the priority it gives is [`crate::triage`]'s.

use bulwark_scoring::ssvc::{Automatable, Exploitation, MissionWellbeing, TechnicalImpact};
use bulwark_store::{Assessment, Case, CaseAssessment};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{CaseOut, case_out, managed};
use crate::triage::exploitation_word;
use crate::{Acting, App, AppError, AppResult, ts};

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentIn {
    /// SSVC Exploitation: `none`, `public_poc` (also `poc`, `Public PoC`)
    /// or `active`; case-insensitive. Absent or empty: not judged (the
    /// linked CVE's CISA ADP value, else `none`).
    pub exploitation: Option<String>,
    /// SSVC Automatable: `yes` or `no`. Not judged: the CVE's, else `no`.
    pub automatable: Option<String>,
    /// SSVC Technical Impact: `partial` or `total`. Not judged: the CVE's,
    /// else `partial`.
    pub technical_impact: Option<String>,
    /// SSVC Mission & Well-being: `low`, `medium` or `high`. Not judged:
    /// `high`.
    pub mission_wellbeing: Option<String>,
    /// The CVE the case is about, `CVE-YYYY-NNNN` (case-insensitive): its
    /// KEV listing, EPSS, CVSS and CISA ADP decision points count.
    pub cve: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentOut {
    /// `none`, `public_poc` or `active`; absent when not judged.
    pub exploitation: Option<String>,
    /// `yes` or `no`.
    pub automatable: Option<String>,
    /// `partial` or `total`.
    pub technical_impact: Option<String>,
    /// `low`, `medium` or `high`.
    pub mission_wellbeing: Option<String>,
    pub cve: Option<String>,
    /// Who set it (absent at the command line), for which organization,
    /// and when.
    pub set_by: Option<Uuid>,
    pub set_by_org: Option<Uuid>,
    pub set_at: String,
}

pub(super) fn assessment_out(a: CaseAssessment) -> AssessmentOut {
    AssessmentOut {
        exploitation: a.assessment.exploitation,
        automatable: a.assessment.automatable,
        technical_impact: a.assessment.technical_impact,
        mission_wellbeing: a.assessment.mission_wellbeing,
        cve: a.assessment.cve,
        set_by: a.set_by,
        set_by_org: a.set_by_org,
        set_at: ts(a.set_at),
    }
}

/// A raw value of `field` normalised by `parse` (the scoring crate's SSVC
/// parsing); absent or blank is not judged; a value it refuses is a
/// malformed request naming the field (also in a `field` extension).
fn point<T, E: std::fmt::Display>(
    field: &str,
    raw: Option<&str>,
    parse: impl Fn(&str) -> Result<T, E>,
    word: impl Fn(T) -> String,
) -> AppResult<Option<String>> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(r) => parse(r).map(|v| Some(word(v))).map_err(|e| {
            AppError::malformed(format!("{field}: {e}"))
                .with_extension("field", serde_json::json!(field))
        }),
    }
}

/// The assessment as the store keeps it: every value normalised, the CVE
/// id upper-cased; the first bad value is a malformed request naming its
/// field.
fn parse_assessment(body: &AssessmentIn) -> AppResult<Assessment> {
    let cve = match body.cve.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(raw) => Some(String::from(bulwark_core::CveId::parse(raw).map_err(
            |_| {
                AppError::malformed(format!("cve: {raw:?} is not a CVE id (CVE-YYYY-NNNN)"))
                    .with_extension("field", serde_json::json!("cve"))
            },
        )?)),
    };
    Ok(Assessment {
        exploitation: point(
            "exploitation",
            body.exploitation.as_deref(),
            str::parse::<Exploitation>,
            |e| exploitation_word(e).to_owned(),
        )?,
        automatable: point(
            "automatable",
            body.automatable.as_deref(),
            str::parse::<Automatable>,
            |v| v.to_string(),
        )?,
        technical_impact: point(
            "technical_impact",
            body.technical_impact.as_deref(),
            str::parse::<TechnicalImpact>,
            |v| v.to_string(),
        )?,
        mission_wellbeing: point(
            "mission_wellbeing",
            body.mission_wellbeing.as_deref(),
            str::parse::<MissionWellbeing>,
            |v| v.to_string(),
        )?,
        cve,
    })
}

/// Sets a case's assessment (the clearinghouse's writers), replacing the
/// one it had (an empty one removes it); setting the assessment the case
/// already has changes nothing. Answers the case as it now is.
pub async fn set_assessment(
    app: &App,
    who: &Acting,
    id: Uuid,
    body: &AssessmentIn,
) -> AppResult<Case> {
    let c = managed(app, &who.principal, id).await?;
    let assessment = parse_assessment(body)?;
    let (_, changed) = app
        .store
        .set_case_assessment(&who.actor, id, &assessment, app.now())
        .await?;
    Ok(if changed {
        app.store.case(id).await?
    } else {
        c
    })
}

/// [`set_assessment`], answered with the case's assessment and priority.
pub async fn assess(app: &App, who: &Acting, id: Uuid, body: AssessmentIn) -> AppResult<CaseOut> {
    let c = set_assessment(app, who, id, &body).await?;
    case_out(app, c).await
}
