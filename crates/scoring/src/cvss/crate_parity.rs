//! Our v4.0 scorer against the path it replaced: the strict syntax check,
//! then RustSec's `cvss` crate for the parse and the score. Same scores,
//! same labels, same errors.

use std::str::FromStr;

use super::{CvssError, Kind, Version, one_decimal, score, split};

/// What `score` gave for a v4.0 vector before [`super::v4`]: the score
/// and label, or the error.
fn crate_path(vector: &str) -> Result<(f64, Kind), CvssError> {
    let vector = vector.trim();
    let (version, components) = split(vector)?;
    assert_eq!(version, Version::V4_0, "{vector}");
    let v = cvss::v4::Vector::from_str(vector).map_err(|e| CvssError::Invalid(e.to_string()))?;
    let used = |names: &[&str]| {
        components
            .iter()
            .any(|(n, v)| *v != "X" && names.contains(n))
    };
    let environmental = [
        "CR", "IR", "AR", "MAV", "MAC", "MAT", "MPR", "MUI", "MVC", "MVI", "MVA", "MSC", "MSI",
        "MSA",
    ];
    let kind = match (used(&["E"]), used(&environmental)) {
        (false, false) => Kind::CvssB,
        (true, false) => Kind::CvssBT,
        (false, true) => Kind::CvssBE,
        (true, true) => Kind::CvssBTE,
    };
    Ok((one_decimal(v.score().value()), kind))
}

fn ours(vector: &str) -> Result<(f64, Kind), CvssError> {
    let s = score(vector)?;
    assert_eq!(s.version, Version::V4_0, "{vector}");
    // The allocation-free entry point agrees with `score`.
    let v4 = super::v4::score(vector)?;
    assert_eq!((v4.score, v4.kind), (s.score, s.kind), "{vector}");
    Ok((s.score, s.kind))
}

/// `vector,score` rows of a committed CSV fixture.
fn rows(csv: &str) -> Vec<(&str, f64)> {
    csv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (v, s) = l.split_once(',').expect("vector,score");
            (v, s.parse().expect("a score"))
        })
        .collect()
}

