//! ESM: the mapping's own configuration, as the Lambda API validates it.

use std::collections::BTreeMap;

use mskgate_auth::Severity;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Cx;
use crate::diag::registry::rules;
use crate::model::{Dialect, Known, Mapping, SourceKind, V, Val, known_i64, known_list, known_str};

/// Properties whose type is fixed: (path, expected, "object"/"list").
const SHAPES: &[(&[&str], bool)] = &[
    (&["Topics"], true),
    (&["SourceAccessConfigurations"], true),
    (&["SelfManagedEventSource"], false),
    (&["SelfManagedEventSource", "Endpoints"], false),
    (
        &[
            "SelfManagedEventSource",
            "Endpoints",
            "KAFKA_BOOTSTRAP_SERVERS",
        ],
        true,
    ),
    (&["FilterCriteria"], false),
    (&["DestinationConfig"], false),
    (&["AmazonManagedKafkaEventSourceConfig"], false),
    (&["SelfManagedKafkaEventSourceConfig"], false),
    (&["FunctionResponseTypes"], true),
];

fn type_name(v: &V) -> &'static str {
    match v.val {
        Val::Null => "null",
        Val::Scalar(_) => "a string or number",
        Val::List(_) => "a list",
        Val::Map(_) => "an object",
        Val::Unknown(_) => "unknown",
    }
}

pub(super) fn check(m: &Mapping, cx: &mut Cx<'_>) {
    for (path, list) in SHAPES {
        if let Some(v) = m.get(path) {
            let ok = match v.val {
                Val::List(_) => *list,
                Val::Map(_) => !*list,
                Val::Unknown(_) | Val::Null => true,
                Val::Scalar(_) => false,
            };
            if !ok {
                cx.report(
                    m,
                    &rules::PROPERTY_TYPE,
                    Some(v.span),
                    format!(
                        "`{}` is {}; it must be {}",
                        path.join("."),
                        type_name(v),
                        if *list { "a list" } else { "an object" }
                    ),
                );
            }
        }
    }
    topics(m, cx);
    starting_position(m, cx);
    integer_range(m, cx, "BatchSize", 1, 10_000, &rules::BATCH_SIZE_RANGE);
    integer_range(
        m,
        cx,
        "MaximumBatchingWindowInSeconds",
        0,
        300,
        &rules::BATCHING_WINDOW_RANGE,
    );
    consumer_group(m, cx);
    source_kind(m, cx);
    event_source_arn(m, cx);
    bootstrap_servers(m, cx);
    destinations(m, cx);
    function_timeout(m, cx);
    non_kafka(m, cx);
    pollers(m, cx);
    metrics(m, cx);
    access_limits(m, cx);
    filters(m, cx);
}

fn non_kafka(m: &Mapping, cx: &mut Cx<'_>) {
    for key in [
        "ParallelizationFactor",
        "TumblingWindowInSeconds",
        "Queues",
        "ScalingConfig",
        "DocumentDBEventSourceConfig",
    ] {
        if let Some(v) = m.get(&[key]) {
            cx.report(
                m,
                &rules::NON_KAFKA_PARAMETER,
                Some(v.span),
                format!("`{key}` does not apply to Kafka event source mappings"),
            );
        }
    }
}

