//! The web pages, over real HTTP against the real app on a temporary SQLite
//! file: sign-in, sessions, CSRF, the pages, the policy, escaping, headers.

use crate::common;

use std::collections::BTreeMap;

use bulwark_core::{ApiToken, OrgKind, PrincipalKind, Role, RoleSet};
use bulwark_store::{Actor, NewOrganization, NewUser, Store};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery staple";
const CSP: &str = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
const JOBS: [(&str, &str); 6] = [
    ("/frontier", "Frontier benchmarks"),
    ("/reviews", "Reviews"),
    ("/partners", "Trusted partners"),
    ("/clearinghouse", "Clearinghouse"),
    ("/directives", "Directives"),
    ("/tools", "Defensive tools"),
];

struct App {
    base: String,
    store: Store,
    root_token: String,
    root_org: Uuid,
    root_user: Uuid,
}

/// The shared test server (`common::start`) with a password for `root`.
async fn start() -> App {
    let srv = common::start(bulwark_store::testing::sqlite().await.expect("store")).await;
    let hash = bulwark_server::state::hash_password(PASSWORD.into())
        .await
        .expect("hash");
    srv.store
        .set_password_hash(
            &Actor::cli(),
            srv.root_user,
            &hash,
            OffsetDateTime::now_utc(),
        )
        .await
        .expect("password");
    App {
        base: srv.base,
        store: srv.store,
        root_token: srv.root_token,
        root_org: srv.root_org,
        root_user: srv.root_user,
    }
}

