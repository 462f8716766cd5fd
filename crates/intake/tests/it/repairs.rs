//! SARIF as tools really write it: what the default mode repairs (each
//! repair a warning with its path), what it counts but does not file, what
//! strict mode refuses, and what neither mode accepts. Fixtures in
//! `tests/fixtures/repairs/`, sources in the fixtures' README.

use std::convert::Infallible;

use bulwark_intake::finding::{self, Format};
use bulwark_intake::fingerprint::{self, Basis};
use bulwark_intake::sarif::{self, ErrorKind, Skipped, Summary};
use bulwark_intake::{NormalizedResult, ReadError, ReadOptions, SarifError, WarningKind};
use serde_json::json;

const BENT: &str = include_str!("../fixtures/repairs/semgrep-bent.sarif");
const SEMGREP: &str = include_str!("../fixtures/semgrep-dataflow.sarif");
const CLANG_EMPTY: &str = include_str!("../fixtures/repairs/clang-empty-message.sarif");
const SDV_PASS: &str = include_str!("../fixtures/repairs/sdv-pass.sarif");
const TOOL_NAMES: &str = include_str!("../fixtures/repairs/codeql-tool-names.sarif");
const NO_TOOL: &str = include_str!("../fixtures/repairs/spec-runs-without-tool.sarif");
const STACK: &str = include_str!("../fixtures/repairs/sdk-stack-without-frames.sarif");
const INVALID: &str = include_str!("../fixtures/invalid-results.sarif");

fn read(doc: &str, options: ReadOptions) -> Result<(Vec<NormalizedResult>, Summary), SarifError> {
    let mut out = Vec::new();
    let summary = sarif::read_with(doc.as_bytes(), options, |r| {
        out.push(r);
        Ok::<(), Infallible>(())
    })
    .map_err(|e| match e {
        ReadError::Sarif(e) => e,
        ReadError::Handler(never) => match never {},
    })?;
    assert_eq!(summary.findings, out.len());
    Ok((out, summary))
}

fn repaired(doc: &str) -> (Vec<NormalizedResult>, Summary) {
    read(doc, ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn strict(doc: &str) -> SarifError {
    match read(doc, ReadOptions::strict()) {
        Err(e) => e,
        Ok((r, s)) => panic!("accepted in strict mode: {r:?} {s:?}"),
    }
}

/// (kind, path) of every warning kept.
fn warnings(s: &Summary) -> Vec<(WarningKind, &str)> {
    s.warnings
        .first
        .iter()
        .map(|w| (w.kind, w.path.as_str()))
        .collect()
}

#[test]
fn non_string_fingerprint_values_are_left_out_and_kept_as_properties() {
    let (r, s) = repaired(BENT);
    assert_eq!(r.len(), 4);
    // An object instead of the string: no tool fingerprint is left, so the
    // result falls back to its location and snippet.
    assert!(r[0].fingerprints.is_empty());
    assert_eq!(fingerprint::basis(&r[0]), Basis::Location);
    let kept = &r[0].properties.as_ref().unwrap()["bulwark/ignoredFingerprints"];
    assert_eq!(kept["matchBasedId/v1"]["version"], json!(1));
    // A number beside the string: the string alone makes the fingerprint,
    // the same as the unbent result's.
    let (original, _) = repaired(SEMGREP);
    assert_eq!(
        fingerprint::fingerprint(&r[1]),
        fingerprint::fingerprint(&original[0])
    );
    assert_eq!(
        r[1].properties.as_ref().unwrap()["bulwark/ignoredFingerprints"],
        json!({"rank": 3})
    );
    assert_eq!(
        warnings(&s)[..2],
        [
            (
                WarningKind::NonStringFingerprint,
                "runs[0].results[0].fingerprints.matchBasedId/v1"
            ),
            (
                WarningKind::NonStringFingerprint,
                "runs[0].results[1].fingerprints.rank"
            ),
        ]
    );
    // Strict: refused where the first bend is, as before repairs existed.
    let e = strict(BENT);
    assert_eq!(
        (e.kind, e.path.as_str()),
        (
            ErrorKind::Schema,
            "runs[0].results[0].fingerprints.matchBasedId/v1"
        )
    );
    assert!(e.message.contains("expected a string"), "{e}");
    // A member that is not an object at all.
    let doc = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[
        {"message":{"text":"m"},"ruleId":"R","partialFingerprints":[1,2]}]}]}"#;
    let (r, s) = repaired(doc);
    assert_eq!(fingerprint::basis(&r[0]), Basis::Location);
    assert_eq!(
        r[0].properties,
        Some(json!({"bulwark/ignoredPartialFingerprints": [1, 2]}))
    );
    assert_eq!(
        warnings(&s),
        [(
            WarningKind::NonStringFingerprint,
            "runs[0].results[0].partialFingerprints"
        )]
    );
}

