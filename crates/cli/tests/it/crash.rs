//! After a crash: a server killed with SIGKILL mid-upload leaves its spooled
//! body behind (nothing runs its clean-up). The next server of the database
//! removes it at start, and a live server's spool is in a directory of its
//! own, never loose in the temporary directory.

use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};

use crate::common::*;

/// Every file under `dir`, at any depth.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The spooled uploads under `dir` (the server's lock files and the test's
/// database are not).
fn spooled(dir: &Path) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains("intake-"))
        })
        .collect()
}

#[test]
fn a_crashed_servers_spooled_uploads_are_removed_at_the_next_start() {
    let tmp = std::env::temp_dir().join(format!("bulwark-crash-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&tmp).unwrap();
    let db = tmp.join("crash.db").to_string_lossy().into_owned();
    let boot = bulwark(&["admin", "bootstrap", "--database", &db]);
    assert!(boot.status.success());
    let token = String::from_utf8(boot.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_owned();

    let tmpdir = tmp.to_string_lossy().into_owned();
    let mut first = Server::start_over(&db, &token, &[("TMPDIR", &tmpdir)]);
    let listen = first.listen().to_owned();
    // An upload cut off half-way: its body is being spooled when the
    // server dies.
    let mut upload = TcpStream::connect(&listen).expect("connect");
    write!(
        upload,
        "POST /api/v1/reports HTTP/1.1\r\nHost: {listen}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/sarif+json\r\nContent-Length: 10000000\r\n\r\n"
    )
    .unwrap();
    upload.write_all(&[b' '; 256 * 1024]).unwrap();
    upload.flush().unwrap();
    let mut during = Vec::new();
    for _ in 0..200 {
        during = spooled(&tmp);
        if !during.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(during.len(), 1, "one upload being spooled: {during:?}");
    let spool_file = &during[0];
    let own_dir = spool_file.parent().unwrap();
    let root = own_dir.parent().unwrap();
    assert!(
        root != tmp
            && root.parent() == Some(tmp.as_path())
            && root
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("bulwark-spool-"),
        "spooled in a directory of the server's own under bulwark-spool-…, not loose in TMPDIR: {}",
        spool_file.display()
    );

    first.crash(); // SIGKILL: no clean-up runs
    drop(upload);
    assert!(spool_file.exists(), "a crash leaves the file behind");
    // A stray file of an older crash, planted beside it.
    std::fs::write(own_dir.join("intake-planted"), b"left over").unwrap();

    let mut second = Server::start_over(&db, &token, &[("TMPDIR", &tmpdir)]);
    let left = spooled(&tmp);
    second.crash();
    assert!(
        left.is_empty(),
        "the crashed server's uploads are gone once the next one started: {left:?}"
    );
    assert!(!own_dir.exists(), "and so is its directory");
    let _ = std::fs::remove_dir_all(&tmp);
}
