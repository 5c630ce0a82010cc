//! Leak canaries across every command: each secret field holds a value made for this run
//! (`CANARY<tag>…`, `tag` random per run), every command runs at `-vvv` and again with
//! `MSKGATE_LOG=trace`, in every output format it has, on success and failure paths; no canary
//! may appear in stdout or stderr.
//!
//! Secret fields covered: SCRAM password, BASIC password, private key (encrypted and decrypted
//! forms), key password (right and wrong), a malformed key, an unknown extra secret key, AWS
//! secret access key and session token (raw and percent-encoded), the IAM token and its
//! signature, template `SecretString`s, `NoEcho` parameter defaults and `--parameter` values,
//! Terraform `secret_string`, and `env:` secret sources.
//!
//! Other canary tests: `crates/auth/tests/it/canary.rs` (library Debug/JSON/errors, every secret
//! type's `Debug`), `secret_inspect.rs`, `validate.rs`, `token.rs`, `probe.rs` (fixture canaries,
//! real-broker failure paths).

use std::hash::{BuildHasher, RandomState};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::{code, repo};

const AT: &str = "2026-06-01T12:00:00Z";

/// One run's canary values and the files that hold them.
struct Canaries {
    /// Random per run: every canary value contains it, so its appearance anywhere is a leak.
    tag: String,
    dir: tempfile::TempDir,
    /// Other secret material without the tag (key bodies, the IAM token and its signature).
    material: Vec<String>,
    aws_secret: String,
    aws_session: String,
}

/// The two ways of asking for the most verbose logs.
const LOG_LEVELS: [Verbosity; 2] = [Verbosity::Flag, Verbosity::Env];

#[derive(Clone, Copy, Debug)]
enum Verbosity {
    /// `-vvv`
    Flag,
    /// `MSKGATE_LOG=trace`
    Env,
}

/// What one run printed, for the leak check and the sanity checks.
struct Run {
    what: String,
    out: Output,
}

