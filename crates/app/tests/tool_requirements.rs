//! A directive that requires a class of tool (issue 20, item 4), end to end
//! through the use cases on both back-ends: the made-up directive of
//! `crates/directive/tests/it/fixtures/ai-scan-hva.toml` ("every high-value
//! asset scanned by an approved AI-enabled tool at least every 30 days"),
//! Interior's systems with SBOMs, a national security agency's, a vendor's
//! catalogue entries and its scan claims. Every expected date is written
//! from the scenario's clock, not computed by the code under test.

mod common;

use std::sync::Arc;

use bulwark_app::claims::{self, ClaimIn, ReleaseIn};
use bulwark_app::directives::{self, notices, obligations, requirements, systems};
use bulwark_app::{Acting, App, Config, ErrorKind};
use bulwark_authz::Authorizer;
use bulwark_core::{FixedClock, OrgKind, Role};
use bulwark_store::{Actor, NewTool, PageRequest, Store, ToolFields};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

const DIRECTIVE: &str = include_str!("../../directive/tests/it/fixtures/ai-scan-hva.toml");

/// Systems are registered and SBOMs attached (after the directive's
/// effective date, 2026-09-01).
const T0: OffsetDateTime = datetime!(2026-09-10 12:00 UTC);
/// The directive is loaded.
const T1: OffsetDateTime = datetime!(2026-09-11 12:00 UTC);
/// The first period ends 30 days after the systems came under it (T0).
const FIRST_DUE: OffsetDateTime = datetime!(2026-10-10 12:00 UTC);
/// An approved AI-enabled tool's scan of the web app's Django, released.
const SCANNED: OffsetDateTime = datetime!(2026-09-15 11:00 UTC);
const SCANNED_DUE: OffsetDateTime = datetime!(2026-10-15 11:00 UTC);
/// Scans that do not count (and one on the other HVA), released.
const OTHERS: OffsetDateTime = datetime!(2026-09-20 10:00 UTC);
const OTHERS_DUE: OffsetDateTime = datetime!(2026-10-20 10:00 UTC);

struct World {
    app: App,
    clock: Arc<FixedClock>,
    cisa: Acting,
    interior: Acting,
    defense: Acting,
    vendor: Acting,
    vendor_org: Uuid,
}

async fn world(store: Store) -> World {
    let clock = Arc::new(FixedClock::new(T0));
    let app = App::new(
        store.clone(),
        Authorizer::new().expect("policy"),
        clock.clone(),
        Config::default(),
    );
    let cisa = common::cisa(&store, T0).await;
    let interior = common::org(&store, "Department of the Interior", OrgKind::Agency, T0).await;
    let defense = common::national_security_agency(&store, "Defense Logistics Agency", T0).await;
    let vendor_org = common::org(&store, "Acme Labs", OrgKind::Vendor, T0).await;
    World {
        cisa: common::member(&store, cisa, "cisa-analyst", Role::Analyst, T0).await,
        interior: common::member(&store, interior, "doi-analyst", Role::Analyst, T0).await,
        defense: common::member(&store, defense, "dla-analyst", Role::Analyst, T0).await,
        vendor: common::member(&store, vendor_org, "acme-analyst", Role::Analyst, T0).await,
        vendor_org,
        app,
        clock,
    }
}

