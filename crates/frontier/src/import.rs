//! Model registry import: Epoch AI's CSV layout and Bulwark's JSON profiles.
//!
//! Imports are all-or-nothing: the first bad row or value fails the whole
//! import, with its place named, so a registry never holds half a file.

use std::io::Read;

use bulwark_core::json::Strict;
use time::Date;

use crate::profile::{ModelProfile, date_opt::FORMAT};

/// Why an import was refused, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// A CSV problem. `line` is the 1-based line where the record starts
    /// (Epoch's cells may span lines); `column` is 1-based, with its header.
    #[error("line {line}{}: {message}", column.as_ref().map(|(n, h)| format!(", column {n} ({h})")).unwrap_or_default())]
    Csv {
        line: u64,
        column: Option<(usize, String)>,
        message: String,
    },
    /// A JSON problem at `path` (`$[3].evals.cybench`).
    #[error("{path}: {message}")]
    Json { path: String, message: String },
}

/// Column headers of Epoch AI's model data.
pub mod epoch {
    pub const MODEL: &str = "Model";
    pub const ORGANIZATION: &str = "Organization";
    pub const PUBLICATION_DATE: &str = "Publication date";
    pub const PARAMETERS: &str = "Parameters";
    pub const TRAINING_COMPUTE: &str = "Training compute (FLOP)";
    /// Dataset size, in the exports that have it (notable, frontier models).
    pub const DATASET_SIZE_GRADIENTS: &str = "Training dataset size (gradients)";
    /// Dataset size, in the large-scale models export.
    pub const DATASET_SIZE_DATAPOINTS: &str = "(DEPRECATED) Training dataset size (datapoints)";
    /// Optional: cost in 2023 US dollars.
    pub const COMPUTE_COST: &str = "Training compute cost (2023 USD)";
}

struct Columns {
    model: usize,
    organization: usize,
    published: usize,
    parameters: usize,
    compute: usize,
    tokens: Option<usize>,
    cost: Option<usize>,
}

