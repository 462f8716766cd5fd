//! Voluntary reviews (submissions, dossier, findings, responses), on both
//! back-ends: SQLite always, PostgreSQL when `BULWARK_TEST_DATABASE_URL`
//! names a server (`.ci/run`).

use bulwark_core::{
    Conclusion, DocumentKind, FindingCategory, GrantScope, GrantState, OrgKind, PrincipalKind,
    RoleSet, Sector, Severity, SubmissionState, Tlp,
};
use bulwark_store::{
    Actor, AuditQuery, NewFinding, NewGrant, NewModel, NewOrganization, NewSubmission, NewUser,
    Reminder, Store, StoreError, document_address,
};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);
const KEY: [u8; 32] = [7; 32];

bulwark_store::both_backends!(
    a_submission_walks_from_draft_to_conclusion,
    dossier_documents_are_sealed_and_every_read_is_audited,
    bad_input_is_refused_and_nothing_is_written,
    withdrawal_needs_a_reason_and_is_final,
    requested_partners_must_be_partners,
    a_date_change_is_kept_with_its_reason_and_restarts_the_countdown,
    concurrent_sweeps_send_each_reminder_once,
    a_grant_is_decided_by_the_lead_agency_of_the_models_review,
);

async fn org(store: &Store, name: &str, kind: OrgKind, reviewing: bool) -> Uuid {
    store
        .create_organization(
            &Actor::cli(),
            &NewOrganization {
                name: name.into(),
                kind,
                sector: None,
                reviewing,
            },
            T0,
        )
        .await
        .expect("create organization")
        .id
}

async fn user(store: &Store, org: Uuid, name: &str) -> Uuid {
    store
        .create_user(
            &Actor::cli(),
            &NewUser {
                org_id: org,
                username: name.into(),
                display_name: name.into(),
                kind: PrincipalKind::Human,
                roles: RoleSet::default(),
            },
            T0,
        )
        .await
        .expect("user")
        .id
}

