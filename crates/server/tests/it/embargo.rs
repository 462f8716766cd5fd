//! Embargo and TLP on clearinghouse cases (issue 5, item 5): a case is
//! TLP:AMBER+STRICT by default and, under embargo, exists only for its
//! parties — the reporters, the vendor once notified, the clearinghouse and
//! the participants it names. Every other role tries to read it and gets 404,
//! in the case and in the list; when the embargo ends, the marking alone
//! decides.

use crate::common;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;
use time::macros::datetime;

/// The first 3 of 114 results of `microsoft-sarif-sdk/.../Fortify/bannedAPIs_m0.xml.sarif`.
const FORTIFY: &[u8] = include_bytes!("../../../intake/tests/fixtures/fortify-excerpt.sarif");

async fn can_read(srv: &common::Srv, token: &str, case: &str) -> bool {
    let (s, _) = srv.get(&format!("/api/v1/cases/{case}"), token).await;
    assert!(
        s == StatusCode::OK || s == StatusCode::NOT_FOUND,
        "a read is answered or denied as unknown, never {s}"
    );
    let (_, list) = srv.get("/api/v1/cases?limit=500", token).await;
    let listed = list["items"]
        .as_array()
        .map(|items| items.iter().any(|c| c["id"] == case))
        .unwrap_or(false);
    assert_eq!(listed, s == StatusCode::OK, "the list agrees with the case");
    s == StatusCode::OK
}

