//! The policy's resource facts: what Cedar is told about each kind of
//! record. Every use case, page and worker asks about a record through
//! these builders, so the facts a decision rests on are stated once.

use bulwark_authz::{Action, RecordFacts, Resource};
use bulwark_core::{Principal, SubmissionState, Tlp};
use bulwark_store::{
    Case, Finding, Grant, Organization, PartnerStanding, RawDocumentInfo, ScanClaim,
    StoredCaseAdvisory, StoredModel, StoredSbom, Submission, TokenInfo, User,
};
use uuid::Uuid;

use crate::{App, AppError, AppResult, not_found_as};

/// The caller's own organization (what it submits, uploads or subscribes
/// to on its own behalf).
pub fn own_org_resource(who: &Principal) -> Resource {
    Resource::Organization {
        id: who.org_id,
        kind: who.org_kind,
    }
}

/// An organization.
pub fn org_resource(org: &bulwark_store::Organization) -> Resource {
    Resource::Organization {
        id: org.id,
        kind: org.kind,
    }
}

/// A user.
pub fn user_resource(user: &bulwark_store::User) -> Resource {
    Resource::User {
        id: user.id,
        org: user.org_id,
    }
}

/// The caller's own user.
pub fn own_user_resource(who: &Principal) -> Resource {
    Resource::User {
        id: who.user_id,
        org: who.org_id,
    }
}

/// An API token, as its revocation is judged.
pub fn token_resource(token: &TokenInfo) -> Resource {
    Resource::Token {
        id: token.id,
        user: token.user_id,
        org: token.org_id,
    }
}

/// The policy's view of a case: a record marked as the case is (by default
/// TLP:AMBER+STRICT), under its embargo, whose parties are its reporters, the
/// organizations asked to validate it, the vendor once notified and the
/// participants the clearinghouse named.
pub fn case_resource(c: &Case, parties: Vec<Uuid>) -> Resource {
    Resource::Record(RecordFacts {
        kind: "case".into(),
        id: c.id.to_string(),
        owner_org: c.first_reporter_org,
        // No individual created a case: it opened with a fingerprint.
        creator: Uuid::nil(),
        tlp: c.tlp,
        embargo_until: c.embargo.map(|e| e.until),
        participant_orgs: parties,
        recipient_users: Vec::new(),
    })
}

/// The policy's view of a published advisory: a record at its publication
/// marking, owned by the clearinghouse that wrote it, with the case's
/// parties as its parties (they are the recipients of an AMBER one) and no
/// embargo: it is public once the case's embargo ended. Before publication
/// an advisory is read as its case ([`case_resource`]).
pub fn advisory_resource(a: &StoredCaseAdvisory, case_parties: Vec<Uuid>) -> Resource {
    Resource::Record(RecordFacts {
        kind: "advisory".into(),
        id: a.id.to_string(),
        owner_org: a.owner_org,
        creator: Uuid::nil(),
        tlp: a.publication_tlp,
        embargo_until: None,
        participant_orgs: case_parties,
        recipient_users: Vec::new(),
    })
}

/// A case the principal may read, else 404; with the policy's view of it.
pub async fn readable_case(app: &App, who: &Principal, id: Uuid) -> AppResult<(Case, Resource)> {
    let c = app.store.case(id).await.map_err(not_found_as("case"))?;
    let resource = case_resource(&c, app.store.case_parties(id).await?);
    if !app.permits(who, Action::RecordRead, &resource) {
        return Err(AppError::not_found("case"));
    }
    Ok((c, resource))
}

