//! The CSAF 2.0 validator: the JSON schema's structure where documents
//! most often go wrong, and the mandatory tests of §6.1.
//!
//! Not a JSON Schema engine: the schema checks are written out (required
//! properties, enums, `date-time` values, non-empty arrays, the patterns of
//! ids), each naming the JSON pointer of what is wrong. Every mandatory
//! test of §6.1 is implemented except 6.1.26's fuzzy part (only the exact
//! normalised names are refused) and these partial ones:
//!
//! - 6.1.8 checks the CVSS objects' required properties, their `version`
//!   and `baseSeverity` enums, the score range and that the vector parses;
//!   not every optional property's enum (6.1.10 compares those that are
//!   present with the vector, which is what goes wrong in practice).
//! - 6.1.9 recomputes CVSS v3.x scores (base, temporal, environmental);
//!   CVSS v2 scores are not recomputed.
//! - 6.1.11 checks the id's syntax, and the name for the CWE ids in a small
//!   table ([`CWE_NAMES`]: the weaknesses our own advisories and tests
//!   use); any other id's name is accepted as given, since the full CWE
//!   catalogue is data that changes with every CWE release.
//! - 6.1.12 checks the tag's syntax (BCP 47) and a two-letter primary
//!   language against ISO 639-1; three-letter ones are accepted.
//! - The `cpe` helper is checked for its `cpe:2.3:`/`cpe:/` prefix only.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use bulwark_versions::Purl;
use serde_json::{Map, Value};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::{Problem, escape_token};

/// Every problem of a CSAF 2.0 document; empty when it is valid.
///
/// Problems come in document order within each test; tests in their
/// section order (schema first).
pub fn validate(doc: &Value) -> Vec<Problem> {
    let mut v = Validator { out: Vec::new() };
    let Some(root) = doc.as_object() else {
        v.push("schema", "", "a CSAF document is a JSON object");
        return v.out;
    };
    v.schema(root);
    let ids = Products::collect(root);
    v.t_6_1_1_and_2(root, &ids);
    v.t_6_1_3(root);
    v.t_6_1_4_and_5(root);
    v.t_6_1_6(root);
    v.t_6_1_7(root);
    v.t_cvss(root);
    v.t_6_1_11(root);
    v.t_6_1_12(root);
    v.t_6_1_13(root);
    v.t_tracking(root);
    v.t_6_1_15_and_28(root);
    v.t_6_1_23(root);
    v.t_6_1_24(root);
    v.t_6_1_25(root);
    v.t_6_1_26(root);
    v.t_6_1_27(root, &ids);
    v.t_6_1_29_32(root);
    v.t_6_1_31(root);
    v.t_6_1_33(root, &ids);
    v.out
}

struct Validator {
    out: Vec<Problem>,
}

fn key(path: &str, k: &str) -> String {
    format!("{path}/{}", escape_token(k))
}

fn idx(path: &str, i: usize) -> String {
    format!("{path}/{i}")
}

fn is_date_time(s: &str) -> bool {
    OffsetDateTime::parse(s, &Rfc3339).is_ok()
}

fn date_of(v: &Value) -> Option<OffsetDateTime> {
    v.as_str()
        .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
}

fn arr(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn strs(v: Option<&Value>) -> Vec<&str> {
    arr(v).iter().filter_map(Value::as_str).collect()
}

fn vulns(root: &Map<String, Value>) -> impl Iterator<Item = (String, &Map<String, Value>)> {
    arr(root.get("vulnerabilities"))
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.as_object().map(|o| (format!("/vulnerabilities/{i}"), o)))
}

/// `Value::pointer` on the root object.
fn at<'a>(root: &'a Map<String, Value>, pointer: &str) -> Option<&'a Value> {
    let rest = pointer.strip_prefix('/')?;
    let (first, tail) = match rest.split_once('/') {
        Some((f, t)) => (f, Some(t)),
        None => (rest, None),
    };
    let v = root.get(first)?;
    match tail {
        Some(t) => v.pointer(&format!("/{t}")),
        None => Some(v),
    }
}

fn tracking(root: &Map<String, Value>) -> Option<&Map<String, Value>> {
    root.get("document")?.get("tracking")?.as_object()
}

const PUBLISHER_CATEGORIES: &[&str] = &[
    "coordinator",
    "discoverer",
    "other",
    "translator",
    "user",
    "vendor",
];
const NOTE_CATEGORIES: &[&str] = &[
    "description",
    "details",
    "faq",
    "general",
    "legal_disclaimer",
    "other",
    "summary",
];
const BRANCH_CATEGORIES: &[&str] = &[
    "architecture",
    "host_name",
    "language",
    "legacy",
    "patch_level",
    "product_family",
    "product_name",
    "product_version",
    "product_version_range",
    "service_pack",
    "specification",
    "vendor",
];
const RELATIONSHIP_CATEGORIES: &[&str] = &[
    "default_component_of",
    "external_component_of",
    "installed_on",
    "installed_with",
    "optional_component_of",
];
const STATUS_LISTS: &[&str] = &[
    "first_affected",
    "first_fixed",
    "fixed",
    "known_affected",
    "known_not_affected",
    "last_affected",
    "recommended",
    "under_investigation",
];
const REMEDIATION_CATEGORIES: &[&str] = &[
    "mitigation",
    "no_fix_planned",
    "none_available",
    "vendor_fix",
    "workaround",
];
const THREAT_CATEGORIES: &[&str] = &["exploit_status", "impact", "target_set"];
const FLAG_LABELS: &[&str] = &[
    "component_not_present",
    "inline_mitigations_already_exist",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_not_present",
];
const INVOLVEMENT_PARTIES: &[&str] = &["coordinator", "discoverer", "other", "user", "vendor"];
const INVOLVEMENT_STATUS: &[&str] = &[
    "completed",
    "contact_attempted",
    "disputed",
    "in_progress",
    "not_contacted",
    "open",
];

/// CWE names as the CWE list (4.x) gives them, for the ids Bulwark's own
/// advisories and tests use (6.1.11). Other ids' names are accepted.
pub const CWE_NAMES: &[(&str, &str)] = &[
    ("CWE-20", "Improper Input Validation"),
    (
        "CWE-22",
        "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')",
    ),
    (
        "CWE-78",
        "Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')",
    ),
    (
        "CWE-79",
        "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')",
    ),
    (
        "CWE-89",
        "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')",
    ),
    (
        "CWE-94",
        "Improper Control of Generation of Code ('Code Injection')",
    ),
    ("CWE-125", "Out-of-bounds Read"),
    ("CWE-287", "Improper Authentication"),
    ("CWE-352", "Cross-Site Request Forgery (CSRF)"),
    ("CWE-416", "Use After Free"),
    ("CWE-434", "Unrestricted Upload of File with Dangerous Type"),
    ("CWE-502", "Deserialization of Untrusted Data"),
    ("CWE-787", "Out-of-bounds Write"),
    ("CWE-798", "Use of Hard-coded Credentials"),
    ("CWE-862", "Missing Authorization"),
    ("CWE-918", "Server-Side Request Forgery (SSRF)"),
];

/// ISO 639-1 two-letter language codes (6.1.12).
const ISO_639_1: &str = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy \
da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik \
io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt \
my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so \
sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";

impl Validator {
    fn push(&mut self, test: &str, path: impl Into<String>, message: impl Into<String>) {
        self.out.push(Problem::new(test, path, message));
    }

    // ---- schema ----------------------------------------------------------

