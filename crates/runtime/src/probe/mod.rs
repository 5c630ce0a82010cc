//! `mskgate probe`: connect to each broker and run each step separately — TCP connect, TLS
//! handshake, Kafka ApiVersions, SASL handshake and authentication, Metadata — reporting per
//! broker and per step, with failures named by Lambda's `LastProcessingResult` titles.

mod sasl;
mod wire;

use std::sync::Arc;
use std::time::{Duration, Instant};

use kafka_protocol::ResponseError;
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, MetadataRequest, MetadataResponse,
    SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest, SaslHandshakeResponse,
};
use kafka_protocol::protocol::StrBytes;
use rustls_pki_types::ServerName;
use serde::Serialize;
use tokio::net::TcpStream;

pub use sasl::{SaslCredentials, SaslSession};

use mskgate_auth::msk::{Listener, Network};

use crate::state::ProcessingState;
use wire::{Connection, WireError};

/// The authentication mode being probed, as `--auth` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// No TLS, no SASL (MSK port 9092).
    None,
    /// TLS, no client authentication (9094/9194).
    Tls,
    /// TLS with a client certificate (9094/9194).
    Mtls,
    /// SASL/SCRAM-SHA-512 (9096/9196).
    #[serde(rename = "scram-512")]
    Scram512,
    /// SASL/SCRAM-SHA-256 (self-managed Kafka only).
    #[serde(rename = "scram-256")]
    Scram256,
    /// SASL/OAUTHBEARER with an MSK IAM token (9098/9198).
    Iam,
}

impl AuthMode {
    /// The MSK listener of this mode (`mskgate_auth::msk`, the one port table).
    pub fn msk_listener(self) -> Listener {
        match self {
            Self::None => Listener::Plaintext,
            Self::Tls | Self::Mtls => Listener::Tls,
            Self::Scram512 | Self::Scram256 => Listener::SaslScram,
            Self::Iam => Listener::SaslIam,
        }
    }

    /// The MSK ports this mode is served on (private, public).
    pub fn msk_ports(self) -> &'static [u16] {
        self.msk_listener().ipv4_ports()
    }

    /// How MSK's documentation names the listener of this mode.
    pub fn listener_name(self) -> &'static str {
        match self {
            Self::None => "plaintext",
            Self::Tls => "TLS",
            Self::Mtls => "mTLS",
            Self::Scram512 | Self::Scram256 => "SASL/SCRAM",
            Self::Iam => "IAM",
        }
    }

    fn port_meaning(port: u16) -> Option<&'static str> {
        mskgate_auth::msk::listener_of(port)
            .filter(|(_, network)| *network != Network::Ipv6)
            .map(|(listener, _)| listener.name())
    }
}

/// What to probe and with what.
#[derive(Clone, Debug)]
pub struct ProbeConfig {
    /// `host:port` of each broker.
    pub brokers: Vec<String>,
    /// The mode, for port checks and reporting.
    pub auth: AuthMode,
    /// TLS client configuration; `None` means plaintext.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// SASL credentials, for the SASL modes.
    pub sasl: Option<SaslCredentials>,
    /// Deadline of each step.
    pub step_timeout: Duration,
}

/// One step of a probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// TCP connect.
    Tcp,
    /// TLS handshake.
    Tls,
    /// Kafka ApiVersions.
    ApiVersions,
    /// Kafka SaslHandshake.
    SaslHandshake,
    /// Kafka SaslAuthenticate (all rounds).
    SaslAuthenticate,
    /// Kafka Metadata.
    Metadata,
}

/// The outcome of one step.
#[derive(Clone, Debug, Serialize)]
pub struct StepReport {
    /// Which step.
    pub step: Step,
    /// Whether it succeeded.
    pub ok: bool,
    /// How long it took, in milliseconds.
    pub ms: u64,
    /// What happened (never a secret value).
    pub detail: String,
}