impl Run {
    fn all(&self) -> String {
        format!(
            "{}{}",
            String::from_utf8_lossy(&self.out.stdout),
            String::from_utf8_lossy(&self.out.stderr)
        )
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
}

impl Canaries {
    fn new() -> Self {
        let tag = format!(
            "{:016x}",
            RandomState::new().hash_one((std::process::id(), std::time::SystemTime::now()))
        );
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(
            !dir.path().to_string_lossy().contains(&tag),
            "the temp dir must not contain the tag"
        );
        let mut c = Self {
            aws_secret: format!("CANARY{tag}-aws-secret/a+b"),
            aws_session: format!("CANARY{tag}-aws-session+c/d=="),
            tag,
            dir,
            material: Vec::new(),
        };
        c.write_secrets();
        c.write_templates();
        c
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn value(&self, what: &str) -> String {
        format!("CANARY{}-{what}", self.tag)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.path(name);
        std::fs::write(&p, text).expect("write canary file");
        p.display().to_string()
    }

    /// Encrypts the fixture RSA key under the canary key password with openssl (PBES2).
    fn encrypted_key(&self, password: &str) -> String {
        let out = Command::new("openssl")
            .args([
                "pkcs8",
                "-topk8",
                "-v2",
                "aes-256-cbc",
                "-v2prf",
                "hmacWithSHA256",
            ])
            .arg("-in")
            .arg(repo().join("fixtures/keys/rsa-plain.pem"))
            .arg("-passout")
            .arg(format!("pass:{password}"))
            .stderr(Stdio::inherit())
            .output()
            .expect("run openssl (scripts/install-test-deps.sh installs it)");
        assert!(out.status.success(), "openssl pkcs8 -topk8 failed");
        String::from_utf8(out.stdout).expect("PEM")
    }

    fn write_secrets(&mut self) {
        let plain_key =
            std::fs::read_to_string(repo().join("fixtures/keys/rsa-plain.pem")).expect("key");
        let encrypted = self.encrypted_key(&self.value("key-pw"));
        for key in [&plain_key, &encrypted] {
            self.material.extend(
                key.lines()
                    .filter(|l| !l.starts_with("-----") && l.len() >= 16)
                    .map(str::to_owned),
            );
        }
        let chain = ["client", "inter", "root"]
            .iter()
            .map(|c| {
                std::fs::read_to_string(repo().join(format!("fixtures/pki/rsa/{c}.pem")))
                    .expect("cert")
            })
            .collect::<String>();
        let mtls = |key: &str, password: Option<&str>| {
            let mut v = serde_json::json!({"certificate": chain, "privateKey": key});
            if let Some(p) = password {
                v["privateKeyPassword"] = p.into();
            }
            v.to_string()
        };
        let bad_key = format!(
            "-----BEGIN PRIVATE KEY-----\nCANARY{}badkeybody0000\n-----END PRIVATE KEY-----\n",
            self.tag
        );
        let files = [
            (
                "scram.json",
                serde_json::json!({"username": "canary-user", "password": self.value("scram-pw")})
                    .to_string(),
            ),
            (
                "scram-extra-key.json",
                serde_json::json!({"username": "canary-user", "password": self.value("scram-pw"),
                                   "apiKey": self.value("extra-secret")})
                .to_string(),
            ),
            (
                "scram-truncated.json",
                format!(
                    "{{\"username\": \"canary-user\", \"password\": \"{}",
                    self.value("truncated-pw")
                ),
            ),
            (
                "basic.json",
                serde_json::json!({"username": "canary-user", "password": self.value("basic-pw")})
                    .to_string(),
            ),
            (
                "mtls-encrypted.json",
                mtls(&encrypted, Some(&self.value("key-pw"))),
            ),
            (
                "mtls-wrong-password.json",
                mtls(&encrypted, Some(&self.value("wrong-key-pw"))),
            ),
            ("mtls-no-password.json", mtls(&encrypted, None)),
            (
                "mtls-unneeded-password.json",
                mtls(&plain_key, Some(&self.value("unneeded-pw"))),
            ),
            (
                "mtls-bad-key.json",
                mtls(&bad_key, Some(&self.value("bad-key-pw"))),
            ),
        ];
        for (name, text) in files {
            self.write(name, &text);
        }
    }

    fn write_templates(&self) {
        let scram_secret =
            serde_json::json!({"username": "orders", "password": self.value("template-pw")})
                .to_string();
        let mtls_secret =
            std::fs::read_to_string(self.path("mtls-wrong-password.json")).expect("read");
        // YAML: a secret in the template, a NoEcho parameter default, an mTLS mapping whose secret
        // comes from --secret.
        let yaml = format!(
            r#"AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Password:
    Type: String
    NoEcho: true
    Default: {param}
Resources:
  Users:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: AmazonMSK_orders
      SecretString: '{scram_secret}'
  Other:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: AmazonMSK_other
      SecretString: !Sub '{{"username": "u", "password": "${{Password}}"}}'
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: orders-consumer
      EventSourceArn: arn:aws:kafka:us-east-1:123456789012:cluster/demo/6357e0b2-0e6a-4b86-a0b4-70df934c2e31-5
      Topics: [orders]
      StartingPosition: LATEST
      SourceAccessConfigurations:
        - Type: SASL_SCRAM_512_AUTH
          URI: !Ref Users
  Mtls:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: orders-consumer
      Topics: [orders]
      StartingPosition: LATEST
      SelfManagedEventSource:
        Endpoints:
          KafkaBootstrapServers: [b-1.example.com:9094]
      SourceAccessConfigurations:
        - Type: CLIENT_CERTIFICATE_TLS_AUTH
          URI: arn:aws:secretsmanager:us-east-1:123456789012:secret:mtls-AbCdEf
  Plain:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: orders-consumer
      EventSourceArn: arn:aws:kafka:us-east-1:123456789012:cluster/demo/6357e0b2-0e6a-4b86-a0b4-70df934c2e31-5
      Topics: [orders]
      StartingPosition: LATEST
      SourceAccessConfigurations:
        - Type: SASL_SCRAM_512_AUTH
          URI: !Ref Other
"#,
            param = self.value("noecho-default"),
        );
        self.write("template.yaml", &yaml);
        self.write("mtls-secret.json", &mtls_secret);
        // JSON: the secret's SecretString is itself broken JSON with the canary in it.
        let json = serde_json::json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {
                "Users": {"Type": "AWS::SecretsManager::Secret", "Properties": {
                    "Name": "AmazonMSK_json",
                    "SecretString": format!("{{\"username\": \"u\", \"password\": \"{}", self.value("broken-secret-string"))}},
                "Mapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
                    "FunctionName": "f",
                    "EventSourceArn": "arn:aws:kafka:us-east-1:123456789012:cluster/demo/6357e0b2-0e6a-4b86-a0b4-70df934c2e31-5",
                    "Topics": ["orders"], "StartingPosition": "LATEST",
                    "SourceAccessConfigurations": [{"Type": "SASL_SCRAM_512_AUTH", "URI": {"Ref": "Users"}}]}}
            }
        });
        self.write(
            "template.json",
            &serde_json::to_string_pretty(&json).expect("json"),
        );
        // A YAML syntax error on the line that holds a secret.
        self.write(
            "malformed.yaml",
            &format!(
                "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Users:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n      SecretString: {{\"username\": \"u\", \"password\": \"{}\"\n  Mapping: [\n",
                self.value("malformed-pw")
            ),
        );
        // A Terraform plan with the secret version's secret_string.
        let plan = serde_json::json!({
            "format_version": "1.2", "terraform_version": "1.9.8",
            "resource_changes": [
                {"address": "aws_secretsmanager_secret_version.users", "mode": "managed",
                 "type": "aws_secretsmanager_secret_version", "name": "users",
                 "change": {"actions": ["create"], "after": {
                     "secret_string": serde_json::json!({"username": "u", "password": self.value("tfplan-pw")}).to_string()},
                     "after_unknown": {"secret_id": true}, "after_sensitive": {"secret_string": true}}},
                {"address": "aws_lambda_event_source_mapping.orders", "mode": "managed",
                 "type": "aws_lambda_event_source_mapping", "name": "orders",
                 "change": {"actions": ["create"], "after": {
                     "function_name": "orders-consumer",
                     "event_source_arn": "arn:aws:kafka:us-east-1:123456789012:cluster/demo/6357e0b2-0e6a-4b86-a0b4-70df934c2e31-5",
                     "topics": ["orders"], "starting_position": "LATEST",
                     "source_access_configuration": [{"type": "SASL_SCRAM_512_AUTH", "uri": "arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_users-AbCdEf"}]},
                     "after_unknown": {"uuid": true}}}
            ]
        });
        self.write(
            "plan.json",
            &serde_json::to_string_pretty(&plan).expect("json"),
        );
    }

    /// Every string that must never be printed, in the forms it could be printed in.
    fn forbidden(&self) -> Vec<String> {
        let mut v = vec![self.tag.clone()];
        for s in [&self.aws_secret, &self.aws_session] {
            v.push(percent_encoded(s));
        }
        v.extend(self.material.iter().cloned());
        v
    }

    /// Runs mskgate with `args` at `level`, with AWS credentials from canaries and nothing else
    /// from the machine's AWS configuration.
    fn run(
        &self,
        level: Verbosity,
        args: &[&str],
        stdin: Option<&str>,
        env: &[(&str, &str)],
    ) -> Run {
        use std::io::Write;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mskgate"));
        match level {
            Verbosity::Flag => {
                cmd.arg("-vvv").env_remove("MSKGATE_LOG");
            }
            Verbosity::Env => {
                cmd.env("MSKGATE_LOG", "trace");
            }
        }
        for k in [
            "AWS_PROFILE",
            "AWS_ROLE_ARN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_ENDPOINT_URL",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
        ] {
            cmd.env_remove(k);
        }
        cmd.args(args)
            .current_dir(repo())
            .env("AWS_ACCESS_KEY_ID", "AKIDCANARYEXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", &self.aws_secret)
            .env("AWS_SESSION_TOKEN", &self.aws_session)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn mskgate");
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input.as_bytes())
                .expect("write stdin");
        }
        let out = child.wait_with_output().expect("wait");
        Run {
            what: format!("{level:?} mskgate {}", args.join(" ")),
            out,
        }
    }

    /// Fails naming the run and the kind of value that leaked (never the value itself).
    fn assert_clean(&self, runs: &[Run]) {
        for r in runs {
            let what = format!("{}: output (exit {:?})", r.what, r.out.status.code());
            self.assert_no_leak(&what, &r.all(), &[]);
        }
    }

    /// Fails naming `what` and the kind of value that leaked (never the value itself) when
    /// `text` holds a canary, or one of `also` (a label and a value that must not appear either).
    fn assert_no_leak(&self, what: &str, text: &str, also: &[(&str, &str)]) {
        for (i, f) in self.forbidden().iter().enumerate() {
            assert!(
                !text.contains(f.as_str()),
                "{what} leaks canary #{i} ({})",
                if i == 0 {
                    "a CANARY value"
                } else if i <= 2 {
                    "a percent-encoded AWS secret"
                } else {
                    "key material or the IAM token"
                }
            );
        }
        for (label, value) in also {
            assert!(!text.contains(value), "{what} leaks {label}");
        }
    }
}