    fn obj<'a>(
        &mut self,
        parent: &'a Map<String, Value>,
        path: &str,
        name: &str,
        required: bool,
    ) -> Option<&'a Map<String, Value>> {
        match parent.get(name) {
            Some(Value::Object(o)) => Some(o),
            Some(_) => {
                self.push("schema", key(path, name), "must be an object");
                None
            }
            None => {
                if required {
                    self.push(
                        "schema",
                        key(path, name),
                        format!("required property `{name}` is missing"),
                    );
                }
                None
            }
        }
    }

    /// A string property: present when required, a non-empty string, in
    /// `allowed` when given.
    fn string(
        &mut self,
        parent: &Map<String, Value>,
        path: &str,
        name: &str,
        required: bool,
        allowed: Option<&[&str]>,
    ) {
        match parent.get(name) {
            None if required => {
                self.push(
                    "schema",
                    key(path, name),
                    format!("required property `{name}` is missing"),
                );
            }
            None => {}
            Some(Value::String(s)) => {
                if s.is_empty() {
                    self.push("schema", key(path, name), "must not be empty");
                } else if let Some(allowed) = allowed
                    && !allowed.contains(&s.as_str())
                {
                    self.push(
                        "schema",
                        key(path, name),
                        format!("`{s}` is not one of: {}", allowed.join(", ")),
                    );
                }
            }
            Some(_) => self.push("schema", key(path, name), "must be a string"),
        }
    }

    fn date_time(&mut self, parent: &Map<String, Value>, path: &str, name: &str, required: bool) {
        match parent.get(name) {
            None if required => {
                self.push(
                    "schema",
                    key(path, name),
                    format!("required property `{name}` is missing"),
                );
            }
            None => {}
            Some(Value::String(s)) if is_date_time(s) => {}
            Some(v) => self.push(
                "schema",
                key(path, name),
                format!("{v} is not an RFC 3339 date-time"),
            ),
        }
    }

    /// An optional array property that must have at least one item when
    /// present; calls `each` on each object item.
    fn list<'a>(
        &mut self,
        parent: &'a Map<String, Value>,
        path: &str,
        name: &str,
        required: bool,
    ) -> Vec<(String, &'a Map<String, Value>)> {
        let p = key(path, name);
        match parent.get(name) {
            None => {
                if required {
                    self.push(
                        "schema",
                        p,
                        format!("required property `{name}` is missing"),
                    );
                }
                Vec::new()
            }
            Some(Value::Array(items)) => {
                if items.is_empty() {
                    self.push("schema", &p, "must have at least one item");
                }
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item.as_object() {
                        Some(o) => out.push((idx(&p, i), o)),
                        None => self.push("schema", idx(&p, i), "must be an object"),
                    }
                }
                out
            }
            Some(_) => {
                self.push("schema", p, "must be an array");
                Vec::new()
            }
        }
    }

    fn string_list(&mut self, parent: &Map<String, Value>, path: &str, name: &str) {
        let p = key(path, name);
        match parent.get(name) {
            None => {}
            Some(Value::Array(items)) => {
                if items.is_empty() {
                    self.push("schema", &p, "must have at least one item");
                }
                for (i, item) in items.iter().enumerate() {
                    if item.as_str().is_none_or(str::is_empty) {
                        self.push("schema", idx(&p, i), "must be a non-empty string");
                    }
                }
            }
            Some(_) => self.push("schema", p, "must be an array"),
        }
    }

    fn notes(&mut self, parent: &Map<String, Value>, path: &str) {
        for (p, n) in self.list(parent, path, "notes", false) {
            self.string(n, &p, "category", true, Some(NOTE_CATEGORIES));
            self.string(n, &p, "text", true, None);
        }
    }

    fn references(&mut self, parent: &Map<String, Value>, path: &str) {
        for (p, r) in self.list(parent, path, "references", false) {
            self.string(r, &p, "summary", true, None);
            self.string(r, &p, "url", true, None);
            self.string(r, &p, "category", false, Some(&["external", "self"]));
        }
    }

    fn schema(&mut self, root: &Map<String, Value>) {
        if let Some(d) = self.obj(root, "", "document", true) {
            let p = "/document";
            match d.get("category") {
                Some(Value::String(s)) if category_pattern_ok(s) => {}
                Some(Value::String(s)) => self.push("schema", "/document/category", format!("`{s}` does not match the schema's pattern (no leading or trailing space, `-`, `_` or `.`)")),
                Some(_) => self.push("schema", "/document/category", "must be a string"),
                None => self.push("schema", "/document/category", "required property `category` is missing"),
            }
            self.string(d, p, "csaf_version", true, Some(&["2.0"]));
            self.string(d, p, "title", true, None);
            if let Some(publ) = self.obj(d, p, "publisher", true) {
                let pp = "/document/publisher";
                self.string(publ, pp, "category", true, Some(PUBLISHER_CATEGORIES));
                self.string(publ, pp, "name", true, None);
                self.string(publ, pp, "namespace", true, None);
            }
            if let Some(dist) = self.obj(d, p, "distribution", false) {
                if let Some(tlp) = self.obj(dist, "/document/distribution", "tlp", false) {
                    self.string(
                        tlp,
                        "/document/distribution/tlp",
                        "label",
                        true,
                        Some(&["AMBER", "GREEN", "RED", "WHITE"]),
                    );
                }
                if dist.is_empty() {
                    self.push(
                        "schema",
                        "/document/distribution",
                        "must have `text` or `tlp`",
                    );
                }
            }
            self.notes(d, p);
            self.references(d, p);
            for (ap, a) in self.list(d, p, "acknowledgments", false) {
                if a.is_empty() {
                    self.push(
                        "schema",
                        ap,
                        "an acknowledgment needs at least one property",
                    );
                }
            }
            if let Some(t) = self.obj(d, p, "tracking", true) {
                let tp = "/document/tracking";
                self.string(t, tp, "id", true, None);
                if let Some(id) = t.get("id").and_then(Value::as_str)
                    && id.trim() != id
                {
                    self.push(
                        "schema",
                        "/document/tracking/id",
                        "must not begin or end with white space",
                    );
                }
                self.string(t, tp, "status", true, Some(&["draft", "final", "interim"]));
                self.date_time(t, tp, "initial_release_date", true);
                self.date_time(t, tp, "current_release_date", true);
                match t.get("version") {
                    Some(Value::String(s)) if version_of(s).is_some() => {}
                    Some(v) => self.push(
                        "schema",
                        "/document/tracking/version",
                        format!("{v} is neither an integer version nor a semantic version"),
                    ),
                    None => self.push(
                        "schema",
                        "/document/tracking/version",
                        "required property `version` is missing",
                    ),
                }
                for (rp, r) in self.list(t, tp, "revision_history", true) {
                    self.date_time(r, &rp, "date", true);
                    self.string(r, &rp, "summary", true, None);
                    match r.get("number") {
                        Some(Value::String(s)) if version_of(s).is_some() => {}
                        Some(v) => self.push(
                            "schema",
                            key(&rp, "number"),
                            format!("{v} is neither an integer version nor a semantic version"),
                        ),
                        None => self.push(
                            "schema",
                            key(&rp, "number"),
                            "required property `number` is missing",
                        ),
                    }
                }
                if let Some(g) = self.obj(t, tp, "generator", false) {
                    let gp = "/document/tracking/generator";
                    if let Some(e) = self.obj(g, gp, "engine", true) {
                        self.string(e, "/document/tracking/generator/engine", "name", true, None);
                    }
                    self.date_time(g, gp, "date", false);
                }
            }
        }
        if let Some(tree) = self.obj(root, "", "product_tree", false) {
            let p = "/product_tree";
            let branches = self.list(tree, p, "branches", false);
            for (bp, b) in branches {
                self.branch(&bp, b);
            }
            for (fp, f) in self.list(tree, p, "full_product_names", false) {
                self.full_product_name(&fp, f);
            }
            for (rp, r) in self.list(tree, p, "relationships", false) {
                self.string(r, &rp, "category", true, Some(RELATIONSHIP_CATEGORIES));
                self.string(r, &rp, "product_reference", true, None);
                self.string(r, &rp, "relates_to_product_reference", true, None);
                if let Some(f) = self.obj(r, &rp, "full_product_name", true) {
                    self.full_product_name(&key(&rp, "full_product_name"), f);
                }
            }
            for (gp, g) in self.list(tree, p, "product_groups", false) {
                self.string(g, &gp, "group_id", true, None);
                match g.get("product_ids").and_then(Value::as_array) {
                    Some(ids) if ids.len() >= 2 => self.string_list(g, &gp, "product_ids"),
                    Some(_) => self.push(
                        "schema",
                        key(&gp, "product_ids"),
                        "a product group needs at least two product ids",
                    ),
                    None => self.push(
                        "schema",
                        key(&gp, "product_ids"),
                        "required property `product_ids` is missing",
                    ),
                }
            }
        }
        let vs = self.list(root, "", "vulnerabilities", false);
        for (vp, v) in vs {
            self.vulnerability(&vp, v);
        }
    }

    fn branch(&mut self, path: &str, b: &Map<String, Value>) {
        self.string(b, path, "category", true, Some(BRANCH_CATEGORIES));
        self.string(b, path, "name", true, None);
        match (b.get("branches"), b.get("product")) {
            (Some(_), Some(_)) => self.push(
                "schema",
                path,
                "a branch has either `branches` or `product`, not both",
            ),
            (None, None) => self.push("schema", path, "a branch needs `branches` or `product`"),
            (None, Some(_)) => {
                if let Some(f) = self.obj(b, path, "product", true) {
                    self.full_product_name(&key(path, "product"), f);
                }
            }
            (Some(_), None) => {
                for (bp, child) in self.list(b, path, "branches", true) {
                    self.branch(&bp, child);
                }
            }
        }
    }

    fn full_product_name(&mut self, path: &str, f: &Map<String, Value>) {
        self.string(f, path, "name", true, None);
        self.string(f, path, "product_id", true, None);
        if let Some(h) = self.obj(f, path, "product_identification_helper", false) {
            let hp = key(path, "product_identification_helper");
            if h.is_empty() {
                self.push("schema", &hp, "needs at least one property");
            }
            if let Some(cpe) = h.get("cpe") {
                match cpe.as_str() {
                    Some(s) if s.starts_with("cpe:2.3:") || s.starts_with("cpe:/") => {}
                    _ => self.push(
                        "schema",
                        key(&hp, "cpe"),
                        format!("{cpe} is not a CPE 2.3 or 2.2 name"),
                    ),
                }
            }
            if h.get("purl").is_some_and(|p| !p.is_string()) {
                self.push("schema", key(&hp, "purl"), "must be a string");
            }
        }
    }

    fn vulnerability(&mut self, path: &str, v: &Map<String, Value>) {
        if let Some(cve) = v.get("cve")
            && !cve.as_str().is_some_and(is_cve)
        {
            self.push(
                "schema",
                key(path, "cve"),
                format!("{cve} is not a CVE id (CVE-YYYY-NNNN…)"),
            );
        }
        if let Some(cwe) = self.obj(v, path, "cwe", false) {
            let cp = key(path, "cwe");
            self.string(cwe, &cp, "id", true, None);
            self.string(cwe, &cp, "name", true, None);
        }
        for (ip, i) in self.list(v, path, "ids", false) {
            self.string(i, &ip, "system_name", true, None);
            self.string(i, &ip, "text", true, None);
        }
        self.date_time(v, path, "discovery_date", false);
        self.date_time(v, path, "release_date", false);
        self.notes(v, path);
        self.references(v, path);
        if let Some(ps) = self.obj(v, path, "product_status", false) {
            let pp = key(path, "product_status");
            if ps.is_empty() {
                self.push("schema", &pp, "needs at least one list");
            }
            for name in STATUS_LISTS {
                self.string_list(ps, &pp, name);
            }
            for k in ps.keys().filter(|k| !STATUS_LISTS.contains(&k.as_str())) {
                self.push(
                    "schema",
                    key(&pp, k),
                    format!("`{k}` is not a product status"),
                );
            }
        }
        for (rp, r) in self.list(v, path, "remediations", false) {
            self.string(r, &rp, "category", true, Some(REMEDIATION_CATEGORIES));
            self.string(r, &rp, "details", true, None);
            self.string(r, &rp, "url", false, None);
            self.date_time(r, &rp, "date", false);
            self.string_list(r, &rp, "product_ids");
            self.string_list(r, &rp, "group_ids");
        }
        for (sp, s) in self.list(v, path, "scores", false) {
            match s.get("products").and_then(Value::as_array) {
                Some(_) => self.string_list(s, &sp, "products"),
                None => self.push(
                    "schema",
                    key(&sp, "products"),
                    "required property `products` is missing",
                ),
            }
            if s.get("cvss_v2").is_none() && s.get("cvss_v3").is_none() {
                self.push("schema", &sp, "a score needs `cvss_v2` or `cvss_v3`");
            }
        }
        for (tp, t) in self.list(v, path, "threats", false) {
            self.string(t, &tp, "category", true, Some(THREAT_CATEGORIES));
            self.string(t, &tp, "details", true, None);
            self.date_time(t, &tp, "date", false);
            self.string_list(t, &tp, "product_ids");
            self.string_list(t, &tp, "group_ids");
        }
        for (fp, f) in self.list(v, path, "flags", false) {
            self.string(f, &fp, "label", true, Some(FLAG_LABELS));
            self.date_time(f, &fp, "date", false);
            self.string_list(f, &fp, "product_ids");
            self.string_list(f, &fp, "group_ids");
        }
        for (ip, i) in self.list(v, path, "involvements", false) {
            self.string(i, &ip, "party", true, Some(INVOLVEMENT_PARTIES));
            self.string(i, &ip, "status", true, Some(INVOLVEMENT_STATUS));
            self.date_time(i, &ip, "date", false);
        }
    }

    // ---- 6.1.1–6.1.5: product and group ids ----------------------------

    fn t_6_1_1_and_2(&mut self, root: &Map<String, Value>, ids: &Products) {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (id, path) in &ids.defined {
            if let Some(first) = seen.get(id.as_str()) {
                self.push(
                    "6.1.2",
                    path.clone(),
                    format!("product id `{id}` is already defined at {first}"),
                );
            } else {
                seen.insert(id, path);
            }
        }
        for (id, path) in product_references(root) {
            if !seen.contains_key(id.as_str()) {
                self.push(
                    "6.1.1",
                    path,
                    format!("product id `{id}` is not defined in the product tree"),
                );
            }
        }
    }

    /// Circular definition: a relationship's product refers to itself,
    /// directly or through other relationships.
    fn t_6_1_3(&mut self, root: &Map<String, Value>) {
        let rels = arr(root
            .get("product_tree")
            .and_then(|t| t.get("relationships")));
        let mut edges: HashMap<&str, Vec<&str>> = HashMap::new();
        for r in rels {
            if let Some(id) = r
                .pointer("/full_product_name/product_id")
                .and_then(Value::as_str)
            {
                for k in ["product_reference", "relates_to_product_reference"] {
                    if let Some(t) = r.get(k).and_then(Value::as_str) {
                        edges.entry(id).or_default().push(t);
                    }
                }
            }
        }
        for (i, r) in rels.iter().enumerate() {
            let Some(id) = r
                .pointer("/full_product_name/product_id")
                .and_then(Value::as_str)
            else {
                continue;
            };
            let mut stack: Vec<&str> = edges.get(id).cloned().unwrap_or_default();
            let mut visited = BTreeSet::new();
            while let Some(n) = stack.pop() {
                if n == id {
                    self.push(
                        "6.1.3",
                        format!("/product_tree/relationships/{i}/full_product_name/product_id"),
                        format!("product id `{id}` is defined through itself"),
                    );
                    break;
                }
                if visited.insert(n) {
                    stack.extend(edges.get(n).cloned().unwrap_or_default());
                }
            }
        }
    }

    fn t_6_1_4_and_5(&mut self, root: &Map<String, Value>) {
        let mut seen: BTreeMap<&str, String> = BTreeMap::new();
        for (i, g) in arr(root
            .get("product_tree")
            .and_then(|t| t.get("product_groups")))
        .iter()
        .enumerate()
        {
            if let Some(id) = g.get("group_id").and_then(Value::as_str) {
                let path = format!("/product_tree/product_groups/{i}/group_id");
                if let Some(first) = seen.get(id) {
                    self.push(
                        "6.1.5",
                        path,
                        format!("group id `{id}` is already defined at {first}"),
                    );
                } else {
                    seen.insert(id, path);
                }
            }
        }
        for (vp, v) in vulns(root) {
            for list in ["remediations", "threats", "flags"] {
                for (i, item) in arr(v.get(list)).iter().enumerate() {
                    for (j, g) in arr(item.get("group_ids")).iter().enumerate() {
                        if let Some(g) = g.as_str()
                            && !seen.contains_key(g)
                        {
                            self.push(
                                "6.1.4",
                                format!("{vp}/{list}/{i}/group_ids/{j}"),
                                format!("group id `{g}` is not defined in the product tree"),
                            );
                        }
                    }
                }
            }
        }
    }

    /// Contradicting product status: one product in two of the groups
    /// affected, not affected, fixed, under investigation.
    fn t_6_1_6(&mut self, root: &Map<String, Value>) {
        for (vp, v) in vulns(root) {
            let Some(ps) = v.get("product_status").and_then(Value::as_object) else {
                continue;
            };
            let groups: [(&str, &[&str]); 4] = [
                (
                    "affected",
                    &["first_affected", "known_affected", "last_affected"],
                ),
                ("not affected", &["known_not_affected"]),
                ("fixed", &["first_fixed", "fixed"]),
                ("under investigation", &["under_investigation"]),
            ];
            let mut first: BTreeMap<&str, &str> = BTreeMap::new();
            for (group, lists) in groups {
                let mut in_group = BTreeSet::new();
                for list in lists {
                    for (i, id) in arr(ps.get(*list)).iter().enumerate() {
                        let Some(id) = id.as_str() else { continue };
                        if !in_group.insert(id) {
                            continue;
                        }
                        match first.get(id) {
                            Some(other) => self.push(
                                "6.1.6",
                                format!("{vp}/product_status/{list}/{i}"),
                                format!("product `{id}` is both {other} and {group}"),
                            ),
                            None => {
                                first.insert(id, group);
                            }
                        }
                    }
                }
            }
        }
    }

    fn t_6_1_7(&mut self, root: &Map<String, Value>) {
        for (vp, v) in vulns(root) {
            let mut versions: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            for (si, s) in arr(v.get("scores")).iter().enumerate() {
                let vs: Vec<&str> = ["cvss_v2", "cvss_v3"]
                    .iter()
                    .filter_map(|k| s.get(*k)?.get("version")?.as_str())
                    .collect();
                for (pi, p) in arr(s.get("products")).iter().enumerate() {
                    let Some(p) = p.as_str() else { continue };
                    let set = versions.entry(p).or_default();
                    for ver in &vs {
                        if !set.insert(ver) {
                            self.push(
                                "6.1.7",
                                format!("{vp}/scores/{si}/products/{pi}"),
                                format!("product `{p}` already has a CVSS {ver} score"),
                            );
                        }
                    }
                }
            }
        }
    }

    /// 6.1.8 (the CVSS objects' schema), 6.1.9 (scores recomputed),
    /// 6.1.10 (properties consistent with the vector).
    fn t_cvss(&mut self, root: &Map<String, Value>) {
        for (vp, v) in vulns(root) {
            for (si, s) in arr(v.get("scores")).iter().enumerate() {
                if let Some(c) = s.get("cvss_v3") {
                    self.cvss_v3(&format!("{vp}/scores/{si}/cvss_v3"), c);
                }
                if let Some(c) = s.get("cvss_v2") {
                    let p = format!("{vp}/scores/{si}/cvss_v2");
                    let Some(o) = c.as_object() else {
                        self.push("6.1.8", p, "must be an object");
                        continue;
                    };
                    if o.get("version").and_then(Value::as_str) != Some("2.0") {
                        self.push("6.1.8", key(&p, "version"), "must be \"2.0\"");
                    }
                    if !o.get("vectorString").is_some_and(Value::is_string) {
                        self.push(
                            "6.1.8",
                            key(&p, "vectorString"),
                            "required property `vectorString` is missing",
                        );
                    }
                    if !o
                        .get("baseScore")
                        .and_then(Value::as_f64)
                        .is_some_and(|x| (0.0..=10.0).contains(&x))
                    {
                        self.push(
                            "6.1.8",
                            key(&p, "baseScore"),
                            "required: a number from 0 to 10",
                        );
                    }
                    if let (Some(vector), Some(stated)) = (
                        o.get("vectorString").and_then(Value::as_str),
                        o.get("baseScore").and_then(Value::as_f64),
                    ) {
                        match cvss_v2_base(vector) {
                            None => self.push(
                                "6.1.8",
                                key(&p, "vectorString"),
                                format!("`{vector}` is not a CVSS v2 base vector"),
                            ),
                            Some(computed) if (computed - stated).abs() > 0.05 => self.push(
                                "6.1.9",
                                key(&p, "baseScore"),
                                format!("{stated} stated, the vector gives {computed}"),
                            ),
                            Some(_) => {}
                        }
                    }
                }
            }
        }
    }

    fn cvss_v3(&mut self, p: &str, c: &Value) {
        let Some(o) = c.as_object() else {
            self.push("6.1.8", p, "must be an object");
            return;
        };
        let version = o.get("version").and_then(Value::as_str);
        if !matches!(version, Some("3.0" | "3.1")) {
            self.push("6.1.8", key(p, "version"), "required: \"3.0\" or \"3.1\"");
        }
        let base = o.get("baseScore").and_then(Value::as_f64);
        if !base.is_some_and(|x| (0.0..=10.0).contains(&x)) {
            self.push(
                "6.1.8",
                key(p, "baseScore"),
                "required: a number from 0 to 10",
            );
        }
        let severities = ["NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"];
        let severity = o.get("baseSeverity").and_then(Value::as_str);
        if !severity.is_some_and(|s| severities.contains(&s)) {
            self.push(
                "6.1.8",
                key(p, "baseSeverity"),
                format!("required: one of {}", severities.join(", ")),
            );
        }
        let Some(vector) = o.get("vectorString").and_then(Value::as_str) else {
            self.push(
                "6.1.8",
                key(p, "vectorString"),
                "required property `vectorString` is missing",
            );
            return;
        };
        let prefix_ok = vector.starts_with("CVSS:3.0/") || vector.starts_with("CVSS:3.1/");
        let scores = if prefix_ok {
            bulwark_scoring::cvss::v3_scores(vector).ok()
        } else {
            None
        };
        let Some(scores) = scores else {
            self.push(
                "6.1.8",
                key(p, "vectorString"),
                format!("`{vector}` is not a CVSS v3.x vector"),
            );
            return;
        };
        // 6.1.9: the stated scores are the vector's.
        let checks = [
            ("baseScore", Some(scores.base)),
            ("temporalScore", Some(scores.temporal)),
            ("environmentalScore", Some(scores.environmental)),
        ];
        for (name, computed) in checks {
            if let (Some(stated), Some(computed)) = (o.get(name).and_then(Value::as_f64), computed)
                && (stated - computed).abs() > 0.05
            {
                self.push(
                    "6.1.9",
                    key(p, name),
                    format!("{stated} stated, the vector gives {computed}"),
                );
            }
        }
        for (name, score) in [
            ("baseSeverity", scores.base),
            ("temporalSeverity", scores.temporal),
            ("environmentalSeverity", scores.environmental),
        ] {
            let expected = bulwark_scoring::cvss::Severity::of(score)
                .as_str()
                .to_ascii_uppercase();
            if let Some(stated) = o.get(name).and_then(Value::as_str)
                && stated != expected
            {
                self.push(
                    "6.1.9",
                    key(p, name),
                    format!("{stated} stated, the score {score} is {expected}"),
                );
            }
        }
        // 6.1.10: properties agree with the vector.
        if let Some(version) = version
            && !vector.starts_with(&format!("CVSS:{version}/"))
        {
            self.push(
                "6.1.10",
                key(p, "version"),
                format!("version {version} but the vector is `{vector}`"),
            );
        }
        let metrics: BTreeMap<&str, &str> = vector
            .split('/')
            .skip(1)
            .filter_map(|c| c.split_once(':'))
            .collect();
        for (abbr, property, values) in CVSS_V3_PROPERTIES {
            let Some(stated) = o.get(*property).and_then(Value::as_str) else {
                continue;
            };
            let in_vector = metrics.get(abbr).copied().unwrap_or("X");
            let expected = values
                .iter()
                .find(|(a, _)| *a == in_vector)
                .map(|(_, full)| *full);
            if expected != Some(stated) {
                self.push(
                    "6.1.10",
                    key(p, property),
                    format!("{stated} stated, the vector says {abbr}:{in_vector}"),
                );
            }
        }
    }

    fn t_6_1_11(&mut self, root: &Map<String, Value>) {
        for (vp, v) in vulns(root) {
            let Some(cwe) = v.get("cwe").and_then(Value::as_object) else {
                continue;
            };
            let Some(id) = cwe.get("id").and_then(Value::as_str) else {
                continue;
            };
            if !is_cwe_id(id) {
                self.push(
                    "6.1.11",
                    format!("{vp}/cwe/id"),
                    format!("`{id}` is not a CWE id (CWE-N)"),
                );
                continue;
            }
            if let (Some((_, name)), Some(stated)) = (
                CWE_NAMES.iter().find(|(i, _)| *i == id),
                cwe.get("name").and_then(Value::as_str),
            ) && stated != *name
            {
                self.push(
                    "6.1.11",
                    format!("{vp}/cwe/name"),
                    format!("{id} is \"{name}\", not \"{stated}\""),
                );
            }
        }
    }

    fn t_6_1_12(&mut self, root: &Map<String, Value>) {
        let Some(d) = root.get("document").and_then(Value::as_object) else {
            return;
        };
        for k in ["lang", "source_lang"] {
            if let Some(l) = d.get(k) {
                match l.as_str() {
                    Some(s) if language_ok(s) => {}
                    _ => self.push(
                        "6.1.12",
                        format!("/document/{k}"),
                        format!("{l} is not a valid language tag"),
                    ),
                }
            }
        }
    }

    fn t_6_1_13(&mut self, root: &Map<String, Value>) {
        let mut found = Vec::new();
        if let Some(tree) = root.get("product_tree") {
            walk_full_product_names(tree, "/product_tree", &mut |path, f| {
                if let Some(purl) = f
                    .pointer("/product_identification_helper/purl")
                    .and_then(Value::as_str)
                {
                    found.push((
                        format!("{path}/product_identification_helper/purl"),
                        purl.to_owned(),
                    ));
                }
            });
        }
        for (path, purl) in found {
            if let Err(e) = Purl::parse(&purl) {
                self.push(
                    "6.1.13",
                    path,
                    format!("`{purl}` is not a valid package URL: {e}"),
                );
            }
        }
    }

    /// 6.1.14, 6.1.16–6.1.22 and 6.1.30: the revision history and version.
    fn t_tracking(&mut self, root: &Map<String, Value>) {
        let Some(t) = tracking(root) else { return };
        let status = t.get("status").and_then(Value::as_str);
        let version_text = t.get("version").and_then(Value::as_str);
        let version = version_text.and_then(version_of);
        let history: Vec<(usize, &str, Option<Version>, Option<OffsetDateTime>)> =
            arr(t.get("revision_history"))
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    let n = r.get("number")?.as_str()?;
                    Some((i, n, version_of(n), date_of(r.get("date")?)))
                })
                .collect();
        let hp = "/document/tracking/revision_history";
        let all_parse = history
            .iter()
            .all(|(_, _, v, d)| v.is_some() && d.is_some());

        // 6.1.30: one scheme for the version and every revision number.
        if let Some(version) = &version {
            for (i, n, v, _) in &history {
                if let Some(v) = v
                    && v.integer != version.integer
                {
                    self.push("6.1.30", format!("{hp}/{i}/number"), format!("`{n}` and the document version `{}` mix integer and semantic versioning", version_text.unwrap_or_default()));
                }
            }
        }
        // Integer versions count as `n.0.0` here, so a mixed history (6.1.30)
        // is still checked.
        if all_parse && !history.is_empty() {
            // 6.1.14: sorted by date, the numbers ascend.
            let mut by_date: Vec<&(usize, &str, Option<Version>, Option<OffsetDateTime>)> =
                history.iter().collect();
            // Revisions of the same date may be in either order: ties go
            // by number.
            by_date.sort_by(|a, b| {
                a.3.cmp(&b.3)
                    .then_with(|| cmp_version(a.2.as_ref(), b.2.as_ref()))
            });
            let mut distinct: Vec<&Version> = Vec::new();
            for e in &by_date {
                if let Some(v) = &e.2
                    && !distinct
                        .iter()
                        .any(|d| d.cmp_precedence(v) == Ordering::Equal)
                {
                    distinct.push(v);
                }
            }
            if distinct
                .windows(2)
                .any(|w| w[1].cmp_precedence(w[0]) != Ordering::Greater)
            {
                self.push(
                    "6.1.14",
                    hp,
                    "sorted by date, the revision numbers do not ascend",
                );
            }
            // 6.1.16: the version is the latest revision's number.
            if let (Some(latest), Some(vt)) = (
                by_date.iter().max_by(|a, b| {
                    a.3.cmp(&b.3)
                        .then_with(|| cmp_version(a.2.as_ref(), b.2.as_ref()))
                }),
                version_text,
            ) {
                let norm = |s: &str| -> String {
                    if status == Some("draft") {
                        s.split(['+', '-']).next().unwrap_or(s).to_owned()
                    } else {
                        s.split('+').next().unwrap_or(s).to_owned()
                    }
                };
                if norm(latest.1) != norm(vt) {
                    self.push(
                        "6.1.16",
                        "/document/tracking/version",
                        format!("`{vt}` but the latest revision is `{}`", latest.1),
                    );
                }
            }
            // 6.1.21: by date, major numbers start at 0 or 1 without gaps.
            let mut majors: Vec<u64> = Vec::new();
            for e in &by_date {
                if let Some(v) = &e.2
                    && !majors.contains(&v.major)
                {
                    majors.push(v.major);
                }
            }
            if let Some(first) = majors.first().copied() {
                if first > 1 {
                    self.push(
                        "6.1.21",
                        hp,
                        format!("the first revision (by date) is {first}, not 0 or 1"),
                    );
                }
                for (i, m) in majors.iter().enumerate() {
                    let expected = first + i as u64;
                    if *m > expected {
                        self.push("6.1.21", hp, format!("version {expected} is missing"));
                    }
                }
            }
        }
        // 6.1.17: version 0.y.z or a pre-release is a draft.
        if let Some(v) = &version
            && (v.major == 0 || v.pre.is_some())
            && status.is_some_and(|s| s != "draft")
        {
            self.push(
                "6.1.17",
                "/document/tracking/status",
                format!(
                    "version `{}` is a draft's, but the status is {}",
                    version_text.unwrap_or_default(),
                    status.unwrap_or_default()
                ),
            );
        }
        // 6.1.18: a released document has no revision 0 / 0.y.z.
        if matches!(status, Some("final" | "interim")) {
            for (i, n, v, _) in &history {
                if v.as_ref().is_some_and(|v| v.major == 0) {
                    self.push(
                        "6.1.18",
                        format!("{hp}/{i}/number"),
                        format!(
                            "revision `{n}` is a draft's, in a {} document",
                            status.unwrap_or_default()
                        ),
                    );
                }
            }
            // 6.1.20: its version has no pre-release part.
            if version.as_ref().is_some_and(|v| v.pre.is_some()) {
                self.push(
                    "6.1.20",
                    "/document/tracking/version",
                    format!(
                        "`{}` is a pre-release version, in a {} document",
                        version_text.unwrap_or_default(),
                        status.unwrap_or_default()
                    ),
                );
            }
        }
        // 6.1.19: no revision is a pre-release.
        for (i, n, v, _) in &history {
            if v.as_ref().is_some_and(|v| v.pre.is_some()) {
                self.push(
                    "6.1.19",
                    format!("{hp}/{i}/number"),
                    format!("revision `{n}` is a pre-release version"),
                );
            }
        }
        // 6.1.22: each number once.
        for (j, (i, n, v, _)) in history.iter().enumerate() {
            if let Some(v) = v
                && history[..j].iter().any(|(_, _, w, _)| {
                    w.as_ref().is_some_and(|w| {
                        w.cmp_precedence(v) == Ordering::Equal && w.integer == v.integer
                    })
                })
            {
                self.push(
                    "6.1.22",
                    format!("{hp}/{i}/number"),
                    format!("revision `{n}` appears more than once"),
                );
            }
        }
    }

    fn t_6_1_15_and_28(&mut self, root: &Map<String, Value>) {
        let Some(d) = root.get("document").and_then(Value::as_object) else {
            return;
        };
        let lang = d.get("lang").and_then(Value::as_str);
        let source = d.get("source_lang").and_then(Value::as_str);
        if d.get("publisher")
            .and_then(|p| p.get("category"))
            .and_then(Value::as_str)
            == Some("translator")
            && source.is_none()
        {
            self.push(
                "6.1.15",
                "/document/source_lang",
                "a translator's document states its source language",
            );
        }
        if let (Some(l), Some(s)) = (lang, source)
            && l.eq_ignore_ascii_case(s)
        {
            self.push(
                "6.1.28",
                "/document/lang",
                format!("a translation's language `{l}` is its source language"),
            );
        }
    }

    fn t_6_1_23(&mut self, root: &Map<String, Value>) {
        let mut seen = BTreeSet::new();
        for (vp, v) in vulns(root) {
            if let Some(cve) = v.get("cve").and_then(Value::as_str)
                && !seen.insert(cve)
            {
                self.push(
                    "6.1.23",
                    format!("{vp}/cve"),
                    format!("{cve} is used by another vulnerability too"),
                );
            }
        }
    }

    fn t_6_1_24(&mut self, root: &Map<String, Value>) {
        for (vp, v) in vulns(root) {
            let mut seen = BTreeSet::new();
            for (i, inv) in arr(v.get("involvements")).iter().enumerate() {
                let party = inv.get("party").and_then(Value::as_str);
                // A date that cannot be compared cannot be told apart.
                if inv.get("date").is_some_and(|d| date_of(d).is_none()) {
                    self.push(
                        "6.1.24",
                        format!("{vp}/involvements/{i}/date"),
                        "a date that is not a date-time cannot be compared with the others",
                    );
                }
                let date = inv.get("date").map(|d| {
                    date_of(d)
                        .map(|d| d.unix_timestamp_nanos().to_string())
                        .unwrap_or_else(|| d.to_string())
                });
                if !seen.insert((party, date)) {
                    self.push(
                        "6.1.24",
                        format!("{vp}/involvements/{i}"),
                        "the same party and date appear in another involvement",
                    );
                }
            }
        }
    }

    fn t_6_1_25(&mut self, root: &Map<String, Value>) {
        let mut found = Vec::new();
        if let Some(tree) = root.get("product_tree") {
            walk_full_product_names(tree, "/product_tree", &mut |path, f| {
                for (hi, h) in arr(f.pointer("/product_identification_helper/hashes"))
                    .iter()
                    .enumerate()
                {
                    let mut seen = BTreeSet::new();
                    for (fi, fh) in arr(h.get("file_hashes")).iter().enumerate() {
                        if let Some(alg) = fh.get("algorithm").and_then(Value::as_str)
                            && !seen.insert(alg.to_ascii_lowercase())
                        {
                            found.push((format!("{path}/product_identification_helper/hashes/{hi}/file_hashes/{fi}"), alg.to_owned()));
                        }
                    }
                }
            });
        }
        for (path, alg) in found {
            self.push(
                "6.1.25",
                path,
                format!("hash algorithm {alg} is used twice for one file"),
            );
        }
    }

    /// Only names of the profiles are refused (in any spelling that
    /// normalises to one); 6.1.26's comparison with close names is not done.
    fn t_6_1_26(&mut self, root: &Map<String, Value>) {
        let Some(c) = at(root, "/document/category").and_then(Value::as_str) else {
            return;
        };
        const PROFILES: &[&str] = &[
            "csaf_base",
            "csaf_security_incident_response",
            "csaf_informational_advisory",
            "csaf_security_advisory",
            "csaf_vex",
        ];
        if PROFILES.contains(&c) {
            return;
        }
        let norm: String = c
            .chars()
            .filter(|ch| !matches!(ch, '-' | '_') && !ch.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect();
        let prohibited = c.to_ascii_lowercase().starts_with("csaf_")
            || PROFILES.iter().any(|p| {
                p.replace('_', "") == norm || p.trim_start_matches("csaf_").replace('_', "") == norm
            });
        if prohibited {
            self.push(
                "6.1.26",
                "/document/category",
                format!("`{c}` is (a spelling of) a profile's name without being that profile"),
            );
        }
    }

    /// The profile tests for the five CSAF 2.0 profiles.
    fn t_6_1_27(&mut self, root: &Map<String, Value>, ids: &Products) {
        let Some(category) = at(root, "/document/category").and_then(Value::as_str) else {
            return;
        };
        if matches!(
            category,
            "csaf_security_incident_response" | "csaf_informational_advisory"
        ) {
            let ok = arr(at(root, "/document/notes")).iter().any(|n| {
                n.get("category")
                    .and_then(Value::as_str)
                    .is_some_and(|c| ["description", "details", "general", "summary"].contains(&c))
            });
            if !ok {
                self.push(
                    "6.1.27.1",
                    "/document/notes",
                    "needs a note of category description, details, general or summary",
                );
            }
            let ok = arr(at(root, "/document/references"))
                .iter()
                .any(|r| r.get("category").and_then(Value::as_str) == Some("external"));
            if !ok {
                self.push(
                    "6.1.27.2",
                    "/document/references",
                    "needs a reference of category external",
                );
            }
        }
        if category == "csaf_informational_advisory" && root.contains_key("vulnerabilities") {
            self.push(
                "6.1.27.3",
                "/vulnerabilities",
                "an informational advisory has no vulnerabilities",
            );
        }
        if !matches!(category, "csaf_security_advisory" | "csaf_vex") {
            return;
        }
        if !root.contains_key("product_tree") {
            self.push("6.1.27.4", "/product_tree", "needs a product tree");
        }
        if !root.contains_key("vulnerabilities") {
            self.push("6.1.27.11", "/vulnerabilities", "needs vulnerabilities");
        }
        for (vp, v) in vulns(root) {
            if !v.contains_key("notes") {
                self.push(
                    "6.1.27.5",
                    format!("{vp}/notes"),
                    "a vulnerability needs notes",
                );
            }
            let ps = v.get("product_status").and_then(Value::as_object);
            if category == "csaf_security_advisory" {
                if ps.is_none() {
                    self.push(
                        "6.1.27.6",
                        format!("{vp}/product_status"),
                        "a vulnerability needs a product status",
                    );
                }
                continue;
            }
            // csaf_vex
            let vex_lists = [
                "fixed",
                "known_affected",
                "known_not_affected",
                "under_investigation",
            ];
            if !ps.is_some_and(|ps| vex_lists.iter().any(|l| ps.contains_key(*l))) {
                self.push(
                    "6.1.27.7",
                    format!("{vp}/product_status"),
                    "needs fixed, known_affected, known_not_affected or under_investigation",
                );
            }
            if !v.contains_key("cve") && !v.contains_key("ids") {
                self.push(
                    "6.1.27.8",
                    vp.clone(),
                    "a VEX vulnerability needs `cve` or `ids`",
                );
            }
            let covered = |list: &str, category: Option<&str>| -> BTreeSet<String> {
                let mut out = BTreeSet::new();
                for item in arr(v.get(list)) {
                    if category
                        .is_some_and(|c| item.get("category").and_then(Value::as_str) != Some(c))
                    {
                        continue;
                    }
                    out.extend(strs(item.get("product_ids")).into_iter().map(str::to_owned));
                    for g in strs(item.get("group_ids")) {
                        out.extend(ids.group(g).iter().cloned());
                    }
                }
                out
            };
            if let Some(ps) = ps {
                let impact: BTreeSet<String> = covered("flags", None)
                    .union(&covered("threats", Some("impact")))
                    .cloned()
                    .collect();
                for (i, id) in arr(ps.get("known_not_affected")).iter().enumerate() {
                    if let Some(id) = id.as_str()
                        && !impact.contains(id)
                    {
                        self.push(
                            "6.1.27.9",
                            format!("{vp}/product_status/known_not_affected/{i}"),
                            format!(
                                "`{id}` needs an impact statement (a flag or an impact threat)"
                            ),
                        );
                    }
                }
                let action = covered("remediations", None);
                for (i, id) in arr(ps.get("known_affected")).iter().enumerate() {
                    if let Some(id) = id.as_str()
                        && !action.contains(id)
                    {
                        self.push(
                            "6.1.27.10",
                            format!("{vp}/product_status/known_affected/{i}"),
                            format!("`{id}` needs an action statement (a remediation)"),
                        );
                    }
                }
            }
        }
    }

    /// 6.1.29 (remediation) and 6.1.32 (flag) without product reference.
    fn t_6_1_29_32(&mut self, root: &Map<String, Value>) {
        for (vp, v) in vulns(root) {
            for (list, test) in [("remediations", "6.1.29"), ("flags", "6.1.32")] {
                for (i, item) in arr(v.get(list)).iter().enumerate() {
                    if item.get("product_ids").is_none() && item.get("group_ids").is_none() {
                        self.push(
                            test,
                            format!("{vp}/{list}/{i}"),
                            "names no product (`product_ids` or `group_ids`)",
                        );
                    }
                }
            }
        }
    }

    fn t_6_1_31(&mut self, root: &Map<String, Value>) {
        fn walk(branches: &[Value], path: &str, out: &mut Vec<(String, String)>) {
            for (i, b) in branches.iter().enumerate() {
                let p = format!("{path}/{i}");
                if b.get("category").and_then(Value::as_str) == Some("product_version")
                    && let Some(name) = b.get("name").and_then(Value::as_str)
                {
                    let lower = name.to_lowercase();
                    let words = [
                        "after", "all", "before", "earlier", "later", "prior", "versions",
                    ];
                    if lower.contains('<')
                        || lower.contains('>')
                        || lower.split_whitespace().any(|w| words.contains(&w))
                    {
                        out.push((format!("{p}/name"), name.to_owned()));
                    }
                }
                walk(arr(b.get("branches")), &format!("{p}/branches"), out);
            }
        }
        let mut out = Vec::new();
        walk(
            arr(at(root, "/product_tree/branches")),
            "/product_tree/branches",
            &mut out,
        );
        for (p, name) in out {
            self.push(
                "6.1.31",
                p,
                format!("product version `{name}` is a range: use product_version_range"),
            );
        }
    }

    fn t_6_1_33(&mut self, root: &Map<String, Value>, ids: &Products) {
        for (vp, v) in vulns(root) {
            let mut seen = BTreeSet::new();
            for (i, f) in arr(v.get("flags")).iter().enumerate() {
                let mut products: BTreeSet<String> = strs(f.get("product_ids"))
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                for g in strs(f.get("group_ids")) {
                    products.extend(ids.group(g).iter().cloned());
                }
                for p in products {
                    if !seen.insert(p.clone()) {
                        self.push(
                            "6.1.33",
                            format!("{vp}/flags/{i}"),
                            format!("product `{p}` already has a VEX justification flag"),
                        );
                    }
                }
            }
        }
    }
}