async fn audit_actions(store: &Store) -> Vec<String> {
    store
        .audit_entries(AuditQuery {
            after_seq: 0,
            limit: 1000,
        })
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

struct World {
    developer: Uuid,
    nsa: Uuid,
    cisa: Uuid,
    nsa_reviewer: Uuid,
    model: Uuid,
}

async fn world(store: &Store) -> World {
    let developer = org(store, "Lab", OrgKind::Developer, false).await;
    let nsa = org(store, "NSA", OrgKind::Agency, true).await;
    let cisa = org(store, "CISA", OrgKind::Agency, true).await;
    let nsa_reviewer = user(store, nsa, "nsa-reviewer").await;
    let model = store
        .upsert_models(
            &Actor::cli(),
            developer,
            &[NewModel {
                name: "frontier-1".into(),
                tlp: Tlp::Amber,
                profile: "{}".into(),
            }],
            T0,
        )
        .await
        .expect("model")[0];
    World {
        developer,
        nsa,
        cisa,
        nsa_reviewer,
        model,
    }
}

fn plan(w: &World) -> NewSubmission {
    NewSubmission {
        model_id: w.model,
        planned_partner_release: T0 + Duration::days(20),
        planned_public_release: Some(T0 + Duration::days(60)),
        requested_partners: vec![],
    }
}

async fn a_submission_walks_from_draft_to_conclusion(store: Store) {
    let w = world(&store).await;
    let dev = Actor {
        org: Some(w.developer),
        ..Actor::default()
    };
    let s = store.create_submission(&dev, &plan(&w), T0).await.unwrap();
    assert_eq!(s.state, SubmissionState::Draft);
    assert_eq!(s.developer_org, w.developer);
    assert!(s.window().is_none());

    // Skipping steps is a conflict naming the allowed ones.
    let e = store
        .transition_submission(&dev, s.id, SubmissionState::InReview, None, T0)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(m) if m.contains("allowed: submitted, withdrawn")),
        "{e}"
    );

    let s = store
        .transition_submission(&dev, s.id, SubmissionState::Submitted, None, T0)
        .await
        .unwrap();
    assert_eq!(s.state, SubmissionState::Submitted);
    assert_eq!(s.window().unwrap().days_remaining(T0), 20);

    let s = store
        .assign_submission(&dev, s.id, w.nsa, &[w.cisa, w.nsa], &[w.nsa_reviewer], T0)
        .await
        .unwrap();
    assert_eq!(s.state, SubmissionState::Triage);
    assert_eq!(s.lead_agency, Some(w.nsa));
    assert_eq!(s.supporting_agencies, vec![w.cisa]);
    assert_eq!(s.reviewers, vec![w.nsa_reviewer]);
    assert!(s.is_assigned(w.cisa) && s.is_assigned(w.nsa) && !s.is_assigned(w.developer));

    let s = store
        .transition_submission(&dev, s.id, SubmissionState::InReview, None, T0)
        .await
        .unwrap();
    let f = store
        .issue_finding(
            &dev,
            s.id,
            &NewFinding {
                severity: Severity::High,
                category: FindingCategory::OffensiveCyberUplift,
                text: "the model writes working exploits".into(),
                recommendation: "filter exploit generation".into(),
                tlp: Tlp::AmberStrict,
            },
            T0,
        )
        .await
        .unwrap();
    assert_eq!(
        store.submission(s.id).await.unwrap().state,
        SubmissionState::FindingsIssued
    );
    assert_eq!(store.findings(s.id).await.unwrap(), vec![f.clone()]);
    let r = store
        .post_response(&dev, s.id, f.id, "filter deployed", T0)
        .await
        .unwrap();
    assert_eq!(store.responses(s.id).await.unwrap(), vec![r]);

    let later = T0 + Duration::days(21);
    let s = store
        .conclude_submission(
            &dev,
            s.id,
            Conclusion::MitigationsRecommended,
            "mitigated",
            later,
        )
        .await
        .unwrap();
    assert_eq!(s.state, SubmissionState::Concluded);
    assert_eq!(s.conclusion, Some(Conclusion::MitigationsRecommended));
    assert_eq!(s.concluded_in_time, Some(false));
    assert_eq!(s.concluded_at, Some(later));

    let actions = audit_actions(&store).await;
    for a in [
        "submission.create",
        "submission.transition",
        "submission.assign",
        "finding.issue",
        "response.post",
        "submission.conclude",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
    assert_eq!(store.submissions().await.unwrap().len(), 1);
}

async fn dossier_documents_are_sealed_and_every_read_is_audited(store: Store) {
    let w = world(&store).await;
    let dev = Actor {
        org: Some(w.developer),
        ..Actor::default()
    };
    let s = store.create_submission(&dev, &plan(&w), T0).await.unwrap();
    let plain = b"MODEL CARD: frontier-1, trained on secret sauce".to_vec();
    let doc = store
        .put_document(&dev, s.id, DocumentKind::ModelCard, &plain, &KEY, T0)
        .await
        .unwrap();
    assert_eq!(doc.sha256, document_address(&plain));
    assert_eq!(doc.size, plain.len() as i64);
    // Uploading the same bytes again changes nothing.
    let again = store
        .put_document(&dev, s.id, DocumentKind::ModelCard, &plain, &KEY, T0)
        .await
        .unwrap();
    assert_eq!(again, doc);
    assert_eq!(store.documents(s.id).await.unwrap(), vec![doc.clone()]);

    let sealed = store.document_ciphertext(s.id, &doc.sha256).await.unwrap();
    assert!(
        !sealed
            .windows(10)
            .any(|w| plain.windows(10).any(|p| p == w)),
        "plaintext found at rest"
    );

    let before = audit_actions(&store).await;
    let (read, bytes) = store
        .read_document(&dev, s.id, &doc.sha256, &KEY, T0)
        .await
        .unwrap();
    assert_eq!(read, doc);
    assert_eq!(bytes, plain);
    assert_eq!(document_address(&bytes), doc.sha256);
    let after = audit_actions(&store).await;
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after.last().map(String::as_str), Some("dossier.read"));

    // A wrong key does not open it.
    let e = store
        .read_document(&dev, s.id, &doc.sha256, &[8; 32], T0)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Corrupt(_)), "{e}");
    // Unknown addresses are not found.
    let e = store
        .read_document(&dev, s.id, &"0".repeat(64), &KEY, T0)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e}");
}

