//! The triage queue: pending cases ordered by the best record of the sources
//! behind them (Laplace-smoothed, the case itself left out), ties to the
//! earliest report; validated, rejected and merged-away cases left out;
//! tool and model names count only once they have a record. On both
//! back-ends.

use bulwark_core::{CaseState, OrgKind, ValidationKind, ValidationResult};
use bulwark_store::{Actor, NewReport, NewValidation, Store};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

use crate::common;

const T0: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

bulwark_store::both_backends!(
    the_queue_is_ordered_by_the_best_source_record,
    the_queue_pages_and_reads_tasks_and_claims,
    the_queue_matches_a_full_scoring_of_every_pending_case,
);

async fn org(store: &Store, name: &str) -> Uuid {
    common::org_of(store, name, OrgKind::Researcher, T0).await
}

fn report(fp: &str, tool: &str, model: Option<&str>) -> NewReport {
    NewReport {
        fingerprint: fp.into(),
        target: None,
        rule_id: Some("c/overflow".into()),
        title: format!("finding {fp}"),
        location: Some("src/lib.c:10".into()),
        tool_name: Some(tool.into()),
        tool_version: Some("1.0".into()),
        ai_model: model.map(str::to_owned),
        ai_model_version: model.map(|_| "1".to_owned()),
        detail: serde_json::json!({}),
    }
}

/// Ingests one report as `org` at `T0 + minutes`; returns its case.
async fn ingest(store: &Store, org: Uuid, r: NewReport, minutes: i64) -> Uuid {
    let raw = r.fingerprint.clone();
    store
        .ingest_reports(
            &Actor::cli(),
            org,
            "application/sarif+json",
            raw.as_bytes(),
            &[r],
            T0 + Duration::minutes(minutes),
        )
        .await
        .expect("ingest")
        .cases[0]
}

/// Validates `case` by a reproduction from `by` (not a reporter).
async fn validate(store: &Store, case: Uuid, by: Uuid) {
    let a = Actor::cli();
    store
        .set_case_state(&a, case, CaseState::Triaged, T0)
        .await
        .unwrap();
    store
        .assign_validation(&a, case, ValidationKind::Reproduction, by, T0)
        .await
        .unwrap();
    let (_, c) = store
        .record_validation(
            &a,
            case,
            &NewValidation {
                kind: ValidationKind::Reproduction,
                result: ValidationResult::Reproduced,
                org_id: by,
                evidence: None,
                note: None,
            },
            T0,
        )
        .await
        .unwrap();
    assert_eq!(c.state, CaseState::Validated);
}

