//! The actions beside the facts, over plain HTTP: every form of the case,
//! submission, coverage, partners and grants pages refuses a post without
//! the session's CSRF token (403) and a post by someone the policy refuses
//! (who is not shown the control either), names the field of a bad value
//! (422), changes nothing when it refuses, and otherwise changes the record
//! through its use case with one audit entry, then sends the visitor back
//! (303) to a page that shows the new state.

use crate::common;

use reqwest::StatusCode;
use serde_json::{Value, json};
use time::macros::datetime;

use crate::common::visitor::{Page, Visitor};

/// Two results (CodeQL): two cases.
const CODEQL: &[u8] = include_bytes!("../../../intake/tests/fixtures/codeql-fingerprinting.sarif");

pub const T0: time::OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

/// A visitor signed in as `user` (`username`), given the test password first.
pub async fn signed_in(srv: &common::Srv, user: &str, username: &str) -> Visitor {
    common::visitor::set_password(srv, user.parse().expect("user id")).await;
    Visitor::sign_in(srv, username).await
}

/// Submits a SARIF log as `token`'s organization; the cases' ids.
pub async fn submit(srv: &common::Srv, token: &str, body: &[u8]) -> Vec<String> {
    let resp = srv
        .http
        .post(format!("{}/api/v1/reports", srv.base))
        .bearer_auth(token)
        .header("content-type", "application/sarif+json")
        .body(body.to_vec())
        .send()
        .await
        .expect("send");
    let s = resp.status();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c.as_str().expect("id").to_owned())
        .collect()
}

