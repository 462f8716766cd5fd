//! An obligation from a directive's requirement (issue 20: "scanned by an
//! approved AI-enabled tool every 30 days") on the existing pages: it has
//! a system for subject and a requirement for vulnerability, and the
//! system's page, the lists, its own page and the compliance views show
//! it beside BOD 26-04's obligations.
//!
//! Data: `directive_pages`' world (BOD 26-04, KEV excerpt, smallvec) and
//! the made-up directive `crates/directive/tests/it/fixtures/ai-scan-hva.toml`.

use bulwark_app::Acting;
use bulwark_app::directives::{self, systems};
use bulwark_core::ApiToken;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::visitor::Visitor;
use crate::directive_pages::{id_in, payroll, world};

const DIRECTIVE: &str = include_str!("../../../directive/tests/it/fixtures/ai-scan-hva.toml");

async fn acting(srv: &crate::common::Srv, org: &str, user: &str) -> Acting {
    let (_, _, token) = srv.member(org, "agency", user, &["analyst"]).await;
    let p = srv
        .state
        .authenticate(&ApiToken::parse(bulwark_core::secret::TOKEN_PREFIX, &token).expect("token"))
        .await
        .expect("principal");
    Acting::new(p, None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requirement_obligation_shows_on_the_pages() {
    let w = world().await;
    let mut doi = Visitor::sign_in(&w.srv, "doi1").await;
    let system: uuid::Uuid = payroll(&w, &mut doi).await.parse().expect("id");
    let doi_acting = acting(&w.srv, "Department of the Interior", "doi2").await;
    let cisa_acting = acting(&w.srv, "CISA", "cisa2").await;
    systems::update(
        &w.srv.state,
        &doi_acting,
        system,
        serde_json::from_value(json!({"high_value_asset": "yes"})).expect("patch"),
    )
    .await
    .expect("a high-value asset");
    let loaded = directives::load(&w.srv.state, &cisa_acting, DIRECTIVE)
        .await
        .expect("load");
    assert_eq!(loaded.moved.created, 1, "{:?}", loaded.moved);

    let sys = doi.get(&format!("/systems/{system}")).await;
    assert_eq!(sys.status, StatusCode::OK, "{}", sys.body);
    sys.at("requirement:ai-scan-hva</a>");

    let list = doi
        .get("/obligations?vulnerability=requirement:ai-scan-hva")
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let at = list.at("requirement:ai-scan-hva</a>");
    let row = &list.body[at..at + list.body[at..].find("</tr>").expect("end")];
    assert!(row.contains("Payroll"), "{row}");
    assert!(row.contains("(system)"), "{row}");
    assert!(row.contains("due in 30 days"), "{row}");
    assert!(!row.contains("badge"), "{row}");
    assert!(!list.body.contains("CVE-2024-1708</a>"));

    let id = id_in(&list, "<a href=\"/obligations/");
    let one = doi.get(&format!("/obligations/{id}")).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    one.at("requirement:ai-scan-hva on Payroll");
    one.at("<code>high_value_asset</code></th><td>yes</td>");
    one.at("tools that count");
    one.at("last qualifying scan: none since the trigger");
    // Scans meet it, not an answer; an extension may still be asked for.
    assert!(!one.body.contains(&format!("/obligations/{id}/answers")));
    one.at(&format!("action=\"/obligations/{id}/requests\""));

    let mut cisa = Visitor::sign_in(&w.srv, "cisa1").await;
    for path in [
        "/compliance".to_owned(),
        format!("/compliance/agencies/{}", w.doi_org),
        "/compliance/vulnerabilities/requirement:ai-scan-hva".to_owned(),
    ] {
        let p = cisa.get(&path).await;
        assert_eq!(p.status, StatusCode::OK, "{path}: {}", p.body);
    }
    let across = cisa
        .get("/compliance/vulnerabilities/requirement:ai-scan-hva")
        .await;
    across.at("Department of the Interior");
}
