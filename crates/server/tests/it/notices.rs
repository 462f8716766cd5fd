//! Advisory notices over HTTP and on the pages: after an advisory is
//! released, the affected organization lists its notice (its own
//! component only) and marks it read; another organization sees none and
//! gets the same 404 as for a notice that does not exist; the operator sees
//! the publication's counts without names, a vendor is refused them; the
//! Notices page shows the unread count first, the advisory, the component
//! and the fix, and the dashboard the count. The OSV record is written by
//! hand for the test (`BWK-2026-0001`).

use crate::common;

use bulwark_app::notices::{self, AffectedAdvisory};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::visitor::Visitor;

fn cyclonedx(purls: &[&str]) -> Vec<u8> {
    let components: Vec<Value> = purls
        .iter()
        .map(|p| json!({"type": "library", "name": "widget", "purl": p}))
        .collect();
    json!({"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1, "components": components})
        .to_string()
        .into_bytes()
}

async fn upload(srv: &common::Srv, token: &str, purls: &[&str]) {
    let resp = srv
        .http
        .post(format!("{}/api/v1/sboms", srv.base))
        .bearer_auth(token)
        .header("content-type", "application/vnd.cyclonedx+json")
        .body(cyclonedx(purls))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_over_the_api_and_the_pages() {
    let srv = common::start(bulwark_store::testing::sqlite().await.expect("store")).await;
    let (_, alpha_user, alpha) = srv.member("Alpha", "vendor", "alpha", &["analyst"]).await;
    let (_, beta_user, beta) = srv.member("Beta", "vendor", "beta", &["analyst"]).await;
    upload(&srv, &alpha, &["pkg:npm/widget@1.2.0"]).await;
    upload(&srv, &beta, &["pkg:npm/widget@1.2.3"]).await;
    let advisory = Uuid::now_v7();
    let s = notices::notify_affected(
        &srv.state,
        &AffectedAdvisory {
            advisory_id: advisory,
            tracking_id: "BWK-2026-0001".into(),
            title: "Prototype pollution in widget".into(),
            osv: json!({
                "id": "BWK-2026-0001",
                "modified": "2026-12-01T12:00:00Z",
                "affected": [{
                    "package": {"ecosystem": "npm", "name": "widget"},
                    "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.2.3"}]}]
                }]
            }),
            fix: "Upgrade widget to 1.2.3 or later.".into(),
        },
    )
    .await
    .expect("notify");
    assert_eq!((s.organizations, s.new_notices), (1, 1));

    let (st, list) = srv.get("/api/v1/notices", &alpha).await;
    assert_eq!(st, StatusCode::OK, "{list}");
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    let id = items[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(items[0]["components"][0]["purl"], "pkg:npm/widget@1.2.0");
    assert_eq!(items[0]["read_at"], Value::Null);
    let (_, theirs) = srv.get("/api/v1/notices", &beta).await;
    assert_eq!(theirs["items"], json!([]));
    let (st, _, problem) = srv
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/notices/{id}"),
            Some(&beta),
            None,
        )
        .await;
    let (st2, _, unknown) = srv
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/notices/{}", Uuid::now_v7()),
            Some(&beta),
            None,
        )
        .await;
    assert_eq!((st, st2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(problem["detail"], unknown["detail"], "the same answer");

    // Counts for the operator, no names; a vendor is refused.
    let path = format!("/api/v1/publications/{advisory}/exposure");
    let (st, e) = srv.get(&path, &srv.root_token).await;
    assert_eq!(st, StatusCode::OK, "{e}");
    assert_eq!(
        (e["organizations"].as_u64(), e["components"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(e.get("names").is_none(), "{e}");
    let (st, _) = srv.get(&path, &alpha).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // The pages: the unread count first, the notice; nothing for Beta.
    common::visitor::set_password(&srv, Uuid::parse_str(&alpha_user).expect("uuid")).await;
    let mut v = Visitor::sign_in(&srv, "alpha").await;
    let dash = v.get("/").await;
    dash.at(
        r#"<a href="/notices"><span class="n">1</span> <span class="label">unread notice</span>"#,
    );
    let page = v.get("/notices").await;
    assert_eq!(page.status, StatusCode::OK);
    let count = page.at("<strong>1</strong> unread");
    assert!(count < page.at("BWK-2026-0001: Prototype pollution in widget"));
    page.at(r#"<code class="purl">pkg:npm/<wbr>widget@<wbr>1.2.0</code>"#);
    page.at("Upgrade widget to 1.2.3 or later.");
    let csrf = page.csrf();
    let done = v
        .post(&format!("/notices/{id}/read"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    v.get("/notices").await.at("<strong>0</strong> unread");
    common::visitor::set_password(&srv, Uuid::parse_str(&beta_user).expect("uuid")).await;
    let mut b = Visitor::sign_in(&srv, "beta").await;
    let page = b.get("/notices").await;
    assert!(!page.body.contains("widget@1.2.0"));
    page.at("No advisory affects your organization");

    // Read over the API: already read, changes nothing; Beta cannot.
    let (st, n) = srv
        .post(&format!("/api/v1/notices/{id}/read"), &alpha, json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{n}");
    assert!(n["read_at"].is_string());
    let (st, _) = srv
        .post(&format!("/api/v1/notices/{id}/read"), &beta, json!({}))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}
