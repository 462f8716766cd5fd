//! The prioritisation feeds as the store keeps them: what `bulwark-scoring`
//! parses (KEV catalogs, EPSS rows, CVE JSON 5 records) turned into the
//! store's rows. One place, so that `bulwark import` and the server file a
//! record the same way (the store does not depend on the scoring crate).

use bulwark_matching::product;
use bulwark_scoring::feeds::FeedError;
use bulwark_scoring::feeds::cve::{CveRecord, PointsError};
use bulwark_scoring::feeds::epss::EpssRow;
use bulwark_scoring::feeds::kev::KevCatalog;
use bulwark_store::{
    KevCatalogInfo, NewCveAffected, NewCveRecord, NewEpssScore, NewKevEntry, document_address,
};

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
    let value = serde_json::from_slice::<serde_json::Value>(bytes).ok();
    let date_updated = value.as_ref().and_then(|v| {
        v.pointer("/cveMetadata/dateUpdated")
            .and_then(|d| d.as_str())
            .map(str::to_owned)
    });
    let affected = match &value {
        Some(v) => affected_rows(v)?,
        None => Vec::new(),
    };
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
        affected,
    })
}

/// The record's `affected` entries (CNA's and ADPs', read leniently: a
/// repair is noted on the entry), one row per key pair each is found
/// under, so that products without a package URL are looked up by name.
/// Entries that name no vendor and product (`n/a`) get no row.
fn affected_rows(record: &serde_json::Value) -> Result<Vec<NewCveAffected>, CveRowError> {
    let mut rows = Vec::new();
    for entry in product::affected_entries(record) {
        let keys = product::entry_keys(&entry);
        if keys.is_empty() {
            continue;
        }
        let json = serde_json::to_string(&entry)?;
        for (vendor_key, product_key) in keys {
            rows.push(NewCveAffected {
                vendor_key,
                product_key,
                entry: json.clone(),
            });
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use bulwark_matching::product::{AffectedEntry, Status};

    use super::cve_row;

    const LOADMASTER: &[u8] =
        include_bytes!("../../matching/tests/cve_fixtures/CVE-2026-8037.json");
    const INN: &[u8] = include_bytes!("../../matching/tests/cve_fixtures/CVE-1999-0043.json");

    #[test]
    fn cve_rows_carry_affected_entries_by_key_pair() {
        let row = cve_row(LOADMASTER).unwrap();
        let keys: Vec<(&str, &str)> = row
            .affected
            .iter()
            .map(|a| (a.vendor_key.as_str(), a.product_key.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                ("progress_software", "loadmaster"),
                ("progress_software", "ecs_connections_manager"),
                ("progress_software", "object_scale_connection_manager"),
                ("progress_software", "moveit_waf"),
            ]
        );
        let entry: AffectedEntry = serde_json::from_str(&row.affected[0].entry).unwrap();
        assert_eq!(entry.path, "containers.cna.affected[0]");
        assert_eq!(entry.verdict(Some("7.2.62.0")).status(), Status::Affected);
        assert_eq!(entry.verdict(Some("7.2.63.2")).status(), Status::Unaffected);
    }

    #[test]
    fn entries_naming_nothing_get_no_row() {
        let row = cve_row(INN).unwrap();
        // The CNA's `n/a` entry is left out; the eight ADP entries stay.
        assert_eq!(row.affected.len(), 8);
        assert!(row.affected.iter().all(|a| a.vendor_key != "n_a"));
        let redhat = row
            .affected
            .iter()
            .filter(|a| (a.vendor_key.as_str(), a.product_key.as_str()) == ("redhat", "linux"))
            .count();
        assert_eq!(redhat, 2);
    }
}
