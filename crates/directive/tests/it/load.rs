//! The loader refuses what would make a directive ambiguous or partial,
//! naming the rule and the line.

use bulwark_directive::{Directive, DirectiveError, Timeline};

use crate::common::*;

const FULL: &str = r#"
[[rule]]
id = "kev"
when = { in_kev = "yes" }
action = "remediate"
timeline = "3 days"

[[rule]]
id = "not-kev"
when = { in_kev = "no" }
action = "remediate"
timeline = "60 days"
"#;

#[test]
fn a_complete_directive_loads() {
    let d = Directive::from_toml(&small(FULL)).unwrap();
    assert_eq!(d.citation(), "ED-TEST@1");
    assert_eq!(d.rules().len(), 2);
    assert_eq!(d.rules()[1].outcome.timeline, Timeline::Days(60));
}

#[test]
fn overlapping_rules_with_different_outcomes_are_refused() {
    let text = small(&format!(
        "{FULL}\n[[rule]]\nid = \"exposed\"\nwhen = {{ publicly_exposed = \"yes\" }}\naction = \"remediate\"\ntimeline = \"14 days\"\n"
    ));
    let e = Directive::from_toml(&text).unwrap_err();
    match &e {
        DirectiveError::Overlap {
            line,
            rule,
            other,
            other_line,
            ..
        } => {
            assert_eq!(rule, "exposed");
            assert_eq!(*line, line_of(&text, "id = \"exposed\""));
            assert_eq!(other, "kev");
            assert_eq!(*other_line, line_of(&text, "id = \"kev\""));
        }
        e => panic!("{e}"),
    }
    assert!(
        e.to_string().contains("in_kev=yes, publicly_exposed=yes"),
        "{e}"
    );
}

#[test]
fn overlapping_rules_that_agree_are_accepted() {
    let text = small(&format!(
        "{FULL}\n[[rule]]\nid = \"kev-exposed\"\nwhen = {{ in_kev = \"yes\", publicly_exposed = \"yes\" }}\naction = \"remediate\"\ntimeline = \"3 days\"\n"
    ));
    Directive::from_toml(&text).unwrap();
}

#[test]
fn an_unknown_fact_is_refused() {
    let text = small(
        r#"
[[rule]]
id = "all"
when = { in_kev = ["yes", "no"], epss = "high" }
action = "remediate"
timeline = "3 days"
"#,
    );
    let e = Directive::from_toml(&text).unwrap_err();
    assert_eq!(
        e,
        DirectiveError::Invalid {
            line: line_of(&text, "id = \"all\""),
            message: "rule \"all\": unknown fact `epss` (the directive's facts: in_kev, publicly_exposed)".into()
        }
    );
}

#[test]
fn an_unknown_value_is_refused() {
    let text = small(
        r#"
[[rule]]
id = "all"
when = { in_kev = "maybe" }
action = "remediate"
timeline = "3 days"
"#,
    );
    let e = Directive::from_toml(&text).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!(
            "line {}: rule \"all\": unknown value \"maybe\"",
            line_of(&text, "id = \"all\"")
        )),
        "{e}"
    );
}

#[test]
fn an_uncovered_combination_is_refused() {
    let text = small(
        r#"
[[rule]]
id = "kev"
when = { in_kev = "yes" }
action = "remediate"
timeline = "3 days"

[[rule]]
id = "not-kev-exposed"
when = { in_kev = "no", publicly_exposed = "yes" }
action = "remediate"
timeline = "14 days"
"#,
    );
    let e = Directive::from_toml(&text).unwrap_err();
    assert_eq!(
        e,
        DirectiveError::Uncovered {
            line: line_of(&text, "id = \"not-kev-exposed\""),
            combination: "in_kev=no, publicly_exposed=no".into(),
            closest: "not-kev-exposed".into(),
            differs: "publicly_exposed".into(),
        }
    );
}

#[test]
fn an_emergency_directive_decides_its_cves_apart() {
    let ed = format!(
        "{FULL}\n[[rule]]\nid = \"ed\"\ncves = [\"CVE-2024-3400\"]\naction = \"disconnect or patch\"\ntimeline = \"48 hours\"\n"
    );
    let d = Directive::from_toml(&small(&ed)).unwrap();
    assert_eq!(d.rules()[2].outcome.timeline, Timeline::Hours(48));

    // A CVE rule limited to KEV entries leaves the CVE's other combination open.
    let partial = format!(
        "{FULL}\n[[rule]]\nid = \"ed\"\ncves = [\"CVE-2024-3400\"]\nwhen = {{ in_kev = \"yes\" }}\naction = \"patch\"\ntimeline = \"48 hours\"\n"
    );
    let e = Directive::from_toml(&small(&partial)).unwrap_err();
    assert!(
        e.to_string()
            .contains("no rule covers in_kev=no, publicly_exposed=yes, cve=CVE-2024-3400"),
        "{e}"
    );
}

#[test]
fn toml_errors_name_the_line() {
    let text = small(&format!("{FULL}\nsurprise = 1\n"));
    let e = Directive::from_toml(&text).unwrap_err();
    assert!(matches!(e, DirectiveError::Toml { .. }), "{e}");
    let bad_timeline = small(&FULL.replace("60 days", "soon"));
    let e = Directive::from_toml(&bad_timeline).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "line {}: rule \"not-kev\": timeline \"soon\" is not `N days`, `N hours`, `on upgrade` or `none`",
            line_of(&bad_timeline, "timeline = \"soon\"")
        )
    );
}
