//! Products without a package URL: CPE 2.3 names (NISTIR 7695/7696), name
//! keys, CVE JSON 5 `affected` entries and their verdicts, on committed
//! excerpts of real records (`cve_fixtures/README.md`) and, ignored by
//! default, on the whole shared vulnrichment sample.
//!
//! Expected verdicts were read off the records by hand.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bulwark_matching::product::cpe::{CpeText, Wildcard, compare_values};
use bulwark_matching::product::order::{Dotted, Order};
use bulwark_matching::product::{
    AttrValue, Attribute, Cpe, CpeError, Mode, ProductQuery, Relation, Status, Verdict,
    affected_entries, entry_keys, kev_names, matches, name_key, query_keys, read_affected,
};
use serde_json::{Value, json};

fn record(name: &str) -> Value {
    let path = format!("{}/tests/cve_fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn text(s: &str) -> AttrValue {
    AttrValue::Text(CpeText {
        lead: Wildcard::None,
        body: s.into(),
        trail: Wildcard::None,
    })
}

fn cpe(s: &str) -> Cpe {
    Cpe::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn query(vendor: &str, product: &str, version: Option<&str>) -> ProductQuery {
    ProductQuery {
        vendor: vendor.into(),
        product: product.into(),
        version: version.map(Into::into),
        cpe: None,
    }
}

// --- CPE 2.3 formatted strings -------------------------------------------

#[test]
fn cpe_reads_a_formatted_string() {
    // From CVE-1999-0038's ADP entry.
    let c = cpe("cpe:2.3:a:ibm:xlock:*:*:*:*:*:*:*:*");
    assert_eq!(c.get(Attribute::Part), &text("a"));
    assert_eq!(c.vendor(), &text("ibm"));
    assert_eq!(c.product(), &text("xlock"));
    assert_eq!(c.version(), &AttrValue::Any);
    assert_eq!(c.get(Attribute::Other), &AttrValue::Any);
    // A target_hw as CVE-2021-1675's ADP entries write it, with NA put in for update.
    let c = cpe("cpe:2.3:o:microsoft:windows_10_21H1:10.0.19043.1052:-:*:*:*:*:x64:*");
    assert_eq!(c.product(), &text("windows_10_21h1"), "lowercased");
    assert_eq!(c.get(Attribute::Update), &AttrValue::Na);
    assert_eq!(c.get(Attribute::TargetHw), &text("x64"));
}

#[test]
fn cpe_unescapes_quoted_characters() {
    // From CVE-2024-20399's ADP entry (Cisco NX-OS).
    let c = cpe(r"cpe:2.3:o:cisco:nx-os:6.0\(2\)A6\(1\):*:*:*:*:*:*:*");
    assert_eq!(c.version(), &text("6.0(2)a6(1)"));
    assert_eq!(c.product(), &text("nx-os"));
    // An escaped colon does not split; escaped wildcards are characters.
    let c = cpe(r"cpe:2.3:a:vendor:a\:b:1\*:*:*:*:*:*:*:*");
    assert_eq!(c.product(), &text("a:b"));
    assert_eq!(c.version(), &text("1*"));
    // Binding again quotes what needs it, and reads back the same.
    let bound = c.to_string();
    assert_eq!(bound, r"cpe:2.3:a:vendor:a\:b:1\*:*:*:*:*:*:*:*");
    assert_eq!(cpe(&bound), c);
    // A literal hyphen alone is not NA.
    let c = cpe(r"cpe:2.3:a:vendor:product:\-:*:*:*:*:*:*:*");
    assert_eq!(c.version(), &text("-"));
    assert_eq!(cpe(&c.to_string()), c);
}

#[test]
fn cpe_keeps_wildcards_at_the_ends() {
    let c = cpe("cpe:2.3:a:vendor:product:1.*:*:*:*:*:*:*:*");
    assert_eq!(
        c.version(),
        &AttrValue::Text(CpeText {
            lead: Wildcard::None,
            body: "1.".into(),
            trail: Wildcard::Star
        })
    );
    let c = cpe("cpe:2.3:a:vendor:??oduct:*:*:*:*:*:*:*:*");
    assert_eq!(
        c.product(),
        &AttrValue::Text(CpeText {
            lead: Wildcard::Questions(2),
            body: "oduct".into(),
            trail: Wildcard::None
        })
    );
    assert_eq!(c.product().literal(), None);
}

#[test]
fn cpe_refuses_malformed_strings() {
    let cases: [(&str, CpeError); 5] = [
        // A CPE 2.2 URI, as CVE-2023-5633's ADP entry writes one.
        ("cpe:/a:redhat:enterprise_linux:9::appstream", CpeError::Uri),
        ("cpe:2.2:a:ibm:xlock:*:*:*:*:*:*:*:*", CpeError::Prefix),
        ("cpe:2.3:a:ibm:xlock", CpeError::Count(3)),
        ("cpe:2.3:a:ibm:xlock:*:*:*:*:*:*:*:*:*", CpeError::Count(12)),
        (
            "cpe:2.3:a::xlock:*:*:*:*:*:*:*:*",
            CpeError::Empty(Attribute::Vendor),
        ),
    ];
    for (s, want) in cases {
        assert_eq!(Cpe::parse(s), Err(want), "{s}");
    }
    assert!(
        matches!(Cpe::parse("cpe:2.3:x:ibm:xlock:*:*:*:*:*:*:*:*"), Err(CpeError::Part(p)) if p == "x")
    );
    for (s, attr) in [
        (
            "cpe:2.3:a:ibm:xlock:1.*.3:*:*:*:*:*:*:*",
            Attribute::Version,
        ),
        ("cpe:2.3:a:ibm:x?lock:*:*:*:*:*:*:*:*", Attribute::Product),
        ("cpe:2.3:a:ibm:x lock:*:*:*:*:*:*:*:*", Attribute::Product),
        ("cpe:2.3:a:ibm:xlock:*:*:*:*:*:*:*:a\\", Attribute::Other),
        ("cpe:2.3:a:ibm:xlock:**:*:*:*:*:*:*:*", Attribute::Version),
    ] {
        assert!(
            matches!(Cpe::parse(s), Err(CpeError::Value { attr: a, .. }) if a == attr),
            "{s}: {:?}",
            Cpe::parse(s)
        );
    }
}

// --- NISTIR 7696 ---------------------------------------------------------

fn value(s: &str) -> AttrValue {
    // Read one value through a whole name, as the binding defines it.
    cpe(&format!("cpe:2.3:a:v:{s}:*:*:*:*:*:*:*:*"))
        .product()
        .clone()
}

#[test]
fn attribute_relations_follow_nistir_7696() {
    use Relation::*;
    let cases = [
        ("*", "*", Equal),
        ("*", "-", Superset),
        ("*", "foo", Superset),
        ("-", "*", Subset),
        ("-", "-", Equal),
        ("-", "foo", Disjoint),
        ("foo", "*", Subset),
        ("foo", "-", Disjoint),
        ("foo", "foo", Equal),
        ("Foo", "fOO", Equal),
        ("foo", "bar", Disjoint),
        ("foo*", "foobar", Superset),
        ("*bar", "foobar", Superset),
        ("*oba*", "foobar", Superset),
        ("?oo", "foo", Superset),
        ("?oo", "ffoo", Disjoint),
        ("??oo", "foo", Superset),
        ("foo?", "foo", Superset),
        ("foo?", "fooba", Disjoint),
        ("foo", "foo*", Undefined),
        ("*", "fo?", Undefined),
    ];
    for (s, t, want) in cases {
        assert_eq!(compare_values(&value(s), &value(t)), want, "{s} vs {t}");
    }
}

#[test]
fn a_name_matches_when_no_attribute_is_disjoint() {
    let advisory = cpe("cpe:2.3:a:ibm:xlock:*:*:*:*:*:*:*:*");
    assert!(advisory.matches(&cpe("cpe:2.3:a:ibm:xlock:4.2:*:*:*:*:*:*:*")));
    assert!(!advisory.matches(&cpe("cpe:2.3:a:ibm:xterm:4.2:*:*:*:*:*:*:*")));
    assert!(!advisory.matches(&cpe("cpe:2.3:o:ibm:xlock:4.2:*:*:*:*:*:*:*")));
    let inn = cpe("cpe:2.3:a:isc:inn:1.5:*:*:*:*:*:*:*");
    assert!(inn.matches(&cpe("cpe:2.3:a:isc:inn:1.5:*:*:*:*:*:*:*")));
    assert!(!inn.matches(&cpe("cpe:2.3:a:isc:inn:1.6:*:*:*:*:*:*:*")));
    // A target of any version takes the named version in (SUBSET).
    assert!(inn.matches(&cpe("cpe:2.3:a:isc:inn:*:*:*:*:*:*:*:*")));
    // A target with wildcards is a pattern, not a name: undefined.
    assert!(!inn.matches(&cpe("cpe:2.3:a:isc:inn:1.*:*:*:*:*:*:*:*")));
    let relations = inn.compare(&cpe("cpe:2.3:a:isc:inn:*:*:*:*:*:*:x64:*"));
    assert_eq!(relations[Attribute::Version as usize], Relation::Subset);
    assert_eq!(relations[Attribute::TargetHw as usize], Relation::Superset);
    assert_eq!(relations[Attribute::Vendor as usize], Relation::Equal);
}

// --- name keys -------------------------------------------------------------

#[test]
fn name_keys_fold_the_sources_spellings() {
    // KEV spellings (kev.json) against CVE records' and CPEs'.
    assert_eq!(
        name_key("Secure Firewall Management Center (FMC)"),
        "secure_firewall_management_center_fmc"
    );
    assert_eq!(name_key("SimpleHelp "), name_key("SimpleHelp"));
    assert_eq!(name_key("SimpleHelp "), "simplehelp");
    assert_eq!(name_key("N-able"), "n_able");
    assert_eq!(name_key("N-able"), name_key("n-able"));
    assert_eq!(name_key("N-central"), name_key("n_central"));
    // CVE-2021-1675's CPE product against a spelled-out name.
    assert_eq!(name_key("windows_10_21H1"), name_key("Windows 10 21H1"));
    assert_eq!(
        name_key("  Check Point -- SmartConsole "),
        "check_point_smartconsole"
    );
    assert_eq!(name_key("news_server"), name_key("News Server"));
    // Different names stay different: this takes an alias, not a rule.
    assert_ne!(name_key("Progress"), name_key("Progress Software"));
    assert_eq!(name_key(""), "");
    assert_eq!(name_key(" -- "), "");
}

// --- affected entries and verdicts ----------------------------------------

fn verdicts(name: &str, entry: usize, versions: &[&str]) -> Vec<Status> {
    let entries = affected_entries(&record(name));
    versions
        .iter()
        .map(|v| entries[entry].verdict(Some(v)).status())
        .collect()
}

#[test]
fn entries_keep_their_paths_and_providers() {
    let entries = affected_entries(&record("CVE-1999-0043.json"));
    assert_eq!(entries.len(), 9);
    assert_eq!(entries[0].path, "containers.cna.affected[0]");
    assert_eq!(entries[1].path, "containers.adp[1].affected[0]");
    assert_eq!(entries[1].provider.as_deref(), Some("CISA-ADP"));
    assert_eq!(entries[1].vendor.as_deref(), Some("isc"));
    assert_eq!(entries[1].cpes.len(), 5);
    assert_eq!(entries[1].default_status, Some(Status::Unknown));
    assert_eq!(entries[8].versions.len(), 3);
    // Stored as JSON and read back unchanged.
    let text = serde_json::to_string(&entries[1]).unwrap();
    assert_eq!(
        serde_json::from_str::<bulwark_matching::product::AffectedEntry>(&text).unwrap(),
        entries[1]
    );
}

#[test]
fn loadmaster_custom_ranges() {
    use Status::*;
    // V7.2.60.0 ≤ v < V7.2.63.2 or V7.2.45.12 ≤ v < V7.2.54.18, else unaffected.
    assert_eq!(
        verdicts(
            "CVE-2026-8037.json",
            0,
            &[
                "V7.2.62.0",
                "7.2.60.0",
                "7.2.63.2",
                "7.2.63.10",
                "7.2.50.3",
                "7.2.54.18",
                "7.2.45.11",
                "7.2.45.12"
            ]
        ),
        [
            Affected, Affected, Unaffected, Unaffected, Affected, Unaffected, Unaffected, Affected
        ]
    );
    let v = affected_entries(&record("CVE-2026-8037.json"))[0].verdict(Some("7.2.61"));
    assert!(
        v.why().contains("versions[0]") && v.why().contains("dotted numbers"),
        "{}",
        v.why()
    );
}

#[test]
fn linux_ranges_with_stars_and_unordered_types() {
    use Status::*;
    // Entry 1: 6.0 affected; [0, 6.0) unaffected; [6.1.7, 6.1.*] unaffected;
    // [6.2, *] in original_commit_for_fix order (none known); default affected.
    assert_eq!(
        verdicts(
            "CVE-2022-48886.json",
            1,
            &["6.0", "5.15.3", "6.1.7", "6.1.99", "6.1.3"]
        ),
        // 6.1.3: no entry that can be compared takes it in, and the one that
        // cannot would say unaffected where the default says affected.
        [Affected, Unaffected, Unaffected, Unaffected, Unknown]
    );
    // 6.5: only the unordered entry could say unaffected.
    let v = affected_entries(&record("CVE-2022-48886.json"))[1].verdict(Some("6.5"));
    assert_eq!(v.status(), Unknown);
    assert!(v.why().contains("original_commit_for_fix"), "{}", v.why());
    // Entry 0: git ranges only, default unaffected: nothing comparable.
    assert_eq!(verdicts("CVE-2022-48886.json", 0, &["6.1.3"]), [Unknown]);
}

#[test]
fn changes_within_a_range_from_n_a() {
    use Status::*;
    // [n/a, 2.3.0) affected, changing to unaffected at 2.3.0; default unaffected.
    assert_eq!(
        verdicts("CVE-2023-32744.json", 0, &["1.0", "2.2.9", "2.3.0", "3.0"]),
        [Affected, Affected, Unaffected, Unaffected]
    );
}

#[test]
fn cna_and_adp_entries_may_disagree() {
    use Status::*;
    let entries = affected_entries(&record("CVE-2024-27975.json"));
    // CNA: semver [6.4.3, 6.4.3), an empty range; default unaffected.
    assert_eq!(entries[0].verdict(Some("6.4.3")).status(), Unaffected);
    assert_eq!(entries[0].verdict(Some("6.4.2")).status(), Unaffected);
    // A version semver refuses cannot be compared: unknown, not unaffected.
    assert_eq!(entries[0].verdict(Some("6.4")).status(), Unknown);
    // ADP: 6.4.3 affected, anything else unknown.
    assert_eq!(entries[1].verdict(Some("6.4.3")).status(), Affected);
    assert_eq!(entries[1].verdict(Some("6.4.2")).status(), Unknown);
}

fn entry(versions: Value, default: Option<&str>) -> bulwark_matching::product::AffectedEntry {
    let mut e = json!({"vendor": "Example", "product": "Appliance", "versions": versions});
    if let Some(d) = default {
        e["defaultStatus"] = json!(d);
    }
    let record = json!({"containers": {"cna": {"affected": [e]}}});
    affected_entries(&record).remove(0)
}

#[test]
fn version_ranges_as_the_cve_schema_defines() {
    use Status::*;
    let status =
        |e: &bulwark_matching::product::AffectedEntry, v: &str| e.verdict(Some(v)).status();
    let lt = entry(
        json!([{"version": "2.0", "lessThan": "2.4", "status": "affected", "versionType": "custom"}]),
        Some("unaffected"),
    );
    assert_eq!(
        [
            status(&lt, "1.9"),
            status(&lt, "2.0"),
            status(&lt, "2.3.9"),
            status(&lt, "2.4")
        ],
        [Unaffected, Affected, Affected, Unaffected]
    );
    let le = entry(
        json!([{"version": "2.0", "lessThanOrEqual": "2.4", "status": "affected", "versionType": "custom"}]),
        Some("unaffected"),
    );
    assert_eq!(
        [
            status(&le, "2.4"),
            status(&le, "2.4.0"),
            status(&le, "2.4.1")
        ],
        [Affected, Affected, Unaffected]
    );
    let star = entry(
        json!([{"version": "3.0", "lessThan": "*", "status": "affected", "versionType": "custom"}]),
        Some("unaffected"),
    );
    assert_eq!(
        [
            status(&star, "2.9"),
            status(&star, "3.0"),
            status(&star, "999.1")
        ],
        [Unaffected, Affected, Affected]
    );
    let branch = entry(
        json!([{"version": "1.0.0", "lessThan": "1.*", "status": "affected", "versionType": "semver"}]),
        None,
    );
    assert_eq!(
        [
            status(&branch, "1.9.9"),
            status(&branch, "2.0.0"),
            status(&branch, "0.9.0")
        ],
        [Affected, Unknown, Unknown]
    );
    let changes = entry(
        json!([{"version": "1.0", "lessThan": "*", "status": "affected", "versionType": "custom",
                "changes": [{"at": "1.2.5", "status": "unaffected"}, {"at": "1.3.0", "status": "affected"}, {"at": "1.3.4", "status": "unaffected"}]}]),
        Some("unknown"),
    );
    assert_eq!(
        [
            status(&changes, "1.2.4"),
            status(&changes, "1.2.5"),
            status(&changes, "1.3.1"),
            status(&changes, "1.3.4"),
            status(&changes, "0.9")
        ],
        [Affected, Unaffected, Affected, Unaffected, Unknown]
    );
    // The first entry that takes a version in decides.
    let first = entry(
        json!([{"version": "1.5", "status": "unaffected"}, {"version": "1.0", "lessThan": "2.0", "status": "affected", "versionType": "custom"}]),
        Some("unaffected"),
    );
    assert_eq!(
        [
            status(&first, "1.5"),
            status(&first, "1.5.0"),
            status(&first, "1.6")
        ],
        [Unaffected, Unaffected, Affected]
    );
    // Maven order where the type names it: 1.0-SNAPSHOT < 1.0 < 1.0.1.
    let maven = entry(
        json!([{"version": "1.0", "lessThan": "1.0.1", "status": "affected", "versionType": "maven"}]),
        Some("unaffected"),
    );
    assert_eq!(
        [
            status(&maven, "1.0-SNAPSHOT"),
            status(&maven, "1.0"),
            status(&maven, "1.0.1")
        ],
        [Unaffected, Affected, Unaffected]
    );
    // An uncomparable entry does not hide the answer when it could not change it.
    let same = entry(
        json!([{"version": "abc123", "lessThan": "def456", "status": "affected", "versionType": "git"},
               {"version": "1.0", "lessThan": "2.0", "status": "affected", "versionType": "custom"}]),
        Some("unaffected"),
    );
    assert_eq!(
        [status(&same, "1.5"), status(&same, "2.5")],
        [Affected, Unknown]
    );
}

#[test]
fn verdicts_without_a_version() {
    let all = entry(json!([]), Some("affected"));
    assert!(matches!(all.verdict(None), Verdict::Affected(_)));
    let same = entry(
        json!([{"version": "1.0", "status": "affected"}]),
        Some("affected"),
    );
    assert!(matches!(same.verdict(Some("")), Verdict::Affected(_)));
    let mixed = entry(
        json!([{"version": "1.0", "status": "affected"}]),
        Some("unaffected"),
    );
    assert!(matches!(mixed.verdict(None), Verdict::Unknown(_)));
    let none = entry(json!([{"version": "1.0", "status": "affected"}]), None);
    assert_eq!(none.verdict(Some("2.0")).status(), Status::Unknown);
}

#[test]
fn dotted_numbers() {
    let d = |s: &str| Dotted::parse(s).unwrap();
    assert!(d("V7.2.60.0") < d("7.2.62"));
    assert!(d("1.10") > d("1.9"));
    assert!(d("1.0") == d("1.0.0"));
    assert!(d("10.0.19043.1052") > d("10.0.19042.2000"));
    assert!(d("1.4sec") < d("1.4sec2"));
    assert!(d("001.2") == d("1.2"));
    for bad in ["n/a", "unspecified", "before 2.3", "2.3 SP1", "<2.3", ""] {
        assert!(Dotted::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(Order::of(Some("custom")), Ok(Order::Dotted));
    assert_eq!(Order::of(None), Ok(Order::Dotted));
    assert!(Order::of(Some("git")).is_err());
    assert!(Order::of(Some("Generic")).is_err());
    assert_eq!(
        Order::of(Some("python")),
        Ok(Order::Ecosystem(bulwark_versions::Ecosystem::PyPI))
    );
}

// --- reading: repairs and strict mode -------------------------------------

#[test]
fn lenient_reading_repairs_and_strict_refuses() {
    let record = json!({"containers": {
        "cna": {"affected": [
            {"vendor": "Example", "product": "Appliance", "defaultStatus": "Unaffected",
             "versions": [{"version": 2, "lessThan": 3, "status": "affected", "versionType": "custom"}, "oops"]},
            17
        ]},
        "adp": [{"providerMetadata": {"shortName": "CISA-ADP"}, "affected": [
            {"vendor": "example", "product": "appliance", "cpes": ["cpe:/a:example:appliance:2"]}
        ]}]
    }});
    let read = read_affected(&record, Mode::Lenient).unwrap();
    assert_eq!(read.entries.len(), 2);
    assert_eq!(read.skipped.len(), 1);
    assert_eq!(read.skipped[0].path, "containers.cna.affected[1]");
    let e = &read.entries[0];
    assert_eq!(e.default_status, Some(Status::Unaffected));
    assert_eq!(e.versions[0].version, "2");
    assert_eq!(e.versions[0].less_than.as_deref(), Some("3"));
    let paths: Vec<&str> = e.warnings.iter().map(|w| w.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "containers.cna.affected[0].defaultStatus",
            "containers.cna.affected[0].versions[0].version",
            "containers.cna.affected[0].versions[0].lessThan",
            "containers.cna.affected[0].versions[1]"
        ]
    );
    assert_eq!(e.verdict(Some("2.5")).status(), Status::Affected);
    // A CPE 2.2 URI is kept, remarked on, and not used.
    assert_eq!(read.entries[1].cpes.len(), 1);
    assert_eq!(
        read.entries[1].warnings[0].path,
        "containers.adp[0].affected[0].cpes[0]"
    );
    let err = read_affected(&record, Mode::Strict).unwrap_err();
    assert_eq!(err.path, "containers.cna.affected[0].defaultStatus");
    // Without containers (a rejected record) there is nothing to read.
    assert!(affected_entries(&json!({"cveMetadata": {"state": "REJECTED"}})).is_empty());
}

// --- queries ----------------------------------------------------------------

#[test]
fn queries_by_name_keys_and_by_cpe() {
    let entries = affected_entries(&record("CVE-2026-8037.json"));
    let q = query("Progress Software", "LoadMaster", Some("7.2.62.1"));
    let v = matches(&entries[0], &q).expect("named");
    assert_eq!(v.status(), Status::Affected);
    assert!(
        v.why()
            .starts_with("containers.cna.affected[0]: names progress_software/loadmaster"),
        "{}",
        v.why()
    );
    assert_eq!(
        matches(&entries[1], &q),
        None,
        "ECS Connections Manager is another product"
    );
    // KEV says vendor `Progress`: named there, not in the CNA's entries.
    assert!(kev_names(
        "Progress",
        "LoadMaster",
        &query("Progress", "LoadMaster", None)
    ));
    assert!(!kev_names("Progress", "LoadMaster", &q));
    assert_eq!(
        matches(&entries[0], &query("Progress", "LoadMaster", None)),
        None
    );

    let entries = affected_entries(&record("CVE-1999-0043.json"));
    // By CPE alone: the query's CPE names the product and gives the version.
    let by_cpe = ProductQuery {
        vendor: String::new(),
        product: String::new(),
        version: None,
        cpe: Some(cpe("cpe:2.3:a:isc:inn:1.4sec2:*:*:*:*:*:*:*")),
    };
    assert_eq!(query_keys(&by_cpe), [("isc".to_owned(), "inn".to_owned())]);
    let hits: Vec<(usize, Status)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| matches(e, &by_cpe).map(|v| (i, v.status())))
        .collect();
    assert_eq!(hits, [(1, Status::Affected)]);
    // Red Hat Linux 4.1 is in two entries: 4.0's says unknown, 4.1's affected.
    let rh = query("Red Hat", "Linux", Some("4.1"));
    let hits: Vec<(usize, Status)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| matches(e, &rh).map(|v| (i, v.status())))
        .collect();
    assert_ne!(name_key("Red Hat"), "redhat");
    assert!(hits.is_empty(), "`Red Hat` is not `redhat`: {hits:?}");
    let rh = query("redhat", "linux", Some("4.1"));
    let hits: Vec<(usize, Status)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| matches(e, &rh).map(|v| (i, v.status())))
        .collect();
    assert_eq!(hits, [(5, Status::Unknown), (6, Status::Affected)]);
    // A query by CPE alone, any version: its version comes from `version`.
    let wild = ProductQuery {
        vendor: String::new(),
        product: String::new(),
        version: Some("1.1".into()),
        cpe: Some(cpe("cpe:2.3:h:nec:goah_intrasv:*:*:*:*:*:*:*:*")),
    };
    let named: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| matches(e, &wild).is_some())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(named, [7]);
    // An advisory CPE with a wildcard vendor has no key pair: it names the
    // product through NISTIR 7696 alone, and only the product it names.
    let any_vendor = json!({"containers": {"cna": {"affected": [
        {"vendor": "n/a", "product": "n/a", "cpes": ["cpe:2.3:a:*:xlock:*:*:*:*:*:*:*:*"],
         "defaultStatus": "affected"}
    ]}}});
    let e = &affected_entries(&any_vendor)[0];
    assert!(entry_keys(e).is_empty());
    let xlock = ProductQuery {
        vendor: "IBM".into(),
        product: "xlock".into(),
        version: Some("4.2".into()),
        cpe: Some(cpe("cpe:2.3:a:ibm:xlock:4.2:*:*:*:*:*:*:*")),
    };
    let v = matches(e, &xlock).expect("named through the CPE");
    assert_eq!(v.status(), Status::Affected);
    assert!(v.why().contains("names the product of"), "{}", v.why());
    let xterm = ProductQuery {
        cpe: Some(cpe("cpe:2.3:a:ibm:xterm:4.2:*:*:*:*:*:*:*")),
        ..xlock.clone()
    };
    assert_eq!(
        matches(
            e,
            &ProductQuery {
                product: "xterm".into(),
                ..xterm
            }
        ),
        None
    );
    // Without a CPE in the query, only key pairs can name it.
    assert_eq!(matches(e, &ProductQuery { cpe: None, ..xlock }), None);
}

