//! Model registry import: Epoch AI's CSV layout and Bulwark's JSON profiles.
//!
//! Each reader comes in two forms. Row by row ([`epoch_csv_rows`],
//! [`profiles_json_rows`]): every row with its profile or why it is not one,
//! so a caller may take the models and name the rows it skipped; only a file
//! that is not the format at all is refused. All or nothing ([`epoch_csv`],
//! [`profiles_json`]): the first row that is not a model refuses the file,
//! with its place named. Either way every error names its place.

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

/// One data row of an import and what it holds: a profile, or why it is
/// not one.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The row as a user counts it: 1-based, data rows only (the first row
    /// after a CSV's header, or the first element of a JSON array, is row
    /// 1). A CSV error also names the line where the row starts, which
    /// differs where cells span lines.
    pub row: usize,
    pub profile: Result<ModelProfile, ImportError>,
}

/// The first row that is not a model, if any, else every profile: the
/// all-or-nothing reading.
fn all_or_nothing(rows: Vec<Row>) -> Result<Vec<ModelProfile>, ImportError> {
    rows.into_iter().map(|r| r.profile).collect()
}

/// Reads Epoch AI's CSV (any of its exports: all, notable, large-scale,
/// frontier models), all or nothing: the first row that is not a model
/// refuses the file. [`epoch_csv_rows`] says the rows read.
pub fn epoch_csv<R: Read>(reader: R) -> Result<Vec<ModelProfile>, ImportError> {
    all_or_nothing(epoch_csv_rows(reader)?)
}

/// Reads Epoch AI's CSV row by row: every data row, in order, with its
/// profile or why it is not one (a blank name, a number that is not one,
/// a row blank apart from bookkeeping columns such as `Last modified`, as
/// real exports hold, a wrong number of fields). Only a file that is not
/// CSV in Epoch's layout (a required column missing or doubled) is refused
/// whole.
///
/// Blank cells are unknown facts. The dataset size, from whichever of
/// Epoch's two dataset-size columns the file has (the gradients column
/// first), becomes `training_tokens`; where Epoch lists several different
/// sizes in one cell, it stays unknown. `bio_sequence_data` is never
/// inferred (Epoch's Domain column says "Biology" for models that are not
/// sequence models), and evaluation scores come from elsewhere.
pub fn epoch_csv_rows<R: Read>(reader: R) -> Result<Vec<Row>, ImportError> {
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

    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        // The reader moves past a record it reports as bad (wrong number of
        // fields, not UTF-8), so the next row is read as if it were fine.
        let profile = match rdr.read_record(&mut record) {
            Ok(true) => epoch_row(&record, &headers, &cols),
            Ok(false) => break,
            Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => {
                return Err(csv_error(e, Some(&headers)));
            }
            Err(e) => Err(csv_error(e, Some(&headers))),
        };
        rows.push(Row {
            row: rows.len() + 1,
            profile,
        });
    }
    Ok(rows)
}

impl Columns {
    /// The columns a profile is read from.
    fn read(&self) -> impl Iterator<Item = usize> {
        [
            Some(self.model),
            Some(self.organization),
            Some(self.published),
            Some(self.parameters),
            Some(self.compute),
            self.tokens,
            self.cost,
        ]
        .into_iter()
        .flatten()
    }
}

/// How many filled columns a "blank apart from …" message names.
const NAMED_COLUMNS: usize = 3;

/// One CSV record as a profile.
fn epoch_row(
    record: &csv::StringRecord,
    headers: &csv::StringRecord,
    cols: &Columns,
) -> Result<ModelProfile, ImportError> {
    let line = record.position().map_or(0, csv::Position::line);
    let cell = |i: usize| record.get(i).map(str::trim).filter(|s| !s.is_empty());
    let header = |i: usize| headers.get(i).unwrap_or_default().trim();
    let bad = |i: usize, message: String| ImportError::Csv {
        line,
        column: Some((i + 1, header(i).to_owned())),
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
    let Some(name) = cell(cols.model) else {
        // Say whether the row is a model without a name or no model at
        // all, as the rows of bookkeeping columns alone in Epoch's exports.
        let filled: Vec<usize> = (0..record.len()).filter(|&i| cell(i).is_some()).collect();
        let message = if filled.is_empty() {
            "not a model: the row is blank".to_owned()
        } else if cols.read().all(|i| cell(i).is_none()) {
            let mut names: Vec<&str> = filled.iter().map(|&i| header(i)).collect();
            if names.len() > NAMED_COLUMNS {
                names.truncate(NAMED_COLUMNS);
                names.push("…");
            }
            format!(
                "not a model: the row is blank apart from {}",
                names.join(", ")
            )
        } else {
            "the model name is blank".to_owned()
        };
        return Err(bad(cols.model, message));
    };
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
    Ok(ModelProfile {
        name: name.to_owned(),
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
    })
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

/// Reads a JSON array of profiles (the field names of [`ModelProfile`]),
/// all or nothing: the first element that is not a profile refuses the
/// file. [`profiles_json_rows`] says the elements read.
pub fn profiles_json(bytes: &[u8]) -> Result<Vec<ModelProfile>, ImportError> {
    all_or_nothing(profiles_json_rows(bytes)?)
}

/// Reads a JSON array of profiles element by element: each element, in
/// order, with its profile or why it is not one (unknown fields are
/// refused, every profile is validated; the error names the JSON path,
/// `$[3].evals.cybench`). A document that is not JSON or not an array is
/// refused whole.
pub fn profiles_json_rows(bytes: &[u8]) -> Result<Vec<Row>, ImportError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let elements: Vec<serde_json::Value> =
        serde_path_to_error::deserialize(de).map_err(|e| ImportError::Json {
            path: json_path(&e.path().to_string()),
            message: e.inner().to_string(),
        })?;
    Ok(elements
        .into_iter()
        .enumerate()
        .map(|(i, element)| Row {
            row: i + 1,
            profile: json_profile(i, element),
        })
        .collect())
}

/// Element `i` of the array as a profile; paths are the array's.
fn json_profile(i: usize, element: serde_json::Value) -> Result<ModelProfile, ImportError> {
    // serde reads a struct from an array too (`["A"]` as a profile named
    // A); a profile is an object.
    if !element.is_object() {
        return Err(ImportError::Json {
            path: format!("$[{i}]"),
            message: format!(
                "a profile must be a JSON object, not {}",
                json_kind(&element)
            ),
        });
    }
    // Nested objects too: an array is refused, not read field by field.
    let profile: ModelProfile =
        serde_path_to_error::deserialize(Strict(element)).map_err(|e| ImportError::Json {
            path: json_path(&format!("[{i}]{}", sub_path(&e.path().to_string()))),
            message: e.inner().to_string(),
        })?;
    profile.validate().map_err(|e| ImportError::Json {
        path: format!("$[{i}].{}", e.field),
        message: e.message,
    })?;
    Ok(profile)
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// A path within an element (`evals.cybench`, `.`) as it follows `[i]`.
fn sub_path(p: &str) -> String {
    if p == "." || p.is_empty() {
        String::new()
    } else if p.starts_with('[') {
        p.to_owned()
    } else {
        format!(".{p}")
    }
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
