//! Request bodies spooled to a temporary file, hashed on the way.
//!
//! An intake document may be hundreds of megabytes: held in memory, a few
//! concurrent uploads would exhaust the server. It is written to a file in
//! the server's own spool directory ([`SpoolDir`]) as it arrives, its SHA-256
//! and size computed at the same time, and read back twice — once by the
//! parser, once by the store that keeps it — from disk. The file is removed
//! when the [`Spool`] is dropped, whatever the outcome.
//!
//! A server killed mid-upload (`kill -9`, a crash, a power cut) drops
//! nothing: its files stay. With 4 GiB uploads a few crashes fill a disk, so
//! each server spools into a directory of its own, `ROOT/INSTANCE/`, held by
//! an exclusive lock on `ROOT/INSTANCE.lock` while it runs (the kernel drops
//! the lock of a process however it ends), and at start removes every
//! instance directory under `ROOT` whose lock nobody holds. Servers sharing
//! a root (two on one machine and one database) never remove each other's
//! files.

use std::fs::File;
use std::path::{Path, PathBuf};

use axum::body::Body;
use bulwark_core::ContentHasher;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::problem::{ApiError, Kind};

/// How much of a body past the limit is read and dropped before the 413
/// is sent, so that a client that sent a little too much reads the answer.
/// Bounded: a larger body is cut off.
const DRAIN_AFTER_LIMIT: u64 = 64 * 1024 * 1024;

/// A spooled body: where it is, its address and its size.
#[derive(Debug)]
pub struct Spool {
    path: PathBuf,
    pub sha256: String,
    pub size: u64,
}

impl Spool {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The first bytes, to tell a document's format by its content.
    pub async fn head(&self, n: usize) -> std::io::Result<Vec<u8>> {
        use tokio::io::AsyncReadExt;
        let f = tokio::fs::File::open(&self.path).await?;
        let mut buf = Vec::with_capacity(n);
        f.take(n as u64).read_to_end(&mut buf).await?;
        Ok(buf)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        // Best effort: a file left behind goes at the next start's sweep.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// This server's spool directory, `ROOT/INSTANCE/`, and the lock on
/// `ROOT/INSTANCE.lock` that marks it as in use for as long as it lives.
#[derive(Debug)]
pub struct SpoolDir {
    dir: PathBuf,
    lock_path: PathBuf,
    _lock: File,
}

/// What [`SpoolDir::open`] found: the leftovers it removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Spool directories of servers no longer running (and stray entries).
    pub entries: usize,
    /// The files in them: uploads cut off by a crash.
    pub files: usize,
}

impl SpoolDir {
    /// Opens a spool directory of this server's own under `root` (created,
    /// owner-only, when missing), first removing what servers that no
    /// longer run left there. Refuses a `root` that is a symbolic link or
    /// belongs to another user.
    pub fn open(root: &Path) -> std::io::Result<(SpoolDir, Swept)> {
        create_private_dir(root)?;
        let swept = sweep(root)?;
        // The lock first, then the directory: a directory without a lock
        // file is a leftover to every other server's sweep.
        for _ in 0..8 {
            let name = uuid::Uuid::now_v7().simple().to_string();
            let lock_path = root.join(format!("{name}.lock"));
            let lock = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&lock_path)?;
            // A sweep running between the create and the lock may hold the
            // fresh file's lock, or have removed it (the lock would then be
            // on nothing): start again.
            match lock.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => continue,
                Err(std::fs::TryLockError::Error(e)) => return Err(e),
            }
            if !same_file(&lock, &lock_path)? {
                continue;
            }
            check_owner(root, &lock)?;
            let dir = root.join(&name);
            create_private_dir(&dir)?;
            return Ok((
                SpoolDir {
                    dir,
                    lock_path,
                    _lock: lock,
                },
                swept,
            ));
        }
        Err(std::io::Error::other(
            "could not take a spool directory: other servers' sweeps kept removing it",
        ))
    }

    /// Where this server's spool files go.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The default root: `bulwark-spool-HASH` in the system's temporary
    /// directory, `HASH` naming the database (without its password), so
    /// that the servers of one database share a root and sweep it.
    pub fn default_root(database: &str) -> PathBuf {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(redacted(database).as_bytes());
        std::env::temp_dir().join(format!("bulwark-spool-{}", &hex::encode(digest)[..16]))
    }
}

impl Drop for SpoolDir {
    /// A server that stops cleanly leaves nothing behind (the lock goes
    /// with the file).
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_file(&self.lock_path);
    }
}

