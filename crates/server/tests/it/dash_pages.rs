//! The dashboard's numbers and the lists they open, over plain HTTP: each
//! role's counts, each count's link showing exactly that many items, the
//! lists' filters, order and pages, and the charts with their data.

use crate::common;

use reqwest::StatusCode;
use serde_json::{Value, json};
use time::macros::datetime;

use crate::common::visitor::{Page, Visitor};

/// Two results (CodeQL): two cases.
const CODEQL: &[u8] = include_bytes!("../../../intake/tests/fixtures/codeql-fingerprinting.sarif");
/// Three results (Fortify).
const FORTIFY: &[u8] = include_bytes!("../../../intake/tests/fixtures/fortify-excerpt.sarif");

/// A test set: covered above `1e25` FLOP (a threshold on compute alone),
/// or with a cyber score above 0.5.
const SET: &str = r#"id = "test-set"
version = "1"
effective = "2026-01-01"
title = "Test set"
issued_by = ["NSA"]
visibility = "public"

[[criterion]]
id = "compute-1e25"
description = "Trained with more than 1e25 operations"
source = "test"
when = "training_compute_flop > 1e25"
outcome = "covered"

[[criterion]]
id = "cyber"
description = "Cyber capability"
source = "test"
when = "evals.cybench > 0.5"
outcome = "covered"
"#;

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

