//! Programs and agencies' access to the catalogue's tools.
//!
//! The program office (CISA) runs programs ("AI-assisted code scanning for
//! high-value assets"): which agencies are eligible, which approved tools
//! the program offers, for how long access may run and on what terms. An
//! agency asks for one tool under one program, naming the AI use case of
//! its inventory it serves, the systems it covers, the data it will send
//! and the window. Every check here runs before anything is written, so a
//! refusal leaves nothing half-done and names the field at fault.
//!
//! A request's states: `requested` → `approved` (by the program office,
//! waiting for the developer of a covered frontier model) → `active`;
//! a tool that is no covered frontier model goes from `requested` to
//! `active` on the program office's approval alone. `denied` and `revoked`
//! end it. `expired` is never stored: it is an approved or active request
//! read after its expiry, as a grant's status is read from its window.

use std::collections::BTreeSet;

use bulwark_core::Tlp;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::catalogue::{DataLimits, EntryError, EntryState};

const NAME_MAX: usize = 120;
const TEXT_MAX: usize = 4_000;
/// The longest access a program may offer: beyond a year, the program
/// office decides again rather than renews silently.
pub const MAX_DAYS_LIMIT: u32 = 366;
/// At most this many systems in one request; a larger estate is several.
pub const SYSTEMS_MAX: usize = 200;

/// Which agencies may ask under a program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Eligibility {
    /// Every agency on the federal civilian track (CISA's directives bind
    /// them; national security agencies follow their own track).
    FederalCivilian,
    /// The agencies named, by organization id.
    Agencies { agencies: BTreeSet<Uuid> },
}

/// What the program knows of the organization asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applicant {
    pub org: Uuid,
    /// An organization of kind agency.
    pub agency: bool,
    /// On the federal civilian track.
    pub civilian: bool,
}

impl Eligibility {
    /// Whether `a` may ask under a program with this eligibility. Only
    /// agencies ever may: the programs are for federal agencies.
    pub fn admits(&self, a: &Applicant) -> bool {
        a.agency
            && match self {
                Eligibility::FederalCivilian => a.civilian,
                Eligibility::Agencies { agencies } => agencies.contains(&a.org),
            }
    }
}

/// A program's terms as the program office writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub name: String,
    pub summary: String,
    pub eligibility: Eligibility,
    /// The catalogue entries it offers.
    pub tools: Vec<Uuid>,
    /// The longest window an approval may give, in days.
    pub max_days: u32,
    /// The conditions every approval under the program carries.
    pub conditions: String,
}

