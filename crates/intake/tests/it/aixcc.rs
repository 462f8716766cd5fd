//! AI Cyber Challenge submissions on the fixtures of
//! `tests/fixtures/aixcc/` (bodies written for Bulwark, shaped as the
//! competition API v0.4 defines them; see the README there).

use bulwark_intake::aixcc::{
    self, Architecture, Bundle, BundleError, KnownPart, PartKind, ToolInfo, check_bundle,
};

const POV: &[u8] = include_bytes!("../fixtures/aixcc/pov.json");
const POV_ENGINE: &[u8] = include_bytes!("../fixtures/aixcc/pov-engine.json");
const TESTCASE: &[u8] = include_bytes!("../fixtures/aixcc/testcase.bin");
const PATCH: &[u8] = include_bytes!("../fixtures/aixcc/patch.json");
const DIFF: &[u8] = include_bytes!("../fixtures/aixcc/fix.diff");
const SARIF: &[u8] = include_bytes!("../fixtures/aixcc/sarif.json");
const BUNDLE: &[u8] = include_bytes!("../fixtures/aixcc/bundle.json");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/aixcc/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

#[test]
fn a_proof_of_vulnerability() {
    let p = aixcc::parse_pov(POV).expect("v0.4 pov");
    assert_eq!(p.architecture, Architecture::X86_64);
    assert_eq!(p.fuzzer_name, "png_read_fuzzer");
    assert_eq!(p.sanitizer, "address");
    assert_eq!(p.engine, None);
    assert_eq!(p.testcase, TESTCASE);
    let with_engine = aixcc::parse_pov(POV_ENGINE).expect("v1.0 pov");
    assert_eq!(with_engine.engine.as_deref(), Some("libfuzzer"));
    assert_eq!(with_engine.testcase, p.testcase);
}

#[test]
fn a_pov_is_a_finding_fingerprinted_by_its_input_and_target() {
    let p = aixcc::parse_pov(POV).unwrap();
    let tool = ToolInfo {
        name: "example-crs".into(),
        version: Some("1.2".into()),
        model: Some("model-x".into()),
        model_version: None,
    };
    let f = p.finding(&tool, Some("git+https://example.org/png.git@main"));
    assert_eq!(f.rule_id.as_deref(), Some("aixcc-pov/address"));
    assert_eq!(f.tool_name.as_deref(), Some("example-crs"));
    assert_eq!(f.tool_version.as_deref(), Some("1.2"));
    assert_eq!(f.ai_model.as_deref(), Some("model-x"));
    assert_eq!(
        f.detail["properties"]["aixcc_pov"]["testcase_sha256"],
        p.testcase_sha256()
    );
    // Another tool sending the same input on the same target: the same
    // finding. Another target or another input: another one.
    let other_tool = ToolInfo {
        name: "other".into(),
        ..ToolInfo::default()
    };
    assert_eq!(
        p.finding(&other_tool, Some("git+https://example.org/png.git@main"))
            .fingerprint,
        f.fingerprint
    );
    assert_ne!(
        p.finding(&tool, Some("git+https://example.org/other.git@main"))
            .fingerprint,
        f.fingerprint
    );
    let mut q = p.clone();
    q.testcase.push(0);
    assert_ne!(
        q.finding(&tool, Some("git+https://example.org/png.git@main"))
            .fingerprint,
        f.fingerprint
    );
}