/// Of these cases, the ones the principal may read, by id: the very decision
/// of [`readable_case`] for each, read in a few queries for a whole list.
pub async fn readable_cases(
    app: &App,
    who: &Principal,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, Case>> {
    Ok(app
        .store
        .cases_with_parties(ids)
        .await?
        .into_iter()
        .filter_map(|(c, parties)| {
            app.permits(who, Action::RecordRead, &case_resource(&c, parties))
                .then_some((c.id, c))
        })
        .collect())
}

/// The policy's view of a kept intake document: AMBER+STRICT, for the
/// organizations that sent it (or gave it as evidence) and the clearinghouse.
/// A document may hold findings of many cases, so a case's parties are not,
/// by that alone, its readers.
pub fn document_resource(info: &RawDocumentInfo) -> Resource {
    Resource::Record(RecordFacts {
        kind: "document".into(),
        id: info.sha256.clone(),
        owner_org: info.orgs.first().copied().unwrap_or_else(Uuid::nil),
        creator: Uuid::nil(),
        tlp: Tlp::AmberStrict,
        embargo_until: None,
        participant_orgs: info.orgs.clone(),
        recipient_users: Vec::new(),
    })
}

/// The policy's view of a scan claim.
pub fn claim_resource(c: &ScanClaim) -> Resource {
    Resource::Claim {
        id: c.id,
        org: c.org_id,
    }
}

/// The policy's view of a stored set.
pub fn set_resource(set_id: &str, restricted: bool) -> Resource {
    Resource::BenchmarkSet {
        id: set_id.to_owned(),
        restricted,
    }
}

/// The policy's view of a stored model.
pub fn model_resource(m: &StoredModel) -> Resource {
    Resource::Model {
        id: m.id,
        owner_org: m.owner_org,
        tlp: m.tlp,
    }
}

/// The models on which the policy permits `who` the `action` (proposing a
/// grant, submitting for review), as (id, name) by name: what a form's
/// choice of model offers.
pub async fn models_permitting(
    app: &App,
    who: &Principal,
    action: Action,
) -> AppResult<Vec<(Uuid, String)>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = app
            .store
            .models(bulwark_store::PageRequest {
                after,
                limit: bulwark_store::PageRequest::MAX_LIMIT,
            })
            .await?;
        out.extend(
            page.items
                .into_iter()
                .filter(|m| app.permits(who, action, &model_resource(m)))
                .map(|m| (m.id, m.name)),
        );
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// A model the principal may read, else 404: whether a proprietary model
/// exists is itself not disclosed.
pub async fn readable_model(app: &App, who: &Principal, id: Uuid) -> AppResult<StoredModel> {
    let m = app.store.model(id).await.map_err(not_found_as("model"))?;
    if !app.permits(who, Action::ModelRead, &model_resource(&m)) {
        return Err(AppError::not_found("model"));
    }
    Ok(m)
}

/// A user the caller may read, else 404: whether a user exists is itself
/// not disclosed to those who may not see it.
pub async fn readable_user(app: &App, who: &Principal, id: Uuid) -> AppResult<User> {
    let user = app.store.user(id).await.map_err(not_found_as("user"))?;
    if !app.permits(who, Action::UserRead, &user_resource(&user)) {
        return Err(AppError::not_found("user"));
    }
    Ok(user)
}

/// The policy's view of a partner organization.
pub fn partner_resource(p: &PartnerStanding) -> Resource {
    Resource::Partner {
        org: p.org_id,
        vetting: p.vetting.as_str().to_owned(),
    }
}

/// The policy's view of a grant.
pub fn grant_resource(g: &Grant) -> Resource {
    Resource::Grant {
        id: g.id,
        developer_org: g.developer_org,
        partner_org: g.partner_org,
        lead_agency: g.lead_agency,
    }
}

/// A grant the principal may read, else 404.
pub async fn readable_grant(app: &App, who: &Principal, id: Uuid) -> AppResult<Grant> {
    let g = app.store.grant(id).await.map_err(not_found_as("grant"))?;
    if !app.permits(who, Action::GrantRead, &grant_resource(&g)) {
        return Err(AppError::not_found("grant"));
    }
    Ok(g)
}

/// The policy's view of a submission.
pub fn submission_resource(s: &Submission) -> Resource {
    let mut assigned_agencies: Vec<Uuid> = s.lead_agency.into_iter().collect();
    assigned_agencies.extend(s.supporting_agencies.iter().copied());
    Resource::Submission {
        id: s.id,
        developer_org: s.developer_org,
        assigned_agencies,
        lead_agency: s.lead_agency,
        awaiting_triage: s.lead_agency.is_none()
            && matches!(
                s.state,
                SubmissionState::Submitted | SubmissionState::Triage
            ),
    }
}

/// The policy's view of one finding of `s`.
pub fn finding_resource(s: &Submission, f: &Finding) -> Resource {
    let mut assigned_agencies: Vec<Uuid> = s.lead_agency.into_iter().collect();
    assigned_agencies.extend(s.supporting_agencies.iter().copied());
    Resource::Finding {
        id: f.id,
        developer_org: s.developer_org,
        assigned_agencies,
        tlp: f.tlp,
        // A finding whose issuer was deleted names no one.
        issuer: f.issued_by.unwrap_or(Uuid::nil()),
        reviewers: s.reviewers.clone(),
    }
}

/// A submission the principal may read, else 404.
pub async fn readable_submission(app: &App, who: &Principal, id: Uuid) -> AppResult<Submission> {
    let s = app
        .store
        .submission(id)
        .await
        .map_err(not_found_as("submission"))?;
    if !app.permits(who, Action::SubmissionRead, &submission_resource(&s)) {
        return Err(AppError::not_found("submission"));
    }
    Ok(s)
}

/// An SBOM `who` may read; a denial is a 404, as is an unknown id.
pub async fn readable_sbom(app: &App, who: &Principal, id: Uuid) -> AppResult<StoredSbom> {
    let s = app.store.sbom(id).await.map_err(not_found_as("SBOM"))?;
    if !app.permits(who, Action::RecordRead, &sbom_resource(&s)) {
        return Err(AppError::not_found("SBOM"));
    }
    Ok(s)
}

/// The policy's facts about an SBOM: a record of kind `sbom` owned by the
/// uploading organization.
pub fn sbom_resource(s: &StoredSbom) -> Resource {
    Resource::Record(RecordFacts {
        kind: "sbom".into(),
        id: s.id.to_string(),
        owner_org: s.org_id,
        creator: s.uploaded_by.unwrap_or(Uuid::nil()),
        tlp: s.tlp,
        embargo_until: None,
        participant_orgs: Vec::new(),
        recipient_users: Vec::new(),
    })
}

/// The policy's view of a system: its agency, whether the agency is on the
/// civilian track, whether the system is a national security system.
pub fn system_resource(s: &bulwark_store::StoredSystem, org: &Organization) -> Resource {
    Resource::System {
        id: s.id,
        org: s.org_id,
        civilian: org.agency_track == Some(bulwark_core::AgencyTrack::Civilian),
        national_security: s.national_security,
    }
}

/// A system the principal may read, with its agency and the policy's view,
/// else 404: which systems an agency runs is not disclosed to others.
pub async fn readable_system(
    app: &App,
    who: &Principal,
    id: Uuid,
) -> AppResult<(bulwark_store::StoredSystem, Organization, Resource)> {
    let s = app.store.system(id).await.map_err(not_found_as("system"))?;
    let org = app.store.organization(s.org_id).await?;
    let r = system_resource(&s, &org);
    if !app.permits(who, Action::SystemRead, &r) {
        return Err(AppError::not_found("system"));
    }
    Ok((s, org, r))
}

/// The policy's decisions on systems for one principal and action, asked
/// once per (agency, national security) pair: those, with the agency's
/// track, are all the policy reads of a system (no rule names a system by
/// id), so a page over thousands of systems asks the policy once per
/// agency rather than once per system.
pub struct SystemGate<'a> {
    app: &'a App,
    who: &'a Principal,
    action: Action,
    orgs: std::collections::HashMap<Uuid, Organization>,
    decided: std::collections::HashMap<(Uuid, bool), bool>,
}

