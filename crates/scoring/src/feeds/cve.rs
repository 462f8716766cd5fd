//! CVE JSON 5 records (schema 5.x), read for what prioritisation needs: the
//! id and state, descriptions, the CNA's CVSS metrics, and CISA's ADP
//! container ("Vulnrichment"): its SSVC decision points, its KEV note and
//! its own CVSS when the CNA gave none. Everything else is skipped.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{FeedError, from_json};
use crate::ssvc::{DecisionPoints, SsvcError};

/// What Bulwark takes from a record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CveRecord {
    pub id: String,
    /// `PUBLISHED` or `REJECTED`.
    pub state: String,
    /// The CNA's descriptions (for a rejected record: its reasons).
    pub descriptions: Vec<Description>,
    /// Every CVSS metric the CNA gives, any version, in record order.
    pub cna_cvss: Vec<CvssMetric>,
    pub cisa_adp: Option<CisaAdp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Description {
    pub lang: String,
    pub value: String,
}

/// A CVSS metric as stated: the vector and the base score the source gives,
/// which [`crate::cvss::check`] can hold against the vector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvssMetric {
    /// `2.0`, `3.0`, `3.1` or `4.0`, from the metric's key (`cvssV3_1`).
    pub version: String,
    pub vector: String,
    pub base_score: Option<f64>,
}

/// CISA's ADP container.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CisaAdp {
    pub ssvc: Option<AdpSsvc>,
    pub kev: Option<AdpKev>,
    pub cvss: Vec<CvssMetric>,
}

/// The raw SSVC options CISA publishes, kept as written (`Active`, `poc`);
/// [`AdpSsvc::points`] normalises them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdpSsvc {
    pub exploitation: Option<String>,
    pub automatable: Option<String>,
    pub technical_impact: Option<String>,
    /// SSVC version of the tree (`2.0.3`).
    pub version: Option<String>,
    pub role: Option<String>,
    pub timestamp: Option<String>,
}

/// The ADP's KEV note: the record was in KEV when CISA enriched it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdpKev {
    pub date_added: String,
    #[serde(default)]
    pub reference: Option<String>,
}