/// The product ids a document defines (in document order, with their
/// paths) and its product groups.
pub(crate) struct Products {
    pub(crate) defined: Vec<(String, String)>,
    groups: BTreeMap<String, Vec<String>>,
}

impl Products {
    fn collect(root: &Map<String, Value>) -> Products {
        let mut defined = Vec::new();
        let mut groups = BTreeMap::new();
        if let Some(tree) = root.get("product_tree") {
            walk_full_product_names(tree, "/product_tree", &mut |path, f| {
                if let Some(id) = f.get("product_id").and_then(Value::as_str) {
                    defined.push((id.to_owned(), format!("{path}/product_id")));
                }
            });
            for g in arr(tree.get("product_groups")) {
                if let Some(id) = g.get("group_id").and_then(Value::as_str) {
                    groups.insert(
                        id.to_owned(),
                        strs(g.get("product_ids"))
                            .into_iter()
                            .map(str::to_owned)
                            .collect(),
                    );
                }
            }
        }
        Products { defined, groups }
    }

    fn group(&self, id: &str) -> &[String] {
        self.groups.get(id).map_or(&[], Vec::as_slice)
    }
}

/// Calls `f` with the path and value of every full product name of the
/// product tree (branches' products, `full_product_names`, relationships').
fn walk_full_product_names(tree: &Value, path: &str, f: &mut dyn FnMut(&str, &Value)) {
    fn branches(list: &[Value], path: &str, f: &mut dyn FnMut(&str, &Value)) {
        for (i, b) in list.iter().enumerate() {
            let p = format!("{path}/{i}");
            if let Some(prod) = b.get("product") {
                f(&format!("{p}/product"), prod);
            }
            branches(arr(b.get("branches")), &format!("{p}/branches"), f);
        }
    }
    branches(arr(tree.get("branches")), &format!("{path}/branches"), f);
    for (i, fp) in arr(tree.get("full_product_names")).iter().enumerate() {
        f(&format!("{path}/full_product_names/{i}"), fp);
    }
    for (i, r) in arr(tree.get("relationships")).iter().enumerate() {
        if let Some(fp) = r.get("full_product_name") {
            f(&format!("{path}/relationships/{i}/full_product_name"), fp);
        }
    }
}

