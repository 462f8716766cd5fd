//! The master key for secrets at rest (dossier documents, webhook secrets),
//! chosen when `serve` starts.
//!
//! Production gives it in `BULWARK_DOSSIER_KEY` (64 hex digits), kept in
//! the operator's secret store. On SQLite, the embedded default, a server
//! started without it makes one on first start, in a file beside the
//! database (`bulwark.db.dossier-key`, owner-only), and uses it from then
//! on, so that `cargo run -- serve` runs the whole program. The file goes
//! with the database: without it, what was sealed cannot be read. On
//! PostgreSQL there is no such file (the database is not on this machine):
//! without the variable, dossiers and webhook subscriptions answer 503, and
//! the server says so at start.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use bulwark_app::{DOSSIER_KEY_VAR, MasterKey};
use bulwark_store::Location;

use crate::BadInput;

/// Where the key came from, for the line the server logs at start.
pub enum Source {
    /// `BULWARK_DOSSIER_KEY`.
    Environment,
    /// The file beside the SQLite database; `created` on this start.
    File { path: PathBuf, created: bool },
    /// An in-memory database: a key for this run only.
    ThisRunOnly,
    /// None (PostgreSQL without the variable).
    Absent,
}

/// The key `serve` uses with the database at `location`. A variable that is
/// set but not a key, or a key file that is not one, stops the start
/// (exit 2): running on without the key the operator meant would seal new
/// secrets under another.
pub fn choose(location: Location<'_>) -> anyhow::Result<(Option<MasterKey>, Source)> {
    if let Some(hex) = std::env::var_os(DOSSIER_KEY_VAR).filter(|v| !v.is_empty()) {
        let key = hex.to_str().and_then(MasterKey::from_hex).ok_or_else(|| {
            BadInput(format!(
                "{DOSSIER_KEY_VAR} is set but is not 64 hex digits (32 bytes)"
            ))
        })?;
        return Ok((Some(key), Source::Environment));
    }
    match location {
        Location::Postgres => Ok((None, Source::Absent)),
        Location::Sqlite(path) if is_in_memory(path) => {
            Ok((Some(random_key()?), Source::ThisRunOnly))
        }
        Location::Sqlite(path) => {
            let file = key_file(path);
            let (key, created) = load_or_create(&file)?;
            Ok((
                Some(key),
                Source::File {
                    path: file,
                    created,
                },
            ))
        }
    }
}

/// Says at start where the key came from; a created key or a missing one is
/// a warning, as each asks something of the operator.
pub fn announce(source: &Source) {
    match source {
        Source::Environment => {
            tracing::info!(var = DOSSIER_KEY_VAR, "dossier key from the environment")
        }
        Source::File {
            path,
            created: true,
        } => tracing::warn!(
            "created a dossier key in {}: keep it with the database (without it, sealed \
             dossier documents and webhook secrets cannot be read); in production, set \
             {DOSSIER_KEY_VAR} instead",
            path.display()
        ),
        Source::File {
            path,
            created: false,
        } => tracing::info!("dossier key from {}", path.display()),
        Source::ThisRunOnly => {
            tracing::warn!("in-memory database: a dossier key for this run only")
        }
        Source::Absent => tracing::warn!(
            var = DOSSIER_KEY_VAR,
            "no dossier key: dossier documents and webhook subscriptions answer 503 \
             until {DOSSIER_KEY_VAR} is set to 64 hex digits"
        ),
    }
}

/// `PATH.dossier-key`, beside the database file, as an absolute path.
pub fn key_file(database: &str) -> PathBuf {
    let file = PathBuf::from(format!("{database}.dossier-key"));
    std::path::absolute(&file).unwrap_or(file)
}

fn is_in_memory(path: &str) -> bool {
    path == ":memory:" || path.starts_with("file::memory:")
}

fn random_key() -> anyhow::Result<MasterKey> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for a key: {e}"))?;
    Ok(MasterKey::new(bytes))
}

/// Reads the key file, or makes it when there is none: written whole to a
/// private temporary file, then linked into place, so that a server starting
/// at the same moment reads a whole key or makes none (the link refuses to
/// replace a file).
fn load_or_create(path: &Path) -> anyhow::Result<(MasterKey, bool)> {
    if let Some(key) = read_key(path)? {
        return Ok((key, false));
    }
    let key = random_key()?;
    let tmp = path.with_extension(format!("dossier-key.{}.tmp", std::process::id()));
    let written = write_private(&tmp, &format!("{}\n", hex::encode(key.expose())));
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok((key, true)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let key = read_key(path)?.with_context(|| format!("{} vanished", path.display()))?;
            Ok((key, false))
        }
        Err(e) => Err(anyhow::Error::new(e)
            .context(format!("cannot create the dossier key {}", path.display()))),
    }
}

/// The key in `path`, or none when there is no such file.
fn read_key(path: &Path) -> anyhow::Result<Option<MasterKey>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(anyhow::Error::new(e)
                .context(format!("cannot read the dossier key {}", path.display())));
        }
    };
    warn_if_shared(path);
    MasterKey::from_hex(&text).map(Some).ok_or_else(|| {
        BadInput(format!(
            "{}: not a dossier key (64 hex digits); restore the file, or remove it \
             only if nothing was ever sealed under it",
            path.display()
        ))
        .into()
    })
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// A key others may read is no secret: say so (the file is the operator's
/// to fix; refusing would stop a server over a `chmod`).
#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %path.display(),
            "the dossier key is readable by others than its owner; chmod 600 it"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_and_read_back() {
        let dir = std::env::temp_dir().join(format!("bulwark-key-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bulwark.db.dossier-key");
        let (made, created) = load_or_create(&path).unwrap();
        assert!(created);
        let (read, created) = load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(made, read);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no leftovers");
        std::fs::write(&path, "not a key").unwrap();
        let err = load_or_create(&path).unwrap_err();
        assert!(err.chain().any(|c| c.is::<BadInput>()), "{err:#}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
