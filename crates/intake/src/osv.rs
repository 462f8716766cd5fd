//! OSV (Open Source Vulnerability format, <https://ossf.github.io/osv-schema/>):
//! a document is one record or a JSON array of records.
//!
//! One [`Finding`] per (record, `affected[]` entry); a record without
//! `affected` gives one finding about no package; a `withdrawn` record gives
//! none (counted in [`Summary::withdrawn`]). The fingerprint is the advisory
//! basis ([`crate::fingerprint::advisory`]) over the record's vulnerability
//! id (smallest CVE among `id` and `aliases`, else `id`) and the package key
//! (`package.purl` made canonical and versionless, else the purl its
//! ecosystem maps to, else `ecosystem:name`; see [`crate::advisory`]).
//!
//! Streaming: the records of a top-level array are read one at a time (a
//! serde `SeqAccess` visitor), each into a [`serde_json::Value`] and then
//! into the OSV model the matching engine reads advisories with
//! ([`bulwark_matching::osv::Advisory`]), so the two agree on what a record
//! says; `modified`, which that model lets be absent (some published test
//! data lacks it), is required here as the schema says. Memory is bounded
//! by the largest record. Errors name the JSON path
//! (`[3].affected[0].package`); their line and column are where the record
//! ends when the problem is found in a record read whole. YAML records are
//! not read (convert them first).

use std::fmt;
use std::io::Read;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use bulwark_matching::osv::{Advisory, Package};

use crate::advisory::{package_key_from_ecosystem, package_key_from_purl, vulnerability_id};
use crate::error::{Ctx, drive, settle};
use crate::finding::{Finding, ReadError, Summary};
use crate::fingerprint;

pub(crate) fn read<R: Read, E>(
    reader: R,
    sink: &mut dyn FnMut(Finding) -> Result<(), E>,
) -> Result<Summary, ReadError<E>> {
    let mut ctx = Ctx::new(sink);
    let mut summary = Summary::default();
    let outcome = drive(
        reader,
        DocSeed {
            ctx: &mut ctx,
            summary: &mut summary,
        },
    );
    settle(&mut ctx, outcome).map(|()| summary)
}

type OsvCtx<'f, E> = Ctx<'f, Finding, E>;

struct DocSeed<'c, 'f, E> {
    ctx: &'c mut OsvCtx<'f, E>,
    summary: &'c mut Summary,
}

impl<'de, E> DeserializeSeed<'de> for DocSeed<'_, '_, E> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, E> Visitor<'de> for DocSeed<'_, '_, E> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an OSV record or an array of OSV records")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let v = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        record(self.ctx, self.summary, v)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(RecordSeed {
                ctx: &mut *self.ctx,
                summary: &mut *self.summary,
            })?
            .is_some()
        {}
        Ok(())
    }
}

struct RecordSeed<'c, 'f, E> {
    ctx: &'c mut OsvCtx<'f, E>,
    summary: &'c mut Summary,
}

impl<'de, E> DeserializeSeed<'de> for RecordSeed<'_, '_, E> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let v = Value::deserialize(d)?;
        record(self.ctx, self.summary, v)
    }
}

/// `modified` as the schema requires it: present and a string. Read after
/// the record, so that a record refused for anything else is refused for
/// that first, as a missing field is reported after the fields present.
#[derive(Deserialize)]
struct Modified {
    #[allow(dead_code)]
    modified: String,
}

fn record<Er: de::Error, E>(
    ctx: &mut OsvCtx<'_, E>,
    summary: &mut Summary,
    v: Value,
) -> Result<(), Er> {
    let rec: Advisory = serde_path_to_error::deserialize(&v).map_err(|e| ctx.refuse_inner(e))?;
    serde_path_to_error::deserialize::<_, Modified>(&v).map_err(|e| ctx.refuse_inner(e))?;
    summary.items += 1;
    if rec.withdrawn.is_some() {
        summary.withdrawn += 1;
        return Ok(());
    }
    let Value::Object(mut base) = v else {
        // `Advisory` only deserializes from an object.
        return Err(Er::custom("an OSV record must be an object"));
    };
    let id = vulnerability_id(&rec.id, rec.aliases.iter().map(String::as_str));
    let title = rec
        .summary
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .or_else(|| {
            rec.details
                .as_deref()
                .and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty()))
        })
        .unwrap_or(&rec.id)
        .to_owned();
    let raw_affected = match base.remove("affected") {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let finding = |package: Option<&Package>, raw: Option<Value>| {
        let key = package.map(|p| {
            p.purl
                .as_deref()
                .and_then(package_key_from_purl)
                .unwrap_or_else(|| package_key_from_ecosystem(&p.ecosystem, &p.name))
        });
        let mut detail = base.clone();
        if let Some(raw) = raw {
            detail.insert("affected".into(), Value::Array(vec![raw]));
        }
        Finding {
            fingerprint: fingerprint::advisory(&id, key.as_deref().unwrap_or("")),
            rule_id: Some(id.clone()),
            title: title.clone(),
            target: package.and_then(|p| p.purl.clone()).or_else(|| key.clone()),
            location: key,
            tool_name: None,
            tool_version: None,
            ai_model: None,
            ai_model_version: None,
            detail: Value::Object(detail),
        }
    };
    let affected = rec.affected;
    if affected.is_empty() {
        summary.findings += 1;
        return ctx.emit(finding(None, None));
    }
    for (a, raw) in affected.iter().zip(raw_affected) {
        summary.findings += 1;
        ctx.emit(finding(a.package.as_ref(), Some(raw)))?;
    }
    Ok(())
}
