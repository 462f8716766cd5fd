//! CVSS v4.0 scores, computed here rather than by RustSec's `cvss` crate.
//!
//! Why our own: the crate parses every vector into owned strings
//! (splitting, upper-casing, a `Vec` of components) and, to score, formats
//! each candidate highest-severity vector as a `String` and parses it back.
//! That per-vector allocation and string work made a v4.0 vector about 5×
//! slower to score than a v3.1 one: `bulwark score cvss --file` took
//! 0.37–0.65 s for 100,000 v4.0 vectors against 0.09–0.16 s for v3.1. This
//! module reads a vector into a fixed array of one-byte severity levels
//! without allocating (only a refusal formats its message) and scores it
//! on integers: 0.05–0.11 s wall (0.04–0.05 s CPU) for the same file, about
//! 3.5 million vectors/s on one core. The crate still scores v3.x.
//! Scores are checked against the shared reference vectors
//! (`cvss40_vectors.csv`), against the crate (every base vector, the
//! committed fixtures, generated vectors with every metric), and every
//! entry of the MacroVector table against the crate's table.
//!
//! What is accepted, and each error, is what the crate-based path gave:
//! the strict syntax of [`super`]'s check first (capitals, `METRIC:VALUE`,
//! no metric twice), then the crate's rules (known metric names, the values
//! the specification allows each metric, the eleven base metrics present;
//! like the crate, metric order is not enforced). Supplemental metrics are
//! checked and otherwise ignored: they do not change the score.
//!
//! The scoring follows the CVSS v4.0 specification ("CVSS v4.0 Scoring")
//! and FIRST's reference calculator:
//!
//! 1. Each metric takes its modified value where one is given (`M*` not
//!    `X`); `E:X` counts as `E:A`, and `CR`/`IR`/`AR` `X` as `H`.
//! 2. Six equivalence sets (EQ1–EQ6) place the vector in a MacroVector,
//!    whose score comes from the specification's table of 270 scores.
//! 3. Within the MacroVector the score is interpolated: for each EQ with a
//!    next lower MacroVector, the score gap to it times the vector's
//!    severity distance from the MacroVector's highest-severity vector,
//!    over the MacroVector's depth in that EQ; the mean of those (EQ5
//!    counting with a distance of 0) is subtracted.
//! 4. The result is clamped to 0–10 and rounded to one decimal, ties up.
//!
//! Severity levels are kept in steps of 0.1 as small integers, so the
//! distances are exact and the interpolation is done on integers over a
//! common denominator (840 × the number of terms); the one rounding at the
//! end rounds an exact value. Floating point, as in the reference
//! calculator, can land a hair below an exact tie (5.65 as 5.6499…, which
//! FIRST's calculator then shows as 5.6); Red Hat's implementation, the
//! crate and the shared reference set round such ties up, adding 10⁻⁶
//! before rounding. Exact arithmetic gives their results without the
//! fudge: with n ≤ 5 terms an exact score is a multiple of 1/(8,400 n), so
//! it is either on a tie or at least 1/84,000 (about 1.2·10⁻⁵) from one.

use super::{CvssError, Kind, Version};

/// Metrics in the specification's vector order. The modified metric of
/// base metric `i` (0–10) is `i + MODIFIED`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
enum M {
    Av,
    Ac,
    At,
    Pr,
    Ui,
    Vc,
    Vi,
    Va,
    Sc,
    Si,
    Sa,
    E,
    Cr,
    Ir,
    Ar,
    Mav,
    Mac,
    Mat,
    Mpr,
    Mui,
    Mvc,
    Mvi,
    Mva,
    Msc,
    Msi,
    Msa,
    S,
    Au,
    R,
    V,
    Re,
    U,
}

const COUNT: usize = 32;
const MODIFIED: usize = M::Mav as usize - M::Av as usize;

/// Abbreviation and name of each metric, in [`M`] order (the names appear
/// in error messages).
#[rustfmt::skip]
const NAMES: [(&str, &str); COUNT] = [
    ("AV", "Attack Vector"),
    ("AC", "Attack Complexity"),
    ("AT", "Attack Requirements"),
    ("PR", "Privileges Required"),
    ("UI", "User Interaction"),
    ("VC", "Confidentiality Impact to the Vulnerable System"),
    ("VI", "Integrity Impact to the Vulnerable System"),
    ("VA", "Availability Impact to the Vulnerable System"),
    ("SC", "Confidentiality Impact to the Subsequent System"),
    ("SI", "Integrity Impact to the Subsequent System"),
    ("SA", "Availability Impact to the Subsequent System"),
    ("E", "Exploit Maturity"),
    ("CR", "Confidentiality Requirements"),
    ("IR", "Integrity Requirements"),
    ("AR", "Availability Requirements"),
    ("MAV", "Modified Attack Vector"),
    ("MAC", "Modified Attack Complexity"),
    ("MAT", "Modified Attack Requirements"),
    ("MPR", "Modified Privileges Required"),
    ("MUI", "Modified User Interaction"),
    ("MVC", "Modified Confidentiality Impact to the Vulnerable System"),
    ("MVI", "Modified Integrity Impact to the Vulnerable System"),
    ("MVA", "Modified Availability Impact to the Vulnerable System"),
    ("MSC", "Modified Confidentiality Impact to the Subsequent System"),
    ("MSI", "Modified Integrity Impact to the Subsequent System"),
    ("MSA", "Modified Availability Impact to the Subsequent System"),
    ("S", "Safety"),
    ("AU", "Automatable"),
    ("R", "Recovery"),
    ("V", "Value Density"),
    ("RE", "Vulnerability Response Effort"),
    ("U", "Provider Urgency"),
];

