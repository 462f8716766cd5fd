//! Package URLs and per-ecosystem version order: the vocabulary the
//! matching engine (advisories × components) is built on.
//!
//! Pure: no files, sockets or SQL; every parser takes a `&str` and refuses
//! with a typed error instead of guessing.
//!
//! - [`purl`]: package URLs per ECMA-427 and the registered type
//!   definitions: parse, normalise, build, print canonically.
//! - [`name`]: package-name normalisation used to compare names (PEP 503
//!   for PyPI), shared by the matching engine and intake's fingerprints.
//! - [`version`]: [`Version::parse`] once per string under an
//!   [`Ecosystem`]'s own rules (SemVer, Go, PEP 440, Maven, NuGet,
//!   RubyGems, Composer, dpkg, rpm, apk, or the documented generic order),
//!   then compare parsed versions as often as needed without allocating.

pub mod name;
pub mod purl;
pub mod version;

pub use name::pep503;
pub use purl::{Purl, PurlError, PurlParts};
pub use version::{Ecosystem, Version, VersionError, compare};