fn cyclonedx(components: &[(&str, &str)]) -> Vec<u8> {
    let components: Vec<Value> = components
        .iter()
        .map(|(n, p)| json!({"type": "library", "name": n, "purl": p}))
        .collect();
    json!({"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1, "components": components})
        .to_string()
        .into_bytes()
}

/// A system with `hva` as its flag and an SBOM of `components` attached.
async fn system(
    w: &World,
    who: &Acting,
    name: &str,
    hva: &str,
    components: &[(&str, &str)],
) -> Uuid {
    let id = systems::create(
        &w.app,
        who,
        serde_json::from_value(json!({"name": name, "high_value_asset": hva})).expect("body"),
    )
    .await
    .expect("system")
    .id;
    let sbom =
        bulwark_app::sboms::store_upload(&w.app, who, Some(name.into()), cyclonedx(components))
            .await
            .expect("sbom")
            .id;
    systems::attach_sbom(&w.app, who, id, sbom, None)
        .await
        .expect("attach");
    id
}

/// A catalogue entry of the vendor's, in `state` (through the workflow).
async fn tool(w: &World, name: &str, kind: &str, ai: bool, state: &str) -> Uuid {
    let store = &w.app.store;
    let t = store
        .create_tool(
            &Actor::cli(),
            &NewTool {
                provider_org: w.vendor_org,
                created_by: None,
                fields: ToolFields {
                    name: name.into(),
                    kind: kind.into(),
                    reports_as: name.to_ascii_lowercase(),
                    ai_enabled: ai,
                    summary: "made up for the test".into(),
                    deployment: r#"["on_premises"]"#.into(),
                    consumes: r#"["source_code"]"#.into(),
                    produces: r#"["sarif"]"#.into(),
                    max_tlp: "AMBER".into(),
                    embargoed: false,
                    fedramp: None,
                    model_id: None,
                },
            },
            T0,
        )
        .await
        .expect("tool");
    let mut at = "draft";
    for next in ["submitted", "approved"] {
        if at == state {
            break;
        }
        store
            .set_tool_state(&Actor::cli(), t.id, at, next, None, None, T0)
            .await
            .expect("state");
        at = next;
    }
    t.id
}

/// A claim by the vendor on `target` with `tool`, released with `outcome`
/// one hour after it was made (the clock is moved to the release).
async fn scan(w: &World, target: &str, tool: &str, outcome: &str, at: OffsetDateTime) -> Uuid {
    w.clock.set(at - time::Duration::hours(1));
    let c = claims::create(
        &w.app,
        &w.vendor,
        ClaimIn {
            target_kind: None,
            target: target.into(),
            technique: "static_analysis".into(),
            tool: Some(tool.into()),
            tool_version: None,
            model_name: None,
            model_version: None,
            lease_days: None,
            overlap: false,
        },
    )
    .await
    .expect("claim")
    .claim
    .id;
    w.clock.set(at);
    claims::release(
        &w.app,
        &w.vendor,
        c,
        ReleaseIn {
            outcome: outcome.into(),
            findings: (outcome == "findings").then_some(2),
            note: None,
        },
    )
    .await
    .expect("release");
    c
}

async fn all(w: &World, who: &Acting) -> Vec<obligations::ObligationOut> {
    obligations::list(
        &w.app,
        &who.principal,
        &obligations::ListQuery::default(),
        PageRequest::default(),
    )
    .await
    .expect("list")
    .items
}

/// The open requirement obligation of `system`.
async fn of(w: &World, system: Uuid) -> obligations::ObligationOut {
    let mut found: Vec<_> = all(w, &w.interior)
        .await
        .into_iter()
        .filter(|o| o.system == system && o.state == "open")
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found.remove(0)
}

fn due(o: &obligations::ObligationOut) -> OffsetDateTime {
    OffsetDateTime::parse(
        o.due_at.as_deref().expect("dated"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("rfc3339")
}

/// The reasons of the obligation's `revised` events, in order.
async fn revisions(w: &World, id: Uuid) -> Vec<String> {
    obligations::get(&w.app, &w.interior.principal, id)
        .await
        .expect("view")
        .history
        .into_iter()
        .filter(|e| e.kind == "revised")
        .map(|e| e.detail.to_string())
        .collect()
}

async fn scenario(store: Store) {
    let w = world(store).await;
    let app = &w.app;

    // Interior: two high-value assets and an ordinary system; Defense (the
    // national security track): a high-value asset with the same Django.
    let web = system(
        &w,
        &w.interior,
        "DOI grants portal",
        "yes",
        &[
            ("django", "pkg:pypi/django@4.2.1"),
            ("smallvec", "pkg:cargo/smallvec@1.6.0"),
        ],
    )
    .await;
    let hr = system(
        &w,
        &w.interior,
        "DOI HR",
        "yes",
        &[("lodash", "pkg:npm/lodash@4.17.21")],
    )
    .await;
    let wiki = system(
        &w,
        &w.interior,
        "DOI wiki",
        "no",
        &[("left-pad", "pkg:npm/left-pad@1.3.0")],
    )
    .await;
    let dla = system(
        &w,
        &w.defense,
        "DLA logistics",
        "yes",
        &[("django", "pkg:pypi/django@4.2.1")],
    )
    .await;

    // The catalogue: an approved AI cyber-reasoning system, an approved
    // fuzzer that is not AI-enabled, an AI scanner still awaiting approval.
    tool(&w, "Atlantis", "cyber_reasoning_system", true, "approved").await;
    tool(&w, "PlainFuzz", "fuzzer", false, "approved").await;
    let pending = tool(&w, "DraftAI", "scanner", true, "submitted").await;

    // The directive loaded: the two high-value assets are bound, the first
    // period ending 30 days after they came under it.
    w.clock.set(T1);
    let loaded = directives::load(app, &w.cisa, DIRECTIVE)
        .await
        .expect("load");
    assert_eq!(loaded.moved.created, 2, "{:?}", loaded.moved);
    let o = of(&w, web).await;
    assert_eq!(o.subject_kind, "system");
    assert_eq!(o.subject, format!("system:{web}"));
    assert_eq!(o.subject_name, "DOI grants portal");
    assert_eq!(o.vulnerability, "requirement:ai-scan-hva");
    assert_eq!(o.directive, "BOD-TEST-AI-SCAN@1");
    assert_eq!(o.rule, "ai-scan-hva");
    assert_eq!(o.timeline, "every 30 days");
    assert_eq!(o.trigger_at, "2026-09-10T12:00:00Z");
    assert_eq!(due(&o), FIRST_DUE);
    assert!(!o.overdue);
    assert_eq!(due(&of(&w, hr).await), FIRST_DUE);
    let web_id = o.id;
    let hr_id = of(&w, hr).await.id;
    // Neither the ordinary system nor the national security one.
    assert!(all(&w, &w.interior).await.iter().all(|o| o.system != wiki));
    assert!(all(&w, &w.defense).await.iter().all(|o| o.system != dla));
    // Loading again changes nothing.
    let again = obligations::evaluate_all(app, &Actor::cli(), "recomputed")
        .await
        .expect("again");
    assert_eq!(
        (again.created, again.revised, again.closed),
        (0, 0, 0),
        "{again:?}"
    );

    // The obligation's explanation names the facts, the tools that count
    // and the components.
    let view = obligations::get(app, &w.interior.principal, web_id)
        .await
        .expect("view");
    let lines = view.evaluation["explanation"].to_string();
    assert!(lines.contains("high_value_asset = yes"), "{lines}");
    assert!(
        lines.contains("Atlantis (reports as \\\"atlantis\\\")"),
        "{lines}"
    );
    assert!(!lines.contains("PlainFuzz"), "{lines}");
    assert!(!lines.contains("DraftAI"), "{lines}");
    assert!(
        lines.contains("2 package(s) of 1 attached SBOM(s)"),
        "{lines}"
    );

    // An approved AI-enabled tool scans the portal's Django (another
    // version, the name in another case: the same package) and finds
    // nothing: the date moves to 30 days after the release, with an event
    // naming the claim. The other high-value asset is not moved.
    let met = scan(
        &w,
        "pkg:pypi/Django@5.0.1",
        "atlantis",
        "nothing_found",
        SCANNED,
    )
    .await;
    let o = of(&w, web).await;
    assert_eq!(due(&o), SCANNED_DUE);
    let revised = revisions(&w, web_id).await;
    assert_eq!(revised.len(), 1, "{revised:?}");
    assert!(
        revised[0].contains(&format!("met by claim {met}")),
        "{revised:?}"
    );
    assert_eq!(due(&of(&w, hr).await), FIRST_DUE);
    let view = obligations::get(app, &w.interior.principal, web_id)
        .await
        .expect("view");
    assert_eq!(view.evaluation["met_by"]["claim"], json!(met));

    // What does not count: an approved tool that is not AI-enabled, an AI
    // tool not approved, an abandoned claim, and a scan of another
    // system's component (which moves that system's date only).
    scan(
        &w,
        "pkg:cargo/smallvec@1.6.0",
        "plainfuzz",
        "nothing_found",
        OTHERS,
    )
    .await;
    let unapproved = scan(
        &w,
        "pkg:cargo/smallvec@1.6.0",
        "draftai",
        "findings",
        OTHERS,
    )
    .await;
    scan(
        &w,
        "pkg:cargo/smallvec@1.6.0",
        "atlantis",
        "abandoned",
        OTHERS,
    )
    .await;
    let hr_met = scan(
        &w,
        "pkg:npm/lodash@4.17.21",
        "atlantis",
        "nothing_found",
        OTHERS,
    )
    .await;
    assert_eq!(due(&of(&w, web).await), SCANNED_DUE);
    assert_eq!(revisions(&w, web_id).await.len(), 1);
    assert_eq!(due(&of(&w, hr).await), OTHERS_DUE);
    let hr_revised = revisions(&w, hr_id).await;
    assert!(
        hr_revised[0].contains(&format!("met by claim {hr_met}")),
        "{hr_revised:?}"
    );

    // The program office approves the AI scanner: its earlier scan of the
    // portal's smallvec now counts. Withdrawn, it no longer does. (The
    // catalogue's use cases re-evaluate the bound systems.)
    w.clock.set(datetime!(2026-09-25 12:00 UTC));
    bulwark_app::tools::decide(
        app,
        &w.cisa,
        pending,
        &serde_json::from_value(json!({"decision": "approve"})).expect("decision"),
    )
    .await
    .expect("approve");
    assert_eq!(due(&of(&w, web).await), OTHERS_DUE);
    let revised = revisions(&w, web_id).await;
    assert!(
        revised[1].contains(&format!("met by claim {unapproved}")),
        "{revised:?}"
    );
    assert!(revised[1].contains("(draftai) approved"), "{revised:?}");
    bulwark_app::tools::withdraw(
        app,
        &w.cisa,
        pending,
        &serde_json::from_value(json!({"reason": "false negatives"})).expect("withdrawal"),
    )
    .await
    .expect("withdraw");
    assert_eq!(due(&of(&w, web).await), SCANNED_DUE);
    let revised = revisions(&w, web_id).await;
    assert!(revised[2].contains("(draftai) withdrawn"), "{revised:?}");
    // Nothing moved in between is moved again by the function itself.
    let again = requirements::on_catalogue_changed(app, &Actor::cli(), "again")
        .await
        .expect("re-evaluate");
    assert_eq!(again.revised, 0, "{again:?}");

    // A requirement is met by scans, not by an answer.
    let e = obligations::answer(
        app,
        &w.interior,
        web_id,
        serde_json::from_value(json!({"answer": "remediated", "note": "we scanned"}))
            .expect("body"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation, "{e}");

    // The wiki flagged a high-value asset: bound from that change, 30 days
    // on; flagged back, its obligation is closed by itself.
    let flagged = datetime!(2026-09-26 08:00 UTC);
    w.clock.set(flagged);
    let out = systems::update(
        app,
        &w.interior,
        wiki,
        serde_json::from_value(json!({"high_value_asset": "yes"})).expect("patch"),
    )
    .await
    .expect("flag");
    assert_eq!(out.obligations.created, 1, "{:?}", out.obligations);
    assert_eq!(due(&of(&w, wiki).await), datetime!(2026-10-26 08:00 UTC));
    let out = systems::update(
        app,
        &w.interior,
        wiki,
        serde_json::from_value(json!({"high_value_asset": "no"})).expect("patch"),
    )
    .await
    .expect("unflag");
    assert_eq!(out.obligations.closed, 1, "{:?}", out.obligations);

    // Past the portal's date it is overdue like any obligation, listed and
    // noticed as such; the HR system's later date is not.
    w.clock.set(datetime!(2026-10-16 00:00 UTC));
    let late = obligations::list(
        app,
        &w.interior.principal,
        &obligations::ListQuery {
            overdue: true,
            ..obligations::ListQuery::default()
        },
        PageRequest::default(),
    )
    .await
    .expect("overdue")
    .items;
    assert_eq!(late.iter().map(|o| o.id).collect::<Vec<_>>(), vec![web_id]);
    let sent = notices::send(app, "test").await.expect("notices");
    assert_eq!(sent.overdue, 1, "{sent:?}");
    // The list filter and the compliance views read the requirement.
    let by_key = obligations::list(
        app,
        &w.cisa.principal,
        &obligations::ListQuery {
            vulnerability: Some("Requirement:AI-SCAN-HVA".into()),
            ..obligations::ListQuery::default()
        },
        PageRequest::default(),
    )
    .await
    .expect("by requirement")
    .items;
    assert_eq!(by_key.len(), 3, "{by_key:?}");
    let c = obligations::agency_compliance(app, &w.interior.principal, w.interior.principal.org_id)
        .await
        .expect("compliance");
    let total = c.total.expect("total");
    assert_eq!((total.open, total.overdue, total.closed), (2, 1, 1));
    let across = obligations::vulnerability_view(app, &w.cisa.principal, "requirement:ai-scan-hva")
        .await
        .expect("across");
    assert_eq!(across.len(), 1, "{across:?}");
    assert_eq!(across[0].overdue, 1);

    // A scan after the date meets it again.
    let late_scan = datetime!(2026-10-17 09:00 UTC);
    scan(
        &w,
        "pkg:cargo/smallvec@1.6.0",
        "atlantis",
        "findings",
        late_scan,
    )
    .await;
    let o = of(&w, web).await;
    assert_eq!(due(&o), datetime!(2026-11-16 09:00 UTC));
    assert!(!o.overdue);
    assert!(app.store.audit_verify().await.expect("verify").ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_requirement_on_sqlite() {
    scenario(bulwark_store::testing::sqlite().await.expect("store")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set BULWARK_TEST_DATABASE_URL (.ci/run does)"]
async fn tool_requirement_on_postgres() {
    scenario(bulwark_store::testing::postgres().await.expect("store")).await;
}