/// The base metrics a vector must have, in the order the crate-based path
/// reported the first one missing.
const MANDATORY: [M; 11] = [
    M::Ac,
    M::At,
    M::Av,
    M::Pr,
    M::Sa,
    M::Sc,
    M::Si,
    M::Ui,
    M::Va,
    M::Vc,
    M::Vi,
];

/// A metric set to Not Defined (`X`), or absent: the same for scoring.
const UNSET: u8 = u8::MAX;

fn metric(name: &str) -> Option<M> {
    Some(match name.as_bytes() {
        b"AV" => M::Av,
        b"AC" => M::Ac,
        b"AT" => M::At,
        b"PR" => M::Pr,
        b"UI" => M::Ui,
        b"VC" => M::Vc,
        b"VI" => M::Vi,
        b"VA" => M::Va,
        b"SC" => M::Sc,
        b"SI" => M::Si,
        b"SA" => M::Sa,
        b"E" => M::E,
        b"CR" => M::Cr,
        b"IR" => M::Ir,
        b"AR" => M::Ar,
        b"MAV" => M::Mav,
        b"MAC" => M::Mac,
        b"MAT" => M::Mat,
        b"MPR" => M::Mpr,
        b"MUI" => M::Mui,
        b"MVC" => M::Mvc,
        b"MVI" => M::Mvi,
        b"MVA" => M::Mva,
        b"MSC" => M::Msc,
        b"MSI" => M::Msi,
        b"MSA" => M::Msa,
        b"S" => M::S,
        b"AU" => M::Au,
        b"R" => M::R,
        b"V" => M::V,
        b"RE" => M::Re,
        b"U" => M::U,
        _ => return None,
    })
}

/// A value's severity level in steps of 0.1 (0 the most severe), as the
/// reference calculator's distance tables have them; [`UNSET`] for `X`
/// where the metric allows it; `None` for a value the metric does not
/// have. Supplemental values, which do not score, are all level 0.
fn level(m: M, value: &str) -> Option<u8> {
    let v = value.as_bytes();
    if v == b"X" {
        // Every metric outside the base group has Not Defined.
        return (m as usize > M::Sa as usize).then_some(UNSET);
    }
    let [b] = *v else {
        // Provider Urgency is the one metric with word values: `Red` as the
        // specification writes them, or `RED` (the syntax check takes
        // capitals and the crate upper-cased what it read).
        return (m == M::U
            && matches!(
                value,
                "Clear" | "Green" | "Amber" | "Red" | "CLEAR" | "GREEN" | "AMBER" | "RED"
            ))
        .then_some(0);
    };
    match m {
        M::Av | M::Mav => match b {
            b'N' => Some(0),
            b'A' => Some(1),
            b'L' => Some(2),
            b'P' => Some(3),
            _ => None,
        },
        M::Ac | M::Mac => match b {
            b'L' => Some(0),
            b'H' => Some(1),
            _ => None,
        },
        M::At | M::Mat => match b {
            b'N' => Some(0),
            b'P' => Some(1),
            _ => None,
        },
        M::Pr | M::Mpr => match b {
            b'N' => Some(0),
            b'L' => Some(1),
            b'H' => Some(2),
            _ => None,
        },
        M::Ui | M::Mui => match b {
            b'N' => Some(0),
            b'P' => Some(1),
            b'A' => Some(2),
            _ => None,
        },
        M::Vc | M::Vi | M::Va | M::Mvc | M::Mvi | M::Mva => match b {
            b'H' => Some(0),
            b'L' => Some(1),
            b'N' => Some(2),
            _ => None,
        },
        // Subsequent-system impacts start at 1: level 0 is Safety, which
        // only MSI and MSA can state.
        M::Sc | M::Si | M::Sa | M::Msc | M::Msi | M::Msa => match b {
            b'S' if matches!(m, M::Msi | M::Msa) => Some(0),
            b'H' => Some(1),
            b'L' => Some(2),
            b'N' => Some(3),
            _ => None,
        },
        M::E => match b {
            b'A' => Some(0),
            b'P' => Some(1),
            b'U' => Some(2),
            _ => None,
        },
        M::Cr | M::Ir | M::Ar => match b {
            b'H' => Some(0),
            b'M' => Some(1),
            b'L' => Some(2),
            _ => None,
        },
        M::S => matches!(b, b'N' | b'P').then_some(0),
        M::Au => matches!(b, b'N' | b'Y').then_some(0),
        M::R => matches!(b, b'A' | b'U' | b'I').then_some(0),
        M::V => matches!(b, b'D' | b'C').then_some(0),
        M::Re => matches!(b, b'L' | b'M' | b'H').then_some(0),
        M::U => None,
    }
}

/// A v4.0 vector read into severity levels, one byte a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Metrics([u8; COUNT]);

