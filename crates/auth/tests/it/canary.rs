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

/// MSK IAM tokens: neither generation errors nor verification reports (Debug, JSON, problems)
/// quote the secret access key, the session token or the signature.
#[test]
fn iam_errors_and_token_reports_never_contain_secrets() {
    use std::time::Duration;

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use mskgate_auth::SecretString;
    use mskgate_auth::iam::{
        AwsCredentials, TokenRequest, VerifyOptions, generate_token, verify_token,
    };
    use time::macros::datetime;

    const SECRET: &str = "secretKEY-CANARY-9Zp/abc+def";
    const SESSION: &str = "sessionTOKEN-CANARY-4Wq/xyz+uvw==";
    let at = datetime!(2024-01-01 0:00 UTC);
    let creds = |expires| {
        AwsCredentials::new(
            "AKIDCANARYEXAMPLE",
            SecretString::from(SECRET),
            Some(SecretString::from(SESSION)),
            expires,
        )
    };
    let encoded = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let token = generate_token(&creds(None), &TokenRequest::new("us-east-1", at)).expect("token");
    let url = String::from_utf8(
        URL_SAFE_NO_PAD
            .decode(token.token.expose_secret())
            .expect("b64"),
    )
    .expect("utf-8");
    let signature = url
        .split('&')
        .find_map(|kv| kv.strip_prefix("X-Amz-Signature="))
        .expect("signature")
        .to_owned();
    let canaries = [
        SECRET.to_owned(),
        SESSION.to_owned(),
        encoded(SECRET),
        encoded(SESSION),
        "CANARY-".to_owned(),
        signature.clone(),
    ];
    let assert_clean = |what: &str, out: &str| {
        for c in &canaries {
            assert!(
                !out.contains(c.as_str()),
                "{what} leaks a secret value: {out}"
            );
        }
    };

    assert_clean("token Debug", &format!("{token:?} {token:#?}"));
    let failures = [
        generate_token(
            &creds(Some(datetime!(2023-01-01 0:00 UTC))),
            &TokenRequest::new("us-east-1", at),
        ),
        generate_token(&creds(None), &TokenRequest::new(SECRET, at)),
        generate_token(
            &creds(None),
            &TokenRequest::new("us-east-1", at).with_expires_in(Duration::ZERO),
        ),
        generate_token(
            &creds(None),
            &TokenRequest::new("us-east-1", datetime!(1960-01-01 0:00 UTC)),
        ),
    ];
    for result in failures {
        let err = result.expect_err("fails");
        assert_clean("token error", &format!("{err} {err:?}"));
    }

    // Tampered tokens, verified with the right and with other credentials: the problems may name
    // every parameter, but never these values.
    let tampered = [
        url.clone(),
        url.replace("X-Amz-Signature=", "X-Amz-Signature=0"),
        url.replace("X-Amz-Security-Token=", "X-Amz-Security-Token=x"),
        url.replace("X-Amz-Security-Token=", "X-Amz-Foo=1&X-Amz-Security-Token="),
        url.replace(
            "&X-Amz-Security-Token=",
            "&X-Amz-Security-Token=a&X-Amz-Security-Token=",
        ),
        url.replace("X-Amz-Date=20240101T000000Z", "X-Amz-Date=garbage"),
        url.replace("https://", "ftp://"),
        // Secrets where values are quoted: the quotes are redacted.
        url.replace("Action=", &format!("Action={}", encoded(SESSION))),
        url.replace("Action=", &format!("Action=x{}", encoded(&SESSION[3..20]))),
        url.replace(
            "X-Amz-Algorithm=",
            &format!("X-Amz-Algorithm={}", encoded(SECRET)),
        ),
        url.replace(
            "X-Amz-Algorithm=",
            &format!("X-Amz-Algorithm={}", encoded(OTHER_SESSION)),
        ),
        url.replace(
            "X-Amz-SignedHeaders=host",
            &format!("X-Amz-SignedHeaders={signature}"),
        ),
    ];
    const OTHER_SECRET: &str = "otherSECRET-CANARY2-aaa/bbb";
    const OTHER_SESSION: &str = "otherSESSION-CANARY2-ccc+ddd";
    let other = AwsCredentials::new(
        "AKIDCANARYEXAMPLE",
        SecretString::from(OTHER_SECRET),
        Some(SecretString::from(OTHER_SESSION)),
        Some(at),
    );
    for t in &tampered {
        // With the signer's credentials, none of the canaries may show. With other credentials
        // the verifier knows those, the token's session token and its signature — but not
        // `SECRET`, which it cannot recognise and so may quote where a value is quoted.
        let cases = [
            (
                VerifyOptions::at(at + Duration::from_secs(3600)).with_credentials(creds(Some(at))),
                canaries.to_vec(),
            ),
            (
                VerifyOptions::at(at)
                    .with_credentials(other.clone())
                    .with_region("eu-west-1"),
                vec![
                    SESSION.to_owned(),
                    encoded(SESSION),
                    signature.clone(),
                    OTHER_SECRET.to_owned(),
                    OTHER_SESSION.to_owned(),
                    "CANARY2".to_owned(),
                ],
            ),
        ];
        for (opts, secrets) in cases {
            let r = verify_token(&URL_SAFE_NO_PAD.encode(t), &opts);
            let out = format!("{r:?} {}", serde_json::to_string(&r).expect("json"));
            for c in &secrets {
                assert!(
                    !out.contains(c.as_str()),
                    "token report leaks a secret value: {out}"
                );
            }
        }
    }
}

