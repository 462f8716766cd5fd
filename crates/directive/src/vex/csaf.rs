//! CSAF 2.0, VEX profile (`document.category` = `csaf_vex`).
//!
//! A CSAF vulnerability states several statuses at once: one statement is
//! made per product status list (`vulnerabilities[i].product_status.KEY`)
//! and, inside it, per distinct justification, impact and action, so that
//! every product keeps its own reasons. The lists map to statuses as:
//!
//! | `product_status` | status |
//! |---|---|
//! | `known_not_affected` | not affected |
//! | `known_affected`, `first_affected`, `last_affected` | affected |
//! | `fixed`, `first_fixed` | fixed |
//! | `under_investigation` | under investigation |
//! | `recommended` | not read: a recommendation, not a status |
//!
//! Product ids are resolved through `product_tree`: `branches` at any
//! depth (the version is the nearest `product_version` branch's name),
//! `full_product_names` and `relationships` (the product related to,
//! with the referenced product as its subcomponent); `product_groups`
//! expand the `group_ids` of flags, threats and remediations. The
//! justification is the label of a `flags[]` entry naming the product,
//! the impact statement the `details` of a `threats[]` entry of category
//! `impact` naming it (or naming no product), the action statement the
//! `remediations[]` naming it (`category: details`, joined by `; `). The
//! vulnerability is `cve`, else the first `ids[].text`; the other ids are
//! aliases.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::json::{self, Ctx, field, index, normalise};
use super::{
    Justification, VexDocument, VexError, VexFormat, VexProduct, VexStatement, VexStatus,
    VexWarningKind,
};

/// Whether a CSAF document (one with a `document` object) states VEX: its
/// category is `csaf_vex`, or some vulnerability has a product status.
pub(crate) fn is_vex(doc: &Map<String, Value>) -> bool {
    let category = doc
        .get("document")
        .and_then(|d| d.get("category"))
        .and_then(Value::as_str)
        .map(normalise);
    if category.as_deref() == Some("csaf_vex") {
        return true;
    }
    doc.get("vulnerabilities")
        .and_then(Value::as_array)
        .is_some_and(|vs| {
            vs.iter()
                .any(|v| v.get("product_status").is_some_and(Value::is_object))
        })
}

pub(crate) fn read(root: &Value, mut ctx: Ctx) -> Result<VexDocument, VexError> {
    let doc = json::object(root, "")?;
    let document = json::object(doc.get("document").unwrap_or(&Value::Null), "document")?;
    let category = ctx.opt_str(document, "category", "document")?;
    let is_profile = match category.as_deref() {
        Some("csaf_vex") => true,
        Some(c) if normalise(c) == "csaf_vex" => {
            ctx.repair(
                VexWarningKind::NotVexProfile,
                "document.category",
                format!("{c:?} read as \"csaf_vex\""),
            )?;
            true
        }
        other => {
            ctx.repair(
                VexWarningKind::NotVexProfile,
                "document.category",
                format!(
                    "category {:?}, not \"csaf_vex\": its product statuses are read",
                    other.unwrap_or("")
                ),
            )?;
            false
        }
    };
    let (id, timestamp) = match ctx.opt_object(document, "tracking", "document")? {
        Some(t) => (
            ctx.opt_str(t, "id", "document.tracking")?,
            ctx.opt_str(t, "current_release_date", "document.tracking")?,
        ),
        None => (None, None),
    };
    let author = match ctx.opt_object(document, "publisher", "document")? {
        Some(p) => ctx.opt_str(p, "name", "document.publisher")?,
        None => None,
    };
    let tree = match ctx.opt_object(doc, "product_tree", "")? {
        Some(t) => Tree::read(t, &mut ctx)?,
        None => Tree::default(),
    };
    let mut statements = Vec::new();
    let vulns = ctx.opt_array(doc, "vulnerabilities", "")?;
    for (i, v) in vulns.iter().enumerate() {
        let path = index("vulnerabilities", i);
        let reader = VulnReader {
            tree: &tree,
            is_profile,
            timestamp: timestamp.as_deref(),
        };
        reader.read(v, &path, &mut ctx, &mut statements)?;
    }
    Ok(VexDocument {
        format: VexFormat::Csaf,
        id,
        author,
        timestamp,
        statements,
        warnings: ctx.warnings,
    })
}

