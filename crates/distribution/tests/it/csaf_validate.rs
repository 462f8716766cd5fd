//! Each schema check and mandatory test with a passing document (what the
//! writer produces, valid as a whole) and a failing one (that document
//! with one mistake), asserting the test named and the JSON pointer.
//! The OASIS and csaf-rs fixtures (`shared_data.rs`) are the fuller oracle.

use bulwark_distribution::csaf;
use serde_json::{Value, json};

use crate::common::Owned;

fn advisory() -> Value {
    csaf::security_advisory(&Owned::new().advisory())
}

fn vex() -> Value {
    csaf::vex(&Owned::new().advisory())
}

fn set(doc: &mut Value, pointer: &str, value: Value) {
    match doc.pointer_mut(pointer) {
        Some(slot) => *slot = value,
        None => {
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            doc.pointer_mut(parent)
                .and_then(Value::as_object_mut)
                .unwrap_or_else(|| panic!("no object at {parent}"))
                .insert(key.to_owned(), value);
        }
    }
}

fn remove(doc: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    doc.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .unwrap()
        .remove(key);
}

/// `base` passes; `base` after `change` fails `test` at `path`.
fn fails(base: Value, test: &str, path: &str, change: impl FnOnce(&mut Value)) {
    let before = csaf::validate(&base);
    assert!(
        before.is_empty(),
        "the passing document is not valid: {before:?}"
    );
    let mut doc = base;
    change(&mut doc);
    let found = csaf::validate(&doc);
    assert!(
        found.iter().any(|p| p.test == test && p.path == path),
        "expected {test} at {path}, got {:?}",
        found.iter().map(ToString::to_string).collect::<Vec<_>>()
    );
}

#[test]
fn schema() {
    fails(advisory(), "schema", "/document/title", |d| {
        remove(d, "/document/title")
    });
    fails(advisory(), "schema", "/document/csaf_version", |d| {
        set(d, "/document/csaf_version", json!("2.1"))
    });
    fails(advisory(), "schema", "/document/publisher/category", |d| {
        set(d, "/document/publisher/category", json!("agency"))
    });
    fails(
        advisory(),
        "schema",
        "/document/tracking/current_release_date",
        |d| {
            set(
                d,
                "/document/tracking/current_release_date",
                json!("2026-02-03"),
            )
        },
    );
    fails(
        advisory(),
        "schema",
        "/document/tracking/revision_history",
        |d| set(d, "/document/tracking/revision_history", json!([])),
    );
    fails(
        advisory(),
        "schema",
        "/document/distribution/tlp/label",
        |d| set(d, "/document/distribution/tlp/label", json!("CLEAR")),
    );
    fails(advisory(), "schema", "/document/notes/0/category", |d| {
        set(d, "/document/notes/0/category", json!("note"))
    });
    fails(advisory(), "schema", "/product_tree/branches/0", |d| {
        set(
            d,
            "/product_tree/branches/0/product",
            json!({"name": "x", "product_id": "x"}),
        )
    });
    fails(advisory(), "schema", "/vulnerabilities/0/cve", |d| {
        set(d, "/vulnerabilities/0/cve", json!("CVE-26-1"))
    });
    fails(
        advisory(),
        "schema",
        "/vulnerabilities/0/remediations/0/category",
        |d| {
            set(
                d,
                "/vulnerabilities/0/remediations/0/category",
                json!("upgrade"),
            )
        },
    );
    fails(
        advisory(),
        "schema",
        "/vulnerabilities/0/product_status/fixed",
        |d| set(d, "/vulnerabilities/0/product_status/fixed", json!([])),
    );
    fails(advisory(), "schema", "", |d| *d = json!([]));
}

#[test]
fn t_6_1_1_missing_product_id() {
    fails(
        advisory(),
        "6.1.1",
        "/vulnerabilities/0/product_status/fixed/0",
        |d| {
            set(
                d,
                "/vulnerabilities/0/product_status/fixed/0",
                json!("libfoo@9"),
            )
        },
    );
}

