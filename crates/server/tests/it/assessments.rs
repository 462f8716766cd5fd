//! Issue 6's last parts over HTTP: analysts set a case's SSVC assessment
//! (raw values normalised, a bad value a 400 naming its field, the write
//! the clearinghouse's alone); the case shows its priority with the
//! decision points' sources and the KEV override; the triage queue ranks
//! assessed cases first, by decision then KEV, ties by reliability, and
//! the unassessed after them; the case page shows all that and sets it
//! through its form.

use crate::common;

use std::sync::Arc;

use bulwark_app::feeds::{cve_row, kev_rows};
use bulwark_core::FixedClock;
use bulwark_scoring::feeds::kev::KevCatalog;
use bulwark_store::{Actor, NewCveRecord};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::macros::datetime;

use crate::common::visitor::{Visitor, set_password};

const T0: time::OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

const KEV: &[u8] = include_bytes!("../../../scoring/tests/fixtures/kev_excerpt.json");
const CVES: [&[u8]; 2] = [
    // In KEV (since 2026-04-28); ADP: poc, no, total.
    include_bytes!("../../../scoring/tests/fixtures/vulnrichment/2024/1xxx/CVE-2024-1708.json"),
    // Not in KEV; ADP: None, No, Total.
    include_bytes!("../../../scoring/tests/fixtures/vulnrichment/2022/35xxx/CVE-2022-35849.json"),
];

/// The KEV excerpt and two CVE records into the store, as `bulwark import`
/// writes them.
async fn import(srv: &common::Srv) {
    let (info, entries) = kev_rows(KevCatalog::parse(KEV).expect("KEV"));
    srv.store
        .import_kev(&Actor::cli(), &info, &entries, T0)
        .await
        .expect("import KEV");
    let records: Vec<NewCveRecord> = CVES
        .iter()
        .map(|b| cve_row(b).expect("CVE record"))
        .collect();
    srv.store
        .import_cves(&Actor::cli(), records, T0)
        .await
        .expect("import CVEs");
}

/// A SARIF log with `n` distinct results: `n` cases (distinct per `tag`).
fn sarif(tag: &str, n: usize) -> Vec<u8> {
    let results: Vec<Value> = (0..n)
        .map(|i| {
            json!({"ruleId": format!("{tag}{i}"), "level": "error",
                "message": {"text": format!("finding {tag} number {i}")},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": format!("src/f{i}.c")},
                    "region": {"startLine": i + 1}}}]})
        })
        .collect();
    serde_json::to_vec(&json!({"version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "TinyScan", "version": "0.1"}}, "results": results}]}))
    .expect("json")
}

async fn submit(srv: &common::Srv, token: &str, body: Vec<u8>) -> Vec<String> {
    let resp = srv
        .http
        .post(format!("{}/api/v1/reports", srv.base))
        .bearer_auth(token)
        .header("content-type", "application/sarif+json")
        .body(body)
        .send()
        .await
        .expect("send");
    let s = resp.status();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c.as_str().expect("id").to_owned())
        .collect()
}

async fn assess(srv: &common::Srv, token: &str, case: &str, body: Value) -> (StatusCode, Value) {
    let (s, _, v) = srv
        .call(
            Method::PUT,
            &format!("/api/v1/cases/{case}/assessment"),
            Some(token),
            Some(body),
        )
        .await;
    (s, v)
}

fn queue_ids(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["case"].as_str().expect("case").to_owned())
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|r| r.as_str().expect("string").to_owned())
        .collect()
}

/// The decision points of a priority as (point, value, source).
fn points(p: &Value) -> Vec<(String, String, String)> {
    p["decision_points"]
        .as_array()
        .expect("decision_points")
        .iter()
        .map(|d| {
            (
                d["point"].as_str().expect("point").to_owned(),
                d["value"].as_str().expect("value").to_owned(),
                d["source"].as_str().expect("source").to_owned(),
            )
        })
        .collect()
}