/// Every place a product id is referred to (6.1.1), with its path.
fn product_references(root: &Map<String, Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut list = |v: Option<&Value>, path: String| {
        for (i, id) in arr(v).iter().enumerate() {
            if let Some(id) = id.as_str() {
                out.push((id.to_owned(), format!("{path}/{i}")));
            }
        }
    };
    if let Some(tree) = root.get("product_tree") {
        for (i, g) in arr(tree.get("product_groups")).iter().enumerate() {
            list(
                g.get("product_ids"),
                format!("/product_tree/product_groups/{i}/product_ids"),
            );
        }
    }
    for (vp, v) in vulns(root) {
        if let Some(ps) = v.get("product_status").and_then(Value::as_object) {
            for (k, ids) in ps {
                list(Some(ids), key(&format!("{vp}/product_status"), k));
            }
        }
        for name in ["remediations", "threats", "flags"] {
            for (i, item) in arr(v.get(name)).iter().enumerate() {
                list(
                    item.get("product_ids"),
                    format!("{vp}/{name}/{i}/product_ids"),
                );
            }
        }
        for (i, s) in arr(v.get("scores")).iter().enumerate() {
            list(s.get("products"), format!("{vp}/scores/{i}/products"));
        }
    }
    let rels = root
        .get("product_tree")
        .map(|t| arr(t.get("relationships")))
        .unwrap_or(&[]);
    for (i, r) in rels.iter().enumerate() {
        for k in ["product_reference", "relates_to_product_reference"] {
            if let Some(id) = r.get(k).and_then(Value::as_str) {
                out.push((
                    id.to_owned(),
                    format!("/product_tree/relationships/{i}/{k}"),
                ));
            }
        }
    }
    out
}

