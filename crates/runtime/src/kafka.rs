//! librdkafka client settings from resolved credentials: the one place where security properties
//! (and with them every credential) are put into an rdkafka `ClientConfig`.
//!
//! Lambda's choices are kept: SASL (SCRAM, PLAIN, IAM) only over TLS unless the configuration
//! opts in loudly, server certificates always verified (`enable.ssl.certificate.verification`
//! and hostname checks stay on), mTLS keys handed over decrypted as PEM strings in memory — never
//! through a file.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use mskgate_auth::SecretString;
use mskgate_auth::iam::AwsCredentials;
use mskgate_auth::tls::ClientIdentity;
use rdkafka::ClientConfig;

/// How the client authenticates, with the credentials already loaded and checked.
#[derive(Clone)]
pub enum KafkaAuth {
    /// No client authentication (PLAINTEXT, or TLS without a client certificate).
    None,
    /// mTLS: the client certificate chain and its decrypted key.
    Mtls(ClientIdentity),
    /// SASL/SCRAM with `SCRAM-SHA-512` (`sha512 = true`) or `SCRAM-SHA-256`.
    Scram {
        /// SCRAM-SHA-512 when true, SCRAM-SHA-256 otherwise.
        sha512: bool,
        /// The user name.
        username: String,
        /// The password.
        password: SecretString,
    },
    /// SASL/PLAIN (`BASIC_AUTH`, self-managed Kafka only).
    Plain {
        /// The user name.
        username: String,
        /// The password.
        password: SecretString,
    },
    /// MSK IAM: OAUTHBEARER with tokens signed by `mskgate_auth::iam` in the client context.
    Iam(IamTokenSource),
}

impl fmt::Debug for KafkaAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.mechanism())
    }
}

impl KafkaAuth {
    /// A short name of the mechanism, for logs and status.
    pub fn mechanism(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Mtls(_) => "mtls",
            Self::Scram { sha512: true, .. } => "SCRAM-SHA-512",
            Self::Scram { sha512: false, .. } => "SCRAM-SHA-256",
            Self::Plain { .. } => "PLAIN",
            Self::Iam(_) => "IAM (OAUTHBEARER)",
        }
    }

    fn is_sasl(&self) -> bool {
        matches!(self, Self::Scram { .. } | Self::Plain { .. } | Self::Iam(_))
    }
}

/// Where the IAM OAUTHBEARER callback takes its credentials from: the latest credentials a
/// background refresh put here, and the cluster's Region. librdkafka calls the token callback on
/// its own schedule (at about 80 % of the token lifetime); signing is pure and fast, so the
/// callback never blocks on the network.
#[derive(Clone)]
pub struct IamTokenSource {
    region: String,
    lifetime: std::time::Duration,
    credentials: Arc<RwLock<Option<AwsCredentials>>>,
}

impl fmt::Debug for IamTokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IamTokenSource")
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl IamTokenSource {
    /// A token source for `region`, starting with `credentials`.
    pub fn new(region: impl Into<String>, credentials: Option<AwsCredentials>) -> Self {
        Self {
            region: region.into(),
            lifetime: std::time::Duration::from_secs(900),
            credentials: Arc::new(RwLock::new(credentials)),
        }
    }

    /// The same source signing tokens that live `lifetime` (1–900 s; the official signers use
    /// 900). librdkafka asks for a new token at about 80 % of it.
    #[must_use]
    pub fn with_lifetime(mut self, lifetime: std::time::Duration) -> Self {
        self.lifetime = lifetime.clamp(
            std::time::Duration::from_secs(1),
            std::time::Duration::from_secs(900),
        );
        self
    }

    /// The lifetime of the tokens it signs (shortened further to the credentials' expiry).
    pub fn lifetime(&self) -> std::time::Duration {
        self.lifetime
    }

    /// The Region tokens are signed for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Replaces the credentials (after a refresh).
    pub fn set_credentials(&self, credentials: AwsCredentials) {
        if let Ok(mut slot) = self.credentials.write() {
            *slot = Some(credentials);
        }
    }

    /// The current credentials, if any.
    pub fn credentials(&self) -> Option<AwsCredentials> {
        self.credentials.read().ok().and_then(|c| c.clone())
    }
}