/// Why an ADP's options do not make decision points.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PointsError {
    #[error("the ADP's SSVC has no `{0}` option")]
    Missing(&'static str),
    #[error(transparent)]
    Value(#[from] SsvcError),
}

impl AdpSsvc {
    /// The three decision points, parsed and normalised.
    pub fn points(&self) -> Result<DecisionPoints, PointsError> {
        fn get<'a>(v: &'a Option<String>, name: &'static str) -> Result<&'a str, PointsError> {
            v.as_deref().ok_or(PointsError::Missing(name))
        }
        Ok(DecisionPoints {
            exploitation: get(&self.exploitation, "Exploitation")?.parse()?,
            automatable: get(&self.automatable, "Automatable")?.parse()?,
            technical_impact: get(&self.technical_impact, "Technical Impact")?.parse()?,
        })
    }
}

impl CveRecord {
    /// Parses one record; errors name the JSON path
    /// (`containers.adp[1].metrics[0].other.content.options`).
    pub fn parse(bytes: &[u8]) -> Result<CveRecord, FeedError> {
        let raw: RawRecord = from_json(bytes)?;
        let cna = raw.containers.cna.unwrap_or_default();
        let mut adp = None;
        for (i, c) in raw.containers.adp.into_iter().enumerate() {
            if c.is_cisa() {
                adp = Some(cisa_adp(c, i)?);
                break;
            }
        }
        let descriptions = if cna.descriptions.is_empty() {
            cna.rejected_reasons
        } else {
            cna.descriptions
        };
        Ok(CveRecord {
            id: raw.cve_metadata.cve_id,
            state: raw.cve_metadata.state,
            descriptions,
            cna_cvss: cna.metrics.iter().flat_map(RawMetric::cvss).collect(),
            cisa_adp: adp,
        })
    }

    /// The SSVC decision points from CISA's ADP, if it has any.
    pub fn ssvc_points(&self) -> Option<Result<DecisionPoints, PointsError>> {
        self.cisa_adp
            .as_ref()
            .and_then(|a| a.ssvc.as_ref())
            .map(AdpSsvc::points)
    }
}

fn cisa_adp(c: RawContainer, index: usize) -> Result<CisaAdp, FeedError> {
    let mut adp = CisaAdp::default();
    for (j, m) in c.metrics.iter().enumerate() {
        adp.cvss.extend(m.cvss());
        let Some(other) = &m.other else { continue };
        let at = format!("containers.adp[{index}].metrics[{j}].other.content");
        match other.kind.as_str() {
            "ssvc" => {
                let s: RawSsvc = content(&other.content, &at)?;
                let mut ssvc = AdpSsvc {
                    exploitation: None,
                    automatable: None,
                    technical_impact: None,
                    version: s.version,
                    role: s.role,
                    timestamp: s.timestamp,
                };
                // Options are a list of one-key objects.
                for option in s.options {
                    for (key, value) in option {
                        let slot = match key.as_str() {
                            "Exploitation" => &mut ssvc.exploitation,
                            "Automatable" => &mut ssvc.automatable,
                            "Technical Impact" => &mut ssvc.technical_impact,
                            _ => continue,
                        };
                        *slot = Some(value);
                    }
                }
                adp.ssvc = Some(ssvc);
            }
            "kev" => adp.kev = Some(content(&other.content, &at)?),
            _ => {}
        }
    }
    Ok(adp)
}

/// Deserializes an `other.content` (typed by its sibling `type`), keeping
/// the full path in errors.
fn content<T: for<'de> Deserialize<'de>>(value: &Value, at: &str) -> Result<T, FeedError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        FeedError::Json {
            path: if inner == "." {
                at.to_owned()
            } else {
                format!("{at}.{inner}")
            },
            message: e.into_inner().to_string(),
        }
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRecord {
    cve_metadata: RawMeta,
    #[serde(default)]
    containers: RawContainers,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMeta {
    cve_id: String,
    state: String,
}

#[derive(Deserialize, Default)]
struct RawContainers {
    #[serde(default)]
    cna: Option<RawContainer>,
    #[serde(default)]
    adp: Vec<RawContainer>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawContainer {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    provider_metadata: Option<RawProvider>,
    #[serde(default)]
    metrics: Vec<RawMetric>,
    #[serde(default)]
    descriptions: Vec<Description>,
    #[serde(default)]
    rejected_reasons: Vec<Description>,
}

impl RawContainer {
    fn is_cisa(&self) -> bool {
        self.provider_metadata
            .as_ref()
            .and_then(|p| p.short_name.as_deref())
            == Some("CISA-ADP")
            || self.title.as_deref() == Some("CISA ADP Vulnrichment")
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProvider {
    #[serde(default)]
    short_name: Option<String>,
}

#[derive(Deserialize)]
struct RawMetric {
    #[serde(rename = "cvssV2_0", default)]
    v2_0: Option<RawCvss>,
    #[serde(rename = "cvssV3_0", default)]
    v3_0: Option<RawCvss>,
    #[serde(rename = "cvssV3_1", default)]
    v3_1: Option<RawCvss>,
    #[serde(rename = "cvssV4_0", default)]
    v4_0: Option<RawCvss>,
    #[serde(default)]
    other: Option<RawOther>,
}

impl RawMetric {
    fn cvss(&self) -> impl Iterator<Item = CvssMetric> + '_ {
        [
            ("4.0", &self.v4_0),
            ("3.1", &self.v3_1),
            ("3.0", &self.v3_0),
            ("2.0", &self.v2_0),
        ]
        .into_iter()
        .filter_map(|(version, m)| {
            m.as_ref().map(|m| CvssMetric {
                version: version.to_owned(),
                vector: m.vector_string.clone(),
                base_score: m.base_score,
            })
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCvss {
    vector_string: String,
    #[serde(default)]
    base_score: Option<f64>,
}

#[derive(Deserialize)]
struct RawOther {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    content: Value,
}

#[derive(Deserialize)]
struct RawSsvc {
    #[serde(default)]
    options: Vec<std::collections::BTreeMap<String, String>>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssvc::{Automatable, Exploitation, TechnicalImpact};

    const RECORD: &str = r#"{"dataType":"CVE_RECORD","dataVersion":"5.1",
      "cveMetadata":{"cveId":"CVE-2024-0001","state":"PUBLISHED"},
      "containers":{
        "cna":{"descriptions":[{"lang":"en","value":"a bug"}],
               "metrics":[{"format":"CVSS","cvssV3_1":{"version":"3.1","baseScore":9.8,
                 "vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}]},
        "adp":[{"title":"CVE Program Container","providerMetadata":{"shortName":"CVE"}},
               {"title":"CISA ADP Vulnrichment","providerMetadata":{"shortName":"CISA-ADP"},
                "metrics":[{"other":{"type":"ssvc","content":{"options":[{"Exploitation":"PoC"},
                   {"Automatable":"Yes"},{"Technical Impact":"total"}],"version":"2.0.3"}}},
                   {"other":{"type":"kev","content":{"dateAdded":"2024-05-30"}}}]}]}}"#;

    #[test]
    fn reads_what_prioritisation_needs() {
        let r = CveRecord::parse(RECORD.as_bytes()).unwrap();
        assert_eq!(r.id, "CVE-2024-0001");
        assert_eq!(r.cna_cvss[0].version, "3.1");
        assert_eq!(r.cna_cvss[0].base_score, Some(9.8));
        let adp = r.cisa_adp.as_ref().unwrap();
        assert_eq!(adp.kev.as_ref().unwrap().date_added, "2024-05-30");
        let p = r.ssvc_points().unwrap().unwrap();
        assert_eq!(p.exploitation, Exploitation::PublicPoc);
        assert_eq!(p.automatable, Automatable::Yes);
        assert_eq!(p.technical_impact, TechnicalImpact::Total);
    }

    #[test]
    fn errors_name_the_path() {
        let bad = RECORD.replace(r#"{"Automatable":"Yes"}"#, r#"{"Automatable":true}"#);
        let e = CveRecord::parse(bad.as_bytes()).unwrap_err().to_string();
        assert!(
            e.starts_with("at containers.adp[1].metrics[0].other.content.options[1].Automatable:"),
            "{e}"
        );
        let bad = RECORD.replace(r#""baseScore":9.8"#, r#""baseScore":"high""#);
        let e = CveRecord::parse(bad.as_bytes()).unwrap_err().to_string();
        assert!(
            e.starts_with("at containers.cna.metrics[0].cvssV3_1.baseScore:"),
            "{e}"
        );
        let e = CveRecord::parse(b"{").unwrap_err().to_string();
        assert!(e.starts_with("at "), "{e}");
    }
}