fn pollers(m: &Mapping, cx: &mut Cx<'_>) {
    let cfg = m.get(&["ProvisionedPollerConfig"]);
    let registry = m
        .get(&[
            "AmazonManagedKafkaEventSourceConfig",
            "SchemaRegistryConfig",
        ])
        .or_else(|| m.get(&["SelfManagedKafkaEventSourceConfig", "SchemaRegistryConfig"]));
    if let (Some(r), None) = (registry, cfg) {
        cx.report(
            m,
            &rules::SCHEMA_REGISTRY_NEEDS_PROVISIONED,
            Some(r.span),
            "`SchemaRegistryConfig` is set but `ProvisionedPollerConfig` is not; schema registries need provisioned mode".into(),
        );
    }
    let Some(cfg) = cfg else { return };
    let rule = &rules::PROVISIONED_POLLER_RANGE;
    let min = cfg.get("MinimumPollers");
    let max = cfg.get("MaximumPollers");
    let mut known = [None, None];
    for (i, (v, key, lo, hi)) in [
        (min, "MinimumPollers", 1, 200),
        (max, "MaximumPollers", 1, 2000),
    ]
    .into_iter()
    .enumerate()
    {
        match known_i64(v) {
            Known::Value(n) if n < lo || n > hi => cx.report(
                m,
                rule,
                v.map(|v| v.span),
                format!("`{key}` is {n}; Kafka mappings accept {lo} to {hi}"),
            ),
            Known::Value(n) => known[i] = Some(n),
            Known::Unknown(u) => cx.unknown(m, &format!("`{key}`"), u, rule),
            Known::WrongType(w) => {
                cx.report(m, rule, Some(w.span), format!("`{key}` is not an integer"))
            }
            Known::Absent => {}
        }
    }
    if let [Some(lo), Some(hi)] = known
        && lo > hi
    {
        cx.report(
            m,
            rule,
            min.map(|v| v.span),
            format!("`MinimumPollers` ({lo}) is greater than `MaximumPollers` ({hi})"),
        );
    }
    if let Known::Value(name) = known_str(cfg.get("PollerGroupName"))
        && (name.len() > 128
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        cx.report(
            m,
            rule,
            cfg.get("PollerGroupName").map(|v| v.span),
            format!("`PollerGroupName` `{name}` is not up to 128 characters of [a-zA-Z0-9-_]"),
        );
    }
}

fn metrics(m: &Mapping, cx: &mut Cx<'_>) {
    let rule = &rules::METRICS_CONFIG;
    let Known::Value(items) = known_list(m.get(&["MetricsConfig", "Metrics"])) else {
        return;
    };
    if items.len() > 3 {
        cx.report(
            m,
            rule,
            m.get(&["MetricsConfig", "Metrics"]).map(|v| v.span),
            format!("`Metrics` lists {} values; at most 3", items.len()),
        );
    }
    let mut seen = Vec::new();
    for v in items {
        let Some(name) = v.as_str() else { continue };
        if !matches!(name, "EventCount" | "ErrorCount" | "KafkaMetrics") {
            cx.report(
                m,
                rule,
                Some(v.span),
                format!("`{name}` is not a metric (EventCount, ErrorCount, KafkaMetrics)"),
            );
        } else if seen.contains(&name) {
            cx.report(m, rule, Some(v.span), format!("`{name}` is listed twice"));
        }
        seen.push(name);
    }
}

/// Source access types Lambda knows for Kafka (the botocore enum plus the newer OAuth/IAM types).
const ACCESS_TYPES: &[&str] = &[
    "BASIC_AUTH",
    "SASL_SCRAM_256_AUTH",
    "SASL_SCRAM_512_AUTH",
    "CLIENT_CERTIFICATE_TLS_AUTH",
    "SERVER_ROOT_CA_CERTIFICATE",
    "VPC_SUBNET",
    "VPC_SECURITY_GROUP",
    "VIRTUAL_HOST",
    "OAUTHBEARER_AUTH",
    "OAUTHBEARER_SCOPE",
    "OAUTHBEARER_AUDIENCE",
    "OAUTHBEARER_LOGICAL_CLUSTER",
    "OAUTHBEARER_IDENTITY_POOL",
    "IAM_AUTH",
    "IAM_OAUTHBEARER_AUTH",
];

