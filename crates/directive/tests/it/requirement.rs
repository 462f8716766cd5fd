//! Requirements on systems: read and checked at load (each error naming its
//! line), and which systems they apply to.

use bulwark_directive::{Directive, DirectiveError, SystemFacts, Timeline};
use bulwark_tools::ToolKind;
use time::macros::datetime;

use crate::common::*;

const FIXTURE: &str = include_str!("fixtures/ai-scan-hva.toml");

/// The small directive with a high-value-asset fact and `requirement`
/// appended.
fn with_requirement(requirement: &str) -> String {
    small(&format!(
        r#"
[[fact]]
name = "high_value_asset"
description = "HVA."
source = "agency HVA flag"
values = ["yes", "no"]
unknown = "yes"
unknown_basis = "conservative"

[[rule]]
id = "all"
action = "remediate"
timeline = "30 days"
{requirement}"#
    ))
}

const SCAN: &str = r#"
[[requirement]]
id = "scan"
when = { high_value_asset = "yes" }
action = "scan"
every = "30 days"
tool = { ai_enabled = true, kinds = ["fuzzer", "scanner"] }
"#;

fn invalid(text: &str) -> (usize, String) {
    match Directive::from_toml(text).unwrap_err() {
        DirectiveError::Invalid { line, message } => (line, message),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn the_worked_example_loads() {
    let d = Directive::from_toml(FIXTURE).unwrap();
    assert!(d.rules().is_empty());
    let [r] = d.requirements() else {
        panic!("one requirement expected")
    };
    assert_eq!(r.id, "ai-scan-hva");
    assert_eq!(r.every, Timeline::Days(30));
    assert_eq!(r.timeline(), "every 30 days");
    assert!(r.tool.ai_enabled);
    assert_eq!(r.tool.kinds.len(), ToolKind::ALL.len());
    assert_eq!(r.line, line_of(FIXTURE, "id = \"ai-scan-hva\""));
    assert_eq!(
        r.due_after(datetime!(2026-09-01 0:00 UTC)),
        Some(datetime!(2026-10-01 0:00 UTC))
    );
}

#[test]
fn a_directive_without_requirements_has_none() {
    assert!(bod_26_04().requirements().is_empty());
}

#[test]
fn applies_by_the_systems_own_facts_with_the_default_for_unknown() {
    let d = Directive::from_toml(FIXTURE).unwrap();
    let r = &d.requirements()[0];
    let hva = SystemFacts::new().with("high_value_asset", Some("yes"), "the agency's flag");
    let a = d.requirement_applies(r, &hva);
    assert!(a.applies, "{a:?}");
    assert!(a.explanation[0].contains("high_value_asset = yes (source: the agency's flag)"));
    let not = SystemFacts::new().with("high_value_asset", Some("no"), "the agency's flag");
    assert!(!d.requirement_applies(r, &not).applies);
    // The fixture's default for unknown is "no".
    let unknown = SystemFacts::new().with("high_value_asset", None, "the agency's flag");
    let a = d.requirement_applies(r, &unknown);
    assert!(!a.applies);
    assert!(a.explanation[0].contains("default for unknown"), "{a:?}");
    assert!(!d.requirement_applies(r, &SystemFacts::new()).applies);
    // With a conservative default, unknown is bound.
    let d = Directive::from_toml(&with_requirement(SCAN)).unwrap();
    assert!(
        d.requirement_applies(&d.requirements()[0], &unknown)
            .applies
    );
}

#[test]
fn the_tool_class_admits_approved_kinds_and_ai_when_asked() {
    let d = Directive::from_toml(&with_requirement(SCAN)).unwrap();
    let class = &d.requirements()[0].tool;
    assert!(class.admits(ToolKind::Fuzzer, true));
    assert!(!class.admits(ToolKind::Fuzzer, false));
    assert!(!class.admits(ToolKind::FrontierModel, true));
    assert_eq!(
        class.describe(),
        "approved AI-enabled catalogue entries of kind fuzzer, scanner"
    );
}

#[test]
fn a_requirement_reads_declared_system_facts_only() {
    let text = with_requirement(&SCAN.replace("high_value_asset = \"yes\"", "in_kev = \"yes\""));
    let (line, message) = invalid(&text);
    assert_eq!(line, line_of(&text, "when = { in_kev"));
    assert!(message.contains("system's own facts only"), "{message}");

    let text = small(&SCAN.replace("high_value_asset", "national_security_system"));
    let (line, message) = invalid(&text);
    assert_eq!(line, line_of(&text, "when = { national_security_system"));
    assert!(message.contains("declare it as a [[fact]]"), "{message}");

    let text = with_requirement(&SCAN.replace("\"yes\" }", "\"maybe\" }"));
    let (line, message) = invalid(&text);
    assert_eq!(line, line_of(&text, "when = { high_value_asset"));
    assert!(message.contains("unknown value \"maybe\""), "{message}");
}

#[test]
fn a_bad_period_is_refused_on_its_line() {
    for bad in ["monthly", "0 days", "on upgrade", "none"] {
        let text = with_requirement(&SCAN.replace("\"30 days\"", &format!("{bad:?}")));
        let (line, message) = invalid(&text);
        assert_eq!(line, line_of(&text, "every = "), "{bad}");
        assert!(message.contains("not `N days` or `N hours`"), "{message}");
    }
    let text = with_requirement(&SCAN.replace("\"30 days\"", "\"12 hours\""));
    let d = Directive::from_toml(&text).unwrap();
    assert_eq!(d.requirements()[0].every, Timeline::Hours(12));
}

#[test]
fn an_unknown_tool_kind_is_refused_naming_the_words() {
    let text = with_requirement(&SCAN.replace("\"scanner\"", "\"antivirus\""));
    let (line, message) = invalid(&text);
    assert_eq!(line, line_of(&text, "tool = "));
    assert!(
        message.contains("\"antivirus\" is not a kind of tool"),
        "{message}"
    );
    assert!(message.contains("cyber_reasoning_system"), "{message}");

    let text = with_requirement(&SCAN.replace("kinds = [\"fuzzer\", \"scanner\"]", "kinds = []"));
    assert!(invalid(&text).1.contains("`tool.kinds` is empty"));

    // Leaving kinds out: every kind.
    let text = with_requirement(&SCAN.replace(", kinds = [\"fuzzer\", \"scanner\"]", ""));
    let d = Directive::from_toml(&text).unwrap();
    assert_eq!(d.requirements()[0].tool.kinds.len(), ToolKind::ALL.len());

    // An unknown key of the tool class is a TOML error naming its line.
    let text = with_requirement(&SCAN.replace("ai_enabled = true", "ai = true"));
    match Directive::from_toml(&text).unwrap_err() {
        DirectiveError::Toml { line, message, .. } => {
            assert_eq!(line, line_of(&text, "tool = "));
            assert!(message.contains("unknown field `ai`"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ids_are_words_and_unique_among_rules_and_requirements() {
    let text = with_requirement(&format!("{SCAN}{SCAN}"));
    let (line, message) = invalid(&text);
    assert_eq!(
        line,
        text.rfind("id = \"scan\"")
            .map(|at| text[..at].matches('\n').count() + 1)
            .unwrap()
    );
    assert!(message.contains("already used"), "{message}");

    let text = with_requirement(&SCAN.replace("id = \"scan\"", "id = \"all\""));
    assert!(invalid(&text).1.contains("already a rule's"));

    let text = with_requirement(&SCAN.replace("id = \"scan\"", "id = \"Scan Monthly\""));
    assert!(invalid(&text).1.contains("lowercase letters"));
}

#[test]
fn a_directive_needs_a_rule_or_a_requirement() {
    let (_, message) = invalid(&small(""));
    assert!(
        message.contains("no [[rule]] and no [[requirement]]"),
        "{message}"
    );
}

#[test]
fn a_directive_of_requirements_only_requires_nothing_of_vulnerabilities() {
    let d = Directive::from_toml(FIXTURE).unwrap();
    let facts = d
        .facts_from_json(
            &serde_json::json!({"trigger": "2026-09-02T00:00:00Z", "high_value_asset": "yes"}),
            "$",
        )
        .unwrap();
    let ev = d.evaluate(&facts);
    assert_eq!(ev.timeline, "none");
    assert_eq!(ev.due, None);
}