#[test]
fn entry_keys_include_cpe_names() {
    let windows = json!({"containers": {"cna": {"affected": [
        {"vendor": "Microsoft", "product": "Windows 10 Version 21H1",
         "cpes": ["cpe:2.3:o:microsoft:windows_10_21H1:10.0.19043.1052:*:*:*:*:*:x64:*",
                  "cpe:2.3:o:microsoft:windows_10_21H1:10.0.19043.1052:*:*:*:*:*:x86:*",
                  "cpe:2.3:o:*:windows:*:*:*:*:*:*:*:*"]}
    ]}}});
    let e = &affected_entries(&windows)[0];
    assert_eq!(
        entry_keys(e),
        [
            ("microsoft".to_owned(), "windows_10_version_21h1".to_owned()),
            ("microsoft".to_owned(), "windows_10_21h1".to_owned()),
        ]
    );
    assert!(matches(e, &query("Microsoft", "Windows 10 21H1", None)).is_some());
    // `n/a` names nothing: CVE-1999-0043's CNA entry is found under no key.
    let entries = affected_entries(&record("CVE-1999-0043.json"));
    assert_eq!(entries[0].vendor.as_deref(), Some("n/a"));
    assert!(entry_keys(&entries[0]).is_empty());
    assert_eq!(
        matches(&entries[0], &query("n/a", "n/a", Some("1.0"))),
        None
    );
    assert_eq!(
        entry_keys(&entries[1]),
        [("isc".to_owned(), "inn".to_owned())]
    );
}