fn access_limits(m: &Mapping, cx: &mut Cx<'_>) {
    let Known::Value(items) = known_list(m.get(&["SourceAccessConfigurations"])) else {
        return;
    };
    let limit = if matches!(m.dialect, Dialect::EsmApi | Dialect::MskgateConfig) {
        23
    } else {
        22
    };
    if items.len() > limit {
        cx.report(
            m,
            &rules::SOURCE_ACCESS_CONFIG_LIMITS,
            m.get(&["SourceAccessConfigurations"]).map(|v| v.span),
            format!(
                "{} SourceAccessConfigurations are given; at most {limit}",
                items.len()
            ),
        );
    }
    for e in items {
        if let Some(t) = e.at(&["Type"]).and_then(V::as_str)
            && !ACCESS_TYPES.contains(&t)
        {
            cx.report(
                m,
                &rules::UNKNOWN_SOURCE_ACCESS_TYPE,
                e.at(&["Type"]).map(|v| v.span),
                format!("`{t}` is not a source access type Lambda knows"),
            );
        }
        if let Some(u) = e.at(&["URI"]).and_then(V::as_str) {
            let bad = u.chars().find(|c| {
                !(c.is_ascii_alphanumeric()
                    || matches!(c, ' ' | '-' | '/' | '*' | ':' | '_' | '+' | '=' | '.' | '@'))
            });
            let why = if u.is_empty() || u.chars().count() > 200 {
                Some(format!(
                    "is {} characters long; URIs are 1-200",
                    u.chars().count()
                ))
            } else if u.contains("{{resolve:") {
                // SEC007 names this case without echoing the value.
                None
            } else {
                bad.map(|c| format!("contains `{c}`"))
            };
            if let Some(why) = why {
                cx.report(
                    m,
                    &rules::SOURCE_ACCESS_CONFIG_LIMITS,
                    e.at(&["URI"]).map(|v| v.span),
                    format!("a SourceAccessConfigurations URI {why}"),
                );
            }
        }
    }
}

fn filters(m: &Mapping, cx: &mut Cx<'_>) {
    let Known::Value(items) = known_list(m.get(&["FilterCriteria", "Filters"])) else {
        return;
    };
    for f in items {
        let Some(p) = f.at(&["Pattern"]) else {
            continue;
        };
        let Some(text) = p.as_str() else {
            if p.unknown_part().is_some() {
                cx.unknown(m, "a filter pattern", p, &rules::FILTER_PATTERN_INVALID);
            }
            continue;
        };
        let why = if text.chars().count() > 4096 {
            Some(format!(
                "is {} characters long; the limit is 4096",
                text.chars().count()
            ))
        } else {
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(serde_json::Value::Object(_)) => None,
                Ok(_) => Some("is JSON but not an object".to_owned()),
                Err(e) => Some(format!(
                    "is not valid JSON ({})",
                    e.to_string().split(" at line").next().unwrap_or_default()
                )),
            }
        };
        if let Some(why) = why {
            cx.report(
                m,
                &rules::FILTER_PATTERN_INVALID,
                Some(p.span),
                format!("a FilterCriteria pattern {why}"),
            );
        }
    }
}

fn topics(m: &Mapping, cx: &mut Cx<'_>) {
    match known_list(m.get(&["Topics"])) {
        Known::Absent => cx.report(
            m,
            &rules::TOPICS_EXACTLY_ONE,
            None,
            "the mapping names no topic; Kafka mappings need `Topics` with exactly one topic"
                .into(),
        ),
        Known::Unknown(v) => {
            cx.unknown(m, "`Topics`", v, &rules::TOPICS_EXACTLY_ONE);
            cx.unknown(m, "`Topics`", v, &rules::TOPIC_NAME_INVALID);
        }
        Known::WrongType(_) => {}
        Known::Value(items) => {
            if items.len() != 1 {
                cx.report(
                    m,
                    &rules::TOPICS_EXACTLY_ONE,
                    m.get(&["Topics"]).map(|v| v.span),
                    format!(
                        "`Topics` lists {} topics; a Kafka mapping reads exactly one",
                        items.len()
                    ),
                );
            }
            for t in items {
                match known_str(Some(t)) {
                    Known::Value(name) => {
                        if let Some(why) = topic_problem(name) {
                            cx.report(
                                m,
                                &rules::TOPIC_NAME_INVALID,
                                Some(t.span),
                                format!("the topic name `{name}` {why}"),
                            );
                        }
                    }
                    Known::Unknown(v) => {
                        cx.unknown(m, "a topic name", v, &rules::TOPIC_NAME_INVALID)
                    }
                    _ => cx.report(
                        m,
                        &rules::TOPIC_NAME_INVALID,
                        Some(t.span),
                        "a topic is not a string".into(),
                    ),
                }
            }
        }
    }
}

