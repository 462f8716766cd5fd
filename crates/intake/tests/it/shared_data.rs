//! Every SARIF log of the shared data set (`../shared/data/sarif/`): the valid
//! 2.1.0 logs parse, exactly the listed ones are refused, and the fingerprint
//! properties hold for every result of every parsed log; every JSON file
//! there that says it is SARIF 2.1.0 ingests in the default mode (with its
//! repairs counted), and strict mode refuses exactly the listed ones.
//!
//! `cargo test -p bulwark-intake --test it shared_data -- --ignored --nocapture`

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};

use bulwark_intake::sarif::ErrorKind;
use bulwark_intake::{NormalizedResult, ReadError, SarifError, fingerprint, read};
use serde_json::{Value, json};

const MULTITOOL: &str =
    "microsoft-sarif-sdk/src/Test.FunctionalTests.Sarif/TestData/Multitool/ValidateCommand/Inputs";
const CONVERTER: &str = "microsoft-sarif-sdk/src/Test.FunctionalTests.Sarif/v2/ConverterTestData";
const SEMGREP_SCA: &str =
    "semgrep-e2e-snapshots/cli/tests/default/e2e-other/snapshots/test_ssc/test_sarif_sca_output";
const SPEC_22: &str = "oasis-sarif-spec/sarif-2.2/prose/edit/src/json-examples";

/// The logs that are not valid SARIF 2.1.0: (path, kind, error path, why).
fn expected_refusals() -> Vec<(String, ErrorKind, &'static str, &'static str)> {
    let mut v = vec![
        (
            "github-codeql-action/src/testdata/invalid-sarif.sarif".to_owned(),
            ErrorKind::Schema,
            "runs[0].results",
            "intentionally invalid: `results` is the number 42",
        ),
        (
            format!("{MULTITOOL}/JSON1001.SyntaxError.sarif"),
            ErrorKind::Syntax,
            "(document)",
            "intentionally malformed JSON (a stray comma)",
        ),
    ];
    for f in [
        "AndroidStudio/AndroidStudio.sarif",
        "FxCop/SarifSdkTest.fxcop.sarif",
        "Pylint/PyLint.sarif",
        "TSLint/TSLint.sarif",
    ] {
        v.push((
            format!("{CONVERTER}/{f}"),
            ErrorKind::Version,
            "version",
            "SARIF 2.0.0 (pre-standard)",
        ));
    }
    for f in [
        "examples_comprehensive-sarif-file_codeblock-json-1.sarif.json",
        "examples_minimal-recommended-sarif-log-file-with-source-information_codeblock-json-1.sarif.json",
        "examples_minimal-recommended-sarif-log-file-without-source-information_codeblock-json-1.sarif.json",
        "examples_minimal-valid-sarif-log-file_codeblock-json-1.sarif.json",
    ] {
        v.push((
            format!("{SPEC_22}/{f}"),
            ErrorKind::Version,
            "version",
            "SARIF 2.2 draft",
        ));
    }
    for d in [
        "rulesdependency_awareansi-html.yaml-dependency_awareansi",
        "rulesdependency_awareno-pattern.yaml-dependency_awareyarn",
        "rulesdependency_awareyarn-sass.yaml-dependency_awareyarn",
    ] {
        v.push((
            format!("{SEMGREP_SCA}/{d}/results.sarif"),
            ErrorKind::Syntax,
            "(document)",
            "a test snapshot (command line and text), not JSON",
        ));
    }
    v
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if let Some(name) = path.file_name().and_then(|n| n.to_str())
            && (name.ends_with(".sarif") || name.ends_with(".sarif.json"))
        {
            out.push(path);
        }
    }
}

fn parse(doc: &[u8]) -> Result<Vec<NormalizedResult>, SarifError> {
    let mut out = Vec::new();
    read(doc, |r| {
        out.push(r);
        Ok::<(), Infallible>(())
    })
    .map_err(|e| match e {
        ReadError::Sarif(e) => e,
        ReadError::Handler(never) => match never {},
    })?;
    Ok(out)
}

fn reparse(doc: &Value) -> Vec<NormalizedResult> {
    parse(&serde_json::to_vec(doc).unwrap()).unwrap_or_else(|e| panic!("{e}"))
}

fn runs_mut(doc: &mut Value) -> impl Iterator<Item = &mut Value> {
    doc.get_mut("runs")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
}

fn results_mut(run: &mut Value) -> impl Iterator<Item = &mut Value> {
    run.get_mut("results")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
}

