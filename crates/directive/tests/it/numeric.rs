//! Numeric facts (CVSS, EPSS) beside a yes/no fact of the system: ranges
//! in rules, the coverage and overlap checks over the pieces of each
//! range, and evaluation at the boundaries.

use bulwark_directive::{Directive, DirectiveError};
use serde_json::json;

use crate::common::*;

/// `fixtures/ed-numeric.toml`: cvss 0–10, epss 0–1, high_value_asset.
pub const ED_NUMERIC: &str = include_str!("fixtures/ed-numeric.toml");

fn ed() -> Directive {
    Directive::from_toml(ED_NUMERIC).unwrap()
}

fn rule_for(d: &Directive, facts: serde_json::Value) -> String {
    let mut facts = facts;
    facts["trigger"] = json!("2026-09-02T00:00:00Z");
    d.evaluate(&d.facts_from_json(&facts, "$").unwrap()).rule
}

#[test]
fn the_fixture_loads() {
    let d = ed();
    assert_eq!(d.citation(), "ED-TEST-NUMERIC@1");
    let cvss = d.fact("cvss").unwrap().number.unwrap();
    assert_eq!((cvss.min, cvss.max, cvss.unknown), (0.0, 10.0, 10.0));
}

#[test]
fn evaluation_picks_the_rule_at_the_boundaries() {
    let d = ed();
    let cases = [
        (
            json!({"cvss": 9.0, "epss": 0.0, "high_value_asset": "no"}),
            "critical",
        ),
        (
            json!({"cvss": 10, "epss": 0.0, "high_value_asset": "no"}),
            "critical",
        ),
        (
            json!({"cvss": 8.99, "epss": 0.2, "high_value_asset": "yes"}),
            "high-hva",
        ),
        (
            json!({"cvss": 8.99, "epss": 0.1, "high_value_asset": false}),
            "high-likely",
        ),
        (
            json!({"cvss": 8.99, "epss": 0.0999, "high_value_asset": "no"}),
            "high-unlikely",
        ),
        (
            json!({"cvss": 7.0, "epss": 0.0999, "high_value_asset": "no"}),
            "high-unlikely",
        ),
        (
            json!({"cvss": 6.99, "epss": 0.5, "high_value_asset": "yes"}),
            "lower-very-likely",
        ),
        (
            json!({"cvss": 6.99, "epss": 1.0, "high_value_asset": "no"}),
            "lower-very-likely",
        ),
        (
            json!({"cvss": 0, "epss": 0.4999, "high_value_asset": "no"}),
            "lower-likely",
        ),
        (
            json!({"cvss": 0.0, "epss": 0, "high_value_asset": "no"}),
            "lower",
        ),
        // Unknown CVSS takes 10.0; unknown EPSS takes 1.0.
        (
            json!({"cvss": "unknown", "epss": 0.0, "high_value_asset": "no"}),
            "critical",
        ),
        (
            json!({"cvss": 5.0, "high_value_asset": "no"}),
            "lower-very-likely",
        ),
    ];
    for (facts, expected) in cases {
        assert_eq!(rule_for(&d, facts.clone()), expected, "{facts}");
    }
}

#[test]
fn the_explanation_names_each_number_with_its_value_and_source() {
    let d = ed();
    let facts = json!({
        "cvss": {"value": 9.8, "source": "CISA ADP"}, "epss": null,
        "high_value_asset": true, "trigger": "2026-09-02T00:00:00Z"
    });
    let e = d.evaluate(&d.facts_from_json(&facts, "$").unwrap());
    assert_eq!(e.rule, "critical");
    assert_eq!(e.explanation[0], "cvss = 9.8 (source: CISA ADP)");
    assert!(
        e.explanation[1].starts_with(
            "epss = 1 (source: the directive's default for unknown; given as unknown; conservative"
        ),
        "{:#?}",
        e.explanation
    );
    assert_eq!(
        e.explanation[2],
        "high_value_asset = yes (source: agency HVA inventory)"
    );
    assert_eq!(
        serde_json::to_value(&e).unwrap()["due"],
        "2026-09-04T00:00:00Z"
    );
}

#[test]
fn a_number_out_of_range_or_not_a_number_is_refused_with_its_path() {
    let d = ed();
    let cases = [
        (
            json!({"cvss": 10.5}),
            "$[1].cvss: 10.5 is out of the range of `cvss` (0 to 10)",
        ),
        (
            json!({"epss": -0.1}),
            "$[1].epss: -0.1 is out of the range of `epss` (0 to 1)",
        ),
        (
            json!({"epss": {"value": 1.5, "source": "x"}}),
            "$[1].epss: 1.5 is out of the range",
        ),
        (
            json!({"cvss": "high"}),
            "$[1].cvss: expected a number from 0 to 10, or unknown",
        ),
        (json!({"cvss": true}), "$[1].cvss: expected a number"),
        (
            json!({"high_value_asset": 1}),
            "$[1].high_value_asset: expected one of yes, no",
        ),
    ];
    for (mut input, expected) in cases {
        input["trigger"] = json!("2026-09-02T00:00:00Z");
        let e = d.facts_from_json(&input, "$[1]").unwrap_err().to_string();
        assert!(e.starts_with(expected), "{input}: {e}");
    }
}

