//! CycloneDX VEX, 1.4 to 1.6 JSON (<https://cyclonedx.org/capabilities/vex/>).
//!
//! Each `vulnerabilities[]` entry is one statement: `id` (with
//! `references[].id` as aliases), `analysis.state` and
//! `analysis.justification` mapped as [`VexStatus::from_cyclonedx`] and
//! [`Justification::from_cyclonedx`] say. `analysis.detail` is the impact
//! statement of a not-affected statement, else the status notes; the
//! action statement is `recommendation`, else `workaround`, else the
//! `analysis.response` words. `affects[].ref` is resolved by `bom-ref`
//! through `metadata.component`, `components` and `services` (nested
//! too); a ref that is a purl, or a BOM-Link (`urn:cdx:serial/version#ref`)
//! into another BOM, is kept as written (with the purl when the fragment
//! is one). `affects[].versions` (version ranges) are not read.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::json::{self, Ctx, field, index};
use super::{
    Justification, VexDocument, VexError, VexFormat, VexProduct, VexStatement, VexStatus,
    VexWarningKind,
};

pub(crate) fn read(root: &Value, mut ctx: Ctx) -> Result<VexDocument, VexError> {
    let doc = json::object(root, "")?;
    let serial = ctx.opt_str(doc, "serialNumber", "")?;
    let metadata = ctx.opt_object(doc, "metadata", "")?;
    let (timestamp, author) = match metadata {
        Some(m) => (
            ctx.opt_str(m, "timestamp", "metadata")?,
            author(m, &mut ctx)?,
        ),
        None => (None, None),
    };
    let refs = bom_refs(doc, &mut ctx)?;
    let vulns = match doc.get("vulnerabilities") {
        Some(Value::Array(a)) => a,
        Some(other) => {
            return Err(VexError::Invalid {
                line: None,
                path: "vulnerabilities".into(),
                message: format!(
                    "{} where the array of vulnerabilities belongs",
                    json::kind(other)
                ),
            });
        }
        None => {
            return Err(VexError::NotVex {
                reason: "a CycloneDX BOM without `vulnerabilities`".into(),
            });
        }
    };
    let local = Local {
        refs,
        serial: serial.as_deref().and_then(|s| s.strip_prefix("urn:uuid:")),
    };
    let mut statements = Vec::with_capacity(vulns.len());
    for (i, v) in vulns.iter().enumerate() {
        let path = index("vulnerabilities", i);
        statements.push(vulnerability(
            v,
            &path,
            timestamp.as_deref(),
            &local,
            &mut ctx,
        )?);
    }
    Ok(VexDocument {
        format: VexFormat::CycloneDx,
        id: serial,
        author,
        timestamp,
        statements,
        warnings: ctx.warnings,
    })
}

/// `metadata.authors[].name` joined, else the supplier's or manufacturer's
/// name.
fn author(m: &Map<String, Value>, ctx: &mut Ctx) -> Result<Option<String>, VexError> {
    let mut names = Vec::new();
    for (i, a) in ctx.opt_array(m, "authors", "metadata")?.iter().enumerate() {
        if let Some(o) = a.as_object() {
            names.extend(ctx.opt_str(o, "name", &index("metadata.authors", i))?);
        }
    }
    if !names.is_empty() {
        return Ok(Some(names.join(", ")));
    }
    for key in ["supplier", "manufacturer", "manufacture"] {
        if let Some(o) = m.get(key).and_then(Value::as_object)
            && let Some(name) = ctx.opt_str(o, "name", &field("metadata", key))?
        {
            return Ok(Some(name));
        }
    }
    Ok(None)
}

/// What `affects[].ref` can name in this BOM.
struct Local<'a> {
    refs: HashMap<String, VexProduct>,
    /// The BOM's serial number without `urn:uuid:`: a BOM-Link into this
    /// same BOM resolves locally.
    serial: Option<&'a str>,
}

