//! The actions beside the facts in headless Chromium: each control of the
//! case, submission, coverage, partners and grants pages clicked as a
//! person would, the result read on the page it leads back to, and every
//! page visited checked by axe-core (WCAG 2.1 AA, no violation) and for
//! reflow at 320 px (`browser::check_pages`). With
//! `BULWARK_SCREENSHOTS` set, each checked page is saved as a PNG.

use crate::action_pages::{T0, draft, submit};
use crate::browser::{check_pages, sign_in, sign_out};
use crate::common;
use crate::webdriver::{self, Browser};

/// Two results (CodeQL): two cases.
const CODEQL: &[u8] = include_bytes!("../../../intake/tests/fixtures/codeql-fingerprinting.sarif");

/// Opens a closed `<details>` (by its CSS selector) by clicking its summary.
async fn open(b: &Browser, details: &str) {
    b.click(&b.find(&format!("{details} > summary")).await)
        .await;
}

/// Submits the form inside `scope` with its (first) submit button.
async fn press(b: &Browser, scope: &str) {
    b.click_and_wait(&b.find(&format!("{scope} button[type=submit]")).await)
        .await;
}

/// Sets a date field (typing into one depends on the browser's locale).
async fn set_date(b: &Browser, css: &str, value: &str) {
    b.execute_async(&format!(
        "document.querySelector('{css}').value = '{value}'; arguments[arguments.length - 1](null);"
    ))
    .await;
}

/// The text of the first element matching `css`.
async fn text_of(b: &Browser, css: &str) -> String {
    b.text(&b.find(css).await).await
}

