//! Benchmark sets: the TOML format, its errors, and determinations.

use bulwark_frontier::{
    BenchmarkError, BenchmarkSet, CelErrorKind, CriterionDiff, CriterionOutcome,
    DEFAULT_BENCHMARKS, ModelProfile, Outcome, RegistryChange, Tri, Visibility, compare,
    compare_registry, diff_sets,
};
use std::collections::BTreeMap;
use time::macros::{date, datetime};

const NOW: time::OffsetDateTime = datetime!(2026-09-01 12:00 UTC);

const SMALL: &str = r#"
id = "test-set"
version = "1"
effective = "2026-01-01"
title = "Test"
issued_by = ["CISA"]
visibility = "public"

[[criterion]]
id = "big"
description = "more than 1e26"
source = "test"
when = "training_compute_flop > 1e26"
outcome = "covered"

[[criterion]]
id = "eu"
description = "more than 1e25"
source = "test"
when = "training_compute_flop > 1e25"
outcome = "notify"

[[criterion]]
id = "cyber"
description = "cybench"
source = "test"
when = "evals.cybench > 0.5"
outcome = "covered"
"#;

fn set(text: &str) -> BenchmarkSet {
    BenchmarkSet::from_toml(text).unwrap_or_else(|e| panic!("{e}"))
}

fn load_err(text: &str) -> BenchmarkError {
    match BenchmarkSet::from_toml(text) {
        Ok(_) => panic!("loaded"),
        Err(e) => e,
    }
}

fn with_compute(flop: Option<f64>) -> ModelProfile {
    let mut p = ModelProfile::named("m");
    p.organization = Some("Lab".into());
    p.training_compute_flop = flop;
    p
}

#[test]
fn the_default_set_loads_and_names_a_source_for_every_criterion() {
    let s = set(DEFAULT_BENCHMARKS);
    assert_eq!(s.label(), "frontier-cyber@2026.2");
    assert_eq!(s.effective(), date!(2026 - 12 - 01));
    assert_eq!(s.issued_by(), ["Treasury", "NSA", "CISA"]);
    assert_eq!(s.visibility(), Visibility::Public);
    let by_id = |id: &str| s.criteria().iter().find(|c| c.id() == id).unwrap();
    assert_eq!(by_id("compute-1e26").outcome(), CriterionOutcome::Covered);
    assert_eq!(
        by_id("bio-sequence-1e23").outcome(),
        CriterionOutcome::Notify
    );
    assert_eq!(by_id("eu-gpai-1e25").outcome(), CriterionOutcome::Notify);
    for c in s.criteria() {
        assert!(!c.source().is_empty(), "{}", c.id());
        if c.when().contains("evals.") {
            assert!(c.description().contains("PLACEHOLDER"), "{}", c.id());
            assert_eq!(c.outcome(), CriterionOutcome::Covered);
        }
    }
    let evals: Vec<String> = s.criteria().iter().flat_map(|c| c.reads()).collect();
    for name in [
        "evals.cybench",
        "evals.intercode_ctf",
        "evals.cyberseceval_exploit",
        "evals.nyu_ctf",
    ] {
        assert!(evals.iter().any(|e| e == name), "{name}");
    }
}

#[test]
fn the_determination_rule() {
    let s = set(SMALL);
    // covered: any covered-criterion holds, whatever else is unknown
    // (nothing is missing then: no fact could change that)
    let d = s.determine(&with_compute(Some(2e26)), NOW);
    assert_eq!(d.outcome, Outcome::Covered);
    assert!(d.missing.is_empty());
    // notify: no covered-criterion holds, a notify one does (cyber unknown)
    let d = s.determine(&with_compute(Some(2e25)), NOW);
    assert_eq!(d.outcome, Outcome::Notify);
    // indeterminate: nothing holds, something unknown; missing listed
    let d = s.determine(&with_compute(Some(1e24)), NOW);
    assert_eq!(d.outcome, Outcome::Indeterminate);
    assert_eq!(d.missing, ["evals.cybench"]);
    let d = s.determine(&with_compute(None), NOW);
    assert_eq!(d.outcome, Outcome::Indeterminate);
    assert_eq!(d.missing, ["evals.cybench", "training_compute_flop"]);
    assert_eq!(d.criteria[0].missing, ["training_compute_flop"]);
    // not covered: everything known, nothing holds
    let mut p = with_compute(Some(1e24));
    p.evals.insert("cybench".into(), 0.2);
    let d = s.determine(&p, NOW);
    assert_eq!(d.outcome, Outcome::NotCovered);
    assert!(d.missing.is_empty());
    // covered by capability alone
    p.evals.insert("cybench".into(), 0.51);
    assert_eq!(s.determine(&p, NOW).outcome, Outcome::Covered);
}

