//! Loading credentials and secrets: AWS's default credential chain, STS assume-role with a stable
//! session name, Secrets Manager, files and environment variables (feature `load`).
//!
//! This is the one part of the crate that does IO: it reads files, the environment and the clock,
//! and calls AWS (STS, Secrets Manager, and whatever the credential chain needs). Everything it
//! returns is a plain value for the pure core: [`AwsCredentials`] to sign MSK IAM tokens with, and
//! [`SecretString`]s to hand to [`inspect()`](crate::inspect) and friends.
//!
//! - [`AwsOptions`]: region, profile, role, session name, external id, endpoint override;
//! - [`load_credentials`] / [`AwsLoader::credentials`]: the aws-config default chain (environment,
//!   shared profile, web identity, ECS/EKS, EC2 instance metadata, SSO, credential_process), then
//!   `AssumeRole` when a role is given — always under a **stable** session name, so MSK
//!   re-authentication never sees a new principal;
//! - [`SecretSource`]: `file:PATH`, `env:VAR`, `sm:NAME` or a Secrets Manager ARN, fetched as a
//!   [`SecretString`].
//!
//! See `docs/credentials.md` for the precedence rules and why the session name matters.
//!
//! ```no_run
//! use mskgate_auth::load::{AwsOptions, SecretSource, load_credentials};
//!
//! # async fn demo() -> Result<(), mskgate_auth::load::LoadError> {
//! let aws = AwsOptions {
//!     region: Some("eu-west-1".into()),
//!     role_arn: Some("arn:aws:iam::123456789012:role/msk-consumer".into()),
//!     ..AwsOptions::default()
//! };
//! let credentials = load_credentials(&aws).await?;
//! println!("signing as {}", credentials.access_key_id());
//!
//! let source: SecretSource = "sm:AmazonMSK_orders".parse()?;
//! let secret = source.fetch(&aws).await?;
//! let verdict = mskgate_auth::inspect(
//!     secret.expose_secret(),
//!     &mskgate_auth::InspectOptions::at(time::OffsetDateTime::now_utc()),
//! );
//! # let _ = verdict;
//! # Ok(())
//! # }
//! ```

mod aws_error;
mod credentials;
mod options;
mod session_name;
mod source;

pub use crate::error::{BoxError, LoadError};
pub use credentials::{AwsLoader, load_credentials};
pub use options::AwsOptions;
pub use session_name::{default_session_name, validate_session_name};
pub use source::{MAX_SECRET_FILE_BYTES, SecretSource};

#[doc(no_inline)]
pub use crate::iam::AwsCredentials;
#[doc(no_inline)]
pub use crate::sensitive::SecretString;
