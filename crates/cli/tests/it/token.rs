//! `mskgate token` and `mskgate token verify`.

use serde_json::Value;

use crate::{code, mskgate_env};

const AT: &str = "2026-06-01T12:00:00Z";
const ENV: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "AKIDTOKENEXAMPLE"),
    ("AWS_SECRET_ACCESS_KEY", "token-secret-CANARY-2Hv"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
    ("AWS_CONFIG_FILE", "/dev/null"),
    ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
];

fn token_json(region: &str) -> Value {
    let out = mskgate_env(
        &["token", "--region", region, "--at", AT, "--format", "json"],
        ENV,
    );
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn generates_a_token_from_the_environment_with_the_contract_keys() {
    let v = token_json("us-east-1");
    let keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["access_key_id", "expires_at_ms", "region", "token"]);
    assert_eq!(v["access_key_id"], "AKIDTOKENEXAMPLE");
    assert_eq!(v["region"], "us-east-1");
    assert_eq!(
        v["expires_at_ms"], 1_780_316_100_000_i64,
        "2026-06-01T12:15:00Z"
    );
    let text = mskgate_env(&["token", "--region", "us-east-1", "--at", AT], ENV);
    assert_eq!(
        String::from_utf8(text.stdout).expect("utf8").trim(),
        v["token"].as_str().expect("token")
    );
}

#[test]
fn verifies_its_own_token_and_recomputes_the_signature() {
    let token = token_json("eu-west-1")["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let out = mskgate_env(
        &[
            "token",
            "verify",
            &token,
            "--region",
            "eu-west-1",
            "--at",
            AT,
            "--format",
            "json",
        ],
        ENV,
    );
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stdout));
    let r: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r["valid"], true);
    assert_eq!(r["signature_checked"], true);
    assert_eq!(r["expired"], false);
    assert_eq!(r["region"], "eu-west-1");

    let later = mskgate_env(
        &[
            "token",
            "verify",
            &token,
            "--at",
            "2026-06-01T13:00:00Z",
            "--format",
            "json",
        ],
        ENV,
    );
    assert_eq!(code(&later), 1);
    let r: Value = serde_json::from_slice(&later.stdout).expect("json");
    assert_eq!(r["expired"], true);

    let wrong_region = mskgate_env(
        &[
            "token",
            "verify",
            &token,
            "--region",
            "us-east-1",
            "--at",
            AT,
        ],
        ENV,
    );
    assert_eq!(code(&wrong_region), 1);
    assert!(String::from_utf8_lossy(&wrong_region.stdout).contains("problem:"));
}

#[test]
fn a_tampered_signature_is_caught_when_credentials_are_available() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let token = token_json("us-east-1")["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let url = String::from_utf8(URL_SAFE_NO_PAD.decode(&token).expect("b64")).expect("utf8");
    let i = url.find("X-Amz-Signature=").expect("sig") + "X-Amz-Signature=".len();
    let flipped = if &url[i..=i] == "0" { "1" } else { "0" };
    let tampered = URL_SAFE_NO_PAD.encode(format!("{}{flipped}{}", &url[..i], &url[i + 1..]));
    let out = mskgate_env(
        &["token", "verify", &tampered, "--at", AT, "--format", "json"],
        ENV,
    );
    assert_eq!(code(&out), 1);
    let r: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(r["signature_checked"], true);
    assert_eq!(r["valid"], false);
}

#[test]
fn usage_errors_exit_2_and_nothing_leaks() {
    let no_region = mskgate_env(&["token"], ENV);
    assert_eq!(code(&no_region), 2);
    let bad_at = mskgate_env(
        &["-vvv", "token", "--region", "us-east-1", "--at", "soon"],
        ENV,
    );
    assert_eq!(code(&bad_at), 2);
    let no_creds = mskgate_env(
        &["-vvv", "token", "--region", "us-east-1"],
        &[
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
            ("AWS_ACCESS_KEY_ID", ""),
            ("AWS_SECRET_ACCESS_KEY", ""),
        ],
    );
    assert_eq!(code(&no_creds), 2);
    for out in [&no_region, &bad_at, &no_creds] {
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains("token-secret-CANARY"));
    }
}
