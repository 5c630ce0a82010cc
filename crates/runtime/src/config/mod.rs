//! The runtime configuration file of `mskgate run --config FILE`: JSON, YAML or TOML, chosen by
//! extension.
//!
//! `source` is the Lambda event source mapping in the API's own shape (so the output of
//! `aws lambda get-event-source-mapping` can be pasted); the other sections are mskgate's own,
//! in snake_case: `handler`, `kafka`, `secrets`, `bootstrap_servers`, `aws`, `tls`, `metrics`,
//! `concurrency`, `shutdown_timeout_seconds`, `on_failure_file`, `logging`. Every key is
//! documented in `docs/runtime.md` ("Configuration").
//!
//! Parsing is pure: [`RuntimeConfig::from_str`] takes text and returns values;
//! [`RuntimeConfig::load`] only adds reading the file. Nothing here fetches a secret — the
//! configuration holds *where* each secret comes from ([`SecretRef`]), never a value, so no
//! error or `Debug` output can contain one. The one network call, `kafka:GetBootstrapBrokers`
//! for an MSK cluster without explicit `bootstrap_servers`, is in [`bootstrap`].
//!
//! ```
//! use mskgate_runtime::config::{Format, RuntimeConfig, StartingPosition};
//!
//! let config = RuntimeConfig::from_str(
//!     r#"{"source": {"SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["127.0.0.1:9092"]}},
//!                    "Topics": ["orders"], "StartingPosition": "TRIM_HORIZON",
//!                    "SelfManagedKafkaEventSourceConfig": {"ConsumerGroupId": "orders-reader"}},
//!         "handler": {"command": ["python3", "handler.py"]}}"#,
//!     Format::Json,
//! )?;
//! assert_eq!(config.source.topic(), "orders");
//! assert_eq!(config.source.batch_size, 100);
//! assert_eq!(config.source.batching_window.as_millis(), 500);
//! assert_eq!(config.source.starting_position, StartingPosition::TrimHorizon);
//! assert_eq!(config.group_id(), "orders-reader");
//! # Ok::<(), mskgate_runtime::config::ConfigError>(())
//! ```

pub mod bootstrap;
pub mod destination;
mod kafka_props;
mod sections;
mod source;
mod tree;

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mskgate_auth::load::{AwsOptions, SecretSource};
use serde_json::Value;

pub use destination::Destination;
use tree::{Ctx, Obj};

pub use kafka_props::{KafkaPropertyOwner, owner_of_kafka_property};

/// A Kafka topic name as Lambda accepts it (`Topics`, `kafka://` destinations): 1 to 249
/// characters from `a-z A-Z 0-9 . _ -`, not starting with `.`.
fn is_valid_topic(topic: &str) -> bool {
    !topic.is_empty()
        && topic.len() <= 249
        && !topic.starts_with('.')
        && topic
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The largest configuration file read (a configuration is a few KiB; this bounds a mistake such
/// as pointing `--config` at a log file).
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The file format, chosen by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// `.json`
    Json,
    /// `.yaml` or `.yml`
    Yaml,
    /// `.toml`
    Toml,
}

impl Format {
    /// The format for `path`'s extension (case-insensitive), or an error naming the extensions
    /// understood.
    pub fn from_path(path: &Path) -> Result<Self, ConfigError> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("json") => Ok(Self::Json),
            Some("yaml" | "yml") => Ok(Self::Yaml),
            Some("toml") => Ok(Self::Toml),
            _ => Err(ConfigError::Extension {
                path: path.to_owned(),
                extension: ext,
            }),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Json => "JSON",
            Self::Yaml => "YAML",
            Self::Toml => "TOML",
        }
    }
}

