//! SBOMs as stored: an upload is one transaction with one audit entry, the
//! document is kept once per content (in pieces, as intake keeps its
//! documents), components come back in document order, an organization's
//! list holds only its own SBOMs, and "which components are package X" is
//! answered across SBOMs, by name or by an rpm's source name. Bad uploads
//! write nothing. On both back-ends.
//!
//! This crate depends on neither `bulwark-sbom` nor `bulwark-matching`; the
//! components are built by hand, as the server builds them.

use bulwark_core::{OrgKind, Tlp};
use bulwark_store::{
    Actor, DOCUMENT_CHUNK, NewSbom, NewSbomComponent, NewSbomPurl, PageRequest, Store, StoreError,
    document_address,
};
use time::{OffsetDateTime, macros::datetime};
use uuid::Uuid;

use crate::common;

const T0: OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

bulwark_store::both_backends!(
    an_upload_is_kept_with_its_components_and_audited,
    components_of_a_package_are_found_across_sboms,
    further_purls_of_a_component_are_kept_and_found,
    bad_uploads_write_nothing,
    large_documents_and_many_components,
);

async fn org(store: &Store, name: &str) -> Uuid {
    common::org_of(store, name, OrgKind::Researcher, T0).await
}

fn matchable(purl: &str, eco: &str, package: &str, version: Option<&str>) -> NewSbomComponent {
    NewSbomComponent {
        name: package.into(),
        purl: Some(purl.into()),
        ecosystem: Some(eco.into()),
        package: Some(package.into()),
        version: version.map(Into::into),
        ..Default::default()
    }
}

fn unmatchable(name: &str, reason: &str) -> NewSbomComponent {
    NewSbomComponent {
        name: name.into(),
        unmatchable: Some(reason.into()),
        ..Default::default()
    }
}

fn sbom(org: Uuid, name: &str, doc: &[u8], components: Vec<NewSbomComponent>) -> NewSbom {
    NewSbom {
        org_id: org,
        name: name.into(),
        format: "cyclonedx-json".into(),
        spec_version: "1.5".into(),
        media_type: "application/vnd.cyclonedx+json".into(),
        document: doc.to_vec(),
        tlp: Tlp::Amber,
        components,
    }
}

async fn audit_len(store: &Store) -> i64 {
    let v = store.audit_verify().await.expect("verify");
    assert!(v.ok());
    v.entries
}

async fn an_upload_is_kept_with_its_components_and_audited(store: Store) {
    let a = org(&store, "Acme").await;
    let b = org(&store, "Other").await;
    let before = audit_len(&store).await;
    let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.5"}"#;
    let new = sbom(
        a,
        "  app.cdx.json ",
        doc,
        vec![
            matchable("pkg:npm/lodash@4.17.20", "npm", "lodash", Some("4.17.20")),
            unmatchable("libfoo", "no package URL"),
            matchable("pkg:pypi/Django", "PyPI", "django", None),
        ],
    );
    let actor = Actor {
        user: None,
        org: Some(a),
        request_id: Some("req-1".into()),
    };
    let s = store.create_sbom(&actor, &new, T0).await.expect("create");
    assert_eq!(s.name, "app.cdx.json", "name trimmed");
    assert_eq!(s.org_id, a);
    assert_eq!(s.tlp, Tlp::Amber);
    assert_eq!((s.components, s.unmatchable), (3, 1));
    assert_eq!(s.document, document_address(doc));
    assert_eq!(s.created_at, T0);
    assert_eq!(store.sbom(s.id).await.expect("read"), s);
    assert_eq!(audit_len(&store).await, before + 1, "one audit entry");

    let comps = store.sbom_components(s.id).await.expect("components");
    let seqs: Vec<u64> = comps.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, [0, 1, 2]);
    assert_eq!(comps[0].purl.as_deref(), Some("pkg:npm/lodash@4.17.20"));
    assert_eq!(comps[1].unmatchable.as_deref(), Some("no package URL"));
    assert_eq!(comps[1].ecosystem, None);
    assert_eq!(comps[2].version, None);

    // The document, as sent, among the raw documents.
    let (media, bytes) = store.raw_document(&s.document).await.expect("document");
    assert_eq!(media, "application/vnd.cyclonedx+json");
    assert_eq!(bytes, doc);

    // The same document again: a second SBOM, the document kept once.
    let again = store.create_sbom(&actor, &new, T0).await.expect("again");
    assert_ne!(again.id, s.id);
    assert_eq!(again.document, s.document);
    assert_eq!(
        store
            .raw_document_info(&s.document)
            .await
            .expect("info")
            .pieces,
        1
    );

    // Lists are per organization.
    let mine = store
        .org_sboms(a, PageRequest::default())
        .await
        .expect("list");
    assert_eq!(
        mine.items.iter().map(|s| s.id).collect::<Vec<_>>(),
        [s.id, again.id]
    );
    assert!(
        store
            .org_sboms(b, PageRequest::default())
            .await
            .expect("list")
            .items
            .is_empty()
    );
    let first = store
        .org_sboms(
            a,
            PageRequest {
                after: None,
                limit: 1,
            },
        )
        .await
        .expect("page");
    assert_eq!(first.items.len(), 1);
    assert_eq!(first.next, Some(s.id));

    assert!(matches!(
        store.sbom(Uuid::now_v7()).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .sbom_components(Uuid::now_v7())
            .await
            .expect("none")
            .is_empty()
    );
}

