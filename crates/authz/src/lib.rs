//! The one authorization policy of Bulwark, and its evaluator.
//!
//! Every request the server handles asks one question here: may this
//! principal take this action on this resource, now? The answer comes from a
//! single policy written in [Cedar](https://www.cedarpolicy.com)
//! (`policy.cedar`), never from `if`s scattered through handlers. Cedar because:
//!
//! - **One policy, in one place**, readable by a reviewer who does not read
//!   Rust; each rule carries an `@id` and a comment saying why it exists, and a
//!   decision names the rules that made it.
//! - **Schema-validated**: `policy.cedar` is checked against
//!   `schema.cedarschema` in strict mode when the [`Authorizer`] is built, so a
//!   misspelt attribute, action, role or marking is a start-up failure, not a
//!   rule that silently never matches.
//! - **Deny by default**: only a `permit` grants, a `forbid` always wins over a
//!   `permit`, and (here) an evaluation error denies.
//! - **Analyzable**: no loops, no side effects, terminating evaluation; the
//!   language was designed to be verified and has a formal semantics.
//!
//! The [`Schema`] and [`PolicySet`] are built once in [`Authorizer::new`]; each
//! request only builds a two-entity store (principal and resource).
//!
//! Instants go to Cedar as Unix seconds (`Long`): `now` rounded down, an
//! embargo's end rounded up, so rounding can only prolong an embargo (by less
//! than a second), never shorten it.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use bulwark_core::{OrgKind, Principal, Tlp};
use cedar_policy::{
    ActionConstraint, Context, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicyId,
    PolicySet, RestrictedExpression, Schema, ValidationMode, Validator,
};
use time::OffsetDateTime;
use uuid::Uuid;

const POLICY_SRC: &str = include_str!("policy.cedar");
const SCHEMA_SRC: &str = include_str!("schema.cedarschema");

/// What a request asks to do. Each maps to one Cedar action id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    OrganizationCreate,
    OrganizationList,
    OrganizationRead,
    OrganizationUpdate,
    UserCreate,
    UserList,
    UserRead,
    UserUpdate,
    UserSetPassword,
    TokenIssue,
    TokenList,
    TokenRevoke,
    AuditRead,
    AuditVerify,
    RecordRead,
    RecordUpdate,
    RecordShare,
    /// Load a benchmark set (TOML) into the server; on the [`Resource::Program`].
    BenchmarkLoad,
    /// See that a benchmark set exists, its id, version, title and effective
    /// date, and the outcomes of determinations against it.
    BenchmarkRead,
    /// See a benchmark set's criteria, thresholds (CEL expressions) and sources.
    BenchmarkReadCriteria,
    /// Register a model profile owned by the target [`Resource::Organization`].
    ModelCreate,
    /// Ask whether a model would qualify, storing nothing; on the [`Resource::Program`].
    ModelPrecheck,
    /// Read a model profile and its determinations.
    ModelRead,
    /// Change a model profile (e.g. attach evaluation scores).
    ModelUpdate,
    /// See a trusted partner's vetting and attestations; on a [`Resource::Partner`].
    PartnerRead,
    /// Set a partner's vetting status.
    PartnerVet,
    /// Record an attestation for a partner.
    PartnerAttest,
    /// Propose early access to a model; on the [`Resource::Model`].
    GrantPropose,
    /// Ask whether a partner may use a model now; on the [`Resource::Model`]
    /// (the model's side), or on one of the partner's [`Resource::Grant`]s
    /// of it (the partner's side).
    AccessCheck,
    /// Read an early-access grant; on a [`Resource::Grant`].
    GrantRead,
    /// Concur with or object to a proposed grant.
    GrantDecide,
    /// Revoke a grant.
    GrantRevoke,
    /// Submit a model for voluntary review; on the [`Resource::Model`].
    SubmissionCreate,
    /// See a submission (that it exists, its state, findings, responses); on a [`Resource::Submission`].
    SubmissionRead,
    /// Move a submission through the workflow.
    SubmissionTransition,
    /// Assign the lead and supporting agencies and the reviewers.
    SubmissionTriage,
    /// Withdraw a submission.
    SubmissionWithdraw,
    /// Issue a finding on a submission.
    FindingIssue,
    /// Respond to a finding.
    ResponsePost,
    /// Read a dossier document (plaintext).
    DossierRead,
    /// Move a draft to `submitted`: the developer's word that the dossier is ready.
    SubmissionSubmit,
    /// Add a document to the dossier.
    DossierUpload,
    /// Change a planned release date (with a reason).
    SubmissionReschedule,
    /// Conclude the review.
    SubmissionConclude,
    /// Read one finding; on a [`Resource::Finding`], so its marking counts.
    FindingRead,
    /// Create, list and end an organization's webhook subscriptions and
    /// redeliver their deliveries; on the [`Resource::Organization`].
    WebhookManage,
    /// Claim a scan target for the organization; on the [`Resource::Organization`].
    ClaimCreate,
    /// See who claimed which targets, when and with what; on the [`Resource::Program`].
    CoverageRead,
    /// Renew or release a claim; on a [`Resource::Claim`].
    ClaimUpdate,
    /// See what came of a claim (findings count, note); on a [`Resource::Claim`].
    ClaimReadOutcome,
    /// Submit findings (SARIF, OSV, CSAF, Bulwark JSON) for the organization;
    /// on the [`Resource::Organization`].
    ReportSubmit,
    /// Triage cases: move them, set their quorum, merge and split them; on
    /// the [`Resource::Program`].
    CaseManage,
    /// Subscribe the clearinghouse to other CSAF providers, which the
    /// server then reads on a timer: add, list, change, remove and run the
    /// sources; on the [`Resource::Program`].
    CsafSourceManage,
    /// Record a validation of a case (a reproduction, the vendor's
    /// confirmation); on the case's [`Resource::Record`].
    ValidationRecord,
    /// Read the prioritisation feeds (KEV, EPSS, CVE records) and the
    /// priority order over them: public data; on the [`Resource::Program`].
    VulnerabilityRead,
    /// Load a directive (TOML) into the server; on the [`Resource::Program`].
    DirectiveLoad,
    /// Read the directives in force and their rules; on the [`Resource::Program`].
    DirectiveRead,
    /// Register a system in the organization's inventory; on the [`Resource::Organization`].
    SystemCreate,
    /// Change a system: its flags, owners, attached SBOMs and products; on a [`Resource::System`].
    SystemUpdate,
    /// See a system, what runs on it and its obligations; on a [`Resource::System`].
    SystemRead,
    /// Answer an obligation of a system (in progress, remediated, mitigated,
    /// not affected, a request for more time); on a [`Resource::System`].
    ObligationAnswer,
    /// Approve or deny an extension or exception request; on a [`Resource::System`].
    ObligationDecide,
    /// See every agency's compliance side by side; on the [`Resource::Program`].
    ComplianceReadAll,
    /// Submit a remediation artefact to a case (a vendor fix, a patch, a
    /// workaround, a mitigation); on the case's [`Resource::Record`].
    RemediationSubmit,
    /// Read the organization's advisory notices; on its [`Resource::Organization`].
    NoticeRead,
    /// Mark one of the organization's notices read; on its [`Resource::Organization`].
    NoticeAcknowledge,
    /// See per advisory how many organizations and components it affects;
    /// on the [`Resource::Program`].
    NoticeReadCounts,
    /// See which organizations an advisory affects; on the [`Resource::Program`].
    NoticeReadNames,
    /// Download a published advisory from the public provider tree or feed;
    /// on the advisory's [`Resource::Record`]. The one action whose
    /// principal may be anonymous ([`Authorizer::decide_anonymous`]).
    PublicationDownload,
    /// Describe a new tool provided by the target [`Resource::Organization`].
    ToolCreate,
    /// See a catalogue entry (every approved one; others only its provider,
    /// the program office and the operator); on a [`Resource::Tool`].
    ToolRead,
    /// Change an entry, add a version, submit it, withdraw it; on a [`Resource::Tool`].
    ToolUpdate,
    /// Approve an entry into the catalogue, reject it, withdraw it; on a [`Resource::Tool`].
    ToolApprove,
    /// Whether a record may be sent to a tool; the tool is the principal
    /// ([`Authorizer::decide_for_tool`]), the record the resource.
    RecordSend,
    /// Create and change the program office's programs (eligibility, tools
    /// offered, terms); on the [`Resource::Program`].
    ToolProgramManage,
    /// Read the programs and their terms; on the [`Resource::Program`].
    ToolProgramRead,
    /// Ask for access to a tool under a program, for the target agency
    /// [`Resource::Organization`].
    AccessRequest,
    /// See an access request; on a [`Resource::AccessRequest`].
    AccessRequestRead,
    /// Approve or deny an access request (the program office); on a
    /// [`Resource::AccessRequest`].
    AccessRequestDecide,
    /// Accept or decline an approved request for a covered frontier model
    /// (its developer: the early-access grant's side); on a
    /// [`Resource::AccessRequest`].
    AccessRequestAccept,
    /// End access at once; on a [`Resource::AccessRequest`].
    AccessRequestRevoke,
}

