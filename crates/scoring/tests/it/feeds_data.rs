//! The feed readers on real data: CISA's KEV catalog, an EPSS file, and
//! CVE JSON 5 records with CISA's ADP, checked against the sample's manifest
//! (`vulnrichment_sample_manifest.csv`), whose `derived_cisa_decision_mwi_*`
//! columns give CISA's decision from the ADP's three decision points for an
//! assumed Mission & Well-being of low, medium and high.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::BufReader;
use std::path::{Path, PathBuf};

use crate::common::{csv, fixture, shared};
use bulwark_scoring::cvss;
use bulwark_scoring::feeds::cve::CveRecord;
use bulwark_scoring::feeds::epss::EpssReader;
use bulwark_scoring::feeds::kev::KevCatalog;
use bulwark_scoring::priority::{self, Epss, Key, Priority};
use bulwark_scoring::ssvc::{Automatable, Decision, Exploitation, MissionWellbeing};

type Row = HashMap<String, String>;

/// Checks each record against its manifest row; returns the records by id.
fn check_records(dir: &Path, manifest: &PathBuf) -> BTreeMap<String, CveRecord> {
    let mut records = BTreeMap::new();
    for (line, row) in csv(manifest) {
        let path = dir.join(&row["path"]);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let r = CveRecord::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let ctx = format!("manifest line {line}, {}", row["cve"]);
        assert_eq!(r.id, row["cve"], "{ctx}");
        assert_eq!(r.state, row["state"], "{ctx}");
        check_adp(&r, &row, &ctx);
        check_cna_cvss(&r, &row, &ctx);
        records.insert(r.id.clone(), r);
    }
    records
}

fn check_adp(r: &CveRecord, row: &Row, ctx: &str) {
    let Some(adp) = &r.cisa_adp else {
        assert_eq!(
            r.state, "REJECTED",
            "{ctx}: only rejected records lack CISA's ADP"
        );
        assert!(
            !r.descriptions.is_empty(),
            "{ctx}: the rejection reason is kept"
        );
        for k in ["ssvc_exploitation_raw", "derived_cisa_decision_mwi_high"] {
            assert_eq!(row[k], "", "{ctx}");
        }
        return;
    };
    let ssvc = adp.ssvc.as_ref().expect("every ADP in the sample has SSVC");
    // Raw values as CISA wrote them (`Active`, `poc`).
    assert_eq!(
        ssvc.exploitation.as_deref(),
        Some(row["ssvc_exploitation_raw"].as_str()),
        "{ctx}"
    );
    assert_eq!(
        ssvc.automatable.as_deref(),
        Some(row["ssvc_automatable_raw"].as_str()),
        "{ctx}"
    );
    assert_eq!(
        ssvc.technical_impact.as_deref(),
        Some(row["ssvc_technical_impact_raw"].as_str()),
        "{ctx}"
    );
    let points = ssvc.points().unwrap_or_else(|e| panic!("{ctx}: {e}"));
    for (mw, col) in MissionWellbeing::ALL.into_iter().zip([
        "derived_cisa_decision_mwi_low",
        "derived_cisa_decision_mwi_medium",
        "derived_cisa_decision_mwi_high",
    ]) {
        assert_eq!(points.decide(mw).as_str(), row[col], "{ctx}: {col}");
    }
    assert_eq!(
        adp.kev
            .as_ref()
            .map(|k| k.date_added.as_str())
            .unwrap_or(""),
        row["adp_kev_dateAdded"],
        "{ctx}"
    );
    let adp31 = adp.cvss.iter().find(|m| m.version == "3.1");
    assert_eq!(
        adp31.map(|m| m.vector.as_str()).unwrap_or(""),
        row["cisa_adp_cvss31_vector"],
        "{ctx}"
    );
    if let Some(m) = adp31 {
        let stated: f64 = row["cisa_adp_cvss31_score"].parse().unwrap();
        assert_eq!(m.base_score, Some(stated), "{ctx}");
    }
}

