//! Secrets never reach the logs: with every log level on, a session of
//! requests carrying tokens and passwords leaves none of them in the output.

#[path = "it/common/mod.rs"]
mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use reqwest::{Method, StatusCode};
use serde_json::json;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_and_passwords_never_appear_in_logs() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .json()
        .with_writer(move || writer.clone())
        .init();

    let srv = common::start(bulwark_store::testing::sqlite().await.expect("store")).await;
    let (_, user, token) = srv.member("Lab", "developer", "dev", &["analyst"]).await;
    let password = "a very secret passphrase 7";
    let (s, _, _) = srv
        .call(
            Method::PUT,
            &format!("/api/v1/users/{user}/password"),
            Some(&token),
            Some(json!({"password": password})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, issued) = srv
        .post(
            &format!("/api/v1/users/{user}/tokens"),
            &token,
            json!({"name": "second"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let second = issued["token"].as_str().unwrap().to_owned();
    assert_eq!(srv.get("/api/v1/me", &second).await.0, StatusCode::OK);
    // A bad token and a bad body are logged as failures, without the token.
    let wrong = format!("bwk_{}", "Z".repeat(43));
    assert_eq!(
        srv.get("/api/v1/me", &wrong).await.0,
        StatusCode::UNAUTHORIZED
    );

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("/api/v1/me"),
        "the requests were logged at all: {logs}"
    );
    for secret in [&srv.root_token, &token, &second, &wrong, password] {
        let tail = &secret[secret.len() - 20..];
        assert!(
            !logs.contains(tail),
            "a secret ending {tail} is in the logs"
        );
    }
}

/// A 503 (a lost race between intakes, a busy database: "retry") is
/// expected under load: logged as a warning, not as an error that pages
/// someone. Answered here by readiness with the database gone.
#[tokio::test]
async fn a_503_is_logged_as_a_warning_not_an_error() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .json()
        .with_writer(move || writer.clone())
        .finish();
    // This thread only (the test's runtime runs on it): the other test of
    // this binary sets the global subscriber.
    let _scope = tracing::subscriber::set_default(subscriber);

    let srv = common::start(bulwark_store::testing::sqlite().await.expect("store")).await;
    srv.store.close().await;
    let resp = srv
        .http
        .get(format!("{}/readyz", srv.base))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|l: &serde_json::Value| l.to_string().contains("/readyz"))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["level"] == "WARN" && l.to_string().contains("503")),
        "the 503 is logged as a warning: {logs}"
    );
    assert!(
        !lines.iter().any(|l| l["level"] == "ERROR"),
        "and not as an error: {logs}"
    );
}