impl Action {
    /// Every action, in declaration order.
    pub const ALL: [Action; 81] = [
        Action::OrganizationCreate,
        Action::OrganizationList,
        Action::OrganizationRead,
        Action::OrganizationUpdate,
        Action::UserCreate,
        Action::UserList,
        Action::UserRead,
        Action::UserUpdate,
        Action::UserSetPassword,
        Action::TokenIssue,
        Action::TokenList,
        Action::TokenRevoke,
        Action::AuditRead,
        Action::AuditVerify,
        Action::RecordRead,
        Action::RecordUpdate,
        Action::RecordShare,
        Action::BenchmarkLoad,
        Action::BenchmarkRead,
        Action::BenchmarkReadCriteria,
        Action::ModelCreate,
        Action::ModelPrecheck,
        Action::ModelRead,
        Action::ModelUpdate,
        Action::PartnerRead,
        Action::PartnerVet,
        Action::PartnerAttest,
        Action::GrantPropose,
        Action::AccessCheck,
        Action::GrantRead,
        Action::GrantDecide,
        Action::GrantRevoke,
        Action::SubmissionCreate,
        Action::SubmissionRead,
        Action::SubmissionTransition,
        Action::SubmissionTriage,
        Action::SubmissionWithdraw,
        Action::FindingIssue,
        Action::ResponsePost,
        Action::DossierRead,
        Action::SubmissionSubmit,
        Action::DossierUpload,
        Action::SubmissionReschedule,
        Action::SubmissionConclude,
        Action::FindingRead,
        Action::WebhookManage,
        Action::ClaimCreate,
        Action::CoverageRead,
        Action::ClaimUpdate,
        Action::ClaimReadOutcome,
        Action::ReportSubmit,
        Action::CaseManage,
        Action::CsafSourceManage,
        Action::ValidationRecord,
        Action::VulnerabilityRead,
        Action::DirectiveLoad,
        Action::DirectiveRead,
        Action::SystemCreate,
        Action::SystemUpdate,
        Action::SystemRead,
        Action::ObligationAnswer,
        Action::ObligationDecide,
        Action::ComplianceReadAll,
        Action::RemediationSubmit,
        Action::NoticeRead,
        Action::NoticeAcknowledge,
        Action::NoticeReadCounts,
        Action::NoticeReadNames,
        Action::PublicationDownload,
        Action::ToolCreate,
        Action::ToolRead,
        Action::ToolUpdate,
        Action::ToolApprove,
        Action::RecordSend,
        Action::ToolProgramManage,
        Action::ToolProgramRead,
        Action::AccessRequest,
        Action::AccessRequestRead,
        Action::AccessRequestDecide,
        Action::AccessRequestAccept,
        Action::AccessRequestRevoke,
    ];

