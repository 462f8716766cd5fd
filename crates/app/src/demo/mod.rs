//! A living demo: a fresh store seeded, through the same use cases a person
//! would call (each authorized by the policy and audited), with
//! organizations of every kind, a user for each role, and every job's
//! records in each of their states, so that every page has something to
//! show. `bulwark demo` runs it and then serves the store.
//!
//! The sample data is real, small and compiled in ([`data`]; sources and
//! licences in `crates/app/demo/PROVENANCE.md`). Steps that need the past
//! (a grant that has expired, an obligation that is overdue, a review that
//! concluded) run on a copy of the application whose clock stands at that
//! earlier instant, so the records carry the dates they would have had.
//! Passwords and tokens are random per run: no demo shares a secret with
//! another.

pub mod data;

use std::sync::Arc;

use bulwark_core::{FixedClock, OrgKind, Principal, Role, Sector};
use bulwark_store::{Actor, PageRequest, StoreError};
use serde::Serialize;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::cases::{self, intake};
use crate::directives::{obligations, systems};
use crate::identity::{self, NewOrganizationIn, NewTokenIn, NewUserIn, PasswordIn};
use crate::{Acting, App, AppError, AppResult, frontier, partners, publications, reviews, sboms};

/// A sign-in the demo made: one per user, each with its own password (for
/// the web pages) and API token.
#[derive(Debug, Clone, Serialize)]
pub struct Login {
    /// The user's role (`admin`, `analyst`, `viewer` or `auditor`).
    pub role: String,
    /// The organization's name.
    pub organization: String,
    /// The organization's kind, for people reading the list.
    #[serde(skip)]
    pub org_kind: OrgKind,
    pub username: String,
    pub password: String,
    pub token: String,
}

/// What seeding made: the sign-ins, the operator's administrator first.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub logins: Vec<Login>,
}

/// Why a demo could not be seeded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The store already holds organizations: the demo seeds a fresh one only.
    #[error("the database is not empty: the demo seeds a new database only")]
    NotEmpty,
    /// A step of the seeding failed (the use case's refusal, with the step).
    #[error("demo step {step}: {source}")]
    Step {
        step: &'static str,
        #[source]
        source: AppError,
    },
}

