//! A cookie-keeping visitor of the web pages, signed in through the form,
//! for the tests that drive the pages over plain HTTP.
#![allow(dead_code)]

use std::collections::BTreeMap;

use bulwark_store::Actor;
use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};

/// Every test person's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// Gives `user` the password [`PASSWORD`].
pub async fn set_password(srv: &super::Srv, user: uuid::Uuid) {
    let hash = bulwark_server::state::hash_password(PASSWORD.into())
        .await
        .expect("hash");
    srv.store
        .set_password_hash(&Actor::cli(), user, &hash, srv.state.now())
        .await
        .expect("password");
}

pub struct Page {
    pub status: StatusCode,
    pub location: String,
    pub content_type: String,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Page {
    /// The value of the first hidden `csrf` field (the sign-out form's on
    /// every signed-in page: the session's token).
    pub fn csrf(&self) -> String {
        let start = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a csrf field")
            + 19;
        let len = self.body[start..].find('"').expect("end of value");
        self.body[start..start + len].to_owned()
    }

    /// Where `needle` first occurs; fails the test when it does not.
    pub fn at(&self, needle: &str) -> usize {
        self.body
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in the page:\n{}", self.body))
    }
}

/// A cookie-keeping client that follows no redirects.
pub struct Visitor {
    pub base: String,
    pub http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
}

impl Visitor {
    pub fn new(srv: &super::Srv) -> Visitor {
        Visitor {
            base: srv.base.clone(),
            http: srv.http.clone(),
            cookies: BTreeMap::new(),
        }
    }

    pub async fn finish(&mut self, req: reqwest::RequestBuilder) -> Page {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let req = if cookie.is_empty() {
            req
        } else {
            req.header("cookie", cookie)
        };
        let resp = req.send().await.expect("send");
        let status = resp.status();
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let location = header(LOCATION);
        let content_type = header(reqwest::header::CONTENT_TYPE);
        for c in resp
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            let first = c.split(';').next().unwrap_or_default();
            let (name, value) = first.split_once('=').expect("name=value");
            if c.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let bytes = resp.bytes().await.expect("body").to_vec();
        Page {
            status,
            location,
            content_type,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{}", self.base, path));
        self.finish(req).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self.http.post(format!("{}{}", self.base, path)).form(form);
        self.finish(req).await
    }

    pub async fn sign_in(srv: &super::Srv, username: &str) -> Visitor {
        let mut v = Visitor::new(srv);
        let form = v.get("/login").await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = form.csrf();
        let done = v
            .post(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("username", username),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(done.location, "/");
        v
    }
}
