//! Clearinghouse intake as stored: reports fold into cases by fingerprint,
//! the first reporter is credited, a failed intake writes nothing, merges and
//! splits (never merged again). On both back-ends.

use bulwark_core::{
    CaseState, Embargo, OrgKind, Quorum, Target, TargetKind, Tlp, ValidationKind, ValidationResult,
};
use bulwark_store::{Actor, IntakeItem, NewReport, NewValidation, RawDocument, Store, StoreError};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

use crate::common;

const T0: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

bulwark_store::both_backends!(
    the_same_finding_from_two_organizations_is_one_case,
    a_bad_report_commits_nothing_of_its_document,
    merge_and_split_are_audited_and_a_split_is_never_merged_again,
    an_independent_reproduction_validates_a_case,
    reliability_is_validated_over_submitted_per_source,
    large_and_concurrent_intakes_open_one_case_per_fingerprint,
    a_streamed_intake_keeps_its_document_in_pieces_and_commits_only_at_its_end,
    marking_embargo_vendor_and_participants_are_kept_and_audited,
    reports_with_awkward_text_come_back_as_written,
    the_earliest_arrival_is_credited_whichever_intake_commits_first,
);

async fn org(store: &Store, name: &str) -> Uuid {
    common::org_of(store, name, OrgKind::Researcher, T0).await
}

fn report(fp: &str, msg: &str) -> NewReport {
    NewReport {
        fingerprint: fp.into(),
        target: Some(Target::parse(TargetKind::Purl, "pkg:npm/lodash@4.17.21").unwrap()),
        rule_id: Some("js/prototype-pollution".into()),
        title: msg.into(),
        location: Some("lodash.js:1234".into()),
        tool_name: Some("CodeQL".into()),
        tool_version: Some("2.15.0".into()),
        ai_model: None,
        ai_model_version: None,
        detail: serde_json::json!({"message": msg, "properties": {"x-unknown": 1}}),
    }
}

async fn the_same_finding_from_two_organizations_is_one_case(store: Store) {
    let a = org(&store, "Uni A").await;
    let b = org(&store, "Vendor B").await;
    let doc = br#"{"version":"2.1.0","runs":[]}"#;
    let reports = [
        report("bwk1:aa", "prototype pollution in merge"),
        report("bwk1:bb", "prototype pollution in set"),
        report("bwk1:aa", "the same again in one document"),
    ];
    let first = store
        .ingest_reports(
            &Actor::cli(),
            a,
            "application/sarif+json",
            doc,
            &reports,
            T0,
        )
        .await
        .unwrap();
    assert_eq!(first.reports, 3);
    assert_eq!(first.new_cases, 2);
    assert_eq!(first.cases[0], first.cases[2]);
    assert_ne!(first.cases[0], first.cases[1]);
    // The same document from another organization, later: no new case.
    let second = store
        .ingest_reports(
            &Actor::cli(),
            b,
            "application/sarif+json",
            doc,
            &reports[..2],
            T0 + Duration::hours(1),
        )
        .await
        .unwrap();
    assert_eq!(second.new_cases, 0);
    assert_eq!(second.cases, first.cases[..2]);
    assert_eq!(second.document, first.document, "content-addressed");
    let case = store.case(first.cases[0]).await.unwrap();
    assert_eq!(case.state, CaseState::New);
    assert_eq!(case.first_reporter_org, a, "credited to the first reporter");
    assert_eq!(case.first_reported_at, T0);
    assert_eq!(case.title, "prototype pollution in merge");
    assert_eq!(
        case.target.as_ref().map(|t| t.locator()),
        Some("pkg:npm/lodash@4.17.21")
    );
    let reps = store.case_reports(case.id).await.unwrap();
    assert_eq!(reps.len(), 3);
    assert_eq!(reps.iter().map(|r| r.org_id).collect::<Vec<_>>(), [a, a, b]);
    assert_eq!(
        reps[0].detail["properties"]["x-unknown"], 1,
        "unknown properties kept"
    );
    let (media, bytes) = store.raw_document(&first.document).await.unwrap();
    assert_eq!(media, "application/sarif+json");
    assert_eq!(bytes, doc);
    assert_counters_in_step(&store).await;
}

