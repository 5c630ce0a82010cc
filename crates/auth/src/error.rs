//! The crate's error type. Messages name what was wrong and never carry a secret value.

use thiserror::Error;

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
