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
    /// A SCRAM exchange failed or could not start.
    #[error(transparent)]
    Scram(#[from] ScramError),
    /// An MSK IAM token could not be generated.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// A TLS configuration could not be built.
    #[error("cannot build the TLS client configuration: {0}")]
    Tls(#[source] rustls::Error),
    /// Credentials or a secret could not be loaded (feature `load`).
    #[cfg(feature = "load")]
    #[error(transparent)]
    Load(#[from] LoadError),
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

/// Problems in a SCRAM exchange (RFC 5802, RFC 7677).
///
/// Messages name the step and what was wrong; they never contain the password, the salted
/// password, keys, proofs or signatures. The server's `e=` token is shown as sent (it is checked to
/// be short printable ASCII first).
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScramError {
    /// The username or password is empty.
    #[error("the SCRAM {field} is empty")]
    EmptyCredential {
        /// `username` or `password`.
        field: &'static str,
    },
    /// The username or password contains a character outside printable ASCII.
    #[error(
        "the SCRAM {field} contains a character outside printable ASCII; \
         mskgate does not implement SASLprep, which such characters would need"
    )]
    UnsupportedCharacters {
        /// `username` or `password`.
        field: &'static str,
    },
    /// A client nonce given to `with_nonce` is unusable.
    #[error("the client nonce must be non-empty printable ASCII without commas")]
    InvalidNonce,
    /// The operating system gave no randomness for the client nonce.
    #[error("cannot draw a random SCRAM client nonce from the operating system")]
    Randomness(#[source] getrandom::Error),
    /// A step was called in the wrong state (twice, too early, after a failure).
    #[error("out-of-order SCRAM step: {0}")]
    OutOfOrder(&'static str),
    /// A server message does not follow RFC 5802's grammar.
    #[error("malformed SCRAM {message} message: {detail}")]
    Malformed {
        /// `server-first` or `server-final`.
        message: &'static str,
        /// What is wrong.
        detail: &'static str,
    },
    /// The server-first message starts with a mandatory extension (`m=`).
    #[error("the server requires a SCRAM extension (m=) that mskgate does not support")]
    MandatoryExtension,
    /// The server nonce is not the client nonce followed by more characters.
    #[error(
        "the server nonce does not extend the client nonce (it must start with it and be longer)"
    )]
    NonceMismatch,
    /// The salt is not base64 or is empty.
    #[error("the SCRAM salt {0}")]
    InvalidSalt(&'static str),
    /// The server asks for fewer PBKDF2 iterations than [`crate::scram::MIN_ITERATIONS`].
    #[error(
        "the server asks for {iterations} PBKDF2 iterations, fewer than the minimum of {minimum}"
    )]
    TooFewIterations {
        /// The count the server sent.
        iterations: u64,
        /// The minimum accepted.
        minimum: u32,
    },
    /// The server asks for more PBKDF2 iterations than [`crate::scram::MAX_ITERATIONS`].
    #[error(
        "the server asks for {iterations} PBKDF2 iterations, more than the maximum of {maximum} \
         mskgate computes"
    )]
    TooManyIterations {
        /// The count the server sent.
        iterations: u64,
        /// The maximum accepted.
        maximum: u32,
    },
    /// The server ended the exchange with an error (`e=`).
    #[error("the server rejected the SCRAM authentication: {reason}")]
    Server {
        /// The server's token, such as `invalid-proof`, `unknown-user` or `other-error`.
        reason: String,
    },
    /// The server's signature (`v=`) is not the one the password gives.
    #[error(
        "the server signature does not verify: the server does not know the password, or the \
         exchange was altered"
    )]
    ServerSignatureMismatch,
}

