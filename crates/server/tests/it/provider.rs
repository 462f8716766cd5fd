//! The CSAF trusted provider and the OSV feed as served (issue 18, part E),
//! checked against what CSAF 2.0 §7.1 requires: provider-metadata names the
//! key and feeds, documents are where the listings say, hashes match, the
//! signature verifies (rPGP here; GnuPG in an ignored test), changes.csv is
//! newest first, TLP:CLEAR is served without authentication and AMBER only
//! to those the policy lets read it. The advisories are store rows written
//! directly (fake CSAF and OSV documents: only their bytes matter here).

use bulwark_core::Tlp;
use bulwark_distribution::openpgp::{PublicKeys, verify_detached};
use bulwark_store::{
    Actor, AdvisoryChange, AdvisoryDocuments, NewAdvisoryRevision, NewCaseAdvisory, NewReport,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256, Sha512};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

use crate::common::{self, Srv};

/// Where the test server says it is (the settings' default base URL).
const BASE: &str = "http://127.0.0.1:8080";

struct Published {
    csaf: String,
    path: String,
}

async fn case_of(srv: &Srv, org: Uuid, fp: &str) -> Uuid {
    let r = NewReport {
        fingerprint: fp.into(),
        target: None,
        rule_id: Some("c/overflow".into()),
        title: format!("finding {fp}"),
        location: None,
        tool_name: Some("Scan".into()),
        tool_version: None,
        ai_model: None,
        ai_model_version: None,
        detail: json!({}),
    };
    srv.store
        .ingest_reports(
            &Actor::cli(),
            org,
            "application/sarif+json",
            fp.as_bytes(),
            &[r],
            OffsetDateTime::now_utc(),
        )
        .await
        .expect("ingest")
        .cases[0]
}

