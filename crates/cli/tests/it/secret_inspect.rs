//! `mskgate secret inspect`: the contract other tools depend on.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::{code, mskgate, mskgate_with_stdin, snapshot};

const NOW: &str = "2026-06-01T00:00:00Z";

fn inspect_json(file: &str) -> (i32, Value) {
    let out = mskgate(&[
        "secret",
        "inspect",
        &format!("fixtures/secrets/{file}"),
        "--format",
        "json",
        "--now",
        NOW,
    ]);
    let stdout = String::from_utf8(out.stdout.clone()).expect("utf8");
    let v: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{file}: stdout is not one JSON object: {e}\n{stdout}"));
    (code(&out), v)
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn exits_0_when_usable_and_1_when_not() {
    assert_eq!(inspect_json("mtls-rsa-pkcs12-3des.json").0, 0);
    assert_eq!(
        inspect_json("mtls-rsa-pbes2.json").0,
        0,
        "PBES2 is usable by the runtime"
    );
    assert_eq!(inspect_json("mtls-rsa-wrong-order.json").0, 1);
    assert_eq!(
        inspect_json("not-json.txt").0,
        1,
        "not-JSON is a finding, not a crash"
    );
}

#[test]
fn exits_2_on_usage_and_io_errors() {
    let missing = mskgate(&["secret", "inspect", "fixtures/secrets/does-not-exist.json"]);
    assert_eq!(code(&missing), 2);
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        err.contains("cannot read fixtures/secrets/does-not-exist.json"),
        "{err}"
    );
    assert_eq!(
        code(&mskgate(&[
            "secret",
            "inspect",
            "fixtures/secrets/scram.json",
            "--now",
            "yesterday"
        ])),
        2
    );
    assert_eq!(
        code(&mskgate(&[
            "secret",
            "inspect",
            "fixtures/secrets/scram.json",
            "--bogus"
        ])),
        2
    );
    assert_eq!(code(&mskgate(&["secret", "inspect"])), 2);
    assert_eq!(
        code(&mskgate(&[
            "secret",
            "inspect",
            "fixtures/secrets/scram.json",
            "--trust",
            "fixtures/keys/rsa-plain.pem"
        ])),
        2
    );
}

#[test]
fn json_output_follows_the_contract() {
    let (_, v) = inspect_json("mtls-rsa-pbes2.json");
    assert_eq!(
        keys(&v),
        BTreeSet::from([
            "kind",
            "usable",
            "lambda_compatible",
            "certificates",
            "key",
            "findings"
        ])
    );
    assert_eq!(v["kind"], "mtls");
    assert_eq!(v["usable"], true);
    assert_eq!(v["lambda_compatible"], false);
    for c in v["certificates"].as_array().expect("certificates") {
        assert_eq!(
            keys(c),
            BTreeSet::from([
                "subject",
                "issuer",
                "not_before",
                "not_after",
                "sha256",
                "is_ca"
            ])
        );
    }
    let key = &v["key"];
    assert_eq!(
        keys(key),
        BTreeSet::from(["algorithm", "bits", "encryption", "scheme", "matches_leaf"])
    );
    assert_eq!(key["algorithm"], "rsa");
    assert_eq!(key["bits"], 2048);
    assert_eq!(key["encryption"], "pbes2");
    assert_eq!(key["scheme"], "PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC");
    assert_eq!(key["matches_leaf"], true);
    let f = &v["findings"][0];
    assert_eq!(
        keys(f),
        BTreeSet::from(["code", "severity", "message", "help"])
    );
    assert_eq!(f["code"], "CRT005");
    assert_eq!(f["severity"], "warning");

    let (_, scram) = inspect_json("scram.json");
    assert_eq!(scram["kind"], "scram");
    assert_eq!(scram["key"], Value::Null);
    assert_eq!(scram["certificates"], Value::Array(vec![]));
    let (_, ed) = inspect_json("mtls-ed25519-plain.json");
    assert_eq!(ed["key"]["bits"], Value::Null);
    assert_eq!(ed["key"]["algorithm"], "ed25519");
    let (_, p12) = inspect_json("mtls-ec-pkcs12-3des.json");
    assert_eq!(p12["key"]["encryption"], "pkcs12-pbe");
    assert_eq!(p12["key"]["scheme"], "pbeWithSHAAnd3-KeyTripleDES-CBC");
    assert_eq!(p12["key"]["algorithm"], "ec-p256");
    let (_, md5) = inspect_json("mtls-rsa-pbe-md5-des.json");
    assert_eq!(md5["key"]["encryption"], "pbes1");
    let (_, unknown) = inspect_json("array.json");
    assert_eq!(unknown["kind"], "unknown");
}