/// Names a failed step.
trait Step<T> {
    fn step(self, step: &'static str) -> Result<T, DemoError>;
}

impl<T> Step<T> for AppResult<T> {
    fn step(self, step: &'static str) -> Result<T, DemoError> {
        self.map_err(|source| DemoError::Step { step, source })
    }
}

impl<T> Step<T> for Result<T, StoreError> {
    fn step(self, step: &'static str) -> Result<T, DemoError> {
        self.map_err(|e| DemoError::Step {
            step,
            source: AppError::from(e),
        })
    }
}

/// Whether the store holds nothing yet (no organization): the only store
/// the demo seeds.
pub async fn is_empty(app: &App) -> Result<bool, DemoError> {
    let page = app
        .store
        .organizations(PageRequest {
            after: None,
            limit: 1,
        })
        .await
        .step("read the organizations")?;
    Ok(page.items.is_empty())
}

/// The demo's world while it is made: the application at a moment of the
/// past, and the acting members.
struct World {
    /// The application whose clock the seeding moves.
    app: App,
    clock: Arc<FixedClock>,
    /// The real now: every step is dated relative to it.
    now: OffsetDateTime,
    logins: Vec<Login>,
}

impl World {
    /// Puts the clock `days` from now (negative: in the past).
    fn at(&self, days: i64) {
        self.clock.set(self.now + Duration::days(days));
    }
}

/// A random password of 20 letters and digits (shown to the person running
/// the demo; never the same twice).
fn password() -> AppResult<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes = identity::random_bytes()?;
    Ok(bytes
        .iter()
        .take(20)
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

async fn acting(app: &App, user: Uuid) -> Result<Acting, DemoError> {
    let p: Option<Principal> = app.store.principal(user).await.step("read a principal")?;
    p.map(|p| Acting::new(p, None))
        .ok_or_else(|| DemoError::Step {
            step: "read a principal",
            source: AppError::not_found("user"),
        })
}

/// Seeds `app`'s store, which must be empty. Answers the sign-ins.
pub async fn seed(app: &App) -> Result<Seeded, DemoError> {
    if !is_empty(app).await? {
        return Err(DemoError::NotEmpty);
    }
    let now = app.now();
    let clock = Arc::new(FixedClock::new(now - Duration::days(90)));
    let mut past = app.clone();
    past.clock = clock.clone();
    let mut w = World {
        app: past,
        clock,
        now,
        logins: Vec::new(),
    };
    let m = people(&mut w).await?;
    feeds(&w, &m).await?;
    frontier_and_reviews(&w, &m).await?;
    clearinghouse(&w, &m).await?;
    let offered = catalogue(&w, &m).await?;
    directives(&w, &m).await?;
    access(&w, &m, offered).await?;
    Ok(Seeded { logins: w.logins })
}

/// The members who act in the demo.
struct Members {
    analyst: Acting,
    cisa: Acting,
    nsa: Acting,
    interior: Acting,
    energy: Acting,
    lab: Acting,
    grid: Acting,
    vendor: Acting,
    researcher: Acting,
    repro: Acting,
    cisa_org: Uuid,
    nsa_org: Uuid,
    grid_org: Uuid,
    vendor_org: Uuid,
    repro_org: Uuid,
}

/// Organizations of every kind and a user for each role, each with a
/// password and an API token, made by the operator's administrator.
async fn people(w: &mut World) -> Result<Members, DemoError> {
    w.at(-90);
    let app = &w.app;
    let boot = identity::bootstrap(
        &app.store,
        "Bulwark Program Office".into(),
        "admin".into(),
        "Program administrator".into(),
        app.now(),
    )
    .await
    .step("bootstrap the operator")?;
    let admin = acting(app, boot.user.id).await?;
    let admin_password = password().step("a password")?;
    identity::set_password(
        app,
        &admin,
        boot.user.id,
        PasswordIn {
            password: admin_password.clone(),
        },
    )
    .await
    .step("the administrator's password")?;
    w.logins.push(Login {
        role: "admin".into(),
        organization: boot.org.name.clone(),
        org_kind: OrgKind::Operator,
        username: "admin".into(),
        password: admin_password,
        token: boot.token.expose().to_owned(),
    });

    // (name, kind, sector, reviewing)
    let orgs: [(&str, OrgKind, Option<Sector>, bool); 9] = [
        ("CISA", OrgKind::Agency, None, true),
        ("NSA", OrgKind::Agency, None, true),
        ("Department of the Interior", OrgKind::Agency, None, false),
        ("Department of Energy", OrgKind::Agency, None, false),
        ("Frontier Lab", OrgKind::Developer, None, false),
        ("Grid Co", OrgKind::Partner, Some(Sector::Energy), false),
        ("Acme Software", OrgKind::Vendor, None, false),
        ("University Security Lab", OrgKind::Researcher, None, false),
        ("Repro Lab", OrgKind::Researcher, None, false),
    ];
    let mut ids = Vec::new();
    for (name, kind, sector, reviewing) in orgs {
        let o = identity::create_organization(
            app,
            &admin,
            NewOrganizationIn {
                name: name.into(),
                kind,
                sector,
                reviewing,
            },
        )
        .await
        .step("admit an organization")?;
        ids.push((o.id, name, kind));
    }
    for (i, track, issuer, zone) in [
        (0, "civilian", true, Some("America/New_York")),
        (1, "national_security", false, None),
        (2, "civilian", false, Some("America/Denver")),
        (3, "civilian", false, None),
    ] {
        identity::set_directive_profile(
            app,
            &admin,
            ids[i].0,
            identity::DirectiveProfileIn {
                agency_track: track.into(),
                issues_directives: issuer,
                time_zone: zone.map(str::to_owned),
            },
        )
        .await
        .step("an agency's place under the directives")?;
    }
    /// An organization: id, name, kind.
    type Org<'a> = (Uuid, &'a str, OrgKind);
    let op_org: Org = (boot.org.id, "Bulwark Program Office", OrgKind::Operator);
    // (organization, username, display name, role)
    let users: [(Org, &str, &str, Role); 14] = [
        (op_org, "analyst", "Clearinghouse analyst", Role::Analyst),
        (op_org, "auditor", "Program auditor", Role::Auditor),
        (op_org, "viewer", "Program observer", Role::Viewer),
        (ids[0], "cisa", "CISA analyst", Role::Analyst),
        (ids[1], "nsa", "NSA reviewer", Role::Analyst),
        (ids[2], "interior", "Interior ISSO", Role::Analyst),
        (
            ids[2],
            "interior-admin",
            "Interior administrator",
            Role::Admin,
        ),
        (ids[3], "energy", "Energy ISSO", Role::Analyst),
        (ids[3], "energy-viewer", "Energy observer", Role::Viewer),
        (ids[4], "lab", "Lab safety lead", Role::Analyst),
        (ids[5], "grid", "Grid Co security lead", Role::Admin),
        (ids[6], "vendor", "Acme PSIRT", Role::Analyst),
        (ids[7], "researcher", "University researcher", Role::Analyst),
        (ids[8], "repro", "Repro Lab engineer", Role::Analyst),
    ];
    let mut made = std::collections::HashMap::new();
    for ((org, org_name, kind), username, display, role) in users {
        let u = identity::create_user(
            app,
            &admin,
            org,
            NewUserIn {
                username: username.into(),
                display_name: display.into(),
                kind: bulwark_core::PrincipalKind::Human,
                roles: vec![role],
            },
        )
        .await
        .step("add a user")?;
        let pw = password().step("a password")?;
        identity::set_password(
            app,
            &admin,
            u.id,
            PasswordIn {
                password: pw.clone(),
            },
        )
        .await
        .step("set a password")?;
        let token = identity::issue_token(
            app,
            &admin,
            u.id,
            NewTokenIn {
                name: "demo".into(),
                expires_at: None,
            },
        )
        .await
        .step("issue a token")?;
        w.logins.push(Login {
            role: role.as_str().into(),
            organization: org_name.into(),
            org_kind: kind,
            username: username.into(),
            password: pw,
            token: token.token,
        });
        made.insert(username, u.id);
    }
    let app = &w.app;
    let who = async |name: &str| acting(app, made[name]).await;
    Ok(Members {
        analyst: who("analyst").await?,
        cisa: who("cisa").await?,
        nsa: who("nsa").await?,
        interior: who("interior").await?,
        energy: who("energy").await?,
        lab: who("lab").await?,
        grid: who("grid").await?,
        vendor: who("vendor").await?,
        researcher: who("researcher").await?,
        repro: who("repro").await?,
        cisa_org: ids[0].0,
        nsa_org: ids[1].0,
        grid_org: ids[5].0,
        vendor_org: ids[6].0,
        repro_org: ids[8].0,
    })
}

/// The feeds, as `bulwark import kev|epss|cve|osv` writes them (the
/// operator's commands on the database: no acting user), and the SBOMs the
/// organizations upload.
async fn feeds(w: &World, m: &Members) -> Result<(), DemoError> {
    w.at(-60);
    let app = &w.app;
    let now = app.now();
    let catalog = bulwark_scoring::feeds::kev::KevCatalog::parse(data::KEV)
        .map_err(|e| AppError::validation(e.to_string()))
        .step("read the KEV excerpt")?;
    let (info, entries) = crate::feeds::kev_rows(catalog);
    app.store
        .import_kev(&Actor::cli(), &info, &entries, now)
        .await
        .step("import KEV")?;
    let reader = bulwark_scoring::feeds::epss::EpssReader::new(std::io::BufReader::new(data::EPSS))
        .map_err(|e| AppError::validation(e.to_string()))
        .step("read the EPSS excerpt")?;
    let model = reader.model().clone();
    let rows: Vec<_> = reader
        .filter_map(Result::ok)
        .map(crate::feeds::epss_row)
        .collect();
    app.store
        .import_epss(
            &Actor::cli(),
            model.model_version.as_deref().unwrap_or("unknown"),
            model.score_date.as_deref().unwrap_or("unknown"),
            rows,
            now,
        )
        .await
        .step("import EPSS")?;
    let cves = data::CVES
        .iter()
        .map(|b| crate::feeds::cve_row(b).map_err(|e| AppError::validation(e.to_string())))
        .collect::<AppResult<Vec<_>>>()
        .step("read the CVE records")?;
    app.store
        .import_cves(&Actor::cli(), cves, now)
        .await
        .step("import CVE records")?;
    crate::priorities::refresh_keys(&app.store)
        .await
        .step("rank the CVEs")?;
    let records: Vec<Value> = serde_json::from_slice(data::GO_VULNDB)
        .map_err(|e| AppError::validation(e.to_string()))
        .step("read the OSV records")?;
    let mut rows = Vec::new();
    for r in records {
        let bytes = serde_json::to_vec(&r)
            .map_err(|_| AppError::internal())
            .step("write an OSV record")?;
        if let bulwark_matching::load::Read::Advisory(a) =
            bulwark_matching::load::read("record.json", &bytes)
        {
            rows.push(
                crate::advisories::advisory_row(*a, Some(&bytes))
                    .map_err(|e| AppError::validation(e.to_string()))
                    .step("an OSV record's row")?,
            );
        }
    }
    app.store
        .import_advisories(&Actor::cli(), rows, now)
        .await
        .step("import OSV")?;

    // SBOMs: every organization runs nats-box somewhere (so each is told
    // when an advisory names its version); the vendor also ships a Laravel
    // application, the researcher looked at UBI 9 micro, Energy at both.
    w.at(-55);
    for (who, name, bytes) in [
        (&m.analyst, "nats-box (program office)", data::NATS_BOX),
        (&m.cisa, "nats-box (CISA lab)", data::NATS_BOX),
        (&m.nsa, "nats-box (NSA lab)", data::NATS_BOX),
        (&m.energy, "nats-box (grid telemetry)", data::NATS_BOX),
        (
            &m.energy,
            "ubi9-micro 9.4 (badge readers)",
            data::UBI9_MICRO,
        ),
        (&m.grid, "nats-box (control room)", data::NATS_BOX),
        (&m.vendor, "nats-box", data::NATS_BOX),
        (&m.vendor, "laravel storefront", data::LARAVEL),
        (&m.researcher, "ubi9-micro 9.4", data::UBI9_MICRO),
        (&m.researcher, "nats-box (lab cluster)", data::NATS_BOX),
        (&m.repro, "nats-box (reproduction rig)", data::NATS_BOX),
        (&m.lab, "nats-box (training cluster)", data::NATS_BOX),
    ] {
        sboms::upload(&w.app, who, Some(name.into()), bytes.to_vec())
            .await
            .step("upload an SBOM")?;
    }
    Ok(())
}

/// A submission moved through the review workflow up to `to`.
async fn submission(
    w: &World,
    m: &Members,
    model: Uuid,
    release_in_days: i64,
    to: &str,
) -> Result<Uuid, DemoError> {
    let app = &w.app;
    let s = reviews::create(
        app,
        &m.lab,
        reviews::SubmissionIn {
            model,
            planned_partner_release: app.now() + Duration::days(release_in_days),
            planned_public_release: Some(app.now() + Duration::days(release_in_days + 30)),
            requested_partners: vec![m.grid_org],
        },
    )
    .await
    .step("create a submission")?;
    if to == "draft" {
        return Ok(s.id);
    }
    if app.config.master_key.is_some() {
        reviews::upload(
            app,
            &m.lab,
            s.id,
            "model_card",
            b"Model card (demo): intended use, evaluations run, known limits.",
        )
        .await
        .step("upload a model card")?;
    }
    let t = |to: &str| reviews::TransitionIn {
        to: to.into(),
        reason: None,
    };
    reviews::transition(app, &m.lab, s.id, t("submitted"))
        .await
        .step("submit")?;
    if to == "submitted" {
        return Ok(s.id);
    }
    reviews::triage(
        app,
        &m.cisa,
        s.id,
        reviews::TriageIn {
            lead_agency: m.cisa_org,
            supporting_agencies: vec![m.nsa_org],
            reviewers: vec![],
        },
    )
    .await
    .step("triage")?;
    reviews::transition(app, &m.cisa, s.id, t("in_review"))
        .await
        .step("to review")?;
    if to == "in_review" {
        return Ok(s.id);
    }
    let f = reviews::issue_finding(
        app,
        &m.nsa,
        s.id,
        reviews::FindingIn {
            severity: "high".into(),
            category: "protection_weakness".into(),
            text: "Model weights are reachable from the CI runners.".into(),
            recommendation: "Isolate the runners from the weight store.".into(),
            tlp: Some("AMBER".into()),
        },
    )
    .await
    .step("issue a finding")?;
    reviews::issue_finding(
        app,
        &m.cisa,
        s.id,
        reviews::FindingIn {
            severity: "medium".into(),
            category: "offensive_cyber_uplift".into(),
            text: "Solves most InterCode-CTF tasks without tools.".into(),
            recommendation: "Add refusal training for exploit development.".into(),
            tlp: Some("GREEN".into()),
        },
    )
    .await
    .step("issue a finding")?;
    reviews::respond(
        app,
        &m.lab,
        s.id,
        f.id,
        reviews::ResponseIn {
            text: "Runners moved to a separate network; weights behind a broker.".into(),
        },
    )
    .await
    .step("respond")?;
    if to == "findings_issued" {
        return Ok(s.id);
    }
    reviews::conclude(
        app,
        &m.cisa,
        s.id,
        reviews::ConcludeIn {
            conclusion: "mitigations_recommended".into(),
            summary: "Release with the runner isolation in place.".into(),
        },
    )
    .await
    .step("conclude")?;
    Ok(s.id)
}

/// Frontier models imported and determined, reviews in every state, the
/// partner vetted with its attestations, grants active, expired, pending
/// and proposed.
async fn frontier_and_reviews(w: &World, m: &Members) -> Result<(), DemoError> {
    w.at(-60);
    let app = &w.app;
    let imported = frontier::import_models(
        app,
        &m.lab,
        None,
        // Epoch AI's data is public: every member of the program reads it.
        Some("CLEAR"),
        Some("text/csv"),
        data::EPOCH_MODELS,
        false,
    )
    .await
    .step("import models")?;
    let model = |i: usize| imported.ids.get(i).copied().unwrap_or_default();
    // The partner: vetted, its attestations made.
    partners::set_vetting(
        app,
        &m.cisa,
        m.grid_org,
        partners::VettingIn {
            status: "vetted".into(),
            reason: Some("site visit and references checked".into()),
        },
    )
    .await
    .step("vet the partner")?;
    for kind in ["confidentiality", "insider_risk", "security_controls"] {
        partners::attest(
            app,
            &m.grid,
            m.grid_org,
            partners::AttestationIn {
                kind: kind.into(),
                expires_at: app.now() + Duration::days(365),
            },
        )
        .await
        .step("attest")?;
    }
    let grant = |model: Uuid, from: i64, to: i64, conditions: &str| partners::GrantIn {
        model,
        partner_org: m.grid_org,
        scope: "api".into(),
        starts_at: w.now + Duration::days(from),
        ends_at: w.now + Duration::days(to),
        conditions: conditions.into(),
    };
    // A grant that ran from 59 to 5 days ago: expired.
    let g = partners::propose(app, &m.lab, grant(model(0), -59, -5, "evaluation only"))
        .await
        .step("propose a grant")?;
    partners::concur(app, &m.cisa, g.id, partners::DecisionIn::default())
        .await
        .step("concur")?;
    // A review that concluded 20 days ago.
    w.at(-45);
    submission(w, m, model(1), 25, "concluded").await?;
    // Reviews in progress.
    w.at(-10);
    submission(w, m, model(0), 20, "findings_issued").await?;
    submission(w, m, model(2), 24, "in_review").await?;
    w.at(-3);
    submission(w, m, model(3), 27, "submitted").await?;
    w.at(-1);
    submission(w, m, model(4), 29, "draft").await?;
    // Grants: active, pending (starts later) and one awaiting a decision.
    w.at(-30);
    let g = partners::propose(app, &m.lab, grant(model(1), -29, 30, "no fine-tuning"))
        .await
        .step("propose a grant")?;
    partners::concur(app, &m.cisa, g.id, partners::DecisionIn::default())
        .await
        .step("concur")?;
    w.at(-2);
    let g = partners::propose(app, &m.lab, grant(model(0), 10, 60, "red-team use only"))
        .await
        .step("propose a grant")?;
    partners::concur(app, &m.cisa, g.id, partners::DecisionIn::default())
        .await
        .step("concur")?;
    partners::propose(app, &m.lab, grant(model(2), 25, 90, "API access, logged"))
        .await
        .step("propose a grant")?;
    // The benchmark set, loaded by CISA now that it is in force: the
    // registry is determined (covered, notify, not covered).
    w.at(0);
    frontier::load_benchmark(
        app,
        &m.cisa,
        Some("application/toml"),
        data::BENCHMARKS.as_bytes(),
    )
    .await
    .step("load the benchmark set")?;
    Ok(())
}

/// A SARIF log sent to intake as `who`'s organization, about `target`;
/// answers the cases it folded into.
async fn send_sarif(
    app: &App,
    who: &Acting,
    target: &str,
    bytes: &[u8],
) -> Result<Vec<Uuid>, DemoError> {
    let ticket = intake::open_intake(app, &who.principal, Some(target)).step("open intake")?;
    let sha256 = bulwark_core::document_address(bytes);
    let path = std::env::temp_dir().join(format!("bulwark-demo-{}.sarif", Uuid::now_v7()));
    tokio::fs::write(&path, bytes)
        .await
        .map_err(|e| AppError::new(crate::ErrorKind::Internal, e.to_string()))
        .step("write the SARIF log to a temporary file")?;
    let out = intake::ingest(
        app,
        who,
        ticket,
        Some("application/sarif+json"),
        intake::ReceivedDocument {
            path: &path,
            sha256: &sha256,
            size: bytes.len() as u64,
        },
    )
    .await;
    let _ = tokio::fs::remove_file(&path).await;
    Ok(out.step("ingest a SARIF log")?.cases)
}

/// The clearinghouse: claims, SARIF intake into cases in every state,
/// validation tasks, a patch accepted by its quorum, one advisory
/// published and one released under embargo.
async fn clearinghouse(w: &World, m: &Members) -> Result<(), DemoError> {
    let app = &w.app;
    const NATS: &str = "pkg:golang/github.com/nats-io/nats-server/v2@v2.2.2";
    const CRYPTO: &str = "pkg:golang/golang.org/x/crypto@v0.0.0-20210421170649-83a5a9bb288b";
    w.at(-40);
    // Claims on scan targets: one released with its outcome, two active.
    let claim = |target: &str, technique: &str, tool: &str| crate::claims::ClaimIn {
        target_kind: None,
        target: target.into(),
        technique: technique.into(),
        tool: Some(tool.into()),
        tool_version: None,
        model_name: None,
        model_version: None,
        lease_days: Some(30),
        overlap: false,
    };
    let done = crate::claims::create(
        app,
        &m.researcher,
        claim(NATS, "static_analysis", "Fortify"),
    )
    .await
    .step("claim a target")?;
    let mut found = Vec::new();
    found.extend(send_sarif(app, &m.researcher, NATS, data::SARIF[0].1).await?);
    crate::claims::release(
        app,
        &m.researcher,
        done.claim.id,
        crate::claims::ReleaseIn {
            outcome: "findings".into(),
            findings: Some(found.len() as i64),
            note: Some("three banned API uses".into()),
        },
    )
    .await
    .step("release a claim")?;
    w.at(-2);
    crate::claims::create(
        app,
        &m.repro,
        claim(
            "pkg:golang/github.com/nats-io/jwt/v2@v2.0.2",
            "fuzzing",
            "go-fuzz",
        ),
    )
    .await
    .step("claim a target")?;
    // The agencies and the partner scan what they run, each its own target.
    for (who, target, technique, tool) in [
        (
            &m.cisa,
            "pkg:golang/golang.org/x/text@v0.3.6",
            "fuzzing",
            "go-fuzz",
        ),
        (
            &m.nsa,
            "pkg:golang/golang.org/x/sys@v0.0.0-20210426230700-d19ff857e887",
            "manual_review",
            "review",
        ),
        (
            &m.interior,
            "cpe:2.3:a:connectwise:screenconnect:23.9.7:*:*:*:*:*:*:*",
            "manual_review",
            "review",
        ),
        (
            &m.energy,
            "cpe:2.3:o:paloaltonetworks:pan-os:10.1.5:*:*:*:*:*:*:*",
            "static_analysis",
            "firmware scanner",
        ),
        (
            &m.grid,
            "pkg:golang/github.com/klauspost/compress@v1.12.1",
            "fuzzing",
            "go-fuzz",
        ),
    ] {
        crate::claims::create(app, who, claim(target, technique, tool))
            .await
            .step("claim a target")?;
    }
    let mut ai = claim(CRYPTO, "ai_agent", "patchbot");
    ai.model_name = Some("Frontier-1".into());
    crate::claims::create(app, &m.vendor, ai)
        .await
        .step("claim a target")?;

    w.at(-35);
    found.extend(send_sarif(app, &m.vendor, CRYPTO, data::SARIF[1].1).await?);
    w.at(-20);
    found.extend(
        send_sarif(
            app,
            &m.lab,
            "pkg:golang/golang.org/x/net@v0.0.0-20210421230115-4e50805a0758",
            data::SARIF[2].1,
        )
        .await?,
    );
    w.at(-1);
    found.extend(
        send_sarif(
            app,
            &m.researcher,
            "pkg:golang/gopkg.in/yaml.v2@v2.2.8",
            data::SARIF[3].1,
        )
        .await?,
    );
    if found.len() < 6 {
        return Err(DemoError::Step {
            step: "intake",
            source: AppError::new(
                crate::ErrorKind::Internal,
                format!("the SARIF logs made {} cases, not 6 or more", found.len()),
            ),
        });
    }
    let op = &m.analyst;
    let to = async |case: Uuid, state: &str| {
        cases::transition(app, op, case, cases::CaseStateIn { to: state.into() })
            .await
            .step("move a case")
    };
    // Two validated by a reproduction; one through a patch and an advisory
    // published, the other's advisory released under embargo.
    w.at(-30);
    for &case in &found[..2] {
        to(case, "triaged").await?;
        cases::assess(
            app,
            op,
            case,
            cases::assessment::AssessmentIn {
                exploitation: Some("public_poc".into()),
                automatable: Some("no".into()),
                technical_impact: Some("total".into()),
                mission_wellbeing: Some("high".into()),
                cve: None,
            },
        )
        .await
        .step("assess a case")?;
        cases::notify_vendor(app, op, case, cases::OrgIn { org: m.vendor_org })
            .await
            .step("notify the vendor")?;
        to(case, "validating").await?;
        cases::quorum(
            app,
            op,
            case,
            cases::QuorumIn {
                reproductions: 1,
                vendor_confirms: false,
            },
        )
        .await
        .step("set the quorum")?;
        cases::assign(
            app,
            op,
            case,
            cases::TaskIn {
                kind: "reproduction".into(),
                org: m.repro_org,
            },
        )
        .await
        .step("assign a reproduction")?;
        cases::validate(
            app,
            &m.repro,
            case,
            cases::ValidationIn {
                kind: "reproduction".into(),
                result: "reproduced".into(),
                note: Some("reproduced on the nats-box image".into()),
                evidence: Some("go test ./... -run TestBannedAPI: FAIL as reported".into()),
                evidence_media_type: None,
            },
        )
        .await
        .step("reproduce")?;
    }
    // The researcher's patch, checked by the vendor and Repro Lab.
    w.at(-25);
    let patch = cases::patches::submit_patch(
        app,
        &m.researcher,
        found[0],
        cases::patches::PatchIn {
            summary: None,
            details: Some("Bounds check before the copy.".into()),
            author: None,
            tool_name: Some("patchbot".into()),
            tool_version: Some("0.3".into()),
            ai_model: Some("Frontier-1".into()),
            ai_model_version: Some("2026-10".into()),
            strict: false,
        },
        "text/x-patch",
        data::PATCH.to_vec(),
    )
    .await
    .step("submit a patch")?;
    for (org, who) in [(m.vendor_org, &m.vendor), (m.repro_org, &m.repro)] {
        cases::patches::assign(
            app,
            op,
            found[0],
            patch.id,
            cases::patches::PatchTaskIn { org, checks: None },
        )
        .await
        .step("ask for a patch check")?;
        for check in ["applies", "fixes", "tests_pass"] {
            cases::patches::validate(
                app,
                who,
                found[0],
                patch.id,
                cases::patches::PatchValidationIn {
                    check: check.into(),
                    result: "passed".into(),
                    note: None,
                    evidence: None,
                    evidence_media_type: None,
                },
            )
            .await
            .step("check a patch")?;
        }
    }
    // Advisory 1: drafted, edited, final, published.
    w.at(-20);
    advisory(w, m, found[0], None).await?;
    // Advisory 2: final, released to the parties under an embargo.
    w.at(-5);
    advisory(w, m, found[1], Some(w.now + Duration::days(14))).await?;
    // One rejected, one triaged, one waiting for its reproduction, the
    // rest new; one folded into another as a duplicate.
    w.at(-15);
    to(found[2], "rejected").await?;
    to(found[3], "triaged").await?;
    to(found[4], "triaged").await?;
    to(found[4], "validating").await?;
    cases::assign(
        app,
        op,
        found[4],
        cases::TaskIn {
            kind: "reproduction".into(),
            org: m.repro_org,
        },
    )
    .await
    .step("assign a reproduction")?;
    // The vendor is asked to confirm it: the case waits for it.
    cases::assign(
        app,
        op,
        found[4],
        cases::TaskIn {
            kind: "vendor_confirmation".into(),
            org: m.vendor_org,
        },
    )
    .await
    .step("ask the vendor to confirm")?;
    if found.len() > 7 {
        cases::merge(
            app,
            op,
            found[5],
            cases::MergeIn {
                from: found[found.len() - 1],
            },
        )
        .await
        .step("merge a duplicate")?;
    }
    Ok(())
}

/// An advisory drafted from a validated case, given its fixed range, made
/// final and published (under an embargo until `embargo`, when given).
async fn advisory(
    w: &World,
    m: &Members,
    case: Uuid,
    embargo: Option<OffsetDateTime>,
) -> Result<(), DemoError> {
    let app = &w.app;
    let op = &m.analyst;
    let d = publications::draft(app, op, case, publications::DraftIn::default())
        .await
        .step("draft an advisory")?;
    let mut content = d.content.clone();
    if let Some(p) = content["products"].get_mut(0) {
        p["affected"] = json!([{"introduced": "2.0.0", "fixed": "2.2.3"}]);
        p["fixed_versions"] = json!(["2.2.3"]);
    }
    if let Some(v) = content["vulnerabilities"].get_mut(0) {
        v["cvss_v3"] = json!("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    }
    publications::edit(
        app,
        op,
        d.summary.id,
        publications::EditIn {
            content,
            summary: None,
        },
    )
    .await
    .step("edit an advisory")?;
    publications::transition(
        app,
        op,
        d.summary.id,
        publications::TransitionIn {
            to: "final".into(),
            summary: None,
        },
    )
    .await
    .step("make an advisory final")?;
    if let Some(until) = embargo {
        cases::marking(
            app,
            op,
            case,
            cases::MarkingIn {
                tlp: "AMBER+STRICT".into(),
                embargo_until: Some(bulwark_core::rfc3339(until)),
            },
        )
        .await
        .step("embargo a case")?;
    }
    publications::publish(
        app,
        op,
        d.summary.id,
        publications::PublishIn {
            tlp: Some("CLEAR".into()),
            summary: "Initial release".into(),
        },
    )
    .await
    .step("publish an advisory")?;
    Ok(())
}

/// BOD 26-04 loaded by CISA; the agencies' systems with products and SBOMs
/// (obligations overdue from a month ago, open from this week); an answer
/// and an extension asked for and approved.
/// The catalogue of defensive tools: entries for tools the demo's reports
/// and patches name (so that their evidence shows), approved by CISA, and
/// one still awaiting approval.
async fn catalogue(w: &World, m: &Members) -> Result<Vec<Uuid>, DemoError> {
    use crate::tools::{self, LimitsIn, ToolDecisionIn, ToolIn};
    let app = &w.app;
    let entry = |name: &str, kind: &str, reports_as: &str, ai: bool, max_tlp: &str| ToolIn {
        name: name.into(),
        kind: kind.into(),
        reports_as: reports_as.into(),
        ai_enabled: ai,
        summary: String::new(),
        deployment: vec!["on_premises".into(), "government_cloud".into()],
        consumes: vec!["source_code".into()],
        produces: vec!["sarif".into()],
        limits: LimitsIn {
            max_tlp: max_tlp.into(),
            embargoed: false,
        },
        fedramp: None,
        model: None,
        provider: None,
    };
    let mut fortify = entry("Fortify", "static_analyzer", "Fortify", false, "AMBER");
    fortify.summary = "Static analysis of source code for security weaknesses.".into();
    let mut patchbot = entry(
        "Acme Patchbot",
        "cyber_reasoning_system",
        "patchbot",
        true,
        "AMBER+STRICT",
    );
    patchbot.summary = "Writes and tests patches for validated cases.".into();
    patchbot.produces = vec!["patch".into(), "pov".into()];
    patchbot.limits.embargoed = true;
    let mut approved = Vec::new();
    for e in [fortify, patchbot] {
        let t = tools::create(app, &m.vendor, &e)
            .await
            .step("describe a tool")?;
        approved.push(t.id);
        tools::submit(app, &m.vendor, t.id)
            .await
            .step("submit a tool")?;
        tools::decide(
            app,
            &m.cisa,
            t.id,
            &ToolDecisionIn {
                decision: "approve".into(),
                reason: None,
            },
        )
        .await
        .step("approve a tool")?;
    }
    let mut semgrep = entry(
        "Semgrep OSS",
        "static_analyzer",
        "Semgrep OSS",
        false,
        "GREEN",
    );
    semgrep.summary = "Pattern-based static analysis; the program office has yet to decide.".into();
    let t = tools::create(app, &m.researcher, &semgrep)
        .await
        .step("describe a tool")?;
    tools::submit(app, &m.researcher, t.id)
        .await
        .step("submit a tool")?;
    Ok(approved)
}

/// A program of CISA's offering the approved tools; Energy's request
/// approved and active, Interior's waiting for the program office.
async fn access(w: &World, m: &Members, offered: Vec<Uuid>) -> Result<(), DemoError> {
    use crate::tools::access::{AccessDecisionIn, AccessRequestIn, DataIn, decide, request};
    use crate::tools::programs::{self, EligibilityIn, ProgramIn};
    let app = &w.app;
    w.at(-2);
    let program = programs::create(
        app,
        &m.cisa,
        &ProgramIn {
            name: "AI-assisted code scanning for high-value assets".into(),
            summary:
                "Approved AI-enabled scanners and patch writers for agencies' high-value assets."
                    .into(),
            eligibility: EligibilityIn {
                kind: "federal_civilian".into(),
                agencies: Vec::new(),
            },
            tools: offered.clone(),
            max_days: 90,
            conditions: "Findings go to the clearinghouse within 72 hours.".into(),
        },
    )
    .await
    .step("open a program")?;
    let first_system = async |who: &Acting| -> Result<Uuid, DemoError> {
        let page = systems::list(
            app,
            &who.principal,
            PageRequest {
                after: None,
                limit: 1,
            },
        )
        .await
        .step("list systems")?;
        page.items
            .first()
            .map(|s| s.id)
            .ok_or_else(|| DemoError::Step {
                step: "list systems",
                source: AppError::internal(),
            })
    };
    let ask = |tool: Uuid, system: Uuid, use_case: &str| AccessRequestIn {
        program: program.id,
        tool,
        use_case_id: use_case.into(),
        systems: vec![system],
        data: DataIn {
            tlp: "GREEN".into(),
            embargoed: false,
        },
        starts_at: w.now - Duration::days(1),
        ends_at: w.now + Duration::days(60),
        agency: None,
    };
    let (Some(fortify), Some(patchbot)) = (offered.first(), offered.get(1)) else {
        return Err(DemoError::Step {
            step: "open a program",
            source: AppError::internal(),
        });
    };
    let energy = request(
        app,
        &m.energy,
        &ask(*fortify, first_system(&m.energy).await?, "DOE-AI-0007"),
    )
    .await
    .step("ask for a tool")?;
    w.at(-1);
    decide(
        app,
        &m.cisa,
        energy.id,
        &AccessDecisionIn {
            decision: "approve".into(),
            reason: None,
            authorising_official: Some("Energy's chief information officer".into()),
            conditions: String::new(),
            expires_at: None,
            scope: None,
        },
    )
    .await
    .step("approve access to a tool")?;
    request(
        app,
        &m.interior,
        &ask(*patchbot, first_system(&m.interior).await?, "DOI-AI-0042"),
    )
    .await
    .step("ask for a tool")?;
    Ok(())
}

async fn directives(w: &World, m: &Members) -> Result<(), DemoError> {
    let app = &w.app;
    w.at(-30);
    crate::directives::load(app, &m.cisa, data::BOD_26_04)
        .await
        .step("load BOD 26-04")?;
    let system = async |who: &Acting, name: &str, fisma: &str, exposed: &str| {
        systems::create(
            app,
            who,
            systems::SystemIn {
                name: name.into(),
                fisma_id: Some(fisma.into()),
                high_value_asset: Some("unknown".into()),
                publicly_exposed: Some(exposed.into()),
                national_security: false,
                owners: vec![format!("isso@{}.example", fisma.to_lowercase())],
            },
        )
        .await
        .step("register a system")
    };
    let product = async |who: &Acting, id: Uuid, vendor: &str, name: &str, version: &str| {
        systems::add_product(
            app,
            who,
            id,
            systems::ProductIn {
                vendor: Some(vendor.into()),
                product: Some(name.into()),
                version: Some(version.into()),
                cpe: None,
            },
        )
        .await
        .step("add a product")
    };
    // A month ago: remote support runs ScreenConnect (in KEV): overdue now.
    let support = system(&m.interior, "Remote support", "DOI-0042", "yes").await?;
    product(
        &m.interior,
        support.id,
        "ConnectWise",
        "ScreenConnect",
        "23.9.7",
    )
    .await?;
    let firewall = system(&m.energy, "Perimeter firewall", "DOE-0007", "yes").await?;
    product(
        &m.energy,
        firewall.id,
        "Palo Alto Networks",
        "PAN-OS",
        "10.1.5",
    )
    .await?;
    // NSA's systems are national security systems: CISA's directive does
    // not bind them, so they carry no obligation.
    let nss = systems::create(
        app,
        &m.nsa,
        systems::SystemIn {
            name: "Signals lab cluster".into(),
            fisma_id: None,
            high_value_asset: Some("yes".into()),
            publicly_exposed: Some("no".into()),
            national_security: true,
            owners: vec!["isso@nsa.example".into()],
        },
    )
    .await
    .step("register a system")?;
    product(&m.nsa, nss.id, "ConnectWise", "ScreenConnect", "23.9.7").await?;
    // This week: a messaging system with its SBOM (open obligations).
    w.at(-2);
    let messaging = system(&m.interior, "Field messaging", "DOI-0108", "no").await?;
    let sbom = sboms::store_upload(
        app,
        &m.interior,
        Some("nats-box (field messaging)".into()),
        data::NATS_BOX.to_vec(),
    )
    .await
    .step("upload an SBOM")?;
    systems::attach_sbom(app, &m.interior, messaging.id, sbom.id, None)
        .await
        .step("attach an SBOM")?;
    let gateway = system(&m.energy, "Badge readers", "DOE-0031", "unknown").await?;
    product(
        &m.energy,
        gateway.id,
        "Nice",
        "Linear eMerge E3-Series",
        "1.00-06",
    )
    .await?;
    // Interior answers one of the messaging system's obligations and asks
    // for more time on another; CISA approves.
    w.at(-1);
    let open = obligations::list(
        app,
        &m.interior.principal,
        &obligations::ListQuery {
            system: Some(messaging.id),
            ..Default::default()
        },
        PageRequest {
            after: None,
            limit: 10,
        },
    )
    .await
    .step("list obligations")?;
    let mut ids = open.items.iter().map(|o| {
        let due = o
            .due_at
            .as_deref()
            .and_then(|d| {
                OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).ok()
            })
            .unwrap_or(w.now);
        (o.id, due)
    });
    if let Some((id, _)) = ids.next() {
        obligations::answer(
            app,
            &m.interior,
            id,
            obligations::AnswerIn {
                answer: "in_progress".into(),
                note: Some("upgrade scheduled for the next maintenance window".into()),
                evidence: None,
                justification: None,
            },
        )
        .await
        .step("answer an obligation")?;
    }
    if let Some((id, due)) = ids.next() {
        let r = obligations::request(
            app,
            &m.interior,
            id,
            obligations::RequestIn {
                kind: "extension".into(),
                due: Some(bulwark_core::rfc3339(due + Duration::days(30))),
                justification: "the vendor's fixed image ships next month".into(),
            },
        )
        .await
        .step("ask for an extension")?;
        obligations::decide(
            app,
            &m.cisa,
            r.id,
            obligations::DecisionIn {
                decision: "approve".into(),
                due: None,
                conditions: Some("isolate the brokers until then".into()),
                note: None,
            },
        )
        .await
        .step("decide a request")?;
    }
    Ok(())
}
