//! One suite, two back-ends: every test runs against SQLite (always) and
//! PostgreSQL (when `BULWARK_TEST_DATABASE_URL` names a server; `.ci/run`
//! sets it). Each PostgreSQL test gets a schema of its own.

use bulwark_core::{ApiToken, AuditEvent, OrgKind, PrincipalKind, Role, RoleSet, Sector};
use bulwark_store::{
    Actor, Bootstrap, LeaseOutcome, NewOrganization, NewUser, PageRequest, Store, StoreError,
    UserUpdate,
};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

bulwark_store::both_backends!(
    migrations_are_idempotent,
    bootstrap_runs_once,
    token_lifecycle,
    organizations_users_and_pages,
    failed_change_writes_nothing,
    audit_chain_detects_tampering,
    audit_detects_removed_tail,
    concurrent_changes_keep_one_chain,
    lease_is_exclusive_until_it_lapses,
    concurrent_lease_has_one_winner,
    jobs_are_claimed_once,
    sessions,
    benchmark_sets_and_versions_in_force,
    model_registry_and_determinations,
    lost_races_are_contention,
);

fn token(n: u8) -> ApiToken {
    ApiToken::from_random(bulwark_core::secret::TOKEN_PREFIX, [n; 32])
}

async fn bootstrap(store: &Store) -> (bulwark_store::Organization, bulwark_store::User) {
    let (org, user, _) = store
        .bootstrap(
            &Bootstrap {
                org_name: "Program Office".into(),
                username: "root".into(),
                display_name: "First Operator".into(),
                token_hash: token(1).hash(),
            },
            T0,
        )
        .await
        .expect("bootstrap");
    (org, user)
}

async fn org(store: &Store, name: &str, kind: OrgKind) -> bulwark_store::Organization {
    let sector = (kind == OrgKind::Partner).then_some(Sector::Energy);
    store
        .create_organization(
            &Actor::cli(),
            &NewOrganization {
                name: name.into(),
                kind,
                sector,
                reviewing: false,
            },
            T0,
        )
        .await
        .expect("create organization")
}

async fn user(store: &Store, org: Uuid, username: &str, roles: &[Role]) -> bulwark_store::User {
    store
        .create_user(
            &Actor::cli(),
            &NewUser {
                org_id: org,
                username: username.into(),
                display_name: username.to_uppercase(),
                kind: PrincipalKind::Human,
                roles: RoleSet::new(roles.iter().copied()),
            },
            T0,
        )
        .await
        .expect("create user")
}

async fn audit_len(store: &Store) -> i64 {
    store.audit_verify().await.expect("verify").entries
}

async fn migrations_are_idempotent(store: Store) {
    store.migrate().await.expect("second migrate is a no-op");
    store.ping().await.expect("ping");
    assert_eq!(audit_len(&store).await, 0);
}

