//! The OpenAPI 3.1 document, generated from the handlers' annotations.
//!
//! A copy is committed at `docs/openapi.json`; a test fails when code and
//! copy drift (`bulwark openapi > docs/openapi.json` brings the copy up to date).

use utoipa::OpenApi;

use crate::api::{
    advisories, audit, cases, claims, frontier, identity, partners, reviews, sboms, triage,
    vulnerabilities, webhooks,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Bulwark API",
        description = "The national program for the cybersecurity of frontier AI: benchmarks, voluntary reviews, trusted-partner access, the clearinghouse and Binding Operational Directives. Authenticate with `Authorization: Bearer <token>`. Errors are RFC 9457 problem documents (`application/problem+json`).",
        license(name = "Apache-2.0")
    ),
    paths(
        identity::me,
        identity::list_organizations,
        identity::create_organization,
        identity::get_organization,
        identity::list_users,
        identity::create_user,
        identity::get_user,
        identity::update_user,
        identity::set_password,
        identity::list_tokens,
        identity::issue_token,
        identity::revoke_token,
        audit::list,
        audit::verify,
        frontier::load_benchmark,
        frontier::list_benchmarks,
        frontier::get_benchmark,
        frontier::redetermine_set,
        frontier::create_model,
        frontier::import_models,
        frontier::list_models,
        frontier::get_model,
        frontier::attach_eval,
        frontier::precheck,
        partners::get_partner,
        partners::set_vetting,
        partners::attest,
        partners::propose,
        partners::list_grants,
        partners::get_grant,
        partners::concur,
        partners::object,
        partners::revoke,
        partners::access_check,
        reviews::create,
        reviews::list,
        reviews::get_one,
        reviews::upload,
        reviews::download,
        reviews::transition,
        reviews::triage,
        reviews::issue_finding,
        reviews::respond,
        reviews::conclude,
        reviews::withdraw,
        reviews::reschedule,
        claims::create,
        claims::get_one,
        claims::renew,
        claims::release,
        claims::coverage,
        cases::submit,
        cases::list,
        cases::get_one,
        cases::transition,
        cases::merge,
        cases::split,
        cases::assign,
        cases::validate,
        cases::quorum,
        cases::assess,
        cases::marking,
        cases::notify_vendor,
        cases::add_participant,
        cases::document,
        cases::sources,
        triage::queue,
        vulnerabilities::get_one,
        vulnerabilities::ranked,
        advisories::search,
        advisories::get_one,
        advisories::querybatch,
        sboms::upload,
        sboms::list,
        sboms::get_one,
        webhooks::create,
        webhooks::list,
        webhooks::get_one,
        webhooks::deactivate,
        webhooks::deliveries,
        webhooks::redeliver,
    ),
    components(schemas(crate::problem::Problem)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "identity", description = "Organizations, users and API tokens"),
        (name = "audit", description = "The hash-chained audit log"),
        (name = "frontier", description = "Frontier benchmarks, the model registry and coverage determinations"),
        (name = "partners", description = "Trusted partners, early-access grants and the access check"),
        (name = "reviews", description = "Voluntary reviews: submissions, dossier documents, findings, responses and conclusions"),
        (name = "clearinghouse", description = "Deconflicted scanning (claims on scan targets under a lease, coverage), intake of findings and the cases they fold into"),
        (name = "webhooks", description = "Webhook subscriptions and their deliveries"),
        (name = "advisories", description = "OSV advisories, osv.dev's querybatch, and SBOMs matched against the advisories: what affects an SBOM, whom an advisory affects"),
        (name = "prioritisation", description = "The prioritisation feeds (KEV, EPSS, CVE records with CISA's ADP), SSVC decisions, BOD 26-04 timelines and the one priority order"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as pretty JSON with a trailing newline, exactly as committed.
pub fn document_json() -> String {
    let mut s = ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
