//! The OpenAPI 3.1 document, generated from the handlers' annotations.
//! [`ApiDoc`] holds what is not a path (title, security, tags); the paths
//! come from the router ([`crate::api::router`]), where each handler is
//! registered once.
//!
//! A copy is committed at `docs/openapi.json`; a test fails when code and
//! copy drift (`bulwark openapi > docs/openapi.json` brings the copy up to date).

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Bulwark API",
        description = "The national program for the cybersecurity of frontier AI: benchmarks, voluntary reviews, trusted-partner access, the clearinghouse and Binding Operational Directives. Authenticate with `Authorization: Bearer <token>`. Errors are RFC 9457 problem documents (`application/problem+json`).",
        license(name = "Apache-2.0")
    ),
    components(schemas(crate::problem::Problem)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "identity", description = "Organizations, users and API tokens"),
        (name = "audit", description = "The hash-chained audit log"),
        (name = "frontier", description = "Frontier benchmarks, the model registry and coverage determinations"),
        (name = "partners", description = "Trusted partners, early-access grants and the access check"),
        (name = "tools", description = "The catalogue of AI-enabled defensive tools: entries described by their providers and approved by the program office, their versions, and whether a case may be sent to a tool; the program office's programs and agencies' access requests, approved by the program office and, for a covered frontier model, by its developer through the early-access grant"),
        (name = "reviews", description = "Voluntary reviews: submissions, dossier documents, findings, responses and conclusions"),
        (name = "clearinghouse", description = "Deconflicted scanning (claims on scan targets under a lease, coverage), intake of findings and the cases they fold into"),
        (name = "webhooks", description = "Webhook subscriptions and their deliveries"),
        (name = "advisories", description = "OSV advisories, osv.dev's querybatch, and SBOMs matched against the advisories: what affects an SBOM, whom an advisory affects"),
        (name = "prioritisation", description = "The prioritisation feeds (KEV, EPSS, CVE records with CISA's ADP), SSVC decisions, BOD 26-04 timelines and the one priority order"),
        (name = "directives", description = "Binding Operational Directives: directive versions, agencies' systems and what runs on them, the obligations derived from both, answers, extension and exception requests and the issuer's decisions, compliance counts and exports"),
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
        // The AI Cyber Challenge routes take HTTP Basic as the competition
        // API does: an API token as the password.
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
    }
}

/// What every operation's problems have in common, said once over the whole
/// document so that no handler's annotation can forget it: each is
/// `application/problem+json`, the media type [`crate::problem`] sends,
/// rather than the `application/json` the annotations default to; and each
/// operation may answer 401, since every one needs a bearer token (a
/// generated client should meet no status its document left out).
fn problem_responses(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder, path::Operation};
    const PROBLEM_JSON: &str = "application/problem+json";
    let problem = format!(
        "#/components/schemas/{}",
        <crate::problem::Problem as utoipa::ToSchema>::name()
    );
    let is_problem = |c: &utoipa::openapi::Content| matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location == problem);
    let unauthorized = ResponseBuilder::new()
        .description("No valid bearer token: missing, unknown, expired or revoked.")
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::new(problem.clone())))
                .build(),
        )
        .build();
    for item in openapi.paths.paths.values_mut() {
        let ops: [&mut Option<Operation>; 8] = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for op in ops.into_iter().flatten() {
            for response in op.responses.responses.values_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                response.content = std::mem::take(&mut response.content)
                    .into_iter()
                    .map(|(media, content)| {
                        if media == "application/json" && is_problem(&content) {
                            (PROBLEM_JSON.to_owned(), content)
                        } else {
                            (media, content)
                        }
                    })
                    .collect();
            }
            op.responses
                .responses
                .entry("401".to_owned())
                .or_insert_with(|| RefOr::T(unauthorized.clone()));
        }
    }
}

/// The document as pretty JSON with a trailing newline, exactly as committed.
pub fn document_json() -> String {
    let mut openapi = crate::api::router().into_openapi();
    problem_responses(&mut openapi);
    let mut s = openapi
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