async fn bootstrap_runs_once(store: Store) {
    let (org, user) = bootstrap(&store).await;
    assert_eq!(org.kind, OrgKind::Operator);
    assert!(user.roles.contains(Role::Admin));
    let again = store
        .bootstrap(
            &Bootstrap {
                org_name: "Another".into(),
                username: "root2".into(),
                display_name: "Second".into(),
                token_hash: token(2).hash(),
            },
            T0,
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::AlreadyBootstrapped)),
        "{again:?}"
    );
    // The refused attempt left nothing behind: one org, three audit entries.
    assert_eq!(
        store
            .organizations(PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    let v = store.audit_verify().await.unwrap();
    assert!(v.ok());
    assert_eq!(v.entries, 3);
    let (p, _, _) = store
        .authenticate_token(&token(1).hash(), T0)
        .await
        .unwrap()
        .expect("bootstrap token works");
    assert_eq!(p.username, "root");
    assert_eq!(p.org_kind, OrgKind::Operator);
}

async fn token_lifecycle(store: Store) {
    let (_, admin) = bootstrap(&store).await;
    let lab = org(&store, "Lab One", OrgKind::Developer).await;
    let alice = user(&store, lab.id, "alice", &[Role::Analyst]).await;
    let actor = Actor {
        user: Some(admin.id),
        org: Some(admin.org_id),
        request_id: Some("req-1".into()),
    };
    let t = token(9);
    let info = store
        .issue_token(
            &actor,
            alice.id,
            "laptop",
            &t.hash(),
            Some(T0 + Duration::days(30)),
            T0,
        )
        .await
        .unwrap();
    assert_eq!(info.org_id, lab.id);
    let (p, id, _) = store
        .authenticate_token(&t.hash(), T0)
        .await
        .unwrap()
        .expect("fresh token works");
    assert_eq!((p.user_id, p.org_id, id), (alice.id, lab.id, info.id));
    // Expiry is exclusive of the deadline.
    assert!(
        store
            .authenticate_token(&t.hash(), T0 + Duration::days(30))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .authenticate_token(&token(10).hash(), T0)
            .await
            .unwrap()
            .is_none(),
        "unknown token"
    );
    // A past expiry is refused at issue.
    let past = store
        .issue_token(&actor, alice.id, "old", &token(11).hash(), Some(T0), T0)
        .await;
    assert!(matches!(past, Err(StoreError::Invalid(_))));
    // Disabling the user disables its tokens; enabling brings them back.
    store
        .update_user(
            &actor,
            alice.id,
            &UserUpdate {
                disabled: Some(true),
                ..Default::default()
            },
            T0,
        )
        .await
        .unwrap();
    assert!(
        store
            .authenticate_token(&t.hash(), T0)
            .await
            .unwrap()
            .is_none()
    );
    store
        .update_user(
            &actor,
            alice.id,
            &UserUpdate {
                disabled: Some(false),
                ..Default::default()
            },
            T0,
        )
        .await
        .unwrap();
    assert!(
        store
            .authenticate_token(&t.hash(), T0)
            .await
            .unwrap()
            .is_some()
    );
    // Revocation is immediate and happens once.
    let revoked = store
        .revoke_token(&actor, info.id, T0 + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(T0 + Duration::minutes(1)));
    assert!(
        store
            .authenticate_token(&t.hash(), T0 + Duration::minutes(1))
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        store.revoke_token(&actor, info.id, T0).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.revoke_token(&actor, Uuid::now_v7(), T0).await,
        Err(StoreError::NotFound)
    ));
    // The revocation is in the audit log with who and from which request.
    let entries = store
        .audit_entries(bulwark_store::AuditQuery {
            after_seq: 0,
            limit: 100,
        })
        .await
        .unwrap();
    let last = entries.last().unwrap();
    assert_eq!(last.action, "token.revoke");
    assert_eq!(last.resource_id, info.id.to_string());
    assert_eq!(last.actor_user, Some(admin.id));
    assert_eq!(last.request_id.as_deref(), Some("req-1"));
    // Touching records use without an audit entry.
    store
        .touch_token(info.id, T0 + Duration::minutes(2))
        .await
        .unwrap();
    assert_eq!(
        store.token(info.id).await.unwrap().last_used_at,
        Some(T0 + Duration::minutes(2))
    );
    assert_eq!(audit_len(&store).await, entries.len() as i64);
}

