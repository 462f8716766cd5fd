//! OpenPGP: our signatures verify here and in GnuPG; a real provider's
//! signature verifies; a changed byte or another key's signature does not.

use std::path::{Path, PathBuf};
use std::process::Command;

use bulwark_distribution::openpgp::{OpenPgpError, PublicKeys, SigningKey, verify_detached};

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/stackable")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn fixture_text(name: &str) -> String {
    String::from_utf8(fixture(name)).unwrap()
}

const STACKABLE_FP: &str = "218E03479FE800223105FEA631905DED3EFD610A";
const STACKABLE_OLD_FP: &str = "A4BE1EC463AA541E15FF54AB88EDA0F297A4367A";

#[test]
fn own_signature_round_trips() {
    let key = SigningKey::generate("Bulwark test <psirt@example.com>").unwrap();
    let data = br#"{"document":{"csaf_version":"2.0"}}"#;
    let sig = key.sign_detached(data).unwrap();
    assert!(sig.starts_with("-----BEGIN PGP SIGNATURE-----"));
    let public = PublicKeys::from_armored(&key.public_key_armored().unwrap()).unwrap();
    assert_eq!(public.fingerprints(), vec![key.fingerprint()]);
    assert_eq!(
        verify_detached(&public, data, sig.as_bytes()).unwrap(),
        key.fingerprint()
    );
    // One byte more, and it fails.
    let mut changed = data.to_vec();
    changed.push(b'\n');
    assert!(matches!(
        verify_detached(&public, &changed, sig.as_bytes()),
        Err(OpenPgpError::BadSignature { .. })
    ));
}

#[test]
fn secret_key_survives_armouring() {
    let key = SigningKey::generate("Bulwark test <psirt@example.com>").unwrap();
    let again = SigningKey::from_armored(&key.to_armored().unwrap()).unwrap();
    assert_eq!(again.fingerprint(), key.fingerprint());
    // A signature by the re-read key verifies with the original public key.
    let public = PublicKeys::from_armored(&key.public_key_armored().unwrap()).unwrap();
    let sig = again.sign_detached(b"x").unwrap();
    assert_eq!(
        verify_detached(&public, b"x", sig.as_bytes()).unwrap(),
        key.fingerprint()
    );
    assert!(matches!(
        SigningKey::from_armored("not a key"),
        Err(OpenPgpError::SecretKey(_))
    ));
}

#[test]
fn another_key_is_an_unknown_signer() {
    let ours = SigningKey::generate("A <a@example.com>").unwrap();
    let theirs = SigningKey::generate("B <b@example.com>").unwrap();
    let sig = theirs.sign_detached(b"data").unwrap();
    let public = PublicKeys::from_armored(&ours.public_key_armored().unwrap()).unwrap();
    assert!(matches!(
        verify_detached(&public, b"data", sig.as_bytes()),
        Err(OpenPgpError::UnknownSigner(_))
    ));
}

#[test]
fn stackable_signature_verifies() {
    let keys = PublicKeys::from_armored(&fixture_text("4005788070EAA8A5.txt")).unwrap();
    assert_eq!(keys.fingerprints(), vec![STACKABLE_FP.to_string()]);
    let doc = fixture("cve-2026-42203.json");
    let asc = fixture("cve-2026-42203.json.asc");
    assert_eq!(verify_detached(&keys, &doc, &asc).unwrap(), STACKABLE_FP);
}

#[test]
fn stackable_signature_fails_on_a_changed_byte() {
    let keys = PublicKeys::from_armored(&fixture_text("4005788070EAA8A5.txt")).unwrap();
    let mut doc = fixture("cve-2026-42203.json");
    let i = doc.len() / 2;
    doc[i] ^= 0x01;
    let err = verify_detached(&keys, &doc, &fixture("cve-2026-42203.json.asc")).unwrap_err();
    assert!(
        matches!(err, OpenPgpError::BadSignature { ref signer, .. } if signer == STACKABLE_FP),
        "{err:?}"
    );
}

#[test]
fn stackable_signature_fails_with_the_other_key() {
    let old = PublicKeys::from_armored(&fixture_text("A2A781A51BC3B8C6.txt")).unwrap();
    assert_eq!(old.fingerprints(), vec![STACKABLE_OLD_FP.to_string()]);
    let err = verify_detached(
        &old,
        &fixture("cve-2026-42203.json"),
        &fixture("cve-2026-42203.json.asc"),
    )
    .unwrap_err();
    assert!(matches!(err, OpenPgpError::UnknownSigner(_)), "{err:?}");
}

