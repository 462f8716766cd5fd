//! The HTTP transport of CSAF reading (`bulwark_distribution::provider::
//! Fetch`), shared by `bulwark csaf check|sync` and the server's scheduled
//! sync of other providers.
//!
//! Redirects are not followed by the client, so that requirement 6 sees
//! them. Nothing is sent with a request unless the operator says so: a
//! bearer token goes only to the origin it was given for (a provider's
//! restricted TLP:GREEN/AMBER distributions), extra trust anchors serve a
//! provider whose certificate a private CA issued, and host overrides
//! (curl's `--resolve`) check a provider before its DNS names point at it.

use std::net::SocketAddr;

use anyhow::Context;
use bulwark_distribution::provider::{Fetch, Fetched};

/// Documents larger than this are not read (a CSAF document is kilobytes;
/// the largest real ones are a few megabytes).
pub const MAX_BODY: usize = 64 * 1024 * 1024;

/// How requests are made beyond a plain GET.
#[derive(Debug, Clone, Default)]
pub struct HttpOptions {
    /// PEM certificates trusted besides the system's roots.
    pub extra_roots_pem: Vec<Vec<u8>>,
    /// `(origin, token)`: sent as `Authorization: Bearer` to that origin
    /// (`https://host[:port]`) only.
    pub bearer: Option<(String, String)>,
    /// `(host, address)`: connect to `address` for `host` (its port from
    /// the address), as curl's `--resolve`.
    pub resolve: Vec<(String, SocketAddr)>,
}

/// HTTP(S) GETs for the provider readers; redirects come back as they are.
pub struct HttpFetch {
    client: reqwest::Client,
    bearer: Option<(String, String)>,
    handle: tokio::runtime::Handle,
}

impl HttpFetch {
    /// Must be called within a Tokio runtime: the readers are synchronous
    /// and drive each request on that runtime from a blocking thread.
    pub fn new(options: HttpOptions) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(60))
            .user_agent(concat!(
                "bulwark/",
                env!("CARGO_PKG_VERSION"),
                " (CSAF reader)"
            ));
        for pem in &options.extra_roots_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .context("the trusted certificates are not PEM")?;
            if certs.is_empty() {
                anyhow::bail!("no PEM certificate in the trusted certificates");
            }
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        for (host, addr) in &options.resolve {
            builder = builder.resolve(host, *addr);
        }
        let client = builder.build().context("cannot build the HTTP client")?;
        Ok(HttpFetch {
            client,
            bearer: options
                .bearer
                .map(|(o, t)| (o.trim_end_matches('/').to_owned(), t)),
            handle: tokio::runtime::Handle::current(),
        })
    }
}

/// The transport of the subscribed sources (`bulwark_app::csaf_sources`),
/// scheduled or run by hand: plain GETs trusting the system's roots, with
/// no credential and no host override. Called on the runtime, as
/// [`HttpFetch::new`] must be.
pub fn plain(_url: &str) -> Result<Box<dyn Fetch + Send>, String> {
    HttpFetch::new(HttpOptions::default())
        .map(|f| Box::new(f) as Box<dyn Fetch + Send>)
        .map_err(|e| format!("{e:#}"))
}

/// `scheme://host[:port]` of `url`, lower-case.
fn origin_of(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    Some(u.origin().ascii_serialization().to_ascii_lowercase())
}

impl Fetch for HttpFetch {
    /// Runs on a blocking thread (the sync and the check are synchronous):
    /// each request is driven to its end on the runtime from there.
    fn get(&mut self, url: &str) -> Result<Fetched, String> {
        let client = self.client.clone();
        let url = url.to_owned();
        let token = self.bearer.as_ref().and_then(|(origin, token)| {
            origin_of(&url)
                .is_some_and(|o| o.eq_ignore_ascii_case(origin))
                .then(|| token.clone())
        });
        self.handle.block_on(async move {
            let mut request = client.get(&url);
            if let Some(t) = token {
                request = request.bearer_auth(t);
            }
            let resp = request.send().await.map_err(|e| error_chain(&e))?;
            let status = resp.status().as_u16();
            let final_url = resp.url().to_string();
            let tls = resp.url().scheme() == "https";
            let headers = resp
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            if resp.content_length().is_some_and(|n| n as usize > MAX_BODY) {
                return Err(format!("larger than {MAX_BODY} bytes"));
            }
            let body = resp.bytes().await.map_err(|e| error_chain(&e))?;
            if body.len() > MAX_BODY {
                return Err(format!("larger than {MAX_BODY} bytes"));
            }
            Ok(Fetched {
                status,
                headers,
                body: body.to_vec(),
                final_url,
                tls,
            })
        })
    }
}

/// reqwest's error with its causes: "error sending request" alone does not
/// say that the certificate was not trusted.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_without_path() {
        assert_eq!(
            origin_of("https://Example.com:8443/.well-known/csaf/x.json").as_deref(),
            Some("https://example.com:8443")
        );
        assert_eq!(
            origin_of("https://example.com/").as_deref(),
            Some("https://example.com")
        );
        assert_eq!(origin_of("not a url"), None);
    }
}
