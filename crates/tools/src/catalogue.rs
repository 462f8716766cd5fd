//! The catalogue's words and an entry's checks.
//!
//! A tool is described by its provider and approved into the catalogue by
//! the program office (CISA). What it may receive (the highest TLP marking,
//! whether embargoed cases) is a fact of the entry; the policy, not this
//! module, decides whether a given case goes to it (`record.send`). The
//! FedRAMP authorization is recorded as the FedRAMP Marketplace shows it, so
//! an agency reusing an authorization sees the same status, impact level,
//! date and authorizing agencies.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use bulwark_core::Tlp;
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

/// A word outside one of the catalogue's vocabularies, or an entry that
/// breaks a rule; `field` names the entry's field (as the API spells it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct EntryError {
    pub field: String,
    pub message: String,
}

impl EntryError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> EntryError {
        EntryError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Declares a closed vocabulary: the enum, its spelling and its parser,
/// whose error lists every accepted word.
macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident, $what:literal { $($(#[$vm:meta])* $variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($word => Ok($name::$variant),)+
                    other => Err(format!(
                        concat!("{:?} is not ", $what, "; expected one of: {}"),
                        other,
                        [$($word),+].join(", ")
                    )),
                }
            }
        }
    };
}

vocabulary! {
    /// What a tool is. A frontier model is linked to its entry in the model
    /// registry, so its determination and evaluations sit beside it.
    ToolKind, "a kind of tool" {
        FrontierModel => "frontier_model",
        /// An autonomous cyber-reasoning system (as built for DARPA's AIxCC).
        CyberReasoningSystem => "cyber_reasoning_system",
        Fuzzer => "fuzzer",
        StaticAnalyzer => "static_analyzer",
        Scanner => "scanner",
        ManagedService => "managed_service",
    }
}

impl ToolKind {
    /// Whether the kind uses AI by definition. Other kinds say so in the
    /// entry (`ai_enabled`): a fuzzer may or may not be AI-guided.
    pub fn always_ai(self) -> bool {
        matches!(
            self,
            ToolKind::FrontierModel | ToolKind::CyberReasoningSystem
        )
    }
}

vocabulary! {
    /// Where a tool runs, and so where an agency's data goes.
    Deployment, "a deployment" {
        /// On the agency's own premises or infrastructure.
        OnPremises => "on_premises",
        /// A government community cloud.
        GovernmentCloud => "government_cloud",
        /// The provider's own cloud.
        ProviderCloud => "provider_cloud",
    }
}

vocabulary! {
    /// What a tool consumes or produces.
    Artefact, "an artefact" {
        SourceCode => "source_code",
        Binary => "binary",
        Sbom => "sbom",
        Sarif => "sarif",
        Osv => "osv",
        Csaf => "csaf",
        Patch => "patch",
        /// A proof of vulnerability: a test case with its harness.
        Pov => "pov",
    }
}

vocabulary! {
    /// A FedRAMP Marketplace designation.
    FedRampStatus, "a FedRAMP status" {
        Ready => "ready",
        InProcess => "in_process",
        Authorized => "authorized",
    }
}

vocabulary! {
    /// A FedRAMP impact level (LI-SaaS is Low-impact SaaS, the tailored baseline).
    ImpactLevel, "a FedRAMP impact level" {
        LiSaas => "li_saas",
        Low => "low",
        Moderate => "moderate",
        High => "high",
    }
}

vocabulary! {
    /// An entry's place in the catalogue. Only `approved` entries are in
    /// the catalogue agencies browse and directives count.
    EntryState, "an entry state" {
        /// Written by its provider, not yet sent to the program office.
        Draft => "draft",
        /// Waiting for the program office.
        Submitted => "submitted",
        Approved => "approved",
        /// Sent back with the program office's reason; the provider may
        /// change it and submit again.
        Rejected => "rejected",
        /// Taken out by its provider or the program office; kept for the
        /// evidence and the directives' history.
        Withdrawn => "withdrawn",
    }
}

impl EntryState {
    /// Whether a move from `self` to `to` is one of the workflow's.
    pub fn may_become(self, to: EntryState) -> bool {
        use EntryState::*;
        matches!(
            (self, to),
            (Draft | Rejected, Submitted)
                | (Submitted, Approved | Rejected)
                | (Draft | Submitted | Approved | Rejected, Withdrawn)
                | (Withdrawn, Draft)
        )
    }
}

/// The data a tool may be sent: cases marked at most `max_tlp`, and
/// embargoed ones only when `embargoed` says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataLimits {
    pub max_tlp: Tlp,
    pub embargoed: bool,
}

