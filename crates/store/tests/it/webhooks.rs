//! The outbox and webhook deliveries, on both back-ends: SQLite always,
//! PostgreSQL when `BULWARK_TEST_DATABASE_URL` names a server (`.ci/run`).

use bulwark_core::{OrgKind, PrincipalKind, Role, RoleSet};
use bulwark_store::{
    Actor, AttemptOutcome, DeliveryRef, DeliveryState, NewUser, NewWebhookSubscription, Store,
    StoreError, UserUpdate, WEBHOOK_QUEUE, WebhookSecret,
};
use serde_json::json;
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

use crate::common;

const T0: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);
/// The master key the server would pass in.
const KEY: [u8; 32] = [0x42; 32];

bulwark_store::both_backends!(
    publish_queues_one_delivery_per_matching_subscription,
    subscriptions_refuse_bad_input_and_hide_secrets,
    attempts_are_recorded_and_dead_letters_redelivered,
    secrets_are_sealed_under_the_key,
    dropped_deliveries_are_final,
);

async fn org(store: &Store, name: &str) -> Uuid {
    common::org_of(store, name, OrgKind::Vendor, T0).await
}

/// An enabled admin of `org`.
async fn member(store: &Store, org: Uuid, username: &str) -> Uuid {
    store
        .create_user(
            &Actor::cli(),
            &NewUser {
                org_id: org,
                username: username.into(),
                display_name: username.into(),
                kind: PrincipalKind::Human,
                roles: RoleSet::new([Role::Admin]),
            },
            T0,
        )
        .await
        .expect("create user")
        .id
}

async fn subscribe(store: &Store, owner: Uuid, types: &[&str]) -> Uuid {
    let by = member(store, owner, &format!("u{}", Uuid::now_v7().simple())).await;
    store
        .create_webhook_subscription(
            &Actor::cli(),
            &NewWebhookSubscription {
                owner_org: owner,
                created_by: by,
                url: "https://receiver.example/hook".into(),
                secret: WebhookSecret::new("a-secret-of-some-length").expect("secret"),
                event_types: types.iter().map(|s| (*s).to_owned()).collect(),
            },
            &KEY,
            T0,
        )
        .await
        .expect("subscribe")
        .id
}

async fn audit_len(store: &Store) -> usize {
    store
        .audit_entries(bulwark_store::AuditQuery {
            after_seq: 0,
            limit: 1000,
        })
        .await
        .expect("audit")
        .len()
}

