//! Integration tests of `mskgate-auth` over the openssl-made fixtures in `fixtures/`, and of its
//! `load` module against the moto AWS emulator (the crate's dev-dependency on itself turns
//! `load` on for its tests, so `cargo test --workspace` runs them).

mod canary;
mod iam;
mod keys;
#[cfg(feature = "load")]
mod load;
mod props;
mod scram;
mod secrets;
mod tls;

use std::path::PathBuf;

use time::OffsetDateTime;
use time::macros::datetime;

/// The instant fixtures are judged at: inside every normal validity window (2025–2045).
pub(crate) const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

pub(crate) fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

pub(crate) fn read(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

pub(crate) fn read_bytes(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

/// The password of every encrypted fixture key (see fixtures/README.md).
pub(crate) const KEY_PASSWORD: &str = "fixture-pw-CANARY-7Qx";
/// The SCRAM password of the SCRAM fixtures.
pub(crate) const SCRAM_PASSWORD: &str = "scram-pw-CANARY-3Jd";