fn text(field: &str, value: &str, max: usize, required: bool) -> Result<(), EntryError> {
    if required && value.trim().is_empty() {
        return Err(EntryError::new(field, "must not be empty"));
    }
    if value.trim().len() != value.len() {
        return Err(EntryError::new(
            field,
            "must not begin or end with white space",
        ));
    }
    if value.chars().count() > max {
        return Err(EntryError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(EntryError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

impl Terms {
    /// The rules a program keeps; each refusal names the field.
    pub fn check(&self) -> Result<(), EntryError> {
        text("name", &self.name, NAME_MAX, true)?;
        if self.name.contains(['\n', '\t']) {
            return Err(EntryError::new("name", "must be one line"));
        }
        text("summary", &self.summary, TEXT_MAX, false)?;
        text("conditions", &self.conditions, TEXT_MAX, false)?;
        if self.max_days == 0 || self.max_days > MAX_DAYS_LIMIT {
            return Err(EntryError::new(
                "max_days",
                format!("must be between 1 and {MAX_DAYS_LIMIT} days"),
            ));
        }
        let mut seen = BTreeSet::new();
        for t in &self.tools {
            if !seen.insert(*t) {
                return Err(EntryError::new("tools", format!("{t} is listed twice")));
            }
        }
        if let Eligibility::Agencies { agencies } = &self.eligibility
            && agencies.is_empty()
        {
            return Err(EntryError::new(
                "eligibility.agencies",
                "must name at least one agency",
            ));
        }
        Ok(())
    }

    pub fn offers(&self, tool: Uuid) -> bool {
        self.tools.contains(&tool)
    }
}

/// A catalogue entry as a request is checked against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offered {
    pub id: Uuid,
    pub state: EntryState,
    pub limits: DataLimits,
}

/// What an agency asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub tool: Uuid,
    /// The entry of the agency's AI use-case inventory this access serves.
    pub use_case_id: String,
    /// The agency's systems the tool will be used on.
    pub systems: Vec<Uuid>,
    /// The highest marking of the data it will send to the tool.
    pub data_tlp: Tlp,
    /// Whether it will send data under embargo.
    pub embargoed: bool,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
}

/// Whether `id` has the shape of an AI use-case inventory id: the agency's
/// abbreviation in one or more upper-case parts and a number, joined by
/// hyphens (`DOE-0042`, `HHS-CDC-0017`), as the consolidated inventory
/// writes them.
pub fn use_case_id_shape(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    let Some((number, agency)) = parts.split_last() else {
        return false;
    };
    id.len() <= 40
        && !agency.is_empty()
        && agency.iter().all(|p| {
            (1..=12).contains(&p.len())
                && p.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                && p.starts_with(|c: char| c.is_ascii_uppercase())
        })
        && (1..=8).contains(&number.len())
        && number.chars().all(|c| c.is_ascii_digit())
}

impl Request {
    /// The checks a request passes before it is recorded: an eligible
    /// agency, a tool the program offers and the catalogue approved, data
    /// within the tool's limits, a window within the program's longest,
    /// at least one system, a use-case id of the inventory's shape. The
    /// first failing check is the refusal, naming its field.
    pub fn check(
        &self,
        terms: &Terms,
        applicant: &Applicant,
        tool: &Offered,
        now: OffsetDateTime,
    ) -> Result<(), EntryError> {
        if !terms.eligibility.admits(applicant) {
            return Err(EntryError::new(
                "agency",
                "the organization is not eligible for this program",
            ));
        }
        if tool.id != self.tool || !terms.offers(self.tool) {
            return Err(EntryError::new(
                "tool",
                "the program does not offer this tool",
            ));
        }
        if tool.state != EntryState::Approved {
            return Err(EntryError::new(
                "tool",
                format!("the tool is {} in the catalogue, not approved", tool.state),
            ));
        }
        if !tool.limits.admit(self.data_tlp, self.embargoed) {
            let what = if self.data_tlp > tool.limits.max_tlp {
                format!(
                    "TLP:{} is above the tool's limit of TLP:{}",
                    self.data_tlp.as_str(),
                    tool.limits.max_tlp.as_str()
                )
            } else {
                "the tool may not receive data under embargo".to_owned()
            };
            let field = if self.data_tlp > tool.limits.max_tlp {
                "data.tlp"
            } else {
                "data.embargoed"
            };
            return Err(EntryError::new(field, what));
        }
        if !use_case_id_shape(&self.use_case_id) {
            return Err(EntryError::new(
                "use_case_id",
                format!(
                    "{:?} is not an AI use-case inventory id (e.g. DOE-0042)",
                    self.use_case_id
                ),
            ));
        }
        if self.systems.is_empty() {
            return Err(EntryError::new(
                "systems",
                "must name at least one of the agency's systems",
            ));
        }
        if self.systems.len() > SYSTEMS_MAX {
            return Err(EntryError::new(
                "systems",
                format!("at most {SYSTEMS_MAX} systems in one request"),
            ));
        }
        let mut seen = BTreeSet::new();
        for s in &self.systems {
            if !seen.insert(*s) {
                return Err(EntryError::new("systems", format!("{s} is listed twice")));
            }
        }
        check_window(self.starts_at, self.ends_at, terms.max_days, now)
    }
}

fn check_window(
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    max_days: u32,
    now: OffsetDateTime,
) -> Result<(), EntryError> {
    if ends_at <= starts_at {
        return Err(EntryError::new("ends_at", "must be after starts_at"));
    }
    if ends_at <= now {
        return Err(EntryError::new("ends_at", "must be in the future"));
    }
    if ends_at - starts_at > Duration::days(i64::from(max_days)) {
        return Err(EntryError::new(
            "ends_at",
            format!("the program gives access for at most {max_days} days"),
        ));
    }
    Ok(())
}

/// What the program office adds when it approves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// The official who authorises the use (the agency's authorizing
    /// official, as the program office records it).
    pub authorising_official: String,
    /// Conditions beyond the program's own.
    pub conditions: String,
    /// When the approval ends; at most the request's end.
    pub expires_at: OffsetDateTime,
}

impl Approval {
    /// An approval never outlasts what was asked, nor starts in the past
    /// of its own expiry.
    pub fn check(&self, request: &Request, now: OffsetDateTime) -> Result<(), EntryError> {
        text(
            "authorising_official",
            &self.authorising_official,
            NAME_MAX,
            true,
        )?;
        text("conditions", &self.conditions, TEXT_MAX, false)?;
        if self.expires_at <= now || self.expires_at <= request.starts_at {
            return Err(EntryError::new(
                "expires_at",
                "must be in the future and after the request's start",
            ));
        }
        if self.expires_at > request.ends_at {
            return Err(EntryError::new(
                "expires_at",
                "an approval does not outlast the window requested",
            ));
        }
        Ok(())
    }
}

/// Checks text a decision carries (a reason, a condition) by the same rules
/// as the terms.
pub fn check_text(field: &str, value: &str, required: bool) -> Result<(), EntryError> {
    text(field, value, TEXT_MAX, required)
}

macro_rules! words {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($word => Ok($name::$variant),)+
                    other => Err(format!(
                        "{other:?} is not one of: {}",
                        [$($word),+].join(", ")
                    )),
                }
            }
        }
    };
}