/// What is wrong with a runtime configuration file. Every message names the file and the key
/// path, says what is allowed and how to fix it; values are shown only where they cannot be
/// secret (numbers, enum words, names) — never a `kafka` property value, never a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_CONFIG_BYTES`].
    #[error("the configuration file {} is larger than {MAX_CONFIG_BYTES} bytes; is it the right file?", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// The extension says no known format.
    #[error(
        "cannot tell the format of {} from its extension{}; name it .json, .yaml, .yml or .toml",
        path.display(),
        extension.as_ref().map(|e| format!(" `.{e}`")).unwrap_or_default()
    )]
    Extension {
        /// The file.
        path: PathBuf,
        /// The extension found, if any (lowercased).
        extension: Option<String>,
    },
    /// The text is not valid JSON/YAML/TOML. Only the position and the parser's reason are
    /// reported, never a snippet of the text.
    #[error("{file}: not valid {format}{}: {reason}", location.map(|(l, c)| format!(" at line {l}, column {c}")).unwrap_or_default())]
    Syntax {
        /// The file's display name.
        file: String,
        /// `JSON`, `YAML` or `TOML`.
        format: &'static str,
        /// Line and column (1-based), when the parser knows them.
        location: Option<(u64, u64)>,
        /// The parser's reason.
        reason: String,
    },
    /// A key nobody reads: a typo, or a key of another product.
    #[error(
        "{file}: unknown key `{key}` at `{path}`{}; the keys known here are: {}",
        if suggestions.is_empty() { String::new() } else { format!("; did you mean {}?", suggestions.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(" or ")) },
        known.join(", ")
    )]
    UnknownKey {
        /// The file's display name.
        file: String,
        /// The key's full path, e.g. `source.BatchSzie`.
        path: String,
        /// The key as written.
        key: String,
        /// The known keys closest to it, closest first.
        suggestions: Vec<String>,
        /// Every key known at that place.
        known: Vec<String>,
    },
    /// A value is missing, of the wrong type, out of range or inconsistent with another.
    #[error("{file}: `{path}`: {problem}; {help}")]
    Invalid {
        /// The file's display name.
        file: String,
        /// The key path, e.g. `source.BatchSize`.
        path: String,
        /// What is wrong (may show the value when it is not secret).
        problem: String,
        /// The allowed values and the fix.
        help: String,
    },
    /// `kafka:GetBootstrapBrokers` failed or the cluster has no listener for the auth mode.
    #[error("cannot find the bootstrap brokers of MSK cluster {cluster_arn}: {problem}; {help}")]
    Bootstrap {
        /// The cluster.
        cluster_arn: String,
        /// What went wrong (the AWS error code and message, or the missing listener).
        problem: String,
        /// The fix.
        help: String,
    },
}

/// Where an event source's secret comes from: the `URI` of its `SourceAccessConfigurations`
/// entry and the source mskgate reads it from (`secrets.<URI>`, else the URI itself as a
/// Secrets Manager ARN). Holds no secret value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretRef {
    /// The `URI` as written in `SourceAccessConfigurations`.
    pub uri: String,
    /// Where the value is read from (`file:` paths already resolved against the config's
    /// directory).
    pub source: SecretSource,
}

/// How the runtime authenticates to the brokers, from `SourceAccessConfigurations` as Lambda
/// reads them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthConfig {
    /// No client authentication (self-managed Kafka without an auth entry).
    None,
    /// MSK IAM (SASL/OAUTHBEARER with a SigV4 token): an MSK source without an auth entry, as
    /// Lambda does, or a self-managed source with `IAM_AUTH`.
    Iam,
    /// SASL/SCRAM-SHA-512 (`SASL_SCRAM_512_AUTH`).
    Scram512 {
        /// The `{"username","password"}` secret.
        secret: SecretRef,
    },
    /// SASL/SCRAM-SHA-256 (`SASL_SCRAM_256_AUTH`, self-managed only).
    Scram256 {
        /// The `{"username","password"}` secret.
        secret: SecretRef,
    },
    /// SASL/PLAIN (`BASIC_AUTH`, self-managed only).
    Plain {
        /// The `{"username","password"}` secret.
        secret: SecretRef,
    },
    /// Mutual TLS (`CLIENT_CERTIFICATE_TLS_AUTH`).
    Mtls {
        /// The `{"certificate","privateKey","privateKeyPassword"?}` secret.
        secret: SecretRef,
    },
}

