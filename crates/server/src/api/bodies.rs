//! How documents travel in the API description. Handlers read these bodies
//! as they are (spooled, sniffed, parsed as a stream), so the description
//! says what a client sends, not a Rust type: `Vec<u8>` would read as a JSON
//! array of integers, which a generated client then sends as JSON.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AdditionalProperties, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::{PartialSchema, ToSchema};

/// The bytes of a file as they are: a string of format `binary`, which
/// generators turn into a file or byte stream.
pub struct RawBytes;

impl PartialSchema for RawBytes {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("The bytes of the document, as they are."))
            .into()
    }
}

impl ToSchema for RawBytes {}

/// A JSON document of a standard Bulwark reads whole; its own schema is the
/// standard's, so only "an object" is said here.
fn document(description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(AdditionalProperties::FreeForm(true)))
        .description(Some(description))
        .into()
}

/// A SARIF 2.1.0 log as a JSON object.
pub struct SarifLog;

impl PartialSchema for SarifLog {
    fn schema() -> RefOr<Schema> {
        document(
            "A SARIF 2.1.0 log (OASIS, https://docs.oasis-open.org/sarif/sarif/v2.1.0/), \
             with `version` and `runs`.",
        )
    }
}

impl ToSchema for SarifLog {}

/// A CycloneDX SBOM in its JSON form.
pub struct CycloneDxBom;

impl PartialSchema for CycloneDxBom {
    fn schema() -> RefOr<Schema> {
        document(
            "A CycloneDX SBOM in JSON (https://cyclonedx.org/specification/overview/), \
             with `bomFormat`, `specVersion` and `components`.",
        )
    }
}

impl ToSchema for CycloneDxBom {}

/// An Inspect AI evaluation log in its JSON form (`.json`).
pub struct InspectLog;

impl PartialSchema for InspectLog {
    fn schema() -> RefOr<Schema> {
        document(
            "An Inspect AI evaluation log (`.json`, https://inspect.aisi.org.uk/eval-logs.html).",
        )
    }
}

impl ToSchema for InspectLog {}