/// The manifest's `cna_cvss`: `cvssV3_1=VECTOR=SCORE | cvssV2_0=...`.
fn check_cna_cvss(r: &CveRecord, row: &Row, ctx: &str) {
    let listed: Vec<(String, String, f64)> = row["cna_cvss"]
        .split(" | ")
        .filter(|s| !s.is_empty())
        .map(|s| {
            let mut parts = s.splitn(3, '=');
            let key = parts.next().unwrap_or("");
            let version = key.trim_start_matches("cvssV").replace('_', ".");
            let vector = parts.next().unwrap_or("").to_owned();
            let score = parts.next().unwrap_or("").parse().unwrap();
            (version, vector, score)
        })
        .collect();
    let ours: Vec<(String, String, f64)> = r
        .cna_cvss
        .iter()
        .map(|m| {
            (
                m.version.clone(),
                m.vector.clone(),
                m.base_score.unwrap_or(f64::NAN),
            )
        })
        .collect();
    let sorted = |mut v: Vec<(String, String, f64)>| {
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    assert_eq!(sorted(ours), sorted(listed), "{ctx}");
}

/// Records whose SSVC decision (at any Mission & Well-being) changes once
/// KEV membership forces Exploitation to active; every change is upwards.
fn kev_changes(records: &BTreeMap<String, CveRecord>, kev: &KevCatalog) -> BTreeSet<String> {
    let index = kev.index();
    let mut changed = BTreeSet::new();
    for r in records.values() {
        let Some(points) = r.ssvc_points() else {
            continue;
        };
        let before = points.unwrap();
        let mut after = before;
        let forced = after.apply_kev(index.contains_key(r.id.as_str()));
        let moved: Vec<(Decision, Decision)> = MissionWellbeing::ALL
            .into_iter()
            .map(|mw| (before.decide(mw), after.decide(mw)))
            .filter(|(b, a)| b != a)
            .collect();
        assert!(moved.iter().all(|(b, a)| a > b), "{}: {moved:?}", r.id);
        if forced {
            // Active always reaches at least Attend at high mission impact.
            assert!(!moved.is_empty(), "{}", r.id);
            changed.insert(r.id.clone());
        }
    }
    changed
}

fn ids(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn fixture_records_match_the_manifest() {
    let records = check_records(
        &fixture("vulnrichment"),
        &fixture("vulnrichment_manifest_excerpt.csv"),
    );
    assert_eq!(records.len(), 5);
    let kev = KevCatalog::parse(&std::fs::read(fixture("kev_excerpt.json")).unwrap()).unwrap();
    assert!(kev.count_matches());
    // CVE-2024-1708: CISA's SSVC (poc) predates its KEV listing;
    // CVE-2022-0028: in KEV, with the ADP's own KEV note, SSVC still `none`.
    assert_eq!(
        kev_changes(&records, &kev),
        ids(&["CVE-2022-0028", "CVE-2024-1708"])
    );

    // The CNA states the temporal score (7.4) as the base score.
    let m = &records["CVE-2022-35849"].cna_cvss[0];
    let check = cvss::check(&m.vector, m.base_score.unwrap()).unwrap();
    assert_eq!((check.computed, check.mismatch), (7.8, true));
    assert_eq!(cvss::v3_scores(&m.vector).unwrap().temporal, 7.4);

    let mut epss = EpssReader::new(BufReader::new(
        std::fs::File::open(fixture("epss_excerpt.csv")).unwrap(),
    ))
    .unwrap();
    assert_eq!(epss.model().model_version.as_deref(), Some("v2026.06.15"));
    assert_eq!(epss.by_ref().map(Result::unwrap).count(), 19);
}

/// The feeds, end to end, through the priority order.
#[test]
fn fixture_records_in_priority_order() {
    let records = check_records(
        &fixture("vulnrichment"),
        &fixture("vulnrichment_manifest_excerpt.csv"),
    );
    let kev = KevCatalog::parse(&std::fs::read(fixture("kev_excerpt.json")).unwrap()).unwrap();
    let index = kev.index();
    let epss = |id: &str| {
        let score = match id {
            "CVE-2022-0028" => 0.9,
            "CVE-2024-1708" => 0.5,
            _ => return None,
        };
        Some(Epss {
            score,
            model_version: "v2026.06.15".into(),
        })
    };
    let mut list: Vec<Priority> = records
        .values()
        .map(|r| {
            let k = index.get(r.id.as_str()).copied();
            Priority::from_feeds(r, k, epss(&r.id), MissionWellbeing::Medium)
        })
        .collect();
    assert!(!priority::sort(&mut list));
    let order: Vec<(&str, Vec<String>)> =
        list.iter().map(|p| (p.id.as_str(), p.explain())).collect();
    let want = [
        // Act from the ADP itself; CVSS from the ADP (the CNA gave none).
        (
            "CVE-2019-7256",
            [
                "SSVC Act",
                "in KEV since 2024-03-25",
                "EPSS unknown",
                "CVSS 9.8 (3.1)",
            ],
        ),
        // Both Attend only through KEV, both in KEV: EPSS decides.
        (
            "CVE-2022-0028",
            [
                "SSVC Attend (exploitation active: in KEV)",
                "in KEV since 2022-08-22",
                "EPSS 0.9 (model v2026.06.15)",
                "CVSS 8.6 (3.1)",
            ],
        ),
        (
            "CVE-2024-1708",
            [
                "SSVC Attend (exploitation active: in KEV)",
                "in KEV since 2026-04-28",
                "EPSS 0.5 (model v2026.06.15)",
                "CVSS 8.4 (3.1)",
            ],
        ),
        // The computed base score (7.8), not the stated temporal one (7.4).
        (
            "CVE-2022-35849",
            ["SSVC Track", "not in KEV", "EPSS unknown", "CVSS 7.8 (3.1)"],
        ),
        // Rejected: nothing known, last.
        (
            "CVE-2024-6716",
            ["SSVC unknown", "not in KEV", "EPSS unknown", "CVSS unknown"],
        ),
    ];
    assert_eq!(order.len(), want.len());
    for ((id, reasons), (want_id, want_reasons)) in order.iter().zip(want) {
        assert_eq!(*id, want_id);
        assert_eq!(reasons[..4], want_reasons, "{id}");
        assert_eq!(reasons[4], "federal exposure unknown");
    }
    let c = priority::cmp_explained(&list[1], &list[2]);
    assert_eq!(c.decided_by, Some(Key::Epss));
}

#[test]
#[ignore = "needs the shared data set"]
fn shared_sample_matches_the_manifest_and_kev_changes_are_explained() {
    let records = check_records(
        &shared("vulnrichment_sample"),
        &shared("vulnrichment_sample_manifest.csv"),
    );
    assert_eq!(
        records.len(),
        857,
        "every record parses and is in the manifest"
    );
    let on_disk = count_json(&shared("vulnrichment_sample"));
    assert_eq!(on_disk, 857);

    let kev = KevCatalog::parse(&std::fs::read(shared("kev.json")).unwrap()).unwrap();
    assert_eq!(kev.catalog_version, "2026.08.07");
    assert!(kev.count_matches());
    let index = kev.index();
    for (_, row) in csv(&shared("vulnrichment_sample_manifest.csv")) {
        let listed = row["in_kev_catalog_2026_08_07"] == "yes";
        assert_eq!(
            index.contains_key(row["cve"].as_str()),
            listed,
            "{}",
            row["cve"]
        );
    }

    // After the KEV override, 43 records change: each is in the catalog
    // while CISA's ADP says Exploitation none or poc.
    let changed = kev_changes(&records, &kev);
    assert_eq!(changed.len(), 43);
    let ssvc_date = |id: &str| -> String {
        let ssvc = records[id].cisa_adp.as_ref().and_then(|a| a.ssvc.as_ref());
        let ts = ssvc.and_then(|s| s.timestamp.clone()).unwrap_or_default();
        ts.get(..10).unwrap_or("").to_owned()
    };
    // (a) 34: CISA assessed SSVC before the CVE was added to KEV, and the
    //     ADP's Exploitation was not updated since (for 4 of them the ADP
    //     did add its KEV note later, but not the SSVC change).
    let stale: BTreeSet<String> = changed
        .iter()
        .filter(|id| ssvc_date(id) < index[id.as_str()].date_added)
        .cloned()
        .collect();
    assert_eq!(stale.len(), 34);
    let late_note: BTreeSet<String> = stale
        .iter()
        .filter(|id| {
            records[id.as_str()]
                .cisa_adp
                .as_ref()
                .is_some_and(|a| a.kev.is_some())
        })
        .cloned()
        .collect();
    assert_eq!(
        late_note,
        ids(&[
            "CVE-2024-29824",
            "CVE-2024-43461",
            "CVE-2024-6670",
            "CVE-2024-8190"
        ])
    );
    // (b) 9: listed in KEV (since 2022–2023) before CISA's SSVC (2024), and
    //     the ADP carries the KEV note itself, yet says Exploitation `none`:
    //     the ADP contradicts itself; KEV is the stronger evidence.
    let contradicting: BTreeSet<String> = changed.difference(&stale).cloned().collect();
    assert_eq!(
        contradicting,
        ids(&[
            "CVE-2022-0028",
            "CVE-2022-37969",
            "CVE-2022-41128",
            "CVE-2023-29492",
            "CVE-2023-35081",
            "CVE-2023-35674",
            "CVE-2023-36874",
            "CVE-2023-37580",
            "CVE-2023-49103",
        ])
    );
    for id in &contradicting {
        let r = &records[id.as_str()];
        let points = r.ssvc_points().unwrap().unwrap();
        assert_eq!(points.exploitation, Exploitation::None, "{id}");
        let note = r.cisa_adp.as_ref().and_then(|a| a.kev.as_ref()).unwrap();
        assert_eq!(note.date_added, index[id.as_str()].date_added, "{id}");
    }
    assert_eq!(
        changed,
        ids(&[
            "CVE-2021-43226",
            "CVE-2022-0028",
            "CVE-2022-37969",
            "CVE-2022-41128",
            "CVE-2022-48503",
            "CVE-2023-29492",
            "CVE-2023-35081",
            "CVE-2023-35674",
            "CVE-2023-36874",
            "CVE-2023-37580",
            "CVE-2023-38950",
            "CVE-2023-39780",
            "CVE-2023-4346",
            "CVE-2023-45727",
            "CVE-2023-49103",
            "CVE-2024-0769",
            "CVE-2024-1212",
            "CVE-2024-1708",
            "CVE-2024-20439",
            "CVE-2024-20953",
            "CVE-2024-21413",
            "CVE-2024-27199",
            "CVE-2024-27443",
            "CVE-2024-29824",
            "CVE-2024-35250",
            "CVE-2024-37079",
            "CVE-2024-38475",
            "CVE-2024-38813",
            "CVE-2024-41713",
            "CVE-2024-42009",
            "CVE-2024-43461",
            "CVE-2024-43468",
            "CVE-2024-45195",
            "CVE-2024-4885",
            "CVE-2024-5910",
            "CVE-2024-6670",
            "CVE-2024-7694",
            "CVE-2024-8190",
            "CVE-2024-8956",
            "CVE-2024-8957",
            "CVE-2024-9463",
            "CVE-2024-9465",
            "CVE-2026-8037",
        ])
    );
    // At low Mission & Well-being only the automatable ones move (Active
    // without automation is still Track at low): 21 of the 43.
    let at_low: BTreeSet<String> = changed
        .iter()
        .filter(|id| {
            let before = records[id.as_str()].ssvc_points().unwrap().unwrap();
            let mut after = before;
            after.apply_kev(true);
            before.decide(MissionWellbeing::Low) != after.decide(MissionWellbeing::Low)
        })
        .cloned()
        .collect();
    let automatable: BTreeSet<String> = changed
        .iter()
        .filter(|id| {
            let p = records[id.as_str()].ssvc_points().unwrap().unwrap();
            p.automatable == Automatable::Yes
        })
        .cloned()
        .collect();
    assert_eq!(at_low, automatable);
    assert_eq!(at_low.len(), 21);

    // The other direction: the ADP has a KEV note but catalog 2026.08.07
    // does not list the CVE. Both already say `active`, so nothing changes.
    let noted_not_listed: BTreeSet<String> = records
        .values()
        .filter(|r| r.cisa_adp.as_ref().is_some_and(|a| a.kev.is_some()))
        .filter(|r| !index.contains_key(r.id.as_str()))
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(noted_not_listed, ids(&["CVE-2021-4043", "CVE-2024-43491"]));

    // KEV due dates are CISA's: CVE-2026-8037's is 3 days after it was
    // added, BOD 26-04's shortest timeline.
    let e = index["CVE-2026-8037"];
    assert_eq!(
        (e.date_added.as_str(), e.due_date.as_str()),
        ("2026-08-07", "2026-08-10")
    );

    let epss = EpssReader::new(BufReader::new(
        std::fs::File::open(shared("epss_scores-2026-09-29_excerpt.csv")).unwrap(),
    ))
    .unwrap();
    assert_eq!(epss.model().model_version.as_deref(), Some("v2026.06.15"));
    assert_eq!(
        epss.model().score_date.as_deref(),
        Some("2026-09-29T12:00:22Z")
    );
    assert_eq!(epss.map(Result::unwrap).count(), 474);
}

/// Stated CNA scores that do not match their vectors: listed, so a change
/// in them shows; each is explained below.
#[test]
#[ignore = "needs the shared data set"]
fn shared_sample_stated_scores() {
    let records = check_records(
        &shared("vulnrichment_sample"),
        &shared("vulnrichment_sample_manifest.csv"),
    );
    let mut mismatches = BTreeMap::new();
    let mut checked = 0;
    for r in records.values() {
        let adp = r.cisa_adp.iter().flat_map(|a| a.cvss.iter());
        for m in r.cna_cvss.iter().chain(adp).filter(|m| m.version != "2.0") {
            let c = cvss::check(&m.vector, m.base_score.unwrap()).unwrap();
            checked += 1;
            if c.mismatch {
                mismatches.insert(r.id.clone(), (m.vector.clone(), c.stated, c.computed));
            }
        }
    }
    assert_eq!(checked, 894, "CNA and ADP v3.0/v3.1/v4.0 metrics");
    // 22 are v3.1 vectors with temporal metrics whose stated "base" score is
    // the temporal score (Fortinet's habit; one other CNA too).
    let temporal: Vec<&String> = mismatches
        .iter()
        .filter(|(_, (vector, stated, _))| cvss::v3_scores(vector).unwrap().temporal == *stated)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(temporal.len(), 22, "{mismatches:#?}");
    // One is simply wrong: CVE-2024-31459 states 8.1 for a base vector that
    // scores 8.0 (1.08 × (6.048 + 1.307) = 7.94, rounded up to 8.0).
    let other: Vec<_> = mismatches
        .iter()
        .filter(|(id, _)| !temporal.contains(id))
        .collect();
    assert_eq!(
        other,
        [(
            &"CVE-2024-31459".to_owned(),
            &(
                "CVSS:3.1/AV:N/AC:H/PR:H/UI:N/S:C/C:H/I:H/A:H".to_owned(),
                8.1,
                8.0
            )
        )]
    );
}

fn count_json(dir: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            n += count_json(&p);
        } else if p.extension().is_some_and(|x| x == "json") {
            n += 1;
        }
    }
    n
}