async fn a_bad_report_commits_nothing_of_its_document(store: Store) {
    let a = org(&store, "Uni A").await;
    let before = store.audit_verify().await.unwrap().entries;
    let bad = [report("bwk1:ok", "fine"), report("", "no fingerprint")];
    let e = store
        .ingest_reports(&Actor::cli(), a, "application/json", b"{}", &bad, T0)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    assert_eq!(store.audit_verify().await.unwrap().entries, before);
    let e = store.raw_document(&hex_sha(b"{}")).await.unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
}

/// The kept reliability counters (per source and per tool version) equal a
/// recount from reports and states.
async fn assert_counters_in_step(store: &Store) {
    let mut kept = store.source_reliability().await.unwrap();
    let mut recount = store.recount_source_reliability().await.unwrap();
    let key = |s: &bulwark_store::SourceReliability| (s.kind, s.source.clone());
    kept.sort_by_key(key);
    recount.sort_by_key(key);
    assert_eq!(kept, recount, "source_stats out of step with the reports");
    // The per-tool-version counters are kept by the same steps.
    assert_eq!(
        store.all_tool_evidence().await.unwrap(),
        store.recount_tool_evidence().await.unwrap(),
        "tool_version_stats out of step with the reports"
    );
}

fn hex_sha(b: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(b))
}