/// The first error the crate would have found once the syntax check had
/// passed, kept (borrowed, not formatted) until the syntax check is done.
enum Deferred<'a> {
    Unknown(&'a str),
    Value(M, &'a str),
}

impl Deferred<'_> {
    fn error(self) -> CvssError {
        CvssError::Invalid(match self {
            Deferred::Unknown(name) => format!("unknown CVSS metric name: `{name}`"),
            Deferred::Value(m, value) => {
                let (name, description) = NAMES[m as usize];
                format!(
                    "invalid CVSSv4 {name} ({description}) metric: `{}`",
                    value.to_ascii_uppercase()
                )
            }
        })
    }
}

impl Metrics {
    /// Reads the components after `CVSS:4.0/`.
    fn parse(rest: &str) -> Result<Metrics, CvssError> {
        let mut levels = [UNSET; COUNT];
        let mut seen = 0u32;
        let mut deferred = None;
        let mut offset = 0;
        for c in rest.split('/') {
            let start = offset;
            offset += c.len() + 1;
            // The common case: a known metric with one of its values, which
            // passes the syntax check by construction.
            if let Some((name, value)) = c.split_once(':')
                && let Some(m) = metric(name)
                && let Some(l) = level(m, value)
            {
                let bit = 1u32 << m as u32;
                if seen & bit != 0 {
                    return Err(CvssError::Duplicate(name.to_owned()));
                }
                seen |= bit;
                levels[m as usize] = l;
                continue;
            }
            // Otherwise the vector fails; which error, in what precedence,
            // is what the strict check and then the crate reported.
            let (name, value) = super::component(c)?;
            match metric(name) {
                Some(m) => {
                    let bit = 1u32 << m as u32;
                    if seen & bit != 0 {
                        return Err(CvssError::Duplicate(name.to_owned()));
                    }
                    seen |= bit;
                    deferred.get_or_insert(Deferred::Value(m, value));
                }
                None => {
                    if rest[..start]
                        .split('/')
                        .any(|earlier| earlier.split_once(':').is_some_and(|(n, _)| n == name))
                    {
                        return Err(CvssError::Duplicate(name.to_owned()));
                    }
                    deferred.get_or_insert(Deferred::Unknown(name));
                }
            }
        }
        if let Some(d) = deferred {
            return Err(d.error());
        }
        if let Some(&m) = MANDATORY.iter().find(|&&m| seen & (1 << m as u32) == 0) {
            let (name, description) = NAMES[m as usize];
            return Err(CvssError::Invalid(format!(
                "missing mandatory CVSSv4 {name} ({description}) metric"
            )));
        }
        Ok(Metrics(levels))
    }

    /// CVSS v4.0 §1.3: B, BT, BE or BTE by the groups whose metrics are set
    /// (Not Defined is not set; supplemental metrics don't count).
    fn kind(&self) -> Kind {
        let threat = self.0[M::E as usize] != UNSET;
        let environmental = self.0[M::Cr as usize..=M::Msa as usize]
            .iter()
            .any(|&l| l != UNSET);
        match (threat, environmental) {
            (false, false) => Kind::CvssB,
            (true, false) => Kind::CvssBT,
            (false, true) => Kind::CvssBE,
            (true, true) => Kind::CvssBTE,
        }
    }

    /// The levels the equations use: each base metric overridden by its
    /// modified metric when that is set, E defaulting to Attacked and the
    /// security requirements to High (level 0).
    fn effective(&self) -> Effective {
        let l = &self.0;
        let mut base = [0u8; 11];
        for (i, b) in base.iter_mut().enumerate() {
            let modified = l[i + MODIFIED];
            *b = if modified != UNSET { modified } else { l[i] };
        }
        let or_worst = |m: M| match l[m as usize] {
            UNSET => 0,
            x => x,
        };
        Effective {
            av: base[M::Av as usize],
            ac: base[M::Ac as usize],
            at: base[M::At as usize],
            pr: base[M::Pr as usize],
            ui: base[M::Ui as usize],
            vc: base[M::Vc as usize],
            vi: base[M::Vi as usize],
            va: base[M::Va as usize],
            sc: base[M::Sc as usize],
            si: base[M::Si as usize],
            sa: base[M::Sa as usize],
            e: or_worst(M::E),
            cr: or_worst(M::Cr),
            ir: or_worst(M::Ir),
            ar: or_worst(M::Ar),
        }
    }
}

/// Severity levels the score depends on (see [`level`] for the scale).
#[derive(Clone, Copy, Debug)]
struct Effective {
    av: u8,
    ac: u8,
    at: u8,
    pr: u8,
    ui: u8,
    vc: u8,
    vi: u8,
    va: u8,
    sc: u8,
    si: u8,
    sa: u8,
    e: u8,
    cr: u8,
    ir: u8,
    ar: u8,
}

// Levels by name, for reading the equations.
const NETWORK: u8 = 0; // AV:N
const PHYSICAL: u8 = 3; // AV:P
const NONE: u8 = 0; // PR:N, UI:N, AT:N
const LOW_AC: u8 = 0; // AC:L
const HIGH: u8 = 0; // VC/VI/VA:H, CR/IR/AR:H
const SAFETY: u8 = 0; // MSI/MSA:S
const HIGH_SUB: u8 = 1; // SC/SI/SA:H
const NEGLIGIBLE: u8 = 2; // VC/VI/VA:N
const NEGLIGIBLE_SUB: u8 = 3; // SC/SI/SA:N

