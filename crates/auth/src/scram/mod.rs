//! SCRAM-SHA-512 and SCRAM-SHA-256 (RFC 5802, RFC 7677): the client side, as a pure state machine.
//!
//! [`ScramClient`] makes and checks the SCRAM messages; it does no IO. The caller carries them
//! (for Kafka, inside `SaslAuthenticate` requests after a `SaslHandshake` naming
//! [`Mechanism::name`]). Besides computing the proof, the client checks what RFC 5802 asks of a
//! client and a few things it leaves to judgment:
//!
//! - the server nonce must start with the client nonce and be longer;
//! - the iteration count must lie within [`MIN_ITERATIONS`]..=[`MAX_ITERATIONS`];
//! - the salt must be non-empty base64; a mandatory extension (`m=`) is refused;
//! - `e=` ends the exchange with [`ScramError::Server`] carrying the server's reason;
//! - the server signature (`v=`) is compared in constant time;
//! - usernames are escaped (`,` → `=2C`, `=` → `=3D`).
//!
//! Usernames and passwords must be printable ASCII: SASLprep (RFC 4013) maps such text to itself,
//! so the client is exact for them; for anything else it would need SASLprep's tables, which
//! mskgate does not carry, so it refuses with [`ScramError::UnsupportedCharacters`]. (Kafka's own
//! SCRAM code does not apply SASLprep either.)
//!
//! The salted password, the keys, the proof and the expected server signature live in
//! [`Zeroizing`] buffers; `Debug` shows the mechanism, username and state only.
//!
//! The RFC 7677 §3 exchange:
//!
//! ```
//! use mskgate_auth::SecretString;
//! use mskgate_auth::scram::{Mechanism, ScramClient};
//!
//! let password = SecretString::from("pencil");
//! let mut client =
//!     ScramClient::with_nonce(Mechanism::ScramSha256, "user", &password, "rOprNGfwEbeRWgbNEkqO")?;
//! assert_eq!(client.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
//!
//! let client_final = client.handle_server_first(
//!     b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
//! )?;
//! assert_eq!(
//!     client_final,
//!     "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
//!      p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
//! );
//! client.handle_server_final(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")?;
//! # Ok::<(), mskgate_auth::ScramError>(())
//! ```

mod message;
mod proof;

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::ScramError;
use crate::sensitive::SecretString;

/// The fewest PBKDF2 iterations accepted from a server.
///
/// RFC 5802 §5.1 and RFC 7677 §4 ask servers for at least 4096; Kafka refuses to store SCRAM
/// credentials with fewer. A server that asks for fewer makes a captured exchange cheap to
/// brute-force, or is an impostor trying to.
pub const MIN_ITERATIONS: u32 = 4096;

/// The most PBKDF2 iterations computed for a server.
///
/// Kafka stores at most 16384. Ten million SHA-512 iterations already take seconds of CPU; a
/// server asking for more is broken or trying to stall the client.
pub const MAX_ITERATIONS: u32 = 10_000_000;

/// Random bytes in a nonce made by [`ScramClient::new`] (base64-encoded into 32 characters).
const NONCE_BYTES: usize = 24;

/// A SCRAM mechanism Kafka offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mechanism {
    /// `SCRAM-SHA-256` (RFC 7677).
    ScramSha256,
    /// `SCRAM-SHA-512`, the only SCRAM mechanism Amazon MSK offers.
    ScramSha512,
}

impl Mechanism {
    /// The SASL mechanism name, as sent in Kafka's `SaslHandshake`.
    pub fn name(self) -> &'static str {
        match self {
            Self::ScramSha256 => "SCRAM-SHA-256",
            Self::ScramSha512 => "SCRAM-SHA-512",
        }
    }

    /// The mechanism of a SASL name (`SCRAM-SHA-512`, case-insensitive), if it is one of these.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::ScramSha256, Self::ScramSha512]
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(name))
    }

    fn hash(self) -> Hash {
        match self {
            Self::ScramSha256 => Hash::Sha256,
            Self::ScramSha512 => Hash::Sha512,
        }
    }
}