/// An advisory of a case reported by `reporter`, published at `tlp` on
/// `at`, with a CSAF document and an OSV record for a PyPI package.
async fn publish(srv: &Srv, reporter: Uuid, fp: &str, tlp: Tlp, at: OffsetDateTime) -> Published {
    let case = case_of(srv, reporter, fp).await;
    let a = srv
        .store
        .create_case_advisory(
            &Actor::cli(),
            &NewCaseAdvisory {
                case_id: case,
                owner_org: srv.root_org,
                content: r#"{"title":"t","summary":"s"}"#.into(),
                publication_tlp: tlp,
                summary: "Initial draft".into(),
            },
            |id| format!(r#"{{"id":"{id}"}}"#),
            at,
        )
        .await
        .expect("draft");
    let csaf = valid_csaf(&a.tracking_id, fp, tlp, at);
    let osv = json!({
        "id": a.tracking_id, "modified": bulwark_core::rfc3339(at),
        "affected": [{"package": {"ecosystem": "PyPI", "name": format!("pkg-{fp}")}}],
    })
    .to_string();
    srv.store
        .save_case_advisory(
            &Actor::cli(),
            a.id,
            &AdvisoryChange {
                event: "advisory.publish",
                expected_updated_at: a.updated_at,
                status: "final".into(),
                content: a.content.clone(),
                tracking: a.tracking.clone(),
                publication_tlp: tlp,
                revision: Some(NewAdvisoryRevision {
                    number: 1,
                    at,
                    summary: "Initial release".into(),
                    csaf: Some(csaf.clone()),
                    osv: Some(osv.clone()),
                }),
                documents: Some(AdvisoryDocuments {
                    csaf: csaf.clone(),
                    osv,
                    vex: None,
                    openvex: None,
                }),
                released_at: Some(at),
                published_at: Some(at),
            },
            at,
        )
        .await
        .expect("publish");
    bulwark_app::provider::invalidate(&srv.state);
    let dir = if tlp == Tlp::Clear { "clear" } else { "amber" };
    Published {
        csaf,
        path: format!(
            "/.well-known/csaf/{dir}/{}/{}",
            at.year(),
            a.tracking_id.to_lowercase() + ".json"
        ),
    }
}

/// A CSAF document that passes the mandatory tests (the provider check's
/// requirement 1), written by the distribution crate's writer.
fn valid_csaf(tracking_id: &str, fp: &str, tlp: Tlp, at: OffsetDateTime) -> String {
    use bulwark_distribution::model::{
        Advisory, AdvisoryContent, Product, Publisher, Revision, Status, Tracking, Vulnerability,
    };
    let content = AdvisoryContent {
        title: format!("Overflow in pkg-{fp}"),
        summary: "A crafted input overflows a buffer.".into(),
        products: vec![Product {
            key: "p1".into(),
            vendor: "Example Vendor".into(),
            name: format!("pkg-{fp}"),
            purl: Some(format!("pkg:pypi/pkg-{fp}@1.0.0")),
            affected_versions: vec!["1.0.0".into()],
            fixed_versions: vec!["1.0.1".into()],
            ..Default::default()
        }],
        vulnerabilities: vec![Vulnerability {
            title: Some("Buffer overflow".into()),
            products: vec!["p1".into()],
            ..Default::default()
        }],
        ..Default::default()
    };
    let tracking = Tracking {
        id: tracking_id.into(),
        status: Status::Final,
        initial_release_date: at,
        current_release_date: at,
        revision_history: vec![Revision {
            number: 1,
            date: at,
            summary: "Initial release".into(),
        }],
    };
    let publisher = Publisher {
        category: "coordinator".into(),
        name: "Bulwark test clearinghouse".into(),
        namespace: "https://bulwark.test".into(),
        contact_details: None,
        issuing_authority: None,
    };
    let doc = bulwark_distribution::csaf::security_advisory(&Advisory {
        content: &content,
        tracking: &tracking,
        tlp,
        publisher: &publisher,
    });
    let problems = bulwark_distribution::csaf::validate(&doc);
    assert!(problems.is_empty(), "{problems:?}");
    String::from_utf8(bulwark_distribution::csaf::to_bytes(&doc)).expect("utf8")
}

async fn fetch(srv: &Srv, path: &str, token: Option<&str>) -> (StatusCode, String, Vec<u8>) {
    let mut req = srv.http.get(format!("{}{path}", srv.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, ct, resp.bytes().await.expect("body").to_vec())
}

async fn text(srv: &Srv, path: &str, token: Option<&str>) -> String {
    let (s, _, body) = fetch(srv, path, token).await;
    assert_eq!(
        s,
        StatusCode::OK,
        "{path}: {}",
        String::from_utf8_lossy(&body)
    );
    String::from_utf8(body).expect("utf8")
}

/// The served path of a URL the provider wrote.
fn local(url: &str) -> &str {
    url.strip_prefix(BASE).expect("under the base URL")
}

struct World {
    srv: Srv,
    clear_old: Published,
    clear_new: Published,
    amber: Published,
    vendor_token: String,
    outsider_token: String,
}

async fn world() -> World {
    world_on(common::start(bulwark_store::testing::sqlite().await.expect("store")).await).await
}

async fn world_on(srv: Srv) -> World {
    let (vendor, _, vendor_token) = srv
        .member("Vendor", "vendor", "vendor-viewer", &["viewer"])
        .await;
    let (_, _, outsider_token) = srv
        .member("Outsider", "researcher", "outsider-viewer", &["viewer"])
        .await;
    let vendor: Uuid = vendor.parse().expect("uuid");
    let t = datetime!(2026-03-01 10:00 UTC);
    let clear_old = publish(&srv, vendor, "a", Tlp::Clear, t).await;
    let clear_new = publish(&srv, vendor, "b", Tlp::Clear, t + Duration::days(2)).await;
    let amber = publish(&srv, vendor, "c", Tlp::Amber, t + Duration::days(1)).await;
    bulwark_app::provider::ensure_signing_key(&srv.state)
        .await
        .expect("signing key");
    World {
        srv,
        clear_old,
        clear_new,
        amber,
        vendor_token,
        outsider_token,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_tree_meets_the_requirements() {
    let w = world().await;
    let srv = &w.srv;

    // Requirement 7: provider-metadata.json, anonymously.
    let meta: Value =
        serde_json::from_str(&text(srv, "/.well-known/csaf/provider-metadata.json", None).await)
            .expect("json");
    assert_eq!(meta["role"], "csaf_trusted_provider");
    assert_eq!(meta["metadata_version"], "2.0");
    assert_eq!(
        meta["canonical_url"],
        format!("{BASE}/.well-known/csaf/provider-metadata.json")
    );
    let key = &meta["public_openpgp_keys"][0];
    let fingerprint = key["fingerprint"].as_str().expect("fingerprint");
    assert_eq!(fingerprint.len(), 40);
    // The public key is published where the metadata says.
    let armored = text(srv, local(key["url"].as_str().expect("url")), None).await;
    let keys = PublicKeys::from_armored(&armored).expect("public key");
    assert_eq!(keys.fingerprints(), [fingerprint]);

    // Requirement 15: the CLEAR feed, newest first, whose links resolve.
    let feed_url = meta["distributions"][0]["rolie"]["feeds"][0]["url"]
        .as_str()
        .expect("feed url");
    assert!(feed_url.ends_with("/clear/feed-tlp-white.json"));
    let feed: Value = serde_json::from_str(&text(srv, local(feed_url), None).await).expect("json");
    let entries = feed["feed"]["entry"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "AMBER is not in the CLEAR feed");
    let src = entries[0]["content"]["src"].as_str().expect("src");
    assert_eq!(local(src), w.clear_new.path);

    // Requirements 11–14: the document, its hashes, index.txt, changes.csv.
    let (s, ct, doc) = fetch(srv, &w.clear_new.path, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ct, "application/json");
    assert_eq!(doc, w.clear_new.csaf.as_bytes(), "served as published");
    let name = w.clear_new.path.rsplit('/').next().expect("name");
    assert_eq!(
        text(srv, &format!("{}.sha256", w.clear_new.path), None).await,
        format!("{}  {name}\n", hex::encode(Sha256::digest(&doc)))
    );
    assert_eq!(
        text(srv, &format!("{}.sha512", w.clear_new.path), None).await,
        format!("{}  {name}\n", hex::encode(Sha512::digest(&doc)))
    );
    let changes = text(srv, "/.well-known/csaf/clear/changes.csv", None).await;
    let lines: Vec<&str> = changes.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].contains("2026-03-03T10:00:00Z") && lines[1].contains("2026-03-01T10:00:00Z"));
    let index = text(srv, "/.well-known/csaf/clear/index.txt", None).await;
    for p in [&w.clear_old.path, &w.clear_new.path] {
        let rel = p.strip_prefix("/.well-known/csaf/clear/").expect("rel");
        assert!(index.lines().any(|l| l == rel), "{rel} not in index.txt");
    }

    // Requirement 19: the detached signature verifies with the published key,
    // and is kept: the second download is the same signature.
    let sig = text(srv, &format!("{}.asc", w.clear_new.path), None).await;
    assert_eq!(
        verify_detached(&keys, &doc, sig.as_bytes()).expect("verifies"),
        fingerprint
    );
    assert_eq!(
        text(srv, &format!("{}.asc", w.clear_new.path), None).await,
        sig
    );
    let mut tampered = doc.clone();
    tampered.push(b' ');
    assert!(verify_detached(&keys, &tampered, sig.as_bytes()).is_err());

    // Requirement 8: security.txt names the provider metadata.
    let sec = text(srv, "/.well-known/security.txt", None).await;
    assert!(sec.contains(&format!(
        "CSAF: {BASE}/.well-known/csaf/provider-metadata.json"
    )));
    assert!(sec.contains("Contact: ") && sec.contains("Expires: "));

    // Service and category documents.
    let service: Value =
        serde_json::from_str(&text(srv, "/.well-known/csaf/service.json", None).await)
            .expect("json");
    assert!(
        service["service"]["workspace"]
            .as_array()
            .is_some_and(|w| !w.is_empty())
    );
    let cats = text(srv, "/.well-known/csaf/clear/category-vendors.json", None).await;
    assert!(cats.contains("Example Vendor"));
    assert_eq!(
        fetch(srv, "/.well-known/csaf/clear/2026/nothing.json", None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amber_is_for_those_the_policy_lets_read_it() {
    let w = world().await;
    let srv = &w.srv;
    let (s, ct, _) = fetch(srv, &w.amber.path, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(ct, "application/problem+json");
    // Signed in but no party: as if it did not exist.
    assert_eq!(
        fetch(srv, &w.amber.path, Some(&w.outsider_token)).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fetch(
            srv,
            &format!("{}.asc", w.amber.path),
            Some(&w.outsider_token)
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    // The case's reporter (a party) and the clearinghouse read it.
    let (s, _, doc) = fetch(srv, &w.amber.path, Some(&w.vendor_token)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc, w.amber.csaf.as_bytes());
    assert_eq!(
        fetch(srv, &w.amber.path, Some(&srv.root_token)).await.0,
        StatusCode::OK
    );
    // Listings show each caller what it may read.
    let rel = w
        .amber
        .path
        .strip_prefix("/.well-known/csaf/amber/")
        .expect("rel");
    assert_eq!(
        text(
            srv,
            "/.well-known/csaf/amber/index.txt",
            Some(&w.vendor_token)
        )
        .await,
        format!("{rel}\n")
    );
    assert_eq!(
        text(
            srv,
            "/.well-known/csaf/amber/index.txt",
            Some(&w.outsider_token)
        )
        .await,
        ""
    );
    assert_eq!(
        fetch(srv, "/.well-known/csaf/amber/changes.csv", None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let feed = text(
        srv,
        "/.well-known/csaf/amber/feed-tlp-amber.json",
        Some(&w.outsider_token),
    )
    .await;
    assert!(!feed.contains(rel));
    // A bad token is refused, not ignored.
    assert_eq!(
        fetch(srv, &w.clear_new.path, Some("bwk_nope")).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_osv_feed_holds_the_clear_records_only() {
    let w = world().await;
    let srv = &w.srv;
    let all: Value = serde_json::from_str(&text(srv, "/osv/all.json", None).await).expect("json");
    let ids: Vec<&str> = all
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        ["BWK-2026-0001", "BWK-2026-0002"],
        "AMBER's BWK-2026-0003 is not public"
    );
    let rec: Value =
        serde_json::from_str(&text(srv, "/osv/BWK-2026-0001.json", None).await).expect("json");
    assert_eq!(rec["id"], "BWK-2026-0001");
    assert_eq!(
        fetch(srv, "/osv/BWK-2026-0003.json", None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fetch(srv, "/osv/PyPI/BWK-2026-0003.json", None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        text(srv, "/osv/modified_id.csv", None).await,
        "2026-03-03T10:00:00Z,PyPI/BWK-2026-0002\n2026-03-01T10:00:00Z,PyPI/BWK-2026-0001\n"
    );
    assert_eq!(
        text(srv, "/osv/PyPI/modified_id.csv", None).await,
        "2026-03-03T10:00:00Z,BWK-2026-0002\n2026-03-01T10:00:00Z,BWK-2026-0001\n"
    );
    let (s, ct, zip) = fetch(srv, "/osv/PyPI/all.zip", None).await;
    assert_eq!((s, ct.as_str()), (StatusCode::OK, "application/zip"));
    assert!(zip.starts_with(b"PK"));
    let needle = b"BWK-2026-0002.json";
    assert!(zip.windows(needle.len()).any(|w| w == needle));
    assert!(
        !zip.windows(needle.len())
            .any(|w| w == b"BWK-2026-0003.json")
    );
    assert_eq!(
        fetch(srv, "/osv/npm/all.zip", None).await.0,
        StatusCode::NOT_FOUND
    );
}

/// The signature as GnuPG checks it, the tool most consumers verify with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs gpg"]
async fn gpg_verifies_the_served_signature() {
    let w = world().await;
    let srv = &w.srv;
    let meta: Value =
        serde_json::from_str(&text(srv, "/.well-known/csaf/provider-metadata.json", None).await)
            .expect("json");
    let key = text(
        srv,
        local(meta["public_openpgp_keys"][0]["url"].as_str().expect("url")),
        None,
    )
    .await;
    let (_, _, doc) = fetch(srv, &w.clear_old.path, None).await;
    let sig = text(srv, &format!("{}.asc", w.clear_old.path), None).await;
    let dir = std::env::temp_dir().join(format!("bulwark-gpg-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("dir");
    let home = dir.join("home");
    std::fs::create_dir_all(&home).expect("home");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    }
    std::fs::write(dir.join("key.asc"), key).expect("key");
    std::fs::write(dir.join("doc.json"), &doc).expect("doc");
    std::fs::write(dir.join("doc.json.asc"), sig).expect("sig");
    let gpg = |args: &[&str]| {
        std::process::Command::new("gpg")
            .arg("--homedir")
            .arg(&home)
            .args(["--batch", "--no-tty"])
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("gpg runs")
    };
    let import = gpg(&["--import", "key.asc"]);
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let verify = gpg(&["--verify", "doc.json.asc", "doc.json"]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    std::fs::write(dir.join("doc.json"), b"{}").expect("tamper");
    assert!(
        !gpg(&["--verify", "doc.json.asc", "doc.json"])
            .status
            .success()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 18's "the provider check passes requirements 1–20 against a
/// running server": Bulwark over HTTPS (the test certificate, at
/// `https://bulwark.test:PORT`, `csaf.data.security.bulwark.test` pointing
/// at it too) checked by the same checker and transport `bulwark csaf check`
/// uses. Anonymous, the AMBER distribution answers 401, which is
/// requirement 5 met; with a token the AMBER document is read and checked
/// as well.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulwark_passes_its_own_provider_check_over_https() {
    use bulwark_distribution::provider::check::{self, Outcome};
    let srv = common::start_https(bulwark_store::testing::sqlite().await.expect("store")).await;
    let options = common::https_options(&srv);
    let w = world_on(srv).await;
    let domain = format!(
        "{}:{}",
        common::HTTPS_HOST,
        w.srv.base.rsplit(':').next().expect("port")
    );
    let run = move |options: bulwark_server::fetch::HttpOptions, authenticated: bool| {
        let domain = domain.clone();
        async move {
            let handle = tokio::runtime::Handle::current();
            tokio::task::spawn_blocking(move || {
                let _guard = handle.enter();
                let mut fetch = bulwark_server::fetch::HttpFetch::new(options).expect("client");
                check::check(
                    &mut fetch,
                    &domain,
                    &check::Options {
                        authenticated,
                        ..Default::default()
                    },
                )
            })
            .await
            .expect("join")
            .expect("a provider to check")
        }
    };

    let not_passed = |report: &check::Report| -> Vec<String> {
        report
            .requirements
            .iter()
            .filter(|r| r.outcome != Outcome::Pass)
            .map(|r| format!("{} {:?}: {:?}", r.number, r.outcome, r.messages))
            .collect()
    };
    let report = run(options.clone(), false).await;
    let failed = not_passed(&report);
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(report.role_satisfied);
    assert_eq!(report.role, Some("csaf_trusted_provider"));
    assert_eq!(report.documents_checked, 2, "the two CLEAR documents");
    let five = &report.requirement(5).messages;
    assert!(
        five.iter()
            .any(|m| m.text.contains("TLP:AMBER") && m.text.contains("feed-tlp-amber.json")),
        "{five:?}"
    );

    // With the vendor's token (it may read the AMBER advisory), the AMBER
    // distribution is read too, and still every requirement passes.
    let token_options = bulwark_server::fetch::HttpOptions {
        bearer: Some((w.srv.base.clone(), w.vendor_token.clone())),
        ..options
    };
    let report = run(token_options, true).await;
    let failed = not_passed(&report);
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(report.documents_checked, 3, "CLEAR and AMBER documents");
    assert!(w.amber.path.contains("/amber/"));
}

/// Two servers over one store: what one publishes, the other serves after
/// its recheck (here set to zero), without being told; while nothing
/// changes, it keeps serving the snapshot it built.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_server_s_publication_is_seen() {
    let w = world().await;
    let mut settings = bulwark_server::Settings {
        master_key: bulwark_app::MasterKey::from_hex(common::DOSSIER_KEY_HEX),
        ..Default::default()
    };
    settings.provider.snapshot_recheck = std::time::Duration::ZERO;
    let other = bulwark_server::state(
        w.srv.store.clone(),
        std::sync::Arc::new(bulwark_core::SystemClock),
        settings,
    )
    .expect("state");
    let index = |state: bulwark_server::AppState| async move {
        let served = bulwark_app::provider::csaf_file(&state, None, "clear/index.txt")
            .await
            .expect("index.txt");
        String::from_utf8(served.bytes.to_vec()).expect("utf8")
    };
    assert_eq!(index(other.clone()).await.lines().count(), 2);
    let first = bulwark_app::provider::snapshot(&other)
        .await
        .expect("snapshot");
    let again = bulwark_app::provider::snapshot(&other)
        .await
        .expect("snapshot");
    assert!(
        std::sync::Arc::ptr_eq(&first, &again),
        "nothing changed: kept"
    );

    // Published through the first server (which invalidates only its own).
    let vendor = w.srv.root_org;
    let late = publish(
        &w.srv,
        vendor,
        "d",
        Tlp::Clear,
        datetime!(2026-04-01 10:00 UTC),
    )
    .await;
    let listed = index(other.clone()).await;
    assert_eq!(listed.lines().count(), 3, "{listed}");
    let name = late.path.rsplit('/').next().expect("file name");
    assert!(listed.contains(name), "{name} in {listed}");
}