#[test]
fn a_missing_or_empty_message_takes_the_rules_description_else_its_id() {
    let (r, s) = repaired(BENT);
    // Semgrep's rule has a shortDescription; it stands in, on display only:
    // a missing and an empty message fingerprint alike, as before repairs.
    assert_eq!(r[2].title(), "Semgrep Finding: rules.classic");
    assert_eq!(r[3].title(), "Semgrep Finding: rules.classic");
    assert_eq!(r[2].message, "");
    assert_eq!(
        fingerprint::fingerprint(&r[2]),
        fingerprint::fingerprint(&r[3])
    );
    assert_eq!(
        warnings(&s)[2..],
        [
            (WarningKind::MissingMessage, "runs[0].results[2].message"),
            (WarningKind::EmptyMessage, "runs[0].results[3].message"),
        ]
    );
    assert_eq!(s.warnings.total(), 4);
    assert_eq!(s.warnings.counts[&WarningKind::NonStringFingerprint], 2);

    // Clang's converter writes an empty message and no rules: the rule id.
    // An empty message conforms to SARIF, so strict mode repairs it too; the
    // fingerprint is the one the result had before repairs existed (this
    // log was always accepted).
    for options in [ReadOptions::default(), ReadOptions::strict()] {
        let (r, s) = read(CLANG_EMPTY, options).unwrap();
        assert_eq!(r[0].title(), "Dead assignment");
        assert_eq!(
            fingerprint::fingerprint(&r[0]).to_string(),
            "bwk1:10952950051e6b58d99f127223077b650ad53360a15bc17c153660a7b584d3d6"
        );
        assert_eq!(
            warnings(&s),
            [(WarningKind::EmptyMessage, "runs[0].results[0].message")]
        );
    }

    // Synthetic: the order of stand-ins, and messages that are not objects.
    let doc = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T","rules":[
          {"id":"R0","fullDescription":{"text":"full"}},
          {"id":"R1","shortDescription":{"text":"  "},"fullDescription":{"text":"full 1"}},
          {"id":"R2","shortDescription":"not an object"}]}},
        "results":[
          {"ruleId":"R0"},
          {"ruleId":"R1","message":null},
          {"ruleId":"R2","message":{}},
          {"ruleId":"R0","message":"plain text"},
          {"ruleId":"R0","message":7},
          {"message":{"text":" "}}]}]}"#;
    let (r, s) = repaired(doc);
    let titles: Vec<_> = r.iter().map(|r| r.title()).collect();
    assert_eq!(titles, ["full", "full 1", "R2", "plain text", "full", " "]);
    let kinds: Vec<_> = s.warnings.first.iter().map(|w| w.kind).collect();
    assert_eq!(
        kinds,
        [
            WarningKind::MissingMessage,
            WarningKind::MissingMessage,
            WarningKind::EmptyMessage,
            WarningKind::MalformedMessage,
            WarningKind::MalformedMessage,
            WarningKind::EmptyMessage,
        ]
    );
    assert!(
        s.warnings.first[1].message.contains("fullDescription"),
        "{}",
        s.warnings.first[1]
    );
    let e = strict(doc);
    assert_eq!(
        (e.kind, e.path.as_str(), e.message.as_str()),
        (
            ErrorKind::Schema,
            "runs[0].results[0]",
            "missing field `message`"
        )
    );
}

#[test]
fn results_that_are_not_findings_are_counted_not_filed() {
    // Static Driver Verifier reports a property it checked and found
    // satisfied as a `pass` result.
    for options in [ReadOptions::default(), ReadOptions::strict()] {
        let (r, s) = read(SDV_PASS, options).unwrap();
        assert!(r.is_empty());
        assert_eq!((s.results, s.findings), (1, 0));
        assert_eq!(
            s.skipped,
            Skipped {
                pass: 1,
                not_applicable: 0,
                informational: 0
            }
        );
    }
    // Synthetic: every kind of §3.27.9; absent is `fail`.
    let doc = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[
        {"message":{"text":"a"}},
        {"message":{"text":"b"},"kind":"fail"},
        {"message":{"text":"c"},"kind":"review"},
        {"message":{"text":"d"},"kind":"open"},
        {"message":{"text":"e"},"kind":"pass"},
        {"message":{"text":"f"},"kind":"notApplicable"},
        {"message":{"text":"g"},"kind":"informational"}]}]}"#;
    let (r, s) = repaired(doc);
    let filed: Vec<_> = r.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(filed, ["a", "b", "c", "d"]);
    assert_eq!(
        s.skipped,
        Skipped {
            pass: 1,
            not_applicable: 1,
            informational: 1
        }
    );
    assert_eq!(s.results, 7);
    assert!(s.warnings.is_empty());
    // The format-neutral reader files the same four.
    let mut titles = Vec::new();
    let summary = finding::read(Format::Sarif, doc.as_bytes(), |f| {
        titles.push(f.title);
        Ok::<(), Infallible>(())
    })
    .unwrap();
    assert_eq!(titles, ["a", "b", "c", "d"]);
    assert_eq!((summary.items, summary.skipped.total()), (7, 3));
}