/// CVSS v3 properties: abbreviation, property name, values.
type Metric = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);
const NLH: &[(&str, &str)] = &[("N", "NONE"), ("L", "LOW"), ("H", "HIGH")];
const XNLH: &[(&str, &str)] = &[
    ("X", "NOT_DEFINED"),
    ("N", "NONE"),
    ("L", "LOW"),
    ("H", "HIGH"),
];
const XLMH: &[(&str, &str)] = &[
    ("X", "NOT_DEFINED"),
    ("L", "LOW"),
    ("M", "MEDIUM"),
    ("H", "HIGH"),
];
const AV: &[(&str, &str)] = &[
    ("N", "NETWORK"),
    ("A", "ADJACENT_NETWORK"),
    ("L", "LOCAL"),
    ("P", "PHYSICAL"),
];
const MAV: &[(&str, &str)] = &[
    ("X", "NOT_DEFINED"),
    ("N", "NETWORK"),
    ("A", "ADJACENT_NETWORK"),
    ("L", "LOCAL"),
    ("P", "PHYSICAL"),
];
const AC: &[(&str, &str)] = &[("L", "LOW"), ("H", "HIGH")];
const MAC: &[(&str, &str)] = &[("X", "NOT_DEFINED"), ("L", "LOW"), ("H", "HIGH")];
const UI: &[(&str, &str)] = &[("N", "NONE"), ("R", "REQUIRED")];
const MUI: &[(&str, &str)] = &[("X", "NOT_DEFINED"), ("N", "NONE"), ("R", "REQUIRED")];
const S: &[(&str, &str)] = &[("U", "UNCHANGED"), ("C", "CHANGED")];
const MS: &[(&str, &str)] = &[("X", "NOT_DEFINED"), ("U", "UNCHANGED"), ("C", "CHANGED")];
const CVSS_V3_PROPERTIES: &[Metric] = &[
    ("AV", "attackVector", AV),
    ("AC", "attackComplexity", AC),
    ("PR", "privilegesRequired", NLH),
    ("UI", "userInteraction", UI),
    ("S", "scope", S),
    ("C", "confidentialityImpact", NLH),
    ("I", "integrityImpact", NLH),
    ("A", "availabilityImpact", NLH),
    (
        "E",
        "exploitCodeMaturity",
        &[
            ("X", "NOT_DEFINED"),
            ("U", "UNPROVEN"),
            ("P", "PROOF_OF_CONCEPT"),
            ("F", "FUNCTIONAL"),
            ("H", "HIGH"),
        ],
    ),
    (
        "RL",
        "remediationLevel",
        &[
            ("X", "NOT_DEFINED"),
            ("O", "OFFICIAL_FIX"),
            ("T", "TEMPORARY_FIX"),
            ("W", "WORKAROUND"),
            ("U", "UNAVAILABLE"),
        ],
    ),
    (
        "RC",
        "reportConfidence",
        &[
            ("X", "NOT_DEFINED"),
            ("U", "UNKNOWN"),
            ("R", "REASONABLE"),
            ("C", "CONFIRMED"),
        ],
    ),
    ("CR", "confidentialityRequirement", XLMH),
    ("IR", "integrityRequirement", XLMH),
    ("AR", "availabilityRequirement", XLMH),
    ("MAV", "modifiedAttackVector", MAV),
    ("MAC", "modifiedAttackComplexity", MAC),
    ("MPR", "modifiedPrivilegesRequired", XNLH),
    ("MUI", "modifiedUserInteraction", MUI),
    ("MS", "modifiedScope", MS),
    ("MC", "modifiedConfidentialityImpact", XNLH),
    ("MI", "modifiedIntegrityImpact", XNLH),
    ("MA", "modifiedAvailabilityImpact", XNLH),
];

