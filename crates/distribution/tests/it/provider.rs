//! Reading other providers: the parsers (lenient and strict), a sync over
//! a provider held in memory (built from the committed Stackable fixtures),
//! and the requirement check over the same provider.

use std::collections::BTreeMap;
use std::path::Path;

use bulwark_distribution::openpgp::{PublicKeys, SigningKey};
use bulwark_distribution::provider::check::{self, Outcome};
use bulwark_distribution::provider::read::{self, Mode, Role};
use bulwark_distribution::provider::sync::{self, MemoryFetch, Options, Status};
use sha2::{Digest, Sha256};

fn fixture(path: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

const FP: &str = "218E03479FE800223105FEA631905DED3EFD610A";
const BASE: &str = "https://advisories.stackable.tech/csaf/v2/";
const PMD: &str = "https://advisories.stackable.tech/csaf/v2/provider-metadata.json";
const DOC: &str = "https://advisories.stackable.tech/csaf/v2/advisories/2026/cve-2026-42203.json";

// ------------------------------------------------------------------ read

#[test]
fn oasis_examples_read_strictly() {
    let (pmd, w) = read::provider_metadata(
        &fixture("oasis/example-01-provider-metadata.json"),
        Mode::Strict,
    )
    .unwrap();
    assert!(w.is_empty());
    assert_eq!(pmd.role, Role::TrustedProvider);
    assert_eq!(
        pmd.fingerprints(),
        vec!["8F5F267907B2C4559DB360DB2294BA7D2B2298B1".to_string()]
    );
    let rolie = pmd.distributions[0].rolie.as_ref().unwrap();
    assert_eq!(rolie.feeds[0].tlp_label, "WHITE");

    let (feed, w) = read::rolie_feed(
        &fixture("oasis/example-01-feed-tlp-white.json"),
        Mode::Strict,
    )
    .unwrap();
    assert!(w.is_empty(), "{w:?}");
    assert!(feed.csaf_category);
    assert_eq!(feed.entries.len(), 1);
    let e = &feed.entries[0];
    assert_eq!(
        e.url,
        "https://psirt.domain.tld/advisories/csaf/2020/2020-ESA-001.json"
    );
    assert_eq!(e.hash_urls, vec![format!("{}.sha512", e.url)]);
    assert_eq!(
        e.signature_url.as_deref(),
        Some(format!("{}.asc", e.url).as_str())
    );
}

#[test]
fn stackable_metadata_reads_strictly() {
    let (pmd, w) =
        read::provider_metadata(&fixture("stackable/provider-metadata.json"), Mode::Strict)
            .unwrap();
    assert!(w.is_empty());
    assert_eq!(pmd.fingerprints(), vec![FP.to_string()]);
    assert_eq!(
        pmd.distributions[0].directory_url.as_deref(),
        Some("https://advisories.stackable.tech/csaf/v2/advisories/")
    );
}

#[test]
fn lenient_metadata_repairs_and_strict_refuses() {
    let bent = br#"{
      "canonical_url": "https://x.example/.well-known/csaf/provider-metadata.json",
      "distributions": [{"directory_url": "https://x.example/csaf/"}],
      "metadata_version": "2.0",
      "public_openpgp_keys": [{"url": "https://x.example/key.asc", "fingerprint": "19c0 1cb7157e4645e9e2c863062a85a8cbfbdcda"}],
      "publisher": {"category": "vendor", "name": "X", "namespace": "https://x.example"}
    }"#;
    let (pmd, w) = read::provider_metadata(bent, Mode::Lenient).unwrap();
    assert_eq!(pmd.role, Role::Provider);
    assert_eq!(
        pmd.public_openpgp_keys[0].fingerprint.as_deref(),
        Some("19C01CB7157E4645E9E2C863062A85A8CBFBDCDA")
    );
    let paths: Vec<&str> = w.iter().map(|w| w.path.as_str()).collect();
    assert!(paths.contains(&"role"), "{paths:?}");
    assert!(paths.contains(&"last_updated"));
    assert!(paths.contains(&"public_openpgp_keys[0].fingerprint"));
    let e = read::provider_metadata(bent, Mode::Strict).unwrap_err();
    assert_eq!(e.path, "role");

    // Unrecoverable either way, with the path.
    let e = read::provider_metadata(br#"{"canonical_url": 3}"#, Mode::Lenient).unwrap_err();
    assert_eq!(e.path, "canonical_url");
    let e = read::provider_metadata(
        br#"{"canonical_url": "https://x/provider-metadata.json", "role": "csaf_trusted_provider",
            "public_openpgp_keys": [{"fingerprint": "AB"}]}"#,
        Mode::Lenient,
    )
    .unwrap_err();
    assert_eq!(e.path, "public_openpgp_keys[0].url");
    let e = read::provider_metadata(b"{\n  \"a\": ", Mode::Lenient).unwrap_err();
    assert!(e.path.starts_with("line 2"), "{e}");
}

