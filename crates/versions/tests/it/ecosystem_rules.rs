//! Each ecosystem's own rules, one group of vectors per rule of its
//! reference implementation (`tests/fixtures/ecosystem-rules/*.txt`, each
//! file says which source it follows): `a op b` is checked both ways,
//! `! v` must be refused and `ok v` accepted.

use std::cmp::Ordering;
use std::path::Path;

use bulwark_versions::{Ecosystem, Version};

fn check_file(file: &str, ecosystems: &[Ecosystem]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ecosystem-rules")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut failures = Vec::new();
    let mut checked = 0;
    for (n, line) in text.lines().enumerate() {
        let at = format!("{file}:{}", n + 1);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        for &eco in ecosystems {
            checked += 1;
            let parse = |s: &str| Version::parse(eco, s);
            if let Some(v) = line.strip_prefix('!') {
                let v = v.strip_prefix(' ').unwrap_or(v);
                if let Ok(p) = parse(v) {
                    failures.push(format!("{at} {eco}: {v:?} accepted as {p:?}"));
                }
                continue;
            }
            if let Some(v) = line.strip_prefix("ok ") {
                if let Err(e) = parse(v) {
                    failures.push(format!("{at} {eco}: {e}"));
                }
                continue;
            }
            let fields: Vec<&str> = line.split(' ').collect();
            let [a, op, b] = fields[..] else {
                panic!("{at}: not `a op b`: {line:?}")
            };
            let want = match op {
                "<" => Ordering::Less,
                "=" => Ordering::Equal,
                ">" => Ordering::Greater,
                _ => panic!("{at}: bad op {op:?}"),
            };
            match (parse(a), parse(b)) {
                (Ok(va), Ok(vb)) => {
                    let (got, back) = (va.cmp(&vb), vb.cmp(&va));
                    if got != want || back != want.reverse() {
                        failures.push(format!(
                            "{at} {eco}: {line}: got {got:?} (reversed: {back:?})"
                        ));
                    }
                }
                (Err(e), _) | (_, Err(e)) => failures.push(format!("{at} {eco}: {line}: {e}")),
            }
        }
    }
    assert!(checked > 50, "{file}: only {checked} vectors");
    assert!(
        failures.is_empty(),
        "{} of {checked} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn composer_normalises_before_comparing() {
    check_file("packagist.txt", &[Ecosystem::Packagist]);
}

#[test]
fn apk_tools_rules() {
    check_file(
        "alpine.txt",
        &[Ecosystem::Alpine, Ecosystem::Wolfi, Ecosystem::Chainguard],
    );
}
