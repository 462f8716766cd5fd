//! The pages of Binding Operational Directives, driven over HTTP as a
//! browser would: an agency registers a system, adds a product KEV names
//! and attaches an SBOM, and its obligations show on the list (counts,
//! filters, KEV badge, due dates in the agency's time zone) and on their
//! own page; the agency answers and asks for an extension, CISA decides;
//! CISA sees every civilian agency side by side; other agencies get 404;
//! every form needs the session's CSRF token.
//!
//! Data: BOD 26-04 as shipped (`directives/bod-26-04.toml`), the KEV
//! excerpt of `crates/scoring/tests/fixtures` (ConnectWise ScreenConnect,
//! CVE-2024-1708) and RustSec's RUSTSEC-2021-0003 (smallvec, alias
//! CVE-2021-25900) from `crates/matching/tests/fixtures`.

use crate::common;

use std::sync::Arc;

use bulwark_app::Acting;
use bulwark_app::advisories::advisory_row;
use bulwark_app::feeds::kev_rows;
use bulwark_app::identity::{self, DirectiveProfileIn};
use bulwark_core::{ApiToken, FixedClock};
use bulwark_scoring::feeds::kev::KevCatalog;
use bulwark_store::Actor;
use reqwest::StatusCode;
use serde_json::json;
use time::macros::datetime;
use uuid::Uuid;

use crate::common::visitor::{Page, Visitor, set_password};

const T0: time::OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

const KEV: &[u8] = include_bytes!("../../../scoring/tests/fixtures/kev_excerpt.json");
const RUSTSEC: &[u8] = include_bytes!("../../../matching/tests/fixtures/RUSTSEC-2021-0003.json");

const DOI: &str = "Department of the Interior";
const DOE: &str = "Department of Energy";

pub(crate) struct World {
    pub srv: common::Srv,
    pub clock: Arc<FixedClock>,
    pub doi_org: Uuid,
    pub sbom: String,
}

fn uuid(s: &str) -> Uuid {
    s.parse().expect("uuid")
}

/// CISA (the issuer), two civilian agencies (Interior in New York's time
/// zone), a developer; KEV, one OSV advisory, BOD 26-04 in force, and an
/// SBOM Interior uploaded with smallvec 1.6.0 in it.
pub(crate) async fn world() -> World {
    let (srv, clock) = common::start_at(T0, &[]).await;
    let (info, entries) = kev_rows(KevCatalog::parse(KEV).expect("KEV"));
    srv.store
        .import_kev(&Actor::cli(), &info, &entries, T0)
        .await
        .expect("import KEV");
    let advisory = match bulwark_matching::load::read("RUSTSEC-2021-0003.json", RUSTSEC) {
        bulwark_matching::load::Read::Advisory(a) => a,
        _ => panic!("not an OSV record"),
    };
    srv.store
        .import_advisories(
            &Actor::cli(),
            vec![advisory_row(*advisory, Some(RUSTSEC)).expect("row")],
            T0,
        )
        .await
        .expect("import OSV");
    let mut orgs = Vec::new();
    for (org, kind, user) in [
        ("CISA", "agency", "cisa1"),
        (DOI, "agency", "doi1"),
        (DOE, "agency", "doe1"),
        ("Lab A", "developer", "deva"),
    ] {
        let (org_id, user_id, token) = srv.member(org, kind, user, &["analyst"]).await;
        set_password(&srv, uuid(&user_id)).await;
        orgs.push((uuid(&org_id), token));
    }
    let root = srv
        .state
        .authenticate(
            &ApiToken::parse(bulwark_core::secret::TOKEN_PREFIX, &srv.root_token).expect("token"),
        )
        .await
        .expect("root");
    let root = Acting::new(root, None);
    let profile = |issuer: bool, zone: Option<&str>| DirectiveProfileIn {
        agency_track: "civilian".into(),
        issues_directives: issuer,
        time_zone: zone.map(str::to_owned),
    };
    identity::set_directive_profile(&srv.state, &root, orgs[0].0, profile(true, None))
        .await
        .expect("CISA issues directives");
    identity::set_directive_profile(
        &srv.state,
        &root,
        orgs[1].0,
        profile(false, Some("America/New_York")),
    )
    .await
    .expect("Interior's time zone");
    assert!(
        bulwark_app::directives::ensure_default(&srv.state)
            .await
            .expect("BOD 26-04")
    );
    let sbom = json!({"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1,
        "components": [{"type": "library", "name": "smallvec", "purl": "pkg:cargo/smallvec@1.6.0"}]});
    let resp = srv
        .http
        .post(format!("{}/api/v1/sboms?name=payroll-2.1", srv.base))
        .bearer_auth(&orgs[1].1)
        .body(sbom.to_string())
        .send()
        .await
        .expect("upload");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let out: serde_json::Value = resp.json().await.expect("json");
    World {
        srv,
        clock,
        doi_org: orgs[1].0,
        sbom: out["sbom"]["id"].as_str().expect("id").to_owned(),
    }
}

