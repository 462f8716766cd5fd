//! CISA's Known Exploited Vulnerabilities catalog (JSON feed).
//!
//! Dates are kept as CISA publishes them: a due date is CISA's decision for
//! that entry (it has changed under different directives), never something
//! to recompute from `dateAdded`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::format_description;

use super::{FeedError, from_json};

/// The catalog.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KevCatalog {
    #[serde(default)]
    pub title: Option<String>,
    pub catalog_version: String,
    pub date_released: String,
    /// The count CISA states; [`KevCatalog::count_matches`] checks it.
    pub count: u64,
    pub vulnerabilities: Vec<KevEntry>,
}

/// One listed vulnerability.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KevEntry {
    #[serde(rename = "cveID")]
    pub cve_id: String,
    pub vendor_project: String,
    pub product: String,
    pub vulnerability_name: String,
    /// `YYYY-MM-DD`, as published.
    pub date_added: String,
    pub short_description: String,
    pub required_action: String,
    /// `YYYY-MM-DD`, as published.
    pub due_date: String,
    /// `Known` or `Unknown`.
    pub known_ransomware_campaign_use: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub cwes: Vec<String>,
}

fn date(s: &str) -> Option<Date> {
    Date::parse(s, format_description!("[year]-[month]-[day]")).ok()
}

impl KevEntry {
    /// `dateAdded` as a date, when it is one.
    pub fn date_added(&self) -> Option<Date> {
        date(&self.date_added)
    }

    /// `dueDate` as a date, when it is one.
    pub fn due_date(&self) -> Option<Date> {
        date(&self.due_date)
    }

    pub fn known_ransomware_use(&self) -> bool {
        self.known_ransomware_campaign_use
            .eq_ignore_ascii_case("known")
    }
}

impl KevCatalog {
    /// Parses the JSON feed; errors name the JSON path.
    pub fn parse(bytes: &[u8]) -> Result<KevCatalog, FeedError> {
        from_json(bytes)
    }

    /// Parses the JSON feed entry by entry: the catalog's own fields must
    /// be right, but an entry that is not is set aside with its path
    /// (`vulnerabilities[3].dueDate`), so that one bent entry does not lose
    /// the rest. The catalog holds the entries that were read.
    pub fn parse_entries(bytes: &[u8]) -> Result<(KevCatalog, Vec<FeedError>), FeedError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Outline {
            #[serde(default)]
            title: Option<String>,
            catalog_version: String,
            date_released: String,
            count: u64,
            vulnerabilities: Vec<serde_json::Value>,
        }
        let outline: Outline = from_json(bytes)?;
        let mut broken = Vec::new();
        let mut vulnerabilities = Vec::with_capacity(outline.vulnerabilities.len());
        for (i, v) in outline.vulnerabilities.into_iter().enumerate() {
            match serde_path_to_error::deserialize::<_, KevEntry>(v) {
                Ok(e) => vulnerabilities.push(e),
                Err(e) => {
                    let inner = e.path().to_string();
                    let path = if inner == "." {
                        format!("vulnerabilities[{i}]")
                    } else {
                        format!("vulnerabilities[{i}].{inner}")
                    };
                    broken.push(FeedError::Json {
                        path,
                        message: e.into_inner().to_string(),
                    });
                }
            }
        }
        let catalog = KevCatalog {
            title: outline.title,
            catalog_version: outline.catalog_version,
            date_released: outline.date_released,
            count: outline.count,
            vulnerabilities,
        };
        Ok((catalog, broken))
    }

    /// Whether the stated `count` is the number of entries.
    pub fn count_matches(&self) -> bool {
        self.count == self.vulnerabilities.len() as u64
    }

    /// An index by CVE id, for membership tests.
    pub fn index(&self) -> HashMap<&str, &KevEntry> {
        self.vulnerabilities
            .iter()
            .map(|v| (v.cve_id.as_str(), v))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"{"title":"t","catalogVersion":"2026.08.07","dateReleased":"2026-08-07T16:45:47.0648Z","count":1,
      "vulnerabilities":[{"cveID":"CVE-2026-8037","vendorProject":"Progress","product":"LoadMaster",
      "vulnerabilityName":"n","dateAdded":"2026-08-07","shortDescription":"d","requiredAction":"a",
      "dueDate":"2026-08-10","knownRansomwareCampaignUse":"Unknown","notes":"","cwes":["CWE-78"]}]}"#;

    #[test]
    fn parses_and_keeps_dates_as_published() {
        let c = KevCatalog::parse(ONE.as_bytes()).unwrap();
        assert!(c.count_matches());
        let e = c.index()["CVE-2026-8037"];
        assert_eq!(e.due_date, "2026-08-10");
        assert_eq!(e.due_date(), Some(time::macros::date!(2026 - 08 - 10)));
        assert!(!e.known_ransomware_use());
    }

    #[test]
    fn a_broken_entry_is_set_aside_with_its_path() {
        let two = ONE.replace(
            r#""vulnerabilities":["#,
            r#""vulnerabilities":[{"cveID":"CVE-2026-1","dueDate":1},"#,
        );
        let (c, broken) = KevCatalog::parse_entries(two.as_bytes()).unwrap();
        assert_eq!(c.vulnerabilities.len(), 1);
        assert_eq!(broken.len(), 1);
        let e = broken[0].to_string();
        assert!(e.starts_with("at vulnerabilities[0]"), "{e}");
        assert!(KevCatalog::parse_entries(b"{\"count\": 1}").is_err());
    }

    #[test]
    fn errors_name_the_path() {
        let bad = ONE.replace(r#""dueDate":"2026-08-10""#, r#""dueDate":20260810"#);
        let e = KevCatalog::parse(bad.as_bytes()).unwrap_err().to_string();
        assert!(e.starts_with("at vulnerabilities[0].dueDate:"), "{e}");
    }
}
