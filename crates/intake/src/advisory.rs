//! What OSV and CSAF share: the vulnerability id and the package key that
//! make up the advisory fingerprint (see [`mod@crate::fingerprint`]), so that an
//! OSV record and a CSAF document about one CVE in one package fold into one
//! case.
//!
//! The package key is a *versionless, canonical* package URL
//! (`pkg:type/namespace/name`): scheme and type lowercased, version,
//! qualifiers and subpath dropped, each namespace segment and the name
//! percent-decoded then re-encoded (everything but ASCII letters, digits and
//! `.-_~` as `%XX`), and the name (and namespace) lowercased for the types
//! the purl specification declares case-insensitive (`bitbucket`, `github`,
//! `composer`, `brew`, `hex`, `pub`, `deb`, `apk`), with PEP 503 name
//! normalization ([`bulwark_versions::pep503`]) for `pypi`.
//!
//! This key is not [`bulwark_versions::Purl`]'s canonical form and must not
//! become it: it is hashed into v1 fingerprints, which never change (see
//! [`mod@crate::fingerprint`]), and the two differ in case (`Purl`
//! lower-cases `npm` names and `golang`, `rpm` and `git` namespaces but
//! keeps `pub` and `apk` names as written), in PyPI names (`Purl` keeps
//! `.`), in `:` (left unencoded by `Purl`) and in what they take (`Purl`
//! refuses a purl that breaks its type's rules or has bad percent-encoding;
//! this key takes any `pkg:type/…/name`).

use bulwark_core::CveId;

/// The vulnerability id of an advisory known by `id` and `aliases`: the
/// smallest CVE id among them (by year, then number, compared as numbers;
/// the first given among ids equal as numbers), each trimmed of surrounding
/// white space and parsed as [`CveId`] says, in canonical form, else `id` as
/// written.
///
/// The smallest, because a record that later learns of a duplicate CVE keeps
/// the older (REJECTed duplicates are newer), and every source agrees on it.
pub fn vulnerability_id<'a>(id: &'a str, aliases: impl IntoIterator<Item = &'a str>) -> String {
    std::iter::once(id)
        .chain(aliases)
        .filter_map(|s| CveId::parse(s.trim()).ok())
        .min_by_key(|cve| (cve.year(), cve.sequence()))
        .map(String::from)
        .unwrap_or_else(|| id.to_owned())
}

/// The package key of a package URL: see the module documentation. `None`
/// when `purl` is not a package URL (no `pkg:` scheme, no type or no name).
pub fn package_key_from_purl(purl: &str) -> Option<String> {
    let rest = purl.trim();
    let scheme = rest.get(..4)?;
    if !scheme.eq_ignore_ascii_case("pkg:") {
        return None;
    }
    let rest = rest.get(4..)?.trim_start_matches('/');
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    let rest = rest.split_once('?').map_or(rest, |(r, _)| r);
    // The version follows the last `@` after the last `/` (an unencoded npm
    // scope `@angular/core` is not a version).
    let rest = match (rest.rfind('@'), rest.rfind('/')) {
        (Some(at), Some(slash)) if at > slash => &rest[..at],
        _ => rest,
    };
    let (ty, path) = rest.split_once('/')?;
    let ty = ty.to_ascii_lowercase();
    if ty.is_empty()
        || !ty
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".+-".contains(&b))
    {
        return None;
    }
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let (name, namespace) = segments.split_last()?;
    Some(build(&ty, namespace, name))
}

