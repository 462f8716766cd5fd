//! Directives, agencies' systems and their obligations through the client
//! commands, against a real server: an agency registers a system and
//! attaches an SBOM an OSV advisory affects; obligations follow under the
//! shipped BOD 26-04 and under a made-up directive whose obligations are
//! due at once (so `--overdue` has something to find with the real clock);
//! the agency answers and asks for more time; CISA decides.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::common::{Server, bulwark, id, json_lines, shared, stderr, stdout};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/fixtures")
        .join(name)
}

/// RUSTSEC-2021-0003 (smallvec): 1.0.0 up to 1.6.1 is affected.
fn advisory() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../matching/tests/fixtures/RUSTSEC-2021-0003.json")
}

struct World {
    s: Server,
    agency_org: String,
    /// An analyst of the agency that runs the system.
    agency: String,
    /// An analyst of CISA, the directives' issuer.
    cisa: String,
    /// An analyst of another agency, who must see nothing of the first's.
    other: String,
    sbom: String,
}

/// A server with the advisory, CISA as the issuer, two agencies and an
/// SBOM of the first agency's that the advisory affects.
fn world() -> World {
    let s = Server::start(&[]);
    // The advisory first: an SBOM is matched when it is uploaded.
    let imported = bulwark(&[
        "import",
        "osv",
        advisory().to_str().unwrap(),
        "--database",
        &s.db,
    ]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    let cisa_org = s.org(&["--name", "CISA", "--kind", "agency"]);
    let agency_org = s.org(&["--name", "Department of Examples", "--kind", "agency"]);
    let other_org = s.org(&["--name", "Department of Others", "--kind", "agency"]);
    // By name, as an operator types it.
    let profile = s.json(
        &s.root,
        &[
            "org",
            "directive-profile",
            "cisa",
            "--track",
            "Civilian",
            "--issues-directives",
        ],
    );
    assert_eq!(profile["id"], cisa_org.as_str(), "{profile}");
    assert_eq!(profile["issues_directives"], true, "{profile}");
    let (_, cisa) = s.member(&cisa_org, "cisa-analyst", "analyst");
    let (_, agency) = s.member(&agency_org, "examples-analyst", "analyst");
    let (_, other) = s.member(&other_org, "others-analyst", "analyst");

    let dir = std::env::temp_dir().join(format!("bulwark-obl-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let bom = dir.join("payroll.cdx.json");
    std::fs::write(
        &bom,
        serde_json::json!({
            "bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1,
            "components": [
                {"type": "library", "name": "smallvec", "version": "1.6.0", "purl": "pkg:cargo/smallvec@1.6.0"},
                {"type": "library", "name": "serde", "version": "1.0.0", "purl": "pkg:cargo/serde@1.0.0"},
            ],
        })
        .to_string(),
    )
    .unwrap();
    let uploaded = s.json(
        &agency,
        &[
            "api",
            "POST",
            "/api/v1/sboms",
            "--data",
            &format!("@{}", bom.display()),
        ],
    );
    let sbom = id(&uploaded["sbom"]);
    World {
        s,
        agency_org,
        agency,
        cisa,
        other,
        sbom,
    }
}

/// `bulwark ARGS --format json` as `token`: every line's object.
fn lines(s: &Server, token: &str, args: &[&str]) -> Vec<Value> {
    let out = s.client(token, &[args, &["--format", "json"]].concat());
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    json_lines(&out)
}

fn directives_of(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|o| o["directive"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn an_sbom_brings_obligations_that_are_answered_extended_and_counted() {
    let w = world();
    let s = &w.s;

    // The shipped directive is in force; any principal reads it.
    let listed = lines(s, &w.agency, &["directive", "list"]);
    assert!(
        listed
            .iter()
            .any(|d| d["id"] == "BOD-26-04" && d["in_force"] == true),
        "{listed:?}"
    );
    // Only the issuer loads directives.
    let file = fixture("ed-due-at-once.toml");
    let refused = s.client(&w.agency, &["directive", "load", file.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let loaded = s.json(&w.cisa, &["directive", "load", file.to_str().unwrap()]);
    assert_eq!(loaded["directive"]["id"], "ED-TEST-00", "{loaded}");
    assert_eq!(loaded["new"], true, "{loaded}");
    let again = s.json(&w.cisa, &["directive", "load", file.to_str().unwrap()]);
    assert_eq!(again["new"], false, "{again}");
    let shown = s.client(&w.agency, &["directive", "show", "ED-TEST-00"]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    assert!(
        stdout(&shown).contains("timeline = \"0 hours\""),
        "{}",
        stdout(&shown)
    );
    assert!(stdout(&shown).contains("in force"), "{}", stdout(&shown));

    // The agency registers a system and attaches the SBOM, naming the
    // system by its name.
    let system = s.json(
        &w.agency,
        &[
            "system",
            "create",
            "--name",
            "Payroll",
            "--publicly-exposed",
            "yes",
            "--owner",
            "payroll-team@example.gov",
        ],
    );
    let system_id = id(&system);
    assert_eq!(system["org"], w.agency_org.as_str(), "{system}");
    assert_eq!(system["publicly_exposed"], "yes", "{system}");
    let attached = s.json(&w.agency, &["system", "attach-sbom", "payroll", &w.sbom]);
    assert!(
        attached["obligations"]["created"].as_u64().unwrap() >= 2,
        "{attached}"
    );
    let view = s.json(&w.agency, &["system", "show", &system_id]);
    assert_eq!(view["sboms"][0]["sbom"], w.sbom.as_str(), "{view}");

    // One obligation per directive for smallvec 1.6.0, none for serde.
    let all = lines(s, &w.agency, &["obligation", "list"]);
    assert_eq!(
        directives_of(&all),
        BTreeSet::from(["BOD-26-04@1.0.0".to_owned(), "ED-TEST-00@1.0.0".to_owned()]),
        "{all:?}"
    );
    assert!(
        all.iter().all(|o| o["subject_name"] == "smallvec"),
        "{all:?}"
    );
    assert!(
        all.iter().all(|o| o["system"] == system_id.as_str()),
        "{all:?}"
    );

    // Due at once: overdue. BOD 26-04's are due in days: not.
    let overdue = lines(s, &w.agency, &["obligation", "list", "--overdue"]);
    assert!(!overdue.is_empty());
    assert_eq!(
        directives_of(&overdue),
        BTreeSet::from(["ED-TEST-00@1.0.0".to_owned()])
    );
    assert!(overdue.iter().all(|o| o["overdue"] == true));
    let bod = lines(
        s,
        &w.agency,
        &["obligation", "list", "--directive", "BOD-26-04"],
    );
    assert!(!bod.is_empty());
    assert!(bod.iter().all(|o| o["overdue"] == false), "{bod:?}");
    assert_eq!(overdue.len() + bod.len(), all.len());
    // Due within a week: BOD 26-04's (days away), not the overdue ones.
    let soon = lines(s, &w.agency, &["obligation", "list", "--due-within", "7"]);
    let ids = |v: &[Value]| -> BTreeSet<String> {
        v.iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&soon), ids(&bod));
    let by_system = lines(s, &w.agency, &["obligation", "list", "--system", "Payroll"]);
    assert_eq!(by_system.len(), all.len());

    // The table: names, not ids; overdue said.
    let table = s.client(&w.agency, &["obligation", "list"]);
    let text = stdout(&table);
    assert!(text.contains("Payroll"), "{text}");
    assert!(text.contains("Department of Examples"), "{text}");
    assert!(text.contains("OVERDUE"), "{text}");
    assert!(text.contains(" UTC"), "{text}");

    // CSV: the export, one row per obligation.
    let csv_out = s.client(&w.agency, &["obligation", "list", "--format", "csv"]);
    assert!(csv_out.status.success(), "{}", stderr(&csv_out));
    let mut reader = csv::Reader::from_reader(csv_out.stdout.as_slice());
    let header = reader.headers().unwrap().clone();
    let id_col = header.iter().position(|h| h == "id").expect("an id column");
    let overdue_col = header
        .iter()
        .position(|h| h == "overdue")
        .expect("an overdue column");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let csv_ids: BTreeSet<&str> = rows.iter().map(|r| &r[id_col]).collect();
    let json_ids: BTreeSet<&str> = all.iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(csv_ids, json_ids);
    assert_eq!(
        rows.iter().filter(|r| &r[overdue_col] == "true").count(),
        overdue.len()
    );

    // Why it exists, in words.
    let late = overdue[0]["id"].as_str().unwrap();
    let shown = s.client(&w.agency, &["obligation", "show", late]);
    let text = stdout(&shown);
    assert!(shown.status.success(), "{}", stderr(&shown));
    assert!(text.contains("Why:"), "{text}");
    assert!(text.contains("rule at-once"), "{text}");
    assert!(text.contains("History:"), "{text}");

    // Answers: remediated needs a note or evidence.
    let bare = s.client(
        &w.agency,
        &["obligation", "answer", late, "--answer", "remediated"],
    );
    assert_eq!(bare.status.code(), Some(2));
    assert!(stderr(&bare).contains("note"), "{}", stderr(&bare));
    let answered = s.json(
        &w.agency,
        &[
            "obligation",
            "answer",
            late,
            "--answer",
            "remediated",
            "--evidence",
            "CHG-1234: smallvec 1.6.1 deployed",
        ],
    );
    assert_eq!(answered["answer"], "remediated", "{answered}");
    assert_eq!(answered["state"], "closed", "{answered}");
    assert_eq!(answered["overdue"], false, "{answered}");

    // More time under BOD 26-04: the agency asks, CISA decides.
    let open = bod[0]["id"].as_str().unwrap();
    let asked = s.json(
        &w.agency,
        &[
            "obligation",
            "request",
            open,
            "--kind",
            "Extension",
            "--due",
            "2099-01-01",
            "--justification",
            "the vendor's fix is not released",
        ],
    );
    assert_eq!(asked["state"], "pending", "{asked}");
    assert_eq!(asked["requested_due"], "2099-01-01T00:00:00Z", "{asked}");
    let request_id = id(&asked);
    let not_theirs = s.client(
        &w.agency,
        &["obligation", "decide", &request_id, "--approve"],
    );
    assert_eq!(not_theirs.status.code(), Some(2), "{}", stderr(&not_theirs));
    let decided = s.json(
        &w.cisa,
        &[
            "obligation",
            "decide",
            &request_id,
            "--approve",
            "--conditions",
            "weekly status reports",
        ],
    );
    assert_eq!(decided["state"], "approved", "{decided}");
    let after = s.json(&w.cisa, &["obligation", "show", open]);
    assert_eq!(
        after["obligation"]["due_at"], "2099-01-01T00:00:00Z",
        "{after}"
    );
    assert_eq!(after["requests"][0]["id"], request_id.as_str(), "{after}");

    // Counted: the agency's own standing, CISA's view of every agency.
    let mine = s.json(&w.agency, &["compliance"]);
    assert_eq!(mine["org"], w.agency_org.as_str(), "{mine}");
    let total = &mine["total"];
    let open_now = lines(s, &w.agency, &["obligation", "list", "--state", "open"]);
    assert_eq!(
        total["open"].as_u64(),
        Some(open_now.len() as u64),
        "{mine}"
    );
    assert_eq!(total["closed"].as_u64(), Some(1), "{mine}");
    let everyone = lines(s, &w.cisa, &["compliance"]);
    assert!(
        everyone.iter().any(|c| c["key"] == w.agency_org.as_str()),
        "{everyone:?}"
    );
    let named = s.json(
        &w.cisa,
        &["compliance", "--agency", "Department of Examples"],
    );
    assert_eq!(named["org"], w.agency_org.as_str(), "{named}");
    let vuln = all[0]["vulnerability"].as_str().unwrap();
    let per_vuln = lines(s, &w.cisa, &["compliance", "--vulnerability", vuln]);
    assert!(!per_vuln.is_empty());

    // Another agency sees none of it.
    let nothing = lines(s, &w.other, &["obligation", "list"]);
    assert!(nothing.is_empty(), "{nothing:?}");
    let hidden = s.client(&w.other, &["system", "show", "Payroll"]);
    assert_eq!(hidden.status.code(), Some(2));
    assert!(stderr(&hidden).contains("SYSTEM"), "{}", stderr(&hidden));
}

#[test]
fn bad_input_exits_2_naming_the_field() {
    // Refused before any request: no server needed.
    let no_server = [("BULWARK_URL", "http://127.0.0.1:9")];
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(args)
            .envs(no_server)
            .env("BULWARK_TOKEN", "bwk_unused")
            .output()
            .unwrap()
    };
    let cases: [(&[&str], &str); 5] = [
        (
            &[
                "system",
                "create",
                "--name",
                "X",
                "--publicly-exposed",
                "maybe",
            ],
            "--publicly-exposed",
        ),
        (
            &[
                "obligation",
                "request",
                "0190d2a8-0000-7000-8000-000000000000",
                "--kind",
                "extension",
                "--due",
                "2027-13-01",
                "--justification",
                "x",
            ],
            "--due",
        ),
        (
            &[
                "obligation",
                "show",
                "0190d2a8-0000-7000-8000-000000000000",
                "--format",
                "csv",
            ],
            "--format csv",
        ),
        (
            &[
                "obligation",
                "decide",
                "0190d2a8-0000-7000-8000-000000000000",
            ],
            "--approve",
        ),
        (
            &["system", "add-product", "Payroll", "--vendor", "Ivanti"],
            "--product",
        ),
    ];
    for (args, named) in cases {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(named), "{args:?}: {}", stderr(&out));
    }

    // A directive that does not load is refused with its file and line.
    let dir = std::env::temp_dir().join(format!("bulwark-obl-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.toml");
    let text = std::fs::read_to_string(fixture("ed-due-at-once.toml"))
        .unwrap()
        .replace("timeline = \"0 hours\"", "timeline = \"soon\"");
    std::fs::write(&broken, text).unwrap();
    let out = run(&["directive", "load", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("broken.toml"), "{}", stderr(&out));
    assert!(stderr(&out).contains("line"), "{}", stderr(&out));
}

#[test]
fn the_server_refuses_what_the_directive_cannot_take() {
    let w = world();
    let s = &w.s;
    s.json(&w.agency, &["system", "create", "--name", "Payroll"]);
    s.json(&w.agency, &["system", "attach-sbom", "Payroll", &w.sbom]);
    let all = lines(s, &w.agency, &["obligation", "list"]);
    let one = all[0]["id"].as_str().unwrap();
    // not_affected is a VEX statement: it needs a justification.
    let out = s.client(
        &w.agency,
        &["obligation", "answer", one, "--answer", "not_affected"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("justification"), "{}", stderr(&out));
    // A system nobody has.
    let out = s.client(&w.agency, &["system", "show", "Ledger"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("\"Ledger\""), "{}", stderr(&out));
    // Nothing to change.
    let out = s.client(&w.agency, &["system", "update", "Payroll"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("nothing to change"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn inventory_changes_move_obligations() {
    let w = world();
    let s = &w.s;
    s.json(&w.agency, &["system", "create", "--name", "Payroll"]);
    s.json(&w.agency, &["system", "attach-sbom", "Payroll", &w.sbom]);
    let open = lines(s, &w.agency, &["obligation", "list", "--state", "open"]);
    assert!(!open.is_empty());

    let updated = s.json(
        &w.agency,
        &[
            "system",
            "update",
            "Payroll",
            "--publicly-exposed",
            "no",
            "--national-security",
            "no",
        ],
    );
    assert_eq!(updated["system"]["publicly_exposed"], "no", "{updated}");
    let owned = s.json(
        &w.agency,
        &[
            "system",
            "update",
            "Payroll",
            "--owner",
            "a@example.gov",
            "--owner",
            "b@example.gov",
        ],
    );
    assert_eq!(
        owned["system"]["owners"],
        serde_json::json!(["a@example.gov", "b@example.gov"]),
        "{owned}"
    );
    let cleared = s.json(&w.agency, &["system", "update", "Payroll", "--no-owners"]);
    assert_eq!(
        cleared["system"]["owners"],
        serde_json::json!([]),
        "{cleared}"
    );

    let cpe = "cpe:2.3:a:ivanti:connect_secure:22.7:r2.3:*:*:*:*:*:*";
    s.json(
        &w.agency,
        &["system", "add-product", "Payroll", "--cpe", cpe],
    );
    let view = s.json(&w.agency, &["system", "show", "Payroll"]);
    let product = &view["products"][0];
    assert_eq!(product["cpe"], cpe, "{view}");
    assert!(product["removed_at"].is_null(), "{view}");
    let product_id = id(product);
    s.json(
        &w.agency,
        &["system", "remove-product", "Payroll", &product_id],
    );
    let view = s.json(&w.agency, &["system", "show", "Payroll"]);
    let still: Vec<&Value> = view["products"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["removed_at"].is_null())
        .collect();
    assert!(still.is_empty(), "{view}");

    // Without the SBOM, nothing on the system is affected any more.
    let detached = s.json(&w.agency, &["system", "detach-sbom", "Payroll", &w.sbom]);
    assert_eq!(
        detached["obligations"]["closed"].as_u64(),
        Some(open.len() as u64),
        "{detached}"
    );
    let left = lines(s, &w.agency, &["obligation", "list", "--state", "open"]);
    assert!(left.is_empty(), "{left:?}");
}

/// A real SBOM (OWASP Juice Shop 11.1.2, CycloneDX's examples), a real
/// advisory (lodash prototype pollution, GHSA-p6mc-m468-83gw) and CISA's
/// KEV catalog: the obligation is found by its CVE, and its explanation
/// says the CVE is not in KEV, with KEV as the source.
#[test]
#[ignore = "needs the shared data set"]
fn a_real_sbom_under_bod_26_04() {
    let s = Server::start(&[]);
    let advisory = shared(
        "advisories/osv/github-advisory-database-sample/advisories/github-reviewed/2020/07/GHSA-p6mc-m468-83gw/GHSA-p6mc-m468-83gw.json",
    );
    let kev = shared("prioritization/kev.json");
    for (what, path) in [("osv", &advisory), ("kev", &kev)] {
        let out = bulwark(&["import", what, path.to_str().unwrap(), "--database", &s.db]);
        assert!(out.status.success(), "{what}: {}", stderr(&out));
    }
    let org = s.org(&["--name", "Department of Examples", "--kind", "agency"]);
    let (_, agency) = s.member(&org, "examples-analyst", "analyst");
    let bom = shared("sbom/cyclonedx-bom-examples/SBOM/juice-shop/v11.1.2/bom.json");
    let uploaded = s.json(
        &agency,
        &[
            "api",
            "POST",
            "/api/v1/sboms",
            "--data",
            &format!("@{}", bom.display()),
        ],
    );
    let sbom = id(&uploaded["sbom"]);
    s.json(
        &agency,
        &[
            "system",
            "create",
            "--name",
            "Juice Shop",
            "--publicly-exposed",
            "yes",
        ],
    );
    s.json(&agency, &["system", "attach-sbom", "Juice Shop", &sbom]);
    let found = lines(
        &s,
        &agency,
        &["obligation", "list", "--vulnerability", "cve-2020-8203"],
    );
    let lodash: Vec<&Value> = found
        .iter()
        .filter(|o| o["subject_name"] == "lodash" && o["subject_version"] == "4.17.19")
        .collect();
    assert_eq!(lodash.len(), 1, "{found:?}");
    assert!(found.iter().all(|o| o["vulnerability"] == "CVE-2020-8203"));
    let view = s.json(
        &agency,
        &["obligation", "show", lodash[0]["id"].as_str().unwrap()],
    );
    let why: Vec<&str> = view["evaluation"]["explanation"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        why.iter()
            .any(|l| l.starts_with("in_kev = no") && l.contains("KEV")),
        "{why:?}"
    );
}

/// `bulwark vex import`: an OpenVEX document answers the agency's
/// obligation it names (a dry run first writes nothing), and its statement
/// about a vulnerability the agency has no obligation on is listed, not
/// dropped; another agency's import answers nothing of the first's; what
/// is not VEX exits 2 naming where.
#[test]
fn a_vex_document_answers_what_it_names_and_lists_the_rest() {
    let w = world();
    let s = &w.s;
    s.json(
        &w.agency,
        &[
            "system",
            "create",
            "--name",
            "payroll",
            "--publicly-exposed",
            "yes",
        ],
    );
    s.json(&w.agency, &["system", "attach-sbom", "payroll", &w.sbom]);
    let open = lines(s, &w.agency, &["obligation", "list", "--state", "open"]);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["vulnerability"], "CVE-2021-25900");
    let dir = std::env::temp_dir().join(format!("bulwark-vex-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let doc = dir.join("payroll.openvex.json");
    std::fs::write(
        &doc,
        serde_json::json!({
            "@context": "https://openvex.dev/ns/v0.2.0",
            "@id": "https://example.gov/vex/payroll-1",
            "author": "Department of Examples",
            "timestamp": "2026-12-01T10:00:00Z",
            "version": 1,
            "statements": [
                {"vulnerability": {"name": "GHSA-43w2-9j62-hq99", "aliases": ["CVE-2021-25900"]},
                 "products": [{"@id": "pkg:cargo/smallvec@1.6.0"}],
                 "status": "not_affected",
                 "justification": "vulnerable_code_not_in_execute_path"},
                {"vulnerability": {"name": "CVE-2099-0001"},
                 "products": [{"@id": "pkg:cargo/serde@1.0.0"}],
                 "status": "not_affected",
                 "justification": "component_not_present"}
            ]
        })
        .to_string(),
    )
    .unwrap();
    let path = doc.to_str().unwrap();
    let other = s.json(&w.other, &["vex", "import", path]);
    assert_eq!(other["matched"].as_array().unwrap().len(), 0, "{other}");
    let dry = s.json(&w.agency, &["vex", "import", path, "--dry-run"]);
    assert_eq!(dry["matched"].as_array().unwrap().len(), 1, "{dry}");
    assert_eq!(
        lines(s, &w.agency, &["obligation", "list", "--state", "open"]).len(),
        1
    );
    let table = s.client(&w.agency, &["vex", "import", path]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(
        text.contains("1 obligations answered, 1 statements matched nothing"),
        "{text}"
    );
    assert!(
        text.contains("CVE-2099-0001") && text.contains("statements[1]"),
        "{text}"
    );
    assert!(lines(s, &w.agency, &["obligation", "list", "--state", "open"]).is_empty());
    let closed = lines(s, &w.agency, &["obligation", "list", "--state", "closed"]);
    assert_eq!(closed[0]["answer"], "not_affected", "{closed:?}");
    let bad = dir.join("not-vex.json");
    std::fs::write(&bad, r#"{"statements": 42}"#).unwrap();
    let refused = s.client(&w.agency, &["vex", "import", bad.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("statements"),
        "{}",
        stderr(&refused)
    );
    let _ = w.agency_org;
    let _ = w.cisa;
}
