//! Any bytes as the DER inside a key PEM block (every label), with a password: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mskgate_auth::{SecretString, pkcs8};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the label; the rest is the DER body.
    let Some((&selector, der)) = data.split_first() else {
        return;
    };
    let label = [
        "ENCRYPTED PRIVATE KEY",
        "PRIVATE KEY",
        "RSA PRIVATE KEY",
        "EC PRIVATE KEY",
    ][usize::from(selector) % 4];
    let body = base64_lines(der);
    let text = format!("-----BEGIN {label}-----\n{body}-----END {label}-----\n");
    let _ = pkcs8::decode_pem(&text, Some(&SecretString::from("fuzz-password")));
    let _ = pkcs8::encryption_of(der);
});

fn base64_lines(der: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, chunk) in der.chunks(3).enumerate() {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(A[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
        if i % 16 == 15 {
            out.push('\n');
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}
