//! Binding Operational Directives end to end, through the use cases, on
//! both back-ends: three agencies (two civilian, one national security)
//! with systems and SBOMs, CISA as the directives' issuer, KEV, CVE records
//! and OSV advisories in the store, BOD 26-04 in force; then a KEV entry
//! added (obligations appear only where the product runs), an emergency
//! directive on one CVE, a "not affected" answer, a replaced SBOM closing
//! an obligation by itself, an extension approved, an obligation going
//! overdue under an injected clock — with what each agency and CISA see at
//! each step.
//!
//! Expected timelines come from the independent BOD 26-04 table in
//! `bulwark_scoring::bod2604`, not from the directive engine under test.
//!
//! Fixtures (sources in their READMEs): OSV records RUSTSEC-2021-0003
//! (smallvec, CVE-2021-25900) and PYSEC-2023-100 (Django, CVE-2023-36053)
//! from `crates/matching/tests/fixtures`; CISA's KEV excerpt and the
//! vulnrichment record of CVE-2022-0028 (PAN-OS) from
//! `crates/scoring/tests/fixtures`; the SPDX 2.3 SBOM of Red Hat's UBI 9
//! micro image from `crates/sbom/tests/fixtures` (the shared data set's).

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use bulwark_app::directives::{self, obligations, systems};
use bulwark_app::{Acting, App, Config};
use bulwark_authz::Authorizer;
use bulwark_core::{FixedClock, OrgKind, Role};
use bulwark_scoring::ssvc::{Automatable, TechnicalImpact};
use bulwark_store::{Actor, PageRequest, Store};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-08-10 12:00 UTC);
const RUSTSEC: &[u8] = include_bytes!("../../matching/tests/fixtures/RUSTSEC-2021-0003.json");
const PYSEC: &[u8] = include_bytes!("../../matching/tests/fixtures/PYSEC-2023-100.yaml");
const KEV: &[u8] = include_bytes!("../../scoring/tests/fixtures/kev_excerpt.json");
const UBI9: &[u8] = include_bytes!("../../sbom/tests/fixtures/spdx-2.3-ubi9-micro.spdx.json");
const PANOS: &[u8] =
    include_bytes!("../../scoring/tests/fixtures/vulnrichment/2022/0xxx/CVE-2022-0028.json");

/// An emergency directive on the Django CVE, leaving every other CVE alone.
const ED: &str = r#"
id = "ED-26-02"
version = "1"
title = "Mitigate CVE-2023-36053 in Django"
issuer = "CISA"
effective = 2026-08-11
revokes = []

[scope]
applies_to = ["federal civilian executive branch agencies"]
excludes = ["national security systems"]
note = "test fixture"

[[fact]]
name = "in_kev"
description = "listed in KEV"
source = "KEV"
values = ["yes", "no"]
unknown = "yes"
unknown_basis = "conservative"

[[rule]]
id = "ed"
cves = ["CVE-2023-36053"]
action = "patch or disconnect"
timeline = "48 hours"

[[rule]]
id = "others"
action = "none"
timeline = "none"
"#;

struct World {
    app: App,
    clock: Arc<FixedClock>,
    cisa: Acting,
    interior: Acting,
    energy: Acting,
    defense: Acting,
    vendor: Acting,
}

async fn org(store: &Store, name: &str, kind: OrgKind) -> Uuid {
    common::org(store, name, kind, T0).await
}

async fn writer(store: &Store, org: Uuid, username: &str) -> Acting {
    common::member(store, org, username, Role::Analyst, T0).await
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

/// The KEV excerpt as a catalog version, without `leave_out`.
fn kev(version: &str, leave_out: &[&str]) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(KEV).expect("kev");
    let list = v["vulnerabilities"].as_array_mut().expect("list");
    list.retain(|e| !leave_out.contains(&e["cveID"].as_str().expect("id")));
    let n = list.len();
    v["count"] = json!(n);
    v["catalogVersion"] = json!(version);
    serde_json::to_vec(&v).expect("json")
}

