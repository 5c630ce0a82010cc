//! `mskgate probe` against the real brokers of the test harness (tansu behind stunnel).

use mskgate_e2e::{Broker, Listener};
use serde_json::Value;

use crate::{code, mskgate};

fn probe_json(args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["probe", "--format", "json", "--timeout-ms", "5000"];
    all.extend_from_slice(args);
    let out = mskgate(&all);
    let stdout = String::from_utf8(out.stdout.clone()).expect("utf8");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
    (code(&out), v, stderr)
}

fn steps(v: &Value, broker: usize) -> Vec<(String, bool)> {
    v["brokers"][broker]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["step"].as_str().expect("step").to_owned(),
                s["ok"].as_bool().expect("ok"),
            )
        })
        .collect()
}

fn last_step(v: &Value) -> (String, bool) {
    steps(v, 0).pop().expect("a step")
}

fn ca() -> String {
    crate::repo()
        .join("fixtures/pki/rsa/root.pem")
        .display()
        .to_string()
}

fn broker() -> &'static Broker {
    Broker::shared()
}

#[test]
fn plaintext_listener_passes_every_step() {
    let (code, v, _) = probe_json(&[
        "--bootstrap",
        broker().bootstrap(Listener::Plaintext),
        "--auth",
        "none",
    ]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["ok"], true);
    assert_eq!(v["brokers"][0]["state"], "OK");
    let names: Vec<String> = steps(&v, 0).into_iter().map(|s| s.0).collect();
    assert_eq!(names, ["tcp", "api_versions", "metadata"]);
    // The harness uses high ports, so the MSK port check speaks up.
    assert!(
        v["brokers"][0]["warnings"][0]
            .as_str()
            .expect("warning")
            .contains("MSK serves plaintext on 9092")
    );
}

#[test]
fn tls_listener_passes_with_the_right_ca_and_fails_the_handshake_with_another() {
    let tls = broker().bootstrap(Listener::Tls);
    let (code, v, _) = probe_json(&["--bootstrap", tls, "--auth", "tls", "--ca", &ca()]);
    assert_eq!(code, 0, "{v:#}");
    let names: Vec<String> = steps(&v, 0).into_iter().map(|s| s.0).collect();
    assert_eq!(names, ["tcp", "tls", "api_versions", "metadata"]);
    let rogue = crate::repo()
        .join("fixtures/pki/rogue/root.pem")
        .display()
        .to_string();
    let (code, v, _) = probe_json(&["--bootstrap", tls, "--auth", "tls", "--ca", &rogue]);
    assert_eq!(code, 1);
    assert_eq!(v["brokers"][0]["state"], "TLS handshake failed");
    assert_eq!(last_step(&v), ("tls".to_owned(), false));
    assert!(
        v["brokers"][0]["steps"][1]["detail"]
            .as_str()
            .expect("detail")
            .contains("UnknownIssuer")
    );
}