async fn reports(srv: &common::Srv, token: &str, body: &[u8]) -> Vec<String> {
    let resp = srv
        .http
        .post(format!("{}/api/v1/reports", srv.base))
        .bearer_auth(token)
        .header("content-type", "application/sarif+json")
        .body(body.to_vec())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let v: Value = resp.json().await.expect("json");
    v["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c.as_str().expect("id").to_owned())
        .collect()
}

/// The number of the dashboard tile that links to `href`, and its label.
fn tile(page: &Page, href: &str) -> (u64, String) {
    let at = page.at(&format!("<a href=\"{href}\"><span class=\"n\">"));
    let rest = &page.body[at..];
    let n_start = rest.find("class=\"n\">").expect("n") + 10;
    let n_end = n_start + rest[n_start..].find('<').expect("end of n");
    let l_start = rest.find("class=\"label\">").expect("label") + 14;
    let l_end = l_start + rest[l_start..].find('<').expect("end of label");
    (
        rest[n_start..n_end].parse().expect("a number"),
        rest[l_start..l_end].to_owned(),
    )
}

/// Rows of the page's tables that link to `prefix` from their heading cell.
fn rows(page: &Page, prefix: &str) -> usize {
    page.body
        .matches(&format!("<th scope=\"row\"><a href=\"{prefix}"))
        .count()
}

/// What [`world`] made.
pub struct World {
    pub srv: common::Srv,
    /// Lab A's organization id.
    pub lab: String,
    /// The researcher's token (it reports the cases).
    pub uni: String,
    /// Lab A's token.
    pub dev: String,
}

/// A reviewing agency (NSA, user `nsa1`), Lab A (`deva`: four models, two
/// submissions in review and a draft), Lab B (`devb`: one small model), a
/// researcher (`uni1`) and a test benchmark set in force; every user signs
/// in with the test password.
pub async fn world() -> World {
    let t0 = datetime!(2026-11-26 12:00 UTC);
    let (srv, _clock) = common::start_at(t0, &["NSA"]).await;
    let (nsa_org, nsa) = person(&srv, "NSA", "agency", "nsa1", "analyst").await;
    let (lab, dev) = person(&srv, "Lab A", "developer", "deva", "analyst").await;
    let (_, other) = person(&srv, "Lab B", "developer", "devb", "analyst").await;
    let (_, uni) = person(&srv, "Uni A", "researcher", "uni1", "analyst").await;

    // The set, loaded by the reviewing agency, decides the models.
    let resp = srv
        .http
        .post(format!("{}/api/v1/benchmarks", srv.base))
        .bearer_auth(&nsa)
        .header("content-type", "application/toml")
        .body(SET)
        .send()
        .await
        .expect("load");
    assert!(resp.status().is_success(), "{:?}", resp.text().await);
    let mut models = Vec::new();
    for (name, flop, published) in [
        ("Old-Small", 1e23, Some("2021-03-01")),
        ("Mid-Large", 3e25, Some("2024-06-01")),
        ("New-Large", 2e26, Some("2026-02-01")),
        ("Undated-Large", 5e25, None),
    ] {
        let mut profile = json!({"name": name, "training_compute_flop": flop});
        if let Some(p) = published {
            profile["published"] = json!(p);
        }
        let m = ok(&srv, "/api/v1/models", &dev, json!({"profile": profile})).await;
        models.push(m["id"].as_str().expect("id").to_owned());
    }
    srv.register_model(&other, "B-Model", 1e20).await;

    // Lab A: two submissions in review (NSA leads), one draft.
    for (model, release) in [
        (&models[1], "2026-12-10T12:00:00Z"),
        (&models[2], "2026-12-20T12:00:00Z"),
    ] {
        let sub = ok(
            &srv,
            "/api/v1/submissions",
            &dev,
            json!({"model": model, "planned_partner_release": release}),
        )
        .await;
        let path = format!("/api/v1/submissions/{}", sub["id"].as_str().expect("id"));
        ok(
            &srv,
            &format!("{path}/transition"),
            &dev,
            json!({"to": "submitted"}),
        )
        .await;
        ok(
            &srv,
            &format!("{path}/triage"),
            &nsa,
            json!({"lead_agency": nsa_org}),
        )
        .await;
        ok(
            &srv,
            &format!("{path}/transition"),
            &nsa,
            json!({"to": "in_review"}),
        )
        .await;
    }
    ok(
        &srv,
        "/api/v1/submissions",
        &dev,
        json!({"model": models[3], "planned_partner_release": "2027-01-20T12:00:00Z"}),
    )
    .await;

    World { srv, lab, uni, dev }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_sees_counts_that_open_lists_of_exactly_that_many() {
    let World { srv, lab, uni, dev } = world().await;
    // The developer: its submissions by state, days left, the registry.
    let mut a = Visitor::sign_in(&srv, "deva").await;
    let home = a.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    home.at("Your submissions");
    assert!(
        !home.body.contains("Review queue"),
        "no one else's submissions"
    );
    assert_eq!(tile(&home, "/reviews").0, 3);
    assert_eq!(tile(&home, "/reviews?state=draft"), (1, "Draft".to_owned()));
    let (n, label) = tile(&home, "/reviews?state=in_review");
    assert_eq!((n, label.as_str()), (2, "In review"));
    home.at("14 days left to the nearest release to trusted partners.");
    let list = a.get("/reviews?state=in_review").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(rows(&list, "/reviews/"), 2);
    list.at("Showing the submissions in state “in review” only.");
    assert_eq!(rows(&a.get("/reviews?state=draft").await, "/reviews/"), 1);
    assert_eq!(rows(&a.get("/reviews").await, "/reviews/"), 3);
    assert_eq!(
        a.get("/reviews?state=nonsense").await.status,
        StatusCode::BAD_REQUEST
    );

    // Lab A's registry: three covered (above 1e25), one indeterminate (no
    // cyber score, compute below); Lab B's model is not Lab A's to see.
    let (covered, _) = tile(&home, "/frontier?determination=covered");
    assert_eq!(covered, 3);
    assert_eq!(tile(&home, "/frontier?determination=indeterminate").0, 1);
    let list = a.get("/frontier?determination=covered").await;
    assert_eq!(rows(&list, "/frontier/models/"), 3);
    list.at("Models 1–3 of 3.");
    assert!(!list.body.contains("Old-Small"));
    list.at(r#"<span class="badge det-covered">covered</span>"#);

    // The reviewer: its queue, which holds no draft.
    let mut n = Visitor::sign_in(&srv, "nsa1").await;
    let home = n.get("/").await;
    home.at("Review queue");
    assert!(!home.body.contains("Your submissions"));
    assert_eq!(tile(&home, "/reviews?state=in_review").0, 2);
    assert!(!home.body.contains("/reviews?state=draft"));
    assert_eq!(
        rows(&n.get("/reviews?state=in_review").await, "/reviews/"),
        2
    );

    // The registry for the reviewer: every model, each filter's count the
    // rows it lists, newest first by default, the chart's points the dated
    // models with a compute figure, the threshold drawn.
    let reg = n.get("/frontier").await;
    assert_eq!(reg.status, StatusCode::OK);
    assert_eq!(rows(&reg, "/frontier/models/"), 5);
    assert_eq!(tile(&reg, "/frontier?determination=covered").0, 3);
    // No cyber score and too little compute to decide: indeterminate.
    assert_eq!(tile(&reg, "/frontier?determination=indeterminate").0, 2);
    assert_eq!(
        rows(
            &n.get("/frontier?determination=indeterminate").await,
            "/frontier/models/"
        ),
        2
    );
    let order: Vec<usize> = ["New-Large", "Mid-Large", "Old-Small", "Undated-Large"]
        .iter()
        .map(|m| reg.at(&format!(">{m}</a></th>")))
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "newest first: {order:?}"
    );
    let oldest = n.get("/frontier?sort=oldest").await;
    assert!(oldest.at(">Old-Small</a></th>") < oldest.at(">New-Large</a></th>"));
    assert_eq!(
        reg.body.matches("<circle class=\"chart-point").count(),
        3,
        "three models have both a date and a compute figure"
    );
    reg.at(r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg""#);
    reg.at(r#"role="img" aria-labelledby="compute-chart-title compute-chart-desc""#);
    reg.at(r#"<line class="chart-rule""#);
    reg.at("compute-1e25 (1e25)");
    let by_lab = n.get(&format!("/frontier?developer={lab}")).await;
    assert_eq!(rows(&by_lab, "/frontier/models/"), 4);
    assert!(!by_lab.body.contains("B-Model"));
    let both = n
        .get(&format!("/frontier?developer={lab}&determination=covered"))
        .await;
    assert_eq!(rows(&both, "/frontier/models/"), 3);
    let page2 = n.get("/frontier?page=2").await;
    assert_eq!(rows(&page2, "/frontier/models/"), 0);
    page2.at(r#"rel="prev""#);
    for bad in [
        "?determination=maybe",
        "?developer=lab",
        "?sort=size",
        "?page=0",
        "?colour=red",
    ] {
        let p = n.get(&format!("/frontier{bad}")).await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{bad}");
    }

    // The clearinghouse: five cases reported, one triaged.
    let mut cases = reports(&srv, &uni, CODEQL).await;
    cases.extend(reports(&srv, &uni, FORTIFY).await);
    assert_eq!(cases.len(), 5, "{cases:?}");
    ok(
        &srv,
        &format!("/api/v1/cases/{}/transition", cases[0]),
        &srv.root_token,
        json!({"to": "triaged"}),
    )
    .await;
    common::visitor::set_password(&srv, srv.root_user).await;
    let mut root = Visitor::sign_in(&srv, "root").await;
    let home = root.get("/").await;
    home.at("Clearinghouse triage queue");
    assert_eq!(tile(&home, "/clearinghouse").0, 5);
    assert_eq!(tile(&home, "/clearinghouse?priority=unknown").0, 5);
    assert_eq!(tile(&home, "/clearinghouse?state=new").0, 4);
    assert_eq!(tile(&home, "/clearinghouse?state=triaged").0, 1);
    for (path, expected) in [
        ("/clearinghouse", 5),
        ("/clearinghouse?priority=unknown", 5),
        ("/clearinghouse?state=new", 4),
        ("/clearinghouse?state=triaged", 1),
        ("/clearinghouse?priority=act", 0),
    ] {
        let p = root.get(path).await;
        assert_eq!(p.status, StatusCode::OK, "{path}");
        assert_eq!(rows(&p, "/clearinghouse/cases/"), expected, "{path}");
    }
    assert_eq!(
        root.get("/clearinghouse?priority=urgent").await.status,
        StatusCode::BAD_REQUEST
    );
    // The queue page's activity: 12 weeks, the five cases opened in the
    // last (the clock stands still), no validation yet; a dot per week and
    // series, and the same numbers in the table.
    let queue = root.get("/clearinghouse").await;
    queue.at(r#"aria-labelledby="activity-chart-title activity-chart-desc""#);
    assert_eq!(queue.body.matches("<circle class=\"chart-dot").count(), 24);
    let table = &queue.body[queue.at("The numbers, week by week")..];
    let table = &table[..table.find("</tbody>").expect("end of the table")];
    let last = &table[table.rfind("<tr>").expect("a row")..];
    assert!(
        last.contains(r#"<td class="num">5</td><td class="num">0</td>"#),
        "{last}"
    );
    assert_eq!(
        table.matches("<tr>").count(),
        13,
        "a heading row and 12 weeks"
    );
    // The sources: a reliability error bar per source in the tables.
    let sources = root.get("/clearinghouse/sources").await;
    assert_eq!(sources.status, StatusCode::OK);
    let bars = sources.body.matches(r#"class="chart-errorbar""#).count();
    assert!(bars > 0);
    assert_eq!(bars, sources.body.matches(r#"<th scope="row">"#).count());
    sources.at("0% to ");
    // The reporter counts its own cases too.
    let mut u = Visitor::sign_in(&srv, "uni1").await;
    assert_eq!(tile(&u.get("/").await, "/clearinghouse").0, 5);
    // Lab B reported nothing and sees no queue (its cases are AMBER+STRICT).
    let mut b = Visitor::sign_in(&srv, "devb").await;
    let home = b.get("/").await;
    assert!(!home.body.contains("Clearinghouse triage queue"));
    assert!(!home.body.contains("Your submissions"));
    assert!(!home.body.contains("/clearinghouse/awaiting"));

    // Lab A, as the vendor, is asked to confirm two cases and answers one:
    // one case awaits it, and the count opens exactly that case.
    for case in &cases[..2] {
        ok(
            &srv,
            &format!("/api/v1/cases/{case}/tasks"),
            &srv.root_token,
            json!({"kind": "vendor_confirmation", "org": lab}),
        )
        .await;
    }
    ok(
        &srv,
        &format!("/api/v1/cases/{}/validations", cases[0]),
        &dev,
        json!({"kind": "vendor_confirmation", "result": "confirmed"}),
    )
    .await;
    let mut a = Visitor::sign_in(&srv, "deva").await;
    let home = a.get("/").await;
    assert_eq!(
        tile(&home, "/clearinghouse/awaiting"),
        (1, "case awaits your organization".to_owned())
    );
    let awaiting = a.get("/clearinghouse/awaiting").await;
    assert_eq!(awaiting.status, StatusCode::OK);
    assert_eq!(rows(&awaiting, "/clearinghouse/cases/"), 1);
    awaiting.at(&format!("/clearinghouse/cases/{}", cases[1]));
    awaiting.at("Confirm or dispute it (vendor)");
    // Lab B is asked nothing.
    let none = b.get("/clearinghouse/awaiting").await;
    assert_eq!(rows(&none, "/clearinghouse/cases/"), 0);
    none.at("No case waits for Lab B");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_are_counted_by_status_and_filtered() {
    let t0 = datetime!(2026-11-26 12:00 UTC);
    let (srv, _clock) = common::start_at(t0, &["NSA"]).await;
    let (_, dev) = person(&srv, "Lab A", "developer", "deva", "analyst").await;
    let (grid, _) = person(&srv, "Grid Co", "partner", "grid", "admin").await;
    let model = srv.register_model(&dev, "Frontier-1", 3e26).await;
    for (starts, ends) in [
        ("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ("2026-12-05T00:00:00Z", "2027-02-01T00:00:00Z"),
    ] {
        ok(
            &srv,
            "/api/v1/grants",
            &dev,
            json!({"model": model, "partner_org": grid, "scope": "api",
                   "starts_at": starts, "ends_at": ends}),
        )
        .await;
    }
    let mut a = Visitor::sign_in(&srv, "deva").await;
    let home = a.get("/").await;
    home.at("Early-access grants");
    assert_eq!(
        tile(&home, "/grants?status=proposed"),
        (2, "Proposed".to_owned())
    );
    let list = a.get("/grants?status=proposed").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(
        list.body
            .matches("<th scope=\"row\">Frontier-1</th>")
            .count(),
        2
    );
    let none = a.get("/grants?status=active").await;
    assert_eq!(
        none.body
            .matches("<th scope=\"row\">Frontier-1</th>")
            .count(),
        0
    );
    assert_eq!(
        a.get("/grants?status=nonsense").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sbom_page_draws_its_severity_counts() {
    let (_srv, mut alice, id, _) = crate::facts_pages::seeded("").await;
    let page = alice.get(&format!("/sboms/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.at(r#"role="img" aria-labelledby="severity-chart-title severity-chart-desc""#);
    // A bar per severity, each as long as its count: the numbers above it.
    let mut described = Vec::new();
    for band in ["critical", "high", "medium", "low", "unknown"] {
        let (n, _) = tile(&page, &format!("/sboms/{id}?severity={band}"));
        described.push(format!("{n} {band}"));
    }
    let desc = &page.body[page.at("<desc id=\"severity-chart-desc\">")..];
    let desc = &desc[..desc.find("</desc>").expect("end")];
    assert!(
        desc.contains(&described.join(", ")),
        "{desc} / {described:?}"
    );
    assert_eq!(page.body.matches("<rect class=\"chart-bar sev-").count(), 5);
}
