//! The prioritisation feeds' facts as the scoring crate reads them: the
//! store keeps KEV entries, EPSS scores and CVE records as rows; these turn
//! them back into `bulwark_scoring`'s types, so that one CVE's priority is
//! computed the same way by the ranked list, a vulnerability's page and a
//! case's priority.

use bulwark_scoring::feeds::cve::{AdpKev, AdpSsvc, CisaAdp, CveRecord, CvssMetric};
use bulwark_scoring::feeds::kev::KevEntry;
use bulwark_scoring::priority::{Epss, Priority};
use bulwark_scoring::ssvc::MissionWellbeing;
use bulwark_store::{StoredKevEntry, VulnerabilityFacts};

/// The CVSS metrics of a stored JSON array (the scoring crate's
/// `CvssMetric`s as the import wrote them); entries that are not metrics
/// are skipped.
pub fn metrics(json: &str) -> Vec<CvssMetric> {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(json)
    else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|m| {
            Some(CvssMetric {
                version: m.get("version")?.as_str()?.to_owned(),
                vector: m.get("vector")?.as_str()?.to_owned(),
                base_score: m.get("base_score").and_then(serde_json::Value::as_f64),
            })
        })
        .collect()
}

/// The scoring crate's record, rebuilt from what the store kept of it (a
/// CVE known only from KEV has an empty one).
pub fn record_of(facts: &VulnerabilityFacts) -> CveRecord {
    let Some(stored) = &facts.record else {
        return CveRecord {
            id: facts.cve.clone(),
            state: String::new(),
            descriptions: Vec::new(),
            cna_cvss: Vec::new(),
            cisa_adp: None,
        };
    };
    let r = &stored.record;
    let has_ssvc = r.ssvc_exploitation.is_some()
        || r.ssvc_automatable.is_some()
        || r.ssvc_technical_impact.is_some();
    let adp = CisaAdp {
        ssvc: has_ssvc.then(|| AdpSsvc {
            exploitation: r.ssvc_exploitation.clone(),
            automatable: r.ssvc_automatable.clone(),
            technical_impact: r.ssvc_technical_impact.clone(),
            version: r.ssvc_version.clone(),
            role: None,
            timestamp: None,
        }),
        kev: r.adp_kev_date_added.clone().map(|date_added| AdpKev {
            date_added,
            reference: None,
        }),
        cvss: metrics(&r.adp_cvss),
    };
    let any_adp = adp.ssvc.is_some() || adp.kev.is_some() || !adp.cvss.is_empty();
    CveRecord {
        id: r.id.clone(),
        state: r.state.clone(),
        descriptions: Vec::new(),
        cna_cvss: metrics(&r.cna_cvss),
        cisa_adp: any_adp.then_some(adp),
    }
}

pub fn kev_of(stored: &StoredKevEntry) -> KevEntry {
    let e = &stored.entry;
    KevEntry {
        cve_id: e.cve_id.clone(),
        vendor_project: e.vendor_project.clone(),
        product: e.product.clone(),
        vulnerability_name: e.vulnerability_name.clone(),
        date_added: e.date_added.clone(),
        short_description: e.short_description.clone(),
        required_action: e.required_action.clone(),
        due_date: e.due_date.clone(),
        known_ransomware_campaign_use: e.known_ransomware_campaign_use.clone(),
        notes: e.notes.clone(),
        cwes: e.cwes.clone(),
    }
}

/// The priority of one CVE from its stored facts, at `mw`. KEV is the
/// catalog's (the ADP's KEV note is not evidence on its own).
pub fn priority_of(facts: &VulnerabilityFacts, mw: MissionWellbeing) -> Priority {
    let record = record_of(facts);
    let kev = facts.kev.as_ref().map(kev_of);
    let epss = facts.epss.as_ref().map(|e| Epss {
        score: e.epss,
        model_version: e.model_version.clone(),
    });
    Priority::from_feeds(&record, kev.as_ref(), epss, mw)
}