impl AuthConfig {
    /// Whether this mode authenticates with SASL.
    pub fn is_sasl(&self) -> bool {
        matches!(
            self,
            Self::Iam | Self::Scram512 { .. } | Self::Scram256 { .. } | Self::Plain { .. }
        )
    }

    /// The secret this mode reads, if any.
    pub fn secret(&self) -> Option<&SecretRef> {
        match self {
            Self::None | Self::Iam => None,
            Self::Scram512 { secret }
            | Self::Scram256 { secret }
            | Self::Plain { secret }
            | Self::Mtls { secret } => Some(secret),
        }
    }

    /// The Lambda `SourceAccessConfigurations` type word for this mode (`"none"` and
    /// `"IAM"` for the two without an entry).
    pub fn name(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Iam => "IAM",
            Self::Scram512 { .. } => "SASL_SCRAM_512_AUTH",
            Self::Scram256 { .. } => "SASL_SCRAM_256_AUTH",
            Self::Plain { .. } => "BASIC_AUTH",
            Self::Mtls { .. } => "CLIENT_CERTIFICATE_TLS_AUTH",
        }
    }
}

/// Where the records come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventSource {
    /// An Amazon MSK cluster (`EventSourceArn`).
    Msk {
        /// The cluster ARN.
        arn: String,
        /// `bootstrap_servers` when given; else resolve with [`bootstrap::resolve`].
        bootstrap_servers: Option<Vec<String>>,
    },
    /// Self-managed Kafka (`SelfManagedEventSource.Endpoints.KAFKA_BOOTSTRAP_SERVERS`).
    SelfManaged {
        /// `host:port` of each bootstrap broker.
        bootstrap_servers: Vec<String>,
    },
}

/// Where a consumer group without committed offsets starts (`StartingPosition`). Ignored when
/// the group has committed offsets, as in Lambda.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartingPosition {
    /// `TRIM_HORIZON`: the earliest offset.
    TrimHorizon,
    /// `LATEST`: records produced from now on.
    Latest,
    /// `AT_TIMESTAMP` with `StartingPositionTimestamp`, in milliseconds since the Unix epoch.
    AtTimestamp(i64),
}

/// The `source` section: the event source mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceConfig {
    /// MSK or self-managed, and the bootstrap brokers.
    pub event_source: EventSource,
    /// `Topics` (exactly one, as Lambda requires).
    pub topics: Vec<String>,
    /// `StartingPosition` (+ `StartingPositionTimestamp`).
    pub starting_position: StartingPosition,
    /// `BatchSize`, 1–10,000 (default 100).
    pub batch_size: u32,
    /// `MaximumBatchingWindowInSeconds` (0–300 s); 500 ms when absent, Lambda's Kafka default.
    pub batching_window: Duration,
    /// `…KafkaEventSourceConfig.ConsumerGroupId`, if given.
    pub consumer_group_id: Option<String>,
    /// `UUID`, if given (the group id when there is no `ConsumerGroupId`).
    pub uuid: Option<String>,
    /// `FunctionName` (or the function of `FunctionArn`), if given.
    pub function_name: Option<String>,
    /// `Enabled` (default true).
    pub enabled: bool,
    /// From `SourceAccessConfigurations`.
    pub auth: AuthConfig,
    /// `SERVER_ROOT_CA_CERTIFICATE`: the root CA secret (self-managed only).
    pub root_ca: Option<SecretRef>,
    /// `FilterCriteria.Filters[].Pattern`, each checked to be a JSON object (the filter module
    /// interprets them).
    pub filter_patterns: Vec<String>,
    /// `DestinationConfig.OnFailure.Destination`, parsed (an empty string is none).
    pub on_failure: Option<Destination>,
    /// `MaximumRetryAttempts`: `None` for -1 (infinite, the default), else 0–10,000.
    pub maximum_retry_attempts: Option<u32>,
    /// `MaximumRecordAgeInSeconds`: `None` for -1 (infinite, the default), else 60–604,800 s.
    pub maximum_record_age: Option<Duration>,
    /// `BisectBatchOnFunctionError` (default false).
    pub bisect_batch_on_function_error: bool,
    /// `FunctionResponseTypes` contains `ReportBatchItemFailures`.
    pub report_batch_item_failures: bool,
}