impl DataLimits {
    /// Whether data marked `tlp`, embargoed or not, is within the limits.
    /// The policy decides for a case (`record.send`); this is for what an
    /// access request says it will send, checked before anything is asked.
    pub fn admit(&self, tlp: Tlp, embargoed: bool) -> bool {
        tlp <= self.max_tlp && (self.embargoed || !embargoed)
    }
}

/// A FedRAMP authorization as the Marketplace records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FedRamp {
    pub status: FedRampStatus,
    pub impact: ImpactLevel,
    /// The FedRAMP package id (e.g. `FR2105659381`), as the Marketplace lists it.
    pub package_id: Option<String>,
    /// When the first authorization was granted (status `authorized`).
    pub authorized_on: Option<Date>,
    /// The agencies that authorized it, or reuse its authorization.
    pub agencies: Vec<String>,
}

/// An entry as its provider writes it, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    pub kind: ToolKind,
    /// The name the tool writes in what it submits (SARIF's
    /// `tool.driver.name`, the claim's `tool`): the key of its evidence.
    pub reports_as: String,
    pub ai_enabled: bool,
    pub summary: String,
    pub deployment: Vec<Deployment>,
    pub consumes: Vec<Artefact>,
    pub produces: Vec<Artefact>,
    pub limits: DataLimits,
    pub fedramp: Option<FedRamp>,
    /// For a frontier model, its registry entry.
    pub model: Option<Uuid>,
}

const NAME_MAX: usize = 120;
const SUMMARY_MAX: usize = 2_000;