#[test]
fn feed_entry_without_content_uses_its_self_link() {
    let feed = br#"{"feed": {"id": "f", "title": "t", "updated": "2024-01-01T00:00:00Z",
      "link": [{"rel": "self", "href": "https://x.example/feed.json"}],
      "category": [{"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}],
      "entry": [
        {"id": "a", "updated": "2024-01-01T00:00:00Z", "published": "2024-01-01T00:00:00Z",
         "link": [{"rel": "self", "href": "https://x.example/2024/a.json"}]},
        {"id": "b", "updated": "2024-01-01T00:00:00Z", "published": "2024-01-01T00:00:00Z"}
      ]}}"#;
    let (f, w) = read::rolie_feed(feed, Mode::Lenient).unwrap();
    assert_eq!(f.entries.len(), 1);
    assert_eq!(f.entries[0].url, "https://x.example/2024/a.json");
    assert_eq!(
        w.iter().map(|w| w.path.as_str()).collect::<Vec<_>>(),
        vec!["feed.entry[0].content.src", "feed.entry[1]"]
    );
    assert_eq!(
        read::rolie_feed(feed, Mode::Strict).unwrap_err().path,
        "feed.entry[0].content.src"
    );
}

#[test]
fn changes_csv_forms() {
    let (c, w) = read::changes_csv(
        b"\"2024/b.json\",\"2024-02-01T00:00:00Z\"\n\"2024/a.json\",\"2024-01-01T00:00:00.000Z\"\n",
        Mode::Strict,
    )
    .unwrap();
    assert!(w.is_empty());
    assert_eq!(
        c.iter().map(|c| c.path.as_str()).collect::<Vec<_>>(),
        vec!["2024/b.json", "2024/a.json"]
    );

    // Juice Shop's form: no quotes.
    let unquoted = b"2017/a.json,2024-03-03T11:00:00.000Z\n2021/b.json,2024-03-25T19:36:00.000Z\n";
    let (c, w) = read::changes_csv(unquoted, Mode::Lenient).unwrap();
    assert_eq!(c.len(), 2);
    assert_eq!(w[0].path, "line 1");
    // ...and not newest first.
    assert!(
        w.iter()
            .any(|w| w.path == "line 2" && w.message.contains("newest first"))
    );
    assert!(read::changes_csv(unquoted, Mode::Strict).is_err());

    let e = read::changes_csv(b"\"a.json\",\"yesterday\"\n", Mode::Lenient).unwrap_err();
    assert_eq!(e.path, "line 1");
    let e = read::changes_csv(
        b"\"ok.json\",\"2024-01-01T00:00:00Z\"\n\"../x.json\",\"2024-01-01T00:00:00Z\"\n",
        Mode::Lenient,
    )
    .unwrap_err();
    assert_eq!(e.path, "line 2");
    let e = read::changes_csv(b"\"a.json\"\n", Mode::Lenient).unwrap_err();
    assert_eq!(e.path, "line 1");
}

#[test]
fn index_txt_forms() {
    let (p, w) = read::index_txt(b"2024/a.json\n2024/b.json\n", Mode::Strict).unwrap();
    assert!(w.is_empty());
    assert_eq!(p, vec!["2024/a.json", "2024/b.json"]);
    let (p, w) = read::index_txt(b"2024/a.json\r\n\r\n/2024/b.json\n", Mode::Lenient).unwrap();
    assert_eq!(p, vec!["2024/a.json", "2024/b.json"]);
    assert_eq!(w.len(), 4, "{w:?}");
    assert_eq!(
        read::index_txt(b"https://x/a.json\n", Mode::Lenient)
            .unwrap_err()
            .path,
        "line 1"
    );
}

// ------------------------------------------------------------------ sync

