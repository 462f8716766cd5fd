//! The webhook delivery worker: claims deliveries from the store's `webhook`
//! job queue, POSTs each event to its subscriber, signed, and reports back.
//!
//! What a receiver gets: a JSON body `{"id", "type", "created_at", "data"}`
//! and the headers `Bulwark-Event` (the type), `Bulwark-Delivery` (the
//! delivery id, the same on every retry, so a receiver can drop duplicates:
//! delivery is at least once), `Bulwark-Timestamp` (Unix seconds) and
//! `Bulwark-Signature: sha256=<hex>`, the HMAC-SHA256 of `"<timestamp>.<body>"`
//! under the subscription's secret. Signing the timestamp with the body lets a
//! receiver refuse replays of old deliveries.
//!
//! A 2xx answer delivers; anything else (another status, a refused
//! connection, a timeout) is retried after `base · 2^(attempt-1)`, capped,
//! until the attempt limit, when the delivery is dead-lettered and waits for
//! a redelivery on demand. The back-off has no jitter, so tests can step a
//! [`FixedClock`](bulwark_core::FixedClock) exactly past it; each delivery
//! is retried on its own schedule from its first failure, so retries of
//! different deliveries are spread out anyway.
//!
//! Who gets what is the app's decision ([`refusal`]): before a
//! delivery is sent, the policy is asked whether the subscription's user may
//! read what the event is about; if not, the delivery is dropped (recorded,
//! never retried).
//!
//! Where it may go (SSRF): targets must be `https`, and neither the URL's
//! host ([`check_target_url`], again before every send) nor any
//! address its name resolves to may be private, loopback, link-local,
//! unique-local, multicast, unspecified, documentation, CGNAT or otherwise
//! reserved ([`is_private_address`]). The check on names runs in
//! the HTTP client's own resolver, on the addresses it then connects to, so
//! a name that resolves differently at delivery (DNS rebinding) gains
//! nothing. No proxy, no redirects. [`Settings::webhook_allow_private`]
//! lifts all this for development and tests.
//!
//! Time comes from the state's [`Clock`](bulwark_core::Clock); [`deliver_due`]
//! is one pass, so a test drives it step by step, and [`spawn`] loops it in
//! the server.
//!
//! [`Settings::webhook_allow_private`]: crate::Settings::webhook_allow_private

use std::net::SocketAddr;
use std::sync::Arc;

use bulwark_app::webhooks::{check_target_url, is_private_address, refusal};
use bulwark_store::{
    AttemptOutcome, DeliveryRef, DeliveryTarget, Job, Store, StoreError, WEBHOOK_QUEUE,
};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::state::AppState;

/// How the worker paces and bounds its work.
#[derive(Debug, Clone)]
pub struct DeliveryLimits {
    /// Attempts before a delivery is dead-lettered.
    pub max_attempts: i32,
    /// The wait after the first failure; it doubles with every further one.
    pub base_backoff: Duration,
    /// The longest wait between two attempts.
    pub max_backoff: Duration,
    /// How long a claimed delivery stays this worker's: if the worker dies,
    /// another takes the delivery after this. Longer than `request_timeout`.
    pub lease: Duration,
    /// How long one POST may take, connection included.
    pub request_timeout: std::time::Duration,
    /// Deliveries attempted in one pass at most, so a pass ends.
    pub batch: usize,
    /// How long [`spawn`]'s loop rests when a pass found nothing to do.
    pub poll_interval: std::time::Duration,
}

impl Default for DeliveryLimits {
    fn default() -> Self {
        DeliveryLimits {
            max_attempts: 8,
            base_backoff: Duration::seconds(30),
            max_backoff: Duration::hours(1),
            lease: Duration::seconds(60),
            request_timeout: std::time::Duration::from_secs(15),
            batch: 100,
            poll_interval: std::time::Duration::from_secs(1),
        }
    }
}

impl DeliveryLimits {
    /// The wait after failed attempt number `attempt` (1-based):
    /// `base · 2^(attempt-1)`, at most `max_backoff`.
    pub fn backoff(&self, attempt: i32) -> Duration {
        let doublings = u32::try_from(attempt.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        self.base_backoff
            .checked_mul(1i32 << doublings)
            .map_or(self.max_backoff, |d| d.min(self.max_backoff))
    }
}

/// The resolver's refusal: a host name with no public address. Its own type,
/// so the worker can tell it from a network failure and not retry it.
#[derive(Debug)]
struct NoPublicAddress(String);

impl std::fmt::Display for NoPublicAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "refused: {} resolves only to private, loopback or reserved addresses",
            self.0
        )
    }
}

impl std::error::Error for NoPublicAddress {}

