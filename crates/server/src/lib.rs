//! Bulwark's server: the JSON API under `/api/v1`, the web pages, health and
//! metrics endpoints, authentication and authorization.
//!
//! Layers, outermost first: request id → trace span → metrics → sensitive
//! header redaction → body limit → routes. Every API route authenticates with
//! the [`extract::Caller`] extractor and asks the one policy
//! ([`bulwark_authz::Authorizer`]) before touching the store.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub mod api;
pub mod export;
pub mod extract;
pub mod fetch;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod provider;
pub mod spool;
pub mod state;
pub mod tls;
pub mod web;
pub mod webhooks;

pub use state::{AppState, Settings};

use problem::{ApiError, HttpStatus, Kind};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application, ready to serve.
pub fn app(state: AppState) -> Router {
    let body_limit = state.settings.body_limit;
    Router::new()
        .merge(axum::Router::from(api::router()))
        .route("/api/openapi.json", get(openapi_json))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .route("/problems/{slug}", get(problem_doc))
        .merge(web::router())
        .merge(provider::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(SetSensitiveRequestHeadersLayer::new([header::AUTHORIZATION, header::COOKIE]))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            provider::dns_path,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let id = req
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // The path only, never the query or headers: they may carry secrets.
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            })
            .on_failure(log_failure),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

/// Logs a request that failed: a 503 ("retry": an intake that lost a race
/// to a concurrent one, a database busy past its wait, readiness while the
/// database is away) is expected under load and logged as a warning; every
/// other server error as an error.
fn log_failure(
    class: tower_http::classify::ServerErrorsFailureClass,
    latency: Duration,
    _span: &tracing::Span,
) {
    use tower_http::classify::ServerErrorsFailureClass;
    let latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
    match class {
        ServerErrorsFailureClass::StatusCode(StatusCode::SERVICE_UNAVAILABLE) => {
            tracing::warn!(
                status = 503,
                latency_ms,
                "answered 503: the client may retry"
            );
        }
        other => tracing::error!(classification = %other, latency_ms, "response failed"),
    }
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(state: AppState, listen: SocketAddr) -> anyhow::Result<()> {
    serve_on(state, bind(listen).await?).await
}

/// Takes the address to listen on; a failure names it (`cannot listen on
/// 127.0.0.1:8080: Address already in use`). `bulwark serve` binds before
/// it opens the database, so a busy port creates nothing.
pub async fn bind(listen: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    use anyhow::Context;
    tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))
}

/// What a server does once before it answers: put the shipped directive
/// in force on an installation that keeps none, so that obligations exist
/// from the first system an agency registers.
pub async fn prepare(state: &AppState) -> anyhow::Result<()> {
    let put = bulwark_app::directives::ensure_default(state)
        .await
        .map_err(|e| anyhow::anyhow!("cannot put the shipped directive in force: {}", e.detail))?;
    if put {
        tracing::info!(
            directive = "BOD-26-04",
            "no directive was kept: the shipped directive is now in force"
        );
    }
    // The CSAF signing key, generated on the first start (kept sealed under
    // the master key). Without a master key the provider serves documents
    // but no signatures (503), and says so here.
    match bulwark_app::provider::ensure_signing_key(state).await {
        Ok(key) => tracing::info!(fingerprint = %key.fingerprint(), "CSAF signing key"),
        Err(e) => {
            tracing::warn!(error = %e.detail, "no CSAF signing key: published documents are served unsigned")
        }
    }
    Ok(())
}

