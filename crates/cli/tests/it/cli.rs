//! The `bulwark` binary as a script would use it: exit codes and output.

use crate::common::*;
use std::process::Command;

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

/// `classify` with the default set over every Epoch AI CSV in the shared
/// data: covered exactly when the file's compute cell exceeds 1e26,
/// not_covered exactly when it is at most the capability criteria's floor
/// (1e23), and indeterminate when it is blank. The expectation is
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
                // No Epoch row has cyber evaluations: the capability
                // criteria are decided by their compute floor alone.
                assert_eq!(
                    outcome == "not_covered",
                    flop <= 1e23,
                    "{}: {} at {flop:e}: {outcome}",
                    file.display(),
                    &row[name_col]
                );
                if outcome == "covered" || outcome == "not_covered" {
                    assert_eq!(got["missing"], serde_json::json!([]), "{got}");
                }
            }
            assert_eq!(got["benchmark"], "frontier-cyber@2026.2");
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
        err.contains("m.csv") && err.contains("1 of 1 rows"),
        "{err}"
    );
    let line = stdout(&out);
    assert!(
        line.contains("row 1") && line.contains("line 2") && line.contains("Training compute"),
        "{line}"
    );
    // A file that is not Epoch's layout at all: refused whole, nothing printed.
    std::fs::write(&csv, "Name,Org\nA,B\n").unwrap();
    let out = bulwark(&[
        "frontier",
        "classify",
        "--benchmarks",
        good,
        "--models",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("m.csv"), "{}", stderr(&out));
    assert!(
        out.stdout.is_empty(),
        "nothing printed for a file that fails"
    );
}

/// A real export holds rows that are not models (blank apart from
/// bookkeeping columns): every row gets its line, in order, a row that is
/// not a model `{"row": N, "error": …}`, and the exit code is 2 at the end,
/// as `score cvss --file` does.
#[test]
fn classify_answers_every_row_and_names_those_that_are_not_models() {
    let dir = std::env::temp_dir().join(format!("bulwark-cli-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../benchmarks/frontier-cyber.toml"
    );
    let csv = dir.join("export.csv");
    std::fs::write(
        &csv,
        "Model,Organization,Publication date,Parameters,Training compute (FLOP),Last modified\n\
         A,Lab,2025-01-01,1e12,5e26,2025-02-01\n\
         ,,,,,2025-03-04 10:00\n\
         B,Lab,2025-01-01,1e9,lots,\n\
         C,Lab,2025-01-01,1e12,2e25,\n",
    )
    .unwrap();
    let json = dir.join("profiles.json");
    std::fs::write(
        &json,
        r#"[{"name": "A", "training_compute_flop": 5e26}, {"name": "B", "training_flops": 1}, {"name": "C"}]"#,
    )
    .unwrap();
    for (file, errors) in [
        (&csv, ["not a model", "line 4, column 5"]),
        (&json, ["$[1].training_flops", "unknown field"]),
    ] {
        let args = |format: &'static str| {
            [
                "frontier",
                "classify",
                "--benchmarks",
                good,
                "--models",
                file.to_str().unwrap(),
                "--format",
                format,
            ]
        };
        let out = bulwark(&args("json"));
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let lines = json_lines(&out);
        let rows: Vec<usize> = if file == &csv {
            vec![1, 2, 3, 4]
        } else {
            vec![1, 2, 3]
        };
        assert_eq!(lines.len(), rows.len(), "{lines:?}");
        assert_eq!(lines[0]["model"], "A");
        assert_eq!(lines[0]["outcome"], "covered");
        assert_eq!(lines.last().unwrap()["model"], "C");
        let bad: Vec<&serde_json::Value> =
            lines.iter().filter(|l| l.get("error").is_some()).collect();
        if file == &csv {
            assert_eq!(lines[1]["row"], 2, "{}", lines[1]);
            assert!(
                lines[1]["error"].as_str().unwrap().contains(errors[0]),
                "{}",
                lines[1]
            );
            assert_eq!(lines[2]["row"], 3, "{}", lines[2]);
            assert!(
                lines[2]["error"].as_str().unwrap().contains(errors[1]),
                "{}",
                lines[2]
            );
            assert_eq!(bad.len(), 2);
        } else {
            assert_eq!(lines[1]["row"], 2, "{}", lines[1]);
            for e in errors {
                assert!(
                    lines[1]["error"].as_str().unwrap().contains(e),
                    "{}",
                    lines[1]
                );
            }
            assert_eq!(bad.len(), 1);
        }
        for l in &bad {
            assert_eq!(
                l.as_object().unwrap().keys().collect::<Vec<_>>(),
                ["row", "error"],
                "{l}"
            );
        }
        let err = stderr(&out);
        assert!(
            err.contains(file.file_name().unwrap().to_str().unwrap())
                && err.contains(&format!("{} of {} rows", bad.len(), rows.len())),
            "{err}"
        );
        // The table says the same, row for row.
        let out = bulwark(&args("table"));
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let table = stdout(&out);
        assert_eq!(table.lines().count(), rows.len() + 2, "{table}");
        assert!(table.contains("row 2"), "{table}");
    }
}

