//! OpenVEX, 0.0.1 to 0.2.0 (<https://github.com/openvex/spec>).
//!
//! 0.2.0 writes `vulnerability` as an object (`name`, `@id`, `aliases`)
//! and products as objects (`@id`, `identifiers.purl`/`cpe23`/`cpe22`,
//! `subcomponents`); 0.0.1 wrote both as plain strings, with
//! subcomponents beside the products in the statement. Both are read. A
//! statement's `timestamp` overrides the document's (the spec's
//! inheritance); products are not inherited from an encapsulating
//! document, there is none here.

use serde_json::{Map, Value};

use super::json::{self, Ctx, field, index, non_blank};
use super::{
    Justification, VexDocument, VexError, VexFormat, VexProduct, VexStatement, VexStatus,
    VexWarningKind,
};

pub(crate) fn read(root: &Value, mut ctx: Ctx) -> Result<VexDocument, VexError> {
    let doc = json::object(root, "")?;
    match doc.get("@context") {
        Some(Value::String(c)) if c.starts_with("https://openvex.dev/ns") => {}
        Some(Value::String(c)) => ctx.repair(
            VexWarningKind::UnknownContext,
            "@context",
            format!("{c:?} is not an OpenVEX namespace: read as OpenVEX"),
        )?,
        _ => ctx.repair(
            VexWarningKind::UnknownContext,
            "@context",
            "no OpenVEX `@context`: read as OpenVEX",
        )?,
    }
    let id = ctx.opt_str(doc, "@id", "")?;
    let author = ctx.opt_str(doc, "author", "")?;
    let timestamp = ctx.opt_str(doc, "timestamp", "")?;
    let statements = match doc.get("statements") {
        Some(Value::Array(a)) => a,
        Some(other) => {
            return Err(VexError::Invalid {
                line: None,
                path: "statements".into(),
                message: format!(
                    "{} where the array of statements belongs",
                    json::kind(other)
                ),
            });
        }
        None => {
            return Err(VexError::Invalid {
                line: None,
                path: "statements".into(),
                message: "an OpenVEX document without `statements`".into(),
            });
        }
    };
    let mut out = Vec::with_capacity(statements.len());
    for (i, s) in statements.iter().enumerate() {
        let path = index("statements", i);
        out.push(statement(s, &path, timestamp.as_deref(), &mut ctx)?);
    }
    Ok(VexDocument {
        format: VexFormat::OpenVex,
        id,
        author,
        timestamp,
        statements: out,
        warnings: ctx.warnings,
    })
}

fn statement(
    v: &Value,
    path: &str,
    doc_time: Option<&str>,
    ctx: &mut Ctx,
) -> Result<VexStatement, VexError> {
    let s = json::object(v, path)?;
    let (vulnerability, aliases) = vulnerability(s, path, ctx)?;
    let status = status(s, path, ctx)?;

    let mut products = Vec::new();
    let products_path = field(path, "products");
    for (j, p) in ctx.opt_array(s, "products", path)?.iter().enumerate() {
        products.extend(product(p, &index(&products_path, j), true, ctx)?);
    }
    // 0.0.1: subcomponents beside the products, about each of them.
    let subs_path = field(path, "subcomponents");
    let mut subs = Vec::new();
    for (j, p) in ctx.opt_array(s, "subcomponents", path)?.iter().enumerate() {
        subs.extend(product(p, &index(&subs_path, j), false, ctx)?);
    }
    if !subs.is_empty() {
        for p in &mut products {
            p.subcomponents.extend(subs.iter().cloned());
        }
    }
    if products.is_empty() {
        ctx.repair(
            VexWarningKind::NoProducts,
            &products_path,
            "a statement about no product: kept, it matches nothing",
        )?;
    }

    let justification_as_written = ctx.opt_str(s, "justification", path)?;
    let justification = match &justification_as_written {
        Some(word) => {
            let at = field(path, "justification");
            let j = ctx.word(
                word,
                &at,
                VexWarningKind::MisspelledJustification,
                Justification::from_label,
            )?;
            if j.is_none() {
                ctx.repair(
                    VexWarningKind::UnknownJustification,
                    &at,
                    format!("{word:?} is not an OpenVEX justification: left out"),
                )?;
            }
            j
        }
        None => None,
    };
    let impact_statement = ctx.opt_str(s, "impact_statement", path)?;
    let action_statement = ctx.opt_str(s, "action_statement", path)?;
    let status_notes = ctx.opt_str(s, "status_notes", path)?;
    let timestamp = ctx
        .opt_str(s, "timestamp", path)?
        .or_else(|| doc_time.map(str::to_owned));

    if status == VexStatus::NotAffected && justification.is_none() && impact_statement.is_none() {
        ctx.repair(
            VexWarningKind::MissingJustification,
            path,
            "`not_affected` needs a justification or an impact statement: kept",
        )?;
    }
    if status == VexStatus::Affected && action_statement.is_none() {
        ctx.repair(
            VexWarningKind::MissingActionStatement,
            path,
            "`affected` needs an action statement: kept",
        )?;
    }
    Ok(VexStatement {
        path: path.to_owned(),
        vulnerability,
        aliases,
        products,
        status,
        justification,
        justification_as_written,
        impact_statement,
        action_statement,
        status_notes,
        timestamp,
    })
}