#[test]
fn a_determination_records_set_version_results_and_time() {
    let s = set(SMALL);
    let d = s.determine(&with_compute(Some(1.001e25)), NOW);
    assert_eq!(
        (d.benchmark_id.as_str(), d.benchmark_version.as_str()),
        ("test-set", "1")
    );
    assert_eq!(d.made_at, NOW);
    let results: Vec<(&str, Tri)> = d
        .criteria
        .iter()
        .map(|c| (c.id.as_str(), c.result))
        .collect();
    assert_eq!(
        results,
        [
            ("big", Tri::False),
            ("eu", Tri::True),
            ("cyber", Tri::Unknown)
        ]
    );
    // exactness at the threshold
    let d = s.determine(&with_compute(Some(1e25)), NOW);
    assert_eq!(d.criteria[1].result, Tri::False);

    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["made_at"], "2026-09-01T12:00:00Z");
    assert_eq!(json["criteria"][2]["result"], "unknown");
    assert_eq!(json["criteria"][0]["result"], false);
    let back: bulwark_frontier::Determination = serde_json::from_value(json).unwrap();
    assert_eq!(back, d);
}

#[test]
fn the_classify_record_has_the_cli_fields_in_order() {
    let s = set(SMALL);
    let p = with_compute(Some(2e26));
    let d = s.determine(&p, NOW);
    let line = serde_json::to_string(&d.record(&p)).unwrap();
    assert_eq!(
        line,
        r#"{"model":"m","organization":"Lab","outcome":"covered","criteria":[{"id":"big","result":true},{"id":"eu","result":true},{"id":"cyber","result":"unknown"}],"missing":[],"benchmark":"test-set@1"}"#
    );
    let bare = ModelProfile::named("x");
    let d = s.determine(&bare, NOW);
    let v = serde_json::to_value(d.record(&bare)).unwrap();
    assert_eq!(v["organization"], serde_json::Value::Null);
    assert_eq!(v["outcome"], "indeterminate");
}

#[test]
fn a_restricted_set_shows_developers_the_outcome_only() {
    let s = set(&SMALL.replace("\"public\"", "\"restricted\""));
    assert_eq!(s.visibility(), Visibility::Restricted);
    let d = s.determine(&with_compute(None), NOW);
    let r = d.redacted();
    assert!(r.criteria.is_empty());
    assert_eq!(r.outcome, Outcome::Indeterminate);
    assert_eq!(r.missing, d.missing);
    let public = set(SMALL).determine(&with_compute(None), NOW);
    assert_eq!(public.redacted(), public);
}

#[test]
fn toml_errors_name_the_line() {
    let e = load_err("id = \"x\"\nversion = \"1\"\neffective = \n");
    assert!(matches!(e, BenchmarkError::Toml { line: 3, .. }), "{e}");
    assert!(e.to_string().starts_with("line 3"), "{e}");

    let e = load_err(&SMALL.replace("title = \"Test\"", "title = \"Test\"\nauthor = \"me\""));
    assert!(matches!(e, BenchmarkError::Toml { line: 6, .. }), "{e}");
    assert!(e.to_string().contains("author"), "{e}");

    let e = load_err(&SMALL.replace("outcome = \"notify\"", "outcome = \"maybe\""));
    assert!(matches!(e, BenchmarkError::Invalid { line: 21, .. }), "{e}");
    let e = load_err(&SMALL.replace("\"public\"", "\"secret\""));
    assert!(matches!(e, BenchmarkError::Invalid { line: 7, .. }), "{e}");
    let e = load_err(&SMALL.replace("2026-01-01", "2026-13-01"));
    assert!(matches!(e, BenchmarkError::Invalid { line: 4, .. }), "{e}");
    let e = load_err(&SMALL.replace("id = \"eu\"", "id = \"big\""));
    assert!(matches!(e, BenchmarkError::Invalid { line: 17, .. }), "{e}");
    assert!(e.to_string().contains("used twice"), "{e}");
    let e = load_err(&SMALL.replace("issued_by = [\"CISA\"]", "issued_by = []"));
    assert!(matches!(e, BenchmarkError::Invalid { line: 6, .. }), "{e}");
    let no_criteria = SMALL.split("[[criterion]]").next().unwrap();
    assert!(load_err(no_criteria).to_string().contains("at least one"));
    let e = load_err(&SMALL.replace(
        "source = \"test\"\nwhen = \"evals",
        "source = \" \"\nwhen = \"evals",
    ));
    assert!(matches!(e, BenchmarkError::Invalid { line: 26, .. }), "{e}");
}

