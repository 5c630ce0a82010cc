//! The `source` section: Lambda's event source mapping in the API shape
//! (`CreateEventSourceMapping` input and `GetEventSourceMapping` output), checked as Lambda
//! checks it for Kafka (ranges from the Lambda API model; see `docs/runtime.md`).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::tree::{Ctx, Obj, kind};
use super::{AuthConfig, ConfigError, EventSource, SecretRef, SourceConfig, StartingPosition};
use crate::config::destination::Destination;

/// Members mskgate reads.
const USED: &[&str] = &[
    "EventSourceArn",
    "SelfManagedEventSource",
    "Topics",
    "StartingPosition",
    "StartingPositionTimestamp",
    "BatchSize",
    "MaximumBatchingWindowInSeconds",
    "AmazonManagedKafkaEventSourceConfig",
    "SelfManagedKafkaEventSourceConfig",
    "SourceAccessConfigurations",
    "FilterCriteria",
    "DestinationConfig",
    "MaximumRetryAttempts",
    "MaximumRecordAgeInSeconds",
    "BisectBatchOnFunctionError",
    "FunctionResponseTypes",
    "UUID",
    "FunctionName",
    "FunctionArn",
    "Enabled",
];

/// Read-only members of `get-event-source-mapping` output and settings that only mean
/// something inside AWS: accepted, not used.
const IGNORED: &[&str] = &[
    "LastModified",
    "LastProcessingResult",
    "State",
    "StateTransitionReason",
    "EventSourceMappingArn",
    "FilterCriteriaError",
    "KMSKeyArn",
    "MetricsConfig",
    "LoggingConfig",
    "ProvisionedPollerConfig",
    "Tags",
];

/// Members of the API that do not apply to Kafka: refused with that reason.
const NOT_KAFKA: &[&str] = &[
    "ParallelizationFactor",
    "TumblingWindowInSeconds",
    "Queues",
    "ScalingConfig",
    "DocumentDBEventSourceConfig",
];

const GROUP_ID_HELP: &str =
    "a consumer group id has 1 to 200 characters from a-z A-Z 0-9 - / * : _ + = . @";