async fn components_of_a_package_are_found_across_sboms(store: Store) {
    let a = org(&store, "Acme").await;
    let b = org(&store, "Other").await;
    let actor = Actor::cli();
    let one = store
        .create_sbom(
            &actor,
            &sbom(
                a,
                "one",
                b"1",
                vec![
                    matchable("pkg:npm/lodash@4.17.20", "npm", "lodash", Some("4.17.20")),
                    matchable("pkg:npm/left-pad@1.0.0", "npm", "left-pad", Some("1.0.0")),
                ],
            ),
            T0,
        )
        .await
        .expect("one");
    let mut rpm = matchable(
        "pkg:rpm/redhat/openssl-libs@3.0.7-1.el9",
        "Red Hat",
        "openssl-libs",
        Some("3.0.7-1.el9"),
    );
    rpm.source_package = Some("openssl".into());
    let two = store
        .create_sbom(
            &actor,
            &sbom(
                b,
                "two",
                b"2",
                vec![
                    rpm,
                    matchable("pkg:npm/lodash@4.17.21", "npm", "lodash", Some("4.17.21")),
                ],
            ),
            T0,
        )
        .await
        .expect("two");

    let lodash = store
        .package_components("npm", "lodash", 100)
        .await
        .expect("lodash");
    let found: Vec<(Uuid, Option<&str>)> = lodash
        .iter()
        .map(|(s, c)| (s.id, c.version.as_deref()))
        .collect();
    assert_eq!(
        found,
        [(one.id, Some("4.17.20")), (two.id, Some("4.17.21"))],
        "by SBOM, each with its own version"
    );
    assert_eq!(lodash[1].0.org_id, b, "with the SBOM's owner");
    assert_eq!(
        store
            .package_components("npm", "lodash", 1)
            .await
            .expect("limit")
            .len(),
        1
    );

    // An rpm by its source package too.
    let openssl = store
        .package_components("Red Hat", "openssl", 100)
        .await
        .expect("openssl");
    assert_eq!(openssl.len(), 1);
    assert_eq!(openssl[0].1.package.as_deref(), Some("openssl-libs"));
    assert!(
        store
            .package_components("PyPI", "lodash", 100)
            .await
            .expect("other ecosystem")
            .is_empty()
    );
}