async fn merge_and_split_are_audited_and_a_split_is_never_merged_again(store: Store) {
    let a = org(&store, "Uni A").await;
    let b = org(&store, "Vendor B").await;
    let one = store
        .ingest_reports(
            &Actor::cli(),
            b,
            "application/json",
            b"1",
            &[report("bwk1:x", "x")],
            T0 + Duration::hours(2),
        )
        .await
        .unwrap()
        .cases[0];
    let two = store
        .ingest_reports(
            &Actor::cli(),
            a,
            "application/json",
            b"2",
            &[report("bwk1:y", "y")],
            T0,
        )
        .await
        .unwrap()
        .cases[0];
    let e = store
        .merge_cases(&Actor::cli(), one, one, T0)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    let merged = store
        .merge_cases(&Actor::cli(), one, two, T0 + Duration::hours(3))
        .await
        .unwrap();
    // The absorbed case was reported first: the credit moves with it.
    assert_eq!(merged.first_reporter_org, a);
    assert_eq!(merged.first_reported_at, T0);
    let absorbed = store.case(two).await.unwrap();
    assert_eq!(absorbed.state, CaseState::Duplicate);
    assert_eq!(absorbed.merged_into, Some(one));
    assert_eq!(
        store.case_fingerprints(one).await.unwrap(),
        ["bwk1:x", "bwk1:y"]
    );
    // A later report with the absorbed fingerprint folds into the survivor.
    let r = store
        .ingest_reports(
            &Actor::cli(),
            b,
            "application/json",
            b"3",
            &[report("bwk1:y", "y again")],
            T0 + Duration::hours(4),
        )
        .await
        .unwrap();
    assert_eq!(r.cases, [one]);
    assert_eq!(r.new_cases, 0);
    let e = store
        .merge_cases(&Actor::cli(), one, two, T0)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");

    // Split y back off: a new case, credited to y's earliest report.
    for bad in [
        vec![],
        vec!["bwk1:zz".to_owned()],
        vec!["bwk1:x".to_owned(), "bwk1:y".to_owned()],
    ] {
        let e = store
            .split_case(&Actor::cli(), one, &bad, T0)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{bad:?}: {e:?}");
    }
    let split = store
        .split_case(
            &Actor::cli(),
            one,
            &["bwk1:y".to_owned()],
            T0 + Duration::hours(5),
        )
        .await
        .unwrap();
    assert_eq!(split.first_reporter_org, a);
    assert_eq!(split.state, CaseState::New);
    assert_eq!(store.case_reports(split.id).await.unwrap().len(), 2);
    assert_eq!(store.case_fingerprints(one).await.unwrap(), ["bwk1:x"]);
    let stays = store.case(one).await.unwrap();
    assert_eq!(
        stays.first_reporter_org, b,
        "what stays keeps its own first reporter"
    );
    // Never merged again, in either direction.
    for (x, y) in [(one, split.id), (split.id, one)] {
        let e = store
            .merge_cases(&Actor::cli(), x, y, T0)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    }
    let actions: Vec<String> = store
        .audit_entries(bulwark_store::AuditQuery {
            after_seq: 0,
            limit: 1000,
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("case.") || a.starts_with("intake."))
        .collect();
    assert_eq!(
        actions,
        [
            "intake.ingest",
            "intake.ingest",
            "case.merge",
            "intake.ingest",
            "case.split"
        ]
    );
    assert_counters_in_step(&store).await;
}

fn validation(kind: ValidationKind, result: ValidationResult, org: Uuid) -> NewValidation {
    NewValidation {
        kind,
        result,
        org_id: org,
        evidence: Some(("text/plain".into(), b"ASAN: heap-buffer-overflow".to_vec())),
        note: None,
    }
}

async fn an_independent_reproduction_validates_a_case(store: Store) {
    let a = org(&store, "Uni A").await;
    let b = org(&store, "Vendor B").await;
    let c = org(&store, "Lab C").await;
    let case = store
        .ingest_reports(
            &Actor::cli(),
            a,
            "application/json",
            b"r",
            &[report("bwk1:v", "overflow")],
            T0,
        )
        .await
        .unwrap()
        .cases[0];
    use ValidationKind::*;
    use ValidationResult::*;
    let record = |kind, result, org| {
        let store = store.clone();
        async move {
            store
                .record_validation(&Actor::cli(), case, &validation(kind, result, org), T0)
                .await
        }
    };
    // Not before triage; not with a result of the other kind.
    let e = record(Reproduction, Reproduced, b).await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    let e = store
        .set_case_state(&Actor::cli(), case, CaseState::Validated, T0)
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Conflict(ref m) if m.contains("allowed: triaged, rejected")),
        "{e:?}"
    );
    store
        .set_case_state(&Actor::cli(), case, CaseState::Triaged, T0)
        .await
        .unwrap();
    // Only organizations the clearinghouse asked may validate; a reporter is
    // never asked to reproduce.
    let e = record(Reproduction, Reproduced, b).await.unwrap_err();
    assert!(
        matches!(e, StoreError::Conflict(ref m) if m.contains("task")),
        "{e:?}"
    );
    let e = store
        .assign_validation(&Actor::cli(), case, Reproduction, a, T0)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    for (kind, org) in [
        (Reproduction, b),
        (Reproduction, c),
        (VendorConfirmation, b),
    ] {
        store
            .assign_validation(&Actor::cli(), case, kind, org, T0)
            .await
            .unwrap();
    }
    let mut parties = store.case_parties(case).await.unwrap();
    parties.sort();
    let mut want = vec![a, b, c];
    want.sort();
    assert_eq!(parties, want);
    let e = record(Reproduction, Confirmed, b).await.unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    // Two independent reproductions wanted, no vendor shortcut.
    store
        .set_case_quorum(
            &Actor::cli(),
            case,
            Quorum {
                reproductions: 2,
                vendor_confirms: false,
            },
            T0,
        )
        .await
        .unwrap();
    // The reporter has no reproduction task: it cannot reproduce its own report.
    let e = record(Reproduction, Reproduced, a).await.unwrap_err();
    assert!(
        matches!(e, StoreError::Conflict(ref m) if m.contains("task")),
        "{e:?}"
    );
    let (v, after) = record(Reproduction, Reproduced, b).await.unwrap();
    assert_eq!(after.state, CaseState::Validating);
    assert!(v.evidence.is_some());
    let (_, after) = record(VendorConfirmation, Confirmed, b).await.unwrap();
    assert_eq!(
        after.state,
        CaseState::Validating,
        "the vendor's word does not count here"
    );
    let e = store
        .set_case_state(&Actor::cli(), case, CaseState::Validated, T0)
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Conflict(ref m) if m.contains("quorum")),
        "{e:?}"
    );
    let (_, after) = record(Reproduction, Reproduced, c).await.unwrap();
    assert_eq!(after.state, CaseState::Validated, "the quorum validates it");
    assert_eq!(store.case_validations(case).await.unwrap().len(), 3);
    let (media, bytes) = store
        .raw_document(v.evidence.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(
        (media.as_str(), bytes.as_slice()),
        ("text/plain", &b"ASAN: heap-buffer-overflow"[..])
    );
    assert_counters_in_step(&store).await;
}