/// Resolves through the system, then keeps only the public addresses: the
/// client connects to what this returns and nothing else, so what a name
/// resolved to when the subscription was made does not matter.
#[derive(Debug)]
struct PublicOnlyResolver;

impl reqwest::dns::Resolve for PublicOnlyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|a| !is_private_address(a.ip())).collect();
            if public.is_empty() {
                return Err(
                    Box::new(NoPublicAddress(host)) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// An HTTP client fit for webhooks: it follows no redirect (a redirect would
/// send a signed body somewhere the subscriber did not name), uses no proxy
/// (a proxy would resolve names where the check cannot see), gives up on a
/// connection after `timeout`, and, unless `allow_private`, speaks only
/// https and connects only to public addresses.
pub fn http_client(
    timeout: std::time::Duration,
    allow_private: bool,
) -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(timeout)
        .user_agent(concat!("Bulwark-Webhooks/", env!("CARGO_PKG_VERSION")));
    if allow_private {
        builder.build()
    } else {
        builder
            .https_only(true)
            .dns_resolver(Arc::new(PublicOnlyResolver))
            .build()
    }
}

/// How one send ended.
enum Sent {
    /// A 2xx.
    Delivered(u16),
    /// Worth another try: another status, a refused connection, a timeout.
    Failed(Option<u16>, String),
    /// Never worth another try: the target is not allowed.
    Refused(String),
}

/// One pass: attempts every delivery that is due now (up to `limits.batch`)
/// and returns how many it attempted. Store failures end the pass with an
/// error; a receiver's failure is an attempt that failed, never an error.
/// Without a master key nothing can be signed, so nothing is attempted.
pub async fn deliver_due(
    state: &AppState,
    http: &reqwest::Client,
    limits: &DeliveryLimits,
) -> Result<usize, StoreError> {
    let Some(key) = state.settings.master_key.as_ref() else {
        return Ok(0);
    };
    let (store, clock) = (&state.store, state.clock.as_ref());
    // A name per pass: a pass that dies leaves its claims to lapse.
    let worker = format!("webhook-{}", uuid::Uuid::now_v7());
    let mut attempted = 0;
    while attempted < limits.batch {
        let now = clock.now();
        let Some(job) = store
            .job_claim(WEBHOOK_QUEUE, &worker, now + limits.lease, now)
            .await?
        else {
            break;
        };
        attempted += 1;
        let target = match serde_json::from_str::<DeliveryRef>(&job.payload) {
            Ok(r) => {
                store
                    .webhook_delivery_target(r.delivery, key.expose())
                    .await
            }
            Err(_) => Err(StoreError::Corrupt(format!(
                "webhook job {} payload",
                job.id
            ))),
        };
        let target = match target {
            Ok(t) => t,
            Err(e @ (StoreError::NotFound | StoreError::Corrupt(_))) => {
                // Nothing to send, ever: set it aside rather than retry.
                tracing::warn!(job = %job.id, error = %e, "webhook job has no delivery; dead-lettered");
                store
                    .job_fail(job.id, &worker, &e.to_string(), None, clock.now())
                    .await?;
                continue;
            }
            Err(e) => return Err(e),
        };
        let sent = if !target.active {
            Sent::Refused("the subscription is inactive".to_owned())
        } else if let Some(why) = refusal(state, &target).await? {
            let after = clock.now();
            finish(
                store,
                &job,
                &worker,
                None,
                Some(&why),
                AttemptOutcome::Dropped,
                after,
            )
            .await?;
            continue;
        } else {
            send(http, state, limits, &target).await
        };
        let after = clock.now();
        let (status, error, outcome) = match sent {
            Sent::Delivered(s) => (Some(s), None, AttemptOutcome::Delivered),
            Sent::Refused(why) => (None, Some(why), AttemptOutcome::Dead),
            Sent::Failed(s, why) if job.attempts >= limits.max_attempts => {
                (s, Some(why), AttemptOutcome::Dead)
            }
            Sent::Failed(s, why) => (
                s,
                Some(why),
                AttemptOutcome::Retry(after + limits.backoff(job.attempts)),
            ),
        };
        finish(
            store,
            &job,
            &worker,
            status,
            error.as_deref(),
            outcome,
            after,
        )
        .await?;
    }
    Ok(attempted)
}

async fn finish(
    store: &Store,
    job: &Job,
    worker: &str,
    status: Option<u16>,
    error: Option<&str>,
    outcome: AttemptOutcome,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let held = store
        .webhook_attempt_finish(job, worker, status, error, outcome, now)
        .await?;
    if !held {
        // The lease lapsed during the request and another worker took the
        // delivery: its attempt counts, not ours.
        tracing::warn!(delivery = %job.id, "webhook delivery lease lapsed before the attempt was recorded");
    }
    Ok(())
}

/// POSTs one delivery, after checking its URL again (the operator may have
/// disallowed private targets since the subscription was made).
async fn send(
    http: &reqwest::Client,
    state: &AppState,
    limits: &DeliveryLimits,
    target: &DeliveryTarget,
) -> Sent {
    let url = match check_target_url(&target.url, state.settings.webhook_allow_private) {
        Ok(u) => u,
        Err(why) => return Sent::Refused(why),
    };
    let Some(secret) = target.secret.as_ref() else {
        return Sent::Refused(
            "the subscription's secret cannot be opened with the configured key; subscribe again"
                .to_owned(),
        );
    };
    let data: serde_json::Value = match serde_json::from_str(&target.payload) {
        Ok(v) => v,
        Err(_) => return Sent::Refused("the stored event is not JSON".to_owned()),
    };
    let body = serde_json::json!({
        "id": target.event_id,
        "type": target.event_type,
        "created_at": bulwark_core::rfc3339(target.event_created_at),
        "data": data,
    })
    .to_string();
    let ts = state.clock.now().unix_timestamp();
    let sig = signature(secret.expose(), ts, body.as_bytes());
    let sent = http
        .post(url)
        .timeout(limits.request_timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Bulwark-Event", &target.event_type)
        .header("Bulwark-Delivery", target.delivery_id.to_string())
        .header("Bulwark-Timestamp", ts.to_string())
        .header("Bulwark-Signature", sig)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(resp) if resp.status().is_success() => Sent::Delivered(resp.status().as_u16()),
        Ok(resp) => {
            let s = resp.status();
            Sent::Failed(Some(s.as_u16()), format!("HTTP {s}"))
        }
        Err(e) => {
            // Without the URL: it may carry a token in its query.
            let e = e.without_url();
            let text = error_chain(&e);
            if caused_by::<NoPublicAddress>(&e) {
                Sent::Refused(text)
            } else {
                Sent::Failed(None, text)
            }
        }
    }
}

/// Whether `T` is somewhere in `e`'s chain of causes.
fn caused_by<T: std::error::Error + 'static>(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if c.is::<T>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// An error and its causes on one line ("error sending request: connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

/// Runs [`deliver_due`] for ever: again at once after a full batch, after
/// `poll_interval` otherwise. Store failures are logged and retried on the
/// next round; the deliveries stay queued in the store meanwhile.
pub fn spawn(
    state: AppState,
    http: reqwest::Client,
    limits: DeliveryLimits,
) -> tokio::task::JoinHandle<()> {
    if state.settings.master_key.is_none() {
        tracing::warn!("no master key configured: webhook deliveries wait until one is");
    }
    tokio::spawn(async move {
        loop {
            match deliver_due(&state, &http, &limits).await {
                Ok(n) if n >= limits.batch => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "webhook delivery pass failed; retrying"),
            }
            tokio::time::sleep(limits.poll_interval).await;
        }
    })
}