async fn organizations_users_and_pages(store: Store) {
    bootstrap(&store).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            org(&store, &format!("Vendor {i}"), OrgKind::Vendor)
                .await
                .id,
        );
    }
    let dup = store
        .create_organization(
            &Actor::cli(),
            &NewOrganization {
                name: "Vendor 3".into(),
                kind: OrgKind::Vendor,
                sector: None,
                reviewing: false,
            },
            T0,
        )
        .await;
    // In the domain's words, never the database's (`UNIQUE constraint
    // failed: organizations.name`, `organizations_name_key`).
    assert!(
        matches!(dup, Err(StoreError::Conflict(ref m)) if m == r#"an organization named "Vendor 3" exists"#),
        "{dup:?}"
    );
    let no_sector = store
        .create_organization(
            &Actor::cli(),
            &NewOrganization {
                name: "Grid Co".into(),
                kind: OrgKind::Partner,
                sector: None,
                reviewing: false,
            },
            T0,
        )
        .await;
    assert!(matches!(no_sector, Err(StoreError::Invalid(_))));
    let grid = org(&store, "Grid Co", OrgKind::Partner).await;
    assert_eq!(grid.sector, Some(Sector::Energy));

    // Pages of two walk all seven organizations once, in creation order.
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = store
            .organizations(PageRequest { after, limit: 2 })
            .await
            .unwrap();
        pages += 1;
        seen.extend(page.items.iter().map(|o| o.id));
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(pages, 4);
    assert_eq!(seen.len(), 7);
    assert_eq!(&seen[1..6], &ids[..]);

    let bob = user(&store, ids[0], "bob", &[Role::Viewer]).await;
    assert_eq!(store.user(bob.id).await.unwrap().display_name, "BOB");
    let taken = store
        .create_user(
            &Actor::cli(),
            &NewUser {
                org_id: ids[1],
                username: "bob".into(),
                display_name: "Other Bob".into(),
                kind: PrincipalKind::Human,
                roles: RoleSet::default(),
            },
            T0,
        )
        .await;
    assert!(
        matches!(taken, Err(StoreError::Conflict(ref m)) if m.contains("bob")),
        "{taken:?}"
    );
    for bad in ["B", "x", "has space", "-dash", "ümlaut"] {
        let r = store
            .create_user(
                &Actor::cli(),
                &NewUser {
                    org_id: ids[1],
                    username: bad.into(),
                    display_name: "X".into(),
                    kind: PrincipalKind::Human,
                    roles: RoleSet::default(),
                },
                T0,
            )
            .await;
        assert!(matches!(r, Err(StoreError::Invalid(_))), "{bad}: {r:?}");
    }
    let auditor = store
        .create_user(
            &Actor::cli(),
            &NewUser {
                org_id: ids[1],
                username: "aud".into(),
                display_name: "A".into(),
                kind: PrincipalKind::Human,
                roles: RoleSet::new([Role::Auditor]),
            },
            T0,
        )
        .await;
    assert!(
        matches!(auditor, Err(StoreError::Invalid(_))),
        "auditor outside the operator org"
    );
    let ghost = store
        .create_user(
            &Actor::cli(),
            &NewUser {
                org_id: Uuid::now_v7(),
                username: "ghost".into(),
                display_name: "G".into(),
                kind: PrincipalKind::Service,
                roles: RoleSet::default(),
            },
            T0,
        )
        .await;
    assert!(matches!(ghost, Err(StoreError::Invalid(_))));
    assert_eq!(
        store
            .users(ids[0], PageRequest::default())
            .await
            .unwrap()
            .items,
        vec![bob.clone()]
    );
    let (found, hash) = store.user_by_username("bob").await.unwrap();
    assert_eq!((found.id, hash), (bob.id, None));
    store
        .set_password_hash(
            &Actor::cli(),
            bob.id,
            "$argon2id$v=19$m=19456,t=2,p=1$stub",
            T0,
        )
        .await
        .unwrap();
    assert!(store.user(bob.id).await.unwrap().has_password);
    assert!(matches!(
        store.user(Uuid::now_v7()).await,
        Err(StoreError::NotFound)
    ));
}

