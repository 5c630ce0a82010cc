//! A real AWS emulator for the handler and destination tests: moto's server (PyPI
//! `moto[server]`) on 127.0.0.1 — the same helper as mskgate-auth's `load` tests
//! (`crates/auth/tests/it/load/moto.rs`), plus an AWS SDK configuration pointing at it and
//! moto's Docker-free Lambda backend switched on (`/moto-api/config`).
//!
//! Python is `$MSKGATE_PYTHON`, else the venv of `scripts/install-test-deps.sh`
//! (`$MSKGATE_CACHE/venv/bin/python`, default `~/.cache/mskgate/venv/bin/python`). A missing
//! Python or moto fails the test with the command that fixes it; nothing is skipped.
//!
//! A [`Moto`] kills its server when dropped; the server also exits by itself when this test process
//! ends or dies (it watches its stdin, a pipe only this process holds), so no emulator outlives a
//! test run — not the [`shared`] one, which is never dropped, nor one of a killed run.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long moto may take to answer its first request (about 1–3 s when the machine is idle).
const READY_WITHIN: Duration = Duration::from_secs(60);

/// Runs moto's server and exits when stdin closes (the test process is gone).
const LAUNCHER: &str = r#"
import os, sys, threading
def watch_parent():
    sys.stdin.read()
    os._exit(0)
threading.Thread(target=watch_parent, daemon=True).start()
from moto.server import main
main(sys.argv[1:])
"#;

/// One moto server process.
pub(crate) struct Moto {
    child: Child,
    endpoint: String,
    log: tempfile::NamedTempFile,
    /// How long it took to answer its first request.
    pub(crate) startup: Duration,
}

impl Moto {
    /// A fresh server.
    pub(crate) fn start() -> Self {
        Self::start_with_env(&[])
    }

    /// A fresh server with extra environment (e.g. `INITIAL_NO_AUTH_ACTION_COUNT` to enforce IAM).
    pub(crate) fn start_with_env(env: &[(&str, &str)]) -> Self {
        let python = python();
        // The port is chosen by binding port 0 and released just before moto binds it: another
        // process could take it in between, so a server that exits early is retried.
        let mut last_log = String::new();
        for _attempt in 0..3 {
            let port = free_port();
            let log = tempfile::NamedTempFile::new().expect("temp file for the moto log");
            let started = Instant::now();
            let out = log.reopen().expect("moto log");
            let err = out.try_clone().expect("moto log");
            let child = Command::new(&python)
                .arg("-c")
                .arg(LAUNCHER)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .envs(env.iter().copied())
                .stdin(Stdio::piped())
                .stdout(Stdio::from(out))
                .stderr(Stdio::from(err))
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "cannot run {} for the moto AWS emulator: {e}; run \
                         scripts/install-test-deps.sh or set MSKGATE_PYTHON",
                        python.display()
                    )
                });
            let mut moto = Moto {
                child,
                endpoint: format!("http://127.0.0.1:{port}"),
                log,
                startup: Duration::ZERO,
            };
            match moto.wait_ready(port, started) {
                Ok(()) => {
                    moto.startup = started.elapsed();
                    eprintln!("moto on {} ready in {:?}", moto.endpoint, moto.startup);
                    return moto;
                }
                Err(log) => {
                    last_log = log;
                    if last_log.contains("No module named") {
                        break; // another port will not help
                    }
                }
            }
        }
        if last_log.contains("No module named") {
            panic!(
                "moto is not installed for {}: run scripts/install-test-deps.sh (it runs \
                 pip install 'moto[server]' into the venv) or point MSKGATE_PYTHON at a Python \
                 that has it\n--- moto output ---\n{last_log}",
                python.display()
            );
        }
        panic!(
            "the moto AWS emulator ({} -m moto.server) did not start\n--- moto output ---\n{last_log}",
            python.display()
        );
    }

    /// Waits for moto to answer HTTP; on failure returns its output.
    fn wait_ready(&mut self, port: u16, started: Instant) -> Result<(), String> {
        while started.elapsed() < READY_WITHIN {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("(exited with {status})\n{}", self.output()));
            }
            if answers_http(port) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        Err(format!(
            "(no answer within {READY_WITHIN:?})\n{}",
            self.output()
        ))
    }

    /// The endpoint URL (`http://127.0.0.1:<port>`).
    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// What the server wrote so far.
    pub(crate) fn output(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server the tests share, started by the first test that asks. It lives as long as this
/// test process: statics are never dropped, so it is stopped by its stdin watchdog when the
/// process exits (one start per run instead of one per test — moto takes about a second of CPU
/// to start). Tests keep their resources apart by name.
pub(crate) fn shared() -> &'static Moto {
    static SHARED: OnceLock<Moto> = OnceLock::new();
    SHARED.get_or_init(|| {
        let moto = Moto::start();
        moto.use_lambda_without_docker();
        moto
    })
}

impl Moto {
    /// Switches moto to its Docker-free Lambda backend ("lambda simple"): `Invoke` answers
    /// with the request payload, or with the results queued by [`queue_lambda_results`].
    fn use_lambda_without_docker(&self) {
        let status = post_json(
            self.port(),
            "/moto-api/config",
            r#"{"lambda": {"use_docker": false}}"#,
        );
        assert!(
            status == 200 || status == 201,
            "moto /moto-api/config answered {status}"
        );
    }

    /// Queues `results` as the next answers of `Invoke` in `region` (moto's lambda-simple
    /// results queue is per account and region: tests use distinct regions).
    pub(crate) fn queue_lambda_results(&self, region: &str, results: &[&str]) {
        let body = serde_json::json!({"results": results, "region": region}).to_string();
        let status = post_json(
            self.port(),
            "/moto-api/static/lambda-simple/response",
            &body,
        );
        assert_eq!(status, 201, "moto lambda-simple results");
    }

    fn port(&self) -> u16 {
        self.endpoint
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("moto endpoint port")
    }

    /// An AWS SDK configuration for this server (static test credentials, `region`).
    pub(crate) async fn sdk_config(&self, region: &str) -> aws_types::SdkConfig {
        sdk_loader(self.endpoint(), region).load().await
    }
}

/// An AWS SDK configuration loader for a local endpoint: `region`, static test credentials
/// (secret `test-secret`), nothing read from the machine's AWS setup.
pub(crate) fn sdk_loader(endpoint: &str, region: &str) -> aws_config::ConfigLoader {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(aws_credential_types::Credentials::new(
            "AKIDMSKGATETEST",
            "test-secret",
            None,
            None,
            "test",
        ))
}

/// POSTs `body` (JSON) and returns the HTTP status.
fn post_json(port: u16, path: &str, body: &str) -> u16 {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to moto");
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!(
        "POST {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("write to moto");
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).expect("moto answer");
    std::str::from_utf8(&head[9..12])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// `$MSKGATE_PYTHON`, else the install script's venv.
pub(crate) fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("MSKGATE_PYTHON").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("MSKGATE_CACHE")
        .filter(|c| !c.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home =
                std::env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from);
            home.join(".cache").join("mskgate")
        });
    let venv = cache.join("venv").join("bin").join("python");
    assert!(
        venv.is_file(),
        "no Python for the moto AWS emulator: MSKGATE_PYTHON is unset and {} does not exist; \
         run scripts/install-test-deps.sh",
        venv.display()
    );
    venv
}

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

fn answers_http(port: u16) -> bool {
    let Ok(mut stream) =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200))
    else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if stream
        .write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && &head[9..12] == b"200"
}
