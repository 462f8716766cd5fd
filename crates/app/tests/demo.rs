//! The demo's seeding (`bulwark_app::demo::seed`) on both back-ends: every
//! organization kind and role has a sign-in; every job's records exist in
//! each of their states, as the people who work with them read them
//! through the use cases; a second seeding of the same store is refused.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use bulwark_app::demo::{self, DemoError};
use bulwark_app::publications::{ListQuery, Stage};
use bulwark_app::{App, Config, MasterKey, cases, directives::obligations, frontier, partners};
use bulwark_authz::Authorizer;
use bulwark_core::{OrgKind, Principal, Role, SystemClock};
use bulwark_store::{PageRequest, Store};

fn page() -> PageRequest {
    PageRequest {
        after: None,
        limit: PageRequest::MAX_LIMIT,
    }
}

async fn principal(store: &Store, username: &str) -> Principal {
    let (user, _) = store.user_by_username(username).await.expect("user");
    store
        .principal(user.id)
        .await
        .expect("principal")
        .expect("enabled")
}

fn tally<I: IntoIterator<Item = String>>(words: I) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for w in words {
        *m.entry(w).or_insert(0) += 1;
    }
    m
}

async fn seeded_world(store: Store) {
    let app = App::new(
        store.clone(),
        Authorizer::new().expect("policy"),
        Arc::new(SystemClock),
        Config {
            master_key: MasterKey::from_hex(
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            ),
            ..Config::default()
        },
    );
    let seeded = demo::seed(&app).await.expect("seed");

    // Sign-ins: every role, every kind of organization, distinct secrets.
    let roles: BTreeSet<&str> = seeded.logins.iter().map(|l| l.role.as_str()).collect();
    for r in Role::ALL {
        assert!(roles.contains(r.as_str()), "no {r} among {roles:?}");
    }
    let kinds: BTreeSet<&str> = seeded.logins.iter().map(|l| l.org_kind.as_str()).collect();
    for k in OrgKind::ALL {
        assert!(kinds.contains(k.as_str()), "no {k} among {kinds:?}");
    }
    let passwords: BTreeSet<&str> = seeded.logins.iter().map(|l| l.password.as_str()).collect();
    assert_eq!(passwords.len(), seeded.logins.len(), "one password each");
    for l in &seeded.logins {
        assert!(l.password.len() >= 12, "{}", l.username);
        assert!(l.token.starts_with("bwk_"), "{}", l.username);
        let (user, _) = store.user_by_username(&l.username).await.expect("user");
        assert_eq!(user.roles.to_words(), l.role, "{}", l.username);
    }

    // Cases in every state, from four SARIF logs.
    let analyst = principal(&store, "analyst").await;
    let all = cases::list(&app, &analyst, page()).await.expect("cases");
    let states = tally(all.items.iter().map(|c| c.state.clone()));
    for (state, at_least) in [
        ("new", 1),
        ("triaged", 1),
        ("validating", 1),
        ("validated", 2),
        ("rejected", 1),
    ] {
        assert!(
            states.get(state).copied().unwrap_or(0) >= at_least,
            "{state}: {states:?}"
        );
    }
    // Advisories: one published, one under embargo.
    let published = bulwark_app::publications::list(&app, &analyst, &ListQuery::default())
        .await
        .expect("publications");
    let stages: Vec<Stage> = published.iter().map(|p| p.stage).collect();
    assert_eq!(
        stages.iter().filter(|s| **s == Stage::Published).count(),
        1,
        "{stages:?}"
    );
    assert_eq!(
        stages.iter().filter(|s| **s == Stage::Embargoed).count(),
        1,
        "{stages:?}"
    );

    // Submissions in every state the developer sees.
    let lab = principal(&store, "lab").await;
    let subs = bulwark_app::reviews::list(&app, &lab)
        .await
        .expect("reviews");
    let states = tally(subs.iter().map(|s| s.state.clone()));
    for state in [
        "draft",
        "submitted",
        "in_review",
        "findings_issued",
        "concluded",
    ] {
        assert_eq!(states.get(state), Some(&1), "{state}: {states:?}");
    }
    let answered = subs
        .iter()
        .flat_map(|s| &s.findings)
        .filter(|f| !f.responses.is_empty())
        .count();
    assert!(answered >= 2, "findings with responses: {answered}");

    // Grants: expired, active, pending and proposed.
    let grants = partners::readable_grants(&app, &lab).await.expect("grants");
    let statuses = tally(
        grants
            .into_iter()
            .map(|g| partners::grant_out(g, app.now()).status),
    );
    for status in ["expired", "active", "pending", "proposed"] {
        assert_eq!(statuses.get(status), Some(&1), "{status}: {statuses:?}");
    }

    // The registry determined: covered, notify and not covered.
    let registry = frontier::registry(&app, &lab, page())
        .await
        .expect("registry");
    let outcomes = tally(
        registry
            .models
            .items
            .iter()
            .flat_map(|m| m.latest.iter().flatten().map(|d| d.outcome.clone())),
    );
    for outcome in ["covered", "notify", "not_covered"] {
        assert!(outcomes.contains_key(outcome), "{outcome}: {outcomes:?}");
    }

    // Obligations: overdue ones and open ones not yet due, for Interior.
    let interior = principal(&store, "interior").await;
    let list = |overdue: bool| obligations::ListQuery {
        overdue,
        ..Default::default()
    };
    let overdue = obligations::list(&app, &interior, &list(true), page())
        .await
        .expect("overdue");
    assert!(!overdue.items.is_empty(), "nothing overdue");
    assert!(overdue.items.iter().all(|o| o.overdue));
    let open = obligations::list(&app, &interior, &list(false), page())
        .await
        .expect("obligations");
    let not_due = open
        .items
        .iter()
        .filter(|o| o.state == "open" && !o.overdue)
        .count();
    assert!(not_due > 0, "no open obligation not yet due");

    // Notices: the partner runs the version the published advisory names.
    let grid = principal(&store, "grid").await;
    let notices = bulwark_app::notices::list(&app, &grid, page())
        .await
        .expect("notices");
    assert!(!notices.items.is_empty(), "the partner was not told");
    // Epoch AI's models are public: the partner reads the registry too.
    let seen = frontier::registry(&app, &grid, page())
        .await
        .expect("registry");
    assert_eq!(seen.models.items.len(), registry.models.items.len());

    // The vendor was asked to confirm a case and has not: it waits for it.
    let vendor = principal(&store, "vendor").await;
    let waits = cases::awaiting(&app, &vendor).await.expect("awaiting");
    assert!(
        waits
            .iter()
            .any(|a| a.tasks.iter().any(|(t, _)| t == "vendor_confirmation")),
        "nothing awaits the vendor"
    );

    // A second seeding is refused, and changes nothing.
    let again = demo::seed(&app).await.unwrap_err();
    assert!(matches!(again, DemoError::NotEmpty), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_every_state_on_sqlite() {
    seeded_world(bulwark_store::testing::sqlite().await.expect("store")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs postgres"]
async fn the_demo_has_every_state_on_postgres() {
    seeded_world(
        bulwark_store::testing::postgres()
            .await
            .expect("PostgreSQL test store"),
    )
    .await;
}