/// SigV4's percent-encoding (everything but `A-Za-z0-9-_.~`), as in a presigned URL.
fn percent_encoded(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

/// At least one run printed trace or debug lines, so the verbose paths really ran.
fn assert_verbose(runs: &[Run], level: Verbosity) {
    assert!(
        runs.iter().any(|r| {
            let e = r.stderr();
            e.contains("TRACE") || e.contains("DEBUG")
        }),
        "no run at {level:?} logged at debug or trace; the verbosity did not take effect"
    );
}

#[test]
fn secret_inspect_leaks_nothing_in_any_format_or_log_level() {
    let c = Canaries::new();
    let files = [
        ("scram.json", None, 0),
        ("scram-extra-key.json", None, 0),
        ("scram-truncated.json", None, 1),
        ("basic.json", Some("basic"), 0),
        ("mtls-encrypted.json", None, 0),
        ("mtls-wrong-password.json", None, 1),
        ("mtls-no-password.json", None, 1),
        ("mtls-unneeded-password.json", None, 0),
        ("mtls-bad-key.json", None, 1),
    ];
    for level in LOG_LEVELS {
        let mut runs = Vec::new();
        for (name, kind, expected) in files {
            let path = display(&c.path(name));
            let text = std::fs::read_to_string(&path).expect("read");
            for format in ["text", "json"] {
                let mut args = vec!["secret", "inspect", "--now", AT, "--format", format];
                if let Some(k) = kind {
                    args.extend(["--kind", k]);
                }
                let mut by_path = args.clone();
                by_path.push(&path);
                let r = c.run(level, &by_path, None, &[]);
                assert_eq!(code(&r.out), expected, "{}: {}", r.what, r.stderr());
                runs.push(r);
                let mut by_stdin = args.clone();
                by_stdin.push("-");
                let r = c.run(level, &by_stdin, Some(&text), &[]);
                assert_eq!(code(&r.out), expected, "{}", r.what);
                runs.push(r);
            }
        }
        // The failure paths really failed for the reason under test.
        let wrong = runs
            .iter()
            .find(|r| r.what.contains("mtls-wrong-password") && r.what.contains("text"))
            .expect("run");
        assert!(r_stdout(wrong).contains("CRT006"), "{}", r_stdout(wrong));
        assert_verbose(&runs, level);
        c.assert_clean(&runs);
    }
}

fn r_stdout(r: &Run) -> String {
    String::from_utf8_lossy(&r.out.stdout).into_owned()
}

#[test]
fn validate_leaks_nothing_in_text_json_or_sarif_at_any_log_level() {
    let c = Canaries::new();
    let mtls = format!(
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:mtls-AbCdEf={}",
        display(&c.path("mtls-secret.json"))
    );
    let users = format!("AmazonMSK_users={}", display(&c.path("scram.json")));
    let param = format!("Password={}", c.value("parameter-pw"));
    for level in LOG_LEVELS {
        let mut runs = Vec::new();
        for file in [
            "template.yaml",
            "template.json",
            "malformed.yaml",
            "plan.json",
        ] {
            let path = display(&c.path(file));
            for format in ["text", "json", "sarif"] {
                let r = c.run(
                    level,
                    &[
                        "validate",
                        &path,
                        "--format",
                        format,
                        "--now",
                        AT,
                        "--secret",
                        &mtls,
                        "--secret",
                        &users,
                        "--parameter",
                        &param,
                    ],
                    None,
                    &[],
                );
                assert!(
                    matches!(code(&r.out), 0 | 1),
                    "{}: exit {:?}: {}",
                    r.what,
                    r.out.status.code(),
                    r.stderr()
                );
                runs.push(r);
            }
        }
        // The mTLS secret given with --secret was judged (its wrong key password found).
        let yaml_text = runs
            .iter()
            .find(|r| r.what.contains("template.yaml --format text"))
            .expect("run");
        assert!(
            r_stdout(yaml_text).contains("CRT006"),
            "{}",
            r_stdout(yaml_text)
        );
        let malformed = runs
            .iter()
            .find(|r| r.what.contains("malformed.yaml --format text"))
            .expect("run");
        assert!(
            r_stdout(malformed).contains("ESM026"),
            "{}",
            r_stdout(malformed)
        );
        assert_verbose(&runs, level);
        c.assert_clean(&runs);
    }
}

#[test]
fn token_and_token_verify_leak_neither_the_aws_secrets_nor_the_token() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut c = Canaries::new();
    let made = c.run(
        Verbosity::Flag,
        &[
            "token",
            "--region",
            "us-east-1",
            "--at",
            AT,
            "--format",
            "json",
        ],
        None,
        &[],
    );
    assert_eq!(code(&made.out), 0, "{}", made.stderr());
    let v: serde_json::Value = serde_json::from_slice(&made.out.stdout).expect("json");
    let token = v["token"].as_str().expect("token").to_owned();
    let url = String::from_utf8(URL_SAFE_NO_PAD.decode(&token).expect("b64")).expect("utf8");
    assert!(
        url.contains(&percent_encoded(&c.aws_session)),
        "the token carries the canary session token"
    );
    let signature = url
        .split('&')
        .find_map(|kv| kv.strip_prefix("X-Amz-Signature="))
        .expect("signature")
        .to_owned();
    let i = url.find("X-Amz-Signature=").expect("sig") + "X-Amz-Signature=".len();
    let flipped = if &url[i..=i] == "0" { "1" } else { "0" };
    let tampered = URL_SAFE_NO_PAD.encode(format!("{}{flipped}{}", &url[..i], &url[i + 1..]));
    let garbage = URL_SAFE_NO_PAD.encode(format!(
        "https://{}/?Action=kafka-cluster:Connect",
        c.value("host")
    ));
    for level in LOG_LEVELS {
        // `mskgate token` prints the token on stdout by design: only stderr is checked, and for
        // the token value too.
        let mut generated = Vec::new();
        for format in ["text", "json"] {
            let r = c.run(
                level,
                &[
                    "token",
                    "--region",
                    "us-east-1",
                    "--at",
                    AT,
                    "--format",
                    format,
                ],
                None,
                &[],
            );
            assert_eq!(code(&r.out), 0, "{}", r.what);
            assert!(
                !r.stderr().contains(&token),
                "{}: stderr has the token",
                r.what
            );
            assert!(
                !r.stderr().contains(&signature),
                "{}: stderr has the signature",
                r.what
            );
            generated.push(Run {
                what: r.what.clone(),
                out: Output {
                    stdout: Vec::new(),
                    ..r.out
                },
            });
        }
        let failing = [
            c.run(
                level,
                &["token", "--region", "us-east-1", "--at", "soon"],
                None,
                &[],
            ),
            c.run(
                level,
                &["token", "--region", "not a region", "--at", AT],
                None,
                &[],
            ),
            c.run(
                level,
                &[
                    "token",
                    "--region",
                    "us-east-1",
                    "--at",
                    AT,
                    "--expires-in",
                    "0",
                ],
                None,
                &[],
            ),
        ];
        for r in &failing {
            assert_ne!(code(&r.out), 0, "{}", r.what);
        }
        generated.extend(failing);
        c.assert_clean(&generated);

        // Verifying must not echo the token, its signature or the secrets, valid or not.
        c.material.push(token.clone());
        c.material.push(signature.clone());
        let mut runs = Vec::new();
        for (t, expected) in [(&token, 0), (&tampered, 1), (&garbage, 1)] {
            for format in ["text", "json"] {
                let r = c.run(
                    level,
                    &["token", "verify", t, "--at", AT, "--format", format],
                    None,
                    &[],
                );
                assert_eq!(code(&r.out), expected, "{}", r.what);
                runs.push(r);
                let r = c.run(
                    level,
                    &[
                        "token",
                        "verify",
                        t,
                        "--region",
                        "eu-west-1",
                        "--at",
                        "2027-01-01T00:00:00Z",
                        "--format",
                        format,
                    ],
                    None,
                    &[],
                );
                assert_eq!(code(&r.out), 1, "{}", r.what);
                runs.push(r);
            }
        }
        c.assert_clean(&runs);
        c.material.truncate(c.material.len() - 2);
        runs.extend(generated);
        assert_verbose(&runs, level);
    }
}