#[test]
fn an_unquoted_toml_date_is_accepted() {
    let s = set(&SMALL.replace("\"2026-01-01\"", "2026-01-01"));
    assert_eq!(s.effective(), date!(2026 - 01 - 01));
}

#[test]
fn cel_errors_name_the_criterion_and_the_position() {
    let e = load_err(&SMALL.replace("evals.cybench > 0.5", "evals.cybench >> 0.5"));
    let BenchmarkError::Cel {
        line,
        criterion,
        error,
    } = &e
    else {
        panic!("{e}")
    };
    assert_eq!((*line, criterion.as_str()), (27, "cyber"));
    assert_eq!(
        (error.kind, error.line, error.column),
        (CelErrorKind::Syntax, 1, 16)
    );
    assert!(
        e.to_string()
            .starts_with("line 27: criterion \"cyber\": CEL syntax error at 1:16"),
        "{e}"
    );

    let e = load_err(&SMALL.replace(
        "training_compute_flop > 1e25",
        "training_compute_flop > '1e25'",
    ));
    let BenchmarkError::Cel {
        line,
        criterion,
        error,
    } = &e
    else {
        panic!("{e}")
    };
    assert_eq!((*line, criterion.as_str()), (20, "eu"));
    assert_eq!((error.kind, error.column), (CelErrorKind::Type, 23));

    let e = load_err(&SMALL.replace("evals.cybench > 0.5", "cybench > 0.5"));
    assert!(
        e.to_string().contains("unknown identifier `cybench`"),
        "{e}"
    );

    // a multi-line expression: the position is within it
    let multi = SMALL.replace(
        "when = \"evals.cybench > 0.5\"",
        "when = '''\nevals.cybench > 0.5 ||\n  evals.nyu_ctf > 'high'\n'''",
    );
    let e = load_err(&multi);
    let BenchmarkError::Cel { error, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!((error.line, error.column), (2, 17), "{e}");
}

#[test]
fn the_version_in_force() {
    let v1 = set(SMALL);
    let v2 = set(&SMALL
        .replace("version = \"1\"", "version = \"2\"")
        .replace("2026-01-01", "2026-06-01"));
    let sets = [v1, v2];
    let on = |d| {
        BenchmarkSet::in_force(&sets, "test-set", d)
            .unwrap()
            .map(|s| s.version().to_owned())
    };
    assert_eq!(on(date!(2025 - 12 - 31)), None);
    assert_eq!(on(date!(2026 - 01 - 01)).as_deref(), Some("1"));
    assert_eq!(on(date!(2026 - 05 - 31)).as_deref(), Some("1"));
    assert_eq!(on(date!(2026 - 06 - 01)).as_deref(), Some("2"));
    let clash = [
        set(SMALL),
        set(&SMALL.replace("version = \"1\"", "version = \"1b\"")),
    ];
    assert!(matches!(
        BenchmarkSet::in_force(&clash, "test-set", date!(2026 - 02 - 01)),
        Err(BenchmarkError::SameEffectiveDate { .. })
    ));
}

#[test]
fn redetermination_on_a_new_version() {
    let v1 = set(SMALL);
    let v2_text = SMALL
        .replace("version = \"1\"", "version = \"2\"")
        .replace("evals.cybench > 0.5", "evals.cybench > 0.3")
        .replace("outcome = \"notify\"", "outcome = \"covered\"");
    let v2 = set(&v2_text);
    let diffs = diff_sets(&v1, &v2);
    assert_eq!(
        diffs,
        [
            CriterionDiff::Changed {
                id: "eu".into(),
                when: false,
                outcome: true,
                text: false
            },
            CriterionDiff::Changed {
                id: "cyber".into(),
                when: true,
                outcome: false,
                text: false
            },
        ]
    );

    let mut strong = with_compute(Some(1e24));
    strong.evals.insert("cybench".into(), 0.4);
    let mid = with_compute(Some(2e25));
    let small = {
        let mut p = with_compute(Some(1e20));
        p.evals.insert("cybench".into(), 0.1);
        p
    };
    let before: BTreeMap<&str, _> = [("strong", &strong), ("mid", &mid), ("small", &small)]
        .into_iter()
        .map(|(k, p)| (k, v1.determine(p, NOW)))
        .collect();
    let after: BTreeMap<&str, _> = [("strong", &strong), ("mid", &mid), ("small", &small)]
        .into_iter()
        .map(|(k, p)| (k, v2.determine(p, NOW)))
        .collect();

    let c = compare(&before["strong"], &after["strong"]);
    assert!(c.moved());
    assert_eq!(
        (c.outcome_before, c.outcome_after),
        (Outcome::NotCovered, Outcome::Covered)
    );
    assert_eq!(
        (c.benchmark_before.as_str(), c.benchmark_after.as_str()),
        ("test-set@1", "test-set@2")
    );
    // eu's outcome changed, but it does not hold for this model
    assert_eq!(c.criteria.len(), 1);
    assert_eq!(c.criteria[0].id, "cyber");
    assert_eq!(
        (c.criteria[0].before, c.criteria[0].after),
        (Some(Tri::False), Some(Tri::True))
    );

    let changes = compare_registry(&before, &after);
    let keys: Vec<&str> = changes.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, ["mid", "strong"]); // small did not change at all
    let RegistryChange::Changed(mid_change) = &changes[0].1 else {
        panic!()
    };
    assert_eq!(
        (mid_change.outcome_before, mid_change.outcome_after),
        (Outcome::Notify, Outcome::Covered)
    );

    let mut fewer = after.clone();
    fewer.remove("mid");
    fewer.insert("new", v2.determine(&ModelProfile::named("new"), NOW));
    let changes = compare_registry(&after, &fewer);
    assert_eq!(changes.len(), 2);
    assert!(matches!(
        changes[0],
        (
            "mid",
            RegistryChange::Removed {
                outcome: Outcome::Covered
            }
        )
    ));
    assert!(matches!(
        changes[1],
        (
            "new",
            RegistryChange::Added {
                outcome: Outcome::Indeterminate
            }
        )
    ));
}

