//! The SCRAM client against an independent server: `tests/oracles/scram_server.py` (Python's
//! hashlib/hmac/base64), one exchange per process over stdin/stdout.
//!
//! These tests need `python3` on PATH and fail — not skip — without it.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use mskgate_auth::scram::{MIN_ITERATIONS, Mechanism, ScramClient};
use mskgate_auth::{ScramError, SecretString};

const USER: &str = "alice";
const PASSWORD: &str = "correct horse battery staple";

struct Oracle {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

/// What the oracle made of the exchange.
struct Verdict {
    accepted_proof: bool,
    stderr: String,
}

impl Oracle {
    fn start(mechanism: Mechanism, user: &str, password: &str, mode: &str) -> Self {
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/scram_server.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .args(["--mechanism", mechanism.name(), "--user", user])
            .args(["--password", password, "--mode", mode])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("the SCRAM oracle tests need `python3` on PATH to run {script:?}: {e}")
            });
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Self {
            child,
            stdin,
            stdout,
        }
    }

    fn send(&mut self, message: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{message}").expect("write to the oracle");
        stdin.flush().expect("flush");
    }

    fn receive(&mut self) -> String {
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .expect("read from the oracle");
        assert!(!line.is_empty(), "the oracle closed its output early");
        line.trim_end_matches('\n').to_owned()
    }

    fn finish(mut self) -> Verdict {
        drop(self.stdin.take());
        let out = self.child.wait_with_output().expect("oracle exits");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        Verdict {
            accepted_proof: stderr.contains("client proof valid"),
            stderr,
        }
    }
}

/// One exchange: the client with `client_password` against the oracle that knows `PASSWORD`.
fn exchange(
    mechanism: Mechanism,
    user: &str,
    client_password: &str,
    mode: &str,
) -> (Result<(), ScramError>, Verdict) {
    let mut oracle = Oracle::start(mechanism, USER, PASSWORD, mode);
    let result = (|| {
        let mut client = ScramClient::new(mechanism, user, &SecretString::from(client_password))?;
        oracle.send(&client.client_first());
        let server_first = oracle.receive();
        let client_final = client.handle_server_first(server_first.as_bytes())?;
        oracle.send(&client_final);
        let server_final = oracle.receive();
        client.handle_server_final(server_final.as_bytes())?;
        assert!(client.is_authenticated());
        Ok(())
    })();
    (result, oracle.finish())
}

#[test]
fn sha512_exchange_verifies_both_ways_against_the_python_oracle() {
    let (result, verdict) = exchange(Mechanism::ScramSha512, USER, PASSWORD, "honest");
    assert_eq!(result, Ok(()), "oracle said: {}", verdict.stderr);
    assert!(verdict.accepted_proof, "{}", verdict.stderr);
}

#[test]
fn sha256_exchange_verifies_both_ways_against_the_python_oracle() {
    let (result, verdict) = exchange(Mechanism::ScramSha256, USER, PASSWORD, "honest");
    assert_eq!(result, Ok(()), "oracle said: {}", verdict.stderr);
    assert!(verdict.accepted_proof, "{}", verdict.stderr);
}

#[test]
fn escaped_usernames_reach_the_server_intact() {
    let user = "ops,team=kafka";
    let mut oracle = Oracle::start(Mechanism::ScramSha512, user, PASSWORD, "honest");
    let mut client = ScramClient::new(Mechanism::ScramSha512, user, &SecretString::from(PASSWORD))
        .expect("client");
    assert!(
        client
            .client_first()
            .starts_with("n,,n=ops=2Cteam=3Dkafka,r=")
    );
    oracle.send(&client.client_first());
    let client_final = client
        .handle_server_first(oracle.receive().as_bytes())
        .expect("server-first");
    oracle.send(&client_final);
    let result = client.handle_server_final(oracle.receive().as_bytes());
    let verdict = oracle.finish();
    assert_eq!(result, Ok(()), "{}", verdict.stderr);
}

#[test]
fn wrong_password_is_refused_by_the_server_as_invalid_proof() {
    for mechanism in [Mechanism::ScramSha512, Mechanism::ScramSha256] {
        let (result, verdict) = exchange(mechanism, USER, "wrong password", "honest");
        assert_eq!(
            result,
            Err(ScramError::Server {
                reason: "invalid-proof".into()
            })
        );
        assert!(!verdict.accepted_proof, "{}", verdict.stderr);
    }
}

#[test]
fn unknown_user_is_reported_with_the_servers_reason() {
    let (result, _) = exchange(Mechanism::ScramSha512, "mallory", PASSWORD, "honest");
    assert_eq!(
        result,
        Err(ScramError::Server {
            reason: "unknown-user".into()
        })
    );
}

#[test]
fn server_error_tokens_map_to_server_errors() {
    for token in [
        "other-error",
        "invalid-encoding",
        "extensions-not-supported",
    ] {
        let (result, _) = exchange(
            Mechanism::ScramSha512,
            USER,
            PASSWORD,
            &format!("error={token}"),
        );
        assert_eq!(
            result,
            Err(ScramError::Server {
                reason: token.into()
            })
        );
    }
}

#[test]
fn server_nonce_that_does_not_extend_ours_is_refused_before_any_proof() {
    let (result, verdict) = exchange(Mechanism::ScramSha512, USER, PASSWORD, "foreign-nonce");
    assert_eq!(result, Err(ScramError::NonceMismatch));
    assert!(
        verdict.stderr.contains("gave up after server-first"),
        "{}",
        verdict.stderr
    );
}

#[test]
fn low_iteration_count_is_refused_naming_the_count() {
    let (result, verdict) = exchange(Mechanism::ScramSha512, USER, PASSWORD, "iterations=1024");
    let err = result.unwrap_err();
    assert_eq!(
        err,
        ScramError::TooFewIterations {
            iterations: 1024,
            minimum: MIN_ITERATIONS
        }
    );
    assert!(err.to_string().contains("1024"), "{err}");
    assert!(
        verdict.stderr.contains("gave up after server-first"),
        "{}",
        verdict.stderr
    );

    // A count above the minimum is just work.
    let (result, verdict) = exchange(Mechanism::ScramSha512, USER, PASSWORD, "iterations=8192");
    assert_eq!(result, Ok(()), "{}", verdict.stderr);
}

#[test]
fn server_that_cannot_prove_the_password_is_refused() {
    let (result, verdict) = exchange(Mechanism::ScramSha512, USER, PASSWORD, "forge-signature");
    assert_eq!(result, Err(ScramError::ServerSignatureMismatch));
    // The server did accept our proof: only its own signature was wrong.
    assert!(verdict.accepted_proof, "{}", verdict.stderr);
}
