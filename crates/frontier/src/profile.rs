//! The model profile: the facts about one AI model that criteria are written
//! over.
//!
//! Every fact but the name may be absent. Absence is information ("we do not
//! know"), not zero: a criterion that reads an absent fact is *unknown*.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

/// The facts about one model that a benchmark set is evaluated against.
///
/// The JSON form uses these field names; unknown fields are refused so that a
/// misspelt field (`training_flops`) is an error rather than a silently
/// missing fact.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelProfile {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Publication date; criteria see it as a timestamp at 00:00:00 UTC.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "date_opt")]
    pub published: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<f64>,
    /// Parameters active per token (mixture-of-experts); absent for dense models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_parameters: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_tokens: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_compute_flop: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_cost_usd: Option<f64>,
    /// Trained mostly on biological sequence data. Never inferred: only a
    /// developer or an agency says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bio_sequence_data: Option<bool>,
    /// Evaluation name → score in [0, 1].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub evals: BTreeMap<String, f64>,
    /// Dual-use flag → set or not.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dual_use: BTreeMap<String, bool>,
}

/// The type a criterion sees a profile field as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    String,
    Timestamp,
    Double,
    Bool,
    /// `map(string, double)`
    ScoreMap,
    /// `map(string, bool)`
    FlagMap,
}

impl FieldType {
    /// The CEL spelling, for documentation and error messages.
    pub fn cel_name(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Timestamp => "timestamp",
            FieldType::Double => "double",
            FieldType::Bool => "bool",
            FieldType::ScoreMap => "map(string, double)",
            FieldType::FlagMap => "map(string, bool)",
        }
    }
}

/// A top-level profile field, as criteria name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Name,
    Organization,
    Published,
    Parameters,
    ActiveParameters,
    TrainingTokens,
    TrainingComputeFlop,
    ComputeCostUsd,
    BioSequenceData,
    Evals,
    DualUse,
}

impl Field {
    /// Every field, in documentation order.
    pub const ALL: [Field; 11] = [
        Field::Name,
        Field::Organization,
        Field::Published,
        Field::Parameters,
        Field::ActiveParameters,
        Field::TrainingTokens,
        Field::TrainingComputeFlop,
        Field::ComputeCostUsd,
        Field::BioSequenceData,
        Field::Evals,
        Field::DualUse,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Organization => "organization",
            Field::Published => "published",
            Field::Parameters => "parameters",
            Field::ActiveParameters => "active_parameters",
            Field::TrainingTokens => "training_tokens",
            Field::TrainingComputeFlop => "training_compute_flop",
            Field::ComputeCostUsd => "compute_cost_usd",
            Field::BioSequenceData => "bio_sequence_data",
            Field::Evals => "evals",
            Field::DualUse => "dual_use",
        }
    }

    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    pub fn cel_type(self) -> FieldType {
        match self {
            Field::Name | Field::Organization => FieldType::String,
            Field::Published => FieldType::Timestamp,
            Field::Parameters
            | Field::ActiveParameters
            | Field::TrainingTokens
            | Field::TrainingComputeFlop
            | Field::ComputeCostUsd => FieldType::Double,
            Field::BioSequenceData => FieldType::Bool,
            Field::Evals => FieldType::ScoreMap,
            Field::DualUse => FieldType::FlagMap,
        }
    }

    /// Whether the profile has this fact. The maps are always present (maybe
    /// empty); their entries are what may be missing.
    pub fn is_present(self, p: &ModelProfile) -> bool {
        match self {
            Field::Name | Field::Evals | Field::DualUse => true,
            Field::Organization => p.organization.is_some(),
            Field::Published => p.published.is_some(),
            Field::Parameters => p.parameters.is_some(),
            Field::ActiveParameters => p.active_parameters.is_some(),
            Field::TrainingTokens => p.training_tokens.is_some(),
            Field::TrainingComputeFlop => p.training_compute_flop.is_some(),
            Field::ComputeCostUsd => p.compute_cost_usd.is_some(),
            Field::BioSequenceData => p.bio_sequence_data.is_some(),
        }
    }
}

/// A profile fact that is out of range, with the field (or `evals.KEY`) named.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidProfile {
    pub field: String,
    pub message: String,
}

impl ModelProfile {
    /// A profile with only a name: every other fact unknown.
    pub fn named(name: impl Into<String>) -> ModelProfile {
        ModelProfile {
            name: name.into(),
            ..ModelProfile::default()
        }
    }

    /// Checks what serde cannot: a name is given, quantities are finite and
    /// not negative, scores lie in [0, 1]. Importers call it so that a
    /// determination never rests on `NaN` or a negative compute.
    pub fn validate(&self) -> Result<(), InvalidProfile> {
        let bad = |field: &str, message: String| InvalidProfile {
            field: field.to_owned(),
            message,
        };
        if self.name.trim().is_empty() {
            return Err(bad("name", "must not be blank".into()));
        }
        let quantities = [
            (Field::Parameters, self.parameters),
            (Field::ActiveParameters, self.active_parameters),
            (Field::TrainingTokens, self.training_tokens),
            (Field::TrainingComputeFlop, self.training_compute_flop),
            (Field::ComputeCostUsd, self.compute_cost_usd),
        ];
        for (field, value) in quantities {
            if let Some(v) = value
                && !(v.is_finite() && v >= 0.0)
            {
                return Err(bad(
                    field.name(),
                    format!("{v} is not a finite, non-negative number"),
                ));
            }
        }
        if let (Some(active), Some(total)) = (self.active_parameters, self.parameters)
            && active > total
        {
            return Err(bad(
                "active_parameters",
                format!("{active} exceeds parameters ({total})"),
            ));
        }
        for (key, score) in &self.evals {
            if key.is_empty() {
                return Err(bad("evals", "an evaluation name must not be empty".into()));
            }
            if !(score.is_finite() && (0.0..=1.0).contains(score)) {
                return Err(bad(
                    &format!("evals.{key}"),
                    format!("score {score} is not in [0, 1]"),
                ));
            }
        }
        if self.dual_use.keys().any(String::is_empty) {
            return Err(bad("dual_use", "a flag name must not be empty".into()));
        }
        Ok(())
    }
}

/// `YYYY-MM-DD` in JSON, as Epoch and the TOML format write dates.
pub(crate) mod date_opt {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};
    use time::Date;

    pub(crate) const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
        time::macros::format_description!("[year]-[month]-[day]");

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => {
                let text = d.format(FORMAT).map_err(serde::ser::Error::custom)?;
                s.serialize_str(&text)
            }
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| {
            Date::parse(&t, FORMAT)
                .map_err(|_| D::Error::custom(format!("{t:?} is not a date (YYYY-MM-DD)")))
        })
        .transpose()
    }
}
