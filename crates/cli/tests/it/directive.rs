//! `bulwark directive evaluate` as an agency's pipeline would run it.

use serde_json::json;

use crate::common::*;

const BOD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../directives/bod-26-04.toml"
);

fn temp_file(name: &str, contents: &str) -> String {
    let dir = std::env::temp_dir().join(format!("bulwark-directive-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn evaluate_answers_input_for_input_and_exits_2_on_a_bad_one() {
    let facts = temp_file(
        "facts.json",
        &json!([
            {"in_kev": "yes", "publicly_exposed": "yes", "automatable": "yes",
             "technical_impact": "total", "trigger": "2026-08-07T22:30:00-05:00"},
            {"in_kev": "yes", "automatable": "maybe", "trigger": "2026-08-07T00:00:00Z"},
            {"in_kev": "no", "publicly_exposed": "no", "automatable": "no",
             "technical_impact": "partial", "trigger": "2026-08-07T00:00:00Z"}
        ])
        .to_string(),
    );
    let out = bulwark(&[
        "directive",
        "evaluate",
        "--directive",
        BOD,
        "--facts",
        &facts,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["directive"], "BOD-26-04@1.0.0");
    assert_eq!(lines[0]["rule"], "row-01");
    assert_eq!(lines[0]["timeline"], "3 days");
    assert_eq!(lines[0]["due"], "2026-08-11T03:30:00Z");
    assert_eq!(lines[0]["forensic"], true);
    assert_eq!(lines[0]["explanation"][0], "in_kev = yes (source: KEV)");
    assert_eq!(lines[1]["index"], 1);
    assert_eq!(lines[1]["path"], "$[1].automatable");
    assert!(
        lines[1]["error"]
            .as_str()
            .unwrap()
            .contains("\"maybe\" is not a value of `automatable`"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2]["timeline"], "on upgrade");
    assert_eq!(lines[2]["due"], json!(null));
    assert!(stderr(&out).contains("1 of 3 inputs could not be evaluated"));
}

#[test]
fn evaluate_takes_one_object_and_prints_a_table() {
    let facts = temp_file(
        "one.json",
        r#"{"in_kev": "no", "technical_impact": "partial", "trigger": "2026-08-07T12:00:00+02:00"}"#,
    );
    let out = bulwark(&[
        "directive",
        "evaluate",
        "--directive",
        BOD,
        "--facts",
        &facts,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("BOD-26-04@1.0.0  row-10  14 days  due 2026-08-21T10:00:00Z"),
        "{text}"
    );
    assert!(
        text.contains(
            "publicly_exposed = yes (source: the directive's default for unknown; not given"
        ),
        "{text}"
    );
}

#[test]
fn a_bad_directive_file_exits_2_naming_file_and_line() {
    let text = std::fs::read_to_string(BOD).unwrap();
    let broken = text.replacen(
        "technical_impact = \"total\" }",
        "technical_impact = \"high\" }",
        1,
    );
    let directive = temp_file("broken.toml", &broken);
    let facts = temp_file("f.json", r#"{"trigger": "2026-08-07T00:00:00Z"}"#);
    let out = bulwark(&[
        "directive",
        "evaluate",
        "--directive",
        &directive,
        "--facts",
        &facts,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let line = broken[..broken.find("id = \"row-01\"").unwrap()]
        .matches('\n')
        .count()
        + 1;
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "broken.toml: line {line}: rule \"row-01\": unknown value \"high\""
        )),
        "{err}"
    );
}

/// The directive crate's test fixture with CVSS and EPSS ranges.
const ED_NUMERIC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../directive/tests/it/fixtures/ed-numeric.toml"
);

#[test]
fn evaluate_reads_numeric_facts_and_refuses_one_out_of_range() {
    let facts = temp_file(
        "numeric.json",
        &json!([
            {"cvss": 9.0, "epss": 0.01, "high_value_asset": "no",
             "trigger": "2026-09-02T00:00:00Z"},
            {"cvss": 8.9, "epss": {"value": 0.1, "source": "FIRST EPSS 2026-09-01"},
             "high_value_asset": false, "trigger": "2026-09-02T00:00:00Z"},
            {"cvss": 7.5, "epss": 1.2, "trigger": "2026-09-02T00:00:00Z"}
        ])
        .to_string(),
    );
    let out = bulwark(&[
        "directive",
        "evaluate",
        "--directive",
        ED_NUMERIC,
        "--facts",
        &facts,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["directive"], "ED-TEST-NUMERIC@1");
    assert_eq!(lines[0]["rule"], "critical");
    assert_eq!(lines[0]["due"], "2026-09-04T00:00:00Z");
    assert_eq!(lines[0]["explanation"][0], "cvss = 9 (source: NVD)");
    assert_eq!(lines[1]["rule"], "high-likely");
    assert_eq!(lines[1]["timeline"], "14 days");
    assert_eq!(
        lines[1]["explanation"][1],
        "epss = 0.1 (source: FIRST EPSS 2026-09-01)"
    );
    assert_eq!(lines[2]["index"], 2);
    assert_eq!(lines[2]["path"], "$[2].epss");
    assert!(
        lines[2]["error"]
            .as_str()
            .unwrap()
            .contains("1.2 is out of the range of `epss` (0 to 1)"),
        "{}",
        lines[2]
    );
}