/// The hash a client runs on. SHA-1 exists only so the RFC 5802 vector runs through the same code;
/// no public mechanism reaches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hash {
    #[cfg(test)]
    Sha1,
    Sha256,
    Sha512,
}

impl Hash {
    fn mechanism_name(self) -> &'static str {
        match self {
            #[cfg(test)]
            Self::Sha1 => "SCRAM-SHA-1",
            Self::Sha256 => Mechanism::ScramSha256.name(),
            Self::Sha512 => Mechanism::ScramSha512.name(),
        }
    }

    fn prove(
        self,
        password: &[u8],
        salt: &[u8],
        iterations: u32,
        auth_message: &[u8],
    ) -> proof::Proof {
        match self {
            #[cfg(test)]
            Self::Sha1 => proof::prove::<sha1::Sha1>(password, salt, iterations, auth_message),
            Self::Sha256 => proof::prove::<sha2::Sha256>(password, salt, iterations, auth_message),
            Self::Sha512 => proof::prove::<sha2::Sha512>(password, salt, iterations, auth_message),
        }
    }
}

enum State {
    /// Before the server-first message; the password is needed once more.
    Initial { password: SecretString },
    /// The client-final message went out; the server must prove it knows the password.
    AwaitingServerFinal {
        server_signature: Zeroizing<Vec<u8>>,
    },
    /// The server's signature verified.
    Authenticated,
    /// A step failed; the exchange cannot continue.
    Failed,
}

impl State {
    fn name(&self) -> &'static str {
        match self {
            Self::Initial { .. } => "initial",
            Self::AwaitingServerFinal { .. } => "awaiting server-final",
            Self::Authenticated => "authenticated",
            Self::Failed => "failed",
        }
    }
}

/// The client side of one SCRAM exchange: `client_first` → `handle_server_first` →
/// `handle_server_final`.
///
/// A client is good for one exchange; make a new one (and so a new nonce) for every attempt.
pub struct ScramClient {
    hash: Hash,
    username: String,
    client_nonce: String,
    state: State,
}

impl ScramClient {
    /// A client with a fresh random nonce (24 bytes from the operating system, base64-encoded).
    pub fn new(
        mechanism: Mechanism,
        username: &str,
        password: &SecretString,
    ) -> Result<Self, ScramError> {
        let mut random = Zeroizing::new([0u8; NONCE_BYTES]);
        getrandom::fill(random.as_mut_slice()).map_err(ScramError::Randomness)?;
        Self::build(
            mechanism.hash(),
            username,
            password,
            &BASE64.encode(random.as_slice()),
        )
    }

    /// A client with the given nonce, for test vectors and tests. Never use a fixed nonce against
    /// a real server: the nonce is what keeps an exchange from being replayed.
    pub fn with_nonce(
        mechanism: Mechanism,
        username: &str,
        password: &SecretString,
        nonce: &str,
    ) -> Result<Self, ScramError> {
        Self::build(mechanism.hash(), username, password, nonce)
    }

    fn build(
        hash: Hash,
        username: &str,
        password: &SecretString,
        nonce: &str,
    ) -> Result<Self, ScramError> {
        message::check_credential("username", username)?;
        message::check_credential("password", password.expose_secret())?;
        if !message::is_printable_nonce(nonce) {
            return Err(ScramError::InvalidNonce);
        }
        Ok(Self {
            hash,
            username: username.to_owned(),
            client_nonce: nonce.to_owned(),
            state: State::Initial {
                password: password.clone(),
            },
        })
    }