async fn bad_input_is_refused_and_nothing_is_written(store: Store) {
    let w = world(&store).await;
    let dev = Actor::cli();
    let before = audit_actions(&store).await.len();
    let mut p = plan(&w);
    p.planned_partner_release = T0 - Duration::days(1);
    assert!(matches!(
        store.create_submission(&dev, &p, T0).await,
        Err(StoreError::Invalid(_))
    ));
    let mut p = plan(&w);
    p.planned_public_release = Some(T0 + Duration::days(1));
    assert!(matches!(
        store.create_submission(&dev, &p, T0).await,
        Err(StoreError::Invalid(_))
    ));
    let mut p = plan(&w);
    p.model_id = Uuid::now_v7();
    assert!(matches!(
        store.create_submission(&dev, &p, T0).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(audit_actions(&store).await.len(), before);
    assert!(store.submissions().await.unwrap().is_empty());

    let s = store.create_submission(&dev, &plan(&w), T0).await.unwrap();
    let before = audit_actions(&store).await.len();
    assert!(matches!(
        store
            .put_document(&dev, s.id, DocumentKind::ModelCard, b"", &KEY, T0)
            .await,
        Err(StoreError::Invalid(_))
    ));
    let big = vec![b'x'; bulwark_core::review::MAX_DOCUMENT_BYTES + 1];
    assert!(matches!(
        store
            .put_document(&dev, s.id, DocumentKind::ModelCard, &big, &KEY, T0)
            .await,
        Err(StoreError::Invalid(_))
    ));
    // Assigning a developer organization as an agency is refused.
    let _ = store
        .transition_submission(&dev, s.id, SubmissionState::Submitted, None, T0)
        .await
        .unwrap();
    let actions = audit_actions(&store).await;
    assert!(
        actions[before..].iter().all(|a| a != "dossier.upload"),
        "{actions:?}"
    );
    let before_assign = actions.len();
    assert!(matches!(
        store
            .assign_submission(&dev, s.id, w.developer, &[], &[], T0)
            .await,
        Err(StoreError::Invalid(_))
    ));
    // A reviewer of an agency that is not assigned is refused.
    assert!(matches!(
        store
            .assign_submission(&dev, s.id, w.cisa, &[], &[w.nsa_reviewer], T0)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .conclude_submission(&dev, s.id, Conclusion::NoSignificantConcerns, "ok", T0)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(audit_actions(&store).await.len(), before_assign);
    assert!(store.documents(s.id).await.unwrap().is_empty());
    assert_eq!(
        store.submission(s.id).await.unwrap().state,
        SubmissionState::Submitted
    );
}

async fn withdrawal_needs_a_reason_and_is_final(store: Store) {
    let w = world(&store).await;
    let dev = Actor::cli();
    let s = store.create_submission(&dev, &plan(&w), T0).await.unwrap();
    assert!(matches!(
        store
            .transition_submission(&dev, s.id, SubmissionState::Withdrawn, Some("  "), T0)
            .await,
        Err(StoreError::Invalid(_))
    ));
    let s = store
        .transition_submission(
            &dev,
            s.id,
            SubmissionState::Withdrawn,
            Some("plans changed"),
            T0,
        )
        .await
        .unwrap();
    assert_eq!(s.state, SubmissionState::Withdrawn);
    assert_eq!(s.withdrawn_reason.as_deref(), Some("plans changed"));
    let e = store
        .transition_submission(&dev, s.id, SubmissionState::Submitted, None, T0)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(m) if m.contains("final")),
        "{e}"
    );
    assert!(matches!(
        store
            .put_document(&dev, s.id, DocumentKind::ModelCard, b"x", &KEY, T0)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.submission(Uuid::now_v7()).await,
        Err(StoreError::NotFound)
    ));
}

async fn partner(store: &Store, name: &str) -> Uuid {
    store
        .create_organization(
            &Actor::cli(),
            &NewOrganization {
                name: name.into(),
                kind: OrgKind::Partner,
                sector: Some(Sector::Energy),
                reviewing: false,
            },
            T0,
        )
        .await
        .expect("partner")
        .id
}

async fn requested_partners_must_be_partners(store: Store) {
    let w = world(&store).await;
    let grid = partner(&store, "Grid Co").await;
    let before = audit_actions(&store).await.len();
    for bad in [Uuid::now_v7(), w.nsa] {
        let e = store
            .create_submission(
                &Actor::cli(),
                &NewSubmission {
                    requested_partners: vec![grid, bad],
                    ..plan(&w)
                },
                T0,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(m) if m.contains("requested_partners")),
            "{e:?}"
        );
    }
    assert_eq!(audit_actions(&store).await.len(), before);
    let s = store
        .create_submission(
            &Actor::cli(),
            &NewSubmission {
                requested_partners: vec![grid, grid],
                ..plan(&w)
            },
            T0,
        )
        .await
        .unwrap();
    assert_eq!(s.requested_partners, vec![grid]);
    assert_eq!(
        store.submission(s.id).await.unwrap().requested_partners,
        vec![grid]
    );
}

async fn a_date_change_is_kept_with_its_reason_and_restarts_the_countdown(store: Store) {
    let w = world(&store).await;
    let a = Actor::cli();
    let s = store.create_submission(&a, &plan(&w), T0).await.unwrap();
    // Twenty days: no reminder yet; a draft never counts down.
    assert!(
        store
            .send_due_reminders(&a, T0 + Duration::days(15))
            .await
            .unwrap()
            .is_empty()
    );
    store
        .transition_submission(&a, s.id, SubmissionState::Submitted, None, T0)
        .await
        .unwrap();
    let at = T0 + Duration::days(14);
    assert_eq!(
        store.send_due_reminders(&a, at).await.unwrap(),
        [Reminder::WindowEnding {
            submission: s.id,
            days: 7
        }]
    );
    // Blank reasons and past dates are refused; nothing written.
    let before = audit_actions(&store).await.len();
    for (release, reason) in [
        (T0 + Duration::days(30), " "),
        (T0 + Duration::days(1), "earlier"),
    ] {
        let e = store
            .reschedule_submission(&a, s.id, release, None, reason, at)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    }
    assert_eq!(audit_actions(&store).await.len(), before);
    let moved = store
        .reschedule_submission(&a, s.id, T0 + Duration::days(30), None, "more evals", at)
        .await
        .unwrap();
    assert_eq!(moved.planned_partner_release, T0 + Duration::days(30));
    assert_eq!(moved.planned_public_release, None);
    let changes = store.date_changes(s.id).await.unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].old_partner_release, T0 + Duration::days(20));
    assert_eq!(changes[0].new_partner_release, T0 + Duration::days(30));
    assert_eq!(changes[0].old_public_release, Some(T0 + Duration::days(60)));
    assert_eq!(changes[0].reason, "more evals");
    let actions = audit_actions(&store).await;
    assert!(
        actions.ends_with(&[
            "submission.reschedule".to_owned(),
            "event.publish".to_owned()
        ]),
        "{actions:?}"
    );
    // Sixteen days left now: the 7-day reminder for the new date comes later.
    assert!(store.send_due_reminders(&a, at).await.unwrap().is_empty());
    assert_eq!(
        store
            .send_due_reminders(&a, T0 + Duration::days(23))
            .await
            .unwrap(),
        [Reminder::WindowEnding {
            submission: s.id,
            days: 7
        }]
    );
    // The end of the window with the review open: recorded as not in time.
    assert_eq!(
        store
            .send_due_reminders(&a, T0 + Duration::days(30))
            .await
            .unwrap(),
        [Reminder::WindowEnding {
            submission: s.id,
            days: 1
        }],
        "concluding at the very instant is still in time"
    );
    assert_eq!(
        store
            .send_due_reminders(&a, T0 + Duration::days(30) + Duration::seconds(1))
            .await
            .unwrap(),
        [Reminder::WindowClosed { submission: s.id }]
    );
    assert_eq!(
        store.submission(s.id).await.unwrap().concluded_in_time,
        Some(false)
    );
    // Withdrawn: its dates no longer move.
    store
        .transition_submission(
            &a,
            s.id,
            SubmissionState::Withdrawn,
            Some("shelved"),
            T0 + Duration::days(31),
        )
        .await
        .unwrap();
    let e = store
        .reschedule_submission(
            &a,
            s.id,
            T0 + Duration::days(60),
            None,
            "again",
            T0 + Duration::days(31),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
}

