//! What the CLI's test files share: running the binary as a script would,
//! reading its JSON lines, a fresh SQLite file, the shared data set.
// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod server;
pub use server::{Server, id};

/// Runs `bulwark` with no database or token from the environment.
pub fn bulwark(args: &[&str]) -> Output {
    bulwark_with_stdin(args, None)
}

/// The same, with `stdin` as its standard input (none: empty).
pub fn bulwark_with_stdin(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .env_remove("BULWARK_DATABASE")
        .env_remove("BULWARK_TOKEN")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run bulwark");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("wait for bulwark")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output as one JSON value a line.
pub fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

/// A SQLite file path nobody has used.
pub fn temp_db() -> String {
    std::env::temp_dir()
        .join(format!("bulwark-cli-{}.db", uuid::Uuid::now_v7()))
        .to_string_lossy()
        .into_owned()
}

/// The shared data set beside the checkout.
pub fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}
