//! A tool's scorecard: what the clearinghouse has seen of each version,
//! as counts and as rates, each rate with its sample size and its 95%
//! Wilson score interval, never a bare ratio.
//!
//! Wilson's interval (Wilson 1927; recommended by Newcombe 1998 among
//! seven methods) stays inside [0, 1], is not degenerate at 0 or n
//! successes, and is honest for small samples: 2 of 3 reads as "between
//! 21% and 94%", not as "67%". A rate on fewer than [`MIN_SAMPLES`] trials
//! is still shown, with its interval, but flagged ([`Rate::too_few`]).

/// z for a two-sided 95% interval: the 0.975 quantile of the standard
/// normal distribution.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Below this many trials a rate is flagged as resting on too few samples.
pub const MIN_SAMPLES: i64 = 10;

/// Counts that cannot come from the store's counters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScorecardError {
    /// A rate of `k` successes in `n` trials needs 0 ≤ k ≤ n.
    #[error("{what}: {k} of {n} is not a rate (needs 0 ≤ k ≤ n)")]
    NotARate { what: &'static str, k: i64, n: i64 },
}

/// The 95% Wilson score interval of `k` successes in `n` trials; (0, 1)
/// when there are no trials. `k` is clamped into [0, n].
pub fn wilson(k: i64, n: i64) -> (f64, f64) {
    if n <= 0 {
        return (0.0, 1.0);
    }
    let (k, n) = (k.clamp(0, n) as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// `k` of `n`, with its 95% Wilson interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub k: i64,
    pub n: i64,
    pub lower: f64,
    pub upper: f64,
}

impl Rate {
    /// `k` successes of `n` trials; `what` names the rate in the error.
    pub fn new(what: &'static str, k: i64, n: i64) -> Result<Rate, ScorecardError> {
        if k < 0 || n < 0 || k > n {
            return Err(ScorecardError::NotARate { what, k, n });
        }
        let (lower, upper) = wilson(k, n);
        Ok(Rate { k, n, lower, upper })
    }

    /// k ÷ n, or `None` without trials (there is no rate to show).
    pub fn point(&self) -> Option<f64> {
        (self.n > 0).then(|| self.k as f64 / self.n as f64)
    }

    /// Rests on fewer than [`MIN_SAMPLES`] trials: shown, with its
    /// interval, but flagged.
    pub fn too_few(&self) -> bool {
        self.n < MIN_SAMPLES
    }
}

/// What the clearinghouse has seen of one tool version, as the store keeps
/// it (every field a count of events).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evidence {
    /// Reports sent with the version.
    pub reports: i64,
    /// Distinct cases they are in.
    pub cases: i64,
    /// Of `cases`, validated.
    pub validated: i64,
    /// Of `cases`, rejected.
    pub rejected: i64,
    /// Of `cases`, those someone else had reported before this version did.
    pub duplicate: i64,
    /// Patches submitted.
    pub patches: i64,
    /// Of `patches`, accepted.
    pub patches_accepted: i64,
    /// Scan claims made.
    pub claims: i64,
    /// Claims released with findings.
    pub claims_findings: i64,
    /// Claims released with nothing found.
    pub claims_nothing_found: i64,
    /// Claims released as abandoned.
    pub claims_abandoned: i64,
    /// Distinct targets covered (findings or nothing found).
    pub targets: i64,
}

impl Evidence {
    /// Claims released, whatever came of them.
    pub fn claims_released(&self) -> i64 {
        self.claims_findings + self.claims_nothing_found + self.claims_abandoned
    }

    /// Cases this version reported first.
    pub fn found_first(&self) -> i64 {
        self.cases - self.duplicate
    }
}

/// One version's scorecard: the counts and the rates they give.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    pub evidence: Evidence,
    /// Validated of the cases decided (validated + rejected): pending cases
    /// say nothing yet.
    pub validation: Rate,
    /// Cases someone else had reported first, of the cases behind it.
    pub duplicate: Rate,
    /// Cases it reported first, of the cases behind it.
    pub found_first: Rate,
    /// Patches accepted of those submitted.
    pub patch_acceptance: Rate,
    /// Claims released with nothing found, of the claims released.
    pub nothing_found: Rate,
}

impl Scorecard {
    /// The scorecard of one version's evidence. Counts that contradict each
    /// other (more validated than cases, say) are an error, not a rate.
    pub fn from_evidence(e: Evidence) -> Result<Scorecard, ScorecardError> {
        let decided = e.validated.checked_add(e.rejected).unwrap_or(i64::MAX);
        if decided > e.cases {
            return Err(ScorecardError::NotARate {
                what: "decided cases",
                k: decided,
                n: e.cases,
            });
        }
        for (what, v) in [
            ("reports", e.reports),
            ("claims", e.claims),
            ("targets", e.targets),
            ("claims_findings", e.claims_findings),
            ("claims_abandoned", e.claims_abandoned),
        ] {
            if v < 0 {
                return Err(ScorecardError::NotARate { what, k: v, n: 0 });
            }
        }
        Ok(Scorecard {
            evidence: e,
            validation: Rate::new("validated", e.validated, decided)?,
            duplicate: Rate::new("duplicate", e.duplicate, e.cases)?,
            found_first: Rate::new("found first", e.found_first(), e.cases)?,
            patch_acceptance: Rate::new("patches accepted", e.patches_accepted, e.patches)?,
            nothing_found: Rate::new("nothing found", e.claims_nothing_found, e.claims_released())?,
        })
    }
}