fn mutated(doc: &Value, f: impl Fn(&mut Value)) -> Value {
    let mut d = doc.clone();
    for run in runs_mut(&mut d) {
        f(run);
    }
    d
}

/// Lines move down by 23 (code added above).
fn shift(run: &mut Value) {
    for result in results_mut(run) {
        for loc in result
            .get_mut("locations")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(Value::Object(region)) = loc.pointer_mut("/physicalLocation/region") {
                for key in ["startLine", "endLine"] {
                    if let Some(n) = region.get(key).and_then(Value::as_u64) {
                        region.insert(key.into(), json!(n + 23));
                    }
                }
            }
        }
    }
}

fn upgrade(run: &mut Value) {
    if let Some(Value::Object(driver)) = run.pointer_mut("/tool/driver") {
        driver.insert("version".into(), json!("99.0.1"));
        driver.insert("semanticVersion".into(), json!("99.0.1"));
    }
}

fn rename_rule(run: &mut Value) {
    for result in results_mut(run) {
        if let Value::Object(r) = result {
            r.remove("ruleIndex");
            r.remove("rule");
            r.insert("ruleId".into(), json!("bulwark/another-rule"));
        }
    }
}

fn carries_its_place(r: &NormalizedResult) -> bool {
    !r.fingerprints.is_empty()
        || !r.partial_fingerprints.is_empty()
        || r.primary_location()
            .and_then(|l| l.snippet.as_deref())
            .is_some_and(|s| !s.trim().is_empty())
}

#[test]
#[ignore = "needs the shared data set"]
fn every_shared_sarif_log() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/sarif");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    assert!(
        files.len() > 200,
        "{} files under {}",
        files.len(),
        root.display()
    );

    let mut expected: BTreeMap<String, (ErrorKind, &str, &str)> = expected_refusals()
        .into_iter()
        .map(|(p, k, at, why)| (p, (k, at, why)))
        .collect();
    let (mut parsed, mut refused, mut total, mut moved_checked) = (0, 0, 0, 0);
    for file in &files {
        let rel = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(file).unwrap();
        match parse(&bytes) {
            Err(e) => {
                refused += 1;
                let Some((kind, at, why)) = expected.remove(&rel) else {
                    panic!("{rel} refused unexpectedly: {e}");
                };
                assert_eq!((e.kind, e.path.as_str()), (kind, at), "{rel} ({why}): {e}");
                println!("refused  {rel}\n         {e}\n         expected: {why}");
            }
            Ok(results) => {
                assert!(
                    !expected.contains_key(&rel),
                    "{rel} should have been refused"
                );
                parsed += 1;
                total += results.len();
                if results.is_empty() {
                    continue;
                }
                let fp: Vec<_> = results.iter().map(fingerprint::fingerprint).collect();
                let doc: Value =
                    serde_json::from_slice(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes))
                        .unwrap();
                // keys reordered (serde_json sorts them): same results
                let reordered: Vec<_> =
                    reparse(&doc).iter().map(fingerprint::fingerprint).collect();
                assert_eq!(reordered, fp, "{rel}: key order");
                let upgraded = reparse(&mutated(&doc, upgrade));
                let moved = reparse(&mutated(&doc, shift));
                let renamed = reparse(&mutated(&doc, rename_rule));
                assert_eq!(upgraded.len(), results.len());
                for (i, r) in results.iter().enumerate() {
                    let at = format!("{rel} result {i}");
                    assert_eq!(
                        fingerprint::fingerprint(&upgraded[i]),
                        fp[i],
                        "{at}: version"
                    );
                    assert_ne!(fingerprint::fingerprint(&renamed[i]), fp[i], "{at}: rule");
                    if carries_its_place(r) {
                        moved_checked += 1;
                        assert_eq!(fingerprint::fingerprint(&moved[i]), fp[i], "{at}: moved");
                    }
                }
            }
        }
    }
    assert!(expected.is_empty(), "not refused: {:?}", expected.keys());
    println!(
        "{} logs: {parsed} parsed ({total} results, {moved_checked} checked for moves), {refused} refused",
        files.len()
    );
}