/// Posts `form` (the CSRF token added) and expects the change: a 303 to
/// `back` and, among the new audit entries, one of `action` by `user`.
pub async fn acted(
    srv: &common::Srv,
    v: &mut Visitor,
    csrf: &str,
    path: &str,
    form: &[(&str, &str)],
    back: &str,
    (action, user): (&str, &str),
) -> Page {
    let before = srv.audit_len().await;
    let mut fields = vec![("csrf", csrf)];
    fields.extend_from_slice(form);
    let done = v.post(path, &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{path}: {}", done.body);
    assert!(
        done.location.starts_with(back),
        "{path}: to {} rather than {back}",
        done.location
    );
    let after = srv.audit_len().await;
    assert!(after > before, "{path}: audited");
    let latest = srv
        .store
        .audit_latest(u32::try_from(after - before).expect("a few entries"))
        .await
        .expect("audit");
    assert!(
        latest
            .iter()
            .any(|e| e.action == action
                && e.actor_user.map(|u| u.to_string()).as_deref() == Some(user)),
        "{path}: no {action} entry by the visitor in {latest:?}"
    );
    done
}

/// Posts `form` and expects `status`, an HTML page, and nothing written;
/// the page, to read its message.
pub async fn refused(
    srv: &common::Srv,
    v: &mut Visitor,
    path: &str,
    form: &[(&str, &str)],
    status: StatusCode,
) -> Page {
    let before = srv.audit_len().await;
    let page = v.post(path, form).await;
    assert_eq!(page.status, status, "{path}: {}", page.body);
    assert!(page.content_type.starts_with("text/html"), "{path}");
    page.at("<h1>");
    assert_eq!(srv.audit_len().await, before, "{path}: nothing written");
    page
}

/// Refused without a CSRF token and with a wrong one: the 403 page.
pub async fn csrf_refused(srv: &common::Srv, v: &mut Visitor, path: &str, form: &[(&str, &str)]) {
    let page = refused(srv, v, path, form, StatusCode::FORBIDDEN).await;
    page.at("Form refused");
    let mut wrong = vec![("csrf", "not-the-session-token")];
    wrong.extend_from_slice(form);
    let page = refused(srv, v, path, &wrong, StatusCode::FORBIDDEN).await;
    page.at("Form refused");
}

async fn api_get(srv: &common::Srv, path: &str) -> Value {
    let (s, v) = srv.get(path, &srv.root_token).await;
    assert_eq!(s, StatusCode::OK, "{path}: {v}");
    v
}

// ---------------------------------------------------------------------------
// The case page
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_actions_follow_the_policy_carry_csrf_and_are_audited() {
    let (srv, _clock) = common::start_at(T0, &[]).await;
    let (_, uni_user, uni_tok) = srv.member("Uni A", "researcher", "u1", &["analyst"]).await;
    let (vendor, _, _) = srv.member("Vendor B", "vendor", "v1", &["analyst"]).await;
    let (lab, lab_user, _) = srv.member("Lab C", "developer", "c1", &["admin"]).await;
    let (fresh, _, _) = srv
        .member("Fresh Lab", "researcher", "f1", &["analyst"])
        .await;
    let cases = submit(&srv, &uni_tok, CODEQL).await;
    assert_eq!(cases.len(), 2, "{cases:?}");
    let (a, b) = (cases[0].clone(), cases[1].clone());
    let root = srv.root_user.to_string();
    let mut op = signed_in(&srv, &root, "root").await;
    let mut uni = signed_in(&srv, &uni_user, "u1").await;
    let mut lab_v = signed_in(&srv, &lab_user, "c1").await;
    let page_a = format!("/clearinghouse/cases/{a}");

    // The operator's writers see the actions; the reporter reads the case
    // without them.
    let page = op.get(&page_a).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = page.csrf();
    page.at("<h2 id=\"actions\">Actions</h2>");
    for form in [
        "transition",
        "quorum",
        "marking",
        "merge",
        "tasks",
        "vendor",
        "participants",
    ] {
        page.at(&format!("action=\"{page_a}/{form}\""));
    }
    page.at("value=\"triaged\"");
    page.at("value=\"rejected\"");
    assert!(!page.body.contains("value=\"validated\""), "not from new");
    let seen = uni.get(&page_a).await;
    assert_eq!(seen.status, StatusCode::OK);
    let uni_csrf = seen.csrf();
    assert!(!seen.body.contains("id=\"actions\""), "{}", seen.body);
    assert!(!seen.body.contains("/transition\""));

    // Without the token, with a wrong one, by the reporter: refused, and
    // the case is as it was.
    let to = [("to", "triaged")];
    csrf_refused(&srv, &mut op, &format!("{page_a}/transition"), &to).await;
    let page = refused(
        &srv,
        &mut uni,
        &format!("{page_a}/transition"),
        &[("csrf", &uni_csrf), ("to", "triaged")],
        StatusCode::FORBIDDEN,
    )
    .await;
    page.at("Not permitted");
    for (form, fields) in [
        ("quorum", vec![("reproductions", "0")]),
        ("marking", vec![("tlp", "CLEAR")]),
        ("tasks", vec![("kind", "reproduction"), ("org", &fresh)]),
        ("vendor", vec![("org", &vendor)]),
        ("participants", vec![("org", &fresh)]),
        ("merge", vec![("into", &b)]),
    ] {
        let mut with = vec![("csrf", uni_csrf.as_str())];
        with.extend(fields);
        refused(
            &srv,
            &mut uni,
            &format!("{page_a}/{form}"),
            &with,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    assert_eq!(
        api_get(&srv, &format!("/api/v1/cases/{a}")).await["state"],
        "new"
    );

    // A bad value: the 422 page names it.
    let page = refused(
        &srv,
        &mut op,
        &format!("{page_a}/transition"),
        &[("csrf", &csrf), ("to", "finished")],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    page.at("case state");
    let page = refused(
        &srv,
        &mut op,
        &format!("{page_a}/marking"),
        &[
            ("csrf", &csrf),
            ("tlp", "GREEN"),
            ("embargo_until", "next week"),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    page.at("embargo");
    let page = refused(
        &srv,
        &mut op,
        &format!("{page_a}/vendor"),
        &[("csrf", &csrf), ("org", &lab)],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    page.at("org: Lab C is a developer organization, not a vendor");
    let page = refused(
        &srv,
        &mut op,
        &format!("{page_a}/merge"),
        &[("csrf", &csrf), ("into", "the other one")],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    page.at("into:");
    let page = refused(
        &srv,
        &mut op,
        &format!("{page_a}/quorum"),
        &[("csrf", &csrf), ("reproductions", "many")],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    page.at("reproductions:");

    // Each action: done, audited, back to the page, which shows it.
    let back = page_a.as_str();
    acted(
        &srv,
        &mut op,
        &csrf,
        &format!("{page_a}/transition"),
        &to,
        back,
        ("case.transition", &root),
    )
    .await;
    let page = op.get(&page_a).await;
    page.at("<dt>State</dt><dd>triaged");
    page.at("value=\"validating\"");
    acted(
        &srv,
        &mut op,
        &csrf,
        &format!("{page_a}/quorum"),
        &[("reproductions", "1")],
        back,
        ("case.quorum", &root),
    )
    .await;
    op.get(&page_a)
        .await
        .at("<dd>1 independent reproduction</dd>");
    acted(
        &srv,
        &mut op,
        &csrf,
        &format!("{page_a}/marking"),
        &[
            ("tlp", "GREEN"),
            ("embargo_until", "2027-01-15T09:00:00-05:00"),
        ],
        back,
        ("case.marking", &root),
    )
    .await;
    let page = op.get(&page_a).await;
    page.at("<dd>TLP:GREEN</dd>");
    page.at("until <time datetime=\"2027-01-15T14:00:00Z\">");
    page.at("value=\"2027-01-15T09:00:00-05:00\"");
    acted(
        &srv,
        &mut op,
        &csrf,
        &format!("{page_a}/vendor"),
        &[("org", &vendor)],
        back,
        ("case.vendor_notified", &root),
    )
    .await;
    op.get(&page_a)
        .await
        .at("<dt>Vendor</dt><dd>Vendor B, notified");
    acted(
        &srv,
        &mut op,
        &csrf,
        &format!("{page_a}/participants"),
        &[("org", &fresh)],
        back,
        ("case.participant", &root),
    )
    .await;
    let page = op.get(&page_a).await;
    let parties = page.at("<dt>Parties</dt>");
    assert!(page.body[parties..].contains("Fresh Lab"), "{}", page.body);
    acted(
        &srv,
        &mut op,
        &csrf,
        &format!("{page_a}/tasks"),
        &[("kind", "reproduction"), ("org", &lab)],
        back,
        ("case.task", &root),
    )
    .await;
    let page = op.get(&page_a).await;
    let tasks = page.at("id=\"tasks\"");
    assert!(page.body[tasks..].contains("Lab C"), "{}", page.body);

    // The organization asked records its validation on the page; the
    // others are not offered the form.
    assert!(!op.get(&page_a).await.body.contains("/validations\""));
    assert!(!uni.get(&page_a).await.body.contains("/validations\""));
    let page = lab_v.get(&page_a).await;
    let lab_csrf = page.csrf();
    page.at(&format!("action=\"{page_a}/validations\""));
    assert!(!page.body.contains("/transition\""), "not a case manager");
    refused(
        &srv,
        &mut uni,
        &format!("{page_a}/validations"),
        &[
            ("csrf", &uni_csrf),
            ("kind", "reproduction"),
            ("result", "reproduced"),
        ],
        // A party the policy lets record validations, but asked for none.
        StatusCode::CONFLICT,
    )
    .await;
    acted(
        &srv,
        &mut op,
        &csrf,
        &format!("{page_a}/transition"),
        &[("to", "validating")],
        back,
        ("case.transition", &root),
    )
    .await;
    acted(
        &srv,
        &mut lab_v,
        &lab_csrf,
        &format!("{page_a}/validations"),
        &[
            ("kind", "reproduction"),
            ("result", "reproduced"),
            ("note", "reproduced on 2.0.0"),
        ],
        back,
        ("case.validation", &lab_user),
    )
    .await;
    let page = lab_v.get(&page_a).await;
    page.at("<dt>State</dt><dd>validated");
    page.at("reproduced on 2.0.0");

    // Merge B into A from B's page; then split B's finding off A again.
    let fps = api_get(&srv, &format!("/api/v1/cases/{b}")).await;
    let moved = fps["fingerprints"][0]
        .as_str()
        .expect("fingerprint")
        .to_owned();
    let page_b = format!("/clearinghouse/cases/{b}");
    acted(
        &srv,
        &mut op,
        &csrf,
        &format!("{page_b}/merge"),
        &[("into", &a)],
        &page_b,
        ("case.merge", &root),
    )
    .await;
    let page = op.get(&page_b).await;
    page.at("<dt>State</dt><dd>duplicate (merged into <a href=");
    assert!(
        !page.body.contains("/merge\""),
        "a duplicate is merged already"
    );
    let page = op.get(&page_a).await;
    page.at(&format!("action=\"{page_a}/split\""));
    page.at(&format!("value=\"{moved}\""));
    let page = refused(
        &srv,
        &mut op,
        &format!("{page_a}/split"),
        &[("csrf", &csrf)],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    page.at("fingerprints:");
    let done = acted(
        &srv,
        &mut op,
        &csrf,
        &format!("{page_a}/split"),
        &[("fingerprint.2", &moved)],
        "/clearinghouse/cases/",
        ("case.split", &root),
    )
    .await;
    let new_case = op.get(&done.location).await;
    assert_eq!(new_case.status, StatusCode::OK);
    assert_ne!(done.location, page_a);
    let after = api_get(&srv, &format!("/api/v1/cases/{a}")).await;
    assert!(
        !after["fingerprints"]
            .as_array()
            .expect("fingerprints")
            .iter()
            .any(|f| f == moved.as_str()),
        "{after}"
    );
}

// ---------------------------------------------------------------------------
// The submission page
// ---------------------------------------------------------------------------

/// A draft submission of a new model of `dev` (its token), planned for
/// partners 20 days after T0; its id.
pub async fn draft(srv: &common::Srv, dev: &str, name: &str) -> String {
    let model = srv.register_model(dev, name, 3e26).await;
    let (s, v) = srv
        .post(
            "/api/v1/submissions",
            dev,
            json!({"model": model, "planned_partner_release": "2026-12-16T12:00:00Z"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().expect("id").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_actions_follow_the_policy_carry_csrf_and_are_audited() {
    let (srv, _clock) = common::start_at(T0, &["NSA", "CISA"]).await;
    let (nsa, nsa_user, _) = srv.member("NSA", "agency", "nsa1", &["analyst"]).await;
    let (cisa, _, _) = srv.member("CISA", "agency", "cisa1", &["analyst"]).await;
    let (_, dev_user, dev_tok) = srv.member("Lab A", "developer", "deva", &["analyst"]).await;
    let sub = draft(&srv, &dev_tok, "Frontier-One").await;
    let other = draft(&srv, &dev_tok, "Frontier-Two").await;
    let mut dev = signed_in(&srv, &dev_user, "deva").await;
    let mut agency = signed_in(&srv, &nsa_user, "nsa1").await;
    let path = format!("/reviews/{sub}");

    // The developer submits its draft; the agencies see nothing of a draft.
    let page = dev.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let dev_csrf = page.csrf();
    page.at("<h2 id=\"actions\">Actions</h2>");
    page.at("value=\"submitted\"");
    page.at(&format!("action=\"{path}/withdraw\""));
    page.at(&format!("action=\"{path}/schedule\""));
    assert!(
        !page.body.contains("/triage\""),
        "the developer does not triage"
    );
    assert!(!page.body.contains("/conclusion\""));
    let to = [("to", "submitted")];
    csrf_refused(&srv, &mut dev, &format!("{path}/transition"), &to).await;
    acted(
        &srv,
        &mut dev,
        &dev_csrf,
        &format!("{path}/transition"),
        &to,
        &path,
        ("submission.transition", &dev_user),
    )
    .await;
    dev.get(&path).await.at("<dt>State</dt><dd>submitted</dd>");

    // A reviewing agency triages it; the developer may not.
    let page = agency.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let nsa_csrf = page.csrf();
    page.at(&format!("action=\"{path}/triage\""));
    assert!(
        !page.body.contains("/withdraw\""),
        "withdrawing is the developer's"
    );
    refused(
        &srv,
        &mut dev,
        &format!("{path}/triage"),
        &[("csrf", &dev_csrf), ("lead_agency", &nsa)],
        StatusCode::FORBIDDEN,
    )
    .await;
    let page = refused(
        &srv,
        &mut agency,
        &format!("{path}/triage"),
        &[("csrf", &nsa_csrf), ("lead_agency", "NSA")],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    page.at("lead_agency:");
    acted(
        &srv,
        &mut agency,
        &nsa_csrf,
        &format!("{path}/triage"),
        &[("lead_agency", &nsa), ("supporting.2", &cisa)],
        &path,
        ("submission.assign", &nsa_user),
    )
    .await;
    let page = agency.get(&path).await;
    page.at("<dt>Lead agency</dt><dd>NSA</dd>");
    page.at("<dt>Supporting agencies</dt><dd>CISA</dd>");
    page.at("<dt>State</dt><dd>triage</dd>");
    for to in ["in_review"] {
        acted(
            &srv,
            &mut agency,
            &nsa_csrf,
            &format!("{path}/transition"),
            &[("to", to)],
            &path,
            ("submission.transition", &nsa_user),
        )
        .await;
    }
    // The developer may not move the review, nor conclude it.
    refused(
        &srv,
        &mut dev,
        &format!("{path}/transition"),
        &[("csrf", &dev_csrf), ("to", "findings_issued")],
        StatusCode::FORBIDDEN,
    )
    .await;
    refused(
        &srv,
        &mut dev,
        &format!("{path}/conclusion"),
        &[
            ("csrf", &dev_csrf),
            ("conclusion", "no_significant_concerns"),
            ("summary", "fine"),
        ],
        StatusCode::FORBIDDEN,
    )
    .await;
    // The developer moves its dates, with a reason.
    let page = refused(
        &srv,
        &mut dev,
        &format!("{path}/schedule"),
        &[
            ("csrf", &dev_csrf),
            ("planned_partner_release", "soon"),
            ("reason", "x"),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    page.at("planned_partner_release:");
    acted(
        &srv,
        &mut dev,
        &dev_csrf,
        &format!("{path}/schedule"),
        &[
            ("planned_partner_release", "2026-12-20"),
            ("planned_public_release", ""),
            ("reason", "the evaluation needs four more days"),
        ],
        &path,
        ("submission.reschedule", &dev_user),
    )
    .await;
    dev.get(&path)
        .await
        .at("<time datetime=\"2026-12-20T00:00:00Z\">2026-12-20 00:00 UTC</time>");
    // The developer adds a dossier document (multipart, the token first).
    let upload = async |v: &mut Visitor, csrf: &str| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_owned())
            .text("kind", "model_card")
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"Model card of Frontier-One.".to_vec())
                    .file_name("card.txt"),
            );
        let req = v
            .http
            .post(format!("{}/reviews/{sub}/documents", v.base))
            .multipart(form);
        v.finish(req).await
    };
    dev.get(&path).await.at(&format!(
        "action=\"{path}/documents\" enctype=\"multipart/form-data\""
    ));
    assert!(
        !agency
            .get(&path)
            .await
            .body
            .contains("/documents\" enctype")
    );
    let before = srv.audit_len().await;
    let forged = upload(&mut dev, "forged").await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    forged.at("Form refused");
    let theirs = upload(&mut agency, &nsa_csrf).await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN, "{}", theirs.body);
    assert_eq!(srv.audit_len().await, before, "nothing written");
    let done = upload(&mut dev, &dev_csrf).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location, format!("{path}#dossier"));
    let latest = srv.store.audit_latest(1).await.expect("audit");
    assert_eq!(latest[0].action, "dossier.upload");
    let page = dev.get(&path).await;
    let dossier = page.at("id=\"dossier\"");
    assert!(page.body[dossier..].contains("model card"), "{}", page.body);
    // The lead agency concludes.
    let page = agency.get(&path).await;
    page.at(&format!("action=\"{path}/conclusion\""));
    let page = refused(
        &srv,
        &mut agency,
        &format!("{path}/conclusion"),
        &[
            ("csrf", &nsa_csrf),
            ("conclusion", "great"),
            ("summary", "s"),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    page.at("conclusion");
    acted(
        &srv,
        &mut agency,
        &nsa_csrf,
        &format!("{path}/conclusion"),
        &[
            ("conclusion", "mitigations_recommended"),
            ("summary", "isolate the evaluation cluster"),
        ],
        &path,
        ("submission.conclude", &nsa_user),
    )
    .await;
    let page = agency.get(&path).await;
    page.at("<dt>State</dt><dd>concluded</dd>");
    page.at("mitigations recommended");
    page.at("isolate the evaluation cluster");
    assert!(
        !page.body.contains("id=\"actions\""),
        "nothing follows a conclusion"
    );

    // The developer withdraws the other, with a reason; a blank one is named.
    let other_path = format!("/reviews/{other}");
    let page = refused(
        &srv,
        &mut dev,
        &format!("{other_path}/withdraw"),
        &[("csrf", &dev_csrf), ("reason", " ")],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    page.at("reason:");
    acted(
        &srv,
        &mut dev,
        &dev_csrf,
        &format!("{other_path}/withdraw"),
        &[("reason", "the model will not be released")],
        &other_path,
        ("submission.transition", &dev_user),
    )
    .await;
    let page = dev.get(&other_path).await;
    page.at("<dt>State</dt><dd>withdrawn</dd>");
    page.at("the model will not be released");
}

// ---------------------------------------------------------------------------
// Coverage, partners and grants
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claim_partner_and_grant_actions_follow_the_policy_carry_csrf_and_are_audited() {
    let (srv, _clock) = common::start_at(T0, &["NSA"]).await;
    let (_, uni_user, _) = srv.member("Uni A", "researcher", "u1", &["analyst"]).await;
    let (_, vendor_user, _) = srv.member("Vendor B", "vendor", "v1", &["analyst"]).await;
    let (_, nsa_user, _) = srv.member("NSA", "agency", "nsa1", &["analyst"]).await;
    let (grid, grid_user, _) = srv.member("Grid Co", "partner", "grid", &["admin"]).await;
    let (_, dev_user, dev_tok) = srv.member("Lab A", "developer", "deva", &["analyst"]).await;
    let mut uni = signed_in(&srv, &uni_user, "u1").await;
    let mut vendor = signed_in(&srv, &vendor_user, "v1").await;

    // A claim from the form; it is listed among the active claims.
    let page = uni.get("/clearinghouse/coverage").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let uni_csrf = page.csrf();
    page.at("action=\"/clearinghouse/coverage/claims\"");
    page.at("0 active claims");
    let claim = [
        ("target", "pkg:npm/lodash@4.17.21"),
        ("technique", "fuzzing"),
        ("tool", "AFL++ 4.21c"),
        ("lease_days", "7"),
    ];
    csrf_refused(&srv, &mut uni, "/clearinghouse/coverage/claims", &claim).await;
    let page = refused(
        &srv,
        &mut uni,
        "/clearinghouse/coverage/claims",
        &[
            ("csrf", &uni_csrf),
            ("target", "lodash"),
            ("technique", "fuzzing"),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(page.body.contains("lodash"), "{}", page.body);
    acted(
        &srv,
        &mut uni,
        &uni_csrf,
        "/clearinghouse/coverage/claims",
        &claim,
        "/clearinghouse/coverage",
        ("claim.create", &uni_user),
    )
    .await;
    let page = uni.get("/clearinghouse/coverage").await;
    page.at("1 active claim;");
    page.at("pkg:npm/lodash@4.17.21");
    let id = {
        let at = page.at("action=\"/clearinghouse/coverage/claims/") + 39;
        page.body[at..at + 36].to_owned()
    };
    // Another organization's claim on the same target is a conflict naming the holder.
    let page = vendor.get("/clearinghouse/coverage").await;
    let vendor_csrf = page.csrf();
    assert!(!page.body.contains("/renew\""), "not the vendor's claim");
    let mut with = vec![("csrf", vendor_csrf.as_str())];
    with.extend_from_slice(&claim);
    let page = refused(
        &srv,
        &mut vendor,
        "/clearinghouse/coverage/claims",
        &with,
        StatusCode::CONFLICT,
    )
    .await;
    page.at("Uni A");
    // Filters: by technique, by target.
    let page = vendor
        .get("/clearinghouse/coverage?technique=ai_agent")
        .await;
    page.at("1 active claim, 0 shown");
    let page = vendor.get("/clearinghouse/coverage?q=LODASH").await;
    page.at("1 active claim, 1 shown");
    // The vendor may neither renew nor release it.
    for (what, form) in [
        ("renew", vec![("lease_days", "7")]),
        ("release", vec![("outcome", "abandoned")]),
    ] {
        let mut with = vec![("csrf", vendor_csrf.as_str())];
        with.extend(form);
        refused(
            &srv,
            &mut vendor,
            &format!("/clearinghouse/coverage/claims/{id}/{what}"),
            &with,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let renew = format!("/clearinghouse/coverage/claims/{id}/renew");
    let release = format!("/clearinghouse/coverage/claims/{id}/release");
    csrf_refused(&srv, &mut uni, &renew, &[("lease_days", "7")]).await;
    let page = refused(
        &srv,
        &mut uni,
        &renew,
        &[("csrf", &uni_csrf), ("lease_days", "a month")],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    page.at("lease_days:");
    acted(
        &srv,
        &mut uni,
        &uni_csrf,
        &renew,
        &[("lease_days", "14")],
        "/clearinghouse/coverage",
        ("claim.renew", &uni_user),
    )
    .await;
    uni.get("/clearinghouse/coverage")
        .await
        .at("<time datetime=\"2026-12-10T12:00:00Z\">");
    let page = refused(
        &srv,
        &mut uni,
        &release,
        &[("csrf", &uni_csrf), ("outcome", "done")],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    page.at("claim outcome");
    acted(
        &srv,
        &mut uni,
        &uni_csrf,
        &release,
        &[
            ("outcome", "findings"),
            ("findings", "2"),
            ("note", "two crashes"),
        ],
        "/clearinghouse/coverage",
        ("claim.release", &uni_user),
    )
    .await;
    let page = uni.get("/clearinghouse/coverage").await;
    page.at("0 active claims");
    let page = uni
        .get("/clearinghouse/coverage?target=pkg%3Anpm%2Flodash%404.17.21")
        .await;
    page.at("findings (2): two crashes");

    // Vetting: the reviewing agency's writers; attesting: the partner's admins.
    let mut nsa = signed_in(&srv, &nsa_user, "nsa1").await;
    let mut partner = signed_in(&srv, &grid_user, "grid").await;
    let vetting = format!("/partners/{grid}/vetting");
    let attest = format!("/partners/{grid}/attestations");
    let page = nsa.get("/partners").await;
    let nsa_csrf = page.csrf();
    page.at(&format!("action=\"{vetting}\""));
    assert!(!page.body.contains(&attest), "the agency does not attest");
    let page = partner.get("/partners").await;
    let grid_csrf = page.csrf();
    page.at(&format!("action=\"{attest}\""));
    assert!(
        !page.body.contains(&vetting),
        "a partner does not vet itself"
    );
    assert!(!uni.get("/partners").await.body.contains(&vetting));
    csrf_refused(&srv, &mut nsa, &vetting, &[("status", "vetted")]).await;
    refused(
        &srv,
        &mut partner,
        &vetting,
        &[("csrf", &grid_csrf), ("status", "vetted")],
        StatusCode::FORBIDDEN,
    )
    .await;
    refused(
        &srv,
        &mut nsa,
        &attest,
        &[
            ("csrf", &nsa_csrf),
            ("kind", "confidentiality"),
            ("expires_at", "2027-06-01"),
        ],
        StatusCode::FORBIDDEN,
    )
    .await;
    let page = refused(
        &srv,
        &mut nsa,
        &vetting,
        &[("csrf", &nsa_csrf), ("status", "approved")],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    page.at("vetting status");
    acted(
        &srv,
        &mut nsa,
        &nsa_csrf,
        &vetting,
        &[("status", "vetted"), ("reason", "site visit done")],
        "/partners",
        ("partner.vet", &nsa_user),
    )
    .await;
    nsa.get("/partners").await.at("vetted (site visit done)");
    let page = refused(
        &srv,
        &mut partner,
        &attest,
        &[
            ("csrf", &grid_csrf),
            ("kind", "confidentiality"),
            ("expires_at", "June"),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    page.at("expires_at:");
    acted(
        &srv,
        &mut partner,
        &grid_csrf,
        &attest,
        &[("kind", "confidentiality"), ("expires_at", "2027-06-01")],
        "/partners",
        ("partner.attest", &grid_user),
    )
    .await;
    partner
        .get("/partners")
        .await
        .at("confidentiality: <time datetime=\"2027-06-01T00:00:00Z\">");

    // Grants: the developer proposes, the agency concurs, either revokes.
    let model = srv.register_model(&dev_tok, "Frontier-G", 3e26).await;
    let mut dev = signed_in(&srv, &dev_user, "deva").await;
    let page = dev.get("/grants").await;
    let dev_csrf = page.csrf();
    page.at("action=\"/grants\"");
    page.at(&format!("<option value=\"{model}\">Frontier-G</option>"));
    assert!(!nsa.get("/grants").await.body.contains("action=\"/grants\""));
    let grant = [
        ("model", model.as_str()),
        ("partner_org", grid.as_str()),
        ("scope", "api"),
        ("starts_at", "2026-12-20"),
        ("ends_at", "2027-01-20"),
        ("conditions", "no fine-tuning"),
    ];
    csrf_refused(&srv, &mut dev, "/grants", &grant).await;
    let mut with = vec![("csrf", nsa_csrf.as_str())];
    with.extend_from_slice(&grant);
    refused(&srv, &mut nsa, "/grants", &with, StatusCode::FORBIDDEN).await;
    acted(
        &srv,
        &mut dev,
        &dev_csrf,
        "/grants",
        &grant,
        "/grants",
        ("grant.propose", &dev_user),
    )
    .await;
    let (_, list) = srv.get("/api/v1/grants", &srv.root_token).await;
    let gid = list["items"][0]["id"].as_str().expect("grant").to_owned();
    let page = nsa.get("/grants").await;
    page.at(&format!("action=\"/grants/{gid}/concur\""));
    let page = dev.get("/grants").await;
    assert!(
        !page.body.contains("/concur\""),
        "the developer does not concur"
    );
    page.at(&format!("formaction=\"/grants/{gid}/revoke\""));
    refused(
        &srv,
        &mut dev,
        &format!("/grants/{gid}/concur"),
        &[("csrf", &dev_csrf)],
        StatusCode::FORBIDDEN,
    )
    .await;
    csrf_refused(&srv, &mut nsa, &format!("/grants/{gid}/concur"), &[]).await;
    let page = refused(
        &srv,
        &mut nsa,
        &format!("/grants/{gid}/object"),
        &[("csrf", &nsa_csrf), ("reason", "")],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    page.at("reason");
    acted(
        &srv,
        &mut nsa,
        &nsa_csrf,
        &format!("/grants/{gid}/concur"),
        &[("reason", "")],
        "/grants",
        ("grant.concur", &nsa_user),
    )
    .await;
    nsa.get("/grants").await.at("<td>pending</td>");
    acted(
        &srv,
        &mut dev,
        &dev_csrf,
        &format!("/grants/{gid}/revoke"),
        &[("reason", "the model was withdrawn")],
        "/grants",
        ("grant.revoke", &dev_user),
    )
    .await;
    let page = dev.get("/grants").await;
    page.at("<td>revoked</td>");
    assert!(
        !page.body.contains(&format!("/grants/{gid}/")),
        "nothing follows a revocation"
    );
}

/// A developer starts a submission from the reviews page: the form offers
/// its own models only, refuses a forged form, a missing date and another
/// developer's model, and the new draft is audited and opens its page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_developer_starts_a_submission_from_the_page() {
    let (srv, _clock) = common::start_at(T0, &["NSA"]).await;
    let (_, dev_user, dev_tok) = srv.member("Lab A", "developer", "deva", &["analyst"]).await;
    let (_, nsa_user, _) = srv.member("NSA", "agency", "nsa1", &["analyst"]).await;
    let (_, _, other_tok) = srv.member("Lab B", "developer", "devb", &["analyst"]).await;
    let mine = srv.register_model(&dev_tok, "Frontier-One", 3e26).await;
    let theirs = srv.register_model(&other_tok, "Other-Model", 3e26).await;
    let mut dev = signed_in(&srv, &dev_user, "deva").await;

    let page = dev.get("/reviews").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.at("Submit a model for voluntary review");
    page.at(&format!(r#"<option value="{mine}">Frontier-One</option>"#));
    assert!(
        !page.body.contains(&theirs),
        "another lab's model is offered"
    );
    let csrf = page.csrf();
    let form = [
        ("model", mine.as_str()),
        ("planned_partner_release", "2026-12-20"),
    ];
    csrf_refused(&srv, &mut dev, "/reviews", &form).await;
    let page = refused(
        &srv,
        &mut dev,
        "/reviews",
        &[
            ("csrf", &csrf),
            ("model", &mine),
            ("planned_partner_release", ""),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    page.at("planned_partner_release:");
    let page = refused(
        &srv,
        &mut dev,
        "/reviews",
        &[
            ("csrf", &csrf),
            ("model", &theirs),
            ("planned_partner_release", "2026-12-20"),
        ],
        StatusCode::NOT_FOUND,
    )
    .await;
    // Whether another lab's proprietary model exists is not disclosed.
    page.at("Not found");
    let done = acted(
        &srv,
        &mut dev,
        &csrf,
        "/reviews",
        &form,
        "/reviews/",
        ("submission.create", &dev_user),
    )
    .await;
    let draft = dev.get(&done.location).await;
    assert_eq!(draft.status, StatusCode::OK, "{}", draft.body);
    draft.at("<dt>State</dt><dd>draft</dd>");
    draft.at("Frontier-One");

    // An agency's reviewer has nothing to submit: no form.
    let mut agency = signed_in(&srv, &nsa_user, "nsa1").await;
    let page = agency.get("/reviews").await;
    assert!(!page.body.contains("Submit a model for voluntary review"));
}
