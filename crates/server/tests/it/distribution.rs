//! Issue 18's scenario, end to end over HTTP, on SQLite and PostgreSQL: a
//! SARIF finding becomes a case, is validated, gets an AI-written patch
//! that two organizations other than the author's pass, and an advisory
//! that is released under embargo to the case's parties only; when the
//! embargo ends the scheduler's pass publishes it, and the CSAF document
//! (with its hashes and signature) and the OSV record are served to anyone.
//! Exactly the organization whose stored SBOM holds the affected version is
//! told, and only about its own component; the one at the fixed version and
//! the one without the package are not.

use std::sync::Arc;

use crate::common;

use bulwark_core::FixedClock;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::Duration;
use time::macros::datetime;

/// The first 3 of 114 results of `microsoft-sarif-sdk/.../Fortify/bannedAPIs_m0.xml.sarif`.
const FORTIFY: &[u8] = include_bytes!("../../../intake/tests/fixtures/fortify-excerpt.sarif");
/// `git format-patch -1 --stdout` of a scratch repository (the intake
/// crate's `tests/fixtures/README.md`).
const FORMAT_PATCH: &[u8] =
    include_bytes!("../../../intake/tests/fixtures/patch/git-format-patch.patch");

pub const T0: time::OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_to_patch_to_advisory_to_notices() {
    let (srv, clock) = common::start_at(T0, &[]).await;
    scenario(&srv, clock).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set BULWARK_TEST_DATABASE_URL (.ci/run does)"]
async fn finding_to_patch_to_advisory_to_notices_on_postgres() {
    let clock = Arc::new(FixedClock::new(T0));
    let store = bulwark_store::testing::postgres()
        .await
        .expect("PostgreSQL test store");
    let srv = common::start_with_clock(store, clock.clone()).await;
    scenario(&srv, clock).await;
}

async fn send(
    srv: &common::Srv,
    token: Option<&str>,
    path: &str,
    media: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut req = srv
        .http
        .post(format!("{}{path}", srv.base))
        .header("content-type", media)
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("send");
    let s = resp.status();
    (s, resp.json().await.unwrap_or(Value::Null))
}

/// A GET without credentials: status and body bytes.
async fn anonymous(srv: &common::Srv, path: &str) -> (StatusCode, Vec<u8>) {
    let resp = srv
        .http
        .get(format!("{}{path}", srv.base))
        .send()
        .await
        .expect("send");
    let s = resp.status();
    (s, resp.bytes().await.expect("body").to_vec())
}

fn cyclonedx(purls: &[&str]) -> Vec<u8> {
    let components: Vec<Value> = purls
        .iter()
        .map(|p| json!({"type": "library", "name": "component", "purl": p}))
        .collect();
    json!({"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1, "components": components})
        .to_string()
        .into_bytes()
}

/// What the scenario made, for the pages' test to look at.
pub struct Made {
    pub case: String,
    pub advisory: String,
    pub tracking: String,
    /// The username of the member of the organization that was notified.
    pub notified_user: &'static str,
}

/// Runs the whole scenario on `srv`, asserting each step.
pub async fn scenario(srv: &common::Srv, clock: Arc<FixedClock>) -> Made {
    let root = srv.root_token.clone();
    let (_, _, reporter) = srv.member("Uni A", "researcher", "ua", &["analyst"]).await;
    let (lab_b, _, lab_b_tok) = srv.member("Lab B", "researcher", "lb", &["analyst"]).await;
    let (lab_c, _, lab_c_tok) = srv.member("Lab C", "developer", "lc", &["admin"]).await;
    let (_, _, exposed) = srv.member("Utility X", "partner", "ux", &["admin"]).await;
    let (_, _, patched) = srv.member("Utility Y", "partner", "uy", &["admin"]).await;
    let (_, _, unrelated) = srv.member("Utility Z", "partner", "uz", &["admin"]).await;

    // Stored SBOMs: X runs the affected version, Y the fixed one, Z neither.
    for (tok, purls) in [
        (
            &exposed,
            vec!["pkg:npm/left-pad@1.3.0", "pkg:npm/lodash@4.17.21"],
        ),
        (&patched, vec!["pkg:npm/left-pad@1.3.1"]),
        (&unrelated, vec!["pkg:npm/lodash@4.17.21"]),
    ] {
        let (s, v) = send(
            srv,
            Some(tok),
            "/api/v1/sboms",
            "application/vnd.cyclonedx+json",
            cyclonedx(&purls),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }

    // 1. A SARIF finding → a case, validated by an independent reproduction.
    let (s, receipt) = send(
        srv,
        Some(&reporter),
        "/api/v1/reports?target=pkg:npm/left-pad@1.3.0",
        "application/sarif+json",
        FORTIFY.to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{receipt}");
    let case = receipt["cases"][0].as_str().unwrap().to_owned();
    for to in ["triaged", "validating"] {
        let (s, v) = srv
            .post(
                &format!("/api/v1/cases/{case}/transition"),
                &root,
                json!({"to": to}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    common::validate_by_one_reproduction(srv, &case, &root, &lab_b, &lab_b_tok).await;

    // 2. The reporter's AI-written patch, passed by two other organizations.
    let base = format!("/api/v1/cases/{case}/remediations");
    let (s, p) = send(
        srv,
        Some(&reporter),
        &format!(
            "{base}?tool_name=patchbot&tool_version=0.3&ai_model=gpt-x&ai_model_version=2026-10"
        ),
        "text/x-patch",
        FORMAT_PATCH.to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(p["state"], "proposed");
    let pid = p["id"].as_str().unwrap().to_owned();
    for org in [&lab_b, &lab_c] {
        let (s, v) = srv
            .post(&format!("{base}/{pid}/tasks"), &root, json!({"org": org}))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let mut last = Value::Null;
    for tok in [&lab_b_tok, &lab_c_tok] {
        for check in ["applies", "fixes", "tests_pass"] {
            let (s, v) = srv
                .post(
                    &format!("{base}/{pid}/validations"),
                    tok,
                    json!({"check": check, "result": "passed"}),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            last = v;
        }
    }
    assert_eq!(last["state"], "accepted", "{last}");

    // 3. The advisory: drafted from the case, the fix named, final.
    let (s, d) = srv
        .post(&format!("/api/v1/cases/{case}/advisory"), &root, json!({}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_str().unwrap().to_owned();
    let tracking = d["tracking_id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/publications/{id}");
    let mut content = d["content"].clone();
    assert_eq!(content["products"][0]["purl"], "pkg:npm/left-pad");
    assert!(
        content["vulnerabilities"][0]["remediations"]
            .as_array()
            .is_some_and(|r| r
                .iter()
                .any(|r| r["url"].as_str().is_some_and(|u| u.contains(&pid)))),
        "the accepted patch is among the draft's remediations: {content}"
    );
    content["products"][0]["affected"] = json!([{"fixed": "1.3.1"}]);
    content["products"][0]["fixed_versions"] = json!(["1.3.1"]);
    let (s, _, v) = srv
        .call(
            Method::PUT,
            &path,
            Some(&root),
            Some(json!({"content": content})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = srv
        .post(&format!("{path}/transition"), &root, json!({"to": "final"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // 4. Under embargo: released to the parties only.
    let until = T0 + Duration::days(3);
    let (s, _, v) = srv
        .call(
            Method::PUT,
            &format!("/api/v1/cases/{case}/marking"),
            Some(&root),
            Some(json!({"tlp": "AMBER+STRICT", "embargo_until": bulwark_core::rfc3339(until)})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = srv
        .post(
            &format!("{path}/publish"),
            &root,
            json!({"tlp": "CLEAR", "summary": "Initial release"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stage"], "embargoed");
    for (who, tok, sees) in [
        ("the reporter", &reporter, true),
        ("a patch checker", &lab_c_tok, true),
        ("an organization running it", &exposed, false),
        ("an unrelated organization", &unrelated, false),
    ] {
        let (s, _) = srv.get(&format!("{path}/csaf"), tok).await;
        assert_eq!(s == StatusCode::OK, sees, "{who}: {s}");
    }
    let (_, all) = anonymous(srv, "/osv/all.json").await;
    assert!(
        !String::from_utf8_lossy(&all).contains(&tracking),
        "not public yet"
    );
    let (_, index) = anonymous(srv, "/.well-known/csaf/clear/index.txt").await;
    assert!(
        !String::from_utf8_lossy(&index).contains("bwk-"),
        "not listed yet"
    );

    // 5. Exactly the organization running the affected version is told, of
    // its own component only.
    let notices_of = async |tok: &str| {
        let (s, v) = srv.get("/api/v1/notices", tok).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["items"].as_array().cloned().unwrap_or_default()
    };
    let mine = notices_of(&exposed).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    let text = mine[0].to_string();
    assert!(text.contains(&tracking), "{text}");
    assert!(text.contains("pkg:npm/left-pad@1.3.0"), "{text}");
    assert!(
        !text.contains("lodash"),
        "only the affected component: {text}"
    );
    assert!(text.contains("1.3.1"), "the fix: {text}");
    assert!(
        notices_of(&patched).await.is_empty(),
        "the fixed version is not affected"
    );
    assert!(notices_of(&unrelated).await.is_empty());
    let (s, v) = srv.get(&format!("{path}/exposure"), &root).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["organizations"], 1, "{v}");
    assert!(
        v.get("names").is_none_or(Value::is_null),
        "counts, not names: {v}"
    );

    // 6. The embargo ends: the scheduler's pass publishes it.
    clock.set(until + Duration::minutes(1));
    let done = bulwark_app::publications::release_due(&srv.state, "test")
        .await
        .expect("release_due");
    assert_eq!(done, vec![tracking.clone()]);
    let (s, _) = srv.get(&format!("{path}/csaf"), &unrelated).await;
    assert_eq!(s, StatusCode::OK, "public now");

    // The CSAF trusted provider serves it to anyone, with its hashes and
    // a signature by the key its metadata names.
    let (s, meta) = anonymous(srv, "/.well-known/csaf/provider-metadata.json").await;
    assert_eq!(s, StatusCode::OK);
    let meta: Value = serde_json::from_slice(&meta).expect("metadata JSON");
    assert_eq!(meta["role"], "csaf_trusted_provider");
    let (s, index) = anonymous(srv, "/.well-known/csaf/clear/index.txt").await;
    assert_eq!(s, StatusCode::OK);
    let index = String::from_utf8(index).expect("index.txt");
    let file = bulwark_distribution::csaf::filename(&tracking);
    let doc_path = index
        .lines()
        .find(|l| l.ends_with(&file))
        .unwrap_or_else(|| panic!("{file} in index.txt: {index}"))
        .to_owned();
    let (s, doc) = anonymous(srv, &format!("/.well-known/csaf/clear/{doc_path}")).await;
    assert_eq!(s, StatusCode::OK);
    let csaf: Value = serde_json::from_slice(&doc).expect("CSAF JSON");
    assert_eq!(csaf["document"]["tracking"]["id"], tracking.as_str());
    assert_eq!(csaf["document"]["distribution"]["tlp"]["label"], "WHITE");
    assert_eq!(
        bulwark_distribution::csaf::validate(&csaf).len(),
        0,
        "valid CSAF"
    );
    let (s, sha) = anonymous(srv, &format!("/.well-known/csaf/clear/{doc_path}.sha256")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        String::from_utf8_lossy(&sha).starts_with(&hex::encode(Sha256::digest(&doc))),
        "the hash file names the served bytes"
    );
    let (s, asc) = anonymous(srv, &format!("/.well-known/csaf/clear/{doc_path}.asc")).await;
    assert_eq!(s, StatusCode::OK);
    let key_url = meta["public_openpgp_keys"][0]["url"]
        .as_str()
        .expect("key url");
    // The metadata names the public URL of the server's settings; the test
    // server answers on its own address.
    let key_path = &key_url[key_url
        .find("/.well-known/")
        .expect("key under .well-known")..];
    let (s, key) = anonymous(srv, key_path).await;
    assert_eq!(s, StatusCode::OK, "{key_url}");
    let keys = bulwark_distribution::openpgp::PublicKeys::from_armored(
        std::str::from_utf8(&key).expect("armoured key"),
    )
    .expect("public key");
    let signer =
        bulwark_distribution::openpgp::verify_detached(&keys, &doc, &asc).expect("signature");
    assert_eq!(
        signer.to_ascii_uppercase(),
        meta["public_openpgp_keys"][0]["fingerprint"]
            .as_str()
            .unwrap()
            .to_ascii_uppercase()
    );

    // And the OSV feed carries its record.
    let (s, all) = anonymous(srv, "/osv/all.json").await;
    assert_eq!(s, StatusCode::OK);
    let all: Value = serde_json::from_slice(&all).expect("all.json");
    assert!(
        all.as_array()
            .is_some_and(|a| a.iter().any(|e| e["id"] == tracking.as_str())),
        "{all}"
    );
    let (s, record) = anonymous(srv, &format!("/osv/{tracking}.json")).await;
    assert_eq!(s, StatusCode::OK);
    let record: Value = serde_json::from_slice(&record).expect("OSV JSON");
    assert_eq!(record["affected"][0]["package"]["name"], "left-pad");
    assert!(
        record["affected"][0]["ranges"]
            .to_string()
            .contains("1.3.1"),
        "{record}"
    );

    // Still exactly one notice: publication repeats nothing.
    assert_eq!(notices_of(&exposed).await.len(), 1);
    assert!(notices_of(&unrelated).await.is_empty());
    Made {
        case,
        advisory: id,
        tracking,
        notified_user: "ux",
    }
}
