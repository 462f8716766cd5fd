//! CSAF 2.0 providers (§7): this server's own files as a trusted provider
//! ([`publish`]), and other providers read: their files parsed ([`read`]),
//! their conformance judged ([`check`]), their documents taken over after
//! verification ([`sync`]).
//!
//! Whatever must be fetched is fetched through [`Fetch`], which the caller
//! implements (the CLI over HTTP or a directory, tests over a map), so that
//! this crate stays free of I/O and of an async runtime.

pub mod check;
pub mod publish;
pub mod read;
pub mod sync;

/// One answer to a GET, as the caller's transport saw it.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    /// The HTTP status (a directory-backed fetch answers 200 or 404).
    pub status: u16,
    /// Response headers, names lower-case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The URL that answered: `url` itself, since a [`Fetch`] does not
    /// follow redirects (a 3xx comes back with its `location` header, so
    /// that requirement 6 can see it).
    pub final_url: String,
    /// Whether the answer came over TLS (`https`).
    pub tls: bool,
}

impl Fetched {
    /// The first header of that (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// How providers' files are fetched: a GET without credentials, redirects
/// not followed. `Err` is a transport failure (no connection, a TLS error,
/// a missing directory), its text for the report.
pub trait Fetch {
    fn get(&mut self, url: &str) -> Result<Fetched, String>;
}

/// Redirects followed at most by [`get_following`].
const MAX_REDIRECTS: usize = 5;

/// A GET that follows up to five redirects itself; answers the last
/// response and the chain of URLs that redirected (empty when none did).
pub fn get_following(fetch: &mut dyn Fetch, url: &str) -> Result<(Fetched, Vec<String>), String> {
    let mut current = url.to_owned();
    let mut chain = Vec::new();
    loop {
        let mut f = fetch.get(&current)?;
        if !(300..400).contains(&f.status) {
            if f.final_url.is_empty() {
                f.final_url = current;
            }
            return Ok((f, chain));
        }
        let Some(location) = f.header("location") else {
            return Ok((f, chain));
        };
        if chain.len() == MAX_REDIRECTS {
            return Err(format!("more than {MAX_REDIRECTS} redirects from {url}"));
        }
        let next = resolve(&current, location)
            .ok_or_else(|| format!("{current} redirects to {location:?}, which is not a URL"))?;
        chain.push(current);
        current = next;
    }
}

/// `reference` resolved against `base` (RFC 3986 §5.2, for the forms
/// providers use: absolute URLs, absolute paths, relative paths with `..`).
/// `None` when `base` is not an absolute `http(s)` or `file` URL.
pub fn resolve(base: &str, reference: &str) -> Option<String> {
    let reference = reference.trim();
    if has_scheme(reference) {
        return Some(reference.to_owned());
    }
    let (origin, path) = split_origin(base)?;
    if let Some(rest) = reference.strip_prefix("//") {
        let scheme = &origin[..origin.find("://")?];
        return Some(format!("{scheme}://{rest}"));
    }
    let joined = if reference.starts_with('/') {
        reference.to_owned()
    } else {
        // Drop the query and fragment, then the last segment of the base.
        let base_path = path.split(['?', '#']).next().unwrap_or("");
        let dir = match base_path.rfind('/') {
            Some(i) => &base_path[..=i],
            None => "/",
        };
        format!("{dir}{reference}")
    };
    Some(format!("{origin}{}", remove_dot_segments(&joined)))
}

fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(i) if i > 0 => {
            let scheme = &s[..i];
            scheme
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && s[i..].starts_with("://")
        }
        _ => false,
    }
}

/// `("https://host:port", "/path?query")` of an absolute URL.
pub(crate) fn split_origin(url: &str) -> Option<(&str, &str)> {
    let scheme_end = url.find("://")?;
    if !has_scheme(url) {
        return None;
    }
    let after = scheme_end + 3;
    let path_start = url[after..]
        .find(['/', '?', '#'])
        .map(|i| after + i)
        .unwrap_or(url.len());
    Some((&url[..path_start], &url[path_start..]))
}

/// The host of an absolute URL, without port or credentials.
pub(crate) fn host(url: &str) -> Option<&str> {
    let (origin, _) = split_origin(url)?;
    let authority = &origin[origin.find("://")? + 3..];
    let authority = authority.rsplit('@').next()?;
    let host = if authority.starts_with('[') {
        &authority[..=authority.find(']')?]
    } else {
        authority.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

fn remove_dot_segments(path: &str) -> String {
    let (path, tail) = match path.find(['?', '#']) {
        Some(i) => (&path[..i], &path[i..]),
        None => (path, ""),
    };
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let mut joined = out.join("/");
    if !joined.starts_with('/') {
        joined.insert(0, '/');
    }
    joined + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_references() {
        let base = "https://example.com/.well-known/csaf/white/changes.csv";
        assert_eq!(
            resolve(base, "2024/esa-001.json").unwrap(),
            "https://example.com/.well-known/csaf/white/2024/esa-001.json"
        );
        assert_eq!(
            resolve(base, "../key.asc").unwrap(),
            "https://example.com/.well-known/csaf/key.asc"
        );
        assert_eq!(resolve(base, "/x").unwrap(), "https://example.com/x");
        assert_eq!(resolve(base, "http://other/y").unwrap(), "http://other/y");
        assert_eq!(
            resolve("https://example.com/dir/", "a.json").unwrap(),
            "https://example.com/dir/a.json"
        );
        assert_eq!(
            resolve("https://example.com", "a.json").unwrap(),
            "https://example.com/a.json"
        );
        assert!(resolve("not a url", "a").is_none());
    }

    #[test]
    fn hosts() {
        assert_eq!(host("https://a.example:8443/x").unwrap(), "a.example");
        assert_eq!(host("http://127.0.0.1:3000/").unwrap(), "127.0.0.1");
        assert!(host("https:///x").is_none());
    }

    struct Redirecting;
    impl Fetch for Redirecting {
        fn get(&mut self, url: &str) -> Result<Fetched, String> {
            Ok(if url.ends_with("/old") {
                Fetched {
                    status: 301,
                    headers: vec![("location".into(), "new".into())],
                    final_url: url.into(),
                    ..Default::default()
                }
            } else {
                Fetched {
                    status: 200,
                    body: b"x".to_vec(),
                    final_url: url.into(),
                    ..Default::default()
                }
            })
        }
    }

    #[test]
    fn follows_and_names_redirects() {
        let (f, chain) = get_following(&mut Redirecting, "https://e.x/a/old").unwrap();
        assert_eq!(f.final_url, "https://e.x/a/new");
        assert_eq!(chain, vec!["https://e.x/a/old".to_string()]);
    }
}
