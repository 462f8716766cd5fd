//! Webhook subscriptions, their deliveries, and whether a delivery may go to
//! its subscriber (the policy's read decision at delivery time).
//!
//! An organization's admins subscribe a URL to event types, list and end
//! their subscriptions, watch the deliveries and ask for a dead-lettered one
//! again. Who may is the policy's `webhook.manage` on the owning
//! organization. A subscription of an organization the caller may not manage
//! is a 404. The secret is sealed under a sub-key of the configured master
//! key (`BULWARK_DOSSIER_KEY`); without one, subscribing is unavailable. The
//! target must be a public https URL unless the operator allows private
//! targets ([`check_target_url`]).
//!
//! Who gets what: a subscription acts for the user who made it. Before a
//! delivery is sent, the policy is asked whether that user may read what the
//! event is about ([`event_subject`]); if not, or if the user is disabled or
//! gone, the delivery is dropped (recorded, never retried) ([`refusal`]). An
//! event that names no known subject goes to the operator's subscriptions
//! only. Sending itself (the HTTP client, signing, back-off) is the server's
//! delivery worker's.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bulwark_authz::{Action, Resource};
use bulwark_core::{OrgKind, Principal};
use bulwark_store::{
    DeliveryTarget, NewWebhookSubscription, Store, StoreError, WebhookAttempt, WebhookDelivery,
    WebhookSecret, WebhookSubscription,
};
use serde::{Deserialize, Serialize};
/// A checked target, as [`check_target_url`] parsed it (the same type the
/// server's HTTP client takes).
pub use url::Url;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::resources::{org_resource, own_org_resource};
use crate::{Acting, App, AppError, AppResult, DOSSIER_KEY_VAR, ErrorKind, not_found_as, ts};

/// Deliveries shown per subscription, newest first.
const DELIVERY_PAGE: i64 = 100;

/// Deliveries read at most to fill one list, hidden ones included.
const DELIVERY_SCAN: usize = 1000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionIn {
    /// Where to POST: a public `https` URL.
    pub url: String,
    /// The HMAC-SHA256 key for `Bulwark-Signature`, 16 to 512 bytes. Never shown again.
    pub secret: String,
    /// Exact types (`submission.concluded`), prefixes (`submission.*`) or `*`.
    pub event_types: Vec<String>,
}

/// A subscription, never with its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionOut {
    pub id: Uuid,
    pub owner_org: Uuid,
    /// The user events are delivered on behalf of.
    pub created_by: Option<Uuid>,
    pub url: String,
    pub event_types: Vec<String>,
    pub active: bool,
    pub created_at: String,
}