#[test]
fn t_6_1_2_product_id_defined_twice() {
    fails(
        advisory(),
        "6.1.2",
        "/product_tree/full_product_names/0/product_id",
        |d| {
            set(
                d,
                "/product_tree/full_product_names",
                json!([{"name": "again", "product_id": "appliance"}]),
            )
        },
    );
}

#[test]
fn t_6_1_3_circular_relationship() {
    fails(
        advisory(),
        "6.1.3",
        "/product_tree/relationships/0/full_product_name/product_id",
        |d| {
            set(
                d,
                "/product_tree/relationships",
                json!([{
                    "category": "installed_on",
                    "product_reference": "bundle",
                    "relates_to_product_reference": "appliance",
                    "full_product_name": {"name": "bundle", "product_id": "bundle"}
                }]),
            )
        },
    );
}

#[test]
fn t_6_1_4_and_5_product_groups() {
    let groups = json!([{"group_id": "G1", "product_ids": ["libfoo:range-1", "pyfoo@2.1"]}]);
    fails(
        advisory(),
        "6.1.4",
        "/vulnerabilities/0/remediations/1/group_ids/0",
        |d| {
            set(
                d,
                "/vulnerabilities/0/remediations/1/group_ids",
                json!(["G2"]),
            )
        },
    );
    let mut with_groups = advisory();
    set(
        &mut with_groups,
        "/product_tree/product_groups",
        groups.clone(),
    );
    fails(
        with_groups,
        "6.1.5",
        "/product_tree/product_groups/1/group_id",
        |d| {
            let g = groups[0].clone();
            set(d, "/product_tree/product_groups", json!([g.clone(), g]))
        },
    );
}

#[test]
fn t_6_1_6_contradicting_status() {
    fails(
        advisory(),
        "6.1.6",
        "/vulnerabilities/0/product_status/fixed/0",
        |d| {
            set(
                d,
                "/vulnerabilities/0/product_status/fixed",
                json!(["libfoo:range-1"]),
            )
        },
    );
}

#[test]
fn t_6_1_7_two_scores_same_version() {
    fails(
        advisory(),
        "6.1.7",
        "/vulnerabilities/0/scores/1/products/0",
        |d| {
            let s = d.pointer("/vulnerabilities/0/scores/0").unwrap().clone();
            set(d, "/vulnerabilities/0/scores", json!([s.clone(), s]))
        },
    );
}

#[test]
fn t_6_1_8_invalid_cvss() {
    fails(
        advisory(),
        "6.1.8",
        "/vulnerabilities/0/scores/0/cvss_v3/baseSeverity",
        |d| remove(d, "/vulnerabilities/0/scores/0/cvss_v3/baseSeverity"),
    );
    fails(
        advisory(),
        "6.1.8",
        "/vulnerabilities/0/scores/0/cvss_v3/vectorString",
        |d| {
            set(
                d,
                "/vulnerabilities/0/scores/0/cvss_v3/vectorString",
                json!("CVSS:3.1/AV:Q"),
            )
        },
    );
}

#[test]
fn t_6_1_9_score_recomputed() {
    fails(
        advisory(),
        "6.1.9",
        "/vulnerabilities/0/scores/0/cvss_v3/baseScore",
        |d| {
            set(
                d,
                "/vulnerabilities/0/scores/0/cvss_v3/baseScore",
                json!(9.1),
            )
        },
    );
    fails(
        advisory(),
        "6.1.9",
        "/vulnerabilities/0/scores/0/cvss_v2/baseScore",
        |d| {
            set(
                d,
                "/vulnerabilities/0/scores/0/cvss_v2",
                json!({"version": "2.0", "vectorString": "AV:N/AC:L/Au:N/C:C/I:C/A:C", "baseScore": 9.0}),
            )
        },
    );
    // The right v2 score passes.
    let mut doc = advisory();
    set(
        &mut doc,
        "/vulnerabilities/0/scores/0/cvss_v2",
        json!({"version": "2.0", "vectorString": "AV:N/AC:L/Au:N/C:C/I:C/A:C", "baseScore": 10.0}),
    );
    assert!(
        csaf::validate(&doc).is_empty(),
        "{:?}",
        csaf::validate(&doc)
    );
}

