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
//! Time comes from the injected [`Clock`]; [`deliver_due`] is one pass, so a
//! test drives it step by step, and [`spawn`] loops it in the server.

use std::sync::Arc;

use bulwark_core::Clock;
use bulwark_store::{
    AttemptOutcome, DeliveryRef, DeliveryTarget, Job, Store, StoreError, WEBHOOK_QUEUE,
};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

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

/// An HTTP client fit for webhooks: it follows no redirect (a redirect would
/// send a signed body somewhere the subscriber did not name) and gives up on
/// a connection after `timeout`.
pub fn http_client(timeout: std::time::Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout)
        .user_agent(concat!("Bulwark-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
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

/// One pass: attempts every delivery that is due now (up to `limits.batch`)
/// and returns how many it attempted. Store failures end the pass with an
/// error; a receiver's failure is an attempt that failed, never an error.
pub async fn deliver_due(
    store: &Store,
    http: &reqwest::Client,
    clock: &dyn Clock,
    limits: &DeliveryLimits,
) -> Result<usize, StoreError> {
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
            Ok(r) => store.webhook_delivery_target(r.delivery).await,
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
        let (status, error) = if target.active {
            send(http, clock, limits, &target).await
        } else {
            (None, Some("the subscription is inactive".to_owned()))
        };
        let after = clock.now();
        let outcome = match &error {
            None => AttemptOutcome::Delivered,
            Some(_) if job.attempts >= limits.max_attempts || !target.active => {
                AttemptOutcome::Dead
            }
            Some(_) => AttemptOutcome::Retry(after + limits.backoff(job.attempts)),
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

/// POSTs one delivery; returns the status received and, if it failed, why.
async fn send(
    http: &reqwest::Client,
    clock: &dyn Clock,
    limits: &DeliveryLimits,
    target: &DeliveryTarget,
) -> (Option<u16>, Option<String>) {
    let data: serde_json::Value = match serde_json::from_str(&target.payload) {
        Ok(v) => v,
        Err(_) => return (None, Some("the stored event is not JSON".to_owned())),
    };
    let body = serde_json::json!({
        "id": target.event_id,
        "type": target.event_type,
        "created_at": bulwark_core::rfc3339(target.event_created_at),
        "data": data,
    })
    .to_string();
    let ts = clock.now().unix_timestamp();
    let sig = signature(target.secret.expose(), ts, body.as_bytes());
    let sent = http
        .post(&target.url)
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
        Ok(resp) if resp.status().is_success() => (Some(resp.status().as_u16()), None),
        Ok(resp) => {
            let s = resp.status();
            (Some(s.as_u16()), Some(format!("HTTP {s}")))
        }
        // Without the URL: it may carry a token in its query.
        Err(e) => (None, Some(error_chain(&e.without_url()))),
    }
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
    store: Store,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    limits: DeliveryLimits,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match deliver_due(&store, &http, clock.as_ref(), &limits).await {
                Ok(n) if n >= limits.batch => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "webhook delivery pass failed; retrying"),
            }
            tokio::time::sleep(limits.poll_interval).await;
        }
    })
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
