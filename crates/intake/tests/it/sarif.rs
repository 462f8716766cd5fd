//! The SARIF reader and the v1 fingerprint on real SARIF excerpts
//! (`tests/fixtures/`, sources in its README).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io::Read;
use std::sync::Arc;

use bulwark_intake::fingerprint::{self, Basis};
use bulwark_intake::sarif::{
    Component, ErrorKind, Kind, Level, Location, NormalizedResult, ToolProvenance,
};
use bulwark_intake::{ReadError, SarifError, read};
use serde_json::{Value, json};

const SEMGREP: &str = include_str!("../fixtures/semgrep-dataflow.sarif");
const CODEQL: &str = include_str!("../fixtures/codeql-fingerprinting.sarif");
const FORTIFY: &str = include_str!("../fixtures/fortify-excerpt.sarif");
const EXTENSIONS: &str = include_str!("../fixtures/rules-extensions.sarif");
const BASE_IDS: &str = include_str!("../fixtures/original-uri-base-ids.sarif");
const INVALID: &str = include_str!("../fixtures/invalid-results.sarif");

fn parse(doc: &[u8]) -> Result<Vec<NormalizedResult>, SarifError> {
    let mut out = Vec::new();
    let summary = read(doc, |r| {
        out.push(r);
        Ok::<(), Infallible>(())
    })
    .map_err(|e| match e {
        ReadError::Sarif(e) => e,
        ReadError::Handler(never) => match never {},
    })?;
    assert_eq!(summary.findings, out.len());
    Ok(out)
}

