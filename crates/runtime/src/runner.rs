//! From a [`RuntimeConfig`] to a running consumer: secrets and credentials loaded through the
//! auth crate, client settings, handler, destination, metrics endpoint and the [`Engine`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use mskgate_auth::load::{AwsLoader, SecretSource};
use mskgate_auth::{Credentials, InspectOptions, SecretKind};
use time::OffsetDateTime;

use crate::batch::BatchPolicy;
use crate::config::{
    AuthConfig, EventSource as ConfigSource, HandlerKind, RuntimeConfig, SecretRef,
};
use crate::destination::MappingInfo;
use crate::engine::{Engine, EngineOptions, RunSummary, SettingsSource};
use crate::error::Error;
use crate::event::{EventEncoder, EventSource, MAX_PAYLOAD_BYTES};
use crate::filter::FilterCriteria;
use crate::invoke::Handler;
use crate::kafka::{IamTokenSource, KafkaAuth, KafkaSettings};
use crate::metrics::{Metrics, Status};
use crate::retry::RetryPolicy;

/// Knobs of a run that are not part of the configuration file.
#[derive(Default)]
pub struct RunOptions {
    /// Stop after this long with nothing to do (the README's demo, tests).
    pub stop_when_idle: Option<Duration>,
    /// Use this handler instead of the configured one (library users, benchmarks).
    pub handler: Option<Arc<dyn Handler>>,
    /// Called once with the bound metrics address (useful with port 0).
    pub on_metrics_bound: Option<Box<dyn FnOnce(std::net::SocketAddr) + Send>>,
    /// The status to report into (tests read it); a fresh one when `None`.
    pub status: Option<Arc<Status>>,
    /// How long an authentication failure lasts before credentials are reloaded (default 30 s).
    pub reconnect_after: Option<Duration>,
    /// Records buffered before the engine stops taking more (default `max(10 × BatchSize,
    /// 20000)`; see [`crate::engine`] for when a partition is paused).
    pub buffer_limit: Option<usize>,
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("stop_when_idle", &self.stop_when_idle)
            .field("handler", &self.handler.is_some())
            .finish_non_exhaustive()
    }
}

/// The Region of an ARN (`arn:aws:kafka:eu-west-1:…` → `eu-west-1`).
fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// Loads the client settings from the configuration: bootstrap brokers, secrets, credentials.
struct ConfigSettings {
    config: RuntimeConfig,
    aws: tokio::sync::OnceCell<Arc<AwsLoader>>,
    iam: tokio::sync::OnceCell<IamTokenSource>,
}

impl ConfigSettings {
    async fn aws(&self) -> Result<&Arc<AwsLoader>, Error> {
        self.aws
            .get_or_try_init(|| async {
                let mut options = self.config.aws_options();
                if options.region.is_none() {
                    options.region = self
                        .config
                        .source
                        .event_source_arn()
                        .and_then(arn_region)
                        .map(str::to_owned);
                }
                AwsLoader::new(&options)
                    .await
                    .map(Arc::new)
                    .map_err(Error::Load)
            })
            .await
    }

    async fn secret(&self, secret: &SecretRef, kind: SecretKind) -> Result<Credentials, Error> {
        let text = match &secret.source {
            SecretSource::SecretsManager(_) => {
                let aws = self.aws().await?;
                secret.source.fetch_with(aws).await.map_err(Error::Load)?
            }
            other => other
                .fetch(&self.config.aws_options())
                .await
                .map_err(Error::Load)?,
        };
        let mut options = InspectOptions::at(OffsetDateTime::now_utc());
        options.kind = Some(kind);
        let verdict = mskgate_auth::inspect(text.expose_secret(), &options);
        let problems: Vec<String> = verdict
            .findings
            .iter()
            .filter(|f| f.severity == mskgate_auth::Severity::Error)
            .map(|f| format!("{} {}", f.code.code, f.message))
            .collect();
        for f in verdict
            .findings
            .iter()
            .filter(|f| f.severity != mskgate_auth::Severity::Error)
        {
            tracing::warn!(secret = %secret.uri, code = f.code.code, "{}", f.message);
        }
        verdict
            .into_credentials()
            .ok_or_else(|| Error::UnusableSecret {
                uri: secret.uri.clone(),
                problems: problems.join("; "),
            })
    }

    async fn iam_source(&self) -> Result<IamTokenSource, Error> {
        let aws = self.aws().await?;
        let region = self
            .config
            .source
            .event_source_arn()
            .and_then(arn_region)
            .map(str::to_owned)
            .or_else(|| aws.region().map(str::to_owned))
            .ok_or(Error::NoRegion)?;
        let credentials = aws.credentials().await.map_err(Error::Load)?;
        let source = self
            .iam
            .get_or_init(|| async {
                IamTokenSource::new(region, None).with_lifetime(self.config.iam_token_lifetime)
            })
            .await
            .clone();
        source.set_credentials(credentials);
        Ok(source)
    }