    /// The Cedar action id, e.g. `"organization.create"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::OrganizationCreate => "organization.create",
            Action::OrganizationList => "organization.list",
            Action::OrganizationRead => "organization.read",
            Action::OrganizationUpdate => "organization.update",
            Action::UserCreate => "user.create",
            Action::UserList => "user.list",
            Action::UserRead => "user.read",
            Action::UserUpdate => "user.update",
            Action::UserSetPassword => "user.set_password",
            Action::TokenIssue => "token.issue",
            Action::TokenList => "token.list",
            Action::TokenRevoke => "token.revoke",
            Action::AuditRead => "audit.read",
            Action::AuditVerify => "audit.verify",
            Action::RecordRead => "record.read",
            Action::RecordUpdate => "record.update",
            Action::RecordShare => "record.share",
            Action::BenchmarkLoad => "benchmark.load",
            Action::BenchmarkRead => "benchmark.read",
            Action::BenchmarkReadCriteria => "benchmark.read_criteria",
            Action::ModelCreate => "model.create",
            Action::ModelPrecheck => "model.precheck",
            Action::ModelRead => "model.read",
            Action::ModelUpdate => "model.update",
            Action::PartnerRead => "partner.read",
            Action::PartnerVet => "partner.vet",
            Action::PartnerAttest => "partner.attest",
            Action::GrantPropose => "grant.propose",
            Action::AccessCheck => "access.check",
            Action::GrantRead => "grant.read",
            Action::GrantDecide => "grant.decide",
            Action::GrantRevoke => "grant.revoke",
            Action::SubmissionCreate => "submission.create",
            Action::SubmissionRead => "submission.read",
            Action::SubmissionTransition => "submission.transition",
            Action::SubmissionTriage => "submission.triage",
            Action::SubmissionWithdraw => "submission.withdraw",
            Action::FindingIssue => "finding.issue",
            Action::ResponsePost => "response.post",
            Action::DossierRead => "dossier.read",
            Action::SubmissionSubmit => "submission.submit",
            Action::DossierUpload => "dossier.upload",
            Action::SubmissionReschedule => "submission.reschedule",
            Action::SubmissionConclude => "submission.conclude",
            Action::FindingRead => "finding.read",
            Action::WebhookManage => "webhook.manage",
            Action::ClaimCreate => "claim.create",
            Action::CoverageRead => "coverage.read",
            Action::ClaimUpdate => "claim.update",
            Action::ClaimReadOutcome => "claim.read_outcome",
            Action::ReportSubmit => "report.submit",
            Action::CaseManage => "case.manage",
            Action::CsafSourceManage => "csaf_source.manage",
            Action::ValidationRecord => "validation.record",
            Action::VulnerabilityRead => "vulnerability.read",
            Action::DirectiveLoad => "directive.load",
            Action::DirectiveRead => "directive.read",
            Action::SystemCreate => "system.create",
            Action::SystemUpdate => "system.update",
            Action::SystemRead => "system.read",
            Action::ObligationAnswer => "obligation.answer",
            Action::ObligationDecide => "obligation.decide",
            Action::ComplianceReadAll => "compliance.read_all",
            Action::RemediationSubmit => "remediation.submit",
            Action::NoticeRead => "notice.read",
            Action::NoticeAcknowledge => "notice.acknowledge",
            Action::NoticeReadCounts => "notice.read_counts",
            Action::NoticeReadNames => "notice.read_names",
            Action::PublicationDownload => "publication.download",
            Action::ToolCreate => "tool.create",
            Action::ToolRead => "tool.read",
            Action::ToolUpdate => "tool.update",
            Action::ToolApprove => "tool.approve",
            Action::RecordSend => "record.send",
            Action::ToolProgramManage => "tool_program.manage",
            Action::ToolProgramRead => "tool_program.read",
            Action::AccessRequest => "access.request",
            Action::AccessRequestRead => "access_request.read",
            Action::AccessRequestDecide => "access_request.decide",
            Action::AccessRequestAccept => "access_request.accept",
            Action::AccessRequestRevoke => "access_request.revoke",
        }
    }

    /// Who the policy lets take this action, in words, for a refusal: the
    /// kinds of principal only, never a fact of the resource, so a 403 tells
    /// the caller whom to ask without telling it anything it may not read.
    /// "Writers" are admins and analysts. Kept beside the policy it restates.
    pub fn who_may(self) -> &'static str {
        match self {
            Action::OrganizationCreate => "only the operator's admins admit organizations",
            Action::OrganizationList | Action::OrganizationRead => {
                "every user in the program reads the directory of organizations"
            }
            Action::OrganizationUpdate => {
                "only an organization's own admins and the operator's admins change it"
            }
            Action::UserCreate => {
                "only an organization's own admins and the operator's admins add its users"
            }
            Action::UserList => {
                "only an organization's members and the operator's admins list its users"
            }
            Action::UserRead => {
                "only the user, its colleagues and the operator's admins read a user"
            }
            Action::UserUpdate => {
                "only the user's organization's admins and the operator's admins change a user"
            }
            Action::UserSetPassword => {
                "only the person itself (not a service account), its organization's admins and the operator's admins set a password"
            }
            Action::TokenIssue => {
                "only the user itself, its organization's admins and the operator's admins issue its tokens"
            }
            Action::TokenList => {
                "only the user itself, its organization's admins and the operator's admins list its tokens"
            }
            Action::TokenRevoke => {
                "only the token's owner, its organization's admins and the operator's admins revoke a token"
            }
            Action::AuditRead => "only the operator's admins and auditors read the audit log",
            Action::AuditVerify => "only the operator's admins and auditors verify the audit log",
            Action::RecordRead => {
                "only those its TLP marking names read a record (while an embargo runs, only its parties)"
            }
            Action::RecordUpdate => {
                "only writers of the record's owner organization or of the operator change a record they may read"
            }
            Action::RecordShare => {
                "sharing follows the marking: writers of the owner or the operator (for CLEAR, GREEN and AMBER also of participant organizations; for RED only its creator)"
            }
            Action::BenchmarkLoad => {
                "only writers of a reviewing agency and the operator's admins load benchmark sets"
            }
            Action::BenchmarkRead => "every user in the program reads benchmark sets",
            Action::BenchmarkReadCriteria => {
                "only the reviewing agencies and the operator read a restricted set's criteria"
            }
            Action::ModelCreate => {
                "only a developer's writers register its models (the operator's admins, any organization's)"
            }
            Action::ModelPrecheck => "every user in the program may ask whether a model qualifies",
            Action::ModelRead => {
                "only those its marking names read a model profile: its owner organization, and for AMBER the reviewing agencies and the operator"
            }
            Action::ModelUpdate => {
                "only writers of the model's owner organization and the operator's admins change a model profile"
            }
            Action::PartnerRead => "every user in the program reads the partner registry",
            Action::PartnerVet => {
                "only writers of a reviewing agency and the operator's admins vet trusted partners"
            }
            Action::PartnerAttest => "only the partner organization's admins attest for it",
            Action::GrantPropose => {
                "only writers of the developer that owns the model propose early access to it"
            }
            Action::AccessCheck => {
                "only the model's owner organization and the operator check any partner's access; a partner checks its own grants"
            }
            Action::GrantRead => {
                "only a grant's parties read it: the developer, the partner, the reviewing agencies and the operator"
            }
            Action::GrantDecide => {
                "only writers of the lead agency of the model's review concur or object (any reviewing agency's while there is no lead)"
            }
            Action::GrantRevoke => {
                "only writers of the developer or of the lead agency (any reviewing agency's while there is no lead) revoke a grant"
            }
            Action::SubmissionCreate => {
                "only writers of the developer that owns the model submit it for review"
            }
            Action::SubmissionRead => {
                "only the developer and the assigned agencies read a submission (the reviewing agencies while it awaits triage)"
            }
            Action::SubmissionTransition => "only writers of the assigned agencies move a review",
            Action::SubmissionTriage => {
                "only writers of a reviewing agency triage a submission awaiting triage; the assigned agencies' writers reassign it"
            }
            Action::SubmissionWithdraw => "only the developer's writers withdraw a submission",
            Action::FindingIssue => "only writers of the assigned agencies issue findings",
            Action::ResponsePost => "only the developer's writers answer findings",
            Action::DossierRead => "only the developer and the assigned agencies read the dossier",
            Action::SubmissionSubmit => "only the developer's writers submit a dossier",
            Action::DossierUpload => "only the developer's writers upload to the dossier",
            Action::SubmissionReschedule => "only the developer's writers move the planned dates",
            Action::SubmissionConclude => {
                "only the review's lead agency (its writers) concludes the review"
            }
            Action::FindingRead => {
                "only the submission's parties read a finding; a RED one only its issuer and the named reviewers"
            }
            Action::WebhookManage => {
                "only an organization's admins and the operator's admins manage its webhooks"
            }
            Action::ClaimCreate => "only an organization's writers claim scan targets for it",
            Action::CoverageRead => "every user in the program reads the scan coverage",
            Action::ClaimUpdate => {
                "only the claimant organization's writers and the operator's admins renew or release a claim"
            }
            Action::ClaimReadOutcome => {
                "only the claimant organization and the operator read what came of a claim"
            }
            Action::ReportSubmit => "only an organization's writers submit findings for it",
            Action::CaseManage => "only the operator's writers (the clearinghouse) manage cases",
            Action::CsafSourceManage => {
                "only the operator's writers (the clearinghouse) manage the CSAF providers it reads"
            }
            Action::ValidationRecord => {
                "only writers of the organizations the clearinghouse asked to validate a case record validations"
            }
            Action::VulnerabilityRead => "every user in the program reads the prioritisation feeds",
            Action::DirectiveLoad => {
                "only writers of the directives' issuer (CISA) and the operator's admins load directives"
            }
            Action::DirectiveRead => "every user in the program reads the directives",
            Action::SystemCreate => "only an agency's writers register its systems",
            Action::SystemUpdate => "only writers of the system's agency change its inventory",
            Action::SystemRead => {
                "only the system's agency, and the directives' issuer for federal civilian systems outside national security, see an inventory"
            }
            Action::ObligationAnswer => {
                "only writers of the system's agency answer its obligations"
            }
            Action::ObligationDecide => {
                "only writers of the directives' issuer (CISA) decide extension and exception requests"
            }
            Action::ComplianceReadAll => {
                "only the directives' issuer (CISA) sees every agency's compliance"
            }
            Action::RemediationSubmit => {
                "only writers of a case's parties (its reporters, vendor, participants, the organizations asked to validate it) and of the operator submit remediations to it"
            }
            Action::NoticeRead => "only an organization's members read its advisory notices",
            Action::NoticeAcknowledge => {
                "only an organization's writers mark its advisory notices read"
            }
            Action::NoticeReadCounts => {
                "only the operator and the directives' issuer (CISA) see how many organizations an advisory affects"
            }
            Action::NoticeReadNames => {
                "no one sees which organizations an advisory affects unless the policy names them"
            }
            Action::PublicationDownload => {
                "anyone, signed in or not, downloads a published TLP:CLEAR advisory under no embargo; others are read with record.read"
            }
            Action::ToolCreate => {
                "only writers of a developer, vendor, partner or researcher organization describe its tools"
            }
            Action::ToolRead => {
                "everyone in the program reads approved tools; others only their provider, the program office (CISA) and the operator"
            }
            Action::ToolUpdate => "only writers of a tool's provider change its entry",
            Action::ToolApprove => {
                "only writers of the program office (CISA) approve, reject and withdraw catalogue entries"
            }
            Action::RecordSend => {
                "a record goes only to an approved tool whose limits cover its marking (and, under embargo, embargoed data)"
            }
            Action::ToolProgramManage => {
                "only writers of the program office (CISA) create and change programs"
            }
            Action::ToolProgramRead => "everyone in the program reads the programs' terms",
            Action::AccessRequest => "only an agency's writers ask for access for their agency",
            Action::AccessRequestRead => {
                "only the requesting agency, the program office (CISA), the tool's provider, the model's developer and the operator see an access request"
            }
            Action::AccessRequestDecide => {
                "only writers of the program office (CISA) approve or deny access requests"
            }
            Action::AccessRequestAccept => {
                "only writers of the developer of the covered frontier model accept or decline the approved request"
            }
            Action::AccessRequestRevoke => {
                "only writers of the requesting agency, the program office (CISA) or the model's developer revoke access"
            }
        }
    }
}

