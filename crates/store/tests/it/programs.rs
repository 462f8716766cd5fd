//! Programs and access requests (migration 0037) on both back-ends: a
//! request approved with an early-access grant that the developer's
//! answer decides in the same transaction, revocation taking the grant
//! with it, stale moves refused with nothing written, every change audited
//! and published, and the renewal reminder sent once.

use bulwark_core::{GrantScope, GrantState, OrgKind, Tri};
use bulwark_store::{
    AccessApproval, Actor, AuditQuery, GrantProposal, NewAccessRequest, NewModel, NewSystem,
    NewTool, ProgramFields, Reminder, Store, StoreError, ToolFields,
};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

use crate::common::org_of;

const T0: OffsetDateTime = datetime!(2026-12-07 09:00 UTC);

bulwark_store::both_backends!(
    a_request_is_approved_accepted_and_revoked_with_its_grant,
    stale_moves_change_nothing_and_names_are_unique,
    renewal_is_reminded_once_before_expiry,
);

struct World {
    agency: Uuid,
    developer: Uuid,
    model: Uuid,
    tool: Uuid,
    system: Uuid,
    program: Uuid,
}

async fn world(store: &Store) -> World {
    let actor = Actor::cli();
    let agency = org_of(store, "Department of Energy", OrgKind::Agency, T0).await;
    let developer = org_of(store, "Frontier Lab", OrgKind::Developer, T0).await;
    let model = store
        .upsert_models(
            &actor,
            developer,
            &[NewModel {
                name: "frontier-1".into(),
                tlp: bulwark_core::Tlp::Amber,
                profile: "{}".into(),
            }],
            T0,
        )
        .await
        .expect("model")[0];
    let tool = store
        .create_tool(
            &actor,
            &NewTool {
                provider_org: developer,
                created_by: None,
                fields: ToolFields {
                    name: "Frontier-1 code review".into(),
                    kind: "frontier_model".into(),
                    reports_as: "frontier-1".into(),
                    ai_enabled: true,
                    summary: String::new(),
                    deployment: r#"["government_cloud"]"#.into(),
                    consumes: r#"["source_code"]"#.into(),
                    produces: r#"["sarif"]"#.into(),
                    max_tlp: "AMBER".into(),
                    embargoed: false,
                    fedramp: None,
                    model_id: Some(model),
                },
            },
            T0,
        )
        .await
        .expect("tool")
        .id;
    let system = store
        .create_system(
            &actor,
            &NewSystem {
                org_id: agency,
                name: "Grid telemetry".into(),
                fisma_id: None,
                high_value_asset: Tri::Yes,
                publicly_exposed: Tri::No,
                national_security: false,
                owners: vec![],
            },
            T0,
        )
        .await
        .expect("system")
        .id;
    let program = store
        .create_program(&actor, &program_fields("Code scanning", vec![tool]), T0)
        .await
        .expect("program")
        .id;
    World {
        agency,
        developer,
        model,
        tool,
        system,
        program,
    }
}

fn program_fields(name: &str, tools: Vec<Uuid>) -> ProgramFields {
    ProgramFields {
        name: name.into(),
        summary: "AI-assisted code scanning for high-value assets".into(),
        eligibility: r#"{"kind":"federal_civilian"}"#.into(),
        max_days: 90,
        conditions: "Findings go to the clearinghouse.".into(),
        tools,
    }
}

fn new_request(w: &World) -> NewAccessRequest {
    NewAccessRequest {
        agency_org: w.agency,
        program_id: w.program,
        tool_id: w.tool,
        use_case_id: "DOE-0042".into(),
        systems: vec![w.system],
        data_tlp: "GREEN".into(),
        embargoed: false,
        starts_at: T0 + Duration::days(1),
        ends_at: T0 + Duration::days(60),
        requested_by: None,
    }
}

/// Every audit action after `seq`, with the type of each published event.
async fn audit_since(store: &Store, seq: i64) -> Vec<String> {
    store
        .audit_entries(AuditQuery {
            after_seq: seq,
            limit: 1000,
        })
        .await
        .expect("audit")
        .into_iter()
        .map(|e| {
            if e.action == "event.publish" {
                let d: serde_json::Value = serde_json::from_str(&e.detail).expect("detail");
                format!("event:{}", d["type"].as_str().unwrap_or(""))
            } else {
                e.action
            }
        })
        .collect()
}

