//! `bulwark program …` and `bulwark access …` against a real server: the
//! program office writes a program from a JSON file, an agency may not;
//! an agency's request for a tool the program does not offer is refused
//! (exit 2, the problem naming the field) and nothing is kept.

use super::common::{Server, stderr, stdout};

#[test]
fn programs_and_requests_through_the_client() {
    let s = Server::start(&[]);
    let cisa_org = s.org(&["--name", "CISA", "--kind", "agency"]);
    s.json(
        &s.root,
        &[
            "org",
            "directive-profile",
            "CISA",
            "--track",
            "Civilian",
            "--issues-directives",
        ],
    );
    let energy_org = s.org(&["--name", "Department of Energy", "--kind", "agency"]);
    let (_, cisa) = s.member(&cisa_org, "cisa-analyst", "analyst");
    let (_, energy) = s.member(&energy_org, "doe-analyst", "analyst");

    let dir = std::env::temp_dir().join(format!("bulwark-acc-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let program = dir.join("program.json");
    std::fs::write(
        &program,
        serde_json::json!({"name": "AI-assisted code scanning for high-value assets",
                           "eligibility": {"kind": "federal_civilian"},
                           "tools": [], "max_days": 90})
        .to_string(),
    )
    .unwrap();
    let path = program.to_str().unwrap();

    let refused = s.client(&energy, &["program", "create", path]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let created = s.json(&cisa, &["program", "create", path]);
    assert_eq!(created["max_days"], 90, "{created}");
    let pid = created["id"].as_str().unwrap().to_owned();
    let shown = s.json(&energy, &["program", "show", &pid]);
    assert_eq!(
        shown["name"],
        "AI-assisted code scanning for high-value assets"
    );

    let request = dir.join("request.json");
    std::fs::write(
        &request,
        serde_json::json!({"program": pid, "tool": uuid::Uuid::now_v7(),
                           "use_case_id": "DOE-0042", "systems": [uuid::Uuid::now_v7()],
                           "data": {"tlp": "GREEN"},
                           "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-02-01T00:00:00Z"})
        .to_string(),
    )
    .unwrap();
    let out = s.client(&energy, &["access", "request", request.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("the program does not offer this tool"),
        "{}",
        stderr(&out)
    );
    let list = s.client(&cisa, &["access", "list", "--format", "json"]);
    assert!(list.status.success(), "{}", stderr(&list));
    assert_eq!(stdout(&list).trim(), "", "nothing was kept");
    let bad = s.client(&energy, &["access", "show", "../x"]);
    assert_eq!(bad.status.code(), Some(2));
}
