//! A real server on a loopback port over a real store, for the HTTP tests.
#![allow(dead_code)]

pub mod visitor;

use std::sync::Arc;

use bulwark_core::{ApiToken, SystemClock};
use bulwark_store::{Bootstrap, Store};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

pub struct Srv {
    pub base: String,
    pub http: reqwest::Client,
    pub store: Store,
    pub root_token: String,
    pub root_org: Uuid,
    pub root_user: Uuid,
    pub state: bulwark_server::AppState,
}

pub async fn start(store: Store) -> Srv {
    start_with_clock(store, Arc::new(SystemClock)).await
}

/// A server on a fresh SQLite store whose clock stands at `t0` until the
/// test moves it, with the named reviewing agencies (e.g. NSA, CISA).
pub async fn start_at(
    t0: time::OffsetDateTime,
    reviewing_agencies: &[&str],
) -> (Srv, Arc<bulwark_core::FixedClock>) {
    let clock = Arc::new(bulwark_core::FixedClock::new(t0));
    let srv = start_with_clock(
        bulwark_store::testing::sqlite().await.expect("store"),
        clock.clone(),
    )
    .await;
    for name in reviewing_agencies {
        let (s, v) = srv
            .post(
                "/api/v1/organizations",
                &srv.root_token,
                serde_json::json!({"name": name, "kind": "agency", "reviewing": true}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    (srv, clock)
}

/// A server whose clock the test controls.
pub async fn start_with_clock(store: Store, clock: Arc<dyn bulwark_core::Clock>) -> Srv {
    start_inner(store, clock, false).await
}

/// The host name of [`start_https`]'s server (its certificate's).
#[allow(dead_code)]
pub const HTTPS_HOST: &str = "bulwark.test";

/// A server over TLS with the committed test certificate
/// (`tests/fixtures/tls`), at `https://bulwark.test:PORT`, which is also its
/// CSAF provider's base URL. [`Srv::http`] trusts the test CA and resolves
/// `bulwark.test` and `csaf.data.security.bulwark.test` to loopback; so does
/// [`https_options`] for the CSAF readers' transport.
#[allow(dead_code)]
pub async fn start_https(store: Store) -> Srv {
    start_inner(store, Arc::new(SystemClock), true).await
}

/// The test CA, PEM.
#[allow(dead_code)]
pub fn test_ca_pem() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tls/ca.pem"
    ))
    .expect("ca.pem")
}

