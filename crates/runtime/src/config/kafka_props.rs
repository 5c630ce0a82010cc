//! The `kafka` section: librdkafka properties that tune the client. Properties that carry
//! credentials or security settings, or that the runtime's semantics depend on, belong to other
//! sections and are refused here, naming the owner.

use std::collections::BTreeMap;

use serde_json::Value;

use super::ConfigError;
use super::tree::{Obj, kind};

/// Which part of the configuration owns a librdkafka property that `kafka` refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KafkaPropertyOwner {
    /// Security and credentials: `source.SourceAccessConfigurations`, `secrets` and `tls`.
    Security,
    /// The brokers: the source's endpoints or `bootstrap_servers`.
    Brokers,
    /// The consumer group: `source.…KafkaEventSourceConfig.ConsumerGroupId` / `UUID`.
    Group,
    /// Where a new group starts: `source.StartingPosition`.
    StartingPosition,
    /// Offsets, partition EOF and rebalancing: the runtime commits only after a batch succeeds
    /// and relies on cooperative rebalancing.
    Runtime,
    /// Loads code into the process (`plugin.library.paths`): never from a config file.
    Plugins,
}

impl KafkaPropertyOwner {
    fn help(self) -> &'static str {
        match self {
            Self::Security => {
                "security settings and credentials come from source.SourceAccessConfigurations (the auth mode and secret URIs), `secrets` (where each secret is read) and `tls` (enabled, ca_file, allow_plaintext_sasl)"
            }
            Self::Brokers => {
                "the brokers come from source.SelfManagedEventSource.Endpoints.KAFKA_BOOTSTRAP_SERVERS, or `bootstrap_servers` for an MSK EventSourceArn"
            }
            Self::Group => {
                "the group id comes from source.AmazonManagedKafkaEventSourceConfig / SelfManagedKafkaEventSourceConfig.ConsumerGroupId (else the mapping's UUID)"
            }
            Self::StartingPosition => {
                "where a new group starts comes from source.StartingPosition (TRIM_HORIZON, LATEST, AT_TIMESTAMP)"
            }
            Self::Runtime => {
                "the runtime owns offsets and rebalancing: it commits only after a batch succeeds, as Lambda does"
            }
            Self::Plugins => {
                "plugins load code into the process and cannot be set from a config file"
            }
        }
    }
}

/// Who owns `name` if the `kafka` section may not set it; `None` for a tuning property.
///
/// The list is deliberate: everything under `sasl.`, `ssl.`/`ssl_`, `https.` and `oauthbearer`
/// plus the security switches; the brokers, the group, the starting offset, and the offset and
/// rebalance settings the commit-after-success semantics depend on.
pub fn owner_of_kafka_property(name: &str) -> Option<KafkaPropertyOwner> {
    use KafkaPropertyOwner as O;
    let name = name.trim().to_ascii_lowercase();
    let security_prefixes = ["sasl.", "ssl.", "ssl_", "https.", "oauthbearer"];
    if security_prefixes.iter().any(|p| name.starts_with(p)) {
        return Some(O::Security);
    }
    match name.as_str() {
        "security.protocol"
        | "enable.ssl.certificate.verification"
        | "enable.sasl.oauthbearer.unsecure.jwt"
        | "ssl.endpoint.identification.algorithm" => Some(O::Security),
        "bootstrap.servers" | "metadata.broker.list" => Some(O::Brokers),
        "group.id" => Some(O::Group),
        "auto.offset.reset" => Some(O::StartingPosition),
        "enable.auto.commit"
        | "enable.auto.offset.store"
        | "auto.commit.enable"
        | "enable.partition.eof"
        | "partition.assignment.strategy"
        | "group.protocol"
        | "offset.store.method"
        | "enable.idempotence"
        | "transactional.id" => Some(O::Runtime),
        "plugin.library.paths" | "interceptors" => Some(O::Plugins),
        _ => None,
    }
}

/// A librdkafka property name: lowercase letters, digits, `.` and `_`.
fn is_property_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_')
}

pub(super) fn parse(top: &Obj<'_>) -> Result<BTreeMap<String, String>, ConfigError> {
    let ctx = top.ctx;
    let Some(map) = top.obj("kafka", "kafka")? else {
        return Ok(BTreeMap::new());
    };
    let mut out = BTreeMap::new();
    for (name, value) in map.map {
        let path = format!("kafka.{name}");
        if let Some(owner) = owner_of_kafka_property(name) {
            return Err(ctx.invalid(
                &path,
                "this property cannot be set in `kafka`",
                owner.help(),
            ));
        }
        if !is_property_name(name) {
            return Err(ctx.invalid(
                &path,
                "not a librdkafka property name",
                "property names are lowercase words joined by `.`, e.g. session.timeout.ms (see librdkafka's CONFIGURATION.md)",
            ));
        }
        // Values are never echoed: a user may have pasted something sensitive under a
        // property this list does not know.
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => {
                return Err(ctx.invalid(
                    &path,
                    format!(
                        "expected a string, number or boolean, found {}",
                        kind(other)
                    ),
                    "write the value as librdkafka takes it, e.g. \"45000\"",
                ));
            }
        };
        if text.contains('\0') {
            return Err(ctx.invalid(&path, "the value contains a NUL character", "remove it"));
        }
        if name == "auto.commit.interval.ms"
            && !text
                .trim()
                .parse::<u32>()
                .is_ok_and(|ms| (1..=60_000).contains(&ms))
        {
            return Err(ctx.invalid(
                &path,
                "must be a whole number of milliseconds from 1 to 60000",
                "the runtime stores each succeeded batch's offsets at once and librdkafka commits them this often (default 100); 0 would commit only on rebalance and shutdown",
            ));
        }
        out.insert(name.clone(), text);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners() {
        use KafkaPropertyOwner as O;
        for (name, owner) in [
            ("sasl.password", Some(O::Security)),
            ("SASL.Mechanism", Some(O::Security)),
            ("ssl.key.location", Some(O::Security)),
            ("ssl_key", Some(O::Security)),
            ("ssl.ca.location", Some(O::Security)),
            ("security.protocol", Some(O::Security)),
            ("enable.ssl.certificate.verification", Some(O::Security)),
            ("bootstrap.servers", Some(O::Brokers)),
            ("group.id", Some(O::Group)),
            ("auto.offset.reset", Some(O::StartingPosition)),
            ("enable.auto.commit", Some(O::Runtime)),
            ("enable.auto.offset.store", Some(O::Runtime)),
            ("plugin.library.paths", Some(O::Plugins)),
            ("session.timeout.ms", None),
            ("fetch.max.bytes", None),
            ("client.id", None),
        ] {
            assert_eq!(owner_of_kafka_property(name), owner, "{name}");
        }
    }
}