fn results(doc: &str) -> Vec<NormalizedResult> {
    parse(doc.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn fingerprints(doc: &Value) -> Vec<String> {
    let bytes = serde_json::to_vec(doc).unwrap();
    parse(&bytes)
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(|r| fingerprint::fingerprint(r).to_string())
        .collect()
}

/// Every result's locations, mutably.
fn for_each_region(doc: &mut Value, f: &mut dyn FnMut(&mut serde_json::Map<String, Value>)) {
    for run in doc["runs"].as_array_mut().into_iter().flatten() {
        for result in run["results"].as_array_mut().into_iter().flatten() {
            for loc in result["locations"].as_array_mut().into_iter().flatten() {
                if let Some(Value::Object(region)) = loc.pointer_mut("/physicalLocation/region") {
                    f(region);
                }
            }
        }
    }
}

/// Code added above every result: all lines move down by `n`.
fn shift_lines(doc: &mut Value, n: u64) {
    for_each_region(doc, &mut |region| {
        for key in ["startLine", "endLine"] {
            if let Some(line) = region.get(key).and_then(Value::as_u64) {
                region.insert(key.into(), json!(line + n));
            }
        }
    });
}

/// Another release of the tool, another reporter's installation.
fn other_tool_version(doc: &mut Value) {
    for run in doc["runs"].as_array_mut().into_iter().flatten() {
        let driver = &mut run["tool"]["driver"];
        driver["version"] = json!("99.1.0");
        driver["semanticVersion"] = json!("99.1.0");
        driver["organization"] = json!("Another reporter");
    }
}

/// The same places reported under another rule.
fn other_rule(doc: &mut Value) {
    for run in doc["runs"].as_array_mut().into_iter().flatten() {
        for result in run["results"].as_array_mut().into_iter().flatten() {
            if let Value::Object(r) = result {
                r.remove("ruleIndex");
                r.remove("rule");
                r.insert("ruleId".into(), json!("bulwark/test-other-rule"));
            }
        }
    }
}

/// The four required properties on one real log; `moves` says whether every
/// result carries a snippet or (partial) fingerprints, so that moving it must
/// keep its fingerprint.
fn check_properties(doc: &str, moves: bool) {
    let original: Value = serde_json::from_str(doc).unwrap();
    let base = fingerprints(&original);
    assert!(!base.is_empty());

    let mut shifted = original.clone();
    shift_lines(&mut shifted, 17);
    if moves {
        assert_eq!(fingerprints(&shifted), base, "moved results");
    }

    let mut upgraded = original.clone();
    other_tool_version(&mut upgraded);
    assert_eq!(
        fingerprints(&upgraded),
        base,
        "another tool version / reporter"
    );

    let mut renamed = original.clone();
    other_rule(&mut renamed);
    for (a, b) in fingerprints(&renamed).iter().zip(&base) {
        assert_ne!(a, b, "another rule at the same place");
    }
}

#[test]
fn semgrep_result_with_fingerprints_snippet_and_code_flow() {
    let r = results(SEMGREP);
    assert_eq!(r.len(), 1);
    let r = &r[0];
    assert_eq!(r.rule_id.as_deref(), Some("rules.classic"));
    assert_eq!((r.kind, r.level), (Kind::Fail, Level::Warning));
    assert_eq!(
        r.message,
        "A user input source() went into a dangerous sink()"
    );
    assert_eq!(r.tool.driver.name, "Semgrep OSS");
    assert_eq!(
        r.tool.driver.semantic_version.as_deref(),
        Some("placeholder")
    );
    assert!(r.fingerprints.contains_key("matchBasedId/v1"));
    let loc = r.primary_location().unwrap();
    assert_eq!(loc.path.as_deref(), Some("targets/taint/taint.py"));
    assert_eq!(loc.uri_base_id.as_deref(), Some("%SRCROOT%"));
    assert_eq!(
        (loc.start_line, loc.start_column, loc.end_line),
        (Some(9), Some(5), Some(9))
    );
    assert_eq!(loc.snippet.as_deref(), Some("    sink1(b)"));
    let flows = r.code_flows.as_ref().and_then(Value::as_array).unwrap();
    assert_eq!(
        flows[0]["threadFlows"][0]["locations"]
            .as_array()
            .map(Vec::len),
        Some(4)
    );
    assert_eq!(r.properties, Some(json!({})));
    assert_eq!(fingerprint::basis(r), Basis::Fingerprints);
}

#[test]
fn codeql_partial_fingerprints_and_artifact_index() {
    let r = results(CODEQL);
    assert_eq!(r.len(), 2);
    assert_eq!(
        r[0].partial_fingerprints
            .get("primaryLocationLineHash")
            .map(String::as_str),
        Some("5e4d5a9cf1294ad9:1")
    );
    // The second location names its artifact by index only.
    let loc = &r[1].locations[0];
    assert_eq!(loc.artifact_index, Some(1));
    assert_eq!(loc.uri.as_deref(), Some("testFile2.js"));
    assert_eq!(loc.uri_base_id.as_deref(), Some("%SRCROOT%"));
    assert_eq!(r[1].tool.driver.semantic_version.as_deref(), Some("2.0.0"));
    assert_eq!(fingerprint::basis(&r[1]), Basis::PartialFingerprints);
    assert_ne!(
        fingerprint::fingerprint(&r[0]),
        fingerprint::fingerprint(&r[1])
    );
}

#[test]
fn fortify_cwe_from_result_properties_with_tool_last() {
    let r = results(FORTIFY);
    assert_eq!(r.len(), 3);
    assert_eq!(r[0].tool.driver.name, "Fortify");
    assert_eq!(r[0].rule_id.as_deref(), Some("Null Dereference"));
    assert_eq!(r[0].cwes, ["CWE-476"]);
    assert_eq!(r[1].cwes, ["CWE-242"]);
    assert_eq!(r[2].cwes, ["CWE-134", "CWE-787"]);
    assert_eq!(r[0].properties.as_ref().unwrap()["kingdom"], "Code Quality");
    assert_eq!(r.iter().map(|r| r.index).collect::<Vec<_>>(), [0, 1, 2]);
}

#[test]
fn rules_in_extensions_by_index_and_guid() {
    let r = results(EXTENSIONS);
    assert_eq!(r.len(), 5);
    assert_eq!(r[0].tool.extensions[0].name, "query-pack1");
    // result 3 names its rule only by index in the extension named by guid
    assert_eq!(r[3].rule_id.as_deref(), Some("js/unused-local-variable-1"));
    assert_eq!(
        r[4].rule_id.as_deref(),
        Some("com.lgtm/python-queries:py/unnecessary-pass-1")
    );
}

#[test]
fn nested_uri_base_ids_resolve_and_paths_stay_relative() {
    let r = results(BASE_IDS);
    let kb = r
        .iter()
        .find(|r| r.rule_id.as_deref() == Some("TUT1002"))
        .unwrap();
    let loc = &kb.locations[0];
    assert_eq!(loc.resolved_uri.as_deref(), Some("src/io/kb.c"));
    assert_eq!(loc.path.as_deref(), Some("io/kb.c"));
}

#[test]
fn intentionally_invalid_log_is_refused_with_its_path() {
    let e = parse(INVALID.as_bytes()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Schema);
    assert_eq!(e.path, "runs[0].results");
    // The line of the value `42`.
    assert_eq!(e.line, 14);
    assert!(
        e.to_string()
            .starts_with("runs[0].results: invalid type: integer `42`"),
        "{e}"
    );
}

#[test]
fn malformed_and_foreign_documents_are_refused() {
    let cases: &[(&str, ErrorKind, &str)] = &[
        ("", ErrorKind::Eof, "(document)"),
        (
            "{\"version\": \"2.1.0\", \"runs\": [",
            ErrorKind::Eof,
            "runs[0]",
        ),
        (
            "{\"version\": \"2.1.0\",, }",
            ErrorKind::Syntax,
            "(document)",
        ),
        (
            r#"{"version":"1.0.0","runs":[]}"#,
            ErrorKind::Version,
            "version",
        ),
        (
            r#"{"runs":[],"version":"2.2"}"#,
            ErrorKind::Version,
            "version",
        ),
        (r#"{"runs":[]}"#, ErrorKind::Schema, "(document)"),
        (r#"{"version":"2.1.0"}"#, ErrorKind::Schema, "(document)"),
        (
            r#"{"bomFormat":"CycloneDX","specVersion":"1.5"}"#,
            ErrorKind::Schema,
            "(document)",
        ),
        (
            r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[{"message":{"text":"x"},"level":"fatal"}]}]}"#,
            ErrorKind::Schema,
            "runs[0].results[0].level",
        ),
    ];
    for (doc, kind, path) in cases {
        let e = parse(doc.as_bytes()).expect_err(doc);
        assert_eq!((e.kind, e.path.as_str()), (*kind, *path), "{doc}: {e}");
    }
}

#[test]
fn accepted_edge_cases() {
    // null runs (a tool that failed to start), null results, a byte order
    // mark, unknown properties anywhere.
    for doc in [
        "\u{feff}{\"version\":\"2.1.0\",\"runs\":null}",
        r#"{"$schema":"x","version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":null}],"extra":{"a":[1]}}"#,
    ] {
        assert_eq!(parse(doc.as_bytes()).map(|r| r.len()), Ok(0), "{doc}");
    }
    let doc = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[
        {"message":{"text":"x"},"kind":"review","newThing":{"deep":[1,2]},"properties":{"vendor/x":{"y":true}}}]}]}"#;
    let r = &results(doc)[0];
    assert_eq!((r.kind, r.level), (Kind::Review, Level::None));
    assert_eq!(r.properties, Some(json!({"vendor/x": {"y": true}})));
}

