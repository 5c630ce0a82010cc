//! Any bytes as a PEM certificate chain: reading and checking never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mskgate_auth::x509;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let now = time::OffsetDateTime::from_unix_timestamp(1_780_000_000).expect("valid instant");
    if let Ok(certs) = x509::certificates_from_pem(&text, "fuzz") {
        let _ = x509::check_client_chain(&certs, now, &[]);
        let _ = x509::check_client_chain(&certs, now, &certs);
        let _ = x509::check_ca_bundle(&certs, now);
    }
});