/// The Stackable site in memory: metadata, key, one document in its
/// directory with every companion file.
fn stackable_site() -> MemoryFetch {
    let mut files = BTreeMap::new();
    files.insert(PMD.to_string(), fixture("stackable/provider-metadata.json"));
    files.insert(
        "https://advisories.stackable.tech/.well-known/csaf/provider-metadata.json".to_string(),
        fixture("stackable/provider-metadata.json"),
    );
    files.insert(
        format!("{BASE}openpgp/4005788070EAA8A5.txt"),
        fixture("stackable/4005788070EAA8A5.txt"),
    );
    files.insert(
        format!("{BASE}advisories/changes.csv"),
        b"\"2026/cve-2026-42203.json\",\"2026-07-13T09:49:21Z\"\n".to_vec(),
    );
    files.insert(
        format!("{BASE}advisories/index.txt"),
        b"2026/cve-2026-42203.json\n".to_vec(),
    );
    files.insert(
        format!("{BASE}advisories/"),
        b"<a href=\"2026/\">2026/</a>".to_vec(),
    );
    files.insert(
        format!("{BASE}advisories/2026/"),
        b"<a href=\"cve-2026-42203.json\">cve-2026-42203.json</a>".to_vec(),
    );
    for ext in ["", ".asc", ".sha256", ".sha512"] {
        files.insert(
            format!("{DOC}{ext}"),
            fixture(&format!("stackable/cve-2026-42203.json{ext}")),
        );
    }
    MemoryFetch {
        files,
        asked: Vec::new(),
    }
}

#[test]
fn sync_verifies_then_says_unchanged() {
    let mut site = stackable_site();
    let report = sync::sync(&mut site, PMD, &Options::default()).unwrap();
    assert_eq!(report.keys, vec![FP.to_string()]);
    assert_eq!(report.documents.len(), 1);
    let d = &report.documents[0];
    assert_eq!(d.path, "2026/cve-2026-42203.json");
    let Status::Verified {
        bytes,
        sha256,
        signer,
    } = &d.status
    else {
        panic!("{:?}", d.status);
    };
    assert_eq!(bytes, &fixture("stackable/cve-2026-42203.json"));
    assert_eq!(*sha256, hex::encode(Sha256::digest(bytes)));
    assert_eq!(signer, FP);
    assert!(
        d.notes.iter().any(|n| n == "SHA-512 matches"),
        "{:?}",
        d.notes
    );

    // Second run with the state: unchanged, and the document is not fetched.
    let previous = BTreeMap::from([(DOC.to_string(), sha256.clone())]);
    let mut site = stackable_site();
    let again = sync::sync(
        &mut site,
        PMD,
        &Options {
            previous,
            ..Options::default()
        },
    )
    .unwrap();
    assert!(matches!(
        again.documents[0].status,
        Status::Unchanged { .. }
    ));
    assert!(!site.asked.contains(&DOC.to_string()), "{:?}", site.asked);
}

fn refusal(site: &mut MemoryFetch, options: &Options) -> String {
    let report = sync::sync(site, PMD, options).unwrap();
    match &report.documents[0].status {
        Status::Refused { reason } => reason.clone(),
        other => panic!("not refused: {other:?}"),
    }
}

#[test]
fn a_changed_byte_is_refused() {
    let mut site = stackable_site();
    let doc = site.files.get_mut(DOC).unwrap();
    let i = doc.len() / 2;
    doc[i] ^= 1;
    let reason = refusal(&mut site, &Options::default());
    assert!(reason.contains("does not match"), "{reason}");

    // Hash files recomputed by whoever changed it: the signature refuses it.
    let mut site = stackable_site();
    let doc = site.files.get_mut(DOC).unwrap();
    doc[i] ^= 1;
    let doc = doc.clone();
    site.files.insert(
        format!("{DOC}.sha256"),
        hex::encode(Sha256::digest(&doc)).into_bytes(),
    );
    site.files.insert(
        format!("{DOC}.sha512"),
        hex::encode(<sha2::Sha512 as Digest>::digest(&doc)).into_bytes(),
    );
    let reason = refusal(&mut site, &Options::default());
    assert!(reason.contains("does not match the data"), "{reason}");
}

