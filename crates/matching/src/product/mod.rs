//! Products without a package URL: appliances and commercial software,
//! named by vendor, product and version as KEV entries and CVE records
//! name them, or by a CPE 2.3 name.
//!
//! - [`cpe`]: CPE 2.3 formatted strings and NISTIR 7696 name matching.
//! - [`name_key`]: one spelling of a vendor or product name, so the
//!   sources' names compare.
//! - [`affected`]: a CVE record's `affected` entries and the status they
//!   give a version ([`AffectedEntry::verdict`]).
//! - [`order`]: the version order a `versionType` names.
//!
//! A [`ProductQuery`] is *named* by an entry when a (vendor, product) key
//! pair of the entry (its vendor and product, and each CPE's) equals one of
//! the query's (its vendor and product, and its CPE's), or when one of the
//! entry's CPEs matches the query's CPE on part, vendor and product
//! (NISTIR 7696). Only then is the version looked at.

pub mod affected;
pub mod cpe;
mod names;
pub mod order;

use serde::{Deserialize, Serialize};

pub use affected::{
    Affected, AffectedEntry, AffectedError, Change, Mode, ReadWarning, Status, Verdict,
    VersionEntry, affected_entries, read_affected,
};
pub use cpe::{AttrValue, Attribute, Cpe, CpeError, Relation};
pub use names::name_key;

/// A product as an agency's inventory names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductQuery {
    pub vendor: String,
    pub product: String,
    /// The installed version; without it, only an entry that gives every
    /// version one status can answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpe: Option<Cpe>,
}

impl ProductQuery {
    /// The version to judge: the one given, else the CPE's version when it
    /// is a literal (neither `*`, `-` nor wildcarded).
    pub fn effective_version(&self) -> Option<&str> {
        self.version
            .as_deref()
            .or_else(|| self.cpe.as_ref().and_then(|c| c.version().literal()))
    }
}

/// A (vendor, product) pair of name keys.
pub type KeyPair = (String, String);

/// Keys of names that name nothing: CNAs write `n/a` for vendor and
/// product when they have neither.
const PLACEHOLDERS: [&str; 1] = ["n_a"];

fn pair(vendor: &str, product: &str) -> Option<KeyPair> {
    let (v, p) = (name_key(vendor), name_key(product));
    let names = |k: &String| !k.is_empty() && !PLACEHOLDERS.contains(&k.as_str());
    (names(&v) && names(&p)).then_some((v, p))
}

/// The key pair of a CPE whose vendor and product are literals.
fn cpe_pair(cpe: &Cpe) -> Option<KeyPair> {
    pair(cpe.vendor().literal()?, cpe.product().literal()?)
}

/// The key pairs an entry is found under: its vendor and product, then
/// each readable CPE's that differ, without repeats. A store indexes the
/// entry under each.
pub fn entry_keys(entry: &AffectedEntry) -> Vec<KeyPair> {
    let mut keys = Vec::new();
    let own = match (&entry.vendor, &entry.product) {
        (Some(v), Some(p)) => pair(v, p),
        _ => None,
    };
    let cpes = entry
        .cpes
        .iter()
        .filter_map(|c| Cpe::parse(c).ok())
        .filter_map(|c| cpe_pair(&c));
    for k in own.into_iter().chain(cpes) {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

/// The key pairs to look a query up under: its vendor and product, and
/// its CPE's.
pub fn query_keys(q: &ProductQuery) -> Vec<KeyPair> {
    let mut keys = Vec::new();
    for k in pair(&q.vendor, &q.product)
        .into_iter()
        .chain(q.cpe.as_ref().and_then(cpe_pair))
    {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

const PRODUCT_ATTRS: [Attribute; 3] = [Attribute::Part, Attribute::Vendor, Attribute::Product];

/// Why an entry names the query's product, or `None`.
fn named_by(entry: &AffectedEntry, q: &ProductQuery) -> Option<String> {
    let wanted = query_keys(q);
    if let Some((v, p)) = entry_keys(entry).into_iter().find(|k| wanted.contains(k)) {
        return Some(format!("{}: names {v}/{p}", entry.path));
    }
    let target = q.cpe.as_ref()?;
    entry
        .cpes
        .iter()
        .find(|c| Cpe::parse(c).is_ok_and(|c| c.matches_on(target, &PRODUCT_ATTRS)))
        .map(|c| format!("{}: {c} names the product of {target}", entry.path))
}

/// What `entry` says about the queried product: `None` when it does not
/// name the product, else the verdict for the query's version.
pub fn matches(entry: &AffectedEntry, q: &ProductQuery) -> Option<Verdict> {
    let named = named_by(entry, q)?;
    Some(
        entry
            .verdict(q.effective_version())
            .prefixed(&format!("{named}; ")),
    )
}

/// Whether a KEV entry (`vendorProject`, `product`) names the queried
/// product. KEV lists no versions: a match says the product is named, not
/// that the installed version is affected.
pub fn kev_names(vendor_project: &str, product: &str, q: &ProductQuery) -> bool {
    pair(vendor_project, product).is_some_and(|k| query_keys(q).contains(&k))
}
