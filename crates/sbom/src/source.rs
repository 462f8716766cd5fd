//! From a distribution's binary package to its source package.
//!
//! Debian, Red Hat and Alpine publish advisories against source packages
//! (`glibc`), while an SBOM of an image lists binary packages (`libc6`,
//! `libc-bin`). SBOM generators record the source in a qualifier:
//!
//! - `deb` and `apk`: `upstream=NAME`, `upstream=NAME@VERSION` or
//!   `upstream=NAME VERSION` (syft; percent-encoded in the purl). Without a
//!   version the source has the binary's version, as Debian's `Source:`
//!   field is written only with a version when the two differ.
//! - `rpm`: `upstream=` or `sourcerpm=` naming the source RPM file,
//!   `NAME-VERSION-RELEASE.src.rpm`; the epoch is the binary's (one spec
//!   file gives both).

use bulwark_versions::{Purl, PurlParts};

/// The source package of a `deb`, `rpm` or `apk` binary package purl, or
/// `None` when the purl names no source (other types, no qualifier, or a
/// qualifier that cannot be read).
///
/// The result keeps the type, namespace and `distro` (and the rpm `epoch`)
/// qualifier, and marks Debian and RPM sources the way their advisories
/// do: `arch=source` (deb), `arch=src` (rpm).
pub fn source_package(purl: &Purl) -> Option<Purl> {
    let ty = purl.ty();
    let (name, version, arch) = match ty {
        "deb" | "apk" => {
            let (name, version) = split_name_version(purl.qualifier("upstream")?)?;
            let version = version.or_else(|| purl.version().map(str::to_owned));
            (name, version, (ty == "deb").then_some("source"))
        }
        "rpm" => {
            let value = purl
                .qualifier("sourcerpm")
                .or_else(|| purl.qualifier("upstream"))?;
            let (name, version) = match split_srpm(value) {
                Some(nv) => nv,
                None => split_name_version(value)?,
            };
            let version = version.map(|v| with_rpm_epoch(purl, v));
            (name, version, Some("src"))
        }
        _ => return None,
    };
    let mut qualifiers = Vec::new();
    if let Some(arch) = arch {
        qualifiers.push(("arch".to_owned(), arch.to_owned()));
    }
    for key in ["distro", "epoch"] {
        if key == "epoch" && ty != "rpm" {
            continue;
        }
        if let Some(v) = purl.qualifier(key) {
            qualifiers.push((key.to_owned(), v.to_owned()));
        }
    }
    Purl::build(PurlParts {
        ty: Some(ty.to_owned()),
        namespace: purl.namespace().map(str::to_owned),
        name: Some(name),
        version,
        qualifiers,
        subpath: None,
    })
    .ok()
}

/// `NAME`, `NAME@VERSION`, `NAME VERSION` or `NAME (VERSION)`.
fn split_name_version(value: &str) -> Option<(String, Option<String>)> {
    let value = value.trim();
    let (name, version) = match value.split_once('@') {
        Some((n, v)) => (n, Some(v)),
        None => match value.split_once(' ') {
            Some((n, v)) => (n, Some(v)),
            None => (value, None),
        },
    };
    let name = name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    let version = version
        .map(|v| {
            v.trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .trim()
        })
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    Some((name.to_owned(), version))
}

/// `openssl-1.1.1k-7.el8_6.src.rpm` → (`openssl`, `1.1.1k-7.el8_6`).
fn split_srpm(value: &str) -> Option<(String, Option<String>)> {
    let stem = value.trim().strip_suffix(".rpm")?;
    let stem = stem
        .strip_suffix(".src")
        .or_else(|| stem.strip_suffix(".nosrc"))
        .unwrap_or(stem);
    let mut parts = stem.rsplitn(3, '-');
    let release = parts.next()?;
    let version = parts.next()?;
    let name = parts.next()?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    Some((name.to_owned(), Some(format!("{version}-{release}"))))
}

/// Carries an epoch written in the binary's version (`1:1.1.1k-7`) over to
/// the source's, which a file name never has; an `epoch` qualifier is kept
/// as a qualifier instead.
fn with_rpm_epoch(purl: &Purl, version: String) -> String {
    if version.contains(':') {
        return version;
    }
    match purl.version().and_then(|v| v.split_once(':')) {
        Some((epoch, _)) if !epoch.is_empty() && epoch.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{epoch}:{version}")
        }
        _ => version,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(p: &str) -> Option<String> {
        source_package(&Purl::parse(p).unwrap()).map(|p| p.to_string())
    }

    #[test]
    fn debian_upstream_name_only_takes_the_binary_version() {
        assert_eq!(
            src("pkg:deb/debian/libc6@2.31-13+deb11u6?arch=armhf&upstream=glibc&distro=debian-11")
                .as_deref(),
            Some("pkg:deb/debian/glibc@2.31-13%2Bdeb11u6?arch=source&distro=debian-11")
        );
    }

    #[test]
    fn debian_upstream_with_version() {
        assert_eq!(
            src("pkg:deb/debian/bsdutils@1:2.36.1-8+deb11u1?arch=armhf&upstream=util-linux%402.36.1-8+deb11u1&distro=debian-11")
                .as_deref(),
            Some("pkg:deb/debian/util-linux@2.36.1-8%2Bdeb11u1?arch=source&distro=debian-11")
        );
        assert_eq!(
            src("pkg:deb/debian/libcap-ng0@0.7.9-2.2+b1?upstream=libcap-ng%200.7.9-2.2").as_deref(),
            Some("pkg:deb/debian/libcap-ng@0.7.9-2.2?arch=source")
        );
    }

    #[test]
    fn alpine_origin() {
        assert_eq!(
            src("pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&upstream=openssl&distro=alpine-3.19.1")
                .as_deref(),
            Some("pkg:apk/alpine/openssl@3.1.4-r5?distro=alpine-3.19.1")
        );
    }

    #[test]
    fn rpm_source_rpm_file() {
        assert_eq!(
            src("pkg:rpm/redhat/openssl-libs@1:1.1.1k-7.el8_6?arch=x86_64&distro=rhel-8.6&upstream=openssl-1.1.1k-7.el8_6.src.rpm")
                .as_deref(),
            Some("pkg:rpm/redhat/openssl@1:1.1.1k-7.el8_6?arch=src&distro=rhel-8.6")
        );
        assert_eq!(
            src("pkg:rpm/redhat/openssl-libs@1.1.1k-7.el8_6?arch=x86_64&epoch=1&sourcerpm=openssl-1.1.1k-7.el8_6.src.rpm")
                .as_deref(),
            Some("pkg:rpm/redhat/openssl@1.1.1k-7.el8_6?arch=src&epoch=1")
        );
    }

    #[test]
    fn no_source_named() {
        assert_eq!(src("pkg:deb/debian/curl@7.50.3-1?arch=i386"), None);
        assert_eq!(src("pkg:rpm/redhat/openssl@3.0.7-18.el9_2?arch=src"), None);
        assert_eq!(src("pkg:npm/left-pad@1.0.0?upstream=x"), None);
        assert_eq!(src("pkg:deb/debian/x@1?upstream=%20"), None);
    }
}
