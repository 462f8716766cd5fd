//! CSAF 2.0 (OASIS Common Security Advisory Framework): one [`Finding`] per
//! (vulnerability, affected product).
//!
//! *Affected* is `product_status.known_affected ∪ first_affected ∪
//! last_affected`, in that order, each product once: what the publisher
//! states is vulnerable. `fixed`/`first_fixed`, `known_not_affected`,
//! `recommended` and `under_investigation` are not findings (VEX statements
//! of "not affected" must not open cases); they stay in the document, which
//! the caller keeps raw.
//!
//! A product's package is the first `product_identification_helper.purl`
//! (CSAF 2.1: first of `purls`) of its `full_product_name`, found under
//! `branches` (any depth), `full_product_names` or `relationships`; a
//! relationship's product without one takes its `product_reference`'s (the
//! component is what is vulnerable). The package key is that purl made
//! canonical and versionless ([`crate::advisory`]), else the product's name.
//! The vulnerability id is `cve` (`CVE-` upper-cased), else the smallest CVE
//! among `ids[].text`, else the first of them, else the document's
//! `tracking.id`, `#` and the vulnerability's index. The
//! fingerprint is the advisory basis ([`crate::fingerprint::advisory`]), the
//! same as OSV's, so both fold together.
//!
//! `document.csaf_version` must be `2.0`; `2.1` is also read (the fields read
//! here are unchanged but for `purls` and `cwes`, and the rest is kept as
//! written).
//!
//! Memory: `document` and `product_tree` are held whole (small next to the
//! vulnerabilities). `vulnerabilities[]` are read one at a time and handed
//! over at once when `document` and `product_tree` came first, as in every
//! generator's output and the schema's order; otherwise they are held (as
//! JSON values) until the end of the document. CSAF documents are
//! advisories, typically kilobytes to a few megabytes, so this bound is
//! acceptable; the caller's body limit is the backstop.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Value, json};

use crate::advisory::{package_key_from_purl, vulnerability_id};
use crate::error::{Ctx, ErrorKind, drive, join_path, settle};
use crate::finding::{Finding, ReadError, Summary};
use crate::fingerprint;

/// The CSAF versions read.
pub const CSAF_VERSIONS: [&str; 2] = ["2.0", "2.1"];

pub(crate) fn read<R: Read, E>(
    reader: R,
    sink: &mut dyn FnMut(Finding) -> Result<(), E>,
) -> Result<Summary, ReadError<E>> {
    let mut ctx = Ctx::new(sink);
    let mut state = State::default();
    let outcome = drive(
        reader,
        DocSeed {
            ctx: &mut ctx,
            state: &mut state,
        },
    );
    settle(&mut ctx, outcome).map(|()| state.summary)
}

type CsafCtx<'f, E> = Ctx<'f, Finding, E>;

#[derive(Default)]
struct State {
    summary: Summary,
    document: Option<DocInfo>,
    /// `None` until `product_tree` is seen.
    products: Option<BTreeMap<String, Product>>,
    /// Vulnerabilities that came before `document` or `product_tree`.
    held: Vec<(usize, Value)>,
}

struct DocInfo {
    tracking_id: String,
    title: String,
    engine: Option<Engine>,
    /// The document's metadata for `detail`: `notes`, `references`,
    /// `acknowledgments` and the revision history left out.
    summary: Value,
}

#[derive(Clone)]
struct Product {
    name: String,
    purl: Option<String>,
}

// ---------------------------------------------------------------- typed parts

#[derive(Deserialize)]
struct RawDocument {
    csaf_version: String,
    title: String,
    #[allow(dead_code)]
    category: String,
    tracking: RawTracking,
}

#[derive(Deserialize)]
struct RawTracking {
    id: String,
    generator: Option<RawGenerator>,
}

#[derive(Deserialize)]
struct RawGenerator {
    engine: Option<Engine>,
}

#[derive(Deserialize, Clone)]
struct Engine {
    name: String,
    version: Option<String>,
}

#[derive(Deserialize, Default)]
struct RawProductTree {
    branches: Option<Vec<RawBranch>>,
    full_product_names: Option<Vec<RawFullProductName>>,
    relationships: Option<Vec<RawRelationship>>,
}

#[derive(Deserialize)]
struct RawBranch {
    branches: Option<Vec<RawBranch>>,
    product: Option<RawFullProductName>,
}

#[derive(Deserialize)]
struct RawFullProductName {
    product_id: String,
    name: String,
    product_identification_helper: Option<RawHelper>,
}

