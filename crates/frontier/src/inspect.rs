//! Evaluation scores from Inspect AI logs (UK AI Security Institute's
//! framework), in both of its formats:
//!
//! - `.json`: one JSON object, the whole `EvalLog`;
//! - `.eval`: a zip archive whose `header.json` holds the same object without
//!   the samples, written when the evaluation finishes (a run still going
//!   has only `_journal/start.json`, and no results).
//!
//! Only the header is read: format `version` (2), `status`, `eval.task`,
//! `eval.model`, `eval.created` and `results` (`total_samples`,
//! `completed_samples`, `scores[].{name, scorer, reducer, metrics}`, and the
//! optional `headline` declaration). Those are checked strictly; fields
//! added by later Inspect versions are ignored, as Inspect itself does.

use std::io::{Cursor, Read};

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};

use crate::import::json_path;
use crate::profile::ModelProfile;

/// The log format versions read here.
pub const SUPPORTED_VERSION: u32 = 2;
/// Largest `header.json` read from an archive: headers are kilobytes; this
/// guards against a decompression bomb.
pub const MAX_HEADER_BYTES: u64 = 16 * 1024 * 1024;

/// Why a log was refused, naming the zip entry and JSON path where it applies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InspectError {
    #[error("{}{path}: {message}", entry.as_ref().map(|e| format!("{e}: ")).unwrap_or_default())]
    Json {
        /// The zip entry (`header.json`) for a `.eval` log.
        entry: Option<String>,
        path: String,
        message: String,
    },
    #[error("not a readable .eval archive: {0}")]
    Zip(String),
    #[error("{entry}: {message}")]
    Entry { entry: String, message: String },
    /// The log is well formed but cannot give a score.
    #[error("{0}")]
    Unusable(String),
}

/// How the evaluation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvalStatus {
    Started,
    Success,
    Cancelled,
    Error,
}

/// One metric of a scorer. `value` is `None` where Inspect wrote `null` (it
/// writes NaN and infinities so, e.g. the stderr of a single sample).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Metric {
    pub name: String,
    pub value: Option<f64>,
}

/// One scorer's results, metrics in the order of the log.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Score {
    pub name: String,
    pub scorer: String,
    pub reducer: Option<String>,
    pub metrics: Vec<Metric>,
}

/// The headline result: the metric Inspect itself reports first.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Headline {
    /// Index into [`InspectLog::scores`].
    pub score: usize,
    pub metric: String,
    pub value: Option<f64>,
}

/// What Bulwark takes from an Inspect log.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InspectLog {
    pub version: u32,
    pub status: EvalStatus,
    pub task: String,
    pub model: String,
    /// As written (RFC 3339 with the writer's offset).
    pub created: String,
    pub total_samples: u64,
    pub completed_samples: u64,
    pub scores: Vec<Score>,
    pub headline: Option<Headline>,
}

// ------------------------------------------------------------ raw shape

#[derive(Deserialize)]
struct RawLog {
    version: u32,
    status: EvalStatus,
    eval: RawSpec,
    #[serde(default)]
    results: Option<RawResults>,
}

#[derive(Deserialize)]
struct RawSpec {
    task: String,
    model: String,
    created: String,
    #[serde(default)]
    headline_metric: Option<RawHeadline>,
}

#[derive(Deserialize)]
struct RawResults {
    #[serde(default)]
    total_samples: u64,
    #[serde(default)]
    completed_samples: u64,
    #[serde(default)]
    scores: Vec<RawScore>,
    #[serde(default)]
    headline: Option<RawHeadline>,
}

#[derive(Deserialize)]
struct RawScore {
    name: String,
    scorer: String,
    #[serde(default)]
    reducer: Option<String>,
    #[serde(default)]
    metrics: Ordered<RawMetric>,
}

#[derive(Deserialize)]
struct RawMetric {
    #[allow(dead_code)]
    name: String,
    value: Option<f64>,
}

