//! The priority order over HTTP: the scoring crate's fixtures (a KEV
//! excerpt, an EPSS excerpt, five Vulnrichment records) imported into the
//! server's store the way `bulwark import` does, then one CVE's facts, the
//! ranking (API and page), and the refusals: 401, 404, 400.

use crate::common;

use bulwark_store::Store;
use reqwest::StatusCode;
use serde_json::Value;
use time::macros::datetime;

use crate::common::visitor::Visitor;

const T0: time::OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

const KEV: &[u8] = include_bytes!("../../../scoring/tests/fixtures/kev_excerpt.json");
const EPSS: &[u8] = include_bytes!("../../../scoring/tests/fixtures/epss_excerpt.csv");
const CVES: [&[u8]; 5] = [
    include_bytes!("../../../scoring/tests/fixtures/vulnrichment/2019/7xxx/CVE-2019-7256.json"),
    include_bytes!("../../../scoring/tests/fixtures/vulnrichment/2024/1xxx/CVE-2024-1708.json"),
    include_bytes!("../../../scoring/tests/fixtures/vulnrichment/2024/6xxx/CVE-2024-6716.json"),
    include_bytes!("../../../scoring/tests/fixtures/vulnrichment/2022/0xxx/CVE-2022-0028.json"),
    include_bytes!("../../../scoring/tests/fixtures/vulnrichment/2022/35xxx/CVE-2022-35849.json"),
];

/// The fixtures into `store`, as `bulwark import kev|epss|cve` writes them.
async fn import(store: &Store) {
    common::import_feeds(store, KEV, EPSS, &CVES, T0).await;
}

fn ranked_ids(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["cve"].as_str().expect("cve").to_owned())
        .collect()
}