/// Why a topic name is invalid, if it is.
pub(super) fn topic_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("is empty".into());
    }
    if name.len() > 249 {
        return Some(format!(
            "is {} characters long; the limit is 249",
            name.len()
        ));
    }
    if name == "." || name == ".." {
        return Some("is reserved".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Some(format!(
            "contains `{c}`; topic names use letters, digits, `.`, `_` and `-`"
        ));
    }
    None
}

fn starting_position(m: &Mapping, cx: &mut Cx<'_>) {
    let pos = m.get(&["StartingPosition"]);
    let ts = m.get(&["StartingPositionTimestamp"]);
    match known_str(pos) {
        Known::Absent => cx.report(
            m,
            &rules::STARTING_POSITION_REQUIRED,
            None,
            "`StartingPosition` is missing; MSK and self-managed Kafka mappings require it".into(),
        ),
        Known::Unknown(v) => {
            cx.unknown(m, "`StartingPosition`", v, &rules::STARTING_POSITION_REQUIRED);
            cx.unknown(m, "`StartingPosition`", v, &rules::AT_TIMESTAMP_NEEDS_TIMESTAMP);
        }
        Known::WrongType(v) => cx.report(
            m,
            &rules::STARTING_POSITION_REQUIRED,
            Some(v.span),
            "`StartingPosition` is not a string".into(),
        ),
        Known::Value(p) => match p {
            "AT_TIMESTAMP" => match ts {
                None => cx.report(
                    m,
                    &rules::AT_TIMESTAMP_NEEDS_TIMESTAMP,
                    pos.map(|v| v.span),
                    "`StartingPosition` is AT_TIMESTAMP but `StartingPositionTimestamp` is missing"
                        .into(),
                ),
                Some(t) => timestamp_not_future(m, cx, t),
            },
            "LATEST" | "TRIM_HORIZON" => {
                if let Some(t) = ts {
                    cx.report_as(
                        m,
                        &rules::AT_TIMESTAMP_NEEDS_TIMESTAMP,
                        Severity::Warning,
                        Some(t.span),
                        format!("`StartingPositionTimestamp` is ignored with StartingPosition {p}"),
                        None,
                    );
                }
            }
            other => cx.report(
                m,
                &rules::STARTING_POSITION_REQUIRED,
                pos.map(|v| v.span),
                format!(
                    "`StartingPosition` is `{other}`; Kafka accepts LATEST, TRIM_HORIZON or AT_TIMESTAMP"
                ),
            ),
        },
    }
}

fn timestamp_not_future(m: &Mapping, cx: &mut Cx<'_>, t: &V) {
    let Some(text) = t.as_str() else {
        if t.unknown_part().is_some() {
            cx.unknown(
                m,
                "`StartingPositionTimestamp`",
                t,
                &rules::AT_TIMESTAMP_NEEDS_TIMESTAMP,
            );
        }
        return;
    };
    if matches!(m.dialect, Dialect::CloudFormation | Dialect::Sam)
        && text.trim().parse::<f64>().is_ok_and(|n| n > 1.0e11)
    {
        cx.report(
            m,
            &rules::TIMESTAMP_UNITS,
            Some(t.span),
            format!("`StartingPositionTimestamp` {text} looks like milliseconds; CloudFormation takes seconds (and multiplies by 1000)"),
        );
        return;
    }
    let at = match m.dialect {
        Dialect::TerraformPlan => OffsetDateTime::parse(text, &Rfc3339).ok(),
        _ => text.trim().parse::<f64>().ok().and_then(|secs| {
            // CloudFormation takes seconds; the API JSON from `get-event-source-mapping` too.
            let secs = secs as i64;
            OffsetDateTime::from_unix_timestamp(secs).ok()
        }),
    };
    match at {
        None => cx.report(
            m,
            &rules::AT_TIMESTAMP_NEEDS_TIMESTAMP,
            Some(t.span),
            format!(
                "`StartingPositionTimestamp` `{text}` is not {}",
                if m.dialect == Dialect::TerraformPlan {
                    "an RFC 3339 time"
                } else {
                    "a Unix time in seconds"
                }
            ),
        ),
        Some(at) if at > cx.opts.now => cx.report(
            m,
            &rules::AT_TIMESTAMP_NEEDS_TIMESTAMP,
            Some(t.span),
            format!("`StartingPositionTimestamp` ({at}) is in the future; Lambda rejects it"),
        ),
        Some(_) => {}
    }
}

