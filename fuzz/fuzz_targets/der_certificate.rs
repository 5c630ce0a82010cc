//! Any bytes as a DER certificate: parsing never panics, a parsed certificate keeps its bytes,
//! and every check that takes certificates (client chain alone, under the fixture RSA
//! intermediate and root, as its own trust anchor, as a CA bundle, matched against a key, and
//! through `inspect` as an mTLS secret) never panics either.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mskgate_auth::x509::{self, Certificate};
use mskgate_auth::{InspectOptions, Severity, inspect, pkcs8, tls};

const INTER: &str = include_str!("../../fixtures/pki/rsa/inter.pem");
const ROOT: &str = include_str!("../../fixtures/pki/rsa/root.pem");
const KEY: &str = include_str!("../../fixtures/keys/rsa-plain.pem");

struct Fixed {
    issuers: Vec<Certificate>,
    key: pkcs8::PrivateKey,
}

fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| {
        let mut issuers =
            x509::certificates_from_pem(INTER, "inter").expect("fixture intermediate");
        issuers.extend(x509::certificates_from_pem(ROOT, "root").expect("fixture root"));
        let key = pkcs8::decode_pem(KEY, None).expect("fixture key");
        Fixed { issuers, key }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(cert) = Certificate::from_der(data.to_vec()) else {
        return;
    };
    assert_eq!(cert.der(), data);
    assert_eq!(cert.info().sha256.len(), 64);
    let now = time::OffsetDateTime::from_unix_timestamp(1_780_000_000).expect("valid instant");
    let fixed = fixed();

    let alone = std::slice::from_ref(&cert);
    let _ = x509::check_client_chain(alone, now, &[]);
    let _ = x509::check_client_chain(alone, now, alone);
    let _ = x509::check_ca_bundle(alone, now);
    let mut chain = vec![cert.clone()];
    chain.extend(fixed.issuers.iter().cloned());
    let _ = x509::check_client_chain(&chain, now, &[]);
    let _ = x509::check_client_chain(&chain, now, &fixed.issuers[1..]);
    let _ = x509::check_ca_bundle(&chain, now);
    let _ = tls::key_matches_certificate(&fixed.key, &cert);
    let _ = tls::root_store(alone);

    // Through the whole secret path: this certificate as the client, with the fixture key.
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n{INTER}{ROOT}",
        base64(data)
    );
    let secret = format!(
        "{{\"certificate\": {}, \"privateKey\": {}}}",
        json_string(&pem),
        json_string(KEY)
    );
    let v = inspect(&secret, &InspectOptions::at(now));
    assert_eq!(
        v.usable,
        !v.findings.iter().any(|f| f.severity == Severity::Error)
    );
});

fn base64(der: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, chunk) in der.chunks(3).enumerate() {
        if i > 0 && i % 16 == 0 {
            out.push('\n');
        }
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            out.push(if k <= chunk.len() {
                A[((n >> (18 - 6 * k)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
