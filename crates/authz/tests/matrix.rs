//! The policy checked against the rules, three ways:
//!
//! 1. an exhaustive matrix against an oracle: the rules restated in plain Rust,
//!    from the product brief, without looking at `policy.cedar`;
//! 2. spot checks with literal expectations, no oracle;
//! 3. the reasons a decision gives.

use std::collections::BTreeSet;

use bulwark_authz::{Action, Authorizer, Decision, RecordFacts, Request, Resource, ToolFacts};
use bulwark_core::{OrgKind, Principal, PrincipalKind, Role, RoleSet, Tlp};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

// ---------------------------------------------------------------------------
// The oracle: the rules, in plain Rust.
// ---------------------------------------------------------------------------

mod oracle {
    use super::*;

    /// A user of the owner organization, of a participant organization, of the
    /// operator organization, a named recipient, or the creator.
    pub fn party(p: &Principal, r: &RecordFacts) -> bool {
        p.org_id == r.owner_org
            || r.participant_orgs.contains(&p.org_id)
            || p.org_kind == OrgKind::Operator
            || r.recipient_users.contains(&p.user_id)
            || r.creator == p.user_id
    }

    pub fn readable(p: &Principal, r: &RecordFacts, now: OffsetDateTime) -> bool {
        let embargoed = r.embargo_until.is_some_and(|until| now < until);
        if embargoed && !party(p, r) {
            return false;
        }
        match r.tlp {
            Tlp::Clear | Tlp::Green => true,
            Tlp::Amber | Tlp::AmberStrict => party(p, r),
            Tlp::Red => r.creator == p.user_id || r.recipient_users.contains(&p.user_id),
        }
    }

    /// What a model profile's marking lets a principal read: the owner
    /// organization always; for AMBER and AMBER+STRICT also the government
    /// reviewers and the operator; for CLEAR and GREEN everyone; for RED no
    /// one else.
    pub fn model_readable(p: &Principal, owner_org: &Uuid, tlp: Tlp) -> bool {
        let owner = p.org_id == *owner_org;
        match tlp {
            Tlp::Clear | Tlp::Green => true,
            Tlp::Amber | Tlp::AmberStrict => {
                owner || reviewing_agency(p) || p.org_kind == OrgKind::Operator
            }
            Tlp::Red => owner,
        }
    }

    /// TLP:CLEAR and under no running embargo: what the public provider
    /// tree and OSV feed serve to anyone.
    pub fn publicly_downloadable(r: &RecordFacts, now: OffsetDateTime) -> bool {
        r.tlp == Tlp::Clear && r.embargo_until.is_none_or(|until| now >= until)
    }

    /// CISA, as the directives' issuer: only an agency can be.
    pub fn issuer(p: &Principal) -> bool {
        p.org_kind == OrgKind::Agency && p.org_issues_directives
    }

    /// Treasury, NSA, CISA: only an agency can be a reviewing agency.
    pub fn reviewing_agency(p: &Principal) -> bool {
        p.org_kind == OrgKind::Agency && p.org_reviewing
    }

    pub fn allowed(
        p: &Principal,
        action: Action,
        resource: &Resource,
        now: OffsetDateTime,
    ) -> bool {
        let has_roles = !p.roles.is_empty();
        let admin = p.has_role(Role::Admin);
        let writer = admin || p.has_role(Role::Analyst);
        let operator = p.org_kind == OrgKind::Operator;
        let operator_admin = operator && admin;
        let reviewing = reviewing_agency(p);
        let itself = |user: &Uuid| *user == p.user_id;
        let colleague = |org: &Uuid| *org == p.org_id;

        use Action as A;
        match (action, resource) {
            (A::OrganizationCreate, Resource::Program) => operator_admin,
            (A::OrganizationList, Resource::Program) => true,
            (A::AuditRead | A::AuditVerify, Resource::Program) => {
                operator && (admin || p.has_role(Role::Auditor))
            }
            (A::OrganizationRead, Resource::Organization { .. }) => true,
            (A::OrganizationUpdate | A::UserCreate, Resource::Organization { id, .. }) => {
                operator_admin || (admin && colleague(id))
            }
            (A::UserList, Resource::Organization { id, .. }) => {
                operator_admin || (has_roles && colleague(id))
            }
            (A::UserRead, Resource::User { id, org }) => {
                itself(id) || operator_admin || (has_roles && colleague(org))
            }
            (A::UserUpdate, Resource::User { org, .. }) => {
                operator_admin || (admin && colleague(org))
            }
            (A::UserSetPassword, Resource::User { id, org }) => {
                (has_roles && itself(id) && p.kind == PrincipalKind::Human)
                    || operator_admin
                    || (admin && colleague(org))
            }
            (A::TokenIssue | A::TokenList, Resource::User { id, org }) => {
                itself(id) || operator_admin || (admin && colleague(org))
            }
            (A::TokenRevoke, Resource::Token { user, org, .. }) => {
                itself(user) || operator_admin || (admin && colleague(org))
            }
            (A::RecordRead, Resource::Record(r)) => has_roles && readable(p, r, now),
            // Anyone (roles or not, signed in or not) downloads a CLEAR
            // publication, never while an embargo runs.
            (A::PublicationDownload, Resource::Record(r)) => publicly_downloadable(r, now),
            (A::RecordUpdate, Resource::Record(r)) => {
                writer && (p.org_id == r.owner_org || operator) && readable(p, r, now)
            }
            (A::RecordShare, Resource::Record(r)) => {
                let owner_or_operator = p.org_id == r.owner_org || operator;
                writer
                    && readable(p, r, now)
                    && match r.tlp {
                        Tlp::Red => r.creator == p.user_id,
                        Tlp::AmberStrict => owner_or_operator,
                        Tlp::Clear | Tlp::Green | Tlp::Amber => {
                            owner_or_operator || r.participant_orgs.contains(&p.org_id)
                        }
                    }
            }
            (A::BenchmarkLoad, Resource::Program) => (writer && reviewing) || operator_admin,
            (A::BenchmarkRead, Resource::BenchmarkSet { .. }) => has_roles,
            (A::BenchmarkReadCriteria, Resource::BenchmarkSet { restricted, .. }) => {
                has_roles && (!restricted || reviewing || operator)
            }
            (A::ModelCreate, Resource::Organization { id, kind }) => {
                operator_admin || (writer && colleague(id) && *kind == OrgKind::Developer)
            }
            (A::ModelPrecheck, Resource::Program) => has_roles,
            (A::ModelRead, Resource::Model { owner_org, tlp, .. }) => {
                has_roles && model_readable(p, owner_org, *tlp)
            }
            (A::ModelUpdate, Resource::Model { owner_org, tlp, .. }) => {
                (writer && colleague(owner_org)) || (operator_admin && *tlp != Tlp::Red)
            }
            (A::PartnerRead, Resource::Partner { .. }) => has_roles,
            (A::PartnerVet, Resource::Partner { .. }) => (writer && reviewing) || operator_admin,
            (A::PartnerAttest, Resource::Partner { org, .. }) => admin && colleague(org),
            (A::GrantPropose, Resource::Model { owner_org, .. }) => {
                writer && colleague(owner_org) && p.org_kind == OrgKind::Developer
            }
            (A::AccessCheck, Resource::Model { owner_org, .. }) => {
                has_roles && (colleague(owner_org) || operator)
            }
            // A trusted partner checks its own early access, on its grant.
            (A::AccessCheck, Resource::Grant { partner_org, .. }) => {
                has_roles && colleague(partner_org)
            }
            (
                A::GrantRead,
                Resource::Grant {
                    developer_org,
                    partner_org,
                    ..
                },
            ) => {
                has_roles
                    && (colleague(developer_org) || colleague(partner_org) || reviewing || operator)
            }
            // The government's side of a grant: the lead agency of the
            // model's review, or any reviewing agency while there is none.
            (A::GrantDecide, Resource::Grant { lead_agency, .. }) => {
                writer && reviewing && lead_agency.is_none_or(|l| colleague(&l))
            }
            (
                A::GrantRevoke,
                Resource::Grant {
                    developer_org,
                    lead_agency,
                    ..
                },
            ) => {
                writer
                    && (colleague(developer_org)
                        || (reviewing && lead_agency.is_none_or(|l| colleague(&l))))
            }
            (A::WebhookManage, Resource::Organization { id, .. }) => {
                admin && (colleague(id) || operator)
            }
            // Deconflicted scanning: every participant claims for itself;
            // coverage is shared; outcomes stay with the claimant and the
            // operator.
            (A::ClaimCreate | A::ReportSubmit, Resource::Organization { id, .. }) => {
                writer && colleague(id)
            }
            (A::CaseManage | A::CsafSourceManage, Resource::Program) => writer && operator,
            (A::ValidationRecord, Resource::Record(r)) => {
                writer && r.tlp != Tlp::Red && r.participant_orgs.contains(&p.org_id)
            }
            (A::CoverageRead, Resource::Program) => has_roles,
            (A::VulnerabilityRead, Resource::Program) => has_roles,
            (A::ClaimUpdate, Resource::Claim { org, .. }) => {
                (writer && colleague(org)) || operator_admin
            }
            (A::ClaimReadOutcome, Resource::Claim { org, .. }) => {
                has_roles && (colleague(org) || operator)
            }
            (
                A::FindingRead,
                Resource::Finding {
                    developer_org,
                    assigned_agencies,
                    tlp,
                    issuer,
                    reviewers,
                    ..
                },
            ) => {
                has_roles
                    && match tlp {
                        // Named individuals only.
                        Tlp::Red => itself(issuer) || reviewers.contains(&p.user_id),
                        _ => {
                            colleague(developer_org)
                                || (reviewing && assigned_agencies.contains(&p.org_id))
                        }
                    }
            }
            (A::SubmissionCreate, Resource::Model { owner_org, .. }) => {
                writer && colleague(owner_org) && p.org_kind == OrgKind::Developer
            }
            (
                A::SubmissionRead
                | A::SubmissionTransition
                | A::SubmissionTriage
                | A::SubmissionWithdraw
                | A::FindingIssue
                | A::ResponsePost
                | A::DossierRead
                | A::SubmissionSubmit
                | A::DossierUpload
                | A::SubmissionReschedule
                | A::SubmissionConclude,
                Resource::Submission {
                    developer_org,
                    assigned_agencies,
                    lead_agency,
                    awaiting_triage,
                    ..
                },
            ) => {
                let developer = colleague(developer_org);
                let assigned = reviewing && assigned_agencies.contains(&p.org_id);
                let lead = reviewing && *lead_agency == Some(p.org_id);
                match action {
                    A::SubmissionRead => {
                        has_roles && (developer || assigned || (reviewing && *awaiting_triage))
                    }
                    A::DossierRead => has_roles && (developer || assigned),
                    A::SubmissionTriage => writer && reviewing && (*awaiting_triage || assigned),
                    // The agencies move the review; the developer only submits.
                    A::SubmissionTransition => writer && assigned,
                    A::SubmissionSubmit
                    | A::DossierUpload
                    | A::SubmissionReschedule
                    | A::SubmissionWithdraw
                    | A::ResponsePost => writer && developer,
                    A::FindingIssue => writer && assigned,
                    // The conclusion speaks for the government: the lead agency.
                    A::SubmissionConclude => writer && lead,
                    _ => false,
                }
            }
            // Directives are public; the issuer (and the operator's admins,
            // to put the default in force) load them.
            (A::DirectiveRead, Resource::Program) => has_roles,
            (A::DirectiveLoad, Resource::Program) => (writer && issuer(p)) || operator_admin,
            (A::ComplianceReadAll, Resource::Program) => has_roles && issuer(p),
            // Remediation comes from the case's parties' writers and the
            // operator's.
            (A::RemediationSubmit, Resource::Record(r)) => {
                writer
                    && r.tlp != Tlp::Red
                    && (p.org_id == r.owner_org
                        || r.participant_orgs.contains(&p.org_id)
                        || operator)
            }
            // Advisory notices: an organization's own; the counts for the
            // operator and the issuer; the names for no one.
            (A::NoticeRead, Resource::Organization { id, .. }) => has_roles && colleague(id),
            (A::NoticeAcknowledge, Resource::Organization { id, .. }) => writer && colleague(id),
            (A::NoticeReadCounts, Resource::Program) => has_roles && (operator || issuer(p)),
            (A::NoticeReadNames, Resource::Program) => false,
            // An inventory is the agency's own; the issuer sees (and decides
            // requests for) civilian systems outside national security.
            (A::SystemCreate, Resource::Organization { id, .. }) => {
                writer && colleague(id) && p.org_kind == OrgKind::Agency
            }
            (
                A::SystemRead | A::SystemUpdate | A::ObligationAnswer | A::ObligationDecide,
                Resource::System {
                    org,
                    civilian,
                    national_security,
                    ..
                },
            ) => {
                let agency = p.org_kind == OrgKind::Agency;
                let own = agency && colleague(org);
                let issuer_sees = issuer(p) && *civilian && !*national_security;
                match action {
                    A::SystemRead => has_roles && (own || issuer_sees),
                    A::SystemUpdate | A::ObligationAnswer => writer && own,
                    A::ObligationDecide => writer && issuer_sees,
                    _ => false,
                }
            }
            // The catalogue of tools: providers (developers, vendors,
            // partners, researchers) describe theirs; everyone reads what is
            // approved; the program office (the issuer) approves.
            (A::ToolCreate, Resource::Organization { id, kind }) => {
                writer
                    && colleague(id)
                    && matches!(
                        kind,
                        OrgKind::Developer
                            | OrgKind::Vendor
                            | OrgKind::Partner
                            | OrgKind::Researcher
                    )
            }
            (A::ToolRead, Resource::Tool(t)) => {
                has_roles && (t.approved || colleague(&t.provider_org) || issuer(p) || operator)
            }
            (A::ToolUpdate, Resource::Tool(t)) => writer && colleague(&t.provider_org),
            (A::ToolApprove, Resource::Tool(_)) => writer && issuer(p),
            // record.send's principal is a tool, never a user.
            (A::RecordSend, _) => false,
            // Programs and access: the program office (the issuer) writes
            // the programs, which everyone reads; an agency asks for itself;
            // a request is its agency's, the program office's, the tool's
            // provider's, the model's developer's and the operator's to see,
            // never another agency's; the program office decides, the
            // developer agrees for a covered frontier model, and any of
            // agency, program office and developer revokes.
            (A::ToolProgramManage, Resource::Program) => writer && issuer(p),
            (A::ToolProgramRead, Resource::Program) => has_roles,
            (A::AccessRequest, Resource::Organization { id, kind }) => {
                writer && colleague(id) && *kind == OrgKind::Agency
            }
            (
                A::AccessRequestRead
                | A::AccessRequestDecide
                | A::AccessRequestAccept
                | A::AccessRequestRevoke,
                Resource::AccessRequest {
                    agency_org,
                    provider_org,
                    developer_org,
                    ..
                },
            ) => {
                let agency = colleague(agency_org);
                let developer = developer_org.is_some_and(|d| colleague(&d));
                match action {
                    A::AccessRequestRead => {
                        has_roles
                            && (agency
                                || colleague(provider_org)
                                || developer
                                || issuer(p)
                                || operator)
                    }
                    A::AccessRequestDecide => writer && issuer(p),
                    A::AccessRequestAccept => writer && developer,
                    A::AccessRequestRevoke => writer && (agency || developer || issuer(p)),
                    _ => false,
                }
            }
            // Any other pairing of action and resource is a mistake: deny.
            _ => false,
        }
    }
}

