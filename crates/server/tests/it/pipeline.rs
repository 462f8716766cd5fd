//! The whole voluntary-review pipeline over HTTP, with separate tokens for
//! every party and an injected clock: developer A submits a model with the
//! partners it asks for, developer B and an unassigned Treasury reviewer
//! learn nothing, NSA leads and CISA supports the review, a TLP:RED finding
//! stays with the named reviewers, the planned date moves with a reason,
//! reminders count down to it, the lead concludes; meanwhile a grant to a
//! vetted partner goes from proposal to expiry (the lead agency decides it,
//! the others may not), and a suspended partner gets nothing.

use crate::common;

use bulwark_store::Reminder;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;
use time::macros::datetime;

/// The event types published since audit entry `after`, in order.
async fn events_since(srv: &common::Srv, after: i64) -> Vec<String> {
    let n = srv.audit_len().await - after;
    if n <= 0 {
        return Vec::new();
    }
    let mut entries = srv
        .store
        .audit_latest(u32::try_from(n).expect("a few entries"))
        .await
        .expect("audit");
    entries.sort_by_key(|e| e.seq);
    entries
        .into_iter()
        .filter(|e| e.action == "event.publish")
        .map(|e| {
            let d: Value = serde_json::from_str(&e.detail).expect("detail");
            d["type"].as_str().expect("type").to_owned()
        })
        .collect()
}

