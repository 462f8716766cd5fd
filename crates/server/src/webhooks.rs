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
//! Who gets what: a subscription acts for the user who made it. Before a
//! delivery is sent, the policy is asked whether that user may read what the
//! event is about ([`event_subject`]); if not, or if the user is disabled or
//! gone, the delivery is dropped (recorded, never retried). An event that
//! names no known subject goes to the operator's subscriptions only.
//!
//! Where it may go (SSRF): targets must be `https`, and neither the URL's
//! host nor any address its name resolves to may be private, loopback,
//! link-local, unique-local, multicast, unspecified, documentation, CGNAT or
//! otherwise reserved ([`is_private_address`]). The check on names runs in
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

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use bulwark_authz::{Action, Resource};
use bulwark_core::OrgKind;
use bulwark_store::{
    AttemptOutcome, DeliveryRef, DeliveryTarget, Job, Store, StoreError, WEBHOOK_QUEUE,
};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

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

/// Whether a webhook may not be sent to `ip` (unless the operator allows
/// private targets): addresses that reach the server itself or the networks
/// around it rather than the public internet, and those that reach nothing
/// legitimate. IPv4 addresses embedded in IPv6 (mapped, NAT64, 6to4) are
/// judged as the IPv4 address they lead to.
pub fn is_private_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => private_v4(v4),
        IpAddr::V6(v6) => private_v6(v6),
    }
}

fn private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0 // "this network" (0/8), with the unspecified 0.0.0.0
        || a == 10 // private (RFC 1918)
        || a == 127 // loopback
        || (a == 100 && (64..128).contains(&b)) // shared address space, CGNAT (RFC 6598)
        || (a == 169 && b == 254) // link-local, cloud metadata services
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 168) // private
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation (TEST-NET-1)
        || (a == 198 && b == 51 && c == 100) // documentation (TEST-NET-2)
        || (a == 203 && b == 0 && c == 113) // documentation (TEST-NET-3)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking (RFC 2544)
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast (deprecated)
        || a >= 224 // multicast (224/4), reserved (240/4), broadcast
}

fn private_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| {
        private_v4(Ipv4Addr::new(
            (hi >> 8) as u8,
            hi as u8,
            (lo >> 8) as u8,
            lo as u8,
        ))
    };
    if let Some(v4) = ip.to_ipv4_mapped() {
        return private_v4(v4); // ::ffff:a.b.c.d
    }
    s[..6] == [0; 6] // ::/96: unspecified, loopback, IPv4-compatible (deprecated)
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
        || (s[0] & 0xff00) == 0xff00 // multicast ff00::/8
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation 2001:db8::/32
        || (s[0] == 0x3fff && s[1] < 0x1000) // documentation 3fff::/20
        || (s[0] == 0x2001 && s[1] == 0) // Teredo 2001::/32: hides an IPv4 address
        || (s[0] == 0x0100 && s[1..4] == [0; 3]) // discard-only 100::/64
        || (s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 1) // local-use NAT64 64:ff9b:1::/48
        || (s[0] == 0x0064 && s[1] == 0xff9b && s[2..6] == [0; 4] && embedded(s[6], s[7])) // NAT64
        || (s[0] == 0x2002 && embedded(s[1], s[2])) // 6to4
}

/// Checks a subscription's URL before it is stored and again before each
/// delivery: parses it, requires `https` (or `http` when private targets are
/// allowed), and refuses a host that is a private address literal. Host
/// names (`localhost` too) are judged by what they resolve to, address by
/// address, when the client resolves them at delivery: a name says nothing
/// about where it leads. The error says why, without echoing the URL.
pub fn check_target_url(url: &str, allow_private: bool) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("the URL does not parse: {e}"))?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => {
            return Err(
                "a webhook URL must be https (plain http only where the operator allows private targets)"
                    .to_owned(),
            );
        }
    }
    if allow_private {
        return Ok(parsed);
    }
    let refused = |what: &str| {
        Err(format!(
            "the webhook host {what} is a private, loopback or reserved address; \
             only public internet hosts can receive webhooks"
        ))
    };
    // The parser has already normalised the host: `0x7f.1` and `2130706433`
    // read as 127.0.0.1, IPv6 comes in brackets, names in lower case.
    let Some(host) = parsed.host_str() else {
        return Err("a webhook URL must name a host".to_owned());
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return if is_private_address(ip) {
            refused(bare)
        } else {
            Ok(parsed)
        };
    }
    Ok(parsed)
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

/// What an event is about, as the policy sees it.
#[derive(Debug)]
pub enum Subject {
    /// Read checks the subscriber's user must all pass.
    Checks(Vec<(Action, Resource)>),
    /// The event names no subject Bulwark knows: for the operator only.
    Unknown,
    /// It names one that no longer exists: for no one.
    Gone,
}

