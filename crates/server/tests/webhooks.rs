//! Webhook delivery against a real HTTP receiver on 127.0.0.1: retries with
//! back-off, signatures, dead-lettering, redelivery, and no event lost across
//! a restart. Time is a `FixedClock` stepped past each back-off.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use bulwark_core::{Clock, FixedClock, OrgKind};
use bulwark_server::webhooks::{DeliveryLimits, deliver_due, http_client, signature};
use bulwark_store::{
    Actor, DeliveryState, NewOrganization, NewWebhookSubscription, Store, WebhookSecret,
};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);
const SECRET: &str = "receiver-shared-secret-0123456789";

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
    answered: StatusCode,
}

/// A receiver that answers 500 to its first `fail_first` requests, then 200.
#[derive(Clone, Default)]
struct Receiver {
    fail_first: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn seen(&self) -> Vec<Received> {
        self.seen.lock().expect("receiver lock").clone()
    }
}

async fn hook(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut seen = r.seen.lock().expect("receiver lock");
    let answered = if seen.len() < r.fail_first.load(Ordering::SeqCst) {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    seen.push(Received {
        headers,
        body,
        answered,
    });
    answered
}

/// Starts a receiver; returns it and its URL.
async fn receiver(fail_first: usize) -> (Receiver, String) {
    let r = Receiver {
        fail_first: Arc::new(AtomicUsize::new(fail_first)),
        ..Receiver::default()
    };
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind receiver");
    let addr = listener.local_addr().expect("receiver address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (r, format!("http://{addr}/hook"))
}

/// Checks a request the way a subscriber would: the signature over
/// `timestamp.body` under the shared secret, and the other headers.
fn verify(req: &Received, delivery: Uuid, event_type: &str) -> Value {
    let h = |name: &str| {
        req.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("header {name}"))
            .to_owned()
    };
    let ts: i64 = h("bulwark-timestamp").parse().expect("timestamp");
    assert_eq!(
        h("bulwark-signature"),
        signature(SECRET.as_bytes(), ts, &req.body),
        "signature verifies"
    );
    assert_ne!(
        h("bulwark-signature"),
        signature(b"some-other-secret-of-length", ts, &req.body)
    );
    assert_eq!(h("bulwark-delivery"), delivery.to_string());
    assert_eq!(h("bulwark-event"), event_type);
    assert_eq!(h("content-type"), "application/json");
    serde_json::from_slice(&req.body).expect("JSON body")
}

async fn setup(store: &Store, url: &str) {
    let org = store
        .create_organization(
            &Actor::cli(),
            &NewOrganization {
                name: "Receiving Vendor".into(),
                kind: OrgKind::Vendor,
                sector: None,
                reviewing: false,
            },
            T0,
        )
        .await
        .expect("organization");
    store
        .create_webhook_subscription(
            &Actor::cli(),
            &NewWebhookSubscription {
                owner_org: org.id,
                url: url.to_owned(),
                secret: WebhookSecret::new(SECRET).expect("secret"),
                event_types: vec!["case.*".into()],
            },
            T0,
        )
        .await
        .expect("subscription");
}

fn limits(max_attempts: i32) -> DeliveryLimits {
    DeliveryLimits {
        max_attempts,
        base_backoff: Duration::seconds(1),
        request_timeout: std::time::Duration::from_secs(5),
        ..DeliveryLimits::default()
    }
}

fn client() -> reqwest::Client {
    http_client(std::time::Duration::from_secs(5)).expect("HTTP client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_with_backoff_until_accepted() {
    let store = bulwark_store::testing::sqlite().await.expect("store");
    let (recv, url) = receiver(2).await;
    setup(&store, &url).await;
    let payload = json!({"case": "C-1", "title": "heap overflow"});
    let published = store
        .publish_event(&Actor::cli(), "case.opened", &payload, T0)
        .await
        .expect("publish");
    let delivery = published.deliveries[0];
    let (clock, http, limits) = (FixedClock::new(T0), client(), limits(8));

    assert_eq!(
        deliver_due(&store, &http, &clock, &limits)
            .await
            .expect("pass"),
        1
    );
    // Not due again until the back-off has passed.
    assert_eq!(
        deliver_due(&store, &http, &clock, &limits)
            .await
            .expect("pass"),
        0
    );
    clock.advance(Duration::milliseconds(999));
    assert_eq!(
        deliver_due(&store, &http, &clock, &limits)
            .await
            .expect("pass"),
        0
    );
    clock.advance(Duration::milliseconds(1));
    assert_eq!(
        deliver_due(&store, &http, &clock, &limits)
            .await
            .expect("pass"),
        1
    );
    clock.advance(Duration::seconds(1));
    assert_eq!(
        deliver_due(&store, &http, &clock, &limits)
            .await
            .expect("pass"),
        0,
        "2 s back-off"
    );
    clock.advance(Duration::seconds(1));
    assert_eq!(
        deliver_due(&store, &http, &clock, &limits)
            .await
            .expect("pass"),
        1
    );
    clock.advance(Duration::hours(2));
    assert_eq!(
        deliver_due(&store, &http, &clock, &limits)
            .await
            .expect("pass"),
        0,
        "done"
    );

    let seen = recv.seen();
    assert_eq!(seen.len(), 3);
    let accepted: Vec<_> = seen
        .iter()
        .filter(|r| r.answered == StatusCode::OK)
        .collect();
    assert_eq!(accepted.len(), 1, "exactly one accepted delivery");
    for req in &seen {
        let body = verify(req, delivery, "case.opened");
        assert_eq!(body["data"], payload);
        assert_eq!(body["id"], json!(published.event_id));
        assert_eq!(body["type"], "case.opened");
    }

    let attempts = store.webhook_attempts(delivery).await.expect("attempts");
    let statuses: Vec<_> = attempts.iter().map(|a| a.status_code).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(200)]);
    let at: Vec<_> = attempts.iter().map(|a| a.at).collect();
    assert_eq!(
        at,
        [T0, T0 + Duration::seconds(1), T0 + Duration::seconds(3)]
    );
    assert_eq!(
        store
            .webhook_delivery(delivery)
            .await
            .expect("delivery")
            .state,
        DeliveryState::Delivered
    );
    assert!(store.audit_verify().await.expect("verify").ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_after_the_limit_then_redelivered_on_demand() {
    let store = bulwark_store::testing::sqlite().await.expect("store");
    let (recv, url) = receiver(usize::MAX).await;
    setup(&store, &url).await;
    let published = store
        .publish_event(&Actor::cli(), "case.validated", &json!({"case": "C-2"}), T0)
        .await
        .expect("publish");
    let delivery = published.deliveries[0];
    let (clock, http, limits) = (FixedClock::new(T0), client(), limits(3));
    for _ in 0..6 {
        deliver_due(&store, &http, &clock, &limits)
            .await
            .expect("pass");
        clock.advance(Duration::hours(1));
    }
    assert_eq!(recv.seen().len(), 3, "no attempt after the limit");
    let d = store.webhook_delivery(delivery).await.expect("delivery");
    assert_eq!(d.state, DeliveryState::Dead);
    assert_eq!(
        d.last_error.as_deref(),
        Some("HTTP 500 Internal Server Error")
    );
    let outcomes: Vec<_> = store
        .webhook_attempts(delivery)
        .await
        .expect("attempts")
        .into_iter()
        .map(|a| a.outcome)
        .collect();
    assert_eq!(outcomes, ["retry", "retry", "dead"]);

    // The receiver is fixed; an operator asks for the delivery again.
    recv.fail_first.store(0, Ordering::SeqCst);
    store
        .webhook_redeliver(&Actor::cli(), delivery, clock.now())
        .await
        .expect("redeliver");
    assert_eq!(
        deliver_due(&store, &http, &clock, &limits)
            .await
            .expect("pass"),
        1
    );
    let seen = recv.seen();
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[3].answered, StatusCode::OK);
    verify(&seen[3], delivery, "case.validated");
    assert_eq!(
        store
            .webhook_delivery(delivery)
            .await
            .expect("delivery")
            .state,
        DeliveryState::Delivered
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_receiver_is_retried_not_lost() {
    let store = bulwark_store::testing::sqlite().await.expect("store");
    // A port that was free a moment ago: nothing listens there now.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    setup(&store, &format!("http://127.0.0.1:{port}/hook")).await;
    let published = store
        .publish_event(&Actor::cli(), "case.opened", &json!({}), T0)
        .await
        .expect("publish");
    let (clock, http, limits) = (FixedClock::new(T0), client(), limits(8));
    assert_eq!(
        deliver_due(&store, &http, &clock, &limits)
            .await
            .expect("pass"),
        1
    );
    let attempts = store
        .webhook_attempts(published.deliveries[0])
        .await
        .expect("attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].status_code, None);
    assert!(
        attempts[0]
            .error
            .as_deref()
            .is_some_and(|e| !e.contains("127.0.0.1"))
    );
    assert_eq!(attempts[0].outcome, "retry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_event_lost_across_a_restart() {
    let (recv, url) = receiver(0).await;
    let path = std::env::temp_dir().join(format!("bulwark-webhooks-{}.db", Uuid::now_v7()));
    let path = path.to_string_lossy().into_owned();

    // Before the restart: publish, and a worker claims the delivery and dies
    // before it sends it.
    let (event_id, delivery) = {
        let store = Store::connect(&path).await.expect("connect");
        store.migrate().await.expect("migrate");
        setup(&store, &url).await;
        let published = store
            .publish_event(&Actor::cli(), "case.opened", &json!({"case": "C-3"}), T0)
            .await
            .expect("publish");
        let claimed = store
            .job_claim("webhook", "doomed-worker", T0 + Duration::seconds(60), T0)
            .await
            .expect("claim")
            .expect("due");
        assert_eq!(claimed.id, published.deliveries[0]);
        store.close().await;
        (published.event_id, published.deliveries[0])
    };
    assert!(recv.seen().is_empty());

    // After: a new pool on the same file.
    let store = Store::connect(&path).await.expect("reconnect");
    store.migrate().await.expect("migrate again");
    let (clock, http, limits) = (
        FixedClock::new(T0 + Duration::seconds(30)),
        client(),
        limits(8),
    );
    assert_eq!(
        deliver_due(&store, &http, &clock, &limits)
            .await
            .expect("pass"),
        0,
        "the dead worker's claim still holds"
    );
    clock.set(T0 + Duration::seconds(60));
    assert_eq!(
        deliver_due(&store, &http, &clock, &limits)
            .await
            .expect("pass"),
        1
    );
    let seen = recv.seen();
    assert_eq!(seen.len(), 1);
    let body = verify(&seen[0], delivery, "case.opened");
    assert_eq!(body["id"], json!(event_id));
    assert_eq!(body["data"]["case"], "C-3");
    assert_eq!(
        store
            .webhook_delivery(delivery)
            .await
            .expect("delivery")
            .state,
        DeliveryState::Delivered
    );
    store.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
}
