//! Webhook delivery against a real HTTP receiver on 127.0.0.1: retries with
//! back-off, signatures, dead-lettering, redelivery, and no event lost across
//! a restart. Time is a `FixedClock` stepped past each back-off. Then the
//! subscription API, the refusal of private targets (SSRF), and delivery
//! only to subscribers whose user may read what an event is about.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use bulwark_app::webhooks::{Subject, event_subject};
use bulwark_authz::Action;
use bulwark_core::{ApiToken, Clock, FixedClock};
use bulwark_server::state::MasterKey;
use bulwark_server::webhooks::{DeliveryLimits, deliver_due, http_client, signature};
use bulwark_server::{AppState, Settings};
use bulwark_store::{
    Actor, Bootstrap, DeliveryState, NewWebhookSubscription, Store, WebhookSecret,
};
use reqwest::Method;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);
const SECRET: &str = "receiver-shared-secret-0123456789";
const KEY: [u8; 32] = [0x5a; 32];

/// Settings with the master key; private targets allowed or not.
fn settings(allow_private: bool) -> Settings {
    Settings {
        secure_cookies: false,
        body_limit: 64 * 1024,
        master_key: Some(MasterKey::new(KEY)),
        webhook_allow_private: allow_private,
        ..Settings::default()
    }
}

/// The worker's view of `store`, at `clock`.
fn worker_state(store: &Store, clock: &Arc<FixedClock>, allow_private: bool) -> AppState {
    bulwark_server::state(store.clone(), clock.clone(), settings(allow_private)).expect("state")
}

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

/// The operator organization and its first user, subscribed to `case.*` at
/// `url`: events without a subject (these tests publish `case.*`) go to the
/// operator's subscriptions only.
async fn setup(store: &Store, url: &str) {
    let (org, user) = operator(store).await;
    subscribe_as(store, org, user, url, &["case.*"]).await;
}

/// Bootstraps the operator organization; returns it and its first user.
async fn operator(store: &Store) -> (Uuid, Uuid) {
    let token = ApiToken::from_random(bulwark_core::secret::TOKEN_PREFIX, common::rand_bytes());
    let (org, user, _) = store
        .bootstrap(
            &Bootstrap {
                org_name: "Program Office".into(),
                username: "root".into(),
                display_name: "Root".into(),
                token_hash: token.hash(),
            },
            T0,
        )
        .await
        .expect("bootstrap");
    (org.id, user.id)
}