/// The read checks for an event from its payload: `submission` →
/// `submission.read`; `submission` with `finding` → that and `finding.read`
/// on the finding (so a TLP:RED finding reaches only its named readers);
/// `grant` → `grant.read`. A key whose value is not a UUID is no subject.
/// The one place the mapping lives; the worker and the tests use it.
pub async fn event_subject(
    store: &Store,
    payload: &serde_json::Value,
) -> Result<Subject, StoreError> {
    let id = |key: &str| {
        payload
            .get(key)
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok())
    };
    let gone = |e: StoreError| match e {
        StoreError::NotFound => Ok(Subject::Gone),
        e => Err(e),
    };
    if let Some(sid) = id("submission") {
        let submission = match store.submission(sid).await {
            Ok(s) => s,
            Err(e) => return gone(e),
        };
        let mut checks = vec![(
            Action::SubmissionRead,
            bulwark_app::resources::submission_resource(&submission),
        )];
        if let Some(fid) = id("finding") {
            let findings = store.findings(sid).await?;
            let Some(finding) = findings.iter().find(|f| f.id == fid) else {
                return Ok(Subject::Gone);
            };
            checks.push((
                Action::FindingRead,
                bulwark_app::resources::finding_resource(&submission, finding),
            ));
        }
        return Ok(Subject::Checks(checks));
    }
    if let Some(gid) = id("grant") {
        return match store.grant(gid).await {
            Ok(g) => Ok(Subject::Checks(vec![(
                Action::GrantRead,
                bulwark_app::resources::grant_resource(&g),
            )])),
            Err(e) => gone(e),
        };
    }
    Ok(Subject::Unknown)
}

/// Whether the delivery may go out: `Ok(None)` if so, `Ok(Some(why))` if it
/// must be dropped. Store failures are errors (the pass ends, and the
/// delivery's lease lapses and it is tried again).
async fn refusal(state: &AppState, target: &DeliveryTarget) -> Result<Option<String>, StoreError> {
    let Some(user) = target.created_by else {
        return Ok(Some(
            "not permitted: the subscription acts for no user".to_owned(),
        ));
    };
    let Some(principal) = state.store.principal(user).await? else {
        return Ok(Some(
            "not permitted: the subscription's user is disabled or gone".to_owned(),
        ));
    };
    if principal.org_id != target.owner_org {
        return Ok(Some(
            "not permitted: the subscription's user left its organization".to_owned(),
        ));
    }
    let payload: serde_json::Value =
        serde_json::from_str(&target.payload).unwrap_or(serde_json::Value::Null);
    Ok(match event_subject(&state.store, &payload).await? {
        Subject::Checks(checks) => {
            let all = checks
                .iter()
                .all(|(action, resource)| state.permits(&principal, *action, resource));
            (!all).then(|| {
                "not permitted: the subscription's user may not read what the event is about"
                    .to_owned()
            })
        }
        // Routing, not access: an event about nothing in particular is the
        // program's business, so only the operator's subscriptions get it.
        Subject::Unknown => (principal.org_kind != OrgKind::Operator)
            .then(|| "not permitted: events without a subject go to the operator only".to_owned()),
        Subject::Gone => Some("not permitted: the event's subject no longer exists".to_owned()),
    })
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

    #[test]
    fn private_addresses_are_recognised() {
        let private = [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.8.9.10",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "192.0.0.8",
            "192.0.2.33",
            "198.51.100.7",
            "203.0.113.200",
            "198.18.0.1",
            "198.19.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "fc00::1",
            "fd12:3456:789a::1",
            "ff02::1",
            "ff05::2",
            "2001:db8::1",
            "2001:db8:ffff::1",
            "3fff::1",
            "2001:0:4136:e378::1",
            "100::1",
            "64:ff9b::7f00:1",
            "64:ff9b::a00:1",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
        ];
        let public = [
            "1.1.1.1",
            "8.8.8.8",
            "9.9.9.9",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.167.1.1",
            "192.169.0.1",
            "192.0.1.1",
            "198.17.255.255",
            "198.20.0.1",
            "198.51.101.1",
            "203.0.114.1",
            "223.255.255.255",
            "169.253.0.1",
            "11.0.0.1",
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "2a00:1450::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2001:db9::1",
            "fbff::1",
            "fe7f::1",
            "4000::1",
        ];
        for a in private {
            let ip: IpAddr = a.parse().expect(a);
            assert!(is_private_address(ip), "{a} is private");
        }
        for a in public {
            let ip: IpAddr = a.parse().expect(a);
            assert!(!is_private_address(ip), "{a} is public");
        }
    }

    #[test]
    fn target_urls_are_checked() {
        let ok = |u: &str, p: bool| check_target_url(u, p).is_ok();
        assert!(ok("https://hooks.example.org/in?t=1", false));
        assert!(ok("https://8.8.8.8/hook", false));
        assert!(ok("https://[2606:4700:4700::1111]/hook", false));
        assert!(!ok("http://hooks.example.org/in", false), "plain http");
        assert!(!ok("ftp://hooks.example.org/", false));
        assert!(!ok("not a url", false));
        for u in [
            "https://127.0.0.1/",
            "https://10.1.2.3:8443/",
            "https://169.254.169.254/latest",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[fd00::1]/",
            "https://0x7f.1/",
            "https://2130706433/",
            "https://[fe80::1]:8443/",
        ] {
            assert!(!ok(u, false), "{u} refused");
        }
        // The operator's switch lets all of these through.
        assert!(ok("http://127.0.0.1:8080/hook", true));
        // Names are left to the resolver.
        assert!(ok("https://localhost/hook", false));
        assert!(!ok("ftp://127.0.0.1/", true));
        // The refusal does not echo the URL (it may carry a token).
        let e =
            check_target_url("https://127.0.0.1/?token=SECRETTOKEN", false).expect_err("refused");
        assert!(!e.contains("SECRETTOKEN"));
    }
}