/// An SPDX package may list several purls, naming different packages: each
/// further one is kept with its component and found by its package.
async fn further_purls_of_a_component_are_kept_and_found(store: Store) {
    let a = org(&store, "Acme").await;
    let further = |purl: &str, package: &str| NewSbomPurl {
        purl: purl.into(),
        ecosystem: "npm".into(),
        package: package.into(),
        source_package: None,
    };
    let mut wrong_first = matchable(
        "pkg:npm/lodash-es@4.17.20",
        "npm",
        "lodash-es",
        Some("4.17.20"),
    );
    wrong_first.other_purls = vec![
        further("pkg:npm/lodash@4.17.20", "lodash"),
        further("pkg:npm/lodash@4.17.20?repository_url=x", "lodash"),
    ];
    let s = store
        .create_sbom(
            &Actor::cli(),
            &sbom(
                a,
                "several",
                b"several",
                vec![
                    unmatchable("libfoo", "no package URL"),
                    wrong_first,
                    matchable("pkg:npm/left-pad@1.0.0", "npm", "left-pad", Some("1.0.0")),
                ],
            ),
            T0,
        )
        .await
        .expect("create");
    assert_eq!(
        (s.components, s.unmatchable),
        (3, 1),
        "components, not purls"
    );

    let comps = store.sbom_components(s.id).await.expect("components");
    let others: Vec<Vec<&str>> = comps
        .iter()
        .map(|c| c.other_purls.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        others,
        [
            vec![],
            vec![
                "pkg:npm/lodash@4.17.20",
                "pkg:npm/lodash@4.17.20?repository_url=x"
            ],
            vec![]
        ]
    );

    // Found as lodash under its further purls (a row each), as lodash-es
    // under its first.
    let lodash = store
        .package_components("npm", "lodash", 100)
        .await
        .expect("lodash");
    let found: Vec<(u64, Option<&str>, Option<&str>)> = lodash
        .iter()
        .map(|(_, c)| (c.seq, c.purl.as_deref(), c.name.as_str().into()))
        .collect();
    assert_eq!(
        found,
        [
            (1, Some("pkg:npm/lodash@4.17.20"), Some("lodash-es")),
            (
                1,
                Some("pkg:npm/lodash@4.17.20?repository_url=x"),
                Some("lodash-es")
            ),
        ]
    );
    let es = store
        .package_components("npm", "lodash-es", 100)
        .await
        .expect("lodash-es");
    assert_eq!(es.len(), 1);
    assert_eq!(es[0].1.purl.as_deref(), Some("pkg:npm/lodash-es@4.17.20"));

    // A further purl without its package is refused, and nothing written.
    let mut bad = matchable("pkg:npm/a@1", "npm", "a", Some("1"));
    bad.other_purls = vec![further("pkg:npm/b@1", "")];
    let before = audit_len(&store).await;
    assert!(matches!(
        store
            .create_sbom(&Actor::cli(), &sbom(a, "bad", b"bad", vec![bad]), T0)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(audit_len(&store).await, before);
}

async fn bad_uploads_write_nothing(store: Store) {
    let a = org(&store, "Acme").await;
    let before = audit_len(&store).await;
    let ok = || matchable("pkg:npm/a@1", "npm", "a", Some("1"));
    let cases = [
        sbom(a, " ", b"x", vec![ok()]),
        sbom(a, "empty", b"", vec![ok()]),
        sbom(a, "bad\u{7}name", b"x", vec![ok()]),
        sbom(
            a,
            "no reason",
            b"x",
            vec![NewSbomComponent {
                name: "x".into(),
                ..Default::default()
            }],
        ),
        sbom(
            a,
            "half",
            b"x",
            vec![NewSbomComponent {
                name: "x".into(),
                ecosystem: Some("npm".into()),
                ..Default::default()
            }],
        ),
    ];
    for new in cases {
        let e = store.create_sbom(&Actor::cli(), &new, T0).await;
        assert!(
            matches!(e, Err(StoreError::Invalid(_))),
            "{:?}: {e:?}",
            new.name
        );
    }
    // An organization that does not exist: refused by the database.
    let e = store
        .create_sbom(
            &Actor::cli(),
            &sbom(Uuid::now_v7(), "ghost", b"x", vec![ok()]),
            T0,
        )
        .await;
    assert!(e.is_err());
    assert_eq!(audit_len(&store).await, before, "no audit entry");
    assert!(
        store
            .org_sboms(a, PageRequest::default())
            .await
            .expect("list")
            .items
            .is_empty()
    );
    assert!(
        store
            .package_components("npm", "a", 10)
            .await
            .expect("none")
            .is_empty()
    );
    assert!(matches!(
        store.raw_document(&document_address(b"x")).await,
        Err(StoreError::NotFound)
    ));
}

async fn large_documents_and_many_components(store: Store) {
    let a = org(&store, "Acme").await;
    // More than two pieces, and components over several statements.
    let doc: Vec<u8> = (0..DOCUMENT_CHUNK * 2 + 17)
        .map(|i| u8::try_from(i % 251).expect("byte"))
        .collect();
    let components: Vec<NewSbomComponent> = (0..1_234)
        .map(|i| {
            matchable(
                &format!("pkg:npm/p{i}@1.0.{i}"),
                "npm",
                &format!("p{}", i % 10),
                Some(&format!("1.0.{i}")),
            )
        })
        .collect();
    let s = store
        .create_sbom(&Actor::cli(), &sbom(a, "big", &doc, components), T0)
        .await
        .expect("create");
    assert_eq!(s.components, 1_234);
    let info = store.raw_document_info(&s.document).await.expect("info");
    assert_eq!((info.size, info.pieces), (doc.len() as u64, 3));
    assert_eq!(store.raw_document(&s.document).await.expect("doc").1, doc);
    let comps = store.sbom_components(s.id).await.expect("components");
    assert_eq!(comps.len(), 1_234);
    assert!(comps.iter().enumerate().all(|(i, c)| c.seq == i as u64));
    assert_eq!(comps[1_233].version.as_deref(), Some("1.0.1233"));
    let p3 = store
        .package_components("npm", "p3", 10_000)
        .await
        .expect("p3");
    assert_eq!(p3.len(), 124);
    assert!(p3.iter().all(|(_, c)| c.seq % 10 == 3));
}