fn approx(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

async fn the_queue_is_ordered_by_the_best_source_record(store: Store) {
    let good = org(&store, "Good Lab").await;
    let bad = org(&store, "Noisy Scanner").await;
    let fresh = org(&store, "Fresh Uni").await;
    let merger = org(&store, "Merger Co").await;
    let validator = org(&store, "Validator").await;

    // Good Lab's earlier case was validated; Noisy Scanner's was rejected.
    let g0 = ingest(
        &store,
        good,
        report("bwk1:g0", "GoodScan", Some("gpt-x")),
        0,
    )
    .await;
    validate(&store, g0, validator).await;
    let b0 = ingest(&store, bad, report("bwk1:b0", "BadScan", None), 1).await;
    store
        .set_case_state(&Actor::cli(), b0, CaseState::Rejected, T0)
        .await
        .unwrap();

    // The pending cases, oldest first.
    let b1 = ingest(&store, bad, report("bwk1:b1", "BadScan", None), 10).await;
    let f1 = ingest(&store, fresh, report("bwk1:f1", "FreshScan", None), 11).await;
    let g1 = ingest(&store, good, report("bwk1:g1", "GoodScan", None), 12).await;
    store
        .set_case_state(&Actor::cli(), g1, CaseState::Triaged, T0)
        .await
        .unwrap();
    // A new tool name lifts nothing; a model with a record does.
    let b2 = ingest(&store, bad, report("bwk1:b2", "ShinyNewScan", None), 13).await;
    let b3 = ingest(
        &store,
        bad,
        report("bwk1:b3", "ShinyNewScan2", Some("gpt-x")),
        14,
    )
    .await;
    // Merged away: only the surviving case is in the queue, with both reports.
    let m1 = ingest(&store, merger, report("bwk1:m1", "MergeScan", None), 15).await;
    let m2 = ingest(&store, merger, report("bwk1:m2", "MergeScan", None), 16).await;
    store
        .merge_cases(&Actor::cli(), m1, m2, T0 + Duration::minutes(20))
        .await
        .unwrap();

    let q = store.triage_queue(50).await.unwrap();
    let order: Vec<Uuid> = q.iter().map(|e| e.case_id).collect();
    // g1 and b3: 2/3 (Good Lab 1 of 1; gpt-x 1 of 1), g1 reported first;
    // f1 and m1: 0.5 (no record); b1: 1/3 (BadScan 0 of 1 beats Noisy
    // Scanner 0 of 3 = 1/5); b2: 1/5 (Noisy Scanner; the new tool name
    // counts for nothing).
    assert_eq!(order, vec![g1, b3, f1, m1, b1, b2], "{q:#?}");
    for gone in [g0, b0, m2] {
        assert!(!order.contains(&gone));
    }

    let e = |id: Uuid| q.iter().find(|e| e.case_id == id).unwrap();
    let g = e(g1);
    assert!(approx(g.score, 2.0 / 3.0));
    assert_eq!(g.state, CaseState::Triaged);
    assert_eq!(g.first_reporter_org, good);
    assert_eq!(g.first_reporter_name, "Good Lab");
    let basis = g.basis.as_ref().unwrap();
    assert_eq!(
        (basis.kind, basis.org, basis.source.as_str()),
        ("org", Some(good), "Good Lab")
    );
    assert_eq!((basis.validated, basis.submitted), (1, 1));

    let b = e(b3);
    let basis = b.basis.as_ref().unwrap();
    assert_eq!((basis.kind, basis.source.as_str()), ("model", "gpt-x 1"));
    assert_eq!((basis.validated, basis.submitted), (1, 1));

    let f = e(f1);
    assert!(approx(f.score, 0.5));
    let basis = f.basis.as_ref().unwrap();
    assert_eq!(
        (basis.kind, basis.validated, basis.submitted),
        ("org", 0, 0)
    );

    let m = e(m1);
    assert_eq!((m.reports, m.reporting_orgs), (2, 1));

    let b = e(b1);
    assert!(approx(b.score, 1.0 / 3.0));
    let basis = b.basis.as_ref().unwrap();
    assert_eq!((basis.kind, basis.source.as_str()), ("tool", "BadScan"));
    assert_eq!((basis.validated, basis.submitted), (0, 1));

    let b = e(b2);
    assert!(approx(b.score, 1.0 / 5.0));
    let basis = b.basis.as_ref().unwrap();
    assert_eq!(
        (basis.kind, basis.source.as_str()),
        ("org", "Noisy Scanner")
    );
    assert_eq!((basis.validated, basis.submitted), (0, 3));

    // A second reporter with a good record lifts a case.
    ingest(&store, good, report("bwk1:b2", "GoodScan", None), 30).await;
    let q = store.triage_queue(50).await.unwrap();
    let b = q.iter().find(|e| e.case_id == b2).unwrap();
    assert_eq!((b.reports, b.reporting_orgs), (2, 2));
    assert_eq!(b.first_reporter_org, bad, "credit stays with the first");
    assert_eq!(b.basis.as_ref().unwrap().org, Some(good));
    // Good Lab now has g1 and b2 pending besides g0: 2/4 for each.
    assert!(approx(b.score, 0.5));
}

async fn the_queue_pages_and_reads_tasks_and_claims(store: Store) {
    let a = org(&store, "Uni A").await;
    let c = org(&store, "Lab C").await;
    let mut cases = Vec::new();
    for i in 0..5 {
        cases.push(ingest(&store, a, report(&format!("bwk1:p{i}"), "T", None), i).await);
    }
    assert!(
        store.triage_queue(0).await.unwrap().len() == 1,
        "at least one"
    );
    let first = store.triage_page(0, 2).await.unwrap();
    let rest = store.triage_page(2, 10).await.unwrap();
    let all: Vec<Uuid> = first.iter().chain(&rest).map(|e| e.case_id).collect();
    assert_eq!(all, cases, "equal scores: earliest first");

    store
        .assign_validation(&Actor::cli(), cases[0], ValidationKind::Reproduction, c, T0)
        .await
        .unwrap();
    let tasks = store.case_tasks(cases[0]).await.unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        (tasks[0].kind, tasks[0].org_id),
        (ValidationKind::Reproduction, c)
    );
    assert!(store.case_tasks(cases[1]).await.unwrap().is_empty());
    assert!(store.org_claims(a, 10).await.unwrap().is_empty());
}

