//! The words of a case's remediation artefacts: what an artefact is, where
//! it stands, the checks a patch is validated by and the per-case patch
//! quorum that accepts it. No I/O.
//!
//! A patch is trusted for what independent organizations found when they
//! tried it, not for who wrote it (a person, a vendor or an AI model): the
//! quorum counts only organizations other than the submitter's, and only
//! those that found all three things a fix must do.

use std::fmt;
use std::str::FromStr;

use crate::ParseError;
use crate::grant::word_enum;

word_enum!(
    /// What a remediation artefact is: the vendor's fix (fixed versions, a
    /// commit or release URL), a patch file (a diff), a workaround or a
    /// mitigation (what to do until a fix is installed).
    RemediationKind, "remediation kind", "vendor_fix, patch, workaround, mitigation", {
        VendorFix => "vendor_fix",
        Patch => "patch",
        Workaround => "workaround",
        Mitigation => "mitigation",
    }
);

word_enum!(
    /// Where a remediation artefact stands. A patch is `proposed` until its
    /// quorum accepts it; the other kinds are `accepted` when submitted
    /// (the vendor's word, or advice, is not validated by others).
    RemediationState, "remediation state", "proposed, accepted, rejected, withdrawn", {
        Proposed => "proposed",
        Accepted => "accepted",
        Rejected => "rejected",
        Withdrawn => "withdrawn",
    }
);

word_enum!(
    /// What a patch validation task checks: the patch applies cleanly to
    /// the affected version; with it the case's reproduction no longer
    /// triggers; the project's tests still pass.
    PatchCheck, "patch check", "applies, fixes, tests_pass", {
        Applies => "applies",
        Fixes => "fixes",
        TestsPass => "tests_pass",
    }
);

word_enum!(
    /// What a patch validator found.
    PatchCheckResult, "patch check result", "passed, failed", {
        Passed => "passed",
        Failed => "failed",
    }
);

/// One patch validation as the quorum rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatchValidation<Org> {
    pub check: PatchCheck,
    pub result: PatchCheckResult,
    pub org: Org,
}

/// When a patch is accepted: `organizations` independent organizations
/// (not the submitter's) each passed it on all three checks, and no
/// independent organization found it failing. The default is two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatchQuorum {
    pub organizations: u32,
}

impl Default for PatchQuorum {
    fn default() -> Self {
        PatchQuorum { organizations: 2 }
    }
}

/// What the quorum rule found for one patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchTally<Org> {
    /// Independent organizations whose latest result is `passed` on every
    /// check, in the order they completed.
    pub passed: Vec<Org>,
    /// Independent organizations whose latest result on some check is
    /// `failed`: any one of them holds the patch back.
    pub failed: Vec<Org>,
}

impl PatchQuorum {
    /// The most organizations a quorum may ask for.
    pub const MAX: u32 = 10;

    /// Counts `validations` (oldest first; an organization's later result
    /// on a check replaces its earlier one) of a patch submitted by
    /// `submitter`'s organization. The submitter's own validations never
    /// count, for or against.
    pub fn tally<Org: PartialEq + Copy>(
        &self,
        submitter: Org,
        validations: &[PatchValidation<Org>],
    ) -> PatchTally<Org> {
        let mut orgs: Vec<Org> = Vec::new();
        for v in validations {
            if v.org != submitter && !orgs.contains(&v.org) {
                orgs.push(v.org);
            }
        }
        let latest = |org: Org, check: PatchCheck| {
            validations
                .iter()
                .rev()
                .find(|v| v.org == org && v.check == check)
                .map(|v| v.result)
        };
        let mut tally = PatchTally {
            passed: Vec::new(),
            failed: Vec::new(),
        };
        for org in orgs {
            let results: Vec<Option<PatchCheckResult>> =
                PatchCheck::ALL.iter().map(|c| latest(org, *c)).collect();
            if results.contains(&Some(PatchCheckResult::Failed)) {
                tally.failed.push(org);
            } else if results.iter().all(|r| *r == Some(PatchCheckResult::Passed)) {
                tally.passed.push(org);
            }
        }
        tally
    }

    /// Whether the patch is accepted (see [`PatchQuorum`]).
    pub fn is_met<Org: PartialEq + Copy>(
        &self,
        submitter: Org,
        validations: &[PatchValidation<Org>],
    ) -> bool {
        let t = self.tally(submitter, validations);
        self.organizations > 0
            && t.failed.is_empty()
            && t.passed.len() >= self.organizations as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PatchCheck::*;
    use PatchCheckResult::*;

    fn all(org: u8, result: PatchCheckResult) -> Vec<PatchValidation<u8>> {
        PatchCheck::ALL
            .iter()
            .map(|c| PatchValidation {
                check: *c,
                result,
                org,
            })
            .collect()
    }

    fn v(check: PatchCheck, result: PatchCheckResult, org: u8) -> PatchValidation<u8> {
        PatchValidation { check, result, org }
    }

    #[test]
    fn two_independent_organizations_passing_every_check_by_default() {
        let q = PatchQuorum::default();
        let submitter = 1;
        assert!(!q.is_met(submitter, &[]));
        assert!(!q.is_met(submitter, &all(2, Passed)), "one is not two");
        let two = [all(2, Passed), all(3, Passed)].concat();
        assert!(q.is_met(submitter, &two));
        let with_author = [all(1, Passed), all(2, Passed)].concat();
        assert!(
            !q.is_met(submitter, &with_author),
            "the submitter's organization is not independent"
        );
        let doubled = [all(2, Passed), all(2, Passed)].concat();
        assert!(
            !q.is_met(submitter, &doubled),
            "one organization counts once"
        );
    }

    #[test]
    fn every_check_must_pass() {
        let q = PatchQuorum { organizations: 1 };
        let two_checks = [v(Applies, Passed, 2), v(Fixes, Passed, 2)];
        assert!(!q.is_met(1, &two_checks), "tests_pass is missing");
        let mut three = two_checks.to_vec();
        three.push(v(TestsPass, Passed, 2));
        assert!(q.is_met(1, &three));
    }

    #[test]
    fn a_failure_holds_the_patch_back_until_that_organization_passes_it() {
        let q = PatchQuorum { organizations: 2 };
        let mut vs = [all(2, Passed), all(3, Passed)].concat();
        vs.push(v(Fixes, Failed, 4));
        assert!(!q.is_met(1, &vs), "an independent failure vetoes");
        assert_eq!(q.tally(1, &vs).failed, vec![4]);
        vs.push(v(Fixes, Passed, 4));
        assert!(q.is_met(1, &vs), "its later result replaces the failure");
        // The submitter's own failure neither counts nor vetoes.
        let mut own = [all(2, Passed), all(3, Passed)].concat();
        own.push(v(Applies, Failed, 1));
        assert!(q.is_met(1, &own));
        // A later failure by a passing organization takes its pass back.
        let mut back = [all(2, Passed), all(3, Passed)].concat();
        back.push(v(TestsPass, Failed, 3));
        assert!(!q.is_met(1, &back));
    }

    #[test]
    fn words_round_trip() {
        for w in ["vendor_fix", "patch", "workaround", "mitigation"] {
            assert_eq!(w.parse::<RemediationKind>().unwrap().as_str(), w);
        }
        assert!("fix".parse::<RemediationKind>().is_err());
        assert_eq!("tests_pass".parse::<PatchCheck>().unwrap(), TestsPass);
        assert!("passed".parse::<PatchCheck>().is_err());
    }
}