/// Everything learned about one broker.
#[derive(Clone, Debug, Serialize)]
pub struct BrokerReport {
    /// `host:port` as given.
    pub broker: String,
    /// Every step passed.
    pub ok: bool,
    /// The processing state (Lambda's title).
    pub state: ProcessingState,
    /// Likely causes of a failure.
    pub likely_causes: Vec<&'static str>,
    /// Port and configuration warnings.
    pub warnings: Vec<String>,
    /// The steps run, in order, up to the first failure.
    pub steps: Vec<StepReport>,
}

/// The result for all brokers.
#[derive(Clone, Debug, Serialize)]
pub struct ProbeReport {
    /// Every broker passed.
    pub ok: bool,
    /// The mode probed.
    pub auth: AuthMode,
    /// One report per broker, in the order given.
    pub brokers: Vec<BrokerReport>,
}

/// Probes every broker (one after another, each step bounded by `step_timeout`).
pub async fn probe(config: &ProbeConfig) -> ProbeReport {
    let mut brokers = Vec::new();
    for b in &config.brokers {
        brokers.push(probe_one(config, b).await);
    }
    ProbeReport {
        ok: brokers.iter().all(|b| b.ok),
        auth: config.auth,
        brokers,
    }
}

struct Run {
    steps: Vec<StepReport>,
    started: Instant,
}

impl Run {
    fn begin(&mut self) {
        self.started = Instant::now();
    }
    fn pass(&mut self, step: Step, detail: impl Into<String>) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.steps.push(StepReport {
            step,
            ok: true,
            ms,
            detail: detail.into(),
        });
    }
    fn fail(&mut self, step: Step, detail: impl Into<String>) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.steps.push(StepReport {
            step,
            ok: false,
            ms,
            detail: detail.into(),
        });
    }
}

fn port_warnings(config: &ProbeConfig, broker: &str) -> Vec<String> {
    let mut w = Vec::new();
    let Some(port) = broker
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok())
    else {
        return w;
    };
    if !config.auth.msk_ports().contains(&port) {
        let mode = config.auth.listener_name();
        let expected = config
            .auth
            .msk_ports()
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(" or ");
        w.push(match AuthMode::port_meaning(port) {
            Some(meaning) => format!(
                "port {port} is MSK's {meaning} listener, but the probe uses {mode} (MSK serves {mode} on {expected})"
            ),
            None => format!("port {port} is not an MSK port; MSK serves {mode} on {expected}"),
        });
    }
    if config.tls.is_none()
        && matches!(
            config.auth,
            AuthMode::Scram512 | AuthMode::Scram256 | AuthMode::Iam
        )
    {
        w.push("SASL credentials are sent without TLS (plaintext was explicitly allowed); never do this outside a test network".into());
    }
    w
}

async fn probe_one(config: &ProbeConfig, broker: &str) -> BrokerReport {
    let mut run = Run {
        steps: Vec::new(),
        started: Instant::now(),
    };
    let warnings = port_warnings(config, broker);
    let state = match run_steps(config, broker, &mut run).await {
        Ok(()) => ProcessingState::Ok,
        Err(state) => state,
    };
    BrokerReport {
        broker: broker.to_owned(),
        ok: state == ProcessingState::Ok,
        state,
        likely_causes: state.likely_causes().to_vec(),
        warnings,
        steps: run.steps,
    }
}

async fn timed<T>(limit: Duration, fut: impl Future<Output = T>) -> Option<T> {
    tokio::time::timeout(limit, fut).await.ok()
}