/// What a request acts on.
#[derive(Debug, Clone)]
pub enum Resource {
    /// The program as a whole: target of OrganizationCreate, OrganizationList,
    /// AuditRead, AuditVerify, BenchmarkLoad, ModelPrecheck.
    Program,
    /// Target of OrganizationRead/Update, UserCreate (create a user in it),
    /// UserList, ModelCreate (create a model it owns).
    Organization { id: Uuid, kind: OrgKind },
    /// Target of UserRead/Update/SetPassword, TokenIssue (issue a token for this user), TokenList.
    User { id: Uuid, org: Uuid },
    /// Target of TokenRevoke.
    Token { id: Uuid, user: Uuid, org: Uuid },
    /// Any marked record (later: Case, Report, Submission, Advisory ...): RecordRead/Update/Share.
    Record(RecordFacts),
    /// A benchmark set: target of BenchmarkRead, BenchmarkReadCriteria.
    BenchmarkSet {
        id: String,
        /// Its criteria, thresholds and sources are for the reviewing agencies
        /// and the operator only.
        restricted: bool,
    },
    /// A model profile: target of ModelRead, ModelUpdate.
    Model { id: Uuid, owner_org: Uuid, tlp: Tlp },
    /// A trusted partner organization's standing: PartnerRead/Vet/Attest.
    Partner {
        org: Uuid,
        /// `pending`, `vetted` or `suspended`.
        vetting: String,
    },
    /// An early-access grant: GrantRead/Decide/Revoke, AccessCheck.
    Grant {
        id: Uuid,
        developer_org: Uuid,
        partner_org: Uuid,
        /// The lead agency of the model's review, when one was assigned: the
        /// government's side of the grant is then that agency's alone.
        lead_agency: Option<Uuid>,
    },
    /// A submission for voluntary review: SubmissionRead/Submit/Transition/
    /// Triage/Withdraw/Reschedule/Conclude, FindingIssue, ResponsePost,
    /// DossierRead/Upload.
    Submission {
        id: Uuid,
        /// The submitting developer organization.
        developer_org: Uuid,
        /// The lead and supporting agencies assigned to it.
        assigned_agencies: Vec<Uuid>,
        /// The lead agency, once assigned (also in `assigned_agencies`).
        lead_agency: Option<Uuid>,
        /// Submitted and not yet assigned: the reviewing agencies may see it
        /// to triage it.
        awaiting_triage: bool,
    },
    /// A claim on a scan target: ClaimUpdate, ClaimReadOutcome.
    Claim {
        id: Uuid,
        /// The claimant organization.
        org: Uuid,
    },
    /// One finding of a review, with its marking: FindingRead.
    Finding {
        id: Uuid,
        /// The submission's developer organization.
        developer_org: Uuid,
        /// The submission's assigned agencies.
        assigned_agencies: Vec<Uuid>,
        /// The finding's TLP 2.0 marking.
        tlp: Tlp,
        /// Who issued it.
        issuer: Uuid,
        /// The submission's named reviewers.
        reviewers: Vec<Uuid>,
    },
    /// An agency's system, its inventory and obligations: SystemRead/Update,
    /// ObligationAnswer/Decide.
    System {
        id: Uuid,
        /// The agency that owns it.
        org: Uuid,
        /// The agency is on the federal civilian track (CISA's directives bind it).
        civilian: bool,
        /// A national security system: outside CISA's directives and view.
        national_security: bool,
    },
    /// A catalogue entry: ToolRead/Update/Approve.
    Tool(ToolFacts),
    /// An agency's request for access to a tool: AccessRequestRead/Decide/
    /// Accept/Revoke.
    AccessRequest {
        id: Uuid,
        /// The requesting agency.
        agency_org: Uuid,
        /// The tool's provider.
        provider_org: Uuid,
        /// The developer whose agreement an approval waits for (the owner
        /// of a covered frontier model); absent otherwise.
        developer_org: Option<Uuid>,
    },
}

