//! The review dashboards over plain HTTP, signed in through the web form:
//! who sees which submission on `/reviews` and `/reviews/{id}`, the findings
//! editor and the response form with and without the session's CSRF token,
//! the audited dossier download, and `/grants`.

use crate::common;

use std::sync::Arc;

use bulwark_core::FixedClock;
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::macros::datetime;
use uuid::Uuid;

use crate::common::visitor::Visitor;

/// A member who can also sign in with [`PASSWORD`]; (org id, API token).
async fn person(
    srv: &common::Srv,
    org: &str,
    kind: &str,
    username: &str,
    role: &str,
) -> (String, String) {
    let (org_id, user_id, token) = srv.member(org, kind, username, &[role]).await;
    common::visitor::set_password(srv, user_id.parse().expect("user id")).await;
    (org_id, token)
}

async fn ok(srv: &common::Srv, path: &str, token: &str, body: Value) -> Value {
    let (s, v) = srv.post(path, token, body).await;
    assert!(s.is_success(), "{path}: {s} {v}");
    v
}

/// A submitted submission of `model` with the partner release at `release`,
/// triaged by `agency` (as lead); its id.
async fn submitted(
    srv: &common::Srv,
    dev: &str,
    model: &str,
    release: &str,
    agency: (&str, &str),
) -> String {
    let sub = ok(
        srv,
        "/api/v1/submissions",
        dev,
        json!({"model": model, "planned_partner_release": release}),
    )
    .await;
    let id = sub["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/submissions/{id}");
    ok(
        srv,
        &format!("{path}/transition"),
        dev,
        json!({"to": "submitted"}),
    )
    .await;
    let (agency_org, agency_token) = agency;
    ok(
        srv,
        &format!("{path}/triage"),
        agency_token,
        json!({"lead_agency": agency_org}),
    )
    .await;
    ok(
        srv,
        &format!("{path}/transition"),
        agency_token,
        json!({"to": "in_review"}),
    )
    .await;
    id
}

