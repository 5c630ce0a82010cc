//! AWS IAM for MSK: the SigV4 OAUTHBEARER token MSK's IAM listeners (9098/9198) accept — signed
//! from [`AwsCredentials`] and read back by [`verify_token`]. Pure: no IO, no clock, no
//! environment; the signing instant is an argument.
//!
//! The token is what AWS's official signers (`aws-msk-iam-sasl-signer-python`/`-go`/`-js`)
//! produce: a SigV4 query presign of
//! `GET https://kafka.<region>.<suffix>/?Action=kafka-cluster%3AConnect` (service
//! `kafka-cluster`, only `host` signed, the session token signed when present), then an unsigned
//! `User-Agent=mskgate%2F<version>` parameter, all base64url without padding. Beyond them:
//!
//! - the host follows the region's partition (`cn-*` → `amazonaws.com.cn`, `us-iso-*` →
//!   `c2s.ic.gov`, …; see [`Partition`]) instead of always `amazonaws.com`;
//! - the lifetime never outlives the credentials: `X-Amz-Expires` is shortened to the time they
//!   have left, and expired credentials are refused with both instants named;
//! - the region, lifetime and credentials are checked before signing, with plain errors.
//!
//! ```
//! use std::time::Duration;
//! use mskgate_auth::SecretString;
//! use mskgate_auth::iam::{AwsCredentials, TokenRequest, VerifyOptions, generate_token, verify_token};
//! use time::macros::datetime;
//!
//! let creds = AwsCredentials::new(
//!     "AKIAIOSFODNN7EXAMPLE",
//!     SecretString::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
//!     None,
//!     Some(datetime!(2024-01-01 0:10 UTC)),
//! );
//! let at = datetime!(2024-01-01 0:00 UTC);
//! let token = generate_token(&creds, &TokenRequest::new("cn-north-1", at))?;
//! assert_eq!(token.lifetime, Duration::from_secs(600)); // clamped to the credentials
//! assert_eq!(token.expires_at_ms, 1_704_067_800_000);
//!
//! let report = verify_token(
//!     token.token.expose_secret(),
//!     &VerifyOptions::at(at).with_region("cn-north-1").with_credentials(creds),
//! );
//! assert!(report.valid && report.signature_checked, "{:?}", report.problems);
//! # Ok::<(), mskgate_auth::TokenError>(())
//! ```

mod credentials;
mod partition;
mod token;
mod verify;

pub use credentials::AwsCredentials;
pub use partition::{Partition, signing_host};
pub use token::{
    ACTION, DEFAULT_USER_AGENT, MAX_LIFETIME, MskToken, SERVICE, TokenRequest, generate_token,
};
pub use verify::{TokenReport, VerifyOptions, verify_token};
