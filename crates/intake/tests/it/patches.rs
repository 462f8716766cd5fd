//! The patch reader on the fixtures of `tests/fixtures/patch/` (see the
//! README there for where each came from).

use bulwark_intake::Mode;
use bulwark_intake::patch::{FileChangeKind, parse};

const FORMAT_PATCH: &[u8] = include_bytes!("../fixtures/patch/git-format-patch.patch");
const PLAIN: &[u8] = include_bytes!("../fixtures/patch/plain-diff-u.diff");

#[test]
fn a_git_format_patch_mail() {
    let p = parse(FORMAT_PATCH, Mode::Strict).expect("a real format-patch is read strictly");
    let mail = p.mail.as_ref().expect("a mail");
    assert_eq!(mail.from.as_deref(), Some("Ada Example <ada@example.org>"));
    assert_eq!(
        mail.subject.as_deref(),
        Some("[PATCH] check: refuse an index past the buffer's end")
    );
    assert_eq!(
        mail.date.as_deref(),
        Some("Mon, 30 Nov 2026 10:00:00 +0100")
    );
    assert_eq!(
        mail.commit.as_deref(),
        Some("547b4da2ba32bf89dde94f7002a973b3c7a500ef")
    );
    let files: Vec<_> = p
        .files
        .iter()
        .map(|f| (f.path(), f.change, f.added, f.removed))
        .collect();
    assert_eq!(
        files,
        vec![
            ("NOTES", FileChangeKind::Deleted, 0, 1),
            ("SECURITY.md", FileChangeKind::Added, 3, 0),
            ("src/main.rs", FileChangeKind::Modified, 3, 0),
        ]
    );
    assert_eq!(p.hunks(), 3);
    // The mail's own diffstat agrees with what was counted.
    assert_eq!(
        p.shortstat(),
        "3 files changed, 6 insertions(+), 1 deletion(-)"
    );
    assert!(p.warnings.is_empty());
}

#[test]
fn a_plain_unified_diff() {
    let p = parse(PLAIN, Mode::Strict).expect("diff -u output");
    assert!(p.mail.is_none());
    assert_eq!(p.files.len(), 1);
    assert_eq!(p.files[0].path(), "f.txt");
    assert_eq!((p.files[0].added, p.files[0].removed), (2, 1));
}

#[test]
fn a_cut_format_patch_names_the_line() {
    // The last hunk loses its last two lines: its header counts 4 old lines.
    let text = std::str::from_utf8(FORMAT_PATCH).unwrap();
    let cut: Vec<&str> = text.lines().collect();
    let sig = cut.iter().position(|l| *l == "-- ").unwrap();
    let mut lines: Vec<&str> = cut[..sig - 2].to_vec();
    lines.extend_from_slice(&cut[sig..]);
    let bad = lines.join("\n") + "\n";
    let e = parse(bad.as_bytes(), bulwark_intake::Mode::Repair).unwrap_err();
    // `-- ` reads as a removed line (as `git apply` would read it); the
    // version line after it is where the hunk cannot go on.
    let version_line = lines.iter().position(|l| *l == "2.47.3").unwrap() + 1;
    assert_eq!(e.line, version_line, "{e}");
    assert!(e.message.contains("expected a hunk line"), "{e}");
}

#[test]
fn a_windows_mailed_patch_is_repaired_with_a_warning() {
    let crlf = String::from_utf8(FORMAT_PATCH.to_vec())
        .unwrap()
        .replace('\n', "\r\n");
    let p = parse(crlf.as_bytes(), Mode::Repair).unwrap();
    assert_eq!(p.files.len(), 3);
    assert_eq!(p.warnings.len(), 1);
    assert!(parse(crlf.as_bytes(), Mode::Strict).is_err());
}

/// Every prefix of the fixtures, and each with one byte changed to a
/// character that matters to the reader: no panic, and strict mode never
/// accepts what the default mode refuses (the fuzz target `patch_parse`
/// searches further).
#[test]
fn cut_and_bent_fixtures_never_panic() {
    for doc in [FORMAT_PATCH, PLAIN] {
        for end in 0..=doc.len() {
            let cut = &doc[..end];
            let (r, s) = (parse(cut, Mode::Repair), parse(cut, Mode::Strict));
            assert!(!(r.is_err() && s.is_ok()), "prefix of {end} bytes");
        }
        for i in 0..doc.len() {
            for b in [b'\n', b'-', b'+', b' ', b'@', b'"', b'\\', 0xff] {
                let mut bent = doc.to_vec();
                bent[i] = b;
                let (r, s) = (parse(&bent, Mode::Repair), parse(&bent, Mode::Strict));
                assert!(!(r.is_err() && s.is_ok()), "byte {i} as {b}");
            }
        }
    }
}