/// What the policy needs to know about a tool in the catalogue, as the
/// resource of the `tool.*` actions and the principal of `record.send`.
#[derive(Debug, Clone)]
pub struct ToolFacts {
    pub id: Uuid,
    /// The organization that provides it.
    pub provider_org: Uuid,
    /// Approved into the catalogue and not withdrawn.
    pub approved: bool,
    /// The highest marking of data it may receive.
    pub max_tlp: Tlp,
    /// Whether it may receive data under embargo.
    pub embargoed: bool,
}

/// What the policy needs to know about a marked record.
#[derive(Debug, Clone)]
pub struct RecordFacts {
    /// What the record is, e.g. `"case"`.
    pub kind: String,
    pub id: String,
    pub owner_org: Uuid,
    /// The user who created it.
    pub creator: Uuid,
    pub tlp: Tlp,
    /// While this is in the future, only the record's parties may see it.
    pub embargo_until: Option<OffsetDateTime>,
    /// Organizations made party to the record.
    pub participant_orgs: Vec<Uuid>,
    /// Individually named recipients.
    pub recipient_users: Vec<Uuid>,
}

/// One authorization question.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub principal: &'a Principal,
    pub action: Action,
    pub resource: &'a Resource,
    pub now: OffsetDateTime,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// ids (`@id` annotations) of the policies that determined it: the permits
    /// that granted an allow, or the forbids that caused a deny. Empty for a
    /// deny because nothing permitted, and for a deny because of an error.
    pub reasons: Vec<String>,
    /// Why the request could not be evaluated, or which policies failed to
    /// evaluate. Non-empty means denied.
    pub errors: Vec<String>,
}

impl Decision {
    fn error(message: String) -> Decision {
        Decision {
            allowed: false,
            reasons: Vec::new(),
            errors: vec![message],
        }
    }
}

/// The embedded policy or schema is defective. Only a build defect causes this.
#[derive(Debug, thiserror::Error)]
pub enum AuthzError {
    #[error("the authorization schema does not parse: {0}")]
    Schema(String),
    #[error("the authorization policy does not parse: {0}")]
    Policy(String),
    #[error("policy number {index} (from the top of the file) has no @id annotation")]
    MissingId { index: usize },
    #[error("two policies share the @id {0:?}")]
    DuplicateId(String),
    #[error("the authorization policy does not validate against the schema:\n{0}")]
    Validation(String),
    #[error("the authorization schema lacks what the evaluator needs: {0}")]
    Vocabulary(String),
}

/// Cedar names parsed once, so a request costs no parsing.
#[derive(Debug)]
struct Names {
    user: EntityTypeName,
    /// The principal of a request that carries no credential.
    anonymous: EntityTypeName,
    organization: EntityTypeName,
    account: EntityTypeName,
    token: EntityTypeName,
    record: EntityTypeName,
    benchmark_set: EntityTypeName,
    model: EntityTypeName,
    partner: EntityTypeName,
    grant: EntityTypeName,
    submission: EntityTypeName,
    finding: EntityTypeName,
    claim: EntityTypeName,
    system: EntityTypeName,
    tool: EntityTypeName,
    access_request: EntityTypeName,
    role: EntityTypeName,
    org_kind: EntityTypeName,
    principal_kind: EntityTypeName,
    tlp: EntityTypeName,
    program: EntityUid,
    /// Indexed by `Action as usize`, same order as [`Action::ALL`].
    actions: Vec<EntityUid>,
}

impl Names {
    fn new() -> Result<Names, AuthzError> {
        let ty = |name: &str| {
            EntityTypeName::from_str(name)
                .map_err(|e| AuthzError::Vocabulary(format!("{name}: {e}")))
        };
        let action_ty = ty("Action")?;
        let actions = Action::ALL
            .iter()
            .map(|a| EntityUid::from_type_name_and_id(action_ty.clone(), EntityId::new(a.as_str())))
            .collect();
        Ok(Names {
            user: ty("User")?,
            anonymous: ty("Anonymous")?,
            organization: ty("Organization")?,
            account: ty("Account")?,
            token: ty("Token")?,
            record: ty("Record")?,
            benchmark_set: ty("BenchmarkSet")?,
            model: ty("Model")?,
            partner: ty("Partner")?,
            grant: ty("Grant")?,
            submission: ty("Submission")?,
            finding: ty("Finding")?,
            claim: ty("Claim")?,
            system: ty("System")?,
            tool: ty("Tool")?,
            access_request: ty("AccessRequest")?,
            role: ty("Role")?,
            org_kind: ty("OrgKind")?,
            principal_kind: ty("PrincipalKind")?,
            tlp: ty("Tlp")?,
            program: EntityUid::from_type_name_and_id(ty("Program")?, EntityId::new("program")),
            actions,
        })
    }

    fn uid(ty: &EntityTypeName, id: impl AsRef<str>) -> EntityUid {
        EntityUid::from_type_name_and_id(ty.clone(), EntityId::new(id))
    }

    fn ent(ty: &EntityTypeName, id: impl AsRef<str>) -> RestrictedExpression {
        RestrictedExpression::new_entity_uid(Self::uid(ty, id))
    }