#[test]
fn a_gap_in_a_range_is_refused_naming_the_rule_and_line() {
    // 9.0–9.5 is now covered by no rule.
    let text = ED_NUMERIC.replace("cvss = { at_least = 9.0 }", "cvss = { at_least = 9.5 }");
    let e = Directive::from_toml(&text).unwrap_err();
    match &e {
        DirectiveError::Uncovered {
            line,
            combination,
            closest,
            ..
        } => {
            assert!(combination.contains("cvss in [9.0, 9.5)"), "{e}");
            assert_eq!(*line, line_of(&text, &format!("id = \"{closest}\"")));
        }
        e => panic!("{e}"),
    }
    assert!(
        e.to_string().contains("no rule covers cvss in [9.0, 9.5)"),
        "{e}"
    );

    // The closest rule is one that differs on cvss only.
    assert!(e.to_string().ends_with("which differs on cvss)"), "{e}");

    // A gap in the second numeric fact: epss 0.1–0.2 for lower scores.
    let text = ED_NUMERIC.replace(
        "epss = { at_least = 0.1, below = 0.5 }",
        "epss = { at_least = 0.2, below = 0.5 }",
    );
    let e = Directive::from_toml(&text).unwrap_err();
    assert!(
        e.to_string().contains("epss in [0.1, 0.2)")
            && e.to_string().contains("cvss in [0.0, 7.0)"),
        "{e}"
    );
}

#[test]
fn an_overlap_in_a_range_is_refused_naming_both_rules() {
    // critical now starts at 8.5, where high-hva also holds.
    let text = ED_NUMERIC.replace("cvss = { at_least = 9.0 }", "cvss = { at_least = 8.5 }");
    let e = Directive::from_toml(&text).unwrap_err();
    match &e {
        DirectiveError::Overlap {
            line,
            rule,
            other,
            other_line,
            combination,
        } => {
            assert_eq!(other, "critical");
            assert_eq!(*other_line, line_of(&text, "id = \"critical\""));
            assert_eq!(*line, line_of(&text, &format!("id = \"{rule}\"")));
            assert!(combination.contains("cvss in [8.5, 9.0)"), "{e}");
        }
        e => panic!("{e}"),
    }
}

#[test]
fn the_maximum_alone_must_be_covered() {
    // `below = 10.0` leaves 10.0 itself to no rule.
    let text = ED_NUMERIC.replace(
        "cvss = { at_least = 9.0 }",
        "cvss = { at_least = 9.0, below = 10.0 }",
    );
    let e = Directive::from_toml(&text).unwrap_err();
    assert!(e.to_string().contains("no rule covers cvss=10.0"), "{e}");
}

#[test]
fn bad_numeric_declarations_are_refused_with_their_line() {
    let cases = [
        (
            ED_NUMERIC.replace("cvss = { at_least = 9.0 }", "cvss = { at_least = 11.0 }"),
            "id = \"critical\"",
            "`cvss.at_least = 11.0` is outside the fact's range",
        ),
        (
            ED_NUMERIC.replace("cvss = { at_least = 9.0 }", "cvss = \"high\""),
            "id = \"critical\"",
            "`cvss` is a number from 0.0 to 10.0",
        ),
        (
            ED_NUMERIC.replace("cvss = { at_least = 9.0 }", "cvss = { above = 9.0 }"),
            "id = \"critical\"",
            "unknown key `above`",
        ),
        (
            ED_NUMERIC.replace(
                "epss = { at_least = 0.1, below = 0.5 }",
                "epss = { at_least = 0.5, below = 0.1 }",
            ),
            "id = \"lower-likely\"",
            "no number meets it",
        ),
        (
            ED_NUMERIC.replace("unknown = 10.0", "unknown = \"high\""),
            "unknown = \"high\"",
            "`unknown` must be a number from 0.0 to 10.0",
        ),
        (
            ED_NUMERIC.replace("unknown = 10.0", "unknown = 12"),
            "unknown = 12",
            "`unknown` must be a number",
        ),
        (
            ED_NUMERIC.replace("min = 0.0\nmax = 10.0", "min = 0.0"),
            "name = \"cvss\"",
            "a number needs `min` and `max`",
        ),
        (
            ED_NUMERIC.replace(
                "kind = \"number\"\nmin = 0.0\nmax = 1.0",
                "kind = \"integer\"\nmin = 0.0\nmax = 1.0",
            ),
            "name = \"epss\"",
            "`kind` is \"values\"",
        ),
    ];
    let cases = cases.into_iter().chain([(
        ED_NUMERIC.replace("unknown = \"yes\"", "unknown = 1"),
        "unknown = 1\n",
        "`unknown` must be one of its values",
    )]);
    for (text, at, expected) in cases {
        let e = Directive::from_toml(&text).unwrap_err();
        let DirectiveError::Invalid { line, message } = &e else {
            panic!("{e}");
        };
        assert_eq!(*line, line_of(&text, at), "{e}");
        assert!(message.contains(expected), "{e}");
    }
}