fn integer_range(
    m: &Mapping,
    cx: &mut Cx<'_>,
    key: &str,
    min: i64,
    max: i64,
    rule: &'static mskgate_auth::Rule,
) {
    match known_i64(m.get(&[key])) {
        Known::Value(n) if n < min || n > max => cx.report(
            m,
            rule,
            m.get(&[key]).map(|v| v.span),
            format!("`{key}` is {n}; Kafka mappings accept {min} to {max}"),
        ),
        Known::WrongType(v) => {
            cx.report(m, rule, Some(v.span), format!("`{key}` is not an integer"))
        }
        Known::Unknown(v) => cx.unknown(m, &format!("`{key}`"), v, rule),
        _ => {}
    }
}

fn consumer_group(m: &Mapping, cx: &mut Cx<'_>) {
    match known_str(m.consumer_group_id()) {
        Known::Value(id) => {
            let bad = id.chars().find(|c| {
                !(c.is_ascii_alphanumeric()
                    || matches!(c, '-' | '/' | '*' | ':' | '_' | '+' | '=' | '.' | '@'))
            });
            let why = if id.is_empty() {
                Some("is empty".to_owned())
            } else if id.chars().count() > 200 {
                Some(format!(
                    "is {} characters long; the limit is 200",
                    id.chars().count()
                ))
            } else {
                bad.map(|c| format!("contains `{c}`"))
            };
            if let Some(why) = why {
                cx.report(
                    m,
                    &rules::CONSUMER_GROUP_ID_INVALID,
                    m.consumer_group_id().map(|v| v.span),
                    format!("the ConsumerGroupId `{id}` {why}"),
                );
            }
        }
        Known::Unknown(v) => {
            cx.unknown(m, "`ConsumerGroupId`", v, &rules::CONSUMER_GROUP_ID_INVALID);
        }
        Known::WrongType(v) => cx.report(
            m,
            &rules::CONSUMER_GROUP_ID_INVALID,
            Some(v.span),
            "`ConsumerGroupId` is not a string".into(),
        ),
        Known::Absent => {}
    }
}

fn source_kind(m: &Mapping, cx: &mut Cx<'_>) {
    let arn = m.get(&["EventSourceArn"]);
    let smk = m.get(&["SelfManagedEventSource"]);
    match (arn, smk) {
        (Some(a), Some(_)) => cx.report(
            m,
            &rules::SOURCE_KIND_EXCLUSIVE,
            Some(a.span),
            "the mapping has both `EventSourceArn` and `SelfManagedEventSource`; give exactly one".into(),
        ),
        (None, None) => cx.report(
            m,
            &rules::SOURCE_KIND_EXCLUSIVE,
            None,
            if m.dialect == Dialect::Sam {
                "the event has neither `Stream` (MSK) nor `KafkaBootstrapServers` (self-managed Kafka)".into()
            } else {
                "the mapping has neither `EventSourceArn` (MSK) nor `SelfManagedEventSource` (self-managed Kafka)".into()
            },
        ),
        _ => {}
    }
    if let Some(c) = m.get(&["AmazonManagedKafkaEventSourceConfig"])
        && arn.is_none()
        && smk.is_some()
    {
        cx.report(
            m,
            &rules::SOURCE_KIND_EXCLUSIVE,
            Some(c.span),
            "`AmazonManagedKafkaEventSourceConfig` belongs to MSK mappings; this one is self-managed (use SelfManagedKafkaEventSourceConfig)".into(),
        );
    }
    if let Some(c) = m.get(&["SelfManagedKafkaEventSourceConfig"])
        && arn.is_some()
        && smk.is_none()
    {
        cx.report(
            m,
            &rules::SOURCE_KIND_EXCLUSIVE,
            Some(c.span),
            "`SelfManagedKafkaEventSourceConfig` belongs to self-managed Kafka; this mapping is MSK (use AmazonManagedKafkaEventSourceConfig)".into(),
        );
    }
}