/// Inspect's headline declaration: each given field narrows the scores.
#[derive(Deserialize, Default)]
struct RawHeadline {
    #[serde(default)]
    reducer: Option<String>,
    #[serde(default)]
    scorer: Option<String>,
    #[serde(default)]
    score: Option<String>,
    #[serde(default)]
    metric: Option<String>,
}

/// A JSON object kept in the order written: Inspect's headline is the
/// *first* metric, which a sorted map would lose.
struct Ordered<T>(Vec<(String, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered<T>, A::Error> {
                let mut out: Vec<(String, T)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.iter().any(|(k, _)| *k == key) {
                        return Err(serde::de::Error::custom(format!("duplicate key {key:?}")));
                    }
                    let value = map.next_value()?;
                    out.push((key, value));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

// ------------------------------------------------------------ reading

/// Reads either format, told apart by content (a zip starts with `PK`).
pub fn parse(bytes: &[u8]) -> Result<InspectLog, InspectError> {
    if bytes.starts_with(b"PK") {
        from_eval(bytes)
    } else {
        from_json(bytes)
    }
}

/// Reads a `.json` log.
pub fn from_json(bytes: &[u8]) -> Result<InspectLog, InspectError> {
    read_header(bytes, None)
}

/// Reads a `.eval` log (zip): its `header.json`.
pub fn from_eval(bytes: &[u8]) -> Result<InspectLog, InspectError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| InspectError::Zip(e.to_string()))?;
    let header = "header.json";
    if archive.index_for_name(header).is_none() {
        let message = if archive.index_for_name("_journal/start.json").is_some() {
            "missing: the evaluation has not finished, so the log has no results yet"
        } else {
            "missing: not an Inspect .eval log"
        };
        return Err(InspectError::Entry {
            entry: header.into(),
            message: message.into(),
        });
    }
    let entry_error = |message: String| InspectError::Entry {
        entry: header.into(),
        message,
    };
    let file = archive
        .by_name(header)
        .map_err(|e| entry_error(e.to_string()))?;
    if file.size() > MAX_HEADER_BYTES {
        return Err(entry_error(format!(
            "{} bytes; a header is at most {MAX_HEADER_BYTES}",
            file.size()
        )));
    }
    let mut text = Vec::new();
    file.take(MAX_HEADER_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|e| entry_error(e.to_string()))?;
    if text.len() as u64 > MAX_HEADER_BYTES {
        return Err(entry_error(format!("larger than {MAX_HEADER_BYTES} bytes")));
    }
    read_header(&text, Some(header))
}

fn read_header(bytes: &[u8], entry: Option<&str>) -> Result<InspectLog, InspectError> {
    let json_error = |path: String, message: String| InspectError::Json {
        entry: entry.map(str::to_owned),
        path,
        message,
    };
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let raw: RawLog = serde_path_to_error::deserialize(bulwark_core::json::Strict(de))
        .map_err(|e| json_error(json_path(&e.path().to_string()), e.inner().to_string()))?;
    if raw.version != SUPPORTED_VERSION {
        return Err(json_error(
            "$.version".into(),
            format!(
                "log format version {} is not supported (version {SUPPORTED_VERSION} is)",
                raw.version
            ),
        ));
    }
    let (total_samples, completed_samples, raw_scores, declared) = match raw.results {
        Some(r) => (r.total_samples, r.completed_samples, r.scores, r.headline),
        None => (0, 0, Vec::new(), None),
    };
    let scores: Vec<Score> = raw_scores
        .into_iter()
        .map(|s| Score {
            name: s.name,
            scorer: s.scorer,
            reducer: s.reducer,
            metrics: s
                .metrics
                .0
                .into_iter()
                .map(|(name, m)| Metric {
                    name,
                    value: m.value,
                })
                .collect(),
        })
        .collect();
    let declared = declared.or(raw.eval.headline_metric);
    let headline = resolve_headline(&scores, declared.as_ref());
    Ok(InspectLog {
        version: raw.version,
        status: raw.status,
        task: raw.eval.task,
        model: raw.eval.model,
        created: raw.eval.created,
        total_samples,
        completed_samples,
        scores,
        headline,
    })
}

/// Inspect's rule: a declaration narrows by reducer, scorer, score, then
/// picks its metric; a declaration that matches nothing is dropped whole;
/// without one, the first metric of the first score.
fn resolve_headline(scores: &[Score], declared: Option<&RawHeadline>) -> Option<Headline> {
    let first_metric = |i: usize| {
        scores.get(i).and_then(|s| {
            s.metrics.first().map(|m| Headline {
                score: i,
                metric: m.name.clone(),
                value: m.value,
            })
        })
    };
    if let Some(d) = declared {
        let mut candidates: Vec<usize> = (0..scores.len()).collect();
        let narrow =
            |c: &mut Vec<usize>, want: &Option<String>, get: &dyn Fn(&Score) -> Option<&str>| {
                if let Some(w) = want {
                    c.retain(|&i| get(&scores[i]) == Some(w.as_str()));
                }
            };
        narrow(&mut candidates, &d.reducer, &|s| s.reducer.as_deref());
        narrow(&mut candidates, &d.scorer, &|s| Some(s.scorer.as_str()));
        narrow(&mut candidates, &d.score, &|s| Some(s.name.as_str()));
        if !candidates.is_empty() {
            match &d.metric {
                Some(metric) => {
                    for &i in &candidates {
                        if let Some(m) = scores[i].metrics.iter().find(|m| &m.name == metric) {
                            return Some(Headline {
                                score: i,
                                metric: m.name.clone(),
                                value: m.value,
                            });
                        }
                    }
                }
                None => return first_metric(candidates[0]),
            }
        }
    }
    first_metric(0)
}

impl InspectLog {
    /// The score that holds the headline metric, if any.
    pub fn headline_score(&self) -> Option<&Score> {
        self.headline
            .as_ref()
            .and_then(|h| self.scores.get(h.score))
    }

    /// The headline score's metrics, name → value, in the log's order
    /// (`accuracy`, `stderr`, …).
    pub fn headline_metrics(&self) -> Vec<(&str, Option<f64>)> {
        self.headline_score()
            .map(|s| {
                s.metrics
                    .iter()
                    .map(|m| (m.name.as_str(), m.value))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A metric by score and metric name.
    pub fn metric(&self, score: &str, metric: &str) -> Option<f64> {
        self.scores
            .iter()
            .find(|s| s.name == score)?
            .metrics
            .iter()
            .find(|m| m.name == metric)?
            .value
    }

    /// The headline value as a profile score: only from a run that finished
    /// (`success`), and only a number in [0, 1], the range criteria assume.
    pub fn profile_score(&self) -> Result<f64, InspectError> {
        if self.status != EvalStatus::Success {
            return Err(InspectError::Unusable(format!(
                "the evaluation's status is {:?}, not success: its scores are partial",
                self.status
            )));
        }
        let h = self
            .headline
            .as_ref()
            .ok_or_else(|| InspectError::Unusable("the log has no scores".into()))?;
        match h.value {
            Some(v) if v.is_finite() && (0.0..=1.0).contains(&v) => Ok(v),
            Some(v) => Err(InspectError::Unusable(format!(
                "headline metric {:?} is {v}, not a score in [0, 1]",
                h.metric
            ))),
            None => Err(InspectError::Unusable(format!(
                "headline metric {:?} has no value",
                h.metric
            ))),
        }
    }

    /// Sets `profile.evals[eval_name]` to the headline score (see
    /// [`profile_score`](Self::profile_score)); returns the value.
    pub fn attach(&self, profile: &mut ModelProfile, eval_name: &str) -> Result<f64, InspectError> {
        if eval_name.is_empty() {
            return Err(InspectError::Unusable(
                "the evaluation name is empty".into(),
            ));
        }
        let v = self.profile_score()?;
        profile.evals.insert(eval_name.to_owned(), v);
        Ok(v)
    }
}