/// A MacroVector: the value of EQ1 … EQ6.
type Macro = [u8; 6];

impl Effective {
    fn macro_vector(&self) -> Macro {
        let eq1 = if self.av == NETWORK && self.pr == NONE && self.ui == NONE {
            0
        } else if (self.av == NETWORK || self.pr == NONE || self.ui == NONE) && self.av != PHYSICAL
        {
            1
        } else {
            2
        };
        let eq2 = if self.ac == LOW_AC && self.at == NONE {
            0
        } else {
            1
        };
        let eq3 = if self.vc == HIGH && self.vi == HIGH {
            0
        } else if self.vc == HIGH || self.vi == HIGH || self.va == HIGH {
            1
        } else {
            2
        };
        let eq4 = if self.si == SAFETY || self.sa == SAFETY {
            0
        } else if self.sc == HIGH_SUB || self.si == HIGH_SUB || self.sa == HIGH_SUB {
            1
        } else {
            2
        };
        // A, P, U are levels 0, 1, 2.
        let eq5 = self.e;
        let eq6 = if (self.cr == HIGH && self.vc == HIGH)
            || (self.ir == HIGH && self.vi == HIGH)
            || (self.ar == HIGH && self.va == HIGH)
        {
            0
        } else {
            1
        };
        [eq1, eq2, eq3, eq4, eq5, eq6]
    }

    /// The score in tenths (0–100).
    fn score(&self) -> u8 {
        if self.vc == NEGLIGIBLE
            && self.vi == NEGLIGIBLE
            && self.va == NEGLIGIBLE
            && self.sc == NEGLIGIBLE_SUB
            && self.si == NEGLIGIBLE_SUB
            && self.sa == NEGLIGIBLE_SUB
        {
            return 0;
        }
        let mv = self.macro_vector();
        let [eq1, eq2, eq3, eq4, _, eq6] = mv;
        // Every vector's MacroVector is in the table: EQ3 = 2 (no High
        // impact) implies EQ6 = 1.
        let Some(value) = lookup(mv) else {
            return 0;
        };
        let lower = |i: usize, j: Option<usize>| {
            let mut m = mv;
            m[i] += 1;
            if let Some(j) = j {
                m[j] += 1;
            }
            lookup(m)
        };
        // The next lower MacroVector of each EQ, if there is one. EQ3 and
        // EQ6 move together: 00 has two (01 and 10; the higher score is
        // taken), 01 → 11, 10 → 11, 11 → 21, and 21 has none.
        let lower_eq3eq6 = match (eq3, eq6) {
            (0, 0) => lower(5, None).max(lower(2, None)),
            (1, 0) => lower(5, None),
            (0, 1) | (1, 1) => lower(2, None),
            _ => lower(2, Some(5)),
        };
        let lowers = [
            lower(0, None),
            lower(1, None),
            lower_eq3eq6,
            lower(3, None),
            lower(4, None),
        ];

        let d = self.distances(mv);
        // Depth of the MacroVector in each EQ (largest distance + 1).
        let depth = [
            [1, 4, 5][eq1 as usize],
            [1, 2][eq2 as usize],
            match (eq3, eq6) {
                (0, 0) => 7,
                (0, _) => 6,
                (1, _) => 8,
                _ => 10,
            },
            [6, 5, 4][eq4 as usize],
        ];
        // score = value − mean over the EQs with a lower MacroVector of
        // (value − lower) × distance / depth, all in tenths; kept exact as
        // a fraction over DENOM × n.
        const DENOM: i64 = 840; // lcm of the depths
        let mut n = 0i64;
        let mut taken = 0i64;
        for (i, low) in lowers.iter().enumerate() {
            let Some(low) = low else { continue };
            n += 1;
            // EQ5's proportion is always 0, but its lower MacroVector
            // still counts in the mean.
            if i < 4 {
                let gap = i64::from(value) - i64::from(*low);
                taken += gap * i64::from(d[i]) * (DENOM / depth[i]);
            }
        }
        if n == 0 {
            return value;
        }
        let den = DENOM * n;
        let num = i64::from(value) * den - taken;
        if num <= 0 {
            return 0;
        }
        // Round half up, then clamp to 10.0.
        let tenths = (2 * num + den) / (2 * den);
        tenths.min(100) as u8
    }

    /// The severity distance, per EQ (EQ1, EQ2, EQ3+EQ6, EQ4), from the
    /// MacroVector's highest-severity vector: the first of its candidates
    /// that is at least as severe as this vector in every metric.
    ///
    /// The reference calculator tries the combinations of all EQs'
    /// candidates in order and takes the first that qualifies in every
    /// metric; as each metric belongs to one EQ, that is the first
    /// qualifying candidate of each EQ on its own. Every vector has one in
    /// every EQ (the test `every_vector_has_a_highest_severity_vector`), so
    /// the fallback to the last candidate, where the reference would be
    /// left with the last combination, is never taken.
    fn distances(&self, mv: Macro) -> [i32; 4] {
        let (eq1, eq2, eq3eq6, eq4) = candidates(mv);
        [
            distance(&self.eq1_levels(), eq1),
            distance(&self.eq2_levels(), eq2),
            distance(&self.eq3eq6_levels(), eq3eq6),
            distance(&self.eq4_levels(), eq4),
        ]
    }