/// Why an MSK source ARN is malformed; `*` segments (unknown parts) are accepted.
fn msk_arn_problem(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let wild = |s: &str| s == "*";
    if parts.len() < 6 || parts[0] != "arn" {
        return Some("is not an ARN".into());
    }
    if !wild(parts[2]) && parts[2] != "kafka" {
        return Some(format!("names the service `{}`, not `kafka`", parts[2]));
    }
    if !(wild(parts[4]) || parts[4].len() == 12 && parts[4].chars().all(|c| c.is_ascii_digit())) {
        return Some(format!(
            "has the account `{}`, which is not 12 digits",
            parts[4]
        ));
    }
    let resource = parts[5];
    if wild(resource) {
        return None;
    }
    let segs: Vec<&str> = resource.split('/').collect();
    match segs.first().copied() {
        Some("cluster") if segs.len() == 3 && segs[1..].iter().all(|s| !s.is_empty()) => None,
        Some("cluster") => Some("is not cluster/<name>/<uuid>".into()),
        Some("vpc-connection") if segs.len() >= 3 => None,
        Some(t) if t.contains('*') => None,
        Some(t) => Some(format!(
            "has the resource type `{t}`, not `cluster` or `vpc-connection`"
        )),
        None => Some("has no resource".into()),
    }
}

fn event_source_arn(m: &Mapping, cx: &mut Cx<'_>) {
    if m.source_kind() != Some(SourceKind::Msk) {
        return;
    }
    let Some(v) = m.get(&["EventSourceArn"]) else {
        return;
    };
    let (text, shaped) = match &v.val {
        Val::Scalar(s) => (s.as_str(), false),
        Val::Unknown(u) => match u.shape.as_deref() {
            Some(s) if s.starts_with("arn:") => (s, true),
            _ => {
                cx.unknown(
                    m,
                    "`EventSourceArn`",
                    v,
                    &rules::MSK_EVENT_SOURCE_ARN_FORMAT,
                );
                return;
            }
        },
        _ => return,
    };
    if let Some(why) = msk_arn_problem(text) {
        cx.report(
            m,
            &rules::MSK_EVENT_SOURCE_ARN_FORMAT,
            Some(v.span),
            if shaped {
                format!("`EventSourceArn` ({text}) {why}")
            } else {
                format!("`EventSourceArn` `{text}` {why}")
            },
        );
    }
}

/// (host, port) of `host:port`.
pub(super) fn host_port(s: &str) -> Option<(&str, u32)> {
    let (host, port) = s.rsplit_once(':')?;
    let port = port.parse::<u32>().ok()?;
    Some((host, port))
}

