//! Programs and access to the catalogue's tools (issue 20, item 3), end to
//! end through the use cases, on both back-ends.
//!
//! CISA (a reviewing agency and the directives' issuer) runs a program
//! offering a covered frontier model and an AI-guided fuzzer to every
//! federal civilian agency. The Department of Energy asks for the frontier
//! model for one of its systems; bad requests (a tool the program does not
//! offer, data above the tool's marking, another agency's system, an
//! ineligible agency) are refused naming the field, with nothing written.
//! CISA approves, which proposes an early-access grant of the model to
//! Energy; the lab accepts on the request, which activates the request and
//! the grant at once. The grant cannot be concurred on its own. Interior
//! never sees Energy's requests. The fuzzer is active on CISA's approval
//! alone. Revoking the grant ends the request with it; every decision is
//! audited and published.
//!
//! The model is covered by the shipped benchmark set's compute criterion
//! (more than 1e26 operations), determined through the registry's own use
//! case, not written by the test.

mod common;

use std::sync::Arc;

use bulwark_app::tools::{self, access, programs};
use bulwark_app::{Acting, App, Config, ErrorKind, frontier, partners};
use bulwark_authz::Authorizer;
use bulwark_core::{FixedClock, OrgKind, Role};
use bulwark_store::{AuditQuery, Store};
use serde_json::json;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// After the shipped benchmark set (effective 2026-12-01) is in force.
const T0: OffsetDateTime = datetime!(2027-01-11 15:00 UTC);
const BENCHMARKS: &str = include_str!("../../../benchmarks/frontier-cyber.toml");

struct World {
    app: App,
    cisa: Acting,
    energy: Acting,
    energy_viewer: Acting,
    interior: Acting,
    defense: Acting,
    lab: Acting,
    fuzzco: Acting,
}

async fn writer(store: &Store, org: Uuid, name: &str) -> Acting {
    common::member(store, org, name, Role::Analyst, T0).await
}

async fn world(store: Store) -> World {
    let app = App::new(
        store.clone(),
        Authorizer::new().expect("policy"),
        Arc::new(FixedClock::new(T0)),
        Config::default(),
    );
    let cisa = common::cisa(&store, T0).await;
    let energy = common::org(&store, "Department of Energy", OrgKind::Agency, T0).await;
    let interior = common::org(&store, "Department of the Interior", OrgKind::Agency, T0).await;
    let defense = common::national_security_agency(&store, "Defense Logistics Agency", T0).await;
    let lab = common::org(&store, "Frontier Lab", OrgKind::Developer, T0).await;
    let fuzzco = common::org(&store, "Fuzzco", OrgKind::Vendor, T0).await;
    World {
        cisa: writer(&store, cisa, "cisa-analyst").await,
        energy: writer(&store, energy, "doe-analyst").await,
        energy_viewer: common::member(&store, energy, "doe-viewer", Role::Viewer, T0).await,
        interior: writer(&store, interior, "doi-analyst").await,
        defense: writer(&store, defense, "dla-analyst").await,
        lab: writer(&store, lab, "lab-analyst").await,
        fuzzco: writer(&store, fuzzco, "fuzzco-analyst").await,
        app,
    }
}

/// An entry approved into the catalogue: written by `provider`, submitted,
/// approved by CISA.
async fn approved_tool(w: &World, provider: &Acting, body: serde_json::Value) -> Uuid {
    let input: tools::ToolIn = serde_json::from_value(body).expect("tool body");
    let t = tools::create(&w.app, provider, &input)
        .await
        .expect("create tool");
    tools::submit(&w.app, provider, t.id).await.expect("submit");
    let decision: tools::ToolDecisionIn =
        serde_json::from_value(json!({"decision": "approve"})).expect("decision");
    tools::decide(&w.app, &w.cisa, t.id, &decision)
        .await
        .expect("approve tool");
    t.id
}

async fn system(w: &World, who: &Acting, name: &str) -> Uuid {
    bulwark_app::directives::systems::create(
        &w.app,
        who,
        serde_json::from_value(json!({"name": name, "high_value_asset": "yes"})).expect("body"),
    )
    .await
    .expect("system")
    .id
}

fn ask(
    program: Uuid,
    tool: Uuid,
    systems: &[Uuid],
    tlp: &str,
    days: i64,
) -> access::AccessRequestIn {
    serde_json::from_value(json!({
        "program": program,
        "tool": tool,
        "use_case_id": "DOE-0042",
        "systems": systems,
        "data": {"tlp": tlp},
        "starts_at": "2027-01-11T15:00:00Z",
        "ends_at": bulwark_core::rfc3339(T0 + Duration::days(days)),
    }))
    .expect("request body")
}