#[test]
fn t_6_1_10_inconsistent_cvss() {
    fails(
        advisory(),
        "6.1.10",
        "/vulnerabilities/0/scores/0/cvss_v3/attackVector",
        |d| {
            set(
                d,
                "/vulnerabilities/0/scores/0/cvss_v3/attackVector",
                json!("LOCAL"),
            )
        },
    );
    let mut doc = advisory();
    set(
        &mut doc,
        "/vulnerabilities/0/scores/0/cvss_v3/attackVector",
        json!("NETWORK"),
    );
    set(
        &mut doc,
        "/vulnerabilities/0/scores/0/cvss_v3/exploitCodeMaturity",
        json!("NOT_DEFINED"),
    );
    assert!(csaf::validate(&doc).is_empty());
}

#[test]
fn t_6_1_11_cwe() {
    fails(advisory(), "6.1.11", "/vulnerabilities/0/cwe/name", |d| {
        set(
            d,
            "/vulnerabilities/0/cwe/name",
            json!("Improper Input Validation"),
        )
    });
    fails(advisory(), "6.1.11", "/vulnerabilities/0/cwe/id", |d| {
        set(d, "/vulnerabilities/0/cwe/id", json!("CWE-094"))
    });
}

#[test]
fn t_6_1_12_language() {
    fails(advisory(), "6.1.12", "/document/lang", |d| {
        set(d, "/document/lang", json!("EZ"))
    });
    let mut doc = advisory();
    set(&mut doc, "/document/lang", json!("de-AT"));
    assert!(csaf::validate(&doc).is_empty());
}

#[test]
fn t_6_1_13_purl() {
    fails(
        advisory(),
        "6.1.13",
        "/product_tree/branches/0/branches/0/branches/0/product/product_identification_helper/purl",
        |d| {
            set(
                d,
                "/product_tree/branches/0/branches/0/branches/0/product/product_identification_helper/purl",
                json!("pkg:npm/@1.0.0"),
            )
        },
    );
}

#[test]
fn t_6_1_14_sorted_revision_history() {
    fails(
        advisory(),
        "6.1.14",
        "/document/tracking/revision_history",
        |d| {
            set(
                d,
                "/document/tracking/revision_history/0/date",
                json!("2026-03-01T00:00:00Z"),
            )
        },
    );
}

#[test]
fn t_6_1_15_and_28_translation() {
    fails(advisory(), "6.1.15", "/document/source_lang", |d| {
        set(d, "/document/publisher/category", json!("translator"))
    });
    fails(advisory(), "6.1.28", "/document/lang", |d| {
        set(d, "/document/source_lang", json!("en"))
    });
}

#[test]
fn t_6_1_16_latest_version() {
    fails(advisory(), "6.1.16", "/document/tracking/version", |d| {
        set(d, "/document/tracking/version", json!("1"))
    });
}

#[test]
fn t_6_1_17_draft_version() {
    fails(advisory(), "6.1.17", "/document/tracking/status", |d| {
        set(d, "/document/tracking/version", json!("0"));
        set(
            d,
            "/document/tracking/revision_history",
            json!([{"number": "0", "date": "2026-02-02T12:00:00Z", "summary": "Draft."}]),
        );
    });
}

#[test]
fn t_6_1_18_released_revision_history() {
    fails(
        advisory(),
        "6.1.18",
        "/document/tracking/revision_history/0/number",
        |d| {
            set(
                d,
                "/document/tracking/revision_history/0/number",
                json!("0"),
            );
            set(
                d,
                "/document/tracking/revision_history/1/number",
                json!("1"),
            );
            set(d, "/document/tracking/version", json!("1"));
        },
    );
}

