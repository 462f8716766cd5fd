//! Voluntary reviews over HTTP, with separate tokens and an injected clock: a
//! submission from draft to conclusion, who sees what at each step, the
//! dossier round trip (encrypted at rest, every read audited).

use crate::common;

use reqwest::StatusCode;
use serde_json::{Value, json};
use time::macros::datetime;

async fn upload(
    srv: &common::Srv,
    token: &str,
    sub: &str,
    kind: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let resp = srv
        .http
        .post(format!(
            "{}/api/v1/submissions/{sub}/documents?kind={kind}",
            srv.base
        ))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .expect("send");
    let s = resp.status();
    let text = resp.text().await.expect("body");
    (
        s,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn download(srv: &common::Srv, token: &str, sub: &str, sha: &str) -> (StatusCode, Vec<u8>) {
    let resp = srv
        .http
        .get(format!(
            "{}/api/v1/submissions/{sub}/documents/{sha}",
            srv.base
        ))
        .bearer_auth(token)
        .send()
        .await
        .expect("send");
    let s = resp.status();
    (s, resp.bytes().await.expect("body").to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submission_from_draft_to_conclusion() {
    let (srv, clock) = common::start_at(
        datetime!(2026-11-26 12:00 UTC),
        &["NSA", "CISA", "Treasury"],
    )
    .await;
    let (nsa_org, nsa_user, nsa) = srv.member("NSA", "agency", "nsa1", &["analyst"]).await;
    let (cisa_org, _, cisa) = srv.member("CISA", "agency", "cisa1", &["analyst"]).await;
    let (_, _, treasury) = srv
        .member("Treasury", "agency", "treas1", &["analyst"])
        .await;
    let (_, _, dev_a) = srv.member("Lab A", "developer", "deva", &["analyst"]).await;
    let (_, _, dev_b) = srv.member("Lab B", "developer", "devb", &["analyst"]).await;

    let model = srv.register_model(&dev_a, "Frontier-1", 3e26).await;

    // Bad input: a release in the past, a public release before the partner release.
    let before = srv.audit_len().await;
    let (s, v) = srv
        .post(
            "/api/v1/submissions",
            &dev_a,
            json!({"model": model, "planned_partner_release": "2026-11-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = srv
        .post(
            "/api/v1/submissions",
            &dev_a,
            json!({"model": model, "planned_partner_release": "2026-12-16T12:00:00Z",
                   "planned_public_release": "2026-12-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // Another developer cannot submit Lab A's model.
    let (s, v) = srv
        .post(
            "/api/v1/submissions",
            &dev_b,
            json!({"model": model, "planned_partner_release": "2026-12-16T12:00:00Z"}),
        )
        .await;
    assert!(
        s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND,
        "{s} {v}"
    );
    assert_eq!(srv.audit_len().await, before);

    let (s, sub) = srv
        .post(
            "/api/v1/submissions",
            &dev_a,
            json!({"model": model, "planned_partner_release": "2026-12-16T12:00:00Z",
                   "planned_public_release": "2027-02-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sub}");
    assert_eq!(sub["state"], "draft");
    let id = sub["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/submissions/{id}");

    // A draft: only Lab A sees it.
    for (who, token) in [
        ("B", &dev_b),
        ("NSA", &nsa),
        ("CISA", &cisa),
        ("Treasury", &treasury),
    ] {
        let (s, _) = srv.get(&path, token).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who} on a draft");
    }
    let (_, list) = srv.get("/api/v1/submissions", &dev_b).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);

    // The dossier: round trip, empty refused, address equals SHA-256.
    let card = b"Model card of Frontier-1: 3e26 FLOP, cyber evals attached.".to_vec();
    let (s, v) = upload(&srv, &dev_a, &id, "model_card", vec![]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = upload(&srv, &dev_a, &id, "readme", card.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, doc) = upload(&srv, &dev_a, &id, "model_card", card.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{doc}");
    let sha = doc["sha256"].as_str().unwrap().to_owned();
    assert_eq!(sha, bulwark_store::document_address(&card));
    let (s, _) = upload(&srv, &dev_b, &id, "model_card", card.clone()).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Encrypted at rest.
    let sealed = srv
        .store
        .document_ciphertext(id.parse().unwrap(), &sha)
        .await
        .unwrap();
    assert!(!sealed.windows(card.len()).any(|w| w == card.as_slice()));
    assert!(!sealed.windows(9).any(|w| w == b"Frontier-"));

    // Invalid moves are 409 naming the allowed ones.
    let (s, v) = srv
        .post(
            &format!("{path}/transition"),
            &dev_a,
            json!({"to": "in_review"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("submitted, withdrawn"),
        "{v}"
    );

    let (s, v) = srv
        .post(
            &format!("{path}/transition"),
            &dev_a,
            json!({"to": "submitted"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "submitted");
    assert_eq!(v["days_remaining"], 20);

    // Submitted, awaiting triage: every reviewing agency sees it, not its
    // dossier; Lab B still gets 404.
    for token in [&nsa, &cisa, &treasury] {
        let (s, _) = srv.get(&path, token).await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = download(&srv, token, &id, &sha).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    let (s, _) = srv.get(&path, &dev_b).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Triage: NSA leads, CISA supports, an NSA reviewer is named.
    let (s, v) = srv
        .post(
            &format!("{path}/triage"),
            &nsa,
            json!({"lead_agency": nsa_org, "supporting_agencies": [cisa_org], "reviewers": [nsa_user]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "triage");
    // Treasury, unassigned, now sees nothing.
    let (s, _) = srv.get(&path, &treasury).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = download(&srv, &treasury, &id, &sha).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, list) = srv.get("/api/v1/submissions", &treasury).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let (_, list) = srv.get("/api/v1/submissions", &cisa).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // The assigned agencies read the dossier; each read is audited.
    let before = srv.audit_len().await;
    for token in [&nsa, &cisa, &dev_a] {
        let (s, bytes) = download(&srv, token, &id, &sha).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(bytes, card);
        assert_eq!(bulwark_store::document_address(&bytes), sha);
    }
    assert_eq!(srv.audit_len().await, before + 3);
    let reads = srv
        .store
        .audit_latest(3)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "dossier.read")
        .count();
    assert_eq!(reads, 3);

    let (s, v) = srv
        .post(
            &format!("{path}/transition"),
            &nsa,
            json!({"to": "in_review"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Findings: NSA issues; Lab A may not; Lab A responds.
    let finding = json!({"severity": "high", "category": "offensive_cyber_uplift",
        "text": "writes working exploits for known CVEs", "recommendation": "refusal training",
        "tlp": "AMBER+STRICT"});
    let (s, _) = srv
        .post(&format!("{path}/findings"), &dev_a, finding.clone())
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, f) = srv.post(&format!("{path}/findings"), &nsa, finding).await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    let fid = f["id"].as_str().unwrap().to_owned();
    let (s, _) = srv
        .post(
            &format!("{path}/findings/{fid}/responses"),
            &nsa,
            json!({"text": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, r) = srv
        .post(
            &format!("{path}/findings/{fid}/responses"),
            &dev_a,
            json!({"text": "refusal training deployed"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (_, v) = srv.get(&path, &cisa).await;
    assert_eq!(v["state"], "findings_issued");
    assert_eq!(
        v["findings"][0]["responses"][0]["text"],
        "refusal training deployed"
    );

    // Conclusion, in time.
    clock.advance(time::Duration::days(10));
    let (s, _) = srv
        .post(
            &format!("{path}/conclude"),
            &dev_a,
            json!({"conclusion": "no_significant_concerns", "summary": "fine"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The conclusion speaks for the government: the lead agency (NSA), not
    // the supporting one.
    let (s, _) = srv
        .post(
            &format!("{path}/conclude"),
            &cisa,
            json!({"conclusion": "no_significant_concerns", "summary": "fine"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = srv
        .post(
            &format!("{path}/conclude"),
            &nsa,
            json!({"conclusion": "mitigations_recommended", "summary": "refusals in place"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "concluded");
    assert_eq!(v["concluded_in_time"], true);
    assert_eq!(v["days_remaining"], 10);

    // Final: no more moves; withdrawing now is a conflict.
    let (s, v) = srv
        .post(
            &format!("{path}/withdraw"),
            &dev_a,
            json!({"reason": "too late"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    for (who, token) in [("B", &dev_b), ("Treasury", &treasury)] {
        let (s, _) = srv.get(&path, token).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who} after conclusion");
    }
    let v = srv.store.audit_verify().await.unwrap();
    assert!(v.first_break.is_none(), "{v:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_developer_withdraws_with_a_reason() {
    let (srv, _) = common::start_at(datetime!(2026-11-26 12:00 UTC), &[]).await;
    let (_, _, dev_a) = srv.member("Lab A", "developer", "deva", &["analyst"]).await;
    let (_, _, dev_b) = srv.member("Lab B", "developer", "devb", &["analyst"]).await;
    let (_, m) = srv
        .post(
            "/api/v1/models",
            &dev_a,
            json!({"profile": {"name": "Frontier-2"}}),
        )
        .await;
    let model = m["id"].as_str().unwrap().to_owned();
    let (s, sub) = srv
        .post(
            "/api/v1/submissions",
            &dev_a,
            json!({"model": model, "planned_partner_release": "2027-02-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sub}");
    let sub_id = sub["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/submissions/{sub_id}");
    // Oversized documents are refused with a problem document; nothing is stored.
    let max = bulwark_core::review::MAX_DOCUMENT_BYTES;
    let (s, v) = upload(&srv, &dev_a, &sub_id, "system_card", vec![b'x'; max + 1]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, _) = upload(&srv, &dev_a, &sub_id, "system_card", vec![b'x'; max + 4096]).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    let (_, v) = srv.get(&path, &dev_a).await;
    assert_eq!(v["documents"], json!([]));
    let (s, v) = srv
        .post(
            &format!("{path}/transition"),
            &dev_a,
            json!({"to": "submitted"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v["window_warning"].as_str().unwrap().contains("30 days"),
        "{v}"
    );
    let (s, _) = srv
        .post(&format!("{path}/withdraw"), &dev_b, json!({"reason": "x"}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = srv
        .post(&format!("{path}/withdraw"), &dev_a, json!({"reason": " "}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = srv
        .post(
            &format!("{path}/withdraw"),
            &dev_a,
            json!({"reason": "plans changed"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"], "withdrawn");
    assert_eq!(v["withdrawn_reason"], "plans changed");
    assert_eq!(v["next"], json!([]));
}