/// A TLS alert from the server means it rejected us; which alert says why.
fn tls_failure_state(err: &std::io::Error, mode: AuthMode) -> Option<ProcessingState> {
    let inner = err.get_ref()?.downcast_ref::<rustls::Error>()?;
    Some(match inner {
        rustls::Error::InvalidCertificate(_) => ProcessingState::TlsHandshakeFailed,
        rustls::Error::AlertReceived(_) if mode == AuthMode::Mtls => {
            ProcessingState::ServerFailedToAuthenticate
        }
        rustls::Error::AlertReceived(
            rustls::AlertDescription::CertificateRequired
            | rustls::AlertDescription::BadCertificate
            | rustls::AlertDescription::UnknownCA
            | rustls::AlertDescription::HandshakeFailure,
        ) => ProcessingState::ServerFailedToAuthenticate,
        _ => ProcessingState::TlsHandshakeFailed,
    })
}

fn wire_failure(e: &WireError, mode: AuthMode, tls: bool) -> ProcessingState {
    match e {
        WireError::Io(io) => {
            use std::io::ErrorKind::{
                BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof,
            };
            let closed = matches!(
                io.kind(),
                BrokenPipe | ConnectionAborted | ConnectionReset | UnexpectedEof
            );
            tls_failure_state(io, mode).unwrap_or(if tls && closed {
                // Under TLS 1.3 a server that rejects (or misses) the client certificate closes
                // the connection only after the handshake completed on our side; the alert saying
                // so may be lost when our write hits the closed socket first.
                ProcessingState::ServerFailedToAuthenticate
            } else {
                ProcessingState::ProtocolError
            })
        }
        WireError::Protocol(_) => ProcessingState::ProtocolError,
    }
}

