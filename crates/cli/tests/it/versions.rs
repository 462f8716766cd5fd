//! `bulwark versions compare` as a script would use it: output and exit codes.

use crate::common::*;

fn temp_csv(text: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("bulwark-versions-{}.csv", uuid::Uuid::now_v7()));
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn one_pair_prints_the_order() {
    for (eco, a, b, want) in [
        ("PyPI", "1.0.dev0", "1.0a0", "<"),
        ("PyPI", "1.0", "1.0.0", "="),
        ("Debian:12", "1.2.3-1", "1.2.3-1~deb7u1", ">"),
        ("npm", "1.0.0-rc.1", "1.0.0", "<"),
        ("Go", "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4", "<"),
        ("Maven", "1.0-SNAPSHOT", "1.0", "<"),
        ("Red Hat", "1.0~rc1", "1.0", "<"),
        ("Alpine", "1.2_rc1", "1.2-r0", "<"),
    ] {
        let out = bulwark(&["versions", "compare", "--ecosystem", eco, a, b]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{eco} {a} {b}: {}",
            stderr(&out)
        );
        assert_eq!(stdout(&out), format!("{want}\n"), "{eco} {a} {b}");
    }
}

#[test]
fn a_bad_version_or_ecosystem_is_exit_2_naming_it() {
    let out = bulwark(&[
        "versions",
        "compare",
        "--ecosystem",
        "PyPI",
        "1.0",
        "french toast",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("french toast") && err.contains("PyPI"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let out = bulwark(&["versions", "compare", "--ecosystem", "CPAN", "1", "2"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("CPAN") && err.contains("unknown ecosystem"),
        "{err}"
    );

    // Missing B: clap's own usage error, also exit 2.
    let out = bulwark(&["versions", "compare", "--ecosystem", "npm", "1.0.0"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_file_prints_one_line_per_row_and_fails_at_the_end() {
    let csv = temp_csv(
        "ecosystem,a,b\n\
         npm,1.0.0,1.0.1\n\
         \"Red Hat\",\"0:3.10.0-229.el7\",0:3.10.0-229.1.2.ael7b\n\
         PyPI,1.0,not-a-version\n\
         \n\
         RubyGems,1.0.a,1.0\n\
         crates.io,1.0.0\n",
    );
    let out = bulwark(&["versions", "compare", "--file", csv.to_str().unwrap()]);
    let lines: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert_eq!(lines[0], "<");
    assert_eq!(lines[1], "<");
    assert!(
        lines[2].starts_with("error: line 4:") && lines[2].contains("not-a-version"),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], "<");
    assert!(
        lines[4].starts_with("error: line 7:") && lines[4].contains("3 fields"),
        "{}",
        lines[4]
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("2 of 5 rows"), "{}", stderr(&out));

    let ok = temp_csv("ecosystem,a,b\nMaven,1,1.0.0\n");
    let out = bulwark(&[
        "versions",
        "compare",
        "--file",
        ok.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["result"], "=");
    assert_eq!(v["ecosystem"], "Maven");
    let _ = std::fs::remove_file(csv);
    let _ = std::fs::remove_file(ok);
}

#[test]
fn a_bad_header_is_exit_2_naming_the_line() {
    let csv = temp_csv("\neco,left,right\nnpm,1.0.0,1.0.1\n");
    let out = bulwark(&["versions", "compare", "--file", csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(":2:") && err.contains("ecosystem,a,b"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let _ = std::fs::remove_file(csv);

    let out = bulwark(&["versions", "compare", "--file", "/nonexistent/bulwark.csv"]);
    assert_eq!(out.status.code(), Some(2));
}

/// A file with more columns than it needs, in another order (a test
/// vector's `expected` column, say): the named columns are used, the rest
/// ignored (issue 16, item 1).
#[test]
fn extra_columns_are_ignored() {
    let csv = temp_csv(
        "expected,b,ecosystem,a\n\
         <,1.0.1,npm,1.0.0\n\
         >,1.0,PyPI,1.0.post1\n",
    );
    let out = bulwark(&["versions", "compare", "--file", csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), ["<", ">"]);
    let _ = std::fs::remove_file(csv);

    let missing = temp_csv("ecosystem,a,expected\nnpm,1.0.0,<\n");
    let out = bulwark(&["versions", "compare", "--file", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("ecosystem,a,b"), "{}", stderr(&out));
    let _ = std::fs::remove_file(missing);
}