    fn eq1_levels(&self) -> [u8; 3] {
        [self.av, self.pr, self.ui]
    }

    fn eq2_levels(&self) -> [u8; 2] {
        [self.ac, self.at]
    }

    fn eq3eq6_levels(&self) -> [u8; 6] {
        [self.vc, self.vi, self.va, self.cr, self.ir, self.ar]
    }

    fn eq4_levels(&self) -> [u8; 3] {
        [self.sc, self.si, self.sa]
    }
}

type Candidates = (
    &'static [[u8; 3]],
    &'static [[u8; 2]],
    &'static [[u8; 6]],
    &'static [[u8; 3]],
);

/// A MacroVector's highest-severity vectors, per EQ.
fn candidates(mv: Macro) -> Candidates {
    let [eq1, eq2, eq3, eq4, _, eq6] = mv;
    let eq1 = match eq1 {
        0 => &EQ1_MAX_0[..],
        1 => &EQ1_MAX_1[..],
        _ => &EQ1_MAX_2[..],
    };
    let eq2 = match eq2 {
        0 => &EQ2_MAX_0[..],
        _ => &EQ2_MAX_1[..],
    };
    let eq3eq6 = match (eq3, eq6) {
        (0, 0) => &EQ3EQ6_MAX_00[..],
        (0, _) => &EQ3EQ6_MAX_01[..],
        (1, 0) => &EQ3EQ6_MAX_10[..],
        (1, _) => &EQ3EQ6_MAX_11[..],
        _ => &EQ3EQ6_MAX_21[..],
    };
    let eq4 = match eq4 {
        0 => &EQ4_MAX_0[..],
        1 => &EQ4_MAX_1[..],
        _ => &EQ4_MAX_2[..],
    };
    (eq1, eq2, eq3eq6, eq4)
}

/// The first candidate that no metric of `own` exceeds in severity (no
/// level of `own` below the candidate's).
fn dominating<'a, const N: usize>(own: &[u8; N], maxes: &'a [[u8; N]]) -> Option<&'a [u8; N]> {
    maxes
        .iter()
        .find(|max| own.iter().zip(max.iter()).all(|(o, m)| o >= m))
}

/// Sum of the level differences from the [`dominating`] candidate (the
/// last candidate if none; see [`Effective::distances`]).
fn distance<const N: usize>(own: &[u8; N], maxes: &[[u8; N]]) -> i32 {
    let Some(max) = dominating(own, maxes).or(maxes.last()) else {
        return 0;
    };
    own.iter()
        .zip(max)
        .map(|(&o, &m)| i32::from(o) - i32::from(m))
        .sum()
}

// The highest-severity vectors of each EQ's levels (FIRST calculator's
// `max_composed.js`), as levels in the metric order of each tuple.
// EQ1: AV, PR, UI.
const EQ1_MAX_0: [[u8; 3]; 1] = [[0, 0, 0]]; // N N N
const EQ1_MAX_1: [[u8; 3]; 3] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]; // ANN NLN NNP
const EQ1_MAX_2: [[u8; 3]; 2] = [[3, 0, 0], [1, 1, 1]]; // PNN ALP
// EQ2: AC, AT.
const EQ2_MAX_0: [[u8; 2]; 1] = [[0, 0]]; // L N
const EQ2_MAX_1: [[u8; 2]; 2] = [[1, 0], [0, 1]]; // HN LP
// EQ3 with EQ6: VC, VI, VA, CR, IR, AR.
const EQ3EQ6_MAX_00: [[u8; 6]; 1] = [[0, 0, 0, 0, 0, 0]]; // HHH HHH
const EQ3EQ6_MAX_01: [[u8; 6]; 2] = [
    [0, 0, 1, 1, 1, 0], // HHL MMH
    [0, 0, 0, 1, 1, 1], // HHH MMM
];
const EQ3EQ6_MAX_10: [[u8; 6]; 2] = [
    [1, 0, 0, 0, 0, 0], // LHH HHH
    [0, 1, 0, 0, 0, 0], // HLH HHH
];
const EQ3EQ6_MAX_11: [[u8; 6]; 5] = [
    [1, 0, 1, 0, 1, 0], // LHL HMH
    [1, 0, 0, 0, 1, 1], // LHH HMM
    [0, 1, 0, 1, 0, 1], // HLH MHM
    [0, 1, 1, 1, 0, 0], // HLL MHH
    [1, 1, 0, 0, 0, 1], // LLH HHM
];
const EQ3EQ6_MAX_21: [[u8; 6]; 1] = [[1, 1, 1, 0, 0, 0]]; // LLL HHH
// EQ4: SC, SI, SA.
const EQ4_MAX_0: [[u8; 3]; 1] = [[1, 0, 0]]; // H S S
const EQ4_MAX_1: [[u8; 3]; 1] = [[1, 1, 1]]; // H H H
const EQ4_MAX_2: [[u8; 3]; 1] = [[2, 2, 2]]; // L L L

