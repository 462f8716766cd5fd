use super::*;
use time::macros::datetime;

fn site() -> Site {
    Site {
        base_url: "https://bulwark.example.gov".into(),
        publisher: Publisher {
            category: "coordinator".into(),
            name: "Bulwark Clearinghouse".into(),
            namespace: "https://bulwark.example.gov".into(),
            contact_details: Some("psirt@bulwark.example.gov".into()),
            issuing_authority: None,
        },
        key_fingerprints: vec!["0123456789ABCDEF0123456789ABCDEF01234567".into()],
        labels: vec![Label::White, Label::Green, Label::Amber],
        list_on_aggregators: true,
        mirror_on_aggregators: true,
    }
}

fn entry(id: &str, tlp: Tlp, initial: OffsetDateTime, current: OffsetDateTime) -> Entry {
    Entry {
        tracking_id: id.into(),
        title: format!("Advisory {id}"),
        tlp,
        initial_release_date: initial,
        current_release_date: current,
        categories: vec!["Example Vendor".into()],
    }
}

fn entries() -> Vec<Entry> {
    vec![
        entry(
            "BWK-2025-0007",
            Tlp::Clear,
            datetime!(2025-12-30 10:00 UTC),
            datetime!(2026-02-01 9:00 UTC),
        ),
        entry(
            "BWK-2026-0001",
            Tlp::Clear,
            datetime!(2026-01-05 10:00 UTC),
            datetime!(2026-01-05 10:00 UTC),
        ),
        entry(
            "BWK-2026-0002",
            Tlp::Amber,
            datetime!(2026-01-06 10:00 UTC),
            datetime!(2026-03-01 10:00 UTC),
        ),
        entry(
            "BWK-2026-0003",
            Tlp::Red,
            datetime!(2026-01-07 10:00 UTC),
            datetime!(2026-01-07 10:00 UTC),
        ),
    ]
}

#[test]
fn file_names_follow_csaf_5_1() {
    assert_eq!(filename("BWK-2026-0001"), "bwk-2026-0001.json");
    assert_eq!(
        filename("Example Company/ESA 2022:01"),
        "example_company_esa_2022_01.json"
    );
    assert_eq!(filename("a+b..c"), "a+b_c.json");
    assert_eq!(filename("ÄÖ-1"), "_-1.json");
}

#[test]
fn paths_use_the_year_of_the_initial_release() {
    let e = &entries()[0];
    assert_eq!(e.path(), "clear/2025/bwk-2025-0007.json");
    assert_eq!(entries()[2].path(), "amber/2026/bwk-2026-0002.json");
}

#[test]
fn provider_metadata_names_role_key_and_feeds() {
    let files = ProviderFiles::build(&site(), &entries(), datetime!(2020-01-01 0:00 UTC));
    let Some(Found::File {
        bytes,
        content_type,
    }) = files.lookup("provider-metadata.json")
    else {
        panic!("no provider-metadata.json");
    };
    assert_eq!(content_type, "application/json");
    let v: serde_json::Value = serde_json::from_slice(bytes).expect("json");
    assert_eq!(v["role"], "csaf_trusted_provider");
    assert_eq!(v["metadata_version"], "2.0");
    assert_eq!(
        v["canonical_url"],
        "https://bulwark.example.gov/.well-known/csaf/provider-metadata.json"
    );
    assert_eq!(
        v["public_openpgp_keys"][0]["url"],
        "https://bulwark.example.gov/.well-known/csaf/openpgp/0123456789ABCDEF0123456789ABCDEF01234567.asc"
    );
    // The newest current release of what is distributed (RED is not).
    assert_eq!(v["last_updated"], "2026-03-01T10:00:00Z");
    let labels: Vec<&str> = v["distributions"]
        .as_array()
        .expect("array")
        .iter()
        .map(|d| d["rolie"]["feeds"][0]["tlp_label"].as_str().expect("label"))
        .collect();
    assert_eq!(labels, ["WHITE", "GREEN", "AMBER"]);
    assert_eq!(
        v["distributions"][0]["rolie"]["feeds"][0]["url"],
        "https://bulwark.example.gov/.well-known/csaf/clear/feed-tlp-white.json"
    );
    assert_eq!(
        v["distributions"][0]["directory_url"],
        "https://bulwark.example.gov/.well-known/csaf/clear"
    );
    // Every URL the metadata names is one the plan serves.
    for d in v["distributions"].as_array().expect("array") {
        for url in [
            d["rolie"]["feeds"][0]["url"].as_str(),
            d["rolie"]["services"][0].as_str(),
            d["rolie"]["categories"][0].as_str(),
        ] {
            let rel = url
                .and_then(|u| u.strip_prefix("https://bulwark.example.gov/.well-known/csaf/"))
                .expect("under the tree");
            assert!(files.lookup(rel).is_some(), "{rel} is not served");
        }
    }
}

