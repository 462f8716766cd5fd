//! The review dashboards in a real browser: headless Debian Chromium driven
//! through chromedriver (see `webdriver/mod.rs`), against the real server.
//! A developer, an NSA reviewer and a trusted partner sign in through the
//! sign-in form and use the pages as people would.
//!
//! Marked ignored because it needs Chromium (`.ci/run` installs it and runs
//! the ignored tests); without Chromium the test fails, it never skips.

use crate::common;
use crate::webdriver;

use crate::webdriver::Browser;
use bulwark_store::Actor;
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime, Time};

const PASSWORD: &str = "correct horse battery staple";

/// A member who can also sign in with [`PASSWORD`]; (org id, API token).
async fn person(
    srv: &common::Srv,
    org: &str,
    kind: &str,
    username: &str,
    role: &str,
) -> (String, String) {
    let (org_id, user_id, token) = srv.member(org, kind, username, &[role]).await;
    let hash = bulwark_server::state::hash_password(PASSWORD.into())
        .await
        .expect("hash");
    srv.store
        .set_password_hash(
            &Actor::cli(),
            user_id.parse().expect("user id"),
            &hash,
            OffsetDateTime::now_utc(),
        )
        .await
        .expect("password");
    (org_id, token)
}

async fn ok(srv: &common::Srv, path: &str, token: &str, body: Value) -> Value {
    let (s, v) = srv.post(path, token, body).await;
    assert!(s.is_success(), "{path}: {s} {v}");
    v
}

/// Noon UTC, `days` from today.
fn noon_in(days: i64) -> OffsetDateTime {
    (OffsetDateTime::now_utc() + Duration::days(days))
        .replace_time(Time::from_hms(12, 0, 0).expect("noon"))
}

fn rfc3339(t: OffsetDateTime) -> String {
    bulwark_core::rfc3339(t)
}

/// How the pages write an instant.
fn shown(t: OffsetDateTime) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.format(&fmt).expect("format")
}