fn p3(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.to_owned(), b.to_owned(), c.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analysts_assess_cases_and_the_queue_follows_the_priority() {
    let (srv, _clock) = common::start_at(T0, &[]).await;
    queue_scenario(srv).await;
}

/// The same on PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set BULWARK_TEST_DATABASE_URL (.ci/run does)"]
async fn analysts_assess_cases_and_the_queue_follows_the_priority_on_postgres() {
    let store = bulwark_store::testing::postgres()
        .await
        .expect("PostgreSQL test store");
    let srv = common::start_with_clock(store, Arc::new(FixedClock::new(T0))).await;
    queue_scenario(srv).await;
}

async fn queue_scenario(srv: common::Srv) {
    import(&srv).await;
    let (_, _, uni_tok) = srv.member("Uni A", "researcher", "u1", &["analyst"]).await;
    let (_, _, stranger_tok) = srv
        .member("Elsewhere Lab", "researcher", "x1", &["analyst"])
        .await;
    let cases = submit(&srv, &uni_tok, sarif("R", 7)).await;
    assert_eq!(cases.len(), 7, "{cases:?}");
    let root = srv.root_token.clone();

    // Before any assessment: the reliability order (one source, so first
    // report, then case id), every entry unassessed, SSVC unknown.
    let (s, v) = srv.get("/api/v1/triage", &root).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let b = queue_ids(&v);
    assert_eq!(b.len(), 7, "{v}");
    for e in v["items"].as_array().expect("items") {
        assert_eq!(e["priority"]["assessed"], false, "{e}");
        assert!(e["priority"]["decision"].is_null(), "{e}");
        assert_eq!(strings(&e["priority"]["reasons"])[0], "SSVC unknown", "{e}");
    }

    // One assessment, raw values normalised; the analysts' points decide.
    let x = &b[5];
    let audit = srv.audit_len().await;
    let body = json!({"exploitation": "Active", "automatable": "YES",
        "technical_impact": "Total", "mission_wellbeing": "high"});
    let (s, v) = assess(&srv, &root, x, body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["assessment"]["exploitation"], "active", "{v}");
    assert_eq!(v["assessment"]["automatable"], "yes", "{v}");
    assert_eq!(v["assessment"]["technical_impact"], "total", "{v}");
    assert!(v["assessment"]["cve"].is_null(), "{v}");
    assert_eq!(v["assessment"]["set_by_org"], srv.root_org.to_string());
    assert_eq!(v["priority"]["decision"], "Act", "{v}");
    assert_eq!(v["priority"]["kev_override"], false, "{v}");
    assert_eq!(
        strings(&v["priority"]["reasons"]),
        [
            "SSVC Act",
            "not in KEV",
            "EPSS unknown",
            "CVSS unknown",
            "federal exposure unknown"
        ]
    );
    assert_eq!(srv.audit_len().await, audit + 1);
    // The same again changes nothing.
    let (s, _) = assess(&srv, &root, x, body).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(srv.audit_len().await, audit + 1);

    // `poc` is a public proof of concept, in any case.
    let (s, v) = assess(&srv, &root, &b[6], json!({"exploitation": "PoC"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["assessment"]["exploitation"], "public_poc", "{v}");
    // An empty assessment removes it again.
    let (s, v) = assess(&srv, &root, &b[6], json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["assessment"].is_null(), "{v}");
    assert_eq!(v["priority"]["assessed"], false, "{v}");

    // A bad value: a 400 naming the JSON field; nothing written.
    let audit = srv.audit_len().await;
    for (body, field) in [
        (json!({"exploitation": "sometimes"}), "exploitation"),
        (json!({"automatable": "maybe"}), "automatable"),
        (json!({"technical_impact": "high"}), "technical_impact"),
        (
            json!({"mission_wellbeing": "critical"}),
            "mission_wellbeing",
        ),
        (json!({"exploitation": "active", "cve": "CVE-24-1"}), "cve"),
    ] {
        let (s, v) = assess(&srv, &root, &b[0], body.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {v}");
        assert_eq!(v["field"], field, "{v}");
        assert!(
            v["detail"].as_str().expect("detail").starts_with(field),
            "{v}"
        );
    }
    assert_eq!(srv.audit_len().await, audit);
    let (_, v) = srv.get(&format!("/api/v1/cases/{}", b[0]), &root).await;
    assert!(v["assessment"].is_null(), "{v}");

    // The reporter may read its case but not assess it; a stranger may
    // not know it exists.
    let (s, v) = assess(&srv, &uni_tok, &b[0], json!({"exploitation": "active"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = assess(
        &srv,
        &stranger_tok,
        &b[0],
        json!({"exploitation": "active"}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(srv.audit_len().await, audit);

    // A CVE in KEV forces exploitation active, over the analyst's `none`.
    let y = &b[4];
    let (s, v) = assess(
        &srv,
        &root,
        y,
        json!({"exploitation": "none", "automatable": "no", "technical_impact": "partial",
            "cve": "cve-2024-1708"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["assessment"]["cve"], "CVE-2024-1708", "{v}");
    assert_eq!(v["assessment"]["exploitation"], "none", "as set: {v}");
    let p = &v["priority"];
    assert_eq!(p["cve"], "CVE-2024-1708", "{v}");
    assert_eq!(p["decision"], "Attend", "{v}");
    assert_eq!(p["kev_override"], true, "{v}");
    assert_eq!(p["in_kev"], true, "{v}");
    assert_eq!(
        points(p),
        [
            p3("exploitation", "active", "kev"),
            p3("automatable", "no", "analyst"),
            p3("technical_impact", "partial", "analyst"),
            p3("mission_wellbeing", "high", "default"),
        ]
    );
    let reasons = strings(&p["reasons"]);
    assert_eq!(reasons[0], "SSVC Attend (exploitation active: in KEV)");
    assert_eq!(reasons[1], "in KEV since 2026-04-28");
    assert!(reasons[3].starts_with("CVSS "), "{reasons:?}");

    // Points not judged come from the CVE's CISA ADP record.
    let w = &b[1];
    let (s, v) = assess(
        &srv,
        &root,
        w,
        json!({"mission_wellbeing": "low", "cve": "CVE-2022-35849"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["priority"]["decision"], "Track", "{v}");
    assert_eq!(
        points(&v["priority"]),
        [
            p3("exploitation", "none", "cve"),
            p3("automatable", "no", "cve"),
            p3("technical_impact", "total", "cve"),
            p3("mission_wellbeing", "low", "analyst"),
        ]
    );
    // ...and, without a CVE, from the defaults.
    let (z, vv) = (&b[2], &b[3]);
    for c in [z, vv] {
        let (s, v) = assess(&srv, &root, c, json!({"automatable": "yes"})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["priority"]["decision"], "Attend", "{v}");
        assert_eq!(
            points(&v["priority"]),
            [
                p3("exploitation", "none", "default"),
                p3("automatable", "yes", "analyst"),
                p3("technical_impact", "partial", "default"),
                p3("mission_wellbeing", "high", "default"),
            ]
        );
    }

    // The queue: assessed first by decision (Act, Attend, Track), among the
    // Attends the one in KEV first, the two equal ones in reliability
    // order; then the unassessed in reliability order. That reverses most
    // of the order before.
    let (s, v) = srv.get("/api/v1/triage", &root).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        queue_ids(&v),
        [5, 4, 2, 3, 1, 0, 6].map(|i| b[i].clone()),
        "{v}"
    );
    let items = v["items"].as_array().expect("items");
    assert_eq!(items[0]["priority"]["decision"], "Act", "{v}");
    assert_eq!(
        strings(&items[1]["priority"]["reasons"])[..2],
        [
            "SSVC Attend (exploitation active: in KEV)".to_owned(),
            "in KEV since 2026-04-28".to_owned()
        ]
    );
    assert_eq!(strings(&items[2]["priority"]["reasons"])[1], "not in KEV");
    assert_eq!(items[4]["priority"]["decision"], "Track", "{v}");
    for e in &items[5..] {
        assert_eq!(e["priority"]["assessed"], false, "{e}");
        assert_eq!(strings(&e["priority"]["reasons"])[0], "SSVC unknown");
    }
    // The reporter sees its cases in the same order, with the priorities.
    let (s, v) = srv.get("/api/v1/triage?limit=3", &uni_tok).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(queue_ids(&v), [5, 4, 2].map(|i| b[i].clone()), "{v}");
    assert!(v["items"][0]["score"].is_null(), "no reliability data: {v}");
    assert_eq!(v["items"][0]["priority"]["decision"], "Act", "{v}");

    // A case that leaves the queue takes its assessment out of it.
    let (s, _, v) = srv
        .call(
            Method::POST,
            &format!("/api/v1/cases/{x}/transition"),
            Some(&root),
            Some(json!({"to": "rejected"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = srv.get("/api/v1/triage", &root).await;
    assert_eq!(
        queue_ids(&v),
        [4, 2, 3, 1, 0, 6].map(|i| b[i].clone()),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_case_page_shows_the_priority_and_sets_the_assessment() {
    let (srv, _clock) = common::start_at(T0, &[]).await;
    import(&srv).await;
    let (_, uni_user, uni_tok) = srv.member("Uni A", "researcher", "u1", &["analyst"]).await;
    let cases = submit(&srv, &uni_tok, sarif("R", 2)).await;
    let (a, b) = (&cases[0], &cases[1]);

    set_password(&srv, srv.root_user).await;
    let mut root = Visitor::sign_in(&srv, "root").await;
    let page = root.get(&format!("/clearinghouse/cases/{a}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.at("No analyst has assessed this case.");
    page.at("Not assessed: the SSVC decision is unknown");
    page.at("<li>SSVC unknown</li>");
    page.at(&format!("action=\"/clearinghouse/cases/{a}/assessment\""));
    let csrf = page.csrf();

    // A forged form (no token) is refused and changes nothing.
    let forged = root
        .post(
            &format!("/clearinghouse/cases/{a}/assessment"),
            &[("exploitation", "active")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    assert!(
        srv.store
            .case_assessment(a.parse().unwrap())
            .await
            .unwrap()
            .is_none()
    );

    // The form sets it; back on the page, the assessment and the priority.
    let done = root
        .post(
            &format!("/clearinghouse/cases/{a}/assessment"),
            &[
                ("csrf", &csrf),
                ("exploitation", "none"),
                ("automatable", "no"),
                ("technical_impact", ""),
                ("mission_wellbeing", "high"),
                ("cve", "CVE-2024-1708"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        done.location,
        format!("/clearinghouse/cases/{a}#assessment")
    );
    let page = root.get(&format!("/clearinghouse/cases/{a}")).await;
    assert_eq!(page.status, StatusCode::OK);
    // Technical impact not judged: the CVE's ADP says total; KEV forces
    // exploitation active: active, no, total, high is Act.
    page.at("SSVC decision: <strong>Act</strong> (exploitation active: the CVE is in KEV), for CVE-2024-1708");
    page.at("<li>SSVC Act (exploitation active: in KEV)</li>");
    page.at("<li>in KEV since 2026-04-28</li>");
    page.at("<tr><th scope=\"row\">exploitation</th><td>active</td><td>kev</td></tr>");
    page.at("<tr><th scope=\"row\">technical impact</th><td>total</td><td>cve</td></tr>");
    page.at("<dt>Technical impact</dt><dd>not judged</dd>");
    page.at("<option value=\"none\" selected>");
    page.at("value=\"CVE-2024-1708\"");
    let stored = srv
        .store
        .case_assessment(a.parse().unwrap())
        .await
        .unwrap()
        .expect("set");
    assert_eq!(stored.assessment.technical_impact, None);

    // A bad value from the form is refused with its field named.
    let bad = root
        .post(
            &format!("/clearinghouse/cases/{a}/assessment"),
            &[("csrf", &csrf), ("cve", "CVE-1")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    bad.at("cve: ");

    // The queue page: the assessed case first, with its priority.
    let page = root.get("/clearinghouse").await;
    assert_eq!(page.status, StatusCode::OK);
    let first = page.at(&format!("href=\"/clearinghouse/cases/{a}\""));
    let second = page.at(&format!("href=\"/clearinghouse/cases/{b}\""));
    assert!(first < second, "{}", page.body);
    page.at(r#"<span class="badge ssvc-act">Act</span>"#);
    page.at(r#"<span class="badge">not assessed</span>"#);
    // Counted by decision, each count opening exactly its cases.
    page.at(r#"<a href="/clearinghouse?priority=act"><span class="n">1</span> <span class="label">SSVC Act</span>"#);
    let act = root.get("/clearinghouse?priority=act").await;
    assert!(
        act.body
            .contains(&format!("href=\"/clearinghouse/cases/{a}\""))
    );
    assert!(
        !act.body
            .contains(&format!("href=\"/clearinghouse/cases/{b}\""))
    );
    let home = root.get("/").await;
    home.at(r#"<a href="/clearinghouse?priority=act"><span class="n">1</span> <span class="label">SSVC Act</span>"#);

    // The reporter sees the priority but no form, and may not post it.
    set_password(&srv, uni_user.parse().unwrap()).await;
    let mut uni = Visitor::sign_in(&srv, "u1").await;
    let page = uni.get(&format!("/clearinghouse/cases/{a}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.at("<li>SSVC Act (exploitation active: in KEV)</li>");
    assert!(!page.body.contains("assessment-form"), "{}", page.body);
    let csrf = page.csrf();
    let refused = uni
        .post(
            &format!("/clearinghouse/cases/{b}/assessment"),
            &[("csrf", &csrf), ("exploitation", "active")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        srv.store
            .case_assessment(b.parse().unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

async fn ok(srv: &common::Srv, path: &str, token: &str, body: Value) -> Value {
    let (s, _, v) = srv.call(Method::POST, path, Some(token), Some(body)).await;
    assert!(s.is_success(), "{path}: {s} {v}");
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn equal_priorities_go_to_the_more_reliable_source() {
    let (srv, clock) = common::start_at(T0, &[]).await;
    let root = srv.root_token.clone();
    let (_, _, good_tok) = srv
        .member("Good Lab", "researcher", "g1", &["analyst"])
        .await;
    let (_, _, noisy_tok) = srv
        .member("Noisy Scanner", "researcher", "n1", &["analyst"])
        .await;
    let (lab_c, _, lab_c_tok) = srv.member("Lab C", "developer", "c1", &["admin"]).await;

    // Good Lab's first case is validated: its record is better.
    let first = submit(&srv, &good_tok, sarif("G", 1)).await;
    let path = format!("/api/v1/cases/{}", first[0]);
    ok(
        &srv,
        &format!("{path}/transition"),
        &root,
        json!({"to": "triaged"}),
    )
    .await;
    ok(
        &srv,
        &format!("{path}/tasks"),
        &root,
        json!({"kind": "reproduction", "org": lab_c}),
    )
    .await;
    let v = ok(
        &srv,
        &format!("{path}/validations"),
        &lab_c_tok,
        json!({"kind": "reproduction", "result": "reproduced"}),
    )
    .await;
    assert_eq!(v["state"], "validated", "{v}");

    // Noisy Scanner reports first, Good Lab an hour later.
    clock.advance(time::Duration::minutes(5));
    let noisy = submit(&srv, &noisy_tok, sarif("N", 1)).await;
    clock.advance(time::Duration::hours(1));
    let good = submit(&srv, &good_tok, sarif("H", 1)).await;
    let plain = submit(&srv, &noisy_tok, sarif("P", 1)).await;

    // The same assessment for both: the tie goes to Good Lab's record,
    // not to the earlier report.
    let same = json!({"exploitation": "active", "automatable": "yes"});
    for c in [&noisy[0], &good[0]] {
        let (s, v) = assess(&srv, &root, c, same.clone()).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, v) = srv.get("/api/v1/triage", &root).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        queue_ids(&v),
        [good[0].clone(), noisy[0].clone(), plain[0].clone()],
        "{v}"
    );
    let items = v["items"].as_array().expect("items");
    assert!(
        items[0]["score"].as_f64() > items[1]["score"].as_f64(),
        "{v}"
    );
    assert_eq!(
        items[0]["priority"]["reasons"], items[1]["priority"]["reasons"],
        "{v}"
    );
}