async fn audit_actions(store: &Store) -> Vec<String> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = store
            .audit_entries(AuditQuery {
                after_seq: after,
                limit: 1000,
            })
            .await
            .expect("audit");
        let Some(last) = page.last() else {
            return out;
        };
        after = last.seq;
        for e in page {
            if e.action == "event.publish" {
                let d: serde_json::Value = serde_json::from_str(&e.detail).expect("detail");
                out.push(format!("event:{}", d["type"].as_str().unwrap_or("")));
            } else {
                out.push(e.action);
            }
        }
    }
}

/// The refusal's field, and that nothing was written.
async fn refused(w: &World, who: &Acting, input: &access::AccessRequestIn, field: &str) -> String {
    let before = w.app.store.audit_verify().await.expect("verify").entries;
    let e = access::request(&w.app, who, input).await.expect_err(field);
    assert_eq!(e.kind, ErrorKind::Validation, "{e:?}");
    assert_eq!(
        e.extensions.get("field").and_then(|f| f.as_str()),
        Some(field),
        "{}",
        e.detail
    );
    assert_eq!(
        w.app.store.audit_verify().await.expect("verify").entries,
        before,
        "a refused request writes nothing"
    );
    e.detail
}

async fn scenario(store: Store) {
    let w = world(store).await;
    let app = &w.app;

    // The registry: the shipped set in force, a model trained with 3e26
    // operations — covered.
    frontier::load_benchmark(
        app,
        &w.cisa,
        Some("application/toml"),
        BENCHMARKS.as_bytes(),
    )
    .await
    .expect("benchmarks");
    let model = frontier::create_model(
        app,
        &w.lab,
        serde_json::from_value(json!({"profile": {
            "name": "Frontier-1", "training_compute_flop": 3e26
        }}))
        .expect("model body"),
    )
    .await
    .expect("model");
    assert_eq!(
        model.determinations.first().map(|d| d.outcome.as_str()),
        Some("covered")
    );
    assert!(access::covered_model(app, model.id).await.expect("covered"));

    let frontier_tool = approved_tool(
        &w,
        &w.lab,
        json!({"name": "Frontier-1 code review", "kind": "frontier_model",
               "reports_as": "frontier-1", "ai_enabled": true,
               "deployment": ["government_cloud"], "consumes": ["source_code"],
               "produces": ["sarif", "patch"], "limits": {"max_tlp": "AMBER"},
               "model": model.id}),
    )
    .await;
    let fuzzer = approved_tool(
        &w,
        &w.fuzzco,
        json!({"name": "Fuzzco Harness", "kind": "fuzzer", "reports_as": "fuzzco",
               "ai_enabled": true, "deployment": ["on_premises"],
               "consumes": ["source_code"], "produces": ["pov"],
               "limits": {"max_tlp": "GREEN"}}),
    )
    .await;

    // Programs: CISA's alone to write; everyone reads them.
    let program_in = |name: &str, tools: Vec<Uuid>| -> programs::ProgramIn {
        serde_json::from_value(json!({
            "name": name,
            "eligibility": {"kind": "federal_civilian"},
            "tools": tools, "max_days": 90,
            "conditions": "Findings go to the clearinghouse within 72 hours.",
        }))
        .expect("program body")
    };
    let e = programs::create(app, &w.energy, &program_in("Mine", vec![fuzzer]))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let hva = programs::create(
        app,
        &w.cisa,
        &program_in(
            "AI-assisted code scanning for high-value assets",
            vec![frontier_tool, fuzzer],
        ),
    )
    .await
    .expect("program");
    let pilot = programs::create(app, &w.cisa, &program_in("Fuzzing pilot", vec![fuzzer]))
        .await
        .expect("pilot");
    let seen = programs::list(app, &w.interior.principal)
        .await
        .expect("list");
    assert_eq!(
        seen.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        [
            "AI-assisted code scanning for high-value assets",
            "Fuzzing pilot"
        ]
    );

    let grid = system(&w, &w.energy, "Grid telemetry").await;
    let parks = system(&w, &w.interior, "Park reservations").await;
    let dla_system = system(&w, &w.defense, "Supply chain").await;

    // Bad requests: refused with the field, nothing written.
    refused(
        &w,
        &w.energy,
        &ask(pilot.id, frontier_tool, &[grid], "GREEN", 60),
        "tool",
    )
    .await;
    let why = refused(
        &w,
        &w.energy,
        &ask(hva.id, fuzzer, &[grid], "AMBER", 60),
        "data.tlp",
    )
    .await;
    assert!(
        why.contains("TLP:AMBER") && why.contains("TLP:GREEN"),
        "{why}"
    );
    refused(
        &w,
        &w.energy,
        &ask(hva.id, frontier_tool, &[parks], "GREEN", 60),
        "systems[0]",
    )
    .await;
    refused(
        &w,
        &w.energy,
        &ask(hva.id, frontier_tool, &[grid], "GREEN", 120),
        "ends_at",
    )
    .await;
    refused(
        &w,
        &w.defense,
        &ask(hva.id, fuzzer, &[dla_system], "CLEAR", 30),
        "agency",
    )
    .await;
    // A viewer does not ask; Interior does not ask for Energy.
    let e = access::request(
        app,
        &w.energy_viewer,
        &ask(hva.id, fuzzer, &[grid], "GREEN", 30),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let mut for_energy = ask(hva.id, fuzzer, &[grid], "GREEN", 30);
    for_energy.agency = Some(w.energy.principal.org_id);
    let e = access::request(app, &w.interior, &for_energy)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    assert!(
        access::list(app, &w.cisa.principal, &Default::default())
            .await
            .expect("list")
            .is_empty()
    );

    // Energy asks for the frontier model.
    let r = access::request(
        app,
        &w.energy,
        &ask(hva.id, frontier_tool, &[grid], "GREEN", 60),
    )
    .await
    .expect("request");
    assert_eq!(
        (r.state.as_str(), r.status.as_str()),
        ("requested", "requested")
    );
    assert_eq!(r.systems, vec![grid]);

    // Who sees it: Energy, CISA, the lab (provider); never Interior.
    for who in [&w.energy, &w.energy_viewer, &w.cisa, &w.lab] {
        let mine = access::list(app, &who.principal, &Default::default())
            .await
            .expect("list");
        assert_eq!(mine.iter().map(|x| x.id).collect::<Vec<_>>(), [r.id]);
    }
    assert!(
        access::list(app, &w.interior.principal, &Default::default())
            .await
            .expect("list")
            .is_empty()
    );
    // Its events reach the same parties: Energy's and the lab's webhooks,
    // not Interior's.
    let subject = bulwark_app::webhooks::event_subject(
        &app.store,
        &json!({"access_request": r.id, "agency": w.energy.principal.org_id, "state": "requested"}),
    )
    .await
    .expect("subject");
    for (who, may) in [(&w.energy, true), (&w.lab, true), (&w.interior, false)] {
        assert_eq!(
            bulwark_app::webhooks::may_know(app, &who.principal, &subject),
            may,
            "{}",
            who.principal.username
        );
    }
    let e = access::get(app, &w.interior.principal, r.id)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let e = access::revoke(
        app,
        &w.interior,
        r.id,
        &access::RevokeIn { reason: "x".into() },
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);

    // Only CISA decides; the approval needs an authorising official.
    let approve = |official: Option<&str>| -> access::AccessDecisionIn {
        serde_json::from_value(json!({
            "decision": "approve",
            "authorising_official": official,
            "conditions": "No source code leaves the agency's tenant.",
            "expires_at": "2027-03-01T00:00:00Z",
        }))
        .expect("decision")
    };
    let e = access::decide(app, &w.energy, r.id, &approve(Some("Energy CIO")))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let e = access::decide(app, &w.cisa, r.id, &approve(None))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation);
    let r = access::decide(app, &w.cisa, r.id, &approve(Some("J. Smith, DOE CIO")))
        .await
        .expect("approve");
    assert_eq!(r.state, "approved");
    assert_eq!(r.developer, Some(w.lab.principal.org_id));
    assert_eq!(r.expires_at.as_deref(), Some("2027-03-01T00:00:00Z"));
    assert_eq!(
        r.conditions.as_deref(),
        Some(
            "Findings go to the clearinghouse within 72 hours.\n\nNo source code leaves the agency's tenant."
        )
    );
    let grant_id = r.grant.expect("an early-access grant is proposed");
    let g = partners::grant(app, &w.energy.principal, grant_id)
        .await
        .expect("Energy reads its grant");
    assert_eq!(g.partner_org, w.energy.principal.org_id);
    assert_eq!(g.developer_org, w.lab.principal.org_id);
    assert_eq!(g.model, model.id);
    assert_eq!((g.state.as_str(), g.scope.as_str()), ("proposed", "api"));
    assert_eq!(g.ends_at, "2027-03-01T00:00:00Z");

    // One decision, not two: the grant is not concurred on its own.
    let e = partners::concur(app, &w.cisa, grant_id, partners::DecisionIn::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict, "{}", e.detail);
    // Only the developer answers; declining needs a reason.
    let accept = access::AccessAnswerIn {
        accept: true,
        reason: None,
    };
    let e = access::answer(app, &w.fuzzco, r.id, &accept)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let e = access::answer(app, &w.energy, r.id, &accept)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let e = access::answer(
        app,
        &w.lab,
        r.id,
        &access::AccessAnswerIn {
            accept: false,
            reason: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation);
    let r = access::answer(app, &w.lab, r.id, &accept)
        .await
        .expect("accept");
    assert_eq!((r.state.as_str(), r.status.as_str()), ("active", "active"));
    let g = partners::grant(app, &w.lab.principal, grant_id)
        .await
        .expect("grant");
    assert_eq!(
        (g.state.as_str(), g.status.as_str()),
        ("concurred", "active")
    );

    // The fuzzer: active on CISA's approval alone, no grant.
    let f = access::request(app, &w.energy, &ask(hva.id, fuzzer, &[grid], "CLEAR", 30))
        .await
        .expect("fuzzer request");
    let mut plain = approve(Some("J. Smith, DOE CIO"));
    plain.expires_at = None;
    let f = access::decide(app, &w.cisa, f.id, &plain)
        .await
        .expect("approve");
    assert_eq!((f.state.as_str(), f.grant), ("active", None));
    assert_eq!(f.expires_at.as_deref(), Some("2027-02-10T15:00:00Z"));
    // A scope is for frontier models only; a denial needs a reason.
    let again = access::request(app, &w.energy, &ask(hva.id, fuzzer, &[grid], "CLEAR", 30))
        .await
        .expect("another");
    let mut scoped = approve(Some("X"));
    scoped.scope = Some("weights".into());
    let e = access::decide(app, &w.cisa, again.id, &scoped)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation);
    let deny: access::AccessDecisionIn =
        serde_json::from_value(json!({"decision": "deny"})).expect("deny");
    let e = access::decide(app, &w.cisa, again.id, &deny)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation);
    let deny: access::AccessDecisionIn =
        serde_json::from_value(json!({"decision": "deny", "reason": "already active"}))
            .expect("deny");
    let again = access::decide(app, &w.cisa, again.id, &deny)
        .await
        .expect("deny");
    assert_eq!(again.state, "denied");

    // Revoking the grant (the lab) ends the request at once, and the other
    // way round (CISA on the fuzzer).
    let e = partners::revoke(app, &w.lab, grant_id, partners::DecisionIn::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation);
    let g = partners::revoke(
        app,
        &w.lab,
        grant_id,
        partners::DecisionIn {
            reason: Some("model retired".into()),
        },
    )
    .await
    .expect("revoke grant");
    assert_eq!(g.state, "revoked");
    let r = access::get(app, &w.energy.principal, r.id)
        .await
        .expect("read");
    assert_eq!(
        (r.state.as_str(), r.reason.as_deref()),
        ("revoked", Some("model retired"))
    );
    let f = access::revoke(
        app,
        &w.cisa,
        f.id,
        &access::RevokeIn {
            reason: "condition broken".into(),
        },
    )
    .await
    .expect("revoke");
    assert_eq!(f.state, "revoked");
    let active: access::AccessFilter = access::AccessFilter {
        status: Some("active".into()),
        ..Default::default()
    };
    assert!(
        access::list(app, &w.energy.principal, &active)
            .await
            .expect("list")
            .is_empty()
    );

    // Every decision audited and published, in order.
    let actions = audit_actions(&app.store).await;
    let ours: Vec<&str> = actions
        .iter()
        .map(String::as_str)
        .filter(|a| a.contains("access") || a.starts_with("event:grant") || a.starts_with("grant."))
        .collect();
    assert_eq!(
        ours,
        [
            "access.request",
            "event:access.requested",
            "grant.propose",
            "event:grant.proposed",
            "access.approve",
            "event:access.approved",
            "grant.concur",
            "event:grant.concurred",
            "access.accept",
            "event:access.activated",
            "access.request",
            "event:access.requested",
            "access.approve",
            "event:access.activated",
            "access.request",
            "event:access.requested",
            "access.deny",
            "event:access.denied",
            "grant.revoke",
            "event:grant.revoked",
            "access.revoke",
            "event:access.revoked",
            "access.revoke",
            "event:access.revoked",
        ]
    );
    assert!(app.store.audit_verify().await.expect("verify").ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_scenario_on_sqlite() {
    scenario(bulwark_store::testing::sqlite().await.expect("store")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set BULWARK_TEST_DATABASE_URL (.ci/run does)"]
async fn access_scenario_on_postgres() {
    scenario(bulwark_store::testing::postgres().await.expect("store")).await;
}