words! {
    /// An access request's state as stored.
    AccessState {
        /// Waiting for the program office.
        Requested => "requested",
        /// Approved by the program office; waiting for the developer of the
        /// covered frontier model to accept the early-access grant.
        Approved => "approved",
        /// In use, until it expires or is revoked.
        Active => "active",
        /// Refused by the program office or the developer, with the reason.
        Denied => "denied",
        /// Ended early by the program office, the agency or the developer.
        Revoked => "revoked",
    }
}

words! {
    /// An access request's status at an instant: its state, with an
    /// approved or active request read as expired from its expiry on.
    AccessStatus {
        Requested => "requested",
        Approved => "approved",
        Active => "active",
        Denied => "denied",
        Revoked => "revoked",
        Expired => "expired",
    }
}

impl AccessState {
    /// Whether a move from `self` to `to` is one of the workflow's.
    /// `requested → active` is the program office's approval of a tool
    /// that needs no developer's agreement; `approved → active` is the
    /// developer's acceptance.
    pub fn may_become(self, to: AccessState) -> bool {
        use AccessState::*;
        matches!(
            (self, to),
            (Requested, Approved | Active | Denied | Revoked)
                | (Approved, Active | Denied | Revoked)
                | (Active, Revoked)
        )
    }

    /// The status at `now` of a request in this state expiring at
    /// `expires_at` (set once approved).
    pub fn status(self, expires_at: Option<OffsetDateTime>, now: OffsetDateTime) -> AccessStatus {
        let expired = expires_at.is_some_and(|e| e <= now);
        match self {
            AccessState::Requested => AccessStatus::Requested,
            AccessState::Approved if expired => AccessStatus::Expired,
            AccessState::Approved => AccessStatus::Approved,
            AccessState::Active if expired => AccessStatus::Expired,
            AccessState::Active => AccessStatus::Active,
            AccessState::Denied => AccessStatus::Denied,
            AccessState::Revoked => AccessStatus::Revoked,
        }
    }
}