    async fn build(&self) -> Result<KafkaSettings, Error> {
        let c = &self.config;
        let bootstrap_servers = match &c.source.event_source {
            ConfigSource::SelfManaged { bootstrap_servers } => bootstrap_servers.clone(),
            ConfigSource::Msk {
                bootstrap_servers: Some(b),
                ..
            } => b.clone(),
            ConfigSource::Msk { arn, .. } => {
                let sdk = crate::config::bootstrap::sdk_config(Arc::clone(self.aws().await?));
                crate::config::bootstrap::resolve(&sdk, arn, &c.source.auth).await?
            }
        };
        let auth = match &c.source.auth {
            AuthConfig::None => KafkaAuth::None,
            AuthConfig::Iam => KafkaAuth::Iam(self.iam_source().await?),
            AuthConfig::Scram512 { secret }
            | AuthConfig::Scram256 { secret }
            | AuthConfig::Plain { secret } => {
                let kind = if matches!(c.source.auth, AuthConfig::Plain { .. }) {
                    SecretKind::Basic
                } else {
                    SecretKind::Scram
                };
                match self.secret(secret, kind).await? {
                    Credentials::UserPassword { username, password } => match c.source.auth {
                        AuthConfig::Plain { .. } => KafkaAuth::Plain { username, password },
                        AuthConfig::Scram512 { .. } => KafkaAuth::Scram {
                            sha512: true,
                            username,
                            password,
                        },
                        _ => KafkaAuth::Scram {
                            sha512: false,
                            username,
                            password,
                        },
                    },
                    _ => {
                        return Err(Error::UnusableSecret {
                            uri: secret.uri.clone(),
                            problems: "expected {\"username\",\"password\"}".into(),
                        });
                    }
                }
            }
            AuthConfig::Mtls { secret } => match self.secret(secret, SecretKind::Mtls).await? {
                Credentials::ClientCertificate(identity) => KafkaAuth::Mtls(identity),
                _ => {
                    return Err(Error::UnusableSecret {
                        uri: secret.uri.clone(),
                        problems: "expected {\"certificate\",\"privateKey\"}".into(),
                    });
                }
            },
        };
        let mut ca_pem = String::new();
        if let Some(root) = &c.source.root_ca {
            match self.secret(root, SecretKind::RootCa).await? {
                Credentials::RootCa(certs) => {
                    for cert in certs {
                        ca_pem.push_str(&pem_block(cert.der()));
                    }
                }
                _ => {
                    return Err(Error::UnusableSecret {
                        uri: root.uri.clone(),
                        problems: "expected {\"certificate\"}".into(),
                    });
                }
            }
        }
        if let Some(path) = &c.tls.ca_file {
            let text = tokio::fs::read_to_string(path)
                .await
                .map_err(|source| Error::CaFile {
                    path: path.clone(),
                    source,
                })?;
            ca_pem.push_str(&text);
            if !ca_pem.ends_with('\n') {
                ca_pem.push('\n');
            }
        }
        Ok(KafkaSettings {
            bootstrap_servers,
            auth,
            tls: c.tls.enabled,
            ca_pem: (!ca_pem.is_empty()).then_some(ca_pem),
            tuning: c.kafka.clone(),
        })
    }
}