#[test]
fn reads_the_secret_from_standard_input() {
    let text = std::fs::read(crate::repo().join("fixtures/secrets/scram.json")).expect("fixture");
    let out = mskgate_with_stdin(&["secret", "inspect", "-", "--format", "json"], Some(&text));
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["kind"], "scram");
}

#[test]
fn honours_kind_and_trust() {
    let out = mskgate(&[
        "secret",
        "inspect",
        "fixtures/secrets/scram.json",
        "--kind",
        "basic",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["kind"], "basic");
    let rogue = mskgate(&[
        "secret",
        "inspect",
        "fixtures/secrets/mtls-rsa-plain.json",
        "--now",
        NOW,
        "--trust",
        "fixtures/pki/rogue/root.pem",
    ]);
    assert_eq!(code(&rogue), 1);
    assert!(String::from_utf8_lossy(&rogue.stdout).contains("CRT010"));
    let good = mskgate(&[
        "secret",
        "inspect",
        "fixtures/secrets/mtls-rsa-plain.json",
        "--now",
        NOW,
        "--trust",
        "fixtures/pki/rsa/root.pem",
    ]);
    assert_eq!(code(&good), 0);
}

#[test]
fn text_output_names_problems_and_fixes_without_colour_when_piped() {
    let out = mskgate(&[
        "secret",
        "inspect",
        "fixtures/secrets/mtls-rsa-wrong-password.json",
        "--now",
        NOW,
    ]);
    let text = String::from_utf8(out.stdout).expect("utf8");
    assert!(text.contains("usable by mskgate: no"), "{text}");
    assert!(
        text.contains("error[CRT006] key-password-mismatch"),
        "{text}"
    );
    assert!(text.contains("help:"), "{text}");
    assert!(
        !text.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    let coloured = mskgate(&[
        "secret",
        "inspect",
        "fixtures/secrets/mtls-rsa-wrong-password.json",
        "--color",
        "always",
    ]);
    assert!(String::from_utf8_lossy(&coloured.stdout).contains("\x1b[1;31m"));
}

#[test]
fn never_prints_a_secret_value_in_any_format_or_log_level() {
    let canaries = [
        "fixture-pw-CANARY-7Qx",
        "scram-pw-CANARY-3Jd",
        "not-the-password",
    ];
    let key_line =
        std::fs::read_to_string(crate::repo().join("fixtures/keys/rsa-plain.pem")).expect("key");
    let key_line = key_line.lines().nth(5).expect("a base64 line").to_owned();
    let dir = crate::repo().join("fixtures/secrets");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    for path in files {
        let p = path.to_string_lossy().into_owned();
        for format in ["text", "json"] {
            let out = mskgate(&["-vvv", "secret", "inspect", &p, "--format", format]);
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            for c in canaries.iter().copied().chain([key_line.as_str()]) {
                assert!(
                    !all.contains(c),
                    "{p} --format {format} -vvv leaks a secret value"
                );
            }
        }
    }
}

#[test]
fn help_is_stable_and_has_examples() {
    let out = mskgate(&["secret", "inspect", "--help"]);
    let help = String::from_utf8(out.stdout).expect("utf8");
    assert!(help.contains("Examples:"));
    snapshot("secret-inspect-help.txt", &help);
    let top = String::from_utf8(mskgate(&["--help"]).stdout).expect("utf8");
    snapshot("mskgate-help.txt", &top);
}