/// Everything librdkafka needs to reach and authenticate to the brokers.
#[derive(Clone, Debug)]
pub struct KafkaSettings {
    /// `host:port` of each bootstrap broker.
    pub bootstrap_servers: Vec<String>,
    /// Client authentication.
    pub auth: KafkaAuth,
    /// Whether the connection uses TLS (`SSL` / `SASL_SSL`).
    pub tls: bool,
    /// Extra CA certificates (PEM) to verify the brokers with, from `SERVER_ROOT_CA_CERTIFICATE` or
    /// the runtime's `tls.ca_file`; `None` = the system's trust store.
    pub ca_pem: Option<String>,
    /// Tuning properties from the configuration's `kafka` section (already checked to carry no
    /// security or credential property).
    pub tuning: BTreeMap<String, String>,
}

impl KafkaSettings {
    /// `security.protocol` for these settings.
    pub fn security_protocol(&self) -> &'static str {
        match (self.auth.is_sasl(), self.tls) {
            (false, false) => "PLAINTEXT",
            (false, true) => "SSL",
            (true, true) => "SASL_SSL",
            (true, false) => "SASL_PLAINTEXT",
        }
    }

    /// The client configuration shared by the consumer and the `kafka://` destination producer.
    /// Every security and credential property is set here and nowhere else; nothing logs it.
    pub fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        for (key, value) in &self.tuning {
            config.set(key, value);
        }
        config.set("bootstrap.servers", self.bootstrap_servers.join(","));
        config.set("security.protocol", self.security_protocol());
        if self.tls {
            config.set("enable.ssl.certificate.verification", "true");
            config.set("ssl.endpoint.identification.algorithm", "https");
            if let Some(ca) = &self.ca_pem {
                config.set("ssl.ca.pem", ca);
            }
        }
        match &self.auth {
            KafkaAuth::None => {}
            KafkaAuth::Mtls(identity) => {
                let pem = identity.librdkafka_pem();
                config.set("ssl.certificate.pem", pem.certificate_pem);
                config.set("ssl.key.pem", pem.key_pem.expose_secret());
            }
            KafkaAuth::Scram {
                sha512,
                username,
                password,
            } => {
                let mechanism = if *sha512 {
                    "SCRAM-SHA-512"
                } else {
                    "SCRAM-SHA-256"
                };
                config.set("sasl.mechanism", mechanism);
                config.set("sasl.username", username);
                config.set("sasl.password", password.expose_secret());
            }
            KafkaAuth::Plain { username, password } => {
                config.set("sasl.mechanism", "PLAIN");
                config.set("sasl.username", username);
                config.set("sasl.password", password.expose_secret());
            }
            KafkaAuth::Iam(_) => {
                config.set("sasl.mechanism", "OAUTHBEARER");
            }
        }
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(auth: KafkaAuth, tls: bool) -> KafkaSettings {
        KafkaSettings {
            bootstrap_servers: vec!["b-1:9096".into(), "b-2:9096".into()],
            auth,
            tls,
            ca_pem: None,
            tuning: BTreeMap::from([("session.timeout.ms".to_owned(), "10000".to_owned())]),
        }
    }

    #[test]
    fn scram_over_tls_sets_sasl_ssl_and_verification() {
        let s = settings(
            KafkaAuth::Scram {
                sha512: true,
                username: "alice".into(),
                password: SecretString::from("canary-password-1".to_owned()),
            },
            true,
        );
        let c = s.client_config();
        assert_eq!(c.get("security.protocol"), Some("SASL_SSL"));
        assert_eq!(c.get("sasl.mechanism"), Some("SCRAM-SHA-512"));
        assert_eq!(c.get("enable.ssl.certificate.verification"), Some("true"));
        assert_eq!(c.get("bootstrap.servers"), Some("b-1:9096,b-2:9096"));
        assert_eq!(c.get("session.timeout.ms"), Some("10000"));
        assert!(!format!("{s:?}").contains("canary-password-1"));
    }

    #[test]
    fn protocol_follows_auth_and_tls() {
        assert_eq!(
            settings(KafkaAuth::None, false).security_protocol(),
            "PLAINTEXT"
        );
        assert_eq!(settings(KafkaAuth::None, true).security_protocol(), "SSL");
        let iam = KafkaAuth::Iam(IamTokenSource::new("eu-west-1", None));
        assert_eq!(settings(iam.clone(), true).security_protocol(), "SASL_SSL");
        assert_eq!(
            settings(iam, true).client_config().get("sasl.mechanism"),
            Some("OAUTHBEARER")
        );
    }
}