// ---------------------------------------------------------------------------
// The world the matrix runs in.
// ---------------------------------------------------------------------------

const fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

const PRINCIPAL: Uuid = id(0x1);
/// Owns every target: the organization, the accounts, the token, the record, the model.
const OWNER_ORG: Uuid = id(0x100);
/// A participant organization of the record.
const PARTICIPANT_ORG: Uuid = id(0x200);
/// Another participant, never the principal's.
const OTHER_PARTICIPANT_ORG: Uuid = id(0x201);
/// An organization with no relation to any target.
const UNRELATED_ORG: Uuid = id(0x300);
/// A user of the owner organization other than the principal.
const COLLEAGUE: Uuid = id(0x101);
/// The record's creator when the principal is not.
const SOMEONE_ELSE_CREATOR: Uuid = id(0x102);
/// A named recipient other than the principal.
const OTHER_RECIPIENT: Uuid = id(0x301);
const TOKEN: Uuid = id(0x900);
const MODEL: Uuid = id(0xa00);
const GRANT: Uuid = id(0xb00);
const SUBMISSION: Uuid = id(0xc00);
const FINDING: Uuid = id(0xd00);
const CLAIM: Uuid = id(0xe00);
const SYSTEM: Uuid = id(0xf00);
const TOOL: Uuid = id(0x1000);
const ACCESS_REQUEST: Uuid = id(0x1100);
const BENCHMARK_SET: &str = "frontier-cyber-2026";

const NOW: OffsetDateTime = datetime!(2026-07-01 12:00 UTC);

/// The kinds of organization the principal may belong to, with the reviewing
/// and the directive-issuer flags: false for every kind; an agency (the only
/// kind that can be either) also as a reviewing agency and as the issuer.
fn org_kinds() -> Vec<(OrgKind, bool, bool)> {
    OrgKind::ALL
        .into_iter()
        .map(|k| (k, false, false))
        .chain([
            (OrgKind::Agency, true, false),
            (OrgKind::Agency, false, true),
        ])
        .collect()
}

/// How the principal relates to the resource. The operator organization is
/// not a separate relationship: it is the principal's organization kind being
/// `operator`, which the matrix crosses with every relationship (so
/// `UnrelatedOrg` × `operator` is "the clearinghouse, not otherwise party").
#[derive(Debug, Clone, Copy)]
enum Rel {
    /// In the organization that owns the target, nothing more.
    SameOrg,
    /// In a participant organization of the record (unrelated to other targets,
    /// models included).
    ParticipantOrg,
    /// In an organization with no relation to the target.
    UnrelatedOrg,
    /// The record's creator, in its owner organization (the usual case).
    Creator,
    /// The record's creator, in an organization that is neither owner nor participant.
    CreatorElsewhere,
    /// A named recipient of the record, in an unrelated organization.
    NamedRecipient,
    /// The target account itself, or the owner of the target token.
    Itself,
}

const RELS: [Rel; 7] = [
    Rel::SameOrg,
    Rel::ParticipantOrg,
    Rel::UnrelatedOrg,
    Rel::Creator,
    Rel::CreatorElsewhere,
    Rel::NamedRecipient,
    Rel::Itself,
];

#[derive(Debug, Clone, Copy)]
enum Embargo {
    None,
    Past,
    Future,
}

const EMBARGOES: [Embargo; 3] = [Embargo::None, Embargo::Past, Embargo::Future];

/// Every subset of the four roles, the empty set first.
fn role_sets() -> Vec<RoleSet> {
    (0u8..16)
        .map(|mask| {
            RoleSet::new(
                Role::ALL
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, r)| r),
            )
        })
        .collect()
}

fn principal(
    roles: RoleSet,
    kind: PrincipalKind,
    (org_kind, org_reviewing, org_issues_directives): (OrgKind, bool, bool),
    rel: Rel,
) -> Principal {
    let org_id = match rel {
        Rel::SameOrg | Rel::Creator | Rel::Itself => OWNER_ORG,
        Rel::ParticipantOrg => PARTICIPANT_ORG,
        Rel::UnrelatedOrg | Rel::CreatorElsewhere | Rel::NamedRecipient => UNRELATED_ORG,
    };
    Principal {
        user_id: PRINCIPAL,
        username: "p".into(),
        kind,
        org_id,
        org_name: "P".into(),
        org_kind,
        org_reviewing,
        org_issues_directives,
        roles,
    }
}

fn record(rel: Rel, tlp: Tlp, embargo: Embargo) -> RecordFacts {
    let creator = match rel {
        Rel::Creator | Rel::CreatorElsewhere => PRINCIPAL,
        _ => SOMEONE_ELSE_CREATOR,
    };
    let mut recipient_users = vec![OTHER_RECIPIENT];
    if let Rel::NamedRecipient = rel {
        recipient_users.push(PRINCIPAL);
    }
    RecordFacts {
        kind: "case".into(),
        id: "CASE-1".into(),
        owner_org: OWNER_ORG,
        creator,
        tlp,
        embargo_until: match embargo {
            Embargo::None => None,
            Embargo::Past => Some(NOW - Duration::days(1)),
            Embargo::Future => Some(NOW + Duration::days(1)),
        },
        participant_orgs: vec![OTHER_PARTICIPANT_ORG, PARTICIPANT_ORG],
        recipient_users,
    }
}

/// What varies with the resource beyond the relationship: the marking and
/// embargo of a record, the marking of a model, whether a benchmark set is
/// restricted. Other resources have none of these.
#[derive(Debug, Clone, Copy)]
enum Facet {
    None,
    Record(Tlp, Embargo),
    Model(Tlp),
    BenchmarkSet {
        restricted: bool,
    },
    Submission {
        awaiting_triage: bool,
        lead: Lead,
    },
    /// A grant's decision and revocation, by who leads the model's review.
    Grant(Lead),
    /// A finding's marking.
    Finding(Tlp),
    /// An access check asked on the partner's grant rather than the model.
    OnGrant,
    /// A system: on the civilian track or not, a national security system or not.
    System {
        civilian: bool,
        nss: bool,
    },
    /// A catalogue entry, approved or not.
    Tool {
        approved: bool,
    },
    /// An access request (the owner organization's, as the requesting
    /// agency): who provides the tool, and whose agreement it waits for.
    Access(AccessParties),
}

/// The other parties of an access request, as the participant organization
/// (which the principal may belong to) or another organization.
#[derive(Debug, Clone, Copy)]
enum AccessParties {
    /// The participant provides the tool; no developer's agreement (no
    /// covered frontier model).
    ProviderOnly,
    /// The participant provides the tool and develops its model.
    ProviderIsDeveloper,
    /// Another organization provides the tool; the participant develops its model.
    DeveloperOnly,
}

impl AccessParties {
    const ALL: [AccessParties; 3] = [
        AccessParties::ProviderOnly,
        AccessParties::ProviderIsDeveloper,
        AccessParties::DeveloperOnly,
    ];
}

/// Which agency leads the review, if any: one the principal may belong to
/// (the participant organization), another, or none yet.
#[derive(Debug, Clone, Copy)]
enum Lead {
    None,
    ParticipantOrg,
    OtherOrg,
}

impl Lead {
    const ALL: [Lead; 3] = [Lead::None, Lead::ParticipantOrg, Lead::OtherOrg];

    fn org(self) -> Option<Uuid> {
        match self {
            Lead::None => None,
            Lead::ParticipantOrg => Some(PARTICIPANT_ORG),
            Lead::OtherOrg => Some(OTHER_PARTICIPANT_ORG),
        }
    }
}