async fn password(srv: &common::Srv, user: &str) {
    common::visitor::set_password(srv, user.parse().expect("user id")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and axe-core (BULWARK_AXE_JS)"]
async fn case_actions_in_chromium() {
    webdriver::require_chromium();
    let (srv, _clock) = common::start_at(T0, &[]).await;
    let (_, _, uni_tok) = srv.member("Uni A", "researcher", "u1", &["analyst"]).await;
    srv.member("Vendor B", "vendor", "v1", &["analyst"]).await;
    let (lab, lab_user, _) = srv.member("Lab C", "developer", "c1", &["admin"]).await;
    let (fresh, _, _) = srv
        .member("Fresh Lab", "researcher", "f1", &["analyst"])
        .await;
    let cases = submit(&srv, &uni_tok, CODEQL).await;
    let (a, b_case) = (cases[0].clone(), cases[1].clone());
    password(&srv, &srv.root_user.to_string()).await;
    password(&srv, &lab_user).await;
    let (_, case) = srv
        .get(&format!("/api/v1/cases/{a}"), &srv.root_token)
        .await;
    let title = case["title"].as_str().expect("title").to_owned();
    let base = srv.base.clone();
    let page_a = format!("/clearinghouse/cases/{a}");

    let mut b = Browser::start().await;
    b.window_size(1400, 1800).await;
    sign_in(&b, &base, "root").await;
    check_pages(
        &b,
        &base,
        "case-actions-operator",
        &[(page_a.clone(), &title)],
    )
    .await;

    // The workflow's buttons.
    b.click_and_wait(&b.find("#transition-form button[value=\"triaged\"]").await)
        .await;
    assert!(text_of(&b, ".facts").await.contains("triaged"));
    // The quorum: one reproduction, not the vendor's word.
    open(&b, "details#quorum").await;
    let n = b.find("#q-reproductions").await;
    b.clear(&n).await;
    b.send_keys(&n, "1").await;
    b.click(&b.find("#q-vendor").await).await;
    press(&b, "details#quorum").await;
    let facts = text_of(&b, ".facts").await;
    assert!(facts.contains("1 independent reproduction"), "{facts}");
    assert!(!facts.contains("vendor's confirmation"), "{facts}");
    // Marking and embargo.
    open(&b, "details#marking").await;
    b.click(&b.find("#m-tlp option[value=\"GREEN\"]").await)
        .await;
    b.send_keys(&b.find("#m-embargo").await, "2027-01-15T09:00:00-05:00")
        .await;
    press(&b, "details#marking").await;
    let facts = text_of(&b, ".facts").await;
    assert!(facts.contains("TLP:GREEN"), "{facts}");
    assert!(facts.contains("2027-01-15T14:00:00Z"), "{facts}");
    // The vendor, a participant, a validation task.
    open(&b, "details#vendor").await;
    press(&b, "details#vendor").await;
    assert!(text_of(&b, ".facts").await.contains("Vendor B, notified"));
    open(&b, "details#participant").await;
    b.click(&b.find(&format!("#p-org option[value=\"{fresh}\"]")).await)
        .await;
    press(&b, "details#participant").await;
    assert!(text_of(&b, ".facts").await.contains("Fresh Lab"));
    open(&b, "details#task").await;
    b.click(&b.find(&format!("#t-org option[value=\"{lab}\"]")).await)
        .await;
    press(&b, "details#task").await;
    let tasks = text_of(&b, "section[aria-labelledby=\"tasks\"]").await;
    assert!(tasks.contains("Lab C"), "{tasks}");
    b.click_and_wait(
        &b.find("#transition-form button[value=\"validating\"]")
            .await,
    )
    .await;
    assert!(text_of(&b, ".facts").await.contains("validating"));
    check_pages(
        &b,
        &base,
        "case-actions-operator-after",
        &[(page_a.clone(), &title)],
    )
    .await;

    // Merge the other case into this one from its page.
    let page_b = format!("/clearinghouse/cases/{b_case}");
    b.goto(&format!("{base}{page_b}")).await;
    open(&b, "details#merge").await;
    b.send_keys(&b.find("#g-into").await, &a).await;
    press(&b, "details#merge").await;
    let facts = text_of(&b, ".facts").await;
    assert!(facts.contains("duplicate (merged into"), "{facts}");
    // Split a finding off again: on to the new case.
    b.goto(&format!("{base}{page_a}")).await;
    open(&b, "details#split").await;
    b.click(&b.find("details#split input[type=checkbox]").await)
        .await;
    press(&b, "details#split").await;
    let url = b.url().await;
    assert!(url.contains("/clearinghouse/cases/"), "{url}");
    assert!(
        !url.contains(&a) && !url.contains(&b_case),
        "a new case: {url}"
    );
    let facts = text_of(&b, ".facts").await;
    assert!(facts.contains("new"), "{facts}");
    sign_out(&b).await;

    // The organization asked records its reproduction: the case is validated.
    sign_in(&b, &base, "c1").await;
    check_pages(
        &b,
        &base,
        "case-actions-validator",
        &[(page_a.clone(), &title)],
    )
    .await;
    b.click(&b.find("#v-result option[value=\"reproduced\"]").await)
        .await;
    b.send_keys(&b.find("#v-note").await, "reproduced on 2.0.0")
        .await;
    press(&b, "details#validate").await;
    let validations = text_of(&b, "section[aria-labelledby=\"validations\"]").await;
    assert!(validations.contains("reproduced on 2.0.0"), "{validations}");
    assert!(text_of(&b, ".facts").await.contains("validated"));
    b.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and axe-core (BULWARK_AXE_JS)"]
async fn review_actions_in_chromium() {
    webdriver::require_chromium();
    let (srv, _clock) = common::start_at(T0, &["NSA", "CISA"]).await;
    let (nsa, nsa_user, _) = srv.member("NSA", "agency", "nsa1", &["analyst"]).await;
    srv.member("CISA", "agency", "cisa1", &["analyst"]).await;
    let (_, dev_user, dev_tok) = srv.member("Lab A", "developer", "deva", &["analyst"]).await;
    let sub = draft(&srv, &dev_tok, "Frontier-One").await;
    let other = draft(&srv, &dev_tok, "Frontier-Two").await;
    let third = srv.register_model(&dev_tok, "Frontier-Three", 3e26).await;
    password(&srv, &dev_user).await;
    password(&srv, &nsa_user).await;
    let base = srv.base.clone();
    let path = format!("/reviews/{sub}");

    let mut b = Browser::start().await;
    b.window_size(1400, 1800).await;
    sign_in(&b, &base, "deva").await;
    // A new submission, from the reviews page.
    check_pages(
        &b,
        &base,
        "review-actions-new",
        &[("/reviews".to_owned(), "Reviews")],
    )
    .await;
    open(&b, "details#new-submission").await;
    b.click(
        &b.find(&format!("#new-model option[value=\"{third}\"]"))
            .await,
    )
    .await;
    set_date(&b, "#new-partner", "2026-12-24").await;
    press(&b, "details#new-submission").await;
    let facts = text_of(&b, ".facts").await;
    assert!(facts.contains("draft"), "{facts}");
    assert!(facts.contains("2026-12-24 00:00 UTC"), "{facts}");
    check_pages(
        &b,
        &base,
        "review-actions-developer",
        &[(path.clone(), "Review of Frontier-One")],
    )
    .await;
    b.click_and_wait(&b.find("#transition-form button[value=\"submitted\"]").await)
        .await;
    assert!(text_of(&b, ".facts").await.contains("submitted"));
    // New dates, with the reason.
    open(&b, "details#schedule").await;
    set_date(&b, "#r-partner", "2026-12-20").await;
    b.send_keys(&b.find("#r-why").await, "four more days of evaluation")
        .await;
    press(&b, "details#schedule").await;
    assert!(text_of(&b, ".facts").await.contains("2026-12-20 00:00 UTC"));
    // A dossier document, from a file.
    let card = std::env::temp_dir().join(format!("bulwark-card-{}.txt", uuid::Uuid::new_v4()));
    std::fs::write(&card, b"Model card of Frontier-One.").expect("write the card");
    open(&b, "details#upload").await;
    b.click(&b.find("#r-kind option[value=\"model_card\"]").await)
        .await;
    b.send_keys(&b.find("#r-file").await, card.to_str().expect("a path"))
        .await;
    press(&b, "details#upload").await;
    let _ = std::fs::remove_file(&card);
    let dossier = text_of(&b, "section[aria-labelledby=\"dossier\"]").await;
    assert!(dossier.contains("model card"), "{dossier}");
    // The other submission, withdrawn.
    let other_path = format!("/reviews/{other}");
    b.goto(&format!("{base}{other_path}")).await;
    open(&b, "details#withdraw").await;
    b.send_keys(&b.find("#r-reason").await, "not released after all")
        .await;
    press(&b, "details#withdraw").await;
    let facts = text_of(&b, ".facts").await;
    assert!(facts.contains("withdrawn"), "{facts}");
    assert!(facts.contains("not released after all"), "{facts}");
    check_pages(
        &b,
        &base,
        "review-actions-withdrawn",
        &[(other_path, "Review of Frontier-Two")],
    )
    .await;
    sign_out(&b).await;

    // The agency assigns itself, moves the review and concludes it.
    sign_in(&b, &base, "nsa1").await;
    check_pages(
        &b,
        &base,
        "review-actions-agency",
        &[(path.clone(), "Review of Frontier-One")],
    )
    .await;
    open(&b, "details#triage").await;
    b.click(&b.find(&format!("#r-lead option[value=\"{nsa}\"]")).await)
        .await;
    press(&b, "details#triage").await;
    let facts = text_of(&b, ".facts").await;
    assert!(facts.contains("NSA"), "{facts}");
    assert!(facts.contains("triage"), "{facts}");
    b.click_and_wait(&b.find("#transition-form button[value=\"in_review\"]").await)
        .await;
    assert!(text_of(&b, ".facts").await.contains("in review"));
    check_pages(
        &b,
        &base,
        "review-actions-in-review",
        &[(path.clone(), "Review of Frontier-One")],
    )
    .await;
    b.click(
        &b.find("#r-conclusion option[value=\"mitigations_recommended\"]")
            .await,
    )
    .await;
    b.send_keys(
        &b.find("#r-summary").await,
        "isolate the evaluation cluster",
    )
    .await;
    press(&b, "details#conclude").await;
    let facts = text_of(&b, ".facts").await;
    assert!(facts.contains("concluded"), "{facts}");
    assert!(facts.contains("mitigations recommended"), "{facts}");
    assert!(facts.contains("isolate the evaluation cluster"), "{facts}");
    b.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and axe-core (BULWARK_AXE_JS)"]
async fn coverage_and_partner_actions_in_chromium() {
    webdriver::require_chromium();
    let (srv, _clock) = common::start_at(T0, &["NSA"]).await;
    let (_, uni_user, _) = srv.member("Uni A", "researcher", "u1", &["analyst"]).await;
    let (_, nsa_user, _) = srv.member("NSA", "agency", "nsa1", &["analyst"]).await;
    let (_, grid_user, _) = srv.member("Grid Co", "partner", "grid", &["admin"]).await;
    let (_, dev_user, dev_tok) = srv.member("Lab A", "developer", "deva", &["analyst"]).await;
    srv.register_model(&dev_tok, "Frontier-G", 3e26).await;
    for u in [&uni_user, &nsa_user, &grid_user, &dev_user] {
        password(&srv, u).await;
    }
    let base = srv.base.clone();
    let coverage = "/clearinghouse/coverage".to_owned();

    let mut b = Browser::start().await;
    b.window_size(1400, 1800).await;
    // A claim, renewed, then released with what came of it.
    sign_in(&b, &base, "u1").await;
    b.goto(&format!("{base}{coverage}")).await;
    b.send_keys(&b.find("#c-target").await, "pkg:npm/lodash@4.17.21")
        .await;
    b.click(&b.find("#c-technique option[value=\"fuzzing\"]").await)
        .await;
    b.send_keys(&b.find("#c-tool").await, "AFL++ 4.21c").await;
    press(&b, "details#claim").await;
    let active = text_of(&b, "section[aria-labelledby=\"active\"]").await;
    assert!(active.contains("pkg:npm/lodash@4.17.21"), "{active}");
    assert!(active.contains("1 active claim"), "{active}");
    check_pages(
        &b,
        &base,
        "coverage-actions",
        &[(coverage.clone(), "Coverage")],
    )
    .await;
    open(&b, "details.row-actions").await;
    let days = b
        .find("details.row-actions input[name=\"lease_days\"]")
        .await;
    b.clear(&days).await;
    b.send_keys(&days, "14").await;
    press(&b, "details.row-actions form[action$=\"/renew\"]").await;
    let active = text_of(&b, "section[aria-labelledby=\"active\"]").await;
    assert!(active.contains("2026-12-10 12:00 UTC"), "{active}");
    open(&b, "details.row-actions").await;
    b.click(
        &b.find("details.row-actions option[value=\"nothing_found\"]")
            .await,
    )
    .await;
    b.send_keys(
        &b.find("details.row-actions textarea[name=\"note\"]").await,
        "48 hours of fuzzing",
    )
    .await;
    press(&b, "details.row-actions form[action$=\"/release\"]").await;
    let active = text_of(&b, "section[aria-labelledby=\"active\"]").await;
    assert!(active.contains("0 active claims"), "{active}");
    b.goto(&format!(
        "{base}{coverage}?target=pkg%3Anpm%2Flodash%404.17.21"
    ))
    .await;
    let table = text_of(&b, "section[aria-labelledby=\"coverage\"]").await;
    assert!(
        table.contains("nothing found: 48 hours of fuzzing"),
        "{table}"
    );
    sign_out(&b).await;

    // The agency vets the partner; the partner's admin attests.
    sign_in(&b, &base, "nsa1").await;
    b.goto(&format!("{base}/partners")).await;
    open(&b, "details.row-actions").await;
    b.click(&b.find("details.row-actions option[value=\"vetted\"]").await)
        .await;
    b.send_keys(
        &b.find("details.row-actions input[name=\"reason\"]").await,
        "site visit done",
    )
    .await;
    press(&b, "details.row-actions").await;
    let registry = text_of(&b, "section[aria-labelledby=\"registry\"]").await;
    assert!(registry.contains("vetted (site visit done)"), "{registry}");
    check_pages(
        &b,
        &base,
        "partners-agency",
        &[("/partners".to_owned(), "Trusted partners")],
    )
    .await;
    sign_out(&b).await;
    sign_in(&b, &base, "grid").await;
    b.goto(&format!("{base}/partners")).await;
    open(&b, "details.row-actions").await;
    b.click(
        &b.find("details.row-actions option[value=\"insider_risk\"]")
            .await,
    )
    .await;
    set_date(
        &b,
        "details.row-actions input[name=\"expires_at\"]",
        "2027-06-01",
    )
    .await;
    press(&b, "details.row-actions").await;
    let registry = text_of(&b, "section[aria-labelledby=\"registry\"]").await;
    assert!(registry.contains("insider risk: 2027-06-01"), "{registry}");
    check_pages(
        &b,
        &base,
        "partners-partner",
        &[("/partners".to_owned(), "Trusted partners")],
    )
    .await;
    sign_out(&b).await;

    // The developer proposes a grant; the agency concurs; the developer revokes.
    sign_in(&b, &base, "deva").await;
    b.goto(&format!("{base}/grants")).await;
    open(&b, "details#propose").await;
    set_date(&b, "#g-starts", "2026-12-20").await;
    set_date(&b, "#g-ends", "2027-01-20").await;
    b.send_keys(&b.find("#g-conditions").await, "no fine-tuning")
        .await;
    press(&b, "details#propose").await;
    let grants = text_of(&b, "section[aria-labelledby=\"grants\"]").await;
    assert!(grants.contains("proposed"), "{grants}");
    assert!(grants.contains("no fine-tuning"), "{grants}");
    check_pages(
        &b,
        &base,
        "grants-developer",
        &[("/grants".to_owned(), "Early-access grants")],
    )
    .await;
    sign_out(&b).await;
    sign_in(&b, &base, "nsa1").await;
    b.goto(&format!("{base}/grants")).await;
    check_pages(
        &b,
        &base,
        "grants-agency",
        &[("/grants".to_owned(), "Early-access grants")],
    )
    .await;
    open(&b, "section.actions details").await;
    b.click_and_wait(&b.find("section.actions details button[type=submit]").await)
        .await;
    let grants = text_of(&b, "section[aria-labelledby=\"grants\"]").await;
    assert!(grants.contains("pending"), "{grants}");
    sign_out(&b).await;
    sign_in(&b, &base, "deva").await;
    b.goto(&format!("{base}/grants")).await;
    open(&b, "section.actions details[id^=\"grant-\"]").await;
    b.send_keys(
        &b.find("section.actions details[id^=\"grant-\"] input[name=\"reason\"]")
            .await,
        "the model was withdrawn",
    )
    .await;
    b.click_and_wait(
        &b.find("section.actions details[id^=\"grant-\"] button[formaction$=\"/revoke\"]")
            .await,
    )
    .await;
    let grants = text_of(&b, "section[aria-labelledby=\"grants\"]").await;
    assert!(grants.contains("revoked"), "{grants}");
    b.quit().await;
}