/// Subcomponents a relationship's product keeps: a chain of relationships
/// longer than this is cut.
const MAX_SUBCOMPONENTS: usize = 64;

/// The product tree: every product id and group id.
#[derive(Default)]
struct Tree {
    products: HashMap<String, VexProduct>,
    groups: HashMap<String, Vec<String>>,
}

impl Tree {
    fn read(t: &Map<String, Value>, ctx: &mut Ctx) -> Result<Tree, VexError> {
        let mut tree = Tree::default();
        // Depth-first with an explicit stack: branches nest arbitrarily.
        // Each entry carries the nearest `product_version` above it.
        let mut stack: Vec<(&Value, String, Option<String>)> = Vec::new();
        let top = ctx.opt_array(t, "branches", "product_tree")?;
        for (i, b) in top.iter().enumerate().rev() {
            stack.push((b, index("product_tree.branches", i), None));
        }
        while let Some((b, path, version)) = stack.pop() {
            let Some(b) = b.as_object() else {
                ctx.repair(
                    VexWarningKind::MalformedField,
                    &path,
                    "a branch that is not an object: ignored",
                )?;
                continue;
            };
            let version = match b.get("category").and_then(Value::as_str) {
                Some("product_version") => ctx.opt_str(b, "name", &path)?.or(version),
                _ => version,
            };
            if let Some(p) = ctx.opt_object(b, "product", &path)? {
                tree.add(p, &field(&path, "product"), version.clone(), ctx)?;
            }
            let at = field(&path, "branches");
            for (i, c) in ctx
                .opt_array(b, "branches", &path)?
                .iter()
                .enumerate()
                .rev()
            {
                stack.push((c, index(&at, i), version.clone()));
            }
        }
        let at = "product_tree.full_product_names";
        for (i, p) in ctx
            .opt_array(t, "full_product_names", "product_tree")?
            .iter()
            .enumerate()
        {
            let path = index(at, i);
            let p = json::object(p, &path)?;
            tree.add(p, &path, None, ctx)?;
        }
        let at = "product_tree.relationships";
        for (i, r) in ctx
            .opt_array(t, "relationships", "product_tree")?
            .iter()
            .enumerate()
        {
            tree.relationship(r, &index(at, i), ctx)?;
        }
        let at = "product_tree.product_groups";
        for (i, g) in ctx
            .opt_array(t, "product_groups", "product_tree")?
            .iter()
            .enumerate()
        {
            let path = index(at, i);
            let Some(g) = g.as_object() else { continue };
            if let Some(id) = ctx.opt_str(g, "group_id", &path)? {
                let members = ctx.strings(g, "product_ids", &path)?;
                tree.groups.insert(id, members);
            }
        }
        Ok(tree)
    }

    /// A `full_product_name`.
    fn add(
        &mut self,
        p: &Map<String, Value>,
        path: &str,
        version: Option<String>,
        ctx: &mut Ctx,
    ) -> Result<(), VexError> {
        let Some(id) = ctx.opt_str(p, "product_id", path)? else {
            return ctx.repair(
                VexWarningKind::MalformedField,
                &field(path, "product_id"),
                "a product without a `product_id`: nothing can name it",
            );
        };
        let mut product = VexProduct {
            id: Some(id.clone()),
            name: ctx.opt_str(p, "name", path)?,
            version,
            ..VexProduct::default()
        };
        if let Some(h) = ctx.opt_object(p, "product_identification_helper", path)? {
            let at = field(path, "product_identification_helper");
            product.purl = match ctx.opt_str(h, "purl", &at)? {
                Some(p) => Some(p),
                // CSAF 2.1 lists several.
                None => ctx.strings(h, "purls", &at)?.into_iter().next(),
            };
            product.cpe = ctx.opt_str(h, "cpe", &at)?;
        }
        self.products.entry(id).or_insert(product);
        Ok(())
    }

