//! The documents the independent validator checks: `.ci/run` sets
//! `BULWARK_CSAF_OUT` to an empty directory, runs this test, then
//! `scripts/csaf-validate.mjs` (the BSI's csaf-validator-lib) over it.

use bulwark_core::Tlp;
use bulwark_distribution::csaf;
use bulwark_distribution::model::{Status, VersionRange};
use serde_json::Value;

use crate::common::{Owned, tracking};

/// The set: ranges, fixed versions only, several vulnerabilities, one
/// vulnerability, every marking, draft / interim / final, and VEX.
pub fn documents() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut o = Owned::new();
    out.push((
        "advisory-ranges-final-clear".to_owned(),
        csaf::security_advisory(&o.advisory()),
    ));
    out.push(("vex-final-clear".to_owned(), csaf::vex(&o.advisory())));
    for (tlp, name) in [
        (Tlp::Green, "green"),
        (Tlp::Amber, "amber"),
        (Tlp::AmberStrict, "amber-strict"),
        (Tlp::Red, "red"),
    ] {
        o.tlp = tlp;
        out.push((
            format!("advisory-{name}"),
            csaf::security_advisory(&o.advisory()),
        ));
    }
    o.tlp = Tlp::Amber;
    o.tracking = tracking(Status::Draft, 0);
    out.push((
        "advisory-draft-amber".to_owned(),
        csaf::security_advisory(&o.advisory()),
    ));
    out.push(("vex-draft-amber".to_owned(), csaf::vex(&o.advisory())));
    o.tracking = tracking(Status::Interim, 1);
    out.push((
        "advisory-interim-amber".to_owned(),
        csaf::security_advisory(&o.advisory()),
    ));

    // Fixed versions only (no range), one vulnerability, no CVSS.
    let mut f = Owned::new();
    f.tracking = tracking(Status::Final, 3);
    for p in &mut f.content.products {
        p.affected = Vec::new();
        p.affected_versions = Vec::new();
    }
    f.content.products[1].fixed_versions = vec!["3.0".into()];
    f.content.vulnerabilities.truncate(1);
    f.content.vulnerabilities[0].cvss_v3 = None;
    out.push((
        "advisory-fixed-versions".to_owned(),
        csaf::security_advisory(&f.advisory()),
    ));
    out.push(("vex-fixed-versions".to_owned(), csaf::vex(&f.advisory())));

    // Several ranges per product, last_affected and open-ended ones.
    let mut r = Owned::new();
    r.content.products[0].affected = vec![
        VersionRange {
            introduced: Some("1.0.0".into()),
            fixed: Some("1.4.2".into()),
            last_affected: None,
        },
        VersionRange {
            introduced: Some("2.0.0".into()),
            fixed: None,
            last_affected: Some("2.0.5".into()),
        },
        VersionRange {
            introduced: Some("3.0.0".into()),
            fixed: None,
            last_affected: None,
        },
    ];
    out.push((
        "advisory-several-ranges".to_owned(),
        csaf::security_advisory(&r.advisory()),
    ));
    out
}

#[test]
fn every_document_of_the_set_is_valid_by_our_validator() {
    for (name, doc) in documents() {
        let problems = csaf::validate(&doc);
        assert!(problems.is_empty(), "{name}: {problems:?}");
    }
}

#[test]
#[ignore = "needs BULWARK_CSAF_OUT (set by .ci/run for scripts/csaf-validate.mjs)"]
fn write_documents() {
    let dir =
        std::env::var("BULWARK_CSAF_OUT").expect("BULWARK_CSAF_OUT: the directory to write into");
    let dir = std::path::Path::new(&dir);
    std::fs::create_dir_all(dir).unwrap();
    for (name, doc) in documents() {
        std::fs::write(dir.join(format!("{name}.json")), csaf::to_bytes(&doc)).unwrap();
    }
}
