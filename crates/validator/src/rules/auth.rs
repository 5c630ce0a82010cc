//! AUTH: which authentication a mapping asks for, and whether that combination exists.

use mskgate_auth::Severity;

use super::{AUTH_MECHANISMS, Cx, access_types};
use crate::diag::registry::rules;
use crate::model::{Known, Mapping, SourceKind, V, known_list};
use crate::rules::esm::host_port;
use crate::rules::port::is_msk_host;

pub(super) fn check(m: &Mapping, cx: &mut Cx<'_>) {
    let types = access_types(m);
    for v in m.access_configs().into_iter().filter_map(|(t, _)| t) {
        if v.unknown_part().is_some() {
            cx.unknown(
                m,
                "an authentication type",
                v,
                &rules::SINGLE_AUTH_MECHANISM,
            );
        }
    }
    if m.source_kind() == Some(SourceKind::Msk) {
        for (ty, v, _) in &types {
            let why = match *ty {
                "SASL_SCRAM_256_AUTH" => "MSK supports SASL/SCRAM-SHA-512 only",
                "BASIC_AUTH" => "MSK does not support SASL/PLAIN",
                "SERVER_ROOT_CA_CERTIFICATE" => {
                    "MSK brokers present publicly trusted certificates; a root CA is for self-managed Kafka"
                }
                "VPC_SUBNET" | "VPC_SECURITY_GROUP" => {
                    "Lambda reads an MSK cluster's network from the MSK API; VPC entries are for self-managed Kafka"
                }
                "VIRTUAL_HOST" => "VIRTUAL_HOST is for Amazon MQ (RabbitMQ)",
                _ => continue,
            };
            cx.report(
                m,
                &rules::MSK_UNSUPPORTED_AUTH_TYPE,
                Some(v.span),
                format!("`{ty}` cannot be used with an MSK event source: {why}"),
            );
        }
    }
    let mechanisms: Vec<&(&str, &V, Option<&V>)> = types
        .iter()
        .filter(|(t, _, _)| AUTH_MECHANISMS.contains(t))
        .collect();
    if mechanisms.len() > 1 {
        let names: Vec<&str> = mechanisms.iter().map(|(t, _, _)| *t).collect();
        cx.report(
            m,
            &rules::SINGLE_AUTH_MECHANISM,
            Some(mechanisms[1].1.span),
            format!(
                "the mapping names {} authentication mechanisms ({}); Lambda uses exactly one",
                names.len(),
                names.join(", ")
            ),
        );
    }
    if m.source_kind() == Some(SourceKind::Msk) {
        cluster_auth(m, cx, &types);
    }
    if m.source_kind() == Some(SourceKind::SelfManaged) {
        vpc_pair(m, cx, &types);
        sasl_over_plaintext(m, cx, &types);
    }
}

fn vpc_pair(m: &Mapping, cx: &mut Cx<'_>, types: &[(&str, &V, Option<&V>)]) {
    let subnets: Vec<_> = types
        .iter()
        .filter(|(t, _, _)| *t == "VPC_SUBNET")
        .collect();
    let groups: Vec<_> = types
        .iter()
        .filter(|(t, _, _)| *t == "VPC_SECURITY_GROUP")
        .collect();
    match (subnets.first(), groups.first()) {
        (Some((_, v, _)), None) => cx.report(
            m,
            &rules::SMK_VPC_PAIR,
            Some(v.span),
            "`VPC_SUBNET` is given without `VPC_SECURITY_GROUP`; give both or neither".into(),
        ),
        (None, Some((_, v, _))) => cx.report(
            m,
            &rules::SMK_VPC_PAIR,
            Some(v.span),
            "`VPC_SECURITY_GROUP` is given without `VPC_SUBNET`; give both or neither".into(),
        ),
        _ => {}
    }
    for (entries, prefix) in [(&subnets, "subnet:"), (&groups, "security_group:")] {
        for (ty, _, uri) in entries {
            if let Some(u) = uri.and_then(|u| u.as_str())
                && !u.starts_with(prefix)
            {
                cx.report(
                    m,
                    &rules::SMK_VPC_PAIR,
                    uri.map(|v| v.span),
                    format!("the `{ty}` URI `{u}` does not start with `{prefix}`"),
                );
            }
        }
    }
}