/// A database URL without the password it may carry.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Removes every entry under `root` that no running server holds: each
/// `NAME/` whose `NAME.lock` can be locked (or is missing) and that lock
/// file, and anything else that is not a live server's.
fn sweep(root: &Path) -> std::io::Result<Swept> {
    let mut live = std::collections::HashSet::new();
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(root)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".lock") {
            let held = match File::open(entry.path()) {
                Ok(f) => matches!(f.try_lock(), Err(std::fs::TryLockError::WouldBlock)),
                Err(_) => false,
            };
            if held {
                live.insert(stem.to_owned());
                continue;
            }
        }
        entries.push((name, entry.path()));
    }
    let mut swept = Swept::default();
    for (name, path) in entries {
        let stem = name.strip_suffix(".lock").unwrap_or(&name);
        if live.contains(stem) {
            continue;
        }
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(_) => continue,
        };
        let removed = if meta.is_dir() {
            let files = std::fs::read_dir(&path).map(|d| d.count()).unwrap_or(0);
            std::fs::remove_dir_all(&path).map(|()| files)
        } else {
            std::fs::remove_file(&path).map(|()| usize::from(!name.ends_with(".lock")))
        };
        match removed {
            Ok(files) => {
                swept.entries += 1;
                swept.files += files;
            }
            // Another server's sweep got there first.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(swept)
}

/// Creates `dir` readable by its owner only, or accepts it if it is a
/// directory already (not a symbolic link to one).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    if !std::fs::symlink_metadata(dir)?.is_dir() {
        return Err(std::io::Error::other(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    Ok(())
}

/// Whether the open `file` is still the one at `path`.
fn same_file(file: &File, path: &Path) -> std::io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match std::fs::metadata(path) {
            Ok(m) => Ok(m.ino() == file.metadata()?.ino() && m.dev() == file.metadata()?.dev()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        Ok(path.exists())
    }
}

/// Refuses a root another user owns (it could read or replace the spooled
/// documents): its owner must be the owner of the file this server made.
fn check_owner(root: &Path, mine: &File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::symlink_metadata(root)?;
        if meta.uid() != mine.metadata()?.uid() || meta.mode() & 0o022 != 0 {
            return Err(std::io::Error::other(format!(
                "the spool directory {} belongs to another user or is writable by others",
                root.display()
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = (root, mine);
    Ok(())
}

/// Writes `body` to a new file in `dir`, refusing more than `limit` bytes
/// (413) and an empty body (422).
pub async fn spool(dir: &SpoolDir, body: Body, limit: u64) -> Result<Spool, ApiError> {
    spool_stream(dir, body.into_data_stream(), limit).await
}

/// [`spool`] for any stream of chunks (a request body, a multipart field).
pub async fn spool_stream<S, B, E>(
    dir: &SpoolDir,
    mut stream: S,
    limit: u64,
) -> Result<Spool, ApiError>
where
    S: futures_util::Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let mut name = [0u8; 16];
    getrandom::fill(&mut name).map_err(|_| ApiError::internal())?;
    let path = dir.path().join(format!("intake-{}", hex::encode(name)));
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot create a spool file");
            ApiError::internal()
        })?;
    // From here the guard removes the file on every way out.
    let mut spool = Spool {
        path,
        sha256: String::new(),
        size: 0,
    };
    let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    let mut hasher = ContentHasher::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::malformed(format!("the request body could not be read: {e}")))?;
        let chunk = chunk.as_ref();
        spool.size += chunk.len() as u64;
        if spool.size > limit {
            // Read (and drop) a bounded rest of the body before answering:
            // a client still sending when the connection closes sees a
            // broken pipe instead of this 413 and its reason.
            let mut rest = spool.size - limit;
            while rest < DRAIN_AFTER_LIMIT {
                match stream.next().await {
                    Some(Ok(more)) => rest += more.as_ref().len() as u64,
                    _ => break,
                }
            }
            return Err(ApiError::new(
                Kind::PayloadTooLarge,
                format!("the document exceeds {limit} bytes"),
            ));
        }
        hasher.update(chunk);
        out.write_all(chunk).await.map_err(|e| {
            tracing::error!(error = %e, "cannot write a spool file");
            ApiError::internal()
        })?;
    }
    out.flush().await.map_err(|_| ApiError::internal())?;
    if spool.size == 0 {
        return Err(ApiError::validation("the document is empty"));
    }
    spool.sha256 = hasher.finish().to_string();
    Ok(spool)
}