/// Every component and service with a `bom-ref`, at any depth.
fn bom_refs(
    doc: &Map<String, Value>,
    ctx: &mut Ctx,
) -> Result<HashMap<String, VexProduct>, VexError> {
    let mut out = HashMap::new();
    // Depth-first with an explicit stack: components nest arbitrarily.
    let mut stack: Vec<(&Value, String)> = Vec::new();
    if let Some(c) = doc
        .get("metadata")
        .and_then(Value::as_object)
        .and_then(|m| m.get("component"))
    {
        stack.push((c, "metadata.component".into()));
    }
    for key in ["components", "services"] {
        if let Some(Value::Array(a)) = doc.get(key) {
            for (i, c) in a.iter().enumerate().rev() {
                stack.push((c, index(key, i)));
            }
        }
    }
    while let Some((v, path)) = stack.pop() {
        let Some(o) = v.as_object() else {
            continue;
        };
        for key in ["components", "services"] {
            if let Some(Value::Array(a)) = o.get(key) {
                let at = field(&path, key);
                for (i, c) in a.iter().enumerate().rev() {
                    stack.push((c, index(&at, i)));
                }
            }
        }
        let Some(bom_ref) = ctx.opt_str(o, "bom-ref", &path)? else {
            continue;
        };
        let product = VexProduct {
            id: Some(bom_ref.clone()),
            purl: ctx.opt_str(o, "purl", &path)?,
            cpe: ctx.opt_str(o, "cpe", &path)?,
            name: ctx.opt_str(o, "name", &path)?,
            version: ctx.opt_str(o, "version", &path)?,
            subcomponents: Vec::new(),
        };
        out.entry(bom_ref).or_insert(product);
    }
    Ok(out)
}