async fn put(srv: &common::Srv, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    let (s, _, v) = srv.call(Method::PUT, path, Some(token), Some(body)).await;
    (s, v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embargoed_case_exists_only_for_its_parties() {
    let t0 = datetime!(2026-11-26 12:00 UTC);
    let (srv, clock) = common::start_at(t0, &[]).await;
    let (_, _, reporter) = srv.member("Uni A", "researcher", "ua", &["analyst"]).await;
    let (_, _, reporter_viewer) = srv
        .member("Uni A", "researcher", "ua-view", &["viewer"])
        .await;
    let (_, _, reporter_roleless) = srv.member("Uni A", "researcher", "ua-none", &[]).await;
    let (vendor, _, vendor_tok) = srv.member("Vendor V", "vendor", "vv", &["analyst"]).await;
    let (_, _, other_vendor_tok) = srv.member("Vendor W", "vendor", "vw", &["admin"]).await;
    let (agency, _, agency_tok) = srv.member("CISA", "agency", "cisa", &["analyst"]).await;
    let (_, _, lab_tok) = srv.member("Lab L", "developer", "ll", &["admin"]).await;
    let (_, _, partner_tok) = srv.member("Grid P", "partner", "gp", &["admin"]).await;
    let (_, _, researcher_tok) = srv.member("Uni R", "researcher", "ur", &["analyst"]).await;
    let (_, _, lab_viewer) = srv
        .member("Lab L", "developer", "ll-view", &["viewer"])
        .await;
    let (_, _, operator_auditor) = srv
        .member("Program Office", "operator", "op-aud", &["auditor"])
        .await;
    let (_, _, operator_viewer) = srv
        .member("Program Office", "operator", "op-view", &["viewer"])
        .await;

    let resp = srv
        .http
        .post(format!(
            "{}/api/v1/reports?target=pkg:npm/left-pad@1.3.0",
            srv.base
        ))
        .bearer_auth(&reporter)
        .header("content-type", "application/sarif+json")
        .body(FORTIFY.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let receipt: Value = resp.json().await.unwrap();
    let case = receipt["cases"][0].as_str().unwrap().to_owned();
    let path = format!("/api/v1/cases/{case}");

    let (_, c) = srv.get(&path, &reporter).await;
    assert_eq!(c["tlp"], "AMBER+STRICT", "the default marking");
    assert_eq!(c["embargo_until"], Value::Null);

    // Everyone who is not a party, by role and kind of organization.
    let outsiders = [
        ("a vendor not yet notified", &vendor_tok),
        ("another vendor", &other_vendor_tok),
        ("an agency", &agency_tok),
        ("an AI lab", &lab_tok),
        ("a trusted partner", &partner_tok),
        ("another researcher", &researcher_tok),
        ("a viewer elsewhere", &lab_viewer),
        ("a reporter's colleague with no roles", &reporter_roleless),
    ];
    for (who, tok) in outsiders {
        assert!(
            !can_read(&srv, tok, &case).await,
            "{who} under AMBER+STRICT"
        );
    }
    for (who, tok) in [
        ("the reporter", &reporter),
        ("the reporter's viewer", &reporter_viewer),
        ("the clearinghouse's viewer", &operator_viewer),
        ("the clearinghouse's auditor", &operator_auditor),
        ("the clearinghouse's admin", &srv.root_token),
    ] {
        assert!(can_read(&srv, tok, &case).await, "{who}");
    }

    // Bad markings and embargoes: 4xx naming what is wrong, nothing written.
    let before = srv.audit_len().await;
    let marking = format!("{path}/marking");
    for (body, want) in [
        (json!({"tlp": "RED"}), "RED"),
        (json!({"tlp": "WHITE"}), "TLP"),
        (
            json!({"tlp": "GREEN", "embargo_until": "2026-12-01T09:00:00"}),
            "embargo_until",
        ),
        (
            json!({"tlp": "GREEN", "embargo_until": "2026-11-25T09:00:00Z"}),
            "not in the future",
        ),
    ] {
        let (s, v) = put(&srv, &marking, &srv.root_token, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert!(v["detail"].as_str().unwrap().contains(want), "{body}: {v}");
    }
    let (s, _) = put(
        &srv,
        &marking,
        &reporter,
        json!({"tlp": "CLEAR", "embargo_until": null}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "marking is the clearinghouse's");
    let (s, _) = put(&srv, &marking, &agency_tok, json!({"tlp": "CLEAR"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "an outsider learns nothing");
    assert_eq!(srv.audit_len().await, before);

    // GREEN once published, under embargo until 09:00 in Washington.
    let (s, c) = put(
        &srv,
        &marking,
        &srv.root_token,
        json!({"tlp": "GREEN", "embargo_until": "2026-12-01T09:00:00-05:00"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["tlp"], "GREEN");
    assert_eq!(c["embargo_until"], "2026-12-01T14:00:00Z", "kept in UTC");
    assert_eq!(c["embargo_as_set"], "2026-12-01T09:00:00-05:00");
    for (who, tok) in outsiders {
        assert!(!can_read(&srv, tok, &case).await, "{who} under embargo");
    }

    // The vendor, once notified, and a named participant become parties.
    let (s, v) = srv
        .post(
            &format!("{path}/vendor"),
            &srv.root_token,
            json!({"org": agency}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "not a vendor: {v}");
    let (s, v) = srv
        .post(
            &format!("{path}/vendor"),
            &srv.root_token,
            json!({"org": uuid::Uuid::new_v4()}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "unknown: {v}");
    let (s, c) = srv
        .post(
            &format!("{path}/vendor"),
            &srv.root_token,
            json!({"org": vendor}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["vendor"], vendor.as_str());
    assert_eq!(c["vendor_notified_at"], "2026-11-26T12:00:00Z");
    assert!(can_read(&srv, &vendor_tok, &case).await, "notified vendor");
    assert!(!can_read(&srv, &other_vendor_tok, &case).await);
    let (s, _, _) = srv
        .call(
            Method::POST,
            &format!("{path}/participants"),
            Some(&srv.root_token),
            Some(json!({"org": agency})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert!(
        can_read(&srv, &agency_tok, &case).await,
        "named participant"
    );
    for (who, tok) in [
        ("another vendor", &other_vendor_tok),
        ("an AI lab", &lab_tok),
        ("a trusted partner", &partner_tok),
        ("another researcher", &researcher_tok),
        ("a viewer elsewhere", &lab_viewer),
    ] {
        assert!(!can_read(&srv, tok, &case).await, "{who} still out");
    }

    // The embargo ends at 14:00 UTC: GREEN is the community's.
    clock.advance(Duration::days(5) + Duration::hours(1) + Duration::minutes(59));
    assert!(
        !can_read(&srv, &lab_tok, &case).await,
        "13:59 UTC on 1 December: still under embargo"
    );
    clock.advance(Duration::minutes(1));
    for (who, tok) in [
        ("another vendor", &other_vendor_tok),
        ("an AI lab", &lab_tok),
        ("a trusted partner", &partner_tok),
        ("another researcher", &researcher_tok),
    ] {
        assert!(can_read(&srv, tok, &case).await, "{who} after the embargo");
    }
    assert!(
        !can_read(&srv, &reporter_roleless, &case).await,
        "a user with no roles reads nothing"
    );

    // Every change is in the audit log, and the chain holds.
    let (_, audit) = srv.get("/api/v1/audit?limit=500", &srv.root_token).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in ["case.marking", "case.vendor_notified", "case.participant"] {
        assert!(actions.contains(&a), "{a} audited: {actions:?}");
    }
    let (s, v) = srv.get("/api/v1/audit/verify", &srv.root_token).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}
