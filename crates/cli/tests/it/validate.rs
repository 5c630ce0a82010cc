//! `mskgate validate` and `mskgate rules`: exit codes, formats, overrides, no leaks.

use serde_json::Value;

use crate::{code, mskgate, snapshot};

const NOW: &str = "2026-06-01T00:00:00Z";

fn validate_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["validate", "--format", "json", "--now", NOW];
    all.extend_from_slice(args);
    let out = mskgate(&all);
    let stdout = String::from_utf8(out.stdout.clone()).expect("utf8");
    let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON: {e}\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code(&out), v)
}

fn codes(v: &Value) -> Vec<&str> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect()
}

#[test]
fn validate_exits_1_on_errors_and_0_without() {
    let (c, v) = validate_json(&["fixtures/validator/ESM001/bad.json"]);
    assert_eq!(c, 1);
    assert!(codes(&v).contains(&"ESM001"));
    assert_eq!(v["summary"]["mappings"], 1);
    assert_eq!(validate_json(&["fixtures/validator/ESM001/good.json"]).0, 0);
    // Warnings and infos alone do not fail.
    assert_eq!(validate_json(&["fixtures/validator/ESM027/bad.yaml"]).0, 0);
}

#[test]
fn a_malformed_template_is_a_finding_not_a_usage_error() {
    let (c, v) = validate_json(&["fixtures/validator/ESM026/bad.yaml"]);
    assert_eq!(c, 1);
    assert_eq!(codes(&v), vec!["ESM026"]);
}