fn text(field: &str, value: &str, max: usize) -> Result<(), EntryError> {
    let t = value.trim();
    if t.is_empty() {
        return Err(EntryError::new(field, "must not be empty"));
    }
    if t.len() != value.len() {
        return Err(EntryError::new(
            field,
            "must not begin or end with white space",
        ));
    }
    if value.chars().count() > max {
        return Err(EntryError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(EntryError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

fn distinct<T: Ord + Copy + fmt::Display>(field: &str, items: &[T]) -> Result<(), EntryError> {
    let mut seen = BTreeSet::new();
    for item in items {
        if !seen.insert(*item) {
            return Err(EntryError::new(field, format!("{item} is listed twice")));
        }
    }
    Ok(())
}

impl Entry {
    /// The rules an entry keeps whatever its state; each refusal names the field.
    pub fn check(&self) -> Result<(), EntryError> {
        text("name", &self.name, NAME_MAX)?;
        text("reports_as", &self.reports_as, NAME_MAX)?;
        if self.summary.chars().count() > SUMMARY_MAX {
            return Err(EntryError::new(
                "summary",
                format!("must be at most {SUMMARY_MAX} characters"),
            ));
        }
        if self.deployment.is_empty() {
            return Err(EntryError::new(
                "deployment",
                "must name at least one place the tool runs",
            ));
        }
        distinct("deployment", &self.deployment)?;
        distinct("consumes", &self.consumes)?;
        distinct("produces", &self.produces)?;
        if self.produces.is_empty() {
            return Err(EntryError::new(
                "produces",
                "must name at least one artefact the tool produces",
            ));
        }
        match (self.kind, self.model.is_some()) {
            (ToolKind::FrontierModel, false) => {
                return Err(EntryError::new(
                    "model",
                    "a frontier model is linked to its entry in the model registry",
                ));
            }
            (k, true) if k != ToolKind::FrontierModel => {
                return Err(EntryError::new(
                    "model",
                    "only a frontier model is linked to the model registry",
                ));
            }
            _ => {}
        }
        if self.kind.always_ai() && !self.ai_enabled {
            return Err(EntryError::new(
                "ai_enabled",
                format!("a {} is AI-enabled by definition", self.kind),
            ));
        }
        if self.limits.max_tlp == Tlp::Red {
            // RED is for named individuals; no tool is one.
            return Err(EntryError::new(
                "limits.max_tlp",
                "TLP:RED is for named people only; a tool may receive at most AMBER+STRICT",
            ));
        }
        if self.limits.max_tlp > Tlp::Clear
            && self.deployment == [Deployment::ProviderCloud]
            && self
                .fedramp
                .as_ref()
                .is_none_or(|f| f.status != FedRampStatus::Authorized)
        {
            return Err(EntryError::new(
                "limits.max_tlp",
                "a tool that runs only in its provider's cloud without a FedRAMP authorization may receive TLP:CLEAR data only",
            ));
        }
        if let Some(f) = &self.fedramp {
            if f.status == FedRampStatus::Authorized && f.authorized_on.is_none() {
                return Err(EntryError::new(
                    "fedramp.authorized_on",
                    "an authorized service has the date of its authorization",
                ));
            }
            if f.status != FedRampStatus::Authorized && f.authorized_on.is_some() {
                return Err(EntryError::new(
                    "fedramp.authorized_on",
                    format!("a service {} has no authorization date", f.status),
                ));
            }
            if let Some(p) = &f.package_id {
                text("fedramp.package_id", p, 40)?;
            }
            for (i, a) in f.agencies.iter().enumerate() {
                text(&format!("fedramp.agencies[{i}]"), a, NAME_MAX)?;
            }
        }
        Ok(())
    }
}

/// A version's label: what the tool writes in `tool_version` (SARIF's
/// `tool.driver.version` or `semanticVersion`). Compared as text: tools
/// version themselves in every scheme there is.
pub fn check_version(v: &str) -> Result<(), EntryError> {
    text("version", v, 80)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            name: "Atlantis CRS".into(),
            kind: ToolKind::CyberReasoningSystem,
            reports_as: "atlantis".into(),
            ai_enabled: true,
            summary: "Finds and patches memory-safety bugs in C and Java.".into(),
            deployment: vec![Deployment::OnPremises],
            consumes: vec![Artefact::SourceCode],
            produces: vec![Artefact::Pov, Artefact::Patch, Artefact::Sarif],
            limits: DataLimits {
                max_tlp: Tlp::Amber,
                embargoed: true,
            },
            fedramp: None,
            model: None,
        }
    }

    #[test]
    fn a_sound_entry_passes() {
        assert_eq!(entry().check(), Ok(()));
    }

    #[test]
    fn each_rule_names_its_field() {
        type Change = Box<dyn Fn(&mut Entry)>;
        let cases: Vec<(Change, &str)> = vec![
            (Box::new(|e| e.name = " x".into()), "name"),
            (Box::new(|e| e.reports_as = String::new()), "reports_as"),
            (Box::new(|e| e.deployment.clear()), "deployment"),
            (
                Box::new(|e| e.produces = vec![Artefact::Sarif, Artefact::Sarif]),
                "produces",
            ),
            (Box::new(|e| e.kind = ToolKind::FrontierModel), "model"),
            (Box::new(|e| e.model = Some(Uuid::nil())), "model"),
            (Box::new(|e| e.ai_enabled = false), "ai_enabled"),
            (Box::new(|e| e.limits.max_tlp = Tlp::Red), "limits.max_tlp"),
            (
                Box::new(|e| e.deployment = vec![Deployment::ProviderCloud]),
                "limits.max_tlp",
            ),
        ];
        for (change, field) in cases {
            let mut e = entry();
            change(&mut e);
            let err = e.check().expect_err(field);
            assert_eq!(err.field, field, "{err}");
        }
    }

    #[test]
    fn a_fedramp_authorization_lifts_the_provider_cloud_limit() {
        let mut e = entry();
        e.deployment = vec![Deployment::ProviderCloud];
        e.fedramp = Some(FedRamp {
            status: FedRampStatus::Authorized,
            impact: ImpactLevel::Moderate,
            package_id: Some("FR2105659381".into()),
            authorized_on: Date::from_calendar_date(2025, time::Month::March, 3).ok(),
            agencies: vec!["Department of Energy".into()],
        });
        assert_eq!(e.check(), Ok(()));
        if let Some(f) = e.fedramp.as_mut() {
            f.authorized_on = None;
        }
        assert_eq!(
            e.check().map_err(|e| e.field),
            Err("fedramp.authorized_on".into())
        );
    }

    #[test]
    fn limits_admit_by_marking_and_embargo() {
        let l = DataLimits {
            max_tlp: Tlp::Green,
            embargoed: false,
        };
        assert!(l.admit(Tlp::Clear, false));
        assert!(l.admit(Tlp::Green, false));
        assert!(!l.admit(Tlp::Amber, false));
        assert!(!l.admit(Tlp::Green, true));
        let l = DataLimits {
            max_tlp: Tlp::AmberStrict,
            embargoed: true,
        };
        assert!(l.admit(Tlp::AmberStrict, true));
        assert!(!l.admit(Tlp::Red, false));
    }

    #[test]
    fn the_workflow_moves() {
        use EntryState::*;
        assert!(Draft.may_become(Submitted));
        assert!(Submitted.may_become(Approved));
        assert!(Rejected.may_become(Submitted));
        assert!(!Draft.may_become(Approved));
        assert!(!Approved.may_become(Submitted));
        assert!(!Withdrawn.may_become(Approved));
    }

    #[test]
    fn words_round_trip_and_refusals_list_the_vocabulary() {
        for k in ToolKind::ALL {
            assert_eq!(k.as_str().parse::<ToolKind>(), Ok(*k));
        }
        let err = "llm".parse::<ToolKind>().unwrap_err();
        assert!(
            err.contains("frontier_model") && err.contains("managed_service"),
            "{err}"
        );
    }
}