async fn reliability_is_validated_over_submitted_per_source(store: Store) {
    let a = org(&store, "Uni A").await;
    let b = org(&store, "Vendor B").await;
    let mut agent = report("bwk1:m1", "agent finding");
    agent.tool_name = Some("hunter-agent".into());
    agent.ai_model = Some("hunter".into());
    agent.ai_model_version = Some("2026-10".into());
    let mut agent2 = agent.clone();
    agent2.fingerprint = "bwk1:m2".into();
    let r = store
        .ingest_reports(
            &Actor::cli(),
            a,
            "application/json",
            b"x",
            &[report("bwk1:c1", "codeql finding"), agent, agent2],
            T0,
        )
        .await
        .unwrap();
    let (c1, m1) = (r.cases[0], r.cases[1]);
    for case in [c1, m1] {
        store
            .set_case_state(&Actor::cli(), case, CaseState::Triaged, T0)
            .await
            .unwrap();
        store
            .assign_validation(&Actor::cli(), case, ValidationKind::Reproduction, b, T0)
            .await
            .unwrap();
        store
            .record_validation(
                &Actor::cli(),
                case,
                &validation(
                    ValidationKind::Reproduction,
                    ValidationResult::Reproduced,
                    b,
                ),
                T0,
            )
            .await
            .unwrap();
    }
    let rel = store.source_reliability().await.unwrap();
    let find = |kind: &str, source: &str| {
        rel.iter()
            .find(|s| s.kind == kind && s.source == source)
            .map(|s| (s.submitted, s.validated))
    };
    assert_eq!(find("org", &a.to_string()), Some((3, 2)));
    assert_eq!(find("tool", "CodeQL"), Some((1, 1)));
    assert_eq!(find("tool", "hunter-agent"), Some((2, 1)));
    assert_eq!(find("model", "hunter 2026-10"), Some((2, 1)));
    assert_eq!(
        find("org", &b.to_string()),
        None,
        "B validated, it reported nothing"
    );
    assert_counters_in_step(&store).await;
}

async fn large_and_concurrent_intakes_open_one_case_per_fingerprint(store: Store) {
    // More reports and fingerprints than one statement's chunk holds.
    let batch: Vec<NewReport> = (0..1300)
        .map(|i| {
            report(
                &format!("bwk1:{:04}", i % 700),
                &format!("finding {}", i % 700),
            )
        })
        .collect();
    let mut orgs = Vec::new();
    for i in 0..4 {
        orgs.push(org(&store, &format!("Scanner {i}")).await);
    }
    let tasks: Vec<_> = orgs
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let store = store.clone();
            let batch = batch.clone();
            let o = *o;
            tokio::spawn(async move {
                store
                    .ingest_reports(
                        &Actor::cli(),
                        o,
                        "application/json",
                        format!("doc {i}").as_bytes(),
                        &batch,
                        T0 + Duration::seconds(i as i64),
                    )
                    .await
            })
        })
        .collect();
    let mut receipts = Vec::new();
    for t in tasks {
        receipts.push(t.await.expect("join").expect("intake"));
    }
    assert_eq!(
        receipts.iter().map(|r| r.new_cases).sum::<usize>(),
        700,
        "each fingerprint opened exactly one case"
    );
    for r in &receipts {
        assert_eq!(r.reports, 1300);
        assert_eq!(
            r.cases, receipts[0].cases,
            "every intake folded into the same cases"
        );
        assert_eq!(
            r.cases[0], r.cases[700],
            "a fingerprint repeated in one document"
        );
    }
    let page = store
        .cases(bulwark_store::PageRequest {
            after: None,
            limit: 500,
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 500);
    assert!(page.next.is_some());
    let one = receipts[0].cases[3];
    assert_eq!(store.case_reports(one).await.unwrap().len(), 4 * 2);
    assert_eq!(store.case(one).await.unwrap().title, "finding 3");
    // Whichever intake committed first, the earliest arrival has the credit.
    for case in receipts[0].cases.iter().take(700) {
        let c = store.case(*case).await.unwrap();
        assert_eq!((c.first_reporter_org, c.first_reported_at), (orgs[0], T0));
    }
    assert_credit_in_step(&store).await;
    assert_counters_in_step(&store).await;
}