/// No MacroVector: EQ3 = 2 with EQ6 = 0 cannot occur.
const NO: u8 = u8::MAX;

/// The CVSS v4.0 MacroVector scores (FIRST calculator's `cvss_lookup.js`),
/// in tenths. One row per EQ1 EQ2 EQ3 EQ4 (in the comment); its six
/// columns are EQ5 EQ6 = 00, 01, 10, 11, 20, 21.
#[rustfmt::skip]
const LOOKUP: [[u8; 6]; 54] = [
    /* 0000 */ [100,  99,  98,  95,  95,  92],
    /* 0001 */ [100,  96,  93,  87,  91,  81],
    /* 0002 */ [ 93,  90,  89,  80,  81,  68],
    /* 0010 */ [ 98,  95,  95,  92,  90,  84],
    /* 0011 */ [ 93,  92,  89,  81,  81,  65],
    /* 0012 */ [ 88,  80,  78,  70,  69,  48],
    /* 0020 */ [ NO,  92,  NO,  82,  NO,  72],
    /* 0021 */ [ NO,  79,  NO,  69,  NO,  50],
    /* 0022 */ [ NO,  69,  NO,  55,  NO,  27],
    /* 0100 */ [ 99,  97,  95,  92,  92,  85],
    /* 0101 */ [ 95,  91,  90,  83,  84,  71],
    /* 0102 */ [ 92,  81,  82,  71,  72,  53],
    /* 0110 */ [ 95,  93,  92,  85,  85,  73],
    /* 0111 */ [ 92,  82,  80,  72,  70,  59],
    /* 0112 */ [ 84,  70,  71,  52,  50,  30],
    /* 0120 */ [ NO,  86,  NO,  75,  NO,  52],
    /* 0121 */ [ NO,  71,  NO,  52,  NO,  29],
    /* 0122 */ [ NO,  63,  NO,  29,  NO,  17],
    /* 1000 */ [ 98,  95,  94,  87,  91,  81],
    /* 1001 */ [ 94,  89,  86,  74,  77,  64],
    /* 1002 */ [ 87,  75,  74,  63,  63,  49],
    /* 1010 */ [ 94,  89,  88,  77,  76,  67],
    /* 1011 */ [ 86,  76,  74,  58,  59,  50],
    /* 1012 */ [ 72,  57,  57,  52,  52,  25],
    /* 1020 */ [ NO,  83,  NO,  70,  NO,  54],
    /* 1021 */ [ NO,  65,  NO,  58,  NO,  26],
    /* 1022 */ [ NO,  53,  NO,  21,  NO,  13],
    /* 1100 */ [ 95,  90,  88,  76,  76,  70],
    /* 1101 */ [ 90,  77,  75,  62,  61,  53],
    /* 1102 */ [ 77,  66,  68,  59,  52,  30],
    /* 1110 */ [ 89,  78,  76,  67,  62,  58],
    /* 1111 */ [ 74,  59,  57,  57,  47,  23],
    /* 1112 */ [ 61,  52,  57,  29,  24,  16],
    /* 1120 */ [ NO,  71,  NO,  59,  NO,  30],
    /* 1121 */ [ NO,  58,  NO,  26,  NO,  15],
    /* 1122 */ [ NO,  23,  NO,  13,  NO,   6],
    /* 2000 */ [ 93,  87,  86,  72,  75,  58],
    /* 2001 */ [ 86,  74,  74,  61,  56,  34],
    /* 2002 */ [ 70,  54,  52,  40,  40,  22],
    /* 2010 */ [ 85,  75,  74,  55,  62,  51],
    /* 2011 */ [ 72,  57,  55,  41,  46,  19],
    /* 2012 */ [ 53,  36,  34,  19,  19,   8],
    /* 2020 */ [ NO,  64,  NO,  51,  NO,  20],
    /* 2021 */ [ NO,  47,  NO,  21,  NO,  11],
    /* 2022 */ [ NO,  24,  NO,   9,  NO,   4],
    /* 2100 */ [ 88,  75,  73,  53,  60,  50],
    /* 2101 */ [ 73,  55,  59,  40,  41,  20],
    /* 2102 */ [ 54,  43,  45,  22,  20,  11],
    /* 2110 */ [ 75,  55,  58,  45,  40,  21],
    /* 2111 */ [ 61,  51,  48,  18,  20,   9],
    /* 2112 */ [ 46,  18,  17,   7,   8,   2],
    /* 2120 */ [ NO,  53,  NO,  24,  NO,  14],
    /* 2121 */ [ NO,  24,  NO,  12,  NO,   5],
    /* 2122 */ [ NO,  10,  NO,   3,  NO,   1],
];

/// The score of a MacroVector in tenths, if it exists.
fn lookup(mv: Macro) -> Option<u8> {
    let [eq1, eq2, eq3, eq4, eq5, eq6] = mv.map(usize::from);
    if eq1 > 2 || eq2 > 1 || eq3 > 2 || eq4 > 2 || eq5 > 2 || eq6 > 1 {
        return None;
    }
    let row = ((eq1 * 2 + eq2) * 3 + eq3) * 3 + eq4;
    let v = LOOKUP[row][eq5 * 2 + eq6];
    (v != NO).then_some(v)
}

