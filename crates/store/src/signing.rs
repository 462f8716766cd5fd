//! The server's signing keys, sealed at rest, and the detached signatures
//! made with them (migration 0030).
//!
//! The store knows no OpenPGP: a key is its fingerprint, its public text and
//! its secret text (sealed under the [`SIGNING_KEY_PURPOSE`] sub-key of the
//! master key the caller passes in, bound to the key's row); a signature is
//! text over bytes named by their SHA-256.

use bulwark_core::{AuditEvent, from_micros, to_micros};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::sealing::{derive_key, open, seal};
use crate::{Actor, Result, Store, StoreError, with_pool, write_tx};

/// The sub-key purpose signing keys are sealed under.
pub const SIGNING_KEY_PURPOSE: &str = "signing-key";

/// A signing key's secret text (e.g. an ASCII-armoured OpenPGP secret key).
/// `Debug` redacts it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKeyText(String);

impl SecretKeyText {
    pub fn new(text: impl Into<String>) -> Self {
        SecretKeyText(text.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretKeyText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKeyText(<redacted>)")
    }
}

/// A key to keep.
#[derive(Debug, Clone)]
pub struct NewSigningKey {
    /// What it signs (`"csaf"`): a constant of the code.
    pub purpose: String,
    pub fingerprint: String,
    pub public_key: String,
    pub secret: SecretKeyText,
}

/// A kept key's public side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicSigningKey {
    pub id: Uuid,
    pub purpose: String,
    pub fingerprint: String,
    pub public_key: String,
    pub created_at: OffsetDateTime,
    pub retired_at: Option<OffsetDateTime>,
}

/// The active key of a purpose, with its secret opened.
#[derive(Debug, Clone)]
pub struct ActiveSigningKey {
    pub key: PublicSigningKey,
    pub secret: SecretKeyText,
}

/// Associated data binding a sealed secret to its key row.
fn secret_aad(id: Uuid) -> Vec<u8> {
    let mut v = b"signing_keys.secret_sealed:".to_vec();
    v.extend_from_slice(id.as_bytes());
    v
}

type KeyRow = (Uuid, String, String, String, i64, Option<i64>);

fn public_of(r: KeyRow) -> PublicSigningKey {
    PublicSigningKey {
        id: r.0,
        purpose: r.1,
        fingerprint: r.2,
        public_key: r.3,
        created_at: from_micros(r.4),
        retired_at: r.5.map(from_micros),
    }
}

/// A key row with its sealed secret last.
type SealedKeyRow = (Uuid, String, String, String, i64, Option<i64>, Vec<u8>);

const KEY_COLUMNS: &str = "id, purpose, fingerprint, public_key, created_at, retired_at";

fn check_fingerprint(fp: &str) -> Result<()> {
    if fp.len() == 40
        && fp
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() && c.is_ascii_hexdigit())
    {
        Ok(())
    } else {
        Err(StoreError::Invalid(
            "a key fingerprint is 40 upper-case hex digits".into(),
        ))
    }
}