#[test]
fn another_keys_signature_is_refused() {
    let mut site = stackable_site();
    let other = SigningKey::generate("Mallory <m@example.com>").unwrap();
    let doc = site.files[DOC].clone();
    site.files.insert(
        format!("{DOC}.asc"),
        other.sign_detached(&doc).unwrap().into_bytes(),
    );
    let reason = refusal(&mut site, &Options::default());
    assert!(reason.contains("not made by any of the keys"), "{reason}");
}

#[test]
fn no_key_is_refused_unless_the_caller_brings_one() {
    let mut site = stackable_site();
    site.files
        .remove(&format!("{BASE}openpgp/4005788070EAA8A5.txt"));
    let reason = refusal(&mut site, &Options::default());
    assert!(
        reason.starts_with("no public key of the provider"),
        "{reason}"
    );

    let keys = PublicKeys::from_armored(
        &String::from_utf8(fixture("stackable/4005788070EAA8A5.txt")).unwrap(),
    )
    .unwrap();
    let options = Options {
        keys: Some(keys),
        ..Options::default()
    };
    let report = sync::sync(&mut site, PMD, &options).unwrap();
    assert!(matches!(
        report.documents[0].status,
        Status::Verified { .. }
    ));
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("public_openpgp_keys[0]"))
    );
}

#[test]
fn a_key_with_the_wrong_fingerprint_is_not_used() {
    let mut site = stackable_site();
    site.files.insert(
        format!("{BASE}openpgp/4005788070EAA8A5.txt"),
        fixture("stackable/A2A781A51BC3B8C6.txt"),
    );
    let report = sync::sync(&mut site, PMD, &Options::default()).unwrap();
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("not the stated fingerprint")),
        "{:?}",
        report.warnings
    );
    assert!(matches!(report.documents[0].status, Status::Refused { .. }));
}

#[test]
fn index_txt_when_changes_csv_is_missing() {
    let mut site = stackable_site();
    site.files.remove(&format!("{BASE}advisories/changes.csv"));
    let report = sync::sync(&mut site, PMD, &Options::default()).unwrap();
    assert!(matches!(
        report.documents[0].status,
        Status::Verified { .. }
    ));
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("index.txt is read instead"))
    );
}

#[test]
fn an_unusable_start_is_an_error() {
    let mut site = stackable_site();
    assert!(matches!(
        sync::sync(
            &mut site,
            "https://nowhere.example/provider-metadata.json",
            &Options::default()
        ),
        Err(sync::SyncError::Fetch { .. })
    ));
    site.files
        .insert("https://x.example/a.json".into(), b"{\"a\": 1}".to_vec());
    assert!(matches!(
        sync::sync(&mut site, "https://x.example/a.json", &Options::default()),
        Err(sync::SyncError::Unknown { .. })
    ));
}

// ------------------------------------------------------------------ check

#[test]
fn check_the_stackable_site() {
    let mut site = stackable_site();
    site.files.insert(
        "https://advisories.stackable.tech/.well-known/security.txt".into(),
        format!("Contact: mailto:x@example.com\nCSAF: {PMD}\n").into_bytes(),
    );
    let report = check::check(&mut site, PMD, &check::Options::default()).unwrap();
    let outcome = |n: u8| report.requirement(n).outcome;
    assert_eq!(report.role, Some("csaf_trusted_provider"));
    for n in [1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14, 18, 19, 20] {
        assert_eq!(
            outcome(n),
            Outcome::Pass,
            "{n}: {:?}",
            report.requirement(n).messages
        );
    }
    assert_eq!(outcome(5), Outcome::NotApplicable);
    assert_eq!(outcome(10), Outcome::Fail); // no csaf.data.security.… host
    for n in 15..=17 {
        assert_eq!(outcome(n), Outcome::NotApplicable);
    }
    // The canonical URL differs from where it was read: a warning, not a failure.
    assert!(report.role_satisfied);
}

#[test]
fn check_names_what_fails() {
    let mut site = stackable_site();
    let doc = site.files.get_mut(DOC).unwrap();
    doc[100] ^= 1;
    site.files.remove(&format!("{BASE}advisories/index.txt"));
    let report = check::check(&mut site, PMD, &check::Options::default()).unwrap();
    assert_eq!(report.requirement(12).outcome, Outcome::Fail);
    assert_eq!(report.requirement(18).outcome, Outcome::Fail);
    assert_eq!(report.requirement(19).outcome, Outcome::Fail);
    assert!(!report.role_satisfied);
    let msgs: Vec<&str> = report
        .requirement(19)
        .messages
        .iter()
        .map(|m| m.text.as_str())
        .collect();
    assert!(
        msgs.iter().any(|m| m.contains("does not match the data")),
        "{msgs:?}"
    );
}