#[test]
fn validate_exits_2_on_usage_and_io_errors() {
    for args in [
        vec!["validate"],
        vec!["validate", "fixtures/validator/does-not-exist.yaml"],
        vec![
            "validate",
            "fixtures/validator/ESM001/bad.json",
            "--deny",
            "ESM999",
        ],
        vec![
            "validate",
            "fixtures/validator/ESM001/bad.json",
            "--parameter",
            "novalue",
        ],
        vec![
            "validate",
            "fixtures/validator/ESM001/bad.json",
            "--secret",
            "x=fixtures/none.json",
        ],
        vec![
            "validate",
            "fixtures/validator/ESM001/bad.json",
            "--format",
            "yaml",
        ],
    ] {
        let out = mskgate(&args);
        assert_eq!(
            code(&out),
            2,
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn directories_are_searched_and_unrelated_files_skipped() {
    let (_, v) = validate_json(&["fixtures/validator", "fixtures/secrets"]);
    assert!(v["summary"]["files"].as_u64().expect("files") >= 40);
    let files: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert!(
        files.iter().all(|f| f.starts_with("fixtures/validator/")),
        "{files:?}"
    );
}

#[test]
fn overrides_change_severity_and_exit_status() {
    let bad = "fixtures/validator/ESM001/bad.json";
    assert_eq!(validate_json(&[bad, "--allow", "ESM001"]).0, 0);
    assert_eq!(validate_json(&[bad, "--warn", "topics-exactly-one"]).0, 0);
    let (c, v) = validate_json(&["fixtures/validator/ESM016/bad.json", "--deny", "ESM016"]);
    assert_eq!(c, 1);
    assert!(
        v["findings"]
            .as_array()
            .expect("f")
            .iter()
            .any(|f| f["code"] == "ESM016" && f["severity"] == "error")
    );
}

#[test]
fn parameters_and_secrets_feed_the_checks() {
    let tpl = "fixtures/validator/ESM027/bad.yaml";
    let (_, v) = validate_json(&[tpl]);
    assert!(codes(&v).contains(&"ESM027"));
    let (_, v) = validate_json(&[tpl, "--parameter", "Topic=bad topic"]);
    assert!(codes(&v).contains(&"ESM002"), "{v}");
    let esm = "fixtures/validator/SEC004/good.json";
    let (c, v) = validate_json(&[
        esm,
        "--secret",
        "AmazonMSK_users=fixtures/secrets/scram-missing-username.json",
    ]);
    assert_eq!(c, 1);
    assert!(codes(&v).contains(&"SEC001"), "{v}");
}

#[test]
fn target_runtime_accepts_what_only_lambda_rejects() {
    let esm = "fixtures/validator/ESM029/good.json";
    let secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka-users-AbCdEf=fixtures/secrets/mtls-rsa-pbes2.json";
    // The fixture's auth type is SCRAM; judge a client-certificate mapping instead.
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(crate::repo().join(esm))
        .expect("fixture")
        .replace("SASL_SCRAM_512_AUTH", "CLIENT_CERTIFICATE_TLS_AUTH");
    let path = dir.path().join("esm.json");
    std::fs::write(&path, text).expect("write");
    let p = path.to_string_lossy().into_owned();
    let (lambda, v) = validate_json(&[&p, "--secret", secret]);
    assert_eq!(lambda, 1, "{v}");
    assert!(codes(&v).contains(&"CRT005"));
    let (runtime, _) = validate_json(&[&p, "--secret", secret, "--target", "runtime"]);
    assert_eq!(runtime, 0);
}

#[test]
fn sarif_and_text_formats() {
    let out = mskgate(&[
        "validate",
        "fixtures/validator/PRT001/bad.json",
        "--format",
        "sarif",
    ]);
    assert_eq!(code(&out), 1);
    let v: Value = serde_json::from_slice(&out.stdout).expect("sarif json");
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(v["runs"][0]["results"][0]["ruleId"], "PRT001");
    let out = mskgate(&["validate", "fixtures/validator/PRT001/bad.json"]);
    let text = String::from_utf8(out.stdout).expect("utf8");
    assert!(
        text.contains("error[PRT001] bootstrap-port-auth-mismatch"),
        "{text}"
    );
    assert!(text.contains("= help:"), "{text}");
    assert!(!text.contains('\x1b'));
    let coloured = mskgate(&[
        "--color",
        "always",
        "validate",
        "fixtures/validator/PRT001/bad.json",
    ]);
    assert!(String::from_utf8_lossy(&coloured.stdout).contains("\x1b[1;31m"));
}

#[test]
fn never_prints_a_secret_value() {
    for format in ["text", "json", "sarif"] {
        let out = mskgate(&[
            "-vvv",
            "validate",
            "fixtures/validator/SEC010/bad.yaml",
            "--secret",
            "Users=fixtures/validator-secrets/scram-duplicate-key.json",
            "--format",
            format,
        ]);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for canary in [
            "fixture-pw-CANARY-9Zk",
            "dup-pw-CANARY-1",
            "dup-pw-CANARY-2",
        ] {
            assert!(!all.contains(canary), "--format {format} leaks {canary}");
        }
    }
}

#[test]
fn rules_lists_every_rule_including_auths() {
    let out = mskgate(&["rules", "--format", "json"]);
    assert_eq!(code(&out), 0);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let rules = v.as_array().expect("array");
    let codes: Vec<&str> = rules.iter().filter_map(|r| r["code"].as_str()).collect();
    for c in [
        "ESM001", "AUTH002", "PRT001", "SEC004", "SEC001", "CRT005", "CRT014",
    ] {
        assert!(codes.contains(&c), "{c} missing");
    }
    for r in rules {
        for k in ["code", "name", "severity", "description"] {
            assert!(r[k].is_string(), "{r}");
        }
    }
    let text = String::from_utf8(mskgate(&["rules"]).stdout).expect("utf8");
    assert!(text.contains("CRT005   key-pbes2"));
}

#[test]
fn validate_and_rules_help_are_stable_and_have_examples() {
    for (cmd, snap) in [
        ("validate", "validate-help.txt"),
        ("rules", "rules-help.txt"),
    ] {
        let out = mskgate(&[cmd, "--help"]);
        let help = String::from_utf8(out.stdout).expect("utf8");
        assert!(help.contains("Examples:"), "{cmd}");
        snapshot(snap, &help);
    }
}