impl Store {
    /// Keeps a new active key for its purpose, the secret sealed under the
    /// [`SIGNING_KEY_PURPOSE`] sub-key of `master_key`. A `Conflict` when
    /// the purpose has an active key already (another server made one
    /// first: read that one instead).
    pub async fn create_signing_key(
        &self,
        actor: &Actor,
        new: &NewSigningKey,
        master_key: &[u8; 32],
        now: OffsetDateTime,
    ) -> Result<PublicSigningKey> {
        check_fingerprint(&new.fingerprint)?;
        if new.purpose.is_empty() || new.public_key.is_empty() || new.secret.0.is_empty() {
            return Err(StoreError::Invalid(
                "a signing key has a purpose, a public key and a secret".into(),
            ));
        }
        let id = Uuid::now_v7();
        let key = derive_key(master_key, SIGNING_KEY_PURPOSE);
        let sealed = seal(&key, &secret_aad(id), new.secret.0.as_bytes())?;
        let at = to_micros(now);
        write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO signing_keys (id, purpose, fingerprint, public_key, secret_sealed, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id).bind(&new.purpose).bind(&new.fingerprint).bind(&new.public_key)
                .bind(&sealed).bind(at)
                .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("signing_key.create", "signing_key", id)
                .with_detail(json!({"purpose": new.purpose, "fingerprint": new.fingerprint})), at);
        });
        Ok(PublicSigningKey {
            id,
            purpose: new.purpose.clone(),
            fingerprint: new.fingerprint.clone(),
            public_key: new.public_key.clone(),
            created_at: from_micros(at),
            retired_at: None,
        })
    }

    /// The active key of `purpose` with its secret opened under `master_key`,
    /// if there is one. A wrong master key is `Corrupt`, never a silent
    /// "no key" (which would make the caller generate a second one).
    pub async fn active_signing_key(
        &self,
        purpose: &str,
        master_key: &[u8; 32],
    ) -> Result<Option<ActiveSigningKey>> {
        let row: Option<SealedKeyRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, purpose, fingerprint, public_key, created_at, retired_at, secret_sealed \
                 FROM signing_keys WHERE purpose = $1 AND retired_at IS NULL")
                .bind(purpose).fetch_optional(pool).await?
        });
        let Some((id, purpose, fingerprint, public_key, created_at, retired_at, sealed)) = row
        else {
            return Ok(None);
        };
        let key = derive_key(master_key, SIGNING_KEY_PURPOSE);
        let plain = open(&key, &secret_aad(id), &sealed, "signing key")?;
        let secret = String::from_utf8(plain)
            .map_err(|_| StoreError::Corrupt("signing key is not text".into()))?;
        Ok(Some(ActiveSigningKey {
            key: public_of((id, purpose, fingerprint, public_key, created_at, retired_at)),
            secret: SecretKeyText(secret),
        }))
    }

    /// Every key of `purpose`, active and retired, oldest first: all are
    /// published, so that old signatures still verify.
    pub async fn signing_keys(&self, purpose: &str) -> Result<Vec<PublicSigningKey>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {KEY_COLUMNS} FROM signing_keys WHERE purpose = $1 ORDER BY created_at, id"
        ));
        let rows: Vec<KeyRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(purpose).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(public_of).collect())
    }

    /// The signature the key `fingerprint` made over the bytes with `sha256`
    /// (lower-case hex), if it made one.
    pub async fn document_signature(
        &self,
        sha256: &str,
        fingerprint: &str,
    ) -> Result<Option<String>> {
        let row: Option<(String,)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT signature FROM document_signatures WHERE sha256 = $1 AND key_fingerprint = $2")
                .bind(sha256).bind(fingerprint).fetch_optional(pool).await?
        });
        Ok(row.map(|r| r.0))
    }

    /// Keeps a signature over the bytes with `sha256` made for advisory
    /// `advisory_id`, audited as `advisory.sign`. When the same bytes were
    /// signed by the same key meanwhile (two requests at once), the first
    /// signature stays and is returned; nothing else is written.
    pub async fn put_document_signature(
        &self,
        actor: &Actor,
        advisory_id: Uuid,
        sha256: &str,
        fingerprint: &str,
        signature: &str,
        now: OffsetDateTime,
    ) -> Result<String> {
        if sha256.len() != 64
            || !sha256
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        {
            return Err(StoreError::Invalid(
                "sha256 is 64 lower-case hex digits".into(),
            ));
        }
        let at = to_micros(now);
        let kept: String = write_tx!(self, tx => {
            let n = sqlx::query(
                "INSERT INTO document_signatures (sha256, key_fingerprint, advisory_id, signature, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256, key_fingerprint) DO NOTHING")
                .bind(sha256).bind(fingerprint).bind(advisory_id).bind(signature).bind(at)
                .execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                append_audit!(tx, actor, AuditEvent::new("advisory.sign", "advisory", advisory_id)
                    .with_detail(json!({"sha256": sha256, "fingerprint": fingerprint})), at);
                signature.to_owned()
            } else {
                let (s,): (String,) = sqlx::query_as(
                    "SELECT signature FROM document_signatures WHERE sha256 = $1 AND key_fingerprint = $2")
                    .bind(sha256).bind(fingerprint).fetch_one(&mut *tx).await?;
                s
            }
        });
        Ok(kept)
    }
}