/// Answers 401 for every URL under `prefix`, as a restricted distribution
/// does to a caller without credentials.
struct Guarded {
    site: MemoryFetch,
    prefix: String,
}

impl bulwark_distribution::provider::Fetch for Guarded {
    fn get(&mut self, url: &str) -> Result<bulwark_distribution::provider::Fetched, String> {
        if url.starts_with(&self.prefix) {
            return Ok(bulwark_distribution::provider::Fetched {
                status: 401,
                final_url: url.to_owned(),
                tls: true,
                ..Default::default()
            });
        }
        self.site.get(url)
    }
}

/// The Stackable site with a second distribution (directory and ROLIE feed
/// of `label`) under `restricted/`, which answers 401.
fn with_restricted_distribution(label: &str) -> Guarded {
    let mut site = stackable_site();
    let mut pmd: serde_json::Value = serde_json::from_slice(&site.files[PMD]).unwrap();
    pmd["distributions"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "directory_url": format!("{BASE}restricted/"),
            "rolie": {
                "feeds": [{"tlp_label": label, "url": format!("{BASE}restricted/feed.json")}],
                "categories": [format!("{BASE}restricted/category.json")],
            }
        }));
    site.files
        .insert(PMD.into(), serde_json::to_vec(&pmd).unwrap());
    Guarded {
        site,
        prefix: format!("{BASE}restricted/"),
    }
}

#[test]
fn an_access_protected_amber_distribution_meets_requirement_5() {
    let mut site = with_restricted_distribution("AMBER");
    let report = check::check(&mut site, PMD, &check::Options::default()).unwrap();
    let five = report.requirement(5);
    assert_eq!(five.outcome, Outcome::Pass, "{:?}", five.messages);
    assert!(
        five.messages
            .iter()
            .any(|m| m.text.contains("TLP:AMBER") && m.text.contains("restricted/feed.json")),
        "{:?}",
        five.messages
    );
    for n in [4, 12, 13, 15, 17] {
        assert_ne!(
            report.requirement(n).outcome,
            Outcome::Fail,
            "{n}: {:?}",
            report.requirement(n).messages
        );
    }
    // The restricted directory was not read past its refused index.txt.
    assert!(
        !site
            .site
            .asked
            .iter()
            .any(|u| u.ends_with("restricted/changes.csv"))
    );
}

#[test]
fn a_white_distribution_behind_authentication_breaks_requirement_4() {
    let mut site = with_restricted_distribution("WHITE");
    let report = check::check(&mut site, PMD, &check::Options::default()).unwrap();
    let four = report.requirement(4);
    assert_eq!(four.outcome, Outcome::Fail, "{:?}", four.messages);
    assert!(
        four.messages
            .iter()
            .any(|m| m.text.contains("restricted/feed.json"))
    );
    assert_eq!(report.requirement(5).outcome, Outcome::NotApplicable);
    assert!(!report.role_satisfied);
}

#[test]
fn cisa_it_feed_ref_for_rel_is_repaired() {
    let feed = br#"{"feed": {"id": "f", "title": "t", "updated": "2024-01-01T00:00:00Z",
      "link": [{"rel": "self", "href": "https://x.example/feed.json"}],
      "category": [{"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}],
      "entry": [{"id": "a", "updated": "2024-01-01T00:00:00Z", "published": "2024-01-01T00:00:00Z",
         "content": {"src": "https://x.example/2024/a.json"},
         "link": [{"rel": "self", "href": "https://x.example/2024/a.json"},
                  {"ref": "hash", "href": "https://x.example/2024/a.json.sha512"},
                  {"ref": "signature", "href": "https://x.example/2024/a.json.asc"}]}]}}"#;
    let (f, w) = read::rolie_feed(feed, Mode::Lenient).unwrap();
    assert_eq!(
        f.entries[0].hash_urls,
        vec!["https://x.example/2024/a.json.sha512".to_string()]
    );
    assert_eq!(w[0].path, "feed.entry[0].link[1].ref");
    assert!(read::rolie_feed(feed, Mode::Strict).is_err());
}