/// The 2.1.0 files the default mode refuses, all of them unrecoverable:
/// (path, error path, why).
const UNRECOVERABLE: &[(&str, &str, &str)] = &[
    (
        "github-codeql-action/src/testdata/invalid-sarif.sarif",
        "runs[0].results",
        "intentionally invalid: `results` is the number 42, not an array of result objects",
    ),
    (
        "microsoft-sarif-sdk/src/Test.FunctionalTests.Sarif/TestData/Multitool/ValidateCommand/Inputs/SimpleExample.sarif-external-properties.json",
        "(document)",
        "an external property file (SARIF §4), not a log: no `runs`",
    ),
    (
        "oasis-sarif-spec/sarif-2.2/prose/edit/src/json-examples/external-property-file-format_externalproperties-object_general_example-1.json",
        "(document)",
        "an external property file (SARIF §4), not a log: no `runs`",
    ),
];

/// What strict mode refuses besides those: the logs that needed a repair
/// that does not conform to SARIF 2.1.0 (path, error path, why).
const STRICT_ALSO: &[(&str, &str, &str)] = &[
    (
        "github-codeql-action/src/testdata/tool-names.sarif",
        "runs[4].tool.driver.name",
        "the driver's name is null",
    ),
    (
        "microsoft-sarif-sdk/src/Test.FunctionalTests.Sarif/TestData/Multitool/ValidateCommand/Inputs/JSON1002.DeserializationError.sarif",
        "runs[0].results[0].stacks[0]",
        "a stack without `frames`",
    ),
    (
        "oasis-sarif-spec/sarif-2.2/prose/edit/src/json-examples/file-format-13-sariflog-object_general_example-1.json",
        "runs[0]",
        "the spec's example elides its runs: no `tool`",
    ),
];

fn walk_all(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk_all(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Whether `bytes` are JSON whose top-level `version` is "2.1.0".
fn says_2_1_0(bytes: &[u8]) -> bool {
    let json = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice::<Value>(json)
        .ok()
        .is_some_and(|v| v.get("version").and_then(Value::as_str) == Some("2.1.0"))
}

#[test]
#[ignore = "needs the shared data set"]
fn every_shared_2_1_0_log_ingests_by_default() {
    use bulwark_intake::finding::{self, Format};
    use bulwark_intake::{ReadOptions, Warnings};

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/sarif");
    let mut files = Vec::new();
    walk_all(&root, &mut files);
    files.sort();
    let mut logs = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        if says_2_1_0(&bytes) {
            let rel = file.strip_prefix(&root).unwrap().to_string_lossy();
            logs.push((rel.into_owned(), bytes));
        }
    }
    assert!(logs.len() > 200, "{} 2.1.0 logs", logs.len());

    for (strict, label) in [(false, "default"), (true, "strict")] {
        let options = if strict {
            ReadOptions::strict()
        } else {
            ReadOptions::default()
        };
        let mut expected: BTreeMap<&str, (&str, &str)> = UNRECOVERABLE
            .iter()
            .chain(if strict { STRICT_ALSO } else { &[] })
            .map(|(p, at, why)| (*p, (*at, *why)))
            .collect();
        let (mut ingested, mut with_warnings, mut refused) = (0, 0, 0);
        let (mut findings, mut skipped) = (0, 0);
        let mut warnings = Warnings::default();
        for (rel, bytes) in &logs {
            match finding::read_with(Format::Sarif, &bytes[..], options, |_| {
                Ok::<(), Infallible>(())
            }) {
                Ok(s) => {
                    assert!(
                        !expected.contains_key(rel.as_str()),
                        "{label}: {rel} should have been refused"
                    );
                    ingested += 1;
                    findings += s.findings;
                    skipped += s.skipped.total();
                    if !s.warnings.is_empty() {
                        with_warnings += 1;
                        for (kind, n) in &s.warnings.counts {
                            *warnings.counts.entry(*kind).or_default() += n;
                        }
                        for w in &s.warnings.first {
                            println!("{label}: warning {rel}: {w}");
                        }
                    }
                }
                Err(finding::ReadError::Document(e)) => {
                    refused += 1;
                    let Some((at, why)) = expected.remove(rel.as_str()) else {
                        panic!("{label}: {rel} refused: {e}");
                    };
                    assert_eq!(e.path, at, "{label}: {rel} ({why}): {e}");
                    println!("{label}: refused {rel}\n         {e}\n         because: {why}");
                }
                Err(finding::ReadError::Handler(never)) => match never {},
            }
        }
        assert!(
            expected.is_empty(),
            "{label}: not refused: {:?}",
            expected.keys()
        );
        println!(
            "{label}: {} SARIF 2.1.0 JSON files: {ingested} ingested ({with_warnings} with warnings: {:?}), \
             {refused} refused; {findings} findings filed, {skipped} results not findings",
            logs.len(),
            warnings.counts,
        );
    }
}