impl SourceConfig {
    /// The one topic.
    pub fn topic(&self) -> &str {
        self.topics.first().map_or("", String::as_str)
    }

    /// The cluster ARN of an MSK source.
    pub fn event_source_arn(&self) -> Option<&str> {
        match &self.event_source {
            EventSource::Msk { arn, .. } => Some(arn),
            EventSource::SelfManaged { .. } => None,
        }
    }
}

/// How a batch is handed over (`handler`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandlerKind {
    /// `{"command": [argv…]}`: a process per batch, event JSON on stdin.
    Command {
        /// Program and arguments (the program is looked up in `PATH`; relative paths are
        /// relative to the working directory of `mskgate run`).
        argv: Vec<String>,
    },
    /// `{"http": {"url": …}}`: POST the event JSON.
    Http {
        /// An `http://` or `https://` URL.
        url: String,
    },
    /// `{"noop": {}}`: an in-process handler that accepts every batch at once (benchmarks, dry
    /// runs: records are committed without being looked at).
    Noop,
    /// `{"lambda": {"function_name": …, "region"?: …, "endpoint_url"?: …}}`: AWS Lambda
    /// `Invoke` (RequestResponse).
    Lambda {
        /// Name, ARN or partial ARN (with optional `:qualifier`).
        function_name: String,
        /// Region (else `aws.region`, else the SDK's default chain).
        region: Option<String>,
        /// Endpoint override (an emulator), else `aws.endpoint_url`.
        endpoint_url: Option<String>,
    },
}

/// The `handler` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandlerConfig {
    /// What to invoke.
    pub kind: HandlerKind,
    /// `timeout_seconds`, 1–840 (default 3, Lambda's default function timeout).
    pub timeout: Duration,
    /// `name`, for logs and metrics (default: the program, URL host or function name).
    pub name: String,
}

/// The `aws` section: region, profile and endpoint for every AWS call (Secrets Manager, STS,
/// `GetBootstrapBrokers`, Lambda, SQS, SNS, S3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AwsSection {
    /// `region`.
    pub region: Option<String>,
    /// `profile`.
    pub profile: Option<String>,
    /// `role_arn`: a role to assume for every AWS call.
    pub role_arn: Option<String>,
    /// `endpoint_url`: an endpoint override for every AWS service (tests against moto).
    pub endpoint_url: Option<String>,
}

impl AwsSection {
    /// The auth crate's options for these settings.
    pub fn options(&self) -> AwsOptions {
        AwsOptions {
            region: self.region.clone(),
            profile: self.profile.clone(),
            role_arn: self.role_arn.clone(),
            endpoint_url: self.endpoint_url.clone(),
            ..AwsOptions::default()
        }
    }
}

/// The `tls` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsConfig {
    /// Whether the broker connection uses TLS. Default: on for MSK, SASL, mTLS or a root CA;
    /// off for a self-managed source without any of them (PLAINTEXT).
    pub enabled: bool,
    /// `ca_file`: an extra trust anchor PEM file (resolved against the config's directory).
    pub ca_file: Option<PathBuf>,
    /// `allow_plaintext_sasl`: allow SASL with `enabled: false` (SASL_PLAINTEXT), which Lambda
    /// never does. Default false.
    pub allow_plaintext_sasl: bool,
}

