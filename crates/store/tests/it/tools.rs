//! The catalogue of tools (migration 0034): entries, their states and
//! versions, uniqueness, and that every change is audited, on both back-ends.

use bulwark_core::OrgKind;
use bulwark_store::{Actor, NewTool, Store, StoreError, ToolFields, ToolVersion};
use time::{Duration, OffsetDateTime, macros::datetime};

use crate::common::org_of;

const T0: OffsetDateTime = datetime!(2026-12-07 09:00 UTC);

bulwark_store::both_backends!(
    entries_move_through_the_workflow_and_are_audited,
    names_are_unique_per_provider_and_reporting_names_overall,
);

fn fields(name: &str, reports_as: &str) -> ToolFields {
    ToolFields {
        name: name.into(),
        kind: "fuzzer".into(),
        reports_as: reports_as.into(),
        ai_enabled: true,
        summary: "Coverage-guided fuzzing with an LLM writing harnesses.".into(),
        deployment: r#"["on_premises"]"#.into(),
        consumes: r#"["source_code"]"#.into(),
        produces: r#"["pov","sarif"]"#.into(),
        max_tlp: "AMBER".into(),
        embargoed: false,
        fedramp: None,
        model_id: None,
    }
}

async fn entries_move_through_the_workflow_and_are_audited(store: Store) {
    let actor = Actor::cli();
    let vendor = org_of(&store, "Fuzzco", OrgKind::Vendor, T0).await;
    let before = store.audit_verify().await.expect("verify").entries;
    let t = store
        .create_tool(
            &actor,
            &NewTool {
                provider_org: vendor,
                created_by: None,
                fields: fields("Fuzzco Harness", "fuzzco"),
            },
            T0,
        )
        .await
        .expect("create");
    assert_eq!(t.state, "draft");
    assert_eq!(t.fields, fields("Fuzzco Harness", "fuzzco"));
    assert_eq!(
        store.tool_reporting_as("fuzzco").await.expect("by name").id,
        t.id
    );

    let t1 = T0 + Duration::hours(1);
    let s = store
        .set_tool_state(&actor, t.id, "draft", "submitted", None, None, t1)
        .await
        .expect("submit");
    assert_eq!((s.state.as_str(), s.decided_at), ("submitted", None));
    // A move from a state the entry is no longer in is refused, nothing written.
    let stale = store
        .set_tool_state(&actor, t.id, "draft", "withdrawn", None, None, t1)
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");

    let a = store
        .set_tool_state(
            &actor,
            t.id,
            "submitted",
            "approved",
            Some("fine"),
            None,
            t1,
        )
        .await
        .expect("approve");
    assert_eq!(
        (a.state.as_str(), a.state_reason.as_deref()),
        ("approved", Some("fine"))
    );

    let mut changed = fields("Fuzzco Harness", "fuzzco");
    changed.max_tlp = "AMBER+STRICT".into();
    let u = store
        .update_tool(&actor, t.id, "approved", &changed, "submitted", t1)
        .await
        .expect("update");
    assert_eq!(
        (u.state.as_str(), u.fields.max_tlp.as_str()),
        ("submitted", "AMBER+STRICT")
    );
    // The caller read "approved", but it is "submitted" now.
    let stale = store
        .update_tool(&actor, t.id, "approved", &changed, "approved", t1)
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(m)) if m.contains("meanwhile")));

    for (v, at) in [("1.0", T0), ("1.1", t1)] {
        store
            .add_tool_version(
                &actor,
                t.id,
                &ToolVersion {
                    version: v.into(),
                    released_on: Some("2026-11-01".into()),
                    note: None,
                    added_by: None,
                    added_at: at,
                },
            )
            .await
            .expect("version");
    }
    let again = store
        .add_tool_version(
            &actor,
            t.id,
            &ToolVersion {
                version: "1.0".into(),
                released_on: None,
                note: None,
                added_by: None,
                added_at: t1,
            },
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))));
    let versions: Vec<String> = store
        .tool_versions(t.id)
        .await
        .expect("versions")
        .into_iter()
        .map(|v| v.version)
        .collect();
    assert_eq!(versions, ["1.1", "1.0"], "newest first");

    assert_eq!(store.tools(Some("submitted")).await.expect("list").len(), 1);
    assert!(
        store
            .tools(Some("approved"))
            .await
            .expect("list")
            .is_empty()
    );

    // create, submit, approve, update (with its state event), two versions.
    let v = store.audit_verify().await.expect("verify");
    assert!(v.first_break.is_none());
    assert_eq!(v.entries - before, 7);
}

async fn names_are_unique_per_provider_and_reporting_names_overall(store: Store) {
    let actor = Actor::cli();
    let a = org_of(&store, "Lab A", OrgKind::Developer, T0).await;
    let b = org_of(&store, "Lab B", OrgKind::Developer, T0).await;
    let new = |org, name: &str, reports: &str| NewTool {
        provider_org: org,
        created_by: None,
        fields: fields(name, reports),
    };
    store
        .create_tool(&actor, &new(a, "Scout", "scout"), T0)
        .await
        .expect("first");
    // Another provider may use the display name, not the reporting name.
    store
        .create_tool(&actor, &new(b, "Scout", "scout-b"), T0)
        .await
        .expect("other provider");
    for clash in [new(a, "Scout", "scout-2"), new(b, "Other", "scout")] {
        let err = store.create_tool(&actor, &clash, T0).await;
        assert!(
            matches!(&err, Err(StoreError::Conflict(m)) if m.contains("already in the catalogue")),
            "{err:?}"
        );
    }
    assert_eq!(store.tools(None).await.expect("all").len(), 2);
}