#[test]
fn t_6_1_19_20_and_30_semantic_versions() {
    let semver = |d: &mut Value| {
        set(
            d,
            "/document/tracking/revision_history/0/number",
            json!("1.0.0"),
        );
        set(
            d,
            "/document/tracking/revision_history/1/number",
            json!("1.1.0"),
        );
        set(d, "/document/tracking/version", json!("1.1.0"));
    };
    let mut base = advisory();
    semver(&mut base);
    fails(
        base.clone(),
        "6.1.19",
        "/document/tracking/revision_history/1/number",
        |d| {
            set(
                d,
                "/document/tracking/revision_history/1/number",
                json!("1.1.0-rc.1"),
            )
        },
    );
    fails(base.clone(), "6.1.20", "/document/tracking/version", |d| {
        set(
            d,
            "/document/tracking/revision_history/1/number",
            json!("1.1.0-rc.1"),
        );
        set(d, "/document/tracking/version", json!("1.1.0-rc.1"));
    });
    fails(
        base,
        "6.1.30",
        "/document/tracking/revision_history/0/number",
        |d| {
            set(
                d,
                "/document/tracking/revision_history/0/number",
                json!("1"),
            )
        },
    );
}

#[test]
fn t_6_1_21_missing_revision() {
    fails(
        advisory(),
        "6.1.21",
        "/document/tracking/revision_history",
        |d| {
            set(
                d,
                "/document/tracking/revision_history/1/number",
                json!("3"),
            );
            set(d, "/document/tracking/version", json!("3"));
        },
    );
}

#[test]
fn t_6_1_22_revision_twice() {
    fails(
        advisory(),
        "6.1.22",
        "/document/tracking/revision_history/1/number",
        |d| {
            set(
                d,
                "/document/tracking/revision_history/1/number",
                json!("1"),
            );
            set(d, "/document/tracking/version", json!("1"));
        },
    );
}

#[test]
fn t_6_1_23_cve_twice() {
    fails(advisory(), "6.1.23", "/vulnerabilities/1/cve", |d| {
        set(d, "/vulnerabilities/1/cve", json!("CVE-2026-10001"))
    });
}

#[test]
fn t_6_1_24_involvements() {
    let inv = json!({"party": "vendor", "status": "completed", "date": "2026-01-06T00:00:00Z"});
    fails(
        advisory(),
        "6.1.24",
        "/vulnerabilities/0/involvements/1",
        |d| {
            set(
                d,
                "/vulnerabilities/0/involvements",
                json!([inv.clone(), inv]),
            )
        },
    );
}

#[test]
fn t_6_1_25_hash_algorithm_twice() {
    let p = "/product_tree/branches/1/branches/0/product/product_identification_helper/hashes";
    fails(advisory(), "6.1.25", &format!("{p}/0/file_hashes/1"), |d| {
        set(
            d,
            p,
            json!([{"filename": "fw.bin", "file_hashes": [
                {"algorithm": "sha256", "value": "0000000000000000000000000000000000000000000000000000000000000000"},
                {"algorithm": "SHA256", "value": "1111111111111111111111111111111111111111111111111111111111111111"}
            ]}]),
        )
    });
}

#[test]
fn t_6_1_26_category_name() {
    fails(advisory(), "6.1.26", "/document/category", |d| {
        set(d, "/document/category", json!("Security-Advisory"))
    });
}