/// A running server, driven only through the `bulwark` client commands, as an
/// operator's script would: organizations, users, tokens, a model, a partner,
/// a grant, and the access check a developer's gateway calls.
#[test]
fn the_client_walks_a_grant_from_proposal_to_access() {
    let server = Server::start(&[]);
    let root = server.root.clone();
    let run = |token: &str, args: &[&str]| server.json(token, args);
    let nsa = server.org(&["--name", "NSA", "--kind", "agency", "--reviewing"]);
    let lab = server.org(&["--name", "Lab", "--kind", "developer"]);
    let grid = server.org(&[
        "--name", "Grid Co", "--kind", "partner", "--sector", "energy",
    ]);
    let member = |org: &str, name: &str, role: &str| server.member(org, name, role).1;
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
    let refused = server.client(&grid_admin, &["grant", "concur", &grant]);
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

/// A voluntary review walked through the `bulwark submission` commands only:
/// draft, dossier upload and a byte-exact download, submission, triage by an
/// NSA reviewer, a finding, the developer's response and the conclusion;
/// another developer cannot learn that the submission exists.
#[test]
fn the_client_walks_a_submission_from_draft_to_conclusion() {
    let server = Server::start(&[(
        "BULWARK_DOSSIER_KEY",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
    )]);
    let nsa = server.org(&["--name", "NSA", "--kind", "agency", "--reviewing"]);
    let lab = server.org(&["--name", "Lab", "--kind", "developer"]);
    let rival = server.org(&["--name", "Rival Lab", "--kind", "developer"]);
    let grid = server.org(&[
        "--name", "Grid Co", "--kind", "partner", "--sector", "energy",
    ]);
    let (_, dev) = server.member(&lab, "dev", "analyst");
    let (_, other_dev) = server.member(&rival, "rival", "analyst");
    let (reviewer_id, reviewer) = server.member(&nsa, "nsa", "analyst");
    let model = id(&server.json(
        &dev,
        &[
            "api",
            "POST",
            "/api/v1/models",
            "--data",
            r#"{"profile": {"name": "M-1", "training_compute_flop": 2e26}}"#,
        ],
    ));
    let dir = std::env::temp_dir().join(format!("bulwark-cli-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();

    // A date that is not one is refused before anything is sent, naming the option.
    let bad = server.client(
        &dev,
        &[
            "submission",
            "create",
            "--model",
            &model,
            "--partner-release",
            "2027-02-30",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("--partner-release"), "{err}");

    // A bare date is midnight UTC; 20 days out is a window without a warning.
    let day = |days: i64| {
        let d = (time::OffsetDateTime::now_utc() + time::Duration::days(days)).date();
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    };
    let release = day(20);
    let created = server.json(
        &dev,
        &[
            "submission",
            "create",
            "--model",
            &model,
            "--partner-release",
            &release,
            "--partner",
            &grid,
        ],
    );
    let sub = id(&created);
    assert_eq!(created["requested_partners"], serde_json::json!([grid]));
    assert_eq!(created["state"], "draft");
    assert_eq!(created["model"], model.as_str());
    assert_eq!(
        created["planned_partner_release"],
        format!("{release}T00:00:00Z")
    );

    // The dossier: binary bytes in, the same bytes out, addressed by their SHA-256.
    let card: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    let card_file = dir.join("card.bin");
    std::fs::write(&card_file, &card).unwrap();
    let doc = server.json(
        &dev,
        &[
            "submission",
            "upload",
            &sub,
            "--kind",
            "model_card",
            card_file.to_str().unwrap(),
        ],
    );
    let sha = doc["sha256"].as_str().unwrap().to_owned();
    assert_eq!(sha, bulwark_store::document_address(&card));
    assert_eq!(doc["size"], 5000);
    assert_eq!(doc["kind"], "model_card");
    let empty = dir.join("empty.txt");
    std::fs::write(&empty, b"").unwrap();
    let refused = server.client(
        &dev,
        &[
            "submission",
            "upload",
            &sub,
            "--kind",
            "system_card",
            empty.to_str().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("empty.txt") && err.contains("empty"), "{err}");
    let back = dir.join("back.bin");
    let got = server.json(
        &dev,
        &[
            "submission",
            "download",
            &sub,
            &sha,
            "-o",
            back.to_str().unwrap(),
        ],
    );
    assert_eq!(got["sha256"], sha.as_str());
    assert_eq!(std::fs::read(&back).unwrap(), card);
    let to_stdout = server.client(&dev, &["submission", "download", &sub, &sha]);
    assert!(to_stdout.status.success());
    assert_eq!(to_stdout.stdout, card, "the bytes alone on standard output");
    // `-` reads the document from standard input.
    let mut piped = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["submission", "upload", &sub, "--kind", "system_card", "-"])
        .args(["--format", "json"])
        .env("BULWARK_URL", &server.url)
        .env("BULWARK_TOKEN", &dev)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut piped.stdin.take().unwrap(), b"system card v1").unwrap();
    let piped = piped.wait_with_output().unwrap();
    assert!(piped.status.success());
    let system: serde_json::Value = serde_json::from_slice(&piped.stdout).unwrap();
    assert_eq!(
        system["sha256"],
        bulwark_store::document_address(b"system card v1")
    );
    let shown = server.json(&dev, &["submission", "show", &sub]);
    let mut kinds: Vec<&str> = shown["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["model_card", "system_card"]);

    // Another developer cannot tell the submission from one that does not exist.
    for args in [
        &["submission", "show", &sub][..],
        &["submission", "download", &sub, &sha][..],
    ] {
        let hidden = server.client(&other_dev, args);
        assert_eq!(hidden.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&hidden.stderr);
        assert!(
            err.contains("404") && err.contains("no such submission"),
            "{err}"
        );
        assert!(hidden.stdout.is_empty());
    }
    let listed = server.client(&other_dev, &["submission", "list", "--format", "json"]);
    assert!(listed.status.success());
    assert!(listed.stdout.is_empty(), "nothing listed for a stranger");

    // Submitting starts the clock: the human output says the state and the days left.
    let submitted = server.client(&dev, &["submission", "submit", &sub]);
    assert!(
        submitted.status.success(),
        "{}",
        String::from_utf8_lossy(&submitted.stderr)
    );
    let text = String::from_utf8(submitted.stdout).unwrap();
    assert!(
        text.starts_with(&format!("submission {sub} of model {model}: submitted\n")),
        "{text}"
    );
    assert!(
        text.contains("days remaining before the release to trusted partners"),
        "{text}"
    );
    assert!(!text.contains("warning"), "{text}");
    assert!(text.contains("next: triage, withdrawn"), "{text}");

    // The developer moves the plan, with a reason; the window follows.
    let (later, public) = (day(25), day(40));
    let moved = server.json(
        &dev,
        &[
            "submission",
            "reschedule",
            &sub,
            "--partner-release",
            &later,
            "--public-release",
            &public,
            "--reason",
            "evaluation rerun",
        ],
    );
    assert_eq!(
        moved["planned_partner_release"],
        format!("{later}T00:00:00Z")
    );
    assert_eq!(
        moved["planned_public_release"],
        format!("{public}T00:00:00Z")
    );
    assert_eq!(moved["state"], "submitted");
    let bad = server.client(
        &dev,
        &[
            "submission",
            "reschedule",
            &sub,
            "--partner-release",
            &later,
            "--public-release",
            "next week",
            "--reason",
            "x",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--public-release"));

    let triaged = server.json(
        &reviewer,
        &[
            "submission",
            "triage",
            &sub,
            "--lead",
            &nsa,
            "--reviewer",
            &reviewer_id,
        ],
    );
    assert_eq!(triaged["state"], "triage");
    assert_eq!(triaged["lead_agency"], nsa.as_str());
    assert_eq!(triaged["reviewers"][0], reviewer_id.as_str());
    // The developer cannot move the agencies' review.
    let not_yours = server.client(
        &dev,
        &["submission", "transition", &sub, "--to", "in_review"],
    );
    assert_eq!(not_yours.status.code(), Some(2));
    let in_review = server.json(
        &reviewer,
        &["submission", "transition", &sub, "--to", "in_review"],
    );
    assert_eq!(in_review["state"], "in_review");

    let finding = server.json(
        &reviewer,
        &[
            "submission",
            "finding",
            &sub,
            "--severity",
            "high",
            "--category",
            "deployment_vulnerability",
            "--text",
            "weights reachable from the build network",
            "--recommendation",
            "segment the build network",
        ],
    );
    let fid = id(&finding);
    assert_eq!(finding["severity"], "high");
    assert_eq!(finding["tlp"], "AMBER");
    let response = server.json(
        &dev,
        &[
            "submission",
            "respond",
            &sub,
            &fid,
            "--text",
            "segmented on 2027-01-02",
        ],
    );
    assert_eq!(response["finding"], fid.as_str());
    let seen = server.json(&dev, &["submission", "show", &sub]);
    assert_eq!(seen["state"], "findings_issued");
    assert_eq!(seen["findings"][0]["id"], fid.as_str());
    assert_eq!(
        seen["findings"][0]["responses"][0]["text"],
        "segmented on 2027-01-02"
    );

    let concluded = server.client(
        &reviewer,
        &[
            "submission",
            "conclude",
            &sub,
            "--conclusion",
            "mitigations_recommended",
            "--summary",
            "fixed during review",
        ],
    );
    assert!(
        concluded.status.success(),
        "{}",
        String::from_utf8_lossy(&concluded.stderr)
    );
    let text = String::from_utf8(concluded.stdout).unwrap();
    assert!(
        text.contains(&format!("submission {sub} of model {model}: concluded\n")),
        "{text}"
    );
    assert!(
        text.contains("concluded: mitigations_recommended (in time): fixed during review"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "finding {fid}: high deployment_vulnerability (TLP:AMBER), 1 responses"
        )),
        "{text}"
    );
    let mine = server.client(&dev, &["submission", "list", "--format", "json"]);
    let lines: Vec<serde_json::Value> = String::from_utf8(mine.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["id"], sub.as_str());
    assert_eq!(lines[0]["state"], "concluded");
    assert_eq!(lines[0]["concluded_in_time"], true);
    // Concluded is final: withdrawing now is refused, exit 2.
    let late = server.client(&dev, &["submission", "withdraw", &sub, "--reason", "x"]);
    assert_eq!(late.status.code(), Some(2));
}

/// Deconflicted scanning through the `bulwark claim` and `bulwark coverage`
/// commands: a claim, a refusal that names the holder (exit 2), an overlap on
/// purpose, a release with its outcome, and the coverage.
#[test]
fn the_client_claims_targets_and_reads_coverage() {
    let server = Server::start(&[]);
    let vendor = server.org(&["--name", "Vendor Co", "--kind", "vendor"]);
    let lab = server.org(&["--name", "Lab", "--kind", "developer"]);
    let (_, v) = server.member(&vendor, "v1", "analyst");
    let (_, l) = server.member(&lab, "l1", "analyst");
    let target = "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar";
    let claimed = server.json(
        &v,
        &[
            "claim",
            "create",
            target,
            "--technique",
            "fuzzing",
            "--tool",
            "Jazzer",
        ],
    );
    let claim = claimed["claim"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        claimed["claim"]["target"],
        "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
    );
    let refused = server.client(&l, &["claim", "create", target, "--technique", "fuzzing"]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("409") && err.contains("Vendor Co"), "{err}");
    let beside = server.json(
        &l,
        &[
            "claim",
            "create",
            target,
            "--technique",
            "ai_agent",
            "--model-name",
            "hunter",
            "--overlap",
        ],
    );
    assert_eq!(beside["alongside"][0]["id"], claim.as_str());
    let bad = server.client(&v, &["claim", "release", &claim, "--outcome", "findings"]);
    assert_eq!(bad.status.code(), Some(2), "findings need their number");
    let released = server.json(
        &v,
        &[
            "claim",
            "release",
            &claim,
            "--outcome",
            "findings",
            "--findings",
            "1",
        ],
    );
    assert_eq!(released["outcome"], "findings");
    let coverage = server.json(&l, &["coverage", target]);
    assert_eq!(coverage["claims"].as_array().unwrap().len(), 2);
    assert_eq!(
        coverage["claims"][1]["outcome"],
        serde_json::Value::Null,
        "not Lab's claim"
    );
    let bad = server.client(&l, &["coverage", "not a target"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// Intake through `bulwark report submit` as two organizations: one case per
/// finding, both reports on it; a broken log exits 2 naming where it broke.
#[test]
fn the_client_submits_reports_and_reads_cases() {
    let server = Server::start(&[]);
    let uni = server.org(&["--name", "Uni A", "--kind", "researcher"]);
    let vendor = server.org(&["--name", "Vendor B", "--kind", "vendor"]);
    let (_, u) = server.member(&uni, "u1", "analyst");
    let (_, v) = server.member(&vendor, "v1", "analyst");
    // Committed fixtures of the intake crate, from the shared data set.
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../intake/tests/fixtures");
    let log = fixtures.join("fortify-excerpt.sarif");
    let log = log.to_str().unwrap();
    let first = server.json(
        &u,
        &[
            "report",
            "submit",
            log,
            "--target",
            "pkg:generic/fortify-sample@1.0",
        ],
    );
    let second = server.json(
        &v,
        &[
            "report",
            "submit",
            log,
            "--target",
            "pkg:generic/fortify-sample@1.0",
        ],
    );
    assert!(first["new_cases"].as_u64().unwrap() >= 2, "{first}");
    assert_eq!(second["new_cases"], 0);
    assert_eq!(first["cases"], second["cases"]);
    let case = first["cases"][0].as_str().unwrap();
    let shown = server.json(&v, &["case", "show", case]);
    assert_eq!(shown["first_reporter"], uni.as_str());
    assert_eq!(shown["reports"].as_array().unwrap().len(), 2);
    // The offline fingerprint is the one the server filed the case under.
    let offline = bulwark(&["findings", "fingerprint", log, "--format", "json"]);
    assert!(offline.status.success());
    let first_line: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&offline.stdout)
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(shown["fingerprints"][0], first_line["fingerprint"]);
    let bad = server.client(
        &u,
        &[
            "report",
            "submit",
            fixtures.join("invalid-results.sarif").to_str().unwrap(),
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("runs[0].results"), "{err}");
    // A log as tools bend it: repaired with warnings, or refused with --strict.
    let bent = fixtures.join("repairs/semgrep-bent.sarif");
    let bent = bent.to_str().unwrap();
    let strict = server.client(&u, &["report", "submit", bent, "--strict"]);
    assert_eq!(strict.status.code(), Some(2));
    let err = String::from_utf8_lossy(&strict.stderr);
    assert!(err.contains("fingerprints.matchBasedId/v1"), "{err}");
    let repaired = server.json(&u, &["report", "submit", bent]);
    assert_eq!(repaired["warnings"]["total"], 4, "{repaired}");
    let refused = server.client(&u, &["case", "transition", case, "--to", "triaged"]);
    assert_eq!(
        refused.status.code(),
        Some(2),
        "triage is the clearinghouse's"
    );
    let moved = server.json(
        &server.root,
        &["case", "transition", case, "--to", "triaged"],
    );
    assert_eq!(moved["state"], "triaged");
}

/// `bulwark findings fingerprint`: one JSON object per result, in document
/// order, with the documented keys; the count is the log's own (read here
/// with serde_json, independently of the streaming reader); a broken log
/// exits 2 naming the JSON path after printing what came before the break.
#[test]
fn findings_fingerprint_prints_one_object_per_result_in_document_order() {
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../intake/tests/fixtures");
    for name in [
        "semgrep-dataflow.sarif",
        "codeql-fingerprinting.sarif",
        "fortify-excerpt.sarif",
    ] {
        let path = fixtures.join(name);
        let log: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let mut want = Vec::new();
        for (i, run) in log["runs"].as_array().unwrap().iter().enumerate() {
            for (j, r) in run["results"].as_array().into_iter().flatten().enumerate() {
                want.push((i as u64, j as u64, r["ruleId"].as_str().map(str::to_owned)));
            }
        }
        let out = bulwark(&[
            "findings",
            "fingerprint",
            path.to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), want.len(), "{name}");
        for (line, (i, j, rule)) in lines.iter().zip(&want) {
            let keys: Vec<&str> = line
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys.len(), 5, "{line}");
            assert_eq!(line["run"], *i);
            assert_eq!(line["result"], *j);
            if let Some(rule) = rule {
                assert_eq!(line["rule"], rule.as_str());
            }
            let fp = line["fingerprint"].as_str().unwrap();
            assert!(fp.starts_with("bwk1:") && fp.len() == 5 + 64, "{fp}");
        }
    }
    // Standard input, and the same answer.
    let path = fixtures.join("fortify-excerpt.sarif");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(["findings", "fingerprint", "-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        &std::fs::read(&path).unwrap(),
    )
    .unwrap();
    let piped = child.wait_with_output().unwrap();
    let direct = bulwark(&[
        "findings",
        "fingerprint",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(piped.stdout, direct.stdout);

    let bad = bulwark(&[
        "findings",
        "fingerprint",
        fixtures.join("invalid-results.sarif").to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("runs[0].results"));
    let missing = bulwark(&["findings", "fingerprint", "/nonexistent.sarif"]);
    assert_eq!(missing.status.code(), Some(2));
}

/// `bulwark findings fingerprint` on SARIF as tools really write it: the
/// repairs intake makes, each a warning on standard error with its JSON
/// path; `--strict` refuses instead (exit 2, the path named); results that
/// are not findings are counted, not listed (issue 16, item 1).
#[test]
fn findings_fingerprint_warns_of_repairs_unless_strict() {
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../intake/tests/fixtures/repairs");
    let bent = fixtures.join("semgrep-bent.sarif");
    let bent = bent.to_str().unwrap();
    let out = bulwark(&["findings", "fingerprint", bent, "--format", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 4);
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    assert_eq!(warnings.len(), 4, "{stderr}");
    for (line, path) in warnings.iter().zip([
        "runs[0].results[0].fingerprints.matchBasedId/v1",
        "runs[0].results[1].fingerprints.rank",
        "runs[0].results[2].message",
        "runs[0].results[3].message",
    ]) {
        assert!(line.contains(&format!("{bent}: {path}: ")), "{line}");
    }

    let strict = bulwark(&["findings", "fingerprint", bent, "--strict"]);
    assert_eq!(strict.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert!(
        stderr.contains("runs[0].results[0].fingerprints.matchBasedId/v1"),
        "{stderr}"
    );
    assert!(strict.stdout.is_empty());

    let pass = fixtures.join("sdv-pass.sarif");
    let out = bulwark(&["findings", "fingerprint", pass.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "a pass result is not a finding");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 results: 0 findings, 1 not findings (pass 1"),
        "{stderr}"
    );
}

/// A reader that stops early (`bulwark openapi | head -c 200`) ends the
/// program quietly, as with every Unix tool: no panic, no exit code 101
/// (issue 16, item 5).
#[test]
fn a_closed_standard_output_ends_the_program_quietly() {
    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .arg("openapi")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = [0u8; 200];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("the first bytes");
    // The pipe's read end is closed here, with most of the document unread.
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
    assert!(first.starts_with(b"{"));
}

/// `bulwark --help` names every source `import` takes (issue 16, item 5).
#[test]
fn import_help_names_every_source() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .arg("--help")
        .output()
        .expect("run");
    let help = String::from_utf8_lossy(&out.stdout);
    let line = help
        .lines()
        .find(|l| l.trim_start().starts_with("import"))
        .expect("an import line");
    for source in ["KEV", "EPSS", "CVE", "OSV"] {
        assert!(line.contains(source), "{line}");
    }
}