/// Every type that holds a secret prints `[redacted]` where the secret is, in `{:?}` and `{:#?}`,
/// and nothing of the value: `SecretString`, `SecretBytes`, `PrivateKey`, `ClientIdentity`,
/// `LibrdkafkaPem`, `Credentials` (both secret-bearing variants), `AwsCredentials`, `MskToken`,
/// `ScramClient`.
#[test]
fn every_secret_type_debug_prints_redacted() {
    use mskgate_auth::iam::{AwsCredentials, TokenRequest, generate_token};
    use mskgate_auth::{Credentials, SecretBytes, pkcs8, tls, x509};
    use time::macros::datetime;

    const PW: &str = "debug-pw-CANARY-4Rt";
    const AWS_SECRET: &str = "debug-aws-secret-CANARY-6Yh";
    const AWS_SESSION: &str = "debug-aws-session-CANARY-2Lp";
    let key_text = read("keys/rsa-plain.pem");
    let key = pkcs8::decode_pem(&key_text, None).expect("fixture key");
    let key_der_b64: Vec<String> = key_text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::to_owned)
        .collect();
    let chain = x509::certificates_from_pem(&read("pki/rsa/client.pem"), "client").expect("cert");
    let identity = tls::ClientIdentity::new(chain, key.clone());
    let creds = AwsCredentials::new(
        "AKIDDEBUGEXAMPLE",
        SecretString::from(AWS_SECRET),
        Some(SecretString::from(AWS_SESSION)),
        None,
    );
    let token = generate_token(
        &creds,
        &TokenRequest::new("us-east-1", datetime!(2026-01-01 0:00 UTC)),
    )
    .expect("token");
    let scram =
        ScramClient::new(Mechanism::ScramSha512, "alice", &SecretString::from(PW)).expect("client");
    let user_password = Credentials::UserPassword {
        username: "alice".into(),
        password: SecretString::from(PW),
    };
    let mtls = Credentials::ClientCertificate(identity.clone());

    let cases: Vec<(&str, String, String, &str)> = vec![
        (
            "SecretString",
            format!("{:?}", SecretString::from(PW)),
            format!("{:#?}", SecretString::from(PW)),
            "[redacted]",
        ),
        (
            "SecretBytes",
            format!("{:?}", SecretBytes::new(PW.as_bytes().to_vec())),
            format!("{:#?}", SecretBytes::new(PW.as_bytes().to_vec())),
            "[redacted]",
        ),
        (
            "PrivateKey",
            format!("{key:?}"),
            format!("{key:#?}"),
            "pkcs8: [redacted]",
        ),
        (
            "ClientIdentity",
            format!("{identity:?}"),
            format!("{identity:#?}"),
            "pkcs8: [redacted]",
        ),
        (
            "LibrdkafkaPem",
            format!("{:?}", identity.librdkafka_pem()),
            format!("{:#?}", identity.librdkafka_pem()),
            "key_pem: [redacted]",
        ),
        (
            "Credentials::UserPassword",
            format!("{user_password:?}"),
            format!("{user_password:#?}"),
            "password: [redacted]",
        ),
        (
            "Credentials::ClientCertificate",
            format!("{mtls:?}"),
            format!("{mtls:#?}"),
            "pkcs8: [redacted]",
        ),
        (
            "AwsCredentials",
            format!("{creds:?}"),
            format!("{creds:#?}"),
            "secret_access_key: [redacted], session_token: Some([redacted])",
        ),
        (
            "MskToken",
            format!("{token:?}"),
            format!("{token:#?}"),
            "token: [redacted]",
        ),
        (
            "ScramClient",
            format!("{scram:?}"),
            format!("{scram:#?}"),
            "ScramClient",
        ),
    ];
    let token_value = token.token.expose_secret().to_owned();
    for (what, compact, pretty, expected) in &cases {
        assert!(
            compact.contains(expected),
            "{what}: Debug should contain `{expected}`: {compact}"
        );
        assert!(
            pretty.contains("[redacted]") || *what == "ScramClient",
            "{what}: pretty Debug should redact: {pretty}"
        );
        for out in [compact, pretty] {
            for secret in [PW, AWS_SECRET, AWS_SESSION, "CANARY", token_value.as_str()] {
                assert!(!out.contains(secret), "{what}: Debug leaks a secret: {out}");
            }
            for line in &key_der_b64 {
                assert!(
                    !out.contains(line.as_str()),
                    "{what}: Debug leaks the key: {out}"
                );
            }
        }
    }
}
