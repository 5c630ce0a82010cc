//! `mskgate policy generate`: the generated policy, fed back with `validate --policy`, leaves no
//! IAM error; placeholders are explained on stderr; the help is stable.

use serde_json::Value;

use crate::{code, mskgate, snapshot};

fn iam_errors(file: &str, policy: Option<&str>) -> Vec<String> {
    let mut args = vec![
        "validate",
        "--format",
        "json",
        "--now",
        "2026-06-01T00:00:00Z",
        file,
    ];
    if let Some(p) = policy {
        args.extend(["--policy", p]);
    }
    let out = mskgate(&args);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json report");
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["code"].as_str().is_some_and(|c| c.starts_with("IAM")) && f["severity"] == "error"
        })
        .map(|f| f["message"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn generated_policy_passes_validate_policy() {
    let dir = std::env::temp_dir().join(format!("mskgate-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    for file in [
        "fixtures/policy/msk-iam.json",
        "fixtures/policy/msk-scram.json",
        "fixtures/policy/smk-root-ca.json",
        "fixtures/policy/template-symbolic.yaml",
    ] {
        let out = mskgate(&["policy", "generate", file]);
        assert_eq!(
            code(&out),
            0,
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).expect("policy JSON");
        assert_eq!(doc["Version"], "2012-10-17");
        let path = dir.join("policy.json");
        std::fs::write(&path, &out.stdout).expect("write");
        let p = path.to_string_lossy().into_owned();
        let errors = iam_errors(file, Some(&p));
        assert!(errors.is_empty(), "{file}: {errors:#?}");
        let empty = dir.join("empty.json");
        std::fs::write(&empty, r#"{"Statement": []}"#).expect("write");
        assert!(
            !iam_errors(file, Some(&empty.to_string_lossy())).is_empty(),
            "{file}: an empty --policy must leave IAM errors"
        );
    }
    let out = mskgate(&[
        "policy",
        "generate",
        "fixtures/policy/template-symbolic.yaml",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("${AWS::AccountId}"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn policy_generate_rejects_unknown_mappings_and_bad_policy_files() {
    let out = mskgate(&[
        "policy",
        "generate",
        "fixtures/policy/msk-iam.json",
        "--mapping",
        "nope",
    ]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no mapping named"));
    let out = mskgate(&[
        "validate",
        "fixtures/policy/msk-iam.json",
        "--policy",
        "fixtures/policy/README.md",
    ]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--policy"));
}

#[test]
fn policy_generate_help_is_stable_and_has_examples() {
    let out = mskgate(&["policy", "generate", "--help"]);
    let help = String::from_utf8(out.stdout).expect("utf8");
    assert!(help.contains("Examples:"));
    snapshot("policy-generate-help.txt", &help);
}