/// The state the program office's approval leads to: a covered frontier
/// model waits for its developer; any other tool is active at once.
pub fn approved_state(covered_frontier_model: bool) -> AccessState {
    if covered_frontier_model {
        AccessState::Approved
    } else {
        AccessState::Active
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-09-01 12:00 UTC);
    const AGENCY: Uuid = Uuid::from_u128(1);
    const TOOL: Uuid = Uuid::from_u128(2);
    const SYSTEM: Uuid = Uuid::from_u128(3);

    fn terms() -> Terms {
        Terms {
            name: "AI-assisted code scanning for high-value assets".into(),
            summary: String::new(),
            eligibility: Eligibility::FederalCivilian,
            tools: vec![TOOL],
            max_days: 90,
            conditions: "Findings go to the clearinghouse within 72 hours.".into(),
        }
    }

    fn applicant() -> Applicant {
        Applicant {
            org: AGENCY,
            agency: true,
            civilian: true,
        }
    }

    fn tool() -> Offered {
        Offered {
            id: TOOL,
            state: EntryState::Approved,
            limits: DataLimits {
                max_tlp: Tlp::Amber,
                embargoed: false,
            },
        }
    }

    fn request() -> Request {
        Request {
            tool: TOOL,
            use_case_id: "DOE-0042".into(),
            systems: vec![SYSTEM],
            data_tlp: Tlp::Green,
            embargoed: false,
            starts_at: datetime!(2026-09-15 00:00 UTC),
            ends_at: datetime!(2026-12-01 00:00 UTC),
        }
    }

    #[test]
    fn a_sound_request_passes() {
        assert_eq!(
            request().check(&terms(), &applicant(), &tool(), NOW),
            Ok(())
        );
    }

    #[test]
    fn each_refusal_names_its_field() {
        type Change = Box<dyn Fn(&mut Request, &mut Terms, &mut Applicant, &mut Offered)>;
        let cases: Vec<(Change, &str)> = vec![
            (Box::new(|_, _, a, _| a.civilian = false), "agency"),
            (Box::new(|_, _, a, _| a.agency = false), "agency"),
            (
                Box::new(|_, t, _, _| {
                    t.eligibility = Eligibility::Agencies {
                        agencies: BTreeSet::from([Uuid::from_u128(9)]),
                    }
                }),
                "agency",
            ),
            (Box::new(|_, t, _, _| t.tools.clear()), "tool"),
            (
                Box::new(|_, _, _, o| o.state = EntryState::Withdrawn),
                "tool",
            ),
            (
                Box::new(|r, _, _, _| r.data_tlp = Tlp::AmberStrict),
                "data.tlp",
            ),
            (Box::new(|r, _, _, _| r.embargoed = true), "data.embargoed"),
            (
                Box::new(|r, _, _, _| r.use_case_id = "doe-42".into()),
                "use_case_id",
            ),
            (Box::new(|r, _, _, _| r.systems.clear()), "systems"),
            (Box::new(|r, _, _, _| r.systems.push(SYSTEM)), "systems"),
            (
                Box::new(|r, _, _, _| r.ends_at = datetime!(2027-01-01 00:00 UTC)),
                "ends_at",
            ),
            (Box::new(|r, _, _, _| r.ends_at = r.starts_at), "ends_at"),
        ];
        for (change, field) in cases {
            let (mut r, mut t, mut a, mut o) = (request(), terms(), applicant(), tool());
            change(&mut r, &mut t, &mut a, &mut o);
            let err = r.check(&t, &a, &o, NOW).expect_err(field);
            assert_eq!(err.field, field, "{err}");
        }
    }

    #[test]
    fn a_named_agency_is_eligible_whatever_its_track() {
        let mut t = terms();
        t.eligibility = Eligibility::Agencies {
            agencies: BTreeSet::from([AGENCY]),
        };
        let mut a = applicant();
        a.civilian = false;
        assert_eq!(request().check(&t, &a, &tool(), NOW), Ok(()));
    }

    #[test]
    fn use_case_ids_have_the_inventorys_shape() {
        for ok in ["DOE-0042", "HHS-CDC-0017", "DHS-2365", "USDA-1"] {
            assert!(use_case_id_shape(ok), "{ok}");
        }
        for bad in [
            "",
            "0042",
            "DOE",
            "DOE-",
            "-0042",
            "doe-0042",
            "DOE-00A2",
            "DOE 0042",
            "DOE-123456789",
        ] {
            assert!(!use_case_id_shape(bad), "{bad}");
        }
    }

    #[test]
    fn terms_keep_their_rules() {
        assert_eq!(terms().check(), Ok(()));
        let mut t = terms();
        t.max_days = 0;
        assert_eq!(t.check().map_err(|e| e.field), Err("max_days".into()));
        let mut t = terms();
        t.max_days = 400;
        assert_eq!(t.check().map_err(|e| e.field), Err("max_days".into()));
        let mut t = terms();
        t.tools = vec![TOOL, TOOL];
        assert_eq!(t.check().map_err(|e| e.field), Err("tools".into()));
        let mut t = terms();
        t.eligibility = Eligibility::Agencies {
            agencies: BTreeSet::new(),
        };
        assert_eq!(
            t.check().map_err(|e| e.field),
            Err("eligibility.agencies".into())
        );
        let mut t = terms();
        t.name = "  ".into();
        assert_eq!(t.check().map_err(|e| e.field), Err("name".into()));
    }

    #[test]
    fn an_approval_stays_inside_the_request() {
        let ok = Approval {
            authorising_official: "Jane Doe, CIO".into(),
            conditions: String::new(),
            expires_at: datetime!(2026-11-01 00:00 UTC),
        };
        assert_eq!(ok.check(&request(), NOW), Ok(()));
        let mut a = ok.clone();
        a.expires_at = datetime!(2026-12-02 00:00 UTC);
        assert_eq!(
            a.check(&request(), NOW).map_err(|e| e.field),
            Err("expires_at".into())
        );
        let mut a = ok.clone();
        a.authorising_official = String::new();
        assert_eq!(
            a.check(&request(), NOW).map_err(|e| e.field),
            Err("authorising_official".into())
        );
    }

    #[test]
    fn the_workflow_moves() {
        use AccessState::*;
        assert!(Requested.may_become(Approved));
        assert!(Requested.may_become(Active));
        assert!(Approved.may_become(Active));
        assert!(Approved.may_become(Denied));
        assert!(Active.may_become(Revoked));
        assert!(!Active.may_become(Approved));
        assert!(!Denied.may_become(Active));
        assert!(!Revoked.may_become(Active));
        assert!(!Active.may_become(Denied));
        assert_eq!(approved_state(true), Approved);
        assert_eq!(approved_state(false), Active);
    }

    #[test]
    fn an_active_request_expires_by_its_date() {
        let exp = Some(datetime!(2026-10-01 00:00 UTC));
        assert_eq!(AccessState::Active.status(exp, NOW), AccessStatus::Active);
        assert_eq!(
            AccessState::Active.status(exp, datetime!(2026-10-01 00:00 UTC)),
            AccessStatus::Expired
        );
        assert_eq!(
            AccessState::Revoked.status(exp, datetime!(2027-01-01 00:00 UTC)),
            AccessStatus::Revoked
        );
        assert_eq!(
            AccessState::Requested.status(None, NOW),
            AccessStatus::Requested
        );
    }

    #[test]
    fn words_round_trip() {
        for s in AccessState::ALL {
            assert_eq!(s.as_str().parse::<AccessState>(), Ok(*s));
        }
        assert!("pending".parse::<AccessState>().is_err());
    }
}