#[test]
fn mtls_listener_accepts_the_fixture_client_and_rejects_others() {
    let mtls = broker().bootstrap(Listener::Mtls);
    let good = crate::repo()
        .join("fixtures/secrets/mtls-rsa-pkcs12-3des.json")
        .display()
        .to_string();
    let (code, v, _) = probe_json(&[
        "--bootstrap",
        mtls,
        "--auth",
        "mtls",
        "--ca",
        &ca(),
        "--secret",
        &format!("file:{good}"),
    ]);
    assert_eq!(code, 0, "{v:#}");

    let rogue = crate::repo()
        .join("fixtures/secrets/mtls-rogue.json")
        .display()
        .to_string();
    let (code, v, _) = probe_json(&[
        "--bootstrap",
        mtls,
        "--auth",
        "mtls",
        "--ca",
        &ca(),
        "--secret",
        &format!("file:{rogue}"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        v["brokers"][0]["state"],
        "Server failed to authenticate Lambda"
    );

    let (code, v, _) = probe_json(&["--bootstrap", mtls, "--auth", "tls", "--ca", &ca()]);
    assert_eq!(code, 1, "no client certificate");
    assert_eq!(
        v["brokers"][0]["state"],
        "Server failed to authenticate Lambda"
    );
    assert!(
        v["brokers"][0]["likely_causes"][0]
            .as_str()
            .expect("cause")
            .contains("no client certificate")
    );
}

#[test]
fn an_unusable_client_secret_is_refused_before_connecting() {
    let bad = crate::repo()
        .join("fixtures/secrets/mtls-rsa-wrong-password.json")
        .display()
        .to_string();
    let out = mskgate(&[
        "probe",
        "--bootstrap",
        broker().bootstrap(Listener::Mtls),
        "--auth",
        "mtls",
        "--secret",
        &format!("file:{bad}"),
    ]);
    assert_eq!(code(&out), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("CRT006"), "{err}");
}

#[test]
fn unreachable_port_is_a_connection_error_at_the_tcp_step() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let (code, v, _) = probe_json(&["--bootstrap", &addr, "--auth", "none"]);
    assert_eq!(code, 1);
    assert_eq!(v["brokers"][0]["state"], "Connection error");
    assert_eq!(last_step(&v), ("tcp".to_owned(), false));
}

#[test]
fn plaintext_client_on_a_tls_port_is_named() {
    let (code, v, _) = probe_json(&[
        "--bootstrap",
        broker().bootstrap(Listener::Tls),
        "--auth",
        "none",
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["brokers"][0]["state"], "Kafka protocol error");
    assert_eq!(last_step(&v), ("api_versions".to_owned(), false));
}

#[test]
fn reports_every_broker_and_fails_if_any_fails() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let list = format!(
        "{},127.0.0.1:{port}",
        broker().bootstrap(Listener::Plaintext)
    );
    let (code, v, _) = probe_json(&["--bootstrap", &list, "--auth", "none"]);
    assert_eq!(code, 1);
    assert_eq!(v["brokers"][0]["ok"], true);
    assert_eq!(v["brokers"][1]["ok"], false);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(
        code(&mskgate(&[
            "probe",
            "--bootstrap",
            "nohostport",
            "--auth",
            "none"
        ])),
        2
    );
    assert_eq!(
        code(&mskgate(&[
            "probe",
            "--bootstrap",
            "127.0.0.1:1",
            "--auth",
            "mtls"
        ])),
        2,
        "mtls needs --secret"
    );
    assert_eq!(
        code(&mskgate(&[
            "probe",
            "--bootstrap",
            "127.0.0.1:1",
            "--auth",
            "tls",
            "--allow-plaintext-sasl"
        ])),
        2
    );
    assert_eq!(
        code(&mskgate(&[
            "probe",
            "--bootstrap",
            "127.0.0.1:1",
            "--auth",
            "kerberos"
        ])),
        2
    );
}

fn scram_secret() -> String {
    format!(
        "file:{}",
        crate::repo().join("fixtures/secrets/scram.json").display()
    )
}

#[test]
fn scram_sha512_and_sha256_authenticate_through_tls() {
    let scram = broker().bootstrap(Listener::ScramTls);
    for mode in ["scram-512", "scram-256"] {
        let (code, v, _) = probe_json(&[
            "--bootstrap",
            scram,
            "--auth",
            mode,
            "--ca",
            &ca(),
            "--secret",
            &scram_secret(),
        ]);
        assert_eq!(code, 0, "{mode}: {v:#}");
        let names: Vec<String> = steps(&v, 0).into_iter().map(|s| s.0).collect();
        assert_eq!(
            names,
            [
                "tcp",
                "tls",
                "api_versions",
                "sasl_handshake",
                "sasl_authenticate",
                "metadata"
            ],
            "{mode}"
        );
        let auth = v["brokers"][0]["steps"][4]["detail"]
            .as_str()
            .expect("detail");
        assert!(auth.contains("server signature verified"), "{auth}");
    }
}

#[test]
fn scram_over_plaintext_needs_the_explicit_opt_in_and_warns() {
    let plain = broker().bootstrap(Listener::ScramPlaintext);
    // Without the opt-in the probe insists on TLS, which a plaintext listener cannot speak.
    let (code, v, _) = probe_json(&[
        "--bootstrap",
        plain,
        "--auth",
        "scram-512",
        "--ca",
        &ca(),
        "--secret",
        &scram_secret(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(last_step(&v).0, "tls");
    let (code, v, stderr) = probe_json(&[
        "--bootstrap",
        plain,
        "--auth",
        "scram-512",
        "--allow-plaintext-sasl",
        "--secret",
        &scram_secret(),
    ]);
    assert_eq!(code, 0, "{v:#}");
    let warnings = v["brokers"][0]["warnings"].to_string();
    assert!(warnings.contains("without TLS"), "{warnings}");
    assert!(
        stderr.contains("without TLS"),
        "the opt-in is logged: {stderr}"
    );
}

#[test]
fn wrong_scram_password_fails_at_the_authentication_step() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("wrong.json");
    std::fs::write(
        &path,
        r#"{"username": "test-user", "password": "wrong-pw-CANARY-9Zk"}"#,
    )
    .expect("write");
    let scram = broker().bootstrap(Listener::ScramTls);
    let (code, v, stderr) = probe_json(&[
        "-vvv",
        "--bootstrap",
        scram,
        "--auth",
        "scram-512",
        "--ca",
        &ca(),
        "--secret",
        &format!("file:{}", path.display()),
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["brokers"][0]["state"], "SASL authentication failed");
    assert_eq!(last_step(&v), ("sasl_authenticate".to_owned(), false));
    assert!(
        !v.to_string().contains("wrong-pw-CANARY") && !stderr.contains("wrong-pw-CANARY"),
        "the password leaks"
    );
    let (code, v, _) = probe_json(&[
        "--bootstrap",
        scram,
        "--auth",
        "scram-512",
        "--ca",
        &ca(),
        "--secret",
        &scram_secret(),
    ]);
    assert_eq!(code, 0, "the right password still works: {v:#}");
}

#[test]
fn iam_probe_sends_a_verified_token_and_reports_the_refusal_at_authentication() {
    // tansu offers OAUTHBEARER but never accepts it; the token's correctness is proven by the
    // signer parity tests in mskgate-auth. Here: the probe signs, self-verifies and sends it, and
    // names the refusal at the right step.
    let out = crate::mskgate_env(
        &[
            "-vvv",
            "probe",
            "--format",
            "json",
            "--timeout-ms",
            "5000",
            "--bootstrap",
            broker().bootstrap(Listener::ScramTls),
            "--auth",
            "iam",
            "--region",
            "us-east-1",
            "--ca",
            &ca(),
        ],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDPROBEEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "probe-secret-CANARY-5Tx"),
            ("AWS_SESSION_TOKEN", "probe-session-CANARY-8Qw"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ],
    );
    let stdout = String::from_utf8(out.stdout.clone()).expect("utf8");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
    assert_eq!(code(&out), 1, "{v:#}");
    assert_eq!(v["brokers"][0]["state"], "SASL authentication failed");
    let steps = steps(&v, 0);
    assert_eq!(
        steps[3],
        ("sasl_handshake".to_owned(), true),
        "OAUTHBEARER is offered: {v:#}"
    );
    assert_eq!(steps[4], ("sasl_authenticate".to_owned(), false));
    for canary in ["probe-secret-CANARY", "probe-session-CANARY"] {
        assert!(
            !stdout.contains(canary) && !stderr.contains(canary),
            "{canary} leaks"
        );
    }
}