async fn concurrent_sweeps_send_each_reminder_once(store: Store) {
    let w = world(&store).await;
    let a = Actor::cli();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let s = store.create_submission(&a, &plan(&w), T0).await.unwrap();
        store
            .transition_submission(&a, s.id, SubmissionState::Submitted, None, T0)
            .await
            .unwrap();
        ids.push(s.id);
    }
    let at = T0 + Duration::days(18);
    let sweeps: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            let a = a.clone();
            tokio::spawn(async move { store.send_due_reminders(&a, at).await })
        })
        .collect();
    let mut sent = Vec::new();
    for h in sweeps {
        sent.extend(h.await.expect("join").expect("sweep"));
    }
    let mut got: Vec<Uuid> = sent
        .iter()
        .map(|r| match r {
            Reminder::WindowEnding {
                submission,
                days: 3,
            } => *submission,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    got.sort();
    ids.sort();
    assert_eq!(got, ids, "each submission reminded exactly once");
}

async fn a_grant_is_decided_by_the_lead_agency_of_the_models_review(store: Store) {
    let w = world(&store).await;
    let a = Actor::cli();
    let grid = partner(&store, "Grid Co").await;
    let g = store
        .propose_grant(
            &a,
            &NewGrant {
                model_id: w.model,
                partner_org: grid,
                scope: GrantScope::Api,
                starts_at: T0 + Duration::days(1),
                ends_at: T0 + Duration::days(10),
                conditions: String::new(),
            },
            T0,
        )
        .await
        .unwrap();
    assert_eq!(g.lead_agency, None, "no review yet");
    let s = store.create_submission(&a, &plan(&w), T0).await.unwrap();
    store
        .transition_submission(&a, s.id, SubmissionState::Submitted, None, T0)
        .await
        .unwrap();
    assert_eq!(
        store.grant(g.id).await.unwrap().lead_agency,
        None,
        "not triaged"
    );
    store
        .assign_submission(&a, s.id, w.cisa, &[w.nsa], &[], T0)
        .await
        .unwrap();
    assert_eq!(store.grant(g.id).await.unwrap().lead_agency, Some(w.cisa));
    // Withdrawn reviews do not count.
    store
        .transition_submission(&a, s.id, SubmissionState::Withdrawn, Some("no"), T0)
        .await
        .unwrap();
    assert_eq!(store.grant(g.id).await.unwrap().lead_agency, None);

    // The expiring reminder, once, for a concurred grant only.
    store
        .decide_grant(&a, g.id, GrantState::Concurred, None, T0)
        .await
        .unwrap();
    assert!(
        store
            .send_due_reminders(&a, T0 + Duration::days(6))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .send_due_reminders(&a, T0 + Duration::days(7))
            .await
            .unwrap(),
        [Reminder::GrantExpiring { grant: g.id }]
    );
    assert!(
        store
            .send_due_reminders(&a, T0 + Duration::days(8))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .send_due_reminders(&a, T0 + Duration::days(11))
            .await
            .unwrap()
            .is_empty()
    );
}