async fn subscribe_as(store: &Store, org: Uuid, user: Uuid, url: &str, types: &[&str]) -> Uuid {
    store
        .create_webhook_subscription(
            &Actor::cli(),
            &NewWebhookSubscription {
                owner_org: org,
                created_by: user,
                url: url.to_owned(),
                secret: WebhookSecret::new(SECRET).expect("secret"),
                event_types: types.iter().map(|t| (*t).to_owned()).collect(),
            },
            &KEY,
            T0,
        )
        .await
        .expect("subscription")
        .id
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
    http_client(std::time::Duration::from_secs(5), true).expect("HTTP client")
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
    let (clock, http, limits) = (Arc::new(FixedClock::new(T0)), client(), limits(8));
    let st = worker_state(&store, &clock, true);

    assert_eq!(deliver_due(&st, &http, &limits).await.expect("pass"), 1);
    // Not due again until the back-off has passed.
    assert_eq!(deliver_due(&st, &http, &limits).await.expect("pass"), 0);
    clock.advance(Duration::milliseconds(999));
    assert_eq!(deliver_due(&st, &http, &limits).await.expect("pass"), 0);
    clock.advance(Duration::milliseconds(1));
    assert_eq!(deliver_due(&st, &http, &limits).await.expect("pass"), 1);
    clock.advance(Duration::seconds(1));
    assert_eq!(
        deliver_due(&st, &http, &limits).await.expect("pass"),
        0,
        "2 s back-off"
    );
    clock.advance(Duration::seconds(1));
    assert_eq!(deliver_due(&st, &http, &limits).await.expect("pass"), 1);
    clock.advance(Duration::hours(2));
    assert_eq!(
        deliver_due(&st, &http, &limits).await.expect("pass"),
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
    let (clock, http, limits) = (Arc::new(FixedClock::new(T0)), client(), limits(3));
    let st = worker_state(&store, &clock, true);
    for _ in 0..6 {
        deliver_due(&st, &http, &limits).await.expect("pass");
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
    assert_eq!(deliver_due(&st, &http, &limits).await.expect("pass"), 1);
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
    let (clock, http, limits) = (Arc::new(FixedClock::new(T0)), client(), limits(8));
    let st = worker_state(&store, &clock, true);
    assert_eq!(deliver_due(&st, &http, &limits).await.expect("pass"), 1);
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
        Arc::new(FixedClock::new(T0 + Duration::seconds(30))),
        client(),
        limits(8),
    );
    let st = worker_state(&store, &clock, true);
    assert_eq!(
        deliver_due(&st, &http, &limits).await.expect("pass"),
        0,
        "the dead worker's claim still holds"
    );
    clock.set(T0 + Duration::seconds(60));
    assert_eq!(deliver_due(&st, &http, &limits).await.expect("pass"), 1);
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

/// A server like `common::start`, with the given settings.
async fn server(settings: Settings) -> common::Srv {
    let store = bulwark_store::testing::sqlite().await.expect("store");
    let token = ApiToken::from_random(bulwark_core::secret::TOKEN_PREFIX, common::rand_bytes());
    let now = OffsetDateTime::now_utc();
    let (org, user, _) = store
        .bootstrap(
            &Bootstrap {
                org_name: "Program Office".into(),
                username: "root".into(),
                display_name: "Root Operator".into(),
                token_hash: token.hash(),
            },
            now,
        )
        .await
        .expect("bootstrap");
    let state = bulwark_server::state(store.clone(), Arc::new(bulwark_core::SystemClock), settings)
        .expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = bulwark_server::app(state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    common::Srv {
        base: format!("http://{addr}"),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        store,
        root_token: token.expose().to_owned(),
        root_org: org.id,
        root_user: user.id,
        state,
    }
}

fn sub_body(url: &str, types: &[&str]) -> Value {
    json!({"url": url, "secret": SECRET, "event_types": types})
}

/// Creates a subscription through the API; returns its id.
async fn subscribe_api(srv: &common::Srv, token: &str, url: &str, types: &[&str]) -> String {
    let (s, v) = srv
        .post("/api/v1/webhooks", token, sub_body(url, types))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().expect("id").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subscription_api() {
    let srv = server(settings(false)).await;
    let (a_org, a_user, a) = srv
        .member("Lab A", "developer", "a-admin", &["admin"])
        .await;
    let (_, _, a_viewer) = srv
        .member("Lab A", "developer", "a-viewer", &["viewer"])
        .await;
    let (_, _, b) = srv
        .member("Lab B", "developer", "b-admin", &["admin"])
        .await;

    // Only an admin of the organization subscribes it; bad input is 422.
    let before = srv.audit_len().await;
    let url = "https://hooks.lab-a.example/bulwark?t=abc";
    let (s, _) = srv
        .post("/api/v1/webhooks", &a_viewer, sub_body(url, &["*"]))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for body in [
        json!({"url": url, "secret": "short", "event_types": ["*"]}),
        json!({"url": url, "secret": SECRET, "event_types": []}),
        json!({"url": url, "secret": SECRET, "event_types": ["Bad Type"]}),
        json!({"url": "ftp://hooks.lab-a.example/", "secret": SECRET, "event_types": ["*"]}),
        json!({"url": url, "secret": SECRET, "event_types": ["*"], "owner_org": a_org}),
    ] {
        let (s, v) = srv.post("/api/v1/webhooks", &a, body.clone()).await;
        assert!(
            s == StatusCode::UNPROCESSABLE_ENTITY || s == StatusCode::BAD_REQUEST,
            "{body}: {s} {v}"
        );
    }
    // SSRF: plain http and private address literals are refused.
    for target in [
        "http://hooks.lab-a.example/in",
        "http://127.0.0.1:9/hook",
        "https://127.0.0.1/hook",
        "https://10.0.0.8/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:192.168.0.1]/hook",
    ] {
        let (s, v) = srv
            .post("/api/v1/webhooks", &a, sub_body(target, &["*"]))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{target}: {v}");
    }
    assert_eq!(srv.audit_len().await, before, "refusals change nothing");

    let (s, sub) = srv
        .post("/api/v1/webhooks", &a, sub_body(url, &["submission.*"]))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sub}");
    assert!(!sub.to_string().contains(SECRET), "the secret is not shown");
    assert_eq!(sub["created_by"], a_user.as_str());
    assert_eq!(sub["owner_org"], a_org.as_str());
    assert_eq!(sub["active"], true);
    assert_eq!(srv.audit_len().await, before + 1);
    let id = sub["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/webhooks/{id}");

    let (s, list) = srv.get("/api/v1/webhooks", &a).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["items"].as_array().expect("items").len(), 1);
    let (s, one) = srv.get(&path, &a).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(one["id"], id.as_str());
    let (s, deliveries) = srv.get(&format!("{path}/deliveries"), &a).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(deliveries["items"], json!([]));

    // Another organization sees none of it, and cannot end it.
    let (_, list) = srv.get("/api/v1/webhooks", &b).await;
    assert_eq!(list["items"], json!([]));
    for (method, p) in [
        (Method::GET, path.clone()),
        (Method::DELETE, path.clone()),
        (Method::GET, format!("{path}/deliveries")),
    ] {
        let (s, _, _) = srv.call(method.clone(), &p, Some(&b), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{method} {p}");
    }
    let (s, _) = srv.get(&path, &a_viewer).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "not an admin");
    let (s, _) = srv
        .post(
            &format!("/api/v1/webhooks/deliveries/{}/redeliver", Uuid::now_v7()),
            &a,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Ending it: audited, listed inactive; the operator's admins may too.
    let (s, _, _) = srv.call(Method::DELETE, &path, Some(&a), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let last = srv.store.audit_latest(1).await.expect("audit").remove(0);
    assert_eq!(last.action, "webhook.deactivate");
    assert_eq!(last.resource_id, id);
    let (_, one) = srv.get(&path, &a).await;
    assert_eq!(one["active"], false);
    let (s, _) = srv.get(&path, &srv.root_token).await;
    assert_eq!(s, StatusCode::OK);

    // Without a master key, subscriptions cannot be made.
    let keyless = server(Settings {
        master_key: None,
        ..settings(false)
    })
    .await;
    let (_, _, c) = keyless
        .member("Lab C", "developer", "c-admin", &["admin"])
        .await;
    let (s, v) = keyless
        .post("/api/v1/webhooks", &c, sub_body(url, &["*"]))
        .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert!(srv.store.audit_verify().await.expect("verify").ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_targets_are_not_reached() {
    let store = bulwark_store::testing::sqlite().await.expect("store");
    let (recv, url) = receiver(0).await;
    let port = url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/hook")
        .to_owned();
    let (org, user) = operator(&store).await;
    // A name that resolves to 127.0.0.1, over https: the resolver refuses it.
    let by_name = subscribe_as(
        &store,
        org,
        user,
        &format!("https://localhost:{port}/hook"),
        &["case.*"],
    )
    .await;
    // An http literal made while private targets were allowed.
    let literal = subscribe_as(&store, org, user, &url, &["case.*"]).await;
    let published = store
        .publish_event(&Actor::cli(), "case.opened", &json!({"case": "C-9"}), T0)
        .await
        .expect("publish");
    assert_eq!(published.deliveries.len(), 2);

    let clock = Arc::new(FixedClock::new(T0));
    let st = worker_state(&store, &clock, false);
    let http = http_client(std::time::Duration::from_secs(5), false).expect("client");
    assert_eq!(deliver_due(&st, &http, &limits(8)).await.expect("pass"), 2);
    assert!(recv.seen().is_empty(), "no request reached the receiver");
    let deliveries = store
        .webhook_deliveries_for_event(published.event_id)
        .await
        .expect("deliveries");
    for d in &deliveries {
        assert_eq!(d.state, DeliveryState::Dead, "refused, not retried");
        let attempts = store.webhook_attempts(d.id).await.expect("attempts");
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0].outcome, "dead");
        let error = attempts[0].error.clone().unwrap_or_default();
        if d.subscription_id == by_name {
            assert!(
                error.contains("resolves only to private, loopback or reserved addresses"),
                "{error}"
            );
        } else {
            assert_eq!(d.subscription_id, literal);
            assert!(error.contains("must be https"), "{error}");
        }
    }

    // With the operator's switch on, the same subscription is reached.
    store
        .webhook_redeliver(&Actor::cli(), deliveries[1].id, T0)
        .await
        .expect("redeliver");
    store
        .webhook_redeliver(&Actor::cli(), deliveries[0].id, T0)
        .await
        .expect("redeliver");
    let st = worker_state(&store, &clock, true);
    deliver_due(&st, &client(), &limits(8)).await.expect("pass");
    assert_eq!(
        recv.seen().len(),
        1,
        "the http literal; https to a plain receiver fails"
    );
}

/// The kinds of events each receiver got.
fn types(r: &Receiver) -> Vec<String> {
    r.seen()
        .iter()
        .map(|q| {
            q.headers
                .get("bulwark-event")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_only_those_who_may_read_them() {
    let srv = server(settings(true)).await;
    for name in ["NSA", "Treasury"] {
        let (s, v) = srv
            .post(
                "/api/v1/organizations",
                &srv.root_token,
                json!({"name": name, "kind": "agency", "reviewing": true}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let roles = ["admin", "analyst"];
    let (nsa_org, nsa_user, nsa) = srv.member("NSA", "agency", "nsa1", &roles).await;
    let (_, _, treasury) = srv.member("Treasury", "agency", "treas1", &roles).await;
    let (_, _, a) = srv.member("Lab A", "developer", "deva", &roles).await;
    let (_, a2_user, a2) = srv.member("Lab A", "developer", "deva2", &roles).await;
    let (_, _, b) = srv.member("Lab B", "developer", "devb", &roles).await;

    let (ra, ra_url) = receiver(0).await;
    let (ra2, ra2_url) = receiver(0).await;
    let (rb, rb_url) = receiver(0).await;
    let (rn, rn_url) = receiver(0).await;
    let (rt, rt_url) = receiver(0).await;
    let (ro, ro_url) = receiver(0).await;
    let sub_a = subscribe_api(&srv, &a, &ra_url, &["*"]).await;
    subscribe_api(&srv, &a2, &ra2_url, &["*"]).await;
    let sub_b = subscribe_api(&srv, &b, &rb_url, &["*"]).await;
    subscribe_api(&srv, &nsa, &rn_url, &["*"]).await;
    subscribe_api(&srv, &treasury, &rt_url, &["submission.*"]).await;
    subscribe_api(&srv, &srv.root_token, &ro_url, &["case.*"]).await;
    let http = client();
    let run = || async {
        deliver_due(&srv.state, &http, &limits(8))
            .await
            .expect("pass")
    };

    // Lab A submits: Lab A and the reviewing agencies (to triage it) hear
    // of it; Lab B does not.
    let model = srv.register_model(&a, "Frontier-W", 3e26).await;
    let (s, sub) = srv
        .post(
            "/api/v1/submissions",
            &a,
            json!({"model": model, "planned_partner_release": "2099-12-16T12:00:00Z"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sub}");
    let id = sub["id"].as_str().expect("id").to_owned();
    let (s, v) = srv
        .post(
            &format!("/api/v1/submissions/{id}/transition"),
            &a,
            json!({"to": "submitted"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    run().await;
    assert_eq!(types(&ra), ["submission.received"]);
    assert_eq!(types(&ra2), ["submission.received"]);
    assert!(
        types(&rb).is_empty(),
        "Lab B hears nothing of Lab A's submission"
    );
    assert_eq!(types(&rn), ["submission.received"]);
    assert_eq!(types(&rt), ["submission.received"]);
    let body: Value = serde_json::from_slice(&ra.seen()[0].body).expect("json");
    assert_eq!(body["data"]["submission"], id.as_str());

    // A second admin of Lab A is disabled: their subscription gets no more.
    let (s, _, v) = srv
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{a2_user}"),
            Some(&srv.root_token),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // NSA takes the lead: from now on Treasury, unassigned, hears nothing.
    let (s, v) = srv
        .post(
            &format!("/api/v1/submissions/{id}/triage"),
            &nsa,
            json!({"lead_agency": nsa_org, "supporting_agencies": [], "reviewers": [nsa_user]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    run().await;
    assert_eq!(types(&ra), ["submission.received", "submission.assigned"]);
    assert_eq!(types(&rn), ["submission.received", "submission.assigned"]);
    assert_eq!(
        types(&rt),
        ["submission.received"],
        "Treasury is not assigned"
    );
    assert_eq!(
        types(&ra2),
        ["submission.received"],
        "a disabled user's subscription"
    );
    assert!(types(&rb).is_empty());

    // An event about nothing in particular goes to the operator only.
    let case_opened = srv
        .store
        .publish_event(&Actor::cli(), "case.opened", &json!({"case": "C-1"}), T0)
        .await
        .expect("publish");
    run().await;
    assert_eq!(types(&ro), ["case.opened"]);
    assert_eq!(types(&ra).len(), 2);
    assert!(types(&rb).is_empty());

    // What Lab B's subscription shows: nothing. Its deliveries of Lab A's
    // events were dropped, but listing them would tell Lab B that Lab A's
    // submission exists and, through the ids, when it moved.
    let (s, list) = srv
        .get(&format!("/api/v1/webhooks/{sub_b}/deliveries"), &b)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        list["items"].as_array().map(Vec::len),
        Some(0),
        "nothing about what Lab B may not read: {list}"
    );
    // The dropped deliveries are still on record (audited), and the worker
    // never retries them; asking for one again answers like an unknown id.
    let sub_b_id: Uuid = sub_b.parse().expect("uuid");
    let published = srv
        .store
        .webhook_deliveries_for_event(case_opened.event_id)
        .await
        .expect("deliveries");
    let dropped = published
        .iter()
        .find(|d| d.subscription_id == sub_b_id)
        .expect("Lab B's delivery of case.opened");
    assert_eq!(dropped.state, DeliveryState::Dropped);
    let dropped = dropped.id;
    let (s, theirs) = srv
        .post(
            &format!("/api/v1/webhooks/deliveries/{dropped}/redeliver"),
            &b,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{theirs}");
    let (_, unknown) = srv
        .post(
            &format!("/api/v1/webhooks/deliveries/{}/redeliver", Uuid::now_v7()),
            &b,
            json!({}),
        )
        .await;
    assert_eq!(theirs, unknown);
    // And Lab A's: its own submission's events, delivered; not the
    // operator's event about nothing in particular.
    let (_, list) = srv
        .get(&format!("/api/v1/webhooks/{sub_a}/deliveries"), &a)
        .await;
    let states: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|d| d["state"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(states, ["delivered", "delivered"], "newest first: {list}");
    let (s, _) = srv
        .post(
            &format!("/api/v1/webhooks/deliveries/{dropped}/redeliver"),
            &a,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another organization's delivery");
    // Word for word what a delivery that does not exist answers.
    let (_, theirs) = srv
        .post(
            &format!("/api/v1/webhooks/deliveries/{dropped}/redeliver"),
            &a,
            json!({}),
        )
        .await;
    let (_, unknown) = srv
        .post(
            &format!("/api/v1/webhooks/deliveries/{}/redeliver", Uuid::now_v7()),
            &a,
            json!({}),
        )
        .await;
    assert_eq!(theirs, unknown);
    // A dropped delivery its organization may know of (its user was
    // disabled) is still listed, with the reason.
    let (_, subs) = srv.get("/api/v1/webhooks", &a).await;
    let sub_a2 = subs["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|x| x["created_by"] == a2_user.as_str())
        .and_then(|x| x["id"].as_str())
        .expect("the disabled user's subscription")
        .to_owned();
    let (_, list) = srv
        .get(&format!("/api/v1/webhooks/{sub_a2}/deliveries"), &a)
        .await;
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "received, assigned: {list}");
    assert_eq!(items[0]["state"], "dropped");
    assert!(
        items[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("disabled")),
        "{list}"
    );

    // Findings: an AMBER+STRICT one is for the parties; a RED one for the
    // named reviewers only (here NSA's subscriber), not the developer.
    let (s, v) = srv
        .post(
            &format!("/api/v1/submissions/{id}/transition"),
            &nsa,
            json!({"to": "in_review"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let finding = |tlp: &str| {
        json!({"severity": "high", "category": "offensive_cyber_uplift",
            "text": "writes working exploits", "recommendation": "refusal training", "tlp": tlp})
    };
    let (s, amber) = srv
        .post(
            &format!("/api/v1/submissions/{id}/findings"),
            &nsa,
            finding("AMBER+STRICT"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{amber}");
    run().await;
    assert_eq!(
        types(&ra).last().map(String::as_str),
        Some("finding.issued")
    );
    assert_eq!(
        types(&rn).last().map(String::as_str),
        Some("finding.issued")
    );
    let (a_seen, n_seen) = (types(&ra).len(), types(&rn).len());
    let (s, red) = srv
        .post(
            &format!("/api/v1/submissions/{id}/findings"),
            &nsa,
            finding("RED"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{red}");
    run().await;
    assert_eq!(
        types(&ra).len(),
        a_seen,
        "Lab A may not read the RED finding"
    );
    assert_eq!(types(&rn).len(), n_seen + 1);
    assert!(types(&rb).is_empty());
    assert_eq!(types(&rt), ["submission.received"]);

    // The mapping itself.
    let subject = |v: Value| {
        let store = srv.store.clone();
        async move { event_subject(&store, &v).await.expect("subject") }
    };
    let actions = |s: Subject| match s {
        Subject::Checks(c) => c.into_iter().map(|(a, _)| a).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        actions(subject(json!({"submission": id, "state": "x"})).await),
        [Action::SubmissionRead]
    );
    assert_eq!(
        actions(subject(json!({"submission": id, "finding": red["id"]})).await),
        [Action::SubmissionRead, Action::FindingRead]
    );
    for gone in [
        json!({"submission": Uuid::now_v7()}),
        json!({"submission": id, "finding": Uuid::now_v7()}),
        json!({"grant": Uuid::now_v7()}),
    ] {
        assert!(
            matches!(subject(gone.clone()).await, Subject::Gone),
            "{gone}"
        );
    }
    for unknown in [
        json!({"case": "C-1"}),
        json!({"submission": "not-a-uuid"}),
        json!(null),
        json!([id]),
    ] {
        assert!(
            matches!(subject(unknown.clone()).await, Subject::Unknown),
            "{unknown}"
        );
    }
    assert!(srv.store.audit_verify().await.expect("verify").ok());
}
