//! Prometheus metrics, served at `/metrics` in the OpenMetrics text format.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::state::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub method: String,
    /// The route template (`/api/v1/organizations/{id}`), never the raw
    /// path, so ids do not explode the label space.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DecisionLabels {
    pub decision: &'static str,
}

/// An obligation's state as the gauges count it. No agency label:
/// metrics are not filtered by the policy, so they say nothing of who.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ObligationLabels {
    pub state: &'static str,
}

/// Obligations over every agency, by state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ObligationTotals {
    pub open: u64,
    pub overdue: u64,
    pub due_soon: u64,
    pub closed: u64,
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<HttpLabels, Counter>,
    pub latency: Family<HttpLabels, Histogram>,
    pub decisions: Family<DecisionLabels, Counter>,
    pub auth_failures: Counter,
    pub obligations: Family<ObligationLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("bulwark");
        let requests = Family::<HttpLabels, Counter>::default();
        let latency = Family::<HttpLabels, Histogram>::new_with_constructor(|| {
            // 0.1 ms to about 6.5 s.
            Histogram::new(exponential_buckets(0.0001, 2.0, 17))
        });
        let decisions = Family::<DecisionLabels, Counter>::default();
        let auth_failures = Counter::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests",
            latency.clone(),
        );
        registry.register(
            "authz_decisions",
            "Authorization policy decisions",
            decisions.clone(),
        );
        registry.register(
            "auth_failures",
            "Requests with unusable credentials",
            auth_failures.clone(),
        );
        let obligations = Family::<ObligationLabels, Gauge>::default();
        registry.register(
            "obligations",
            "Obligations under the directives over every agency, by state (open includes overdue and due soon)",
            obligations.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            decisions,
            auth_failures,
            obligations,
        }
    }

    pub fn record_decision(&self, allowed: bool) {
        let decision = if allowed { "allow" } else { "deny" };
        self.decisions
            .get_or_create(&DecisionLabels { decision })
            .inc();
    }

    /// Sets the obligation gauges, read from the store at each scrape.
    pub fn set_obligations(&self, t: ObligationTotals) {
        for (state, n) in [
            ("open", t.open),
            ("overdue", t.overdue),
            ("due_soon", t.due_soon),
            ("closed", t.closed),
        ] {
            self.obligations
                .get_or_create(&ObligationLabels { state })
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Middleware: counts and times every request by route template.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let resp = next.run(req).await;
    let labels = HttpLabels {
        method,
        route,
        status: resp.status().as_u16(),
    };
    state.metrics.requests.get_or_create(&labels).inc();
    state
        .metrics
        .latency
        .get_or_create(&labels)
        .observe(start.elapsed().as_secs_f64());
    resp
}