    fn ents<'a>(
        ty: &EntityTypeName,
        ids: impl IntoIterator<Item = &'a Uuid>,
    ) -> RestrictedExpression {
        RestrictedExpression::new_set(ids.into_iter().map(|id| Self::ent(ty, id.to_string())))
    }
}

/// The policy, validated, ready to answer requests. Build it once and share it.
#[derive(Debug)]
pub struct Authorizer {
    /// For each action (indexed by `Action as usize`), the policies whose
    /// scope can match it. A policy whose action scope excludes the request's
    /// action is never satisfied and never errs, so evaluating only these
    /// gives the same decision as the whole set, for a fraction of the cost.
    by_action: Vec<PolicySet>,
    /// For each action, the resource types the schema lets it apply to.
    resource_types: Vec<Vec<EntityTypeName>>,
    /// For each action, whether the schema lets `Anonymous` be its principal.
    /// Checked on every anonymous request: without it a permit that does not
    /// constrain the principal (record.read of a CLEAR record, say) would
    /// let anyone in.
    anonymous_actions: Vec<bool>,
    /// For each action, whether its principal is a `Tool` (record.send
    /// alone): [`Authorizer::decide_for_tool`] refuses any other.
    tool_actions: Vec<bool>,
    names: Names,
    engine: cedar_policy::Authorizer,
}

impl Authorizer {
    /// Loads the embedded policy and schema and validates the policies
    /// against the schema in strict mode; an error here is a build defect.
    pub fn new() -> Result<Authorizer, AuthzError> {
        Self::build(POLICY_SRC, SCHEMA_SRC)
    }

    fn build(policy_src: &str, schema_src: &str) -> Result<Authorizer, AuthzError> {
        let (schema, _warnings) = Schema::from_cedarschema_str(schema_src)
            .map_err(|e| AuthzError::Schema(e.to_string()))?;
        let parsed =
            PolicySet::from_str(policy_src).map_err(|e| AuthzError::Policy(e.to_string()))?;

        // Re-key every policy by its @id, so decisions and validation errors name it.
        let mut policies = PolicySet::new();
        for (index, policy) in parsed.policies().enumerate() {
            let id = policy
                .annotation("id")
                .filter(|id| !id.trim().is_empty())
                .ok_or(AuthzError::MissingId { index })?;
            policies
                .add(policy.new_id(PolicyId::new(id)))
                .map_err(|_| AuthzError::DuplicateId(id.to_owned()))?;
        }
        if parsed.templates().next().is_some() {
            return Err(AuthzError::Policy(
                "templates are not used in Bulwark's policy".into(),
            ));
        }

        let result = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
        if !result.validation_passed() {
            let errors: Vec<String> = result
                .validation_errors()
                .map(|e| format!("- {e}"))
                .collect();
            return Err(AuthzError::Validation(errors.join("\n")));
        }

        let names = Names::new()?;
        let action_entities = schema
            .action_entities()
            .map_err(|e| AuthzError::Schema(e.to_string()))?;
        let mut by_action = Vec::with_capacity(names.actions.len());
        let mut resource_types = Vec::with_capacity(names.actions.len());
        let mut anonymous_actions = Vec::with_capacity(names.actions.len());
        let mut tool_actions = Vec::with_capacity(names.actions.len());
        for action in &names.actions {
            // Every action the Rust side can name must exist in the schema,
            // with users as its principals; publication.download alone also
            // with the anonymous principal.
            let mut principals: Vec<&EntityTypeName> = schema
                .principals_for_action(action)
                .ok_or_else(|| {
                    AuthzError::Vocabulary(format!("action {action} is not in the schema"))
                })?
                .collect();
            principals.sort_by_key(|t| t.to_string());
            let anonymous_allowed = action == &names.actions[Action::PublicationDownload as usize];
            let tool_principal = action == &names.actions[Action::RecordSend as usize];
            let (expected, spelt): (Vec<&EntityTypeName>, &str) = if anonymous_allowed {
                (vec![&names.anonymous, &names.user], "a User or Anonymous")
            } else if tool_principal {
                (vec![&names.tool], "a Tool")
            } else {
                (vec![&names.user], "a User")
            };
            anonymous_actions.push(anonymous_allowed);
            tool_actions.push(tool_principal);
            if principals != expected {
                return Err(AuthzError::Vocabulary(format!(
                    "the principal of action {action} must be {spelt}"
                )));
            }
            resource_types.push(
                schema
                    .resources_for_action(action)
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect(),
            );
            let mut subset = PolicySet::new();
            for policy in policies.policies() {
                let applies = match policy.action_constraint() {
                    ActionConstraint::Any => true,
                    ActionConstraint::Eq(a) => &a == action,
                    ActionConstraint::In(groups) => groups.iter().any(|group| {
                        group == action || action_entities.is_ancestor_of(group, action)
                    }),
                };
                if applies {
                    subset
                        .add(policy.clone())
                        .map_err(|_| AuthzError::DuplicateId(policy.id().to_string()))?;
                }
            }
            by_action.push(subset);
        }

        Ok(Authorizer {
            by_action,
            resource_types,
            anonymous_actions,
            tool_actions,
            names,
            engine: cedar_policy::Authorizer::new(),
        })
    }

    /// Decides a request. Never panics; anything that cannot be evaluated is denied.
    pub fn decide(&self, req: &Request<'_>) -> Decision {
        match self.evaluate(req) {
            Ok(decision) => decision,
            Err(message) => Decision::error(message),
        }
    }

    /// Decides a request that carries no credential (the public CSAF
    /// provider tree and OSV feed): the principal is Cedar's `Anonymous`,
    /// which has no attributes, so only a policy written for it can permit.
    /// Actions other than [`Action::PublicationDownload`] are denied (the
    /// schema gives them no anonymous principal).
    pub fn decide_anonymous(
        &self,
        action: Action,
        resource: &Resource,
        now: OffsetDateTime,
    ) -> Decision {
        self.decide_as(
            &self.anonymous_actions,
            "anonymous",
            action,
            resource,
            now,
            || {
                Ok(Entity::new_no_attrs(
                    Names::uid(&self.names.anonymous, "anonymous"),
                    HashSet::new(),
                ))
            },
        )
    }

    /// Decides whether `resource` may be sent to a tool: the tool is the
    /// principal, so what a request says about the data cannot widen what
    /// the tool's approved limits allow. Actions other than
    /// [`Action::RecordSend`] are denied.
    pub fn decide_for_tool(
        &self,
        tool: &ToolFacts,
        action: Action,
        resource: &Resource,
        now: OffsetDateTime,
    ) -> Decision {
        self.decide_as(&self.tool_actions, "tool", action, resource, now, || {
            Entity::new(
                Names::uid(&self.names.tool, tool.id.to_string()),
                self.tool_attrs(tool),
                HashSet::new(),
            )
            .map_err(|e| format!("principal: {e}"))
        })
    }