    fn relationship(&mut self, r: &Value, path: &str, ctx: &mut Ctx) -> Result<(), VexError> {
        let Some(r) = r.as_object() else {
            return ctx.repair(
                VexWarningKind::MalformedField,
                path,
                "a relationship that is not an object: ignored",
            );
        };
        let Some(fpn) = ctx.opt_object(r, "full_product_name", path)? else {
            return ctx.repair(
                VexWarningKind::MalformedField,
                &field(path, "full_product_name"),
                "a relationship without a `full_product_name`: nothing can name it",
            );
        };
        let fpn_path = field(path, "full_product_name");
        let Some(id) = ctx.opt_str(fpn, "product_id", &fpn_path)? else {
            return ctx.repair(
                VexWarningKind::MalformedField,
                &field(&fpn_path, "product_id"),
                "a relationship without a `product_id`: nothing can name it",
            );
        };
        let mut ends = Vec::with_capacity(2);
        for key in ["relates_to_product_reference", "product_reference"] {
            let reference = ctx.opt_str(r, key, path)?.unwrap_or_default();
            let end = match self.products.get(&reference) {
                Some(p) => p.clone(),
                None => {
                    ctx.repair(
                        VexWarningKind::UnknownProduct,
                        &field(path, key),
                        format!("{reference:?} is no product of the tree: kept by its id"),
                    )?;
                    VexProduct {
                        id: (!reference.is_empty()).then_some(reference),
                        ..VexProduct::default()
                    }
                }
            };
            ends.push(end);
        }
        let mut component = ends.pop().unwrap_or_default();
        let platform = ends.pop().unwrap_or_default();
        // One level: a relationship naming a relationship brings its
        // subcomponents up beside it, so chains cannot nest without bound
        // (nor grow past a bound).
        let mut subcomponents = std::mem::take(&mut component.subcomponents);
        subcomponents.insert(0, component);
        subcomponents.truncate(MAX_SUBCOMPONENTS);
        let product = VexProduct {
            id: Some(id.clone()),
            name: ctx.opt_str(fpn, "name", &fpn_path)?.or(platform.name),
            purl: platform.purl,
            cpe: platform.cpe,
            version: platform.version,
            subcomponents,
        };
        self.products.entry(id).or_insert(product);
        Ok(())
    }

    /// `product_ids` and the members of `group_ids`; `None` when the entry
    /// names neither (it is then about every product).
    fn named(
        &self,
        o: &Map<String, Value>,
        path: &str,
        ctx: &mut Ctx,
    ) -> Result<Option<HashSet<String>>, VexError> {
        let ids = ctx.strings(o, "product_ids", path)?;
        let groups = ctx.strings(o, "group_ids", path)?;
        if ids.is_empty() && groups.is_empty() {
            return Ok(None);
        }
        let mut out: HashSet<String> = ids.into_iter().collect();
        for g in groups {
            match self.groups.get(&g) {
                Some(members) => out.extend(members.iter().cloned()),
                None => ctx.repair(
                    VexWarningKind::UnknownProduct,
                    &field(path, "group_ids"),
                    format!("{g:?} is no product group of the tree: ignored"),
                )?,
            }
        }
        Ok(Some(out))
    }
}

/// `flags[]`, `threats[]` of category impact or `remediations[]`: a text
/// and the products it is about (`None`: every product).
struct About {
    text: String,
    justification: Option<Justification>,
    products: Option<HashSet<String>>,
}

impl About {
    fn names(&self, pid: &str) -> bool {
        self.products.as_ref().is_none_or(|s| s.contains(pid))
    }
}

struct VulnReader<'a> {
    tree: &'a Tree,
    is_profile: bool,
    timestamp: Option<&'a str>,
}

/// What a product's statement says besides its status: products saying
/// the same share a statement.
type Reasons = (Option<String>, Option<String>, Option<String>);