/// The median of `samples` (sorted in place), the mean of the middle two
/// for an even count, rounded towards the lower; `None` when empty.
pub fn median(samples: &mut [i64]) -> Option<i64> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let mid = samples.len() / 2;
    if samples.len() % 2 == 1 {
        Some(samples[mid])
    } else {
        let (a, b) = (samples[mid - 1], samples[mid]);
        // Without overflow for any two i64.
        Some(a.div_euclid(2) + b.div_euclid(2) + (a.rem_euclid(2) + b.rem_euclid(2)) / 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 5e-5
    }

    #[test]
    fn wilson_matches_newcombe_1998() {
        // Newcombe (1998), "Two-sided confidence intervals for the single
        // proportion", Statistics in Medicine 17, table II, method 3 (score
        // interval without continuity correction), to four places.
        for (k, n, lo, hi) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
            (29, 29, 0.8830, 1.0),
            (8, 10, 0.4902, 0.9433),
        ] {
            let (l, h) = wilson(k, n);
            assert!(close(l, lo) && close(h, hi), "{k}/{n}: {l} {h}");
        }
    }

    // Moved here with `wilson` from the server's charts.
    #[test]
    fn wilson_intervals_match_known_values() {
        // 8 of 10: 0.490 to 0.943 (Wilson 1927; Newcombe 1998, table I).
        let (lo, hi) = wilson(8, 10);
        assert!(
            (lo - 0.4902).abs() < 1e-3 && (hi - 0.9433).abs() < 1e-3,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson(0, 10);
        assert!(lo == 0.0 && (hi - 0.2775).abs() < 1e-3, "{hi}");
        assert_eq!(wilson(0, 0), (0.0, 1.0));
    }

    #[test]
    fn wilson_edges() {
        assert_eq!(wilson(0, 0), (0.0, 1.0));
        assert_eq!(wilson(3, -1), (0.0, 1.0));
        // Clamped: more successes than trials reads as all of them.
        assert_eq!(wilson(12, 10), wilson(10, 10));
        let (l, h) = wilson(1, 1);
        assert!(close(l, 0.2065) && h == 1.0, "{l} {h}");
        // Symmetric: k of n mirrors n-k of n.
        let (l1, h1) = wilson(3, 17);
        let (l2, h2) = wilson(14, 17);
        assert!(close(l1, 1.0 - h2) && close(h1, 1.0 - l2));
        // Narrows as n grows at the same proportion.
        let (a, b) = wilson(50, 100);
        let (c, d) = wilson(5_000, 10_000);
        assert!(d - c < b - a);
        assert!(c < 0.5 && 0.5 < d);
    }

    #[test]
    fn rates_refuse_impossible_counts_and_flag_small_samples() {
        assert!(Rate::new("x", 3, 2).is_err());
        assert!(Rate::new("x", -1, 2).is_err());
        assert!(Rate::new("x", 0, -2).is_err());
        let r = Rate::new("x", 2, 3).unwrap();
        assert!(r.too_few());
        assert_eq!(r.point(), Some(2.0 / 3.0));
        assert!(r.lower < 0.25 && r.upper > 0.9, "{r:?}");
        let r = Rate::new("x", 0, 0).unwrap();
        assert_eq!(r.point(), None);
        assert!(r.too_few());
        assert_eq!((r.lower, r.upper), (0.0, 1.0));
        assert!(!Rate::new("x", 9, 10).unwrap().too_few());
        assert!(Rate::new("x", 8, 9).unwrap().too_few());
    }

    #[test]
    fn a_scorecard_reads_its_rates_from_the_counts() {
        let e = Evidence {
            reports: 40,
            cases: 30,
            validated: 8,
            rejected: 2,
            duplicate: 12,
            patches: 4,
            patches_accepted: 1,
            claims: 9,
            claims_findings: 3,
            claims_nothing_found: 4,
            claims_abandoned: 1,
            targets: 6,
        };
        let s = Scorecard::from_evidence(e).unwrap();
        assert_eq!((s.validation.k, s.validation.n), (8, 10));
        assert!(close(s.validation.lower, 0.4902) && close(s.validation.upper, 0.9433));
        assert_eq!((s.duplicate.k, s.duplicate.n), (12, 30));
        assert_eq!((s.found_first.k, s.found_first.n), (18, 30));
        assert_eq!((s.patch_acceptance.k, s.patch_acceptance.n), (1, 4));
        assert_eq!((s.nothing_found.k, s.nothing_found.n), (4, 8));
        assert!(!s.duplicate.too_few() && s.patch_acceptance.too_few());
    }

    #[test]
    fn contradictory_counts_are_an_error() {
        let bad = Evidence {
            cases: 3,
            validated: 2,
            rejected: 2,
            ..Evidence::default()
        };
        assert!(Scorecard::from_evidence(bad).is_err());
        let bad = Evidence {
            cases: 3,
            duplicate: 4,
            ..Evidence::default()
        };
        assert!(Scorecard::from_evidence(bad).is_err());
        let bad = Evidence {
            patches: 1,
            patches_accepted: 2,
            ..Evidence::default()
        };
        assert!(Scorecard::from_evidence(bad).is_err());
        // Nothing seen: every rate is 0 of 0, from 0 to 1.
        let s = Scorecard::from_evidence(Evidence::default()).unwrap();
        assert_eq!((s.validation.lower, s.validation.upper), (0.0, 1.0));
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5]), Some(5));
        assert_eq!(median(&mut [9, 1, 5]), Some(5));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
        assert_eq!(median(&mut [i64::MAX, i64::MAX]), Some(i64::MAX));
        assert_eq!(median(&mut [i64::MIN, i64::MIN]), Some(i64::MIN));
        assert_eq!(median(&mut [-3, 4]), Some(0));
    }
}