/// The cause of a [`LoadError`]: an AWS SDK error reduced to its message chain (never a response
/// body), or an IO error.
#[cfg(feature = "load")]
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Problems loading AWS credentials or a secret (feature `load`).
///
/// Messages say what was being loaded and what to do; they name secrets (name, ARN, file,
/// variable) but never carry a secret value. AWS SDK causes are kept as their message chain only.
#[cfg(feature = "load")]
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LoadError {
    /// A secret source string that is not `file:PATH`, `env:VAR`, `sm:NAME` or a Secrets Manager
    /// ARN.
    #[error("invalid secret source{}: {reason}", scheme.as_ref().map(|s| format!(" `{s}:…`")).unwrap_or_default())]
    InvalidSource {
        /// The scheme before the first `:`, when it looks like one (the rest is never echoed).
        scheme: Option<String>,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// An [`AwsOptions`](crate::load::AwsOptions) value AWS would reject.
    #[error("invalid {option}: {reason}")]
    InvalidOption {
        /// The option (`session name`, `role ARN`, `region`…).
        option: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A secret file could not be read.
    #[error("cannot read the secret file {path}")]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// A secret file larger than any secret.
    #[error("the secret file {path} is larger than {limit} bytes; is it the right file?")]
    FileTooLarge {
        /// The file.
        path: std::path::PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// A secret environment variable that is not set.
    #[error("the environment variable {var} is not set")]
    EnvNotSet {
        /// The variable.
        var: String,
    },
    /// A secret that is not UTF-8 text.
    #[error("the secret from {source_name} is not UTF-8 text")]
    NotText {
        /// Where it came from (`file:…`, `env:…`).
        source_name: String,
    },
    /// A secret that is empty.
    #[error("the secret from {source_name} is empty")]
    EmptySecret {
        /// Where it came from.
        source_name: String,
    },
    /// No credential source in the default chain had credentials.
    #[error(
        "no AWS credentials found; tried: environment variables (AWS_ACCESS_KEY_ID), the shared \
         config and credentials files ({}), web identity (AWS_WEB_IDENTITY_TOKEN_FILE + \
         AWS_ROLE_ARN), ECS/EKS container credentials, SSO, credential_process and EC2 instance \
         metadata; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pick a profile with --profile \
         or AWS_PROFILE, or run where a role is attached",
        profile.as_deref().map_or_else(|| "default profile".to_owned(), |p| format!("profile `{p}`"))
    )]
    NoCredentials {
        /// The profile that was looked at, when one was named.
        profile: Option<String>,
        /// What the chain reported.
        #[source]
        source: BoxError,
    },
    /// A credential source was found but failed (bad profile, SSO login needed, process failed…).
    #[error("cannot load AWS credentials from {provider}")]
    CredentialsProvider {
        /// The source that failed.
        provider: String,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// The credentials are past their expiry.
    #[error(
        "the AWS credentials have expired{}; refresh them (new session, `aws sso login`, new keys) \
         and retry",
        expired_at.map(|t| format!(" (at {t})")).unwrap_or_default()
    )]
    CredentialsExpired {
        /// When they expired, when known.
        expired_at: Option<time::OffsetDateTime>,
    },
    /// AWS did not recognise the credentials.
    #[error(
        "the AWS credentials were rejected by {service} ({code}); check that the access key is \
         active and that the secret key and session token belong to it"
    )]
    CredentialsRejected {
        /// The service that said so.
        service: &'static str,
        /// The AWS error code.
        code: String,
    },
    /// STS refused to let the caller assume the role.
    #[error(
        "access denied assuming {role_arn}; the role's trust policy must allow this principal \
         (and require this external id, if one is set), and the principal needs sts:AssumeRole \
         on the role"
    )]
    AssumeRoleDenied {
        /// The role.
        role_arn: String,
        /// AWS's message.
        #[source]
        source: BoxError,
    },
    /// Assuming a role failed for another reason.
    #[error("cannot assume {role_arn}{}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    AssumeRole {
        /// The role.
        role_arn: String,
        /// The AWS error code, when AWS answered.
        code: Option<String>,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// The web identity token file named by `AWS_WEB_IDENTITY_TOKEN_FILE` could not be read.
    #[error("cannot read the web identity token file {path} (AWS_WEB_IDENTITY_TOKEN_FILE)")]
    WebIdentityToken {
        /// The file.
        path: std::path::PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// No region to call a regional service in.
    #[error(
        "no AWS region for {service}; pass --region, set AWS_REGION, set `region` in the profile, \
         or name the secret by its ARN"
    )]
    NoRegion {
        /// The service.
        service: &'static str,
    },
    /// A service could not be reached (network, DNS, timeout, endpoint override).
    #[error(
        "cannot reach AWS {service}; check network access to its endpoint (NAT or VPC endpoint) \
         and any endpoint override (AWS_ENDPOINT_URL, --endpoint-url)"
    )]
    Unreachable {
        /// The service.
        service: &'static str,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// The secret does not exist (in this region and account).
    #[error(
        "secret {secret_id} not found in Secrets Manager ({region}); check the name or ARN, the \
         region and the account"
    )]
    SecretNotFound {
        /// The name or ARN asked for.
        secret_id: String,
        /// The region asked in.
        region: String,
    },
    /// The principal may not read the secret.
    #[error(
        "access denied reading secret {secret_id}; the principal needs \
         secretsmanager:GetSecretValue on it (and kms:Decrypt on its KMS key)"
    )]
    SecretAccessDenied {
        /// The name or ARN.
        secret_id: String,
        /// AWS's message.
        #[source]
        source: BoxError,
    },
    /// Secrets Manager cannot decrypt the secret with its KMS key.
    #[error("cannot decrypt secret {secret_id}; the principal needs kms:Decrypt on its KMS key")]
    SecretDecryption {
        /// The name or ARN.
        secret_id: String,
    },
    /// The secret holds binary data; mskgate (like Lambda) reads `SecretString`.
    #[error(
        "secret {secret_id} holds a binary value (SecretBinary); mskgate reads text secrets \
         (SecretString) only: store the JSON as the secret string"
    )]
    SecretBinary {
        /// The name or ARN.
        secret_id: String,
    },
    /// The secret has no value at all.
    #[error("secret {secret_id} has no value (no SecretString in its current version)")]
    SecretNoValue {
        /// The name or ARN.
        secret_id: String,
    },
    /// Another Secrets Manager failure.
    #[error("cannot read secret {secret_id}{}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    SecretsManager {
        /// The name or ARN.
        secret_id: String,
        /// The AWS error code, when AWS answered.
        code: Option<String>,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// Another STS failure (GetCallerIdentity).
    #[error("the STS call {operation} failed{}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Sts {
        /// The operation.
        operation: &'static str,
        /// The AWS error code, when AWS answered.
        code: Option<String>,
        /// Why.
        #[source]
        source: BoxError,
    },
}

/// An instant as RFC 3339 text for messages (never fails: falls back to `Debug`).
pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| format!("{at:?}"))
}