#[derive(Debug, sqlx::FromRow)]
struct ReferenceRow {
    id: Uuid,
    first_reported_at: i64,
    score: f64,
    kind_rank: Option<i64>,
    basis_source: Option<String>,
    basis_validated: Option<i64>,
    basis_submitted: Option<i64>,
}

async fn reference(store: &Store, offset: u32, limit: u32) -> Vec<ReferenceRow> {
    let (limit, offset) = (i64::from(limit), i64::from(offset));
    if let Some(pool) = bulwark_store::testing::sqlite_pool(store) {
        sqlx::query_as(bulwark_store::testing::TRIAGE_REFERENCE_SQL)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await
            .expect("reference query")
    } else {
        let pool = bulwark_store::testing::postgres_pool(store).expect("a back-end");
        sqlx::query_as(bulwark_store::testing::TRIAGE_REFERENCE_SQL)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await
            .expect("reference query")
    }
}

/// A small deterministic generator (xorshift64*), so that a failure replays.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Compares a page of the store's queue with the reference, entry by entry.
async fn assert_page_matches(store: &Store, offset: u32, limit: u32, context: &str) {
    let got = store.triage_page(offset, limit).await.unwrap();
    let want = reference(store, offset, limit.clamp(1, 1000)).await;
    let got_ids: Vec<Uuid> = got.iter().map(|e| e.case_id).collect();
    let want_ids: Vec<Uuid> = want.iter().map(|r| r.id).collect();
    assert_eq!(
        got_ids, want_ids,
        "{context}: page at {offset} of {limit}: order differs\nwant {want:#?}"
    );
    for (e, r) in got.iter().zip(&want) {
        assert!(
            approx(e.score, r.score),
            "{context}: {}: score {} != {}",
            e.case_id,
            e.score,
            r.score
        );
        assert_eq!(
            e.first_reported_at.unix_timestamp_nanos() / 1000,
            i128::from(r.first_reported_at),
            "{context}"
        );
        let basis = e.basis.as_ref().expect("every pending case has a basis");
        let kind = match r.kind_rank {
            Some(0) => "org",
            Some(1) => "tool",
            Some(2) => "model",
            other => panic!("{context}: reference kind rank {other:?}"),
        };
        let source = r.basis_source.clone().unwrap();
        assert_eq!(basis.kind, kind, "{context}: {}: basis kind", e.case_id);
        if kind == "org" {
            assert_eq!(
                basis.org.map(|o| o.simple().to_string()),
                Some(source),
                "{context}: {}: basis organization",
                e.case_id
            );
        } else {
            assert_eq!(basis.source, source, "{context}: {}: basis", e.case_id);
        }
        assert_eq!(
            (Some(basis.validated), Some(basis.submitted)),
            (r.basis_validated, r.basis_submitted),
            "{context}: {}: basis record",
            e.case_id
        );
    }
}

