//! Remediation on a case over HTTP: a vendor fix as JSON, a real `git
//! format-patch` mail as the raw body, a file that is not a diff refused
//! with its line and nothing kept; a patch accepted when two organizations
//! other than the author's passed every check; who may do what; the patch
//! file as it was sent; patch acceptance among the sources.

use crate::common;

use reqwest::StatusCode;
use serde_json::json;
use time::macros::datetime;

/// `git format-patch -1 --stdout` of a scratch repository (see the intake
/// crate's `tests/fixtures/README.md`).
const FORMAT_PATCH: &[u8] =
    include_bytes!("../../../intake/tests/fixtures/patch/git-format-patch.patch");
const SEMGREP: &[u8] = include_bytes!("../../../intake/tests/fixtures/semgrep-dataflow.sarif");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patch_is_accepted_by_two_organizations_other_than_its_authors() {
    let t0 = datetime!(2026-12-01 09:00 UTC);
    let (srv, _clock) = common::start_at(t0, &[]).await;
    let (reporter_org, _, reporter) = srv.member("Uni A", "researcher", "a1", &["analyst"]).await;
    let (_, _, reporter_viewer) = srv.member("Uni A", "researcher", "a2", &["viewer"]).await;
    let (vendor, _, vendor_tok) = srv.member("Vendor V", "vendor", "v1", &["analyst"]).await;
    let (lab_b, _, lab_b_tok) = srv.member("Lab B", "researcher", "b1", &["analyst"]).await;
    let (lab_c, _, lab_c_tok) = srv.member("Lab C", "developer", "c1", &["admin"]).await;
    let (_, _, outsider) = srv.member("Lab D", "researcher", "d1", &["admin"]).await;

    let (s, intake) = srv
        .upload(
            &reporter,
            "/api/v1/reports?target=pkg:pypi/flask@2.0.0",
            "application/sarif+json",
            SEMGREP,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{intake}");
    let case = intake["cases"][0].as_str().unwrap().to_owned();
    let base = format!("/api/v1/cases/{case}/remediations");
    let (s, v) = srv
        .post(
            &format!("/api/v1/cases/{case}/vendor"),
            &srv.root_token,
            json!({"org": vendor}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // The vendor's fix, as JSON: accepted as given.
    let (s, fix) = srv
        .post(
            &base,
            &vendor_tok,
            json!({"kind": "vendor_fix", "summary": "Fixed in 2.0.1", "fixed_versions": ["2.0.1"],
                   "url": "https://example.org/flask/releases/2.0.1"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{fix}");
    assert_eq!(fix["state"], "accepted");

    // Not a diff: 422 naming the line, nothing kept.
    let before = srv.audit_len().await;
    let (s, p) = srv
        .upload(&reporter, &base, "text/x-diff", b"hello\nworld\n")
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(p["line"], 1, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("not a diff"), "{p}");
    let cut = &FORMAT_PATCH[..FORMAT_PATCH.len() - 60];
    let (s, p) = srv.upload(&reporter, &base, "text/x-patch", cut).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert!(p["line"].as_u64().unwrap() > 30, "{p}");
    let (s, _) = srv
        .upload(&reporter, &base, "application/zip", FORMAT_PATCH)
        .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Not a party, or no writer: refused.
    let (s, _) = srv
        .upload(&outsider, &base, "text/x-patch", FORMAT_PATCH)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "an outsider learns nothing");
    let (s, _) = srv
        .upload(&reporter_viewer, &base, "text/x-patch", FORMAT_PATCH)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(srv.audit_len().await, before, "nothing written");

    // The reporter's AI-written patch.
    let q = "?tool_name=patchbot&tool_version=0.3&ai_model=gpt-x&ai_model_version=2026-10";
    let (s, p) = srv
        .upload(
            &reporter,
            &format!("{base}{q}"),
            "text/x-patch",
            FORMAT_PATCH,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(p["state"], "proposed");
    assert_eq!(p["author"], "Ada Example <ada@example.org>");
    assert_eq!(
        p["summary"],
        "[PATCH] check: refuse an index past the buffer's end"
    );
    assert_eq!(
        p["patch"]["shortstat"],
        "3 files changed, 6 insertions(+), 1 deletion(-)"
    );
    assert_eq!(p["patch"]["files"][0]["change"], "deleted");
    assert_eq!(p["ai_model"], "gpt-x");
    assert_eq!(p["quorum"]["needed"], 2);
    let pid = p["id"].as_str().unwrap().to_owned();
    let patch_path = p["patch_path"].as_str().unwrap().to_owned();
    assert_eq!(patch_path, format!("{base}/{pid}/patch"));

    // The file, as it was sent, for the case's parties.
    let resp = srv
        .http
        .get(format!("{}{patch_path}", srv.base))
        .bearer_auth(&vendor_tok)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/x-patch");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), FORMAT_PATCH);
    let (s, _) = srv.get(&patch_path, &outsider).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Tasks are the clearinghouse's; never the author's organization.
    let tasks = format!("{base}/{pid}/tasks");
    let (s, _) = srv.post(&tasks, &vendor_tok, json!({"org": lab_b})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = srv
        .post(&tasks, &srv.root_token, json!({"org": reporter_org}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "the author's own: {v}");
    for org in [&lab_b, &lab_c] {
        let (s, v) = srv.post(&tasks, &srv.root_token, json!({"org": org})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    // The tasks made them parties: they read the case now.
    let (s, _) = srv.get(&format!("/api/v1/cases/{case}"), &lab_b_tok).await;
    assert_eq!(s, StatusCode::OK);

    let validations = format!("{base}/{pid}/validations");
    let record = async |tok: &str, check: &str, result: &str| {
        let (s, v) = srv
            .post(
                &validations,
                tok,
                json!({"check": check, "result": result, "evidence": format!("{check}: {result}")}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v
    };
    // No task: refused.
    let (s, _) = srv
        .post(
            &validations,
            &vendor_tok,
            json!({"check": "applies", "result": "passed"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "the vendor is a party, but was not asked to check the patch"
    );
    for check in ["applies", "fixes", "tests_pass"] {
        let v = record(&lab_b_tok, check, "passed").await;
        assert_eq!(v["state"], "proposed", "one organization of two");
    }
    record(&lab_c_tok, "applies", "passed").await;
    let v = record(&lab_c_tok, "fixes", "failed").await;
    assert_eq!(v["state"], "proposed");
    assert_eq!(v["quorum"]["failed"], json!([lab_c]));
    record(&lab_c_tok, "fixes", "passed").await;
    let v = record(&lab_c_tok, "tests_pass", "passed").await;
    assert_eq!(v["state"], "accepted", "{v}");
    assert_eq!(v["quorum"]["met"], true);
    assert_eq!(v["quorum"]["passed"], json!([lab_b, lab_c]));
    assert_eq!(v["validations"].as_array().unwrap().len(), 7);

    // Listed for the parties with their standing.
    let (s, list) = srv.get(&base, &lab_b_tok).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list["patch_quorum"], 2);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let (s, _) = srv.get(&base, &outsider).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The sources gain patch acceptance.
    let (s, sources) = srv.get("/api/v1/sources", &srv.root_token).await;
    assert_eq!(s, StatusCode::OK, "{sources}");
    let model = sources["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "model" && s["source"] == "gpt-x 2026-10")
        .expect("the model's row");
    assert_eq!(model["patches_submitted"], 1);
    assert_eq!(model["patches_accepted"], 1);
    assert_eq!(model["patch_acceptance"], 1.0);

    // What an advisory draft takes from the case.
    let rems = bulwark_app::cases::patches::remediations(&srv.state, case.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(rems.len(), 2);
    assert_eq!(
        rems[1].url.as_deref(),
        Some(patch_path.as_str()),
        "the accepted patch, by its API path"
    );
    assert!(rems[0].details.contains("2.0.1"));
    let audit_ok = srv.store.audit_verify().await.unwrap();
    assert!(audit_ok.first_break.is_none());
}

/// The case page's Remediation section: the forms the policy allows, a
/// workaround and a patch sent from them (the file after the CSRF token), a
/// file that is not a diff refused naming its line, the diffstat and the
/// download, which is plain text to save, never a page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_case_page_shows_remediation_and_takes_a_patch() {
    use reqwest::multipart::{Form, Part};
    let t0 = datetime!(2026-12-01 09:00 UTC);
    let (srv, _clock) = common::start_at(t0, &[]).await;
    let (_, user, token) = srv.member("Uni A", "researcher", "a1", &["analyst"]).await;
    let (_, viewer, _) = srv.member("Uni A", "researcher", "a2", &["viewer"]).await;
    let (s, intake) = srv
        .upload(
            &token,
            "/api/v1/reports?target=pkg:pypi/flask@2.0.0",
            "application/sarif+json",
            SEMGREP,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{intake}");
    let case = intake["cases"][0].as_str().unwrap().to_owned();
    let page_path = format!("/clearinghouse/cases/{case}");

    common::visitor::set_password(&srv, viewer.parse().unwrap()).await;
    let mut looker = common::visitor::Visitor::sign_in(&srv, "a2").await;
    let page = looker.get(&page_path).await;
    assert_eq!(page.status, StatusCode::OK);
    page.at("<h2 id=\"remediation\">Remediation</h2>");
    assert!(
        !page.body.contains("Upload a patch"),
        "a viewer may not submit"
    );

    common::visitor::set_password(&srv, user.parse().unwrap()).await;
    let mut v = common::visitor::Visitor::sign_in(&srv, "a1").await;
    let page = v.get(&page_path).await;
    assert!(
        page.body
            .contains("No vendor fix, patch, workaround or mitigation yet.")
    );
    assert!(page.at("action=\"/clearinghouse/cases/") > 0 && page.body.contains("Upload a patch"));
    let csrf = page.csrf();
    let done = v
        .post(
            &format!("{page_path}/remediations"),
            &[
                ("csrf", csrf.as_str()),
                ("kind", "workaround"),
                ("summary", "Disable the upload endpoint"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let forged = v
        .post(
            &format!("{page_path}/remediations"),
            &[("csrf", "forged"), ("kind", "workaround"), ("summary", "x")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let send = async |v: &mut common::visitor::Visitor, bytes: &[u8]| {
        let form = Form::new()
            .text("csrf", csrf.clone())
            .text("ai_model", "gpt-x")
            .part(
                "file",
                Part::bytes(bytes.to_vec())
                    .file_name("fix.patch")
                    .mime_str("application/octet-stream")
                    .unwrap(),
            );
        let req = v
            .http
            .post(format!("{}{page_path}/remediations/patch", v.base))
            .multipart(form);
        v.finish(req).await
    };
    let bad = send(&mut v, b"not\na diff\n").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.at("line 1: not a diff");
    let done = send(&mut v, FORMAT_PATCH).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    let page = v.get(&page_path).await;
    page.at("workaround: Disable the upload endpoint");
    page.at("patch: [PATCH] check: refuse an index past the buffer&#39;s end");
    page.at("3 files changed, 6 insertions(+), 1 deletion(-)");
    page.at("0 of 2 independent organizations passed every check");
    page.at("<code>SECURITY.md</code>");
    let (_, list) = srv
        .get(&format!("/api/v1/cases/{case}/remediations"), &token)
        .await;
    let pid = list["items"][1]["id"].as_str().unwrap();
    assert_eq!(list["items"][1]["ai_model"], "gpt-x");
    let file = v
        .get(&format!("{page_path}/remediations/{pid}/patch"))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.content_type, "text/plain; charset=utf-8");
    assert_eq!(file.bytes, FORMAT_PATCH);
}
