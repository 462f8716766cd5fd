//! `bulwark demo`: the first line of standard output is the JSON object of
//! the sign-ins, the address is the one bound (port 0 asked), each login's
//! token works against the API as that user with its role and
//! organization; and a database that is not empty is refused (exit 2,
//! the file named and left as it was).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::common::*;

/// Kills the demo however the test ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_demo_prints_working_sign_ins_and_refuses_a_used_database() {
    let db = temp_db();
    let log = std::env::temp_dir().join(format!("bulwark-demo-{}.log", uuid::Uuid::now_v7()));
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args([
                "demo",
                "--format",
                "json",
                "--listen",
                "127.0.0.1:0",
                "--database",
                &db,
            ])
            .env("RUST_LOG", "warn")
            .env_remove("BULWARK_DOSSIER_KEY")
            .env_remove("BULWARK_DATABASE")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start the demo"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("read the first line");
    let said = std::fs::read_to_string(&log).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(first.trim_end())
        .unwrap_or_else(|e| panic!("first line {first:?} is not JSON ({e}); stderr: {said}"));
    let url = v["url"].as_str().expect("url").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(!url.ends_with(":0"), "the bound port, not 0: {url}");
    let logins = v["logins"].as_array().expect("logins");
    let keys: Vec<&str> = ["role", "organization", "username", "password", "token"].into();
    let mut roles = std::collections::BTreeSet::new();
    for l in logins {
        for k in &keys {
            assert!(l[k].as_str().is_some_and(|s| !s.is_empty()), "{k}: {l}");
        }
        assert_eq!(l.as_object().map(|o| o.len()), Some(keys.len()), "{l}");
        let me = Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(["me", "--format", "json"])
            .env("BULWARK_URL", &url)
            .env("BULWARK_TOKEN", l["token"].as_str().unwrap())
            .stdin(Stdio::null())
            .output()
            .expect("bulwark me");
        assert!(me.status.success(), "{l}: {}", stderr(&me));
        let who: serde_json::Value = serde_json::from_slice(&me.stdout).expect("me JSON");
        assert_eq!(who["username"], l["username"], "{who}");
        assert_eq!(who["org_name"], l["organization"], "{who}");
        assert_eq!(who["roles"], serde_json::json!([l["role"]]), "{who}");
        roles.insert(l["role"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        roles.into_iter().collect::<Vec<_>>(),
        ["admin", "analyst", "auditor", "viewer"]
    );
    // The human text went to standard error.
    let said = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(said.contains(&url), "{said}");
    drop(child);

    // The database now holds the demo: a second one is refused, untouched.
    let before = std::fs::read(&db).expect("the database");
    let again = bulwark(&["demo", "--database", &db, "--listen", "127.0.0.1:0"]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    let err = stderr(&again);
    assert!(err.contains("not empty"), "{err}");
    let name = std::path::Path::new(&db)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(err.contains(&name), "names the database: {err}");
    assert_eq!(std::fs::read(&db).expect("the database"), before);
}