fn category_pattern_ok(s: &str) -> bool {
    let bad = |c: char| c.is_whitespace() || matches!(c, '-' | '_' | '.');
    match (s.chars().next(), s.chars().last()) {
        (Some(a), Some(b)) => !bad(a) && !bad(b),
        _ => false,
    }
}

fn is_cve(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, num)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && num.len() >= 4
        && num.bytes().all(|b| b.is_ascii_digit())
}

/// `^CWE-[1-9]\d{0,5}$`
fn is_cwe_id(s: &str) -> bool {
    s.strip_prefix("CWE-").is_some_and(|n| {
        (1..=6).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0')
    })
}

/// A BCP 47 tag's syntax, and a two-letter primary language in ISO 639-1.
fn language_ok(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let Some(primary) = parts.next() else {
        return false;
    };
    let alpha = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphabetic());
    let primary_ok = match primary.len() {
        2 => {
            alpha(primary)
                && ISO_639_1
                    .split(' ')
                    .any(|c| c.eq_ignore_ascii_case(primary))
        }
        3 | 5..=8 => alpha(primary),
        1 => primary.eq_ignore_ascii_case("x") || primary.eq_ignore_ascii_case("i"),
        _ => false,
    };
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// An integer version (`"3"`) or a semantic version (`"1.2.0-rc.1+b"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Version {
    pub(crate) integer: bool,
    pub(crate) major: u64,
    minor: u64,
    patch: u64,
    pub(crate) pre: Option<String>,
}