impl Facet {
    /// Every facet the matrix crosses with `action`.
    fn all_for(action: Action) -> Vec<Facet> {
        use Action as A;
        match action {
            A::RecordRead
            | A::RecordUpdate
            | A::RecordShare
            | A::ValidationRecord
            | A::RemediationSubmit
            | A::PublicationDownload => Tlp::ALL
                .into_iter()
                .flat_map(|tlp| EMBARGOES.into_iter().map(move |e| Facet::Record(tlp, e)))
                .collect(),
            A::ModelRead | A::ModelUpdate => Tlp::ALL.into_iter().map(Facet::Model).collect(),
            A::BenchmarkRead | A::BenchmarkReadCriteria => [false, true]
                .into_iter()
                .map(|restricted| Facet::BenchmarkSet { restricted })
                .collect(),
            A::SubmissionRead
            | A::SubmissionTransition
            | A::SubmissionTriage
            | A::SubmissionWithdraw
            | A::FindingIssue
            | A::ResponsePost
            | A::DossierRead
            | A::SubmissionSubmit
            | A::DossierUpload
            | A::SubmissionReschedule
            | A::SubmissionConclude => [false, true]
                .into_iter()
                .flat_map(|awaiting_triage| {
                    Lead::ALL.into_iter().map(move |lead| Facet::Submission {
                        awaiting_triage,
                        lead,
                    })
                })
                .collect(),
            A::GrantDecide | A::GrantRevoke => Lead::ALL.into_iter().map(Facet::Grant).collect(),
            A::FindingRead => Tlp::ALL.into_iter().map(Facet::Finding).collect(),
            A::AccessCheck => vec![Facet::None, Facet::OnGrant],
            A::ToolRead | A::ToolUpdate | A::ToolApprove => [false, true]
                .into_iter()
                .map(|approved| Facet::Tool { approved })
                .collect(),
            A::AccessRequestRead
            | A::AccessRequestDecide
            | A::AccessRequestAccept
            | A::AccessRequestRevoke => AccessParties::ALL.into_iter().map(Facet::Access).collect(),
            A::SystemRead | A::SystemUpdate | A::ObligationAnswer | A::ObligationDecide => {
                [(true, false), (true, true), (false, false), (false, true)]
                    .into_iter()
                    .map(|(civilian, nss)| Facet::System { civilian, nss })
                    .collect()
            }
            _ => vec![Facet::None],
        }
    }

    fn tlp(self) -> Tlp {
        match self {
            Facet::Record(tlp, _) | Facet::Model(tlp) | Facet::Finding(tlp) => tlp,
            Facet::None
            | Facet::BenchmarkSet { .. }
            | Facet::Submission { .. }
            | Facet::Grant(_)
            | Facet::OnGrant
            | Facet::System { .. }
            | Facet::Tool { .. }
            | Facet::Access(_) => Tlp::Clear,
        }
    }

    fn embargo(self) -> Embargo {
        match self {
            Facet::Record(_, embargo) => embargo,
            _ => Embargo::None,
        }
    }

    fn restricted(self) -> bool {
        matches!(self, Facet::BenchmarkSet { restricted: true })
    }

    fn lead(self) -> Option<Uuid> {
        match self {
            Facet::Submission { lead, .. } | Facet::Grant(lead) => lead.org(),
            _ => None,
        }
    }
}

/// The resource of the right type for `action`.
fn resource(action: Action, p: &Principal, rel: Rel, facet: Facet) -> Resource {
    let target_user = match rel {
        Rel::Itself => PRINCIPAL,
        _ => COLLEAGUE,
    };
    use Action as A;
    match action {
        A::OrganizationCreate
        | A::OrganizationList
        | A::AuditRead
        | A::AuditVerify
        | A::BenchmarkLoad
        | A::ModelPrecheck
        | A::CoverageRead
        | A::CaseManage
        | A::CsafSourceManage
        | A::VulnerabilityRead
        | A::DirectiveLoad
        | A::DirectiveRead
        | A::ComplianceReadAll
        | A::NoticeReadCounts
        | A::NoticeReadNames
        | A::ToolProgramManage
        | A::ToolProgramRead => Resource::Program,
        A::AccessRequestRead
        | A::AccessRequestDecide
        | A::AccessRequestAccept
        | A::AccessRequestRevoke => {
            let parties = match facet {
                Facet::Access(a) => a,
                _ => AccessParties::ProviderOnly,
            };
            let (provider_org, developer_org) = match parties {
                AccessParties::ProviderOnly => (PARTICIPANT_ORG, None),
                AccessParties::ProviderIsDeveloper => (PARTICIPANT_ORG, Some(PARTICIPANT_ORG)),
                AccessParties::DeveloperOnly => (OTHER_PARTICIPANT_ORG, Some(PARTICIPANT_ORG)),
            };
            Resource::AccessRequest {
                id: ACCESS_REQUEST,
                agency_org: OWNER_ORG,
                provider_org,
                developer_org,
            }
        }
        A::SystemRead | A::SystemUpdate | A::ObligationAnswer | A::ObligationDecide => {
            let (civilian, national_security) = match facet {
                Facet::System { civilian, nss } => (civilian, nss),
                _ => (true, false),
            };
            Resource::System {
                id: SYSTEM,
                org: OWNER_ORG,
                civilian,
                national_security,
            }
        }
        A::ToolRead | A::ToolUpdate | A::ToolApprove => Resource::Tool(ToolFacts {
            id: TOOL,
            provider_org: OWNER_ORG,
            approved: matches!(facet, Facet::Tool { approved: true }),
            max_tlp: Tlp::Amber,
            embargoed: false,
        }),
        A::ClaimUpdate | A::ClaimReadOutcome => Resource::Claim {
            id: CLAIM,
            org: OWNER_ORG,
        },
        A::PartnerRead | A::PartnerVet | A::PartnerAttest => Resource::Partner {
            org: OWNER_ORG,
            vetting: "vetted".into(),
        },
        A::SubmissionRead
        | A::SubmissionTransition
        | A::SubmissionTriage
        | A::SubmissionWithdraw
        | A::FindingIssue
        | A::ResponsePost
        | A::DossierRead
        | A::SubmissionSubmit
        | A::DossierUpload
        | A::SubmissionReschedule
        | A::SubmissionConclude => Resource::Submission {
            id: SUBMISSION,
            developer_org: OWNER_ORG,
            // The participant organization stands for an assigned agency.
            assigned_agencies: vec![OTHER_PARTICIPANT_ORG, PARTICIPANT_ORG],
            lead_agency: facet.lead(),
            awaiting_triage: matches!(
                facet,
                Facet::Submission {
                    awaiting_triage: true,
                    ..
                }
            ),
        },
        A::FindingRead => {
            let record = record(rel, facet.tlp(), Embargo::None);
            Resource::Finding {
                id: FINDING,
                developer_org: OWNER_ORG,
                assigned_agencies: vec![OTHER_PARTICIPANT_ORG, PARTICIPANT_ORG],
                tlp: facet.tlp(),
                // The record's creator and named recipients stand for the
                // finding's issuer and the submission's named reviewers.
                issuer: record.creator,
                reviewers: record.recipient_users,
            }
        }
        A::AccessCheck if matches!(facet, Facet::OnGrant) => Resource::Grant {
            id: GRANT,
            developer_org: OWNER_ORG,
            partner_org: PARTICIPANT_ORG,
            lead_agency: None,
        },
        A::GrantPropose | A::AccessCheck | A::SubmissionCreate => Resource::Model {
            id: MODEL,
            owner_org: OWNER_ORG,
            tlp: Tlp::Amber,
        },
        A::GrantRead | A::GrantDecide | A::GrantRevoke => Resource::Grant {
            id: GRANT,
            developer_org: OWNER_ORG,
            partner_org: PARTICIPANT_ORG,
            lead_agency: facet.lead(),
        },
        A::OrganizationRead
        | A::OrganizationUpdate
        | A::UserCreate
        | A::UserList
        | A::ModelCreate
        | A::WebhookManage
        | A::ClaimCreate
        | A::ReportSubmit
        | A::SystemCreate
        | A::NoticeRead
        | A::NoticeAcknowledge
        | A::ToolCreate
        | A::AccessRequest => Resource::Organization {
            id: OWNER_ORG,
            kind: if p.org_id == OWNER_ORG {
                p.org_kind
            } else if action == A::ModelCreate {
                // Another developer: creating its models is the tempting mistake.
                OrgKind::Developer
            } else {
                OrgKind::Vendor
            },
        },
        A::UserRead | A::UserUpdate | A::UserSetPassword | A::TokenIssue | A::TokenList => {
            Resource::User {
                id: target_user,
                org: OWNER_ORG,
            }
        }
        A::TokenRevoke => Resource::Token {
            id: TOKEN,
            user: target_user,
            org: OWNER_ORG,
        },
        A::RecordRead
        | A::RecordUpdate
        | A::RecordShare
        | A::ValidationRecord
        | A::RemediationSubmit
        | A::PublicationDownload
        | A::RecordSend => Resource::Record(record(rel, facet.tlp(), facet.embargo())),
        A::BenchmarkRead | A::BenchmarkReadCriteria => Resource::BenchmarkSet {
            id: BENCHMARK_SET.into(),
            restricted: facet.restricted(),
        },
        A::ModelRead | A::ModelUpdate => Resource::Model {
            id: MODEL,
            owner_org: OWNER_ORG,
            tlp: facet.tlp(),
        },
    }
}