async fn failed_change_writes_nothing(store: Store) {
    bootstrap(&store).await;
    let v = org(&store, "Vendor", OrgKind::Vendor).await;
    user(&store, v.id, "carol", &[]).await;
    let before = audit_len(&store).await;
    let again = store
        .create_user(
            &Actor::cli(),
            &NewUser {
                org_id: v.id,
                username: "carol".into(),
                display_name: "C".into(),
                kind: PrincipalKind::Human,
                roles: RoleSet::default(),
            },
            T0,
        )
        .await;
    assert!(again.is_err());
    assert_eq!(
        audit_len(&store).await,
        before,
        "a refused change leaves no audit entry"
    );
    assert_eq!(
        store
            .users(v.id, PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

/// The SQL an attacker with database access would use to get past the
/// append-only triggers.
fn disable_guard(store: &Store) -> &'static str {
    match store.backend_name() {
        "sqlite" => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete",
        _ => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
    }
}

async fn audit_chain_detects_tampering(store: Store) {
    bootstrap(&store).await;
    for i in 0..4 {
        org(&store, &format!("Agency {i}"), OrgKind::Agency).await;
    }
    let v = store.audit_verify().await.unwrap();
    assert!(v.ok(), "{v:?}");
    assert_eq!(v.entries, 7);
    // The guard refuses edits made through SQL.
    assert!(
        store
            .execute_unchecked("UPDATE audit_log SET detail = '{}' WHERE seq = 5")
            .await
            .is_err()
    );
    assert!(
        store
            .execute_unchecked("DELETE FROM audit_log WHERE seq = 5")
            .await
            .is_err()
    );
    // An attacker who removes the guard and edits an entry is caught at that entry.
    store
        .execute_unchecked(disable_guard(&store))
        .await
        .unwrap();
    let n = store
        .execute_unchecked("UPDATE audit_log SET detail = '{\"name\":\"Nobody\"}' WHERE seq = 5")
        .await
        .unwrap();
    assert_eq!(n, 1);
    let v = store.audit_verify().await.unwrap();
    let b = v.first_break.expect("tampering is detected");
    assert_eq!(b.seq, 5);
    assert!(b.reason.contains("changed"), "{}", b.reason);
}

async fn audit_detects_removed_tail(store: Store) {
    bootstrap(&store).await;
    org(&store, "Lab", OrgKind::Developer).await;
    store
        .execute_unchecked(disable_guard(&store))
        .await
        .unwrap();
    store
        .execute_unchecked("DELETE FROM audit_log WHERE seq = 4")
        .await
        .unwrap();
    let b = store
        .audit_verify()
        .await
        .unwrap()
        .first_break
        .expect("a cut tail is detected");
    assert_eq!(b.seq, 4);
}

async fn concurrent_changes_keep_one_chain(store: Store) {
    bootstrap(&store).await;
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let s = store.clone();
            tokio::spawn(async move {
                s.audit(
                    &Actor::cli(),
                    AuditEvent::new("test.append", "test", i),
                    bulwark_core::to_micros(T0),
                )
                .await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().expect("append");
    }
    let v = store.audit_verify().await.unwrap();
    assert!(v.ok(), "{v:?}");
    assert_eq!(v.entries, 3 + 24);
    let latest: Vec<i64> = store
        .audit_latest(3)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(latest, [27, 26, 25]);
}

async fn lease_is_exclusive_until_it_lapses(store: Store) {
    let key = "target:pkg:npm/left-pad@1.3.0";
    let until = T0 + Duration::days(7);
    let a = store.lease_acquire(key, "org-a", until, T0).await.unwrap();
    let LeaseOutcome::Acquired(grant_a) = a else {
        panic!("first claim wins: {a:?}")
    };
    assert_eq!(grant_a.fence, 1);
    match store
        .lease_acquire(key, "org-b", until, T0 + Duration::hours(1))
        .await
        .unwrap()
    {
        LeaseOutcome::Held(g) => assert_eq!((g.holder.as_str(), g.expires_at), ("org-a", until)),
        other => panic!("second claim must see the holder: {other:?}"),
    }
    // The holder renews; the other party still waits.
    assert!(
        store
            .lease_renew(
                key,
                "org-a",
                until + Duration::days(1),
                T0 + Duration::days(2)
            )
            .await
            .unwrap()
    );
    assert!(!store.lease_renew(key, "org-b", until, T0).await.unwrap());
    assert_eq!(
        store.lease_holder(key, T0).await.unwrap().unwrap().holder,
        "org-a"
    );
    // After the lease lapses the other party takes it with a higher fence.
    let later = until + Duration::days(1);
    assert!(store.lease_holder(key, later).await.unwrap().is_none());
    let LeaseOutcome::Acquired(grant_b) = store
        .lease_acquire(key, "org-b", later + Duration::days(7), later)
        .await
        .unwrap()
    else {
        panic!("lapsed lease is free")
    };
    assert_eq!(grant_b.fence, 2);
    assert!(
        !store
            .lease_renew(key, "org-a", later + Duration::days(9), later)
            .await
            .unwrap(),
        "lapsed holder cannot renew"
    );
    assert!(!store.lease_release(key, "org-a").await.unwrap());
    assert!(store.lease_release(key, "org-b").await.unwrap());
    assert!(matches!(
        store.lease_acquire(key, "org-c", T0, T0).await,
        Err(StoreError::Invalid(_))
    ));
}

async fn concurrent_lease_has_one_winner(store: Store) {
    for round in 0..5 {
        let key = format!("contended-{round}");
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let s = store.clone();
                let key = key.clone();
                tokio::spawn(async move {
                    s.lease_acquire(&key, &format!("holder-{i}"), T0 + Duration::hours(1), T0)
                        .await
                })
            })
            .collect();
        let mut winners = 0;
        for t in tasks {
            if let LeaseOutcome::Acquired(_) = t.await.unwrap().expect("acquire") {
                winners += 1;
            }
        }
        assert_eq!(winners, 1, "round {round}");
    }
}

async fn jobs_are_claimed_once(store: Store) {
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(
            store
                .job_enqueue("webhooks", &format!("{{\"n\":{i}}}"), T0, T0)
                .await
                .unwrap(),
        );
    }
    store
        .job_enqueue("webhooks", "{}", T0 + Duration::hours(1), T0)
        .await
        .unwrap();
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let s = store.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(job) = s
                    .job_claim("webhooks", &format!("w{w}"), T0 + Duration::minutes(5), T0)
                    .await
                    .expect("claim")
                {
                    got.push(job.id);
                }
                got
            })
        })
        .collect();
    let mut claimed = Vec::new();
    for w in workers {
        claimed.extend(w.await.unwrap());
    }
    claimed.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(
        claimed, expected,
        "every due job claimed exactly once; the future one not at all"
    );

    // A claim that lapses makes the job due again; the old worker can no longer complete it.
    let first = ids[0];
    let later = T0 + Duration::minutes(6);
    let again = store
        .job_claim("webhooks", "w-late", later + Duration::minutes(5), later)
        .await
        .unwrap()
        .expect("lapsed job is due");
    assert_eq!(again.attempts, 2);
    assert!(!store.job_complete(again.id, "w0", later).await.unwrap() || again.id != first);
    assert!(
        store
            .job_fail(
                again.id,
                "w-late",
                "HTTP 503",
                Some(later + Duration::minutes(1)),
                later
            )
            .await
            .unwrap()
    );
    assert!(
        store
            .job_claim("webhooks", "w-x", later + Duration::minutes(5), later)
            .await
            .unwrap()
            .map(|j| j.id)
            != Some(again.id)
    );
    let retry_at = later + Duration::minutes(1);
    let retried = store
        .job_claim("webhooks", "w-y", retry_at + Duration::minutes(5), retry_at)
        .await
        .unwrap()
        .expect("retry is due");
    assert!(retried.attempts >= 2);
    assert!(
        store
            .job_fail(retried.id, "w-y", "gave up", None, retry_at)
            .await
            .unwrap()
    );
    assert!(
        store
            .job_complete(ids[5], "nobody", T0)
            .await
            .map(|ok| !ok)
            .unwrap(),
        "only the holder completes"
    );
}