fn pem_block(der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new("CERTIFICATE", der.to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

impl SettingsSource for ConfigSettings {
    fn load(&self) -> Pin<Box<dyn Future<Output = Result<KafkaSettings, Error>> + Send + '_>> {
        Box::pin(self.build())
    }
}

/// Runs the consumer described by `config` until `shutdown` resolves (SIGTERM/SIGINT in the CLI).
///
/// # Errors
/// What retrying cannot fix: the metrics address cannot be bound, the handler or destination
/// cannot be built, librdkafka refuses the configuration.
pub async fn run(
    config: RuntimeConfig,
    options: RunOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<RunSummary, Error> {
    for note in &config.notes {
        tracing::info!("{note}");
    }
    if config.tls.allow_plaintext_sasl && config.source.auth.is_sasl() && !config.tls.enabled {
        tracing::warn!(
            mechanism = config.source.auth.name(),
            "tls.allow_plaintext_sasl: SASL credentials and every record cross the network WITHOUT TLS (Lambda never does this); use it only on a trusted test network"
        );
    }
    let status = options.status.clone().unwrap_or_else(|| {
        Arc::new(Status::new(
            config.group_id().to_owned(),
            config.source.topics.clone(),
            Arc::new(Metrics::new()),
        ))
    });
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut metrics_task = None;
    if let Some(addr) = config.metrics_listen {
        let mut rx = stop_rx.clone();
        let (bound, task) = crate::metrics::serve(addr, Arc::clone(&status), async move {
            let _ = rx.wait_for(|s| *s).await;
        })
        .await
        .map_err(|source| Error::Metrics { addr, source })?;
        tracing::info!(address = %bound, "serving /metrics, /health and /status");
        if let Some(cb) = options.on_metrics_bound {
            cb(bound);
        }
        metrics_task = Some(task);
    }

    let settings = Arc::new(ConfigSettings {
        config: config.clone(),
        aws: tokio::sync::OnceCell::new(),
        iam: tokio::sync::OnceCell::new(),
    });
    let needs_sdk = matches!(config.handler.kind, HandlerKind::Lambda { .. })
        || config.on_failure.as_ref().is_some_and(|d| {
            !matches!(
                d,
                crate::destination::Destination::File { .. }
                    | crate::destination::Destination::Kafka { .. }
            )
        });
    let sdk = if needs_sdk {
        Some(crate::config::bootstrap::sdk_config(Arc::clone(
            settings.aws().await?,
        )))
    } else {
        None
    };
    let handler: Arc<dyn Handler> = match options.handler {
        Some(h) => h,
        None => Arc::from(crate::invoke::from_config(&config.handler, sdk.as_ref())?),
    };
    let filters = if config.source.filter_patterns.is_empty() {
        None
    } else {
        Some(Arc::new(FilterCriteria::parse(
            &config.source.filter_patterns,
        )?))
    };
    let source = match config.source.event_source_arn() {
        Some(arn) => EventSource::Msk {
            event_source_arn: arn.to_owned(),
        },
        None => EventSource::SelfManaged,
    };
    // The event names the bootstrap brokers; loading the settings here also surfaces a bad secret
    // before the consumer starts. The first consumer uses them; every reconnect loads afresh.
    let first = settings.load().await;
    let bootstrap = match &first {
        Ok(s) => s.bootstrap_servers.clone(),
        Err(_) => match &config.source.event_source {
            ConfigSource::SelfManaged { bootstrap_servers }
            | ConfigSource::Msk {
                bootstrap_servers: Some(bootstrap_servers),
                ..
            } => bootstrap_servers.clone(),
            ConfigSource::Msk { .. } => Vec::new(),
        },
    };
    if let Err(e) = &first {
        tracing::error!(error = %e, "could not load the credentials; retrying with backoff");
    }
    let encoder = EventEncoder::new(source, &bootstrap);
    let batch_size = usize::try_from(config.source.batch_size).unwrap_or(100);
    let engine_options = EngineOptions {
        topics: config.source.topics.clone(),
        group_id: config.group_id().to_owned(),
        starting_position: config.source.starting_position,
        batch: BatchPolicy {
            batch_size,
            window: config.source.batching_window,
            max_payload_bytes: MAX_PAYLOAD_BYTES,
        },
        retry: RetryPolicy {
            maximum_retry_attempts: config.source.maximum_retry_attempts,
            maximum_record_age: config.source.maximum_record_age,
            bisect_batch_on_function_error: config.source.bisect_batch_on_function_error,
            report_batch_item_failures: config.source.report_batch_item_failures,
            has_destination: config.on_failure.is_some(),
            ..RetryPolicy::default()
        },
        filters,
        max_concurrency: config
            .concurrency
            .max
            .map(|m| usize::try_from(m).unwrap_or(1)),
        scale_interval: config.concurrency.scale_interval,
        shutdown_timeout: config.shutdown_timeout,
        reconnect_after: options.reconnect_after.unwrap_or(Duration::from_secs(30)),
        stop_when_idle: options.stop_when_idle,
        buffer_limit: options
            .buffer_limit
            .unwrap_or((batch_size * 10).max(20_000))
            .max(batch_size),
        handler_name: config.handler.name.clone(),
        destination: config.on_failure.clone(),
        mapping: MappingInfo {
            uuid: config
                .source
                .uuid
                .clone()
                .unwrap_or_else(|| config.group_id().to_owned()),
            function_arn: config
                .source
                .function_name
                .clone()
                .filter(|f| f.starts_with("arn:"))
                .unwrap_or_else(|| format!("mskgate:handler:{}", config.handler.name)),
            event_source_arn: config.source.event_source_arn().map(str::to_owned),
            bootstrap_servers: bootstrap.join(","),
            consumer_group: config.group_id().to_owned(),
            source_topic: config.source.topic().to_owned(),
            handler: config.handler.name.clone(),
        },
        sdk,
    };
    let mut engine = Engine::new(engine_options, settings, encoder, handler, status);
    if let Ok(loaded) = first {
        engine = engine.with_initial_settings(loaded);
    }
    let summary = engine.run(shutdown).await;
    let _ = stop_tx.send(true);
    if let Some(task) = metrics_task {
        let _ = task.await;
    }
    summary
}