/// Reads Epoch AI's CSV (any of its exports: all, notable, large-scale,
/// frontier models). Blank cells are unknown facts. The dataset size, from
/// whichever of Epoch's two dataset-size columns the file has (the
/// gradients column first), becomes `training_tokens`; where Epoch lists
/// several different sizes in one cell, it stays unknown. `bio_sequence_data`
/// is never inferred (Epoch's Domain column says "Biology" for models that
/// are not sequence models), and evaluation scores come from elsewhere.
pub fn epoch_csv<R: Read>(reader: R) -> Result<Vec<ModelProfile>, ImportError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(reader);
    let headers = rdr.headers().map_err(|e| csv_error(e, None))?.clone();
    let find = |name: &str| -> Result<Option<usize>, ImportError> {
        let mut found = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| h.trim() == name)
            .map(|(i, _)| i);
        let first = found.next();
        if found.next().is_some() {
            return Err(ImportError::Csv {
                line: 1,
                column: None,
                message: format!("column {name:?} appears more than once"),
            });
        }
        Ok(first)
    };
    let required = |name: &str| -> Result<usize, ImportError> {
        find(name)?.ok_or_else(|| ImportError::Csv {
            line: 1,
            column: None,
            message: format!("no {name:?} column: not Epoch AI's layout"),
        })
    };
    let cols = Columns {
        model: required(epoch::MODEL)?,
        organization: required(epoch::ORGANIZATION)?,
        published: required(epoch::PUBLICATION_DATE)?,
        parameters: required(epoch::PARAMETERS)?,
        compute: required(epoch::TRAINING_COMPUTE)?,
        tokens: match find(epoch::DATASET_SIZE_GRADIENTS)? {
            Some(i) => Some(i),
            None => find(epoch::DATASET_SIZE_DATAPOINTS)?,
        },
        cost: find(epoch::COMPUTE_COST)?,
    };

    let mut profiles = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(e, Some(&headers))),
        }
        let line = record.position().map_or(0, csv::Position::line);
        let cell = |i: usize| record.get(i).map(str::trim).filter(|s| !s.is_empty());
        let bad = |i: usize, message: String| ImportError::Csv {
            line,
            column: Some((i + 1, headers.get(i).unwrap_or_default().to_owned())),
            message,
        };
        let number = |i: Option<usize>| -> Result<Option<f64>, ImportError> {
            let Some(i) = i else { return Ok(None) };
            cell(i)
                .map(|s| match s.parse::<f64>() {
                    Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
                    _ => Err(bad(i, format!("{s:?} is not a non-negative number"))),
                })
                .transpose()
        };
        let name = cell(cols.model)
            .ok_or_else(|| bad(cols.model, "the model name is blank".into()))?
            .to_owned();
        let published = cell(cols.published)
            .map(|s| {
                Date::parse(s, FORMAT)
                    .map_err(|_| bad(cols.published, format!("{s:?} is not a date (YYYY-MM-DD)")))
            })
            .transpose()?;
        // Epoch lists several dataset sizes for a few models (one per stage
        // or version) without saying which one trained the model: equal
        // values are that value, different ones leave the size unknown.
        let tokens = match cols.tokens.and_then(cell) {
            Some(s) if s.contains(',') => {
                let i = cols.tokens.unwrap_or_default();
                let values = s
                    .split(',')
                    .map(|part| match part.trim().parse::<f64>() {
                        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
                        _ => Err(bad(
                            i,
                            format!("{s:?} is not a list of non-negative numbers"),
                        )),
                    })
                    .collect::<Result<Vec<f64>, _>>()?;
                values
                    .first()
                    .copied()
                    .filter(|first| values.iter().all(|v| v == first))
            }
            _ => number(cols.tokens)?,
        };
        profiles.push(ModelProfile {
            name,
            organization: cell(cols.organization).map(str::to_owned),
            published,
            parameters: number(Some(cols.parameters))?,
            active_parameters: None,
            training_tokens: tokens,
            training_compute_flop: number(Some(cols.compute))?,
            compute_cost_usd: number(cols.cost)?,
            bio_sequence_data: None,
            evals: Default::default(),
            dual_use: Default::default(),
        });
    }
    Ok(profiles)
}

fn csv_error(e: csv::Error, headers: Option<&csv::StringRecord>) -> ImportError {
    let line = e.position().map_or(1, csv::Position::line);
    let (message, column) = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => (
            format!("{len} fields where the header has {expected_len}"),
            None,
        ),
        csv::ErrorKind::Utf8 { err, .. } => {
            let header = headers
                .and_then(|h| h.get(err.field()))
                .unwrap_or_default()
                .to_owned();
            (
                "not valid UTF-8".to_owned(),
                Some((err.field() + 1, header)),
            )
        }
        _ => (e.to_string(), None),
    };
    ImportError::Csv {
        line,
        column,
        message,
    }
}

/// Reads a JSON array of profiles (the field names of [`ModelProfile`]).
/// Unknown fields are refused; every profile is validated; the error names
/// the JSON path of the first problem.
pub fn profiles_json(bytes: &[u8]) -> Result<Vec<ModelProfile>, ImportError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    // A profile written as an array is refused, not read field by field.
    let profiles: Vec<ModelProfile> =
        serde_path_to_error::deserialize(Strict(de)).map_err(|e| ImportError::Json {
            path: json_path(&e.path().to_string()),
            message: e.inner().to_string(),
        })?;
    for (i, p) in profiles.iter().enumerate() {
        p.validate().map_err(|e| ImportError::Json {
            path: format!("$[{i}].{}", e.field),
            message: e.message,
        })?;
    }
    Ok(profiles)
}

/// `serde_path_to_error` writes `[3].evals` or `.`; show JSONPath-like `$[3].evals`.
pub(crate) fn json_path(p: &str) -> String {
    if p == "." || p.is_empty() {
        "$".to_owned()
    } else if p.starts_with('[') {
        format!("${p}")
    } else {
        format!("$.{p}")
    }
}
