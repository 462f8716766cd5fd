//! The JSON API under `/api/v1`.
//!
//! Handlers are thin: parse (extractors), authorize (the one policy), call
//! the store, shape the answer. Every error is a problem document.

use axum::Router;
use axum::routing::{delete, get, post, put};
use serde::Serialize;

use crate::state::AppState;

pub mod advisories;
pub mod audit;
pub mod cases;
pub mod claims;
pub mod frontier;
pub mod identity;
pub mod partners;
pub mod reviews;
pub mod sboms;
pub mod triage;
pub mod vulnerabilities;
pub mod webhooks;

/// Largest registry import accepted (Epoch AI's largest file is about 2 MB).
pub const IMPORT_LIMIT: usize = 64 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(identity::me))
        .route(
            "/organizations",
            get(identity::list_organizations).post(identity::create_organization),
        )
        .route("/organizations/{id}", get(identity::get_organization))
        .route(
            "/organizations/{id}/users",
            get(identity::list_users).post(identity::create_user),
        )
        .route(
            "/users/{id}",
            get(identity::get_user).patch(identity::update_user),
        )
        .route("/users/{id}/password", put(identity::set_password))
        .route(
            "/users/{id}/tokens",
            get(identity::list_tokens).post(identity::issue_token),
        )
        .route("/tokens/{id}", delete(identity::revoke_token))
        .route("/audit", get(audit::list))
        .route("/audit/verify", get(audit::verify))
        .route(
            "/benchmarks",
            get(frontier::list_benchmarks).post(frontier::load_benchmark),
        )
        .route("/benchmarks/{id}/{version}", get(frontier::get_benchmark))
        .route(
            "/benchmarks/{id}/redetermine",
            post(frontier::redetermine_set),
        )
        .route(
            "/models",
            get(frontier::list_models).post(frontier::create_model),
        )
        .route(
            "/models/import",
            post(frontier::import_models).layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route("/models/{id}", get(frontier::get_model))
        .route("/models/{id}/evals", post(frontier::attach_eval))
        .route("/precheck", post(frontier::precheck))
        .route("/partners/{org}", get(partners::get_partner))
        .route("/partners/{org}/vetting", put(partners::set_vetting))
        .route("/partners/{org}/attestations", post(partners::attest))
        .route(
            "/grants",
            get(partners::list_grants).post(partners::propose),
        )
        .route("/grants/{id}", get(partners::get_grant))
        .route("/grants/{id}/concur", post(partners::concur))
        .route("/grants/{id}/object", post(partners::object))
        .route("/grants/{id}/revoke", post(partners::revoke))
        .route("/access-check", get(partners::access_check))
        .route("/submissions", get(reviews::list).post(reviews::create))
        .route("/submissions/{id}", get(reviews::get_one))
        .route(
            "/submissions/{id}/documents",
            post(reviews::upload).layer(axum::extract::DefaultBodyLimit::max(
                reviews::DOCUMENT_BODY_LIMIT,
            )),
        )
        .route(
            "/submissions/{id}/documents/{sha256}",
            get(reviews::download),
        )
        .route("/submissions/{id}/transition", post(reviews::transition))
        .route("/submissions/{id}/triage", post(reviews::triage))
        .route("/submissions/{id}/findings", post(reviews::issue_finding))
        .route(
            "/submissions/{id}/findings/{fid}/responses",
            post(reviews::respond),
        )
        .route("/submissions/{id}/conclude", post(reviews::conclude))
        .route("/submissions/{id}/withdraw", post(reviews::withdraw))
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route(
            "/webhooks/{id}",
            get(webhooks::get_one).delete(webhooks::deactivate),
        )
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route(
            "/webhooks/deliveries/{id}/redeliver",
            post(webhooks::redeliver),
        )
        .route("/submissions/{id}/dates", post(reviews::reschedule))
        .route("/claims", post(claims::create))
        .route("/claims/{id}", get(claims::get_one))
        .route("/claims/{id}/renew", post(claims::renew))
        .route("/claims/{id}/release", post(claims::release))
        .route("/coverage", get(claims::coverage))
        .route(
            "/reports",
            // The handler reads the body as a stream and counts it against
            // `Settings::intake_limit` itself.
            post(cases::submit).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/cases", get(cases::list))
        .route("/cases/{id}", get(cases::get_one))
        .route("/cases/{id}/transition", post(cases::transition))
        .route("/cases/{id}/merge", post(cases::merge))
        .route("/cases/{id}/split", post(cases::split))
        .route("/cases/{id}/tasks", post(cases::assign))
        .route("/cases/{id}/validations", post(cases::validate))
        .route("/cases/{id}/quorum", put(cases::quorum))
        .route("/cases/{id}/assessment", put(cases::assess))
        .route("/cases/{id}/marking", put(cases::marking))
        .route("/cases/{id}/vendor", post(cases::notify_vendor))
        .route("/cases/{id}/participants", post(cases::add_participant))
        .route("/documents/{sha256}", get(cases::document))
        .route("/sources", get(cases::sources))
        .route("/triage", get(triage::queue))
        .route("/vulnerabilities", get(vulnerabilities::ranked))
        .route("/vulnerabilities/{cve}", get(vulnerabilities::get_one))
        .route("/advisories", get(advisories::search))
        .route("/advisories/{id}", get(advisories::get_one))
        .route(
            "/querybatch",
            post(advisories::querybatch).layer(axum::extract::DefaultBodyLimit::max(
                advisories::BATCH_BODY_LIMIT,
            )),
        )
        .route(
            "/sboms",
            get(sboms::list)
                // The handler spools the body and counts it against its limit.
                .post(sboms::upload)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/sboms/{id}", get(sboms::get_one))
}

/// RFC 3339, UTC.
pub(crate) fn ts(t: time::OffsetDateTime) -> String {
    bulwark_core::rfc3339(t)
}

/// Items of a list and the cursor of the next page (absent on the last page).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct List<T: utoipa::ToSchema> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T: utoipa::ToSchema> List<T> {
    pub fn from_page<U>(page: bulwark_store::Page<U>, f: impl Fn(U) -> T) -> Self {
        List {
            items: page.items.into_iter().map(f).collect(),
            next_cursor: page.next.map(crate::extract::encode_cursor),
        }
    }
}