fn sasl_over_plaintext(m: &Mapping, cx: &mut Cx<'_>, types: &[(&str, &V, Option<&V>)]) {
    let Some((mech, _, _)) = types.iter().find(|(t, _, _)| {
        matches!(
            *t,
            "BASIC_AUTH" | "SASL_SCRAM_256_AUTH" | "SASL_SCRAM_512_AUTH"
        )
    }) else {
        return;
    };
    let Known::Value(servers) = known_list(m.bootstrap_servers()) else {
        return;
    };
    for s in servers {
        let Some((host, port)) = s.as_str().and_then(host_port) else {
            continue;
        };
        // MSK host names are judged by PRT001 with the real port map.
        if port == 9092 && !is_msk_host(host) {
            cx.report_as(
                m,
                &rules::SASL_OVER_PLAINTEXT,
                Severity::Warning,
                Some(s.span),
                format!(
                    "`{host}:{port}` is on Kafka's conventional PLAINTEXT port, but {mech} credentials are sent over TLS (SASL_SSL) only"
                ),
                None,
            );
        }
    }
}

/// AUTH004/AUTH005: the mapping's authentication against the cluster declared in the artifact.
fn cluster_auth(m: &Mapping, cx: &mut Cx<'_>, types: &[(&str, &V, Option<&V>)]) {
    let Some(c) = &m.cluster else { return };
    let mechanism = types.iter().find(|(t, _, _)| AUTH_MECHANISMS.contains(t));
    if c.serverless {
        if let Some((t, v, _)) = mechanism {
            cx.report(
                m,
                &rules::SERVERLESS_NON_IAM_AUTH,
                Some(v.span),
                format!(
                    "`{}` is MSK Serverless, which accepts IAM only, but the mapping uses {t}",
                    c.resource
                ),
            );
        }
        return;
    }
    let rule = &rules::AUTH_NOT_ENABLED_ON_CLUSTER;
    let state = |path: &[&str]| c.enabled(path);
    match mechanism {
        Some((t, v, _)) => {
            let (path, label): (&[&str], &str) = match *t {
                "SASL_SCRAM_512_AUTH" => (&["Sasl", "Scram", "Enabled"], "SASL/SCRAM"),
                "CLIENT_CERTIFICATE_TLS_AUTH" => (&["Tls", "Enabled"], "TLS client authentication"),
                // Not MSK mechanisms at all: AUTH001 reports them.
                _ => return,
            };
            let enabled = if *t == "CLIENT_CERTIFICATE_TLS_AUTH" {
                // A `Tls` block with a CA list and no `Enabled` is enabled.
                match (
                    state(path),
                    c.client_authentication
                        .as_ref()
                        .and_then(|ca| ca.at(&["Tls"])),
                ) {
                    (Known::Absent, Some(_)) => Known::Value(true),
                    (k, _) => k,
                }
            } else {
                state(path)
            };
            match enabled {
                Known::Value(true) => {}
                Known::Unknown(u) => cx.unknown(m, &format!("whether `{}` enables {label}", c.resource), u, rule),
                _ => cx.report(
                    m,
                    rule,
                    Some(v.span),
                    format!("the mapping authenticates with {t}, but the cluster `{}` does not enable {label}", c.resource),
                ),
            }
        }
        None => {
            // Without ClientAuthentication MSK leaves unauthenticated access on: nothing to say.
            if c.client_authentication.is_none() {
                return;
            }
            let iam = state(&["Sasl", "Iam", "Enabled"]);
            let unauth = state(&["Unauthenticated", "Enabled"]);
            for k in [&iam, &unauth] {
                if let Known::Unknown(u) = k {
                    cx.unknown(
                        m,
                        &format!("the client authentication of `{}`", c.resource),
                        u,
                        rule,
                    );
                    return;
                }
            }
            if !matches!(iam, Known::Value(true)) && !matches!(unauth, Known::Value(true)) {
                cx.report(
                    m,
                    rule,
                    m.get(&["EventSourceArn"]).map(|v| v.span),
                    format!(
                        "the mapping has no secret, so Lambda uses IAM or unauthenticated access, but the cluster `{}` enables neither",
                        c.resource
                    ),
                );
            }
        }
    }
}