fn subscription_out(s: WebhookSubscription) -> SubscriptionOut {
    SubscriptionOut {
        id: s.id,
        owner_org: s.owner_org,
        created_by: s.created_by,
        url: s.url,
        event_types: s.event_types,
        active: s.active,
        created_at: ts(s.created_at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionList {
    pub items: Vec<SubscriptionOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptOut {
    pub attempt: i32,
    pub at: String,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i32>,
    pub error: Option<String>,
    /// `delivered`, `retry`, `dead` or `dropped`.
    pub outcome: String,
}

fn attempt_out(a: WebhookAttempt) -> AttemptOut {
    AttemptOut {
        attempt: a.attempt,
        at: ts(a.at),
        status_code: a.status_code,
        error: a.error,
        outcome: a.outcome,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryOut {
    pub id: Uuid,
    pub event_id: Uuid,
    pub subscription_id: Uuid,
    /// `pending`, `delivered`, `dead` (redeliverable) or `dropped` (the
    /// subscriber may not read what the event is about).
    pub state: String,
    /// Attempts in the current round (a redelivery starts a new one).
    pub attempts: i32,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    /// Every attempt, oldest first, across rounds.
    pub history: Vec<AttemptOut>,
}

async fn delivery_out(app: &App, d: WebhookDelivery) -> AppResult<DeliveryOut> {
    let history = app.store.webhook_attempts(d.id).await?;
    let word = serde_json::to_value(d.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    Ok(DeliveryOut {
        id: d.id,
        event_id: d.event_id,
        subscription_id: d.subscription_id,
        state: word,
        attempts: d.attempts,
        next_attempt_at: ts(d.next_attempt_at),
        last_error: d.last_error,
        history: history.into_iter().map(attempt_out).collect(),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<DeliveryOut>,
}

/// The policy's view of the organization that owns (or will own) subscriptions.
async fn owner_resource(app: &App, org: Uuid) -> AppResult<Resource> {
    let o = app
        .store
        .organization(org)
        .await
        .map_err(not_found_as("organization"))?;
    Ok(org_resource(&o))
}

/// A subscription the principal may manage, else 404.
async fn managed(app: &App, who: &Principal, id: Uuid) -> AppResult<WebhookSubscription> {
    let s = app
        .store
        .webhook_subscription(id)
        .await
        .map_err(not_found_as("webhook subscription"))?;
    let owner = owner_resource(app, s.owner_org).await?;
    if !app.permits(who, Action::WebhookManage, &owner) {
        return Err(AppError::not_found("webhook subscription"));
    }
    Ok(s)
}

/// Subscribes the caller's organization to events. The subscription acts
/// for the caller: each event is delivered only if the caller may read what
/// it is about.
pub async fn create(app: &App, who: &Acting, body: SubscriptionIn) -> AppResult<SubscriptionOut> {
    let p = &who.principal;
    app.authorize(p, Action::WebhookManage, &own_org_resource(p))?;
    let key = app.config.master_key.as_ref().ok_or_else(|| {
        AppError::new(
            ErrorKind::Unavailable,
            format!("webhook secrets cannot be stored: set {DOSSIER_KEY_VAR} to 64 hex digits"),
        )
    })?;
    check_target_url(&body.url, app.config.webhook_allow_private).map_err(AppError::validation)?;
    let secret = WebhookSecret::new(body.secret)?;
    let s = app
        .store
        .create_webhook_subscription(
            &who.actor,
            &NewWebhookSubscription {
                owner_org: p.org_id,
                created_by: p.user_id,
                url: body.url,
                secret,
                event_types: body.event_types,
            },
            key.expose(),
            app.now(),
        )
        .await?;
    Ok(subscription_out(s))
}

/// The caller's organization's subscriptions, oldest first.
pub async fn list(app: &App, who: &Principal) -> AppResult<SubscriptionList> {
    app.authorize(who, Action::WebhookManage, &own_org_resource(who))?;
    let items = app.store.webhook_subscriptions(who.org_id).await?;
    Ok(SubscriptionList {
        items: items.into_iter().map(subscription_out).collect(),
    })
}

/// One subscription the caller may manage, else 404.
pub async fn get(app: &App, who: &Principal, id: Uuid) -> AppResult<SubscriptionOut> {
    Ok(subscription_out(managed(app, who, id).await?))
}

/// Ends a subscription: it gets no new deliveries, and those queued are
/// dead-lettered when they come up. It stays listed, inactive.
pub async fn deactivate(app: &App, who: &Acting, id: Uuid) -> AppResult<()> {
    managed(app, &who.principal, id).await?;
    app.store
        .set_webhook_subscription_active(&who.actor, id, false, app.now())
        .await?;
    Ok(())
}

/// A subscription's latest deliveries (at most 100), newest first, with
/// their state and attempts: only those about what the caller may read.
///
/// Every matching subscription gets a delivery row when an event is
/// published, whoever owns it (the store knows no policy); the worker then
/// drops those its subscriber may not read. Listing those would tell an
/// organization that another's submission exists and, through the ids,
/// when it moved. So each delivery is shown only if the caller may know
/// what its event is about ([`may_know`]), and the rest are as if they
/// did not exist. The filter reads on past hidden deliveries, at most
/// [`DELIVERY_SCAN`] of them, so a page is not emptied by others' events.
pub async fn deliveries(app: &App, who: &Principal, id: Uuid) -> AppResult<DeliveryList> {
    managed(app, who, id).await?;
    let mut items = Vec::new();
    let (mut before, mut scanned) = (None, 0);
    while items.len() < DELIVERY_PAGE as usize && scanned < DELIVERY_SCAN {
        let found = app
            .store
            .webhook_deliveries_for_subscription(id, before, DELIVERY_PAGE)
            .await?;
        let Some(last) = found.last() else { break };
        before = Some(last.id);
        scanned += found.len();
        for d in found {
            if items.len() < DELIVERY_PAGE as usize && visible(app, who, d.event_id).await? {
                items.push(delivery_out(app, d).await?);
            }
        }
    }
    Ok(DeliveryList { items })
}

/// Whether `who` may know of deliveries of event `event_id`: the question
/// the worker asks for a subscriber ([`may_know`]), asked for the viewer.
async fn visible(app: &App, who: &Principal, event_id: Uuid) -> AppResult<bool> {
    let payload = match app.store.outbox_event(event_id).await {
        Ok((_, payload, _)) => payload,
        Err(StoreError::NotFound) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let payload: serde_json::Value =
        serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null);
    let subject = event_subject(&app.store, &payload).await?;
    Ok(may_know(app, who, &subject))
}

/// Queues a dead-lettered delivery again, due at once. Whether its user may
/// read the event is decided again when it is sent.
pub async fn redeliver(app: &App, who: &Acting, id: Uuid) -> AppResult<DeliveryOut> {
    let d = app
        .store
        .webhook_delivery(id)
        .await
        .map_err(not_found_as("webhook delivery"))?;
    // Another organization's delivery, or one about what the caller may not
    // read, is as unknown as one that does not exist: the same answer, word
    // for word.
    managed(app, &who.principal, d.subscription_id)
        .await
        .map_err(|e| match e.kind {
            ErrorKind::NotFound => AppError::not_found("webhook delivery"),
            _ => e,
        })?;
    if !visible(app, &who.principal, d.event_id).await? {
        return Err(AppError::not_found("webhook delivery"));
    }
    let d = app
        .store
        .webhook_redeliver(&who.actor, id, app.now())
        .await?;
    delivery_out(app, d).await
}

// ---------------------------------------------------------------------------
// Who may receive a delivery
// ---------------------------------------------------------------------------

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
/// `grant` → `grant.read`; `system` (obligation events) → `system.read`;
/// `notice` (`advisory.affects_you`) → `notice.read` on its organization;
/// `access_request` (`access.*`) → `access_request.read`; `program` (`program.*`)
/// → `tool_program.read`.
/// A key whose value is not a UUID is no subject.
/// The one place the mapping lives; the worker and the tests use it.
///
/// Store failures stay the store's: the delivery worker deals in them (a
/// failure ends its pass and the delivery's lease lapses).
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
            crate::resources::submission_resource(&submission),
        )];
        if let Some(fid) = id("finding") {
            let findings = store.findings(sid).await?;
            let Some(finding) = findings.iter().find(|f| f.id == fid) else {
                return Ok(Subject::Gone);
            };
            checks.push((
                Action::FindingRead,
                crate::resources::finding_resource(&submission, finding),
            ));
        }
        return Ok(Subject::Checks(checks));
    }
    if let Some(sys) = id("system") {
        // Obligation events: about an agency's system, read as the system.
        let system = match store.system(sys).await {
            Ok(s) => s,
            Err(e) => return gone(e),
        };
        let org = store.organization(system.org_id).await?;
        return Ok(Subject::Checks(vec![(
            Action::SystemRead,
            crate::resources::system_resource(&system, &org),
        )]));
    }
    if let Some(gid) = id("grant") {
        return match store.grant(gid).await {
            Ok(g) => Ok(Subject::Checks(vec![(
                Action::GrantRead,
                crate::resources::grant_resource(&g),
            )])),
            Err(e) => gone(e),
        };
    }
    if let Some(rid) = id("access_request") {
        // `access.*`: an agency's access request, for its parties only.
        let r = match store.access_request(rid).await {
            Ok(r) => r,
            Err(e) => return gone(e),
        };
        let tool = match store.tool(r.tool_id).await {
            Ok(t) => t,
            Err(e) => return gone(e),
        };
        return Ok(Subject::Checks(vec![(
            Action::AccessRequestRead,
            crate::tools::access::access_request_resource(&r, tool.provider_org),
        )]));
    }
    if id("program").is_some() {
        // `program.*`: a program's terms are everyone's to read.
        return Ok(Subject::Checks(vec![(
            Action::ToolProgramRead,
            bulwark_authz::Resource::Program,
        )]));
    }
    if let Some(nid) = id("notice") {
        // `advisory.affects_you`: the notice is its organization's, read
        // under `notice.read` on it (its members only, not the operator).
        let notice = match store.advisory_notice(nid).await {
            Ok(n) => n,
            Err(e) => return gone(e),
        };
        let org = match store.organization(notice.org_id).await {
            Ok(o) => o,
            Err(e) => return gone(e),
        };
        return Ok(Subject::Checks(vec![(
            Action::NoticeRead,
            crate::resources::org_resource(&org),
        )]));
    }
    Ok(Subject::Unknown)
}

/// Whether a delivery may go to its subscriber: `Ok(None)` if so,
/// `Ok(Some(why))` if it must be dropped (recorded, never retried). Store
/// failures are errors (the worker's pass ends, and the delivery's lease
/// lapses and it is tried again).
pub async fn refusal(app: &App, target: &DeliveryTarget) -> Result<Option<String>, StoreError> {
    let Some(user) = target.created_by else {
        return Ok(Some(
            "not permitted: the subscription acts for no user".to_owned(),
        ));
    };
    let Some(principal) = app.store.principal(user).await? else {
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
    let subject = event_subject(&app.store, &payload).await?;
    if may_know(app, &principal, &subject) {
        return Ok(None);
    }
    Ok(Some(
        match subject {
            Subject::Checks(_) => {
                "not permitted: the subscription's user may not read what the event is about"
            }
            Subject::Unknown => "not permitted: events without a subject go to the operator only",
            Subject::Gone => "not permitted: the event's subject no longer exists",
        }
        .to_owned(),
    ))
}

/// Whether `who` may know of an event about `subject`: the one rule for
/// sending a delivery to its subscriber and for showing it in a list.
/// Every read check must pass; an event about nothing in particular is the
/// program's business (routing, not a record's access), so only the
/// operator's principals have it; one about what no longer exists, no one.
pub fn may_know(app: &App, who: &Principal, subject: &Subject) -> bool {
    match subject {
        Subject::Checks(checks) => checks
            .iter()
            .all(|(action, resource)| app.permits(who, *action, resource)),
        Subject::Unknown => who.org_kind == OrgKind::Operator,
        Subject::Gone => false,
    }
}

// ---------------------------------------------------------------------------
// Where a delivery may go (SSRF)
// ---------------------------------------------------------------------------

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
pub fn check_target_url(url: &str, allow_private: bool) -> Result<Url, String> {
    let parsed = Url::parse(url).map_err(|e| format!("the URL does not parse: {e}"))?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
