//! Checks across mappings or of blocks the first slice did not read: ESM018 (poller groups),
//! ESM020 (schema registry), PRT005 (public endpoints against the declared cluster), SEC009
//! (generated secrets), SEC006 for self-managed Kafka (the secret's Region against the
//! function's).

use std::collections::BTreeMap;

use mskgate_auth::msk::{Network, listener_of};

use super::{Cx, access_types};
use crate::diag::registry::rules;
use crate::infra::Infra;
use crate::model::{Dialect, Known, Mapping, SourceKind, V, Val, known_i64, known_list, known_str};
use crate::rules::esm::host_port;
use crate::rules::port::is_msk_host;

pub(super) fn check(mappings: &[Mapping], infra: &Infra, cx: &mut Cx<'_>) {
    poller_groups(mappings, cx);
    for m in mappings {
        schema_registry(m, cx);
        public_endpoints(m, infra, cx);
        generated_secrets(m, infra, cx);
        self_managed_region(m, cx);
    }
}

/// Kafka's default `MaximumPollers`.
const DEFAULT_MAX_POLLERS: i64 = 200;

/// ESM018: at most 100 mappings and 2000 pollers per poller group.
fn poller_groups(mappings: &[Mapping], cx: &mut Cx<'_>) {
    let mut groups: BTreeMap<&str, Vec<&Mapping>> = BTreeMap::new();
    for m in mappings {
        let name = m.get(&["ProvisionedPollerConfig", "PollerGroupName"]);
        match known_str(name) {
            Known::Value(n) if !n.is_empty() => groups.entry(n).or_default().push(m),
            Known::Unknown(v) => {
                cx.unknown(m, "`PollerGroupName`", v, &rules::POLLER_GROUP_CAPACITY)
            }
            _ => {}
        }
    }
    let rule = &rules::POLLER_GROUP_CAPACITY;
    for (name, ms) in groups {
        if ms.len() > 100 {
            let m = ms[100];
            cx.report(
                m,
                rule,
                m.get(&["ProvisionedPollerConfig", "PollerGroupName"])
                    .map(|v| v.span),
                format!(
                    "the poller group `{name}` has {} mappings; a poller group holds at most 100",
                    ms.len()
                ),
            );
        }
        let mut total = 0_i64;
        let mut unknown = false;
        for m in &ms {
            match known_i64(m.get(&["ProvisionedPollerConfig", "MaximumPollers"])) {
                Known::Value(n) => total += n,
                Known::Absent => total += DEFAULT_MAX_POLLERS,
                Known::Unknown(v) => {
                    cx.unknown(m, "`MaximumPollers`", v, rule);
                    unknown = true;
                }
                Known::WrongType(_) => unknown = true,
            }
            if total > 2000 && !unknown {
                cx.report(
                    m,
                    rule,
                    m.get(&["ProvisionedPollerConfig"]).map(|v| v.span),
                    format!(
                        "the mappings of poller group `{name}` add up to {total} MaximumPollers (absent counts as 200) by this one; a group allows at most 2000"
                    ),
                );
                break;
            }
        }
    }
}