fn bootstrap_servers(m: &Mapping, cx: &mut Cx<'_>) {
    let servers = m.bootstrap_servers();
    let items = match known_list(servers) {
        Known::Value(items) => items,
        Known::Unknown(v) => {
            cx.unknown(
                m,
                "the bootstrap servers",
                v,
                &rules::BOOTSTRAP_SERVERS_FORMAT,
            );
            return;
        }
        Known::Absent if m.get(&["SelfManagedEventSource"]).is_some() => {
            cx.report(
                m,
                &rules::BOOTSTRAP_SERVERS_FORMAT,
                m.get(&["SelfManagedEventSource"]).map(|v| v.span),
                "`SelfManagedEventSource` lists no bootstrap servers".into(),
            );
            return;
        }
        _ => return,
    };
    let span = servers.map(|v| v.span);
    if items.is_empty() || items.len() > 10 {
        cx.report(
            m,
            &rules::BOOTSTRAP_SERVERS_FORMAT,
            span,
            format!("{} bootstrap servers are listed; give 1 to 10", items.len()),
        );
    }
    let mut seen = Vec::new();
    for s in items {
        let Some(text) = s.as_str() else {
            if s.unknown_part().is_some() {
                cx.unknown(m, "a bootstrap server", s, &rules::BOOTSTRAP_SERVERS_FORMAT);
            }
            continue;
        };
        let why = if text.contains("://") {
            Some("has a scheme; give host:port only".to_owned())
        } else if text.len() > 300 {
            Some("is longer than 300 characters".to_owned())
        } else {
            match host_port(text) {
                None => Some("is not host:port".to_owned()),
                Some((_, p)) if p == 0 || p > 65_535 => Some(format!("has the port {p}")),
                Some((h, _))
                    if h.is_empty()
                        || !h
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') =>
                {
                    Some(format!(
                        "has the host `{h}`, which is not a host name or IPv4 address"
                    ))
                }
                _ => None,
            }
        };
        if let Some(why) = why {
            cx.report(
                m,
                &rules::BOOTSTRAP_SERVERS_FORMAT,
                Some(s.span),
                format!("the bootstrap server `{text}` {why}"),
            );
        }
        if seen.contains(&text) {
            cx.report(
                m,
                &rules::BOOTSTRAP_SERVERS_FORMAT,
                Some(s.span),
                format!("the bootstrap server `{text}` is listed twice"),
            );
        }
        seen.push(text);
    }
}

fn destinations(m: &Mapping, cx: &mut Cx<'_>) {
    if let Some(s) = m.get(&["DestinationConfig", "OnSuccess"]) {
        cx.report(
            m,
            &rules::ON_FAILURE_DESTINATION_KIND,
            Some(s.span),
            "`OnSuccess` destinations are not supported for Kafka event source mappings".into(),
        );
    }
    let dest = m.get(&["DestinationConfig", "OnFailure", "Destination"]);
    match known_str(dest) {
        Known::Value(d) => {
            if let Some(topic) = d.strip_prefix("kafka://") {
                if let Some(why) = topic_problem(topic) {
                    cx.report(
                        m,
                        &rules::ON_FAILURE_DESTINATION_KIND,
                        dest.map(|v| v.span),
                        format!("the Kafka destination topic `{topic}` {why}"),
                    );
                }
                if let Known::Value([only]) = known_list(m.get(&["Topics"]))
                    && only.as_str() == Some(topic)
                {
                    cx.report(
                        m,
                        &rules::KAFKA_DESTINATION_RECURSION,
                        dest.map(|v| v.span),
                        format!(
                            "failed records would go back to `{topic}`, the topic the mapping reads"
                        ),
                    );
                }
            } else {
                let service = d.split(':').nth(2).unwrap_or_default();
                if !(d.starts_with("arn:") && matches!(service, "sqs" | "sns" | "s3")) {
                    cx.report(
                        m,
                        &rules::ON_FAILURE_DESTINATION_KIND,
                        dest.map(|v| v.span),
                        format!("the on-failure destination `{d}` is not an SQS, SNS or S3 ARN or kafka://<topic>"),
                    );
                }
            }
        }
        Known::Unknown(v) => {
            let shape = v
                .unknown_part()
                .and_then(|u| u.shape.as_deref())
                .unwrap_or("");
            let service = shape.split(':').nth(2).unwrap_or("*");
            if !(shape.starts_with("arn:") && matches!(service, "sqs" | "sns" | "s3" | "*")
                || shape.starts_with("kafka://"))
            {
                cx.unknown(
                    m,
                    "the on-failure destination",
                    v,
                    &rules::ON_FAILURE_DESTINATION_KIND,
                );
            }
        }
        _ => {}
    }
    let retries = m.get(&["MaximumRetryAttempts"]);
    let infinite = match known_i64(retries) {
        Known::Absent => true,
        Known::Value(n) => n == -1,
        Known::Unknown(v) => {
            cx.unknown(m, "`MaximumRetryAttempts`", v, &rules::INFINITE_RETRIES);
            false
        }
        Known::WrongType(_) => false,
    };
    if infinite && dest.is_none() {
        cx.report(
            m,
            &rules::INFINITE_RETRIES,
            retries.map(|v| v.span),
            if retries.is_some() {
                "`MaximumRetryAttempts` is -1 and there is no on-failure destination: a record the function cannot process blocks its partition forever".into()
            } else {
                "`MaximumRetryAttempts` defaults to -1 (infinite) and there is no on-failure destination: a record the function cannot process blocks its partition forever".into()
            },
        );
    }
}