/// Each row: ours, the crate's and the listed score are one and the same.
fn check_rows(csv: &str) -> usize {
    let rows = rows(csv);
    let mut wrong = Vec::new();
    for (vector, listed) in &rows {
        let (ours, theirs) = (ours(vector), crate_path(vector));
        if ours != theirs || ours.as_ref().map(|s| s.0) != Ok(*listed) {
            wrong.push(format!(
                "{vector}: ours {ours:?}, crate {theirs:?}, listed {listed}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    rows.len()
}

#[test]
fn v4_matches_the_crate_on_the_fixture_excerpt() {
    let n = check_rows(include_str!(
        "../../tests/fixtures/cvss40_vectors_excerpt.csv"
    ));
    assert_eq!(n, 88);
}

#[test]
fn v4_matches_the_crate_on_the_edge_vectors() {
    let n = check_rows(include_str!("../../tests/fixtures/cvss40_edge_vectors.csv"));
    assert_eq!(n, 112);
}

/// The edge cases named one by one, with the score FIRST's calculator
/// gives them (and the crate: `check_rows` above holds the rest).
#[test]
fn v4_edge_cases() {
    let b = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H";
    let zero = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N";
    let m = "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N";
    let all_x = "/E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X\
                 /MSC:X/MSI:X/MSA:X/S:X/AU:X/R:X/V:X/RE:X/U:X";
    let cases: Vec<(String, f64, Kind)> = vec![
        (b.into(), 10.0, Kind::CvssB),
        (format!("{b}{all_x}"), 10.0, Kind::CvssB),
        (format!("{b}/E:P"), 9.3, Kind::CvssBT),
        (format!("{b}/E:U"), 9.1, Kind::CvssBT),
        (zero.into(), 0.0, Kind::CvssB),
        (format!("{zero}/E:U"), 0.0, Kind::CvssBT),
        (format!("{zero}{all_x}"), 0.0, Kind::CvssB),
        // Safety in the subsequent system lifts a vector with no impact.
        (format!("{zero}/MSI:S"), 8.9, Kind::CvssBE),
        (format!("{zero}/MSA:S"), 8.9, Kind::CvssBE),
        (m.into(), 7.2, Kind::CvssB),
        (format!("{m}/E:P"), 5.7, Kind::CvssBT),
        (format!("{m}/E:U"), 5.1, Kind::CvssBT),
        (format!("{m}/MSI:S/MSA:S"), 9.3, Kind::CvssBE),
        (format!("{m}/MAV:P/MPR:H/MUI:A"), 5.2, Kind::CvssBE),
        (
            format!("{m}/E:U/MAC:H/MAT:P/MVC:L/MVI:N/MVA:H/MSC:H"),
            3.9,
            Kind::CvssBTE,
        ),
        (format!("{m}/S:P/AU:Y/R:I/V:C/RE:H/U:Red"), 7.2, Kind::CvssB),
        (
            "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:L/SI:L/SA:L/E:U/CR:L/IR:L/AR:L"
                .into(),
            0.1,
            Kind::CvssBTE,
        ),
    ];
    for (v, want, kind) in &cases {
        assert_eq!(ours(v), Ok((*want, *kind)), "{v}");
        assert_eq!(crate_path(v), Ok((*want, *kind)), "{v}");
    }
}

/// xorshift64*: the same vectors on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, of: &[&'a str]) -> &'a str {
        of[self.below(of.len())]
    }
}

const BASE: [(&str, &[&str]); 11] = [
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("AT", &["N", "P"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "P", "A"]),
    ("VC", &["H", "L", "N"]),
    ("VI", &["H", "L", "N"]),
    ("VA", &["H", "L", "N"]),
    ("SC", &["H", "L", "N"]),
    ("SI", &["H", "L", "N"]),
    ("SA", &["H", "L", "N"]),
];

const OPTIONAL: [(&str, &[&str]); 21] = [
    ("E", &["X", "A", "P", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MAT", &["X", "N", "P"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "P", "A"]),
    ("MVC", &["X", "H", "L", "N"]),
    ("MVI", &["X", "H", "L", "N"]),
    ("MVA", &["X", "H", "L", "N"]),
    ("MSC", &["X", "H", "L", "N"]),
    ("MSI", &["X", "S", "H", "L", "N"]),
    ("MSA", &["X", "S", "H", "L", "N"]),
    ("S", &["X", "N", "P"]),
    ("AU", &["X", "N", "Y"]),
    ("R", &["X", "A", "U", "I"]),
    ("V", &["X", "D", "C"]),
    ("RE", &["X", "L", "M", "H"]),
    ("U", &["X", "Clear", "Green", "Amber", "Red", "RED"]),
];

/// A valid vector's components: every base metric; the threat, the
/// environmental and the supplemental group each in half the vectors, with
/// each of its metrics at probability 1/2; sometimes out of the
/// specification's order (which the crate accepted, and so do we).
fn generate(rng: &mut Rng) -> Vec<String> {
    let mut parts: Vec<String> = BASE
        .iter()
        .map(|(m, vs)| format!("{m}:{}", rng.pick(vs)))
        .collect();
    let groups = [&OPTIONAL[..1], &OPTIONAL[1..15], &OPTIONAL[15..]];
    for group in groups {
        if rng.below(2) == 0 {
            continue;
        }
        for (m, vs) in group {
            if group.len() == 1 || rng.below(2) == 0 {
                parts.push(format!("{m}:{}", rng.pick(vs)));
            }
        }
    }
    if rng.below(8) == 0 {
        let (i, j) = (rng.below(parts.len()), rng.below(parts.len()));
        parts.swap(i, j);
    }
    parts
}

fn join(parts: &[String]) -> String {
    format!("CVSS:4.0/{}", parts.join("/"))
}

#[test]
fn v4_matches_the_crate_on_generated_vectors() {
    let mut rng = Rng(0x00c0_ffee_4040);
    let mut kinds = [0usize; 4];
    let mut scores = std::collections::BTreeSet::new();
    for _ in 0..20_000 {
        let v = join(&generate(&mut rng));
        let ours = ours(&v);
        assert_eq!(ours, crate_path(&v), "{v}");
        let (s, kind) = ours.unwrap_or_else(|e| panic!("{v}: {e}"));
        kinds[kind as usize - Kind::CvssB as usize] += 1;
        scores.insert((s * 10.0) as u8);
    }
    // The sample reaches every label and most of the scale.
    assert!(kinds.iter().all(|&k| k > 100), "{kinds:?}");
    assert!(scores.len() > 80, "{} distinct scores", scores.len());
}

/// Invalid vectors: each refusal, and which one comes first, is the one
/// the strict check and the crate gave.
#[test]
fn v4_errors_match_the_crate_path() {
    let b = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    let mut bad: Vec<String> = [
        "CVSS:4.0",
        "CVSS:4.0/",
        "CVSS:4.0/AV:N",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
        "CVSS:4.0/AV:F/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV:X/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N",
        "CVSS:4.0/av:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV:n/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV:N:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV:N//AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV:N/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV:Q/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.0/FOO:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/AV:Q",
        "CVSS:4.0/AV:Q/FOO:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.0/FOO:A/AC:L/FOO:B/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.0/FOO:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/AC:H",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/",
        " CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:Q ",
        "CVSS:4.0/AV:N /AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for tail in [
        "U:clear", "U:FOO", "U:Foo", "U:A", "U:CLEAR", "MSC:S", "MSI:Q", "E:H", "CR:N", "S:S",
        "AU:P", "R:R", "V:X/V:C", "RE:N", "MAV:", ":N", "MVC", "E:X/E:A",
    ] {
        bad.push(format!("{b}/{tail}"));
    }
    // One mutation of each generated vector.
    let mut rng = Rng(0x0bad_4040);
    for _ in 0..5_000 {
        let mut parts = generate(&mut rng);
        let i = rng.below(parts.len());
        match rng.below(7) {
            0 => {
                parts.remove(i);
            }
            1 => {
                let copy = parts[i].clone();
                parts.push(copy);
            }
            2 => {
                let (name, _) = parts[i].split_once(':').unwrap_or_default();
                parts[i] = format!("{name}:{}", rng.pick(&["Q", "X", "S", "M", "HH", ""]));
            }
            3 => parts.insert(i, rng.pick(&["FOO:A", "MS:S", "CVSS:4.0"]).into()),
            4 => parts[i] = parts[i].to_ascii_lowercase(),
            5 => parts[i].push_str(":N"),
            _ => parts.insert(i, String::new()),
        }
        bad.push(join(&parts));
    }
    let mut refused = 0;
    for v in &bad {
        let ours = ours(v);
        assert_eq!(ours, crate_path(v), "{v}");
        refused += usize::from(ours.is_err());
    }
    // Some mutations leave a valid vector (removing an optional metric, X
    // on an optional one); most do not.
    assert!(refused > 4_000, "{refused} refused");
}

/// Every base vector, with each Exploit Maturity: 419,904 vectors.
#[test]
#[ignore = "slow: every base vector through the crate"]
fn v4_matches_the_crate_on_every_base_vector() {
    let mut n = 0;
    let mut idx = [0usize; 11];
    loop {
        let base: Vec<String> = BASE
            .iter()
            .zip(idx)
            .map(|((m, vs), i)| format!("{m}:{}", vs[i]))
            .collect();
        let base = join(&base);
        for e in ["", "/E:A", "/E:P", "/E:U"] {
            let v = format!("{base}{e}");
            assert_eq!(ours(&v), crate_path(&v), "{v}");
            n += 1;
        }
        // Next combination, odometer style.
        let mut k = 0;
        loop {
            if k == idx.len() {
                assert_eq!(n, 419_904);
                return;
            }
            idx[k] += 1;
            if idx[k] < BASE[k].1.len() {
                break;
            }
            idx[k] = 0;
            k += 1;
        }
    }
}
