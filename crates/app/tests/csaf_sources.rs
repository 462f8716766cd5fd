//! Subscribed CSAF providers through the use cases, on both back-ends: a
//! source over the committed Stackable fixture tree (served from memory
//! through `make_fetch`) synced by the scheduler's pass — its document
//! imported, unchanged the next time without being fetched again, refused
//! when tampered with (and recorded), taken again when restored; a
//! disabled source and one not yet due are skipped, a failing one records
//! its error without stopping the others, two servers run each source
//! once; what the policy refuses and what the checks refuse.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bulwark_app::csaf_sources::{self, CsafSourceIn, CsafSourcePatch, MakeFetch};
use bulwark_app::{App, Config, ErrorKind};
use bulwark_authz::Authorizer;
use bulwark_core::{FixedClock, OrgKind, Role};
use bulwark_distribution::openpgp::SigningKey;
use bulwark_distribution::provider::{Fetch, Fetched};
use bulwark_store::Store;
use sha2::{Digest, Sha256, Sha512};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2026-12-07 06:00 UTC);

const PMD: &str = "https://advisories.stackable.tech/.well-known/csaf/provider-metadata.json";
const KEY_URL: &str = "https://advisories.stackable.tech/csaf/v2/openpgp/4005788070EAA8A5.txt";
const DIR: &str = "https://advisories.stackable.tech/csaf/v2/advisories/";
const DOC: &str = "https://advisories.stackable.tech/csaf/v2/advisories/2026/cve-2026-42203.json";
const DOWN: &str = "https://down.example/.well-known/csaf/provider-metadata.json";

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../distribution/tests/fixtures/stackable/",
            $name
        ))
        .to_vec()
    };
}

/// A provider's site in memory, shared with the test, which changes it
/// between runs and reads which URLs were asked for.
#[derive(Clone, Default)]
struct Site {
    files: Arc<Mutex<BTreeMap<String, Vec<u8>>>>,
    asked: Arc<Mutex<Vec<String>>>,
}

impl Site {
    fn put(&self, url: &str, body: Vec<u8>) {
        self.files.lock().unwrap().insert(url.to_owned(), body);
    }

    /// The URLs asked for since the last call.
    fn take_asked(&self) -> Vec<String> {
        std::mem::take(&mut *self.asked.lock().unwrap())
    }
}

impl Fetch for Site {
    fn get(&mut self, url: &str) -> Result<Fetched, String> {
        self.asked.lock().unwrap().push(url.to_owned());
        let body = self.files.lock().unwrap().get(url).cloned();
        Ok(Fetched {
            status: if body.is_some() { 200 } else { 404 },
            body: body.unwrap_or_default(),
            final_url: url.to_owned(),
            tls: url.starts_with("https://"),
            ..Default::default()
        })
    }
}

fn stackable(site: &Site) {
    site.put(PMD, fixture!("provider-metadata.json"));
    site.put(KEY_URL, fixture!("4005788070EAA8A5.txt"));
    site.put(
        &format!("{DIR}changes.csv"),
        b"\"2026/cve-2026-42203.json\",\"2026-07-13T09:49:21Z\"\n".to_vec(),
    );
    site.put(DOC, fixture!("cve-2026-42203.json"));
    site.put(&format!("{DOC}.asc"), fixture!("cve-2026-42203.json.asc"));
    site.put(
        &format!("{DOC}.sha256"),
        fixture!("cve-2026-42203.json.sha256"),
    );
    site.put(
        &format!("{DOC}.sha512"),
        fixture!("cve-2026-42203.json.sha512"),
    );
}