// --- the whole shared sample ------------------------------------------------

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/prioritization")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

#[test]
#[ignore = "needs the shared data set"]
fn every_sample_record_reads() {
    let mut files = Vec::new();
    walk(&sample_dir().join("vulnrichment_sample"), &mut files);
    files.sort();
    assert!(files.len() > 800, "{} records", files.len());
    let kev: Value =
        serde_json::from_slice(&std::fs::read(sample_dir().join("kev.json")).unwrap()).unwrap();
    let kev: BTreeMap<String, (String, String)> = kev["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let s = |f: &str| k[f].as_str().unwrap_or("").to_owned();
            (s("cveID"), (s("vendorProject"), s("product")))
        })
        .collect();
    let (mut entries, mut with_cpes, mut cpes, mut cpes_read, mut warned) = (0, 0, 0, 0, 0);
    let mut types: BTreeMap<String, usize> = BTreeMap::new();
    let mut verdicts: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut in_kev, mut kev_named) = (0, 0);
    for f in &files {
        let record: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        let read = read_affected(&record, Mode::Lenient).unwrap();
        for e in &read.entries {
            entries += 1;
            assert!(e.path.starts_with("containers."), "{}", e.path);
            if !e.cpes.is_empty() {
                with_cpes += 1;
            }
            cpes += e.cpes.len();
            cpes_read += e.cpes.iter().filter(|c| Cpe::parse(c).is_ok()).count();
            if !e.warnings.is_empty() {
                warned += 1;
            }
            for v in &e.versions {
                *types
                    .entry(v.version_type.clone().unwrap_or_else(|| "(none)".into()))
                    .or_default() += 1;
            }
            // Each entry judged against a version of its own: never a panic.
            let probe = e.versions.first().map(|v| v.version.as_str());
            let key = match e.verdict(probe) {
                Verdict::Affected(_) => "affected",
                Verdict::Unaffected(_) => "unaffected",
                Verdict::Unknown(_) => "unknown",
            };
            *verdicts.entry(key).or_default() += 1;
            // The stored form reads back.
            let text = serde_json::to_string(e).unwrap();
            assert_eq!(
                &serde_json::from_str::<bulwark_matching::product::AffectedEntry>(&text).unwrap(),
                e
            );
        }
        let id = record
            .pointer("/cveMetadata/cveId")
            .and_then(Value::as_str)
            .unwrap_or("");
        if let Some((vendor, product)) = kev.get(id) {
            in_kev += 1;
            let q = query(vendor, product, None);
            if read.entries.iter().any(|e| matches(e, &q).is_some()) {
                kev_named += 1;
            }
        }
    }
    eprintln!(
        "{} records, {entries} entries, {with_cpes} with cpes ({cpes} CPEs, {cpes_read} read as CPE 2.3), \
         {warned} with warnings; verdicts at each entry's first version {verdicts:?}; \
         version types {types:?}; {in_kev} records in KEV, {kev_named} of them with an entry named as KEV names it",
        files.len()
    );
    // Floors measured on the sample (4,876 entries, 3,602 with CPEs).
    assert!(entries >= 4800, "{entries}");
    assert!(with_cpes >= 3500, "{with_cpes}");
    assert!(cpes_read * 100 >= cpes * 99, "{cpes_read} of {cpes}");
    assert!(kev_named > 0 && in_kev > 0);
}