/// What a client of [`start_https`]'s server needs: the test CA and the
/// names resolved to the server's address.
#[allow(dead_code)]
pub fn https_options(srv: &Srv) -> bulwark_server::fetch::HttpOptions {
    let addr: std::net::SocketAddr = srv
        .base
        .rsplit_once(':')
        .and_then(|(_, port)| port.parse::<u16>().ok())
        .map(|port| std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .expect("port");
    bulwark_server::fetch::HttpOptions {
        extra_roots_pem: vec![test_ca_pem()],
        bearer: None,
        resolve: vec![
            (HTTPS_HOST.to_owned(), addr),
            (format!("csaf.data.security.{HTTPS_HOST}"), addr),
        ],
    }
}

async fn start_inner(store: Store, clock: Arc<dyn bulwark_core::Clock>, https: bool) -> Srv {
    let token = ApiToken::from_random(bulwark_core::secret::TOKEN_PREFIX, rand_bytes());
    let (org, user, _) = store
        .bootstrap(
            &Bootstrap {
                org_name: "Program Office".into(),
                username: "root".into(),
                display_name: "Root Operator".into(),
                token_hash: token.hash(),
            },
            clock.now(),
        )
        .await
        .expect("bootstrap");
    // Every test server can keep dossier documents: one fixed key, rather
    // than the environment variable `serve` reads, since the tests of one
    // binary run side by side and must not set process-wide variables.
    let master_key = bulwark_app::MasterKey::from_hex(DOSSIER_KEY_HEX);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let base = if https {
        format!("https://{HTTPS_HOST}:{}", addr.port())
    } else {
        format!("http://{addr}")
    };
    let mut settings = bulwark_server::Settings {
        secure_cookies: false,
        body_limit: 64 * 1024,
        intake_limit: INTAKE_LIMIT,
        master_key,
        ..Default::default()
    };
    if https {
        settings.provider.base_url = base.clone();
    }
    let state = bulwark_server::state(store.clone(), clock, settings).expect("state");
    let app_state = state.clone();
    let mut http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    if https {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls");
        let tls = bulwark_server::tls::Tls::from_pem_files(
            std::path::Path::new(&format!("{dir}/server.pem")),
            std::path::Path::new(&format!("{dir}/server.key")),
        )
        .expect("test certificate");
        let listener = bulwark_server::tls::TlsListener::new(listener, &tls).expect("tls");
        tokio::spawn(async move {
            axum::serve(listener, bulwark_server::app(state))
                .await
                .expect("serve");
        });
        http = http
            .add_root_certificate(reqwest::Certificate::from_pem(&test_ca_pem()).expect("ca"))
            .resolve(HTTPS_HOST, addr)
            .resolve(&format!("csaf.data.security.{HTTPS_HOST}"), addr);
    } else {
        tokio::spawn(async move {
            axum::serve(listener, bulwark_server::app(state))
                .await
                .expect("serve");
        });
    }
    Srv {
        base,
        http: http.build().expect("client"),
        store,
        root_token: token.expose().to_owned(),
        root_org: org.id,
        root_user: user.id,
        state: app_state,
    }
}

/// The tests' intake limit: small, so that going over it is cheap.
#[allow(dead_code)]
/// The master key of every test server (`BULWARK_DOSSIER_KEY` in production).
pub const DOSSIER_KEY_HEX: &str =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

pub const INTAKE_LIMIT: u64 = 8 * 1024 * 1024;

pub fn rand_bytes() -> [u8; 32] {
    let mut b = [0u8; 32];
    b[..16].copy_from_slice(Uuid::new_v4().as_bytes());
    b[16..].copy_from_slice(Uuid::new_v4().as_bytes());
    b
}

impl Srv {
    /// Sends a request; returns the status, the content type and the body as JSON (Null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, String, Value) {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("send");
        let status = resp.status();
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = resp.text().await.expect("body");
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, ctype, json)
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let (s, _, v) = self.call(Method::GET, path, Some(token), None).await;
        (s, v)
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        let (s, _, v) = self.call(Method::POST, path, Some(token), Some(body)).await;
        (s, v)
    }

    /// Creates an organization and a user in it with `roles`; returns (org id, user id, token).
    pub async fn member(
        &self,
        org_name: &str,
        kind: &str,
        username: &str,
        roles: &[&str],
    ) -> (String, String, String) {
        let sector = (kind == "partner").then_some("energy");
        let org_id = match self
            .post(
                "/api/v1/organizations",
                &self.root_token,
                serde_json::json!({"name": org_name, "kind": kind, "sector": sector}),
            )
            .await
        {
            (StatusCode::CREATED, v) => v["id"].as_str().expect("id").to_owned(),
            (StatusCode::CONFLICT, _) => {
                let (_, list) = self
                    .get("/api/v1/organizations?limit=500", &self.root_token)
                    .await;
                list["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .find(|o| o["name"] == org_name)
                    .expect("org")["id"]
                    .as_str()
                    .expect("id")
                    .to_owned()
            }
            other => panic!("create org: {other:?}"),
        };
        let (s, user) = self
            .post(
                &format!("/api/v1/organizations/{org_id}/users"),
                &self.root_token,
                serde_json::json!({"username": username, "display_name": username, "roles": roles}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{user}");
        let user_id = user["id"].as_str().expect("id").to_owned();
        let (s, tok) = self
            .post(
                &format!("/api/v1/users/{user_id}/tokens"),
                &self.root_token,
                serde_json::json!({"name": "test"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{tok}");
        (
            org_id,
            user_id,
            tok["token"].as_str().expect("token").to_owned(),
        )
    }

    /// Registers a model profile as `token`'s organization; returns its id.
    pub async fn register_model(&self, token: &str, name: &str, flop: f64) -> String {
        let (s, m) = self
            .post(
                "/api/v1/models",
                token,
                serde_json::json!({"profile": {"name": name, "training_compute_flop": flop}}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        m["id"].as_str().expect("id").to_owned()
    }

    /// POSTs `body` as the bytes of a document of type `media`; the status
    /// and the answer as JSON (Null when it is not).
    pub async fn upload(
        &self,
        token: &str,
        path: &str,
        media: &str,
        body: &[u8],
    ) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", media)
            .body(body.to_vec())
            .send()
            .await
            .expect("send");
        let s = resp.status();
        (s, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn audit_len(&self) -> i64 {
        self.store.audit_verify().await.expect("verify").entries
    }
}

/// KEV, EPSS and CVE records into `store`, as `bulwark import kev|epss|cve`
/// writes them.
#[allow(dead_code)]
pub async fn import_feeds(
    store: &Store,
    kev: &[u8],
    epss: &[u8],
    cves: &[&[u8]],
    at: time::OffsetDateTime,
) {
    use bulwark_app::feeds::{cve_row, epss_row, kev_rows};
    use bulwark_scoring::feeds::epss::EpssReader;
    use bulwark_scoring::feeds::kev::KevCatalog;
    let actor = bulwark_store::Actor::cli();
    let (info, entries) = kev_rows(KevCatalog::parse(kev).expect("KEV"));
    store
        .import_kev(&actor, &info, &entries, at)
        .await
        .expect("import KEV");
    let reader = EpssReader::new(std::io::BufReader::new(epss)).expect("EPSS");
    let model = reader.model().clone();
    let rows: Vec<_> = reader.map(|r| epss_row(r.expect("EPSS row"))).collect();
    store
        .import_epss(
            &actor,
            model.model_version.as_deref().expect("model version"),
            model.score_date.as_deref().expect("score date"),
            rows,
            at,
        )
        .await
        .expect("import EPSS");
    let records: Vec<_> = cves
        .iter()
        .map(|b| cve_row(b).expect("CVE record"))
        .collect();
    store
        .import_cves(&actor, records, at)
        .await
        .expect("import CVEs");
}

/// Validates `case` (in `validating`) by one independent reproduction:
/// the quorum set to one reproduction, a task for `org`, whose member
/// (`org_token`) reports it reproduced; the case must come out validated.
#[allow(dead_code)]
pub async fn validate_by_one_reproduction(
    srv: &Srv,
    case: &str,
    operator: &str,
    org: &str,
    org_token: &str,
) {
    let (s, _, v) = srv
        .call(
            Method::PUT,
            &format!("/api/v1/cases/{case}/quorum"),
            Some(operator),
            Some(serde_json::json!({"reproductions": 1, "vendor_confirms": false})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = srv
        .post(
            &format!("/api/v1/cases/{case}/tasks"),
            operator,
            serde_json::json!({"kind": "reproduction", "org": org}),
        )
        .await;
    assert!(s.is_success(), "{s} {v}");
    let (s, v) = srv
        .post(
            &format!("/api/v1/cases/{case}/validations"),
            org_token,
            serde_json::json!({"kind": "reproduction", "result": "reproduced"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["state"], "validated");
}
