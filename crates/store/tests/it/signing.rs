//! Signing keys sealed at rest and the signatures kept for published
//! documents (migration 0030), on both back-ends.

use bulwark_store::{Actor, NewSigningKey, SecretKeyText, Store, StoreError};
use time::{OffsetDateTime, macros::datetime};
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-12-06 12:00 UTC);
const KEY: [u8; 32] = [0x42; 32];
const FP: &str = "0123456789ABCDEF0123456789ABCDEF01234567";

bulwark_store::both_backends!(
    a_key_is_sealed_and_one_is_active_per_purpose,
    signatures_are_kept_once_per_bytes_and_key,
);

fn new_key(fp: &str) -> NewSigningKey {
    NewSigningKey {
        purpose: "csaf".into(),
        fingerprint: fp.into(),
        public_key: "-----BEGIN PGP PUBLIC KEY BLOCK-----".into(),
        secret: SecretKeyText::new("-----BEGIN PGP PRIVATE KEY BLOCK----- secret"),
    }
}

async fn a_key_is_sealed_and_one_is_active_per_purpose(store: Store) {
    assert!(
        store
            .active_signing_key("csaf", &KEY)
            .await
            .expect("read")
            .is_none()
    );
    let kept = store
        .create_signing_key(&Actor::cli(), &new_key(FP), &KEY, T0)
        .await
        .expect("create");
    assert_eq!(kept.fingerprint, FP);
    let active = store
        .active_signing_key("csaf", &KEY)
        .await
        .expect("read")
        .expect("active");
    assert_eq!(active.key, kept);
    assert_eq!(
        active.secret.expose(),
        "-----BEGIN PGP PRIVATE KEY BLOCK----- secret"
    );
    assert!(!format!("{active:?}").contains("secret\""), "Debug redacts");
    assert!(!format!("{:?}", active.secret).contains("PRIVATE"));
    // Another master key cannot open it, and says so.
    assert!(matches!(
        store.active_signing_key("csaf", &[7u8; 32]).await,
        Err(StoreError::Corrupt(_))
    ));
    // A second active key for the purpose is refused.
    let other = "FEDCBA9876543210FEDCBA9876543210FEDCBA98";
    assert!(matches!(
        store
            .create_signing_key(&Actor::cli(), &new_key(other), &KEY, T0)
            .await,
        Err(StoreError::Conflict(_))
    ));
    // Malformed fingerprints are refused before anything is written.
    assert!(matches!(
        store
            .create_signing_key(&Actor::cli(), &new_key("abc"), &KEY, T0)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.signing_keys("csaf").await.expect("list"), vec![kept]);
    assert!(store.signing_keys("other").await.expect("list").is_empty());
    let audit = store.audit_latest(100).await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|e| e.action == "signing_key.create" && !e.detail.contains("PRIVATE"))
    );
}

async fn signatures_are_kept_once_per_bytes_and_key(store: Store) {
    store
        .create_signing_key(&Actor::cli(), &new_key(FP), &KEY, T0)
        .await
        .expect("create");
    let sha = "a".repeat(64);
    let advisory = Uuid::now_v7();
    assert_eq!(
        store.document_signature(&sha, FP).await.expect("read"),
        None
    );
    let first = store
        .put_document_signature(&Actor::cli(), advisory, &sha, FP, "sig-1", T0)
        .await
        .expect("put");
    assert_eq!(first, "sig-1");
    // The same bytes signed again meanwhile: the first signature stays.
    let second = store
        .put_document_signature(&Actor::cli(), advisory, &sha, FP, "sig-2", T0)
        .await
        .expect("put");
    assert_eq!(second, "sig-1");
    assert_eq!(
        store
            .document_signature(&sha, FP)
            .await
            .expect("read")
            .as_deref(),
        Some("sig-1")
    );
    let signs = store
        .audit_latest(100)
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == "advisory.sign")
        .count();
    assert_eq!(signs, 1, "one audit entry for the one signature kept");
    // A key the store does not hold cannot sign; bad hashes are refused.
    assert!(
        store
            .put_document_signature(
                &Actor::cli(),
                advisory,
                &"b".repeat(64),
                "FEDCBA9876543210FEDCBA9876543210FEDCBA98",
                "x",
                T0
            )
            .await
            .is_err()
    );
    assert!(matches!(
        store
            .put_document_signature(&Actor::cli(), advisory, "XYZ", FP, "x", T0)
            .await,
        Err(StoreError::Invalid(_))
    ));
}