/// Prefixes and one-character corruptions of real CPEs and records: the
/// readers refuse or answer, never panic.
#[test]
fn damaged_input_never_panics() {
    for s in [
        r"cpe:2.3:o:cisco:nx-os:6.0\(2\)A6\(1\):*:*:*:*:*:*:*",
        "cpe:2.3:a:isc:inn:1.4sec2:*:*:*:*:*:*:*",
    ] {
        for n in 0..=s.len() {
            let _ = Cpe::parse(&s[..n]);
        }
        for c in ['\\', '*', '?', ':', 'é', ' ', '-'] {
            for at in 0..s.len() {
                let mut t = s.to_owned();
                t.replace_range(at..at + 1, &c.to_string());
                if let Ok(c) = Cpe::parse(&t) {
                    assert_eq!(Cpe::parse(&c.to_string()).as_ref(), Ok(&c), "{t}");
                }
            }
        }
    }
    let dir = format!("{}/tests/cve_fixtures", env!("CARGO_MANIFEST_DIR"));
    for name in ["CVE-2022-48886.json", "CVE-2023-32744.json"] {
        let bytes = std::fs::read(format!("{dir}/{name}")).unwrap();
        for (i, b) in [b'"', b'{', b']', b'0', b'*', b'-'].into_iter().enumerate() {
            for at in (i..bytes.len()).step_by(11) {
                let mut v = bytes.clone();
                v[at] = b;
                if let Ok(record) = serde_json::from_slice::<Value>(&v) {
                    for e in affected_entries(&record) {
                        for version in [None, Some("6.1.3"), Some("2.2"), Some("*")] {
                            let _ = e.verdict(version);
                        }
                    }
                }
            }
        }
    }
}