pub(super) fn parse(
    ctx: Ctx<'_>,
    value: &Value,
    secrets: &BTreeMap<String, mskgate_auth::load::SecretSource>,
    notes: &mut Vec<String>,
) -> Result<SourceConfig, ConfigError> {
    let src = Obj::new(ctx, "source", value)?;
    for key in src.map.keys() {
        if NOT_KAFKA.contains(&key.as_str()) {
            return Err(ctx.invalid(
                &src.path_of(key),
                "does not apply to Kafka event sources (Lambda refuses it for MSK and self-managed Kafka)",
                "remove it",
            ));
        }
    }
    let mut known: Vec<&str> = USED.to_vec();
    known.extend_from_slice(IGNORED);
    src.check_keys(&known, &[])?;
    for key in [
        "MetricsConfig",
        "LoggingConfig",
        "ProvisionedPollerConfig",
        "KMSKeyArn",
    ] {
        if src.get(key).is_some() {
            notes.push(match key {
                "MetricsConfig" => "source.MetricsConfig is ignored: mskgate always serves its Prometheus metrics (see `metrics`)".to_owned(),
                "LoggingConfig" => "source.LoggingConfig is ignored: use the `logging` section".to_owned(),
                "ProvisionedPollerConfig" => "source.ProvisionedPollerConfig is ignored: use the `concurrency` section".to_owned(),
                _ => "source.KMSKeyArn is ignored: it encrypts filter criteria inside AWS".to_owned(),
            });
        }
    }

    let event_source = event_source(&src)?;
    let msk = matches!(event_source, EventSource::Msk { .. });

    let topics = topics(&src)?;
    let starting_position = starting_position(&src)?;
    let batch_size = src
        .int(
            "BatchSize",
            1,
            10_000,
            "a whole number from 1 to 10000 (default 100)",
        )?
        .map_or(100, |n| n.unsigned_abs() as u32);
    let batching_window = src
        .int(
            "MaximumBatchingWindowInSeconds",
            0,
            300,
            "a whole number of seconds from 0 to 300 (absent: 500 ms, Lambda's default for Kafka)",
        )?
        .map_or(Duration::from_millis(500), |n| {
            Duration::from_secs(n.unsigned_abs())
        });

    let consumer_group_id = consumer_group_id(&src, msk)?;
    let uuid = match src.str("UUID")? {
        Some("") => {
            return Err(ctx.invalid(
                "source.UUID",
                "empty",
                "write the mapping's UUID, or remove the key",
            ));
        }
        other => other.map(str::to_owned),
    };
    if consumer_group_id.is_none() {
        match &uuid {
            None => {
                return Err(ctx.invalid(
                    if msk {
                        "source.AmazonManagedKafkaEventSourceConfig.ConsumerGroupId"
                    } else {
                        "source.SelfManagedKafkaEventSourceConfig.ConsumerGroupId"
                    },
                    "no consumer group id: neither ConsumerGroupId nor the mapping's UUID is set",
                    format!(
                        "add {{\"{}\": {{\"ConsumerGroupId\": \"<group>\"}}}} to `source` (Lambda uses the mapping's UUID when there is none; a local runtime has no UUID unless you paste one)",
                        if msk {
                            "AmazonManagedKafkaEventSourceConfig"
                        } else {
                            "SelfManagedKafkaEventSourceConfig"
                        }
                    ),
                ));
            }
            Some(uuid) if !is_group_id(uuid) => {
                return Err(ctx.invalid(
                    "source.UUID",
                    format!("`{uuid}` cannot serve as the consumer group id"),
                    GROUP_ID_HELP,
                ));
            }
            Some(_) => {}
        }
    }
    let function_name = match src.str("FunctionName")? {
        Some(name) => Some(name.to_owned()),
        None => src.str("FunctionArn")?.map(str::to_owned),
    };
    let enabled = src.bool("Enabled")?.unwrap_or(true);
    let (auth, root_ca) = access(&src, msk, secrets, notes)?;
    let filter_patterns = filters(&src)?;
    let on_failure = destination(&src)?;
    if let Some(Destination::Kafka { topic }) = &on_failure
        && topics.iter().any(|t| t == topic)
    {
        return Err(ctx.invalid(
            "source.DestinationConfig.OnFailure.Destination",
            format!("the destination topic `{topic}` is the source topic"),
            "use another topic: Lambda refuses a Kafka on-failure destination that is a source topic, to prevent recursion",
        ));
    }
    let maximum_retry_attempts = src
        .int(
            "MaximumRetryAttempts",
            -1,
            10_000,
            "-1 (retry until the record expires, the default) or 0 to 10000",
        )?
        .and_then(|n| u32::try_from(n).ok());
    let maximum_record_age = match src.int(
        "MaximumRecordAgeInSeconds",
        -1,
        604_800,
        "-1 (no limit, the default) or 60 to 604800 seconds",
    )? {
        None | Some(-1) => None,
        Some(n) if n < 60 => {
            return Err(ctx.invalid(
                "source.MaximumRecordAgeInSeconds",
                format!("{n} is out of range"),
                "use -1 (no limit, the default) or 60 to 604800 seconds",
            ));
        }
        Some(n) => Some(Duration::from_secs(n.unsigned_abs())),
    };
    let bisect_batch_on_function_error = src.bool("BisectBatchOnFunctionError")?.unwrap_or(false);
    let report_batch_item_failures = response_types(&src)?;
    Ok(SourceConfig {
        event_source,
        topics,
        starting_position,
        batch_size,
        batching_window,
        consumer_group_id,
        uuid,
        function_name,
        enabled,
        auth,
        root_ca,
        filter_patterns,
        on_failure,
        maximum_retry_attempts,
        maximum_record_age,
        bisect_batch_on_function_error,
        report_batch_item_failures,
    })
}