/// A submitted, triaged submission led by the agency; its id.
async fn in_review(
    srv: &common::Srv,
    dev: &str,
    model: &str,
    release: OffsetDateTime,
    agency: (&str, &str),
) -> String {
    let sub = ok(
        srv,
        "/api/v1/submissions",
        dev,
        json!({"model": model, "planned_partner_release": rfc3339(release)}),
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
    ok(
        srv,
        &format!("{path}/triage"),
        agency.1,
        json!({"lead_agency": agency.0}),
    )
    .await;
    ok(
        srv,
        &format!("{path}/transition"),
        agency.1,
        json!({"to": "in_review"}),
    )
    .await;
    id
}

pub(crate) async fn sign_in(b: &Browser, base: &str, username: &str) {
    b.goto(&format!("{base}/login")).await;
    let user = b.find("#username").await;
    b.send_keys(&user, username).await;
    let pass = b.find("#password").await;
    b.send_keys(&pass, PASSWORD).await;
    let submit = b.find("main form button[type=submit]").await;
    b.click(&submit).await;
    // Signed in: the header names the user.
    let who = b.find(".who strong").await;
    assert_eq!(b.text(&who).await, username);
}

pub(crate) async fn sign_out(b: &Browser) {
    let button = b.find("form[action=\"/logout\"] button").await;
    b.click(&button).await;
    b.find("#username").await;
}

/// The whole days the pages show for an instant, read just before and just
/// after loading a page (the clock is the system's).
fn days_either(before: i64, after: i64) -> [String; 2] {
    [format!("{before} days"), format!("{after} days")]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium"]
async fn developer_reviewer_and_partner_use_the_dashboards_in_chromium() {
    webdriver::require_chromium();
    let srv = common::start(bulwark_store::testing::sqlite().await.expect("store")).await;
    let base = srv.base.clone();
    ok(
        &srv,
        "/api/v1/organizations",
        &srv.root_token,
        json!({"name": "NSA", "kind": "agency", "reviewing": true}),
    )
    .await;
    let (nsa_org, nsa) = person(&srv, "NSA", "agency", "nsa1", "analyst").await;
    let (_, dev) = person(&srv, "Lab A", "developer", "deva", "analyst").await;
    let (grid, _) = person(&srv, "Grid Co", "partner", "grid", "admin").await;

    let late_model = srv.register_model(&dev, "Frontier-Late", 3e26).await;
    let soon_model = srv.register_model(&dev, "Frontier-Soon", 3e26).await;
    let late_release = noon_in(25);
    let soon_release = noon_in(12);
    // Made first, due last: the reviewer's queue must follow the deadlines.
    let late = in_review(&srv, &dev, &late_model, late_release, (&nsa_org, &nsa)).await;
    let soon = in_review(&srv, &dev, &soon_model, soon_release, (&nsa_org, &nsa)).await;
    let resp = srv
        .http
        .post(format!(
            "{}/api/v1/submissions/{soon}/documents?kind=model_card",
            srv.base
        ))
        .bearer_auth(&dev)
        .header("content-type", "application/octet-stream")
        .body(b"Model card of Frontier-Soon.".to_vec())
        .send()
        .await
        .expect("upload");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let grant_start = soon_release;
    let grant_end = noon_in(40);
    let g = ok(
        &srv,
        "/api/v1/grants",
        &dev,
        json!({"model": soon_model, "partner_org": grid, "scope": "api",
               "starts_at": rfc3339(grant_start), "ends_at": rfc3339(grant_end),
               "conditions": "no fine-tuning"}),
    )
    .await;
    let gid = g["id"].as_str().expect("grant id").to_owned();
    ok(
        &srv,
        &format!("/api/v1/grants/{gid}/concur"),
        &nsa,
        json!({}),
    )
    .await;

    let mut b = Browser::start().await;

    // The developer: its submissions with their deadlines.
    sign_in(&b, &base, "deva").await;
    let before = (soon_release - OffsetDateTime::now_utc()).whole_days();
    b.goto(&format!("{base}/reviews")).await;
    let after = (soon_release - OffsetDateTime::now_utc()).whole_days();
    let row = b.find(&format!("a[href=\"/reviews/{soon}\"]")).await;
    assert_eq!(b.text(&row).await, "Frontier-Soon");
    let row = b.find(&format!("a[href=\"/reviews/{late}\"]")).await;
    assert_eq!(b.text(&row).await, "Frontier-Late");
    let mine = b
        .text(&b.find("section[aria-labelledby=\"mine\"]").await)
        .await;
    assert!(mine.contains(&shown(soon_release)), "{mine}");
    assert!(mine.contains(&shown(late_release)), "{mine}");
    assert!(
        days_either(before, after)
            .iter()
            .any(|d| mine.contains(d.as_str())),
        "{mine}"
    );
    sign_out(&b).await;

    // The NSA reviewer: the queue in deadline order, then a finding.
    sign_in(&b, &base, "nsa1").await;
    b.goto(&format!("{base}/reviews")).await;
    let queue = b
        .text(&b.find("section[aria-labelledby=\"queue\"]").await)
        .await;
    let (s, l) = (
        queue.find("Frontier-Soon").expect("soon in the queue"),
        queue.find("Frontier-Late").expect("late in the queue"),
    );
    assert!(s < l, "soonest deadline first: {queue}");
    let link = b.find(&format!("a[href=\"/reviews/{soon}\"]")).await;
    b.click(&link).await;
    let h1 = b.text(&b.find("h1").await).await;
    assert_eq!(h1, "Review of Frontier-Soon");
    b.find("a[href*=\"/documents/\"]").await;
    b.click(&b.find("#severity option[value=\"high\"]").await)
        .await;
    b.click(
        &b.find("#category option[value=\"protection_weakness\"]")
            .await,
    )
    .await;
    b.click(&b.find("#tlp option[value=\"GREEN\"]").await).await;
    b.send_keys(
        &b.find("#text").await,
        "model weights reachable from the CI runners",
    )
    .await;
    b.send_keys(&b.find("#recommendation").await, "isolate the runners")
        .await;
    b.click(&b.find("#finding-form button[type=submit]").await)
        .await;
    let finding = b.text(&b.find(".finding").await).await;
    assert!(
        finding.contains("model weights reachable from the CI runners"),
        "{finding}"
    );
    assert!(finding.contains("high"), "{finding}");
    assert!(finding.contains("isolate the runners"), "{finding}");
    assert!(finding.contains("Not answered yet."), "{finding}");
    assert!(
        b.url()
            .await
            .ends_with(&format!("/reviews/{soon}#findings"))
    );
    sign_out(&b).await;

    // The developer: the finding to answer, then the response.
    sign_in(&b, &base, "deva").await;
    b.goto(&format!("{base}/reviews")).await;
    let to_answer = b
        .text(&b.find("section[aria-labelledby=\"to-answer\"]").await)
        .await;
    assert!(
        to_answer.contains("model weights reachable from the CI runners"),
        "{to_answer}"
    );
    b.click(
        &b.find(&format!(
            "section[aria-labelledby=\"to-answer\"] a[href^=\"/reviews/{soon}\"]"
        ))
        .await,
    )
    .await;
    b.send_keys(
        &b.find("form[action$=\"/responses\"] textarea").await,
        "runners isolated on a separate network",
    )
    .await;
    b.click(&b.find("form[action$=\"/responses\"] button").await)
        .await;
    let response = b.text(&b.find(".finding .response-text").await).await;
    assert_eq!(response, "runners isolated on a separate network");
    b.goto(&format!("{base}/reviews")).await;
    let to_answer = b
        .text(&b.find("section[aria-labelledby=\"to-answer\"]").await)
        .await;
    assert!(to_answer.contains("No finding is waiting"), "{to_answer}");
    sign_out(&b).await;

    // The partner: its grant's window on /grants.
    sign_in(&b, &base, "grid").await;
    b.goto(&format!("{base}/grants")).await;
    let table = b.text(&b.find("main table").await).await;
    for text in [
        shown(grant_start),
        shown(grant_end),
        "pending".to_owned(),
        "no fine-tuning".to_owned(),
        "Lab A".to_owned(),
    ] {
        assert!(table.contains(&text), "{text}: {table}");
    }
    let source = b.source().await;
    assert!(source.contains("<th scope=\"col\">Window ends</th>"));
    b.quit().await;
}

/// WCAG 2.1 A and AA violations axe-core finds on the current page, one
/// line each. `BULWARK_AXE_JS` names axe-core's `axe.min.js` (npm's
/// `axe-core`; `.ci/run` installs it): the test fails without it rather
/// than pass unchecked.
async fn axe_violations(b: &Browser) -> Option<Vec<String>> {
    let path = std::env::var_os("BULWARK_AXE_JS").unwrap_or_else(|| {
        panic!(
            "BULWARK_AXE_JS must name axe-core's axe.min.js (npm install axe-core; .ci/run does)"
        )
    });
    let axe = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("BULWARK_AXE_JS={}: {e}", path.to_string_lossy()));
    let script = format!(
        "const done = arguments[arguments.length - 1];\n{axe}\n;\
         axe.run(document, {{runOnly: {{type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}}})\
         .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + \
         v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))\
         .catch(e => done(['axe failed: ' + e]));"
    );
    let v = b.execute_async(&script).await;
    Some(
        v.as_array()
            .expect("a list of violations")
            .iter()
            .map(|x| x.as_str().unwrap_or_default().to_owned())
            .collect(),
    )
}

/// Loads each page, checks it has its heading and no WCAG 2.1 AA
/// violation axe-core finds; saves a screenshot of each when
/// `BULWARK_SCREENSHOTS` names a directory.
pub(crate) async fn check_pages(b: &Browser, base: &str, who: &str, pages: &[(String, &str)]) {
    let shots = std::env::var_os("BULWARK_SCREENSHOTS").map(std::path::PathBuf::from);
    for (i, (path, heading)) in pages.iter().enumerate() {
        b.goto(&format!("{base}{path}")).await;
        let h1 = b.text(&b.find("h1").await).await;
        assert!(h1.contains(heading), "{path}: {h1}");
        if let Some(violations) = axe_violations(b).await {
            assert!(violations.is_empty(), "{path}: {violations:#?}");
        }
        if let Some(dir) = &shots {
            std::fs::create_dir_all(dir).expect("screenshot directory");
            let png = b.screenshot().await;
            std::fs::write(dir.join(format!("{who}-{i:02}.png")), png).expect("screenshot");
        }
        let overflowing = reflow_overflow(b).await;
        assert!(
            overflowing.is_empty(),
            "{path} scrolls sideways at 320 px (WCAG 1.4.10): {overflowing:#?}"
        );
    }
}

/// WCAG 1.4.10 Reflow, which axe does not check: at 320 CSS pixels wide
/// the page must not scroll sideways, except inside a container that
/// scrolls on its own (a wide table in `.wide`). Names the elements that
/// stick out (at most five), after putting the window back.
async fn reflow_overflow(b: &Browser) -> Vec<String> {
    const REFLOW_JS: &str = r#"
const done = arguments[arguments.length - 1];
const w = document.documentElement.clientWidth;
if (document.documentElement.scrollWidth <= w) { done([]); return; }
const scrolls = e => {
  for (let p = e.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX;
    if (o === 'auto' || o === 'scroll') return true;
  }
  return false;
};
const name = e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') +
  ' (' + Math.round(e.getBoundingClientRect().right) + ' px): ' +
  (e.textContent || '').trim().slice(0, 60);
const all = [...document.body.querySelectorAll('*')]
  .filter(e => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right > w + 1);
const out = all.filter(e => !scrolls(e)).map(name);
done(out.length ? out.slice(0, 5)
  : ['document ' + document.documentElement.scrollWidth + ' px'].concat(all.slice(0, 5).map(name)));
"#;
    let (width, height) = b.window_dimensions().await;
    b.window_size(320, 900).await;
    let v = b.execute_async(REFLOW_JS).await;
    b.window_size(width, height).await;
    v.as_array()
        .expect("a list")
        .iter()
        .map(|x| x.as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and axe-core (BULWARK_AXE_JS)"]
async fn directive_pages_in_chromium() {
    webdriver::require_chromium();
    let w = crate::directive_pages::world().await;
    let base = w.srv.base.clone();
    let mut doi = common::visitor::Visitor::sign_in(&w.srv, "doi1").await;
    let system = crate::directive_pages::payroll(&w, &mut doi).await;
    let list = doi.get("/obligations?vulnerability=CVE-2024-1708").await;
    let obligation = crate::directive_pages::id_in(&list, "<a href=\"/obligations/");
    let asked = doi
        .post(
            &format!("/obligations/{obligation}/requests"),
            &[
                ("csrf", &list.csrf()),
                ("kind", "extension"),
                ("due", "2026-12-20"),
                ("justification", "the vendor's fix ships on 2026-12-18"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    // Energy runs ScreenConnect too: two agencies side by side.
    let mut doe = common::visitor::Visitor::sign_in(&w.srv, "doe1").await;
    let csrf = doe.get("/systems").await.csrf();
    let made = doe
        .post("/systems", &[("csrf", &csrf), ("name", "Grid telemetry")])
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let added = doe
        .post(
            &format!(
                "{}/products",
                made.location.split('?').next().expect("path")
            ),
            &[
                ("csrf", &csrf),
                (
                    "cpe",
                    "cpe:2.3:a:connectwise:screenconnect:23.9.7:*:*:*:*:*:*:*",
                ),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    // Five days on: both are late.
    w.clock.advance(time::Duration::days(5));

    let mut b = Browser::start().await;
    b.window_size(1400, 1800).await;
    sign_in(&b, &base, "doi1").await;
    // The agency answers through the form, as a person would.
    b.goto(&format!("{base}/obligations/{obligation}")).await;
    b.click(&b.find("#a-progress").await).await;
    b.send_keys(&b.find("#a-note").await, "vendor patch scheduled")
        .await;
    b.click(&b.find("form[action$=\"/answers\"] button").await)
        .await;
    let status = b.text(&b.find("p.ok").await).await;
    assert_eq!(status, "Your answer is recorded in the history.");
    let pages = [
        ("/obligations".to_owned(), "Obligations"),
        (
            format!("/obligations/{obligation}"),
            "CVE-2024-1708 on Payroll",
        ),
        ("/systems".to_owned(), "Systems"),
        (format!("/systems/{system}"), "System Payroll"),
        (
            format!("/compliance/agencies/{}", w.doi_org),
            "Compliance of Department of the Interior",
        ),
        ("/directives".to_owned(), "Directives"),
    ];
    check_pages(&b, &base, "agency", &pages).await;
    sign_out(&b).await;

    sign_in(&b, &base, "cisa1").await;
    let pages = [
        ("/compliance".to_owned(), "Compliance"),
        (
            "/compliance/vulnerabilities/CVE-2024-1708".to_owned(),
            "Who is exposed to CVE-2024-1708",
        ),
        ("/obligations?overdue=false".to_owned(), "Obligations"),
        (
            format!("/obligations/{obligation}"),
            "CVE-2024-1708 on Payroll",
        ),
        ("/directives".to_owned(), "Directives"),
    ];
    check_pages(&b, &base, "cisa", &pages).await;
    // CISA approves the extension through the form.
    b.goto(&format!("{base}/obligations/{obligation}")).await;
    b.click(&b.find("form.decision input[value=\"approve\"]").await)
        .await;
    b.send_keys(
        &b.find("form.decision textarea[name=\"conditions\"]").await,
        "isolate the appliance",
    )
    .await;
    b.click(&b.find("form.decision button").await).await;
    let status = b.text(&b.find("p.ok").await).await;
    assert_eq!(status, "The decision is recorded.");
    let requests = b
        .text(&b.find("section[aria-labelledby=\"requests\"]").await)
        .await;
    assert!(requests.contains("approved"), "{requests}");
    b.quit().await;
}

/// Gives the existing user `username` the sign-in password [`PASSWORD`].
async fn give_password(srv: &common::Srv, username: &str) {
    let (user, _) = srv.store.user_by_username(username).await.expect("user");
    let hash = bulwark_server::state::hash_password(PASSWORD.into())
        .await
        .expect("hash");
    srv.store
        .set_password_hash(&Actor::cli(), user.id, &hash, OffsetDateTime::now_utc())
        .await
        .expect("password");
}

/// Issue 18's pages after the distribution scenario (a validated case, an
/// accepted AI-written patch, a published advisory, one notice): the
/// operator's publication queue, the advisory editor with its previews and
/// the case's remediation section; the notified organization's notices —
/// each with its heading and no WCAG 2.1 AA violation axe-core finds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and axe-core (BULWARK_AXE_JS)"]
async fn distribution_pages_in_chromium() {
    webdriver::require_chromium();
    let (srv, clock) = common::start_at(crate::distribution::T0, &[]).await;
    let made = crate::distribution::scenario(&srv, clock).await;
    give_password(&srv, "root").await;
    give_password(&srv, made.notified_user).await;
    let base = srv.base.clone();

    let mut b = Browser::start().await;
    b.window_size(1400, 1800).await;
    sign_in(&b, &base, "root").await;
    let pages = [
        ("/clearinghouse/advisories".to_owned(), "Advisories"),
        (
            format!("/clearinghouse/advisories/{}", made.advisory),
            made.tracking.as_str(),
        ),
        // The case page is headed by its finding's title.
        (format!("/clearinghouse/cases/{}", made.case), "MiscTests()"),
    ];
    check_pages(&b, &base, "distribution-operator", &pages).await;
    // The case page offers its remediation: the accepted patch is there.
    b.goto(&format!("{base}/clearinghouse/cases/{}", made.case))
        .await;
    let source = b.source().await;
    assert!(
        source.contains("accepted"),
        "the patch's state on the case page"
    );
    sign_out(&b).await;

    sign_in(&b, &base, made.notified_user).await;
    check_pages(
        &b,
        &base,
        "distribution-notified",
        &[("/notices".to_owned(), "Notices")],
    )
    .await;
    let notices = b.source().await;
    assert!(
        notices.contains(&made.tracking),
        "its notice names the advisory"
    );
    assert!(notices.contains("left-pad"), "and its own component");
    b.quit().await;
}

/// Issue 19's facts on the pages (`facts_pages::seeded`): the SBOM list
/// with its counts by severity, an SBOM's grouped hits (all, and filtered
/// to one severity), an advisory with KEV and sanitised details, one
/// without a vector, the compact priorities page and the triage queue —
/// each with its heading and no WCAG 2.1 AA violation axe-core finds; and
/// at 320 px wide the SBOM and advisory pages scroll sideways only inside
/// their tables (WCAG 1.4.10).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and axe-core (BULWARK_AXE_JS)"]
async fn facts_pages_in_chromium() {
    webdriver::require_chromium();
    let (srv, _, id, token) =
        crate::facts_pages::seeded("\n\n<script>alert(1)</script> shown, not run.\n").await;
    // Cases in the triage queue: Semgrep's findings (the intake fixture).
    let sarif: &[u8] = include_bytes!("../../../intake/tests/fixtures/semgrep-dataflow.sarif");
    let resp = srv
        .http
        .post(format!("{}/api/v1/reports", srv.base))
        .bearer_auth(&token)
        .header("content-type", "application/sarif+json")
        .body(sarif.to_vec())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let base = srv.base.clone();
    let mut b = Browser::start().await;
    b.window_size(1400, 1800).await;
    sign_in(&b, &base, "alice").await;
    let pages = [
        ("/sboms".to_owned(), "SBOMs"),
        (format!("/sboms/{id}"), "SBOM web-frontend 3.2"),
        (
            format!("/sboms/{id}?severity=critical"),
            "SBOM web-frontend 3.2",
        ),
        (
            "/advisories/GHSA-6f9g-cxwr-q5jr".to_owned(),
            "GHSA-6f9g-cxwr-q5jr",
        ),
        ("/advisories/GO-2025-4135".to_owned(), "GO-2025-4135"),
        ("/clearinghouse/priorities".to_owned(), "priorities"),
        ("/clearinghouse".to_owned(), "Clearinghouse"),
    ];
    check_pages(&b, &base, "facts", &pages).await;
    // The script in the details was not run: no alert is open, and the
    // page still answers.
    b.goto(&format!("{base}/advisories/GHSA-6f9g-cxwr-q5jr"))
        .await;
    assert!(b.source().await.contains("&lt;script&gt;alert(1)"));

    b.quit().await;
}

/// The elements outside a scrolling table container (`.wide`) that stick
/// out of a narrow window: none, or the page scrolls sideways (WCAG 1.4.10).
async fn overflowing(b: &Browser) -> Value {
    b.execute_async(
        "const w = document.documentElement.clientWidth;\
         arguments[arguments.length - 1]([...document.querySelectorAll('body *')]\
         .filter(e => !e.closest('.wide') && e.getBoundingClientRect().right > w + 1)\
         .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)))",
    )
    .await
}

/// Issue 19's numbers and charts (`dash_pages::world`): the dashboard of a
/// developer, a reviewer, a researcher and the operator, the lists their
/// numbers open (filtered), the registry with its chart, the queue, the
/// sources' reliability chart — each with its heading, no WCAG 2.1 AA
/// violation axe-core finds and, at 320 px wide, no sideways scrolling
/// outside the tables' own containers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and axe-core (BULWARK_AXE_JS)"]
async fn dashboards_and_charts_in_chromium() {
    webdriver::require_chromium();
    let w = crate::dash_pages::world().await;
    let srv = &w.srv;
    // Cases in the queue, one of them validated so the sources have a record.
    let sarif: &[u8] = include_bytes!("../../../intake/tests/fixtures/fortify-excerpt.sarif");
    let resp = srv
        .http
        .post(format!("{}/api/v1/reports", srv.base))
        .bearer_auth(&w.uni)
        .header("content-type", "application/sarif+json")
        .body(sarif.to_vec())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::CREATED);
    give_password(srv, "root").await;
    let base = srv.base.clone();
    let mut b = Browser::start().await;
    b.window_size(1400, 1600).await;
    let roles: [(&str, Vec<(String, &str)>); 4] = [
        (
            "deva",
            vec![
                ("/".to_owned(), "Dashboard"),
                ("/reviews?state=in_review".to_owned(), "Reviews"),
                ("/frontier".to_owned(), "Frontier"),
            ],
        ),
        (
            "nsa1",
            vec![
                ("/".to_owned(), "Dashboard"),
                ("/reviews".to_owned(), "Reviews"),
                (format!("/frontier?developer={}", w.lab), "Frontier"),
            ],
        ),
        (
            "uni1",
            vec![
                ("/".to_owned(), "Dashboard"),
                ("/clearinghouse?state=new".to_owned(), "Clearinghouse"),
            ],
        ),
        (
            "root",
            vec![
                ("/".to_owned(), "Dashboard"),
                ("/clearinghouse".to_owned(), "Clearinghouse"),
                ("/clearinghouse/sources".to_owned(), "sources"),
                ("/frontier?sort=compute".to_owned(), "Frontier"),
            ],
        ),
    ];
    for (who, pages) in &roles {
        sign_in(&b, &base, who).await;
        check_pages(&b, &base, &format!("dash-{who}"), pages).await;
        sign_out(&b).await;
    }
    // The registry's chart is drawn: a point per dated model with compute.
    sign_in(&b, &base, "nsa1").await;
    b.goto(&format!("{base}/frontier")).await;
    let points = b
        .execute_async(
            "arguments[arguments.length - 1](document.querySelectorAll('svg.chart-svg circle.chart-point').length)",
        )
        .await;
    assert_eq!(points, json!(3));
    b.window_size(320, 1200).await;
    let narrow = [
        ("/".to_owned(), "Dashboard"),
        ("/frontier".to_owned(), "Frontier"),
        ("/reviews".to_owned(), "Reviews"),
    ];
    check_pages(&b, &base, "dash-320", &narrow).await;
    for (path, _) in &narrow {
        b.goto(&format!("{base}{path}")).await;
        assert_eq!(
            overflowing(&b).await,
            json!([]),
            "{path} scrolls sideways at 320 px"
        );
    }
    sign_out(&b).await;
    sign_in(&b, &base, "root").await;
    for path in ["/", "/clearinghouse", "/clearinghouse/sources"] {
        b.goto(&format!("{base}{path}")).await;
        assert_eq!(
            overflowing(&b).await,
            json!([]),
            "{path} scrolls sideways at 320 px"
        );
    }
    b.quit().await;
}

/// A dead link in a browser: a page with a title, axe-clean, that reflows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and axe-core (BULWARK_AXE_JS)"]
async fn a_missing_page_in_chromium() {
    webdriver::require_chromium();
    let srv = common::start(bulwark_store::testing::sqlite().await.expect("store")).await;
    let mut b = Browser::start().await;
    check_pages(
        &b,
        &srv.base,
        "missing",
        &[("/no/such/page/at/all".to_owned(), "Page not found")],
    )
    .await;
    assert!(b.source().await.contains("href=\"/login\""));
    b.quit().await;
}

/// Signs in through the form as `username` with `password`.
async fn sign_in_as(b: &Browser, base: &str, username: &str, password: &str) {
    b.goto(&format!("{base}/login")).await;
    b.send_keys(&b.find("#username").await, username).await;
    b.send_keys(&b.find("#password").await, password).await;
    b.click(&b.find("main form button[type=submit]").await)
        .await;
    let who = b.find(".who strong").await;
    assert_eq!(b.text(&who).await, username);
}

/// A server on a fresh SQLite store seeded as `bulwark demo` seeds it (with
/// a key for dossier documents), its sign-ins and its address.
async fn demo_server() -> (bulwark_server::AppState, bulwark_app::demo::Seeded, String) {
    let store = bulwark_store::testing::sqlite().await.expect("store");
    let settings = bulwark_server::Settings {
        secure_cookies: false,
        master_key: bulwark_app::MasterKey::from_hex(common::DOSSIER_KEY_HEX),
        ..Default::default()
    };
    let state = bulwark_server::state(
        store,
        std::sync::Arc::new(bulwark_core::SystemClock),
        settings,
    )
    .expect("state");
    let seeded = bulwark_app::demo::seed(&state).await.expect("seed");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = bulwark_server::app(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (state, seeded, base)
}

/// The README's screenshots (`docs/screenshots/`), taken of the demo so
/// that they show what the pages are: each key page as the user who works
/// in it, rewritten whenever the browser tests run (a changed page shows
/// in `git status`). Each must show its heading; the README must show
/// each file, and nothing it shows may be missing (`readme.rs` checks that
/// without a browser).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and axe-core (BULWARK_AXE_JS)"]
async fn readme_screenshots_in_chromium() {
    webdriver::require_chromium();
    let (_, seeded, base) = demo_server().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    let password = |username: &str| {
        seeded
            .logins
            .iter()
            .find(|l| l.username == username)
            .unwrap_or_else(|| panic!("the demo has no user {username}"))
            .password
            .clone()
    };
    // (user, page or the first link of a list, the link's selector, heading, file)
    let shots: [(&str, &str, Option<&str>, &str, &str); 7] = [
        ("analyst", "/", None, "Dashboard", "dashboard.png"),
        (
            "analyst",
            "/clearinghouse",
            None,
            "Clearinghouse",
            "clearinghouse.png",
        ),
        (
            "analyst",
            "/clearinghouse",
            Some("main a[href^='/clearinghouse/cases/']"),
            // A case's heading is its title.
            "",
            "case.png",
        ),
        ("analyst", "/frontier", None, "Frontier", "frontier.png"),
        (
            "interior",
            "/sboms",
            Some("main a[href^='/sboms/']"),
            "SBOM",
            "sbom.png",
        ),
        ("cisa", "/compliance", None, "ompliance", "compliance.png"),
        (
            "lab",
            "/reviews",
            Some("main a[href^='/reviews/']"),
            "",
            "review.png",
        ),
    ];
    let mut b = Browser::start().await;
    b.window_size(1280, 900).await;
    let mut signed_in: Option<&str> = None;
    for (user, page, link, heading, file) in shots {
        if signed_in != Some(user) {
            if signed_in.is_some() {
                sign_out(&b).await;
            }
            sign_in_as(&b, &base, user, &password(user)).await;
            signed_in = Some(user);
        }
        b.goto(&format!("{base}{page}")).await;
        if let Some(css) = link {
            let href = b
                .execute_async(&format!(
                    "const a = document.querySelector(\"{css}\"); \
                     arguments[arguments.length - 1](a ? a.getAttribute('href') : null)"
                ))
                .await;
            let href = href
                .as_str()
                .unwrap_or_else(|| panic!("{page} as {user} links to nothing like {css}"));
            b.goto(&format!("{base}{href}")).await;
        }
        let h1 = b.text(&b.find("h1").await).await;
        assert!(h1.contains(heading), "{file}: {h1}");
        std::fs::write(dir.join(file), b.screenshot().await).expect("screenshot");
    }
    b.quit().await;
}

/// Pages of the navigation that hold no records of their own: the
/// dashboard (its counts are another page's data).
const NOT_A_LIST: [&str; 1] = ["/"];

/// Issue 19's living demo in a browser: the store seeded by
/// `bulwark_app::demo`, every user of the demo signs in with the password
/// it printed and visits every page of its navigation, each of which shows
/// records (a table with rows, or the directive) and has no WCAG 2.1 AA
/// violation axe-core finds. The exceptions: the pages of [`NOT_A_LIST`],
/// reviews and grants for an organization that is party to none (the
/// policy lets only their parties read them), and obligations and
/// compliance for an agency on the national security track (CISA's
/// directives do not bind it). Prints, per user, what each page shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and axe-core (BULWARK_AXE_JS)"]
async fn demo_in_chromium() {
    webdriver::require_chromium();
    let (state, seeded, base) = demo_server().await;

    let shots = std::env::var_os("BULWARK_SCREENSHOTS").map(std::path::PathBuf::from);
    let mut b = Browser::start().await;
    b.window_size(1400, 1800).await;
    let mut empty = Vec::new();
    for login in &seeded.logins {
        sign_in_as(&b, &base, &login.username, &login.password).await;
        // Submissions and grants are read by their parties only: a page of
        // them is empty for an organization the policy shows none of.
        let (user, _) = state
            .store
            .user_by_username(&login.username)
            .await
            .expect("user");
        let who = state
            .store
            .principal(user.id)
            .await
            .expect("principal")
            .expect("enabled");
        let reviews = bulwark_app::reviews::list(&state, &who)
            .await
            .expect("reviews");
        let grants = bulwark_app::partners::readable_grants(&state, &who)
            .await
            .expect("grants");
        // CISA's directives do not bind national security systems.
        let national_security = state
            .store
            .organization(who.org_id)
            .await
            .expect("organization")
            .agency_track
            == Some(bulwark_core::AgencyTrack::NationalSecurity);
        let none_readable = |path: &str| {
            (path == "/reviews" && reviews.is_empty())
                || (path == "/grants" && grants.is_empty())
                || (national_security && ["/obligations", "/compliance"].contains(&path))
        };
        let links = b
            .execute_async(
                "arguments[arguments.length - 1]([...document.querySelectorAll('nav[aria-label=Main] a')]\
                 .map(a => a.getAttribute('href')))",
            )
            .await;
        let mut links: Vec<String> = links
            .as_array()
            .expect("links")
            .iter()
            .filter_map(|l| l.as_str().map(str::to_owned))
            .collect();
        assert!(links.len() >= 8, "{}: {links:?}", login.username);
        // The vendor's dashboard count opens the cases awaiting it.
        if login.username == "vendor" {
            links.push("/clearinghouse/awaiting".to_owned());
            // A catalogue entry's page, with its evidence and actions.
            let tools = state.store.tools(Some("approved")).await.expect("tools");
            let patchbot = tools
                .iter()
                .find(|t| t.fields.reports_as == "patchbot")
                .expect("the demo's approved patchbot");
            links.push(format!("/tools/{}", patchbot.id));
        }
        // The program office: programs, a program, the requests, and the
        // request waiting for its decision.
        if login.username == "cisa" {
            let programs = state.store.programs().await.expect("programs");
            let waiting = state
                .store
                .access_requests(None)
                .await
                .expect("requests")
                .into_iter()
                .find(|r| r.state == "requested")
                .expect("the demo's request waiting for CISA");
            links.push("/tools/programs".to_owned());
            links.push(format!("/tools/programs/{}", programs[0].id));
            links.push("/tools/access".to_owned());
            links.push(format!("/tools/access/{}", waiting.id));
        }
        let mut seen = Vec::new();
        for (i, path) in links.iter().enumerate() {
            b.goto(&format!("{base}{path}")).await;
            let h1 = b.text(&b.find("h1").await).await;
            let violations = axe_violations(&b).await.unwrap_or_default();
            assert!(
                violations.is_empty(),
                "{} {path}: {violations:#?}",
                login.username
            );
            let overflowing = reflow_overflow(&b).await;
            assert!(
                overflowing.is_empty(),
                "{} {path} scrolls sideways at 320 px (WCAG 1.4.10): {overflowing:#?}",
                login.username
            );
            // Rows of the page's tables (header rows aside), or the directive.
            let rows = b
                .execute_async(
                    "arguments[arguments.length - 1](document.querySelectorAll('main tbody tr').length)",
                )
                .await
                .as_u64()
                .unwrap_or(0);
            let shows = match path.as_str() {
                "/directives" => b.source().await.contains("BOD-26-04"),
                // The registry, not only the benchmark sets: Epoch AI's
                // public models are CLEAR.
                "/frontier" => b.source().await.contains("Grok 4"),
                p if p.starts_with("/tools/access/") => b.source().await.contains("AI use case"),
                _ => rows > 0,
            };
            if !shows && !NOT_A_LIST.contains(&path.as_str()) && !none_readable(path) {
                empty.push(format!("{} {path} ({h1})", login.username));
            }
            seen.push(format!("{path}: {rows} rows"));
            if let Some(dir) = &shots {
                std::fs::create_dir_all(dir).expect("screenshot directory");
                let png = b.screenshot().await;
                std::fs::write(dir.join(format!("demo-{}-{i:02}.png", login.username)), png)
                    .expect("screenshot");
            }
        }
        println!(
            "{} ({} of {}): {}",
            login.username,
            login.role,
            login.organization,
            seen.join(", ")
        );
        sign_out(&b).await;
    }
    b.quit().await;
    assert!(empty.is_empty(), "pages without data: {empty:#?}");
}