/// A v4.0 score without the vector's copy: what [`super::score`] gives for
/// a v4.0 vector, and allocates nothing unless the vector is refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct V4Score {
    /// 0.0–10.0, one decimal.
    pub score: f64,
    pub kind: Kind,
}

/// Scores a `CVSS:4.0/…` vector (surrounding whitespace ignored).
pub fn score(vector: &str) -> Result<V4Score, CvssError> {
    match super::head(vector.trim())? {
        (Version::V4_0, rest) => score_components(rest),
        (other, _) => Err(CvssError::UnsupportedVersion(format!(
            "{other} (a v4.0 score asked for)"
        ))),
    }
}

/// Scores the components of a v4.0 vector (what follows `CVSS:4.0/`).
pub(super) fn score_components(rest: &str) -> Result<V4Score, CvssError> {
    let metrics = Metrics::parse(rest)?;
    let tenths = metrics.effective().score();
    Ok(V4Score {
        score: f64::from(tenths) / 10.0,
        kind: metrics.kind(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenths(v: &str) -> u8 {
        let rest = v.strip_prefix("CVSS:4.0/").expect("a v4.0 vector");
        Metrics::parse(rest).expect(v).effective().score()
    }

    #[test]
    fn lookup_has_the_270_macrovectors() {
        let mut n = 0;
        for eq1 in 0..3 {
            for eq2 in 0..2 {
                for eq3 in 0..3 {
                    for eq4 in 0..3 {
                        for eq5 in 0..3 {
                            for eq6 in 0..2 {
                                let v = lookup([eq1, eq2, eq3, eq4, eq5, eq6]);
                                assert_eq!(v.is_some(), !(eq3 == 2 && eq6 == 0));
                                if let Some(v) = v {
                                    assert!((1..=100).contains(&v));
                                    n += 1;
                                }
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(n, 270);
        assert_eq!(lookup([0, 0, 0, 0, 0, 0]), Some(100));
        assert_eq!(lookup([2, 1, 2, 2, 2, 1]), Some(1));
        assert_eq!(lookup([1, 1, 1, 1, 2, 1]), Some(23));
        assert_eq!(lookup([3, 0, 0, 0, 0, 0]), None);
    }

    /// Each MacroVector's first highest-severity vector scores exactly the
    /// table's value, here and in RustSec's `cvss` crate (whose table was
    /// entered separately): every one of the 270 entries checked.
    #[test]
    fn every_macrovector_scores_its_table_value_here_and_in_the_crate() {
        use std::str::FromStr;
        let letter = |values: &[&'static str], level: u8| values[usize::from(level)];
        let mut n = 0;
        for row in 0..LOOKUP.len() {
            for col in 0..6 {
                let (eq1, eq2, eq3, eq4) = (row / 18, row / 9 % 2, row / 3 % 3, row % 3);
                let mv = [eq1, eq2, eq3, eq4, col / 2, col % 2].map(|x| x as u8);
                let Some(want) = lookup(mv) else { continue };
                let (c1, c2, c3, c4) = candidates(mv);
                let ([av, pr, ui], [ac, at], [vc, vi, va, cr, ir, ar], [sc, si, sa]) =
                    (c1[0], c2[0], c3[0], c4[0]);
                let sub = |name: &str, level: u8| match level {
                    0 => format!("{name}:N/M{name}:S"),
                    l => format!("{name}:{}", letter(&["S", "H", "L", "N"], l)),
                };
                let impact = ["H", "L", "N"];
                let req = ["H", "M", "L"];
                let v = format!(
                    "CVSS:4.0/AV:{}/AC:{}/AT:{}/PR:{}/UI:{}/VC:{}/VI:{}/VA:{}/SC:{}/{}/{}\
                     /E:{}/CR:{}/IR:{}/AR:{}",
                    letter(&["N", "A", "L", "P"], av),
                    letter(&["L", "H"], ac),
                    letter(&["N", "P"], at),
                    letter(&["N", "L", "H"], pr),
                    letter(&["N", "P", "A"], ui),
                    letter(&impact, vc),
                    letter(&impact, vi),
                    letter(&impact, va),
                    letter(&["S", "H", "L", "N"], sc),
                    sub("SI", si),
                    sub("SA", sa),
                    letter(&["A", "P", "U"], mv[4]),
                    letter(&req, cr),
                    letter(&req, ir),
                    letter(&req, ar),
                );
                let rest = v.strip_prefix("CVSS:4.0/").expect("prefix");
                let e = Metrics::parse(rest).expect(&v).effective();
                assert_eq!(e.macro_vector(), mv, "{v}");
                assert_eq!(e.score(), want, "{v}");
                let theirs = ::cvss::v4::Vector::from_str(&v).expect(&v).score().value();
                assert_eq!((theirs * 10.0).round() as u8, want, "{v}: the crate");
                n += 1;
            }
        }
        assert_eq!(n, 270);
    }

    #[test]
    fn highest_and_lowest() {
        let top = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H";
        assert_eq!(tenths(top), 100);
        let none = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N";
        assert_eq!(tenths(none), 0);
        // The lowest non-zero MacroVector, at its least severe vector.
        let low =
            "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:L/SI:L/SA:L/E:U/CR:L/IR:L/AR:L";
        assert_eq!(tenths(low), 1);
        // Environmental Safety lifts a vector with no impact at all.
        let safety = format!("{none}/MSI:S");
        assert!(tenths(&safety) > 0);
    }

    #[test]
    fn modified_metrics_override_base() {
        let base = "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:L/SI:L/SA:L";
        let same = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H";
        let modified =
            format!("{base}/MAV:N/MAC:L/MAT:N/MPR:N/MUI:N/MVC:H/MVI:H/MVA:H/MSC:H/MSI:H/MSA:H");
        assert_eq!(tenths(&modified), tenths(same));
        // X leaves the base value.
        let x = format!("{base}/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X");
        assert_eq!(tenths(&x), tenths(base));
    }

    #[test]
    fn threat_and_requirements_default_to_worst() {
        let b = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N";
        let plain = tenths(b);
        assert_eq!(tenths(&format!("{b}/E:X/CR:X/IR:X/AR:X")), plain);
        assert_eq!(tenths(&format!("{b}/E:A/CR:H/IR:H/AR:H")), plain);
        assert!(tenths(&format!("{b}/E:P")) < plain);
        assert!(tenths(&format!("{b}/E:U")) < tenths(&format!("{b}/E:P")));
        assert!(tenths(&format!("{b}/CR:L")) < plain);
    }

    #[test]
    fn supplemental_metrics_do_not_score() {
        let b = "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N";
        let with = format!("{b}/S:P/AU:Y/R:I/V:C/RE:H/U:Red");
        assert_eq!(tenths(&with), tenths(b));
        let x = format!("{b}/S:X/AU:X/R:X/V:X/RE:X/U:X");
        assert_eq!(tenths(&x), tenths(b));
    }

    /// For every combination of effective levels, each EQ of its
    /// MacroVector has a highest-severity vector at least as severe in
    /// every metric (so `distance` never falls back). The EQs' metrics are
    /// disjoint, so each EQ's levels are enumerated on their own.
    #[test]
    fn every_vector_has_a_highest_severity_vector() {
        let top = Effective {
            av: 0,
            ac: 0,
            at: 0,
            pr: 0,
            ui: 0,
            vc: 0,
            vi: 0,
            va: 0,
            sc: 1,
            si: 1,
            sa: 1,
            e: 0,
            cr: 0,
            ir: 0,
            ar: 0,
        };
        let mut checked = 0;
        for (av, pr, ui) in product3(4, 3, 3) {
            let e = Effective { av, pr, ui, ..top };
            let eq1 = candidates(e.macro_vector()).0;
            assert!(dominating(&e.eq1_levels(), eq1).is_some(), "{e:?}");
            checked += 1;
        }
        for (ac, at, _) in product3(2, 2, 1) {
            let e = Effective { ac, at, ..top };
            let eq2 = candidates(e.macro_vector()).1;
            assert!(dominating(&e.eq2_levels(), eq2).is_some(), "{e:?}");
            checked += 1;
        }
        for (vc, vi, va) in product3(3, 3, 3) {
            for (cr, ir, ar) in product3(3, 3, 3) {
                let e = Effective {
                    vc,
                    vi,
                    va,
                    cr,
                    ir,
                    ar,
                    ..top
                };
                let eq3eq6 = candidates(e.macro_vector()).2;
                assert!(dominating(&e.eq3eq6_levels(), eq3eq6).is_some(), "{e:?}");
                checked += 1;
            }
        }
        // SC has no Safety level; SI and SA have.
        for (sc, si, sa) in product3(3, 4, 4) {
            let e = Effective {
                sc: sc + 1,
                si,
                sa,
                ..top
            };
            let eq4 = candidates(e.macro_vector()).3;
            assert!(dominating(&e.eq4_levels(), eq4).is_some(), "{e:?}");
            checked += 1;
        }
        assert_eq!(checked, 36 + 4 + 729 + 48);
        // And the check can fail: a vector less severe than no candidate.
        assert!(dominating(&[0, 0, 0], &EQ1_MAX_2).is_none());
    }

    fn product3(a: u8, b: u8, c: u8) -> impl Iterator<Item = (u8, u8, u8)> {
        (0..a).flat_map(move |x| (0..b).flat_map(move |y| (0..c).map(move |z| (x, y, z))))
    }

    #[test]
    fn levels_refuse_what_a_metric_does_not_have() {
        assert_eq!(level(M::Av, "X"), None);
        assert_eq!(level(M::Si, "S"), None);
        assert_eq!(level(M::Msi, "S"), Some(SAFETY));
        assert_eq!(level(M::Msc, "S"), None);
        assert_eq!(level(M::Mav, "X"), Some(UNSET));
        assert_eq!(level(M::U, "Amber"), Some(0));
        assert_eq!(level(M::U, "A"), None);
        assert_eq!(level(M::Av, "NN"), None);
        assert_eq!(level(M::Av, ""), None);
        for (i, (name, _)) in NAMES.iter().enumerate() {
            assert_eq!(metric(name).map(|m| m as usize), Some(i), "{name}");
        }
        assert_eq!(metric("MS"), None);
    }
}
