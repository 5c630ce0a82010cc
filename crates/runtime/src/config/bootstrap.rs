//! Bootstrap brokers of an MSK cluster (`EventSourceArn` without `bootstrap_servers`):
//! `kafka:GetBootstrapBrokers`, then the listener string for the auth mode, as Lambda picks it —
//! IAM → `BootstrapBrokerStringSaslIam`, SCRAM → `BootstrapBrokerStringSaslScram`, mTLS →
//! `BootstrapBrokerStringTls`. "If Lambda can't connect to the most secure broker type, Lambda
//! doesn't attempt to connect to a different (weaker) broker type" (msk-cluster-auth), so a
//! missing listener is an error, never a fallback.
//!
//! Also [`sdk_config`]: an aws-config `SdkConfig` whose credentials are the auth crate's
//! [`AwsLoader`] (cached, assumed role under the stable session name), for every AWS client the
//! runtime builds (Kafka, Lambda, SQS, SNS, S3).

use std::sync::Arc;

use aws_credential_types::Credentials;
use aws_credential_types::provider::{self, ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_kafka::error::{ProvideErrorMetadata, SdkError};
use aws_types::SdkConfig;
use aws_types::region::Region;
use mskgate_auth::load::AwsLoader;

use super::{AuthConfig, ConfigError};

/// The listener strings of `GetBootstrapBrokers` mskgate chooses from (private listeners, as
/// Lambda uses).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BootstrapBrokers {
    /// `BootstrapBrokerString` (plaintext, 9092).
    pub plaintext: Option<String>,
    /// `BootstrapBrokerStringTls` (TLS and mTLS, 9094).
    pub tls: Option<String>,
    /// `BootstrapBrokerStringSaslScram` (9096).
    pub sasl_scram: Option<String>,
    /// `BootstrapBrokerStringSaslIam` (9098).
    pub sasl_iam: Option<String>,
}

/// Picks the listener for `auth` and splits it into `host:port` entries.
pub fn select(
    cluster_arn: &str,
    auth: &AuthConfig,
    brokers: &BootstrapBrokers,
) -> Result<Vec<String>, ConfigError> {
    let (chosen, field, enable) = match auth {
        AuthConfig::Iam | AuthConfig::None => (
            &brokers.sasl_iam,
            "BootstrapBrokerStringSaslIam",
            "turn on IAM access control on the cluster, or add a SASL_SCRAM_512_AUTH or CLIENT_CERTIFICATE_TLS_AUTH entry to source.SourceAccessConfigurations",
        ),
        AuthConfig::Scram512 { .. } | AuthConfig::Scram256 { .. } | AuthConfig::Plain { .. } => (
            &brokers.sasl_scram,
            "BootstrapBrokerStringSaslScram",
            "turn on SASL/SCRAM on the cluster and associate the secret with it",
        ),
        AuthConfig::Mtls { .. } => (
            &brokers.tls,
            "BootstrapBrokerStringTls",
            "turn on TLS client authentication on the cluster",
        ),
    };
    let servers: Vec<String> = chosen
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if servers.is_empty() {
        return Err(ConfigError::Bootstrap {
            cluster_arn: cluster_arn.to_owned(),
            problem: format!(
                "the cluster has no {} listener ({field} is empty); like Lambda, mskgate does not fall back to a weaker listener",
                auth.name()
            ),
            help: format!("{enable}, or list the brokers in `bootstrap_servers`"),
        });
    }
    Ok(servers)
}

/// `kafka:GetBootstrapBrokers` for `cluster_arn` (in the ARN's region), then [`select`].
pub async fn resolve(
    sdk: &SdkConfig,
    cluster_arn: &str,
    auth: &AuthConfig,
) -> Result<Vec<String>, ConfigError> {
    let region = cluster_arn.split(':').nth(3).unwrap_or_default().to_owned();
    let client = aws_sdk_kafka::Client::from_conf(
        aws_sdk_kafka::config::Builder::from(sdk)
            .region(Region::new(region.clone()))
            .build(),
    );
    let out = client
        .get_bootstrap_brokers()
        .cluster_arn(cluster_arn)
        .send()
        .await
        .map_err(|e| ConfigError::Bootstrap {
            cluster_arn: cluster_arn.to_owned(),
            problem: format!("kafka:GetBootstrapBrokers in {region} failed: {}", sdk_message(&e)),
            help: "check the ARN and region, that the credentials allow kafka:GetBootstrapBrokers (AWSLambdaMSKExecutionRole has it), or list the brokers in `bootstrap_servers`".to_owned(),
        })?;
    let brokers = BootstrapBrokers {
        plaintext: out.bootstrap_broker_string().map(str::to_owned),
        tls: out.bootstrap_broker_string_tls().map(str::to_owned),
        sasl_scram: out.bootstrap_broker_string_sasl_scram().map(str::to_owned),
        sasl_iam: out.bootstrap_broker_string_sasl_iam().map(str::to_owned),
    };
    select(cluster_arn, auth, &brokers)
}

