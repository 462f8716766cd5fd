//! A `bulwark serve` the tests drive through the client commands.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use super::{bulwark, temp_db};

/// A `bulwark serve` on a free port over a freshly bootstrapped database,
/// stopped however the test ends. Its standard error goes to a file
/// ([`Server::stderr`]).
pub struct Server {
    child: std::process::Child,
    pub url: String,
    /// The bootstrap administrator's token.
    pub root: String,
    /// The SQLite file it serves.
    pub db: String,
    log: PathBuf,
}

impl Server {
    /// Over a new database, with these environment variables (and no
    /// `BULWARK_DOSSIER_KEY` unless given).
    pub fn start(env: &[(&str, &str)]) -> Server {
        let db = temp_db();
        let boot = bulwark(&["admin", "bootstrap", "--database", &db]);
        assert!(boot.status.success());
        let root = String::from_utf8(boot.stdout)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .to_owned();
        Server::start_over(&db, &root, env)
    }

    /// Over an existing database, whose administrator's token is `root`.
    pub fn start_over(db: &str, root: &str, env: &[(&str, &str)]) -> Server {
        use std::net::TcpListener;
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = format!("127.0.0.1:{port}");
        let log = std::env::temp_dir().join(format!("bulwark-serve-{}.log", uuid::Uuid::now_v7()));
        let child = Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(["serve", "--database", db, "--listen", &listen])
            .env("RUST_LOG", "warn")
            .env_remove("BULWARK_DOSSIER_KEY")
            .env_remove("BULWARK_SPOOL_DIR")
            .envs(env.iter().copied())
            .stderr(std::fs::File::create(&log).expect("the server's log file"))
            .spawn()
            .expect("start the server");
        // The port is taken before the store is opened and the spool swept:
        // wait for an answer, not for the port.
        for _ in 0..200 {
            if ready(&listen) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Server {
            child,
            url: format!("http://{listen}"),
            root: root.to_owned(),
            db: db.to_owned(),
            log,
        }
    }

    /// What the server wrote on standard error so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `bulwark ARGS` as the holder of `token`, against this server.
    pub fn client(&self, token: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(args)
            .env("BULWARK_URL", &self.url)
            .env("BULWARK_TOKEN", token)
            .stdin(Stdio::null())
            .output()
            .expect("run bulwark")
    }

    /// `bulwark ARGS --format json`, which must succeed; its one object.
    pub fn json(&self, token: &str, args: &[&str]) -> serde_json::Value {
        let out = self.client(token, &[args, &["--format", "json"]].concat());
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
    }

    /// A new organization's id.
    pub fn org(&self, args: &[&str]) -> String {
        id(&self.json(&self.root, &[&["org", "create"], args].concat()))
    }

    /// A new member of `org` with one role: (user id, API token).
    pub fn member(&self, org: &str, name: &str, role: &str) -> (String, String) {
        let user = id(&self.json(
            &self.root,
            &[
                "user",
                "create",
                "--org",
                org,
                "--username",
                name,
                "--display-name",
                name,
                "--role",
                role,
            ],
        ));
        let token = self.json(
            &self.root,
            &["token", "issue", "--user", &user, "--name", "cli"],
        )["token"]
            .as_str()
            .unwrap()
            .to_owned();
        (user, token)
    }
}

impl Server {
    /// Kills the server with SIGKILL, as a crash would: no clean-up runs.
    pub fn crash(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// `host:port`, for a raw connection.
    pub fn listen(&self) -> &str {
        self.url.trim_start_matches("http://")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.crash();
    }
}

/// Whether the server at `listen` answers `GET /readyz` with 200.
fn ready(listen: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(listen) else {
        return false;
    };
    let asked = write!(
        s,
        "GET /readyz HTTP/1.1\r\nHost: {listen}\r\nConnection: close\r\n\r\n"
    );
    let mut answer = String::new();
    asked.is_ok() && s.read_to_string(&mut answer).is_ok() && answer.starts_with("HTTP/1.1 200")
}

/// The `id` of an API object.
pub fn id(v: &serde_json::Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}