impl App {
    fn browser(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: BTreeMap::new(),
        }
    }

    /// An API call with a bearer token: status and JSON body.
    async fn api(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let resp = reqwest::Client::new()
            .get(format!("{}{}", self.base, path))
            .bearer_auth(token)
            .send()
            .await
            .expect("send");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn audit_actions(&self) -> Vec<(String, String)> {
        let (status, body) = self.api("/api/v1/audit?limit=1000", &self.root_token).await;
        assert_eq!(status, StatusCode::OK);
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap_or_default().to_owned(),
                    e["resource_id"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    async fn root_token_count(&self) -> usize {
        let (status, body) = self
            .api(
                &format!("/api/v1/users/{}/tokens", self.root_user),
                &self.root_token,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        body["items"].as_array().expect("items").len()
    }

    /// A developer organization with an analyst who can sign in.
    async fn developer(&self) -> Uuid {
        self.member(
            "Frontier Lab",
            OrgKind::Developer,
            false,
            "dev",
            "Dee Veloper",
            Role::Analyst,
        )
        .await
    }

    /// An organization (made if need be) with a user who can sign in; its id.
    async fn member(
        &self,
        org_name: &str,
        kind: OrgKind,
        reviewing: bool,
        username: &str,
        display_name: &str,
        role: Role,
    ) -> Uuid {
        let now = OffsetDateTime::now_utc();
        let org = self
            .store
            .create_organization(
                &Actor::cli(),
                &NewOrganization {
                    name: org_name.into(),
                    kind,
                    sector: None,
                    reviewing,
                },
                now,
            )
            .await
            .expect("org");
        let user = self
            .store
            .create_user(
                &Actor::cli(),
                &NewUser {
                    org_id: org.id,
                    username: username.into(),
                    display_name: display_name.into(),
                    kind: PrincipalKind::Human,
                    roles: RoleSet::new([role]),
                },
                now,
            )
            .await
            .expect("user");
        let hash = bulwark_server::state::hash_password(PASSWORD.into())
            .await
            .expect("hash");
        self.store
            .set_password_hash(&Actor::cli(), user.id, &hash, now)
            .await
            .expect("password");
        org.id
    }

    /// An API call as root with a body: status and JSON body.
    async fn api_post(&self, path: &str, content_type: &str, body: String) -> (StatusCode, Value) {
        let resp = reqwest::Client::new()
            .post(format!("{}{}", self.base, path))
            .bearer_auth(&self.root_token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("send");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Loads, as the operator, a public set `public@1` and a restricted set
    /// `secret@1`, both in force, and registers a model of `owner`, covered
    /// under the public set and lacking a score for the restricted one; its
    /// id.
    async fn frontier(&self, owner: Uuid) -> String {
        for (id, visibility, words, threshold) in [
            ("public", "public", "Public compute threshold", "1e26"),
            ("secret", "restricted", "Secret compute threshold", "1e27"),
        ] {
            let toml = format!(
                r#"id = "{id}"
version = "1"
effective = "2020-01-01"
title = "Test set {id}"
issued_by = ["NSA"]
visibility = "{visibility}"

[[criterion]]
id = "compute"
description = "{words}"
source = "test"
when = "training_compute_flop > {threshold}"
outcome = "covered"

[[criterion]]
id = "cyber"
description = "{words}: cyber"
source = "test"
when = "evals.cybench > 0.5"
outcome = "covered"
"#
            );
            let (status, body) = self
                .api_post("/api/v1/benchmarks", "application/toml", toml)
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        let (status, model) = self
            .api_post(
                "/api/v1/models",
                "application/json",
                serde_json::json!({
                    "owner_org": owner,
                    "profile": {"name": "Lab-Big", "training_compute_flop": 2e26}
                })
                .to_string(),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{model}");
        model["id"].as_str().expect("id").to_owned()
    }
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    }

    /// The value of the first hidden `csrf` field.
    fn csrf(&self) -> String {
        let start = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a csrf field")
            + 19;
        let len = self.body[start..].find('"').expect("end of value");
        self.body[start..start + len].to_owned()
    }
}

/// A browser with a cookie jar, following no redirects.
struct Browser {
    base: String,
    http: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, req: reqwest::RequestBuilder) -> Page {
        let req = if self.cookies.is_empty() {
            req
        } else {
            req.header("cookie", self.cookie_header())
        };
        let resp = req.send().await.expect("send");
        let status = resp.status();
        let headers = resp.headers().clone();
        for c in headers
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
        let body = resp.text().await.expect("body");
        Page {
            status,
            headers,
            body,
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{}", self.base, path));
        self.finish(req).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self.http.post(format!("{}{}", self.base, path)).form(form);
        self.finish(req).await
    }

    async fn sign_in(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = form.csrf();
        self.post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    }

    /// The session's CSRF token, from the dashboard's sign-out form.
    async fn session_csrf(&mut self) -> String {
        let page = self.get("/").await;
        assert_eq!(page.status, StatusCode::OK);
        page.csrf()
    }
}

fn assert_security_headers(page: &Page) {
    assert_eq!(page.header("content-security-policy"), CSP);
    assert_eq!(page.header("x-frame-options"), "DENY");
    assert_eq!(page.header("cache-control"), "no-store");
}

#[tokio::test]
async fn pages_without_a_session_redirect_to_sign_in() {
    let app = start().await;
    let mut b = app.browser();
    for path in ["/", "/account", "/audit", "/organizations", "/frontier"] {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location(), "/login", "{path}");
    }
    // A made-up session cookie is no session either, and is dropped.
    b.cookies
        .insert("bulwark_session".into(), format!("bws_{}", "A".repeat(43)));
    let page = b.get("/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(!b.cookies.contains_key("bulwark_session"));

    let login = b.get("/login").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.header("content-type").starts_with("text/html"));
    assert_security_headers(&login);
    assert!(login.body.contains("<html lang=\"en\">"));
    assert!(
        login.body.contains("<label for=\"username\">")
            && login.body.contains("<label for=\"password\">")
    );
    assert!(login.body.contains("href=\"#main\""), "skip link");
    assert!(!login.body.contains("<script"), "no scripts");
    assert!(
        !login.body.contains("http://") && !login.body.contains("https://"),
        "nothing from elsewhere"
    );
    let csrf_cookie = login
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("bulwark_login_csrf="))
        .expect("login CSRF cookie");
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Strict"));
    assert_eq!(b.cookies.get("bulwark_login_csrf"), Some(&login.csrf()));
}

#[tokio::test]
async fn sign_in_needs_the_login_csrf_token() {
    let app = start().await;
    let mut b = app.browser();
    // Neither cookie nor field.
    let page = b
        .post("/login", &[("username", "root"), ("password", PASSWORD)])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!b.cookies.contains_key("bulwark_session"));
    // A field without the cookie.
    let mut other = app.browser();
    let form = other.get("/login").await;
    let page = app
        .browser()
        .post(
            "/login",
            &[
                ("csrf", &form.csrf()),
                ("username", "root"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // The cookie with a different field.
    let mut b = app.browser();
    b.get("/login").await;
    let wrong = "x".repeat(43);
    let page = b
        .post(
            "/login",
            &[
                ("csrf", &wrong),
                ("username", "root"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.set_cookies()
            .iter()
            .all(|c| !c.starts_with("bulwark_session="))
    );
    assert!(!b.cookies.contains_key("bulwark_session"));
    // Nothing was even tried: no refusal was recorded.
    assert!(
        app.audit_actions()
            .await
            .iter()
            .all(|(a, _)| a != "session.refused")
    );
}

#[tokio::test]
async fn wrong_credentials_are_refused_alike_and_audited() {
    let app = start().await;
    let mut b = app.browser();
    let wrong = b.sign_in("root", "not the password at all").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Wrong username or password."));
    assert!(!wrong.body.contains("not the password at all"));
    assert!(!b.cookies.contains_key("bulwark_session"));

    let long_name = "n".repeat(100);
    let unknown = b.sign_in(&long_name, PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(unknown.body.contains("Wrong username or password."));
    // The two refusals read the same apart from the echoed username and the token.
    let strip = |p: &Page, name: &str| p.body.replace(&p.csrf(), "").replace(name, "");
    assert_eq!(strip(&wrong, "root"), strip(&unknown, &"n".repeat(64)));

    let audit = app.audit_actions().await;
    let refused: Vec<&str> = audit
        .iter()
        .filter(|(a, _)| a == "session.refused")
        .map(|(_, r)| r.as_str())
        .collect();
    assert_eq!(refused, vec!["root", &"n".repeat(64)]);
    let (_, everything) = app.api("/api/v1/audit?limit=1000", &app.root_token).await;
    assert!(!everything.to_string().contains("not the password"));
    assert!(!everything.to_string().contains(PASSWORD));
}

#[tokio::test]
async fn repeated_failures_lock_the_username_for_a_while() {
    let app = start().await;
    let mut b = app.browser();
    for _ in 0..5 {
        assert_eq!(
            b.sign_in("root", "wrong password again").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Now even the right password is refused, without a password check.
    let locked = b.sign_in("root", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.body.contains("Too many failed sign-ins"));
    assert!(!b.cookies.contains_key("bulwark_session"));
    let refused = app
        .audit_actions()
        .await
        .iter()
        .filter(|(a, _)| a == "session.refused")
        .count();
    assert_eq!(
        refused, 5,
        "the locked attempt is not a sixth password check"
    );
}

#[tokio::test]
async fn sign_in_opens_a_session_and_shows_the_dashboard() {
    let app = start().await;
    let mut b = app.browser();
    let page = b.sign_in("root", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/");
    let cookie = page
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("bulwark_session=bws_"))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(cookie.contains("Max-Age=28800"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain-HTTP development setting: {cookie}"
    );
    assert!(
        !b.cookies.contains_key("bulwark_login_csrf"),
        "the login token is spent"
    );
    assert!(
        app.audit_actions()
            .await
            .iter()
            .any(|(a, _)| a == "session.create")
    );

    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert_security_headers(&home);
    assert!(home.body.contains("root"));
    assert!(home.body.contains("Program Office"));
    assert!(home.body.contains("operator"));
    assert!(home.body.contains("admin"));
    for (path, title) in JOBS {
        assert!(home.body.contains(&format!("href=\"{path}\"")), "{path}");
        assert!(home.body.contains(title), "{title}");
        let job = b.get(path).await;
        assert_eq!(job.status, StatusCode::OK, "{path}");
        assert_eq!(
            job.body.contains("Not available yet"),
            ![
                "/frontier",
                "/reviews",
                "/partners",
                "/clearinghouse",
                "/directives",
                "/tools"
            ]
            .contains(&path),
            "{path}"
        );
        assert!(job.body.contains("aria-current=\"page\""), "{path}");
    }
    for link in ["/organizations", "/account", "/audit"] {
        assert!(home.body.contains(&format!("href=\"{link}\"")), "{link}");
    }
    // Already signed in: the sign-in page sends you home.
    assert_eq!(b.get("/login").await.location(), "/");

    let css = b.get("/static/bulwark.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header("content-type").starts_with("text/css"));
    assert!(css.body.contains(":focus-visible"));

    let audit = b.get("/audit").await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.body.contains("Intact."));
    assert!(audit.body.contains("session.create"));
    assert!(audit.body.contains("program.bootstrap"));
}

#[tokio::test]
async fn forms_without_the_session_csrf_token_change_nothing() {
    let app = start().await;
    let mut b = app.browser();
    b.sign_in("root", PASSWORD).await;
    let before = app.root_token_count().await;

    let missing = b.post("/account/tokens", &[("name", "sneaky")]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert_security_headers(&missing);
    let wrong = b
        .post(
            "/account/tokens",
            &[("csrf", "0123456789"), ("name", "sneaky")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(app.root_token_count().await, before);

    // Another session's token is no good either.
    let mut other = app.browser();
    other.sign_in("root", PASSWORD).await;
    let foreign = other.session_csrf().await;
    let crossed = b
        .post("/account/tokens", &[("csrf", &foreign), ("name", "sneaky")])
        .await;
    assert_eq!(crossed.status, StatusCode::FORBIDDEN);
    assert_eq!(app.root_token_count().await, before);

    let out = b.post("/logout", &[("csrf", "nope")]).await;
    assert_eq!(out.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/").await.status, StatusCode::OK, "still signed in");

    // Without a session at all, a form goes to sign-in.
    let anon = app
        .browser()
        .post("/account/tokens", &[("csrf", &foreign), ("name", "x")])
        .await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    assert_eq!(anon.location(), "/login");
    assert_eq!(app.root_token_count().await, before);
}

#[tokio::test]
async fn tokens_are_issued_shown_once_and_revoked_from_the_account_page() {
    let app = start().await;
    let mut b = app.browser();
    b.sign_in("root", PASSWORD).await;
    let account = b.get("/account").await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(account.body.contains("bootstrap"));
    assert!(
        account.body.contains("<label for=\"name\">")
            && account.body.contains("<label for=\"expires\">")
    );
    let csrf = account.csrf();

    let empty = b
        .post("/account/tokens", &[("csrf", &csrf), ("name", "  ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let past = b
        .post(
            "/account/tokens",
            &[("csrf", &csrf), ("name", "old"), ("expires", "2001-01-01")],
        )
        .await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
    let garbled = b
        .post(
            "/account/tokens",
            &[("csrf", &csrf), ("name", "odd"), ("expires", "soon")],
        )
        .await;
    assert_eq!(garbled.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.root_token_count().await, 1);

    let issued = b
        .post(
            "/account/tokens",
            &[("csrf", &csrf), ("name", "CI pipeline"), ("expires", "")],
        )
        .await;
    assert_eq!(issued.status, StatusCode::CREATED);
    assert_security_headers(&issued);
    let start = issued.body.find("bwk_").expect("the new secret");
    let secret = issued.body[start..start + 47].to_owned();
    assert!(
        ApiToken::parse(bulwark_core::secret::TOKEN_PREFIX, &secret).is_some(),
        "{secret}"
    );

    let (status, me) = app.api("/api/v1/me", &secret).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "root");

    // Shown once: the account page lists the token, never its secret.
    let later = b.get("/account").await;
    assert!(later.body.contains("CI pipeline"));
    assert!(!later.body.contains(&secret));
    assert!(!later.body.contains("bwk_"));

    // A dated token works too.
    let dated = b
        .post(
            "/account/tokens",
            &[
                ("csrf", &csrf),
                ("name", "dated"),
                ("expires", "2999-12-31"),
            ],
        )
        .await;
    assert_eq!(dated.status, StatusCode::CREATED);
    assert!(
        dated.body.contains("3000-01-01T00:00:00Z"),
        "valid until the end of the day"
    );

    // Revoke the CI token through its button.
    let (_, list) = app
        .api(
            &format!("/api/v1/users/{}/tokens", app.root_user),
            &app.root_token,
        )
        .await;
    let id = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["name"] == "CI pipeline")
        .and_then(|t| t["id"].as_str())
        .expect("token id")
        .to_owned();
    let action = format!("/account/tokens/{id}/revoke");
    assert!(later.body.contains(&action));
    let no_csrf = b.post(&action, &[]).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    assert_eq!(app.api("/api/v1/me", &secret).await.0, StatusCode::OK);
    let revoked = b.post(&action, &[("csrf", &csrf)]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(revoked.location(), "/account");
    assert_eq!(
        app.api("/api/v1/me", &secret).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        !b.get("/account").await.body.contains(&action),
        "no button for a revoked token"
    );
    let again = b.post(&action, &[("csrf", &csrf)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let nonsense = b
        .post("/account/tokens/not-an-id/revoke", &[("csrf", &csrf)])
        .await;
    assert_eq!(nonsense.status, StatusCode::NOT_FOUND);
    assert!(nonsense.header("content-type").starts_with("text/html"));

    let audit = app.audit_actions().await;
    assert!(audit.iter().any(|(a, r)| a == "token.revoke" && *r == id));
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = start().await;
    let mut b = app.browser();
    b.sign_in("root", PASSWORD).await;
    let old = b.cookies.get("bulwark_session").expect("session").clone();
    let csrf = b.session_csrf().await;
    let out = b.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/login");
    assert!(
        out.set_cookies()
            .iter()
            .any(|c| c.starts_with("bulwark_session=;") && c.contains("Max-Age=0"))
    );
    assert!(!b.cookies.contains_key("bulwark_session"));
    assert!(
        app.audit_actions()
            .await
            .iter()
            .any(|(a, _)| a == "session.delete")
    );

    // The old cookie, replayed, no longer opens anything.
    b.cookies.insert("bulwark_session".into(), old);
    let page = b.get("/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login");
}

#[tokio::test]
async fn the_policy_decides_what_a_developer_sees() {
    let app = start().await;
    let dev_org = app.developer().await;
    let mut b = app.browser();
    assert_eq!(
        b.sign_in("dev", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Frontier Lab") && home.body.contains("analyst"));
    assert!(!home.body.contains("href=\"/audit\""));
    let audit = b.get("/audit").await;
    assert_eq!(audit.status, StatusCode::FORBIDDEN);
    assert_security_headers(&audit);
    assert!(audit.body.contains("Not permitted"));
    assert!(!audit.body.contains("session.create"));

    // The directory is open; the operator's users are not listed to outsiders.
    let orgs = b.get("/organizations").await;
    assert!(orgs.body.contains("Program Office") && orgs.body.contains("Frontier Lab"));
    let root_org = b.get(&format!("/organizations/{}", app.root_org)).await;
    assert_eq!(root_org.status, StatusCode::OK);
    assert!(root_org.body.contains("does not let you list"));
    assert!(!root_org.body.contains("Root Operator"));
    let own = b.get(&format!("/organizations/{dev_org}")).await;
    assert!(own.body.contains("Dee Veloper"));
    assert_eq!(
        b.get("/organizations/nope").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.get(&format!("/organizations/{}", Uuid::now_v7()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The operator admin sees everyone.
    let mut root = app.browser();
    root.sign_in("root", PASSWORD).await;
    assert!(
        root.get(&format!("/organizations/{dev_org}"))
            .await
            .body
            .contains("Dee Veloper")
    );
}

#[tokio::test]
async fn names_are_escaped_and_directory_pages() {
    let app = start().await;
    let now = OffsetDateTime::now_utc();
    app.store
        .create_organization(
            &Actor::cli(),
            &NewOrganization {
                name: "<script>alert(1)</script>".into(),
                kind: OrgKind::Vendor,
                sector: None,
                reviewing: false,
            },
            now,
        )
        .await
        .expect("org");
    let mut b = app.browser();
    b.sign_in("root", PASSWORD).await;
    let orgs = b.get("/organizations").await;
    assert_eq!(orgs.status, StatusCode::OK);
    let escaped = [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&#60;script&#62;alert(1)&#60;/script&#62;",
    ];
    assert!(
        escaped.iter().any(|e| orgs.body.contains(e)),
        "the name is shown, escaped"
    );
    assert!(!orgs.body.contains("<script"));

    // Pagination: 60 more organizations make a second page.
    for i in 0..60 {
        app.store
            .create_organization(
                &Actor::cli(),
                &NewOrganization {
                    name: format!("Vendor {i:02}"),
                    kind: OrgKind::Vendor,
                    sector: None,
                    reviewing: false,
                },
                now,
            )
            .await
            .expect("org");
    }
    let first = b.get("/organizations").await;
    let at = first
        .body
        .find("/organizations?cursor=")
        .expect("a next link")
        + "/organizations?cursor=".len();
    let len = first.body[at..].find('"').expect("end of link");
    let cursor = first.body[at..at + len].to_owned();
    let second = b.get(&format!("/organizations?cursor={cursor}")).await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(second.body.contains("Vendor 59"));
    assert!(
        !second
            .body
            .contains(&format!("href=\"/organizations/{}\"", app.root_org))
    );
    assert!(
        first
            .body
            .contains(&format!("href=\"/organizations/{}\"", app.root_org))
    );
    assert!(
        !second.body.contains("/organizations?cursor="),
        "the last page"
    );
    let bad = b.get("/organizations?cursor=garbage").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.header("content-type").starts_with("text/html"));
}

#[tokio::test]
async fn frontier_pages_withhold_restricted_criteria_and_hide_others_models() {
    let app = start().await;
    let dev_org = app.developer().await;
    app.member(
        "NSA",
        OrgKind::Agency,
        true,
        "reviewer",
        "Rev Iewer",
        Role::Viewer,
    )
    .await;
    app.member(
        "Other Lab",
        OrgKind::Developer,
        false,
        "other",
        "Oth Er",
        Role::Analyst,
    )
    .await;
    let model = app.frontier(dev_org).await;
    let model_path = format!("/frontier/models/{model}");

    // The developer: the sets in force, its model in the registry, the pre-check link.
    let mut dev = app.browser();
    dev.sign_in("dev", PASSWORD).await;
    let overview = dev.get("/frontier").await;
    assert_eq!(overview.status, StatusCode::OK);
    assert_security_headers(&overview);
    assert!(!overview.body.contains("Not available yet"));
    assert!(overview.body.contains("aria-current=\"page\""));
    for text in [
        "public@1",
        "secret@1",
        "Test set secret",
        "restricted",
        "2020-01-01",
        "Frontier Lab",
        "AMBER+STRICT",
        "covered",
        "href=\"/frontier/precheck\"",
    ] {
        assert!(overview.body.contains(text), "{text}");
    }
    assert!(overview.body.contains(&format!("href=\"{model_path}\"")));

    // Its model page: the public set's criteria, not the restricted set's.
    let page = dev.get(&model_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Lab-Big"));
    assert!(page.body.contains("2e26"), "the profile's facts");
    assert!(page.body.contains("Public compute threshold"));
    assert!(!page.body.contains("Secret compute threshold"));
    assert!(
        page.body
            .contains("The criteria of this restricted set are withheld")
    );
    assert!(
        page.body.contains("<code>evals.cybench</code>"),
        "missing evidence is named even for the restricted set"
    );

    // A reviewing agency's viewer sees both sets' criteria.
    let mut reviewer = app.browser();
    reviewer.sign_in("reviewer", PASSWORD).await;
    let page = reviewer.get(&model_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Public compute threshold"));
    assert!(page.body.contains("Secret compute threshold"));
    assert!(!page.body.contains("withheld"));

    // Another developer: not in its registry, and a 404 like a model that does not exist.
    let mut other = app.browser();
    other.sign_in("other", PASSWORD).await;
    let overview = other.get("/frontier").await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(!overview.body.contains("Lab-Big"));
    let denied = other.get(&model_path).await;
    assert_eq!(denied.status, StatusCode::NOT_FOUND);
    assert!(!denied.body.contains("Lab-Big"));
    let absent = other
        .get(&format!("/frontier/models/{}", Uuid::now_v7()))
        .await;
    assert_eq!(absent.status, StatusCode::NOT_FOUND);
    assert_eq!(denied.body, absent.body, "existence is not disclosed");
    assert_eq!(
        other.get("/frontier/models/nope").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other.get("/frontier?cursor=garbage").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_precheck_form_explains_refusals_and_stores_nothing() {
    let app = start().await;
    let dev_org = app.developer().await;
    app.frontier(dev_org).await;
    let mut b = app.browser();
    b.sign_in("dev", PASSWORD).await;
    let form = b.get("/frontier/precheck").await;
    assert_eq!(form.status, StatusCode::OK);
    assert_security_headers(&form);
    for field in [
        "name",
        "organization",
        "parameters",
        "active_parameters",
        "training_tokens",
        "training_compute_flop",
        "evals",
    ] {
        assert!(
            form.body.contains(&format!("<label for=\"{field}\">")),
            "{field}"
        );
    }
    let csrf = form.csrf();

    // Without the session's token: refused.
    let forged = b
        .post("/frontier/precheck", &[("name", "X"), ("parameters", "1")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // A bad number: the form again, with the input and a clear message.
    let bad = b
        .post(
            "/frontier/precheck",
            &[
                ("csrf", &csrf),
                ("name", "B-new"),
                ("parameters", "lots"),
                ("evals", "cybench = 0.9\nmmlu = 7"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("role=\"alert\""));
    assert!(bad.body.contains("is not a number"), "{}", bad.body);
    assert!(bad.body.contains("value=\"lots\""));
    assert!(bad.body.contains("value=\"B-new\""));
    assert!(bad.body.contains("id=\"parameters\" name=\"parameters\""));
    assert!(bad.body.contains("aria-invalid=\"true\""));
    assert!(bad.body.contains("Evaluation scores, line 2"));
    assert!(bad.body.contains("mmlu = 7"), "the scores are shown again");
    assert!(!bad.body.contains("Nothing was stored"));
    let inverted = b
        .post(
            "/frontier/precheck",
            &[
                ("csrf", &csrf),
                ("name", "B-new"),
                ("parameters", "1e9"),
                ("active_parameters", "2e9"),
            ],
        )
        .await;
    assert_eq!(inverted.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(inverted.body.contains("exceeds parameters"));

    // A good one: the outcome under every set in force, the restricted criteria withheld.
    let good = b
        .post(
            "/frontier/precheck",
            &[
                ("csrf", &csrf),
                ("name", "B-new"),
                ("organization", ""),
                ("parameters", "1.5e12"),
                ("training_compute_flop", "3e26"),
                ("evals", "cybench = 0.2\n"),
            ],
        )
        .await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.body);
    assert!(good.body.contains("Nothing was stored"));
    assert!(good.body.contains("public@1") && good.body.contains("secret@1"));
    assert!(good.body.contains("outcome-covered"));
    assert!(good.body.contains("Public compute threshold"));
    assert!(!good.body.contains("Secret compute threshold"));
    assert!(good.body.contains("withheld"));
    assert!(!good.body.contains("aria-invalid"));

    let (_, models) = app.api("/api/v1/models", &app.root_token).await;
    assert_eq!(
        models["items"].as_array().expect("items").len(),
        1,
        "the pre-check stored nothing"
    );
}

/// WCAG 2.4.2 and 3.2.3 for dead links: a browser gets a page with a title,
/// a language and a way back (the navigation when signed in); an API client
/// asking for JSON, or for anything (`*/*`, curl's default), keeps RFC 9457.
#[tokio::test]
async fn a_missing_page_is_a_page_for_browsers_and_a_problem_for_clients() {
    const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let app = start().await;
    let http = reqwest::Client::new();
    let get = |path: &'static str, accept: &'static str| {
        http.get(format!("{}{path}", app.base))
            .header("accept", accept)
            .send()
    };

    let anonymous = get("/no/such/page", BROWSER).await.expect("send");
    assert_eq!(anonymous.status(), StatusCode::NOT_FOUND);
    assert!(
        anonymous.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/html")
    );
    assert!(anonymous.headers().contains_key("content-security-policy"));
    let body = anonymous.text().await.expect("body");
    assert!(body.contains("<html lang=\"en\""), "{body}");
    assert!(body.contains("<title>Page not found"), "{body}");
    assert!(body.contains("/no/such/page"), "{body}");
    assert!(body.contains("href=\"/login\""), "a way back: {body}");

    for accept in [
        "application/json",
        "*/*",
        "application/problem+json, text/html;q=0.5",
    ] {
        let api = get("/no/such/page", accept).await.expect("send");
        assert_eq!(api.status(), StatusCode::NOT_FOUND, "{accept}");
        assert_eq!(
            api.headers()["content-type"],
            "application/problem+json",
            "{accept}"
        );
        let problem: serde_json::Value = api.json().await.expect("problem");
        assert_eq!(problem["status"], 404, "{accept}");
    }

    // Signed in: the navigation and the dashboard as the way back.
    let mut b = app.browser();
    b.sign_in("root", PASSWORD).await;
    let req = b
        .http
        .get(format!("{}/clearinghouse/nothing-here", app.base))
        .header("accept", BROWSER);
    let page = b.finish(req).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("Back to the dashboard"), "{}", page.body);
    assert!(page.body.contains("Sign out"), "{}", page.body);

    // A method the path does not take, from a browser form.
    let wrong = http
        .delete(format!("{}/login", app.base))
        .header("accept", BROWSER)
        .send()
        .await
        .expect("send");
    assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body = wrong.text().await.expect("body");
    assert!(body.contains("<title>Not allowed here"), "{body}");
}
