//! The crate's error type. Messages name what was wrong and never carry a secret value.

use thiserror::Error;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Every error of `mskgate-auth`.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The secret could not be read as the kind asked for.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// A private key could not be decoded.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A certificate or chain is unusable.
    #[error(transparent)]
    Certificate(#[from] CertificateError),
    /// An MSK IAM token could not be generated.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// A TLS configuration could not be built.
    #[error("cannot build the TLS client configuration: {0}")]
    Tls(#[source] rustls::Error),
}

/// Problems reading a Secrets Manager secret.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretError {
    /// The secret is unusable; the findings say why.
    #[error("the secret is not usable: {summary}")]
    Unusable {
        /// The first error finding's message.
        summary: String,
    },
    /// The secret is of another kind than expected.
    #[error("expected a {expected} secret, found a {found} secret")]
    WrongKind {
        /// What the caller needed.
        expected: &'static str,
        /// What the secret is.
        found: &'static str,
    },
}

/// Problems decoding a private key.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// No PEM at all.
    #[error("the private key is not PEM text (no `-----BEGIN` line)")]
    NotPem,
    /// PEM framing broken.
    #[error("the private key PEM is malformed: {0}")]
    MalformedPem(String),
    /// PEM without a key block.
    #[error("no private key block found (blocks present: {})", .0.join(", "))]
    NoKeyBlock(Vec<String>),
    /// More than one key block.
    #[error("{0} private key blocks found; the secret takes exactly one")]
    SeveralKeys(usize),
    /// OpenSSL's traditional `Proc-Type: 4,ENCRYPTED` PEM.
    #[error("the `{label}` is OpenSSL's traditional encrypted PEM ({cipher}), not PKCS#8")]
    TraditionalEncrypted {
        /// The PEM label.
        label: String,
        /// The DEK-Info cipher name.
        cipher: String,
    },
    /// Encrypted key, no password.
    #[error("the private key is encrypted ({scheme}) but no password was given")]
    PasswordRequired {
        /// The encryption scheme.
        scheme: String,
    },
    /// Decryption failed.
    #[error("the password does not decrypt the private key ({scheme})")]
    WrongPassword {
        /// The encryption scheme.
        scheme: String,
    },
    /// An encryption scheme mskgate does not implement.
    #[error("the private key is encrypted with {0}, which mskgate does not support")]
    UnsupportedScheme(String),
    /// Key derivation parameters too costly to run.
    #[error("the private key's key-derivation parameters ({scheme}) are implausibly costly")]
    ExcessiveCost {
        /// The encryption scheme.
        scheme: String,
    },
    /// An algorithm mskgate does not use.
    #[error("the private key is {0}, which mskgate does not support")]
    UnsupportedAlgorithm(String),
    /// A DER structure is broken.
    #[error("cannot parse {0}")]
    Malformed(String),
}

/// Problems with certificates.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateError {
    /// No certificate in the text.
    #[error("no certificate found in {0}")]
    NoCertificate(String),
    /// A certificate that does not parse.
    #[error("certificate {index} in {place} does not parse as X.509")]
    Unparsable {
        /// Where the PEM came from.
        place: String,
        /// Position, from 1.
        index: usize,
    },
    /// PEM framing broken.
    #[error("the PEM in {place} is malformed: {why}")]
    MalformedPem {
        /// Where the PEM came from.
        place: String,
        /// What is wrong.
        why: String,
    },
}

/// Problems generating an MSK IAM OAUTHBEARER token.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The region is not an AWS region name.
    #[error(
        "`{region}` is not an AWS region name (expected lowercase letters, digits and dashes, like `us-east-1`)"
    )]
    InvalidRegion {
        /// The region as given (escaped and shortened for display).
        region: String,
    },
    /// The requested lifetime is outside what MSK accepts.
    #[error("a token lifetime of {seconds}s is outside 1..=900 seconds")]
    InvalidLifetime {
        /// The requested lifetime, in whole seconds.
        seconds: u64,
    },
    /// The access key id or the secret access key is empty.
    #[error("the {field} of the credentials is empty")]
    EmptyCredentials {
        /// `access key id` or `secret access key`.
        field: &'static str,
    },
    /// The credentials are expired (or expire within the second) at the signing time.
    #[error(
        "the credentials expire at {}, which leaves no time for a token signed at {}",
        rfc3339(*.expires_at),
        rfc3339(*.at)
    )]
    CredentialsExpired {
        /// When the credentials expire.
        expires_at: OffsetDateTime,
        /// The signing time asked for.
        at: OffsetDateTime,
    },
    /// The signing time cannot be written as SigV4's `X-Amz-Date` (years 0000–9999, after 1970).
    #[error("the signing time {} is outside the range SigV4 can express", rfc3339(*.at))]
    TimeOutOfRange {
        /// The signing time asked for.
        at: OffsetDateTime,
    },
    /// The SigV4 signer refused the request.
    #[error("SigV4 presigning failed")]
    Signing(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// An instant as RFC 3339 text for messages (never fails: falls back to `Debug`).
pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| format!("{at:?}"))
}