#[test]
fn ai_model_from_tool_extensions() {
    // Synthetic: how an AI hunter describes its model in `tool.extensions`.
    let doc = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"hunter","version":"0.3.1"},
        "extensions":[{"name":"rules-pack","version":"1"},
                      {"name":"example-model","version":"2026-01-15","properties":{"tags":["ai-model"]}}]},
        "results":[{"ruleId":"CWE-787","message":{"text":"overflow"}}]},
      {"tool":{"driver":{"name":"agent","properties":{"ai/model":{"name":"m2","version":"7"}}}},
        "results":[{"message":{"text":"x"}}]},
      {"tool":{"driver":{"name":"plain"}},"results":[{"message":{"text":"x"}}]}]}"#;
    let r = results(doc);
    let model = r[0].tool.ai_model.as_ref().unwrap();
    assert_eq!(
        (model.name.as_str(), model.version.as_deref()),
        ("example-model", Some("2026-01-15"))
    );
    assert_eq!(r[0].tool.driver.version.as_deref(), Some("0.3.1"));
    assert_eq!(r[0].cwes, ["CWE-787"]);
    let model = r[1].tool.ai_model.as_ref().unwrap();
    assert_eq!(
        (model.name.as_str(), model.version.as_deref()),
        ("m2", Some("7"))
    );
    assert_eq!(r[2].tool.ai_model, None);
    assert_eq!(r.iter().map(|r| r.run).collect::<Vec<_>>(), [0, 1, 2]);
}

