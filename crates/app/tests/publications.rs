//! Advisories from cases through the use cases, on both back-ends: drafted
//! from a validated case only, edited (refused with JSON paths when a
//! document would be invalid), moved forward only, published under an
//! embargo to the case's parties only, made public once by the scheduler's
//! pass when the embargo ends (two servers at once: one publication), then
//! revised. What a party and an outsider read at each step.

mod common;

use std::sync::Arc;

use bulwark_app::publications::{self, DraftIn, EditIn, ListQuery, PublishIn, Stage, TransitionIn};
use bulwark_app::{Acting, App, Config, ErrorKind, cases};
use bulwark_authz::Authorizer;
use bulwark_core::{FixedClock, OrgKind, Role, Target, TargetKind};
use bulwark_store::{Actor, NewReport, Store};
use serde_json::json;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-11-02 12:00 UTC);

async fn org(store: &Store, name: &str, kind: OrgKind) -> Uuid {
    common::org(store, name, kind, T0).await
}

async fn analyst(store: &Store, org: Uuid, username: &str) -> Acting {
    common::member(store, org, username, Role::Analyst, T0).await
}

async fn scenario(store: Store) {
    let clock = Arc::new(FixedClock::new(T0));
    let app = App::new(
        store.clone(),
        Authorizer::new().expect("policy"),
        clock.clone(),
        Config::default(),
    );
    let op = analyst(
        &store,
        org(&store, "Clearinghouse", OrgKind::Operator).await,
        "op",
    )
    .await;
    let lab_org = org(&store, "Lab", OrgKind::Researcher).await;
    let lab = analyst(&store, lab_org, "lab").await;
    let repro_org = org(&store, "Repro", OrgKind::Researcher).await;
    let repro = analyst(&store, repro_org, "repro").await;
    let outsider = analyst(
        &store,
        org(&store, "Elsewhere", OrgKind::Researcher).await,
        "out",
    )
    .await;

    let report = NewReport {
        fingerprint: "bwk1:smallvec".into(),
        target: Some(Target::parse(TargetKind::Purl, "pkg:cargo/smallvec@1.6.0").expect("purl")),
        rule_id: Some("rust/heap-overflow".into()),
        title: "Heap overflow in insert_many".into(),
        location: Some("src/lib.rs:1037".into()),
        tool_name: Some("Fuzzer".into()),
        tool_version: None,
        ai_model: None,
        ai_model_version: None,
        detail: json!({}),
    };
    let case = store
        .ingest_reports(
            &Actor::cli(),
            lab_org,
            "application/sarif+json",
            b"x",
            &[report],
            T0,
        )
        .await
        .expect("ingest")
        .cases[0];

    // Not validated: no advisory.
    let e = publications::draft(&app, &op, case, DraftIn::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict, "{e}");
    for to in ["triaged", "validating"] {
        cases::transition(&app, &op, case, cases::CaseStateIn { to: to.into() })
            .await
            .expect(to);
    }
    cases::quorum(
        &app,
        &op,
        case,
        cases::QuorumIn {
            reproductions: 1,
            vendor_confirms: false,
        },
    )
    .await
    .expect("quorum");
    cases::assign(
        &app,
        &op,
        case,
        cases::TaskIn {
            kind: "reproduction".into(),
            org: repro_org,
        },
    )
    .await
    .expect("assign");
    let c = cases::validate(
        &app,
        &repro,
        case,
        cases::ValidationIn {
            kind: "reproduction".into(),
            result: "reproduced".into(),
            note: None,
            evidence: None,
            evidence_media_type: None,
        },
    )
    .await
    .expect("validate");
    assert_eq!(c.state, "validated");

    // Only the clearinghouse's writers draft.
    let e = publications::draft(&app, &lab, case, DraftIn::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden, "{e}");
    let red = publications::draft(
        &app,
        &op,
        case,
        DraftIn {
            tlp: Some("RED".into()),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(red.kind, ErrorKind::Validation, "{red}");
    let d = publications::draft(&app, &op, case, DraftIn::default())
        .await
        .expect("draft");
    assert_eq!(d.summary.tracking_id, "BWK-2026-0001");
    assert_eq!(
        (
            d.summary.status.as_str(),
            d.summary.stage,
            d.summary.tlp.as_str()
        ),
        ("draft", Stage::Draft, "CLEAR")
    );
    assert_eq!(d.content["products"][0]["purl"], "pkg:cargo/smallvec");
    assert_eq!(
        d.content["products"][0]["affected_versions"],
        json!(["1.6.0"])
    );
    assert_eq!(d.content["acknowledgments"][0]["organization"], "Lab");
    assert_eq!(
        d.content["vulnerabilities"][0]["ids"][0]["text"],
        case.to_string()
    );
    assert_eq!(d.tracking["revision_history"][0]["number"], 1);
    let again = publications::draft(&app, &op, case, DraftIn::default())
        .await
        .unwrap_err();
    assert_eq!(again.kind, ErrorKind::Conflict);
    let id = d.summary.id;

    // A draft is not published.
    let e = publications::publish(
        &app,
        &op,
        id,
        PublishIn {
            tlp: None,
            summary: "Initial".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict, "{e}");

    // An edit that would make an invalid document is refused with the path, and nothing changes.
    let mut bad = d.content.clone();
    bad["products"] = json!([]);
    let e = publications::edit(
        &app,
        &op,
        id,
        EditIn {
            content: bad,
            summary: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation, "{e}");
    assert!(e.detail.contains("csaf /product_tree"), "{e}");
    assert!(
        e.extensions["problems"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    );
    let mut unknown = d.content.clone();
    unknown["products"][0]["colour"] = json!("red");
    let e = publications::edit(
        &app,
        &op,
        id,
        EditIn {
            content: unknown,
            summary: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation, "{e}");
    assert!(e.detail.starts_with("content/products/0"), "{e}");
    assert_eq!(
        publications::get(&app, &op.principal, id)
            .await
            .unwrap()
            .content,
        d.content
    );

    let mut good = d.content.clone();
    good["products"][0]["fixed_versions"] = json!(["1.6.1"]);
    good["products"][0]["affected"] = json!([{"introduced": "0.6.3", "fixed": "1.6.1"}]);
    good["vulnerabilities"][0]["cvss_v3"] = json!("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    let edited = publications::edit(
        &app,
        &op,
        id,
        EditIn {
            content: good,
            summary: None,
        },
    )
    .await
    .expect("edit");
    assert_eq!(
        edited.summary.version, 1,
        "an unreleased edit is no revision"
    );

    publications::transition(
        &app,
        &op,
        id,
        TransitionIn {
            to: "interim".into(),
            summary: None,
        },
    )
    .await
    .expect("interim");
    let back = publications::transition(
        &app,
        &op,
        id,
        TransitionIn {
            to: "draft".into(),
            summary: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(back.kind, ErrorKind::Conflict);

    // Embargoed case: released to the parties only.
    let until = T0 + Duration::days(7);
    cases::marking(
        &app,
        &op,
        case,
        cases::MarkingIn {
            tlp: "AMBER+STRICT".into(),
            embargo_until: Some(bulwark_core::rfc3339(until)),
        },
    )
    .await
    .expect("embargo");
    let p = publications::publish(
        &app,
        &op,
        id,
        PublishIn {
            tlp: Some("CLEAR".into()),
            summary: "Initial release".into(),
        },
    )
    .await
    .expect("publish");
    assert_eq!(p.summary.stage, Stage::Embargoed);
    assert!(p.summary.published_at.is_none());
    let again = publications::publish(
        &app,
        &op,
        id,
        PublishIn {
            tlp: None,
            summary: "x".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(again.kind, ErrorKind::Conflict);
    let e = publications::get(&app, &outsider.principal, id)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let e = publications::document(&app, &outsider.principal, id, publications::Form::Csaf)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert!(
        publications::list(&app, &outsider.principal, &ListQuery::default())
            .await
            .unwrap()
            .is_empty()
    );
    let csaf = publications::document(&app, &repro.principal, id, publications::Form::Csaf)
        .await
        .expect("party reads");
    assert!(csaf.contains("BWK-2026-0001"));
    assert!(
        publications::document(&app, &repro.principal, id, publications::Form::Vex)
            .await
            .is_err(),
        "no product known not affected"
    );
    assert!(store.published_advisories().await.unwrap().is_empty());

    // Before the embargo ends the scheduler leaves it.
    assert!(
        publications::release_due(&app, "a")
            .await
            .unwrap()
            .is_empty()
    );
    clock.set(until + Duration::minutes(1));
    // The embargo has ended but the case is AMBER+STRICT: still not the outsider's.
    assert_eq!(
        publications::get(&app, &outsider.principal, id)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    let (x, y) = tokio::join!(
        publications::release_due(&app, "server-a"),
        publications::release_due(&app, "server-b")
    );
    let published: Vec<String> = x.unwrap().into_iter().chain(y.unwrap()).collect();
    assert_eq!(published, vec!["BWK-2026-0001".to_owned()]);
    assert!(
        publications::release_due(&app, "server-a")
            .await
            .unwrap()
            .is_empty()
    );
    let seen = publications::get(&app, &outsider.principal, id)
        .await
        .expect("public now");
    assert_eq!(seen.summary.stage, Stage::Published);
    assert_eq!(
        publications::document(&app, &outsider.principal, id, publications::Form::Csaf)
            .await
            .unwrap(),
        csaf
    );
    let public = store.published_advisories().await.unwrap();
    assert_eq!(public.len(), 1);
    assert_eq!(public[0].tlp, bulwark_core::Tlp::Clear);

    // A released advisory's edit is a new revision, with a summary.
    let mut more = seen.content.clone();
    more["products"][0]["not_affected_versions"] = json!(["0.6.2"]);
    let e = publications::edit(
        &app,
        &op,
        id,
        EditIn {
            content: more.clone(),
            summary: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation);
    clock.advance(Duration::hours(1));
    let r = publications::edit(
        &app,
        &op,
        id,
        EditIn {
            content: more,
            summary: Some("0.6.2 is not affected".into()),
        },
    )
    .await
    .expect("revise");
    assert_eq!(r.summary.version, 2);
    assert!(r.has_vex);
    let revs = publications::revisions(&app, &outsider.principal, id)
        .await
        .unwrap();
    assert_eq!(
        revs.iter()
            .map(|r| (r.number, r.published))
            .collect::<Vec<_>>(),
        vec![(1, true), (2, true)]
    );
    let public = store.published_advisories().await.unwrap();
    assert!(public[0].current_release_date > public[0].initial_release_date);
    assert!(
        publications::document(&app, &outsider.principal, id, publications::Form::OpenVex)
            .await
            .is_ok()
    );
    let fin = publications::transition(
        &app,
        &op,
        id,
        TransitionIn {
            to: "final".into(),
            summary: None,
        },
    )
    .await
    .expect("final");
    assert_eq!(
        (fin.summary.status.as_str(), fin.summary.version),
        ("final", 3)
    );

    let counts = publications::counts(&app, &op.principal).await.unwrap();
    assert_eq!(
        (
            counts.draft,
            counts.ready,
            counts.embargoed,
            counts.published
        ),
        (0, 0, 0, 1)
    );
    let q = ListQuery {
        stage: Some("draft".into()),
        case: None,
    };
    assert!(
        publications::list(&app, &op.principal, &q)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.audit_verify().await.unwrap().first_break.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn publications_on_sqlite() {
    scenario(bulwark_store::testing::sqlite().await.expect("store")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set BULWARK_TEST_DATABASE_URL (.ci/run does)"]
async fn publications_on_postgres() {
    scenario(bulwark_store::testing::postgres().await.expect("store")).await;
}