#[test]
fn bad_povs_are_refused_with_their_path() {
    let e = aixcc::parse_pov(&fixture("pov-bad-base64.json")).unwrap_err();
    assert_eq!(e.path, "testcase");
    assert!(e.message.contains("not base64"), "{e}");
    let e = aixcc::parse_pov(&fixture("pov-arm.json")).unwrap_err();
    assert_eq!(e.path, "architecture");
    assert!(e.message.contains("x86_64"), "{e}");
    let e = aixcc::parse_pov(&fixture("pov-unknown-field.json")).unwrap_err();
    assert!(e.message.contains("harness_name"), "{e}");
    let e =
        aixcc::parse_pov(br#"{"architecture":"x86_64","fuzzer_name":"f","sanitizer":"address"}"#)
            .unwrap_err();
    assert!(e.message.contains("testcase"), "{e}");
    // An array is not the object the API defines.
    let e = aixcc::parse_pov(br#"["x86_64","e","f","address","QQ=="]"#).unwrap_err();
    assert!(e.message.contains("JSON object"), "{e}");
    let long = "f".repeat(aixcc::MAX_NAME + 1);
    let body = format!(
        r#"{{"architecture":"x86_64","fuzzer_name":"{long}","sanitizer":"address","testcase":"QQ=="}}"#
    );
    assert_eq!(
        aixcc::parse_pov(body.as_bytes()).unwrap_err().path,
        "fuzzer_name"
    );
    let e = aixcc::parse_pov(b"{} {}").unwrap_err();
    assert_eq!(e.path, aixcc::BODY);
}

#[test]
fn a_testcase_past_two_mebibytes_is_refused() {
    use base64::Engine as _;
    let at_limit = base64::engine::general_purpose::STANDARD.encode(vec![7u8; aixcc::MAX_TESTCASE]);
    let body = |tc: &str| {
        format!(
            r#"{{"architecture":"x86_64","fuzzer_name":"f","sanitizer":"address","testcase":"{tc}"}}"#
        )
    };
    let p = aixcc::parse_pov(body(&at_limit).as_bytes()).expect("2 MiB is allowed");
    assert_eq!(p.testcase.len(), aixcc::MAX_TESTCASE);
    let over = base64::engine::general_purpose::STANDARD.encode(vec![7u8; aixcc::MAX_TESTCASE + 1]);
    let e = aixcc::parse_pov(body(&over).as_bytes()).unwrap_err();
    assert_eq!(e.path, "testcase");
    assert!(e.message.contains("2097152"), "{e}");
}

#[test]
fn a_patch_is_a_unified_diff() {
    let p = aixcc::parse_patch(PATCH).expect("patch");
    assert_eq!(p.diff, DIFF);
    assert_eq!(p.patch.files.len(), 1);
    assert_eq!(p.patch.files[0].path(), "src/png.c");
    assert_eq!((p.patch.added(), p.patch.removed()), (2, 0));
    let e = aixcc::parse_patch(&fixture("patch-not-diff.json")).unwrap_err();
    assert_eq!(e.path, "patch");
    assert!(e.message.starts_with("not a unified diff"), "{e}");
    let e = aixcc::parse_patch(br#"{"patch":"@@@"}"#).unwrap_err();
    assert!(e.message.contains("not base64"), "{e}");
}

#[test]
fn a_submitted_sarif() {
    let s = aixcc::parse_sarif(SARIF).expect("sarif");
    assert_eq!(s.findings.len(), 1);
    let f = &s.findings[0];
    assert_eq!(f.rule_id.as_deref(), Some("CWE-125"));
    assert_eq!(f.location.as_deref(), Some("src/png.c:12"));
    assert_eq!(f.tool_name.as_deref(), Some("example-crs"));
    // The log kept reads as SARIF again, to the same findings.
    let again = bulwark_intake::read_findings(
        bulwark_intake::Format::Sarif,
        &s.log[..],
        |g| -> Result<(), ()> {
            assert_eq!(g.fingerprint, f.fingerprint);
            Ok(())
        },
    )
    .expect("log");
    assert_eq!(again.findings, 1);

    let e = aixcc::parse_sarif(&fixture("sarif-no-rule.json")).unwrap_err();
    assert_eq!(e.path, "sarif.runs[0].results[1]");
    let e =
        aixcc::parse_sarif(br#"{"sarif":{"version":"2.1.0","runs":[{"results":5}]}}"#).unwrap_err();
    assert!(e.path.starts_with("sarif.runs[0]"), "{e}");
    let e = aixcc::parse_sarif(br#"{"sarif":"a string"}"#).unwrap_err();
    assert_eq!(e.path, "sarif");
}

#[test]
fn a_bundle_and_whether_its_parts_belong_together() {
    let b = aixcc::parse_bundle(BUNDLE).expect("bundle");
    assert_eq!(b.items(), 3);
    assert_eq!(
        b.parts(),
        vec![
            (PartKind::Pov, "0190b3a6-3c1e-7000-8000-0000000000a1"),
            (PartKind::Patch, "0190b3a6-3c1e-7000-8000-0000000000a2"),
            (
                PartKind::SubmittedSarif,
                "0190b3a6-3c1e-7000-8000-0000000000a3"
            ),
        ]
    );
    let same_task = |id: &str| {
        let kind = match id.chars().last() {
            Some('1') => PartKind::Pov,
            Some('2') => PartKind::Patch,
            _ => PartKind::SubmittedSarif,
        };
        Some(KnownPart {
            kind,
            task: "task-a".into(),
            org: "org".into(),
        })
    };
    assert_eq!(check_bundle(&b, "task-a", "org", same_task), Ok(()));
    let sarif_elsewhere = |id: &str| {
        same_task(id).map(|mut p| {
            if p.kind == PartKind::SubmittedSarif {
                p.task = "task-b".into();
            }
            p
        })
    };
    assert!(matches!(
        check_bundle(&b, "task-a", "org", sarif_elsewhere),
        Err(BundleError::OtherTask {
            field: "submitted_sarif_id",
            ..
        })
    ));
    let e = aixcc::parse_bundle(br#"{"pov_id":"not-a-uuid"}"#).unwrap_err();
    assert_eq!(e.path, "pov_id");
    let e = aixcc::parse_bundle(br#"{"bundle_id":"0190b3a6-3c1e-7000-8000-0000000000a1"}"#)
        .unwrap_err();
    assert!(e.message.contains("bundle_id"), "{e}");
    assert_eq!(aixcc::parse_bundle(b"{}").unwrap(), Bundle::default());
}