    /// A decision whose principal is not a user: allowed only for the
    /// actions `allowed` marks (the schema gives the others no such
    /// principal), any failure a denial that says why.
    fn decide_as(
        &self,
        allowed: &[bool],
        kind: &str,
        action: Action,
        resource: &Resource,
        now: OffsetDateTime,
        principal: impl FnOnce() -> Result<Entity, String>,
    ) -> Decision {
        let result = (|| {
            if !allowed.get(action as usize).copied().unwrap_or(false) {
                return Err(format!(
                    "action {} has no {kind} principal",
                    action.as_str()
                ));
            }
            let policies = self
                .by_action
                .get(action as usize)
                .ok_or_else(|| format!("unknown action {action:?}"))?;
            let (request, entities) =
                self.cedar_request_for(principal()?, action, resource, now, None)?;
            Ok::<_, String>(self.answer(&request, policies, &entities))
        })();
        result.unwrap_or_else(Decision::error)
    }

    fn tool_attrs(&self, t: &ToolFacts) -> HashMap<String, RestrictedExpression> {
        let n = &self.names;
        HashMap::from([
            (
                "provider_org".to_owned(),
                Names::ent(&n.organization, t.provider_org.to_string()),
            ),
            (
                "approved".to_owned(),
                RestrictedExpression::new_bool(t.approved),
            ),
            ("max_tlp".to_owned(), Names::ent(&n.tlp, t.max_tlp.as_str())),
            (
                "embargoed".to_owned(),
                RestrictedExpression::new_bool(t.embargoed),
            ),
        ])
    }

    /// Shorthand for `decide(req).allowed`.
    pub fn is_allowed(&self, req: &Request<'_>) -> bool {
        self.decide(req).allowed
    }

    fn evaluate(&self, req: &Request<'_>) -> Result<Decision, String> {
        let policies = self
            .by_action
            .get(req.action as usize)
            .ok_or_else(|| format!("unknown action {:?}", req.action))?;
        let (request, entities) = self.cedar_request(req, None)?;
        Ok(self.answer(&request, policies, &entities))
    }

    fn answer(
        &self,
        request: &cedar_policy::Request,
        policies: &PolicySet,
        entities: &Entities,
    ) -> Decision {
        let response = self.engine.is_authorized(request, policies, entities);
        let diagnostics = response.diagnostics();
        let errors: Vec<String> = diagnostics.errors().map(|e| e.to_string()).collect();
        if !errors.is_empty() {
            return Decision {
                allowed: false,
                reasons: Vec::new(),
                errors,
            };
        }
        let mut reasons: Vec<String> = diagnostics.reason().map(|id| id.to_string()).collect();
        reasons.sort();
        Decision {
            allowed: response.decision() == cedar_policy::Decision::Allow,
            reasons,
            errors,
        }
    }

    /// The Cedar request and its two-entity store.
    ///
    /// A resource of a type the schema does not apply the action to (say
    /// record.read on the Program) is refused here, and so denied. Beyond
    /// that, the request and entities are checked against the schema only
    /// when `schema` is given, which the tests do for every shape of request:
    /// the code that builds them is fixed, and checking them on every request
    /// would cost more than the decision.
    fn cedar_request(
        &self,
        req: &Request<'_>,
        schema: Option<&Schema>,
    ) -> Result<(cedar_policy::Request, Entities), String> {
        let principal = self.principal_entity(req.principal)?;
        self.cedar_request_for(principal, req.action, req.resource, req.now, schema)
    }

    /// [`Self::cedar_request`] for a principal entity already built (a
    /// user's, or the anonymous one).
    fn cedar_request_for(
        &self,
        principal: Entity,
        action: Action,
        resource: &Resource,
        now: OffsetDateTime,
        schema: Option<&Schema>,
    ) -> Result<(cedar_policy::Request, Entities), String> {
        let index = action as usize;
        let action_uid = self
            .names
            .actions
            .get(index)
            .cloned()
            .ok_or_else(|| format!("unknown action {action:?}"))?;
        let resource = self.resource_entity(resource)?;
        let resource_uid = resource.uid();
        let applies = self
            .resource_types
            .get(index)
            .is_some_and(|types| types.contains(resource_uid.type_name()));
        if !applies {
            return Err(format!(
                "action {} does not apply to a resource of type {}",
                action.as_str(),
                resource_uid.type_name()
            ));
        }
        let principal_uid = principal.uid();

        let context = Context::from_pairs([(
            "now".to_owned(),
            RestrictedExpression::new_long(now.unix_timestamp()),
        )])
        .map_err(|e| format!("context: {e}"))?;
        let request =
            cedar_policy::Request::new(principal_uid, action_uid, resource_uid, context, schema)
                .map_err(|e| format!("request does not fit the schema: {e}"))?;
        let entities = Entities::from_entities([principal, resource], schema)
            .map_err(|e| format!("entities: {e}"))?;
        Ok((request, entities))
    }

    fn principal_entity(&self, p: &Principal) -> Result<Entity, String> {
        let n = &self.names;
        let attrs = HashMap::from([
            (
                "roles".to_owned(),
                RestrictedExpression::new_set(
                    p.roles.iter().map(|r| Names::ent(&n.role, r.as_str())),
                ),
            ),
            (
                "kind".to_owned(),
                Names::ent(&n.principal_kind, p.kind.as_str()),
            ),
            (
                "org".to_owned(),
                Names::ent(&n.organization, p.org_id.to_string()),
            ),
            (
                "org_kind".to_owned(),
                Names::ent(&n.org_kind, p.org_kind.as_str()),
            ),
            (
                "org_reviewing".to_owned(),
                RestrictedExpression::new_bool(p.org_reviewing),
            ),
            (
                "org_issues_directives".to_owned(),
                RestrictedExpression::new_bool(p.org_issues_directives),
            ),
        ]);
        Entity::new(
            Names::uid(&n.user, p.user_id.to_string()),
            attrs,
            HashSet::new(),
        )
        .map_err(|e| format!("principal: {e}"))
    }

