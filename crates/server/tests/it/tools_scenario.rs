//! Issue 20's scenario, end to end over HTTP, on SQLite and PostgreSQL.
//!
//! Two catalogue tools — Frontier-1, a covered frontier model, and
//! Atlantis, a cyber-reasoning system — claim the same two targets, the
//! components of two of Interior's high-value assets. Atlantis submits
//! through the AI Cyber Challenge's API (a pov, a patch and a SARIF,
//! bundled); Frontier-1 through SARIF and the remediation API. One finding
//! is reported by both (Atlantis first), one by Frontier-1 alone (validated)
//! and one by Frontier-1 alone (rejected); Atlantis's patch is accepted by
//! two organizations, Frontier-1's fails its check. Both tools release their
//! claims. The scorecards then show exactly those counts with their Wilson
//! intervals. Interior asks for Frontier-1 under CISA's program and is
//! approved by CISA and the developer (one decision: the grant is
//! concurred with it). A directive requiring monthly AI-assisted scanning
//! of high-value assets gives Interior two obligations, whose dates the
//! tools' released claims move. Energy sees none of Interior's request,
//! systems or obligations.
//!
//! Every expected number and date is written from the story (the Wilson
//! bounds computed apart from Bulwark, z = 1.959964), not read back from
//! the code under test.

use std::sync::Arc;

use crate::aixcc::{crs_get, crs_post};
use crate::common::{self, Srv};

use bulwark_core::{FixedClock, rfc3339};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const BENCHMARKS: &str = include_str!("../../../../benchmarks/frontier-cyber.toml");
const DIRECTIVE: &str = include_str!("../../../directive/tests/it/fixtures/ai-scan-hva.toml");
const POV: &[u8] = include_bytes!("../../../intake/tests/fixtures/aixcc/pov.json");
const PATCH: &[u8] = include_bytes!("../../../intake/tests/fixtures/aixcc/patch.json");
const SARIF: &[u8] = include_bytes!("../../../intake/tests/fixtures/aixcc/sarif.json");
/// `git format-patch -1 --stdout` of a scratch repository (the intake
/// crate's `tests/fixtures/README.md`).
const FORMAT_PATCH: &[u8] =
    include_bytes!("../../../intake/tests/fixtures/patch/git-format-patch.patch");

/// Systems registered, catalogue approved, directive loaded (after the
/// benchmark set's effective date, 2026-12-01, and the directive's).
const T0: OffsetDateTime = datetime!(2027-01-11 15:00 UTC);
/// Both tools claim both targets.
const T1: OffsetDateTime = datetime!(2027-01-12 09:00 UTC);
/// Frontier-1 releases its claims; Atlantis an hour later.
const T2: OffsetDateTime = datetime!(2027-01-17 09:00 UTC);
const T3: OffsetDateTime = datetime!(2027-01-17 10:00 UTC);

const PILLOW: &str = "pkg:pypi/pillow@10.0.0";
const LODASH: &str = "pkg:npm/lodash@4.17.21";

/// Frontier-1's SARIF about Pillow: the first result is the one Atlantis's
/// SARIF (`aixcc/sarif.json`) reports — same rule, file and message, so
/// the same fingerprint —, the second and third are its own.
fn frontier_sarif() -> Vec<u8> {
    let result = |rule: &str, file: &str, line: u32, message: &str| {
        json!({"ruleId": rule, "level": "error", "message": {"text": message},
               "locations": [{"physicalLocation": {"artifactLocation": {"uri": file},
                              "region": {"startLine": line}}}]})
    };
    json!({"version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "frontier-1", "version": "2027-01",
                            "rules": [{"id": "CWE-125"}, {"id": "CWE-787"}, {"id": "CWE-476"}]}},
        "results": [
            result("CWE-125", "src/png.c", 12, "Out-of-bounds read of the chunk length in read_chunk"),
            result("CWE-787", "src/zip.c", 40, "Heap buffer overflow writing the inflated block"),
            result("CWE-476", "src/gif.c", 7, "NULL dereference of the colour table"),
        ],
    }]})
    .to_string()
    .into_bytes()
}

