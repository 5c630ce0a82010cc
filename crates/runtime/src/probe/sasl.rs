//! SASL mechanisms as the probe drives them: SCRAM through `mskgate_auth::scram`, OAUTHBEARER with
//! an MSK IAM token.

use mskgate_auth::SecretString;
use mskgate_auth::scram::{Mechanism, ScramClient};

/// Credentials for a SASL mode.
#[derive(Clone, Debug)]
pub enum SaslCredentials {
    /// SCRAM user and password; `sha512` picks SCRAM-SHA-512 over -256.
    Scram {
        /// SHA-512 (MSK) rather than SHA-256.
        sha512: bool,
        /// User name.
        username: String,
        /// Password.
        password: SecretString,
    },
    /// An OAUTHBEARER token (an MSK IAM token for port 9098).
    OAuthBearer {
        /// The token.
        token: SecretString,
        /// What the token is, for the report (e.g. its region and expiry; never the token).
        description: String,
    },
}

/// One SASL exchange from the client side.
pub trait SaslSession: Send {
    /// The mechanism name sent in SaslHandshake.
    fn mechanism(&self) -> &'static str;
    /// The client's first message.
    fn initial(&mut self) -> Result<Vec<u8>, String>;
    /// The next client message for a server message; `None` when the exchange is complete.
    fn step(&mut self, server: &[u8]) -> Result<Option<Vec<u8>>, String>;
    /// A one-line description of the successful exchange (no secret values).
    fn summary(&self) -> String;
}

impl SaslCredentials {
    /// A fresh session for these credentials.
    pub fn session(&self) -> Result<Box<dyn SaslSession>, String> {
        match self {
            Self::Scram {
                sha512,
                username,
                password,
            } => scram_session(*sha512, username, password),
            Self::OAuthBearer { token, description } => Ok(Box::new(OAuthBearer {
                token: token.clone(),
                description: description.clone(),
            })),
        }
    }
}

struct OAuthBearer {
    token: SecretString,
    description: String,
}

impl SaslSession for OAuthBearer {
    fn mechanism(&self) -> &'static str {
        "OAUTHBEARER"
    }

    fn initial(&mut self) -> Result<Vec<u8>, String> {
        // RFC 7628 initial client response: gs2 header, auth=Bearer <token>, two ^A terminators.
        Ok(format!("n,,\x01auth=Bearer {}\x01\x01", self.token.expose_secret()).into_bytes())
    }

    fn step(&mut self, server: &[u8]) -> Result<Option<Vec<u8>>, String> {
        if server.is_empty() {
            Ok(None)
        } else {
            // A non-empty challenge is the server's JSON error; RFC 7628 says answer with ^A.
            Err(format!(
                "the broker refused the token: {}",
                String::from_utf8_lossy(server)
                    .chars()
                    .take(200)
                    .collect::<String>()
            ))
        }
    }

    fn summary(&self) -> String {
        format!("OAUTHBEARER accepted ({})", self.description)
    }
}

fn scram_session(
    sha512: bool,
    username: &str,
    password: &SecretString,
) -> Result<Box<dyn SaslSession>, String> {
    let mechanism = if sha512 {
        Mechanism::ScramSha512
    } else {
        Mechanism::ScramSha256
    };
    let client = ScramClient::new(mechanism, username, password).map_err(|e| e.to_string())?;
    Ok(Box::new(Scram {
        client,
        username: username.to_owned(),
        round: 0,
    }))
}

struct Scram {
    client: ScramClient,
    username: String,
    round: u8,
}

impl SaslSession for Scram {
    fn mechanism(&self) -> &'static str {
        self.client.mechanism_name()
    }

    fn initial(&mut self) -> Result<Vec<u8>, String> {
        Ok(self.client.client_first().into_bytes())
    }

    fn step(&mut self, server: &[u8]) -> Result<Option<Vec<u8>>, String> {
        self.round += 1;
        match self.round {
            1 => self
                .client
                .handle_server_first(server)
                .map(|m| Some(m.into_bytes()))
                .map_err(|e| e.to_string()),
            _ => self
                .client
                .handle_server_final(server)
                .map(|()| None)
                .map_err(|e| e.to_string()),
        }
    }

    fn summary(&self) -> String {
        format!(
            "{} as `{}`: server signature verified",
            self.client.mechanism_name(),
            self.username
        )
    }
}