fn function_timeout(m: &Mapping, cx: &mut Cx<'_>) {
    match known_i64(m.function_timeout.as_ref()) {
        Known::Value(t) if t > 840 => cx.report(
            m,
            &rules::FUNCTION_TIMEOUT_OVER_14MIN,
            m.function_timeout.as_ref().map(|v| v.span),
            format!("the function's Timeout is {t} s; Kafka event source mappings allow at most 840 s (14 minutes)"),
        ),
        Known::Unknown(v) => cx.unknown(m, "the function's `Timeout`", v, &rules::FUNCTION_TIMEOUT_OVER_14MIN),
        _ => {}
    }
}

/// ESM009: consumer group ids shared between mappings.
pub(super) fn check_all(mappings: &[Mapping], cx: &mut Cx<'_>) {
    let mut first: BTreeMap<&str, &Mapping> = BTreeMap::new();
    for m in mappings {
        let Some(id) = m.consumer_group_id().and_then(V::as_str) else {
            continue;
        };
        match first.get(id) {
            None => {
                first.insert(id, m);
            }
            Some(prev) => {
                let both_conditional = m.conditional.is_some() || prev.conditional.is_some();
                let elsewhere = if prev.file == m.file {
                    String::new()
                } else {
                    format!(
                        " in {}",
                        cx.files
                            .get(prev.file)
                            .map_or("another file", String::as_str)
                    )
                };
                cx.report_as(
                    m,
                    &rules::CONSUMER_GROUP_ID_DUPLICATE,
                    if both_conditional {
                        Severity::Warning
                    } else {
                        Severity::Error
                    },
                    m.consumer_group_id().map(|v| v.span),
                    format!(
                        "the ConsumerGroupId `{id}` is also used by `{}`{elsewhere}{}",
                        prev.name,
                        if both_conditional {
                            " (if both are deployed: they have conditions)"
                        } else {
                            ""
                        }
                    ),
                    None,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_msk_arns_with_wildcards() {
        assert_eq!(
            msk_arn_problem("arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1"),
            None
        );
        assert_eq!(msk_arn_problem("arn:*:kafka:*:*:cluster/*/*"), None);
        assert!(msk_arn_problem("StreamARNNotPassed").is_some());
        assert!(msk_arn_problem("arn:aws:kafka:us-east-1:0123456789019:cluster/a/b").is_some());
        assert!(msk_arn_problem("arn:aws:kinesis:us-east-1:123456789012:stream/a").is_some());
        assert!(msk_arn_problem("arn:aws:kafka:us-east-1:123456789012:topic/a/b/c").is_some());
    }

    #[test]
    fn judges_topic_names() {
        assert_eq!(topic_problem("orders.v1_x-y"), None);
        assert!(topic_problem("..").is_some());
        assert!(topic_problem("a b").is_some());
        assert!(topic_problem(&"x".repeat(250)).is_some());
    }
}
