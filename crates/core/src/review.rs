//! The voluntary review of a covered model (EO 14409): the words of a
//! submission (its states, the kinds of dossier document, findings, the
//! conclusion) and the rules that do not need I/O — which transitions are
//! allowed, what the planned dates must satisfy, and the review window.
//!
//! The review never blocks a release: the window only says how much time is
//! left and, at the end, whether the review concluded in time.

use std::fmt;
use std::str::FromStr;

use time::{Duration, OffsetDateTime};

use crate::ParseError;
use crate::grant::word_enum;

word_enum!(
    /// Where a submission stands in the review.
    SubmissionState, "submission state",
    "draft, submitted, triage, in_review, findings_issued, concluded, withdrawn", {
        Draft => "draft",
        Submitted => "submitted",
        Triage => "triage",
        InReview => "in_review",
        FindingsIssued => "findings_issued",
        Concluded => "concluded",
        Withdrawn => "withdrawn",
    }
);

word_enum!(
    /// How a review ends.
    Conclusion, "conclusion",
    "no_significant_concerns, mitigations_recommended, significant_concerns", {
        NoSignificantConcerns => "no_significant_concerns",
        MitigationsRecommended => "mitigations_recommended",
        SignificantConcerns => "significant_concerns",
    }
);

word_enum!(
    /// The documents a dossier is made of.
    DocumentKind, "document kind",
    "model_card, compute_attestation, evaluation_results, system_card, security_controls", {
        ModelCard => "model_card",
        ComputeAttestation => "compute_attestation",
        EvaluationResults => "evaluation_results",
        SystemCard => "system_card",
        SecurityControls => "security_controls",
    }
);

word_enum!(
    /// How serious a reviewer's finding is.
    Severity, "severity", "low, medium, high, critical", {
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
);

word_enum!(
    /// What a reviewer's finding is about.
    FindingCategory, "finding category",
    "offensive_cyber_uplift, deployment_vulnerability, protection_weakness, other", {
        OffensiveCyberUplift => "offensive_cyber_uplift",
        DeploymentVulnerability => "deployment_vulnerability",
        ProtectionWeakness => "protection_weakness",
        Other => "other",
    }
);

/// The largest dossier document accepted, in bytes (16 MiB).
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;

/// Access comes at most this many days before the release to trusted partners.
pub const MAX_WINDOW_DAYS: i64 = 30;

/// A window shorter than this many days is flagged as very short.
pub const SHORT_WINDOW_DAYS: i64 = 7;

impl SubmissionState {
    /// The states a submission in this state may move to. `withdrawn` is
    /// reachable from every state that is not final.
    pub fn next(self) -> &'static [SubmissionState] {
        use SubmissionState::*;
        match self {
            Draft => &[Submitted, Withdrawn],
            Submitted => &[Triage, Withdrawn],
            Triage => &[InReview, Withdrawn],
            InReview => &[FindingsIssued, Concluded, Withdrawn],
            FindingsIssued => &[InReview, Concluded, Withdrawn],
            Concluded | Withdrawn => &[],
        }
    }

    /// Whether nothing can follow this state.
    pub fn is_final(self) -> bool {
        self.next().is_empty()
    }

    /// Checks a move to `to`. Withdrawal needs a non-blank reason.
    pub fn check_transition(
        self,
        to: SubmissionState,
        reason: Option<&str>,
    ) -> Result<(), TransitionError> {
        if !self.next().contains(&to) {
            return Err(TransitionError::NotAllowed {
                from: self,
                to,
                allowed: self.next(),
            });
        }
        if to == SubmissionState::Withdrawn && reason.is_none_or(|r| r.trim().is_empty()) {
            return Err(TransitionError::ReasonRequired);
        }
        Ok(())
    }
}

/// A refused state change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error(
        "a submission in state {from} cannot move to {to}; allowed: {}",
        list(allowed)
    )]
    NotAllowed {
        from: SubmissionState,
        to: SubmissionState,
        allowed: &'static [SubmissionState],
    },
    #[error("withdrawing a submission needs a reason")]
    ReasonRequired,
}

fn list(states: &[SubmissionState]) -> String {
    if states.is_empty() {
        return "none (final state)".to_owned();
    }
    states
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Planned dates, or a document, that cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("planned_partner_release must be in the future")]
    PartnerReleaseInPast,
    #[error("planned_public_release must not be before planned_partner_release")]
    PublicBeforePartner,
    #[error("a dossier document must not be empty")]
    EmptyDocument,
    #[error("a dossier document may be at most {max} bytes; this one has {len}")]
    DocumentTooLarge { len: usize, max: usize },
}

/// Checks the planned releases given at `now`: the release to trusted
/// partners lies in the future, and the public release (if any) not before it.
pub fn check_plan(
    now: OffsetDateTime,
    partner_release: OffsetDateTime,
    public_release: Option<OffsetDateTime>,
) -> Result<(), PlanError> {
    if partner_release <= now {
        return Err(PlanError::PartnerReleaseInPast);
    }
    if public_release.is_some_and(|p| p < partner_release) {
        return Err(PlanError::PublicBeforePartner);
    }
    Ok(())
}