/// ESM020: the schema registry configuration's fields.
fn schema_registry(m: &Mapping, cx: &mut Cx<'_>) {
    let Some(cfg) = m
        .get(&[
            "AmazonManagedKafkaEventSourceConfig",
            "SchemaRegistryConfig",
        ])
        .or_else(|| m.get(&["SelfManagedKafkaEventSourceConfig", "SchemaRegistryConfig"]))
    else {
        return;
    };
    let rule = &rules::SCHEMA_REGISTRY_CONFIG;
    if cfg.unknown_part().is_some() {
        cx.unknown(m, "`SchemaRegistryConfig`", cfg, rule);
        return;
    }
    if !cfg.is_map() {
        cx.report(
            m,
            rule,
            Some(cfg.span),
            "`SchemaRegistryConfig` is not an object".into(),
        );
        return;
    }
    let uri = cfg.at(&["SchemaRegistryURI"]);
    match known_str(uri) {
        Known::Absent => cx.report(
            m,
            rule,
            Some(cfg.span),
            "`SchemaRegistryConfig` has no `SchemaRegistryURI`".into(),
        ),
        Known::Value(u) => {
            let glue = u.starts_with("arn:")
                && u.split(':').nth(2) == Some("glue")
                && u.contains(":registry/");
            if !(glue || u.starts_with("https://")) {
                cx.report(
                    m,
                    rule,
                    uri.map(|v| v.span),
                    format!("`SchemaRegistryURI` `{u}` is neither a Glue registry ARN (arn:…:glue:…:registry/<name>) nor an https:// URL"),
                );
            }
        }
        Known::Unknown(_) => {}
        Known::WrongType(v) => cx.report(
            m,
            rule,
            Some(v.span),
            "`SchemaRegistryURI` is not a string".into(),
        ),
    }
    let format = cfg.at(&["EventRecordFormat"]);
    match known_str(format) {
        Known::Absent => cx.report(
            m,
            rule,
            Some(cfg.span),
            "`SchemaRegistryConfig` has no `EventRecordFormat` (JSON or SOURCE)".into(),
        ),
        Known::Value(f) if !matches!(f, "JSON" | "SOURCE") => cx.report(
            m,
            rule,
            format.map(|v| v.span),
            format!("`EventRecordFormat` is `{f}`; it is JSON or SOURCE"),
        ),
        Known::Unknown(v) => cx.unknown(m, "`EventRecordFormat`", v, rule),
        _ => {}
    }
    match known_list(cfg.at(&["SchemaValidationConfigs"])) {
        Known::Absent if m.dialect == Dialect::Sam => cx.report(
            m,
            rule,
            Some(cfg.span),
            "`SchemaRegistryConfig` has no `SchemaValidationConfigs`; SAM requires it ([{Attribute: VALUE}] or KEY)".into(),
        ),
        Known::Value(items) => {
            for i in items {
                if let Known::Value(a) = known_str(i.at(&["Attribute"]))
                    && !matches!(a, "KEY" | "VALUE")
                {
                    cx.report(
                        m,
                        rule,
                        i.at(&["Attribute"]).map(|v| v.span),
                        format!("a schema validation `Attribute` is `{a}`; it is KEY or VALUE"),
                    );
                }
            }
        }
        _ => {}
    }
    if let Known::Value(items) = known_list(cfg.at(&["AccessConfigs"])) {
        for a in items {
            if let Known::Value(t) = known_str(a.at(&["Type"]))
                && !matches!(
                    t,
                    "BASIC_AUTH" | "CLIENT_CERTIFICATE_TLS_AUTH" | "SERVER_ROOT_CA_CERTIFICATE"
                )
            {
                cx.report(
                    m,
                    rule,
                    a.at(&["Type"]).map(|v| v.span),
                    format!("a schema registry access config has the Type `{t}`; it is BASIC_AUTH, CLIENT_CERTIFICATE_TLS_AUTH or SERVER_ROOT_CA_CERTIFICATE"),
                );
            }
            match known_str(a.at(&["URI"])) {
                Known::Absent => cx.report(m, rule, Some(a.span), "a schema registry access config has no `URI` (the secret's ARN)".into()),
                Known::Value(u) if !(u.starts_with("arn:") && u.split(':').nth(2) == Some("secretsmanager")) => cx.report(
                    m,
                    rule,
                    a.at(&["URI"]).map(|v| v.span),
                    "a schema registry access config's `URI` is not a Secrets Manager secret ARN".into(),
                ),
                _ => {}
            }
        }
    }
}