async fn sessions(store: Store) {
    let (_, admin) = bootstrap(&store).await;
    let sid = ApiToken::from_random(bulwark_core::secret::SESSION_PREFIX, [5; 32]);
    let actor = Actor {
        user: Some(admin.id),
        org: Some(admin.org_id),
        request_id: None,
    };
    store
        .create_session(
            &actor,
            admin.id,
            &sid.hash(),
            "csrf-1",
            T0 + Duration::hours(8),
            T0,
        )
        .await
        .unwrap();
    let s = store
        .session(&sid.hash(), T0 + Duration::hours(1))
        .await
        .unwrap()
        .expect("live session");
    assert_eq!(
        (s.principal.user_id, s.csrf_token.as_str()),
        (admin.id, "csrf-1")
    );
    assert!(
        store
            .session(&sid.hash(), T0 + Duration::hours(8))
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    store.delete_session(&actor, &sid.hash(), T0).await.unwrap();
    assert!(
        store.session(&sid.hash(), T0).await.unwrap().is_none(),
        "signed out"
    );
    let actions: Vec<String> = store
        .audit_entries(bulwark_store::AuditQuery {
            after_seq: 3,
            limit: 10,
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["session.create", "session.delete"]);
}

fn set(id: &str, version: &str, effective: OffsetDateTime) -> bulwark_store::StoredBenchmarkSet {
    bulwark_store::StoredBenchmarkSet {
        set_id: id.into(),
        version: version.into(),
        effective_at: effective,
        title: format!("{id} {version}"),
        restricted: false,
        source: format!("id = \"{id}\"\nversion = \"{version}\"\n"),
        loaded_by: None,
        loaded_at: T0,
    }
}

async fn benchmark_sets_and_versions_in_force(store: Store) {
    let a1 = store
        .load_benchmark_set(
            &Actor::cli(),
            &set("cyber", "2026.1", T0 - Duration::days(30)),
            T0,
        )
        .await
        .unwrap();
    assert_eq!(a1.version, "2026.1");
    let again = store
        .load_benchmark_set(&Actor::cli(), &set("cyber", "2026.1", T0), T0)
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict(ref m)) if m.contains("new version")),
        "{again:?}"
    );
    store
        .load_benchmark_set(
            &Actor::cli(),
            &set("cyber", "2026.2", T0 + Duration::days(10)),
            T0,
        )
        .await
        .unwrap();
    store
        .load_benchmark_set(&Actor::cli(), &set("bio", "1", T0 - Duration::days(1)), T0)
        .await
        .unwrap();
    let now: Vec<String> = store
        .benchmark_sets_in_force(T0)
        .await
        .unwrap()
        .iter()
        .map(|s| format!("{}@{}", s.set_id, s.version))
        .collect();
    assert_eq!(now, ["bio@1", "cyber@2026.1"]);
    let later: Vec<String> = store
        .benchmark_sets_in_force(T0 + Duration::days(10))
        .await
        .unwrap()
        .iter()
        .map(|s| format!("{}@{}", s.set_id, s.version))
        .collect();
    assert_eq!(later, ["bio@1", "cyber@2026.2"]);
    assert!(
        store
            .benchmark_sets_in_force(T0 - Duration::days(31))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.benchmark_sets().await.unwrap().len(), 3);
    assert_eq!(
        audit_len(&store).await,
        3,
        "one entry per load; the refused one left none"
    );
}