fn position(ids: &[String], id: &str) -> usize {
    ids.iter()
        .position(|i| i == id)
        .unwrap_or_else(|| panic!("{id} not ranked: {ids:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_priority_order_over_the_api_and_the_page() {
    let (srv, _clock) = common::start_at(T0, &[]).await;
    import(&srv.store).await;
    // Any principal in the program may read public feed data.
    let (_, user, tok) = srv
        .member("Uni A", "researcher", "reader", &["viewer"])
        .await;

    // One CVE: the KEV override is applied and said.
    let (s, v) = srv.get("/api/v1/vulnerabilities/CVE-2024-1708", &tok).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["kev"]["date_added"], "2026-04-28", "{v}");
    assert!(v["kev"]["due_date"].is_string(), "{v}");
    assert_eq!(v["ssvc"]["exploitation"], "public poc", "{v}");
    assert_eq!(v["ssvc"]["exploitation_used"], "active", "{v}");
    assert_eq!(v["ssvc"]["kev_override"], true, "{v}");
    assert_eq!(v["ssvc"]["mission_wellbeing"], "high", "{v}");
    assert_eq!(v["ssvc"]["decision"], "Act", "{v}");
    assert_eq!(v["priority"]["decision"], "Act", "{v}");
    assert_eq!(v["priority"]["kev_override"], true, "{v}");
    let reasons: Vec<&str> = v["priority"]["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(reasons[0], "SSVC Act (exploitation active: in KEV)", "{v}");
    assert_eq!(reasons[1], "in KEV since 2026-04-28", "{v}");
    assert!(v["bod2604"].is_null(), "only when asked: {v}");
    for c in v["cvss"].as_array().expect("cvss") {
        assert!(c["computed"].is_number() || c["error"].is_string(), "{c}");
    }

    // At another mission, with the BOD 26-04 timeline.
    let (s, v) = srv
        .get(
            "/api/v1/vulnerabilities/cve-2024-1708?mission_wellbeing=low&exposed=yes",
            &tok,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["cve"], "CVE-2024-1708");
    assert_eq!(v["ssvc"]["decision"], "Track", "{v}");
    assert_eq!(v["bod2604"]["kev"], true, "{v}");
    assert_eq!(v["bod2604"]["exposed"], true, "{v}");
    assert_eq!(v["bod2604"]["automatable"], "no", "{v}");
    assert_eq!(v["bod2604"]["technical_impact"], "total", "{v}");
    assert!(v["bod2604"]["timeline"].is_string(), "{v}");

    // Not in KEV: no override, no KEV.
    let (s, v) = srv
        .get("/api/v1/vulnerabilities/CVE-2022-35849", &tok)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["kev"].is_null(), "{v}");
    assert_eq!(v["ssvc"]["kev_override"], false, "{v}");
    assert_eq!(v["priority"]["reasons"][1], "not in KEV", "{v}");

    // The ranking at high: the KEV-only CVE (SSVC unknown) above the
    // record without decision points (SSVC unknown, not in KEV).
    let (s, v) = srv.get("/api/v1/vulnerabilities", &tok).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ids = ranked_ids(&v);
    assert_eq!(v["total"], 6, "{v}");
    assert_eq!(ids.len(), 6, "{v}");
    let ranks: Vec<u64> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["rank"].as_u64().unwrap())
        .collect();
    assert_eq!(ranks, [1, 2, 3, 4, 5, 6]);
    assert!(position(&ids, "CVE-2026-8037") < position(&ids, "CVE-2024-6716"));
    // The three KEV CVEs are Act, the rest below.
    for id in ["CVE-2019-7256", "CVE-2024-1708", "CVE-2022-0028"] {
        assert!(position(&ids, id) < 3, "{id}: {ids:?}");
    }
    for item in v["items"].as_array().unwrap() {
        assert_eq!(item["priority"]["reasons"].as_array().unwrap().len(), 5);
    }

    // At low: CVE-2024-1708 (KEV) and CVE-2022-35849 (not) are both Track;
    // the KEV one ranks above.
    let (s, v) = srv
        .get("/api/v1/vulnerabilities?mission_wellbeing=low", &tok)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ids = ranked_ids(&v);
    let (kev, other) = (
        &v["items"][position(&ids, "CVE-2024-1708")],
        &v["items"][position(&ids, "CVE-2022-35849")],
    );
    assert_eq!(kev["priority"]["decision"], "Track", "{v}");
    assert_eq!(other["priority"]["decision"], "Track", "{v}");
    assert!(position(&ids, "CVE-2024-1708") < position(&ids, "CVE-2022-35849"));

    // Pages of the ranking.
    let (_, page) = srv
        .get("/api/v1/vulnerabilities?limit=2&offset=2", &tok)
        .await;
    assert_eq!(page["items"][0]["rank"], 3, "{page}");
    assert_eq!(ranked_ids(&page).len(), 2);

    // Refusals.
    let (s, _, v) = srv
        .call(reqwest::Method::GET, "/api/v1/vulnerabilities", None, None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    let (s, _, _) = srv
        .call(
            reqwest::Method::GET,
            "/api/v1/vulnerabilities/CVE-2024-1708",
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = srv
        .get("/api/v1/vulnerabilities/CVE-2031-99999", &tok)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    for bad in [
        "/api/v1/vulnerabilities/CVE-24-1",
        "/api/v1/vulnerabilities/not-a-cve",
        "/api/v1/vulnerabilities/CVE-2024-1708?mission_wellbeing=extreme",
        "/api/v1/vulnerabilities/CVE-2024-1708?exposed=maybe",
        "/api/v1/vulnerabilities?limit=0",
        "/api/v1/vulnerabilities?limit=501",
        "/api/v1/vulnerabilities?color=red",
    ] {
        let (s, ct, v) = srv.call(reqwest::Method::GET, bad, Some(&tok), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert!(ct.starts_with("application/problem+json"), "{bad}: {ct}");
    }

    // The page lists the CVEs in the ranking's order.
    common::visitor::set_password(&srv, user.parse().unwrap()).await;
    let mut visitor = Visitor::sign_in(&srv, "reader").await;
    let page = visitor.get("/clearinghouse/priorities").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let (_, v) = srv.get("/api/v1/vulnerabilities", &tok).await;
    let ids = ranked_ids(&v);
    let at: Vec<usize> = ids.iter().map(|id| page.at(id)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "page order: {ids:?}");
    page.at("(KEV override)");
    // Compact: KEV's vendor and product beside the date, each CVE a link
    // (to cve.org: no OSV record here names these CVEs).
    page.at("ConnectWise ScreenConnect, since 2026-04-28");
    page.at(r#"<a href="https://www.cve.org/CVERecord?id=CVE-2024-1708" class="nowrap">CVE-2024-1708</a>"#);
    assert!(!page.body.contains("<script>"), "no inline scripts");
    let queue = visitor.get("/clearinghouse").await;
    queue.at("/clearinghouse/priorities");
}

/// More CVEs than a page holds: the page's ranks go on from the page
/// before, the links lead back and on, and a page number that is not one
/// is a 400 page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_priorities_page_comes_in_pages() {
    let (srv, _clock) = common::start_at(T0, &[]).await;
    import(&srv.store).await;
    let records: Vec<bulwark_store::NewCveRecord> = (0..150)
        .map(|i| {
            let renamed = String::from_utf8(CVES[1].to_vec())
                .expect("UTF-8")
                .replace("CVE-2024-1708", &format!("CVE-2030-{:05}", 10_000 + i));
            bulwark_app::feeds::cve_row(renamed.as_bytes()).expect("record")
        })
        .collect();
    srv.store
        .import_cves(&bulwark_store::Actor::cli(), records, T0)
        .await
        .expect("import");
    let (_, user, tok) = srv
        .member("Uni A", "researcher", "reader", &["viewer"])
        .await;
    let (_, all) = srv.get("/api/v1/vulnerabilities?limit=500", &tok).await;
    assert_eq!(all["total"], 156, "{all}");
    let ids = ranked_ids(&all);
    common::visitor::set_password(&srv, user.parse().unwrap()).await;
    let mut visitor = Visitor::sign_in(&srv, "reader").await;
    let first = visitor.get("/clearinghouse/priorities").await;
    first.at("Showing 1 to 100.");
    first.at(r#"<a href="/clearinghouse/priorities?page=2" rel="next">"#);
    assert!(!first.body.contains(r#"rel="prev""#));
    let second = visitor.get("/clearinghouse/priorities?page=2").await;
    assert_eq!(second.status, StatusCode::OK);
    second.at("Showing 101 to 156.");
    second.at(r#"<a href="/clearinghouse/priorities?page=1" rel="prev">"#);
    assert!(!second.body.contains(r#"rel="next""#));
    // The 101st of the API's order opens the second page, numbered so.
    let at = second.at(&format!(">{}</a>", ids[100]));
    assert!(second.body[..at].contains(r#"<td class="num">101</td>"#));
    assert!(!second.body.contains(&format!(">{}</a>", ids[99])));
    for bad in ["0", "two"] {
        let p = visitor
            .get(&format!("/clearinghouse/priorities?page={bad}"))
            .await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}