impl VulnReader<'_> {
    fn read(
        &self,
        v: &Value,
        path: &str,
        ctx: &mut Ctx,
        out: &mut Vec<VexStatement>,
    ) -> Result<(), VexError> {
        let v = json::object(v, path)?;
        let mut ids = Vec::new();
        let ids_path = field(path, "ids");
        for (j, id) in ctx.opt_array(v, "ids", path)?.iter().enumerate() {
            if let Some(o) = id.as_object() {
                ids.extend(ctx.opt_str(o, "text", &index(&ids_path, j))?);
            }
        }
        let vulnerability = match ctx.opt_str(v, "cve", path)? {
            Some(cve) => cve,
            None if !ids.is_empty() => ids.remove(0),
            None => {
                return Err(VexError::Invalid {
                    line: None,
                    path: path.to_owned(),
                    message: "a vulnerability without `cve` or `ids`".into(),
                });
            }
        };
        let aliases: Vec<String> = ids.into_iter().filter(|a| *a != vulnerability).collect();

        let flags = self.flags(v, path, ctx)?;
        let impacts = self.impacts(v, path, ctx)?;
        let remediations = self.remediations(v, path, ctx)?;

        let Some(status) = ctx.opt_object(v, "product_status", path)? else {
            return ctx.repair(
                VexWarningKind::NoProducts,
                &field(path, "product_status"),
                "a vulnerability without `product_status` states nothing about any product",
            );
        };
        let status_path = field(path, "product_status");
        // In CSAF's order of the lists, whatever order the map keeps
        // (serde_json's `preserve_order` may be on in the workspace).
        let mut lists = Vec::with_capacity(status.len());
        for (key, list) in status {
            let at = field(&status_path, key);
            match ctx.word(key, &at, VexWarningKind::MisspelledStatus, status_list)? {
                Some((rank, Some(status))) => lists.push((rank, at, status, list)),
                Some((_, None)) => {}
                None => ctx.repair(
                    VexWarningKind::MalformedField,
                    &at,
                    format!("{key:?} is not a product status: ignored"),
                )?,
            }
        }
        lists.sort_by_key(|(rank, ..)| *rank);
        for (_, at, status, list) in lists {
            let Some(list) = list.as_array() else {
                ctx.repair(
                    VexWarningKind::MalformedField,
                    &at,
                    format!(
                        "{} where a list of product ids belongs: ignored",
                        json::kind(list)
                    ),
                )?;
                continue;
            };
            if list.is_empty() {
                continue;
            }
            // Products saying the same, in the order first named.
            let mut groups: Vec<(Reasons, Vec<VexProduct>)> = Vec::new();
            for (j, pid) in list.iter().enumerate() {
                let Some(pid) = pid.as_str() else {
                    ctx.repair(
                        VexWarningKind::UnknownProduct,
                        &index(&at, j),
                        format!("{} where a product id belongs: left out", json::kind(pid)),
                    )?;
                    continue;
                };
                let Some(product) = self.tree.products.get(pid) else {
                    ctx.repair(
                        VexWarningKind::UnknownProduct,
                        &index(&at, j),
                        format!("{pid:?} is no product of the tree: left out"),
                    )?;
                    continue;
                };
                let reasons = match status {
                    VexStatus::NotAffected => (
                        flags.iter().find(|f| f.names(pid)).map(|f| f.text.clone()),
                        impacts
                            .iter()
                            .find(|t| t.names(pid))
                            .map(|t| t.text.clone()),
                        None,
                    ),
                    _ => {
                        let actions: Vec<&str> = remediations
                            .iter()
                            .filter(|r| r.names(pid))
                            .map(|r| r.text.as_str())
                            .collect();
                        (
                            None,
                            None,
                            (!actions.is_empty()).then(|| actions.join("; ")),
                        )
                    }
                };
                match groups.iter_mut().find(|(r, _)| *r == reasons) {
                    Some((_, products)) => products.push(product.clone()),
                    None => groups.push((reasons, vec![product.clone()])),
                }
            }
            if groups.is_empty() {
                // Every id unknown: kept, so the answer lists it unmatched.
                groups.push(((None, None, None), Vec::new()));
            }
            for ((label, impact, action), products) in groups {
                let justification = label.as_deref().and_then(|l| {
                    flags
                        .iter()
                        .find(|f| f.text == l)
                        .and_then(|f| f.justification)
                });
                if self.is_profile
                    && status == VexStatus::NotAffected
                    && label.is_none()
                    && impact.is_none()
                {
                    ctx.repair(
                        VexWarningKind::MissingJustification,
                        &at,
                        "`known_not_affected` products without a flag or an impact threat: kept",
                    )?;
                }
                if self.is_profile && status == VexStatus::Affected && action.is_none() {
                    ctx.repair(
                        VexWarningKind::MissingActionStatement,
                        &at,
                        "affected products without a remediation: kept",
                    )?;
                }
                out.push(VexStatement {
                    path: at.clone(),
                    vulnerability: vulnerability.clone(),
                    aliases: aliases.clone(),
                    products,
                    status,
                    justification,
                    justification_as_written: label,
                    impact_statement: impact,
                    action_statement: action,
                    status_notes: None,
                    timestamp: self.timestamp.map(str::to_owned),
                });
            }
        }
        Ok(())
    }

    fn flags(
        &self,
        v: &Map<String, Value>,
        path: &str,
        ctx: &mut Ctx,
    ) -> Result<Vec<About>, VexError> {
        let at = field(path, "flags");
        let mut out = Vec::new();
        for (j, f) in ctx.opt_array(v, "flags", path)?.iter().enumerate() {
            let fp = index(&at, j);
            let Some(f) = f.as_object() else { continue };
            let Some(label) = ctx.opt_str(f, "label", &fp)? else {
                continue;
            };
            let lp = field(&fp, "label");
            let justification = ctx.word(
                &label,
                &lp,
                VexWarningKind::MisspelledJustification,
                Justification::from_label,
            )?;
            if justification.is_none() {
                ctx.repair(
                    VexWarningKind::UnknownJustification,
                    &lp,
                    format!("{label:?} is not a CSAF flag label: left out"),
                )?;
            }
            let products = self.tree.named(f, &fp, ctx)?;
            out.push(About {
                text: label,
                justification,
                products,
            });
        }
        Ok(out)
    }

    fn impacts(
        &self,
        v: &Map<String, Value>,
        path: &str,
        ctx: &mut Ctx,
    ) -> Result<Vec<About>, VexError> {
        let at = field(path, "threats");
        let mut out = Vec::new();
        for (j, t) in ctx.opt_array(v, "threats", path)?.iter().enumerate() {
            let tp = index(&at, j);
            let Some(t) = t.as_object() else { continue };
            if t.get("category").and_then(Value::as_str) != Some("impact") {
                continue;
            }
            let Some(details) = ctx.opt_str(t, "details", &tp)? else {
                continue;
            };
            out.push(About {
                text: details,
                justification: None,
                products: self.tree.named(t, &tp, ctx)?,
            });
        }
        Ok(out)
    }

    fn remediations(
        &self,
        v: &Map<String, Value>,
        path: &str,
        ctx: &mut Ctx,
    ) -> Result<Vec<About>, VexError> {
        let at = field(path, "remediations");
        let mut out = Vec::new();
        for (j, r) in ctx.opt_array(v, "remediations", path)?.iter().enumerate() {
            let rp = index(&at, j);
            let Some(r) = r.as_object() else { continue };
            let category = ctx.opt_str(r, "category", &rp)?;
            let details = ctx.opt_str(r, "details", &rp)?;
            let text = match (category, details) {
                (Some(c), Some(d)) => format!("{c}: {d}"),
                (Some(t), None) | (None, Some(t)) => t,
                (None, None) => continue,
            };
            out.push(About {
                text,
                justification: None,
                products: self.tree.named(r, &rp, ctx)?,
            });
        }
        Ok(out)
    }
}

/// A `product_status` key: its place in CSAF's order and its status
/// (`None` for `recommended`, not a status); `None` for no key of CSAF's.
fn status_list(key: &str) -> Option<(usize, Option<VexStatus>)> {
    Some(match key {
        "known_not_affected" => (0, Some(VexStatus::NotAffected)),
        "known_affected" => (1, Some(VexStatus::Affected)),
        "first_affected" => (2, Some(VexStatus::Affected)),
        "last_affected" => (3, Some(VexStatus::Affected)),
        "fixed" => (4, Some(VexStatus::Fixed)),
        "first_fixed" => (5, Some(VexStatus::Fixed)),
        "under_investigation" => (6, Some(VexStatus::UnderInvestigation)),
        "recommended" => (7, None),
        _ => return None,
    })
}
