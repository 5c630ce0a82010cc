//! AWS credentials as the pure core sees them: values, not providers.

use std::fmt;

use time::OffsetDateTime;

use crate::sensitive::SecretString;

/// An access key pair, an optional session token and when they expire.
///
/// Loading them (environment, profiles, web identity, ECS, IMDS, assume-role) is the job of the
/// `load` module; the core only signs with them.
#[derive(Clone, PartialEq, Eq)]
pub struct AwsCredentials {
    access_key_id: String,
    secret_access_key: SecretString,
    session_token: Option<SecretString>,
    expires_at: Option<OffsetDateTime>,
}

impl AwsCredentials {
    /// Credentials from their parts.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: SecretString,
        session_token: Option<SecretString>,
        expires_at: Option<OffsetDateTime>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key,
            session_token,
            expires_at,
        }
    }

    /// The access key id (not secret; shown in tokens and reports).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &SecretString {
        &self.secret_access_key
    }

    /// The session token of temporary credentials.
    pub fn session_token(&self) -> Option<&SecretString> {
        self.session_token.as_ref()
    }

    /// When temporary credentials stop working.
    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        self.expires_at
    }
}

impl fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("session_token", &self.session_token)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_key_id_but_not_the_secrets() {
        let c = AwsCredentials::new(
            "AKIDEXAMPLE",
            SecretString::from("secret-CANARY"),
            Some(SecretString::from("token-CANARY")),
            None,
        );
        let d = format!("{c:?}");
        assert!(d.contains("AKIDEXAMPLE"));
        assert!(!d.contains("CANARY"), "{d}");
    }
}
