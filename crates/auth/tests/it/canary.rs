//! The passwords and keys in the fixtures never reach any output: Debug, JSON, messages.

use mskgate_auth::scram::{Mechanism, ScramClient};
use mskgate_auth::{InspectOptions, SecretString, inspect};

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

#[test]
fn scram_errors_and_debug_never_contain_the_password_or_proof() {
    let password = SecretString::from(SCRAM_PASSWORD);
    let mut outputs = Vec::new();
    let mut proofs = Vec::new();
    let server_firsts: [&[u8]; 8] = [
        b"r=cnonceS,s=QSXCR+Q6sek8bf92,i=4096",
        b"r=other,s=QSXCR+Q6sek8bf92,i=4096",
        b"r=cnonceS,s=QSXCR+Q6sek8bf92,i=10",
        b"r=cnonceS,s=QSXCR+Q6sek8bf92,i=99999999999",
        b"r=cnonceS,s=***,i=4096",
        b"m=x,r=cnonceS,s=QSXCR+Q6sek8bf92,i=4096",
        b"\xff\xfe",
        b"",
    ];
    let server_finals: [&[u8]; 5] = [b"v=AAAA", b"e=invalid-proof", b"v=***", b"x=1", b""];
    for mechanism in [Mechanism::ScramSha512, Mechanism::ScramSha256] {
        for first in server_firsts {
            for last in server_finals {
                let mut c = ScramClient::with_nonce(mechanism, "user", &password, "cnonce")
                    .expect("client");
                outputs.push(format!("{c:?} {c:#?}"));
                match c.handle_server_first(first) {
                    Ok(client_final) => {
                        let proof = client_final.rsplit("p=").next().expect("p=").to_owned();
                        proofs.push(proof);
                    }
                    Err(e) => outputs.push(format!(
                        "{e} {e:?} {}",
                        mskgate_auth::Error::from(e.clone())
                    )),
                }
                outputs.push(format!("{c:?}"));
                if let Err(e) = c.handle_server_final(last) {
                    outputs.push(format!(
                        "{e} {e:?} {:?}",
                        mskgate_auth::Error::from(e.clone())
                    ));
                }
                outputs.push(format!("{c:?}"));
            }
        }
    }
    for bad in ["pw\u{e9}-CANARY", "pw\t-CANARY"] {
        let e =
            ScramClient::new(Mechanism::ScramSha512, "user", &SecretString::from(bad)).unwrap_err();
        outputs.push(format!("{e} {e:?}"));
    }
    assert!(!proofs.is_empty());
    for out in &outputs {
        assert!(
            !out.contains(SCRAM_PASSWORD),
            "output leaks the password: {out}"
        );
        assert!(!out.contains("CANARY"), "output leaks a password: {out}");
        for proof in &proofs {
            assert!(
                !out.contains(proof.as_str()),
                "output leaks the proof: {out}"
            );
        }
    }
}