/// A few hundred cases from several organizations, tools (some named only
/// once, so they have no record; two always named together by one
/// organization, so the three share a record) and models, many reported at the same minute;
/// some validated, rejected, under validation or triaged, some merged and
/// split again, some reported by a second organization. The queue, at many
/// offsets and page lengths, equals the reference computation.
async fn the_queue_matches_a_full_scoring_of_every_pending_case(store: Store) {
    let validator = org(&store, "Validator").await;
    let mut orgs = Vec::new();
    for i in 0..7 {
        orgs.push(org(&store, &format!("Reporter {i}")).await);
    }
    let tools = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"];
    let models = [None, None, Some("m-one"), Some("m-two")];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // Each case's fingerprints, as the test folded them.
    let mut fps: Vec<(Uuid, Vec<String>)> = Vec::new();
    let mut n = 0;
    for batch in 0..70 {
        let org_i = rng.below(orgs.len());
        let minutes = rng.below(25) as i64;
        let mut reports = Vec::new();
        for _ in 0..1 + rng.below(6) {
            // A tenth of the reports repeat another case's fingerprint (a
            // second report, often from another organization).
            let fp = if !fps.is_empty() && rng.chance(10) {
                let (_, f) = &fps[rng.below(fps.len())];
                f[0].clone()
            } else {
                n += 1;
                format!("bwk1:r{n}")
            };
            // Organization 5 reports with tools of its own, once each;
            // organization 6 with two tools of its own at once, so that the
            // three have the same record (the basis is the organization).
            let model = models[rng.below(models.len())];
            match org_i {
                5 => reports.push(report(&fp, &format!("Once{batch}"), model)),
                6 => {
                    reports.push(report(&fp, "TwinB", model));
                    reports.push(report(&fp, "TwinA", model));
                }
                _ => reports.push(report(&fp, tools[rng.below(tools.len())], model)),
            }
        }
        let receipt = store
            .ingest_reports(
                &Actor::cli(),
                orgs[org_i],
                "application/sarif+json",
                format!("batch {batch}").as_bytes(),
                &reports,
                T0 + Duration::minutes(minutes),
            )
            .await
            .expect("ingest");
        for (r, case) in reports.iter().zip(&receipt.cases) {
            match fps.iter_mut().find(|(c, _)| c == case) {
                Some((_, f)) => {
                    if !f.contains(&r.fingerprint) {
                        f.push(r.fingerprint.clone());
                    }
                }
                None => fps.push((*case, vec![r.fingerprint.clone()])),
            }
        }
    }
    assert!(fps.len() > 200, "{} cases", fps.len());
    assert_page_matches(&store, 0, 1000, "after intake").await;

    // Merges, then splits of some of the merged.
    let a = Actor::cli();
    let mut merged = Vec::new();
    for _ in 0..15 {
        let i = rng.below(fps.len());
        let j = rng.below(fps.len());
        if i == j || fps[i].1.is_empty() || fps[j].1.is_empty() {
            continue;
        }
        let (into, from) = (fps[i].0, fps[j].0);
        if store
            .merge_cases(&a, into, from, T0 + Duration::minutes(40))
            .await
            .is_ok()
        {
            let moved = std::mem::take(&mut fps[j].1);
            fps[i].1.extend(moved);
            merged.push(i);
        }
    }
    for &i in merged.iter().step_by(3) {
        if fps[i].1.len() < 2 {
            continue;
        }
        let fp = fps[i].1.pop().unwrap();
        let c = store
            .split_case(
                &a,
                fps[i].0,
                std::slice::from_ref(&fp),
                T0 + Duration::minutes(45),
            )
            .await
            .expect("split");
        fps.push((c.id, vec![fp]));
    }
    assert_page_matches(&store, 0, 1000, "after merges").await;

    // States: validated, rejected, under validation, triaged.
    for (case, f) in &fps {
        if f.is_empty() {
            continue; // merged away
        }
        match rng.below(10) {
            0 | 1 => validate(&store, *case, validator).await,
            2 => {
                store
                    .set_case_state(&a, *case, CaseState::Rejected, T0)
                    .await
                    .unwrap();
            }
            3 => {
                store
                    .set_case_state(&a, *case, CaseState::Triaged, T0)
                    .await
                    .unwrap();
                store
                    .set_case_state(&a, *case, CaseState::Validating, T0)
                    .await
                    .unwrap();
            }
            4 => {
                store
                    .set_case_state(&a, *case, CaseState::Triaged, T0)
                    .await
                    .unwrap();
            }
            _ => {}
        }
    }

    let total = reference(&store, 0, 1000).await.len() as u32;
    assert!(total > 100, "{total} pending cases");
    for (offset, limit) in [
        (0, 1000),
        (0, 1),
        (0, 50),
        (1, 7),
        (13, 20),
        (50, 50),
        (99, 3),
        (total - 5, 10),
        (total - 1, 1),
        (total, 5),
        (total + 10, 5),
    ] {
        assert_page_matches(&store, offset, limit, "after state changes").await;
    }
    // A page of one, all the way down.
    let mut one_by_one = Vec::new();
    for offset in 0..total {
        one_by_one.extend(store.triage_page(offset, 1).await.unwrap());
    }
    let all = store.triage_queue(1000).await.unwrap();
    assert_eq!(one_by_one, all);
}
