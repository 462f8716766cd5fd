//! Trusted partners and early-access grants over HTTP, with separate tokens
//! and an injected clock: a grant from proposal to expiry, the access check
//! at each step, and who sees what.

use crate::common;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::macros::datetime;

async fn check(srv: &common::Srv, token: &str, partner: &str, model: &str, scope: &str) -> Value {
    let (s, v) = srv
        .get(
            &format!("/api/v1/access-check?partner={partner}&model={model}&scope={scope}"),
            token,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn vet(srv: &common::Srv, token: &str, org: &str, status: &str) -> StatusCode {
    let (s, _, v) = srv
        .call(
            Method::PUT,
            &format!("/api/v1/partners/{org}/vetting"),
            Some(token),
            Some(json!({"status": status, "reason": "incident review"})),
        )
        .await;
    assert!(s != StatusCode::INTERNAL_SERVER_ERROR, "{v}");
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_from_proposal_to_expiry() {
    let t0 = datetime!(2026-11-26 12:00 UTC);
    let (srv, clock) = common::start_at(t0, &["NSA"]).await;
    let (_, _, nsa) = srv.member("NSA", "agency", "nsa1", &["analyst"]).await;
    let (_, _, dev_a) = srv.member("Lab A", "developer", "deva", &["analyst"]).await;
    let (_, _, gateway) = srv.member("Lab A", "developer", "gw", &["viewer"]).await;
    let (_, _, dev_b) = srv.member("Lab B", "developer", "devb", &["analyst"]).await;
    let (grid, _, grid_admin) = srv.member("Grid Co", "partner", "grid", &["admin"]).await;
    let (water, _, water_admin) = srv.member("Water Co", "partner", "water", &["admin"]).await;

    let model = srv.register_model(&dev_a, "Frontier-1", 3e26).await;

    // Bad input: end before start, an unknown scope, a partner that is not one.
    let proposal = |partner: &str, scope: &str, start: &str, end: &str| {
        json!({"model": model, "partner_org": partner, "scope": scope,
               "starts_at": start, "ends_at": end, "conditions": "no fine-tuning"})
    };
    let start = "2026-12-01T00:00:00Z";
    let end = "2027-01-01T00:00:00Z";
    let (s, v) = srv
        .post("/api/v1/grants", &dev_a, proposal(&grid, "api", end, start))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = srv
        .post(
            "/api/v1/grants",
            &dev_a,
            proposal(&grid, "root", start, end),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("evaluation_only"),
        "{v}"
    );
    // Another developer cannot propose for Lab A's model (nor learn it exists).
    let (s, _) = srv
        .post("/api/v1/grants", &dev_b, proposal(&grid, "api", start, end))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, g) = srv
        .post("/api/v1/grants", &dev_a, proposal(&grid, "api", start, end))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{g}");
    assert_eq!(g["status"], "proposed");
    let id = g["id"].as_str().unwrap().to_owned();

    // The partner sees its grant but cannot concur; the NSA analyst concurs.
    let (s, v) = srv.get(&format!("/api/v1/grants/{id}"), &grid_admin).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = srv
        .post(
            &format!("/api/v1/grants/{id}/concur"),
            &grid_admin,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The refusal says who may (issue 16, item 6), and nothing of the grant.
    assert_eq!(
        v["detail"],
        "not permitted: only writers of the lead agency of the model's review concur or object \
         (any reviewing agency's while there is no lead)",
        "{v}"
    );
    assert_eq!(v["action"], "grant.decide");
    // Another developer cannot even read it.
    let (s, _) = srv.get(&format!("/api/v1/grants/{id}"), &dev_b).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, list) = srv.get("/api/v1/grants", &dev_b).await;
    assert!(list["items"].as_array().unwrap().is_empty());
    let (s, v) = srv
        .post(&format!("/api/v1/grants/{id}/object"), &nsa, json!({}))
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required: {v}"
    );
    let (s, v) = srv
        .post(&format!("/api/v1/grants/{id}/concur"), &nsa, json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "pending");
    let (s, v) = srv
        .post(
            &format!("/api/v1/grants/{id}/object"),
            &nsa,
            json!({"reason": "late"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("allowed: revoked"),
        "{v}"
    );

    // The partner: vetted by the NSA, attested by its own admin.
    assert_eq!(
        vet(&srv, &grid_admin, &grid, "vetted").await,
        StatusCode::FORBIDDEN,
        "a partner does not vet itself"
    );
    let (_, _, v) = srv
        .call(
            Method::PUT,
            &format!("/api/v1/partners/{grid}/vetting"),
            Some(&grid_admin),
            Some(json!({"status": "vetted"})),
        )
        .await;
    assert!(
        v["detail"].as_str().is_some_and(
            |d| d.contains("only writers of a reviewing agency and the operator's admins vet")
        ),
        "{v}"
    );
    // A user with no roles is told that, not who else may act.
    let (_, _, idle) = srv.member("Grid Co", "partner", "grid-idle", &[]).await;
    let (s, v) = srv
        .post(
            &format!("/api/v1/partners/{grid}/attestations"),
            &idle,
            json!({"kind": "confidentiality", "expires_at": "2027-06-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["detail"].as_str().is_some_and(|d| d.contains("no roles")),
        "{v}"
    );
    let (s, _, v) = srv
        .call(
            Method::PUT,
            &format!("/api/v1/partners/{grid}/vetting"),
            Some(&nsa),
            Some(json!({"status": "vetted"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["vetting"], "vetted");
    for (kind, expires) in [
        ("confidentiality", "2027-06-01T00:00:00Z"),
        ("insider_risk", "2026-12-20T00:00:00Z"),
        ("security_controls", "2027-06-01T00:00:00Z"),
    ] {
        let (s, v) = srv
            .post(
                &format!("/api/v1/partners/{grid}/attestations"),
                &grid_admin,
                json!({"kind": kind, "expires_at": expires}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (s, v) = srv
        .post(
            &format!("/api/v1/partners/{grid}/attestations"),
            &nsa,
            json!({"kind": "confidentiality", "expires_at": "2027-06-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = srv.get(&format!("/api/v1/partners/{water}"), &dev_a).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["vetting"], "pending");

    let audit_before = srv.audit_len().await;
    // Before the window: no.
    let v = check(&srv, &gateway, &grid, &model, "api").await;
    assert_eq!(v["allowed"], false, "{v}");
    assert!(v["reason"].as_str().unwrap().contains("pending"), "{v}");
    // Inside the window: yes for the granted scope, no for another.
    clock.set(datetime!(2026-12-05 00:00 UTC));
    let v = check(&srv, &gateway, &grid, &model, "api").await;
    assert_eq!(v["allowed"], true, "{v}");
    let v = check(&srv, &gateway, &grid, &model, "weights").await;
    assert_eq!(v["allowed"], false, "{v}");
    // A partner without a grant: no.
    let v = check(&srv, &gateway, &water, &model, "api").await;
    assert_eq!(v["allowed"], false, "{v}");
    // The partner asks about its own early access, on its grant, though it
    // may not read the model (issue 16, item 6).
    let v = check(&srv, &grid_admin, &grid, &model, "api").await;
    assert_eq!(v["allowed"], true, "{v}");
    let v = check(&srv, &grid_admin, &grid, &model, "weights").await;
    assert_eq!(v["allowed"], false, "{v}");
    // Not about another partner's, nor about a model it holds no grant for:
    // those answer like a model that does not exist.
    let unknown = format!(
        "/api/v1/access-check?partner={grid}&model={}&scope=api",
        uuid::Uuid::now_v7()
    );
    let (s, nothing) = srv.get(&unknown, &grid_admin).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{nothing}");
    for (token, partner) in [(&grid_admin, &water), (&water_admin, &water)] {
        let (s, v) = srv
            .get(
                &format!("/api/v1/access-check?partner={partner}&model={model}&scope=api"),
                token,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        assert_eq!(v["detail"], nothing["detail"]);
    }
    // Only the model's owner (and the operator) may ask about any partner.
    let (s, _) = srv
        .get(
            &format!("/api/v1/access-check?partner={grid}&model={model}&scope=api"),
            &dev_b,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = srv
        .get(
            &format!("/api/v1/access-check?partner={grid}&model={model}&scope=root"),
            &gateway,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // Suspended: no; vetted again: yes.
    assert_eq!(vet(&srv, &nsa, &grid, "suspended").await, StatusCode::OK);
    let v = check(&srv, &gateway, &grid, &model, "api").await;
    assert_eq!(v["allowed"], false);
    assert!(v["reason"].as_str().unwrap().contains("suspended"), "{v}");
    assert_eq!(vet(&srv, &nsa, &grid, "vetted").await, StatusCode::OK);
    assert_eq!(
        check(&srv, &gateway, &grid, &model, "api").await["allowed"],
        true
    );

    // An attestation lapses: no.
    clock.set(datetime!(2026-12-21 00:00 UTC));
    let v = check(&srv, &gateway, &grid, &model, "api").await;
    assert_eq!(v["allowed"], false);
    assert!(
        v["reason"].as_str().unwrap().contains("insider_risk"),
        "{v}"
    );
    let (s, _) = srv
        .post(
            &format!("/api/v1/partners/{grid}/attestations"),
            &grid_admin,
            json!({"kind": "insider_risk", "expires_at": "2027-06-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        check(&srv, &gateway, &grid, &model, "api").await["allowed"],
        true
    );

    // After the end: expired.
    clock.set(datetime!(2027-01-01 00:00 UTC));
    let v = check(&srv, &gateway, &grid, &model, "api").await;
    assert_eq!(v["allowed"], false);
    assert!(v["reason"].as_str().unwrap().contains("expired"), "{v}");
    let (_, v) = srv.get(&format!("/api/v1/grants/{id}"), &dev_a).await;
    assert_eq!(v["status"], "expired");

    // Every access check is in the audit log, with its answer.
    let (_, audit) = srv.get("/api/v1/audit?limit=1000", &srv.root_token).await;
    let checks: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "access.check")
        .collect();
    assert_eq!(checks.len(), 11, "every call answered is logged");
    assert!(srv.audit_len().await > audit_before);

    // A second grant, revoked by the developer: no from then on.
    clock.set(t0);
    let (s, g2) = srv
        .post(
            "/api/v1/grants",
            &dev_a,
            proposal(&grid, "evaluation_only", start, end),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{g2}");
    let id2 = g2["id"].as_str().unwrap().to_owned();
    let (s, _) = srv
        .post(
            &format!("/api/v1/grants/{id2}/concur"),
            &nsa,
            json!({"reason": "ok"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    clock.set(datetime!(2026-12-05 00:00 UTC));
    assert_eq!(
        check(&srv, &gateway, &grid, &model, "evaluation_only").await["allowed"],
        true
    );
    let (s, _) = srv
        .post(
            &format!("/api/v1/grants/{id2}/revoke"),
            &dev_b,
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another developer cannot touch it"
    );
    let (s, v) = srv
        .post(
            &format!("/api/v1/grants/{id2}/revoke"),
            &dev_a,
            json!({"reason": "partner breach"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "revoked");
    let v = check(&srv, &gateway, &grid, &model, "evaluation_only").await;
    assert_eq!(v["allowed"], false);
    assert!(v["reason"].as_str().unwrap().contains("revoked"), "{v}");
    let (_, list) = srv.get("/api/v1/grants", &grid_admin).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
}

/// The "Trusted partners" page is a page, not a placeholder: the registry
/// with each partner's vetting and attestations, the controls the policy
/// gives the visitor, and the grants the visitor may read (issue 16, item 6).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_partners_page_shows_the_registry_and_the_grants_one_may_see() {
    let t0 = datetime!(2026-11-26 12:00 UTC);
    let (srv, _) = common::start_at(t0, &["NSA"]).await;
    let (_, nsa_user, nsa) = srv.member("NSA", "agency", "nsa1", &["analyst"]).await;
    let (_, _, dev_a) = srv.member("Lab A", "developer", "deva", &["analyst"]).await;
    let (_, dev_b_user, _) = srv.member("Lab B", "developer", "devb", &["analyst"]).await;
    let (grid, grid_user, grid_admin) = srv.member("Grid Co", "partner", "grid", &["admin"]).await;
    let model = srv.register_model(&dev_a, "Frontier-P", 3e26).await;
    let (s, v) = srv
        .post(
            "/api/v1/grants",
            &dev_a,
            json!({"model": model, "partner_org": grid, "scope": "api",
                   "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2027-01-01T00:00:00Z",
                   "conditions": "no fine-tuning"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, _, v) = srv
        .call(
            Method::PUT,
            &format!("/api/v1/partners/{grid}/vetting"),
            Some(&nsa),
            Some(json!({"status": "vetted"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = srv
        .post(
            &format!("/api/v1/partners/{grid}/attestations"),
            &grid_admin,
            json!({"kind": "confidentiality", "expires_at": "2027-06-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    let visit = |user: String, name: &'static str| {
        let srv = &srv;
        async move {
            common::visitor::set_password(srv, user.parse().expect("uuid")).await;
            let mut v = common::visitor::Visitor::sign_in(srv, name).await;
            let page = v.get("/partners").await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            page
        }
    };
    let page = visit(grid_user, "grid").await;
    assert!(!page.body.contains("Not available yet"), "{}", page.body);
    page.at("Grid Co");
    page.at("vetted");
    page.at("confidentiality: <time");
    page.at("insider risk, security controls");
    page.at(&format!("action=\"/partners/{grid}/attestations\""));
    assert!(
        !page.body.contains("/vetting\""),
        "a partner does not vet itself"
    );
    page.at("no fine-tuning");

    let page = visit(nsa_user, "nsa1").await;
    page.at(&format!("action=\"/partners/{grid}/vetting\""));
    assert!(!page.body.contains("/attestations\""));
    page.at("no fine-tuning");

    // Another developer sees the registry, not Lab A's grant.
    let page = visit(dev_b_user, "devb").await;
    page.at("Grid Co");
    page.at("There is no grant you may see.");
    assert!(!page.body.contains("no fine-tuning"));
}