impl<'a> SystemGate<'a> {
    pub fn new(app: &'a App, who: &'a Principal, action: Action) -> Self {
        SystemGate {
            app,
            who,
            action,
            orgs: std::collections::HashMap::new(),
            decided: std::collections::HashMap::new(),
        }
    }

    /// The system's agency, read once.
    pub async fn org(&mut self, id: Uuid) -> AppResult<&Organization> {
        if let std::collections::hash_map::Entry::Vacant(e) = self.orgs.entry(id) {
            e.insert(self.app.store.organization(id).await?);
        }
        self.orgs
            .get(&id)
            .ok_or_else(|| AppError::not_found("organization"))
    }

    /// Whether the policy allows the action on `s`.
    pub async fn allows(&mut self, s: &bulwark_store::StoredSystem) -> AppResult<bool> {
        self.allows_facts(s.org_id, s.national_security).await
    }

    /// Whether the policy allows the action on a system of `org` that is
    /// (or is not) a national security system: for counts grouped by those.
    pub async fn allows_facts(&mut self, org: Uuid, national_security: bool) -> AppResult<bool> {
        let key = (org, national_security);
        if let Some(d) = self.decided.get(&key) {
            return Ok(*d);
        }
        let (app, who, action) = (self.app, self.who, self.action);
        let o = self.org(org).await?;
        let resource = Resource::System {
            // No rule names a system: the facts below are what it reads.
            id: Uuid::nil(),
            org,
            civilian: o.agency_track == Some(bulwark_core::AgencyTrack::Civilian),
            national_security,
        };
        let d = app.permits(who, action, &resource);
        self.decided.insert(key, d);
        Ok(d)
    }
}