async fn head(store: &Store) -> i64 {
    store.audit_verify().await.expect("verify").entries
}

async fn a_request_is_approved_accepted_and_revoked_with_its_grant(store: Store) {
    let actor = Actor::cli();
    let w = world(&store).await;
    let p = store.program(w.program).await.expect("program");
    assert_eq!(p.fields, program_fields("Code scanning", vec![w.tool]));

    let seq = head(&store).await;
    let r = store
        .request_access(&actor, &new_request(&w), T0)
        .await
        .expect("request");
    assert_eq!(r.state, "requested");
    assert_eq!(r.systems, vec![w.system]);
    assert_eq!(r.use_case_id, "DOE-0042");
    assert_eq!(
        audit_since(&store, seq).await,
        ["access.request", "event:access.requested"]
    );

    let t1 = T0 + Duration::hours(2);
    let expires = T0 + Duration::days(45);
    let seq = head(&store).await;
    let r = store
        .approve_access(
            &actor,
            r.id,
            &AccessApproval {
                to: "approved".into(),
                conditions: "No source leaves the agency's tenant.".into(),
                authorising_official: "A. Official, DOE CIO".into(),
                expires_at: expires,
                decided_by: None,
                grant: Some(GrantProposal {
                    model_id: w.model,
                    developer_org: w.developer,
                    scope: GrantScope::Api,
                }),
            },
            t1,
        )
        .await
        .expect("approve");
    assert_eq!(r.state, "approved");
    assert_eq!(r.expires_at, Some(expires));
    assert_eq!(r.developer_org, Some(w.developer));
    let gid = r.grant_id.expect("a grant is proposed");
    let g = store.grant(gid).await.expect("grant");
    assert_eq!(g.state, GrantState::Proposed);
    assert_eq!(g.partner_org, w.agency);
    assert_eq!(g.developer_org, w.developer);
    assert_eq!(g.model_id, w.model);
    assert_eq!(g.starts_at, T0 + Duration::days(1));
    assert_eq!(g.ends_at, expires);
    assert_eq!(
        store
            .access_request_for_grant(gid)
            .await
            .expect("by grant")
            .map(|r| r.id),
        Some(r.id)
    );
    assert_eq!(
        audit_since(&store, seq).await,
        [
            "grant.propose",
            "event:grant.proposed",
            "access.approve",
            "event:access.approved"
        ]
    );

    let seq = head(&store).await;
    let r = store
        .answer_access(&actor, r.id, true, None, t1 + Duration::hours(1))
        .await
        .expect("accept");
    assert_eq!(r.state, "active");
    assert_eq!(
        store.grant(gid).await.expect("grant").state,
        GrantState::Concurred
    );
    assert_eq!(
        audit_since(&store, seq).await,
        [
            "grant.concur",
            "event:grant.concurred",
            "access.accept",
            "event:access.activated"
        ]
    );

    // The agency's early access answers the developer's gateway as a
    // vetted partner's would: by the grant, here with its active request.
    let during = T0 + Duration::days(1) + Duration::hours(1);
    let answer = store
        .check_access(&actor, w.agency, w.model, GrantScope::Api, during)
        .await
        .expect("check");
    assert!(answer.allowed, "{}", answer.reason);
    assert_eq!(answer.grant, Some(gid));
    let answer = store
        .check_access(&actor, w.agency, w.model, GrantScope::Weights, during)
        .await
        .expect("check");
    assert!(!answer.allowed, "{}", answer.reason);

    let seq = head(&store).await;
    let r = store
        .revoke_access(
            &actor,
            r.id,
            "active",
            "misuse reported",
            t1 + Duration::days(2),
        )
        .await
        .expect("revoke");
    assert_eq!(r.state, "revoked");
    assert_eq!(r.reason.as_deref(), Some("misuse reported"));
    let g = store.grant(gid).await.expect("grant");
    assert_eq!(g.state, GrantState::Revoked);
    assert_eq!(
        audit_since(&store, seq).await,
        [
            "grant.revoke",
            "event:grant.revoked",
            "access.revoke",
            "event:access.revoked"
        ]
    );
    let answer = store
        .check_access(
            &actor,
            w.agency,
            w.model,
            GrantScope::Api,
            t1 + Duration::days(3),
        )
        .await
        .expect("check");
    assert!(!answer.allowed, "{}", answer.reason);
    assert_eq!(
        store
            .access_requests(Some(w.agency))
            .await
            .expect("list")
            .len(),
        1
    );
    let other = org_of(&store, "Department of the Interior", OrgKind::Agency, T0).await;
    assert!(
        store
            .access_requests(Some(other))
            .await
            .expect("list")
            .is_empty()
    );
    assert!(store.audit_verify().await.expect("verify").ok());
}

