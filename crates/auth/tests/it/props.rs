//! Property tests: no byte string or JSON value makes a parser panic.

use mskgate_auth::scram::{Mechanism, ScramClient};
use mskgate_auth::{InspectOptions, SecretString, inspect, pkcs8, x509};
use proptest::prelude::*;

use crate::{NOW, read};

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,40}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from(
            "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----"
        )),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("username".to_owned()),
                    Just("password".to_owned()),
                    Just("certificate".to_owned()),
                    Just("privateKey".to_owned()),
                    Just("privateKeyPassword".to_owned()),
                    "[a-z]{1,8}",
                ],
                inner,
                0..5
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Mutations of a real PEM: flip, drop or insert bytes.
fn mutated(base: String) -> impl Strategy<Value = String> {
    let len = base.len();
    prop::collection::vec((0..len, any::<u8>(), 0..3u8), 0..8).prop_map(move |edits| {
        let mut bytes = base.clone().into_bytes();
        for (pos, byte, op) in edits {
            let pos = pos.min(bytes.len().saturating_sub(1));
            match op {
                0 if !bytes.is_empty() => bytes[pos] = byte,
                1 if !bytes.is_empty() => {
                    bytes.remove(pos);
                }
                _ => bytes.insert(pos, byte),
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn inspect_never_panics_on_any_text(text in ".{0,300}") {
        let _ = inspect(&text, &InspectOptions::at(NOW));
    }

    #[test]
    fn inspect_never_panics_on_any_json(value in json_value()) {
        let v = inspect(&value.to_string(), &InspectOptions::at(NOW));
        // The verdict is consistent with its findings.
        prop_assert_eq!(v.usable, !v.findings.iter().any(|f| f.severity == mskgate_auth::Severity::Error));
        prop_assert!(!v.lambda_compatible || v.usable);
    }

    #[test]
    fn key_decoding_never_panics_on_mutated_keys(text in mutated(read("keys/rsa-pkcs12-3des.pem"))) {
        let _ = pkcs8::decode_pem(&text, Some(&SecretString::from("x")));
    }

    #[test]
    fn pbes2_decoding_never_panics_on_mutated_keys(text in mutated(read("keys/ec-pbes2-aes256-sha256.pem"))) {
        let _ = pkcs8::decode_pem(&text, Some(&SecretString::from("x")));
    }

    #[test]
    fn chain_reading_never_panics_on_mutated_chains(text in mutated(read("pki/rsa/ca-bundle.pem"))) {
        if let Ok(certs) = x509::certificates_from_pem(&text, "chain") {
            let _ = x509::check_client_chain(&certs, NOW, &[]);
            let _ = x509::check_ca_bundle(&certs, NOW);
        }
    }

    #[test]
    fn secret_inspection_never_panics_on_mutated_secrets(text in mutated(read("secrets/mtls-rsa-pbe-md5-des.json"))) {
        let _ = inspect(&text, &InspectOptions::at(NOW));
    }
}

#[test]
fn arbitrary_der_in_a_key_block_never_panics() {
    let mut runner = proptest::test_runner::TestRunner::default();
    runner
        .run(&prop::collection::vec(any::<u8>(), 0..512), |der| {
            for label in [
                "PRIVATE KEY",
                "ENCRYPTED PRIVATE KEY",
                "RSA PRIVATE KEY",
                "EC PRIVATE KEY",
                "CERTIFICATE",
            ] {
                let text = pem::encode(&pem::Pem::new(label, der.clone()));
                let _ = pkcs8::decode_pem(&text, Some(&SecretString::from("pw")));
                let _ = x509::certificates_from_pem(&text, "x");
            }
            Ok(())
        })
        .expect("no panic");
}

/// A SHA-256 client with nonce `cnonce`, before the server-first message.
fn scram_client() -> ScramClient {
    ScramClient::with_nonce(
        Mechanism::ScramSha256,
        "user",
        &SecretString::from("pencil"),
        "cnonce",
    )
    .expect("valid client")
}

/// Server-first messages near the grammar: right or wrong nonces, salts and counts (the counts
/// that would be computed stay small), extensions, and junk.
fn server_first_message() -> impl Strategy<Value = Vec<u8>> {
    let nonce = prop_oneof![
        "[a-zA-Z0-9+/%$()!~-]{0,12}".prop_map(|s| format!("cnonce{s}")),
        "[!-~]{0,12}",
        Just("cnonce".to_owned()),
    ];
    let salt = prop_oneof![Just("QSXCR+Q6sek8bf92".to_owned()), "[A-Za-z0-9+/=*]{0,12}"];
    let iterations = prop_oneof![
        (4096u32..4200).prop_map(|i| i.to_string()),
        any::<u64>().prop_map(|i| i.to_string()),
        "[0-9+-]{0,22}",
    ];
    let extra = prop_oneof![Just(String::new()), ",[a-zA-Z=,]{0,6}", ".{0,8}"];
    let mext = prop_oneof![4 => Just(String::new()), 1 => Just("m=x,".to_owned())];
    (mext, nonce, salt, iterations, extra)
        .prop_map(|(m, r, s, i, x)| format!("{m}r={r},s={s},i={i}{x}").into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn scram_client_never_panics_on_arbitrary_server_first(msg in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut c = scram_client();
        let _ = c.handle_server_first(&msg);
        let _ = c.handle_server_final(&msg);
    }

    #[test]
    fn scram_client_never_panics_on_near_valid_server_first(msg in server_first_message()) {
        let mut c = scram_client();
        if c.handle_server_first(&msg).is_ok() {
            // Only a message that extends our nonce within the iteration limits gets this far.
            let text = String::from_utf8(msg).expect("accepted messages are UTF-8");
            prop_assert!(text.starts_with("r=cnonce") && !text.starts_with("r=cnonce,"));
        }
    }

    #[test]
    fn scram_client_never_panics_on_arbitrary_server_final(
        msg in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..120),
            "[ve]=[ -~]{0,60}(,[a-z]=[ -~]{0,8}){0,2}".prop_map(String::into_bytes),
        ]
    ) {
        let mut c = scram_client();
        c.handle_server_first(b"r=cnonceSERVER,s=QSXCR+Q6sek8bf92,i=4096").expect("valid server-first");
        // Nothing but the right signature may authenticate.
        prop_assert!(c.handle_server_final(&msg).is_err());
        prop_assert!(!c.is_authenticated());
    }
}