    /// The SASL mechanism name of this exchange.
    pub fn mechanism_name(&self) -> &'static str {
        self.hash.mechanism_name()
    }

    /// Whether the server has proven it knows the password ([`handle_server_final`] succeeded).
    ///
    /// [`handle_server_final`]: Self::handle_server_final
    pub fn is_authenticated(&self) -> bool {
        matches!(self.state, State::Authenticated)
    }

    /// The client-first message: `n,,n=<escaped username>,r=<nonce>` (no channel binding, no
    /// authorization identity).
    pub fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare())
    }

    fn client_first_bare(&self) -> String {
        format!(
            "n={},r={}",
            message::escape_username(&self.username),
            self.client_nonce
        )
    }

    /// Checks the server-first message and returns the client-final message
    /// (`c=biws,r=<nonce>,p=<proof>`).
    ///
    /// This runs PBKDF2 with the server's iteration count (at most [`MAX_ITERATIONS`]).
    pub fn handle_server_first(&mut self, msg: &[u8]) -> Result<String, ScramError> {
        // Whatever happens next, the password is not needed again.
        let password = match std::mem::replace(&mut self.state, State::Failed) {
            State::Initial { password } => password,
            other => {
                let why = match other {
                    State::AwaitingServerFinal { .. } => {
                        "the server-first message was already handled"
                    }
                    _ => "the exchange is over",
                };
                self.state = other;
                return Err(ScramError::OutOfOrder(why));
            }
        };
        let (client_final, server_signature) = self.prove(&password, msg)?;
        self.state = State::AwaitingServerFinal { server_signature };
        Ok(client_final)
    }

    fn prove(
        &self,
        password: &SecretString,
        msg: &[u8],
    ) -> Result<(String, Zeroizing<Vec<u8>>), ScramError> {
        let server_first = message::parse_server_first(msg)?;
        let nonce = server_first.nonce;
        if nonce.len() <= self.client_nonce.len() || !nonce.starts_with(&self.client_nonce) {
            return Err(ScramError::NonceMismatch);
        }
        if server_first.salt.is_empty() {
            return Err(ScramError::InvalidSalt("is empty"));
        }
        let iterations = match u32::try_from(server_first.iterations) {
            Ok(i) if i < MIN_ITERATIONS => {
                return Err(ScramError::TooFewIterations {
                    iterations: server_first.iterations,
                    minimum: MIN_ITERATIONS,
                });
            }
            Ok(i) if i <= MAX_ITERATIONS => i,
            _ => {
                return Err(ScramError::TooManyIterations {
                    iterations: server_first.iterations,
                    maximum: MAX_ITERATIONS,
                });
            }
        };

        // "biws" is base64("n,,"): no channel binding, no authorization identity.
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!(
            "{},{},{without_proof}",
            self.client_first_bare(),
            server_first.text,
        );
        let proof = self.hash.prove(
            password.expose_secret().as_bytes(),
            &server_first.salt,
            iterations,
            auth_message.as_bytes(),
        );
        let client_final = format!(
            "{without_proof},p={}",
            BASE64.encode(proof.client_proof.as_slice())
        );
        Ok((client_final, proof.server_signature))
    }

    /// Checks the server-final message: `v=` must carry the server signature the password gives
    /// (compared in constant time); `e=` becomes [`ScramError::Server`].
    pub fn handle_server_final(&mut self, msg: &[u8]) -> Result<(), ScramError> {
        let State::AwaitingServerFinal { server_signature } = &self.state else {
            return Err(ScramError::OutOfOrder(match self.state {
                State::Initial { .. } => "the server-final message came before the server-first",
                _ => "the exchange is over",
            }));
        };
        let result = match message::parse_server_final(msg) {
            Ok(message::ServerFinal::Verifier(v)) => {
                if bool::from(server_signature.as_slice().ct_eq(&v)) {
                    Ok(())
                } else {
                    Err(ScramError::ServerSignatureMismatch)
                }
            }
            Ok(message::ServerFinal::Error(reason)) => Err(ScramError::Server { reason }),
            Err(e) => Err(e),
        };
        self.state = match result {
            Ok(()) => State::Authenticated,
            Err(_) => State::Failed,
        };
        result
    }
}

impl fmt::Debug for ScramClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScramClient")
            .field("mechanism", &self.hash.mechanism_name())
            .field("username", &self.username)
            .field("state", &self.state.name())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