/// The message chain of an AWS SDK error (code and message, or the transport error), without
/// the raw response an `SdkError`'s `Debug` would print.
pub(crate) fn sdk_message<E, R>(err: &SdkError<E, R>) -> String
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    match err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            match (e.code(), e.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(code), None) => code.to_owned(),
                _ => e.to_string(),
            }
        }
        other => {
            let mut text = other.to_string();
            let mut source = std::error::Error::source(other);
            while let Some(s) = source {
                text.push_str(": ");
                text.push_str(&s.to_string());
                source = s.source();
            }
            text
        }
    }
}

/// An `SdkConfig` from `loader`'s settings (region, endpoint override) whose credentials come
/// from `loader` (cached; the configured role assumed under the stable session name).
pub fn sdk_config(loader: Arc<AwsLoader>) -> SdkConfig {
    let provider = SharedCredentialsProvider::new(LoaderCredentials(Arc::clone(&loader)));
    loader
        .sdk_config()
        .to_builder()
        .credentials_provider(provider)
        .build()
}

/// The auth crate's loader as an AWS SDK credentials provider.
#[derive(Debug)]
struct LoaderCredentials(Arc<AwsLoader>);

impl ProvideCredentials for LoaderCredentials {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(async move {
            let c = self
                .0
                .credentials()
                .await
                .map_err(provider::error::CredentialsError::provider_error)?;
            Ok(Credentials::new(
                c.access_key_id(),
                c.secret_access_key().expose_secret(),
                c.session_token().map(|t| t.expose_secret().to_owned()),
                c.expires_at().map(Into::into),
                "mskgate",
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SecretRef;
    use mskgate_auth::load::SecretSource;

    const ARN: &str = "arn:aws:kafka:us-east-1:123456789012:cluster/c/1";

    fn all() -> BootstrapBrokers {
        BootstrapBrokers {
            plaintext: Some("b-1:9092,b-2:9092".into()),
            tls: Some("b-1:9094,b-2:9094".into()),
            sasl_scram: Some("b-1:9096,b-2:9096".into()),
            sasl_iam: Some("b-1:9098, b-2:9098".into()),
        }
    }

    fn secret() -> SecretRef {
        SecretRef {
            uri: "arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_x".into(),
            source: SecretSource::Env("X".into()),
        }
    }

    #[test]
    fn picks_the_listener_of_the_auth_mode() {
        assert_eq!(
            select(ARN, &AuthConfig::Iam, &all()).expect("iam"),
            ["b-1:9098", "b-2:9098"]
        );
        assert_eq!(
            select(ARN, &AuthConfig::Scram512 { secret: secret() }, &all()).expect("scram"),
            ["b-1:9096", "b-2:9096"]
        );
        assert_eq!(
            select(ARN, &AuthConfig::Mtls { secret: secret() }, &all()).expect("mtls"),
            ["b-1:9094", "b-2:9094"]
        );
    }

    #[test]
    fn never_falls_back_to_a_weaker_listener() {
        let brokers = BootstrapBrokers {
            sasl_iam: None,
            ..all()
        };
        let err = select(ARN, &AuthConfig::Iam, &brokers).expect_err("no IAM listener");
        let text = err.to_string();
        assert!(text.contains("BootstrapBrokerStringSaslIam"), "{text}");
        assert!(text.contains("bootstrap_servers"), "{text}");
        let brokers = BootstrapBrokers {
            sasl_scram: Some(String::new()),
            ..all()
        };
        assert!(select(ARN, &AuthConfig::Scram512 { secret: secret() }, &brokers).is_err());
    }
}
