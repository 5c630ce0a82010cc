//! Processing states with AWS Lambda's `LastProcessingResult` titles, so that what mskgate reports
//! is what users already search for.

use serde::Serialize;

/// The state of a connection or a consumer, named as Lambda names it where Lambda has a title.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "&'static str")]
#[non_exhaustive]
pub enum ProcessingState {
    /// Everything works.
    Ok,
    /// SCRAM user/password rejected, or (IAM) `kafka-cluster:Connect` missing.
    SaslAuthenticationFailed,
    /// Authenticated, but ACLs or IAM policies refuse metadata, group or topic access.
    ClusterFailedToAuthorize,
    /// mTLS: the brokers refused the client certificate (or none was sent).
    ServerFailedToAuthenticate,
    /// The certificate or private key could not be used at all.
    InvalidCertificateOrKey,
    /// The broker could not be reached.
    ConnectionError,
    /// The TLS handshake failed (server certificate not trusted, protocol mismatch).
    TlsHandshakeFailed,
    /// The broker does not speak Kafka as expected on this port (wrong listener).
    ProtocolError,
    /// The brokers' certificate could not be verified (runtime: librdkafka's `certificate verify
    /// failed`).
    FailedToAuthenticateServer,
    /// The mapping has not processed a batch yet (Lambda's first `LastProcessingResult`).
    NoRecordsProcessed,
    /// The handler keeps failing a batch (a partition is stalled while retries go on).
    FunctionCallFailed,
}

impl ProcessingState {
    /// The title (Lambda's wording where Lambda has one).
    pub fn title(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::SaslAuthenticationFailed => "SASL authentication failed",
            Self::ClusterFailedToAuthorize => "Cluster failed to authorize Lambda",
            Self::ServerFailedToAuthenticate => "Server failed to authenticate Lambda",
            Self::InvalidCertificateOrKey => "Provided certificate or private key is invalid",
            Self::ConnectionError => "Connection error",
            Self::TlsHandshakeFailed => "TLS handshake failed",
            Self::ProtocolError => "Kafka protocol error",
            Self::FailedToAuthenticateServer => "Lambda failed to authenticate server",
            Self::NoRecordsProcessed => "No records processed",
            Self::FunctionCallFailed => "PROBLEM: Function call failed",
        }
    }

    /// Every state, for metrics that publish one gauge per state.
    pub const ALL: [ProcessingState; 11] = [
        Self::Ok,
        Self::SaslAuthenticationFailed,
        Self::ClusterFailedToAuthorize,
        Self::ServerFailedToAuthenticate,
        Self::InvalidCertificateOrKey,
        Self::ConnectionError,
        Self::TlsHandshakeFailed,
        Self::ProtocolError,
        Self::FailedToAuthenticateServer,
        Self::NoRecordsProcessed,
        Self::FunctionCallFailed,
    ];

    /// A stable machine-readable name (`snake_case`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::SaslAuthenticationFailed => "sasl_authentication_failed",
            Self::ClusterFailedToAuthorize => "cluster_failed_to_authorize",
            Self::ServerFailedToAuthenticate => "server_failed_to_authenticate",
            Self::InvalidCertificateOrKey => "invalid_certificate_or_key",
            Self::ConnectionError => "connection_error",
            Self::TlsHandshakeFailed => "tls_handshake_failed",
            Self::ProtocolError => "protocol_error",
            Self::FailedToAuthenticateServer => "failed_to_authenticate_server",
            Self::NoRecordsProcessed => "no_records_processed",
            Self::FunctionCallFailed => "function_call_failed",
        }
    }

    /// Whether the state is a failure to connect or authenticate (the consumer retries with
    /// backoff, and re-reads its credentials, while it holds).
    pub fn is_connection_failure(self) -> bool {
        !matches!(
            self,
            Self::Ok | Self::NoRecordsProcessed | Self::FunctionCallFailed
        )
    }

    /// The likely causes, from AWS's documentation of each title.
    pub fn likely_causes(self) -> &'static [&'static str] {
        match self {
            Self::Ok => &[],
            Self::SaslAuthenticationFailed => &[
                "SASL/SCRAM: the user name or password in the secret is not valid (for MSK, check the secret is associated with the cluster)",
                "IAM: the execution role lacks kafka-cluster:Connect on the cluster ARN",
                "the cluster rejects connections beyond its TCP connection quota (intermittent; retried)",
            ],
            Self::ClusterFailedToAuthorize => &[
                "SASL/SCRAM or mTLS: the user lacks the ACLs DescribeConfigs Cluster, Describe/Read Group, Describe/Read Topic",
                "IAM: the role lacks permissions on the group or topic (the group name must match the ConsumerGroupId or the mapping UUID)",
                "new permissions can take several minutes to take effect",
            ],
            Self::ServerFailedToAuthenticate => &[
                "no client certificate was provided for mTLS authentication",
                "a client certificate was provided but the brokers are not configured for mTLS",
                "the client certificate is not trusted by the brokers (its CA is not in the cluster's trust store)",
            ],
            Self::InvalidCertificateOrKey => &[
                "the certificate or key is not PEM, or the key is not PKCS#8",
                "the private key is encrypted with PBES2 (Lambda accepts PBES1 only) or the password is wrong",
                "the key does not belong to the client certificate",
            ],
            Self::ConnectionError => &[
                "wrong host or port, or the broker is down",
                "security groups or network ACLs block the broker port from this network",
                "DNS does not resolve the broker name from here",
            ],
            Self::TlsHandshakeFailed => &[
                "the brokers' certificate is not signed by a trusted CA (self-managed Kafka: provide SERVER_ROOT_CA_CERTIFICATE / --ca)",
                "the port is a plaintext listener (9092) but TLS was used",
                "the broker's certificate does not name the host used to connect",
            ],
            Self::ProtocolError => &[
                "the port is not a Kafka listener, or a TLS listener was reached without TLS",
                "the listener expects another authentication mechanism than the one used",
            ],
            Self::FailedToAuthenticateServer => &[
                "the brokers' certificate is not signed by a trusted CA (self-managed Kafka: provide SERVER_ROOT_CA_CERTIFICATE or tls.ca_file)",
                "the broker's certificate does not name the host used to connect",
            ],
            Self::NoRecordsProcessed => &[],
            Self::FunctionCallFailed => &[
                "the handler exits non-zero, answers an error status, raises, or times out for this batch",
                "with MaximumRetryAttempts -1 and no on-failure destination the partition waits until the handler succeeds",
            ],
        }
    }
}

impl From<ProcessingState> for &'static str {
    fn from(s: ProcessingState) -> Self {
        s.title()
    }
}