/// Kafka's `security.protocol` for this configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecurityProtocol {
    /// `PLAINTEXT`
    Plaintext,
    /// `SSL` (TLS, with or without a client certificate)
    Ssl,
    /// `SASL_PLAINTEXT` (only with `tls.allow_plaintext_sasl`)
    SaslPlaintext,
    /// `SASL_SSL`
    SaslSsl,
}

impl SecurityProtocol {
    /// The librdkafka value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plaintext => "PLAINTEXT",
            Self::Ssl => "SSL",
            Self::SaslPlaintext => "SASL_PLAINTEXT",
            Self::SaslSsl => "SASL_SSL",
        }
    }
}

/// The `concurrency` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConcurrencyConfig {
    /// `max`: the most batches in flight at once (1–1000); `None` = one per assigned partition.
    pub max: Option<u32>,
    /// `scale_interval_seconds` (1–3600, default 60, as Lambda evaluates lag every minute).
    pub scale_interval: Duration,
}

/// `logging.format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines (default).
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The `logging` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggingConfig {
    /// `format`: `text` (default) or `json`.
    pub format: LogFormat,
    /// `level`: `error`, `warn`, `info` (default), `debug`, `trace`, or a tracing filter
    /// directive such as `info,mskgate_runtime=debug`.
    pub level: String,
}

/// A parsed, checked runtime configuration.
#[derive(Clone, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// The file it was read from (`None` for [`from_str`](Self::from_str)).
    pub path: Option<PathBuf>,
    /// The event source mapping.
    pub source: SourceConfig,
    /// The handler.
    pub handler: HandlerConfig,
    /// `kafka`: librdkafka client properties (tuning only; security and ownership-checked).
    pub kafka: BTreeMap<String, String>,
    /// `aws`.
    pub aws: AwsSection,
    /// `tls`.
    pub tls: TlsConfig,
    /// `metrics.listen` (default 127.0.0.1:9464); `None` when disabled.
    pub metrics_listen: Option<SocketAddr>,
    /// `concurrency`.
    pub concurrency: ConcurrencyConfig,
    /// `shutdown_timeout_seconds` (1–3600, default 30): how long in-flight batches may take to
    /// finish on SIGTERM.
    pub shutdown_timeout: Duration,
    /// The on-failure destination: `source.DestinationConfig.OnFailure.Destination`, or
    /// `on_failure_file` (a local JSONL file).
    pub on_failure: Option<Destination>,
    /// `logging`.
    pub logging: LoggingConfig,
    /// `iam.token_lifetime_seconds` (1–900, default 900): the lifetime of the MSK IAM tokens
    /// mskgate signs (librdkafka renews at about 80 % of it; never beyond the credentials).
    pub iam_token_lifetime: Duration,
    /// Things accepted but not acted on (VPC settings, read-only keys of
    /// `get-event-source-mapping`…), one sentence each, for `mskgate run` to log at startup.
    pub notes: Vec<String>,
}

impl fmt::Debug for RuntimeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `kafka` values are tuning values (credentials are refused), but print only the keys:
        // a value is the one thing in this file a user might paste by mistake.
        f.debug_struct("RuntimeConfig")
            .field("path", &self.path)
            .field("source", &self.source)
            .field("handler", &self.handler)
            .field("kafka", &self.kafka.keys().collect::<Vec<_>>())
            .field("aws", &self.aws)
            .field("tls", &self.tls)
            .field("metrics_listen", &self.metrics_listen)
            .field("concurrency", &self.concurrency)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("on_failure", &self.on_failure)
            .field("logging", &self.logging)
            .field("notes", &self.notes)
            .finish()
    }
}

/// The top-level keys.
const TOP_KEYS: &[&str] = &[
    "source",
    "handler",
    "kafka",
    "secrets",
    "bootstrap_servers",
    "aws",
    "tls",
    "metrics",
    "concurrency",
    "shutdown_timeout_seconds",
    "on_failure_file",
    "logging",
    "iam",
];

