//! Evaluation: the rule, the due date in UTC, and an explanation naming
//! every input, its value and its source.

use serde_json::json;

use crate::common::*;

#[test]
fn due_is_computed_in_utc_from_an_offset_trigger() {
    let d = bod_26_04();
    let facts = json!({
        "in_kev": "yes", "publicly_exposed": "yes", "automatable": "yes",
        "technical_impact": "total", "trigger": "2026-08-07T22:30:00-05:00"
    });
    let e = d.evaluate(&d.facts_from_json(&facts, "$").unwrap());
    let out = serde_json::to_value(&e).unwrap();
    assert_eq!(out["directive"], "BOD-26-04@1.0.0");
    assert_eq!(out["rule"], "row-01");
    assert_eq!(out["timeline"], "3 days");
    assert_eq!(out["forensic"], true);
    // 22:30 at UTC-5 is 03:30 UTC the next day; plus three days.
    assert_eq!(out["due"], "2026-08-11T03:30:00Z");
    assert_eq!(out["deadlines"][0]["due"], "2026-08-11T03:30:00Z");
    assert!(
        e.explanation.contains(
            &"trigger = 2026-08-08T03:30:00Z (given as 2026-08-07T22:30:00-05:00)".into()
        ),
        "{:#?}",
        e.explanation
    );
}

#[test]
fn a_fix_on_upgrade_has_no_due_date() {
    let d = bod_26_04();
    let facts = json!({
        "in_kev": false, "publicly_exposed": false, "automatable": "no",
        "technical_impact": "partial", "trigger": "2026-08-07T00:00:00Z"
    });
    let e = d.evaluate(&d.facts_from_json(&facts, "$").unwrap());
    assert_eq!(e.rule, "row-16");
    assert_eq!(e.timeline, "on upgrade");
    assert_eq!(serde_json::to_value(&e).unwrap()["due"], json!(null));
}

#[test]
fn unknowns_take_the_directives_default_and_say_so() {
    let d = bod_26_04();
    let facts = json!({
        "cve": "cve-2024-3400",
        "in_kev": {"value": "no", "source": "KEV catalog 2026.08.07"},
        "automatable": "unknown",
        "technical_impact": "partial",
        "trigger": "2026-08-07T12:00:00+02:00"
    });
    let e = d.evaluate(&d.facts_from_json(&facts, "$").unwrap());
    // in_kev no, exposed → yes (default), automatable → yes (default), partial: 14 days.
    assert_eq!(e.rule, "row-10");
    assert_eq!(e.timeline, "14 days");
    let ex = &e.explanation;
    assert_eq!(ex[0], "in_kev = no (source: KEV catalog 2026.08.07)");
    assert!(
        ex[1].starts_with("publicly_exposed = yes (source: the directive's default for unknown; not given; conservative default"),
        "{ex:#?}"
    );
    assert!(
        ex[2].starts_with("automatable = yes (source: the directive's default for unknown; given as unknown; conservative default"),
        "{ex:#?}"
    );
    assert_eq!(ex[3], "technical_impact = partial (source: CISA ADP)");
    assert_eq!(
        ex[4],
        "cve = CVE-2024-3400 (named by no rule of the directive)"
    );
}

#[test]
fn bad_facts_are_refused_with_their_json_path() {
    let d = bod_26_04();
    let cases = [
        (json!({"in_kev": "yes"}), "$[2]: `trigger` is missing"),
        (
            json!({"trigger": "2026-08-07"}),
            "$[2].trigger: \"2026-08-07\" is not an RFC 3339 time",
        ),
        (
            json!({"epss": 0.9, "trigger": "2026-08-07T00:00:00Z"}),
            "$[2].epss: unknown fact `epss`",
        ),
        (
            json!({"technical_impact": "high", "trigger": "2026-08-07T00:00:00Z"}),
            "$[2].technical_impact: \"high\" is not a value of `technical_impact`",
        ),
        (
            json!({"in_kev": {"value": "yes", "by": "me"}, "trigger": "2026-08-07T00:00:00Z"}),
            "$[2].in_kev.by: unknown key",
        ),
        (json!([1]), "$[2]: expected an object"),
    ];
    for (input, expected) in cases {
        let e = d.facts_from_json(&input, "$[2]").unwrap_err().to_string();
        assert!(e.starts_with(expected), "{input}: {e}");
    }
}

#[test]
fn an_emergency_directive_rule_applies_to_its_cves_only() {
    let text = small(
        r#"
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

[[rule]]
id = "ed"
cves = ["CVE-2024-3400"]
action = "disconnect or patch"
timeline = "48 hours"
"#,
    );
    let d = bulwark_directive::Directive::from_toml(&text).unwrap();
    let eval = |facts| d.evaluate(&d.facts_from_json(&facts, "$").unwrap());
    let e = eval(
        json!({"cve": "CVE-2024-3400", "in_kev": "no", "trigger": "2026-08-07T10:00:00+01:00"}),
    );
    assert_eq!((e.rule.as_str(), e.timeline.as_str()), ("ed", "48 hours"));
    assert_eq!(
        serde_json::to_value(&e).unwrap()["due"],
        "2026-08-09T09:00:00Z"
    );
    let e =
        eval(json!({"cve": "CVE-2021-44228", "in_kev": "no", "trigger": "2026-08-07T10:00:00Z"}));
    assert_eq!(e.rule, "not-kev");
}

#[test]
fn a_rule_that_requires_nothing_has_no_due_date_and_says_so() {
    let text = small(
        r#"
[[rule]]
id = "ed"
cves = ["CVE-2024-3400"]
action = "disconnect or patch"
timeline = "48 hours"

[[rule]]
id = "others"
action = "none"
timeline = "none"
"#,
    );
    let d = bulwark_directive::Directive::from_toml(&text).unwrap();
    let eval = |facts| d.evaluate(&d.facts_from_json(&facts, "$").unwrap());
    let e =
        eval(json!({"cve": "CVE-2021-44228", "in_kev": "yes", "trigger": "2026-08-07T10:00:00Z"}));
    assert_eq!(
        (e.rule.as_str(), e.timeline.as_str(), e.due),
        ("others", "none", None)
    );
    assert!(
        e.explanation.iter().any(|l| l.contains("requires nothing")),
        "{:?}",
        e.explanation
    );
    let e =
        eval(json!({"cve": "CVE-2024-3400", "in_kev": "no", "trigger": "2026-08-07T10:00:00Z"}));
    assert_eq!(e.timeline, "48 hours");
}
