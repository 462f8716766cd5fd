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

/// The shared data set beside the checkout.
fn shared(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

/// `classify` with the default set over every Epoch AI CSV in the shared
/// data: covered exactly when the file's compute cell exceeds 1e26, and
/// indeterminate (never not_covered) when it is blank. The expectation is
/// read from the CSV here, independently of Bulwark's importer.
#[test]
#[ignore = "needs the shared data set (../shared/data)"]
fn classify_default_set_over_the_shared_epoch_files() {
    let dir = shared("frontier");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("shared/data/frontier")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    let benchmarks = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../benchmarks/frontier-cyber.toml"
    );
    let (mut total, mut covered) = (0, 0);
    for file in files {
        let out = bulwark(&[
            "frontier",
            "classify",
            "--benchmarks",
            benchmarks,
            "--models",
            file.to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert!(
            out.status.success(),
            "{}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let mut reader = csv::Reader::from_path(&file).unwrap();
        let col = reader
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "Training compute (FLOP)")
            .unwrap();
        let name_col = reader
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "Model")
            .unwrap();
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(
            lines.len(),
            rows.len(),
            "{}: one object per model, in input order",
            file.display()
        );
        for (row, got) in rows.iter().zip(&lines) {
            assert_eq!(got["model"], row[name_col].trim(), "{}", file.display());
            let cell = row[col].trim();
            let outcome = got["outcome"].as_str().unwrap();
            if cell.is_empty() {
                assert_eq!(
                    outcome,
                    "indeterminate",
                    "{}: {} has no compute",
                    file.display(),
                    &row[name_col]
                );
            } else {
                let flop: f64 = cell.parse().unwrap();
                assert_eq!(
                    outcome == "covered",
                    flop > 1e26,
                    "{}: {} at {flop:e}: {outcome}",
                    file.display(),
                    &row[name_col]
                );
                assert_ne!(
                    outcome, "not_covered",
                    "cyber evaluations are unknown for Epoch rows"
                );
            }
            assert_eq!(got["benchmark"], "frontier-cyber@2026.1");
        }
        total += rows.len();
        covered += lines.iter().filter(|l| l["outcome"] == "covered").count();
    }
    // Counted with Python's csv module over the same files: 27 + 137 + 484 + 976
    // rows, 0 + 3 + 3 + 3 above 1e26.
    assert_eq!((total, covered), (1624, 9));
}

#[test]
fn estimate_reproduces_both_formulas() {
    let out = bulwark(&[
        "frontier",
        "estimate",
        "--params",
        "7e10",
        "--tokens",
        "1.5e13",
        "--chips",
        "1000",
        "--chip-flops",
        "1e15",
        "--hours",
        "10",
        "--utilization",
        "0.5",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // 6 · 7e10 · 1.5e13 = 6.3e24; 1000 · 1e15 · 10 h · 3600 s/h · 0.5 = 1.8e22.
    assert_eq!(lines[0]["flop"].as_f64().unwrap(), 6.0 * 7e10 * 1.5e13);
    assert_eq!(lines[0]["display"], "6.3e24");
    assert_eq!(
        lines[1]["flop"].as_f64().unwrap(),
        1000.0 * 1e15 * 10.0 * 3600.0 * 0.5
    );
    assert_eq!(lines[1]["display"], "1.8e22");
    assert_eq!(lines[2]["differs"], true);
    let moe = bulwark(&[
        "frontier",
        "estimate",
        "--params",
        "1.6e12",
        "--active-params",
        "4.9e10",
        "--tokens",
        "3.3e13",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&moe.stdout).unwrap();
    assert_eq!(v["flop"].as_f64().unwrap(), 6.0 * 4.9e10 * 3.3e13);
    let bad = bulwark(&["frontier", "estimate", "--params", "7e10", "--tokens", "0"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("tokens"));
    let util = bulwark(&[
        "frontier",
        "estimate",
        "--chips",
        "1",
        "--chip-flops",
        "1e15",
        "--hours",
        "1",
        "--utilization",
        "1.5",
    ]);
    assert_eq!(util.status.code(), Some(2));
}

#[test]
fn classify_names_the_file_and_place_of_bad_input() {
    let dir = std::env::temp_dir().join(format!("bulwark-cli-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = dir.join("bad.toml");
    std::fs::write(
        &toml,
        "id = \"x\"\nversion = \"1\"\neffective = \"not a date\"\n",
    )
    .unwrap();
    let csv = dir.join("m.csv");
    std::fs::write(&csv, "Model,Organization,Publication date,Parameters,Training compute (FLOP)\nA,Lab,2025-01-01,1e9,oops\n").unwrap();
    let good = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../benchmarks/frontier-cyber.toml"
    );
    let out = bulwark(&[
        "frontier",
        "classify",
        "--benchmarks",
        toml.to_str().unwrap(),
        "--models",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("line"), "{err}");
    let out = bulwark(&[
        "frontier",
        "classify",
        "--benchmarks",
        good,
        "--models",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("m.csv") && err.contains("line 2") && err.contains("Training compute"),
        "{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing printed for a file that fails"
    );
}

/// A running server, driven only through the `bulwark` client commands, as an
/// operator's script would: organizations, users, tokens, a model, a partner,
/// a grant, and the access check a developer's gateway calls.
#[test]
fn the_client_walks_a_grant_from_proposal_to_access() {
    use std::net::{TcpListener, TcpStream};
    let db = temp_db();
    let boot = bulwark(&["admin", "bootstrap", "--database", &db]);
    assert!(boot.status.success());
    let root = String::from_utf8(boot.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_owned();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    /// Stops the server however the test ends.
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _server = Kill(
        Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(["serve", "--database", &db, "--listen", &listen])
            .env("RUST_LOG", "warn")
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the server"),
    );
    for _ in 0..100 {
        if TcpStream::connect(&listen).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let url = format!("http://{listen}");
    let run = |token: &str, args: &[&str]| -> serde_json::Value {
        let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(args)
            .args(["--format", "json"])
            .env("BULWARK_URL", &url)
            .env("BULWARK_TOKEN", token)
            .output()
            .expect("run bulwark");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
    };
    let id = |v: &serde_json::Value| v["id"].as_str().unwrap().to_owned();
    let nsa = id(&run(
        &root,
        &[
            "org",
            "create",
            "--name",
            "NSA",
            "--kind",
            "agency",
            "--reviewing",
        ],
    ));
    let lab = id(&run(
        &root,
        &["org", "create", "--name", "Lab", "--kind", "developer"],
    ));
    let grid = id(&run(
        &root,
        &[
            "org", "create", "--name", "Grid Co", "--kind", "partner", "--sector", "energy",
        ],
    ));
    let member = |org: &str, name: &str, role: &str| -> String {
        let user = id(&run(
            &root,
            &[
                "user",
                "create",
                "--org",
                org,
                "--username",
                name,
                "--display-name",
                name,
                "--role",
                role,
            ],
        ));
        run(&root, &["token", "issue", "--user", &user, "--name", "cli"])["token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let dev = member(&lab, "dev", "analyst");
    let reviewer = member(&nsa, "nsa", "analyst");
    let grid_admin = member(&grid, "gridadmin", "admin");

    let model = id(&run(
        &dev,
        &[
            "api",
            "POST",
            "/api/v1/models",
            "--data",
            r#"{"profile": {"name": "M-1", "training_compute_flop": 2e26}}"#,
        ],
    ));
    run(&root, &["partner", "vet", &grid, "--status", "vetted"]);
    for kind in ["confidentiality", "insider_risk", "security_controls"] {
        run(
            &grid_admin,
            &[
                "partner",
                "attest",
                &grid,
                "--kind",
                kind,
                "--expires-at",
                "2099-01-01T00:00:00Z",
            ],
        );
    }
    let grant = id(&run(
        &dev,
        &[
            "grant",
            "propose",
            "--model",
            &model,
            "--partner",
            &grid,
            "--scope",
            "api",
            "--starts-at",
            "2020-01-01T00:00:00Z",
            "--ends-at",
            "2099-01-01T00:00:00Z",
            "--conditions",
            "no fine-tuning",
        ],
    ));
    let check = |scope: &str| {
        run(
            &dev,
            &[
                "access-check",
                "--partner",
                &grid,
                "--model",
                &model,
                "--scope",
                scope,
            ],
        )
    };
    assert_eq!(check("api")["allowed"], false, "proposed, not concurred");
    // The partner cannot concur for itself: the client exits 2 on the 403.
    let refused = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["grant", "concur", &grant])
        .env("BULWARK_URL", &url)
        .env("BULWARK_TOKEN", &grid_admin)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    run(&reviewer, &["grant", "concur", &grant]);
    assert_eq!(check("api")["allowed"], true);
    assert_eq!(check("weights")["allowed"], false, "only the granted scope");
    run(
        &reviewer,
        &[
            "grant",
            "revoke",
            &grant,
            "--reason",
            "partner asked to stop",
        ],
    );
    let after = check("api");
    assert_eq!(after["allowed"], false);
    assert!(
        after["reason"].as_str().unwrap().contains("revoked"),
        "{after}"
    );
}