#[test]
fn provider_metadata_fits_the_provider_schema_s_required_fields() {
    // The schema's required members and enums (provider_json_schema.json,
    // CSAF 2.0), checked by hand: the crate has no JSON Schema validator.
    let v = provider_metadata(&site(), datetime!(2026-01-01 0:00 UTC));
    for key in [
        "canonical_url",
        "last_updated",
        "list_on_CSAF_aggregators",
        "metadata_version",
        "mirror_on_CSAF_aggregators",
        "publisher",
        "role",
    ] {
        assert!(v.get(key).is_some(), "{key} missing");
    }
    assert!(
        v["canonical_url"]
            .as_str()
            .expect("s")
            .ends_with("/provider-metadata.json")
    );
    for k in v["public_openpgp_keys"].as_array().expect("keys") {
        let fp = k["fingerprint"].as_str().expect("fp");
        assert!(fp.len() >= 40 && fp.chars().all(|c| c.is_ascii_hexdigit()));
    }
}

#[test]
fn changes_csv_is_newest_first_and_index_lists_every_document() {
    let site = site();
    let files = ProviderFiles::build(&site, &entries(), datetime!(2020-01-01 0:00 UTC));
    let text = |path: &str| match files.lookup(path) {
        Some(Found::File { bytes, .. }) => String::from_utf8(bytes.to_vec()).expect("utf8"),
        other => panic!("{path}: {other:?}"),
    };
    assert_eq!(
        text("clear/changes.csv"),
        "\"2025/bwk-2025-0007.json\",\"2026-02-01T09:00:00Z\"\n\
         \"2026/bwk-2026-0001.json\",\"2026-01-05T10:00:00Z\"\n"
    );
    assert_eq!(
        text("clear/index.txt"),
        "2025/bwk-2025-0007.json\n2026/bwk-2026-0001.json\n"
    );
    assert_eq!(text("amber/index.txt"), "2026/bwk-2026-0002.json\n");
    assert_eq!(text("green/index.txt"), "");
    // Not distributed: RED has no directory at all.
    assert!(files.lookup("red/index.txt").is_none());
    assert!(files.lookup("red/2026/bwk-2026-0003.json").is_none());
}

#[test]
fn documents_and_their_companions_resolve_to_the_entry() {
    let files = ProviderFiles::build(&site(), &entries(), datetime!(2020-01-01 0:00 UTC));
    assert_eq!(
        files.lookup("clear/2026/bwk-2026-0001.json"),
        Some(Found::Document {
            index: 1,
            kind: DocKind::Json
        })
    );
    assert_eq!(
        files.lookup("clear/2026/bwk-2026-0001.json.sha512"),
        Some(Found::Document {
            index: 1,
            kind: DocKind::Sha512
        })
    );
    assert_eq!(
        files.lookup("clear/2026/bwk-2026-0001.json.asc"),
        Some(Found::Document {
            index: 1,
            kind: DocKind::Signature
        })
    );
    // The wrong year or directory is not the document.
    assert_eq!(files.lookup("clear/2025/bwk-2026-0001.json"), None);
    assert_eq!(files.lookup("amber/2026/bwk-2026-0001.json"), None);
    assert_eq!(
        files.lookup("openpgp/0123456789ABCDEF0123456789ABCDEF01234567.asc"),
        Some(Found::PublicKey {
            fingerprint: "0123456789ABCDEF0123456789ABCDEF01234567"
        })
    );
    assert_eq!(files.lookup("openpgp/FFFF.asc"), None);
    assert_eq!(
        ProviderFiles::label_of("amber/2026/x.json"),
        Some(Label::Amber)
    );
    assert_eq!(ProviderFiles::label_of("provider-metadata.json"), None);
    assert_eq!(files.document_count(), 3);
}