/// PRT005: a public endpoint (91xx, `b-N-public`) of a cluster declared without public access.
fn public_endpoints(m: &Mapping, infra: &Infra, cx: &mut Cx<'_>) {
    let Known::Value(servers) = known_list(m.bootstrap_servers()) else {
        return;
    };
    for s in servers {
        let Some((host, port)) = s.as_str().and_then(host_port) else {
            continue;
        };
        if !is_msk_host(host) {
            continue;
        }
        let mut labels = host.split('.');
        let first = labels.next().unwrap_or_default().to_ascii_lowercase();
        let name = labels.next().unwrap_or_default();
        let public_port = u16::try_from(port)
            .ok()
            .and_then(listener_of)
            .is_some_and(|(_, n)| n == Network::Public);
        if !(public_port || first.ends_with("-public")) {
            continue;
        }
        let named: Vec<_> = infra
            .clusters
            .iter()
            .filter(|c| {
                !c.serverless
                    && c.get(&["ClusterName"])
                        .and_then(V::as_str)
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .collect();
        let [c] = named.as_slice() else { continue };
        let ty = c.get(&[
            "BrokerNodeGroupInfo",
            "ConnectivityInfo",
            "PublicAccess",
            "Type",
        ]);
        match known_str(ty) {
            Known::Value("SERVICE_PROVIDED_EIPS") => {}
            Known::Unknown(v) => cx.unknown(m, &format!("the public access of `{}`", c.id.resource), v, &rules::PUBLIC_ENDPOINT_WITHOUT_PUBLIC_ACCESS),
            _ => cx.report(
                m,
                &rules::PUBLIC_ENDPOINT_WITHOUT_PUBLIC_ACCESS,
                Some(s.span),
                format!(
                    "`{host}:{port}` is a public endpoint of `{}`, whose public access is DISABLED, so it does not resolve or listen",
                    c.id.resource
                ),
            ),
        }
    }
}

/// SEC009: a generated SCRAM/BASIC secret has `username` and `password`.
fn generated_secrets(m: &Mapping, infra: &Infra, cx: &mut Cx<'_>) {
    let rule = &rules::GENERATED_SECRET_KEYS;
    for (index, (ty, _, uri)) in access_types(m).into_iter().enumerate() {
        if !matches!(
            ty,
            "SASL_SCRAM_512_AUTH" | "SASL_SCRAM_256_AUTH" | "BASIC_AUTH"
        ) {
            continue;
        }
        let Some(info) = m
            .secrets
            .iter()
            .find(|s| s.access_index == index && s.generated)
        else {
            continue;
        };
        let Some(g) = infra
            .generated_secrets
            .iter()
            .find(|g| g.at.file == info.declared_at.0 && g.resource == info.resource)
        else {
            continue;
        };
        let span = Some(g.value.span);
        let key = match known_str(g.key.as_ref()) {
            Known::Value(k) => Some(k.to_owned()),
            Known::Absent => None,
            Known::Unknown(v) => {
                cx.unknown(m, "the secret's GenerateStringKey", v, rule);
                continue;
            }
            Known::WrongType(_) => None,
        };
        let mut keys: Vec<String> = Vec::new();
        match known_str(g.template.as_ref()) {
            Known::Value(t) => match serde_json::from_str::<serde_json::Value>(t) {
                Ok(serde_json::Value::Object(o)) => keys.extend(o.keys().cloned()),
                _ => {
                    cx.report(
                        m,
                        rule,
                        g.template.as_ref().map(|v| v.span),
                        format!("the SecretStringTemplate of `{}` is not a JSON object, so the generated {ty} secret is not {{\"username\", \"password\"}}", g.resource),
                    );
                    continue;
                }
            },
            Known::Unknown(v) => {
                cx.unknown(m, "the secret's SecretStringTemplate", v, rule);
                continue;
            }
            _ => {}
        }
        match (&g.template, &key) {
            (None, _) | (_, None) => {
                cx.report(
                    m,
                    rule,
                    span,
                    format!(
                        "`{}` generates {} for a {ty} secret; it needs SecretStringTemplate '{{\"username\": \"…\"}}' and GenerateStringKey password",
                        g.resource,
                        if g.template.is_none() { "a bare random string (no SecretStringTemplate)" } else { "no key (no GenerateStringKey)" }
                    ),
                );
                continue;
            }
            _ => {}
        }
        if let Some(k) = key {
            keys.push(k);
        }
        let missing: Vec<&str> = ["username", "password"]
            .into_iter()
            .filter(|k| !keys.iter().any(|x| x == k))
            .collect();
        if !missing.is_empty() {
            let _ = uri;
            cx.report(
                m,
                rule,
                span,
                format!(
                    "the secret `{}` is generated with the keys {}; a {ty} secret needs {}",
                    g.resource,
                    keys.iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    missing.join(" and ")
                ),
            );
        }
    }
}

/// The Region of an ARN (or of its shape), `None` where unknown.
fn region(arn: &str) -> Option<&str> {
    let r = arn.split(':').nth(3)?;
    (arn.starts_with("arn:") && !r.is_empty() && !r.contains('*')).then_some(r)
}

fn text_or_shape(v: Option<&V>) -> Option<&str> {
    let v = v?;
    v.as_str()
        .or_else(|| v.unknown_part().and_then(|u| u.shape.as_deref()))
}

/// SEC006 for self-managed Kafka: the secret is in the function's Region.
fn self_managed_region(m: &Mapping, cx: &mut Cx<'_>) {
    if m.source_kind() != Some(SourceKind::SelfManaged) {
        return;
    }
    let function = m
        .get(&["FunctionArn"])
        .or_else(|| m.get(&["FunctionName"]))
        .filter(|f| text_or_shape(Some(f)).is_some_and(|t| t.starts_with("arn:")))
        .or_else(|| m.get(&["EventSourceMappingArn"]));
    let f_region = text_or_shape(function).and_then(region);
    let rule = &rules::SECRET_REGION_ACCOUNT;
    for (ty, _, uri) in access_types(m) {
        if !matches!(
            ty,
            "BASIC_AUTH"
                | "SASL_SCRAM_256_AUTH"
                | "SASL_SCRAM_512_AUTH"
                | "CLIENT_CERTIFICATE_TLS_AUTH"
                | "SERVER_ROOT_CA_CERTIFICATE"
        ) {
            continue;
        }
        let Some(s_region) = text_or_shape(uri).and_then(region) else {
            continue;
        };
        match f_region {
            Some(f) if f != s_region => cx.report(
                m,
                rule,
                uri.map(|v| v.span),
                format!("the {ty} secret is in {s_region} but the function is in {f}; self-managed Kafka secrets must be in the function's Region"),
            ),
            Some(_) => {}
            None => {
                let span = uri.map_or(m.span, |v| v.span);
                let v = V {
                    val: Val::Unknown(crate::model::Unknown {
                        reason: format!("the secret is pinned to {s_region}, the function's Region is the deploy Region"),
                        shape: None,
                        resource: None,
                    }),
                    span,
                };
                cx.unknown(m, "the function's Region", &v, rule);
            }
        }
    }
}