/// A port nothing listens on: bound, then released.
fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    format!("127.0.0.1:{port}")
}

/// A "broker" that accepts connections and hangs up at once, for a bounded number of them.
fn hang_up_broker(connections: usize) -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr").to_string();
    std::thread::spawn(move || {
        for s in l.incoming().take(connections) {
            drop(s);
        }
    });
    addr
}

#[test]
fn probe_failure_paths_leak_no_secret() {
    let c = Canaries::new();
    let closed = closed_port();
    let ca = display(&repo().join("fixtures/pki/rsa/root.pem"));
    let scram = format!("file:{}", display(&c.path("scram.json")));
    let mtls = format!("file:{}", display(&c.path("mtls-encrypted.json")));
    let mtls_wrong = format!("file:{}", display(&c.path("mtls-wrong-password.json")));
    let scram_json = std::fs::read_to_string(c.path("scram.json")).expect("read");
    let env = [("MSKGATE_CANARY_SECRET", scram_json.as_str())];
    // Each hang-up run connects once per broker; 2 levels × 2 formats × 3 cases.
    let hang_up = hang_up_broker(2 * 2 * 3);
    for level in LOG_LEVELS {
        let mut runs = Vec::new();
        for format in ["text", "json"] {
            let cases: Vec<(Vec<&str>, i32)> = vec![
                (
                    vec![
                        "--bootstrap",
                        &closed,
                        "--auth",
                        "scram-512",
                        "--secret",
                        &scram,
                        "--ca",
                        &ca,
                    ],
                    1,
                ),
                (
                    vec![
                        "--bootstrap",
                        &closed,
                        "--auth",
                        "scram-256",
                        "--secret",
                        "env:MSKGATE_CANARY_SECRET",
                    ],
                    1,
                ),
                (
                    vec![
                        "--bootstrap",
                        &closed,
                        "--auth",
                        "mtls",
                        "--secret",
                        &mtls,
                        "--ca",
                        &ca,
                    ],
                    1,
                ),
                (
                    vec![
                        "--bootstrap",
                        &closed,
                        "--auth",
                        "mtls",
                        "--secret",
                        &mtls_wrong,
                        "--ca",
                        &ca,
                    ],
                    2,
                ),
                (
                    vec![
                        "--bootstrap",
                        &closed,
                        "--auth",
                        "iam",
                        "--region",
                        "us-east-1",
                        "--ca",
                        &ca,
                    ],
                    1,
                ),
                (
                    vec![
                        "--bootstrap",
                        &closed,
                        "--auth",
                        "scram-512",
                        "--secret",
                        &scram,
                        "--allow-plaintext-sasl",
                    ],
                    1,
                ),
                (
                    vec![
                        "--bootstrap",
                        &hang_up,
                        "--auth",
                        "scram-512",
                        "--secret",
                        &scram,
                        "--allow-plaintext-sasl",
                    ],
                    1,
                ),
                (
                    vec![
                        "--bootstrap",
                        &hang_up,
                        "--auth",
                        "scram-512",
                        "--secret",
                        &scram,
                        "--ca",
                        &ca,
                    ],
                    1,
                ),
                (
                    vec![
                        "--bootstrap",
                        &hang_up,
                        "--auth",
                        "iam",
                        "--region",
                        "us-east-1",
                        "--ca",
                        &ca,
                    ],
                    1,
                ),
            ];
            for (args, expected) in cases {
                let mut all = vec!["probe", "--timeout-ms", "2000", "--format", format];
                all.extend(args);
                let r = c.run(level, &all, None, &env);
                assert_eq!(
                    code(&r.out),
                    expected,
                    "{}: {}{}",
                    r.what,
                    r_stdout(&r),
                    r.stderr()
                );
                runs.push(r);
            }
        }
        assert_verbose(&runs, level);
        c.assert_clean(&runs);
    }
}