/// Checks a dossier document's size: not empty, at most [`MAX_DOCUMENT_BYTES`].
pub fn check_document_size(len: usize) -> Result<(), PlanError> {
    match len {
        0 => Err(PlanError::EmptyDocument),
        n if n > MAX_DOCUMENT_BYTES => Err(PlanError::DocumentTooLarge {
            len: n,
            max: MAX_DOCUMENT_BYTES,
        }),
        _ => Ok(()),
    }
}

/// Something worth telling the parties about a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowWarning {
    /// Longer than [`MAX_WINDOW_DAYS`]: access comes at most 30 days ahead,
    /// so the submission waits in `submitted` until [`ReviewWindow::access_opens_at`].
    LongerThanAccess { days: i64 },
    /// Shorter than [`SHORT_WINDOW_DAYS`]: little time to review.
    VeryShort { days: i64 },
}

impl fmt::Display for WindowWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WindowWarning::LongerThanAccess { days } => write!(
                f,
                "the window is {days} days; access comes at most {MAX_WINDOW_DAYS} days before the release to trusted partners"
            ),
            WindowWarning::VeryShort { days } => write!(
                f,
                "the window is only {days} days (less than {SHORT_WINDOW_DAYS})"
            ),
        }
    }
}

/// The review window: from submission to the planned release to trusted
/// partners. The review must conclude by its end; it never blocks the release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewWindow {
    pub submitted_at: OffsetDateTime,
    pub partner_release: OffsetDateTime,
}

impl ReviewWindow {
    pub fn new(submitted_at: OffsetDateTime, partner_release: OffsetDateTime) -> Self {
        ReviewWindow {
            submitted_at,
            partner_release,
        }
    }

    /// The window's length (zero if the release is not after submission).
    pub fn length(&self) -> Duration {
        (self.partner_release - self.submitted_at).max(Duration::ZERO)
    }

    /// Whole days from `now` to the end of the window, rounded down;
    /// negative once the end has passed.
    pub fn days_remaining(&self, now: OffsetDateTime) -> i64 {
        floor_days(self.partner_release - now)
    }

    /// When the agencies' access begins: 30 days before the release, or at
    /// submission if that is later.
    pub fn access_opens_at(&self) -> OffsetDateTime {
        (self.partner_release - Duration::days(MAX_WINDOW_DAYS)).max(self.submitted_at)
    }

    /// The warning the window's length calls for, if any.
    pub fn warning(&self) -> Option<WindowWarning> {
        let len = self.length();
        let days = floor_days(len);
        if len > Duration::days(MAX_WINDOW_DAYS) {
            Some(WindowWarning::LongerThanAccess { days })
        } else if len < Duration::days(SHORT_WINDOW_DAYS) {
            Some(WindowWarning::VeryShort { days })
        } else {
            None
        }
    }

    /// Whether a conclusion at `concluded_at` came in time: at or before the
    /// release to trusted partners.
    pub fn concluded_in_time(&self, concluded_at: OffsetDateTime) -> bool {
        concluded_at <= self.partner_release
    }

    /// Whether the window has ended at `now`.
    pub fn has_ended(&self, now: OffsetDateTime) -> bool {
        now >= self.partner_release
    }
}