impl RuntimeConfig {
    /// Reads and checks `path` (format by extension; `file:` secret sources, `tls.ca_file` and
    /// `on_failure_file` relative to the file's directory).
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let format = Format::from_path(path)?;
        let read = |source| ConfigError::Read {
            path: path.to_owned(),
            source,
        };
        let len = std::fs::metadata(path).map_err(read)?.len();
        if len > MAX_CONFIG_BYTES {
            return Err(ConfigError::TooLarge {
                path: path.to_owned(),
            });
        }
        let text = std::fs::read_to_string(path).map_err(read)?;
        let mut config = Self::parse(&text, format, &path.display().to_string(), path.parent())?;
        config.path = Some(path.to_owned());
        Ok(config)
    }

    /// Checks `text` in `format`; relative paths stay relative to the working directory.
    #[allow(clippy::should_implement_trait)] // two arguments: not `FromStr`
    pub fn from_str(text: &str, format: Format) -> Result<Self, ConfigError> {
        Self::parse(text, format, "<config>", None)
    }

    /// Checks `text` in `format`, naming it `display` in errors and resolving relative paths
    /// against `base` (the config file's directory).
    pub fn parse(
        text: &str,
        format: Format,
        display: &str,
        base: Option<&Path>,
    ) -> Result<Self, ConfigError> {
        let root = parse_document(text, format, display)?;
        let ctx = Ctx { file: display };
        let base = base.filter(|b| !b.as_os_str().is_empty());
        let top = Obj::new(ctx, "", &root)?;
        top.check_keys(TOP_KEYS, &[])?;
        let resolve = |p: &str| -> PathBuf {
            let p = PathBuf::from(p);
            match base {
                Some(b) if p.is_relative() => b.join(p),
                _ => p,
            }
        };
        let mut notes = Vec::new();
        let Some(source_value) = top.get("source") else {
            return Err(ctx.invalid(
                "source",
                "missing",
                "add a `source` object: the event source mapping as `aws lambda get-event-source-mapping` prints it (EventSourceArn or SelfManagedEventSource, Topics, StartingPosition…)",
            ));
        };
        let secrets = sections::secrets(&top, &resolve)?;
        let mut source = source::parse(ctx, source_value, &secrets, &mut notes)?;
        sections::unused_secrets(&top, &secrets, &source)?;
        let bootstrap = sections::bootstrap_servers(&top, &source)?;
        if let EventSource::Msk {
            bootstrap_servers, ..
        } = &mut source.event_source
        {
            *bootstrap_servers = bootstrap;
        }
        let handler = sections::handler(&top, &source)?;
        let kafka = kafka_props::parse(&top)?;
        let aws = sections::aws(&top)?;
        let tls = sections::tls(&top, &source, &resolve)?;
        let metrics_listen = sections::metrics(&top)?;
        let concurrency = sections::concurrency(&top)?;
        let shutdown_timeout = Duration::from_secs(
            top.int(
                "shutdown_timeout_seconds",
                1,
                3600,
                "a whole number of seconds from 1 to 3600",
            )?
            .map_or(30, |n| n.unsigned_abs()),
        );
        let on_failure = match (top.str("on_failure_file")?, &source.on_failure) {
            (Some(_), Some(_)) => {
                return Err(ctx.invalid(
                    "on_failure_file",
                    "set together with source.DestinationConfig.OnFailure.Destination",
                    "keep one on-failure destination: remove `on_failure_file` or the source's DestinationConfig",
                ));
            }
            (Some(""), None) => {
                return Err(ctx.invalid(
                    "on_failure_file",
                    "empty path",
                    "write the path of a JSONL file, or remove the key",
                ));
            }
            (Some(file), None) => Some(Destination::File {
                path: resolve(file),
            }),
            (None, destination) => destination.clone(),
        };
        let logging = sections::logging(&top)?;
        let iam_token_lifetime = match top.obj("iam", "iam")? {
            Some(iam) => {
                iam.check_keys(&["token_lifetime_seconds"], &[])?;
                Duration::from_secs(
                    iam.int(
                        "token_lifetime_seconds",
                        1,
                        900,
                        "a whole number of seconds from 1 to 900 (MSK accepts at most 900)",
                    )?
                    .map_or(900, |n| n.unsigned_abs()),
                )
            }
            None => Duration::from_secs(900),
        };
        Ok(Self {
            path: None,
            source,
            handler,
            kafka,
            aws,
            tls,
            metrics_listen,
            concurrency,
            shutdown_timeout,
            on_failure,
            logging,
            iam_token_lifetime,
            notes,
        })
    }

    /// The consumer group id: `ConsumerGroupId`, else the mapping's `UUID` (checked at parse
    /// time that one of them is set).
    pub fn group_id(&self) -> &str {
        self.source
            .consumer_group_id
            .as_deref()
            .or(self.source.uuid.as_deref())
            .unwrap_or_default()
    }

    /// Kafka's `security.protocol` for the auth mode and `tls.enabled`.
    pub fn security_protocol(&self) -> SecurityProtocol {
        match (self.source.auth.is_sasl(), self.tls.enabled) {
            (true, true) => SecurityProtocol::SaslSsl,
            (true, false) => SecurityProtocol::SaslPlaintext,
            (false, true) => SecurityProtocol::Ssl,
            (false, false) => SecurityProtocol::Plaintext,
        }
    }

    /// The retry limit in effect: `MaximumRetryAttempts`, except that infinite retries with an
    /// on-failure destination become 10, as Lambda applies ("When you configure both infinite
    /// retries and an on-failure destination, Lambda automatically applies a maximum of 10
    /// retry attempts", kafka-on-failure-destination). `None` = retry forever.
    pub fn effective_maximum_retry_attempts(&self) -> Option<u32> {
        match (self.source.maximum_retry_attempts, &self.on_failure) {
            (Some(n), _) => Some(n),
            (None, Some(_)) => Some(10),
            (None, None) => None,
        }
    }

    /// The AWS options for every AWS call the runtime makes.
    pub fn aws_options(&self) -> AwsOptions {
        self.aws.options()
    }
}