/// The vulnerability's name and aliases: a string (0.0.1) or an object.
fn vulnerability(
    s: &Map<String, Value>,
    path: &str,
    ctx: &mut Ctx,
) -> Result<(String, Vec<String>), VexError> {
    let at = field(path, "vulnerability");
    let missing = |message: &str| VexError::Invalid {
        line: None,
        path: at.clone(),
        message: message.to_owned(),
    };
    match s.get("vulnerability") {
        Some(Value::String(name)) => {
            let name = non_blank(name).ok_or_else(|| missing("an empty vulnerability"))?;
            Ok((name, ctx.strings(s, "aliases", path)?))
        }
        Some(Value::Object(v)) => {
            let aliases = ctx.strings(v, "aliases", &at)?;
            if let Some(name) = ctx.opt_str(v, "name", &at)? {
                return Ok((name, aliases));
            }
            let iri = ctx
                .opt_str(v, "@id", &at)?
                .ok_or_else(|| missing("a vulnerability without `name`"))?;
            let name = iri_tail(&iri);
            ctx.repair(
                VexWarningKind::VulnerabilityFromId,
                &field(&at, "name"),
                format!("no `name`: {name:?} taken from `@id`"),
            )?;
            Ok((name, aliases))
        }
        Some(other) => Err(missing(&format!(
            "{} where the vulnerability belongs",
            json::kind(other)
        ))),
        None => Err(missing("a statement without a vulnerability")),
    }
}

/// An IRI's last path segment (`…/detail/CVE-2019-17571` names
/// CVE-2019-17571); anything else as written.
fn iri_tail(iri: &str) -> String {
    if iri.contains("://")
        && let Some(tail) = iri.trim_end_matches('/').rsplit('/').next()
        && !tail.is_empty()
    {
        return tail.to_owned();
    }
    iri.to_owned()
}

fn status(s: &Map<String, Value>, path: &str, ctx: &mut Ctx) -> Result<VexStatus, VexError> {
    let at = field(path, "status");
    let invalid = |message: String| VexError::Invalid {
        line: None,
        path: at.clone(),
        message,
    };
    match s.get("status") {
        Some(Value::String(word)) => ctx
            .word(
                word,
                &at,
                VexWarningKind::MisspelledStatus,
                VexStatus::from_openvex,
            )?
            .ok_or_else(|| {
                invalid(format!(
                    "{word:?} is not a VEX status (not_affected, affected, fixed, under_investigation)"
                ))
            }),
        Some(other) => Err(invalid(format!(
            "{} where the status belongs",
            json::kind(other)
        ))),
        None => Err(invalid("a statement without a status".into())),
    }
}

/// A product or subcomponent: a string (0.0.1) or an object. `None` (with
/// a warning) when it names nothing.
fn product(
    v: &Value,
    path: &str,
    with_subcomponents: bool,
    ctx: &mut Ctx,
) -> Result<Option<VexProduct>, VexError> {
    let mut p = VexProduct::default();
    match v {
        Value::String(s) => p.id = non_blank(s),
        Value::Object(o) => {
            p.id = ctx.opt_str(o, "@id", path)?;
            if let Some(ids) = ctx.opt_object(o, "identifiers", path)? {
                let at = field(path, "identifiers");
                p.purl = ctx.opt_str(ids, "purl", &at)?;
                p.cpe = match ctx.opt_str(ids, "cpe23", &at)? {
                    Some(c) => Some(c),
                    None => ctx.opt_str(ids, "cpe22", &at)?,
                };
            }
            if with_subcomponents {
                let at = field(path, "subcomponents");
                for (k, sub) in ctx.opt_array(o, "subcomponents", path)?.iter().enumerate() {
                    p.subcomponents
                        .extend(product(sub, &index(&at, k), false, ctx)?);
                }
            }
        }
        other => {
            ctx.repair(
                VexWarningKind::UnknownProduct,
                path,
                format!("{} where a product belongs: left out", json::kind(other)),
            )?;
            return Ok(None);
        }
    }
    // A purl or CPE as the `@id` identifies the product as well.
    if let Some(id) = &p.id {
        if p.purl.is_none() && id.starts_with("pkg:") {
            p.purl = Some(id.clone());
        }
        if p.cpe.is_none() && id.starts_with("cpe:") {
            p.cpe = Some(id.clone());
        }
    }
    if p.id.is_none() && p.purl.is_none() && p.cpe.is_none() {
        ctx.repair(
            VexWarningKind::UnknownProduct,
            path,
            "a product with no `@id`, purl or CPE: left out",
        )?;
        return Ok(None);
    }
    Ok(Some(p))
}
