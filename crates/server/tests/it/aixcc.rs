//! AI Cyber Challenge submissions over HTTP, as a CRS sends them (the
//! competition API v0.4's paths and bodies, HTTP Basic with an API token
//! as the password): a pov, a patch, a SARIF and their bundle become one
//! case with a report, its testcase and a proposed patch; bad bodies and
//! parts that do not belong together are refused with the reason and
//! nothing written.

use crate::common;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const POV: &[u8] = include_bytes!("../../../intake/tests/fixtures/aixcc/pov.json");
const TESTCASE: &[u8] = include_bytes!("../../../intake/tests/fixtures/aixcc/testcase.bin");
const PATCH: &[u8] = include_bytes!("../../../intake/tests/fixtures/aixcc/patch.json");
const DIFF: &[u8] = include_bytes!("../../../intake/tests/fixtures/aixcc/fix.diff");
const SARIF: &[u8] = include_bytes!("../../../intake/tests/fixtures/aixcc/sarif.json");
const NOT_A_DIFF: &[u8] =
    include_bytes!("../../../intake/tests/fixtures/aixcc/patch-not-diff.json");
const BAD_BASE64: &[u8] =
    include_bytes!("../../../intake/tests/fixtures/aixcc/pov-bad-base64.json");

/// POSTs `body` as a CRS does: Basic auth, the token as the password.
pub(crate) async fn crs_post(
    srv: &common::Srv,
    token: &str,
    path: &str,
    body: &[u8],
) -> (StatusCode, Value) {
    let resp = srv
        .http
        .post(format!("{}{path}", srv.base))
        .basic_auth("crs-key-id", Some(token))
        .header("content-type", "application/json")
        .header("bulwark-tool-version", "2.1.0")
        .body(body.to_vec())
        .send()
        .await
        .expect("send");
    let s = resp.status();
    (s, resp.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn crs_get(srv: &common::Srv, token: &str, path: &str) -> (StatusCode, Value) {
    let resp = srv
        .http
        .get(format!("{}{path}", srv.base))
        .basic_auth("crs-key-id", Some(token))
        .send()
        .await
        .expect("send");
    let s = resp.status();
    (s, resp.json().await.unwrap_or(Value::Null))
}

/// Describes the CRS in the catalogue as its provider (a draft may submit:
/// the program office judges tools by this very evidence).
async fn describe_crs(srv: &common::Srv, token: &str) -> String {
    let (s, v) = srv
        .post(
            "/api/v1/tools",
            token,
            json!({"name": "Buttercup", "kind": "cyber_reasoning_system", "reports_as": "buttercup",
                   "ai_enabled": true, "deployment": ["on_premises"],
                   "produces": ["pov", "patch", "sarif"],
                   "limits": {"max_tlp": "AMBER"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn claim(srv: &common::Srv, token: &str, target: &str) -> String {
    let (s, v) = srv
        .post(
            "/api/v1/claims",
            token,
            json!({"target": target, "technique": "ai_agent", "tool": "buttercup",
                   "model_name": "model-x", "overlap": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["claim"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_becomes_one_case_with_its_report_testcase_and_patch() {
    let srv = common::start(bulwark_store::testing::sqlite().await.unwrap()).await;
    let (_, _, crs) = srv.member("Team A", "researcher", "a1", &["analyst"]).await;
    let tool_id = describe_crs(&srv, &crs).await;
    let task = claim(&srv, &crs, "https://example.org/png@1a2b3c4").await;
    let base = format!("/api/v1/tools/buttercup/aixcc/v1/task/{task}");

    let (s, pov) = crs_post(&srv, &crs, &format!("{base}/pov/"), POV).await;
    assert_eq!(s, StatusCode::OK, "{pov}");
    assert_eq!(pov["status"], "accepted");
    let pov_id = pov["pov_id"].as_str().unwrap().to_owned();
    let (s, patch) = crs_post(&srv, &crs, &format!("{base}/patch/"), PATCH).await;
    assert_eq!(s, StatusCode::OK, "{patch}");
    assert_eq!(patch["status"], "accepted");
    assert_eq!(patch["functionality_tests_passing"], Value::Null);
    let patch_id = patch["patch_id"].as_str().unwrap().to_owned();
    let (s, sarif) = crs_post(&srv, &crs, &format!("{base}/submitted-sarif/"), SARIF).await;
    assert_eq!(s, StatusCode::OK, "{sarif}");
    let sarif_id = sarif["submitted_sarif_id"].as_str().unwrap().to_owned();

    let (s, v) = crs_get(&srv, &crs, &format!("{base}/pov/{pov_id}/")).await;
    assert_eq!(
        (s, &v["status"]),
        (StatusCode::OK, &json!("accepted")),
        "{v}"
    );

    let bundle = json!({"pov_id": pov_id, "patch_id": patch_id, "submitted_sarif_id": sarif_id,
                        "description": "Check the length before reading the chunk header.\n\nMore."});
    let (s, b) = crs_post(
        &srv,
        &crs,
        &format!("{base}/bundle/"),
        bundle.to_string().as_bytes(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["status"], "accepted");
    let bundle_id = b["bundle_id"].as_str().unwrap().to_owned();
    let (s, shown) = crs_get(&srv, &crs, &format!("{base}/bundle/{bundle_id}/")).await;
    assert_eq!(s, StatusCode::OK, "{shown}");
    assert_eq!(shown["patch_id"], patch_id.as_str());
    let case = shown["case_id"]
        .as_str()
        .expect("filed into a case")
        .to_owned();

    // One case: the pov's report (its document the testcase) and the
    // SARIF's, both about the claim's target, with the tool that sent them.
    let (s, c) = srv.get(&format!("/api/v1/cases/{case}"), &crs).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["target"], "https://example.org/png@1a2b3c4");
    let reports = c["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 2, "{c}");
    let testcase = hex::encode(Sha256::digest(TESTCASE));
    let pov_report = reports
        .iter()
        .find(|r| r["rule_id"] == "aixcc-pov/address")
        .expect("the pov's report");
    assert_eq!(pov_report["document"], testcase.as_str());
    assert!(reports.iter().any(|r| r["rule_id"] == "CWE-125"));
    for r in reports {
        assert_eq!(r["tool_name"], "buttercup");
        assert_eq!(r["tool_version"], "2.1.0");
    }

    // The patch: a proposed patch remediation of that case, its file as sent.
    let (s, rems) = srv
        .get(&format!("/api/v1/cases/{case}/remediations"), &crs)
        .await;
    assert_eq!(s, StatusCode::OK, "{rems}");
    let items = rems["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{rems}");
    assert_eq!(items[0]["kind"], "patch");
    assert_eq!(items[0]["state"], "proposed");
    assert_eq!(
        items[0]["summary"],
        "Check the length before reading the chunk header."
    );
    assert_eq!(items[0]["tool_name"], "buttercup");
    let file = srv
        .http
        .get(format!(
            "{}{}",
            srv.base,
            items[0]["patch_path"].as_str().unwrap()
        ))
        .bearer_auth(&crs)
        .send()
        .await
        .unwrap();
    assert_eq!(file.bytes().await.unwrap().as_ref(), DIFF);

    // The tool's evidence counts what it sent, under the version it named:
    // the pov's and the SARIF's reports in one case, one patch.
    let (s, ev) = srv
        .get(&format!("/api/v1/tools/{tool_id}/evidence"), &crs)
        .await;
    assert_eq!(s, StatusCode::OK, "{ev}");
    // (The claim named no version: it counts under the empty one.)
    let versions = ev["versions"].as_array().unwrap();
    let named: Vec<&str> = versions
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(named, ["", "2.1.0"], "{ev}");
    assert_eq!(versions[0]["counts"]["claims"], 1);
    let c = &versions[1]["counts"];
    assert_eq!(
        (
            c["reports"].as_i64(),
            c["cases"].as_i64(),
            c["patches"].as_i64()
        ),
        (Some(2), Some(1), Some(1)),
        "{ev}"
    );
    assert_eq!(ev["all"]["counts"]["reports"], 2);

    // Filing the same patch again is refused: it is on a case already.
    let again = json!({"pov_id": pov_id, "patch_id": patch_id});
    let before = srv.audit_len().await;
    let (s, v) = crs_post(
        &srv,
        &crs,
        &format!("{base}/bundle/"),
        again.to_string().as_bytes(),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(srv.audit_len().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_submissions_are_refused_with_the_reason_and_nothing_written() {
    let srv = common::start(bulwark_store::testing::sqlite().await.unwrap()).await;
    let (_, _, crs) = srv.member("Team A", "researcher", "a1", &["analyst"]).await;
    let (_, _, other) = srv.member("Team B", "researcher", "b1", &["analyst"]).await;
    let tool_id = describe_crs(&srv, &crs).await;
    let task = claim(&srv, &crs, "https://example.org/png@1a2b3c4").await;
    let task_b = claim(&srv, &crs, "https://example.org/zlib@5d6e7f8").await;
    let base = format!("/api/v1/tools/buttercup/aixcc/v1/task/{task}");
    let base_b = format!("/api/v1/tools/buttercup/aixcc/v1/task/{task_b}");
    let start = srv.audit_len().await;

    let (s, v) = crs_post(&srv, &crs, &format!("{base}/patch/"), NOT_A_DIFF).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["path"], "patch");
    assert!(
        v["detail"].as_str().unwrap().contains("not a unified diff"),
        "{v}"
    );
    let (s, v) = crs_post(&srv, &crs, &format!("{base}/pov/"), BAD_BASE64).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["path"], "testcase");
    // A task that is not a claim, and another organization's claim: not found.
    let unknown = "/api/v1/tools/buttercup/aixcc/v1/task/0190b3a6-3c1e-7000-8000-0000000000ff/pov/";
    let (s, v) = crs_post(&srv, &crs, unknown, POV).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = crs_post(&srv, &other, &format!("{base}/pov/"), POV).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    // A tool not in the catalogue; and the tool by its id, as another
    // organization (which may not even see the draft).
    let nameless = format!("/api/v1/tools/no-such-crs/aixcc/v1/task/{task}/pov/");
    let (s, v) = crs_post(&srv, &crs, &nameless, POV).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let by_id = format!("/api/v1/tools/{tool_id}/aixcc/v1/task/{task}/pov/");
    let (s, v) = crs_post(&srv, &other, &by_id, POV).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    // No credentials, or a wrong token as the password.
    let resp = srv
        .http
        .post(format!("{}{base}/pov/", srv.base))
        .body(POV.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let (s, _) = crs_post(&srv, "bwk_not-a-token", &format!("{base}/pov/"), POV).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(srv.audit_len().await, start, "refusals write nothing");

    // Parts of two tasks do not make a bundle.
    let (s, pov) = crs_post(&srv, &crs, &format!("{base}/pov/"), POV).await;
    assert_eq!(s, StatusCode::OK, "{pov}");
    let (s, patch) = crs_post(&srv, &crs, &format!("{base_b}/patch/"), PATCH).await;
    assert_eq!(s, StatusCode::OK, "{patch}");
    let written = srv.audit_len().await;
    let bundle = json!({"pov_id": pov["pov_id"], "patch_id": patch["patch_id"]});
    let (s, v) = crs_post(
        &srv,
        &crs,
        &format!("{base}/bundle/"),
        bundle.to_string().as_bytes(),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("patch_id"), "{v}");
    // One part alone is not a bundle either.
    let one = json!({"pov_id": pov["pov_id"]});
    let (s, v) = crs_post(
        &srv,
        &crs,
        &format!("{base}/bundle/"),
        one.to_string().as_bytes(),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("at least two"),
        "{v}"
    );
    assert_eq!(
        srv.audit_len().await,
        written,
        "refused bundles write nothing"
    );
    let (s, _) = crs_get(
        &srv,
        &crs,
        &format!("{base_b}/pov/{}/", pov["pov_id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "a pov is known under its own task only"
    );
}
