//! Trusted partners (vetting, attestations) and early-access grants (proposed, concurred, active, revoked), and the audited access check.