#[test]
fn t_6_1_27_profiles() {
    fails(advisory(), "6.1.27.4", "/product_tree", |d| {
        remove(d, "/product_tree")
    });
    fails(advisory(), "6.1.27.5", "/vulnerabilities/0/notes", |d| {
        remove(d, "/vulnerabilities/0/notes")
    });
    fails(
        advisory(),
        "6.1.27.6",
        "/vulnerabilities/1/product_status",
        |d| remove(d, "/vulnerabilities/1/product_status"),
    );
    fails(advisory(), "6.1.27.11", "/vulnerabilities", |d| {
        remove(d, "/vulnerabilities")
    });
    fails(
        vex(),
        "6.1.27.7",
        "/vulnerabilities/1/product_status",
        |d| {
            set(
                d,
                "/vulnerabilities/1/product_status",
                json!({"recommended": ["pyfoo@2.1"]}),
            );
            remove(d, "/vulnerabilities/1/remediations");
        },
    );
    fails(vex(), "6.1.27.8", "/vulnerabilities/1", |d| {
        remove(d, "/vulnerabilities/1/cve")
    });
    fails(
        vex(),
        "6.1.27.9",
        "/vulnerabilities/0/product_status/known_not_affected/0",
        |d| remove(d, "/vulnerabilities/0/threats"),
    );
    fails(
        vex(),
        "6.1.27.10",
        "/vulnerabilities/1/product_status/known_affected/0",
        |d| remove(d, "/vulnerabilities/1/remediations"),
    );
    // Informational advisories (not written by Bulwark, read from others).
    let mut info = advisory();
    set(
        &mut info,
        "/document/category",
        json!("csaf_informational_advisory"),
    );
    remove(&mut info, "/vulnerabilities");
    fails(info.clone(), "6.1.27.1", "/document/notes", |d| {
        set(
            d,
            "/document/notes",
            json!([{"category": "legal_disclaimer", "text": "x"}]),
        )
    });
    fails(info.clone(), "6.1.27.2", "/document/references", |d| {
        set(d, "/document/references/0/category", json!("self"))
    });
    fails(info, "6.1.27.3", "/vulnerabilities", |d| {
        set(d, "/vulnerabilities", advisory()["vulnerabilities"].clone())
    });
    // A justification flag is an impact statement too.
    let mut doc = vex();
    remove(&mut doc, "/vulnerabilities/0/threats");
    let ids = doc
        .pointer("/vulnerabilities/0/product_status/known_not_affected")
        .unwrap()
        .clone();
    set(
        &mut doc,
        "/vulnerabilities/0/flags",
        json!([{"label": "vulnerable_code_not_present", "product_ids": ids}]),
    );
    assert!(
        csaf::validate(&doc).is_empty(),
        "{:?}",
        csaf::validate(&doc)
    );
}

#[test]
fn t_6_1_29_and_32_without_product() {
    fails(
        advisory(),
        "6.1.29",
        "/vulnerabilities/0/remediations/0",
        |d| remove(d, "/vulnerabilities/0/remediations/0/product_ids"),
    );
    fails(advisory(), "6.1.32", "/vulnerabilities/0/flags/0", |d| {
        set(
            d,
            "/vulnerabilities/0/flags",
            json!([{"label": "component_not_present"}]),
        )
    });
}

#[test]
fn t_6_1_31_range_in_product_version() {
    fails(
        advisory(),
        "6.1.31",
        "/product_tree/branches/0/branches/0/branches/1/name",
        |d| {
            set(
                d,
                "/product_tree/branches/0/branches/0/branches/1/name",
                json!("<1.4.2"),
            )
        },
    );
    fails(
        advisory(),
        "6.1.31",
        "/product_tree/branches/0/branches/0/branches/1/name",
        |d| {
            set(
                d,
                "/product_tree/branches/0/branches/0/branches/1/name",
                json!("1.4.2 and later"),
            )
        },
    );
}

#[test]
fn t_6_1_33_two_justifications() {
    fails(vex(), "6.1.33", "/vulnerabilities/0/flags/1", |d| {
        set(
            d,
            "/vulnerabilities/0/flags",
            json!([
                {"label": "component_not_present", "product_ids": ["libfoo@0.9.0"]},
                {"label": "vulnerable_code_not_present", "product_ids": ["libfoo@0.9.0"]}
            ]),
        )
    });
}
