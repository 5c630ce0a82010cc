//! What only the process environment can show, run in a child process of this test binary with
//! an environment built from scratch: the default chain (environment keys, a profile selected
//! by `AWS_PROFILE`, web identity, nothing at all), `AWS_ENDPOINT_URL`, and `env:` sources.
//!
//! The parent tests below start the child as `<this binary> load::child::entry --exact` with
//! `MSKGATE_LOAD_CHILD=<case>`; `entry` does nothing when that variable is unset, so in a normal
//! run it is an empty test.

use std::process::Command;

use mskgate_auth::load::{
    AwsLoader, AwsOptions, LoadError, SecretSource, default_session_name, load_credentials,
};

use super::{REGION, Value, create_secret, role_arn, shared};

const CASE_VAR: &str = "MSKGATE_LOAD_CHILD";
/// `USER` in the child, so the default session name is known.
const CHILD_USER: &str = "ci-user";
const SECRET_VALUE: &str = r#"{"username":"child","password":"child-pw"}"#;

/// Runs `case` in a child with a clean environment plus `env`; fails with its output if it fails.
fn run_child(case: &str, env: &[(&str, &str)]) {
    let home = tempfile::tempdir().expect("tempdir");
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command
        .args([
            "load::child::entry",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_clear()
        .env("HOME", home.path())
        .env("USER", CHILD_USER)
        // Keep the chain off the network: no instance metadata, no real config files.
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.path().join("no-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.path().join("no-credentials"),
        )
        .env(CASE_VAR, case)
        .envs(env.iter().copied());
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    let out = command.output().expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains(&format!("child case {case}: ok")),
        "child case {case} failed ({})\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        out.status
    );
}

#[tokio::test]
async fn entry() {
    let Ok(case) = std::env::var(CASE_VAR) else {
        return; // not a child: the parent tests below run the cases
    };
    match case.as_str() {
        "env_credentials" => env_credentials().await,
        "web_identity" => web_identity(None).await,
        "web_identity_named" => web_identity(Some("irsa-pinned")).await,
        "web_identity_missing_token" => web_identity_missing_token().await,
        "profile_role" => profile_role().await,
        "no_credentials" => no_credentials().await,
        "env_sources" => env_sources().await,
        other => panic!("unknown child case {other}"),
    }
    println!("child case {case}: ok");
}

fn expected_session_name() -> String {
    let name = default_session_name();
    assert!(
        name.starts_with(&format!("mskgate-{CHILD_USER}@")),
        "{name}"
    );
    name
}

// --- environment keys, AWS_ENDPOINT_URL --------------------------------------------------------

#[tokio::test]
async fn environment_keys_and_aws_endpoint_url_are_honoured() {
    let moto = shared();
    create_secret(
        moto,
        REGION,
        "child/env-credentials",
        Value::Text(SECRET_VALUE),
    )
    .await;
    run_child(
        "env_credentials",
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDFROMENV"),
            ("AWS_SECRET_ACCESS_KEY", "env-secret"),
            ("AWS_SESSION_TOKEN", "env-token"),
            ("AWS_REGION", REGION),
            ("AWS_ENDPOINT_URL", moto.endpoint()),
        ],
    );
}

async fn env_credentials() {
    let c = load_credentials(&AwsOptions::default())
        .await
        .expect("environment keys");
    assert_eq!(c.access_key_id(), "AKIDFROMENV");
    assert_eq!(c.secret_access_key().expose_secret(), "env-secret");
    assert_eq!(
        c.session_token().map(|t| t.expose_secret()),
        Some("env-token")
    );

    // STS and Secrets Manager both reach moto through AWS_ENDPOINT_URL alone.
    let loader = AwsLoader::new(&AwsOptions::default())
        .await
        .expect("loader");
    assert_eq!(loader.region(), Some(REGION));
    loader
        .caller_identity()
        .await
        .expect("GetCallerIdentity via AWS_ENDPOINT_URL");
    let value = SecretSource::parse("sm:child/env-credentials")
        .expect("source")
        .fetch(&AwsOptions::default())
        .await
        .expect("GetSecretValue via AWS_ENDPOINT_URL");
    assert_eq!(value.expose_secret(), SECRET_VALUE);

    // And a role on top, under the stable name.
    let options = AwsOptions {
        role_arn: Some(role_arn("child-env-role")),
        ..AwsOptions::default()
    };
    let arn = AwsLoader::new(&options)
        .await
        .expect("loader")
        .caller_identity()
        .await
        .expect("assumed");
    assert_eq!(
        arn,
        format!(
            "arn:aws:sts::123456789012:assumed-role/child-env-role/{}",
            expected_session_name()
        )
    );
}

// --- web identity (EKS IRSA) -------------------------------------------------------------------

