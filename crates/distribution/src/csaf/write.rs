//! The two CSAF 2.0 profiles Bulwark publishes, written from the model.
//!
//! ## Product ids
//!
//! Each [`Product`] becomes `vendor` → `product_name` branches, and below
//! them one `product_version_range` branch per affected range (its name a
//! `vers:` range, its product id `KEY:range-N`) and one `product_version`
//! branch per listed version (affected, fixed or not affected; product id
//! `KEY@VERSION`, with the purl at that version). A product that lists no
//! range and no affected version but one fixed version is affected before
//! it (`vers:TYPE/<FIXED`, as in the OSV record). A product that lists
//! neither range, affected version nor a single fixed version is the full
//! product name `KEY` (under its `product_name` branch, or among the tree's
//! `full_product_names` when it has listed versions), which stands for
//! "the product, versions not stated" in `known_affected`.
//!
//! Writers never fail: a vulnerability naming an unknown product key writes
//! the key as a product id, a malformed CVSS vector is written without its
//! scores, an empty revision history is written as the draft revision `0`,
//! and so on, so that [`super::validate`] names every such mistake with its
//! JSON path instead of the writer hiding it.
//!
//! A `self` reference to where the document is served is not written: the
//! provider (which knows its URL) owns that.

use std::collections::{BTreeMap, BTreeSet};

use bulwark_core::Tlp;
use bulwark_versions::Purl;
use serde_json::{Map, Value, json};
use time::{OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339};

use crate::model::{Advisory, Product, RemediationCategory, VersionRange, Vulnerability};

/// The `csaf_security_advisory` document of an advisory.
pub fn security_advisory(a: &Advisory<'_>) -> Value {
    write(a, Profile::SecurityAdvisory)
}