#[test]
fn several_keys_in_one_text() {
    let both = format!(
        "{}\n{}",
        fixture_text("A2A781A51BC3B8C6.txt"),
        fixture_text("4005788070EAA8A5.txt")
    );
    let keys = PublicKeys::from_armored(&both).unwrap();
    assert_eq!(
        keys.fingerprints(),
        vec![STACKABLE_OLD_FP.to_string(), STACKABLE_FP.to_string()]
    );
    assert_eq!(
        verify_detached(
            &keys,
            &fixture("cve-2026-42203.json"),
            &fixture("cve-2026-42203.json.asc")
        )
        .unwrap(),
        STACKABLE_FP
    );
    let only = keys.only(&[STACKABLE_OLD_FP.to_lowercase()]).unwrap();
    assert_eq!(only.fingerprints(), vec![STACKABLE_OLD_FP.to_string()]);
    assert!(keys.only(&["00".into()]).is_none());
}

#[test]
fn garbage_is_refused() {
    assert!(matches!(
        PublicKeys::from_armored("hello"),
        Err(OpenPgpError::NoPublicKey)
    ));
    let keys = PublicKeys::from_armored(&fixture_text("4005788070EAA8A5.txt")).unwrap();
    assert!(matches!(
        verify_detached(
            &keys,
            b"x",
            b"-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n"
        ),
        Err(OpenPgpError::Signature(_))
    ));
    assert!(matches!(
        verify_detached(&keys, b"x", b""),
        Err(OpenPgpError::Signature(_))
    ));
}

/// A fresh directory under the system's temporary directory.
fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("bulwark-openpgp-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// GnuPG 2.2 must accept what we publish: import our public key into an
/// empty keyring, `gpg --verify` the detached signature.
#[test]
#[ignore = "needs gpg"]
fn gnupg_verifies_our_signature() {
    let home = temp_dir("gpg");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let key = SigningKey::generate("Bulwark test <psirt@example.com>").unwrap();
    let data = fixture("cve-2026-42203.json");
    std::fs::write(home.join("key.asc"), key.public_key_armored().unwrap()).unwrap();
    std::fs::write(home.join("doc.json"), &data).unwrap();
    std::fs::write(home.join("doc.json.asc"), key.sign_detached(&data).unwrap()).unwrap();
    let gpg = |args: &[&str]| {
        Command::new("gpg")
            .arg("--homedir")
            .arg(&home)
            .args(["--batch", "--status-fd", "1"])
            .args(args)
            .current_dir(&home)
            .output()
            .expect("run gpg")
    };
    let import = gpg(&["--import", "key.asc"]);
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let verify = gpg(&["--verify", "doc.json.asc", "doc.json"]);
    let status = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success(),
        "{status}\n{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(
        status.contains(&format!("VALIDSIG {}", key.fingerprint())),
        "{status}"
    );
    // And GnuPG refuses it on changed data, as we do.
    let mut changed = data.clone();
    changed[10] ^= 1;
    std::fs::write(home.join("doc.json"), &changed).unwrap();
    let bad = gpg(&["--verify", "doc.json.asc", "doc.json"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stdout).contains("BADSIG"));
    let _ = std::fs::remove_dir_all(&home);
}

fn shared_stackable() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/advisories/csaf/stackabletech-advisories/csaf/v2")
}

/// Every document of the Stackable tree verifies with the key its
/// provider-metadata.json names, and none with the older key.
#[test]
#[ignore = "needs ../shared/data"]
fn every_stackable_document_verifies() {
    let root = shared_stackable();
    assert!(
        root.is_dir(),
        "{} missing: this test needs ../shared/data",
        root.display()
    );
    let current = PublicKeys::from_armored(
        &std::fs::read_to_string(root.join("openpgp/4005788070EAA8A5.txt")).unwrap(),
    )
    .unwrap();
    let old = PublicKeys::from_armored(
        &std::fs::read_to_string(root.join("openpgp/A2A781A51BC3B8C6.txt")).unwrap(),
    )
    .unwrap();
    let mut n = 0;
    for year in std::fs::read_dir(root.join("advisories"))
        .unwrap()
        .flatten()
    {
        if !year.path().is_dir() {
            continue;
        }
        for f in std::fs::read_dir(year.path()).unwrap().flatten() {
            let p = f.path();
            if p.extension().is_none_or(|x| x != "json") {
                continue;
            }
            let doc = std::fs::read(&p).unwrap();
            let asc = std::fs::read(p.with_extension("json.asc")).unwrap();
            assert_eq!(
                verify_detached(&current, &doc, &asc)
                    .unwrap_or_else(|e| panic!("{}: {e}", p.display())),
                STACKABLE_FP,
                "{}",
                p.display()
            );
            assert!(
                verify_detached(&old, &doc, &asc).is_err(),
                "{}",
                p.display()
            );
            n += 1;
        }
    }
    assert!(n >= 10, "only {n} documents");
}
