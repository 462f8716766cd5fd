//! The prioritisation feeds as the store keeps them: what `bulwark-scoring`
//! parses (KEV catalogs, EPSS rows, CVE JSON 5 records) turned into the
//! store's rows. One place, so that `bulwark import` and the server file a
//! record the same way (the store does not depend on the scoring crate).

use bulwark_scoring::feeds::FeedError;
use bulwark_scoring::feeds::cve::{CveRecord, PointsError};
use bulwark_scoring::feeds::epss::EpssRow;
use bulwark_scoring::feeds::kev::KevCatalog;
use bulwark_store::{KevCatalogInfo, NewCveRecord, NewEpssScore, NewKevEntry, document_address};

/// Why a CVE record cannot be stored.
#[derive(Debug, thiserror::Error)]
pub enum CveRowError {
    #[error(transparent)]
    Feed(#[from] FeedError),
    #[error("the CISA ADP container's SSVC options: {0}")]
    Ssvc(#[from] PointsError),
    #[error("encoding its CVSS metrics: {0}")]
    Json(#[from] serde_json::Error),
}

/// A catalog's header and its entries, dates as published.
pub fn kev_rows(catalog: KevCatalog) -> (KevCatalogInfo, Vec<NewKevEntry>) {
    let info = KevCatalogInfo {
        catalog_version: catalog.catalog_version,
        date_released: catalog.date_released,
        count: catalog.count,
    };
    let entries = catalog
        .vulnerabilities
        .into_iter()
        .map(|e| NewKevEntry {
            cve_id: e.cve_id,
            vendor_project: e.vendor_project,
            product: e.product,
            vulnerability_name: e.vulnerability_name,
            date_added: e.date_added,
            due_date: e.due_date,
            known_ransomware_campaign_use: e.known_ransomware_campaign_use,
            required_action: e.required_action,
            short_description: e.short_description,
            notes: e.notes,
            cwes: e.cwes,
        })
        .collect();
    (info, entries)
}

pub fn epss_row(r: EpssRow) -> NewEpssScore {
    NewEpssScore {
        cve: r.cve,
        epss: r.epss,
        percentile: r.percentile,
    }
}

/// One CVE JSON 5 record file as stored: what the scoring crate reads,
/// `cveMetadata.dateUpdated` (which it does not keep), and the SHA-256 of
/// the bytes (an unchanged record is not rewritten).
pub fn cve_row(bytes: &[u8]) -> Result<NewCveRecord, CveRowError> {
    let record = CveRecord::parse(bytes)?;
    let date_updated = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| {
            v.pointer("/cveMetadata/dateUpdated")
                .and_then(|d| d.as_str())
                .map(str::to_owned)
        });
    let points = record.ssvc_points().transpose()?;
    let adp = record.cisa_adp.as_ref();
    let description = record
        .descriptions
        .iter()
        .find(|d| d.lang.starts_with("en"))
        .or(record.descriptions.first())
        .map(|d| d.value.clone());
    Ok(NewCveRecord {
        id: record.id.clone(),
        state: record.state.clone(),
        date_updated,
        description,
        cna_cvss: serde_json::to_string(&record.cna_cvss)?,
        adp_cvss: serde_json::to_string(&adp.map(|a| a.cvss.as_slice()).unwrap_or(&[]))?,
        ssvc_exploitation: points.map(|p| p.exploitation.to_string()),
        ssvc_automatable: points.map(|p| p.automatable.to_string()),
        ssvc_technical_impact: points.map(|p| p.technical_impact.to_string()),
        ssvc_version: adp
            .and_then(|a| a.ssvc.as_ref())
            .and_then(|s| s.version.clone()),
        adp_kev_date_added: adp
            .and_then(|a| a.kev.as_ref())
            .map(|k| k.date_added.clone()),
        raw_sha256: document_address(bytes),
    })
}