/// The id after `prefix` in a redirect's location (up to `?`, `#` or `/`).
fn id_after(location: &str, prefix: &str) -> String {
    let rest = location
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{location:?} does not start with {prefix:?}"));
    rest.split(['?', '#', '/']).next().expect("id").to_owned()
}

/// The first id in the page after `needle` (e.g. `href="/obligations/`).
pub(crate) fn id_in(page: &Page, needle: &str) -> String {
    let at = page.at(needle) + needle.len();
    page.body[at..at + 36].to_owned()
}

/// Payroll, registered by Interior through the form, with ScreenConnect
/// (KEV: CVE-2024-1708) and the SBOM attached (smallvec: CVE-2021-25900).
pub(crate) async fn payroll(w: &World, doi: &mut Visitor) -> String {
    let page = doi.get("/systems").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.at("Register a system");
    let csrf = page.csrf();
    let made = doi
        .post(
            "/systems",
            &[
                ("csrf", &csrf),
                ("name", "Payroll"),
                ("fisma_id", "DOI-0042"),
                ("high_value_asset", "unknown"),
                ("publicly_exposed", "unknown"),
                ("owners", "ciso@doi.example\nops@doi.example"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let system = id_after(&made.location, "/systems/");
    let path = format!("/systems/{system}");
    let added = doi
        .post(
            &format!("{path}/products"),
            &[
                ("csrf", &csrf),
                ("vendor", "ConnectWise"),
                ("product", "ScreenConnect"),
                ("version", "23.9.7"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let attached = doi
        .post(
            &format!("{path}/sboms"),
            &[("csrf", &csrf), ("sbom", &w.sbom), ("replaces", "")],
        )
        .await;
    assert_eq!(attached.status, StatusCode::SEE_OTHER, "{}", attached.body);
    assert!(attached.location.contains("done=attached"));
    system
}

/// The number a count card shows for `label`.
fn count(page: &Page, label: &str) -> u64 {
    let at = page.at(&format!("<span class=\"label\">{label}</span>"));
    let before = &page.body[..at];
    let n = before.rfind("<span class=\"n\">").expect("a count") + 16;
    before[n..]
        .split('<')
        .next()
        .expect("number")
        .parse()
        .expect("a number")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agencys_obligations_show_on_its_pages_and_no_other_agencys() {
    let w = world().await;
    let mut doi = Visitor::sign_in(&w.srv, "doi1").await;
    let system = payroll(&w, &mut doi).await;

    // The navigation offers the directive pages to an agency's members.
    let home = doi.get("/").await;
    for link in ["/obligations", "/systems", "/compliance", "/directives"] {
        home.at(&format!("href=\"{link}\""));
    }

    let sys = doi.get(&format!("/systems/{system}")).await;
    assert_eq!(sys.status, StatusCode::OK);
    sys.at("ScreenConnect");
    sys.at("payroll-2.1");
    sys.at("ciso@doi.example");
    sys.at("Save the changes");
    assert_eq!(count(&sys, "Open"), 2, "{}", sys.body);

    let list = doi.get("/obligations").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(count(&list, "Open"), 2);
    assert_eq!(count(&list, "Overdue"), 0);
    assert_eq!(count(&list, "Closed"), 0);
    // The count links to the list it counts.
    list.at("href=\"/obligations?state=open\"");
    // ScreenConnect: KEV lists it and every other fact is unknown, so BOD
    // 26-04's row 1 applies: 3 days from when it came onto the system (T0),
    // 2026-11-30 12:00 UTC, which is 07:00 in New York.
    let kev_row = list.at("CVE-2024-1708</a>");
    let row_end = kev_row + list.body[kev_row..].find("</tr>").expect("row end");
    let row = &list.body[kev_row..row_end];
    assert!(row.contains("badge-kev"), "{row}");
    assert!(row.contains("2026-11-30 07:00 EST"), "{row}");
    assert!(row.contains("due in 3 days"), "{row}");
    assert!(row.contains("ScreenConnect"), "{row}");
    assert!(row.contains("rule row-01"), "{row}");
    // smallvec: KEV does not list it (a catalog is imported): no badge.
    let other = list.at("CVE-2021-25900</a>");
    let other_row = &list.body[other..other + list.body[other..].find("</tr>").expect("end")];
    assert!(!other_row.contains("badge"), "{other_row}");
    assert!(
        other_row.contains(r#"<code class="purl">pkg:cargo/<wbr>smallvec@<wbr>1.6.0</code>"#),
        "{other_row}"
    );

    let filtered = doi.get("/obligations?vulnerability=cve-2024-1708").await;
    filtered.at("CVE-2024-1708</a>");
    assert!(!filtered.body.contains("CVE-2021-25900</a>"));
    // A page at a time, the filters kept from page to page: following
    // "next" walks both obligations, one a page.
    let mut href = "/obligations?state=open&limit=1".to_owned();
    let mut seen = Vec::new();
    for _ in 0..4 {
        let page = doi.get(&href).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let rows = page.body.matches("<a href=\"/obligations/").count();
        assert!(rows <= 1, "{rows} rows on a page of 1");
        for cve in ["CVE-2024-1708", "CVE-2021-25900"] {
            if page.body.contains(&format!("{cve}</a>")) {
                seen.push(cve);
            }
        }
        let Some(next) = page.body.find("rel=\"next\"") else {
            break;
        };
        let at = page.body[..next].rfind("href=\"").expect("href") + 6;
        href = page.body[at..next - 2].replace("&#38;", "&");
        assert!(
            href.starts_with("/obligations?state=open&limit=1&cursor="),
            "{href}"
        );
    }
    seen.sort();
    assert_eq!(seen, ["CVE-2021-25900", "CVE-2024-1708"]);
    let bad = doi.get("/obligations?state=pending").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.at("state: &#34;pending&#34; is not open or closed");

    // Five days on (a new session: the old one has expired), ScreenConnect
    // is two days late.
    w.clock.advance(time::Duration::days(5));
    let mut doi = Visitor::sign_in(&w.srv, "doi1").await;
    let late = doi.get("/obligations?overdue=true").await;
    let at = late.at("CVE-2024-1708</a>");
    let row = &late.body[at..at + late.body[at..].find("</tr>").expect("end")];
    assert!(row.contains("overdue by 2 days"), "{row}");
    assert!(count(&late, "Overdue") >= 1);

    let only = doi
        .get("/obligations?overdue=true&vulnerability=CVE-2024-1708")
        .await;
    let obligation = id_in(&only, "<a href=\"/obligations/");
    let one = doi.get(&format!("/obligations/{obligation}")).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    // The explanation: each input, its value and its source.
    one.at("<code>in_kev</code></th><td>yes</td><td>KEV</td>");
    one.at("<code>publicly_exposed</code>");
    one.at("the directive&#39;s default for unknown");
    one.at("Record the answer");
    one.at("File the request");
    assert!(!one.body.contains("Record the decision"));

    // Another agency: nothing of Interior's, and the same 404 as for
    // something that does not exist.
    let mut doe = Visitor::sign_in(&w.srv, "doe1").await;
    for path in [
        format!("/obligations/{obligation}"),
        format!("/systems/{system}"),
        format!("/obligations/{}", Uuid::new_v4()),
        format!("/compliance/agencies/{}", w.doi_org),
    ] {
        let p = doe.get(&path).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{path}: {}", p.body);
    }
    let theirs = doe.get("/obligations").await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.body.contains("CVE-2024-1708"));
    assert_eq!(count(&theirs, "Open"), 0);
    let systems = doe.get("/systems").await;
    assert!(!systems.body.contains("Payroll"));
    let vuln = doe.get("/compliance/vulnerabilities/CVE-2024-1708").await;
    assert!(!vuln.body.contains(DOI), "{}", vuln.body);

    // A developer is offered none of it.
    let mut dev = Visitor::sign_in(&w.srv, "deva").await;
    let home = dev.get("/").await;
    assert!(!home.body.contains("href=\"/obligations\""));
    assert!(!home.body.contains("href=\"/compliance\""));
    let p = dev.get(&format!("/obligations/{obligation}")).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cisa_sees_every_civilian_agency_side_by_side() {
    let w = world().await;
    let mut doi = Visitor::sign_in(&w.srv, "doi1").await;
    let system = payroll(&w, &mut doi).await;
    w.clock.advance(time::Duration::days(5));

    let mut cisa = Visitor::sign_in(&w.srv, "cisa1").await;
    let all = cisa.get("/compliance").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    // The chart is described for assistive technology and the table holds
    // the same numbers.
    all.at("<title id=\"chart-title\">Overdue obligations per agency</title>");
    all.at(&format!("{DOI}: "));
    let row = all.at(&format!(
        "<a href=\"/compliance/agencies/{}\">{DOI}</a>",
        w.doi_org
    ));
    let row = &all.body[row..row + all.body[row..].find("</tr>").expect("end")];
    assert!(
        row.contains(&format!(
            "href=\"/obligations?org={}&#38;overdue=true\"",
            w.doi_org
        )),
        "{row}"
    );
    assert!(row.contains("2 open"), "{row}");
    // The trend: 12 weeks, the last one (now) with the two open and
    // overdue obligations, in the chart's table.
    all.at("<title id=\"trend-title\">");
    let trend = &all.body[all.at("Obligations per week")..];
    let last = trend[..trend.find("</tbody>").expect("end")]
        .rsplit("<tr>")
        .next()
        .expect("last row");
    let cells: Vec<&str> = last
        .split("<td class=\"num\">")
        .skip(1)
        .map(|c| c.split('<').next().unwrap_or(""))
        .collect();
    assert_eq!(cells, ["0", "0", "2", "2"], "{last}");
    // The vulnerability form leads to who is exposed.
    let asked = cisa
        .get("/compliance/vulnerabilities?id=cve-2024-1708")
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    assert_eq!(asked.location, "/compliance/vulnerabilities/CVE-2024-1708");
    let exposed = cisa.get(&asked.location).await;
    exposed.at(DOI);
    exposed.at("1 overdue");

    let agency = cisa
        .get(&format!("/compliance/agencies/{}", w.doi_org))
        .await;
    assert_eq!(agency.status, StatusCode::OK, "{}", agency.body);
    agency.at(&format!("<a href=\"/systems/{system}\">Payroll</a>"));
    agency.at("BOD-26-04");

    let list = cisa.get("/obligations").await;
    list.at("CVE-2024-1708</a>");
    list.at(&format!("/compliance/agencies/{}\">{DOI}</a>", w.doi_org));
    assert_eq!(count(&list, "Open"), 2);

    // CISA reads the system but may not change it.
    let sys = cisa.get(&format!("/systems/{system}")).await;
    assert_eq!(sys.status, StatusCode::OK);
    assert!(!sys.body.contains("Save the changes"));
    let csrf = sys.csrf();
    let refused = cisa
        .post(
            &format!("/systems/{system}/products"),
            &[("csrf", &csrf), ("vendor", "Ivanti"), ("product", "EPMM")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    // An agency's /compliance is its own page.
    let mut doi = Visitor::sign_in(&w.srv, "doi1").await;
    let own = doi.get("/compliance").await;
    assert_eq!(own.status, StatusCode::SEE_OTHER);
    assert_eq!(own.location, format!("/compliance/agencies/{}", w.doi_org));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_requests_and_decisions_go_through_the_forms() {
    let w = world().await;
    let mut doi = Visitor::sign_in(&w.srv, "doi1").await;
    payroll(&w, &mut doi).await;
    let list = doi.get("/obligations?vulnerability=CVE-2024-1708").await;
    let obligation = id_in(&list, "<a href=\"/obligations/");
    let path = format!("/obligations/{obligation}");
    let csrf = list.csrf();

    // Without the session's token nothing is recorded.
    let forged = doi
        .post(
            &format!("{path}/answers"),
            &[("csrf", "forged"), ("answer", "in_progress")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(!doi.get(&path).await.body.contains("answered"));

    // Remediated needs a note or evidence: the page says so, nothing changes.
    let refused = doi
        .post(
            &format!("{path}/answers"),
            &[("csrf", &csrf), ("answer", "remediated"), ("note", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.at("remediated needs a note or evidence");

    let answered = doi
        .post(
            &format!("{path}/answers"),
            &[
                ("csrf", &csrf),
                ("answer", "in_progress"),
                ("note", "vendor patch scheduled"),
                ("justification", "component_not_present"),
            ],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    let page = doi.get(&answered.location).await;
    page.at("Your answer is recorded");
    let history = &page.body[page.at("id=\"history\"")..];
    assert!(history.contains("answered"), "{history}");
    assert!(history.contains("doi1"), "{history}");
    assert!(history.contains("vendor patch scheduled"), "{history}");

    let asked = doi
        .post(
            &format!("{path}/requests"),
            &[
                ("csrf", &csrf),
                ("kind", "extension"),
                ("due", "2026-12-20"),
                ("justification", "the vendor's fix ships on 2026-12-18"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    let page = doi.get(&path).await;
    let requests = &page.body[page.at("id=\"requests\"")..page.at("id=\"history\"")];
    assert!(requests.contains("pending"), "{requests}");
    // The date asked for is the end of that day in New York.
    assert!(requests.contains("2026-12-20 23:59 EST"), "{requests}");
    assert!(!requests.contains("Record the decision"));

    // CISA decides; Interior may not.
    let mut cisa = Visitor::sign_in(&w.srv, "cisa1").await;
    let seen = cisa.get(&path).await;
    let request = id_in(&seen, "action=\"/obligation-requests/");
    let decision = format!("/obligation-requests/{request}/decision");
    let by_agency = doi
        .post(
            &decision,
            &[
                ("csrf", &csrf),
                ("obligation", &obligation),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(
        by_agency.status,
        StatusCode::FORBIDDEN,
        "{}",
        by_agency.body
    );
    let no_token = cisa
        .post(
            &decision,
            &[("obligation", &obligation), ("decision", "approve")],
        )
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let approved = cisa
        .post(
            &decision,
            &[
                ("csrf", &seen.csrf()),
                ("obligation", &obligation),
                ("decision", "approve"),
                ("due", "2026-12-15"),
                ("conditions", "isolate the appliance until patched"),
            ],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let page = doi.get(&path).await;
    let requests = &page.body[page.at("id=\"requests\"")..page.at("id=\"history\"")];
    assert!(requests.contains("approved"), "{requests}");
    assert!(
        requests.contains("isolate the appliance until patched"),
        "{requests}"
    );
    let facts = &page.body[page.at("id=\"facts\"")..page.at("id=\"why\"")];
    assert!(facts.contains("2026-12-15 23:59 EST"), "{facts}");
    assert!(facts.contains("an approved extension"), "{facts}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directives_show_their_rules_and_the_issuer_loads_new_versions() {
    let w = world().await;
    let mut doi = Visitor::sign_in(&w.srv, "doi1").await;
    let page = doi.get("/directives").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.at("BOD-26-04@1.0.0");
    page.at("in force");
    page.at("<code>in_kev = yes</code>");
    page.at("row-16");
    page.at("conservative default");
    assert!(!page.body.contains("Load the directive"));

    let mut cisa = Visitor::sign_in(&w.srv, "cisa1").await;
    let page = cisa.get("/directives").await;
    page.at("Load the directive");
    let csrf = page.csrf();
    let load = async |v: &mut Visitor, csrf: &str, toml: String| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_owned())
            .text("toml", toml);
        let req = v
            .http
            .post(format!("{}/directives", v.base))
            .multipart(form);
        v.finish(req).await
    };
    let next = bulwark_app::directives::DEFAULT_DIRECTIVE.replacen(
        "version = \"1.0.0\"",
        "version = \"1.0.1\"",
        1,
    );
    let forged = load(&mut cisa, "forged", next.clone()).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let loaded = load(&mut cisa, &csrf, next.clone()).await;
    assert_eq!(loaded.status, StatusCode::CREATED, "{}", loaded.body);
    loaded.at("BOD-26-04@1.0.1 is loaded and in force");
    let again = load(&mut cisa, &csrf, next).await;
    assert_eq!(again.status, StatusCode::OK);
    again.at("loaded before with the same text");
    let broken = load(&mut cisa, &csrf, "id = \"BOD-X\"\n".to_owned()).await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    broken.at("The directive was not loaded");
    // The pasted text is kept for correction.
    broken.at("id = &#34;BOD-X&#34;");

    // An agency may not load one.
    let csrf = doi.get("/directives").await.csrf();
    let refused = load(
        &mut doi,
        &csrf,
        bulwark_app::directives::DEFAULT_DIRECTIVE.replacen(
            "version = \"1.0.0\"",
            "version = \"9.0.0\"",
            1,
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_forms_need_the_session_token_and_say_what_is_wrong() {
    let w = world().await;
    let mut doi = Visitor::sign_in(&w.srv, "doi1").await;
    let forged = doi
        .post("/systems", &[("csrf", "forged"), ("name", "Payroll")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(!doi.get("/systems").await.body.contains("Payroll"));
    let csrf = doi.get("/systems").await.csrf();
    let bad = doi
        .post(
            "/systems",
            &[
                ("csrf", &csrf),
                ("name", "Payroll"),
                ("publicly_exposed", "maybe"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    bad.at("publicly_exposed");
    // The form keeps what was typed.
    bad.at("value=\"Payroll\"");
    let system = payroll(&w, &mut doi).await;
    let path = format!("/systems/{system}");
    let bad_cpe = doi
        .post(
            &format!("{path}/products"),
            &[("csrf", &csrf), ("cpe", "cpe:/a:ivanti")],
        )
        .await;
    assert_eq!(bad_cpe.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad_cpe.at("is not a CPE 2.3 formatted string");
    // Marking the system a national security system takes it out of the
    // directives' scope: its obligations close by themselves.
    let changed = doi
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("name", "Payroll"),
                ("high_value_asset", "yes"),
                ("publicly_exposed", "no"),
                ("national_security", "on"),
                ("owners", "ciso@doi.example"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    let page = doi.get(&changed.location).await;
    page.at("The system is changed");
    assert_eq!(count(&page, "Open"), 0, "{}", page.body);
    assert_eq!(count(&page, "Closed"), 2);
    let forged_detach = doi
        .post(
            &format!("{path}/sboms/{}/detach", w.sbom),
            &[("csrf", "forged")],
        )
        .await;
    assert_eq!(forged_detach.status, StatusCode::FORBIDDEN);
    let detached = doi
        .post(
            &format!("{path}/sboms/{}/detach", w.sbom),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(detached.status, StatusCode::SEE_OTHER, "{}", detached.body);
    let page = doi.get(&path).await;
    page.at("No SBOM is attached");
    page.at("Detached or replaced SBOMs (1)");
}