/// Every case is credited to its earliest report (its organization and
/// time; the earlier report id on a tie), and the triage queue's copy of
/// the time (`case_sources.pending_at`) agrees.
async fn assert_credit_in_step(store: &Store) {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .cases(bulwark_store::PageRequest { after, limit: 500 })
            .await
            .unwrap();
        all.extend(page.items);
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    for c in all {
        let reports = store.case_reports(c.id).await.unwrap();
        let first = reports.first().expect("a case has reports");
        assert_eq!(
            c.first_reported_at, first.reported_at,
            "case {} credited at another time than its earliest report",
            c.id
        );
        assert!(
            reports
                .iter()
                .any(|r| r.reported_at == first.reported_at && r.org_id == c.first_reporter_org),
            "case {} credited to an organization without an earliest report",
            c.id
        );
    }
    let sql = "SELECT COUNT(*) FROM case_sources cs JOIN cases c ON c.id = cs.case_id \
               WHERE cs.pending_at IS NOT NULL AND cs.pending_at <> c.first_reported_at";
    let stale: i64 = match (
        bulwark_store::testing::sqlite_pool(store),
        bulwark_store::testing::postgres_pool(store),
    ) {
        (Some(p), _) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        (_, Some(p)) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        _ => unreachable!("a store is SQLite or PostgreSQL"),
    };
    assert_eq!(stale, 0, "the triage queue's first-report times are stale");
}

/// A report's request arrives before its intake commits, and intakes commit
/// in any order: a large document sent first may commit after a small one
/// sent 40 ms later with the same finding. Its case is credited to the
/// earliest arrival all the same, the credit moving when a later commit
/// brings an earlier report (with the triage queue's copy of the time).
async fn the_earliest_arrival_is_credited_whichever_intake_commits_first(store: Store) {
    let a = org(&store, "Large and early").await;
    let b = org(&store, "Small and late").await;
    let early = T0;
    let late = T0 + Duration::milliseconds(40);
    let padding = |tag: &str| -> Vec<NewReport> {
        (0..600)
            .map(|i| report(&format!("bwk1:{tag}{i:04}"), "padding"))
            .collect()
    };

    // B arrived later but commits first; then A, which arrived earlier.
    let b_receipt = store
        .ingest_reports(
            &Actor::cli(),
            b,
            "application/json",
            b"small",
            &[report("bwk1:shared", "from B")],
            late,
        )
        .await
        .unwrap();
    let mut large = padding("a");
    large.push(report("bwk1:shared", "from A"));
    let a_receipt = store
        .ingest_reports(
            &Actor::cli(),
            a,
            "application/json",
            b"large",
            &large,
            early,
        )
        .await
        .unwrap();
    let case = b_receipt.cases[0];
    assert_eq!(
        a_receipt.cases[600], case,
        "one case for the shared finding"
    );
    let c = store.case(case).await.unwrap();
    assert_eq!((c.first_reporter_org, c.first_reported_at), (a, early));
    // A later arrival committed later changes nothing.
    let c_org = org(&store, "Later still").await;
    store
        .ingest_reports(
            &Actor::cli(),
            c_org,
            "application/json",
            b"later",
            &[report("bwk1:shared", "from C")],
            late + Duration::seconds(1),
        )
        .await
        .unwrap();
    let c = store.case(case).await.unwrap();
    assert_eq!((c.first_reporter_org, c.first_reported_at), (a, early));
    assert_credit_in_step(&store).await;

    // Truly concurrent (PostgreSQL; SQLite runs one writer at a time): the
    // early, large intake is open, its first batch written, while the late,
    // small one opens the case and commits; the large one then reaches the
    // same finding and commits last. (Interleavings where the two race for
    // the mapping are `large_and_concurrent_intakes_open_one_case_per_fingerprint`'s.)
    if store.backend_name() == "postgres" {
        let (a_tx, a_rx) = tokio::sync::mpsc::channel(1);
        let (b_tx, b_rx) = tokio::sync::mpsc::channel(1);
        let raw = |content: &'static [u8]| RawDocument {
            media_type: "application/json".into(),
            sha256: hex_sha(content),
            size: content.len() as u64,
            content,
        };
        let a_task = tokio::spawn({
            let store = store.clone();
            async move {
                store
                    .ingest_stream(&Actor::cli(), a, raw(b"large 2"), a_rx, early)
                    .await
            }
        });
        a_tx.send(IntakeItem::Reports(padding("c"))).await.unwrap();
        // With room for one item, this send returns once the first batch
        // was taken: A's transaction is open.
        a_tx.send(IntakeItem::Reports(padding("d"))).await.unwrap();
        let b_task = tokio::spawn({
            let store = store.clone();
            async move {
                store
                    .ingest_stream(&Actor::cli(), b, raw(b"small 2"), b_rx, late)
                    .await
            }
        });
        b_tx.send(IntakeItem::Reports(vec![report("bwk1:raced", "from B")]))
            .await
            .unwrap();
        b_tx.send(IntakeItem::Done).await.unwrap();
        let b_receipt = b_task.await.expect("join").expect("B's intake");
        a_tx.send(IntakeItem::Reports(vec![report("bwk1:raced", "from A")]))
            .await
            .unwrap();
        a_tx.send(IntakeItem::Done).await.unwrap();
        let a_receipt = a_task.await.expect("join").expect("A's intake");
        assert_eq!(a_receipt.cases[1200], b_receipt.cases[0]);
        let c = store.case(b_receipt.cases[0]).await.unwrap();
        assert_eq!((c.first_reporter_org, c.first_reported_at), (a, early));
        assert_credit_in_step(&store).await;
    }
    assert_counters_in_step(&store).await;
}