/// [`serve`] on a listener already bound ([`bind`]).
pub async fn serve_on(state: AppState, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let address = listener.local_addr()?;
    start_background(&state).await?;
    tracing::info!(%address, backend = state.store.backend_name(), "serving");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// [`serve_on`] over TLS (`bulwark serve --tls-cert --tls-key`).
pub async fn serve_tls_on(
    state: AppState,
    listener: tokio::net::TcpListener,
    tls: &tls::Tls,
) -> anyhow::Result<()> {
    let listener = tls::TlsListener::new(listener, tls)?;
    let address = axum::serve::Listener::local_addr(&listener)?;
    start_background(&state).await?;
    tracing::info!(%address, backend = state.store.backend_name(), tls = true, "serving");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// What runs beside the requests: [`prepare`], the scheduler, the advisory
/// index built ahead of need, webhook delivery.
async fn start_background(state: &AppState) -> anyhow::Result<()> {
    prepare(state).await?;
    tokio::spawn(scheduler(state.clone()));
    // The advisory index, built ahead of the first request that needs it.
    tokio::spawn({
        let state = state.clone();
        async move {
            if let Err(e) = state.matching.current(&state.store).await {
                tracing::warn!(error = %e, "building the advisory index failed; retried on first use");
            }
        }
    });
    webhooks::spawn(
        state.clone(),
        webhooks::http_client(
            Duration::from_secs(10),
            state.settings.webhook_allow_private,
        )?,
        webhooks::DeliveryLimits::default(),
    );
    Ok(())
}

/// Background work on a timer: re-determining the registry when a benchmark
/// version loaded ahead of time takes effect, the reminders of review
/// windows and grants, obligations' due-date notices, and advisories whose
/// case's embargo ended made public, and the subscribed CSAF providers
/// read when due. Failures are logged and retried on the next tick.
async fn scheduler(state: AppState) {
    let holder = format!("server-{}", uuid::Uuid::now_v7());
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut csaf_pass: Option<tokio::task::JoinHandle<()>> = None;
    loop {
        tick.tick().await;
        if let Err(e) = bulwark_app::frontier::redetermine_due(&state, &holder).await {
            tracing::warn!(error = %e.detail, "scheduled re-determination failed; retrying next tick");
        }
        if let Err(e) = bulwark_app::reviews::send_reminders(&state, &holder).await {
            tracing::warn!(error = %e, "sending reminders failed; retrying next tick");
        }
        if let Err(e) = bulwark_app::directives::notices::send(&state, &holder).await {
            tracing::warn!(error = %e.detail, "sending obligation notices failed; retrying next tick");
        }
        if let Err(e) = bulwark_app::publications::release_due(&state, &holder).await {
            tracing::warn!(error = %e.detail, "publishing advisories whose embargo ended failed; retrying next tick");
        }
        // Other CSAF providers' documents: a pass lasts as long as the
        // providers take to answer, so it runs beside the work above rather
        // than holding it up, one pass at a time.
        if csaf_pass.as_ref().is_none_or(|p| p.is_finished()) {
            let (state, holder) = (state.clone(), holder.clone());
            csaf_pass = Some(tokio::spawn(async move {
                if let Err(e) =
                    bulwark_app::csaf_sources::sync_due(&state, &holder, &fetch::plain).await
                {
                    tracing::warn!(error = %e.detail, "syncing the subscribed CSAF sources failed; retrying next tick");
                }
            }));
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers too.
async fn readyz(State(state): State<AppState>) -> Response {
    match tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await {
        Ok(Ok(())) => "ready".into_response(),
        _ => ApiError::new(Kind::Unavailable, "the database does not answer").into_response(),
    }
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    match obligation_totals(&state).await {
        Ok(t) => state.metrics.set_obligations(t),
        // The gauges keep their last values; the rest still answers.
        Err(e) => tracing::warn!(error = %e, "counting obligations for /metrics failed"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
        .into_response()
}

/// Obligations over every agency: the store's counts per directive, summed.
async fn obligation_totals(
    state: &AppState,
) -> Result<metrics::ObligationTotals, bulwark_store::StoreError> {
    let now = state.now();
    let soon = now + time::Duration::days(bulwark_app::directives::obligations::DUE_SOON_DAYS);
    let rows = state
        .store
        .obligation_counts(
            bulwark_store::CountBy::Directive,
            &bulwark_store::ObligationFilter::default(),
            now,
            soon,
        )
        .await?;
    Ok(rows
        .iter()
        .fold(metrics::ObligationTotals::default(), |mut t, c| {
            t.open += c.open;
            t.overdue += c.overdue;
            t.due_soon += c.due_soon;
            t.closed += c.closed;
            t
        }))
}

async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        openapi::document_json(),
    )
        .into_response()
}

/// Documentation of each problem `type`, so the URIs resolve.
async fn problem_doc(axum::extract::Path(slug): axum::extract::Path<String>) -> Response {
    match Kind::from_slug(&slug) {
        Some(k) => Html(format!(
            "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{title}</title>\
             <h1>{title}</h1><p>HTTP status {status}.</p><p>{text}</p></html>",
            title = k.title(),
            status = k.status().as_u16(),
            text = k.explanation().replace('<', "&lt;"),
        ))
        .into_response(),
        None => (StatusCode::NOT_FOUND, "no such problem type").into_response(),
    }
}

/// No route: a page for a browser, a problem document for everyone else.
async fn not_found(State(state): State<AppState>, parts: axum::http::request::Parts) -> Response {
    if web::negotiate::prefers_html(&parts.headers) {
        return web::missing_page(&state, &parts, StatusCode::NOT_FOUND).await;
    }
    ApiError::new(Kind::NotFound, format!("no route for {}", parts.uri.path())).into_response()
}

async fn method_not_allowed(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
) -> Response {
    if web::negotiate::prefers_html(&parts.headers) {
        return web::missing_page(&state, &parts, StatusCode::METHOD_NOT_ALLOWED).await;
    }
    ApiError::new(
        Kind::MethodNotAllowed,
        "this path does not accept that method",
    )
    .into_response()
}

/// Builds the state for `serve` and for tests: the start of a server, which
/// takes its spool directory and sweeps what crashed servers left there.
pub fn state(
    store: bulwark_store::Store,
    clock: Arc<dyn bulwark_core::Clock>,
    settings: Settings,
) -> anyhow::Result<AppState> {
    let authz = bulwark_authz::Authorizer::new()?;
    let (spool, swept) = spool::SpoolDir::open(&settings.spool_root).map_err(|e| {
        anyhow::anyhow!(
            "cannot take a spool directory under {}: {e}",
            settings.spool_root.display()
        )
    })?;
    if swept.entries > 0 {
        tracing::info!(
            directory = %settings.spool_root.display(),
            files = swept.files,
            "removed the spooled uploads that servers no longer running left behind"
        );
    }
    Ok(AppState::new(store, authz, clock, settings, spool))
}
