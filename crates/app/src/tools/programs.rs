//! The program office's programs (issue 20, item 3): which agencies are
//! eligible, which approved tools a program offers, the longest access it
//! gives and the conditions every approval under it carries.
//!
//! The program office (CISA's writers) creates and changes them
//! (`tool_program.manage`); everyone in the program reads them
//! (`tool_program.read`). A program offers only tools the catalogue has
//! approved; a tool withdrawn later stays listed but no new request for it
//! passes (`bulwark_tools::Request::check`).

use std::collections::BTreeSet;

use bulwark_authz::{Action, Resource};
use bulwark_core::{OrgKind, Principal};
use bulwark_store::{ProgramFields, StoredProgram};
use bulwark_tools::{Eligibility, EntryState, Terms};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{invalid, state_of};
use crate::{Acting, App, AppError, AppResult, not_found_as, ts};

/// Which agencies may ask under a program.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EligibilityIn {
    /// `federal_civilian` (every agency on the civilian track) or
    /// `agencies` (those listed).
    pub kind: String,
    /// For `agencies`: the organizations' ids.
    #[serde(default)]
    pub agencies: Vec<Uuid>,
}

/// A program as the program office writes it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgramIn {
    pub name: String,
    #[serde(default)]
    pub summary: String,
    pub eligibility: EligibilityIn,
    /// Catalogue entries offered; each approved.
    pub tools: Vec<Uuid>,
    /// The longest access an approval gives, in days (1–366).
    pub max_days: u32,
    /// The conditions every approval under the program carries.
    #[serde(default)]
    pub conditions: String,
}

/// A program as answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgramOut {
    pub id: Uuid,
    pub name: String,
    pub summary: String,
    pub eligibility: EligibilityIn,
    pub tools: Vec<Uuid>,
    pub max_days: u32,
    pub conditions: String,
    pub created_at: String,
    pub updated_at: String,
}

fn corrupt(what: &str) -> AppError {
    tracing::error!(what, "a stored program does not read back");
    AppError::internal()
}

/// A stored program's terms, as the domain reads them.
pub fn terms_of(p: &StoredProgram) -> AppResult<Terms> {
    Ok(Terms {
        name: p.fields.name.clone(),
        summary: p.fields.summary.clone(),
        eligibility: serde_json::from_str(&p.fields.eligibility)
            .map_err(|_| corrupt("program eligibility"))?,
        tools: p.fields.tools.clone(),
        max_days: u32::try_from(p.fields.max_days).map_err(|_| corrupt("program max_days"))?,
        conditions: p.fields.conditions.clone(),
    })
}

fn eligibility_out(e: &Eligibility) -> EligibilityIn {
    match e {
        Eligibility::FederalCivilian => EligibilityIn {
            kind: "federal_civilian".into(),
            agencies: Vec::new(),
        },
        Eligibility::Agencies { agencies } => EligibilityIn {
            kind: "agencies".into(),
            agencies: agencies.iter().copied().collect(),
        },
    }
}

pub fn program_out(p: &StoredProgram) -> AppResult<ProgramOut> {
    let t = terms_of(p)?;
    Ok(ProgramOut {
        id: p.id,
        eligibility: eligibility_out(&t.eligibility),
        name: t.name,
        summary: t.summary,
        tools: t.tools,
        max_days: t.max_days,
        conditions: t.conditions,
        created_at: ts(p.created_at),
        updated_at: ts(p.updated_at),
    })
}

/// The domain's terms from the body, every rule and reference checked:
/// listed agencies are agencies, offered tools are approved entries.
async fn terms(app: &App, input: &ProgramIn) -> AppResult<Terms> {
    let eligibility = match input.eligibility.kind.as_str() {
        "federal_civilian" if input.eligibility.agencies.is_empty() => Eligibility::FederalCivilian,
        "federal_civilian" => {
            return Err(invalid(
                "eligibility.agencies",
                "every civilian agency is eligible; list agencies with kind \"agencies\"",
            ));
        }
        "agencies" => Eligibility::Agencies {
            agencies: input
                .eligibility
                .agencies
                .iter()
                .copied()
                .collect::<BTreeSet<_>>(),
        },
        other => {
            return Err(invalid(
                "eligibility.kind",
                format!("{other:?} is neither \"federal_civilian\" nor \"agencies\""),
            ));
        }
    };
    let t = Terms {
        name: input.name.clone(),
        summary: input.summary.clone(),
        eligibility,
        tools: input.tools.clone(),
        max_days: input.max_days,
        conditions: input.conditions.clone(),
    };
    t.check().map_err(|e| invalid(&e.field, &e.message))?;
    for (i, a) in input.eligibility.agencies.iter().enumerate() {
        match app.store.organization(*a).await {
            Ok(o) if o.kind == OrgKind::Agency => {}
            _ => {
                return Err(invalid(
                    &format!("eligibility.agencies[{i}]"),
                    "no agency has this id",
                ));
            }
        }
    }
    for (i, id) in t.tools.iter().enumerate() {
        let ok = match app.store.tool(*id).await {
            Ok(tool) => state_of(&tool)? == EntryState::Approved,
            Err(bulwark_store::StoreError::NotFound) => false,
            Err(e) => return Err(e.into()),
        };
        if !ok {
            return Err(invalid(
                &format!("tools[{i}]"),
                "a program offers only tools approved into the catalogue",
            ));
        }
    }
    Ok(t)
}

fn fields(t: &Terms) -> AppResult<ProgramFields> {
    Ok(ProgramFields {
        name: t.name.clone(),
        summary: t.summary.clone(),
        eligibility: serde_json::to_string(&t.eligibility).map_err(|_| AppError::internal())?,
        max_days: i64::from(t.max_days),
        conditions: t.conditions.clone(),
        tools: t.tools.clone(),
    })
}

/// Creates a program (the program office's writers).
pub async fn create(app: &App, acting: &Acting, input: &ProgramIn) -> AppResult<ProgramOut> {
    app.authorize(
        &acting.principal,
        Action::ToolProgramManage,
        &Resource::Program,
    )?;
    let t = terms(app, input).await?;
    let p = app
        .store
        .create_program(&acting.actor, &fields(&t)?, app.now())
        .await?;
    program_out(&p)
}

/// Rewrites a program's terms. Decided requests keep what they were
/// decided on; requests still waiting are checked again when decided.
pub async fn update(
    app: &App,
    acting: &Acting,
    id: Uuid,
    input: &ProgramIn,
) -> AppResult<ProgramOut> {
    app.authorize(
        &acting.principal,
        Action::ToolProgramManage,
        &Resource::Program,
    )?;
    app.store
        .program(id)
        .await
        .map_err(not_found_as("program"))?;
    let t = terms(app, input).await?;
    let p = app
        .store
        .update_program(&acting.actor, id, &fields(&t)?, app.now())
        .await?;
    program_out(&p)
}

/// One program.
pub async fn get(app: &App, who: &Principal, id: Uuid) -> AppResult<ProgramOut> {
    app.authorize(who, Action::ToolProgramRead, &Resource::Program)?;
    let p = app
        .store
        .program(id)
        .await
        .map_err(not_found_as("program"))?;
    program_out(&p)
}

/// Every program, by name.
pub async fn list(app: &App, who: &Principal) -> AppResult<Vec<ProgramOut>> {
    app.authorize(who, Action::ToolProgramRead, &Resource::Program)?;
    app.store
        .programs()
        .await?
        .iter()
        .map(program_out)
        .collect()
}