async fn a_streamed_intake_keeps_its_document_in_pieces_and_commits_only_at_its_end(store: Store) {
    use sha2::{Digest, Sha256};
    let a = org(&store, "Uni A").await;
    // Two and a half pieces: the document comes back byte for byte.
    let doc: Vec<u8> = (0..(bulwark_store::DOCUMENT_CHUNK * 5 / 2))
        .map(|i| (i % 251) as u8)
        .collect();
    let sha = hex::encode(Sha256::digest(&doc));
    let raw = |content: &'static [u8]| RawDocument {
        media_type: "application/sarif+json".into(),
        sha256: hex::encode(Sha256::digest(content)),
        size: content.len() as u64,
        content,
    };
    let doc: &'static [u8] = Box::leak(doc.into_boxed_slice());

    // A reader that stops before saying Done: nothing is kept.
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tx.send(IntakeItem::Reports(vec![report("bwk1:s1", "first")]))
        .await
        .unwrap();
    drop(tx);
    let before = store.audit_verify().await.unwrap().entries;
    let err = store
        .ingest_stream(&Actor::cli(), a, raw(doc), rx, T0)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_eq!(store.audit_verify().await.unwrap().entries, before);
    assert!(matches!(
        store.raw_document(&sha).await,
        Err(StoreError::NotFound)
    ));

    // Batches larger than a statement takes, then Done.
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let sender = tokio::spawn(async move {
        let batch: Vec<NewReport> = (0..1200)
            .map(|i| report(&format!("bwk1:s{}", i % 700), "streamed"))
            .collect();
        tx.send(IntakeItem::Reports(batch)).await.unwrap();
        tx.send(IntakeItem::Reports(vec![report("bwk1:s1", "again")]))
            .await
            .unwrap();
        tx.send(IntakeItem::Done).await.unwrap();
    });
    let receipt = store
        .ingest_stream(&Actor::cli(), a, raw(doc), rx, T0)
        .await
        .unwrap();
    sender.await.unwrap();
    assert_eq!(receipt.document, sha);
    assert_eq!(receipt.reports, 1201);
    assert_eq!(receipt.new_cases, 700);
    assert_eq!(
        receipt.cases[1], receipt.cases[701],
        "one case per fingerprint"
    );
    assert_eq!(receipt.cases[1200], receipt.cases[1]);
    let (media, back) = store.raw_document(&sha).await.unwrap();
    assert_eq!(media, "application/sarif+json");
    assert_eq!(back.len(), doc.len());
    assert!(back == doc, "the document comes back whole");

    // A digest that is not one is refused before anything is written.
    let (_tx, rx) = tokio::sync::mpsc::channel(1);
    let mut bad = raw(doc);
    bad.sha256 = "not-hex".into();
    assert!(matches!(
        store.ingest_stream(&Actor::cli(), a, bad, rx, T0).await,
        Err(StoreError::Invalid(_))
    ));
    assert_counters_in_step(&store).await;
}

