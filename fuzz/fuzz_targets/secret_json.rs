//! Any bytes as a Secrets Manager SecretString: inspection never panics and stays consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mskgate_auth::{InspectOptions, Severity, inspect};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let now = time::OffsetDateTime::from_unix_timestamp(1_780_000_000).expect("valid instant");
    let v = inspect(&text, &InspectOptions::at(now));
    assert_eq!(
        v.usable,
        !v.findings.iter().any(|f| f.severity == Severity::Error)
    );
});