fn cyclonedx(purl: &str) -> Vec<u8> {
    json!({"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1,
           "components": [{"type": "library", "name": "component", "purl": purl}]})
    .to_string()
    .into_bytes()
}

/// POSTs and expects `want`; the answer's body.
async fn ok(srv: &Srv, want: StatusCode, path: &str, token: &str, body: Value) -> Value {
    let (s, v) = srv.post(path, token, body).await;
    assert_eq!(s, want, "{path}: {v}");
    v
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

/// An entry written by its provider, submitted and approved by CISA.
async fn approved_tool(srv: &Srv, provider: &str, cisa: &str, body: Value) -> String {
    let t = id(&ok(srv, StatusCode::CREATED, "/api/v1/tools", provider, body).await);
    ok(
        srv,
        StatusCode::OK,
        &format!("/api/v1/tools/{t}/submit"),
        provider,
        json!({}),
    )
    .await;
    let v = ok(
        srv,
        StatusCode::OK,
        &format!("/api/v1/tools/{t}/decision"),
        cisa,
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(v["state"], "approved", "{v}");
    t
}

/// A high-value asset of the caller's agency with an SBOM of one component.
async fn hva(srv: &Srv, token: &str, name: &str, purl: &str) -> String {
    let (s, up) = srv
        .upload(
            token,
            "/api/v1/sboms",
            "application/vnd.cyclonedx+json",
            &cyclonedx(purl),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{up}");
    let sbom = up["sbom"]["id"].as_str().expect("sbom").to_owned();
    let system = id(&ok(
        srv,
        StatusCode::CREATED,
        "/api/v1/systems",
        token,
        json!({"name": name, "high_value_asset": "yes"}),
    )
    .await);
    let (s, _, v) = srv
        .call(
            Method::PUT,
            &format!("/api/v1/systems/{system}/sboms/{sbom}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    system
}

/// A claim on `target` for the caller's tool at `version`; its id.
async fn claim(srv: &Srv, token: &str, target: &str, tool: &str, version: &str) -> String {
    let v = ok(
        srv,
        StatusCode::CREATED,
        "/api/v1/claims",
        token,
        json!({"target": target, "technique": "ai_agent", "tool": tool, "tool_version": version,
               "model_name": tool, "overlap": true}),
    )
    .await;
    assert_eq!(v["claim"]["tool_version"], version, "{v}");
    v["claim"]["id"].as_str().expect("claim").to_owned()
}

async fn release(srv: &Srv, token: &str, claim: &str, outcome: &str, findings: Option<i64>) {
    ok(
        srv,
        StatusCode::OK,
        &format!("/api/v1/claims/{claim}/release"),
        token,
        json!({"outcome": outcome, "findings": findings}),
    )
    .await;
}

async fn to(srv: &Srv, case: &str, state: &str) {
    ok(
        srv,
        StatusCode::OK,
        &format!("/api/v1/cases/{case}/transition"),
        &srv.root_token,
        json!({"to": state}),
    )
    .await;
}

/// The open obligation of `system`, as its agency reads it.
async fn obligation(srv: &Srv, token: &str, system: &str) -> Value {
    let (s, list) = srv.get("/api/v1/obligations?limit=100", token).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let mine: Vec<&Value> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|o| o["system"] == system && o["state"] == "open")
        .collect();
    assert_eq!(mine.len(), 1, "{list}");
    mine[0].clone()
}

/// The scorecard of one version, out of a tool's evidence.
fn version<'a>(evidence: &'a Value, v: &str) -> &'a Value {
    evidence["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .find(|c| c["version"] == v)
        .unwrap_or_else(|| panic!("no version {v}: {evidence}"))
}

/// `rate` is k of n with the Wilson bounds given to four places.
fn assert_rate(rate: &Value, k: i64, n: i64, lower: f64, upper: f64) {
    assert_eq!(
        (rate["k"].as_i64(), rate["n"].as_i64()),
        (Some(k), Some(n)),
        "{rate}"
    );
    let (l, u) = (
        rate["lower"].as_f64().expect("lower"),
        rate["upper"].as_f64().expect("upper"),
    );
    assert!(
        (l - lower).abs() < 5e-5 && (u - upper).abs() < 5e-5,
        "{rate}: want {lower}..{upper}"
    );
    assert_eq!(rate["too_few"], true, "{rate}: under 10 trials");
}

fn counts(card: &Value) -> Vec<i64> {
    [
        "reports",
        "cases",
        "validated",
        "rejected",
        "duplicate",
        "found_first",
        "patches",
        "patches_accepted",
        "claims",
        "claims_findings",
        "claims_nothing_found",
        "targets",
    ]
    .iter()
    .map(|k| {
        card["counts"][k]
            .as_i64()
            .unwrap_or_else(|| panic!("{k}: {card}"))
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tools_from_claims_to_scorecards_access_and_a_directive() {
    let clock = Arc::new(FixedClock::new(T0));
    let store = bulwark_store::testing::sqlite().await.expect("store");
    scenario(&common::start_with_clock(store, clock.clone()).await, clock).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set BULWARK_TEST_DATABASE_URL (.ci/run does)"]
async fn two_tools_from_claims_to_scorecards_access_and_a_directive_on_postgres() {
    let clock = Arc::new(FixedClock::new(T0));
    let store = bulwark_store::testing::postgres()
        .await
        .expect("PostgreSQL test store");
    scenario(&common::start_with_clock(store, clock.clone()).await, clock).await;
}

/// What the scenario made, for the pages' test.
pub struct Made {
    pub users: Users,
    pub program: String,
    pub frontier_request: String,
    pub atlantis: String,
}

/// The people of the scenario, by user id.
pub struct Users {
    pub cisa: String,
    pub doi: String,
    pub doe: String,
    pub lab: String,
}

async fn scenario(srv: &Srv, clock: Arc<FixedClock>) -> Made {
    let root = srv.root_token.clone();
    // CISA: a reviewing agency, the directives' issuer, the program office.
    ok(
        srv,
        StatusCode::CREATED,
        "/api/v1/organizations",
        &root,
        json!({"name": "CISA", "kind": "agency", "reviewing": true}),
    )
    .await;
    let (cisa_org, cisa_user, cisa) = srv.member("CISA", "agency", "cisa", &["analyst"]).await;
    let (s, _, v) = srv
        .call(
            Method::PUT,
            &format!("/api/v1/organizations/{cisa_org}/directive-profile"),
            Some(&root),
            Some(json!({"agency_track": "civilian", "issues_directives": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (doi_org, doi_user, doi) = srv
        .member("Department of the Interior", "agency", "doi", &["analyst"])
        .await;
    let (_, doe_user, doe) = srv
        .member("Department of Energy", "agency", "doe", &["admin"])
        .await;
    let (lab_org, lab_user, lab) = srv
        .member("Frontier Lab", "developer", "lab", &["analyst"])
        .await;
    let (_, _, crs) = srv
        .member("Team Atlantis", "researcher", "atl", &["analyst"])
        .await;
    let (uni_org, _, uni) = srv.member("Uni V", "researcher", "uni", &["analyst"]).await;
    let (labw_org, _, labw) = srv
        .member("Lab W", "researcher", "labw", &["analyst"])
        .await;

    // The registry: the shipped benchmark set, a model trained with 3e26
    // operations — covered by its compute criterion.
    let (s, v) = srv
        .upload(
            &cisa,
            "/api/v1/benchmarks",
            "application/toml",
            BENCHMARKS.as_bytes(),
        )
        .await;
    assert!(s.is_success(), "{s} {v}");
    let model = srv.register_model(&lab, "Frontier-1", 3e26).await;
    let (_, m) = srv.get(&format!("/api/v1/models/{model}"), &lab).await;
    assert_eq!(m["determinations"][0]["outcome"], "covered", "{m}");

    // The catalogue: both approved by CISA.
    let frontier = approved_tool(
        srv,
        &lab,
        &cisa,
        json!({"name": "Frontier-1 code review", "kind": "frontier_model", "reports_as": "frontier-1",
               "ai_enabled": true, "deployment": ["government_cloud"], "consumes": ["source_code"],
               "produces": ["sarif", "patch"], "limits": {"max_tlp": "AMBER"}, "model": model}),
    )
    .await;
    let atlantis = approved_tool(
        srv,
        &crs,
        &cisa,
        json!({"name": "Atlantis", "kind": "cyber_reasoning_system", "reports_as": "atlantis",
               "ai_enabled": true, "deployment": ["on_premises"], "consumes": ["source_code"],
               "produces": ["pov", "patch", "sarif"], "limits": {"max_tlp": "AMBER"}}),
    )
    .await;

    // Interior's high-value assets, and the directive: one obligation each,
    // due 30 days after the systems came under it.
    let portal = hva(srv, &doi, "DOI grants portal", PILLOW).await;
    let hr = hva(srv, &doi, "DOI HR", LODASH).await;
    let (s, v) = srv
        .upload(
            &cisa,
            "/api/v1/directives",
            "application/toml",
            DIRECTIVE.as_bytes(),
        )
        .await;
    assert!(s.is_success(), "{s} {v}");
    let first_due = rfc3339(T0 + Duration::days(30));
    for system in [&portal, &hr] {
        let o = obligation(srv, &doi, system).await;
        assert_eq!(o["vulnerability"], "requirement:ai-scan-hva", "{o}");
        assert_eq!(o["due_at"], first_due.as_str(), "{o}");
    }
    let portal_obligation = id(&obligation(srv, &doi, &portal).await);

    // Both tools claim both targets.
    clock.set(T1);
    let f_pillow = claim(srv, &lab, PILLOW, "frontier-1", "2027-01").await;
    let f_lodash = claim(srv, &lab, LODASH, "frontier-1", "2027-01").await;
    let a_pillow = claim(srv, &crs, PILLOW, "atlantis", "2.1.0").await;
    let a_lodash = claim(srv, &crs, LODASH, "atlantis", "2.1.0").await;

    // Atlantis submits as the AI Cyber Challenge's API shapes it: the case
    // of its pov, the SARIF's finding in it, the patch proposed.
    clock.set(T1 + Duration::hours(1));
    let base = format!("/api/v1/tools/atlantis/aixcc/v1/task/{a_pillow}");
    let mut parts = Vec::new();
    for (path, body, key) in [
        ("pov", POV, "pov_id"),
        ("patch", PATCH, "patch_id"),
        ("submitted-sarif", SARIF, "submitted_sarif_id"),
    ] {
        let (s, v) = crs_post(srv, &crs, &format!("{base}/{path}/"), body).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        parts.push(v[key].clone());
    }
    let bundle = json!({"pov_id": parts[0], "patch_id": parts[1], "submitted_sarif_id": parts[2],
                        "description": "Check the length before reading the chunk header."});
    let (s, b) = crs_post(
        srv,
        &crs,
        &format!("{base}/bundle/"),
        bundle.to_string().as_bytes(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, shown) = crs_get(
        srv,
        &crs,
        &format!(
            "{base}/bundle/{}/",
            b["bundle_id"].as_str().expect("bundle")
        ),
    )
    .await;
    let case_a = shown["case_id"]
        .as_str()
        .expect("filed into a case")
        .to_owned();

    // Frontier-1's SARIF: one finding folds into Atlantis's case, two open
    // cases of their own.
    clock.set(T1 + Duration::hours(2));
    let (s, receipt) = srv
        .upload(
            &lab,
            &format!("/api/v1/reports?target={PILLOW}"),
            "application/sarif+json",
            &frontier_sarif(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{receipt}");
    let cases: Vec<String> = receipt["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c.as_str().expect("case").to_owned())
        .collect();
    assert_eq!(cases.len(), 3, "{receipt}");
    assert_eq!(cases[0], case_a, "the shared finding is Atlantis's case");
    let (case_b, case_c) = (cases[1].clone(), cases[2].clone());
    assert_ne!(case_b, case_c);

    // Validation: A and B reproduced by Uni V (on the second and third day
    // after the claims); C not reproduced and rejected.
    for case in [&case_a, &case_b, &case_c] {
        to(srv, case, "triaged").await;
        to(srv, case, "validating").await;
    }
    clock.set(T1 + Duration::days(2));
    common::validate_by_one_reproduction(srv, &case_a, &root, &uni_org, &uni).await;
    clock.set(T1 + Duration::days(3));
    common::validate_by_one_reproduction(srv, &case_b, &root, &uni_org, &uni).await;
    let (s, v) = srv
        .post(
            &format!("/api/v1/cases/{case_c}/tasks"),
            &root,
            json!({"kind": "reproduction", "org": uni_org}),
        )
        .await;
    assert!(s.is_success(), "{s} {v}");
    ok(
        srv,
        StatusCode::CREATED,
        &format!("/api/v1/cases/{case_c}/validations"),
        &uni,
        json!({"kind": "reproduction", "result": "not_reproduced"}),
    )
    .await;
    to(srv, &case_c, "rejected").await;
    // The pov's status follows Bulwark's validation.
    let (_, pov) = crs_get(
        srv,
        &crs,
        &format!("{base}/pov/{}/", parts[0].as_str().expect("pov")),
    )
    .await;
    assert_eq!(pov["status"], "passed", "{pov}");

    // Patches: Atlantis's (from the bundle) passed by Uni V and Lab W and
    // accepted; Frontier-1's on B fails Lab W's check and stays proposed.
    clock.set(T1 + Duration::days(4));
    let (_, rems) = srv
        .get(&format!("/api/v1/cases/{case_a}/remediations"), &crs)
        .await;
    let a_patch = id(&rems["items"][0]);
    let (s, f_patch) = srv
        .upload(
            &lab,
            &format!(
                "/api/v1/cases/{case_b}/remediations?tool_name=frontier-1&tool_version=2027-01"
            ),
            "text/x-patch",
            FORMAT_PATCH,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{f_patch}");
    let f_patch = id(&f_patch);
    for (case, patch, orgs) in [
        (
            &case_a,
            &a_patch,
            vec![(&uni_org, &uni), (&labw_org, &labw)],
        ),
        (&case_b, &f_patch, vec![(&labw_org, &labw)]),
    ] {
        let rem = format!("/api/v1/cases/{case}/remediations/{patch}");
        for (org, _) in &orgs {
            ok(
                srv,
                StatusCode::OK,
                &format!("{rem}/tasks"),
                &root,
                json!({"org": org}),
            )
            .await;
        }
        for (_, token) in &orgs {
            for check in ["applies", "fixes", "tests_pass"] {
                let result = if *patch == f_patch && check == "fixes" {
                    "failed"
                } else {
                    "passed"
                };
                ok(
                    srv,
                    StatusCode::OK,
                    &format!("{rem}/validations"),
                    token,
                    json!({"check": check, "result": result}),
                )
                .await;
            }
        }
    }
    let (_, a) = srv
        .get(
            &format!("/api/v1/cases/{case_a}/remediations/{a_patch}"),
            &crs,
        )
        .await;
    assert_eq!(a["state"], "accepted", "{a}");
    let (_, f) = srv
        .get(
            &format!("/api/v1/cases/{case_b}/remediations/{f_patch}"),
            &lab,
        )
        .await;
    assert_eq!(f["state"], "proposed", "{f}");

    // The claims released: findings on Pillow, nothing on lodash. Each
    // approved AI-enabled tool's release moves the systems' dates to 30
    // days after it, with an event naming the claim.
    clock.set(T2);
    release(srv, &lab, &f_pillow, "findings", Some(3)).await;
    release(srv, &lab, &f_lodash, "nothing_found", None).await;
    for system in [&portal, &hr] {
        let o = obligation(srv, &doi, system).await;
        assert_eq!(
            o["due_at"],
            rfc3339(T2 + Duration::days(30)).as_str(),
            "{o}"
        );
    }
    clock.set(T3);
    release(srv, &crs, &a_pillow, "findings", Some(2)).await;
    release(srv, &crs, &a_lodash, "nothing_found", None).await;
    for system in [&portal, &hr] {
        let o = obligation(srv, &doi, system).await;
        assert_eq!(
            o["due_at"],
            rfc3339(T3 + Duration::days(30)).as_str(),
            "{o}"
        );
        assert_eq!(o["overdue"], false, "{o}");
    }
    let (s, view) = srv
        .get(&format!("/api/v1/obligations/{portal_obligation}"), &doi)
        .await;
    assert_eq!(s, StatusCode::OK, "{view}");
    let revised: Vec<String> = view["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|e| e["kind"] == "revised")
        .map(|e| e["detail"].to_string())
        .collect();
    assert_eq!(revised.len(), 2, "{revised:?}");
    assert!(
        revised[0].contains(&format!("met by claim {f_pillow}")),
        "{revised:?}"
    );
    assert!(
        revised[1].contains(&format!("met by claim {a_pillow}")),
        "{revised:?}"
    );

    // The scorecards: exactly what happened, each rate with its interval.
    //                  rep cas val rej dup 1st pat acc clm fnd nil tgt
    let (s, ev) = srv
        .get(&format!("/api/v1/tools/{atlantis}/evidence"), &doe)
        .await;
    assert_eq!(s, StatusCode::OK, "{ev}");
    assert_eq!(ev["versions"].as_array().map(Vec::len), Some(1), "{ev}");
    let card = version(&ev, "2.1.0");
    assert_eq!(counts(card), [2, 1, 1, 0, 0, 1, 1, 1, 2, 1, 1, 2], "{card}");
    assert_rate(&card["validation"], 1, 1, 0.2065, 1.0);
    assert_rate(&card["found_first"], 1, 1, 0.2065, 1.0);
    assert_rate(&card["patch_acceptance"], 1, 1, 0.2065, 1.0);
    assert_rate(&card["nothing_found"], 1, 2, 0.0945, 0.9055);
    let (s, ev) = srv
        .get(&format!("/api/v1/tools/{frontier}/evidence"), &doe)
        .await;
    assert_eq!(s, StatusCode::OK, "{ev}");
    let card = version(&ev, "2027-01");
    assert_eq!(counts(card), [3, 3, 2, 1, 1, 2, 1, 0, 2, 1, 1, 2], "{card}");
    assert_rate(&card["validation"], 2, 3, 0.2077, 0.9385);
    assert_rate(&card["duplicate"], 1, 3, 0.0615, 0.7923);
    assert_rate(&card["patch_acceptance"], 0, 1, 0.0, 0.7935);
    assert_rate(&card["nothing_found"], 1, 2, 0.0945, 0.9055);
    assert_eq!(
        ev["all"]["counts"], card["counts"],
        "one version: the sum is it"
    );
    // From the claim (T1) to each validated finding: A two days, B three;
    // Frontier-1's median 2.5 days.
    let c2v = &ev["history"]["claim_to_validation"];
    assert_eq!(
        c2v[0],
        json!({"version": null, "samples": 2, "median_seconds": 216_000}),
        "{c2v}"
    );
    let weeks = ev["history"]["weeks"].as_array().expect("weeks");
    let sum = |k: &str| {
        weeks
            .iter()
            .map(|w| w[k].as_i64().unwrap_or(0))
            .sum::<i64>()
    };
    assert_eq!((sum("reports"), sum("validated")), (3, 2), "{weeks:?}");

    // The policy decides what a tool may receive (Frontier-1: up to AMBER):
    // B as a new case is AMBER+STRICT, above it; marked AMBER it may go;
    // under an embargo, not (the tool is not approved for embargoed cases).
    let may = format!("/api/v1/tools/{frontier}/may-receive/{case_b}");
    let embargoed = json!({"tlp": "AMBER", "embargo_until": rfc3339(T3 + Duration::days(30))});
    for (marking, allowed) in [
        (None, false),
        (Some(json!({"tlp": "AMBER"})), true),
        (Some(embargoed), false),
    ] {
        if let Some(marking) = marking.clone() {
            let (s, _, v) = srv
                .call(
                    Method::PUT,
                    &format!("/api/v1/cases/{case_b}/marking"),
                    Some(&root),
                    Some(marking),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        let (_, v) = srv.get(&may, &root).await;
        assert_eq!(v["allowed"], allowed, "{marking:?}: {v}");
    }

    // Interior asks for Frontier-1 under CISA's program; CISA approves,
    // which proposes an early-access grant; the lab accepts on the request,
    // which activates both.
    let program = id(&ok(
        srv,
        StatusCode::CREATED,
        "/api/v1/programs",
        &cisa,
        json!({"name": "AI-assisted code scanning for high-value assets",
               "eligibility": {"kind": "federal_civilian"}, "tools": [frontier, atlantis],
               "max_days": 90, "conditions": "Findings go to the clearinghouse within 72 hours."}),
    )
    .await);
    let now = T3 + Duration::hours(1);
    clock.set(now);
    let request = id(&ok(
        srv,
        StatusCode::CREATED,
        "/api/v1/access-requests",
        &doi,
        json!({"program": program, "tool": frontier, "use_case_id": "DOI-AI-0042",
               "systems": [portal], "data": {"tlp": "GREEN"},
               "starts_at": rfc3339(now), "ends_at": rfc3339(now + Duration::days(60))}),
    )
    .await);
    let r = ok(
        srv,
        StatusCode::OK,
        &format!("/api/v1/access-requests/{request}/decision"),
        &cisa,
        json!({"decision": "approve", "authorising_official": "A. Jones, DOI CIO",
               "expires_at": rfc3339(now + Duration::days(60))}),
    )
    .await;
    assert_eq!(r["state"], "approved", "{r}");
    let grant = r["grant"].as_str().expect("a grant proposed").to_owned();
    let r = ok(
        srv,
        StatusCode::OK,
        &format!("/api/v1/access-requests/{request}/answer"),
        &lab,
        json!({"accept": true}),
    )
    .await;
    assert_eq!(
        (&r["state"], &r["status"]),
        (&json!("active"), &json!("active")),
        "{r}"
    );
    let (_, g) = srv.get(&format!("/api/v1/grants/{grant}"), &doi).await;
    assert_eq!(
        (
            &g["state"],
            &g["partner_org"],
            &g["developer_org"],
            &g["model"]
        ),
        (
            &json!("concurred"),
            &json!(doi_org),
            &json!(lab_org),
            &json!(model)
        ),
        "{g}"
    );

    // Energy sees none of Interior's request, systems or obligations.
    let (s, _) = srv
        .get(&format!("/api/v1/access-requests/{request}"), &doe)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, list) = srv.get("/api/v1/access-requests", &doe).await;
    assert_eq!(list["items"], json!([]), "{list}");
    let (s, _) = srv.get(&format!("/api/v1/systems/{portal}"), &doe).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, list) = srv.get("/api/v1/obligations", &doe).await;
    assert_eq!(list["items"], json!([]), "{list}");
    let (s, _) = srv
        .get(&format!("/api/v1/obligations/{portal_obligation}"), &doe)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    assert!(srv.store.audit_verify().await.expect("verify").ok());
    Made {
        users: Users {
            cisa: cisa_user,
            doi: doi_user,
            doe: doe_user,
            lab: lab_user,
        },
        program,
        frontier_request: request,
        atlantis,
    }
}

/// The programs and access pages over the scenario's world: an agency asks
/// through the program's form (a forged form and a refused one change
/// nothing), the program office approves on the request's page, the
/// numbers link to filtered lists, another agency sees none of it, and
/// the developer is offered only what the policy allows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn programs_and_access_requests_as_pages() {
    use crate::common::visitor::{Visitor, set_password};

    let clock = Arc::new(FixedClock::new(T0));
    let store = bulwark_store::testing::sqlite().await.expect("store");
    let srv = common::start_with_clock(store, clock.clone()).await;
    let made = scenario(&srv, clock).await;
    for u in [
        &made.users.cisa,
        &made.users.doi,
        &made.users.doe,
        &made.users.lab,
    ] {
        set_password(&srv, u.parse().expect("user id")).await;
    }
    let mut doi = Visitor::sign_in(&srv, "doi").await;
    let list = doi.get("/tools/programs").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    list.at(&format!(
        "<a href=\"/tools/programs/{}\">AI-assisted code scanning for high-value assets</a>",
        made.program
    ));
    let page = doi.get(&format!("/tools/programs/{}", made.program)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.at("DOI grants portal (high-value asset)");
    page.at(&format!(
        "<option value=\"{}\">Atlantis</option>",
        made.atlantis
    ));
    let systems: Vec<String> = page
        .body
        .match_indices("name=\"systems\" value=\"")
        .map(|(i, m)| page.body[i + m.len()..i + m.len() + 36].to_owned())
        .collect();
    assert_eq!(systems.len(), 2, "both of Interior's systems are offered");
    let csrf = page.csrf();
    let path = format!("/tools/programs/{}/request", made.program);
    let form = |tlp: &'static str, token: &str| {
        vec![
            ("csrf".to_owned(), token.to_owned()),
            ("tool".to_owned(), made.atlantis.clone()),
            ("use_case_id".to_owned(), "DOI-AI-0043".to_owned()),
            ("systems".to_owned(), systems[0].clone()),
            ("systems".to_owned(), systems[1].clone()),
            ("tlp".to_owned(), tlp.to_owned()),
            ("starts_at".to_owned(), "2027-01-18".to_owned()),
            ("ends_at".to_owned(), "2027-02-18".to_owned()),
        ]
    };
    let before = srv.audit_len().await;
    let forged = post_pairs(&mut doi, &path, form("GREEN", "forged")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let above = post_pairs(&mut doi, &path, form("AMBER+STRICT", &csrf)).await;
    assert_eq!(
        above.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        above.body
    );
    above.at("TLP:AMBER+STRICT");
    assert_eq!(srv.audit_len().await, before, "refused forms write nothing");
    let asked = post_pairs(&mut doi, &path, form("GREEN", &csrf)).await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    let at = asked.location.clone();
    assert!(at.starts_with("/tools/access/"), "{at}");
    let mine = doi.get(&at).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    mine.at("state-requested");
    mine.at(">DOI grants portal</a>");
    mine.at(">DOI HR</a>");
    assert!(
        !mine.body.contains("/approve\""),
        "the agency does not decide"
    );

    // The program office: the numbers link to the filtered list, the
    // request's page offers the decision.
    let mut cisa = Visitor::sign_in(&srv, "cisa").await;
    let all = cisa.get("/tools/access").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    all.at("<a href=\"/tools/access?status=requested\"><span class=\"n\">1</span>");
    all.at("<a href=\"/tools/access?status=active\"><span class=\"n\">1</span>");
    let waiting = cisa.get("/tools/access?status=requested").await;
    waiting.at("1 request matching the filters");
    let one = cisa.get(&at).await;
    one.at(&format!("action=\"{at}/approve\""));
    let csrf = one.csrf();
    let missing = cisa
        .post(&format!("{at}/approve"), &[("csrf", &csrf)])
        .await;
    assert_eq!(
        missing.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        missing.body
    );
    let approved = cisa
        .post(
            &format!("{at}/approve"),
            &[
                ("csrf", &csrf),
                ("authorising_official", "A. Jones, DOI CIO"),
            ],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let one = cisa.get(&at).await;
    one.at("state-active");
    one.at("authorising official: A. Jones, DOI CIO");
    let dash = cisa.get("/").await;
    dash.at("Access to defensive tools");
    dash.at("<a href=\"/tools/access?status=active\"><span class=\"n\">2</span>");

    // Energy sees none of it.
    let mut doe = Visitor::sign_in(&srv, "doe").await;
    assert_eq!(doe.get(&at).await.status, StatusCode::NOT_FOUND);
    let theirs = doe.get("/tools/access").await;
    theirs.at("0 requests");
    assert!(!theirs.body.contains("DOI-AI-"), "{}", theirs.body);

    // The developer: its model's request offers revocation, not a decision.
    let mut lab = Visitor::sign_in(&srv, "lab").await;
    let theirs = lab
        .get(&format!("/tools/access/{}", made.frontier_request))
        .await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);
    theirs.at("/revoke\"");
    assert!(!theirs.body.contains("/approve\""));
    assert!(!theirs.body.contains("/accept\""));
}

/// POSTs a form whose fields may repeat.
async fn post_pairs(
    v: &mut crate::common::visitor::Visitor,
    path: &str,
    form: Vec<(String, String)>,
) -> crate::common::visitor::Page {
    let req = v.http.post(format!("{}{path}", v.base)).form(&form);
    v.finish(req).await
}