fn event_source(src: &Obj<'_>) -> Result<EventSource, ConfigError> {
    let ctx = src.ctx;
    match (src.get("EventSourceArn"), src.get("SelfManagedEventSource")) {
        (Some(_), Some(_)) => Err(ctx.invalid(
            "source",
            "both EventSourceArn and SelfManagedEventSource are set",
            "keep EventSourceArn for an MSK cluster, or SelfManagedEventSource for any other Kafka",
        )),
        (None, None) => Err(ctx.invalid(
            "source",
            "no event source: neither EventSourceArn nor SelfManagedEventSource is set",
            "add \"EventSourceArn\": \"arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>\" for MSK, or \"SelfManagedEventSource\": {\"Endpoints\": {\"KAFKA_BOOTSTRAP_SERVERS\": [\"host:9092\"]}}",
        )),
        (Some(_), None) => {
            let arn = src.str("EventSourceArn")?.unwrap_or_default();
            if !is_msk_cluster_arn(arn) {
                return Err(ctx.invalid(
                    "source.EventSourceArn",
                    format!("`{arn}` is not an MSK cluster ARN"),
                    "write arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid> (for any other Kafka use SelfManagedEventSource)",
                ));
            }
            Ok(EventSource::Msk {
                arn: arn.to_owned(),
                bootstrap_servers: None,
            })
        }
        (None, Some(_)) => {
            let sm = src
                .obj("SelfManagedEventSource", "source.SelfManagedEventSource")?
                .ok_or_else(|| ctx.invalid("source.SelfManagedEventSource", "missing", ""))?;
            sm.check_keys(&["Endpoints"], &[])?;
            let endpoints = sm
                .obj("Endpoints", "source.SelfManagedEventSource.Endpoints")?
                .ok_or_else(|| {
                    ctx.invalid(
                        "source.SelfManagedEventSource.Endpoints",
                        "missing",
                        "add \"Endpoints\": {\"KAFKA_BOOTSTRAP_SERVERS\": [\"host:9092\"]}",
                    )
                })?;
            endpoints.check_keys(&["KAFKA_BOOTSTRAP_SERVERS"], &[])?;
            let servers = endpoints.strings("KAFKA_BOOTSTRAP_SERVERS")?.unwrap_or_default();
            let path = "source.SelfManagedEventSource.Endpoints.KAFKA_BOOTSTRAP_SERVERS";
            check_servers(ctx, path, &servers)?;
            Ok(EventSource::SelfManaged {
                bootstrap_servers: servers.into_iter().map(str::to_owned).collect(),
            })
        }
    }
}

/// 1–10 `host:port` entries, as the Lambda API allows.
pub(super) fn check_servers(ctx: Ctx<'_>, path: &str, servers: &[&str]) -> Result<(), ConfigError> {
    if servers.is_empty() || servers.len() > 10 {
        return Err(ctx.invalid(
            path,
            format!("{} bootstrap servers", servers.len()),
            "list 1 to 10 brokers as \"host:port\"",
        ));
    }
    for (i, server) in servers.iter().enumerate() {
        if !is_host_port(server) {
            return Err(ctx.invalid(
                &format!("{path}[{i}]"),
                format!("`{server}` is not host:port"),
                "write each broker as host:port, e.g. b-1.example.com:9096 or 127.0.0.1:9092 (one broker per item, no scheme)",
            ));
        }
    }
    Ok(())
}

fn is_host_port(s: &str) -> bool {
    let Some((host, port)) = s.rsplit_once(':') else {
        return false;
    };
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    s.len() <= 300
        && !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
        && !port.is_empty()
        && port.len() <= 5
        && port.parse::<u16>().is_ok_and(|p| p > 0)
}