#[derive(Deserialize)]
struct RawHelper {
    purl: Option<String>,
    purls: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawRelationship {
    product_reference: String,
    full_product_name: RawFullProductName,
}

#[derive(Deserialize)]
struct RawVulnerability {
    cve: Option<String>,
    ids: Option<Vec<RawId>>,
    title: Option<String>,
    product_status: Option<RawProductStatus>,
}

#[derive(Deserialize)]
struct RawId {
    text: String,
}

#[derive(Deserialize)]
struct RawProductStatus {
    known_affected: Option<Vec<String>>,
    first_affected: Option<Vec<String>>,
    last_affected: Option<Vec<String>>,
}

/// `T` from `v`; a problem is refused with its path under `prefix`.
fn typed<T: for<'a> Deserialize<'a>, Er: de::Error, E>(
    ctx: &mut CsafCtx<'_, E>,
    prefix: Option<&str>,
    v: &Value,
) -> Result<T, Er> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let inner = e.path().to_string();
        let inner = (inner != ".").then_some(inner);
        ctx.inner_path = Some(join_path(prefix.unwrap_or(""), inner.as_deref()));
        ctx.refuse(ErrorKind::Schema, e.into_inner())
    })
}

// ---------------------------------------------------------------- visitors

struct DocSeed<'c, 'f, E> {
    ctx: &'c mut CsafCtx<'f, E>,
    state: &'c mut State,
}

impl<'de, E> DeserializeSeed<'de> for DocSeed<'_, '_, E> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, E> Visitor<'de> for DocSeed<'_, '_, E> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a CSAF document object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (ctx, state) = (self.ctx, self.state);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "document" => {
                    let v: Value = map.next_value()?;
                    state.document = Some(document(ctx, &v)?);
                }
                "product_tree" => {
                    let v: Value = map.next_value()?;
                    let tree: RawProductTree = typed(ctx, Some("product_tree"), &v)?;
                    state.products = Some(products(tree));
                }
                "vulnerabilities" => map.next_value_seed(VulnsSeed {
                    ctx: &mut *ctx,
                    state: &mut *state,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if state.document.is_none() {
            return Err(ctx.refuse(
                ErrorKind::Schema,
                "missing field `document`: not a CSAF document",
            ));
        }
        for (i, v) in std::mem::take(&mut state.held) {
            let prefix = format!("vulnerabilities[{i}]");
            vulnerability(ctx, state, i, v, Some(&prefix))?;
        }
        Ok(())
    }
}

fn document<Er: de::Error, E>(ctx: &mut CsafCtx<'_, E>, v: &Value) -> Result<DocInfo, Er> {
    let d: RawDocument = typed(ctx, Some("document"), v)?;
    if !CSAF_VERSIONS.contains(&d.csaf_version.as_str()) {
        ctx.inner_path = Some("document.csaf_version".into());
        return Err(ctx.refuse(
            ErrorKind::Version,
            format!(
                "unsupported CSAF version {:?}: only 2.0 (and 2.1) are accepted",
                d.csaf_version
            ),
        ));
    }
    let mut summary = v.clone();
    if let Value::Object(m) = &mut summary {
        for k in ["notes", "references", "acknowledgments"] {
            m.remove(k);
        }
        if let Some(Value::Object(t)) = m.get_mut("tracking") {
            t.remove("revision_history");
        }
    }
    Ok(DocInfo {
        tracking_id: d.tracking.id,
        title: d.title,
        engine: d.tracking.generator.and_then(|g| g.engine),
        summary,
    })
}

fn helper_purl(p: &RawFullProductName) -> Option<String> {
    let h = p.product_identification_helper.as_ref()?;
    h.purl
        .clone()
        .or_else(|| h.purls.as_ref().and_then(|p| p.first().cloned()))
}

fn products(tree: RawProductTree) -> BTreeMap<String, Product> {
    let mut out = BTreeMap::new();
    let add = |p: RawFullProductName, out: &mut BTreeMap<String, Product>| {
        let purl = helper_purl(&p);
        out.entry(p.product_id)
            .or_insert(Product { name: p.name, purl });
    };
    // Depth-first with an explicit stack: branches nest arbitrarily.
    let mut stack: Vec<RawBranch> = tree.branches.unwrap_or_default();
    while let Some(b) = stack.pop() {
        if let Some(p) = b.product {
            add(p, &mut out);
        }
        stack.extend(b.branches.unwrap_or_default());
    }
    for p in tree.full_product_names.unwrap_or_default() {
        add(p, &mut out);
    }
    for r in tree.relationships.unwrap_or_default() {
        let own = helper_purl(&r.full_product_name);
        let purl = own.or_else(|| out.get(&r.product_reference).and_then(|p| p.purl.clone()));
        let p = r.full_product_name;
        out.entry(p.product_id)
            .or_insert(Product { name: p.name, purl });
    }
    out
}

struct VulnsSeed<'c, 'f, E> {
    ctx: &'c mut CsafCtx<'f, E>,
    state: &'c mut State,
}

