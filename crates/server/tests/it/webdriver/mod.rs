//! A minimal W3C WebDriver client for the browser tests: it starts Debian's
//! chromedriver on a free loopback port, opens one headless Chromium session
//! with a fresh profile, and speaks the few commands the tests need.
//!
//! Hand-written on purpose: the tests use eight commands of a JSON-over-HTTP
//! protocol (new session, navigate, find element, send keys, click, element
//! text, page source, delete session), which `reqwest` and `serde_json`
//! already cover; a WebDriver crate would add a heavy dependency tree for
//! that.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The key under which WebDriver names an element (W3C "web element identifier").
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Fails the test, naming what to install, when the browser is missing: a
/// browser test that cannot run must not pass.
pub fn require_chromium() {
    for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
        assert!(
            Path::new(path).exists(),
            "{path} is missing: the browser tests need the Debian package {package} \
             (apt-get install -y chromium chromium-driver; .ci/run installs it)"
        );
    }
}

/// chromedriver and one browser session; both end when this is dropped.
pub struct Browser {
    driver: Child,
    port: u16,
    http: reqwest::Client,
    session: Option<String>,
    profile: PathBuf,
}

/// An element of the current page, as the driver names it.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Browser {
    /// Starts chromedriver and a headless Chromium session.
    pub async fn start() -> Browser {
        require_chromium();
        let port = free_port();
        let profile =
            std::env::temp_dir().join(format!("bulwark-chromium-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&profile).expect("profile directory");
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        let mut browser = Browser {
            driver,
            port,
            http: reqwest::Client::new(),
            session: None,
            profile,
        };
        browser.wait_until_ready().await;
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    format!("--user-data-dir={}", browser.profile.display()),
                ]
            }
        }}});
        let v = browser.command("POST", "/session", Some(caps)).await;
        let id = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id in {v}"))
            .to_owned();
        browser.session = Some(id);
        // Finding an element waits for it up to this long (a page being
        // loaded after a form was posted), instead of the test sleeping.
        browser
            .session_command("POST", "/timeouts", Some(json!({"implicit": 10_000})))
            .await;
        browser
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Polls `/status` until the driver accepts sessions (it takes a moment
    /// to bind); gives up with a clear message after about ten seconds.
    async fn wait_until_ready(&mut self) {
        for _ in 0..200 {
            if let Ok(Some(status)) = self.driver.try_wait() {
                panic!("{CHROMEDRIVER} exited at start: {status}");
            }
            if let Ok(resp) = self
                .http
                .get(format!("{}/status", self.base()))
                .send()
                .await
                && let Ok(v) = resp.json::<Value>().await
                && v["value"]["ready"] == true
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{CHROMEDRIVER} did not become ready on port {}", self.port);
    }

    /// Sends a command; returns its `value`, or fails the test with the
    /// driver's error.
    async fn command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{}", self.base(), path);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or_else(|| json!({}))),
        };
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let status = resp.status();
        let v: Value = resp
            .json()
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: not JSON: {e}"));
        assert!(
            status.is_success(),
            "WebDriver {method} {path} failed ({status}): {}",
            v["value"]
        );
        v["value"].clone()
    }

    async fn session_command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let id = self.session.as_deref().expect("an open session");
        self.command(method, &format!("/session/{id}{path}"), body)
            .await
    }

    /// Navigates to `url` and waits for the page to load.
    pub async fn goto(&self, url: &str) {
        self.session_command("POST", "/url", Some(json!({"url": url})))
            .await;
    }

    /// The current page's address.
    pub async fn url(&self) -> String {
        self.session_command("GET", "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The first element matching a CSS selector (waiting for it to appear).
    pub async fn find(&self, css: &str) -> Element {
        let v = self
            .session_command(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        Element(
            v[ELEMENT_KEY]
                .as_str()
                .unwrap_or_else(|| panic!("no element for {css}: {v}"))
                .to_owned(),
        )
    }

    /// Types `text` into an element.
    pub async fn send_keys(&self, el: &Element, text: &str) {
        self.session_command(
            "POST",
            &format!("/element/{}/value", el.0),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Clicks an element (a link or a submit button: the driver waits for
    /// the navigation it starts).
    pub async fn click(&self, el: &Element) {
        self.session_command("POST", &format!("/element/{}/click", el.0), None)
            .await;
    }

    /// An element's rendered text.
    pub async fn text(&self, el: &Element) -> String {
        self.session_command("GET", &format!("/element/{}/text", el.0), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The current page's HTML.
    pub async fn source(&self) -> String {
        self.session_command("GET", "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Runs a script in the page (WebDriver's "execute async script": the
    /// script calls `arguments[arguments.length - 1]` with its answer).
    pub async fn execute_async(&self, script: &str) -> Value {
        self.session_command(
            "POST",
            "/execute/async",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Sizes the window (a screenshot shows what fits in it).
    pub async fn window_size(&self, width: u32, height: u32) {
        self.session_command(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await;
    }

    /// The window's width and height.
    pub async fn window_dimensions(&self) -> (u32, u32) {
        let v = self.session_command("GET", "/window/rect", None).await;
        let dim = |k: &str| u32::try_from(v[k].as_u64().unwrap_or(1024)).unwrap_or(1024);
        (dim("width"), dim("height"))
    }

    /// A PNG of the window.
    pub async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine as _;
        let v = self.session_command("GET", "/screenshot", None).await;
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .expect("a base64 PNG")
    }

    /// Ends the browser session (Chromium exits).
    pub async fn quit(&mut self) {
        if let Some(id) = self.session.take() {
            self.command("DELETE", &format!("/session/{id}"), None)
                .await;
        }
    }
}

impl Drop for Browser {
    /// A test that failed halfway still closes Chromium (a plain blocking
    /// DELETE, since drop cannot await), then stops chromedriver.
    fn drop(&mut self) {
        if let Some(id) = self.session.take()
            && let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port))
        {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = write!(
                s,
                "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                self.port
            );
            let mut sink = Vec::new();
            let _ = s.read_to_end(&mut sink);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local address").port()
}