/// The package key of an OSV `package` (`ecosystem`, `name`): the purl its
/// ecosystem maps to, else `ecosystem:name` as written.
///
/// Ecosystem (the part before any `:release` suffix) → purl type: `npm` →
/// `npm` (`@scope/name` split), `PyPI` → `pypi`, `crates.io` → `cargo`, `Go`
/// → `golang` (module path split at its last `/`), `Maven` → `maven`
/// (`group:artifact`), `NuGet` → `nuget`, `RubyGems` → `gem`, `Packagist` →
/// `composer` (`vendor/name`), `Hex` → `hex`, `Pub` → `pub`, `Hackage` →
/// `hackage`, `CRAN` → `cran`, `SwiftURL` → `swift` (URL split at its last
/// `/`), `ConanCenter` → `conan`, `Bitnami` → `bitnami`, `Julia` → `julia`,
/// `Debian`/`Ubuntu` → `deb` (namespace `debian`/`ubuntu`), `Alpine`/`Wolfi`/
/// `Chainguard` → `apk` (namespace `alpine`/`wolfi`/`chainguard`), `Red Hat`/
/// `Rocky Linux`/`AlmaLinux`/`SUSE`/`openSUSE` → `rpm` (namespace `redhat`/
/// `rocky-linux`/`almalinux`/`suse`/`opensuse`).
pub fn package_key_from_ecosystem(ecosystem: &str, name: &str) -> String {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem).trim();
    let split_last = |sep: char| -> Vec<String> { name.split(sep).map(str::to_owned).collect() };
    let (ty, segments): (&str, Vec<String>) = match base {
        "npm" => ("npm", split_last('/')),
        "PyPI" => ("pypi", vec![name.to_owned()]),
        "crates.io" => ("cargo", vec![name.to_owned()]),
        "Go" => ("golang", split_last('/')),
        "Maven" => ("maven", split_last(':')),
        "NuGet" => ("nuget", vec![name.to_owned()]),
        "RubyGems" => ("gem", vec![name.to_owned()]),
        "Packagist" => ("composer", split_last('/')),
        "Hex" => ("hex", vec![name.to_owned()]),
        "Pub" => ("pub", vec![name.to_owned()]),
        "Hackage" => ("hackage", vec![name.to_owned()]),
        "CRAN" => ("cran", vec![name.to_owned()]),
        "SwiftURL" => ("swift", split_last('/')),
        "ConanCenter" => ("conan", vec![name.to_owned()]),
        "Bitnami" => ("bitnami", vec![name.to_owned()]),
        "Julia" => ("julia", vec![name.to_owned()]),
        "Debian" => ("deb", vec!["debian".into(), name.to_owned()]),
        "Ubuntu" => ("deb", vec!["ubuntu".into(), name.to_owned()]),
        "Alpine" => ("apk", vec!["alpine".into(), name.to_owned()]),
        "Wolfi" => ("apk", vec!["wolfi".into(), name.to_owned()]),
        "Chainguard" => ("apk", vec!["chainguard".into(), name.to_owned()]),
        "Red Hat" => ("rpm", vec!["redhat".into(), name.to_owned()]),
        "Rocky Linux" => ("rpm", vec!["rocky-linux".into(), name.to_owned()]),
        "AlmaLinux" => ("rpm", vec!["almalinux".into(), name.to_owned()]),
        "SUSE" => ("rpm", vec!["suse".into(), name.to_owned()]),
        "openSUSE" => ("rpm", vec!["opensuse".into(), name.to_owned()]),
        _ => return format!("{ecosystem}:{name}"),
    };
    let segments: Vec<String> = segments.into_iter().filter(|s| !s.is_empty()).collect();
    match segments.split_last() {
        Some((name, namespace)) => build(ty, namespace, name),
        None => format!("{ecosystem}:{name}"),
    }
}

