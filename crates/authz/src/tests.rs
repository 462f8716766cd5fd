//! Unit tests: the build-time checks of the policy. The rules themselves are
//! tested in `tests/matrix.rs`.

use super::*;

fn build_with_policy(policy: &str) -> Result<Authorizer, AuthzError> {
    Authorizer::build(policy, SCHEMA_SRC)
}

/// The embedded policy with one piece of text replaced; the piece must occur.
fn mutated(from: &str, to: &str) -> String {
    assert!(POLICY_SRC.contains(from), "{from:?} is not in policy.cedar");
    POLICY_SRC.replacen(from, to, 1)
}

fn assert_invalid(policy: &str, expected_in_message: &str) {
    match build_with_policy(policy) {
        Err(AuthzError::Validation(message)) => assert!(
            message.contains(expected_in_message),
            "validation error does not mention {expected_in_message:?}:\n{message}"
        ),
        Err(other) => panic!("expected a validation error, got {other}"),
        Ok(_) => panic!("a defective policy passed validation"),
    }
}

#[test]
fn embedded_policy_validates_in_strict_mode() {
    let authz = Authorizer::new();
    assert!(
        authz.is_ok(),
        "{}",
        authz.err().map(|e| e.to_string()).unwrap_or_default()
    );
}

#[test]
fn validator_catches_a_misspelt_role() {
    assert_invalid(&mutated(r#"Role::"admin""#, r#"Role::"admn""#), "admn");
}

#[test]
fn validator_catches_a_misspelt_marking() {
    assert_invalid(&mutated(r#"Tlp::"RED""#, r#"Tlp::"Red""#), "Red");
}

#[test]
fn validator_catches_a_misspelt_attribute() {
    assert_invalid(
        &mutated("resource.owner_org", "resource.owner_organization"),
        "owner_organization",
    );
}

#[test]
fn validator_catches_a_misspelt_action() {
    assert_invalid(
        &mutated(r#"Action::"record.read""#, r#"Action::"record.reed""#),
        "record.reed",
    );
}

#[test]
fn validator_catches_a_type_confusion() {
    // Comparing a marking with a string is always false at run time: a rule
    // that would silently never match.
    assert_invalid(
        &mutated(r#"resource.tlp == Tlp::"RED""#, r#"resource.tlp == "RED""#),
        "not compatible",
    );
}

#[test]
fn validator_catches_an_attribute_of_the_wrong_resource() {
    // Records have no `org`; without `is Record` in scope this would only fail at run time.
    let policy = format!(
        "{POLICY_SRC}\n@id(\"bad\")\npermit (principal, action == Action::\"record.read\", resource) when {{ resource.org == principal.org }};\n"
    );
    assert_invalid(&policy, "bad");
}

#[test]
fn every_policy_needs_an_id() {
    let policy = format!("{POLICY_SRC}\npermit (principal, action, resource);\n");
    assert!(matches!(
        build_with_policy(&policy),
        Err(AuthzError::MissingId { .. })
    ));
}

#[test]
fn policy_ids_are_unique() {
    let policy = format!(
        "{POLICY_SRC}\n@id(\"directory.any-principal\")\nforbid (principal, action, resource);\n"
    );
    assert!(
        matches!(build_with_policy(&policy), Err(AuthzError::DuplicateId(id)) if id == "directory.any-principal")
    );
}

#[test]
fn a_syntax_error_is_reported() {
    assert!(matches!(
        build_with_policy("permit (principal"),
        Err(AuthzError::Policy(_))
    ));
}

#[test]
fn the_authorizer_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Authorizer>();
}

#[test]
fn action_order_matches_index() {
    for (i, a) in Action::ALL.iter().enumerate() {
        assert_eq!(*a as usize, i);
    }
    let ids: HashSet<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
    assert_eq!(ids.len(), Action::ALL.len());
}

#[test]
fn every_schema_action_is_a_rust_action() {
    let (schema, _) = Schema::from_cedarschema_str(SCHEMA_SRC).expect("schema");
    let schema_actions: HashSet<String> = schema
        .actions()
        .map(|a| a.id().unescaped().to_owned())
        .collect();
    let rust_actions: HashSet<String> = Action::ALL.iter().map(|a| a.as_str().to_owned()).collect();
    assert_eq!(schema_actions, rust_actions);
}

#[test]
fn embargo_end_rounds_up_and_now_rounds_down() {
    use time::macros::datetime;
    assert_eq!(
        unix_seconds_rounded_up(datetime!(1970-01-01 00:00:10 UTC)),
        10
    );
    assert_eq!(
        unix_seconds_rounded_up(datetime!(1970-01-01 00:00:10.000001 UTC)),
        11
    );
    assert_eq!(
        unix_seconds_rounded_up(datetime!(1969-12-31 23:59:59.5 UTC)),
        0
    );
    assert_eq!(datetime!(1970-01-01 00:00:10.999 UTC).unix_timestamp(), 10);
    assert_eq!(datetime!(1969-12-31 23:59:59.5 UTC).unix_timestamp(), -1);
}

/// Requests over every resource variant, marking and embargo state, for a few principals.
fn sample_requests() -> Vec<(Principal, Action, Resource)> {
    use bulwark_core::{PrincipalKind, Role, RoleSet};
    let id = Uuid::from_u128;
    let principals: Vec<Principal> = [
        (OrgKind::Operator, false, vec![Role::Admin]),
        (OrgKind::Vendor, false, vec![Role::Analyst, Role::Viewer]),
        (OrgKind::Researcher, false, vec![]),
        (OrgKind::Agency, true, vec![Role::Analyst]),
    ]
    .into_iter()
    .map(|(org_kind, org_reviewing, roles)| Principal {
        user_id: id(1),
        username: "u".into(),
        kind: PrincipalKind::Human,
        org_id: id(10),
        org_name: "O".into(),
        org_kind,
        org_reviewing,
        org_issues_directives: false,
        roles: RoleSet::new(roles),
    })
    .collect();
    let now = time::macros::datetime!(2026-07-01 12:00 UTC);
    let mut resources = vec![
        Resource::Program,
        Resource::Organization {
            id: id(10),
            kind: OrgKind::Agency,
        },
        Resource::User {
            id: id(1),
            org: id(10),
        },
        Resource::User {
            id: id(2),
            org: id(20),
        },
        Resource::Token {
            id: id(3),
            user: id(1),
            org: id(10),
        },
        Resource::BenchmarkSet {
            id: "frontier-cyber".into(),
            restricted: false,
        },
        Resource::BenchmarkSet {
            id: "frontier-cyber\"/\u{0}".into(),
            restricted: true,
        },
        Resource::Partner {
            org: id(10),
            vetting: "vetted".into(),
        },
        Resource::Grant {
            id: id(5),
            developer_org: id(10),
            partner_org: id(20),
            lead_agency: None,
        },
        Resource::Grant {
            id: id(5),
            developer_org: id(10),
            partner_org: id(20),
            lead_agency: Some(id(30)),
        },
        Resource::Submission {
            id: id(6),
            developer_org: id(20),
            assigned_agencies: vec![id(10)],
            lead_agency: Some(id(10)),
            awaiting_triage: false,
        },
        Resource::Submission {
            id: id(6),
            developer_org: id(20),
            assigned_agencies: vec![],
            lead_agency: None,
            awaiting_triage: true,
        },
        Resource::Claim {
            id: id(8),
            org: id(10),
        },
        Resource::System {
            id: id(9),
            org: id(10),
            civilian: true,
            national_security: false,
        },
        Resource::Finding {
            id: id(7),
            developer_org: id(20),
            assigned_agencies: vec![id(10)],
            tlp: Tlp::Red,
            issuer: id(1),
            reviewers: vec![id(2)],
        },
        Resource::Tool(ToolFacts {
            id: id(11),
            provider_org: id(20),
            approved: true,
            max_tlp: Tlp::Amber,
            embargoed: false,
        }),
        Resource::AccessRequest {
            id: id(12),
            agency_org: id(10),
            provider_org: id(20),
            developer_org: None,
        },
        Resource::AccessRequest {
            id: id(12),
            agency_org: id(10),
            provider_org: id(20),
            developer_org: Some(id(20)),
        },
    ];
    for tlp in Tlp::ALL {
        for owner_org in [id(10), id(20)] {
            resources.push(Resource::Model {
                id: id(4),
                owner_org,
                tlp,
            });
        }
        for embargo in [None, Some(now), Some(now + time::Duration::hours(1))] {
            resources.push(Resource::Record(RecordFacts {
                kind: "report".into(),
                id: "R-1".into(),
                owner_org: id(20),
                creator: id(1),
                tlp,
                embargo_until: embargo,
                participant_orgs: vec![id(10)],
                recipient_users: vec![id(1), id(2)],
            }));
        }
    }
    let mut out = Vec::new();
    for p in &principals {
        for action in Action::ALL {
            for r in &resources {
                out.push((p.clone(), action, r.clone()));
            }
        }
    }
    out
}

#[test]
fn built_entities_conform_to_the_schema() {
    let authz = Authorizer::new().expect("embedded policy");
    let (schema, _) = Schema::from_cedarschema_str(SCHEMA_SRC).expect("schema");
    let now = time::macros::datetime!(2026-07-01 12:00 UTC);
    for (p, action, resource) in sample_requests() {
        let req = Request {
            principal: &p,
            action,
            resource: &resource,
            now,
        };
        let fits = match (&resource, action.as_str().split('.').next()) {
            (Resource::Program, _) => matches!(
                action,
                Action::OrganizationCreate
                    | Action::OrganizationList
                    | Action::AuditRead
                    | Action::AuditVerify
                    | Action::BenchmarkLoad
                    | Action::ModelPrecheck
                    | Action::CoverageRead
                    | Action::CaseManage
                    | Action::CsafSourceManage
                    | Action::VulnerabilityRead
                    | Action::DirectiveLoad
                    | Action::DirectiveRead
                    | Action::ComplianceReadAll
                    | Action::NoticeReadCounts
                    | Action::NoticeReadNames
                    | Action::ToolProgramManage
                    | Action::ToolProgramRead
            ),
            (Resource::Organization { .. }, _) => matches!(
                action,
                Action::OrganizationRead
                    | Action::OrganizationUpdate
                    | Action::UserCreate
                    | Action::UserList
                    | Action::ModelCreate
                    | Action::WebhookManage
                    | Action::ClaimCreate
                    | Action::ReportSubmit
                    | Action::SystemCreate
                    | Action::NoticeRead
                    | Action::NoticeAcknowledge
                    | Action::ToolCreate
                    | Action::AccessRequest
            ),
            (Resource::User { .. }, _) => matches!(
                action,
                Action::UserRead
                    | Action::UserUpdate
                    | Action::UserSetPassword
                    | Action::TokenIssue
                    | Action::TokenList
            ),
            (Resource::Token { .. }, _) => action == Action::TokenRevoke,
            (Resource::Record(_), prefix) => {
                // record.send's principal is a tool, never a user.
                (prefix == Some("record") && action != Action::RecordSend)
                    || action == Action::ValidationRecord
                    || action == Action::RemediationSubmit
                    || action == Action::PublicationDownload
            }
            (Resource::BenchmarkSet { .. }, _) => matches!(
                action,
                Action::BenchmarkRead | Action::BenchmarkReadCriteria
            ),
            (Resource::Model { .. }, _) => matches!(
                action,
                Action::ModelRead
                    | Action::ModelUpdate
                    | Action::GrantPropose
                    | Action::AccessCheck
                    | Action::SubmissionCreate
            ),
            (Resource::Partner { .. }, prefix) => prefix == Some("partner"),
            (Resource::Grant { .. }, _) => matches!(
                action,
                Action::GrantRead | Action::GrantDecide | Action::GrantRevoke | Action::AccessCheck
            ),
            (Resource::Submission { .. }, _) => matches!(
                action,
                Action::SubmissionRead
                    | Action::SubmissionTransition
                    | Action::SubmissionTriage
                    | Action::SubmissionWithdraw
                    | Action::FindingIssue
                    | Action::ResponsePost
                    | Action::DossierRead
                    | Action::SubmissionSubmit
                    | Action::DossierUpload
                    | Action::SubmissionReschedule
                    | Action::SubmissionConclude
            ),
            (Resource::Finding { .. }, _) => action == Action::FindingRead,
            (Resource::Claim { .. }, _) => {
                matches!(action, Action::ClaimUpdate | Action::ClaimReadOutcome)
            }
            (Resource::System { .. }, _) => matches!(
                action,
                Action::SystemRead
                    | Action::SystemUpdate
                    | Action::ObligationAnswer
                    | Action::ObligationDecide
            ),
            (Resource::Tool(_), _) => matches!(
                action,
                Action::ToolRead | Action::ToolUpdate | Action::ToolApprove
            ),
            (Resource::AccessRequest { .. }, prefix) => prefix == Some("access_request"),
        };
        let built = authz.cedar_request(&req, Some(&schema));
        assert_eq!(
            built.is_ok(),
            fits,
            "{action:?} on {resource:?}: {:?}",
            built.err()
        );
    }
}

#[test]
fn per_action_subsets_decide_like_the_whole_policy() {
    let authz = Authorizer::new().expect("embedded policy");
    let mut all = PolicySet::new();
    for subset in &authz.by_action {
        for policy in subset.policies() {
            if all.policy(policy.id()).is_none() {
                all.add(policy.clone()).expect("unique ids");
            }
        }
    }
    let whole = Authorizer::new().expect("embedded policy");
    assert_eq!(all.policies().count(), POLICY_SRC.matches("@id(").count());
    let whole = Authorizer {
        by_action: vec![all; Action::ALL.len()],
        ..whole
    };
    let now = time::macros::datetime!(2026-07-01 12:00 UTC);
    let mut allowed = 0;
    for (p, action, resource) in sample_requests() {
        let req = Request {
            principal: &p,
            action,
            resource: &resource,
            now,
        };
        let d = authz.decide(&req);
        allowed += usize::from(d.allowed);
        assert_eq!(
            d,
            whole.decide(&req),
            "{action:?} on {resource:?} for {p:?}"
        );
    }
    assert!(allowed > 50, "{allowed}");
}

#[test]
fn the_anonymous_principal_fits_the_schema_for_publication_download_only() {
    let authz = Authorizer::new().expect("embedded policy");
    let (schema, _) = Schema::from_cedarschema_str(SCHEMA_SRC).expect("schema");
    let now = time::macros::datetime!(2026-07-01 12:00 UTC);
    let record = Resource::Record(RecordFacts {
        kind: "advisory".into(),
        id: "A-1".into(),
        owner_org: Uuid::from_u128(20),
        creator: Uuid::from_u128(1),
        tlp: Tlp::Clear,
        embargo_until: None,
        participant_orgs: vec![],
        recipient_users: vec![],
    });
    for action in Action::ALL {
        let principal = Entity::new_no_attrs(
            Names::uid(&authz.names.anonymous, "anonymous"),
            HashSet::new(),
        );
        let built = authz.cedar_request_for(principal, action, &record, now, Some(&schema));
        assert_eq!(
            built.is_ok(),
            action == Action::PublicationDownload,
            "{action:?}: {:?}",
            built.err()
        );
        // And the decision never permits an anonymous record.read.
        let d = authz.decide_anonymous(action, &record, now);
        assert_eq!(
            d.allowed,
            action == Action::PublicationDownload,
            "{action:?}"
        );
    }
}

#[test]
fn a_tools_requests_conform_to_the_schema() {
    let id = Uuid::from_u128;
    let authz = Authorizer::new().expect("embedded policy");
    let (schema, _) = Schema::from_cedarschema_str(SCHEMA_SRC).expect("schema");
    let now = time::macros::datetime!(2026-07-01 12:00 UTC);
    for max_tlp in Tlp::ALL {
        let tool = ToolFacts {
            id: id(11),
            provider_org: id(20),
            approved: max_tlp != Tlp::Red,
            max_tlp,
            embargoed: max_tlp == Tlp::Amber,
        };
        let principal = Entity::new(
            Names::uid(&authz.names.tool, tool.id.to_string()),
            authz.tool_attrs(&tool),
            HashSet::new(),
        )
        .expect("tool entity");
        for tlp in Tlp::ALL {
            let record = Resource::Record(RecordFacts {
                kind: "case".into(),
                id: "C-1".into(),
                owner_org: id(20),
                creator: id(1),
                tlp,
                embargo_until: Some(now + time::Duration::hours(1)),
                participant_orgs: vec![id(10)],
                recipient_users: vec![],
            });
            let built = authz.cedar_request_for(
                principal.clone(),
                Action::RecordSend,
                &record,
                now,
                Some(&schema),
            );
            assert!(built.is_ok(), "{:?}", built.err());
        }
    }
}