async fn sweep(srv: &common::Srv) -> Vec<Reminder> {
    bulwark_app::reviews::send_reminders(&srv.state, "test")
        .await
        .expect("reminders")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_and_a_grant_from_start_to_end() {
    let (srv, clock) = common::start_at(
        datetime!(2026-11-26 12:00 UTC),
        &["NSA", "CISA", "Treasury"],
    )
    .await;
    let (nsa_org, nsa_user, nsa) = srv.member("NSA", "agency", "nsa1", &["analyst"]).await;
    let (_, _, nsa_colleague) = srv.member("NSA", "agency", "nsa2", &["analyst"]).await;
    let (cisa_org, _, cisa) = srv.member("CISA", "agency", "cisa1", &["analyst"]).await;
    let (_, _, treasury) = srv
        .member("Treasury", "agency", "treas1", &["admin", "analyst"])
        .await;
    let (_, _, dev_a) = srv.member("Lab A", "developer", "deva", &["analyst"]).await;
    let (_, _, gateway) = srv.member("Lab A", "developer", "gw", &["viewer"]).await;
    let (lab_b, _, dev_b) = srv.member("Lab B", "developer", "devb", &["admin"]).await;
    let (grid, _, grid_admin) = srv.member("Grid Co", "partner", "grid", &["admin"]).await;
    let (water, _, water_admin) = srv.member("Water Co", "partner", "water", &["admin"]).await;
    let model = srv.register_model(&dev_a, "Frontier-1", 3e26).await;

    // The partners: Grid Co vetted and attested, Water Co suspended.
    for (org, status) in [(&grid, "vetted"), (&water, "suspended")] {
        let (s, _, v) = srv
            .call(
                Method::PUT,
                &format!("/api/v1/partners/{org}/vetting"),
                Some(&cisa),
                Some(json!({"status": status, "reason": "vetting board"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    for (org, token) in [(&grid, &grid_admin), (&water, &water_admin)] {
        for kind in ["confidentiality", "insider_risk", "security_controls"] {
            let (s, v) = srv
                .post(
                    &format!("/api/v1/partners/{org}/attestations"),
                    token,
                    json!({"kind": kind, "expires_at": "2027-12-01T00:00:00Z"}),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
        }
    }

    // ---- The submission --------------------------------------------------

    let release = "2026-12-16T12:00:00Z"; // t0 + 20 days
    // Bad input: an unknown partner, a developer named as a partner.
    let before = srv.audit_len().await;
    for bad in [uuid::Uuid::now_v7().to_string(), lab_b.clone()] {
        let (s, v) = srv
            .post(
                "/api/v1/submissions",
                &dev_a,
                json!({"model": model, "planned_partner_release": release,
                       "requested_partners": [grid, bad]}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(
            v["detail"].as_str().unwrap().contains("requested_partners"),
            "{v}"
        );
    }
    assert_eq!(srv.audit_len().await, before, "nothing half-written");
    let (s, sub) = srv
        .post(
            "/api/v1/submissions",
            &dev_a,
            json!({"model": model, "planned_partner_release": release,
                   "planned_public_release": "2027-02-01T00:00:00Z",
                   "requested_partners": [grid, water, grid]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sub}");
    let mut requested: Vec<String> = sub["requested_partners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    requested.sort();
    let mut want = vec![grid.clone(), water.clone()];
    want.sort();
    assert_eq!(requested, want, "deduplicated");
    let id = sub["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/submissions/{id}");
    let everyone_else = [
        ("B", &dev_b),
        ("NSA", &nsa),
        ("CISA", &cisa),
        ("Treasury", &treasury),
        ("Grid", &grid_admin),
        ("Water", &water_admin),
    ];
    for (who, token) in everyone_else {
        let (s, _) = srv.get(&path, token).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who} on a draft");
    }
    // Submitting is the developer's alone.
    let (s, _) = srv
        .post(
            &format!("{path}/transition"),
            &dev_b,
            json!({"to": "submitted"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = srv
        .post(
            &format!("{path}/transition"),
            &dev_a,
            json!({"to": "submitted"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["days_remaining"], 20);
    // The agencies see it to triage it, never the partners or Lab B; the
    // agencies cannot move it on before triage by submitting it again.
    for (who, token, want) in [
        ("NSA", &nsa, StatusCode::OK),
        ("Treasury", &treasury, StatusCode::OK),
        ("B", &dev_b, StatusCode::NOT_FOUND),
        ("Grid", &grid_admin, StatusCode::NOT_FOUND),
    ] {
        let (s, _) = srv.get(&path, token).await;
        assert_eq!(s, want, "{who} awaiting triage");
    }
    let (s, v) = srv
        .post(
            &format!("{path}/triage"),
            &nsa,
            json!({"lead_agency": nsa_org, "supporting_agencies": [cisa_org],
                   "reviewers": [nsa_user]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = srv.get(&path, &treasury).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "Treasury is not assigned");
    let (s, v) = srv
        .post(
            &format!("{path}/transition"),
            &cisa,
            json!({"to": "in_review"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The developer does not move the review.
    let (s, _) = srv
        .post(
            &format!("{path}/transition"),
            &dev_a,
            json!({"to": "findings_issued"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // ---- A planned date moves, with its reason ---------------------------

    let dates = format!("{path}/dates");
    let new_release = "2026-12-20T12:00:00Z"; // t0 + 24 days
    let change = json!({"planned_partner_release": new_release,
                        "planned_public_release": "2027-02-01T00:00:00Z",
                        "reason": "red-team fixes need four more days"});
    let (s, _) = srv.post(&dates, &nsa, change.clone()).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the agencies do not move the plan"
    );
    let (s, _) = srv.post(&dates, &dev_b, change.clone()).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let before = srv.audit_len().await;
    for bad in [
        json!({"planned_partner_release": new_release, "reason": "  "}),
        json!({"planned_partner_release": "2026-11-01T00:00:00Z", "reason": "x"}),
        json!({"planned_partner_release": new_release, "planned_public_release": "2026-12-01T00:00:00Z", "reason": "x"}),
    ] {
        let (s, v) = srv.post(&dates, &dev_a, bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    }
    assert_eq!(srv.audit_len().await, before, "nothing half-written");
    let (s, v) = srv.post(&dates, &dev_a, change).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["days_remaining"], 24);
    assert_eq!(events_since(&srv, before).await, ["submission.rescheduled"]);
    let (_, v) = srv.get(&path, &cisa).await;
    let changes = v["date_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["old_partner_release"], "2026-12-16T12:00:00Z");
    assert_eq!(changes[0]["new_partner_release"], new_release);
    assert_eq!(changes[0]["reason"], "red-team fixes need four more days");

    // ---- Findings, one of them TLP:RED -----------------------------------

    let (s, amber) = srv
        .post(
            &format!("{path}/findings"),
            &nsa,
            json!({"severity": "high", "category": "offensive_cyber_uplift",
                   "text": "writes working exploits for known CVEs",
                   "recommendation": "refusal training", "tlp": "AMBER"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{amber}");
    let (s, red) = srv
        .post(
            &format!("{path}/findings"),
            &nsa,
            json!({"severity": "medium", "category": "protection_weakness",
                   "text": "source inside Lab A's red team says weights left on a laptop",
                   "tlp": "RED"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{red}");
    let visible = |v: &Value| {
        let mut texts: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["tlp"].as_str().unwrap().to_owned())
            .collect();
        texts.sort();
        texts
    };
    for (who, token, want) in [
        ("NSA issuer", &nsa, vec!["AMBER", "RED"]),
        ("NSA colleague, not named", &nsa_colleague, vec!["AMBER"]),
        ("CISA", &cisa, vec!["AMBER"]),
        ("Lab A", &dev_a, vec!["AMBER"]),
    ] {
        let (s, v) = srv.get(&path, token).await;
        assert_eq!(s, StatusCode::OK, "{who}");
        assert_eq!(visible(&v), want, "{who}");
    }
    // A finding the developer may not read cannot be answered (nor learnt of).
    let red_id = red["id"].as_str().unwrap();
    let (s, _) = srv
        .post(
            &format!("{path}/findings/{red_id}/responses"),
            &dev_a,
            json!({"text": "which laptop?"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let amber_id = amber["id"].as_str().unwrap();
    let (s, v) = srv
        .post(
            &format!("{path}/findings/{amber_id}/responses"),
            &dev_a,
            json!({"text": "refusal training deployed"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    // ---- A grant to each partner; the lead agency decides ----------------

    let proposal = |partner: &str| {
        json!({"model": model, "partner_org": partner, "scope": "api",
               "starts_at": "2026-12-20T12:00:00Z", "ends_at": "2027-01-20T12:00:00Z",
               "conditions": "no fine-tuning; logs kept 90 days"})
    };
    let (s, g) = srv.post("/api/v1/grants", &dev_a, proposal(&grid)).await;
    assert_eq!(s, StatusCode::CREATED, "{g}");
    let grant = g["id"].as_str().unwrap().to_owned();
    let (s, g) = srv.post("/api/v1/grants", &dev_a, proposal(&water)).await;
    assert_eq!(s, StatusCode::CREATED, "{g}");
    let water_grant = g["id"].as_str().unwrap().to_owned();
    for (who, token, want) in [
        ("Treasury", &treasury, StatusCode::FORBIDDEN),
        ("CISA (supporting)", &cisa, StatusCode::FORBIDDEN),
        ("Grid", &grid_admin, StatusCode::FORBIDDEN),
        ("B", &dev_b, StatusCode::NOT_FOUND),
    ] {
        let (s, _) = srv
            .post(&format!("/api/v1/grants/{grant}/concur"), token, json!({}))
            .await;
        assert_eq!(s, want, "{who} concurring");
    }
    for g in [&grant, &water_grant] {
        let (s, v) = srv
            .post(
                &format!("/api/v1/grants/{g}/concur"),
                &nsa,
                json!({"reason": "ok"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    // The partner sees its grant, never the other's.
    let (s, _) = srv
        .get(&format!("/api/v1/grants/{grant}"), &grid_admin)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = srv
        .get(&format!("/api/v1/grants/{water_grant}"), &grid_admin)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // ---- Reminders count down to the planned date ------------------------

    let sub_id: uuid::Uuid = id.parse().unwrap();
    assert!(sweep(&srv).await.is_empty(), "24 days left: nothing yet");
    clock.set(datetime!(2026-12-13 13:00 UTC)); // 6 days 23 hours left
    assert_eq!(
        sweep(&srv).await,
        [Reminder::WindowEnding {
            submission: sub_id,
            days: 7
        }]
    );
    assert!(sweep(&srv).await.is_empty(), "each reminder once");
    clock.set(datetime!(2026-12-19 13:00 UTC)); // 23 hours left
    assert_eq!(
        sweep(&srv).await,
        [Reminder::WindowEnding {
            submission: sub_id,
            days: 1
        }],
        "the 3-day reminder was skipped by the clock: only the nearest is sent"
    );

    // ---- The lead concludes, in time -------------------------------------

    let (s, _) = srv
        .post(
            &format!("{path}/conclude"),
            &cisa,
            json!({"conclusion": "no_significant_concerns", "summary": "fine"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only the lead concludes");
    let (s, v) = srv
        .post(
            &format!("{path}/conclude"),
            &nsa,
            json!({"conclusion": "mitigations_recommended", "summary": "refusals in place"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["concluded_in_time"], true);
    let (s, _) = srv
        .post(
            &dates,
            &dev_a,
            json!({"planned_partner_release": "2027-01-05T00:00:00Z", "reason": "late"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "a concluded review's dates are history"
    );
    for (who, token) in [
        ("B", &dev_b),
        ("Treasury", &treasury),
        ("Grid", &grid_admin),
    ] {
        let (s, _) = srv.get(&path, token).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who} after conclusion");
    }

    // ---- The grant runs, is about to expire, expires ---------------------

    let check = |partner: String| {
        let srv = &srv;
        let gateway = gateway.clone();
        let model = model.clone();
        async move {
            let (s, v) = srv
                .get(
                    &format!("/api/v1/access-check?partner={partner}&model={model}&scope=api"),
                    &gateway,
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            v
        }
    };
    clock.set(datetime!(2026-12-21 00:00 UTC));
    assert_eq!(check(grid.clone()).await["allowed"], true);
    let v = check(water.clone()).await;
    assert_eq!(v["allowed"], false, "a suspended partner gets nothing");
    assert!(v["reason"].as_str().unwrap().contains("suspended"), "{v}");
    assert!(sweep(&srv).await.is_empty());
    clock.set(datetime!(2027-01-18 12:00 UTC)); // two days before the end
    let mut sent = sweep(&srv).await;
    sent.sort_by_key(|r| format!("{r:?}"));
    let mut want = vec![
        Reminder::GrantExpiring {
            grant: grant.parse().unwrap(),
        },
        Reminder::GrantExpiring {
            grant: water_grant.parse().unwrap(),
        },
    ];
    want.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(sent, want);
    assert!(sweep(&srv).await.is_empty());
    clock.set(datetime!(2027-01-20 12:00 UTC));
    let v = check(grid.clone()).await;
    assert_eq!(v["allowed"], false);
    assert!(v["reason"].as_str().unwrap().contains("expired"), "{v}");
    let (_, v) = srv
        .get(&format!("/api/v1/grants/{grant}"), &grid_admin)
        .await;
    assert_eq!(v["status"], "expired");

    let v = srv.store.audit_verify().await.unwrap();
    assert!(v.first_break.is_none(), "{v:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_that_ends_before_a_conclusion_is_recorded_late() {
    let t0 = datetime!(2026-11-26 12:00 UTC);
    let (srv, clock) = common::start_at(t0, &["NSA"]).await;
    let (nsa_org, _, nsa) = srv.member("NSA", "agency", "nsa1", &["analyst"]).await;
    let (_, _, dev_a) = srv.member("Lab A", "developer", "deva", &["analyst"]).await;
    let model = srv.register_model(&dev_a, "Frontier-2", 3e26).await;
    let (s, sub) = srv
        .post(
            "/api/v1/submissions",
            &dev_a,
            json!({"model": model, "planned_partner_release": "2026-12-01T12:00:00Z"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sub}");
    let id = sub["id"].as_str().unwrap().to_owned();
    let sub_id: uuid::Uuid = id.parse().unwrap();
    let path = format!("/api/v1/submissions/{id}");
    // A draft counts nothing down.
    clock.set(t0 + Duration::days(3));
    assert!(sweep(&srv).await.is_empty());
    clock.set(t0);
    let (s, v) = srv
        .post(
            &format!("{path}/transition"),
            &dev_a,
            json!({"to": "submitted"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["window_warning"].as_str().map(|w| !w.is_empty()),
        Some(true),
        "{v}"
    );
    // Five days left when submitted: the 7-day reminder at once.
    let before = srv.audit_len().await;
    assert_eq!(
        sweep(&srv).await,
        [Reminder::WindowEnding {
            submission: sub_id,
            days: 7
        }]
    );
    assert_eq!(
        events_since(&srv, before).await,
        ["submission.window_ending"]
    );
    let (s, _) = srv
        .post(
            &format!("{path}/triage"),
            &nsa,
            json!({"lead_agency": nsa_org}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // Moved two days later: the countdown starts again for the new date.
    let (s, v) = srv
        .post(
            &format!("{path}/dates"),
            &dev_a,
            json!({"planned_partner_release": "2026-12-03T12:00:00Z", "reason": "NSA asked for time"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        sweep(&srv).await,
        [Reminder::WindowEnding {
            submission: sub_id,
            days: 7
        }]
    );
    // The window ends with the review still open.
    clock.set(datetime!(2026-12-03 12:00:01 UTC));
    let before = srv.audit_len().await;
    assert_eq!(
        sweep(&srv).await,
        [Reminder::WindowClosed { submission: sub_id }]
    );
    assert_eq!(
        events_since(&srv, before).await,
        ["submission.window_closed"]
    );
    assert!(sweep(&srv).await.is_empty());
    let (_, v) = srv.get(&path, &dev_a).await;
    assert_eq!(v["concluded_in_time"], false);
    assert_eq!(v["state"], "triage");
    // Nothing blocks a release: the review may still conclude, late.
    let (s, v) = srv
        .post(
            &format!("{path}/conclude"),
            &nsa,
            json!({"conclusion": "no_significant_concerns", "summary": "late but fine"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "triage is not a state to conclude from: {v}"
    );
    let (s, _) = srv
        .post(
            &format!("{path}/transition"),
            &nsa,
            json!({"to": "in_review"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = srv
        .post(
            &format!("{path}/conclude"),
            &nsa,
            json!({"conclusion": "no_significant_concerns", "summary": "late but fine"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["concluded_in_time"], false);
}