fn build(ty: &str, namespace: &[String], name: &str) -> String {
    let lower = matches!(
        ty,
        "bitbucket" | "github" | "composer" | "brew" | "hex" | "pub" | "deb" | "apk"
    );
    let canon = |s: &str| {
        if lower {
            s.to_lowercase()
        } else {
            s.to_owned()
        }
    };
    let name = if ty == "pypi" {
        bulwark_versions::pep503(name)
    } else {
        canon(name)
    };
    let mut out = format!("pkg:{ty}/");
    for seg in namespace {
        out.push_str(&percent_encode(&canon(seg)));
        out.push('/');
    }
    out.push_str(&percent_encode(&name));
    out
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b".-_~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `%XX` decoding (the SARIF reader's); a segment whose decoding is not
/// UTF-8 stays as written.
fn percent_decode(s: &str) -> String {
    crate::sarif::percent_decode(s).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smallest_cve_wins() {
        assert_eq!(
            vulnerability_id(
                "GHSA-x",
                ["CVE-2021-45046", "cve-2021-44228", "CVE-2020-99999"]
            ),
            "CVE-2020-99999"
        );
        assert_eq!(
            vulnerability_id("CVE-2021-10000", ["CVE-2021-9999"]),
            "CVE-2021-9999"
        );
        assert_eq!(
            vulnerability_id("GO-2022-0001", ["GHSA-abc"]),
            "GO-2022-0001"
        );
    }

    #[test]
    fn purls_lose_version_and_are_canonical() {
        let k = package_key_from_purl;
        assert_eq!(
            k("pkg:npm/%40angular/core@1.2.3?x=y#a/b").as_deref(),
            Some("pkg:npm/%40angular/core")
        );
        assert_eq!(
            k("pkg:npm/@angular/core@1.2.3").as_deref(),
            Some("pkg:npm/%40angular/core")
        );
        assert_eq!(
            k("PKG:PyPI/Django_Package@1.0").as_deref(),
            Some("pkg:pypi/django-package")
        );
        assert_eq!(
            k("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1").as_deref(),
            Some("pkg:maven/org.apache.logging.log4j/log4j-core")
        );
        assert_eq!(
            k("pkg:composer/Laravel/Framework").as_deref(),
            Some("pkg:composer/laravel/framework")
        );
        assert_eq!(k("cpe:2.3:a:x"), None);
        assert_eq!(k("pkg:npm"), None);
        assert_eq!(k("pkg:"), None);
    }

    /// The key is hashed into v1 fingerprints: where it differs from
    /// `Purl`'s canonical form it must stay as it is (module documentation).
    #[test]
    fn keys_are_not_purls_canonical_form() {
        let k = |s: &str| package_key_from_purl(s).unwrap_or_default();
        let canonical = |s: &str| {
            bulwark_versions::Purl::parse(s)
                .map(|p| p.package().to_string())
                .unwrap_or_default()
        };
        for (purl, key) in [
            ("pkg:npm/React@18.0.0", "pkg:npm/React"),
            (
                "pkg:golang/github.com/BurntSushi/toml@v1.0.0",
                "pkg:golang/github.com/BurntSushi/toml",
            ),
            ("pkg:pypi/zope.interface@6.0", "pkg:pypi/zope-interface"),
            ("pkg:generic/a:b@1", "pkg:generic/a%3Ab"),
            ("pkg:pub/Flutter@1", "pkg:pub/flutter"),
        ] {
            assert_eq!(k(purl), key, "{purl}");
            assert_ne!(canonical(purl), key, "{purl}");
        }
        // What `Purl` refuses still has a key.
        assert_eq!(k("pkg:pypi/ns/Name@1"), "pkg:pypi/ns/name");
        assert!(bulwark_versions::Purl::parse("pkg:pypi/ns/Name@1").is_err());
    }

    #[test]
    fn ecosystems_map_to_purls() {
        let k = package_key_from_ecosystem;
        assert_eq!(k("PyPI", "Django.Package"), "pkg:pypi/django-package");
        assert_eq!(k("crates.io", "tokio"), "pkg:cargo/tokio");
        assert_eq!(
            k("Go", "github.com/foo/bar"),
            "pkg:golang/github.com/foo/bar"
        );
        assert_eq!(
            k("Maven", "org.apache.logging.log4j:log4j-core"),
            "pkg:maven/org.apache.logging.log4j/log4j-core"
        );
        assert_eq!(k("npm", "@babel/core"), "pkg:npm/%40babel/core");
        assert_eq!(k("Debian:11", "openssl"), "pkg:deb/debian/openssl");
        assert_eq!(k("Linux", "kernel"), "Linux:kernel");
        assert_eq!(k("Go", "/"), "Go:/");
        assert_eq!(
            k("Maven", "org.apache.logging.log4j:log4j-core"),
            package_key_from_purl("pkg:maven/org.apache.logging.log4j/log4j-core@2.0")
                .unwrap_or_default()
        );
    }
}
