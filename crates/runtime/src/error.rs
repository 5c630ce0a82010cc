//! The crate's one error type: each variant wraps the error of one domain.

/// Everything that can go wrong in the runtime, by domain. Messages name the file, field, topic,
/// partition or offsets involved — never a secret value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The runtime configuration is unreadable or invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A handler could not be invoked or failed.
    #[error(transparent)]
    Invoke(#[from] crate::invoke::InvokeError),
    /// An on-failure destination could not be written.
    #[cfg(feature = "kafka")]
    #[error(transparent)]
    Destination(#[from] crate::destination::DestinationError),
    /// A `FilterCriteria` pattern is invalid.
    #[error(transparent)]
    Filter(#[from] crate::filter::FilterError),
    /// librdkafka refused the client configuration or a consumer operation.
    #[cfg(feature = "kafka")]
    #[error("the kafka client refused the configuration or failed")]
    Kafka(#[source] rdkafka::error::KafkaError),
    /// A secret or AWS credentials could not be loaded.
    #[error(transparent)]
    Load(#[from] mskgate_auth::LoadError),
    /// A secret was loaded but cannot be used (its findings say why; no value is quoted).
    #[error("the secret {uri} cannot be used: {problems} (check it with `mskgate secret inspect`)")]
    UnusableSecret {
        /// The `SourceAccessConfigurations` URI of the secret.
        uri: String,
        /// The error findings, by code.
        problems: String,
    },
    /// MSK IAM needs a Region and none is known.
    #[error(
        "no AWS Region for the MSK IAM token: set aws.region or use an MSK cluster ARN as EventSourceArn"
    )]
    NoRegion,
    /// `tls.ca_file` could not be read.
    #[error("could not read tls.ca_file {}", path.display())]
    CaFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The metrics endpoint could not be bound.
    #[error("could not bind the metrics endpoint {addr}")]
    Metrics {
        /// The address that could not be bound.
        addr: std::net::SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}