async fn finding_count(srv: &common::Srv, id: &str) -> usize {
    srv.store
        .findings(id.parse().expect("id"))
        .await
        .expect("findings")
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboards_show_only_what_the_policy_allows_and_forms_need_the_csrf_token() {
    let t0 = datetime!(2026-11-26 12:00 UTC);
    let srv = common::start_with_clock(
        bulwark_store::testing::sqlite().await.expect("store"),
        Arc::new(FixedClock::new(t0)),
    )
    .await;
    for name in ["NSA", "Treasury"] {
        ok(
            &srv,
            "/api/v1/organizations",
            &srv.root_token,
            json!({"name": name, "kind": "agency", "reviewing": true}),
        )
        .await;
    }
    let (nsa_org, nsa) = person(&srv, "NSA", "agency", "nsa1", "analyst").await;
    let (_, _treasury) = person(&srv, "Treasury", "agency", "treas1", "analyst").await;
    let (_, dev_a) = person(&srv, "Lab A", "developer", "deva", "analyst").await;
    let (_, dev_b) = person(&srv, "Lab B", "developer", "devb", "analyst").await;
    let (grid, _) = person(&srv, "Grid Co", "partner", "grid", "admin").await;

    let late_model = srv.register_model(&dev_a, "Frontier-Late", 3e26).await;
    let soon_model = srv.register_model(&dev_a, "Frontier-Soon", 3e26).await;
    let b_model = srv.register_model(&dev_b, "B-Model", 3e26).await;
    // Made first, due last: the queue must follow deadlines, not creation.
    let late = submitted(
        &srv,
        &dev_a,
        &late_model,
        "2026-12-20T12:00:00Z",
        (&nsa_org, &nsa),
    )
    .await;
    let soon = submitted(
        &srv,
        &dev_a,
        &soon_model,
        "2026-12-16T12:00:00Z",
        (&nsa_org, &nsa),
    )
    .await;
    // Lab B's own draft.
    let b_sub = ok(
        &srv,
        "/api/v1/submissions",
        &dev_b,
        json!({"model": b_model, "planned_partner_release": "2026-12-18T00:00:00Z"}),
    )
    .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // A dossier document on the soon one.
    let card = b"Model card of Frontier-Soon.".to_vec();
    let resp = srv
        .http
        .post(format!(
            "{}/api/v1/submissions/{soon}/documents?kind=model_card",
            srv.base
        ))
        .bearer_auth(&dev_a)
        .header("content-type", "application/octet-stream")
        .body(card.clone())
        .send()
        .await
        .expect("upload");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let sha = resp.json::<Value>().await.expect("json")["sha256"]
        .as_str()
        .expect("sha")
        .to_owned();

    // Without a session, the pages send the visitor to sign in.
    let mut anon = Visitor::new(&srv);
    for path in ["/reviews", &format!("/reviews/{soon}"), "/grants"] {
        let p = anon.get(path).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(p.location, "/login", "{path}");
    }

    // Developer A: both submissions, deadlines, days remaining, no queue.
    let mut a = Visitor::sign_in(&srv, "deva").await;
    let home = a.get("/reviews").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Your organization's submissions"));
    assert!(!home.body.contains("Review queue"));
    for (id, name, deadline, days) in [
        (&soon, "Frontier-Soon", "2026-12-16 12:00 UTC", "20 days"),
        (&late, "Frontier-Late", "2026-12-20 12:00 UTC", "24 days"),
    ] {
        assert!(
            home.body.contains(&format!("href=\"/reviews/{id}\"")),
            "{name}"
        );
        assert!(home.body.contains(name));
        assert!(home.body.contains(deadline), "{deadline}");
        assert!(home.body.contains(days), "{days}");
    }
    assert!(!home.body.contains(&b_sub));
    assert!(home.body.contains("No finding is waiting"));

    // Developer B: its own draft only; A's submission is a 404 page.
    let mut b = Visitor::sign_in(&srv, "devb").await;
    let home = b.get("/reviews").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains(&format!("href=\"/reviews/{b_sub}\"")));
    assert!(home.body.contains("not submitted yet"));
    for hidden in [&soon, &late] {
        assert!(!home.body.contains(hidden.as_str()));
        let page = b.get(&format!("/reviews/{hidden}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.content_type.starts_with("text/html"));
        assert!(page.body.contains("or you may not see it"));
        let doc = b.get(&format!("/reviews/{hidden}/documents/{sha}")).await;
        assert_eq!(doc.status, StatusCode::NOT_FOUND);
    }
    assert!(!home.body.contains("Frontier-Soon"));
    // Not an id at all: also a 404 page, not a 5xx.
    let page = b.get("/reviews/not-an-id").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);

    // Treasury, unassigned after triage: an empty queue.
    let mut t = Visitor::sign_in(&srv, "treas1").await;
    let home = t.get("/reviews").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("No submission is waiting"));
    for hidden in [&soon, &late, &b_sub] {
        assert!(!home.body.contains(hidden.as_str()));
        assert_eq!(
            t.get(&format!("/reviews/{hidden}")).await.status,
            StatusCode::NOT_FOUND
        );
    }

    // NSA: the queue, soonest deadline first; never B's draft.
    let mut n = Visitor::sign_in(&srv, "nsa1").await;
    let home = n.get("/reviews").await;
    assert_eq!(home.status, StatusCode::OK);
    let at = |id: &str| {
        home.body
            .find(&format!("href=\"/reviews/{id}\""))
            .expect(id)
    };
    assert!(at(&soon) < at(&late), "deadline order");
    assert!(!home.body.contains(&b_sub));
    assert!(home.body.contains("Lab A"));

    // NSA's submission page: the dossier link and the findings editor.
    let path = format!("/reviews/{soon}");
    let page = n.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains(&format!("href=\"{path}/documents/{sha}\""))
    );
    assert!(page.body.contains(&format!("action=\"{path}/findings\"")));
    assert!(page.body.contains("<label for=\"severity\">"));
    assert!(
        !page.body.contains("/responses\""),
        "no response form for an agency"
    );
    let csrf = page.csrf();

    // The dossier download: the plaintext, audited.
    let before = srv.audit_len().await;
    let doc = n.get(&format!("{path}/documents/{sha}")).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.bytes, card);
    assert_eq!(srv.audit_len().await, before + 1);
    let missing = n.get(&format!("{path}/documents/{}", "0".repeat(64))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // The findings form: refused without or with a wrong token, nothing stored.
    let finding = [
        ("severity", "high"),
        ("category", "offensive_cyber_uplift"),
        ("text", "writes <b>working</b> exploits"),
        ("recommendation", "refusal training"),
        ("tlp", "GREEN"),
    ];
    let before = srv.audit_len().await;
    let refused = n.post(&format!("{path}/findings"), &finding).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("Form refused"));
    let mut wrong = finding.to_vec();
    wrong.push(("csrf", "not-the-token"));
    let refused = n.post(&format!("{path}/findings"), &wrong).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Bad input: a 422 page.
    let bad = n
        .post(
            &format!("{path}/findings"),
            &[
                ("csrf", &csrf),
                ("severity", "apocalyptic"),
                ("category", "other"),
                ("text", "x"),
                ("tlp", "GREEN"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("low, medium, high, critical"),
        "{}",
        bad.body
    );
    assert_eq!(finding_count(&srv, &soon).await, 0);
    assert_eq!(srv.audit_len().await, before);

    // With the token: issued, then back to the page where it is listed (escaped).
    let mut good = finding.to_vec();
    good.push(("csrf", &csrf));
    let done = n.post(&format!("{path}/findings"), &good).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location, format!("{path}#findings"));
    assert_eq!(finding_count(&srv, &soon).await, 1);
    let after = srv.audit_len().await;
    let latest = srv
        .store
        .audit_latest(u32::try_from(after - before).expect("a few entries"))
        .await
        .expect("audit");
    assert!(
        latest.iter().any(|e| e.action == "finding.issue"),
        "{latest:?}"
    );
    let page = n.get(&path).await;
    assert!(
        page.body
            .contains("writes &#60;b&#62;working&#60;/b&#62; exploits")
    );
    assert!(!page.body.contains("<b>working"));
    assert!(page.body.contains("refusal training"));
    assert!(page.body.contains("Not answered yet."));
    // An agency may not respond.
    let fid = srv
        .store
        .findings(soon.parse().expect("id"))
        .await
        .expect("findings")[0]
        .id;
    let refused = n
        .post(
            &format!("{path}/findings/{fid}/responses"),
            &[("csrf", &csrf), ("text", "x")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // Developer A: the finding to answer, on the dashboard and the page.
    let home = a.get("/reviews").await;
    assert!(
        home.body
            .contains("writes &#60;b&#62;working&#60;/b&#62; exploits")
    );
    assert!(!home.body.contains("No finding is waiting"));
    let page = a.get(&path).await;
    assert!(
        !page.body.contains(&format!("action=\"{path}/findings\"")),
        "no editor"
    );
    let respond = format!("{path}/findings/{fid}/responses");
    assert!(page.body.contains(&format!("action=\"{respond}\"")));
    let a_csrf = page.csrf();
    // The developer may not issue findings.
    let mut as_dev = finding.to_vec();
    as_dev.push(("csrf", &a_csrf));
    assert_eq!(
        a.post(&format!("{path}/findings"), &as_dev).await.status,
        StatusCode::FORBIDDEN
    );
    // Responding needs the token too.
    let refused = a.post(&respond, &[("text", "deployed")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let unknown = a
        .post(
            &format!("{path}/findings/{}/responses", Uuid::now_v7()),
            &[("csrf", &a_csrf), ("text", "deployed")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let done = a
        .post(
            &respond,
            &[("csrf", &a_csrf), ("text", "refusals deployed")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location, format!("{path}#finding-{fid}"));
    let page = a.get(&path).await;
    assert!(page.body.contains("refusals deployed"));
    let home = a.get("/reviews").await;
    assert!(home.body.contains("No finding is waiting"));
    // Developer B cannot post to A's submission: 404, as if it did not exist.
    let b_csrf = b.get("/reviews").await.csrf();
    let refused = b
        .post(&respond, &[("csrf", &b_csrf), ("text", "sneaky")])
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);

    // Grants: Lab A proposes one to Grid Co, NSA concurs.
    let g = ok(
        &srv,
        "/api/v1/grants",
        &dev_a,
        json!({"model": soon_model, "partner_org": grid, "scope": "api",
               "starts_at": "2026-12-16T12:00:00Z", "ends_at": "2027-01-15T12:00:00Z",
               "conditions": "no fine-tuning"}),
    )
    .await;
    let gid = g["id"].as_str().expect("id").to_owned();
    ok(
        &srv,
        &format!("/api/v1/grants/{gid}/concur"),
        &nsa,
        json!({}),
    )
    .await;
    let mut p = Visitor::sign_in(&srv, "grid").await;
    let grants = p.get("/grants").await;
    assert_eq!(grants.status, StatusCode::OK);
    for text in [
        "2026-12-16 12:00 UTC",
        "2027-01-15 12:00 UTC",
        "pending",
        "50 days",
        "no fine-tuning",
        "Grid Co",
        "Lab A",
    ] {
        assert!(grants.body.contains(text), "{text}: {}", grants.body);
    }
    assert!(grants.body.contains("<th scope=\"col\">Window ends</th>"));
    // The developer sees it on /grants and on its dashboard; Lab B does not.
    assert!(a.get("/grants").await.body.contains("no fine-tuning"));
    let home = a.get("/reviews").await;
    assert!(home.body.contains("no fine-tuning"));
    assert!(!b.get("/grants").await.body.contains("no fine-tuning"));
    assert!(
        b.get("/grants")
            .await
            .body
            .contains("There is no grant you may see.")
    );

    let v = srv.store.audit_verify().await.expect("verify");
    assert!(v.first_break.is_none(), "{v:?}");
}
