//! Tokens per second: mskgate's signer and AWS's official Python signer
//! (`aws-msk-iam-sasl-signer-python`), measured in the same run.
//!
//! `cargo bench -p mskgate-auth --bench token` runs the full measurement; without `--bench`
//! (as `cargo test --all-targets` runs it) a few iterations only check that everything works.
//! The Python side runs `tests/oracles/msk_signer.py bench` with the venv of
//! `scripts/install-test-deps.sh` (`MSKGATE_PYTHON`, else `~/.cache/mskgate/venv/bin/python`):
//! it loops inside one process, timing only the generate calls, with static credentials in
//! `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` as a user would set them.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use mskgate_auth::SecretString;
use mskgate_auth::iam::{
    AwsCredentials, TokenRequest, VerifyOptions, generate_token, verify_token,
};
use time::macros::datetime;

const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const REGION: &str = "us-east-1";

fn main() -> ExitCode {
    let full = std::env::args().any(|a| a == "--bench");
    let (n, py_count, py_sign_count) = if full {
        (100_000, 100, 2_000)
    } else {
        (500, 3, 20)
    };
    let creds = AwsCredentials::new(AKID, SecretString::from(SECRET), None, None);
    let base = datetime!(2024-01-01 0:00 UTC);

    // mskgate: generate n tokens at n different instants.
    let mut last = None;
    let generate = rate(n, |i| {
        let req = TokenRequest::new(REGION, base + Duration::from_secs(i));
        last = Some(generate_token(black_box(&creds), black_box(&req)).expect("token"));
    });
    let token = last.expect("at least one token");
    let opts = VerifyOptions::at(token.signed_at).with_credentials(creds.clone());
    let verify = rate(n / 2, |_| {
        let report = verify_token(black_box(token.token.expose_secret()), &opts);
        assert!(report.valid && report.signature_checked, "{report:?}");
    });
    println!("mskgate generate_token:  {generate:>12.0} tokens/s  ({n} tokens, {REGION})");
    println!("mskgate verify_token:    {verify:>12.0} tokens/s  (signature recomputed)");

    let python = match python_rates(py_count, py_sign_count) {
        Ok(p) => p,
        Err(why) => {
            eprintln!("token bench: the Python signer could not be measured: {why}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "python generate_auth_token(region):                     {:>10.1} tokens/s  ({}, {} calls)",
        python.as_users_call, python.signer, py_count
    );
    println!(
        "python generate_auth_token_from_credentials_provider:   {:>10.1} tokens/s  (static provider, {} calls)",
        python.signing_only, py_sign_count
    );
    let ratio = generate / python.as_users_call;
    println!(
        "ratio mskgate / python: {ratio:.0}x as users call it (goal >= 100x), {:.0}x signing only",
        generate / python.signing_only
    );
    if full && ratio < 100.0 {
        eprintln!("token bench: below the 100x goal");
    }
    ExitCode::SUCCESS
}

/// Calls per second of `f(0..count)`.
fn rate(count: u64, mut f: impl FnMut(u64)) -> f64 {
    f(0); // warm-up
    let start = Instant::now();
    for i in 0..count {
        f(i);
    }
    count as f64 / start.elapsed().as_secs_f64()
}

struct PythonRates {
    as_users_call: f64,
    signing_only: f64,
    signer: String,
}

fn python_rates(count: u32, sign_count: u32) -> Result<PythonRates, String> {
    let python = std::env::var_os("MSKGATE_PYTHON").map_or_else(
        || {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
            PathBuf::from(home).join(".cache/mskgate/venv/bin/python")
        },
        PathBuf::from,
    );
    if !python.exists() {
        return Err(format!(
            "{} does not exist; run scripts/install-test-deps.sh or set MSKGATE_PYTHON",
            python.display()
        ));
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/msk_signer.py");
    let out = Command::new(&python)
        .arg(script)
        .args(["bench", "--region", REGION])
        .args(["--count", &count.to_string()])
        .args(["--sign-count", &sign_count.to_string()])
        .env("AWS_ACCESS_KEY_ID", AKID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env_remove("AWS_SESSION_TOKEN")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} ({}); is aws-msk-iam-sasl-signer-python installed?\n{}",
            python.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("unreadable output of the Python bench: {e}"))?;
    let number = |path: &str| {
        v[path]["tokens_per_second"]
            .as_f64()
            .ok_or_else(|| format!("no {path}.tokens_per_second in the Python bench output"))
    };
    Ok(PythonRates {
        as_users_call: number("generate_auth_token")?,
        signing_only: number("from_credentials_provider")?,
        signer: v["signer"].as_str().unwrap_or("?").to_owned(),
    })
}
