//! `bulwark patch …` against a running server: a format-patch submitted
//! with the AI model that wrote it, listed with its diffstat; a file that
//! is not a diff exits 2 naming its line before any request.

use crate::common::*;

#[test]
fn the_client_submits_and_lists_a_patch_and_refuses_what_is_not_a_diff() {
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../intake/tests/fixtures");
    let not_a_diff = fixtures.join("fortify-excerpt.sarif");
    // No server: refused before any request, exit 2, with the line.
    let out = bulwark(&[
        "patch",
        "submit",
        "0190b9c4-0000-7000-8000-000000000000",
        not_a_diff.to_str().unwrap(),
        "--url",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("line 1: not a diff"),
        "{}",
        stderr(&out)
    );

    let server = Server::start(&[]);
    let uni = server.org(&["--name", "Uni A", "--kind", "researcher"]);
    let (_, u) = server.member(&uni, "u1", "analyst");
    let log = fixtures.join("fortify-excerpt.sarif");
    let intake = server.json(
        &u,
        &[
            "report",
            "submit",
            log.to_str().unwrap(),
            "--target",
            "pkg:generic/fortify-sample@1.0",
        ],
    );
    let case = intake["cases"][0].as_str().unwrap();
    let patch = fixtures.join("patch/git-format-patch.patch");
    let submitted = server.json(
        &u,
        &[
            "patch",
            "submit",
            case,
            patch.to_str().unwrap(),
            "--model",
            "gpt-x",
            "--model-version",
            "2026-10",
        ],
    );
    assert_eq!(submitted["state"], "proposed", "{submitted}");
    assert_eq!(submitted["ai_model"], "gpt-x");
    assert_eq!(submitted["author"], "Ada Example <ada@example.org>");
    // One JSON line per remediation.
    let listed = json_lines(&server.client(&u, &["patch", "list", case, "--format", "json"]));
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        listed[0]["patch"]["shortstat"],
        "3 files changed, 6 insertions(+), 1 deletion(-)"
    );
    // Tasks are the clearinghouse's: the reporter is refused, exit 2.
    let id = submitted["id"].as_str().unwrap();
    let refused = server.client(&u, &["patch", "assign", case, id, "--org", &uni]);
    assert_eq!(refused.status.code(), Some(2));
}