fn vulnerability(
    v: &Value,
    path: &str,
    doc_time: Option<&str>,
    local: &Local<'_>,
    ctx: &mut Ctx,
) -> Result<VexStatement, VexError> {
    let o = json::object(v, path)?;
    let vulnerability = ctx
        .opt_str(o, "id", path)?
        .ok_or_else(|| VexError::Invalid {
            line: None,
            path: field(path, "id"),
            message: "a vulnerability without an `id`".into(),
        })?;
    let mut aliases = Vec::new();
    let refs_path = field(path, "references");
    for (j, r) in ctx.opt_array(o, "references", path)?.iter().enumerate() {
        if let Some(r) = r.as_object()
            && let Some(id) = ctx.opt_str(r, "id", &index(&refs_path, j))?
            && id != vulnerability
            && !aliases.contains(&id)
        {
            aliases.push(id);
        }
    }

    let analysis_path = field(path, "analysis");
    let analysis = ctx.opt_object(o, "analysis", path)?;
    let empty = Map::new();
    let a = analysis.unwrap_or(&empty);
    let state = ctx.opt_str(a, "state", &analysis_path)?;
    let status = match &state {
        Some(word) => {
            let at = field(&analysis_path, "state");
            ctx.word(
                word,
                &at,
                VexWarningKind::MisspelledStatus,
                VexStatus::from_cyclonedx,
            )?
            .ok_or_else(|| VexError::Invalid {
                line: None,
                path: at,
                message: format!(
                    "{word:?} is not an analysis state (not_affected, false_positive, exploitable, resolved, resolved_with_pedigree, in_triage)"
                ),
            })?
        }
        None => {
            ctx.note(
                VexWarningKind::NoAnalysis,
                &analysis_path,
                "no `analysis.state`: read as affected, as `affects` says",
            );
            VexStatus::Affected
        }
    };

    let justification_as_written = ctx.opt_str(a, "justification", &analysis_path)?;
    let justification = match &justification_as_written {
        Some(word) => {
            let at = field(&analysis_path, "justification");
            let j = ctx.word(
                word,
                &at,
                VexWarningKind::MisspelledJustification,
                Justification::from_cyclonedx,
            )?;
            if j.is_none() {
                ctx.repair(
                    VexWarningKind::UnknownJustification,
                    &at,
                    format!("{word:?} is not a CycloneDX justification: left out"),
                )?;
            }
            j
        }
        None => None,
    };
    let detail = ctx.opt_str(a, "detail", &analysis_path)?;
    let responses = ctx.strings(a, "response", &analysis_path)?;
    let (impact_statement, status_notes) = match status {
        VexStatus::NotAffected => (detail, None),
        _ => (None, detail),
    };
    let action_statement = match ctx.opt_str(o, "recommendation", path)? {
        Some(r) => Some(r),
        None => match ctx.opt_str(o, "workaround", path)? {
            Some(w) => Some(w),
            None => (!responses.is_empty()).then(|| responses.join(", ")),
        },
    };
    let timestamp = match ctx.opt_str(a, "lastUpdated", &analysis_path)? {
        Some(t) => Some(t),
        None => match ctx.opt_str(o, "updated", path)? {
            Some(t) => Some(t),
            None => doc_time.map(str::to_owned),
        },
    };

    let affects_path = field(path, "affects");
    let mut products = Vec::new();
    for (j, af) in ctx.opt_array(o, "affects", path)?.iter().enumerate() {
        let at = index(&affects_path, j);
        let reference = match af.as_object() {
            Some(af) => ctx.opt_str(af, "ref", &at)?,
            None => None,
        };
        let ref_path = field(&at, "ref");
        match reference {
            Some(r) => match resolve(&r, local) {
                Some(p) => {
                    if r.starts_with("urn:uuid:") && !local.refs.contains_key(&r) {
                        ctx.repair(
                            VexWarningKind::MalformedBomLink,
                            &ref_path,
                            format!("{r:?} read as a BOM-Link (`urn:cdx:`)"),
                        )?;
                    }
                    products.push(p);
                }
                None => ctx.repair(
                    VexWarningKind::UnknownProduct,
                    &ref_path,
                    format!("{r:?} is no `bom-ref` of this BOM, purl or BOM-Link: left out"),
                )?,
            },
            None => ctx.repair(
                VexWarningKind::UnknownProduct,
                &ref_path,
                "an `affects` entry without a `ref`: left out",
            )?,
        }
    }
    if products.is_empty() && no_affects(o) {
        ctx.repair(
            VexWarningKind::NoProducts,
            &affects_path,
            "a vulnerability that affects no component: kept, it matches nothing",
        )?;
    }
    if status == VexStatus::NotAffected && justification.is_none() && impact_statement.is_none() {
        // CycloneDX requires neither; CISA's minimum elements do.
        ctx.note(
            VexWarningKind::MissingJustification,
            path,
            "`not_affected` without a justification or detail: kept",
        );
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

/// No `affects` entries at all (unresolvable ones were warned about).
fn no_affects(o: &Map<String, Value>) -> bool {
    o.get("affects")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
}

/// A `ref`: a `bom-ref` of this BOM, a BOM-Link, or a purl.
fn resolve(r: &str, local: &Local<'_>) -> Option<VexProduct> {
    if let Some(p) = local.refs.get(r) {
        return Some(p.clone());
    }
    // Some tools write a BOM-Link with `urn:uuid:` for `urn:cdx:`; a plain
    // `urn:uuid:` bom-ref has no `#` and was looked up above.
    let link = r
        .strip_prefix("urn:cdx:")
        .or_else(|| r.strip_prefix("urn:uuid:").filter(|l| l.contains('#')));
    if let Some(link) = link {
        let (bom, fragment) = match link.split_once('#') {
            Some((bom, f)) => (bom, Some(f)),
            None => (link, None),
        };
        // Tools write the fragment both raw and percent-encoded.
        let candidates: Vec<String> = fragment
            .map(|f| vec![f.to_owned(), percent_decode(f)])
            .unwrap_or_default();
        let serial = bom.split('/').next().unwrap_or_default();
        if local
            .serial
            .is_some_and(|own| serial.eq_ignore_ascii_case(own))
            && let Some(p) = candidates.iter().find_map(|f| local.refs.get(f.as_str()))
        {
            return Some(p.clone());
        }
        return Some(VexProduct {
            id: Some(r.to_owned()),
            purl: candidates.into_iter().find(|f| f.starts_with("pkg:")),
            ..VexProduct::default()
        });
    }
    r.starts_with("pkg:").then(|| VexProduct {
        id: Some(r.to_owned()),
        purl: Some(r.to_owned()),
        ..VexProduct::default()
    })
}

/// Percent-decoding of a BOM-Link fragment (RFC 3986); malformed escapes
/// stay as written.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}