#[test]
fn absurd_toml_is_refused_without_overflowing() {
    for nested in [
        format!("effective = {}{}", "[".repeat(100_000), "]".repeat(100_000)),
        format!(
            "id = \"x\"\nextra = {}{}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
        format!(
            "effective = {}1{}",
            "{a=".repeat(50_000),
            "}".repeat(50_000)
        ),
        format!("{}= 1", "a.".repeat(50_000)),
    ] {
        assert!(BenchmarkSet::from_toml(&nested).is_err());
    }
}

/// Theseus, Shannon's maze-solving mouse (Bell Laboratories, 1950): 40
/// parameters and 40 FLOP of training in Epoch AI's data. No cyber score
/// will ever be measured for it, and none is needed to know it is not a
/// covered frontier model.
#[test]
fn a_1950_model_of_40_parameters_is_not_covered() {
    let mut p = ModelProfile::named("Theseus");
    p.organization = Some("Bell Laboratories".into());
    p.published = Some(date!(1950 - 07 - 02));
    p.parameters = Some(40.0);
    p.training_compute_flop = Some(40.0);
    p.training_tokens = Some(40.0);
    let d = set(DEFAULT_BENCHMARKS).determine(&p, NOW);
    assert_eq!(d.outcome, Outcome::NotCovered, "{d:#?}");
    assert!(d.missing.is_empty(), "{:?}", d.missing);
}

/// Every capability criterion of the default set holds only above its
/// compute floor, whatever the scores: at the floor a perfect score does
/// not count, just above it the scores decide.
#[test]
fn the_default_capability_criteria_have_a_compute_floor() {
    let s = set(DEFAULT_BENCHMARKS);
    let capability: Vec<_> = s
        .criteria()
        .iter()
        .filter(|c| c.when().contains("evals."))
        .collect();
    assert_eq!(capability.len(), 4);
    let perfect = |flop: f64| {
        let mut p = with_compute(Some(flop));
        for c in &capability {
            for r in c.reads() {
                if let Some(name) = r.strip_prefix("evals.") {
                    p.evals.insert(name.into(), 1.0);
                }
            }
        }
        p.bio_sequence_data = Some(false);
        p
    };
    let at = s.determine(&perfect(1e23), NOW);
    let above = s.determine(&perfect(1.01e23), NOW);
    for c in &capability {
        assert!(
            c.reads().contains(&"training_compute_flop".to_owned()),
            "{}",
            c.id()
        );
        assert!(c.description().contains("floor"), "{}", c.description());
        assert!(c.source().contains("10^23"), "{}", c.source());
        let result = |d: &bulwark_frontier::Determination| {
            d.criteria.iter().find(|r| r.id == c.id()).unwrap().result
        };
        assert_eq!(result(&at), Tri::False, "{}", c.id());
        assert_eq!(result(&above), Tri::True, "{}", c.id());
    }
    assert_eq!(at.outcome, Outcome::NotCovered);
    assert_eq!(above.outcome, Outcome::Covered);
}

const CAPABILITY_SCORES: [&str; 4] = [
    "evals.cybench",
    "evals.cyberseceval_exploit",
    "evals.intercode_ctf",
    "evals.nyu_ctf",
];

/// `missing` lists the facts whose value could change the outcome, and
/// only those.
#[test]
fn missing_lists_only_facts_that_could_change_the_outcome() {
    let s = set(DEFAULT_BENCHMARKS);
    // Covered: nothing supplied later can change that. The unknown
    // criteria still say what they lacked.
    let d = s.determine(&with_compute(Some(5e26)), NOW);
    assert_eq!(d.outcome, Outcome::Covered);
    assert_eq!(d.missing, Vec::<String>::new());
    let cybench = d.criteria.iter().find(|c| c.id == "cybench").unwrap();
    assert_eq!(
        (cybench.result, cybench.missing.clone()),
        (Tri::Unknown, vec!["evals.cybench".to_owned()])
    );
    // Notify: only what could make it covered (the scores), not
    // bio_sequence_data, which could only make it notify again.
    let d = s.determine(&with_compute(Some(2e25)), NOW);
    assert_eq!(d.outcome, Outcome::Notify);
    assert_eq!(d.missing, CAPABILITY_SCORES);
    // Indeterminate above the floor: the scores and bio_sequence_data.
    let d = s.determine(&with_compute(Some(1e24)), NOW);
    assert_eq!(d.outcome, Outcome::Indeterminate);
    let mut want = vec!["bio_sequence_data"];
    want.extend(CAPABILITY_SCORES);
    assert_eq!(d.missing, want);
    // Unknown compute: the compute too.
    let d = s.determine(&with_compute(None), NOW);
    assert_eq!(d.outcome, Outcome::Indeterminate);
    want.push("training_compute_flop");
    assert_eq!(d.missing, want);
    // Below the floor: not covered, nothing missing.
    let d = s.determine(&with_compute(Some(1e22)), NOW);
    assert_eq!(d.outcome, Outcome::NotCovered);
    assert!(d.missing.is_empty());
    // The small set: a covered model lacks nothing.
    let d = set(SMALL).determine(&with_compute(Some(2e26)), NOW);
    assert_eq!((d.outcome, d.missing.len()), (Outcome::Covered, 0));
}

/// Within one criterion, a missing fact is listed only where its value
/// could change the criterion's result: not in a branch already decided
/// by known facts. A score read through a computed key is named too.
#[test]
fn missing_within_a_criterion_is_what_could_decide_it() {
    let text = SMALL
        .replace(
            "when = \"evals.cybench > 0.5\"",
            "when = \"(training_compute_flop > 1e24 && evals.a > 0.5) || evals.b > 0.5\"",
        )
        .replace(
            "when = \"training_compute_flop > 1e26\"",
            "when = \"['c', 'd'].exists(k, evals[k] > 0.5)\"",
        );
    let s = set(&text);
    let mut p = with_compute(Some(1e20));
    p.evals.insert("d".into(), 0.1);
    let d = s.determine(&p, NOW);
    assert_eq!(d.outcome, Outcome::Indeterminate);
    assert_eq!(d.criteria[2].missing, ["evals.b"], "{:?}", d.criteria[2]);
    assert_eq!(d.criteria[0].missing, ["evals.c"], "{:?}", d.criteria[0]);
    assert_eq!(d.missing, ["evals.b", "evals.c"]);
    // Above 1e24 the first branch can decide: evals.a is listed.
    p.training_compute_flop = Some(2e24);
    let d = s.determine(&p, NOW);
    assert_eq!(d.criteria[2].missing, ["evals.a", "evals.b"]);
}