fn run_web_identity(case: &str, extra: &[(&str, &str)]) {
    let moto = shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let token = dir.path().join("token");
    std::fs::write(&token, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2ln").expect("token");
    let token = token.to_str().expect("utf-8 path").to_owned();
    let role = role_arn("irsa-role");
    let mut env = vec![
        ("AWS_WEB_IDENTITY_TOKEN_FILE", token.as_str()),
        ("AWS_ROLE_ARN", role.as_str()),
        ("AWS_REGION", REGION),
        ("AWS_ENDPOINT_URL", moto.endpoint()),
    ];
    env.extend_from_slice(extra);
    run_child(case, &env);
}

#[tokio::test]
async fn web_identity_uses_the_stable_session_name() {
    run_web_identity("web_identity", &[]);
}

#[tokio::test]
async fn web_identity_keeps_aws_role_session_name() {
    run_web_identity(
        "web_identity_named",
        &[("AWS_ROLE_SESSION_NAME", "irsa-pinned")],
    );
}

async fn web_identity(pinned: Option<&str>) {
    let loader = AwsLoader::new(&AwsOptions::default())
        .await
        .expect("loader");
    let c = loader
        .credentials()
        .await
        .expect("AssumeRoleWithWebIdentity");
    assert!(c.session_token().is_some() && c.expires_at().is_some());
    let session = pinned.map_or_else(expected_session_name, str::to_owned);
    let arn = loader.caller_identity().await.expect("GetCallerIdentity");
    assert_eq!(
        arn,
        format!("arn:aws:sts::123456789012:assumed-role/irsa-role/{session}")
    );
}

#[tokio::test]
async fn web_identity_without_its_token_file_names_the_file() {
    let moto = shared();
    run_child(
        "web_identity_missing_token",
        &[
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/eks/token"),
            ("AWS_ROLE_ARN", &role_arn("irsa-role")),
            ("AWS_REGION", REGION),
            ("AWS_ENDPOINT_URL", moto.endpoint()),
        ],
    );
}

async fn web_identity_missing_token() {
    let err = load_credentials(&AwsOptions::default())
        .await
        .expect_err("no token file");
    assert!(matches!(err, LoadError::WebIdentityToken { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "cannot read the web identity token file /nonexistent/eks/token (AWS_WEB_IDENTITY_TOKEN_FILE)"
    );
}

// --- a profile that assumes a role -----------------------------------------------------------

#[tokio::test]
async fn a_profile_role_without_session_name_gets_the_stable_one() {
    let moto = shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        format!(
            "[profile keys]\naws_access_key_id = AKIDPROFILEKEYS\naws_secret_access_key = s\n\n\
             [profile app]\nrole_arn = {}\nsource_profile = keys\nregion = {REGION}\n",
            role_arn("profile-role")
        ),
    )
    .expect("config");
    run_child(
        "profile_role",
        &[
            ("AWS_CONFIG_FILE", config.to_str().expect("utf-8 path")),
            ("AWS_PROFILE", "app"),
            ("AWS_ENDPOINT_URL", moto.endpoint()),
        ],
    );
}

async fn profile_role() {
    let loader = AwsLoader::new(&AwsOptions::default())
        .await
        .expect("loader");
    assert_eq!(loader.region(), Some(REGION), "region from the profile");
    let arn = loader.caller_identity().await.expect("GetCallerIdentity");
    // Without mskgate, the SDK would name this session `assume-role-from-profile-<millis>`.
    assert_eq!(
        arn,
        format!(
            "arn:aws:sts::123456789012:assumed-role/profile-role/{}",
            expected_session_name()
        )
    );
}

// --- nothing at all ---------------------------------------------------------------------------

#[tokio::test]
async fn no_credentials_anywhere_says_what_was_tried() {
    run_child("no_credentials", &[]);
}

async fn no_credentials() {
    let started = std::time::Instant::now();
    let err = load_credentials(&AwsOptions::default())
        .await
        .expect_err("nothing configured");
    assert!(
        matches!(err, LoadError::NoCredentials { profile: None, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    for part in [
        "no AWS credentials found; tried: environment variables (AWS_ACCESS_KEY_ID)",
        "shared config and credentials files (default profile)",
        "web identity",
        "EC2 instance metadata",
        "pick a profile with --profile or AWS_PROFILE",
    ] {
        assert!(text.contains(part), "missing {part:?} in: {text}");
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );

    let named = AwsOptions {
        profile: Some("ghost".into()),
        ..AwsOptions::default()
    };
    let err = load_credentials(&named).await.expect_err("no such profile");
    assert!(
        err.to_string()
            .contains("credentials files (profile `ghost`)")
            || matches!(err, LoadError::CredentialsProvider { .. }),
        "{err:?}"
    );

    let err = SecretSource::parse("sm:anything")
        .expect("source")
        .fetch(&AwsOptions {
            region: Some(REGION.into()),
            ..AwsOptions::default()
        })
        .await
        .expect_err("no credentials to read it with");
    assert!(matches!(err, LoadError::NoCredentials { .. }), "{err:?}");
}

// --- env: sources -----------------------------------------------------------------------------

#[tokio::test]
async fn env_sources_read_the_variable() {
    run_child(
        "env_sources",
        &[
            ("MSKGATE_TEST_SECRET", SECRET_VALUE),
            ("MSKGATE_TEST_EMPTY", ""),
        ],
    );
}

async fn env_sources() {
    let aws = AwsOptions::default();
    let value = SecretSource::parse("env:MSKGATE_TEST_SECRET")
        .expect("source")
        .fetch(&aws)
        .await
        .expect("set");
    assert_eq!(value.expose_secret(), SECRET_VALUE);

    let err = SecretSource::parse("env:MSKGATE_TEST_EMPTY")
        .expect("source")
        .fetch(&aws)
        .await
        .expect_err("empty");
    assert_eq!(
        err.to_string(),
        "the secret from env:MSKGATE_TEST_EMPTY is empty"
    );

    let err = SecretSource::parse("env:MSKGATE_TEST_UNSET")
        .expect("source")
        .fetch(&aws)
        .await
        .expect_err("unset");
    assert_eq!(
        err.to_string(),
        "the environment variable MSKGATE_TEST_UNSET is not set"
    );
}