fn is_msk_cluster_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), [a, partition, "kafka", region, account, resource]
        if *a == "arn" && partition.starts_with("aws") && !region.is_empty()
            && account.len() == 12 && account.chars().all(|c| c.is_ascii_digit())
            && resource.starts_with("cluster/") && resource.len() > "cluster/".len())
}

fn topics(src: &Obj<'_>) -> Result<Vec<String>, ConfigError> {
    let ctx = src.ctx;
    let Some(topics) = src.strings("Topics")? else {
        return Err(ctx.invalid(
            "source.Topics",
            "missing",
            "add \"Topics\": [\"<topic>\"] (exactly one topic, as Lambda requires)",
        ));
    };
    if topics.len() != 1 {
        return Err(ctx.invalid(
            "source.Topics",
            format!("{} topics", topics.len()),
            "list exactly one topic, as Lambda requires (run one mskgate per topic)",
        ));
    }
    for topic in &topics {
        if !super::is_valid_topic(topic) {
            return Err(ctx.invalid(
                "source.Topics[0]",
                format!("`{topic}` is not a valid topic name"),
                "a topic name has 1 to 249 characters from a-z A-Z 0-9 . _ - and does not start with `.`",
            ));
        }
    }
    Ok(topics.into_iter().map(str::to_owned).collect())
}

fn starting_position(src: &Obj<'_>) -> Result<StartingPosition, ConfigError> {
    let ctx = src.ctx;
    let position = src.str("StartingPosition")?;
    let timestamp = src.get("StartingPositionTimestamp");
    match (position, timestamp) {
        (None, _) => Err(ctx.invalid(
            "source.StartingPosition",
            "missing",
            "add \"StartingPosition\": \"TRIM_HORIZON\" (earliest), \"LATEST\" or \"AT_TIMESTAMP\" (with StartingPositionTimestamp); Lambda requires it for Kafka",
        )),
        (Some("TRIM_HORIZON"), None) => Ok(StartingPosition::TrimHorizon),
        (Some("LATEST"), None) => Ok(StartingPosition::Latest),
        (Some("TRIM_HORIZON" | "LATEST"), Some(_)) => Err(ctx.invalid(
            "source.StartingPositionTimestamp",
            "set without StartingPosition AT_TIMESTAMP",
            "remove it, or set \"StartingPosition\": \"AT_TIMESTAMP\"",
        )),
        (Some("AT_TIMESTAMP"), None) => Err(ctx.invalid(
            "source.StartingPositionTimestamp",
            "missing: AT_TIMESTAMP needs a timestamp",
            "add \"StartingPositionTimestamp\": <Unix seconds> (e.g. 1735689600) or an RFC 3339 time (e.g. \"2025-01-01T00:00:00Z\")",
        )),
        (Some("AT_TIMESTAMP"), Some(ts)) => timestamp_ms(ctx, ts).map(StartingPosition::AtTimestamp),
        (Some(other), _) => Err(ctx.invalid(
            "source.StartingPosition",
            format!("`{other}` is not a starting position"),
            "use TRIM_HORIZON, LATEST or AT_TIMESTAMP",
        )),
    }
}

/// `StartingPositionTimestamp` as the API and CLI carry it: a number of seconds since the epoch
/// (the Lambda REST-JSON protocol's timestamp format; may be fractional), or the ISO 8601 /
/// RFC 3339 string AWS CLI v2 prints (`2025-01-01T00:00:00+00:00`).
fn timestamp_ms(ctx: Ctx<'_>, value: &Value) -> Result<i64, ConfigError> {
    const PATH: &str = "source.StartingPositionTimestamp";
    const HELP: &str = "write Unix seconds (e.g. 1735689600 or 1735689600.5) or an RFC 3339 time (e.g. \"2025-01-01T00:00:00Z\"), not before 1970 and not after 9999";
    let ms = match value {
        Value::Number(n) => n
            .as_f64()
            .filter(|s| s.is_finite() && *s >= 0.0 && *s < 253_402_300_800.0)
            .map(|s| (s * 1000.0).round() as i64),
        Value::String(s) => OffsetDateTime::parse(s, &Rfc3339)
            .ok()
            .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
            .filter(|ms| *ms >= 0),
        other => {
            return Err(ctx.invalid(
                PATH,
                format!("expected a number or a string, found {}", kind(other)),
                HELP,
            ));
        }
    };
    ms.ok_or_else(|| ctx.invalid(PATH, format!("`{value}` is not a usable time"), HELP))
}