async fn publish_queues_one_delivery_per_matching_subscription(store: Store) {
    let owner = org(&store, "Vendor").await;
    let all = subscribe(&store, owner, &["*"]).await;
    let reviews = subscribe(&store, owner, &["review.*"]).await;
    let _cases = subscribe(&store, owner, &["case.opened"]).await;
    let off = subscribe(&store, owner, &["review.concluded"]).await;
    store
        .set_webhook_subscription_active(&Actor::cli(), off, false, T0)
        .await
        .expect("deactivate");

    let before = audit_len(&store).await;
    let payload = json!({"review": "r-1", "in_time": true});
    let published = store
        .publish_event(&Actor::cli(), "review.concluded", &payload, T0)
        .await
        .expect("publish");
    assert_eq!(audit_len(&store).await, before + 1, "one audit entry");
    let last = store.audit_latest(1).await.expect("latest").remove(0);
    assert_eq!(last.action, "event.publish");
    assert_eq!(last.resource_id, published.event_id.to_string());

    let (event_type, stored, at) = store
        .outbox_event(published.event_id)
        .await
        .expect("outbox row");
    assert_eq!(event_type, "review.concluded");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stored).expect("json"),
        payload
    );
    assert_eq!(at, T0);

    // Only the active subscriptions that take the type: not the case one,
    // not the deactivated one.
    let deliveries = store
        .webhook_deliveries_for_event(published.event_id)
        .await
        .expect("deliveries");
    let mut subs: Vec<Uuid> = deliveries.iter().map(|d| d.subscription_id).collect();
    subs.sort();
    let mut want = vec![all, reviews];
    want.sort();
    assert_eq!(subs, want);
    assert!(deliveries.iter().all(|d| d.state == DeliveryState::Pending));

    // Each delivery is a job on the webhook queue, carrying ids only.
    let mut claimed = Vec::new();
    while let Some(job) = store
        .job_claim(WEBHOOK_QUEUE, "w", T0 + Duration::minutes(1), T0)
        .await
        .expect("claim")
    {
        let r: DeliveryRef = serde_json::from_str(&job.payload).expect("payload");
        assert_eq!(r.delivery, job.id);
        assert_eq!(r.event, published.event_id);
        assert!(!job.payload.contains("secret"));
        claimed.push(job.id);
    }
    claimed.sort();
    let mut ids = published.deliveries.clone();
    ids.sort();
    assert_eq!(claimed, ids);

    // An event nobody takes is still kept, with no delivery.
    store
        .set_webhook_subscription_active(&Actor::cli(), all, false, T0)
        .await
        .expect("deactivate");
    let lonely = store
        .publish_event(&Actor::cli(), "directive.issued", &json!({}), T0)
        .await
        .expect("publish");
    assert!(lonely.deliveries.is_empty());
    assert!(store.outbox_event(lonely.event_id).await.is_ok());

    // A bad event type changes nothing.
    let n = audit_len(&store).await;
    assert!(matches!(
        store
            .publish_event(&Actor::cli(), "Bad Type", &json!({}), T0)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(audit_len(&store).await, n);
}

async fn subscriptions_refuse_bad_input_and_hide_secrets(store: Store) {
    let owner = org(&store, "Vendor").await;
    let other = org(&store, "Other Vendor").await;
    let by = member(&store, owner, "alice").await;
    let outsider = member(&store, other, "mallory").await;
    let disabled = member(&store, owner, "gone").await;
    store
        .update_user(
            &Actor::cli(),
            disabled,
            &UserUpdate {
                disabled: Some(true),
                ..UserUpdate::default()
            },
            T0,
        )
        .await
        .expect("disable");
    let good = NewWebhookSubscription {
        owner_org: owner,
        created_by: by,
        url: "https://receiver.example/hook".into(),
        secret: WebhookSecret::new("a-secret-of-some-length").expect("secret"),
        event_types: vec!["*".into()],
    };
    let bad = [
        NewWebhookSubscription {
            url: "ftp://receiver.example".into(),
            ..good.clone()
        },
        NewWebhookSubscription {
            event_types: vec![],
            ..good.clone()
        },
        NewWebhookSubscription {
            event_types: vec!["Review.*".into()],
            ..good.clone()
        },
        NewWebhookSubscription {
            owner_org: Uuid::now_v7(),
            ..good.clone()
        },
        // Made by someone outside the organization, by a disabled user, by nobody.
        NewWebhookSubscription {
            created_by: outsider,
            ..good.clone()
        },
        NewWebhookSubscription {
            created_by: disabled,
            ..good.clone()
        },
        NewWebhookSubscription {
            created_by: Uuid::now_v7(),
            ..good.clone()
        },
    ];
    let n = audit_len(&store).await;
    for b in &bad {
        assert!(matches!(
            store
                .create_webhook_subscription(&Actor::cli(), b, &KEY, T0)
                .await,
            Err(StoreError::Invalid(_))
        ));
    }
    assert_eq!(audit_len(&store).await, n, "refusals change nothing");
    let sub = store
        .create_webhook_subscription(&Actor::cli(), &good, &KEY, T0)
        .await
        .expect("subscribe");
    assert_eq!(sub.created_by, Some(by));
    assert_eq!(audit_len(&store).await, n + 1);
    let shown = serde_json::to_string(&sub).expect("json");
    assert!(!shown.contains("a-secret-of-some-length"));
    let last = store.audit_latest(1).await.expect("latest").remove(0);
    assert!(!last.detail.contains("a-secret-of-some-length"));
    assert_eq!(
        store.webhook_subscriptions(owner).await.expect("list"),
        vec![sub.clone()]
    );
    assert!(matches!(
        store
            .set_webhook_subscription_active(&Actor::cli(), Uuid::now_v7(), false, T0)
            .await,
        Err(StoreError::NotFound)
    ));
}

async fn attempts_are_recorded_and_dead_letters_redelivered(store: Store) {
    let owner = org(&store, "Vendor").await;
    subscribe(&store, owner, &["*"]).await;
    let published = store
        .publish_event(&Actor::cli(), "case.opened", &json!({"case": 1}), T0)
        .await
        .expect("publish");
    let delivery = published.deliveries[0];
    let target = store
        .webhook_delivery_target(delivery, &KEY)
        .await
        .expect("target");
    assert_eq!(
        target.secret.as_ref().map(WebhookSecret::expose),
        Some(&b"a-secret-of-some-length"[..])
    );
    assert!(target.active);

    // First attempt fails: retried later.
    let job = store
        .job_claim(WEBHOOK_QUEUE, "w", T0 + Duration::minutes(1), T0)
        .await
        .expect("claim")
        .expect("due");
    let retry_at = T0 + Duration::seconds(1);
    assert!(
        store
            .webhook_attempt_finish(
                &job,
                "w",
                Some(500),
                Some("HTTP 500"),
                AttemptOutcome::Retry(retry_at),
                T0
            )
            .await
            .expect("finish")
    );
    // Not due before retry_at.
    assert!(
        store
            .job_claim(WEBHOOK_QUEUE, "w", T0 + Duration::minutes(1), T0)
            .await
            .expect("claim")
            .is_none()
    );
    // Second attempt: give up.
    let job = store
        .job_claim(
            WEBHOOK_QUEUE,
            "w",
            retry_at + Duration::minutes(1),
            retry_at,
        )
        .await
        .expect("claim")
        .expect("due");
    assert_eq!(job.attempts, 2);
    // Someone who no longer holds it cannot finish it.
    assert!(
        !store
            .webhook_attempt_finish(
                &job,
                "intruder",
                None,
                None,
                AttemptOutcome::Delivered,
                retry_at
            )
            .await
            .expect("finish")
    );
    let n = audit_len(&store).await;
    assert!(
        store
            .webhook_attempt_finish(
                &job,
                "w",
                None,
                Some("connection refused"),
                AttemptOutcome::Dead,
                retry_at
            )
            .await
            .expect("finish")
    );
    assert_eq!(audit_len(&store).await, n + 1, "dead-letter is audited");
    let d = store.webhook_delivery(delivery).await.expect("delivery");
    assert_eq!(d.state, DeliveryState::Dead);
    assert_eq!(d.last_error.as_deref(), Some("connection refused"));
    let attempts = store.webhook_attempts(delivery).await.expect("attempts");
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0].status_code, Some(500));
    assert_eq!(attempts[0].outcome, "retry");
    assert_eq!(attempts[1].attempt, 2);
    assert_eq!(attempts[1].outcome, "dead");
    assert!(
        store
            .job_claim(
                WEBHOOK_QUEUE,
                "w",
                T0 + Duration::hours(2),
                T0 + Duration::hours(1)
            )
            .await
            .expect("claim")
            .is_none(),
        "a dead delivery is not claimed"
    );

    // Redelivery on demand: due at once, a fresh attempt count, audited.
    let later = T0 + Duration::hours(1);
    let again = store
        .webhook_redeliver(&Actor::cli(), delivery, later)
        .await
        .expect("redeliver");
    assert_eq!(again.state, DeliveryState::Pending);
    assert_eq!(again.attempts, 0);
    assert_eq!(
        store.audit_latest(1).await.expect("latest")[0].action,
        "webhook.redeliver"
    );
    let job = store
        .job_claim(WEBHOOK_QUEUE, "w", later + Duration::minutes(1), later)
        .await
        .expect("claim")
        .expect("due again");
    assert_eq!(job.id, delivery);
    assert_eq!(job.attempts, 1);
    // Pending, so not redeliverable.
    assert!(matches!(
        store
            .webhook_redeliver(&Actor::cli(), delivery, later)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        store
            .webhook_attempt_finish(&job, "w", Some(204), None, AttemptOutcome::Delivered, later)
            .await
            .expect("finish")
    );
    let d = store.webhook_delivery(delivery).await.expect("delivery");
    assert_eq!(d.state, DeliveryState::Delivered);
    assert_eq!(
        store.webhook_attempts(delivery).await.expect("all").len(),
        3
    );
    assert!(matches!(
        store
            .webhook_redeliver(&Actor::cli(), delivery, later)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .webhook_redeliver(&Actor::cli(), Uuid::now_v7(), later)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(store.audit_verify().await.expect("verify").ok());
}

async fn secrets_are_sealed_under_the_key(store: Store) {
    let owner = org(&store, "Vendor").await;
    let sub = subscribe(&store, owner, &["*"]).await;
    let published = store
        .publish_event(&Actor::cli(), "case.opened", &json!({}), T0)
        .await
        .expect("publish");
    let delivery = published.deliveries[0];
    let right = store
        .webhook_delivery_target(delivery, &KEY)
        .await
        .expect("target");
    assert_eq!(right.subscription_id, sub);
    assert_eq!(right.owner_org, owner);
    assert!(right.created_by.is_some());
    assert_eq!(
        right.secret.as_ref().map(WebhookSecret::expose),
        Some(&b"a-secret-of-some-length"[..])
    );
    // Under another master key the secret does not open: it is stored sealed,
    // not as given. The target still loads, so the worker can say why.
    let wrong = store
        .webhook_delivery_target(delivery, &[0x43; 32])
        .await
        .expect("target");
    assert!(wrong.secret.is_none());
    // Nor under the master key itself: the webhook key is a sub-key.
    let sealed_with_master = bulwark_store::derive_key(&KEY, bulwark_store::WEBHOOK_KEY_PURPOSE);
    assert_ne!(sealed_with_master, KEY);
}

async fn dropped_deliveries_are_final(store: Store) {
    let owner = org(&store, "Vendor").await;
    subscribe(&store, owner, &["*"]).await;
    let published = store
        .publish_event(&Actor::cli(), "case.opened", &json!({}), T0)
        .await
        .expect("publish");
    let delivery = published.deliveries[0];
    let job = store
        .job_claim(WEBHOOK_QUEUE, "w", T0 + Duration::minutes(1), T0)
        .await
        .expect("claim")
        .expect("due");
    let n = audit_len(&store).await;
    assert!(
        store
            .webhook_attempt_finish(
                &job,
                "w",
                None,
                Some("not permitted"),
                AttemptOutcome::Dropped,
                T0
            )
            .await
            .expect("finish")
    );
    assert_eq!(audit_len(&store).await, n + 1);
    assert_eq!(
        store.audit_latest(1).await.expect("latest")[0].action,
        "webhook.dropped"
    );
    let d = store.webhook_delivery(delivery).await.expect("delivery");
    assert_eq!(d.state, DeliveryState::Dropped);
    assert_eq!(d.last_error.as_deref(), Some("not permitted"));
    let attempts = store.webhook_attempts(delivery).await.expect("attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].outcome, "dropped");
    // Never claimed again, and not redeliverable.
    assert!(
        store
            .job_claim(
                WEBHOOK_QUEUE,
                "w",
                T0 + Duration::hours(3),
                T0 + Duration::hours(2)
            )
            .await
            .expect("claim")
            .is_none()
    );
    assert!(matches!(
        store.webhook_redeliver(&Actor::cli(), delivery, T0).await,
        Err(StoreError::Conflict(_))
    ));
    let listed = store
        .webhook_deliveries_for_subscription(d.subscription_id, None, 10)
        .await
        .expect("list");
    assert_eq!(listed, vec![d]);
    assert!(store.audit_verify().await.expect("verify").ok());
}