async fn import_kev(app: &App, bytes: &[u8]) {
    let catalog = bulwark_scoring::feeds::kev::KevCatalog::parse(bytes).expect("catalog");
    let (info, entries) = bulwark_app::feeds::kev_rows(catalog);
    app.store
        .import_kev(&Actor::cli(), &info, &entries, T0)
        .await
        .expect("import kev");
}

async fn world(store: Store) -> World {
    let clock = Arc::new(FixedClock::new(T0));
    let app = App::new(
        store.clone(),
        Authorizer::new().expect("policy"),
        clock.clone(),
        Config::default(),
    );
    let cisa_org = org(&store, "CISA", OrgKind::Agency).await;
    store
        .set_directive_profile(
            &Actor::cli(),
            cisa_org,
            bulwark_core::AgencyTrack::Civilian,
            true,
            Some("America/New_York"),
            T0,
        )
        .await
        .expect("issuer");
    let interior = org(&store, "Department of the Interior", OrgKind::Agency).await;
    let energy = org(&store, "Department of Energy", OrgKind::Agency).await;
    let defense = org(&store, "Defense Logistics Agency", OrgKind::Agency).await;
    store
        .set_directive_profile(
            &Actor::cli(),
            defense,
            bulwark_core::AgencyTrack::NationalSecurity,
            false,
            None,
            T0,
        )
        .await
        .expect("track");
    let vendor = org(&store, "Acme Software", OrgKind::Vendor).await;
    let w = World {
        cisa: writer(&store, cisa_org, "cisa-analyst").await,
        interior: writer(&store, interior, "doi-analyst").await,
        energy: writer(&store, energy, "doe-analyst").await,
        defense: writer(&store, defense, "dla-analyst").await,
        vendor: writer(&store, vendor, "acme-analyst").await,
        app,
        clock,
    };
    assert!(directives::ensure_default(&w.app).await.expect("default"));
    // Feeds: KEV without the PAN-OS and ScreenConnect entries, PAN-OS's
    // CVE record, OSV advisories.
    import_kev(
        &w.app,
        &kev("2026.08.01", &["CVE-2022-0028", "CVE-2024-1708"]),
    )
    .await;
    let panos = bulwark_app::feeds::cve_row(PANOS).expect("cve row");
    store
        .import_cves(&Actor::cli(), vec![panos], T0)
        .await
        .expect("cves");
    let rows: Vec<_> = [
        ("RUSTSEC-2021-0003.json", RUSTSEC),
        ("PYSEC-2023-100.yaml", PYSEC),
    ]
    .iter()
    .map(|(name, bytes)| {
        let a = match bulwark_matching::load::read(name, bytes) {
            bulwark_matching::load::Read::Advisory(a) => a,
            _ => panic!("{name} is not an OSV record"),
        };
        bulwark_app::advisories::advisory_row(*a, name.ends_with(".json").then_some(*bytes))
            .expect("row")
    })
    .collect();
    store
        .import_advisories(&Actor::cli(), rows, T0)
        .await
        .expect("osv");
    w
}

async fn system(w: &World, who: &Acting, name: &str, exposed: &str) -> Uuid {
    systems::create(
        &w.app,
        who,
        serde_json::from_value(
            json!({"name": name, "publicly_exposed": exposed, "owners": ["isso@example.gov"]}),
        )
        .expect("body"),
    )
    .await
    .expect("system")
    .id
}

async fn sbom(w: &World, who: &Acting, name: &str, components: &[(&str, &str)]) -> Uuid {
    bulwark_app::sboms::store_upload(&w.app, who, Some(name.into()), cyclonedx(components))
        .await
        .expect("sbom")
        .id
}

/// Every obligation `who` may read, with `q`.
async fn seen(
    w: &World,
    who: &Acting,
    q: obligations::ListQuery,
) -> Vec<obligations::ObligationOut> {
    obligations::list(&w.app, &who.principal, &q, PageRequest::default())
        .await
        .expect("list")
        .items
}

async fn all(w: &World, who: &Acting) -> Vec<obligations::ObligationOut> {
    seen(w, who, obligations::ListQuery::default()).await
}

fn key(o: &obligations::ObligationOut) -> (String, String) {
    (o.vulnerability.clone(), o.directive.clone())
}