/// `mskgate run --check` on configurations whose secrets files and `env:` sources hold canaries:
/// good secrets, a wrong key password, and SASL without TLS (refused).
#[test]
fn run_check_leaks_no_secret() {
    let c = Canaries::new();
    let scram_json = std::fs::read_to_string(c.path("scram.json")).expect("read");
    let env = [("MSKGATE_CANARY_SECRET", scram_json.as_str())];
    let config = |auth: &str, source: &str, tls: Option<bool>| {
        let mut v = serde_json::json!({
            "source": {
                "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["127.0.0.1:9096"]}},
                "Topics": ["orders"],
                "StartingPosition": "TRIM_HORIZON",
                "SelfManagedKafkaEventSourceConfig": {"ConsumerGroupId": "canary"},
                "SourceAccessConfigurations": [
                    {"Type": auth, "URI": "arn:aws:secretsmanager:us-east-1:123456789012:secret:canary-AbCdEf"}
                ]
            },
            "secrets": {"arn:aws:secretsmanager:us-east-1:123456789012:secret:canary-AbCdEf": source},
            "handler": {"command": ["true"]}
        });
        if let Some(enabled) = tls {
            v["tls"] = serde_json::json!({"enabled": enabled});
        }
        v.to_string()
    };
    let file = |name: &str| format!("file:{}", display(&c.path(name)));
    let cases = [
        (
            "scram.json",
            config("SASL_SCRAM_512_AUTH", &file("scram.json"), None),
            Some(true),
        ),
        (
            "env.json",
            config("SASL_SCRAM_256_AUTH", "env:MSKGATE_CANARY_SECRET", None),
            Some(true),
        ),
        (
            "mtls.json",
            config(
                "CLIENT_CERTIFICATE_TLS_AUTH",
                &file("mtls-encrypted.json"),
                None,
            ),
            Some(true),
        ),
        (
            "mtls-wrong.json",
            config(
                "CLIENT_CERTIFICATE_TLS_AUTH",
                &file("mtls-wrong-password.json"),
                None,
            ),
            None,
        ),
        (
            "mtls-bad-key.json",
            config(
                "CLIENT_CERTIFICATE_TLS_AUTH",
                &file("mtls-bad-key.json"),
                None,
            ),
            None,
        ),
        (
            "plaintext-sasl.json",
            config("SASL_SCRAM_512_AUTH", &file("scram.json"), Some(false)),
            Some(false),
        ),
    ];
    for level in LOG_LEVELS {
        let mut runs = Vec::new();
        for (name, text, ok) in &cases {
            let path = c.write(&format!("run-{name}"), text);
            let r = c.run(level, &["run", "--config", &path, "--check"], None, &env);
            // `None`: `--check` does not read secrets (a wrong key password passes it), so only
            // the leak check applies.
            match ok {
                Some(true) => assert_eq!(code(&r.out), 0, "{}: {}", r.what, r.stderr()),
                Some(false) => assert_ne!(code(&r.out), 0, "{}: a broken config passed", r.what),
                None => {}
            }
            runs.push(r);
        }
        c.assert_clean(&runs);
    }
}

