//! The hash chain of the audit log.
//!
//! Each entry carries the SHA-256 of its predecessor, so changing, removing or
//! reordering any stored entry breaks every hash after it. The hash input is a
//! length-prefixed encoding of every field, never a plain concatenation: with
//! concatenation `("ab", "c")` and `("a", "bc")` would hash alike.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The `prev_hash` of the first entry: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Domain separation tag; a new encoding would get a new tag.
const CHAIN_TAG: &[u8] = b"bulwark-audit-v1";

/// A state change, as the code that made it describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub actor_user: Option<Uuid>,
    pub actor_org: Option<Uuid>,
    /// Dotted verb, e.g. `token.revoke`.
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub request_id: Option<String>,
    /// Further facts about the change, as JSON. Never a secret.
    pub detail: serde_json::Value,
}

impl AuditEvent {
    pub fn new(action: &str, resource_type: &str, resource_id: impl ToString) -> Self {
        AuditEvent {
            actor_user: None,
            actor_org: None,
            action: action.to_owned(),
            resource_type: resource_type.to_owned(),
            resource_id: resource_id.to_string(),
            request_id: None,
            detail: serde_json::Value::Null,
        }
    }

    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// A stored entry. `detail` is kept as the exact JSON text that was hashed,
/// since a database's JSON type may reorder keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// Microseconds since the Unix epoch, UTC.
    pub at_us: i64,
    pub actor_user: Option<Uuid>,
    pub actor_org: Option<Uuid>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub request_id: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// Seals an event as the entry after `(prev_seq, prev_hash)`.
    pub fn seal(event: &AuditEvent, prev_seq: i64, prev_hash: &str, at_us: i64) -> AuditEntry {
        let mut entry = AuditEntry {
            seq: prev_seq + 1,
            at_us,
            actor_user: event.actor_user,
            actor_org: event.actor_org,
            action: event.action.clone(),
            resource_type: event.resource_type.clone(),
            resource_id: event.resource_id.clone(),
            request_id: event.request_id.clone(),
            detail: event.detail.to_string(),
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        entry
    }

    /// The hash this entry must carry, from all its other fields.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(CHAIN_TAG);
        field(&mut h, Some(self.seq.to_string().as_bytes()));
        field(&mut h, Some(self.at_us.to_string().as_bytes()));
        field(
            &mut h,
            self.actor_user
                .map(|u| u.to_string())
                .as_deref()
                .map(str::as_bytes),
        );
        field(
            &mut h,
            self.actor_org
                .map(|u| u.to_string())
                .as_deref()
                .map(str::as_bytes),
        );
        field(&mut h, Some(self.action.as_bytes()));
        field(&mut h, Some(self.resource_type.as_bytes()));
        field(&mut h, Some(self.resource_id.as_bytes()));
        field(&mut h, self.request_id.as_deref().map(str::as_bytes));
        field(&mut h, Some(self.detail.as_bytes()));
        field(&mut h, Some(self.prev_hash.as_bytes()));
        hex::encode(h.finalize())
    }
}

/// One field: a presence byte, then for a present value its length as eight
/// big-endian bytes and the bytes themselves.
fn field(h: &mut Sha256, value: Option<&[u8]>) {
    match value {
        None => h.update([0u8]),
        Some(v) => {
            h.update([1u8]);
            h.update((v.len() as u64).to_be_bytes());
            h.update(v);
        }
    }
}

/// Where and why a chain stops being trustworthy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("audit entry {seq}: {reason}")]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Checks entries in order, continuing a chain that ended at
/// `(prev_seq, prev_hash)`. Returns the new end, or the first break.
pub fn verify_segment<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
    mut prev_seq: i64,
    mut prev_hash: String,
) -> Result<(i64, String), ChainBreak> {
    for e in entries {
        if e.seq != prev_seq + 1 {
            return Err(ChainBreak {
                seq: e.seq,
                reason: format!(
                    "expected sequence number {}, an entry is missing or moved",
                    prev_seq + 1
                ),
            });
        }
        if e.prev_hash != prev_hash {
            return Err(ChainBreak {
                seq: e.seq,
                reason: "prev_hash does not match the hash of the entry before it".into(),
            });
        }
        if e.compute_hash() != e.hash {
            return Err(ChainBreak {
                seq: e.seq,
                reason: "contents do not match the entry's hash: the entry was changed".into(),
            });
        }
        prev_seq = e.seq;
        prev_hash = e.hash.clone();
    }
    Ok((prev_seq, prev_hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let (seq, prev) = out
                .last()
                .map(|e| (e.seq, e.hash.clone()))
                .unwrap_or((0, GENESIS_HASH.to_owned()));
            let ev = AuditEvent::new("org.create", "organization", format!("o{i}"))
                .with_detail(serde_json::json!({"name": format!("Org {i}")}));
            out.push(AuditEntry::seal(&ev, seq, &prev, 1_000 + i as i64));
        }
        out
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(
            verify_segment(&c, 0, GENESIS_HASH.into()),
            Ok((5, c[4].hash.clone()))
        );
    }

    #[test]
    fn edited_entry_is_named() {
        let mut c = chain(5);
        c[2].detail = r#"{"name":"Mallory"}"#.into();
        let err = verify_segment(&c, 0, GENESIS_HASH.into()).unwrap_err();
        assert_eq!(err.seq, 3);
        assert!(err.reason.contains("changed"));
    }

    #[test]
    fn rehashed_entry_breaks_its_successor() {
        let mut c = chain(5);
        c[1].action = "org.delete".into();
        c[1].hash = c[1].compute_hash();
        let err = verify_segment(&c, 0, GENESIS_HASH.into()).unwrap_err();
        assert_eq!(err.seq, 3);
    }

    #[test]
    fn removed_entry_is_found() {
        let mut c = chain(5);
        c.remove(3);
        assert_eq!(
            verify_segment(&c, 0, GENESIS_HASH.into()).unwrap_err().seq,
            5
        );
    }

    #[test]
    fn encoding_is_length_prefixed() {
        let a = AuditEntry::seal(&AuditEvent::new("ab", "c", "x"), 0, GENESIS_HASH, 1);
        let b = AuditEntry::seal(&AuditEvent::new("a", "bc", "x"), 0, GENESIS_HASH, 1);
        assert_ne!(a.hash, b.hash);
        let mut none = AuditEvent::new("a", "b", "c");
        let mut empty = none.clone();
        none.request_id = None;
        empty.request_id = Some(String::new());
        assert_ne!(
            AuditEntry::seal(&none, 0, GENESIS_HASH, 1).hash,
            AuditEntry::seal(&empty, 0, GENESIS_HASH, 1).hash
        );
    }
}
