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

/// The pages: the catalogue's numbers link to filtered lists, each reader
/// sees what the policy lets it, a tool's page shows its evidence, and the
/// actions beside it are exactly the policy's (forged or refused posts
/// change nothing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalogue_and_a_tools_page() {
    use crate::action_pages::signed_in;
    let t0 = datetime!(2026-12-07 09:00 UTC);
    let (srv, _clock) = common::start_at(t0, &[]).await;
    let (cisa, cisa_user, cisa_tok) = srv.member("CISA", "agency", "cisa", &["analyst"]).await;
    put(
        &srv,
        &format!("/api/v1/organizations/{cisa}/directive-profile"),
        &srv.root_token,
        json!({"agency_track": "civilian", "issues_directives": true}),
    )
    .await;
    let (_, vendor_user, vendor) = srv
        .member("Team Atlanta", "vendor", "ta", &["analyst"])
        .await;
    let (_, agency_user, _) = srv
        .member("Dept of Energy", "agency", "doe", &["admin"])
        .await;

    let mut ids = Vec::new();
    for (name, reports_as, kind) in [
        ("Atlantis", "atlantis", "cyber_reasoning_system"),
        ("Fuzzbox", "fuzzbox", "fuzzer"),
        ("Draftling", "draftling", "scanner"),
    ] {
        let mut e = entry(name, reports_as);
        e["kind"] = json!(kind);
        let (s, v) = srv.post("/api/v1/tools", &vendor, e).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        ids.push(v["id"].as_str().expect("id").to_owned());
    }
    for id in &ids[..2] {
        srv.post(&format!("/api/v1/tools/{id}/submit"), &vendor, json!({}))
            .await;
        let (s, v) = srv
            .post(
                &format!("/api/v1/tools/{id}/decision"),
                &cisa_tok,
                json!({"decision": "approve"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    // Atlantis reports a finding: its evidence shows one report.
    let resp = srv
        .http
        .post(format!("{}/api/v1/reports", srv.base))
        .bearer_auth(&vendor)
        .header("content-type", "application/vnd.bulwark.findings+json")
        .body(
            json!({"bulwark_findings": "1", "tool": {"name": "atlantis", "version": "2.1.0"},
                   "target": "pkg:generic/libpng@1.6.43",
                   "findings": [{"rule_id": "heap-overflow", "cwe": "CWE-122",
                                 "message": "Heap overflow in png_read_chunk",
                                 "path": "png.c", "line": 120}]})
            .to_string(),
        )
        .send()
        .await
        .expect("send");
    let receipt_status = resp.status();
    let receipt: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(receipt_status, StatusCode::CREATED, "{receipt}");

    let mut agency = signed_in(&srv, &agency_user, "doe").await;
    let page = agency.get("/tools").await;
    assert_eq!(page.status, StatusCode::OK);
    for seen in [
        "Atlantis",
        "Fuzzbox",
        "kind=fuzzer\"><span class=\"n\">1</span>",
    ] {
        assert!(page.body.contains(seen), "{seen} on the agency's catalogue");
    }
    assert!(
        !page.body.contains("Draftling"),
        "a draft is not the agency's to see"
    );
    assert!(!page.body.contains("Entries you may see, by state"));
    let filtered = agency.get("/tools?kind=fuzzer").await;
    assert!(filtered.body.contains("Fuzzbox") && !filtered.body.contains(">Atlantis<"));
    let bad = agency.get("/tools?kind=llm").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let tool_page = agency.get(&format!("/tools/{}", ids[0])).await;
    assert_eq!(tool_page.status, StatusCode::OK);
    assert!(
        tool_page.body.contains("2.1.0"),
        "the version seen in its evidence"
    );
    assert!(
        !tool_page.body.contains("Approve"),
        "no action for an agency"
    );
    assert!(
        !tool_page
            .body
            .contains(&format!("/tools/{}/withdraw", ids[0]))
    );
    let hidden = agency.get(&format!("/tools/{}", ids[2])).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);

    // The provider sees its draft, counted by state, and may submit it.
    let mut provider = signed_in(&srv, &vendor_user, "ta").await;
    let page = provider.get("/tools").await;
    assert!(page.body.contains("Draftling") && page.body.contains("Entries you may see, by state"));
    let draft = provider.get(&format!("/tools/{}", ids[2])).await;
    assert!(draft.body.contains("Submit for approval"));
    assert!(!draft.body.contains(">Approve<"));
    let forged = provider
        .post(&format!("/tools/{}/submit", ids[2]), &[("csrf", "forged")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let csrf = draft.csrf();
    let done = provider
        .post(&format!("/tools/{}/submit", ids[2]), &[("csrf", &csrf)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    // The program office approves from the page; a rejection needs a reason.
    let mut office = signed_in(&srv, &cisa_user, "cisa").await;
    let page = office.get(&format!("/tools/{}", ids[2])).await;
    assert!(page.body.contains(">Approve<") && page.body.contains(">Reject<"));
    let csrf = page.csrf();
    let refused = office
        .post(
            &format!("/tools/{}/reject", ids[2]),
            &[("csrf", &csrf), ("reason", "")],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let done = office
        .post(&format!("/tools/{}/approve", ids[2]), &[("csrf", &csrf)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let (_, v) = srv
        .get(&format!("/api/v1/tools/{}", ids[2]), &cisa_tok)
        .await;
    assert_eq!(v["state"], "approved");
    // An agency's post to approve is refused and changes nothing.
    let audit = srv.audit_len().await;
    let page = agency.get("/tools").await;
    let refused = agency
        .post(
            &format!("/tools/{}/withdraw", ids[2]),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(srv.audit_len().await, audit);
}