#[test]
fn rolie_feed_entries_link_document_hashes_and_signature() {
    let site = site();
    let all = entries();
    let clear: Vec<&Entry> = all.iter().filter(|e| e.tlp == Tlp::Clear).collect();
    let bytes = rolie_feed(&site, Label::White, &clear, datetime!(2026-02-01 9:00 UTC));
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    let feed = &v["feed"];
    assert_eq!(feed["link"][0]["rel"], "self");
    assert_eq!(
        feed["link"][0]["href"],
        "https://bulwark.example.gov/.well-known/csaf/clear/feed-tlp-white.json"
    );
    assert_eq!(feed["category"][0]["term"], "csaf");
    assert_eq!(feed["updated"], "2026-02-01T09:00:00Z");
    let first = &feed["entry"][0];
    assert_eq!(first["id"], "BWK-2025-0007", "newest current release first");
    let src = "https://bulwark.example.gov/.well-known/csaf/clear/2025/bwk-2025-0007.json";
    assert_eq!(
        first["content"],
        json!({"type": "application/json", "src": src})
    );
    let rels: Vec<(&str, &str)> = first["link"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| {
            (
                l["rel"].as_str().expect("rel"),
                l["href"].as_str().expect("href"),
            )
        })
        .collect();
    assert_eq!(
        rels,
        [
            ("self", src),
            ("hash", &*format!("{src}.sha256")),
            ("hash", &*format!("{src}.sha512")),
            ("signature", &*format!("{src}.asc")),
        ]
    );
    assert_eq!(first["format"]["version"], "2.0");
    assert_eq!(first["published"], "2025-12-30T10:00:00Z");
    assert_eq!(first["updated"], "2026-02-01T09:00:00Z");
    // A restricted feed carries its TLP category.
    let amber = rolie_feed(&site, Label::Amber, &[], datetime!(2026-01-01 0:00 UTC));
    let v: serde_json::Value = serde_json::from_slice(&amber).expect("json");
    assert_eq!(v["feed"]["category"][1]["term"], "AMBER");
    assert_eq!(v["feed"]["entry"], json!([]));
}

#[test]
fn service_and_category_documents() {
    let s = service_document(&site());
    let ws = s["service"]["workspace"].as_array().expect("workspaces");
    assert_eq!(ws.len(), 2);
    assert_eq!(ws[0]["collection"].as_array().expect("c").len(), 1);
    assert_eq!(ws[1]["collection"].as_array().expect("c").len(), 2);
    let c = category_document(entries().iter());
    assert_eq!(
        c,
        json!({"categories": {"category": [{"term": "Example Vendor"}]}})
    );
}

#[test]
fn hash_files_are_as_sha256sum_writes_them() {
    // `printf 'abc' | sha256sum`
    assert_eq!(
        hash_file(HashKind::Sha256, b"abc", "x.json"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  x.json\n"
    );
    let line = hash_file(HashKind::Sha512, b"abc", "x.json");
    assert!(line.starts_with("ddaf35a193617aba"));
    assert_eq!(line.len(), 128 + 2 + "x.json".len() + 1);
}

#[test]
fn security_txt_names_the_provider_metadata() {
    assert_eq!(
        security_txt_field(&site()),
        "CSAF: https://bulwark.example.gov/.well-known/csaf/provider-metadata.json"
    );
}

#[test]
fn folders_list_their_documents_and_companions() {
    let entries = entries();
    let files = ProviderFiles::build(&site(), &entries, datetime!(2024-01-01 0:00 UTC));
    let text = |path: &str| match files.lookup(path) {
        Some(Found::File {
            bytes,
            content_type,
        }) => {
            assert!(
                content_type.starts_with("text/html"),
                "{path}: {content_type}"
            );
            String::from_utf8(bytes.to_vec()).unwrap()
        }
        other => panic!("{path}: {other:?}"),
    };
    let public: Vec<&Entry> = entries.iter().filter(|e| e.tlp == Tlp::Clear).collect();
    assert!(!public.is_empty());
    let top = text("clear/");
    for e in &public {
        let (year, name) = e
            .dir_path()
            .split_once('/')
            .map(|(y, n)| (y.to_owned(), n.to_owned()))
            .unwrap();
        assert!(top.contains(&format!("href=\"{year}/\"")), "{top}");
        let folder = text(&format!("clear/{year}/"));
        for suffix in ["", ".asc", ".sha256", ".sha512"] {
            assert!(
                folder.contains(&format!("href=\"{name}{suffix}\"")),
                "{folder}"
            );
        }
    }
    assert!(top.contains("href=\"index.txt\"") && top.contains("href=\"changes.csv\""));
    // A restricted document is not named in the public folder.
    let amber = entries.iter().find(|e| e.tlp == Tlp::Amber).unwrap();
    assert!(!top.contains(&amber.file_name()));
    assert!(!text("clear/2026/").contains(&amber.file_name()));
    assert!(text("amber/2026/").contains(&amber.file_name()));
    assert!(text("").contains("href=\"provider-metadata.json\""));
    // Names are escaped.
    let html = directory_listing("/x/", &["a<b>&\"c".to_owned()]);
    assert!(
        html.contains("a&lt;b&gt;&amp;&quot;c") && !html.contains("a<b>"),
        "{html}"
    );
}