/// Parses the text into one tree, whatever the format. Syntax errors keep only the position and
/// the parser's reason (no snippet of the text, which could hold a pasted secret).
fn parse_document(text: &str, format: Format, display: &str) -> Result<Value, ConfigError> {
    let syntax = |location, reason: String| ConfigError::Syntax {
        file: display.to_owned(),
        format: format.name(),
        location,
        reason,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        Format::Json => serde_json::from_str::<Value>(text).map_err(|e| {
            let reason = e.to_string();
            // serde_json appends " at line L column C"; the location is reported separately.
            let reason = reason
                .rsplit_once(" at line ")
                .map_or(reason.as_str(), |(r, _)| r)
                .to_owned();
            syntax(Some((e.line() as u64, e.column() as u64)), reason)
        }),
        Format::Yaml => {
            if text.trim().is_empty() {
                return Ok(Value::Object(serde_json::Map::new()));
            }
            serde_saphyr::from_str::<Value>(text).map_err(|e| {
                let location = e.location().map(|l| (l.line(), l.column()));
                let rendered = e.render_with_options(serde_saphyr::render_options! {
                    snippets: serde_saphyr::SnippetMode::Off,
                });
                // Keep the first line of the message only: the reason, without any context.
                let reason = rendered.lines().next().unwrap_or("syntax error").to_owned();
                syntax(location, reason)
            })
        }
        Format::Toml => toml::from_str::<Value>(text).map_err(|e| {
            let location = e.span().map(|span| line_column(text, span.start));
            syntax(location, e.message().trim().to_owned())
        }),
    }
}

/// 1-based line and column of byte offset `at`.
fn line_column(text: &str, at: usize) -> (u64, u64) {
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line as u64, column as u64)
}