/// HMAC-SHA256 (RFC 2104) of `data` under `key`. Written out over `sha2`
/// because the `hmac` release that matches the workspace's `sha2` 0.10 is not
/// available here and the current one would pull in a second `sha2`; it is a
/// dozen lines, and the RFC 4231 test vectors below hold it to the standard.
pub fn hmac_sha256(key: &[u8], data: &[&[u8]]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    for part in data {
        inner.update(part);
    }
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// The `Bulwark-Signature` value for `body` sent at Unix second `timestamp`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let ts = timestamp.to_string();
    let mac = hmac_sha256(secret, &[ts.as_bytes(), b".", body]);
    format!("sha256={}", hex::encode(mac))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231, test cases 1, 2 and 6 (a key longer than a block).
    #[test]
    fn hmac_matches_rfc_4231() {
        let mac = |k: &[u8], d: &[u8]| hex::encode(hmac_sha256(k, &[d]));
        assert_eq!(
            mac(&[0x0b; 20], b"Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            mac(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            mac(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        // Split input hashes as one.
        assert_eq!(
            hmac_sha256(b"Jefe", &[b"what do ya ", b"want for nothing?"]),
            hmac_sha256(b"Jefe", &[b"what do ya want for nothing?"])
        );
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let l = DeliveryLimits {
            base_backoff: Duration::seconds(1),
            ..DeliveryLimits::default()
        };
        assert_eq!(l.backoff(1), Duration::seconds(1));
        assert_eq!(l.backoff(2), Duration::seconds(2));
        assert_eq!(l.backoff(5), Duration::seconds(16));
        assert_eq!(l.backoff(13), Duration::hours(1));
        assert_eq!(l.backoff(1000), Duration::hours(1));
        assert_eq!(l.backoff(0), Duration::seconds(1));
    }
}