/// `mskgate run` against the harness brokers, at the most verbose level, on its failure paths:
/// SCRAM refused (canary password), mTLS with the canary-encrypted key and a handler that always
/// fails (records go to the on-failure destination), IAM with canary AWS keys (the broker
/// refuses the tokens), and SCRAM accepted (the harness password must not appear either). While
/// each runs, `/metrics`, `/status` and `/health` are read; the logs, those bodies and the
/// destination file must hold no canary.
#[test]
fn run_against_live_brokers_leaks_no_secret_in_logs_metrics_status_or_destination() {
    use mskgate_e2e::{Broker, Listener, unique_name};
    use serde_json::json;

    use crate::run::{
        Work, config, free_port, http_get, out, produce, start, topic, wait_for_status,
    };

    let c = Canaries::new();
    let broker = Broker::shared();
    let harness_password = [("the harness SCRAM password", broker.expose_scram_password())];
    let iam_env = [
        ("AWS_ACCESS_KEY_ID", "AKIDCANARYEXAMPLE".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", c.aws_secret.clone()),
        ("AWS_SESSION_TOKEN", c.aws_session.clone()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ("AWS_CONFIG_FILE", "/dev/null".to_owned()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".to_owned()),
    ];
    let root_uri = "arn:aws:secretsmanager:us-east-1:123456789012:secret:root-ca";
    let client_uri = "arn:aws:secretsmanager:us-east-1:123456789012:secret:client-cert";
    let root = json!({"Type": "SERVER_ROOT_CA_CERTIFICATE", "URI": root_uri});

    for level in LOG_LEVELS {
        let (extra, env): (&[&str], Vec<(&str, String)>) = match level {
            Verbosity::Flag => (&["-vvv"], Vec::new()),
            Verbosity::Env => (&[], vec![("MSKGATE_LOG", "trace".to_owned())]),
        };
        let cases = [
            "scram-refused",
            "mtls-failing-handler",
            "iam-refused",
            "scram-ok",
        ];
        for case in cases {
            let work = Work::new();
            let port = free_port();
            let metrics = json!({"listen": format!("127.0.0.1:{port}")});
            let (listener, source, top, wanted): (Listener, _, _, fn(&serde_json::Value) -> bool) =
                match case {
                    "scram-refused" => (
                        Listener::ScramTls,
                        json!({}),
                        json!({"metrics": metrics}),
                        |s| s["LastProcessingResult"] == "SASL authentication failed",
                    ),
                    "mtls-failing-handler" => (
                        Listener::Mtls,
                        json!({"MaximumRetryAttempts": 1}),
                        json!({"metrics": metrics,
                               "on_failure_file": work.path("failed.jsonl").display().to_string(),
                               "secrets": {
                            root_uri: format!("file:{}", work.path("root-ca.json").display()),
                            client_uri: format!("file:{}", c.path("mtls-encrypted.json").display())}}),
                        // Then the destination file is waited for below.
                        |s| {
                            s["assigned_partitions"]
                                .as_array()
                                .is_some_and(|a| !a.is_empty())
                        },
                    ),
                    "iam-refused" => (
                        Listener::ScramTls,
                        json!({"SourceAccessConfigurations": [root, {"Type": "IAM_AUTH"}]}),
                        json!({"metrics": metrics, "aws": {"region": "us-east-1"},
                               "iam": {"token_lifetime_seconds": 5},
                               "secrets": {root_uri: format!("file:{}", work.path("root-ca.json").display())}}),
                        |s| {
                            s["LastProcessingResult"] == "SASL authentication failed"
                                && s["iam_tokens_signed"].as_u64().unwrap_or(0) >= 2
                        },
                    ),
                    _ => (
                        Listener::ScramTls,
                        json!({}),
                        json!({"metrics": metrics}),
                        |s| s["records_processed"].as_u64().unwrap_or(0) >= 3,
                    ),
                };
            let topic = topic(listener, "canary-run", 1);
            produce(listener, &topic, &[out(0, "a"), out(0, "b"), out(0, "c")]);
            let cfg = config(listener, &work, &topic, &unique_name("g"), source, top);
            if case == "scram-refused" {
                work.write(
                    "scram.json",
                    &json!({"username": broker.scram_user(), "password": c.value("scram-pw")})
                        .to_string(),
                );
            }
            let mut env = env.clone();
            env.extend(iam_env.iter().cloned());
            if case == "mtls-failing-handler" {
                env.push(("FAIL_RATE", "1".to_owned()));
            }
            let what = format!("{level:?} mskgate run ({case})");
            let running = start(&work, &cfg, extra, &env);
            let status = wait_for_status(port, Duration::from_secs(90), wanted)
                .unwrap_or_else(|| panic!("{what}: never reached its state:\n{}", running.log()));
            if case == "mtls-failing-handler" {
                let deadline = std::time::Instant::now() + Duration::from_secs(90);
                while std::fs::read_to_string(work.path("failed.jsonl"))
                    .map_or(true, |t| t.lines().count() == 0)
                    && std::time::Instant::now() < deadline
                {
                    std::thread::sleep(Duration::from_millis(250));
                }
            }
            let bodies: Vec<String> = ["/metrics", "/status", "/health"]
                .iter()
                .map(|p| http_get(port, p).map(|(_, b)| b).unwrap_or_default())
                .collect();
            assert!(
                bodies[0].contains("mskgate_"),
                "{what}: /metrics answered no metrics"
            );
            let (_, log) = running.terminate(Duration::from_secs(60));
            assert!(
                log.contains("TRACE") || log.contains("DEBUG"),
                "{what}: the verbosity did not take effect"
            );
            let destination =
                std::fs::read_to_string(work.path("failed.jsonl")).unwrap_or_default();
            if case == "mtls-failing-handler" {
                assert!(
                    destination.lines().count() >= 1,
                    "{what}: nothing reached the destination:\n{log}"
                );
            }
            let outputs = [
                ("stderr", log),
                ("/status", status.to_string()),
                ("/metrics", bodies[0].clone()),
                ("/status (again)", bodies[1].clone()),
                ("/health", bodies[2].clone()),
                ("on-failure destination", destination),
            ];
            for (where_, text) in &outputs {
                c.assert_no_leak(&format!("{what}: {where_}"), text, &harness_password);
            }
        }
    }
}
