//! The catalogue of AI-enabled defensive tools over HTTP: a provider
//! describes a tool, the program office approves it, who sees what at each
//! step, bad entries refused naming the field, and which cases may go to
//! the tool (the policy's `record.send`).

use crate::common;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::macros::datetime;

const FORTIFY: &[u8] = include_bytes!("../../../intake/tests/fixtures/fortify-excerpt.sarif");

fn entry(name: &str, reports_as: &str) -> Value {
    json!({
        "name": name,
        "kind": "cyber_reasoning_system",
        "reports_as": reports_as,
        "ai_enabled": true,
        "summary": "Finds and patches memory-safety bugs in C and Java.",
        "deployment": ["on_premises", "government_cloud"],
        "consumes": ["source_code"],
        "produces": ["pov", "patch", "sarif"],
        "limits": {"max_tlp": "AMBER", "embargoed": false},
    })
}

async fn put(srv: &common::Srv, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    let (s, _, v) = srv.call(Method::PUT, path, Some(token), Some(body)).await;
    (s, v)
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| t["name"].as_str().expect("name").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_from_draft_to_the_catalogue() {
    let t0 = datetime!(2026-12-07 09:00 UTC);
    let (srv, _clock) = common::start_at(t0, &[]).await;
    let (cisa, _, cisa_tok) = srv.member("CISA", "agency", "cisa", &["analyst"]).await;
    let (s, v) = put(
        &srv,
        &format!("/api/v1/organizations/{cisa}/directive-profile"),
        &srv.root_token,
        json!({"agency_track": "civilian", "issues_directives": true}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, _, vendor) = srv
        .member("Team Atlanta", "vendor", "ta", &["analyst"])
        .await;
    let (_, _, vendor_viewer) = srv
        .member("Team Atlanta", "vendor", "tav", &["viewer"])
        .await;
    let (_, _, other_vendor) = srv.member("Shellphish", "vendor", "sp", &["admin"]).await;
    let (_, _, agency) = srv
        .member("Dept of Energy", "agency", "doe", &["admin"])
        .await;

    // Agencies use tools; they do not provide them.
    let (s, v) = srv.post("/api/v1/tools", &agency, entry("X", "x")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    // A viewer of the provider writes nothing.
    let (s, _) = srv
        .post("/api/v1/tools", &vendor_viewer, entry("X", "x"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Bad entries: 422 naming the field, nothing written.
    let audit = srv.audit_len().await;
    let bad = [
        (json!({"kind": "llm"}), "kind"),
        (json!({"limits": {"max_tlp": "RED"}}), "limits.max_tlp"),
        (json!({"deployment": []}), "deployment"),
        (json!({"produces": ["sarif", "exploit"]}), "produces[1]"),
        (json!({"kind": "frontier_model"}), "model"),
        (json!({"ai_enabled": false}), "ai_enabled"),
        (
            json!({"deployment": ["provider_cloud"], "limits": {"max_tlp": "GREEN"}}),
            "limits.max_tlp",
        ),
        (
            json!({"fedramp": {"status": "authorized", "impact": "moderate"}}),
            "fedramp.authorized_on",
        ),
    ];
    for (change, field) in bad {
        let mut body = entry("Atlantis", "atlantis");
        for (k, v) in change.as_object().expect("object") {
            body[k] = v.clone();
        }
        let (s, v) = srv.post("/api/v1/tools", &vendor, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {v}");
        assert!(
            v["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with(&format!("{field}:"))),
            "{field}: {v}"
        );
    }
    let (s, v) = srv
        .post("/api/v1/tools", &vendor, json!({"name": "Atlantis"}))
        .await;
    assert!(s.is_client_error(), "{s} {v}");
    assert_eq!(srv.audit_len().await, audit, "nothing written");

    let (s, tool) = srv
        .post("/api/v1/tools", &vendor, entry("Atlantis", "atlantis"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{tool}");
    assert_eq!(tool["state"], "draft");
    assert_eq!(tool["provider_name"], "Team Atlanta");
    let id = tool["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/tools/{id}");
    // The reporting name is the evidence's key: one entry per name.
    let (s, _) = srv
        .post("/api/v1/tools", &other_vendor, entry("Other", "atlantis"))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // A draft is its provider's and the program office's.
    for (who, tok, seen) in [
        ("provider", &vendor, true),
        ("provider's viewer", &vendor_viewer, true),
        ("program office", &cisa_tok, true),
        ("operator", &srv.root_token, true),
        ("another vendor", &other_vendor, false),
        ("an agency", &agency, false),
    ] {
        let (s, _) = srv.get(&path, tok).await;
        assert_eq!(s == StatusCode::OK, seen, "{who} reads the draft");
        let (_, list) = srv.get("/api/v1/tools", tok).await;
        assert_eq!(
            names(&list).contains(&"Atlantis".to_owned()),
            seen,
            "{who} lists it"
        );
    }

    // Only the program office decides, and only a submitted entry.
    let approve = json!({"decision": "approve"});
    let (s, _) = srv
        .post(&format!("{path}/decision"), &cisa_tok, approve.clone())
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a draft is not decided");
    let (s, v) = srv
        .post(&format!("{path}/submit"), &vendor, json!({}))
        .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("submitted"))
    );
    let (s, _) = srv
        .post(&format!("{path}/decision"), &vendor, approve.clone())
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a provider does not approve itself"
    );
    let (s, v) = srv
        .post(
            &format!("{path}/decision"),
            &cisa_tok,
            json!({"decision": "reject"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a rejection needs a reason: {v}"
    );
    let (s, v) = srv
        .post(
            &format!("{path}/decision"),
            &cisa_tok,
            json!({"decision": "reject", "reason": "add your FedRAMP package"}),
        )
        .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("rejected")),
        "{v}"
    );
    let (_, v) = srv
        .post(&format!("{path}/submit"), &vendor, json!({}))
        .await;
    assert_eq!(v["state"], "submitted");
    let (s, v) = srv
        .post(&format!("{path}/decision"), &cisa_tok, approve.clone())
        .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{v}"
    );

    // Approved: everyone in the program reads it; the filters find it.
    for tok in [&other_vendor, &agency] {
        let (s, _) = srv.get(&path, tok).await;
        assert_eq!(s, StatusCode::OK);
    }
    for (query, found) in [
        ("?state=approved", true),
        ("?kind=cyber_reasoning_system", true),
        ("?kind=fuzzer", false),
        ("?receives=GREEN", true),
        ("?receives=AMBER%2BSTRICT", false),
        ("?embargoed=true", false),
        ("?deployment=government_cloud", true),
        ("?fedramp=none", true),
        ("?q=patches%20java", true),
        ("?q=rust", false),
    ] {
        let (s, list) = srv.get(&format!("/api/v1/tools{query}"), &agency).await;
        assert_eq!(s, StatusCode::OK, "{query}: {list}");
        assert_eq!(names(&list) == ["Atlantis"], found, "{query}: {list}");
    }
    let (s, v) = srv.get("/api/v1/tools?kind=llm", &agency).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (_, list) = srv.get("/api/v1/tools", &agency).await;
    assert_eq!(list["by_state"], json!({"approved": 1}));
    assert_eq!(
        list["approved_by_kind"],
        json!({"cyber_reasoning_system": 1})
    );

    // A version is a fact, not a new approval.
    let (s, v) = srv
        .post(
            &format!("{path}/versions"),
            &vendor,
            json!({"version": "2.1.0", "released_on": "2026-11-30"}),
        )
        .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::CREATED, Some("approved")),
        "{v}"
    );
    assert_eq!(v["versions"][0]["version"], "2.1.0");
    let (s, _) = srv
        .post(
            &format!("{path}/versions"),
            &vendor,
            json!({"version": "2.1.0"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // A new summary keeps the approval; a wider limit sends it back.
    let mut changed = entry("Atlantis", "atlantis");
    changed["summary"] = json!("Now also Python.");
    let (_, v) = put(&srv, &path, &vendor, changed.clone()).await;
    assert_eq!(v["state"], "approved", "{v}");
    changed["limits"] = json!({"max_tlp": "AMBER+STRICT", "embargoed": true});
    let (_, v) = put(&srv, &path, &vendor, changed).await;
    assert_eq!(v["state"], "submitted", "{v}");
    let (s, _) = srv.get(&path, &agency).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "out of the catalogue until approved again"
    );
    let (_, v) = srv
        .post(&format!("{path}/decision"), &cisa_tok, approve.clone())
        .await;
    assert_eq!(v["state"], "approved");

    // Which cases may go to it: the policy decides from its limits.
    let resp = srv
        .http
        .post(format!(
            "{}/api/v1/reports?target=pkg:npm/left-pad@1.3.0",
            srv.base
        ))
        .bearer_auth(&srv.root_token)
        .header("content-type", "application/sarif+json")
        .body(FORTIFY.to_vec())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let receipt: Value = resp.json().await.expect("json");
    let case = receipt["cases"][0].as_str().expect("case").to_owned();
    let check = format!("{path}/may-receive/{case}");
    let marking = format!("/api/v1/cases/{case}/marking");
    for (body, allowed) in [
        (json!({"tlp": "AMBER+STRICT", "embargo_until": null}), true),
        (
            json!({"tlp": "AMBER", "embargo_until": "2026-12-20T00:00:00Z"}),
            true,
        ),
        (json!({"tlp": "GREEN", "embargo_until": null}), true),
    ] {
        let (s, v) = put(&srv, &marking, &srv.root_token, body.clone()).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = srv.get(&check, &srv.root_token).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["allowed"], allowed, "{body}: {v}");
    }
    // Narrow the tool again: AMBER, no embargo.
    let (_, v) = put(&srv, &path, &vendor, entry("Atlantis", "atlantis")).await;
    assert_eq!(v["state"], "submitted");
    let (s, v) = srv.get(&check, &srv.root_token).await;
    assert_eq!(
        (s, &v["allowed"]),
        (StatusCode::OK, &json!(false)),
        "not approved: {v}"
    );
    srv.post(&format!("{path}/decision"), &cisa_tok, approve.clone())
        .await;
    for (body, allowed) in [
        (json!({"tlp": "AMBER+STRICT", "embargo_until": null}), false),
        (
            json!({"tlp": "AMBER", "embargo_until": "2026-12-20T00:00:00Z"}),
            false,
        ),
        (json!({"tlp": "AMBER", "embargo_until": null}), true),
        (json!({"tlp": "CLEAR", "embargo_until": null}), true),
    ] {
        put(&srv, &marking, &srv.root_token, body.clone()).await;
        let (_, v) = srv.get(&check, &srv.root_token).await;
        assert_eq!(v["allowed"], allowed, "{body}: {v}");
        assert_eq!(v["case_tlp"], body["tlp"]);
    }
    // A case the caller may not read is not found, whatever the tool.
    put(
        &srv,
        &marking,
        &srv.root_token,
        json!({"tlp": "AMBER", "embargo_until": null}),
    )
    .await;
    let (s, _) = srv.get(&check, &agency).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Withdrawn by the program office: out of the catalogue, provider may reopen.
    let (s, v) = srv
        .post(
            &format!("{path}/withdraw"),
            &cisa_tok,
            json!({"reason": "vulnerable"}),
        )
        .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("withdrawn")),
        "{v}"
    );
    let (s, _) = srv.get(&path, &agency).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = srv
        .post(&format!("{path}/reopen"), &other_vendor, json!({}))
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another vendor cannot even see it"
    );
    let (s, v) = srv
        .post(&format!("{path}/reopen"), &vendor, json!({}))
        .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("draft")),
        "{v}"
    );

    // Every change is in the audit chain, which still verifies.
    let (s, v) = srv.get("/api/v1/audit/verify", &srv.root_token).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["first_break"].is_null(), "{v}");
}