/// The `csaf_vex` document of an advisory: the same product tree and
/// product status, plus what the VEX profile requires (§4.5, tests 6.1.27.9
/// and 6.1.27.10): an impact statement for every `known_not_affected`
/// product and an action statement (remediation) for every `known_affected`
/// one.
///
/// The model does not record *why* a version is not affected, so the
/// impact statement is a threat of category `impact` saying that the
/// publisher states it, never a VEX justification flag, which would claim a
/// reason nobody gave.
pub fn vex(a: &Advisory<'_>) -> Value {
    write(a, Profile::Vex)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Profile {
    SecurityAdvisory,
    Vex,
}

/// What the CSAF document said about AMBER+STRICT, which CSAF 2.0's TLP 1.0
/// labels cannot say.
const TLP_URL: &str = "https://www.first.org/tlp/";

const LEGAL_DISCLAIMER: &str = "This advisory is provided as is, without warranty of any kind. \
Its marking (see distribution) says to whom it may be shared.";

fn write(a: &Advisory<'_>, profile: Profile) -> Value {
    let (tree, ids) = product_tree(a.content.products.as_slice());
    let mut doc = Map::new();
    doc.insert("document".into(), document(a, profile));
    if let Some(tree) = tree {
        doc.insert("product_tree".into(), tree);
    }
    let vulnerabilities: Vec<Value> = a
        .content
        .vulnerabilities
        .iter()
        .map(|v| vulnerability(a, v, &ids, profile))
        .collect();
    if !vulnerabilities.is_empty() {
        doc.insert("vulnerabilities".into(), Value::Array(vulnerabilities));
    }
    Value::Object(doc)
}

/// RFC 3339 in UTC, as CSAF's `date-time` fields are usually written.
pub(crate) fn date(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

fn document(a: &Advisory<'_>, profile: Profile) -> Value {
    let c = a.content;
    let t = a.tracking;
    let mut publisher = Map::new();
    publisher.insert("category".into(), json!(a.publisher.category));
    publisher.insert("name".into(), json!(a.publisher.name));
    publisher.insert("namespace".into(), json!(a.publisher.namespace));
    if let Some(v) = &a.publisher.contact_details {
        publisher.insert("contact_details".into(), json!(v));
    }
    if let Some(v) = &a.publisher.issuing_authority {
        publisher.insert("issuing_authority".into(), json!(v));
    }

    let mut notes = vec![json!({"category": "summary", "title": "Summary", "text": c.summary})];
    if let Some(details) = c.details.as_deref().filter(|d| !d.trim().is_empty()) {
        notes.push(json!({"category": "details", "title": "Details", "text": details}));
    }
    notes.push(
        json!({"category": "legal_disclaimer", "title": "Terms of use", "text": LEGAL_DISCLAIMER}),
    );

    let mut d = Map::new();
    d.insert(
        "category".into(),
        json!(match profile {
            Profile::SecurityAdvisory => "csaf_security_advisory",
            Profile::Vex => "csaf_vex",
        }),
    );
    d.insert("csaf_version".into(), json!("2.0"));
    d.insert("lang".into(), json!("en"));
    d.insert("title".into(), json!(c.title));
    d.insert("publisher".into(), Value::Object(publisher));
    d.insert("distribution".into(), distribution(a.tlp));
    d.insert("notes".into(), Value::Array(notes));
    if !c.references.is_empty() {
        let refs: Vec<Value> = c
            .references
            .iter()
            .map(|r| {
                json!({
                    "category": match r.category {
                        crate::model::ReferenceCategory::External => "external",
                        crate::model::ReferenceCategory::SelfRef => "self",
                    },
                    "summary": r.summary,
                    "url": r.url,
                })
            })
            .collect();
        d.insert("references".into(), Value::Array(refs));
    }
    let acks: Vec<Value> = c
        .acknowledgments
        .iter()
        .filter_map(|ack| {
            let mut m = Map::new();
            let names: Vec<&String> = ack.names.iter().filter(|n| !n.trim().is_empty()).collect();
            if !names.is_empty() {
                m.insert("names".into(), json!(names));
            }
            if let Some(o) = ack.organization.as_deref().filter(|o| !o.trim().is_empty()) {
                m.insert("organization".into(), json!(o));
            }
            if let Some(s) = ack.summary.as_deref().filter(|s| !s.trim().is_empty()) {
                m.insert("summary".into(), json!(s));
            }
            (!m.is_empty()).then_some(Value::Object(m))
        })
        .collect();
    if !acks.is_empty() {
        d.insert("acknowledgments".into(), Value::Array(acks));
    }

    let mut history: Vec<Value> = t
        .revision_history
        .iter()
        .map(
            |r| json!({"number": r.number.to_string(), "date": date(r.date), "summary": r.summary}),
        )
        .collect();
    let version = match t.revision_history.last() {
        Some(r) => r.number.to_string(),
        None => {
            history.push(json!({
                "number": "0",
                "date": date(t.current_release_date),
                "summary": "Draft: not yet released.",
            }));
            "0".to_owned()
        }
    };
    d.insert(
        "tracking".into(),
        json!({
            "id": t.id,
            "status": t.status.as_str(),
            "version": version,
            "initial_release_date": date(t.initial_release_date),
            "current_release_date": date(t.current_release_date),
            "revision_history": history,
            "generator": {"engine": {"name": "Bulwark", "version": env!("CARGO_PKG_VERSION")}},
        }),
    );
    Value::Object(d)
}

/// TLP 2.0 onto CSAF 2.0's TLP 1.0 labels: CLEAR is WHITE, AMBER+STRICT
/// can only be AMBER (the stricter meaning is said in `distribution.text`,
/// which a reader shows beside the label).
fn distribution(tlp: Tlp) -> Value {
    let label = match tlp {
        Tlp::Clear => "WHITE",
        Tlp::Green => "GREEN",
        Tlp::Amber | Tlp::AmberStrict => "AMBER",
        Tlp::Red => "RED",
    };
    let text = match tlp {
        Tlp::AmberStrict => {
            "TLP:AMBER+STRICT (TLP 2.0): limited to the recipients' organizations only, \
not to their clients. CSAF 2.0 has no label for it; AMBER is the closest."
                .to_owned()
        }
        other => format!("{other} (TLP 2.0)."),
    };
    json!({"text": text, "tlp": {"label": label, "url": TLP_URL}})
}

/// The product ids one product was given in the tree.
#[derive(Debug, Default)]
pub(crate) struct ProductIds {
    /// `KEY`: the product without versions (only when it lists no range
    /// and no affected version).
    whole: Option<String>,
    ranges: Vec<String>,
    affected: Vec<String>,
    fixed: Vec<String>,
    not_affected: Vec<String>,
}

impl ProductIds {
    /// What is known affected: ranges and listed versions, else the whole
    /// product.
    fn known_affected(&self) -> Vec<String> {
        let mut out: Vec<String> = self.ranges.iter().chain(&self.affected).cloned().collect();
        out.extend(self.whole.iter().cloned());
        out
    }
}

/// The `vers:` URI (github.com/package-url/purl-spec, VERSION-RANGE-SPEC)
/// of one range, with the purl's type as versioning scheme (`generic` for
/// a product without a purl).
pub(crate) fn vers(scheme: &str, r: &VersionRange) -> String {
    let mut constraints = Vec::new();
    if let Some(i) = r
        .introduced
        .as_deref()
        .filter(|i| *i != "0" && !i.is_empty())
    {
        constraints.push(format!(">={i}"));
    }
    if let Some(f) = &r.fixed {
        constraints.push(format!("<{f}"));
    }
    if let Some(l) = &r.last_affected {
        constraints.push(format!("<={l}"));
    }
    if constraints.is_empty() {
        constraints.push("*".to_owned());
    }
    format!("vers:{scheme}/{}", constraints.join("|"))
}

fn product_tree(products: &[Product]) -> (Option<Value>, BTreeMap<String, ProductIds>) {
    let mut ids = BTreeMap::new();
    if products.is_empty() {
        return (None, ids);
    }
    // Vendors in the order they first appear.
    let mut vendors: Vec<(&str, Vec<Value>)> = Vec::new();
    let mut whole_products: Vec<Value> = Vec::new();
    for p in products {
        let parsed = p.purl.as_deref().and_then(|s| Purl::parse(s).ok());
        let scheme = parsed.as_ref().map_or("generic", |p| p.ty()).to_owned();
        let helper = |version: Option<&str>| -> Option<Value> {
            let mut h = Map::new();
            match (&parsed, version) {
                (Some(purl), Some(v)) => {
                    h.insert(
                        "purl".into(),
                        json!(purl.clone().with_version(Some(v)).to_string()),
                    );
                }
                (Some(purl), None) => {
                    h.insert("purl".into(), json!(purl.to_string()));
                }
                // Unparsable: written as given, for 6.1.13 to name.
                (None, _) => {
                    if let Some(raw) = &p.purl {
                        h.insert("purl".into(), json!(raw));
                    }
                }
            }
            if let Some(cpe) = &p.cpe {
                h.insert("cpe".into(), json!(cpe));
            }
            (!h.is_empty()).then_some(Value::Object(h))
        };
        let full = |name: String, id: &str, helper: Option<Value>| -> Value {
            let mut m = Map::new();
            m.insert("name".into(), json!(name));
            m.insert("product_id".into(), json!(id));
            if let Some(h) = helper {
                m.insert("product_identification_helper".into(), h);
            }
            Value::Object(m)
        };

        let mut pid = ProductIds::default();
        let mut children = Vec::new();
        for (n, r) in implied_ranges(p).iter().enumerate() {
            let id = format!("{}:range-{}", p.key, n + 1);
            let range = vers(&scheme, r);
            children.push(json!({
                "category": "product_version_range",
                "name": range,
                "product": full(format!("{} {} {}", p.vendor, p.name, range), &id, helper(None)),
            }));
            pid.ranges.push(id);
        }
        let mut seen = BTreeSet::new();
        let lists: [(&Vec<String>, u8); 3] = [
            (&p.affected_versions, 0),
            (&p.fixed_versions, 1),
            (&p.not_affected_versions, 2),
        ];
        for (list, which) in lists {
            for v in list {
                let id = format!("{}@{}", p.key, v);
                match which {
                    0 => pid.affected.push(id.clone()),
                    1 => pid.fixed.push(id.clone()),
                    // A fixed version is not also "not affected" (6.1.6).
                    _ if p.fixed_versions.contains(v) => {}
                    _ => pid.not_affected.push(id.clone()),
                }
                if seen.insert(v.clone()) {
                    children.push(json!({
                        "category": "product_version",
                        "name": v,
                        "product": full(format!("{} {} {}", p.vendor, p.name, v), &id, helper(Some(v))),
                    }));
                }
            }
        }
        let name_branch = if pid.ranges.is_empty() && p.affected_versions.is_empty() {
            pid.whole = Some(p.key.clone());
            let whole = full(format!("{} {}", p.vendor, p.name), &p.key, helper(None));
            if children.is_empty() {
                json!({"category": "product_name", "name": p.name, "product": whole})
            } else {
                // A branch has either a product or branches: the product
                // without versions, beside its listed versions, is a full
                // product name of its own (not a `*` range, which would
                // claim the listed fixed versions are affected too).
                whole_products.push(whole);
                json!({"category": "product_name", "name": p.name, "branches": children})
            }
        } else {
            json!({"category": "product_name", "name": p.name, "branches": children})
        };
        match vendors.iter_mut().find(|(v, _)| *v == p.vendor) {
            Some((_, branches)) => branches.push(name_branch),
            None => vendors.push((p.vendor.as_str(), vec![name_branch])),
        }
        ids.insert(p.key.clone(), pid);
    }
    let branches: Vec<Value> = vendors
        .into_iter()
        .map(|(vendor, branches)| json!({"category": "vendor", "name": vendor, "branches": branches}))
        .collect();
    let mut tree = Map::new();
    tree.insert("branches".into(), Value::Array(branches));
    if !whole_products.is_empty() {
        tree.insert("full_product_names".into(), Value::Array(whole_products));
    }
    (Some(Value::Object(tree)), ids)
}

/// The affected ranges a product states or implies: one that lists no
/// range and no affected version but exactly one fixed version is affected
/// before it (`< fixed`). The OSV writer reads products the same way.
pub(crate) fn implied_ranges(p: &Product) -> Vec<VersionRange> {
    match p.fixed_versions.as_slice() {
        [fixed] if p.affected.is_empty() && p.affected_versions.is_empty() => vec![VersionRange {
            fixed: Some(fixed.clone()),
            ..VersionRange::default()
        }],
        _ => p.affected.clone(),
    }
}

fn vulnerability(
    a: &Advisory<'_>,
    v: &Vulnerability,
    ids: &BTreeMap<String, ProductIds>,
    profile: Profile,
) -> Value {
    // The products in scope: the named ones (an unknown key is written as
    // it is, for 6.1.1 to name), or all.
    let keys: Vec<&str> = if v.products.is_empty() {
        a.content.products.iter().map(|p| p.key.as_str()).collect()
    } else {
        v.products.iter().map(String::as_str).collect()
    };
    let affected_of = |key: &str| -> Vec<String> {
        match ids.get(key) {
            Some(p) => p.known_affected(),
            None => vec![key.to_owned()],
        }
    };
    let mut known_affected = Vec::new();
    let mut fixed = Vec::new();
    let mut not_affected = Vec::new();
    for key in &keys {
        known_affected.extend(affected_of(key));
        if let Some(p) = ids.get(*key) {
            fixed.extend(p.fixed.iter().cloned());
            not_affected.extend(p.not_affected.iter().cloned());
        }
    }

    let mut m = Map::new();
    if let Some(cve) = &v.cve {
        m.insert("cve".into(), json!(cve));
    }
    if let Some(cwe) = &v.cwe {
        m.insert("cwe".into(), json!({"id": cwe.id, "name": cwe.name}));
    }
    if !v.ids.is_empty() {
        let list: Vec<Value> = v
            .ids
            .iter()
            .map(|i| json!({"system_name": i.system_name, "text": i.text}))
            .collect();
        m.insert("ids".into(), Value::Array(list));
    }
    if let Some(title) = &v.title {
        m.insert("title".into(), json!(title));
    }
    if let Some(d) = v.discovery_date {
        m.insert("discovery_date".into(), json!(date(d)));
    }
    let text = v
        .description
        .as_deref()
        .or(v.title.as_deref())
        .unwrap_or(a.content.summary.as_str());
    m.insert(
        "notes".into(),
        json!([{"category": "description", "title": "Vulnerability description", "text": text}]),
    );

    let mut status = Map::new();
    for (name, list) in [
        ("known_affected", &known_affected),
        ("fixed", &fixed),
        ("known_not_affected", &not_affected),
    ] {
        if !list.is_empty() {
            status.insert(name.into(), json!(list));
        }
    }
    if !status.is_empty() {
        m.insert("product_status".into(), Value::Object(status));
    }

    let mut remediations: Vec<Value> = Vec::new();
    let mut covered: BTreeSet<String> = BTreeSet::new();
    for r in &v.remediations {
        let products: Vec<String> = if r.products.is_empty() {
            known_affected.clone()
        } else {
            r.products.iter().flat_map(|k| affected_of(k)).collect()
        };
        covered.extend(products.iter().cloned());
        let mut rm = Map::new();
        rm.insert("category".into(), json!(remediation_category(r.category)));
        rm.insert("details".into(), json!(r.details));
        if !products.is_empty() {
            rm.insert("product_ids".into(), json!(products));
        }
        if let Some(url) = &r.url {
            rm.insert("url".into(), json!(url));
        }
        remediations.push(Value::Object(rm));
    }
    if profile == Profile::Vex {
        let uncovered: Vec<&String> = known_affected
            .iter()
            .filter(|id| !covered.contains(*id))
            .collect();
        if !uncovered.is_empty() {
            remediations.push(json!({
                "category": "none_available",
                "details": "No remediation is known for these products at the time of this revision.",
                "product_ids": uncovered,
            }));
        }
        if !not_affected.is_empty() {
            m.insert(
                "threats".into(),
                json!([{
                    "category": "impact",
                    "details": "The publisher states that these product versions are not affected by this vulnerability.",
                    "product_ids": not_affected,
                }]),
            );
        }
    }
    if !remediations.is_empty() {
        m.insert("remediations".into(), Value::Array(remediations));
    }

    if let Some(vector) = &v.cvss_v3 {
        let scored = if known_affected.is_empty() {
            keys.iter().map(|k| (*k).to_owned()).collect()
        } else {
            known_affected.clone()
        };
        m.insert(
            "scores".into(),
            json!([{"cvss_v3": cvss_v3(vector), "products": scored}]),
        );
    }

    let mut refs = Vec::new();
    if let Some(cve) = &v.cve {
        refs.push(json!({
            "category": "external",
            "summary": format!("{cve} in the CVE List"),
            "url": format!("https://www.cve.org/CVERecord?id={cve}"),
        }));
    }
    if !refs.is_empty() {
        m.insert("references".into(), Value::Array(refs));
    }
    Value::Object(m)
}

fn remediation_category(c: RemediationCategory) -> &'static str {
    match c {
        RemediationCategory::VendorFix => "vendor_fix",
        RemediationCategory::Workaround => "workaround",
        RemediationCategory::Mitigation => "mitigation",
        RemediationCategory::NoFixPlanned => "no_fix_planned",
        RemediationCategory::NoneAvailable => "none_available",
    }
}

/// The `cvss_v3` object: the vector and the base score and severity
/// computed from it (never taken from elsewhere, so 6.1.9 holds). A vector
/// that does not parse is written alone, for the validator to name.
fn cvss_v3(vector: &str) -> Value {
    let vector = vector.trim();
    match bulwark_scoring::cvss::score(vector) {
        Ok(s) if s.version.as_str().starts_with('3') => json!({
            "version": s.version.as_str(),
            "vectorString": vector,
            "baseScore": s.score,
            "baseSeverity": s.severity.as_str().to_ascii_uppercase(),
        }),
        _ => json!({"vectorString": vector}),
    }
}