async fn stale_moves_change_nothing_and_names_are_unique(store: Store) {
    let actor = Actor::cli();
    let w = world(&store).await;
    let r = store
        .request_access(&actor, &new_request(&w), T0)
        .await
        .expect("request");
    let denied = store
        .deny_access(&actor, r.id, "no use case entry", None, T0)
        .await
        .expect("deny");
    assert_eq!(denied.state, "denied");
    let seq = head(&store).await;
    // Approving or answering a denied request: refused, nothing written,
    // no grant proposed.
    let e = store
        .approve_access(
            &actor,
            r.id,
            &AccessApproval {
                to: "active".into(),
                conditions: String::new(),
                authorising_official: "X".into(),
                expires_at: T0 + Duration::days(10),
                decided_by: None,
                grant: Some(GrantProposal {
                    model_id: w.model,
                    developer_org: w.developer,
                    scope: GrantScope::Api,
                }),
            },
            T0,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    let e = store
        .answer_access(&actor, r.id, true, None, T0)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    assert_eq!(head(&store).await, seq);
    assert_eq!(
        store
            .grants(bulwark_store::PageRequest::default())
            .await
            .expect("grants")
            .items
            .len(),
        0
    );
    let after = store.access_request(r.id).await.expect("read");
    assert_eq!(after, denied);

    let e = store
        .create_program(&actor, &program_fields("Code scanning", vec![]), T0)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    let p = store
        .update_program(
            &actor,
            w.program,
            &program_fields("Code scanning for HVAs", vec![]),
            T0,
        )
        .await
        .expect("update");
    assert!(p.fields.tools.is_empty());
    assert_eq!(p.fields.name, "Code scanning for HVAs");
    assert_eq!(store.programs().await.expect("list").len(), 1);
}

async fn renewal_is_reminded_once_before_expiry(store: Store) {
    let actor = Actor::cli();
    let w = world(&store).await;
    let r = store
        .request_access(&actor, &new_request(&w), T0)
        .await
        .expect("request");
    let expires = T0 + Duration::days(40);
    store
        .approve_access(
            &actor,
            r.id,
            &AccessApproval {
                to: "active".into(),
                conditions: String::new(),
                authorising_official: "A. Official".into(),
                expires_at: expires,
                decided_by: None,
                grant: None,
            },
            T0,
        )
        .await
        .expect("approve");
    // 40 days out: nothing yet. 29 days out: the 30-day reminder, once.
    let sent = store.send_due_reminders(&actor, T0).await.expect("sweep");
    assert!(sent.is_empty(), "{sent:?}");
    let t = expires - Duration::days(29);
    let sent = store.send_due_reminders(&actor, t).await.expect("sweep");
    assert_eq!(
        sent,
        [Reminder::AccessExpiring {
            request: r.id,
            days: 30
        }]
    );
    assert!(
        store
            .send_due_reminders(&actor, t + Duration::hours(1))
            .await
            .expect("sweep")
            .is_empty()
    );
    let t = expires - Duration::days(6);
    let sent = store.send_due_reminders(&actor, t).await.expect("sweep");
    assert_eq!(
        sent,
        [Reminder::AccessExpiring {
            request: r.id,
            days: 7
        }]
    );
    // Expired: no reminder.
    assert!(
        store
            .send_due_reminders(&actor, expires + Duration::hours(1))
            .await
            .expect("sweep")
            .is_empty()
    );
}