fn is_group_id(id: &str) -> bool {
    (1..=200).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-/*:_+=.@".contains(c))
}

fn consumer_group_id(src: &Obj<'_>, msk: bool) -> Result<Option<String>, ConfigError> {
    let ctx = src.ctx;
    let (right, wrong) = if msk {
        (
            "AmazonManagedKafkaEventSourceConfig",
            "SelfManagedKafkaEventSourceConfig",
        )
    } else {
        (
            "SelfManagedKafkaEventSourceConfig",
            "AmazonManagedKafkaEventSourceConfig",
        )
    };
    if src.get(wrong).is_some() {
        return Err(ctx.invalid(
            &src.path_of(wrong),
            format!(
                "belongs to {} sources, and this source is {}",
                if msk { "self-managed" } else { "MSK" },
                if msk {
                    "an MSK cluster"
                } else {
                    "self-managed"
                }
            ),
            format!("rename it to {right}"),
        ));
    }
    let path = format!("source.{right}");
    let Some(config) = src.obj(right, &path)? else {
        return Ok(None);
    };
    if config.get("SchemaRegistryConfig").is_some() {
        return Err(ctx.invalid(
            &format!("{path}.SchemaRegistryConfig"),
            "schema registries are not supported by mskgate",
            "remove it; records reach the handler as the raw bytes (base64), as with EventRecordFormat SOURCE without a registry",
        ));
    }
    config.check_keys(&["ConsumerGroupId", "SchemaRegistryConfig"], &[])?;
    let path = format!("{path}.ConsumerGroupId");
    match config.str("ConsumerGroupId")? {
        None => Ok(None),
        Some(id) if is_group_id(id) => Ok(Some(id.to_owned())),
        Some(id) => Err(ctx.invalid(
            &path,
            format!("`{id}` is not a valid consumer group id"),
            GROUP_ID_HELP,
        )),
    }
}

/// The auth mode and root CA from `SourceAccessConfigurations`, with the per-source type rules
/// of the Lambda API (MSK: SCRAM-512 and mTLS only).
fn access(
    src: &Obj<'_>,
    msk: bool,
    secrets: &BTreeMap<String, mskgate_auth::load::SecretSource>,
    notes: &mut Vec<String>,
) -> Result<(AuthConfig, Option<SecretRef>), ConfigError> {
    let ctx = src.ctx;
    let items = src.list("SourceAccessConfigurations")?.unwrap_or_default();
    if items.len() > 23 {
        return Err(ctx.invalid(
            "source.SourceAccessConfigurations",
            format!("{} entries", items.len()),
            "list at most 23 entries, as the Lambda API allows",
        ));
    }
    let mut auth: Option<(String, AuthConfig)> = None;
    let mut root_ca = None;
    let mut vpc: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("source.SourceAccessConfigurations[{i}]");
        let entry = Obj::new(ctx, &path, item)?;
        entry.check_keys(&["Type", "URI"], &[])?;
        let Some(kind) = entry.str("Type")? else {
            return Err(ctx.invalid(
                &format!("{path}.Type"),
                "missing",
                "add \"Type\": SASL_SCRAM_512_AUTH, SASL_SCRAM_256_AUTH, BASIC_AUTH, CLIENT_CERTIFICATE_TLS_AUTH or SERVER_ROOT_CA_CERTIFICATE",
            ));
        };
        let uri = entry.str("URI")?;
        let msk_allowed = matches!(kind, "SASL_SCRAM_512_AUTH" | "CLIENT_CERTIFICATE_TLS_AUTH");
        let known = matches!(
            kind,
            "SASL_SCRAM_512_AUTH"
                | "SASL_SCRAM_256_AUTH"
                | "BASIC_AUTH"
                | "CLIENT_CERTIFICATE_TLS_AUTH"
                | "SERVER_ROOT_CA_CERTIFICATE"
                | "VPC_SUBNET"
                | "VPC_SECURITY_GROUP"
                | "IAM_AUTH"
        );
        if !known {
            return Err(ctx.invalid(
                &format!("{path}.Type"),
                format!("`{kind}` is not supported by mskgate for Kafka"),
                "use SASL_SCRAM_512_AUTH, SASL_SCRAM_256_AUTH (self-managed), BASIC_AUTH (self-managed), CLIENT_CERTIFICATE_TLS_AUTH, SERVER_ROOT_CA_CERTIFICATE (self-managed), IAM_AUTH (self-managed) or none (MSK: IAM)",
            ));
        }
        if msk && !msk_allowed {
            return Err(ctx.invalid(
                &format!("{path}.Type"),
                format!("`{kind}` is not allowed for an MSK source"),
                match kind {
                    "SASL_SCRAM_256_AUTH" => "MSK supports SCRAM with SHA-512 only: use SASL_SCRAM_512_AUTH",
                    "BASIC_AUTH" => "MSK does not support SASL/PLAIN: use SASL_SCRAM_512_AUTH, CLIENT_CERTIFICATE_TLS_AUTH, or no entry for IAM",
                    "SERVER_ROOT_CA_CERTIFICATE" => "MSK brokers have Amazon Trust Services certificates, trusted by default: remove the entry",
                    "IAM_AUTH" => "an MSK source without an auth entry uses IAM already: remove the entry",
                    _ => "Lambda finds an MSK cluster's VPC through the MSK API: remove the entry",
                },
            ));
        }
        if matches!(kind, "VPC_SUBNET" | "VPC_SECURITY_GROUP") {
            vpc.push(kind.to_owned());
            continue;
        }
        if kind == "IAM_AUTH" {
            set_auth(ctx, &mut auth, &path, kind, AuthConfig::Iam)?;
            continue;
        }
        let Some(uri) = uri.filter(|u| !u.is_empty()) else {
            return Err(ctx.invalid(
                &format!("{path}.URI"),
                "missing",
                "add the secret's ARN as \"URI\" (and, to read it from elsewhere, an entry for it in `secrets`)",
            ));
        };
        let secret = secret_ref(ctx, &path, uri, secrets)?;
        let mode = match kind {
            "SASL_SCRAM_512_AUTH" => AuthConfig::Scram512 { secret },
            "SASL_SCRAM_256_AUTH" => AuthConfig::Scram256 { secret },
            "BASIC_AUTH" => AuthConfig::Plain { secret },
            "CLIENT_CERTIFICATE_TLS_AUTH" => AuthConfig::Mtls { secret },
            _ => {
                if root_ca.is_some() {
                    return Err(ctx.invalid(
                        &format!("{path}.Type"),
                        "a second SERVER_ROOT_CA_CERTIFICATE",
                        "keep one root CA entry (put several CA certificates into one secret)",
                    ));
                }
                root_ca = Some(secret);
                continue;
            }
        };
        set_auth(ctx, &mut auth, &path, kind, mode)?;
    }
    if !vpc.is_empty() {
        notes.push(format!(
            "source.SourceAccessConfigurations: {} ignored: mskgate connects from the network it runs in",
            vpc.join(" and ")
        ));
    }
    let auth = match auth {
        Some((_, mode)) => mode,
        // "If IAM auth is active on your MSK cluster, and you don't provide a secret for auth,
        // Lambda automatically defaults to using IAM auth."
        None if msk => AuthConfig::Iam,
        None => AuthConfig::None,
    };
    Ok((auth, root_ca))
}

fn set_auth(
    ctx: Ctx<'_>,
    auth: &mut Option<(String, AuthConfig)>,
    path: &str,
    kind: &str,
    mode: AuthConfig,
) -> Result<(), ConfigError> {
    if let Some((first, _)) = auth {
        return Err(ctx.invalid(
            &format!("{path}.Type"),
            format!("a second authentication entry ({kind}, after {first})"),
            "keep one of SASL_SCRAM_512_AUTH, SASL_SCRAM_256_AUTH, BASIC_AUTH, CLIENT_CERTIFICATE_TLS_AUTH, IAM_AUTH",
        ));
    }
    *auth = Some((kind.to_owned(), mode));
    Ok(())
}

fn secret_ref(
    ctx: Ctx<'_>,
    path: &str,
    uri: &str,
    secrets: &BTreeMap<String, mskgate_auth::load::SecretSource>,
) -> Result<SecretRef, ConfigError> {
    if let Some(source) = secrets.get(uri) {
        return Ok(SecretRef {
            uri: uri.to_owned(),
            source: source.clone(),
        });
    }
    if !uri.starts_with("arn:") {
        return Err(ctx.invalid(
            &format!("{path}.URI"),
            format!("`{uri}` is not a Secrets Manager ARN and `secrets` has no entry for it"),
            format!(
                "add \"secrets\": {{\"{uri}\": \"file:PATH\" | \"env:VAR\" | \"sm:NAME\"}}, or write the secret's ARN"
            ),
        ));
    }
    match mskgate_auth::load::SecretSource::parse(uri) {
        Ok(source) => Ok(SecretRef {
            uri: uri.to_owned(),
            source,
        }),
        Err(e) => Err(ctx.invalid(
            &format!("{path}.URI"),
            format!("`{uri}` is not a usable Secrets Manager ARN: {e}"),
            "write arn:aws:secretsmanager:<region>:<account>:secret:<name>, or map the URI to another source in `secrets`",
        )),
    }
}

fn filters(src: &Obj<'_>) -> Result<Vec<String>, ConfigError> {
    let ctx = src.ctx;
    let Some(criteria) = src.obj("FilterCriteria", "source.FilterCriteria")? else {
        return Ok(Vec::new());
    };
    criteria.check_keys(&["Filters"], &[])?;
    let items = criteria.list("Filters")?.unwrap_or_default();
    let mut patterns = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("source.FilterCriteria.Filters[{i}]");
        let filter = Obj::new(ctx, &path, item)?;
        filter.check_keys(&["Pattern"], &[])?;
        let path = format!("{path}.Pattern");
        let Some(pattern) = filter.str("Pattern")? else {
            return Err(ctx.invalid(
                &path,
                "missing",
                "add \"Pattern\": a JSON filter as a string, e.g. \"{\\\"value\\\": {\\\"status\\\": [\\\"paid\\\"]}}\"",
            ));
        };
        if pattern.len() > 4096 {
            return Err(ctx.invalid(
                &path,
                format!("{} characters", pattern.len()),
                "a pattern has at most 4096 characters, as Lambda allows",
            ));
        }
        match serde_json::from_str::<Value>(pattern) {
            Ok(Value::Object(_)) => patterns.push(pattern.to_owned()),
            Ok(other) => {
                return Err(ctx.invalid(
                    &path,
                    format!("the pattern is {}, not a JSON object", kind(&other)),
                    "write the pattern as a JSON object in a string, e.g. \"{\\\"value\\\": {\\\"status\\\": [\\\"paid\\\"]}}\"",
                ));
            }
            Err(e) => {
                return Err(ctx.invalid(
                    &path,
                    format!("the pattern is not valid JSON (column {}): {e}", e.column()),
                    "write the pattern as a JSON object in a string",
                ));
            }
        }
    }
    Ok(patterns)
}

fn destination(src: &Obj<'_>) -> Result<Option<Destination>, ConfigError> {
    let ctx = src.ctx;
    let Some(config) = src.obj("DestinationConfig", "source.DestinationConfig")? else {
        return Ok(None);
    };
    config.check_keys(&["OnFailure", "OnSuccess"], &[])?;
    if let Some(on_success) = config.obj("OnSuccess", "source.DestinationConfig.OnSuccess")?
        && on_success
            .str("Destination")?
            .is_some_and(|d| !d.is_empty())
    {
        return Err(ctx.invalid(
            "source.DestinationConfig.OnSuccess.Destination",
            "on-success destinations are not supported for event source mappings",
            "remove it (Lambda refuses it too)",
        ));
    }
    let Some(on_failure) = config.obj("OnFailure", "source.DestinationConfig.OnFailure")? else {
        return Ok(None);
    };
    on_failure.check_keys(&["Destination"], &[])?;
    match on_failure.str("Destination")? {
        None | Some("") => Ok(None),
        Some(d) => Destination::parse(d).map(Some).map_err(|reason| {
            ctx.invalid(
                "source.DestinationConfig.OnFailure.Destination",
                format!("`{d}`: {reason}"),
                "write kafka://<topic>, or the ARN of an SQS queue, SNS topic or S3 bucket (arn:aws:sqs:…, arn:aws:sns:…, arn:aws:s3:::bucket); for a local file use `on_failure_file`",
            )
        }),
    }
}

fn response_types(src: &Obj<'_>) -> Result<bool, ConfigError> {
    let ctx = src.ctx;
    let Some(types) = src.strings("FunctionResponseTypes")? else {
        return Ok(false);
    };
    if types.len() > 1 {
        return Err(ctx.invalid(
            "source.FunctionResponseTypes",
            format!("{} entries", types.len()),
            "list at most one: [\"ReportBatchItemFailures\"]",
        ));
    }
    match types.first() {
        None => Ok(false),
        Some(&"ReportBatchItemFailures") => Ok(true),
        Some(other) => Err(ctx.invalid(
            "source.FunctionResponseTypes[0]",
            format!("`{other}` is not a function response type"),
            "the only one is ReportBatchItemFailures",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_forms() {
        assert!(is_host_port("127.0.0.1:9092"));
        assert!(is_host_port(
            "b-1.example.kafka.us-east-1.amazonaws.com:9096"
        ));
        assert!(is_host_port("[::1]:9092"));
        assert!(!is_host_port("localhost"));
        assert!(!is_host_port("host:0"));
        assert!(!is_host_port("host:99999"));
        assert!(!is_host_port("PLAINTEXT://host:9092"));
        assert!(!is_host_port(":9092"));
    }

    #[test]
    fn msk_arns() {
        assert!(is_msk_cluster_arn(
            "arn:aws:kafka:us-east-1:123456789012:cluster/orders/abcd-1"
        ));
        assert!(!is_msk_cluster_arn(
            "arn:aws:kafka:us-east-1:123456789012:vpc-connection/x"
        ));
        assert!(!is_msk_cluster_arn(
            "arn:aws:kafka:us-east-1:1234:cluster/x/y"
        ));
        assert!(!is_msk_cluster_arn("cluster/orders"));
    }

    #[test]
    fn group_ids() {
        assert!(is_group_id("orders-reader"));
        assert!(is_group_id("a/b*c:d_e+f=g.h@i"));
        assert!(!is_group_id(""));
        assert!(!is_group_id("has space"));
        assert!(!is_group_id(&"x".repeat(201)));
    }
}