async fn scenario(store: Store) {
    let clock = Arc::new(FixedClock::new(T0));
    let app = App::new(
        store.clone(),
        Authorizer::new().expect("policy"),
        clock.clone(),
        Config::default(),
    );
    let op_org = common::org(&store, "Clearinghouse", OrgKind::Operator, T0).await;
    let op = common::member(&store, op_org, "op", Role::Analyst, T0).await;
    let op_viewer = common::member(&store, op_org, "watcher", Role::Viewer, T0).await;
    let vendor_org = common::org(&store, "Vendor", OrgKind::Vendor, T0).await;
    let vendor = common::member(&store, vendor_org, "ven", Role::Admin, T0).await;

    let site = Site::default();
    stackable(&site);
    let make_fetch: Box<MakeFetch> = {
        let site = site.clone();
        Box::new(move |_url: &str| Ok(Box::new(site.clone()) as Box<dyn Fetch + Send>))
    };
    let add = |url: &str| CsafSourceIn {
        url: url.into(),
        interval: None,
        keys: None,
    };

    // Only the operator's writers manage sources.
    for who in [&vendor, &op_viewer] {
        let e = csaf_sources::add(&app, who, add(PMD)).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden, "{e}");
        assert_eq!(e.extensions["action"], "csaf_source.manage");
        let e = csaf_sources::list(&app, &who.principal).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden);
    }

    // The checks, each naming its field.
    for (body, field) in [
        (add("http://advisories.stackable.tech/x.json"), "url"),
        (add("not a url"), "url"),
        (
            CsafSourceIn {
                interval: Some(600),
                ..add(PMD)
            },
            "interval",
        ),
        (
            CsafSourceIn {
                keys: Some("-----BEGIN PGP PUBLIC KEY BLOCK-----\nnope".into()),
                ..add(PMD)
            },
            "keys",
        ),
    ] {
        let e = csaf_sources::add(&app, &op, body).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Validation, "{e}");
        assert_eq!(e.extensions["field"], field, "{e}");
    }

    // A failing provider first, then Stackable, then one disabled (with a
    // key pinned: its fingerprint shown).
    let down = csaf_sources::add(&app, &op, add(DOWN)).await.expect("add");
    let s1 = csaf_sources::add(&app, &op, add(PMD)).await.expect("add");
    assert_eq!(s1.interval, 6 * 3600);
    assert_eq!(s1.next_run_at, "2026-12-07T06:00:00Z");
    let e = csaf_sources::add(&app, &op, add(PMD)).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    let key_text = String::from_utf8(fixture!("4005788070EAA8A5.txt")).unwrap();
    let off = csaf_sources::add(
        &app,
        &op,
        CsafSourceIn {
            keys: Some(key_text),
            ..add("https://off.example/.well-known/csaf/provider-metadata.json")
        },
    )
    .await
    .expect("add");
    assert_eq!(
        off.key_fingerprints,
        vec!["218E03479FE800223105FEA631905DED3EFD610A".to_owned()]
    );
    csaf_sources::update(
        &app,
        &op,
        off.id,
        CsafSourcePatch {
            enabled: Some(false),
            interval: None,
        },
    )
    .await
    .expect("disable");

    // Two servers' passes at once: each due source runs once; the failing
    // one records its error and Stackable is still imported.
    let (a, b) = tokio::join!(
        csaf_sources::sync_due(&app, "server-a", make_fetch.as_ref()),
        csaf_sources::sync_due(&app, "server-b", make_fetch.as_ref())
    );
    let mut ran: Vec<_> = a.unwrap().into_iter().chain(b.unwrap()).collect();
    ran.sort_by_key(|s| s.id);
    assert_eq!(
        ran.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![down.id, s1.id],
        "each due source once, the disabled one never"
    );
    let down_after = &ran[0];
    assert!(
        down_after
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("HTTP 404")),
        "{:?}",
        down_after.last_error
    );
    let s1_after = &ran[1];
    assert_eq!(
        (
            s1_after.last_imported,
            s1_after.last_unchanged,
            s1_after.last_refused,
            s1_after.last_error.as_deref()
        ),
        (Some(1), Some(0), Some(0), None)
    );
    assert_eq!(s1_after.next_run_at, "2026-12-07T12:00:00Z");
    let asked = site.take_asked();
    assert_eq!(asked.iter().filter(|u| *u == DOC).count(), 1, "{asked:?}");
    assert!(!asked.iter().any(|u| u.contains("off.example")));
    let sha = hex::encode(Sha256::digest(fixture!("cve-2026-42203.json")));
    store
        .raw_document_info(&sha)
        .await
        .expect("the document is kept");
    let state = store.csaf_source_documents(s1.id).await.unwrap();
    assert_eq!(state.len(), 1);
    assert_eq!(
        (state[0].url.as_str(), state[0].sha256.as_deref()),
        (DOC, Some(sha.as_str()))
    );
    let runs = store
        .audit_latest(200)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "csaf_source.run")
        .collect::<Vec<_>>();
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|e| {
        e.request_id
            .as_deref()
            .is_some_and(|r| r.starts_with("scheduler:"))
    }));
    let off_now = csaf_sources::get(&app, &op.principal, off.id)
        .await
        .unwrap();
    assert_eq!(off_now.source.last_run_at, None, "disabled: skipped");

    // An hour later nothing is due: nothing is asked for.
    clock.set(T0 + Duration::hours(1));
    assert!(
        csaf_sources::sync_due(&app, "server-a", make_fetch.as_ref())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(site.take_asked().is_empty());

    // Six hours on: unchanged, and the document itself not fetched again
    // (its published SHA-256 is the one taken).
    clock.set(T0 + Duration::hours(6));
    let ran = csaf_sources::sync_due(&app, "server-a", make_fetch.as_ref())
        .await
        .unwrap();
    let s1_ran = ran.iter().find(|s| s.id == s1.id).expect("ran");
    assert_eq!(
        (
            s1_ran.last_imported,
            s1_ran.last_unchanged,
            s1_ran.last_refused
        ),
        (Some(0), Some(1), Some(0))
    );
    let asked = site.take_asked();
    assert!(asked.contains(&format!("{DOC}.sha256")), "{asked:?}");
    assert!(!asked.contains(&DOC.to_owned()), "{asked:?}");

    // Tampered: new bytes with matching hash files, but the signature is
    // not the provider's. Refused, recorded, the digest taken before kept.
    let mut tampered = fixture!("cve-2026-42203.json");
    let i = tampered.len() / 2;
    tampered[i] ^= 1;
    let mallory = SigningKey::generate("Mallory <m@example.com>").unwrap();
    site.put(DOC, tampered.clone());
    site.put(
        &format!("{DOC}.sha256"),
        format!(
            "{}  cve-2026-42203.json\n",
            hex::encode(Sha256::digest(&tampered))
        )
        .into_bytes(),
    );
    site.put(
        &format!("{DOC}.sha512"),
        format!(
            "{}  cve-2026-42203.json\n",
            hex::encode(Sha512::digest(&tampered))
        )
        .into_bytes(),
    );
    site.put(
        &format!("{DOC}.asc"),
        mallory.sign_detached(&tampered).unwrap().into_bytes(),
    );
    clock.set(T0 + Duration::hours(12));
    csaf_sources::sync_due(&app, "server-a", make_fetch.as_ref())
        .await
        .unwrap();
    let shown = csaf_sources::get(&app, &op.principal, s1.id).await.unwrap();
    assert_eq!(
        (
            shown.source.last_imported,
            shown.source.last_unchanged,
            shown.source.last_refused
        ),
        (Some(0), Some(0), Some(1))
    );
    assert_eq!(shown.documents, 1);
    assert_eq!(shown.refused.len(), 1);
    assert_eq!(shown.refused[0].url, DOC);
    assert!(
        shown.refused[0]
            .reason
            .contains("not made by any of the keys"),
        "{}",
        shown.refused[0].reason
    );
    let state = store.csaf_source_documents(s1.id).await.unwrap();
    assert_eq!(state[0].sha256.as_deref(), Some(sha.as_str()));
    let tampered_sha = hex::encode(Sha256::digest(&tampered));
    assert!(
        store.raw_document_info(&tampered_sha).await.is_err(),
        "not kept"
    );

    // Restored, and run by hand (as the analyst): unchanged, no refusal
    // left; the next run one interval after this one.
    site.take_asked();
    stackable(&site);
    clock.set(T0 + Duration::hours(13));
    let e = csaf_sources::run(&app, &vendor, s1.id, make_fetch.as_ref())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let by_hand = csaf_sources::run(&app, &op, s1.id, make_fetch.as_ref())
        .await
        .expect("run");
    assert_eq!(
        (
            by_hand.source.last_imported,
            by_hand.source.last_unchanged,
            by_hand.source.last_refused
        ),
        (Some(0), Some(1), Some(0))
    );
    assert!(by_hand.refused.is_empty());
    assert_eq!(by_hand.source.next_run_at, "2026-12-08T01:00:00Z");
    let last_run = store
        .audit_latest(10)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.action == "csaf_source.run")
        .unwrap();
    assert_eq!(last_run.actor_user, Some(op.principal.user_id));

    // Changed and removed: the list shows what is left.
    let changed = csaf_sources::update(
        &app,
        &op,
        s1.id,
        CsafSourcePatch {
            enabled: None,
            interval: Some(3600),
        },
    )
    .await
    .unwrap();
    assert_eq!(changed.next_run_at, "2026-12-07T20:00:00Z");
    let e = csaf_sources::update(&app, &op, s1.id, CsafSourcePatch::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation);
    csaf_sources::remove(&app, &op, down.id)
        .await
        .expect("remove");
    let e = csaf_sources::get(&app, &op.principal, down.id)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let e = csaf_sources::remove(&app, &vendor, s1.id)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let listed: Vec<_> = csaf_sources::list(&app, &op.principal)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(listed, vec![s1.id, off.id]);
    assert!(store.audit_verify().await.unwrap().first_break.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn csaf_sources_on_sqlite() {
    scenario(bulwark_store::testing::sqlite().await.expect("store")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set BULWARK_TEST_DATABASE_URL (.ci/run does)"]
async fn csaf_sources_on_postgres() {
    scenario(bulwark_store::testing::postgres().await.expect("store")).await;
}
