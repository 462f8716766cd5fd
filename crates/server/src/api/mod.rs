//! The JSON API under `/api/v1`.
//!
//! Handlers are thin: parse (extractors), authorize (the one policy), call
//! the store, shape the answer. Every error is a problem document.

use serde::Serialize;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub mod access;
pub mod advisories;
pub mod aixcc;
pub mod audit;
pub mod bodies;
pub mod cases;
pub mod claims;
pub mod csaf_sources;
pub mod directives;
pub mod frontier;
pub mod identity;
pub mod notices;
pub mod obligations;
pub mod partners;
pub mod patches;
pub mod publications;
pub mod reviews;
pub mod sboms;
pub mod systems;
pub mod tools;
pub mod triage;
pub mod vex;
pub mod vulnerabilities;
pub mod webhooks;

/// Largest registry import accepted (Epoch AI's largest file is about 2 MB).
pub const IMPORT_LIMIT: usize = 64 * 1024 * 1024;

/// Every route of the API, each declared once: `routes!` takes the path
/// and method from the handler's `#[utoipa::path]`, so a route cannot
/// exist without its description in the OpenAPI document, nor the reverse.
/// Paths are registered in the order the document lists them.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .routes(routes!(identity::me))
        .routes(routes!(
            identity::list_organizations,
            identity::create_organization
        ))
        .routes(routes!(identity::get_organization))
        .routes(routes!(identity::list_users, identity::create_user))
        .routes(routes!(identity::get_user, identity::update_user))
        .routes(routes!(identity::set_password))
        .routes(routes!(identity::list_tokens, identity::issue_token))
        .routes(routes!(identity::revoke_token))
        .routes(routes!(audit::list))
        .routes(routes!(audit::verify))
        .routes(routes!(frontier::load_benchmark, frontier::list_benchmarks))
        .routes(routes!(frontier::get_benchmark))
        .routes(routes!(frontier::redetermine_set))
        .routes(routes!(frontier::create_model, frontier::list_models))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(frontier::import_models))
                .layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .routes(routes!(frontier::get_model))
        .routes(routes!(frontier::attach_eval))
        .routes(routes!(frontier::precheck))
        .routes(routes!(partners::get_partner))
        .routes(routes!(partners::set_vetting))
        .routes(routes!(partners::attest))
        .routes(routes!(partners::propose, partners::list_grants))
        .routes(routes!(partners::get_grant))
        .routes(routes!(partners::concur))
        .routes(routes!(partners::object))
        .routes(routes!(partners::revoke))
        .routes(routes!(partners::access_check))
        .routes(routes!(tools::list, tools::create))
        .routes(routes!(tools::get_one, tools::update))
        .routes(routes!(tools::submit))
        .routes(routes!(tools::decide))
        .routes(routes!(tools::withdraw))
        .routes(routes!(tools::reopen))
        .routes(routes!(tools::add_version))
        .routes(routes!(tools::may_receive))
        .routes(routes!(tools::evidence))
        .routes(routes!(reviews::create, reviews::list))
        .routes(routes!(reviews::get_one))
        .merge(OpenApiRouter::new().routes(routes!(reviews::upload)).layer(
            axum::extract::DefaultBodyLimit::max(reviews::DOCUMENT_BODY_LIMIT),
        ))
        .routes(routes!(reviews::download))
        .routes(routes!(reviews::transition))
        .routes(routes!(reviews::triage))
        .routes(routes!(reviews::issue_finding))
        .routes(routes!(reviews::respond))
        .routes(routes!(reviews::conclude))
        .routes(routes!(reviews::withdraw))
        .routes(routes!(reviews::reschedule))
        .routes(routes!(claims::create))
        .routes(routes!(claims::get_one))
        .routes(routes!(claims::renew))
        .routes(routes!(claims::release))
        .routes(routes!(claims::coverage))
        // The handler reads the body as a stream and counts it against
        // `Settings::intake_limit` itself.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(cases::submit))
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .routes(routes!(cases::list))
        .routes(routes!(cases::get_one))
        .routes(routes!(cases::transition))
        .routes(routes!(cases::merge))
        .routes(routes!(cases::split))
        .routes(routes!(cases::assign))
        .routes(routes!(cases::validate))
        .routes(routes!(cases::quorum))
        .routes(routes!(cases::assess))
        .routes(routes!(cases::marking))
        .routes(routes!(cases::notify_vendor))
        .routes(routes!(cases::add_participant))
        .routes(routes!(cases::document))
        .routes(routes!(cases::sources))
        // A patch file is read whole (at most `REMEDIATION_BODY_LIMIT`).
        .merge(
            OpenApiRouter::new()
                .routes(routes!(patches::submit, patches::list))
                .layer(axum::extract::DefaultBodyLimit::max(
                    patches::REMEDIATION_BODY_LIMIT,
                )),
        )
        // AI Cyber Challenge submissions: a pov's testcase is up to 2 MiB
        // in base64 (at most `AIXCC_BODY_LIMIT`).
        .merge(
            OpenApiRouter::new()
                .routes(routes!(aixcc::submit_pov))
                .routes(routes!(aixcc::pov_status))
                .routes(routes!(aixcc::submit_patch))
                .routes(routes!(aixcc::patch_status))
                .routes(routes!(aixcc::submit_sarif))
                .routes(routes!(aixcc::submit_bundle))
                .routes(routes!(aixcc::get_bundle))
                .layer(axum::extract::DefaultBodyLimit::max(
                    aixcc::AIXCC_BODY_LIMIT,
                )),
        )
        .routes(routes!(patches::get_one))
        .routes(routes!(patches::patch_file))
        .routes(routes!(patches::assign))
        .routes(routes!(patches::validate))
        .routes(routes!(patches::quorum))
        // Advisories from cases (issue 18).
        .routes(routes!(publications::draft))
        .routes(routes!(publications::list))
        .routes(routes!(publications::get_one, publications::edit))
        .routes(routes!(publications::transition))
        .routes(routes!(publications::publish))
        .routes(routes!(publications::preview))
        .routes(routes!(publications::revisions))
        .routes(routes!(publications::csaf))
        .routes(routes!(publications::osv))
        .routes(routes!(publications::vex))
        .routes(routes!(publications::openvex))
        // Other CSAF providers the clearinghouse reads (issue 18).
        .routes(routes!(csaf_sources::list, csaf_sources::create))
        .routes(routes!(
            csaf_sources::get_one,
            csaf_sources::update,
            csaf_sources::remove
        ))
        .routes(routes!(csaf_sources::run))
        .routes(routes!(triage::queue))
        .routes(routes!(vulnerabilities::get_one))
        .routes(routes!(vulnerabilities::ranked))
        .routes(routes!(advisories::search))
        .routes(routes!(advisories::get_one))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(advisories::querybatch))
                .layer(axum::extract::DefaultBodyLimit::max(
                    advisories::BATCH_BODY_LIMIT,
                )),
        )
        // The handler spools the body and counts it against its limit.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(sboms::upload, sboms::list))
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .routes(routes!(sboms::get_one))
        // The handler spools the body and counts it against its limit.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(vex::import))
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .routes(routes!(webhooks::create, webhooks::list))
        .routes(routes!(webhooks::get_one, webhooks::deactivate))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::redeliver))
        // Binding Operational Directives (issue 17).
        .routes(routes!(directives::list, directives::load))
        .routes(routes!(directives::get_one))
        .routes(routes!(directives::set_profile))
        .routes(routes!(systems::list, systems::create))
        .routes(routes!(systems::get_one, systems::update))
        .routes(routes!(systems::attach_sbom, systems::detach_sbom))
        .routes(routes!(systems::add_product))
        .routes(routes!(systems::remove_product))
        .routes(routes!(obligations::list))
        .routes(routes!(obligations::export))
        .routes(routes!(obligations::get_one))
        .routes(routes!(obligations::answer))
        .routes(routes!(obligations::request))
        .routes(routes!(obligations::decide))
        .routes(routes!(obligations::government_wide))
        .routes(routes!(obligations::trend))
        .routes(routes!(obligations::agency))
        .routes(routes!(obligations::vulnerability))
        // Notice to exactly those affected (issue 18).
        .routes(routes!(notices::list))
        .routes(routes!(notices::get_one))
        .routes(routes!(notices::mark_read))
        .routes(routes!(notices::exposure))
        // Programs and access to the catalogue's tools (issue 20).
        .routes(routes!(access::list_programs, access::create_program))
        .routes(routes!(access::get_program, access::update_program))
        .routes(routes!(access::list_requests, access::create_request))
        .routes(routes!(access::get_request))
        .routes(routes!(access::decide))
        .routes(routes!(access::answer))
        .routes(routes!(access::revoke))
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