/// Every `@id` in the policy file.
fn policy_ids() -> BTreeSet<String> {
    include_str!("../src/policy.cedar")
        .split("@id(\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(id, _)| id.to_owned()))
        .collect()
}

/// One combination of the matrix.
struct Case {
    roles: RoleSet,
    kind: PrincipalKind,
    /// The principal's organization kind, whether it is a reviewing agency
    /// and whether it issues the directives.
    org: (OrgKind, bool, bool),
    rel: Rel,
    action: Action,
    facet: Facet,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for roles in role_sets() {
        for kind in [PrincipalKind::Human, PrincipalKind::Service] {
            for org in org_kinds() {
                for rel in RELS {
                    for action in Action::ALL {
                        for facet in Facet::all_for(action) {
                            out.push(Case {
                                roles: roles.clone(),
                                kind,
                                org,
                                rel,
                                action,
                                facet,
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

/// What one combination gave.
struct Outcome {
    action: Action,
    allowed: bool,
    reasons: Vec<String>,
    failure: Option<String>,
}

fn check(authz: &Authorizer, case: &Case) -> Outcome {
    let p = principal(case.roles.clone(), case.kind, case.org, case.rel);
    let res = resource(case.action, &p, case.rel, case.facet);
    let got = authz.decide(&Request {
        principal: &p,
        action: case.action,
        resource: &res,
        now: NOW,
    });
    let want = oracle::allowed(&p, case.action, &res, NOW);
    let consistent = got.errors.is_empty() && (!got.allowed || !got.reasons.is_empty());
    let failure = (got.allowed != want || !consistent).then(|| {
        format!(
            "roles=[{}] kind={} org_kind={} reviewing={} issuer={} rel={:?} action={} facet={:?}: \
             expected {}, policy says {} (reasons {:?}, errors {:?})",
            case.roles.to_words(),
            case.kind.as_str(),
            case.org.0.as_str(),
            case.org.1,
            case.org.2,
            case.rel,
            case.action.as_str(),
            case.facet,
            if want { "allow" } else { "deny" },
            if got.allowed { "allow" } else { "deny" },
            got.reasons,
            got.errors,
        )
    });
    Outcome {
        action: case.action,
        allowed: got.allowed,
        reasons: got.reasons,
        failure,
    }
}

#[test]
fn matrix_agrees_with_the_rules() {
    let authz = Authorizer::new().expect("the embedded policy validates");
    let cases = cases();
    // Debug-built Cedar is slow; spread the cases over the cores.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = cases.len().div_ceil(threads);
    let outcomes: Vec<Outcome> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .map(|part| {
                let authz = &authz;
                scope.spawn(move || part.iter().map(|c| check(authz, c)).collect::<Vec<_>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a matrix thread panicked"))
            .collect()
    });

    let checked = outcomes.len();
    let failures: Vec<&String> = outcomes.iter().filter_map(|o| o.failure.as_ref()).collect();
    assert!(
        failures.is_empty(),
        "{} of {checked} combinations disagree with the rules; the first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );

    // 16 role sets × 2 principal kinds
    // × 8 organizations (6 kinds not reviewing + a reviewing agency + the
    //   directives' issuer) × 7 relationships
    // × (17 actions on resources with no facet
    //    + 3 record actions × 5 markings × 3 embargo states
    //    + 2 benchmark-set actions × restricted or not
    //    + 2 model actions × 5 markings).
    // (17 + 8 partner and grant actions with no facet.)
    // (+ submission.create with no facet, 11 submission actions × awaiting
    //  triage or not × 3 leads, grant.decide and grant.revoke × 3 leads,
    //  webhook.manage with no facet, finding.read × 5 markings; grant.decide
    //  and grant.revoke no longer without facet; 4 claim and coverage
    //  actions with no facet; report.submit and case.manage with no facet;
    //  validation.record × 5 markings × 3 embargo states, like the records;
    //  vulnerability.read with no facet; access.check also on the
    //  partner's grant; directive.load, directive.read, compliance.read_all
    //  and system.create with no facet; 4 system actions × civilian or not
    //  × national security or not; remediation.submit × 5 markings × 3
    //  embargo states, like the records; 4 notice actions with no facet;
    //  publication.download × 5 markings × 3 embargo states;
    //  csaf_source.manage with no facet; tool.create with no facet, 3
    //  tool actions × approved or not, record.send with no facet: a user
    //  as its principal, always denied; tool_program.manage,
    //  tool_program.read and access.request with no facet, 4 access-request
    //  actions × 3 sets of parties.)
    assert_eq!(
        checked,
        16 * 2
            * 8
            * 7
            * (25 - 2
                + 1
                + 1
                + 4
                + 2
                + 1
                + 1
                + 11 * 2 * 3
                + 2 * 3
                + 5
                + 4 * 5 * 3
                + 2 * 2
                + 2 * 5
                + 4
                + 4 * 4
                + 5 * 3
                + 4
                + 5 * 3
                + 1
                + 1
                + 3 * 2
                + 1
                + 3
                + 4 * 3)
    );

    let allowed = outcomes.iter().filter(|o| o.allowed).count();
    assert!(
        allowed > 10_000 && checked - allowed > 10_000,
        "{allowed} allowed"
    );
    for action in Action::ALL {
        let of_action = || outcomes.iter().filter(move |o| o.action == action);
        // notice.read_names is held by no one until the policy names
        // someone; record.send by no user (its principal is a tool, below).
        assert!(
            matches!(action, Action::NoticeReadNames | Action::RecordSend)
                || of_action().any(|o| o.allowed),
            "{} is never allowed in the matrix",
            action.as_str()
        );
        let always_allowed = matches!(action, Action::OrganizationList | Action::OrganizationRead);
        // (benchmark.read and model.precheck are denied only to users without roles.)
        assert!(
            always_allowed || of_action().any(|o| !o.allowed),
            "{} is never denied in the matrix",
            action.as_str()
        );
    }
    // Every policy decided something somewhere: none is dead.
    let mut reasons_seen: BTreeSet<String> = outcomes
        .iter()
        .flat_map(|o| o.reasons.iter().cloned())
        .collect();
    reasons_seen.extend(tool_matrix(&authz));
    assert_eq!(reasons_seen, policy_ids());
}

#[test]
fn wrong_pairings_are_denied_not_panics() {
    let authz = authz();
    // Someone who may do almost anything: an operator admin who also created
    // and is named on the record.
    let p = user(
        OrgKind::Operator,
        OWNER_ORG,
        &[Role::Admin, Role::Analyst, Role::Auditor, Role::Viewer],
    );
    let mut rec = record(Rel::Creator, Tlp::Clear, Embargo::None);
    rec.recipient_users.push(PRINCIPAL);
    let resources = [
        Resource::Program,
        Resource::Organization {
            id: OWNER_ORG,
            kind: OrgKind::Operator,
        },
        Resource::User {
            id: PRINCIPAL,
            org: OWNER_ORG,
        },
        Resource::Token {
            id: TOKEN,
            user: PRINCIPAL,
            org: OWNER_ORG,
        },
        Resource::Record(rec),
        Resource::BenchmarkSet {
            id: BENCHMARK_SET.into(),
            restricted: true,
        },
        Resource::Model {
            id: MODEL,
            owner_org: OWNER_ORG,
            tlp: Tlp::Red,
        },
        Resource::Partner {
            org: OWNER_ORG,
            vetting: "pending".into(),
        },
        Resource::Grant {
            id: GRANT,
            developer_org: OWNER_ORG,
            partner_org: PARTICIPANT_ORG,
            lead_agency: None,
        },
        Resource::Submission {
            id: SUBMISSION,
            developer_org: OWNER_ORG,
            assigned_agencies: vec![PARTICIPANT_ORG],
            lead_agency: Some(PARTICIPANT_ORG),
            awaiting_triage: false,
        },
        Resource::Finding {
            id: FINDING,
            developer_org: OWNER_ORG,
            assigned_agencies: vec![PARTICIPANT_ORG],
            tlp: Tlp::Amber,
            issuer: PRINCIPAL,
            reviewers: vec![],
        },
        Resource::Claim {
            id: CLAIM,
            org: OWNER_ORG,
        },
        Resource::System {
            id: SYSTEM,
            org: OWNER_ORG,
            civilian: true,
            national_security: false,
        },
        Resource::Tool(ToolFacts {
            id: TOOL,
            provider_org: OWNER_ORG,
            approved: true,
            max_tlp: Tlp::Amber,
            embargoed: true,
        }),
        Resource::AccessRequest {
            id: ACCESS_REQUEST,
            agency_org: OWNER_ORG,
            provider_org: PARTICIPANT_ORG,
            developer_org: Some(OWNER_ORG),
        },
    ];
    let mut wrong = 0;
    for action in Action::ALL {
        for res in &resources {
            // The resource types the action applies to: one, or for
            // access.check two (the model's side and the partner's grant).
            let right = Facet::all_for(action).into_iter().any(|facet| {
                std::mem::discriminant(res)
                    == std::mem::discriminant(&resource(action, &p, Rel::Itself, facet))
            });
            let d = decide(&authz, &p, action, res, NOW);
            // (The operator is no developer and no reviewing agency: it
            // neither proposes nor decides grants.)
            // Nor does it submit, triage, move or conclude a review, or
            // issue findings; nor validate a case (it asks others to); nor is
            // it the partner of a grant, which checks its own access on it.
            let partners_grant =
                action == Action::AccessCheck && matches!(res, Resource::Grant { .. });
            let operator_may = !partners_grant
                && !matches!(
                    action,
                    Action::GrantPropose
                        | Action::GrantDecide
                        | Action::SubmissionCreate
                        | Action::SubmissionTriage
                        | Action::SubmissionTransition
                        | Action::SubmissionConclude
                        | Action::FindingIssue
                        | Action::ValidationRecord
                        // Inventories are the agencies' own.
                        | Action::SystemCreate
                        | Action::SystemRead
                        | Action::SystemUpdate
                        | Action::ObligationAnswer
                        | Action::ObligationDecide
                        | Action::ComplianceReadAll
                        // Notices are their organization's; names are no one's.
                        | Action::NoticeRead
                        | Action::NoticeAcknowledge
                        | Action::NoticeReadNames
                        // Operators provide no tools and do not run the
                        // program office; no user is a tool.
                        | Action::ToolCreate
                        | Action::ToolApprove
                        | Action::RecordSend
                        // Nor does it run programs, ask for access or
                        // decide requests.
                        | Action::ToolProgramManage
                        | Action::AccessRequest
                        | Action::AccessRequestDecide
                );
            if right && operator_may {
                assert!(d.allowed, "{} on {res:?}: {d:?}", action.as_str());
            } else if !right {
                wrong += 1;
                assert!(!d.allowed, "{} on {res:?} must be denied", action.as_str());
                assert!(d.reasons.is_empty());
                assert!(!d.errors.is_empty(), "a wrong pairing says why");
            }
        }
    }
    // Every action applies to one type of resource, access.check to two.
    assert_eq!(wrong, Action::ALL.len() * (resources.len() - 1) - 1);
    assert_eq!(wrong, 81 * 14 - 1);
}

// ---------------------------------------------------------------------------
// Spot checks: literal expectations, no oracle.
// ---------------------------------------------------------------------------

fn authz() -> Authorizer {
    Authorizer::new().expect("the embedded policy validates")
}

fn user(org_kind: OrgKind, org: Uuid, roles: &[Role]) -> Principal {
    Principal {
        user_id: PRINCIPAL,
        username: "u".into(),
        kind: PrincipalKind::Human,
        org_id: org,
        org_name: "O".into(),
        org_kind,
        org_reviewing: false,
        org_issues_directives: false,
        roles: RoleSet::new(roles.iter().copied()),
    }
}

/// A user of a reviewing agency (Treasury, NSA, CISA).
fn reviewer(org: Uuid, roles: &[Role]) -> Principal {
    Principal {
        org_reviewing: true,
        org_issues_directives: false,
        ..user(OrgKind::Agency, org, roles)
    }
}

fn decide(
    authz: &Authorizer,
    p: &Principal,
    action: Action,
    resource: &Resource,
    now: OffsetDateTime,
) -> Decision {
    authz.decide(&Request {
        principal: p,
        action,
        resource,
        now,
    })
}

fn facts(tlp: Tlp) -> RecordFacts {
    RecordFacts {
        kind: "case".into(),
        id: "CASE-7".into(),
        owner_org: OWNER_ORG,
        creator: SOMEONE_ELSE_CREATOR,
        tlp,
        embargo_until: None,
        participant_orgs: vec![PARTICIPANT_ORG],
        recipient_users: vec![OTHER_RECIPIENT],
    }
}

#[test]
fn unrelated_researcher_viewer_cannot_read_amber_strict() {
    let authz = authz();
    let p = user(OrgKind::Researcher, UNRELATED_ORG, &[Role::Viewer]);
    let rec = Resource::Record(facts(Tlp::AmberStrict));
    assert!(!authz.is_allowed(&Request {
        principal: &p,
        action: Action::RecordRead,
        resource: &rec,
        now: NOW
    }));
    // ... but may read GREEN.
    let green = Resource::Record(facts(Tlp::Green));
    assert!(decide(&authz, &p, Action::RecordRead, &green, NOW).allowed);
}

#[test]
fn operator_admin_reads_red_only_when_named() {
    let authz = authz();
    let p = user(OrgKind::Operator, UNRELATED_ORG, &[Role::Admin]);
    let mut red = facts(Tlp::Red);
    assert!(
        !decide(
            &authz,
            &p,
            Action::RecordRead,
            &Resource::Record(red.clone()),
            NOW
        )
        .allowed
    );
    red.recipient_users.push(PRINCIPAL);
    assert!(decide(&authz, &p, Action::RecordRead, &Resource::Record(red), NOW).allowed);
    // The operator is party to AMBER+STRICT, though.
    assert!(
        decide(
            &authz,
            &p,
            Action::RecordRead,
            &Resource::Record(facts(Tlp::AmberStrict)),
            NOW
        )
        .allowed
    );
}

#[test]
fn red_is_not_for_the_owner_org_nor_for_viewers_to_change() {
    let authz = authz();
    let colleague = user(OrgKind::Vendor, OWNER_ORG, &[Role::Admin]);
    let red = Resource::Record(facts(Tlp::Red));
    assert!(!decide(&authz, &colleague, Action::RecordRead, &red, NOW).allowed);

    let mut mine = facts(Tlp::Red);
    mine.creator = PRINCIPAL;
    let mine = Resource::Record(mine);
    assert!(decide(&authz, &colleague, Action::RecordRead, &mine, NOW).allowed);
    assert!(decide(&authz, &colleague, Action::RecordUpdate, &mine, NOW).allowed);
    assert!(decide(&authz, &colleague, Action::RecordShare, &mine, NOW).allowed);
    let viewer = user(OrgKind::Vendor, OWNER_ORG, &[Role::Viewer]);
    assert!(decide(&authz, &viewer, Action::RecordRead, &mine, NOW).allowed);
    assert!(!decide(&authz, &viewer, Action::RecordUpdate, &mine, NOW).allowed);
    assert!(!decide(&authz, &viewer, Action::RecordShare, &mine, NOW).allowed);
}

#[test]
fn embargoed_clear_record_is_hidden_from_an_unrelated_vendor_until_it_ends() {
    let authz = authz();
    let p = user(OrgKind::Vendor, UNRELATED_ORG, &[Role::Analyst]);
    let until = datetime!(2026-08-01 00:00 UTC);
    let mut rec = facts(Tlp::Clear);
    rec.embargo_until = Some(until);
    let rec = Resource::Record(rec);

    let before = decide(
        &authz,
        &p,
        Action::RecordRead,
        &rec,
        until - Duration::seconds(1),
    );
    assert!(!before.allowed);
    assert_eq!(
        before.reasons,
        vec!["record.embargo.parties-only".to_owned()]
    );
    // It ends at `until`.
    assert!(decide(&authz, &p, Action::RecordRead, &rec, until).allowed);

    let after = decide(
        &authz,
        &p,
        Action::RecordRead,
        &rec,
        until + Duration::seconds(1),
    );
    assert!(after.allowed);
    assert_eq!(after.reasons, vec!["record.read.clear-green".to_owned()]);

    // The owner's users see it throughout.
    let owner = user(OrgKind::Developer, OWNER_ORG, &[Role::Viewer]);
    assert!(
        decide(
            &authz,
            &owner,
            Action::RecordRead,
            &rec,
            until - Duration::seconds(1)
        )
        .allowed
    );
}

#[test]
fn a_sub_second_embargo_remainder_still_hides() {
    let authz = authz();
    let p = user(OrgKind::Vendor, UNRELATED_ORG, &[Role::Analyst]);
    let until = datetime!(2026-08-01 00:00:00.5 UTC);
    let mut rec = facts(Tlp::Green);
    rec.embargo_until = Some(until);
    let rec = Resource::Record(rec);
    assert!(
        !decide(
            &authz,
            &p,
            Action::RecordRead,
            &rec,
            datetime!(2026-08-01 00:00:00.2 UTC)
        )
        .allowed
    );
    assert!(
        decide(
            &authz,
            &p,
            Action::RecordRead,
            &rec,
            datetime!(2026-08-01 00:00:01 UTC)
        )
        .allowed
    );
}

#[test]
fn participant_analyst_shares_amber_but_not_amber_strict() {
    let authz = authz();
    let p = user(OrgKind::Partner, PARTICIPANT_ORG, &[Role::Analyst]);
    let amber = Resource::Record(facts(Tlp::Amber));
    let strict = Resource::Record(facts(Tlp::AmberStrict));
    let shared = decide(&authz, &p, Action::RecordShare, &amber, NOW);
    assert!(shared.allowed);
    assert_eq!(
        shared.reasons,
        vec!["record.share.clear-green-amber-parties".to_owned()]
    );
    assert!(!decide(&authz, &p, Action::RecordShare, &strict, NOW).allowed);
    // A participant reads both, but changes neither.
    assert!(decide(&authz, &p, Action::RecordRead, &strict, NOW).allowed);
    assert!(!decide(&authz, &p, Action::RecordUpdate, &amber, NOW).allowed);
}

#[test]
fn record_read_on_the_program_is_denied() {
    let authz = authz();
    let p = user(OrgKind::Operator, OWNER_ORG, &[Role::Admin]);
    let d = decide(&authz, &p, Action::RecordRead, &Resource::Program, NOW);
    assert!(!d.allowed);
    assert!(!d.errors.is_empty());
}

#[test]
fn a_principal_without_roles_only_looks_after_itself() {
    let authz = authz();
    let p = user(OrgKind::Operator, OWNER_ORG, &[]);
    let me = Resource::User {
        id: PRINCIPAL,
        org: OWNER_ORG,
    };
    let my_token = Resource::Token {
        id: TOKEN,
        user: PRINCIPAL,
        org: OWNER_ORG,
    };
    let own_org = Resource::Organization {
        id: OWNER_ORG,
        kind: OrgKind::Operator,
    };
    assert!(
        decide(
            &authz,
            &p,
            Action::OrganizationList,
            &Resource::Program,
            NOW
        )
        .allowed
    );
    assert!(decide(&authz, &p, Action::OrganizationRead, &own_org, NOW).allowed);
    assert!(decide(&authz, &p, Action::UserRead, &me, NOW).allowed);
    assert!(decide(&authz, &p, Action::TokenIssue, &me, NOW).allowed);
    assert!(decide(&authz, &p, Action::TokenList, &me, NOW).allowed);
    assert!(decide(&authz, &p, Action::TokenRevoke, &my_token, NOW).allowed);

    assert!(!decide(&authz, &p, Action::UserSetPassword, &me, NOW).allowed);
    assert!(!decide(&authz, &p, Action::UserList, &own_org, NOW).allowed);
    let colleague = Resource::User {
        id: COLLEAGUE,
        org: OWNER_ORG,
    };
    assert!(!decide(&authz, &p, Action::UserRead, &colleague, NOW).allowed);
    let clear = decide(
        &authz,
        &p,
        Action::RecordRead,
        &Resource::Record(facts(Tlp::Clear)),
        NOW,
    );
    assert!(!clear.allowed);
    assert_eq!(clear.reasons, vec!["no-roles.self-service-only".to_owned()]);
}

#[test]
fn only_people_change_their_own_password() {
    let authz = authz();
    let mut p = user(OrgKind::Agency, OWNER_ORG, &[Role::Viewer]);
    let me = Resource::User {
        id: PRINCIPAL,
        org: OWNER_ORG,
    };
    assert!(decide(&authz, &p, Action::UserSetPassword, &me, NOW).allowed);
    p.kind = PrincipalKind::Service;
    assert!(!decide(&authz, &p, Action::UserSetPassword, &me, NOW).allowed);
    // Its tokens it still manages.
    assert!(decide(&authz, &p, Action::TokenIssue, &me, NOW).allowed);
}

#[test]
fn admins_run_their_own_organization_only() {
    let authz = authz();
    let admin = user(OrgKind::Developer, OWNER_ORG, &[Role::Admin]);
    let own = Resource::Organization {
        id: OWNER_ORG,
        kind: OrgKind::Developer,
    };
    let other = Resource::Organization {
        id: UNRELATED_ORG,
        kind: OrgKind::Vendor,
    };
    assert!(decide(&authz, &admin, Action::OrganizationUpdate, &own, NOW).allowed);
    assert!(decide(&authz, &admin, Action::UserCreate, &own, NOW).allowed);
    assert!(!decide(&authz, &admin, Action::OrganizationUpdate, &other, NOW).allowed);
    assert!(!decide(&authz, &admin, Action::UserCreate, &other, NOW).allowed);
    assert!(
        !decide(
            &authz,
            &admin,
            Action::OrganizationCreate,
            &Resource::Program,
            NOW
        )
        .allowed
    );
    assert!(!decide(&authz, &admin, Action::AuditRead, &Resource::Program, NOW).allowed);
    let foreign_token = Resource::Token {
        id: TOKEN,
        user: OTHER_RECIPIENT,
        org: UNRELATED_ORG,
    };
    assert!(!decide(&authz, &admin, Action::TokenRevoke, &foreign_token, NOW).allowed);

    let operator_admin = user(OrgKind::Operator, UNRELATED_ORG, &[Role::Admin]);
    assert!(
        decide(
            &authz,
            &operator_admin,
            Action::OrganizationCreate,
            &Resource::Program,
            NOW
        )
        .allowed
    );
    assert!(
        decide(
            &authz,
            &operator_admin,
            Action::TokenRevoke,
            &foreign_token,
            NOW
        )
        .allowed
    );
    let d = decide(
        &authz,
        &operator_admin,
        Action::AuditVerify,
        &Resource::Program,
        NOW,
    );
    assert!(d.allowed);
    assert_eq!(
        d.reasons,
        vec!["audit.operator-admin-or-auditor".to_owned()]
    );

    let vendor_auditor = user(OrgKind::Vendor, UNRELATED_ORG, &[Role::Auditor]);
    assert!(
        !decide(
            &authz,
            &vendor_auditor,
            Action::AuditRead,
            &Resource::Program,
            NOW
        )
        .allowed
    );
    let operator_auditor = user(OrgKind::Operator, UNRELATED_ORG, &[Role::Auditor]);
    assert!(
        decide(
            &authz,
            &operator_auditor,
            Action::AuditRead,
            &Resource::Program,
            NOW
        )
        .allowed
    );
    assert!(
        !decide(
            &authz,
            &operator_auditor,
            Action::OrganizationCreate,
            &Resource::Program,
            NOW
        )
        .allowed
    );
}

#[test]
fn odd_request_data_is_decided_without_panicking() {
    let authz = authz();
    let p = user(OrgKind::Researcher, UNRELATED_ORG, &[Role::Analyst]);
    let mut rec = facts(Tlp::Green);
    rec.kind = "\"; permit(principal, action, resource); //".into();
    rec.id = "\u{0}/\u{202e}\\\"".into();
    rec.embargo_until = Some(OffsetDateTime::UNIX_EPOCH);
    rec.participant_orgs = vec![Uuid::nil(); 3];
    rec.recipient_users = vec![Uuid::max(), Uuid::max()];
    let rec = Resource::Record(rec);
    for now in [
        OffsetDateTime::UNIX_EPOCH - Duration::days(365 * 1000),
        NOW,
        datetime!(9999-12-31 23:59:59.999999999 UTC),
    ] {
        let d = decide(&authz, &p, Action::RecordRead, &rec, now);
        assert!(d.errors.is_empty(), "{d:?}");
    }
    // Embargo ending at the end of time.
    let mut far = facts(Tlp::Clear);
    far.embargo_until = Some(datetime!(9999-12-31 23:59:59.999999999 UTC));
    let d = decide(&authz, &p, Action::RecordRead, &Resource::Record(far), NOW);
    assert!(!d.allowed && d.errors.is_empty());
}

// ---------------------------------------------------------------------------
// Spot checks: frontier benchmarks and model profiles.
// ---------------------------------------------------------------------------

const NSA: Uuid = id(0x400);
const OTHER_AGENCY: Uuid = id(0x401);
const OTHER_DEVELOPER: Uuid = id(0x500);

fn benchmark_set(restricted: bool) -> Resource {
    Resource::BenchmarkSet {
        id: "frontier-cyber-2026".into(),
        restricted,
    }
}

fn model(owner_org: Uuid, tlp: Tlp) -> Resource {
    Resource::Model {
        id: MODEL,
        owner_org,
        tlp,
    }
}

#[test]
fn a_developer_sees_a_restricted_set_but_not_its_criteria() {
    let authz = authz();
    let dev = user(OrgKind::Developer, OWNER_ORG, &[Role::Analyst]);
    let restricted = benchmark_set(true);
    let read = decide(&authz, &dev, Action::BenchmarkRead, &restricted, NOW);
    assert!(read.allowed);
    assert_eq!(
        read.reasons,
        vec!["benchmark.read.any-principal".to_owned()]
    );
    let criteria = decide(
        &authz,
        &dev,
        Action::BenchmarkReadCriteria,
        &restricted,
        NOW,
    );
    assert!(!criteria.allowed);
    assert_eq!(
        criteria.reasons,
        vec!["benchmark.restricted-criteria.reviewers-and-operator-only".to_owned()]
    );
    // The criteria of a public set are everyone's.
    let public = benchmark_set(false);
    assert!(decide(&authz, &dev, Action::BenchmarkReadCriteria, &public, NOW).allowed);
    // So is the question "does my model qualify?".
    assert!(decide(&authz, &dev, Action::ModelPrecheck, &Resource::Program, NOW).allowed);
}

#[test]
fn a_reviewing_agency_viewer_reads_restricted_criteria_a_plain_agency_does_not() {
    let authz = authz();
    let restricted = benchmark_set(true);
    let nsa_viewer = reviewer(NSA, &[Role::Viewer]);
    assert!(
        decide(
            &authz,
            &nsa_viewer,
            Action::BenchmarkReadCriteria,
            &restricted,
            NOW
        )
        .allowed
    );

    let agency_analyst = user(OrgKind::Agency, OTHER_AGENCY, &[Role::Analyst]);
    assert!(
        !decide(
            &authz,
            &agency_analyst,
            Action::BenchmarkReadCriteria,
            &restricted,
            NOW
        )
        .allowed
    );
    assert!(
        decide(
            &authz,
            &agency_analyst,
            Action::BenchmarkRead,
            &restricted,
            NOW
        )
        .allowed
    );

    // The operator's users read them, whatever their role.
    let operator_auditor = user(OrgKind::Operator, UNRELATED_ORG, &[Role::Auditor]);
    assert!(
        decide(
            &authz,
            &operator_auditor,
            Action::BenchmarkReadCriteria,
            &restricted,
            NOW
        )
        .allowed
    );
}

#[test]
fn the_reviewing_flag_counts_only_on_an_agency() {
    // Only an agency can be a reviewing agency: the flag on a developer (bad
    // data) grants nothing.
    let authz = authz();
    let flagged_dev = Principal {
        org_reviewing: true,
        org_issues_directives: false,
        ..user(OrgKind::Developer, OTHER_DEVELOPER, &[Role::Admin])
    };
    assert!(
        !decide(
            &authz,
            &flagged_dev,
            Action::BenchmarkReadCriteria,
            &benchmark_set(true),
            NOW
        )
        .allowed
    );
    assert!(
        !decide(
            &authz,
            &flagged_dev,
            Action::BenchmarkLoad,
            &Resource::Program,
            NOW
        )
        .allowed
    );
    assert!(
        !decide(
            &authz,
            &flagged_dev,
            Action::ModelRead,
            &model(OWNER_ORG, Tlp::Amber),
            NOW
        )
        .allowed
    );
}

#[test]
fn benchmark_sets_are_loaded_by_reviewing_writers_and_operator_admins() {
    let authz = authz();
    let load = |p: &Principal| decide(&authz, p, Action::BenchmarkLoad, &Resource::Program, NOW);
    let analyst = load(&reviewer(NSA, &[Role::Analyst]));
    assert!(analyst.allowed);
    assert_eq!(
        analyst.reasons,
        vec!["benchmark.load.reviewing-agency-writers".to_owned()]
    );
    assert!(load(&reviewer(NSA, &[Role::Admin])).allowed);
    assert!(!load(&reviewer(NSA, &[Role::Viewer, Role::Auditor])).allowed);
    assert!(!load(&reviewer(NSA, &[])).allowed);
    assert!(!load(&user(OrgKind::Agency, OTHER_AGENCY, &[Role::Admin])).allowed);
    assert!(!load(&user(OrgKind::Developer, OWNER_ORG, &[Role::Admin])).allowed);
    let operator_admin = load(&user(OrgKind::Operator, UNRELATED_ORG, &[Role::Admin]));
    assert!(operator_admin.allowed);
    assert_eq!(
        operator_admin.reasons,
        vec!["benchmark.load.operator-admin".to_owned()]
    );
    assert!(!load(&user(OrgKind::Operator, UNRELATED_ORG, &[Role::Analyst])).allowed);
}

#[test]
fn developers_register_their_own_models_operator_admins_any() {
    let authz = authz();
    let own = Resource::Organization {
        id: OWNER_ORG,
        kind: OrgKind::Developer,
    };
    let other = Resource::Organization {
        id: OTHER_DEVELOPER,
        kind: OrgKind::Developer,
    };
    let analyst = user(OrgKind::Developer, OWNER_ORG, &[Role::Analyst]);
    let d = decide(&authz, &analyst, Action::ModelCreate, &own, NOW);
    assert!(d.allowed);
    assert_eq!(
        d.reasons,
        vec!["model.create.own-developer-writers".to_owned()]
    );
    assert!(!decide(&authz, &analyst, Action::ModelCreate, &other, NOW).allowed);
    let viewer = user(OrgKind::Developer, OWNER_ORG, &[Role::Viewer]);
    assert!(!decide(&authz, &viewer, Action::ModelCreate, &own, NOW).allowed);

    // An organization that is not a developer owns no models of its own making.
    let vendor = Resource::Organization {
        id: OWNER_ORG,
        kind: OrgKind::Vendor,
    };
    let vendor_admin = user(OrgKind::Vendor, OWNER_ORG, &[Role::Admin]);
    assert!(!decide(&authz, &vendor_admin, Action::ModelCreate, &vendor, NOW).allowed);
    let nsa_org = Resource::Organization {
        id: NSA,
        kind: OrgKind::Agency,
    };
    let nsa_admin = reviewer(NSA, &[Role::Admin]);
    assert!(!decide(&authz, &nsa_admin, Action::ModelCreate, &nsa_org, NOW).allowed);

    // The operator imports public registry data for anyone.
    let operator_admin = user(OrgKind::Operator, UNRELATED_ORG, &[Role::Admin]);
    for org in [&own, &other, &vendor] {
        let d = decide(&authz, &operator_admin, Action::ModelCreate, org, NOW);
        assert!(d.allowed);
        assert_eq!(d.reasons, vec!["model.create.operator-admin".to_owned()]);
    }
}

#[test]
fn an_amber_strict_model_is_for_its_owner_the_reviewers_and_the_operator() {
    let authz = authz();
    let strict = model(OWNER_ORG, Tlp::AmberStrict);
    let rival = user(OrgKind::Developer, OTHER_DEVELOPER, &[Role::Admin]);
    assert!(!decide(&authz, &rival, Action::ModelRead, &strict, NOW).allowed);

    let nsa_viewer = reviewer(NSA, &[Role::Viewer]);
    let d = decide(&authz, &nsa_viewer, Action::ModelRead, &strict, NOW);
    assert!(d.allowed);
    assert_eq!(
        d.reasons,
        vec!["model.read.amber-reviewers-and-operator".to_owned()]
    );
    // Reviewers read the profile; they do not change it.
    let nsa_admin = reviewer(NSA, &[Role::Admin]);
    assert!(!decide(&authz, &nsa_admin, Action::ModelUpdate, &strict, NOW).allowed);

    let plain_agency = user(OrgKind::Agency, OTHER_AGENCY, &[Role::Analyst]);
    assert!(!decide(&authz, &plain_agency, Action::ModelRead, &strict, NOW).allowed);
    let owner_viewer = user(OrgKind::Developer, OWNER_ORG, &[Role::Viewer]);
    assert!(decide(&authz, &owner_viewer, Action::ModelRead, &strict, NOW).allowed);
    assert!(!decide(&authz, &owner_viewer, Action::ModelUpdate, &strict, NOW).allowed);
    let operator_viewer = user(OrgKind::Operator, UNRELATED_ORG, &[Role::Viewer]);
    assert!(decide(&authz, &operator_viewer, Action::ModelRead, &strict, NOW).allowed);
    // A GREEN model the rival reads.
    assert!(
        decide(
            &authz,
            &rival,
            Action::ModelRead,
            &model(OWNER_ORG, Tlp::Green),
            NOW
        )
        .allowed
    );
}

#[test]
fn a_red_model_stays_inside_its_owner_organization() {
    let authz = authz();
    let red = model(OWNER_ORG, Tlp::Red);
    let outsiders = [
        user(OrgKind::Operator, UNRELATED_ORG, &[Role::Admin]),
        user(OrgKind::Operator, UNRELATED_ORG, &[Role::Auditor]),
        reviewer(NSA, &[Role::Admin, Role::Analyst]),
        user(OrgKind::Developer, OTHER_DEVELOPER, &[Role::Admin]),
    ];
    for p in &outsiders {
        let d = decide(&authz, p, Action::ModelRead, &red, NOW);
        assert!(!d.allowed, "{p:?}");
        assert_eq!(d.reasons, vec!["model.red.owner-org-only".to_owned()]);
        assert!(!decide(&authz, p, Action::ModelUpdate, &red, NOW).allowed);
    }
    // The operator's admins change other markings, though.
    let operator_admin = &outsiders[0];
    let d = decide(
        &authz,
        operator_admin,
        Action::ModelUpdate,
        &model(OWNER_ORG, Tlp::Amber),
        NOW,
    );
    assert!(d.allowed);
    assert_eq!(d.reasons, vec!["model.update.operator-admin".to_owned()]);

    let owner_viewer = user(OrgKind::Developer, OWNER_ORG, &[Role::Viewer]);
    let d = decide(&authz, &owner_viewer, Action::ModelRead, &red, NOW);
    assert!(d.allowed);
    assert_eq!(d.reasons, vec!["model.read.owner-org".to_owned()]);
    let owner_analyst = user(OrgKind::Developer, OWNER_ORG, &[Role::Analyst]);
    let d = decide(&authz, &owner_analyst, Action::ModelUpdate, &red, NOW);
    assert!(d.allowed);
    assert_eq!(d.reasons, vec!["model.update.owner-writers".to_owned()]);
    // An operator admin who belongs to the owner organization (the operator's
    // own model) is inside it.
    let operator_owner = user(OrgKind::Operator, OWNER_ORG, &[Role::Admin]);
    assert!(decide(&authz, &operator_owner, Action::ModelUpdate, &red, NOW).allowed);
}

#[test]
fn grants_are_proposed_by_the_developer_and_decided_by_the_agencies() {
    let authz = authz();
    let grant = Resource::Grant {
        id: GRANT,
        developer_org: OWNER_ORG,
        partner_org: PARTICIPANT_ORG,
        lead_agency: None,
    };
    let model = Resource::Model {
        id: MODEL,
        owner_org: OWNER_ORG,
        tlp: Tlp::AmberStrict,
    };
    let developer = user(OrgKind::Developer, OWNER_ORG, &[Role::Analyst]);
    let partner_admin = user(OrgKind::Partner, PARTICIPANT_ORG, &[Role::Admin]);
    let nsa_analyst = reviewer(UNRELATED_ORG, &[Role::Analyst]);
    let other_developer = user(OrgKind::Developer, UNRELATED_ORG, &[Role::Admin]);

    let d = decide(&authz, &developer, Action::GrantPropose, &model, NOW);
    assert_eq!(
        d.reasons,
        vec!["grant.propose.owner-developer-writers".to_owned()]
    );
    assert!(!decide(&authz, &other_developer, Action::GrantPropose, &model, NOW).allowed);
    // The partner reads its grant but does not decide it; the agency does.
    assert!(decide(&authz, &partner_admin, Action::GrantRead, &grant, NOW).allowed);
    assert!(!decide(&authz, &partner_admin, Action::GrantDecide, &grant, NOW).allowed);
    assert!(!decide(&authz, &partner_admin, Action::GrantRevoke, &grant, NOW).allowed);
    assert!(decide(&authz, &nsa_analyst, Action::GrantDecide, &grant, NOW).allowed);
    assert!(!decide(&authz, &developer, Action::GrantDecide, &grant, NOW).allowed);
    // Either side revokes.
    assert!(decide(&authz, &developer, Action::GrantRevoke, &grant, NOW).allowed);
    assert!(decide(&authz, &nsa_analyst, Action::GrantRevoke, &grant, NOW).allowed);
    // Another developer learns nothing of it.
    assert!(!decide(&authz, &other_developer, Action::GrantRead, &grant, NOW).allowed);
    assert!(!decide(&authz, &other_developer, Action::AccessCheck, &model, NOW).allowed);
    assert!(!decide(&authz, &other_developer, Action::AccessCheck, &grant, NOW).allowed);
    // The partner checks its own access, on its grant, not on the model
    // (which it may not read).
    let d = decide(&authz, &partner_admin, Action::AccessCheck, &grant, NOW);
    assert!(d.allowed);
    assert_eq!(
        d.reasons,
        vec!["access.check.grant-partner-members".to_owned()]
    );
    assert!(!decide(&authz, &partner_admin, Action::AccessCheck, &model, NOW).allowed);
    // The developer's gateway (a service account, read-only) may ask.
    let gateway = Principal {
        kind: PrincipalKind::Service,
        ..user(OrgKind::Developer, OWNER_ORG, &[Role::Viewer])
    };
    assert!(decide(&authz, &gateway, Action::AccessCheck, &model, NOW).allowed);
    assert!(!decide(&authz, &gateway, Action::GrantPropose, &model, NOW).allowed);

    // Once the model's review has a lead agency (CISA), the government's
    // side of the grant is CISA's: NSA neither decides nor revokes it, but
    // still reads it.
    let cisa_analyst = reviewer(OTHER_AGENCY, &[Role::Analyst]);
    let led = Resource::Grant {
        id: GRANT,
        developer_org: OWNER_ORG,
        partner_org: PARTICIPANT_ORG,
        lead_agency: Some(OTHER_AGENCY),
    };
    assert!(!decide(&authz, &nsa_analyst, Action::GrantDecide, &led, NOW).allowed);
    assert!(!decide(&authz, &nsa_analyst, Action::GrantRevoke, &led, NOW).allowed);
    assert!(decide(&authz, &nsa_analyst, Action::GrantRead, &led, NOW).allowed);
    let d = decide(&authz, &cisa_analyst, Action::GrantDecide, &led, NOW);
    assert_eq!(
        d.reasons,
        vec!["grant.decide.lead-or-reviewing-agency-writers".to_owned()]
    );
    assert!(decide(&authz, &cisa_analyst, Action::GrantRevoke, &led, NOW).allowed);
    assert!(decide(&authz, &developer, Action::GrantRevoke, &led, NOW).allowed);
}

#[test]
fn partners_are_vetted_by_the_agencies_and_attest_for_themselves() {
    let authz = authz();
    let partner = Resource::Partner {
        org: PARTICIPANT_ORG,
        vetting: "pending".into(),
    };
    let partner_admin = user(OrgKind::Partner, PARTICIPANT_ORG, &[Role::Admin]);
    let partner_analyst = user(OrgKind::Partner, PARTICIPANT_ORG, &[Role::Analyst]);
    let cisa_analyst = reviewer(UNRELATED_ORG, &[Role::Analyst]);
    let plain_agency = user(OrgKind::Agency, UNRELATED_ORG, &[Role::Admin]);
    let operator_admin = user(OrgKind::Operator, UNRELATED_ORG, &[Role::Admin]);

    assert!(decide(&authz, &cisa_analyst, Action::PartnerVet, &partner, NOW).allowed);
    assert!(decide(&authz, &operator_admin, Action::PartnerVet, &partner, NOW).allowed);
    assert!(!decide(&authz, &plain_agency, Action::PartnerVet, &partner, NOW).allowed);
    assert!(!decide(&authz, &partner_admin, Action::PartnerVet, &partner, NOW).allowed);
    assert!(decide(&authz, &partner_admin, Action::PartnerAttest, &partner, NOW).allowed);
    assert!(
        !decide(
            &authz,
            &partner_analyst,
            Action::PartnerAttest,
            &partner,
            NOW
        )
        .allowed
    );
    assert!(!decide(&authz, &cisa_analyst, Action::PartnerAttest, &partner, NOW).allowed);
    assert!(decide(&authz, &plain_agency, Action::PartnerRead, &partner, NOW).allowed);
}

#[test]
fn a_submission_is_for_its_developer_and_its_assigned_agencies_only() {
    let authz = authz();
    const CISA: Uuid = id(0x402);
    const TREASURY: Uuid = id(0x403);
    let submission = |assigned: Vec<Uuid>, awaiting_triage| Resource::Submission {
        id: SUBMISSION,
        developer_org: OWNER_ORG,
        lead_agency: assigned.first().copied(),
        assigned_agencies: assigned,
        awaiting_triage,
    };
    let developer = user(OrgKind::Developer, OWNER_ORG, &[Role::Analyst]);
    let rival = user(OrgKind::Developer, OTHER_DEVELOPER, &[Role::Admin]);
    let nsa = reviewer(NSA, &[Role::Analyst]);
    let cisa = reviewer(CISA, &[Role::Analyst]);
    let treasury = reviewer(TREASURY, &[Role::Admin, Role::Analyst]);
    let operator = user(OrgKind::Operator, UNRELATED_ORG, &[Role::Admin]);
    let plain_agency = user(OrgKind::Agency, OTHER_AGENCY, &[Role::Admin]);
    let may = |p: &Principal, a: Action, r: &Resource| decide(&authz, p, a, r, NOW).allowed;

    // Submitted, awaiting triage: the reviewing agencies see it (not its
    // dossier) and may assign it; no one else but the developer.
    let waiting = submission(vec![], true);
    assert!(may(&developer, Action::SubmissionRead, &waiting));
    assert!(may(&developer, Action::DossierRead, &waiting));
    for agency in [&nsa, &cisa, &treasury] {
        assert!(may(agency, Action::SubmissionRead, &waiting));
        assert!(may(agency, Action::SubmissionTriage, &waiting));
        assert!(!may(agency, Action::DossierRead, &waiting));
        assert!(!may(agency, Action::FindingIssue, &waiting));
    }
    for outsider in [&rival, &operator, &plain_agency] {
        for action in [
            Action::SubmissionRead,
            Action::DossierRead,
            Action::SubmissionTriage,
            Action::SubmissionTransition,
        ] {
            assert!(!may(outsider, action, &waiting), "{outsider:?} {action:?}");
        }
    }

    // Assigned to NSA (lead) and CISA: Treasury no longer sees it.
    let assigned = submission(vec![NSA, CISA], false);
    for agency in [&nsa, &cisa] {
        assert!(may(agency, Action::SubmissionRead, &assigned));
        assert!(may(agency, Action::DossierRead, &assigned));
        assert!(may(agency, Action::FindingIssue, &assigned));
        assert!(may(agency, Action::SubmissionTransition, &assigned));
        for developers_own in [
            Action::SubmissionWithdraw,
            Action::ResponsePost,
            Action::SubmissionSubmit,
            Action::DossierUpload,
            Action::SubmissionReschedule,
        ] {
            assert!(
                !may(agency, developers_own, &assigned),
                "{developers_own:?}"
            );
        }
    }
    // Only the lead concludes.
    assert!(may(&nsa, Action::SubmissionConclude, &assigned));
    assert!(!may(&cisa, Action::SubmissionConclude, &assigned));
    assert!(!may(&developer, Action::SubmissionConclude, &assigned));
    // The developer submits, uploads, reschedules; it does not move the review.
    for action in [
        Action::SubmissionSubmit,
        Action::DossierUpload,
        Action::SubmissionReschedule,
    ] {
        assert!(may(&developer, action, &assigned), "{action:?}");
    }
    assert!(!may(&developer, Action::SubmissionTransition, &assigned));
    for outsider in [&rival, &treasury, &operator, &plain_agency] {
        for action in Action::ALL {
            assert!(!may(outsider, action, &assigned), "{outsider:?} {action:?}");
        }
    }
    assert!(may(&developer, Action::ResponsePost, &assigned));
    assert!(may(&developer, Action::SubmissionWithdraw, &assigned));
    assert!(!may(&developer, Action::FindingIssue, &assigned));
    assert!(!may(&developer, Action::SubmissionTriage, &assigned));
    let developer_viewer = user(OrgKind::Developer, OWNER_ORG, &[Role::Viewer]);
    assert!(may(&developer_viewer, Action::SubmissionRead, &assigned));
    assert!(!may(
        &developer_viewer,
        Action::SubmissionWithdraw,
        &assigned
    ));

    // Submitting: the developer's writers, for its own models only.
    let model = Resource::Model {
        id: MODEL,
        owner_org: OWNER_ORG,
        tlp: Tlp::Amber,
    };
    assert!(may(&developer, Action::SubmissionCreate, &model));
    assert!(!may(&rival, Action::SubmissionCreate, &model));
    assert!(!may(&nsa, Action::SubmissionCreate, &model));
    assert!(!may(&developer_viewer, Action::SubmissionCreate, &model));
}

#[test]
fn a_red_finding_is_for_its_issuer_and_the_named_reviewers_only() {
    let authz = authz();
    const CISA: Uuid = id(0x402);
    let nsa = reviewer(NSA, &[Role::Analyst]);
    let nsa_colleague = Principal {
        user_id: id(0x4011),
        ..reviewer(NSA, &[Role::Admin])
    };
    let cisa_named = Principal {
        user_id: id(0x4021),
        ..reviewer(CISA, &[Role::Viewer])
    };
    let developer = Principal {
        user_id: id(0x1001),
        ..user(OrgKind::Developer, OWNER_ORG, &[Role::Admin])
    };
    let rival = Principal {
        user_id: id(0x5001),
        ..user(OrgKind::Developer, OTHER_DEVELOPER, &[Role::Admin])
    };
    let finding = |tlp| Resource::Finding {
        id: FINDING,
        developer_org: OWNER_ORG,
        assigned_agencies: vec![NSA, CISA],
        tlp,
        issuer: nsa.user_id,
        reviewers: vec![cisa_named.user_id],
    };
    let may = |p: &Principal, r: &Resource| decide(&authz, p, Action::FindingRead, r, NOW).allowed;
    for tlp in [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict] {
        for party in [&nsa, &nsa_colleague, &cisa_named, &developer] {
            assert!(may(party, &finding(tlp)), "{tlp:?} {party:?}");
        }
        assert!(!may(&rival, &finding(tlp)), "{tlp:?}");
    }
    let red = finding(Tlp::Red);
    assert!(may(&nsa, &red));
    assert!(may(&cisa_named, &red));
    assert!(
        !may(&nsa_colleague, &red),
        "the issuer's organization is not named"
    );
    assert!(!may(&developer, &red));
    assert!(!may(&rival, &red));
}

#[test]
fn webhooks_are_managed_by_the_organization_admins_and_the_operator() {
    let authz = authz();
    let org = Resource::Organization {
        id: OWNER_ORG,
        kind: OrgKind::Developer,
    };
    let may = |p: &Principal| decide(&authz, p, Action::WebhookManage, &org, NOW).allowed;
    assert!(may(&user(OrgKind::Developer, OWNER_ORG, &[Role::Admin])));
    assert!(!may(&user(OrgKind::Developer, OWNER_ORG, &[Role::Analyst])));
    assert!(!may(&user(
        OrgKind::Developer,
        OTHER_DEVELOPER,
        &[Role::Admin]
    )));
    assert!(may(&user(OrgKind::Operator, UNRELATED_ORG, &[Role::Admin])));
    assert!(!may(&user(
        OrgKind::Operator,
        UNRELATED_ORG,
        &[Role::Auditor]
    )));
}

#[test]
fn everyone_sees_coverage_only_the_claimant_and_operator_see_outcomes() {
    let authz = authz();
    let claim = Resource::Claim {
        id: CLAIM,
        org: OWNER_ORG,
    };
    let vendor_analyst = user(OrgKind::Vendor, OWNER_ORG, &[Role::Analyst]);
    let vendor_viewer = user(OrgKind::Vendor, OWNER_ORG, &[Role::Viewer]);
    let researcher = user(OrgKind::Researcher, UNRELATED_ORG, &[Role::Admin]);
    let operator_admin = user(OrgKind::Operator, UNRELATED_ORG, &[Role::Admin]);
    let may = |p: &Principal, a: Action, r: &Resource| decide(&authz, p, a, r, NOW).allowed;
    for p in [
        &vendor_analyst,
        &vendor_viewer,
        &researcher,
        &operator_admin,
    ] {
        assert!(may(p, Action::CoverageRead, &Resource::Program));
    }
    assert!(may(&vendor_analyst, Action::ClaimUpdate, &claim));
    assert!(!may(&vendor_viewer, Action::ClaimUpdate, &claim));
    assert!(!may(&researcher, Action::ClaimUpdate, &claim));
    assert!(may(&operator_admin, Action::ClaimUpdate, &claim));
    assert!(may(&vendor_viewer, Action::ClaimReadOutcome, &claim));
    assert!(!may(&researcher, Action::ClaimReadOutcome, &claim));
    assert!(may(&operator_admin, Action::ClaimReadOutcome, &claim));
    let own = Resource::Organization {
        id: OWNER_ORG,
        kind: OrgKind::Vendor,
    };
    assert!(may(&vendor_analyst, Action::ClaimCreate, &own));
    assert!(!may(&vendor_viewer, Action::ClaimCreate, &own));
    assert!(
        !may(&researcher, Action::ClaimCreate, &own),
        "not for another organization"
    );
}

#[test]
fn notices_are_their_organizations_and_only_counts_go_further() {
    let authz = authz();
    let own = Resource::Organization {
        id: OWNER_ORG,
        kind: OrgKind::Vendor,
    };
    let vendor_viewer = user(OrgKind::Vendor, OWNER_ORG, &[Role::Viewer]);
    let vendor_analyst = user(OrgKind::Vendor, OWNER_ORG, &[Role::Analyst]);
    let other_admin = user(OrgKind::Vendor, UNRELATED_ORG, &[Role::Admin]);
    let operator_admin = user(OrgKind::Operator, UNRELATED_ORG, &[Role::Admin]);
    let cisa = Principal {
        org_issues_directives: true,
        ..user(OrgKind::Agency, UNRELATED_ORG, &[Role::Viewer])
    };
    // The flag on a vendor grants nothing.
    let flagged_vendor = Principal {
        org_issues_directives: true,
        ..user(OrgKind::Vendor, UNRELATED_ORG, &[Role::Admin])
    };
    let plain_agency = user(OrgKind::Agency, UNRELATED_ORG, &[Role::Admin]);
    let may = |p: &Principal, a: Action, r: &Resource| decide(&authz, p, a, r, NOW).allowed;
    assert!(may(&vendor_viewer, Action::NoticeRead, &own));
    assert!(!may(&vendor_viewer, Action::NoticeAcknowledge, &own));
    assert!(may(&vendor_analyst, Action::NoticeAcknowledge, &own));
    for p in [&other_admin, &operator_admin, &cisa] {
        assert!(!may(p, Action::NoticeRead, &own), "{p:?}");
        assert!(!may(p, Action::NoticeAcknowledge, &own), "{p:?}");
    }
    assert!(may(
        &operator_admin,
        Action::NoticeReadCounts,
        &Resource::Program
    ));
    assert!(may(&cisa, Action::NoticeReadCounts, &Resource::Program));
    for p in [&vendor_analyst, &flagged_vendor, &plain_agency] {
        assert!(
            !may(p, Action::NoticeReadCounts, &Resource::Program),
            "{p:?}"
        );
    }
    for p in [&vendor_analyst, &operator_admin, &cisa, &other_admin] {
        assert!(
            !may(p, Action::NoticeReadNames, &Resource::Program),
            "{p:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Issue 18, part E: the anonymous principal.
// ---------------------------------------------------------------------------

#[test]
fn anonymous_downloads_clear_publications_only_and_nothing_else() {
    let authz = authz();
    for tlp in Tlp::ALL {
        for embargo in EMBARGOES {
            let facts = record(Rel::UnrelatedOrg, tlp, embargo);
            let want = oracle::publicly_downloadable(&facts, NOW);
            let res = Resource::Record(facts);
            let d = authz.decide_anonymous(Action::PublicationDownload, &res, NOW);
            assert_eq!(d.allowed, want, "{tlp:?} {embargo:?}: {d:?}");
            assert!(d.errors.is_empty(), "{d:?}");
            if want {
                assert_eq!(d.reasons, ["publication.download.clear"]);
            }
            // No other action is ever open to the anonymous principal, not
            // even record.read of a CLEAR record (whose permit does not
            // constrain the principal).
            for action in Action::ALL {
                if action != Action::PublicationDownload {
                    let d = authz.decide_anonymous(action, &res, NOW);
                    assert!(!d.allowed, "{} {tlp:?}", action.as_str());
                    assert!(!d.errors.is_empty());
                }
            }
        }
    }
    assert!(
        !authz
            .decide_anonymous(Action::PublicationDownload, &Resource::Program, NOW)
            .allowed
    );
}

// ---------------------------------------------------------------------------
// Advisories from cases (issue 18, part D). Before publication an advisory
// is read as its case (the case checks above); once public it is a Record of
// kind "advisory" at its publication marking, owned by the clearinghouse,
// with the case's parties and no embargo. Changing one is `case.manage`.
// ---------------------------------------------------------------------------

/// A published advisory's facts, as `bulwark_app::resources::advisory_resource`
/// builds them.
fn published_advisory(tlp: Tlp) -> Resource {
    Resource::Record(RecordFacts {
        kind: "advisory".into(),
        id: "adv-1".into(),
        owner_org: OWNER_ORG,
        creator: Uuid::nil(),
        tlp,
        embargo_until: None,
        participant_orgs: vec![PARTICIPANT_ORG],
        recipient_users: Vec::new(),
    })
}

#[test]
fn a_published_advisory_is_read_at_its_publication_marking() {
    let authz = authz();
    let outsider = user(OrgKind::Researcher, UNRELATED_ORG, &[Role::Viewer]);
    let party = user(OrgKind::Vendor, PARTICIPANT_ORG, &[Role::Viewer]);
    let operator = user(OrgKind::Operator, OWNER_ORG, &[Role::Analyst]);
    for (tlp, outsider_reads) in [
        (Tlp::Clear, true),
        (Tlp::Green, true),
        (Tlp::Amber, false),
        (Tlp::AmberStrict, false),
    ] {
        let r = published_advisory(tlp);
        assert_eq!(
            decide(&authz, &outsider, Action::RecordRead, &r, NOW).allowed,
            outsider_reads,
            "{tlp:?}"
        );
        assert!(
            decide(&authz, &party, Action::RecordRead, &r, NOW).allowed,
            "{tlp:?}"
        );
        assert!(
            decide(&authz, &operator, Action::RecordRead, &r, NOW).allowed,
            "{tlp:?}"
        );
        // Reading is not changing: a party's writer may not update it.
        let party_writer = user(OrgKind::Vendor, PARTICIPANT_ORG, &[Role::Analyst]);
        assert!(
            !decide(&authz, &party_writer, Action::RecordUpdate, &r, NOW).allowed,
            "{tlp:?}"
        );
    }
}

#[test]
fn advisories_are_managed_by_the_operators_writers_only() {
    let authz = authz();
    for (p, may) in [
        (user(OrgKind::Operator, OWNER_ORG, &[Role::Analyst]), true),
        (user(OrgKind::Operator, OWNER_ORG, &[Role::Admin]), true),
        (user(OrgKind::Operator, OWNER_ORG, &[Role::Viewer]), false),
        (
            user(
                OrgKind::Vendor,
                PARTICIPANT_ORG,
                &[Role::Admin, Role::Analyst],
            ),
            false,
        ),
        (
            user(OrgKind::Researcher, UNRELATED_ORG, &[Role::Analyst]),
            false,
        ),
    ] {
        assert_eq!(
            decide(&authz, &p, Action::CaseManage, &Resource::Program, NOW).allowed,
            may,
            "{:?} {:?}",
            p.org_kind,
            p.roles
        );
    }
}

/// record.send, whose principal is a tool: every tool (approved or not,
/// each limit, embargoed data or not) against every record (each marking,
/// each embargo state). A record goes only to an approved tool whose limit
/// covers its marking, never RED, and under a running embargo only to a
/// tool approved for embargoed data. Returns the policies that decided.
fn tool_matrix(authz: &Authorizer) -> BTreeSet<String> {
    let mut reasons = BTreeSet::new();
    let mut allowed = 0;
    for approved in [false, true] {
        for max_tlp in Tlp::ALL {
            for embargoed in [false, true] {
                let tool = ToolFacts {
                    id: TOOL,
                    provider_org: OWNER_ORG,
                    approved,
                    max_tlp,
                    embargoed,
                };
                for tlp in Tlp::ALL {
                    for embargo in EMBARGOES {
                        let rec = Resource::Record(record(Rel::UnrelatedOrg, tlp, embargo));
                        let got = authz.decide_for_tool(&tool, Action::RecordSend, &rec, NOW);
                        let running = matches!(embargo, Embargo::Future);
                        let want = approved
                            && tlp != Tlp::Red
                            && tlp <= max_tlp
                            && (!running || embargoed);
                        assert!(got.errors.is_empty(), "{:?}", got.errors);
                        assert_eq!(
                            got.allowed, want,
                            "approved={approved} max={max_tlp} embargoed={embargoed} record {tlp} {embargo:?}"
                        );
                        allowed += usize::from(got.allowed);
                        reasons.extend(got.reasons);
                    }
                }
                // No other action takes a tool as its principal.
                let rec = Resource::Record(record(Rel::UnrelatedOrg, Tlp::Clear, Embargo::None));
                let other = authz.decide_for_tool(&tool, Action::RecordRead, &rec, NOW);
                assert!(!other.allowed && !other.errors.is_empty());
            }
        }
    }
    // 2 (embargoed) × Σ over limits of the markings they cover below RED:
    // CLEAR 1, GREEN 2, AMBER 3, AMBER+STRICT 4, RED 4 → 14 markings × 3
    // embargo states, less the running embargo for the tools without.
    assert_eq!(allowed, 14 * 3 + 14 * 2);
    reasons
}

/// An agency's access requests are its own: another agency, even with
/// every role, neither sees nor revokes them; CISA as the program office
/// sees and decides them; the developer of the covered frontier model
/// accepts them; the tool's provider only sees them.
#[test]
fn an_agency_never_sees_another_agencys_access_requests() {
    let authz = authz();
    let energy = id(0x501);
    let interior = id(0x502);
    let cisa = id(0x503);
    let lab = id(0x504);
    let reseller = id(0x505);
    let request = Resource::AccessRequest {
        id: ACCESS_REQUEST,
        agency_org: energy,
        provider_org: reseller,
        developer_org: Some(lab),
    };
    let all = [Role::Admin, Role::Analyst, Role::Viewer, Role::Auditor];
    let mut cisa_writer = user(OrgKind::Agency, cisa, &[Role::Analyst]);
    cisa_writer.org_issues_directives = true;
    let cases = [
        // (who, read, decide, accept, revoke)
        (
            user(OrgKind::Agency, energy, &[Role::Analyst]),
            true,
            false,
            false,
            true,
        ),
        (
            user(OrgKind::Agency, energy, &[Role::Viewer]),
            true,
            false,
            false,
            false,
        ),
        (
            user(OrgKind::Agency, interior, &all),
            false,
            false,
            false,
            false,
        ),
        (cisa_writer, true, true, false, true),
        (
            user(OrgKind::Developer, lab, &[Role::Analyst]),
            true,
            false,
            true,
            true,
        ),
        (
            user(OrgKind::Vendor, reseller, &[Role::Admin]),
            true,
            false,
            false,
            false,
        ),
        (
            user(OrgKind::Operator, id(0x506), &all),
            true,
            false,
            false,
            false,
        ),
    ];
    for (who, read, decide_, accept, revoke) in cases {
        for (action, want) in [
            (Action::AccessRequestRead, read),
            (Action::AccessRequestDecide, decide_),
            (Action::AccessRequestAccept, accept),
            (Action::AccessRequestRevoke, revoke),
        ] {
            assert_eq!(
                decide(&authz, &who, action, &request, NOW).allowed,
                want,
                "{} by {:?} of {}",
                action.as_str(),
                who.roles.to_words(),
                who.org_id
            );
        }
    }
    // Interior asks for itself, never for Energy.
    let interior_writer = user(OrgKind::Agency, interior, &[Role::Analyst]);
    for (org, want) in [(interior, true), (energy, false)] {
        let res = Resource::Organization {
            id: org,
            kind: OrgKind::Agency,
        };
        assert_eq!(
            decide(&authz, &interior_writer, Action::AccessRequest, &res, NOW).allowed,
            want
        );
    }
}
