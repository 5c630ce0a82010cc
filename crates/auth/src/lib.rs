//! Credentials for Kafka on Amazon MSK and self-managed Kafka, as AWS Lambda's Kafka event source
//! mapping uses them.
//!
//! - [`secret`]: the Secrets Manager JSON shapes (SCRAM, BASIC, client certificate, root CA);
//! - [`x509`]: certificate chains, checked leaf → intermediates → root;
//! - [`pkcs8`]: private keys, plain or encrypted (PBES2, PBES1, PKCS#12 PBE), PKCS#1 and SEC1;
//! - [`inspect()`]: one verdict per secret — usable by mskgate, acceptable to Lambda, and why not;
//! - [`iam`]: AWS credentials and the MSK IAM OAUTHBEARER token: signed, and read back;
//! - [`scram`]: a SCRAM-SHA-512/256 client (RFC 5802) as a pure state machine;
//! - [`msk`]: MSK's client listeners and their ports (one table for the validator and `probe`);
//! - [`tls`]: a rustls `ClientConfig` and librdkafka's PEM strings from a usable secret;
//! - `load` (feature `load`, off by default): credentials from AWS's default chain and
//!   assume-role, secrets from Secrets Manager, files and the environment.
//!
//! Apart from `load`, the crate does no IO: it reads no files, sockets, environment or clock (the
//! one call out is the operating system's random generator, for a SCRAM client nonce). Callers
//! pass text and `now`. Secret values live in [`SecretString`]/[`SecretBytes`], which zeroize on drop and print
//! `[redacted]`.
//!
//! ```
//! use mskgate_auth::{inspect, InspectOptions, SecretKind};
//! use time::macros::datetime;
//!
//! let secret = r#"{"username": "alice", "password": "correct horse"}"#;
//! let verdict = inspect(secret, &InspectOptions::at(datetime!(2026-01-01 0:00 UTC)));
//! assert_eq!(verdict.kind, SecretKind::Scram);
//! assert!(verdict.usable && verdict.lambda_compatible);
//! ```
#![warn(missing_docs)]

mod error;
pub mod finding;
pub mod iam;
mod inspect;
#[cfg(feature = "load")]
pub mod load;
pub mod msk;
mod pem_text;
pub mod pkcs8;
pub mod scram;
pub mod secret;
mod sensitive;
pub mod tls;
pub mod x509;

#[cfg(feature = "load")]
pub use error::LoadError;
pub use error::{CertificateError, Error, KeyError, ScramError, SecretError, TokenError};
pub use finding::{Finding, Rule, Severity};
pub use inspect::{Credentials, InspectOptions, Inspection, KeyReport, inspect};
pub use secret::SecretKind;
pub use sensitive::{SecretBytes, SecretString};
