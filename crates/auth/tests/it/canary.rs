//! The passwords and keys in the fixtures never reach any output: Debug, JSON, messages.

use mskgate_auth::{InspectOptions, inspect};

use crate::{KEY_PASSWORD, NOW, SCRAM_PASSWORD, read};

/// Distinctive pieces of every private key fixture (a base64 line from the middle of each).
fn key_fragments() -> Vec<String> {
    [
        "keys/rsa-plain.pem",
        "keys/ec-plain.pem",
        "keys/ed25519-plain.pem",
    ]
    .iter()
    .map(|f| {
        let text = read(f);
        let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with("-----")).collect();
        lines[lines.len() / 2].to_owned()
    })
    .collect()
}

#[test]
fn no_secret_value_reaches_debug_or_json_output() {
    let canaries: Vec<String> = [KEY_PASSWORD, SCRAM_PASSWORD, "not-the-password"]
        .iter()
        .map(|s| s.to_string())
        .chain(key_fragments())
        .collect();
    let dir = crate::fixture("secrets");
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        let v = inspect(&text, &InspectOptions::at(NOW));
        let outputs = [
            format!("{v:?}"),
            format!("{v:#?}"),
            serde_json::to_string(&v).expect("json"),
            format!("{:?}", v.credentials()),
        ];
        for out in &outputs {
            for canary in &canaries {
                assert!(
                    !out.contains(canary.as_str()),
                    "{}: output leaks a secret value",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn key_errors_never_contain_the_password() {
    let wrong = mskgate_auth::SecretString::from("pw-CANARY-in-error");
    let text = read("keys/rsa-pkcs12-3des.pem");
    let err = mskgate_auth::pkcs8::decode_pem(&text, Some(&wrong)).unwrap_err();
    assert!(!format!("{err} {err:?}").contains("pw-CANARY-in-error"));
}