impl<'de, E> DeserializeSeed<'de> for VulnsSeed<'_, '_, E> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, E> Visitor<'de> for VulnsSeed<'_, '_, E> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of vulnerabilities")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while seq
            .next_element_seed(VulnSeed {
                ctx: &mut *self.ctx,
                state: &mut *self.state,
                index: i,
            })?
            .is_some()
        {
            i += 1;
        }
        Ok(())
    }
}

struct VulnSeed<'c, 'f, E> {
    ctx: &'c mut CsafCtx<'f, E>,
    state: &'c mut State,
    index: usize,
}

impl<'de, E> DeserializeSeed<'de> for VulnSeed<'_, '_, E> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let v = Value::deserialize(d)?;
        if self.state.document.is_some() && self.state.products.is_some() {
            vulnerability(self.ctx, self.state, self.index, v, None)
        } else {
            self.state.held.push((self.index, v));
            Ok(())
        }
    }
}

/// Entries of these arrays name the products they are about; `detail` keeps
/// those about the finding's product (and those naming groups or nothing).
const PER_PRODUCT: [&str; 5] = ["remediations", "scores", "threats", "flags", "metrics"];

fn vulnerability<Er: de::Error, E>(
    ctx: &mut CsafCtx<'_, E>,
    state: &mut State,
    index: usize,
    v: Value,
    prefix: Option<&str>,
) -> Result<(), Er> {
    let vuln: RawVulnerability = typed(ctx, prefix, &v)?;
    state.summary.items += 1;
    let Some(doc) = &state.document else {
        return Err(ctx.refuse(ErrorKind::Schema, "missing field `document`"));
    };
    // `cve` in canonical form; else the smallest CVE among `ids`, else the
    // first of them, else the document's own.
    let ids: Vec<&str> = vuln.ids.iter().flatten().map(|i| i.text.as_str()).collect();
    let id = match (
        vuln.cve.as_deref().filter(|c| !c.trim().is_empty()),
        ids.split_first(),
    ) {
        (Some(cve), _) => vulnerability_id(cve, []),
        (None, Some((first, rest))) => vulnerability_id(first, rest.iter().copied()),
        (None, None) => format!("{}#{index}", doc.tracking_id),
    };
    let title = vuln
        .title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| doc.title.clone());
    let mut affected: Vec<(&str, &String)> = Vec::new();
    if let Some(s) = &vuln.product_status {
        for (status, ids) in [
            ("known_affected", &s.known_affected),
            ("first_affected", &s.first_affected),
            ("last_affected", &s.last_affected),
        ] {
            for pid in ids.iter().flatten() {
                if !affected.iter().any(|(_, p)| *p == pid) {
                    affected.push((status, pid));
                }
            }
        }
    }
    let Value::Object(mut base) = v else {
        return Err(Er::custom("a vulnerability must be an object"));
    };
    base.remove("product_status");
    let per_product: Vec<(&str, Vec<Value>)> = PER_PRODUCT
        .iter()
        .filter_map(|k| match base.remove(*k) {
            Some(Value::Array(items)) => Some((*k, items)),
            _ => None,
        })
        .collect();
    let empty = BTreeMap::new();
    let products = state.products.as_ref().unwrap_or(&empty);
    for (status, pid) in affected {
        let product = products.get(pid.as_str()).cloned().unwrap_or(Product {
            name: pid.clone(),
            purl: None,
        });
        let key = product
            .purl
            .as_deref()
            .and_then(package_key_from_purl)
            .unwrap_or_else(|| product.name.clone());
        let mut detail_vuln = base.clone();
        detail_vuln.insert("product_status".into(), json!({ status: [pid] }));
        for (k, items) in &per_product {
            let kept: Vec<Value> = items.iter().filter(|e| about(e, pid)).cloned().collect();
            detail_vuln.insert((*k).into(), Value::Array(kept));
        }
        let finding = Finding {
            fingerprint: fingerprint::advisory(&id, &key),
            rule_id: Some(id.clone()),
            title: title.clone(),
            location: Some(key),
            target: product.purl.clone(),
            tool_name: doc.engine.as_ref().map(|e| e.name.clone()),
            tool_version: doc.engine.as_ref().and_then(|e| e.version.clone()),
            ai_model: None,
            ai_model_version: None,
            detail: json!({
                "document": doc.summary,
                "vulnerability": Value::Object(detail_vuln),
                "product": {"product_id": pid, "name": product.name, "purl": product.purl},
            }),
        };
        state.summary.findings += 1;
        ctx.emit(finding)?;
    }
    Ok(())
}

/// Whether a remediation/score/threat/flag/metric entry is about `pid`.
fn about(entry: &Value, pid: &str) -> bool {
    let Value::Object(m) = entry else {
        return true;
    };
    let list = |k: &str| m.get(k).and_then(Value::as_array);
    match list("product_ids").or_else(|| list("products")) {
        Some(ids) => ids.iter().any(|i| i.as_str() == Some(pid)) || m.contains_key("group_ids"),
        None => true,
    }
}
