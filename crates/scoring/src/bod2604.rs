//! CISA BOD 26-04 remediation timelines (SSVC decision model
//! `cisa:BOD2604` v1.0.0): four yes/no-like inputs, 16 rows, five outcomes
//! (3 days with forensic triage, 3 days, 14 days, 60 days, fix on system
//! upgrade). The table is written out as CISA publishes it.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::ssvc::{Automatable, TechnicalImpact};

/// A remediation timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Timeline {
    /// Days to remediate; `None` when the fix waits for the system's next
    /// scheduled major upgrade or rebuild.
    pub days: Option<u32>,
    /// Also carry out a forensic triage of the asset for compromise.
    pub forensic_investigation: bool,
    pub on_upgrade: bool,
}

impl Timeline {
    const D3F: Timeline = Timeline::days(3, true);
    const D3: Timeline = Timeline::days(3, false);
    const D14: Timeline = Timeline::days(14, false);
    const D60: Timeline = Timeline::days(60, false);
    const FSU: Timeline = Timeline {
        days: None,
        forensic_investigation: false,
        on_upgrade: true,
    };

    const fn days(days: u32, forensic_investigation: bool) -> Timeline {
        Timeline {
            days: Some(days),
            forensic_investigation,
            on_upgrade: false,
        }
    }

    /// When remediation is due, counting calendar days from `start` (the
    /// date the vulnerability became known to apply); `None` for a fix on
    /// upgrade, which has no date.
    pub fn due(&self, start: OffsetDateTime) -> Option<OffsetDateTime> {
        self.days
            .and_then(|d| start.checked_add(Duration::days(i64::from(d))))
    }
}

/// CISA's outcome names: `3 days & forensic investigation`, `3 days`,
/// `14 days`, `60 days`, `fix on system upgrade`.
impl fmt::Display for Timeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.days, self.forensic_investigation) {
            (None, _) => f.write_str("fix on system upgrade"),
            (Some(d), false) => write!(f, "{d} days"),
            (Some(d), true) => write!(f, "{d} days & forensic investigation"),
        }
    }
}

/// An outcome name that is not one of CISA's five.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown BOD 26-04 timeline `{0}`")]
pub struct TimelineError(pub String);

impl FromStr for Timeline {
    type Err = TimelineError;
    fn from_str(s: &str) -> Result<Self, TimelineError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "3 days & forensic investigation" => Ok(Self::D3F),
            "3 days" => Ok(Self::D3),
            "14 days" => Ok(Self::D14),
            "60 days" => Ok(Self::D60),
            "fix on system upgrade" => Ok(Self::FSU),
            _ => Err(TimelineError(s.to_owned())),
        }
    }
}

use Automatable as Au;
use TechnicalImpact as Ti;

/// (in KEV, publicly exposed, automatable, technical impact) → timeline.
#[rustfmt::skip]
const TABLE: [(bool, bool, Au, Ti, Timeline); 16] = [
    (true,  true,  Au::Yes, Ti::Total,   Timeline::D3F),
    (true,  true,  Au::Yes, Ti::Partial, Timeline::D3),
    (true,  true,  Au::No,  Ti::Total,   Timeline::D3F),
    (true,  true,  Au::No,  Ti::Partial, Timeline::D14),
    (true,  false, Au::Yes, Ti::Total,   Timeline::D3F),
    (true,  false, Au::Yes, Ti::Partial, Timeline::D14),
    (true,  false, Au::No,  Ti::Total,   Timeline::D14),
    (true,  false, Au::No,  Ti::Partial, Timeline::D14),
    (false, true,  Au::Yes, Ti::Total,   Timeline::D3),
    (false, true,  Au::Yes, Ti::Partial, Timeline::D14),
    (false, true,  Au::No,  Ti::Total,   Timeline::D14),
    (false, true,  Au::No,  Ti::Partial, Timeline::D60),
    (false, false, Au::Yes, Ti::Total,   Timeline::D60),
    (false, false, Au::Yes, Ti::Partial, Timeline::D60),
    (false, false, Au::No,  Ti::Total,   Timeline::FSU),
    (false, false, Au::No,  Ti::Partial, Timeline::FSU),
];

/// The remediation timeline BOD 26-04 sets for a vulnerability on an asset.
pub fn timeline(
    kev: bool,
    exposed: bool,
    automatable: Automatable,
    impact: TechnicalImpact,
) -> Timeline {
    // The table is complete (tested), so the fallback is never taken.
    TABLE
        .iter()
        .find(|r| r.0 == kev && r.1 == exposed && r.2 == automatable && r.3 == impact)
        .map_or(Timeline::D3F, |r| r.4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn table_is_complete_and_unique() {
        for k in [false, true] {
            for e in [false, true] {
                for a in [Au::No, Au::Yes] {
                    for t in [Ti::Partial, Ti::Total] {
                        let n = TABLE
                            .iter()
                            .filter(|r| r.0 == k && r.1 == e && r.2 == a && r.3 == t)
                            .count();
                        assert_eq!(n, 1);
                    }
                }
            }
        }
        let forensic = TABLE.iter().filter(|r| r.4.forensic_investigation).count();
        assert_eq!(forensic, 3);
    }

    #[test]
    fn due_dates() {
        let start = datetime!(2026-08-07 16:45 UTC);
        let t = timeline(true, true, Au::Yes, Ti::Total);
        assert_eq!(t.due(start), Some(datetime!(2026-08-10 16:45 UTC)));
        let t = timeline(false, true, Au::No, Ti::Partial);
        assert_eq!(t.due(start), Some(datetime!(2026-10-06 16:45 UTC)));
        assert_eq!(timeline(false, false, Au::No, Ti::Total).due(start), None);
    }

    #[test]
    fn names_round_trip() {
        for row in TABLE {
            assert_eq!(row.4.to_string().parse::<Timeline>(), Ok(row.4));
        }
        assert!("soon".parse::<Timeline>().is_err());
    }
}