fn floor_days(d: Duration) -> i64 {
    d.whole_seconds().div_euclid(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-07-01 12:00 UTC);

    #[test]
    fn the_workflow_walks_from_draft_to_conclusion() {
        use SubmissionState::*;
        let path = [
            Draft,
            Submitted,
            Triage,
            InReview,
            FindingsIssued,
            Concluded,
        ];
        for w in path.windows(2) {
            assert_eq!(w[0].check_transition(w[1], None), Ok(()), "{w:?}");
        }
        assert!(Concluded.is_final());
        assert!(Withdrawn.is_final());
        assert_eq!(FindingsIssued.check_transition(InReview, None), Ok(()));
        assert_eq!(InReview.check_transition(Concluded, None), Ok(()));
    }

    #[test]
    fn invalid_transitions_name_the_allowed_ones() {
        use SubmissionState::*;
        let e = Draft.check_transition(Concluded, None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a submission in state draft cannot move to concluded; allowed: submitted, withdrawn"
        );
        let e = Concluded
            .check_transition(Withdrawn, Some("x"))
            .unwrap_err();
        assert!(e.to_string().contains("none (final state)"), "{e}");
        assert!(Withdrawn.check_transition(Draft, None).is_err());
        assert!(Submitted.check_transition(InReview, None).is_err());
    }

    #[test]
    fn withdrawal_is_possible_from_every_open_state_but_needs_a_reason() {
        for s in SubmissionState::ALL.iter().filter(|s| !s.is_final()) {
            assert_eq!(
                s.check_transition(SubmissionState::Withdrawn, Some("plans changed")),
                Ok(())
            );
            assert_eq!(
                s.check_transition(SubmissionState::Withdrawn, Some("  ")),
                Err(TransitionError::ReasonRequired)
            );
            assert_eq!(
                s.check_transition(SubmissionState::Withdrawn, None),
                Err(TransitionError::ReasonRequired)
            );
        }
    }

    #[test]
    fn words_round_trip_and_bad_ones_name_the_allowed() {
        for s in SubmissionState::ALL {
            assert_eq!(s.as_str().parse::<SubmissionState>().unwrap(), *s);
        }
        for c in Conclusion::ALL {
            assert_eq!(c.as_str().parse::<Conclusion>().unwrap(), *c);
        }
        for k in DocumentKind::ALL {
            assert_eq!(k.as_str().parse::<DocumentKind>().unwrap(), *k);
        }
        for s in Severity::ALL {
            assert_eq!(s.as_str().parse::<Severity>().unwrap(), *s);
        }
        for c in FindingCategory::ALL {
            assert_eq!(c.as_str().parse::<FindingCategory>().unwrap(), *c);
        }
        let e = "approved".parse::<Conclusion>().unwrap_err();
        assert!(e.to_string().contains("significant_concerns"), "{e}");
        let e = "readme".parse::<DocumentKind>().unwrap_err();
        assert!(e.to_string().contains("model_card"), "{e}");
    }

    #[test]
    fn planned_dates_must_be_ahead_and_in_order() {
        let later = NOW + Duration::days(20);
        assert_eq!(check_plan(NOW, later, None), Ok(()));
        assert_eq!(check_plan(NOW, later, Some(later)), Ok(()));
        assert_eq!(
            check_plan(NOW, NOW, None),
            Err(PlanError::PartnerReleaseInPast)
        );
        assert_eq!(
            check_plan(NOW, NOW - Duration::days(1), None),
            Err(PlanError::PartnerReleaseInPast)
        );
        assert_eq!(
            check_plan(NOW, later, Some(later - Duration::seconds(1))),
            Err(PlanError::PublicBeforePartner)
        );
    }

    #[test]
    fn document_sizes_are_bounded() {
        assert_eq!(check_document_size(0), Err(PlanError::EmptyDocument));
        assert_eq!(check_document_size(1), Ok(()));
        assert_eq!(check_document_size(MAX_DOCUMENT_BYTES), Ok(()));
        assert_eq!(
            check_document_size(MAX_DOCUMENT_BYTES + 1),
            Err(PlanError::DocumentTooLarge {
                len: MAX_DOCUMENT_BYTES + 1,
                max: MAX_DOCUMENT_BYTES
            })
        );
    }

    #[test]
    fn days_remaining_round_down_and_go_negative() {
        let w = ReviewWindow::new(NOW, NOW + Duration::days(20));
        assert_eq!(w.days_remaining(NOW), 20);
        assert_eq!(w.days_remaining(NOW + Duration::hours(1)), 19);
        assert_eq!(w.days_remaining(NOW + Duration::days(20)), 0);
        assert!(!w.has_ended(NOW + Duration::days(20) - Duration::microseconds(1)));
        assert!(w.has_ended(NOW + Duration::days(20)));
        assert_eq!(
            w.days_remaining(NOW + Duration::days(20) + Duration::seconds(1)),
            -1
        );
        assert_eq!(w.days_remaining(NOW + Duration::days(23)), -3);
    }

    #[test]
    fn windows_longer_than_thirty_days_or_very_short_are_flagged() {
        let at = |d: Duration| ReviewWindow::new(NOW, NOW + d).warning();
        assert_eq!(at(Duration::days(30)), None);
        assert_eq!(at(Duration::days(7)), None);
        assert_eq!(
            at(Duration::days(30) + Duration::seconds(1)),
            Some(WindowWarning::LongerThanAccess { days: 30 })
        );
        assert_eq!(
            at(Duration::days(45)),
            Some(WindowWarning::LongerThanAccess { days: 45 })
        );
        assert_eq!(
            at(Duration::days(7) - Duration::seconds(1)),
            Some(WindowWarning::VeryShort { days: 6 })
        );
        assert_eq!(
            at(Duration::days(2)),
            Some(WindowWarning::VeryShort { days: 2 })
        );
        let long = ReviewWindow::new(NOW, NOW + Duration::days(45));
        assert_eq!(long.access_opens_at(), NOW + Duration::days(15));
        assert!(
            long.warning()
                .unwrap()
                .to_string()
                .contains("at most 30 days")
        );
        let short = ReviewWindow::new(NOW, NOW + Duration::days(10));
        assert_eq!(short.access_opens_at(), NOW);
    }

    #[test]
    fn a_conclusion_is_in_time_up_to_the_release() {
        let release = NOW + Duration::days(14);
        let w = ReviewWindow::new(NOW, release);
        assert!(w.concluded_in_time(NOW + Duration::days(3)));
        assert!(w.concluded_in_time(release));
        assert!(!w.concluded_in_time(release + Duration::microseconds(1)));
    }
}