/// BOD 26-04's timeline in days from the independent table.
fn bod_days(kev: bool, exposed: bool, a: Automatable, ti: TechnicalImpact) -> i64 {
    i64::from(
        bulwark_scoring::bod2604::timeline(kev, exposed, a, ti)
            .days
            .expect("a dated row"),
    )
}

fn due(o: &obligations::ObligationOut) -> OffsetDateTime {
    OffsetDateTime::parse(
        o.due_at.as_deref().expect("dated"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("rfc3339")
}

async fn scenario(store: Store) {
    let w = world(store).await;
    let app = &w.app;

    // Inventories. Interior: a public web app (smallvec 1.6.0, Django
    // 4.2.1) and a firewall (PAN-OS, a product without a purl). Energy: an
    // internal app with smallvec. Defense (national security track): the
    // same web app.
    let web = system(&w, &w.interior, "DOI public web", "yes").await;
    let fw = system(&w, &w.interior, "DOI perimeter firewall", "yes").await;
    let doe = system(&w, &w.energy, "DOE grants app", "no").await;
    let dla = system(&w, &w.defense, "DLA web", "yes").await;
    let web_sbom = sbom(
        &w,
        &w.interior,
        "web 1",
        &[
            ("smallvec", "pkg:cargo/smallvec@1.6.0"),
            ("django", "pkg:pypi/django@4.2.1"),
        ],
    )
    .await;
    let doe_sbom = sbom(
        &w,
        &w.energy,
        "grants 1",
        &[("smallvec", "pkg:cargo/smallvec@1.6.0")],
    )
    .await;
    let dla_sbom = sbom(
        &w,
        &w.defense,
        "dla 1",
        &[
            ("smallvec", "pkg:cargo/smallvec@1.6.0"),
            ("django", "pkg:pypi/django@4.2.1"),
        ],
    )
    .await;
    // Another agency's SBOM cannot be attached.
    let e = systems::attach_sbom(app, &w.interior, web, doe_sbom, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind, bulwark_app::ErrorKind::Validation, "{e}");
    let out = systems::attach_sbom(app, &w.interior, web, web_sbom, None)
        .await
        .expect("attach");
    assert_eq!(out.obligations.created, 2, "{:?}", out.obligations);
    systems::attach_sbom(app, &w.energy, doe, doe_sbom, None)
        .await
        .expect("attach");
    let out = systems::attach_sbom(app, &w.defense, dla, dla_sbom, None)
        .await
        .expect("attach");
    assert_eq!(
        out.obligations.created, 0,
        "a national security system is outside BOD 26-04"
    );
    // Real SBOMs from the shared data set (committed excerpts): Energy's
    // UBI 9 micro image (SPDX 2.3 JSON) on a second system, whose packages
    // no stored advisory names, brings no obligation.
    let ubi = bulwark_app::sboms::store_upload(
        &w.app,
        &w.energy,
        Some("ubi9-micro".into()),
        UBI9.to_vec(),
    )
    .await
    .expect("spdx");
    assert!(ubi.components >= 4, "{}", ubi.components);
    let image = system(&w, &w.energy, "DOE container base image", "unknown").await;
    let out = systems::attach_sbom(app, &w.energy, image, ubi.id, None)
        .await
        .expect("attach");
    assert_eq!((out.obligations.systems, out.obligations.created), (1, 0));
    systems::add_product(
        app,
        &w.interior,
        fw,
        serde_json::from_value(json!({"cpe": "cpe:2.3:o:paloaltonetworks:pan-os:10.1.3:*:*:*:*:*:*:*", "vendor": "Palo Alto Networks", "product": "PAN-OS"}))
            .expect("product"),
    )
    .await
    .expect("product");
    // Energy runs ScreenConnect (no CVE record of its CVE is stored).
    systems::add_product(
        app,
        &w.energy,
        doe,
        serde_json::from_value(
            json!({"vendor": "ConnectWise", "product": "ScreenConnect", "version": "23.9.7"}),
        )
        .expect("product"),
    )
    .await
    .expect("product");
    let rec = bulwark_scoring::feeds::cve::CveRecord::parse(PANOS).expect("record");
    let points = rec.ssvc_points().expect("adp").expect("points");

    // Step 1: what each sees.
    let doi = all(&w, &w.interior).await;
    let mut keys: Vec<_> = doi.iter().map(key).collect();
    keys.sort();
    assert_eq!(
        keys,
        vec![
            ("CVE-2021-25900".into(), "BOD-26-04@1.0.0".into()),
            ("CVE-2022-0028".into(), "BOD-26-04@1.0.0".into()),
            ("CVE-2023-36053".into(), "BOD-26-04@1.0.0".into())
        ]
    );
    // PAN-OS 10.1.3 on the firewall: the CVE record's `affected` names it
    // (not yet in KEV); its SSVC points come from CISA's ADP.
    let panos_o = doi
        .iter()
        .find(|o| o.vulnerability == "CVE-2022-0028")
        .expect("pan-os");
    assert_eq!(
        (panos_o.subject_kind.as_str(), panos_o.system),
        ("product", fw)
    );
    let days = bod_days(false, true, points.automatable, points.technical_impact);
    assert_eq!(due(panos_o), T0 + time::Duration::days(days));
    let how = obligations::get(app, &w.interior.principal, panos_o.id)
        .await
        .expect("get")
        .evaluation;
    assert!(
        how.to_string().contains("the CVE record of CVE-2022-0028"),
        "{how}"
    );
    assert!(how.to_string().contains("automatable = "), "{how}");
    // Not in KEV, exposed, SSVC unknown (no CVE record): the directive's
    // conservative defaults, automatable yes and total impact.
    let smallvec_doi = doi
        .iter()
        .find(|o| o.vulnerability == "CVE-2021-25900")
        .expect("smallvec");
    let days = bod_days(false, true, Automatable::Yes, TechnicalImpact::Total);
    assert_eq!(due(smallvec_doi), T0 + time::Duration::days(days));
    let doe_list = all(&w, &w.energy).await;
    assert_eq!(doe_list.len(), 1);
    let days = bod_days(false, false, Automatable::Yes, TechnicalImpact::Total);
    assert_eq!(due(&doe_list[0]), T0 + time::Duration::days(days));
    assert!(all(&w, &w.defense).await.is_empty());
    assert!(all(&w, &w.vendor).await.is_empty());
    let cisa = all(&w, &w.cisa).await;
    assert_eq!(
        cisa.len(),
        4,
        "CISA sees both civilian agencies, not the national security one"
    );
    // The explanation names every input and its source.
    let view = obligations::get(app, &w.cisa.principal, smallvec_doi.id)
        .await
        .expect("view");
    let lines: Vec<String> = view.evaluation["explanation"]
        .as_array()
        .expect("explanation")
        .iter()
        .map(|l| l.as_str().expect("line").to_owned())
        .collect();
    for needle in [
        "in_kev = no (source: KEV)",
        "publicly_exposed = yes (source: the agency's exposure flag)",
        "automatable = yes (source: the directive's default for unknown",
        "technical_impact = total (source: the directive's default for unknown",
        "matched: pkg:cargo/smallvec@1.6.0 is affected by RUSTSEC-2021-0003",
    ] {
        assert!(
            lines.iter().any(|l| l.contains(needle)),
            "{needle:?} not in {lines:#?}"
        );
    }
    assert!(view.may_decide && !view.may_answer);
    // Others do not learn the obligation exists.
    for who in [&w.energy, &w.defense, &w.vendor] {
        let e = obligations::get(app, &who.principal, smallvec_doi.id)
            .await
            .unwrap_err();
        assert_eq!(e.kind, bulwark_app::ErrorKind::NotFound);
    }
    // Due-date notices: one for each obligation due within 7 days (the
    // most urgent that applies only: the web app's, due in 3 days, get the
    // 3-day notice, not the 7-day one too); Energy's, due in 60 days, none.
    // A second pass sends nothing.
    let within_week = cisa
        .iter()
        .filter(|o| due(o) <= T0 + time::Duration::days(7))
        .count();
    let sent = bulwark_app::directives::notices::send(app, "test")
        .await
        .expect("notices");
    assert_eq!((sent.due_soon, sent.overdue), (within_week, 0));
    let again = bulwark_app::directives::notices::send(app, "test")
        .await
        .expect("notices");
    assert_eq!((again.due_soon, again.overdue), (0, 0));
    // Recomputing changes nothing.
    let again = obligations::evaluate_all(app, &Actor::cli(), "test: recompute")
        .await
        .expect("again");
    assert_eq!(
        (again.created, again.revised, again.closed, again.reopened),
        (0, 0, 0, 0)
    );

    // Step 2: KEV adds PAN-OS's CVE and ScreenConnect's. Interior's
    // firewall obligation is revised (now KEV-listed: the row, perhaps the
    // date, moves, with the reason); Energy, which runs ScreenConnect, gets a
    // new one; no other system is looked at.
    w.clock.set(T0 + time::Duration::hours(1));
    import_kev(app, &kev("2026.08.02", &[])).await;
    let added: BTreeSet<String> = ["CVE-2022-0028".to_owned(), "CVE-2024-1708".to_owned()].into();
    let moved = obligations::on_vulnerabilities(app, &Actor::cli(), &added, "KEV 2026.08.02")
        .await
        .expect("incremental");
    assert_eq!(
        (moved.systems, moved.created, moved.revised),
        (2, 1, 1),
        "{moved:?}"
    );
    let fw_list = seen(
        &w,
        &w.interior,
        obligations::ListQuery {
            system: Some(fw),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(fw_list.len(), 1);
    assert_eq!(fw_list[0].id, panos_o.id);
    // KEV-listed, exposed, and CISA's ADP SSVC points from the CVE record.
    let days = bod_days(true, true, points.automatable, points.technical_impact);
    // The trigger is the latest of the directive's effective date, the
    // product's arrival and KEV's dateAdded (2022-08-22): the arrival.
    assert_eq!(due(&fw_list[0]), T0 + time::Duration::days(days));
    let history = obligations::get(app, &w.interior.principal, panos_o.id)
        .await
        .expect("get")
        .history;
    let last = history.last().expect("event");
    assert_eq!(last.kind, "revised");
    assert!(
        last.detail["reason"]
            .as_str()
            .expect("reason")
            .contains("KEV 2026.08.02"),
        "{:?}",
        last.detail
    );
    let doe_now = all(&w, &w.energy).await;
    assert_eq!(doe_now.len(), 2);
    let sc = doe_now
        .iter()
        .find(|o| o.vulnerability == "CVE-2024-1708")
        .expect("screenconnect");
    assert_eq!(sc.subject_kind, "product");
    // KEV, not exposed, SSVC unknown: the conservative defaults; the
    // clock starts at the product's arrival (KEV listed it in April).
    let days = bod_days(true, false, Automatable::Yes, TechnicalImpact::Total);
    assert_eq!(due(sc), T0 + time::Duration::days(days));

    // Step 3: an emergency directive on the Django CVE.
    let e = directives::load(app, &w.interior, ED).await.unwrap_err();
    assert_eq!(e.kind, bulwark_app::ErrorKind::Forbidden);
    let loaded = directives::load(app, &w.cisa, ED).await.expect("load ED");
    assert!(loaded.new && loaded.directive.in_force);
    assert_eq!(loaded.moved.created, 1, "{:?}", loaded.moved);
    let ed: Vec<_> = seen(
        &w,
        &w.interior,
        obligations::ListQuery {
            directive: Some("ED-26-02".into()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ed.len(), 1);
    assert_eq!(ed[0].vulnerability, "CVE-2023-36053");
    // The clock starts at the directive's effective date (later than the
    // SBOM's attachment).
    assert_eq!(
        due(&ed[0]),
        datetime!(2026-08-11 00:00 UTC) + time::Duration::hours(48)
    );
    assert!(
        seen(
            &w,
            &w.energy,
            obligations::ListQuery {
                directive: Some("ED-26-02".into()),
                ..Default::default()
            }
        )
        .await
        .is_empty()
    );

    // Step 4: Interior answers the smallvec obligation on the web app "not
    // affected" (a VEX justification is required).
    let bad = obligations::answer(
        app,
        &w.interior,
        smallvec_doi.id,
        serde_json::from_value(json!({"answer": "not_affected"})).expect("b"),
    )
    .await
    .unwrap_err();
    assert_eq!(bad.kind, bulwark_app::ErrorKind::Validation);
    let e = obligations::answer(
        app,
        &w.cisa,
        smallvec_doi.id,
        serde_json::from_value(json!({"answer": "in_progress"})).expect("b"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.kind,
        bulwark_app::ErrorKind::Forbidden,
        "CISA reads, the agency answers"
    );
    // The answer comes as an OpenVEX document: one statement matches the
    // obligation, one names a vulnerability Interior has no obligation on.
    let openvex = json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.gov/vex/doi-web-1",
        "author": "DOI PSIRT",
        "timestamp": "2026-08-10T13:00:00Z",
        "version": 1,
        "statements": [
            {
                "vulnerability": {"name": "CVE-2021-25900", "aliases": ["GHSA-43w2-9j62-hq99"]},
                "products": [{"@id": "pkg:cargo/smallvec@1.6.0"}],
                "status": "not_affected",
                "justification": "vulnerable_code_not_in_execute_path",
                "impact_statement": "insert_many is never called"
            },
            {
                "vulnerability": {"name": "CVE-2099-0001"},
                "products": [{"@id": "pkg:cargo/smallvec@1.6.0"}],
                "status": "not_affected",
                "justification": "component_not_present"
            }
        ]
    });
    let bytes = serde_json::to_vec(&openvex).expect("json");
    let dry = bulwark_app::directives::vex::import(app, &w.interior, &bytes, false, true)
        .await
        .expect("dry run");
    assert_eq!((dry.matched.len(), dry.unmatched.len()), (1, 1));
    assert_eq!(
        all(&w, &w.interior)
            .await
            .iter()
            .filter(|o| o.state == "open")
            .count(),
        4,
        "a dry run answers nothing"
    );
    // Energy's import of the same document answers only Energy's.
    let energy_vex = bulwark_app::directives::vex::import(app, &w.energy, &bytes, false, true)
        .await
        .expect("energy");
    assert!(energy_vex.matched.iter().all(|m| m.system == doe));
    let imported = bulwark_app::directives::vex::import(app, &w.interior, &bytes, false, false)
        .await
        .expect("import");
    assert_eq!(imported.format, "openvex");
    assert_eq!(imported.matched.len(), 1);
    assert_eq!(imported.matched[0].obligation, smallvec_doi.id);
    assert_eq!(imported.matched[0].answer.as_deref(), Some("not_affected"));
    assert_eq!(imported.unmatched.len(), 1);
    assert_eq!(imported.unmatched[0].vulnerability, "CVE-2099-0001");
    assert_eq!(imported.unmatched[0].statement, "statements[1]");
    let bad = bulwark_app::directives::vex::import(
        app,
        &w.interior,
        b"{\"statements\": 42}",
        false,
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(bad.kind, bulwark_app::ErrorKind::Validation, "{bad}");
    let answered = obligations::get(app, &w.interior.principal, smallvec_doi.id)
        .await
        .expect("get")
        .obligation;
    assert_eq!(
        (answered.state.as_str(), answered.answer.as_deref()),
        ("closed", Some("not_affected"))
    );

    // Step 5: a new SBOM with Django fixed replaces the old one: the
    // Django obligations (BOD and ED) close by themselves; the answered
    // smallvec one stays closed with its answer.
    let web2 = sbom(
        &w,
        &w.interior,
        "web 2",
        &[
            ("smallvec", "pkg:cargo/smallvec@1.6.0"),
            ("django", "pkg:pypi/django@4.2.3"),
        ],
    )
    .await;
    let out = systems::attach_sbom(app, &w.interior, web, web2, Some(web_sbom))
        .await
        .expect("replace");
    assert_eq!(
        (out.obligations.closed, out.obligations.created),
        (2, 0),
        "{:?}",
        out.obligations
    );
    let django: Vec<_> = seen(
        &w,
        &w.interior,
        obligations::ListQuery {
            vulnerability: Some("cve-2023-36053".into()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(django.len(), 2);
    for o in &django {
        assert_eq!(o.state, "closed");
        assert!(
            o.closed_reason
                .as_deref()
                .is_some_and(|r| r.contains("replaced SBOM") && r.contains("no longer")),
            "{:?}",
            o.closed_reason
        );
        assert_eq!(o.answer, None);
    }
    let smallvec_now = obligations::get(app, &w.interior.principal, smallvec_doi.id)
        .await
        .expect("get");
    assert_eq!(
        smallvec_now.obligation.answer.as_deref(),
        Some("not_affected")
    );
    let kinds: Vec<&str> = smallvec_now
        .history
        .iter()
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(kinds, ["created", "notice", "answered"]);

    // Step 6: Energy asks for more time; CISA approves a new date.
    let doe_o = all(&w, &w.energy)
        .await
        .into_iter()
        .find(|o| o.vulnerability == "CVE-2021-25900")
        .expect("smallvec at Energy");
    let asked = T0 + time::Duration::days(90);
    let req = obligations::request(
        app,
        &w.energy,
        doe_o.id,
        serde_json::from_value(json!({"kind": "extension", "due": bulwark_core::rfc3339(asked), "justification": "vendor patch in QA"})).expect("b"),
    )
    .await
    .expect("request");
    assert_eq!(req.state, "pending");
    let e = obligations::decide(
        app,
        &w.interior,
        req.id,
        serde_json::from_value(json!({"decision": "approve"})).expect("b"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.kind,
        bulwark_app::ErrorKind::NotFound,
        "Interior does not see Energy's request"
    );
    let e = obligations::decide(
        app,
        &w.energy,
        req.id,
        serde_json::from_value(json!({"decision": "approve"})).expect("b"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.kind,
        bulwark_app::ErrorKind::Forbidden,
        "an agency does not approve its own request"
    );
    let granted = T0 + time::Duration::days(75);
    let decided = obligations::decide(
        app,
        &w.cisa,
        req.id,
        serde_json::from_value(json!({"decision": "approve", "due": bulwark_core::rfc3339(granted), "conditions": "compensating firewall rule"})).expect("b"),
    )
    .await
    .expect("decide");
    assert_eq!(decided.state, "approved");
    let doe_view = obligations::get(app, &w.energy.principal, doe_o.id)
        .await
        .expect("get");
    assert_eq!(
        doe_view.obligation.due_at,
        Some(bulwark_core::rfc3339(granted))
    );
    assert_eq!(
        doe_view.obligation.directive_due_at, doe_o.due_at,
        "the directive's date is kept"
    );
    let kinds: Vec<&str> = doe_view.history.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["created", "requested", "decided"]);
    // A recomputation keeps the approved date.
    let again = obligations::evaluate_all(app, &Actor::cli(), "test: recompute")
        .await
        .expect("again");
    assert_eq!(
        (again.created, again.revised, again.closed, again.reopened),
        (0, 0, 0, 0),
        "{again:?}"
    );

    // Step 7: time passes. Interior's firewall obligation and Energy's
    // ScreenConnect one go overdue; Energy's extended one does not.
    let fw_due = due(&fw_list[0]);
    let late = fw_due.max(due(sc)) + time::Duration::days(2);
    w.clock.set(late);
    let overdue = seen(
        &w,
        &w.interior,
        obligations::ListQuery {
            overdue: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        overdue.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![fw_list[0].id]
    );
    let energy_late = seen(
        &w,
        &w.energy,
        obligations::ListQuery {
            overdue: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        energy_late.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![sc.id]
    );
    let sent = bulwark_app::directives::notices::send(app, "test")
        .await
        .expect("notices");
    assert_eq!((sent.due_soon, sent.overdue), (0, 2));
    let fw_view = obligations::get(app, &w.interior.principal, fw_list[0].id)
        .await
        .expect("fw");
    let last = fw_view.history.last().expect("history");
    assert_eq!(
        (last.kind.as_str(), last.detail["stage"].as_str()),
        ("notice", Some("overdue"))
    );
    let again = bulwark_app::directives::notices::send(app, "test")
        .await
        .expect("notices");
    assert_eq!((again.due_soon, again.overdue), (0, 0));
    // CISA's government-wide view: both civilian agencies (one overdue
    // each: Interior, registered first, first), the national security
    // agency absent.
    let gov = obligations::government_wide(app, &w.cisa.principal)
        .await
        .expect("gov");
    let names: Vec<_> = gov
        .iter()
        .map(|c| c.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        ["Department of the Interior", "Department of Energy"]
    );
    assert_eq!((gov[0].overdue, gov[0].open, gov[0].closed), (1, 1, 3));
    assert_eq!(
        gov[0].oldest_overdue_days,
        Some((late - fw_due).whole_days())
    );
    assert_eq!((gov[1].overdue, gov[1].open), (1, 2));
    for who in [&w.interior, &w.energy, &w.vendor] {
        let e = obligations::government_wide(app, &who.principal)
            .await
            .unwrap_err();
        assert_eq!(e.kind, bulwark_app::ErrorKind::Forbidden);
    }
    // The trend over 4 weeks agrees with the lists: every obligation CISA
    // sees was created in the window, and the last week ends with what is
    // open and overdue now. Interior's own trend counts only its own.
    let trend = bulwark_app::directives::trend::trend(app, &w.cisa.principal, None, 4)
        .await
        .expect("trend");
    assert_eq!(trend.len(), 4);
    let cisa_now = all(&w, &w.cisa).await;
    assert_eq!(
        trend.iter().map(|p| p.created).sum::<u64>(),
        cisa_now.len() as u64
    );
    let last = trend.last().expect("last week");
    assert_eq!(
        last.open,
        cisa_now.iter().filter(|o| o.state == "open").count() as u64
    );
    assert_eq!(
        last.overdue,
        cisa_now.iter().filter(|o| o.overdue).count() as u64
    );
    assert_eq!(last.overdue, 2);
    let doi_trend = bulwark_app::directives::trend::trend(app, &w.interior.principal, None, 4)
        .await
        .expect("trend");
    assert_eq!(
        doi_trend.iter().map(|p| p.created).sum::<u64>(),
        all(&w, &w.interior).await.len() as u64
    );
    let e = bulwark_app::directives::trend::trend(
        app,
        &w.energy.principal,
        Some(w.interior.principal.org_id),
        4,
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, bulwark_app::ErrorKind::NotFound);
    // Who is still exposed to CVE-2021-25900: Energy (open), Interior (closed).
    let by_agency = obligations::vulnerability_view(app, &w.cisa.principal, "CVE-2021-25900")
        .await
        .expect("view");
    let rows: Vec<_> = by_agency
        .iter()
        .map(|c| (c.name.clone().unwrap_or_default(), c.open, c.closed))
        .collect();
    assert!(
        rows.contains(&("Department of Energy".into(), 1, 0)),
        "{rows:?}"
    );
    assert!(
        rows.contains(&("Department of the Interior".into(), 0, 1)),
        "{rows:?}"
    );
    // Interior's own compliance, per system.
    let mine =
        obligations::agency_compliance(app, &w.interior.principal, w.interior.principal.org_id)
            .await
            .expect("mine");
    let total = mine.total.expect("total");
    assert_eq!((total.open, total.overdue, total.closed), (1, 1, 3));
    let e = obligations::agency_compliance(app, &w.energy.principal, w.interior.principal.org_id)
        .await
        .unwrap_err();
    assert_eq!(e.kind, bulwark_app::ErrorKind::NotFound);
    // The audit chain holds.
    assert!(app.store.audit_verify().await.expect("verify").ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directives_scenario_on_sqlite() {
    scenario(bulwark_store::testing::sqlite().await.expect("store")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set BULWARK_TEST_DATABASE_URL (.ci/run does)"]
async fn directives_scenario_on_postgres() {
    scenario(bulwark_store::testing::postgres().await.expect("store")).await;
}
