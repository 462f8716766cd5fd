//! The `bulwark` binary as a script would use it: exit codes and output.

use std::process::{Command, Output};

fn bulwark(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .env_remove("BULWARK_DATABASE")
        .env_remove("BULWARK_TOKEN")
        .output()
        .expect("run bulwark")
}

fn temp_db() -> String {
    std::env::temp_dir()
        .join(format!("bulwark-cli-{}.db", uuid::Uuid::now_v7()))
        .to_string_lossy()
        .into_owned()
}

#[tokio::test]
async fn bootstrap_prints_a_working_token_once_and_verify_catches_tampering() {
    let db = temp_db();
    let out = bulwark(&["admin", "bootstrap", "--database", &db]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.lines().last().unwrap();
    assert!(
        token.starts_with("bwk_") && token.len() == 47,
        "token alone on the last line: {stdout:?}"
    );

    // The printed token is the one the store knows.
    let store = bulwark_store::Store::connect(&db).await.unwrap();
    let t = bulwark_core::ApiToken::parse(bulwark_core::secret::TOKEN_PREFIX, token).unwrap();
    let (p, _, _) = store
        .authenticate_token(&t.hash(), time::OffsetDateTime::now_utc())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.username, "admin");

    // A second bootstrap is bad input: exit 2, a clear message, nothing on stdout.
    let again = bulwark(&["admin", "bootstrap", "--database", &db]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already been bootstrapped"));
    assert!(again.stdout.is_empty());

    let ok = bulwark(&["audit", "verify", "--database", &db, "--format", "json"]);
    assert_eq!(ok.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v["entries"], 3);
    assert!(v["first_break"].is_null());

    // Someone with the database file edits an entry behind Bulwark's back.
    store
        .execute_unchecked("DROP TRIGGER audit_log_no_update")
        .await
        .unwrap();
    store
        .execute_unchecked("UPDATE audit_log SET action = 'nothing.happened' WHERE seq = 2")
        .await
        .unwrap();
    store.close().await;
    let broken = bulwark(&["audit", "verify", "--database", &db]);
    assert_eq!(broken.status.code(), Some(1));
    let text = String::from_utf8_lossy(&broken.stdout);
    assert!(text.contains("BROKEN at entry 2"), "{text}");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(bulwark(&["no-such-command"]).status.code(), Some(2));
    assert_eq!(
        bulwark(&["serve", "--listen", "not-an-address"])
            .status
            .code(),
        Some(2)
    );
    let out = bulwark(&["db", "migrate", "--database", "mysql://localhost/x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database URL"));
    let out = bulwark(&["api", "GET", "/api/v1/me"]);
    assert_eq!(out.status.code(), Some(2), "no token is bad input");
    assert!(String::from_utf8_lossy(&out.stderr).contains("BULWARK_TOKEN"));
}

#[test]
fn openapi_command_prints_the_document() {
    let out = bulwark(&["openapi"]);
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
}