    fn resource_entity(&self, resource: &Resource) -> Result<Entity, String> {
        let n = &self.names;
        let (uid, attrs) = match resource {
            Resource::Program => (n.program.clone(), HashMap::new()),
            Resource::Organization { id, kind } => (
                Names::uid(&n.organization, id.to_string()),
                HashMap::from([("kind".to_owned(), Names::ent(&n.org_kind, kind.as_str()))]),
            ),
            Resource::User { id, org } => (
                Names::uid(&n.account, id.to_string()),
                HashMap::from([
                    ("user".to_owned(), Names::ent(&n.user, id.to_string())),
                    (
                        "org".to_owned(),
                        Names::ent(&n.organization, org.to_string()),
                    ),
                ]),
            ),
            Resource::Token { id, user, org } => (
                Names::uid(&n.token, id.to_string()),
                HashMap::from([
                    ("owner".to_owned(), Names::ent(&n.user, user.to_string())),
                    (
                        "org".to_owned(),
                        Names::ent(&n.organization, org.to_string()),
                    ),
                ]),
            ),
            Resource::Record(r) => {
                let mut attrs = HashMap::from([
                    (
                        "kind".to_owned(),
                        RestrictedExpression::new_string(r.kind.clone()),
                    ),
                    (
                        "owner_org".to_owned(),
                        Names::ent(&n.organization, r.owner_org.to_string()),
                    ),
                    (
                        "creator".to_owned(),
                        Names::ent(&n.user, r.creator.to_string()),
                    ),
                    ("tlp".to_owned(), Names::ent(&n.tlp, r.tlp.as_str())),
                    (
                        "participant_orgs".to_owned(),
                        Names::ents(&n.organization, &r.participant_orgs),
                    ),
                    (
                        "recipient_users".to_owned(),
                        Names::ents(&n.user, &r.recipient_users),
                    ),
                ]);
                if let Some(until) = r.embargo_until {
                    attrs.insert(
                        "embargo_until".to_owned(),
                        RestrictedExpression::new_long(unix_seconds_rounded_up(until)),
                    );
                }
                // Kind and id together, so a case and a report with the same id differ.
                (Names::uid(&n.record, format!("{}/{}", r.kind, r.id)), attrs)
            }
            Resource::BenchmarkSet { id, restricted } => (
                Names::uid(&n.benchmark_set, id),
                HashMap::from([(
                    "restricted".to_owned(),
                    RestrictedExpression::new_bool(*restricted),
                )]),
            ),
            Resource::Model { id, owner_org, tlp } => (
                Names::uid(&n.model, id.to_string()),
                HashMap::from([
                    (
                        "owner_org".to_owned(),
                        Names::ent(&n.organization, owner_org.to_string()),
                    ),
                    ("tlp".to_owned(), Names::ent(&n.tlp, tlp.as_str())),
                ]),
            ),
            Resource::Partner { org, vetting } => (
                Names::uid(&n.partner, org.to_string()),
                HashMap::from([
                    (
                        "org".to_owned(),
                        Names::ent(&n.organization, org.to_string()),
                    ),
                    (
                        "vetting".to_owned(),
                        RestrictedExpression::new_string(vetting.clone()),
                    ),
                ]),
            ),
            Resource::Grant {
                id,
                developer_org,
                partner_org,
                lead_agency,
            } => {
                let mut attrs = HashMap::from([
                    (
                        "developer_org".to_owned(),
                        Names::ent(&n.organization, developer_org.to_string()),
                    ),
                    (
                        "partner_org".to_owned(),
                        Names::ent(&n.organization, partner_org.to_string()),
                    ),
                ]);
                if let Some(lead) = lead_agency {
                    attrs.insert(
                        "lead_agency".to_owned(),
                        Names::ent(&n.organization, lead.to_string()),
                    );
                }
                (Names::uid(&n.grant, id.to_string()), attrs)
            }
            Resource::Submission {
                id,
                developer_org,
                assigned_agencies,
                lead_agency,
                awaiting_triage,
            } => {
                let mut attrs = HashMap::from([
                    (
                        "developer_org".to_owned(),
                        Names::ent(&n.organization, developer_org.to_string()),
                    ),
                    (
                        "assigned_agencies".to_owned(),
                        Names::ents(&n.organization, assigned_agencies),
                    ),
                    (
                        "awaiting_triage".to_owned(),
                        RestrictedExpression::new_bool(*awaiting_triage),
                    ),
                ]);
                if let Some(lead) = lead_agency {
                    attrs.insert(
                        "lead_agency".to_owned(),
                        Names::ent(&n.organization, lead.to_string()),
                    );
                }
                (Names::uid(&n.submission, id.to_string()), attrs)
            }
            Resource::Claim { id, org } => (
                Names::uid(&n.claim, id.to_string()),
                HashMap::from([(
                    "org".to_owned(),
                    Names::ent(&n.organization, org.to_string()),
                )]),
            ),
            Resource::Finding {
                id,
                developer_org,
                assigned_agencies,
                tlp,
                issuer,
                reviewers,
            } => (
                Names::uid(&n.finding, id.to_string()),
                HashMap::from([
                    (
                        "developer_org".to_owned(),
                        Names::ent(&n.organization, developer_org.to_string()),
                    ),
                    (
                        "assigned_agencies".to_owned(),
                        Names::ents(&n.organization, assigned_agencies),
                    ),
                    ("tlp".to_owned(), Names::ent(&n.tlp, tlp.as_str())),
                    ("issuer".to_owned(), Names::ent(&n.user, issuer.to_string())),
                    ("reviewers".to_owned(), Names::ents(&n.user, reviewers)),
                ]),
            ),
            Resource::System {
                id,
                org,
                civilian,
                national_security,
            } => (
                Names::uid(&n.system, id.to_string()),
                HashMap::from([
                    (
                        "org".to_owned(),
                        Names::ent(&n.organization, org.to_string()),
                    ),
                    (
                        "civilian".to_owned(),
                        RestrictedExpression::new_bool(*civilian),
                    ),
                    (
                        "national_security".to_owned(),
                        RestrictedExpression::new_bool(*national_security),
                    ),
                ]),
            ),
            Resource::Tool(t) => (Names::uid(&n.tool, t.id.to_string()), self.tool_attrs(t)),
            Resource::AccessRequest {
                id,
                agency_org,
                provider_org,
                developer_org,
            } => {
                let mut attrs = HashMap::from([
                    (
                        "agency_org".to_owned(),
                        Names::ent(&n.organization, agency_org.to_string()),
                    ),
                    (
                        "provider_org".to_owned(),
                        Names::ent(&n.organization, provider_org.to_string()),
                    ),
                ]);
                if let Some(d) = developer_org {
                    attrs.insert(
                        "developer_org".to_owned(),
                        Names::ent(&n.organization, d.to_string()),
                    );
                }
                (Names::uid(&n.access_request, id.to_string()), attrs)
            }
        };
        Entity::new(uid, attrs, HashSet::new()).map_err(|e| format!("resource: {e}"))
    }
}

/// Whole Unix seconds, rounded towards the future.
fn unix_seconds_rounded_up(t: OffsetDateTime) -> i64 {
    let secs = t.unix_timestamp();
    if t.nanosecond() > 0 {
        secs.saturating_add(1)
    } else {
        secs
    }
}

#[cfg(test)]
mod tests;