fn numeric(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

pub(crate) fn version_of(s: &str) -> Option<Version> {
    if let Some(n) = numeric(s) {
        return Some(Version {
            integer: true,
            major: n,
            minor: 0,
            patch: 0,
            pre: None,
        });
    }
    let (rest, build) = match s.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (s, None),
    };
    let ident_ok =
        |i: &str| !i.is_empty() && i.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if let Some(b) = build
        && !b.split('.').all(ident_ok)
    {
        return None;
    }
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    if let Some(p) = pre
        && !p.split('.').all(|i| {
            ident_ok(i) && (!i.bytes().all(|b| b.is_ascii_digit()) || numeric(i).is_some())
        })
    {
        return None;
    }
    let mut nums = core.split('.');
    let (major, minor, patch) = (
        numeric(nums.next()?)?,
        numeric(nums.next()?)?,
        numeric(nums.next()?)?,
    );
    if nums.next().is_some() {
        return None;
    }
    Some(Version {
        integer: false,
        major,
        minor,
        patch,
        pre: pre.map(str::to_owned),
    })
}

impl Version {
    /// SemVer 2.0 precedence (§11); an integer version `n` is `n.0.0`.
    pub(crate) fn cmp_precedence(&self, other: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => {
                    let mut a = a.split('.');
                    let mut b = b.split('.');
                    loop {
                        match (a.next(), b.next()) {
                            (None, None) => return Ordering::Equal,
                            (None, Some(_)) => return Ordering::Less,
                            (Some(_), None) => return Ordering::Greater,
                            (Some(x), Some(y)) => {
                                let o = match (numeric(x), numeric(y)) {
                                    (Some(x), Some(y)) => x.cmp(&y),
                                    (Some(_), None) => Ordering::Less,
                                    (None, Some(_)) => Ordering::Greater,
                                    (None, None) => x.cmp(y),
                                };
                                if o != Ordering::Equal {
                                    return o;
                                }
                            }
                        }
                    }
                }
            })
    }
}