#[test]
fn a_tool_without_a_name_is_recorded_unnamed() {
    // CodeQL Action's test of tool names: a driver whose name is null.
    let (_, s) = repaired(TOOL_NAMES);
    assert_eq!(
        warnings(&s),
        [(WarningKind::MissingToolName, "runs[4].tool.driver.name")]
    );
    let e = strict(TOOL_NAMES);
    assert_eq!(
        (e.kind, e.path.as_str()),
        (ErrorKind::Schema, "runs[4].tool.driver.name")
    );
    assert!(e.message.contains("null"), "{e}");

    // The SARIF spec's example of a log: runs elided to placeholders.
    let (_, s) = repaired(NO_TOOL);
    assert_eq!(
        warnings(&s),
        [
            (WarningKind::MissingToolName, "runs[0]"),
            (WarningKind::MissingToolName, "runs[1]"),
            (WarningKind::MissingToolName, "runs[2]"),
        ]
    );
    assert_eq!(strict(NO_TOOL).path, "runs[0]");

    // The finding of an unnamed tool has no tool name, not an empty one.
    let doc = r#"{"version":"2.1.0","runs":[{"results":[{"message":{"text":"m"}}]}]}"#;
    let mut tools = Vec::new();
    finding::read(Format::Sarif, doc.as_bytes(), |f| {
        tools.push(f.tool_name);
        Ok::<(), Infallible>(())
    })
    .unwrap();
    assert_eq!(tools, [None]);
}

#[test]
fn a_malformed_stack_is_ignored() {
    // The SARIF SDK's validator test: a stack without its `frames`.
    let (r, s) = repaired(STACK);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].title(), "Some testing occurred.");
    assert_eq!(
        warnings(&s),
        [(WarningKind::MalformedStack, "runs[0].results[0].stacks[0]")]
    );
    let e = strict(STACK);
    assert_eq!(
        (e.kind, e.path.as_str(), e.message.as_str()),
        (
            ErrorKind::Schema,
            "runs[0].results[0].stacks[0]",
            "missing field `frames`"
        )
    );
}

#[test]
fn what_cannot_be_recovered_is_refused_in_both_modes() {
    let cases: &[(&str, ErrorKind, &str)] = &[
        (INVALID, ErrorKind::Schema, "runs[0].results"),
        ("not json", ErrorKind::Syntax, "(document)"),
        (
            r#"{"bomFormat":"CycloneDX"}"#,
            ErrorKind::Schema,
            "(document)",
        ),
        (
            r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[{"message":{"text":"a"}},"b"]}]}"#,
            ErrorKind::Schema,
            "runs[0].results[1]",
        ),
        (
            r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[{"message":{"text":"a"},"locations":{}}]}]}"#,
            ErrorKind::Schema,
            "runs[0].results[0].locations",
        ),
    ];
    for (doc, kind, path) in cases {
        for options in [ReadOptions::default(), ReadOptions::strict()] {
            let e = read(doc, options).expect_err(doc);
            assert_eq!((e.kind, e.path.as_str()), (*kind, *path), "{doc}: {e}");
        }
    }
}

#[test]
fn every_warning_is_counted_and_the_first_ones_kept() {
    let results: Vec<_> = (0..30)
        .map(|i| json!({"ruleId": format!("R{i}"), "message": {"text": ""}}))
        .collect();
    let doc = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "T"}}, "results": results}]})
        .to_string();
    let (r, s) = repaired(&doc);
    assert_eq!(r.len(), 30);
    assert_eq!(s.warnings.total(), 30);
    assert_eq!(s.warnings.first.len(), 20);
    assert_eq!(s.warnings.first[19].path, "runs[0].results[19].message");
    // The repairs travel with each result (and into its stored detail).
    assert_eq!(r[29].warnings[0].kind, WarningKind::EmptyMessage);
    let all = ReadOptions {
        keep_warnings: 100,
        ..ReadOptions::default()
    };
    assert_eq!(read(&doc, all).unwrap().1.warnings.first.len(), 30);
}