/// Results reach the handler while the document is still being read: a log
/// whose reader fails after a thousand results has delivered the first ones,
/// in order (they are parsed in batches, so not necessarily all of them).
#[test]
fn results_stream_before_the_document_ends() {
    struct FailingTail;
    impl Read for FailingTail {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("connection reset"))
        }
    }
    let mut head =
        String::from(r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":["#);
    for i in 0..1000 {
        head.push_str(&format!(r#"{{"message":{{"text":"r{i}"}}}},"#));
    }
    let mut seen = Vec::new();
    let e = read(head.as_bytes().chain(FailingTail), |r| {
        seen.push(r.message);
        Ok::<(), Infallible>(())
    })
    .unwrap_err();
    assert!(!seen.is_empty() && seen.len() < 1000, "{}", seen.len());
    let expected: Vec<String> = (0..seen.len()).map(|i| format!("r{i}")).collect();
    assert_eq!(seen, expected);
    let ReadError::Sarif(e) = e;
    assert_eq!(
        (e.kind, e.path.as_str()),
        (ErrorKind::Io, "runs[0].results[1000]")
    );
}

#[test]
fn fingerprint_properties_on_real_logs() {
    // tool fingerprints + snippet (Semgrep), partial fingerprints (CodeQL,
    // Fortify): moving them keeps their fingerprints.
    check_properties(SEMGREP, true);
    check_properties(CODEQL, true);
    check_properties(FORTIFY, true);
    // no snippet, no fingerprints: only the version and rule properties hold
    check_properties(EXTENSIONS, false);
}

#[test]
fn moved_result_with_snippet_only_keeps_its_fingerprint() {
    // The Semgrep result without its tool fingerprints: the snippet carries it.
    let mut doc: Value = serde_json::from_str(SEMGREP).unwrap();
    doc["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("fingerprints");
    let before = fingerprints(&doc);
    shift_lines(&mut doc, 40);
    // re-indenting the line does not matter either
    for_each_region(&mut doc, &mut |region| {
        region.insert("snippet".into(), json!({"text": "\t\tsink1(b)  "}));
    });
    assert_eq!(fingerprints(&doc), before);
    let r = parse(&serde_json::to_vec(&doc).unwrap()).unwrap();
    assert_eq!(fingerprint::basis(&r[0]), Basis::Location);
    assert_eq!(r[0].locations[0].start_line, Some(49));
}

fn synthetic(rule: &str, path: &str, fingerprints: &[(&str, &str)]) -> NormalizedResult {
    NormalizedResult {
        run: 0,
        index: 0,
        rule_id: Some(rule.into()),
        cwes: Vec::new(),
        kind: Kind::Fail,
        level: Level::Warning,
        message: "m".into(),
        message_stand_in: None,
        locations: vec![Location {
            path: Some(path.into()),
            snippet: Some("x".into()),
            ..Location::default()
        }],
        fingerprints: fingerprints
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        partial_fingerprints: BTreeMap::new(),
        code_flows: None,
        tool: Arc::new(ToolProvenance {
            driver: Component {
                name: "t".into(),
                version: None,
                semantic_version: None,
                organization: None,
            },
            extensions: Vec::new(),
            ai_model: None,
        }),
        properties: None,
        warnings: Vec::new(),
    }
}

#[test]
fn length_prefixing_keeps_field_boundaries() {
    let fp = |r: &NormalizedResult| fingerprint::fingerprint(r);
    assert_ne!(
        fp(&synthetic("ab", "c", &[])),
        fp(&synthetic("a", "bc", &[]))
    );
    assert_ne!(
        fp(&synthetic("r", "p", &[("ab", "c")])),
        fp(&synthetic("r", "p", &[("a", "bc")]))
    );
    // The documented encoding, byte for byte.
    let enc = fingerprint::encode(&synthetic("ab", "c", &[]));
    let mut want = Vec::new();
    for (tag, bytes) in [
        (b'V', &b"bulwark-fingerprint/1"[..]),
        (b'B', b"location"),
        (b'R', b"ab"),
        (b'P', b"c"),
        (b'S', b"x"),
    ] {
        want.push(tag);
        want.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        want.extend_from_slice(bytes);
    }
    assert_eq!(enc, want);
}

#[test]
fn fingerprint_ignores_line_numbers_and_tool_but_not_rule_or_path() {
    let base = synthetic("r", "src/a.c", &[]);
    let f = fingerprint::fingerprint(&base);
    let mut moved = base.clone();
    moved.locations[0].start_line = Some(900);
    moved.tool = Arc::new(ToolProvenance {
        driver: Component {
            name: "t".into(),
            version: Some("2".into()),
            semantic_version: Some("2.0.0".into()),
            organization: Some("another reporter".into()),
        },
        extensions: Vec::new(),
        ai_model: None,
    });
    assert_eq!(fingerprint::fingerprint(&moved), f);
    let mut elsewhere = base.clone();
    elsewhere.locations[0].path = Some("src/b.c".into());
    assert_ne!(fingerprint::fingerprint(&elsewhere), f);
    // without a rule, the first CWE stands in, tagged apart from a rule id
    let mut by_cwe = base.clone();
    by_cwe.rule_id = None;
    by_cwe.cwes = vec!["r".into()];
    assert_ne!(fingerprint::fingerprint(&by_cwe), f);
    assert!(f.to_string().starts_with("bwk1:"));
}

/// What the fuzz target checks, on stable: truncated and corrupted real logs
/// are refused (or read) without panicking, and a truncated log never passes.
#[test]
fn truncated_and_corrupted_logs_never_panic() {
    for doc in [SEMGREP, CODEQL, EXTENSIONS] {
        let bytes = doc.as_bytes();
        let end = doc.trim_end().len();
        for cut in 0..end {
            assert!(
                parse(&bytes[..cut]).is_err(),
                "prefix of {cut} bytes accepted"
            );
        }
        for at in (0..bytes.len()).step_by(7) {
            for b in [b'"', b'{', b']', b'\\', b'0', 0xff] {
                let mut corrupt = bytes.to_vec();
                corrupt[at] = b;
                if let Ok(results) = parse(&corrupt) {
                    for r in &results {
                        let _ = fingerprint::fingerprint(r);
                    }
                }
            }
        }
    }
}

/// A log of `n` results, one per line, the tool first or last; result `i`
/// names artifact `i % 3` by index when `by_index`.
fn many(n: usize, tool_first: bool, by_index: bool) -> String {
    let tool = r#""tool":{"driver":{"name":"T","rules":[{"id":"R0"},{"id":"R1"}]}}"#;
    let mut s = String::from("{\"version\":\"2.1.0\",\"runs\":[{\n");
    if tool_first {
        s.push_str(tool);
        s.push_str(",\n");
    }
    s.push_str("\"results\":[\n");
    for i in 0..n {
        if i > 0 {
            s.push_str(",\n");
        }
        let location = if by_index {
            format!(r#"{{"artifactLocation":{{"index":{}}}}}"#, i % 3)
        } else {
            format!(r#"{{"artifactLocation":{{"uri":"src/f{i}.c"}}}}"#)
        };
        s.push_str(&format!(
            r#"{{"ruleIndex":{},"message":{{"text":"r{i}"}},"locations":[{{"physicalLocation":{location}}}]}}"#,
            i % 2
        ));
    }
    s.push_str("\n]");
    if by_index {
        s.push_str(
            r#",
"artifacts":[{"location":{"uri":"a.c"}},{"location":{"uri":"b.c"}},{"location":{"uri":"c.c"}}]"#,
        );
    }
    if !tool_first {
        s.push_str(",\n");
        s.push_str(tool);
    }
    s.push_str("}]}\n");
    s
}

/// Logs of many batches (parsed on several threads where the machine has
/// them) come out whole and in document order, whatever order the run's
/// members are in.
#[test]
fn large_logs_keep_document_order() {
    for (tool_first, by_index) in [(true, false), (false, false), (true, true)] {
        let r = results(&many(5000, tool_first, by_index));
        assert_eq!(r.len(), 5000);
        for (i, r) in r.iter().enumerate() {
            assert_eq!((r.index, r.message.as_str()), (i, format!("r{i}").as_str()));
            assert_eq!(r.rule_id.as_deref(), Some(["R0", "R1"][i % 2]));
            let path = r.locations[0].path.as_deref();
            if by_index {
                assert_eq!(path, Some(["a.c", "b.c", "c.c"][i % 3]));
            } else {
                assert_eq!(path, Some(format!("src/f{i}.c").as_str()));
            }
        }
    }
}

/// `read_map` hands over exactly what mapping `read`'s results gives.
#[test]
fn read_map_agrees_with_read() {
    let doc = many(3000, true, false);
    let mut mapped = Vec::new();
    bulwark_intake::sarif::read_map(
        doc.as_bytes(),
        |r| (r.index, fingerprint::fingerprint(&r)),
        |x| {
            mapped.push(x);
            Ok::<(), Infallible>(())
        },
    )
    .unwrap();
    let direct: Vec<_> = results(&doc)
        .iter()
        .map(|r| (r.index, fingerprint::fingerprint(r)))
        .collect();
    assert_eq!(mapped, direct);
}

/// The first problem in document order is the one reported, with its line,
/// even when a later batch (or the scanner, further on) fails too.
#[test]
fn the_first_problem_of_a_large_log_is_reported() {
    let doc = many(5000, true, false);
    // Result i is on line 4 + i (after the log, the tool and `results`);
    // result 3000's `level` is not a level.
    let bad = doc.replacen(
        r#""message":{"text":"r3000"}"#,
        r#""message":{"text":"r3000"},"level":"fatal""#,
        1,
    );
    let e = parse(bad.as_bytes()).unwrap_err();
    assert_eq!(
        (e.kind, e.path.as_str(), e.line),
        (ErrorKind::Schema, "runs[0].results[3000].level", 3004)
    );
    // And a syntax error further on does not hide it.
    let worse = bad.replacen(r#""text":"r4500"}"#, r#""text":"r4500"]"#, 1);
    let e = parse(worse.as_bytes()).unwrap_err();
    assert_eq!(
        (e.kind, e.path.as_str(), e.line),
        (ErrorKind::Schema, "runs[0].results[3000].level", 3004)
    );
    // Alone, the syntax error is found where it is: malformed JSON is
    // named by the result it is in, and its line and column.
    let only = doc.replacen(r#""text":"r4500"}"#, r#""text":"r4500"]"#, 1);
    let e = parse(only.as_bytes()).unwrap_err();
    assert_eq!(
        (e.kind, e.path.as_str(), e.line),
        (ErrorKind::Syntax, "runs[0].results[4500]", 4504)
    );
}
