//! `bulwark score …` as a script would use it: output lines and exit codes.

use crate::common::*;

const V31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const V40: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A";

#[test]
fn cvss_one_vector() {
    let out = bulwark(&["score", "cvss", V31, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        json_lines(&out),
        [
            serde_json::json!({"vector": V31, "version": "3.1", "score": 9.8, "severity": "critical"})
        ]
    );

    let out = bulwark(&["score", "cvss", V40, "--format", "json"]);
    assert_eq!(
        json_lines(&out),
        [
            serde_json::json!({"vector": V40, "version": "4.0", "score": 9.3, "severity": "critical", "kind": "CVSS-BT"})
        ]
    );

    let out = bulwark(&["score", "cvss", V31]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("9.8") && text.contains("critical") && text.contains(V31),
        "{text}"
    );

    let bad = bulwark(&["score", "cvss", "CVSS:3.1/AV:N"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(bad.stdout.is_empty());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("mandatory base metric"));
}

#[test]
fn cvss_file_answers_line_for_line_and_exits_2_on_a_bad_line() {
    let dir = std::env::temp_dir().join(format!("bulwark-score-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("vectors.txt");
    std::fs::write(
        &file,
        format!("{V31}\n\nnot a vector\n  {V40}  \nCVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:N\n"),
    )
    .unwrap();
    let out = bulwark(&[
        "score",
        "cvss",
        "--file",
        file.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "the bad line makes it exit 2 at the end"
    );
    let lines = json_lines(&out);
    assert_eq!(
        lines.len(),
        4,
        "blank line skipped, every other line answered"
    );
    assert_eq!(lines[0]["score"], 9.8);
    assert_eq!(lines[1]["vector"], "not a vector");
    assert!(lines[1]["error"].as_str().unwrap().contains("CVSS:3.0/"));
    assert!(lines[1].get("score").is_none());
    assert_eq!(lines[2]["vector"], V40, "surrounding spaces trimmed");
    assert_eq!(lines[3]["severity"], "none");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 of 4 vectors"));

    // All good: exit 0.
    std::fs::write(&file, format!("{V31}\n{V31}\n")).unwrap();
    let out = bulwark(&["score", "cvss", "--file", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);

    let missing = bulwark(&[
        "score",
        "cvss",
        "--file",
        dir.join("nope").to_str().unwrap(),
    ]);
    assert_eq!(missing.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn cvss_stdin() {
    let input = format!("{V31}\nCVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L\n");
    let out = bulwark_with_stdin(
        &["score", "cvss", "--file", "-", "--format", "json"],
        Some(&input),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(
        (lines[0]["score"].as_f64(), lines[1]["score"].as_f64()),
        (Some(9.8), Some(5.3))
    );
    assert_eq!(lines[1]["severity"], "medium");

    let out = bulwark_with_stdin(
        &["score", "cvss", "--file", "-", "--format", "json"],
        Some("CVSS:9.9/X:Y\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        json_lines(&out)[0]["error"]
            .as_str()
            .unwrap()
            .contains("9.9")
    );
}

#[test]
fn ssvc_decision() {
    let out = bulwark(&[
        "score",
        "ssvc",
        "--exploitation",
        "active",
        "--automatable",
        "yes",
        "--technical-impact",
        "total",
        "--mission-wellbeing",
        "medium",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json_lines(&out), [serde_json::json!({"decision": "Act"})]);

    let out = bulwark(&[
        "score",
        "ssvc",
        "--exploitation",
        "poc",
        "--automatable",
        "no",
        "--technical-impact",
        "total",
        "--mission-wellbeing",
        "medium",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "Track*");

    let bad = bulwark(&[
        "score",
        "ssvc",
        "--exploitation",
        "sometimes",
        "--automatable",
        "no",
        "--technical-impact",
        "total",
        "--mission-wellbeing",
        "medium",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn bod2604_timeline() {
    let run = |kev: &str, exposed: &str, automatable: &str, impact: &str| {
        let out = bulwark(&[
            "score",
            "bod2604",
            "--kev",
            kev,
            "--exposed",
            exposed,
            "--automatable",
            automatable,
            "--technical-impact",
            impact,
            "--format",
            "json",
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        json_lines(&out).remove(0)
    };
    assert_eq!(
        run("yes", "yes", "yes", "total"),
        serde_json::json!({"timeline_days": 3, "forensic_investigation": true, "on_upgrade": false})
    );
    assert_eq!(
        run("no", "yes", "no", "partial"),
        serde_json::json!({"timeline_days": 60, "forensic_investigation": false, "on_upgrade": false})
    );
    assert_eq!(
        run("no", "no", "no", "total"),
        serde_json::json!({"timeline_days": null, "forensic_investigation": false, "on_upgrade": true})
    );
    let out = bulwark(&[
        "score",
        "bod2604",
        "--kev",
        "yes",
        "--exposed",
        "no",
        "--automatable",
        "no",
        "--technical-impact",
        "partial",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "14 days");
    let bad = bulwark(&["score", "bod2604", "--kev", "maybe"]);
    assert_eq!(bad.status.code(), Some(2));
}