async fn run_steps(
    config: &ProbeConfig,
    broker: &str,
    run: &mut Run,
) -> Result<(), ProcessingState> {
    let limit = config.step_timeout;
    let host = broker
        .rsplit_once(':')
        .map_or(broker, |(h, _)| h)
        .trim_start_matches('[')
        .trim_end_matches(']');

    run.begin();
    let tcp = match timed(limit, TcpStream::connect(broker)).await {
        Some(Ok(s)) => s,
        Some(Err(e)) => {
            run.fail(Step::Tcp, format!("cannot connect to {broker}: {e}"));
            return Err(ProcessingState::ConnectionError);
        }
        None => {
            run.fail(
                Step::Tcp,
                format!("no answer from {broker} within {} ms", limit.as_millis()),
            );
            return Err(ProcessingState::ConnectionError);
        }
    };
    let _ = tcp.set_nodelay(true);
    run.pass(
        Step::Tcp,
        format!(
            "connected to {}",
            tcp.peer_addr()
                .map_or_else(|_| broker.to_owned(), |a| a.to_string())
        ),
    );

    let stream: Box<dyn wire::Stream> = match &config.tls {
        None => Box::new(tcp),
        Some(tls) => {
            run.begin();
            let Ok(name) = ServerName::try_from(host.to_owned()) else {
                run.fail(
                    Step::Tls,
                    format!("`{host}` is not a valid DNS name or IP address for TLS"),
                );
                return Err(ProcessingState::TlsHandshakeFailed);
            };
            let connector = tokio_rustls::TlsConnector::from(Arc::clone(tls));
            match timed(limit, connector.connect(name, tcp)).await {
                Some(Ok(s)) => {
                    let (_, conn) = s.get_ref();
                    let version = conn
                        .protocol_version()
                        .map_or_else(|| "TLS".into(), |v| format!("{v:?}"));
                    let client_cert = if config.auth == AuthMode::Mtls {
                        ", client certificate offered"
                    } else {
                        ""
                    };
                    run.pass(Step::Tls, format!("{version} handshake completed, server certificate verified{client_cert}"));
                    Box::new(s)
                }
                Some(Err(e)) => {
                    let state = tls_failure_state(&e, config.auth)
                        .unwrap_or(ProcessingState::TlsHandshakeFailed);
                    run.fail(
                        Step::Tls,
                        format!("TLS handshake with {broker} failed: {e}"),
                    );
                    return Err(state);
                }
                None => {
                    run.fail(Step::Tls, format!("TLS handshake did not finish within {} ms (is {broker} a plaintext port?)", limit.as_millis()));
                    return Err(ProcessingState::TlsHandshakeFailed);
                }
            }
        }
    };
    let mut conn = Connection::new(stream, "mskgate-probe");
    let tls = config.tls.is_some();

    run.begin();
    let req = ApiVersionsRequest::default()
        .with_client_software_name(StrBytes::from_static_str("mskgate"))
        .with_client_software_version(StrBytes::from_static_str(env!("CARGO_PKG_VERSION")));
    let versions = match timed(
        limit,
        conn.send::<_, ApiVersionsResponse>(ApiKey::ApiVersions, &req, 3),
    )
    .await
    {
        Some(Ok(r)) if r.error_code == 0 => r,
        Some(Ok(r)) => {
            run.fail(
                Step::ApiVersions,
                format!(
                    "the broker answered ApiVersions with error {}",
                    describe_error(r.error_code)
                ),
            );
            return Err(ProcessingState::ProtocolError);
        }
        Some(Err(e)) => {
            let state = wire_failure(&e, config.auth, tls);
            run.fail(Step::ApiVersions, format!("ApiVersions failed: {e}"));
            return Err(state);
        }
        None => {
            run.fail(
                Step::ApiVersions,
                format!("no ApiVersions answer within {} ms", limit.as_millis()),
            );
            return Err(ProcessingState::ProtocolError);
        }
    };
    let max_version = |key: ApiKey| {
        versions
            .api_keys
            .iter()
            .find(|k| k.api_key == key as i16)
            .map(|k| k.max_version)
    };
    run.pass(
        Step::ApiVersions,
        format!("broker supports {} APIs", versions.api_keys.len()),
    );

    if let Some(creds) = &config.sasl {
        let mut session = creds.session().map_err(|why| {
            run.begin();
            run.fail(Step::SaslHandshake, why);
            ProcessingState::SaslAuthenticationFailed
        })?;
        run.begin();
        let hs = SaslHandshakeRequest::default()
            .with_mechanism(StrBytes::from_string(session.mechanism().to_owned()));
        match timed(
            limit,
            conn.send::<_, SaslHandshakeResponse>(ApiKey::SaslHandshake, &hs, 1),
        )
        .await
        {
            Some(Ok(r)) if r.error_code == 0 => {
                run.pass(
                    Step::SaslHandshake,
                    format!("{} accepted", session.mechanism()),
                );
            }
            Some(Ok(r)) => {
                let offered: Vec<&str> = r.mechanisms.iter().map(|m| m.as_str()).collect();
                run.fail(
                    Step::SaslHandshake,
                    format!(
                        "the broker does not enable {} (it offers: {})",
                        session.mechanism(),
                        offered.join(", ")
                    ),
                );
                return Err(ProcessingState::SaslAuthenticationFailed);
            }
            Some(Err(e)) => {
                let state = wire_failure(&e, config.auth, tls);
                run.fail(Step::SaslHandshake, format!("SaslHandshake failed: {e}"));
                return Err(state);
            }
            None => {
                run.fail(
                    Step::SaslHandshake,
                    "no SaslHandshake answer in time".to_owned(),
                );
                return Err(ProcessingState::ProtocolError);
            }
        }

        run.begin();
        let version = max_version(ApiKey::SaslAuthenticate)
            .unwrap_or(0)
            .clamp(0, 2);
        let mut outgoing = match session.initial() {
            Ok(bytes) => bytes,
            Err(why) => {
                run.fail(Step::SaslAuthenticate, why);
                return Err(ProcessingState::SaslAuthenticationFailed);
            }
        };
        let mut rounds = 0;
        loop {
            rounds += 1;
            let req = SaslAuthenticateRequest::default().with_auth_bytes(outgoing.into());
            let resp = match timed(
                limit,
                conn.send::<_, SaslAuthenticateResponse>(ApiKey::SaslAuthenticate, &req, version),
            )
            .await
            {
                Some(Ok(r)) => r,
                Some(Err(e)) => {
                    run.fail(
                        Step::SaslAuthenticate,
                        format!("the broker dropped the connection during authentication: {e}"),
                    );
                    return Err(ProcessingState::SaslAuthenticationFailed);
                }
                None => {
                    run.fail(
                        Step::SaslAuthenticate,
                        "no SaslAuthenticate answer in time".to_owned(),
                    );
                    return Err(ProcessingState::SaslAuthenticationFailed);
                }
            };
            if resp.error_code != 0 {
                let msg = resp
                    .error_message
                    .as_ref()
                    .map(|m| m.as_str().to_owned())
                    .unwrap_or_default();
                run.fail(
                    Step::SaslAuthenticate,
                    format!(
                        "{} rejected: {} {msg}",
                        session.mechanism(),
                        describe_error(resp.error_code)
                    )
                    .trim_end()
                    .to_owned(),
                );
                return Err(ProcessingState::SaslAuthenticationFailed);
            }
            match session.step(&resp.auth_bytes) {
                Ok(Some(next)) if rounds < 8 => outgoing = next,
                Ok(Some(_)) => {
                    run.fail(
                        Step::SaslAuthenticate,
                        "the exchange did not finish after 8 rounds".to_owned(),
                    );
                    return Err(ProcessingState::SaslAuthenticationFailed);
                }
                Ok(None) => break,
                Err(why) => {
                    run.fail(Step::SaslAuthenticate, why);
                    return Err(ProcessingState::SaslAuthenticationFailed);
                }
            }
        }
        run.pass(Step::SaslAuthenticate, session.summary());
    }

    run.begin();
    let version = max_version(ApiKey::Metadata).unwrap_or(0).clamp(1, 12);
    let req = MetadataRequest::default()
        .with_topics(None)
        .with_allow_auto_topic_creation(false);
    match timed(
        limit,
        conn.send::<_, MetadataResponse>(ApiKey::Metadata, &req, version),
    )
    .await
    {
        Some(Ok(r)) => {
            let denied: Vec<String> = r
                .topics
                .iter()
                .filter(|t| {
                    matches!(
                        ResponseError::try_from_code(t.error_code),
                        Some(
                            ResponseError::TopicAuthorizationFailed
                                | ResponseError::ClusterAuthorizationFailed
                        )
                    )
                })
                .map(|t| {
                    t.name
                        .as_ref()
                        .map_or_else(|| "?".to_owned(), |n| n.as_str().to_owned())
                })
                .collect();
            if !denied.is_empty() {
                run.fail(
                    Step::Metadata,
                    format!("metadata refused for topic(s): {}", denied.join(", ")),
                );
                return Err(ProcessingState::ClusterFailedToAuthorize);
            }
            let advertised: Vec<String> = r
                .brokers
                .iter()
                .map(|b| format!("{}:{}", b.host.as_str(), b.port))
                .collect();
            run.pass(
                Step::Metadata,
                format!(
                    "{} broker(s) advertised ({}), {} topic(s) visible",
                    advertised.len(),
                    advertised.join(", "),
                    r.topics.len()
                ),
            );
            Ok(())
        }
        Some(Err(e)) => {
            let state = match &e {
                WireError::Io(_) if config.sasl.is_some() => {
                    ProcessingState::ClusterFailedToAuthorize
                }
                _ => wire_failure(&e, config.auth, tls),
            };
            run.fail(Step::Metadata, format!("Metadata failed: {e}"));
            Err(state)
        }
        None => {
            run.fail(Step::Metadata, "no Metadata answer in time".to_owned());
            Err(ProcessingState::ProtocolError)
        }
    }
}

fn describe_error(code: i16) -> String {
    match ResponseError::try_from_code(code) {
        Some(e) => format!("{e:?} ({code})"),
        None => format!("code {code}"),
    }
}