async fn model_registry_and_determinations(store: Store) {
    bootstrap(&store).await;
    let lab = org(&store, "Lab", OrgKind::Developer).await;
    let m = |name: &str, flop: f64| bulwark_store::NewModel {
        name: name.into(),
        tlp: bulwark_core::Tlp::AmberStrict,
        profile: format!("{{\"name\":\"{name}\",\"training_compute_flop\":{flop:e}}}"),
    };
    let ids = store
        .upsert_models(
            &Actor::cli(),
            lab.id,
            &[m("Alpha", 2e26), m("Beta", 1e24)],
            T0,
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    // Re-importing replaces by name and keeps the id.
    let again = store
        .upsert_models(
            &Actor::cli(),
            lab.id,
            &[m("Alpha", 3e26)],
            T0 + Duration::hours(1),
        )
        .await
        .unwrap();
    assert_eq!(again, vec![ids[0]]);
    let alpha = store.model(ids[0]).await.unwrap();
    assert!(alpha.profile.contains("3e26"));
    assert_eq!(alpha.updated_at, T0 + Duration::hours(1));
    // All or nothing: a bad row keeps the good ones out too.
    let before = audit_len(&store).await;
    let bad = store
        .upsert_models(&Actor::cli(), lab.id, &[m("Gamma", 1e20), m("  ", 1.0)], T0)
        .await;
    assert!(matches!(bad, Err(StoreError::Invalid(_))));
    let ghost = store
        .upsert_models(&Actor::cli(), Uuid::now_v7(), &[m("Delta", 1.0)], T0)
        .await;
    assert!(ghost.is_err());
    assert_eq!(
        store
            .models(PageRequest::default())
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    assert_eq!(audit_len(&store).await, before);

    let d = |model: Uuid, version: &str, outcome: &str| bulwark_store::NewDetermination {
        model_id: model,
        set_id: "cyber".into(),
        version: version.into(),
        outcome: outcome.into(),
        detail: "{}".into(),
    };
    store
        .record_determinations(
            &Actor::cli(),
            &[d(ids[0], "1", "covered"), d(ids[1], "1", "indeterminate")],
            T0,
        )
        .await
        .unwrap();
    store
        .record_determinations(
            &Actor::cli(),
            &[d(ids[1], "2", "not_covered")],
            T0 + Duration::days(1),
        )
        .await
        .unwrap();
    let history: Vec<String> = store
        .determinations(ids[1])
        .await
        .unwrap()
        .iter()
        .map(|d| format!("{}:{}", d.version, d.outcome))
        .collect();
    assert_eq!(history, ["2:not_covered", "1:indeterminate"]);
    let mut latest: Vec<(Uuid, String)> = store
        .latest_determinations("cyber")
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.model_id, d.outcome))
        .collect();
    latest.sort();
    let mut expected = vec![
        (ids[0], "covered".to_owned()),
        (ids[1], "not_covered".to_owned()),
    ];
    expected.sort();
    assert_eq!(latest, expected);
}

