//! Frontier benchmarks over HTTP: loading versions, re-determination of the
//! registry, and the restricted view (developer versus reviewer).

use crate::common;

use crate::common::Srv;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn set_toml(id: &str, version: &str, effective: &str, visibility: &str, threshold: &str) -> String {
    format!(
        r#"id = "{id}"
version = "{version}"
effective = "{effective}"
title = "Test set {id}"
issued_by = ["NSA"]
visibility = "{visibility}"

[[criterion]]
id = "compute"
description = "Trained with more than {threshold} operations"
source = "test"
when = "training_compute_flop > {threshold}"
outcome = "covered"

[[criterion]]
id = "cyber"
description = "Cyber capability"
source = "test"
when = "evals.cybench > 0.5"
outcome = "covered"
"#
    )
}

async fn load(srv: &Srv, token: &str, toml: &str) -> (StatusCode, Value) {
    let resp = srv
        .http
        .post(format!("{}/api/v1/benchmarks", srv.base))
        .bearer_auth(token)
        .header("content-type", "application/toml")
        .body(toml.to_owned())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// The determination under `set` in a model document, newest first.
fn under<'a>(model: &'a Value, set: &str) -> Vec<&'a Value> {
    model["determinations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["benchmark"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{set}@"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restricted_view_and_redetermination() {
    let srv = common::start(bulwark_store::testing::sqlite().await.expect("store")).await;
    // A reviewing agency, an ordinary agency, two labs.
    let (s, nsa) = srv
        .post(
            "/api/v1/organizations",
            &srv.root_token,
            json!({"name": "NSA", "kind": "agency", "reviewing": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{nsa}");
    assert_eq!(nsa["reviewing"], true);
    let (s, v) = srv
        .post(
            "/api/v1/organizations",
            &srv.root_token,
            json!({"name": "Lab B", "kind": "developer", "reviewing": true}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "only agencies review: {v}"
    );
    let (_, _, reviewer) = srv.member("NSA", "agency", "nsa1", &["viewer"]).await;
    let (_, _, nsa_writer) = srv.member("NSA", "agency", "nsa2", &["analyst"]).await;
    let (_, _, ed) = srv.member("Education", "agency", "ed1", &["analyst"]).await;
    let (lab_a, _, dev_a) = srv.member("Lab A", "developer", "deva", &["analyst"]).await;
    let (_, _, dev_b) = srv.member("Lab B", "developer", "devb", &["analyst"]).await;

    // Only reviewing agencies (and operator admins) load sets; bad TOML names its line.
    assert_eq!(
        load(
            &srv,
            &dev_a,
            &set_toml("public", "1", "2026-01-01", "public", "1e26")
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        load(
            &srv,
            &ed,
            &set_toml("public", "1", "2026-01-01", "public", "1e26")
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (s, bad) = load(&srv, &nsa_writer, "id = \"x\"\nversion = 1\n").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad["detail"].as_str().unwrap().contains("line"), "{bad}");
    let (s, v) = load(
        &srv,
        &nsa_writer,
        &set_toml("public", "1", "2026-01-01", "public", "1e26"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, _) = load(
        &srv,
        &nsa_writer,
        &set_toml("secret", "1", "2026-01-01", "restricted", "5e25"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        load(
            &srv,
            &nsa_writer,
            &set_toml("public", "1", "2026-02-01", "public", "1e20")
        )
        .await
        .0,
        StatusCode::CONFLICT,
        "a version is never replaced"
    );

    // Lab A registers two models; AMBER+STRICT by default.
    let (s, big) = srv
        .post(
            "/api/v1/models",
            &dev_a,
            json!({"profile": {"name": "A-big", "training_compute_flop": 2e26}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{big}");
    assert_eq!(big["tlp"], "AMBER+STRICT");
    let (s, mid) = srv.post("/api/v1/models", &dev_a, json!({"profile": {"name": "A-mid", "training_compute_flop": 5e25, "evals": {"cybench": 0.2}}})).await;
    assert_eq!(s, StatusCode::CREATED, "{mid}");
    let big_id = big["id"].as_str().unwrap().to_owned();
    let mid_id = mid["id"].as_str().unwrap().to_owned();
    // A lab cannot register a model for another lab.
    let (s, _) = srv
        .post(
            "/api/v1/models",
            &dev_b,
            json!({"owner_org": lab_a, "profile": {"name": "X"}}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The developer sees its public determination whole, the restricted one without criteria.
    let pub_big = under(&big, "public")[0];
    assert_eq!(pub_big["outcome"], "covered");
    assert_eq!(pub_big["criteria"][0]["result"], true);
    let sec_mid = under(&mid, "secret")[0];
    assert_eq!(
        sec_mid["outcome"], "not_covered",
        "5e25 is not > 5e25, cybench 0.2"
    );
    assert!(
        sec_mid["criteria"].is_null(),
        "criteria of a restricted set are withheld: {sec_mid}"
    );
    let sec_big = under(&big, "secret")[0];
    assert_eq!(sec_big["outcome"], "covered");
    assert_eq!(
        sec_big["missing"],
        json!([]),
        "nothing is missing once covered: no fact could change that"
    );
    let pub_mid = under(&mid, "public")[0];
    assert_eq!(pub_mid["outcome"], "not_covered");

    // A reviewer sees the restricted criteria; another lab does not see the model at all.
    let (s, seen) = srv
        .get(&format!("/api/v1/models/{mid_id}"), &reviewer)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(under(&seen, "secret")[0]["criteria"][0]["id"], "compute");
    assert_eq!(
        srv.get(&format!("/api/v1/models/{mid_id}"), &dev_b).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        srv.get(&format!("/api/v1/models/{mid_id}"), &ed).await.0,
        StatusCode::NOT_FOUND,
        "a non-reviewing agency does not see proprietary profiles"
    );
    let (_, list) = srv.get("/api/v1/models", &dev_b).await;
    assert_eq!(list["items"], json!([]));

    // The set itself: everyone sees it exists, only reviewers see its criteria.
    let (s, for_dev) = srv.get("/api/v1/benchmarks/secret/1", &dev_a).await;
    assert_eq!(s, StatusCode::OK);
    assert!(for_dev["criteria"].is_null(), "{for_dev}");
    let (_, for_nsa) = srv.get("/api/v1/benchmarks/secret/1", &reviewer).await;
    assert_eq!(
        for_nsa["criteria"][0]["when"],
        "training_compute_flop > 5e25"
    );
    let (_, public_for_dev) = srv.get("/api/v1/benchmarks/public/1", &dev_b).await;
    assert_eq!(public_for_dev["criteria"].as_array().unwrap().len(), 2);

    // Pre-check: nothing stored, restricted criteria withheld, missing evidence named.
    let (s, pre) = srv
        .post(
            "/api/v1/precheck",
            &dev_b,
            json!({"profile": {"name": "B-new", "parameters": 1e12}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{pre}");
    let dets = pre["determinations"].as_array().unwrap();
    assert_eq!(dets.len(), 2);
    let secret = dets.iter().find(|d| d["benchmark"] == "secret@1").unwrap();
    assert_eq!(secret["outcome"], "indeterminate");
    assert!(secret["criteria"].is_null());
    assert_eq!(
        secret["missing"],
        json!(["evals.cybench", "training_compute_flop"])
    );
    let (s, bad) = srv
        .post(
            "/api/v1/precheck",
            &dev_b,
            json!({"profile": {"name": "B", "training_compute_flop": -1.0}}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert!(
        bad["detail"]
            .as_str()
            .unwrap()
            .contains("training_compute_flop"),
        "{bad}"
    );
    let (s, _) = srv
        .post(
            "/api/v1/models",
            &dev_a,
            json!({"profile": {"name": "C", "evals": {"cybench": 1.5}}}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, still) = srv.get("/api/v1/models", &srv.root_token).await;
    assert_eq!(
        still["items"].as_array().unwrap().len(),
        2,
        "the pre-check stored nothing"
    );

    // A new version in force re-classifies the registry and lists who moved.
    let (s, v2) = load(
        &srv,
        &nsa_writer,
        &set_toml("public", "2", "2026-06-01", "public", "1e25"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v2}");
    let re = &v2["redetermination"];
    assert_eq!(re["benchmark"], "public@2");
    assert_eq!(re["models"], 2);
    assert_eq!(re["moved"], 1);
    let changes = re["changes"].as_array().unwrap();
    let moved: Vec<&Value> = changes
        .iter()
        .filter(|c| c["change"]["outcome_before"] != c["change"]["outcome_after"])
        .collect();
    assert_eq!(moved.len(), 1, "{changes:?}");
    assert_eq!(moved[0]["name"], "A-mid");
    assert_eq!(moved[0]["change"]["outcome_before"], "not_covered");
    assert_eq!(moved[0]["change"]["outcome_after"], "covered");
    assert_eq!(moved[0]["change"]["benchmark_before"], "public@1");
    let (_, mid_now) = srv.get(&format!("/api/v1/models/{mid_id}"), &dev_a).await;
    let history: Vec<&str> = under(&mid_now, "public")
        .iter()
        .map(|d| d["benchmark"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        ["public@2", "public@1"],
        "every determination is kept with its version"
    );
    let _ = big_id;

    // A version that takes effect later does not re-determine now.
    let (s, v3) = load(
        &srv,
        &nsa_writer,
        &set_toml("public", "3", "2099-01-01", "public", "1e30"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert!(v3["redetermination"].is_null());

    // Every load and determination is in the audit log.
    let (_, audit) = srv.get("/api/v1/audit?limit=1000", &srv.root_token).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "benchmark.load").count(),
        4
    );
    assert!(actions.contains(&"determination.record"));
    assert!(actions.contains(&"model.upsert"));
}

/// An import takes the models and names the rows it skipped, with why;
/// `strict=true` refuses the whole file at the first such row, as does a
/// file in which no row is a model.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_import_skips_rows_that_are_not_models_unless_strict() {
    let srv = common::start(bulwark_store::testing::sqlite().await.expect("store")).await;
    let (s, _) = load(&srv, &srv.root_token, bulwark_frontier::DEFAULT_BENCHMARKS).await;
    assert_eq!(s, StatusCode::CREATED);
    let csv = "Model,Organization,Publication date,Parameters,Training compute (FLOP)\n\
               Big,Lab,2025-01-01,1e12,3e26\n\
               Small,Lab,2025-01-01,1e9,1e22\n";
    let post_to = |query: &'static str, body: &'static str, ctype: &'static str| {
        srv.http
            .post(format!(
                "{}/api/v1/models/import?tlp=CLEAR{query}",
                srv.base
            ))
            .bearer_auth(&srv.root_token)
            .header("content-type", ctype)
            .body(body)
            .send()
    };
    let post = |body: &'static str, ctype: &'static str| post_to("", body, ctype);
    let bad = "Model,Organization,Publication date,Parameters,Training compute (FLOP),Last modified\n\
               Fine,Lab,2025-01-01,1e12,3e26,\n\
               Broken,Lab,2025-01-01,lots,1e22,\n\
               ,,,,,2025-03-04\n";
    let r = post_to("&strict=true", bad, "text/csv").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = r.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("line 3"), "{p}");
    let (_, none) = srv.get("/api/v1/models", &srv.root_token).await;
    assert_eq!(none["items"], json!([]), "nothing half-imported");
    let r = post(
        "Model,Organization,Publication date,Parameters,Training compute (FLOP),Last modified\n\
         ,,,,,2025-03-04\n",
        "text/csv",
    )
    .await
    .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "no row is a model"
    );
    let p: Value = r.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("row 1"), "{p}");

    let r = post(bad, "text/csv").await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let out: Value = r.json().await.unwrap();
    assert_eq!(out["imported"], 1, "{out}");
    assert_eq!(out["skipped"], 2, "{out}");
    let skipped = out["skipped_rows"].as_array().unwrap();
    assert_eq!(skipped.len(), 2, "{out}");
    assert_eq!(skipped[0]["row"], 2);
    assert!(
        skipped[0]["error"]
            .as_str()
            .unwrap()
            .contains("line 3, column 4 (Parameters)"),
        "{out}"
    );
    assert_eq!(skipped[1]["row"], 3);
    assert!(
        skipped[1]["error"]
            .as_str()
            .unwrap()
            .contains("blank apart from Last modified"),
        "{out}"
    );
    let (_, listed) = srv.get("/api/v1/models", &srv.root_token).await;
    let names: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Fine"]);
    // JSON: an element that is not a profile is skipped the same way.
    let r = post(
        r#"[{"name": "J1"}, {"name": "J2", "training_flops": 1}, ["J3"]]"#,
        "application/json",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let out: Value = r.json().await.unwrap();
    assert_eq!(out["imported"], 1, "{out}");
    let rows: Vec<&Value> = out["skipped_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["row"])
        .collect();
    assert_eq!(rows, [2, 3], "{out}");
    assert!(
        out["skipped_rows"][0]["error"]
            .as_str()
            .unwrap()
            .contains("$[1].training_flops"),
        "{out}"
    );

    let r = post(csv, "text/csv").await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let out: Value = r.json().await.unwrap();
    assert_eq!(out["imported"], 2);
    // CLEAR profiles are visible to everyone, with their determination.
    let (_, _, dev) = srv.member("Lab C", "developer", "devc", &["viewer"]).await;
    let big = out["ids"][0].as_str().unwrap();
    let (s, m) = srv.get(&format!("/api/v1/models/{big}"), &dev).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(m["determinations"][0]["outcome"], "covered");
    let r = post(csv, "text/plain").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (s, _, _) = srv
        .call(
            Method::POST,
            "/api/v1/models/import",
            Some(&dev),
            Some(json!([])),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a viewer imports nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspect_logs_attach_scores_and_redetermine() {
    let srv = common::start(bulwark_store::testing::sqlite().await.expect("store")).await;
    let (s, _) = srv
        .post(
            "/api/v1/organizations",
            &srv.root_token,
            json!({"name": "CISA", "kind": "agency", "reviewing": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, _, cisa) = srv.member("CISA", "agency", "cisa1", &["analyst"]).await;
    let (_, _, dev) = srv.member("Lab", "developer", "dev1", &["analyst"]).await;
    let (_, _, other) = srv
        .member("Other Lab", "developer", "dev2", &["analyst"])
        .await;
    // A set whose only criterion reads the headline score of an Inspect task.
    let toml = r#"id = "evals"
version = "1"
effective = "2026-01-01"
title = "Evaluation threshold"
issued_by = ["CISA"]
visibility = "public"

[[criterion]]
id = "popularity"
description = "Scores above 0.1 on the test task"
source = "test"
when = "evals.popularity > 0.1"
outcome = "covered"
"#;
    assert_eq!(load(&srv, &cisa, toml).await.0, StatusCode::CREATED);
    let (s, m) = srv
        .post("/api/v1/models", &dev, json!({"profile": {"name": "M1"}}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(under(&m, "evals")[0]["outcome"], "indeterminate");
    let id = m["id"].as_str().unwrap();

    let log = include_bytes!("../../../frontier/tests/fixtures/log_formats.json");
    let send = |token: &str, name: &str, body: &'static [u8], ctype: &'static str| {
        srv.http
            .post(format!("{}/api/v1/models/{id}/evals?name={name}", srv.base))
            .bearer_auth(token.to_owned())
            .header("content-type", ctype)
            .body(body)
            .send()
    };
    let r = send(&dev, "popularity", log, "application/json")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let out: Value = r.json().await.unwrap();
    // The log's headline is scorer `match`, metric `accuracy`: 0.0 (read from the file).
    assert_eq!(out["score"].as_f64(), Some(0.0));
    assert_eq!(out["task"], "popularity");
    assert_eq!(out["log_model"], "ollama/llama3.1");
    assert_eq!(
        out["model"]["profile"]["evals"]["popularity"].as_f64(),
        Some(0.0)
    );
    assert_eq!(
        under(&out["model"], "evals")[0]["outcome"],
        "not_covered",
        "the fact is now known"
    );
    // Another lab may not touch it (not even learn it exists); garbage is refused.
    assert_eq!(
        send(&other, "popularity", log, "application/json")
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(
            &dev,
            "popularity",
            b"{\"not\": \"a log\"}",
            "application/json"
        )
        .await
        .unwrap()
        .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        send(&dev, "bad-name", log, "application/json")
            .await
            .unwrap()
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        send(&dev, "popularity", log, "text/plain")
            .await
            .unwrap()
            .status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
}

/// A version loaded ahead of its effective date re-determines the registry
/// once it takes effect (the server's scheduler runs this pass every minute).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_loaded_ahead_takes_effect_on_its_date() {
    use std::sync::Arc;
    use time::macros::datetime;
    let clock = Arc::new(bulwark_core::FixedClock::new(
        datetime!(2026-06-15 12:00 UTC),
    ));
    let srv = common::start_with_clock(
        bulwark_store::testing::sqlite().await.expect("store"),
        clock.clone(),
    )
    .await;
    assert_eq!(
        load(
            &srv,
            &srv.root_token,
            &set_toml("public", "1", "2026-01-01", "public", "1e26")
        )
        .await
        .0,
        StatusCode::CREATED
    );
    let (s, m) = srv
        .post(
            "/api/v1/models",
            &srv.root_token,
            json!({"profile": {"name": "M", "training_compute_flop": 5e25}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        under(&m, "public")[0]["outcome"],
        "indeterminate",
        "5e25 < 1e26 and no cyber score"
    );
    let id = m["id"].as_str().unwrap().to_owned();

    let (s, v2) = load(
        &srv,
        &srv.root_token,
        &set_toml("public", "2", "2026-07-01", "public", "1e25"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert!(v2["redetermination"].is_null(), "not in force yet");
    let due = bulwark_app::frontier::redetermine_due(&srv.state, "test")
        .await
        .unwrap();
    assert!(due.is_empty(), "nothing is stale before the date: {due:?}");

    clock.set(datetime!(2026-07-01 00:00:01 UTC));
    let due = bulwark_app::frontier::redetermine_due(&srv.state, "test")
        .await
        .unwrap();
    assert_eq!(due, ["public@2"]);
    let (_, now) = srv
        .get(&format!("/api/v1/models/{id}"), &srv.root_token)
        .await;
    let latest = under(&now, "public")[0];
    assert_eq!(
        (latest["benchmark"].as_str(), latest["outcome"].as_str()),
        (Some("public@2"), Some("covered"))
    );
    // Once done, the pass finds nothing more to do.
    assert!(
        bulwark_app::frontier::redetermine_due(&srv.state, "test")
            .await
            .unwrap()
            .is_empty()
    );
    // The scheduler's work is audited without a user, under its request id.
    let (_, audit) = srv.get("/api/v1/audit?limit=1000", &srv.root_token).await;
    let last = audit["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "determination.record");
    assert!(last["actor_user"].is_null());
    assert_eq!(last["request_id"], "scheduler:test");
}