async fn marking_embargo_vendor_and_participants_are_kept_and_audited(store: Store) {
    let a = org(&store, "Uni A").await;
    let vendor = org(&store, "Vendor V").await;
    let other_vendor = org(&store, "Vendor W").await;
    let agency = org(&store, "CISA").await;
    let r = store
        .ingest_reports(
            &Actor::cli(),
            a,
            "application/sarif+json",
            b"{}",
            &[report("bwk1:m1", "marked")],
            T0,
        )
        .await
        .unwrap();
    let id = r.cases[0];
    let c = store.case(id).await.unwrap();
    assert_eq!(c.tlp, Tlp::AmberStrict, "the default");
    assert_eq!(c.embargo, None);
    assert_eq!(c.vendor, None);
    assert_eq!(store.case_parties(id).await.unwrap(), vec![a]);

    let embargo = Embargo::parse("2026-12-01T09:00:00-05:00").unwrap();
    let c = store
        .set_case_marking(&Actor::cli(), id, Tlp::Green, Some(embargo), T0)
        .await
        .unwrap();
    assert_eq!(c.tlp, Tlp::Green);
    assert_eq!(c.embargo, Some(embargo), "UTC instant and offset kept");
    assert_eq!(c.embargo.unwrap().as_set(), "2026-12-01T09:00:00-05:00");
    assert!(matches!(
        store
            .set_case_marking(&Actor::cli(), id, Tlp::Red, None, T0)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .set_case_marking(&Actor::cli(), Uuid::now_v7(), Tlp::Clear, None, T0)
            .await,
        Err(StoreError::NotFound)
    ));

    let c = store
        .notify_vendor(&Actor::cli(), id, vendor, T0 + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(c.vendor, Some((vendor, T0 + Duration::hours(1))));
    // Another vendor replaces it as "the vendor"; the first stays a party.
    store
        .notify_vendor(&Actor::cli(), id, other_vendor, T0 + Duration::hours(2))
        .await
        .unwrap();
    assert!(matches!(
        store
            .notify_vendor(&Actor::cli(), id, Uuid::now_v7(), T0)
            .await,
        Err(StoreError::Invalid(_))
    ));
    store
        .add_case_participant(&Actor::cli(), id, agency, T0)
        .await
        .unwrap();
    store
        .add_case_participant(&Actor::cli(), id, agency, T0)
        .await
        .unwrap();
    let mut want = vec![a, vendor, other_vendor, agency];
    want.sort();
    assert_eq!(store.case_parties(id).await.unwrap(), want);

    let c = store
        .set_case_marking(&Actor::cli(), id, Tlp::AmberStrict, None, T0)
        .await
        .unwrap();
    assert_eq!(c.embargo, None, "lifted");
    let audit = store.audit_latest(1000).await.unwrap();
    let count = |a: &str| audit.iter().filter(|e| e.action == a).count();
    assert_eq!(count("case.marking"), 2);
    assert_eq!(count("case.vendor_notified"), 2);
    assert_eq!(count("case.participant"), 1, "named once");
}

/// Tabs, newlines, backslashes, quotes and non-ASCII in every text column
/// come back as written (PostgreSQL writes reports with COPY, whose text
/// format gives these characters meaning).
async fn reports_with_awkward_text_come_back_as_written(store: Store) {
    let a = org(&store, "Uni A").await;
    let awkward = "tab\there\nnewline \\ back\\slash \"quoted\" \r é 漢字 \\N";
    let mut r = report("bwk1:awk", awkward);
    r.location = Some(format!("src\\win\tdows.c:{awkward}"));
    r.rule_id = Some(awkward.into());
    r.tool_name = Some(awkward.into());
    r.ai_model = Some("\\N".into());
    r.ai_model_version = None;
    r.detail = serde_json::json!({"message": awkward, "nested": {"k\t": ["\\", "\n"]}});
    let receipt = store
        .ingest_reports(
            &Actor::cli(),
            a,
            "application/json",
            b"{}",
            &[r.clone()],
            T0,
        )
        .await
        .unwrap();
    let got = store.case_reports(receipt.cases[0]).await.unwrap();
    assert_eq!(got.len(), 1);
    let g = &got[0];
    // The title is the message on one line.
    assert_eq!(
        g.title,
        awkward.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    assert_eq!(g.location, r.location);
    assert_eq!(g.rule_id, r.rule_id);
    assert_eq!(g.tool_name, r.tool_name);
    assert_eq!(g.ai_model.as_deref(), Some("\\N"), "a value, not NULL");
    assert_eq!(g.ai_model_version, None);
    assert_eq!(g.detail, r.detail);
    assert_eq!(g.submitted_by, None);
}