/// A change the database gives up for a concurrent one is `Contention`
/// (retryable, nothing changed), not a server failure; other database
/// errors keep their meaning.
async fn lost_races_are_contention(store: Store) {
    if store.backend_name() == "postgres" {
        for code in ["40P01", "40001", "55P03"] {
            let got = store
                .execute_unchecked(&format!(
                    "DO $$ BEGIN RAISE EXCEPTION 'lost a race' USING ERRCODE = '{code}'; END $$"
                ))
                .await;
            assert!(
                matches!(got, Err(StoreError::Contention(ref m)) if m.contains("lost a race")),
                "{code}: {got:?}"
            );
        }
        let got = store
            .execute_unchecked(
                "DO $$ BEGIN RAISE EXCEPTION 'other' USING ERRCODE = '22012'; END $$",
            )
            .await;
        assert!(matches!(got, Err(StoreError::Database(_))), "{got:?}");
    }
    store
        .execute_unchecked("CREATE TABLE race_probe (k INTEGER PRIMARY KEY)")
        .await
        .expect("create");
    store
        .execute_unchecked("INSERT INTO race_probe (k) VALUES (1)")
        .await
        .expect("insert");
    let got = store
        .execute_unchecked("INSERT INTO race_probe (k) VALUES (1)")
        .await;
    // A unique rule no method words itself is still told without the
    // database's words.
    assert!(
        matches!(got, Err(StoreError::Conflict(ref m)) if m == "a record with the same identity exists"),
        "{got:?}"
    );
    let got = store.execute_unchecked("SELECT * FROM no_such_table").await;
    assert!(matches!(got, Err(StoreError::Database(_))), "{got:?}");
}