fn cmp_version(a: Option<&Version>, b: Option<&Version>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp_precedence(b),
        _ => Ordering::Equal,
    }
}

/// The CVSS v2 base score (CVSS v2 guide §3.2.1) of a vector's six base
/// metrics (temporal and environmental metrics, if any, are ignored).
fn cvss_v2_base(vector: &str) -> Option<f64> {
    let mut m: BTreeMap<&str, &str> = BTreeMap::new();
    for c in vector
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .split('/')
    {
        let (k, v) = c.split_once(':')?;
        if m.insert(k, v).is_some() {
            return None;
        }
    }
    let av = match *m.get("AV")? {
        "L" => 0.395,
        "A" => 0.646,
        "N" => 1.0,
        _ => return None,
    };
    let ac = match *m.get("AC")? {
        "H" => 0.35,
        "M" => 0.61,
        "L" => 0.71,
        _ => return None,
    };
    let au = match *m.get("Au")? {
        "M" => 0.45,
        "S" => 0.56,
        "N" => 0.704,
        _ => return None,
    };
    let cia = |k: &str| -> Option<f64> {
        match *m.get(k)? {
            "N" => Some(0.0),
            "P" => Some(0.275),
            "C" => Some(0.660),
            _ => None,
        }
    };
    let (c, i, a) = (cia("C")?, cia("I")?, cia("A")?);
    let impact = 10.41 * (1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a));
    let exploitability = 20.0 * av * ac * au;
    let f = if impact == 0.0 { 0.0 } else { 1.176 };
    let base = (0.6 * impact + 0.4 * exploitability - 1.5) * f;
    Some((base * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_follow_csaf_integer_and_semantic_versioning() {
        assert!(version_of("0").is_some_and(|v| v.integer && v.major == 0));
        assert!(version_of("12").is_some_and(|v| v.integer && v.major == 12));
        assert!(version_of("01").is_none());
        assert!(version_of("1.0").is_none());
        assert!(
            version_of("1.2.3-rc.1+build.5")
                .is_some_and(|v| !v.integer && v.pre.as_deref() == Some("rc.1"))
        );
        assert!(
            version_of("1.2.3-01").is_none(),
            "numeric pre-release identifiers have no leading zero"
        );
        let order = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
        ];
        for w in order.windows(2) {
            let (a, b) = (version_of(w[0]).unwrap(), version_of(w[1]).unwrap());
            assert_eq!(a.cmp_precedence(&b), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(
            version_of("2")
                .unwrap()
                .cmp_precedence(&version_of("2.0.0").unwrap()),
            Ordering::Equal
        );
    }

    #[test]
    fn language_tags() {
        for ok in [
            "en",
            "en-US",
            "de-AT",
            "zh-Hant-TW",
            "gsw",
            "x-private",
            "i-klingon",
        ] {
            assert!(language_ok(ok), "{ok}");
        }
        for bad in ["EZ", "e", "english-", "", "en--US", "en-ABCDEFGHI"] {
            assert!(!language_ok(bad), "{bad}");
        }
    }

    /// Scores from the CVSS v2 guide's worked examples (§3.3).
    #[test]
    fn cvss_v2_base_scores() {
        assert_eq!(cvss_v2_base("AV:N/AC:L/Au:N/C:N/I:N/A:C"), Some(7.8));
        assert_eq!(cvss_v2_base("AV:N/AC:L/Au:N/C:C/I:C/A:C"), Some(10.0));
        assert_eq!(cvss_v2_base("AV:L/AC:H/Au:N/C:C/I:C/A:C"), Some(6.2));
        assert_eq!(cvss_v2_base("AV:N/AC:L/Au:N/C:N/I:N/A:N"), Some(0.0));
        assert_eq!(cvss_v2_base("AV:N/AC:L/Au:N/C:N/I:N"), None);
        assert_eq!(cvss_v2_base("AV:X/AC:L/Au:N/C:N/I:N/A:C"), None);
    }

    #[test]
    fn ids() {
        assert!(is_cve("CVE-2026-10001"));
        assert!(!is_cve("CVE-26-1000"));
        assert!(is_cwe_id("CWE-79"));
        assert!(!is_cwe_id("CWE-0"));
        assert!(!is_cwe_id("CWE-1234567"));
    }
}
