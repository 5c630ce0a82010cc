//! PRT: bootstrap servers against MSK's listener ports.

use std::collections::BTreeSet;

use super::{Cx, access_types};
use crate::diag::registry::rules;
use crate::model::{Known, Mapping, known_list};
use crate::rules::esm::host_port;

/// Whether a host name is an MSK broker (provisioned or serverless).
pub(crate) fn is_msk_host(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    (h.ends_with(".amazonaws.com") || h.ends_with(".amazonaws.com.cn"))
        && (h.contains(".kafka.") || h.contains(".kafka-serverless."))
}

fn is_serverless_host(host: &str) -> bool {
    host.to_ascii_lowercase().contains(".kafka-serverless.")
}

/// MSK ports (private, public, IPv6) that serve what the mapping authenticates with.
fn expected_ports(types: &[&str]) -> (&'static [u32], &'static str) {
    if types.contains(&"CLIENT_CERTIFICATE_TLS_AUTH") {
        (&[9094, 9194, 20094], "mTLS")
    } else if types.contains(&"SASL_SCRAM_512_AUTH") {
        (&[9096, 9196, 20096], "SASL/SCRAM")
    } else if types.contains(&"SASL_SCRAM_256_AUTH") {
        (&[], "SASL/SCRAM-SHA-256, which MSK does not offer,")
    } else if types.contains(&"BASIC_AUTH") {
        (&[], "SASL/PLAIN, which MSK does not offer,")
    } else if types.contains(&"IAM_AUTH") {
        (&[9098, 9198, 20098], "IAM")
    } else {
        (
            &[9092, 9094, 9194, 20092, 20094],
            "no credentials (plaintext or TLS)",
        )
    }
}

fn listener(port: u32) -> &'static str {
    match port {
        9092 | 20092 => "the plaintext listener",
        9094 | 9194 | 20094 => "the TLS/mTLS listener",
        9096 | 9196 | 20096 => "the SASL/SCRAM listener",
        9098 | 9198 | 20098 => "the IAM listener",
        2181 | 2182 => "ZooKeeper",
        _ => "no MSK listener",
    }
}

/// PRT006: a listener over TLS needs `ClientBroker` TLS or TLS_PLAINTEXT.
fn cluster_listener(m: &Mapping, cx: &mut Cx<'_>) {
    let Some(c) = m.cluster.as_ref().filter(|c| !c.serverless) else {
        return;
    };
    let types: Vec<&str> = access_types(m).into_iter().map(|(t, _, _)| t).collect();
    let needs = if types.contains(&"CLIENT_CERTIFICATE_TLS_AUTH") {
        "mTLS"
    } else if types.contains(&"SASL_SCRAM_512_AUTH") {
        "SASL/SCRAM"
    } else if c.enabled(&["Sasl", "Iam", "Enabled"]) == Known::Value(true) {
        "IAM"
    } else {
        return;
    };
    match c.client_broker.as_ref() {
        Some(v) if v.as_str() == Some("PLAINTEXT") => cx.report(
            m,
            &rules::LISTENER_NOT_EXPOSED,
            Some(v.span),
            format!(
                "the cluster `{}` has ClientBroker PLAINTEXT, so it has no {needs} listener (those run over TLS) for this mapping",
                c.resource
            ),
        ),
        Some(v) if v.unknown_part().is_some() => {
            cx.unknown(m, &format!("the ClientBroker of `{}`", c.resource), v, &rules::LISTENER_NOT_EXPOSED);
        }
        _ => {}
    }
}

pub(super) fn check(m: &Mapping, cx: &mut Cx<'_>) {
    if m.source_kind() == Some(crate::model::SourceKind::Msk) {
        cluster_listener(m, cx);
    }
    let Known::Value(servers) = known_list(m.bootstrap_servers()) else {
        return;
    };
    let types: Vec<&str> = access_types(m).into_iter().map(|(t, _, _)| t).collect();
    let (expected, auth) = expected_ports(&types);
    let mut ports = BTreeSet::new();
    for s in servers {
        let Some((host, port)) = s.as_str().and_then(host_port) else {
            continue;
        };
        ports.insert(port);
        let msk = is_msk_host(host);
        let zk_host = msk
            && host
                .strip_prefix("z-")
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()));
        if port == 2181 || port == 2182 || zk_host {
            cx.report(
                m,
                &rules::ZOOKEEPER_OR_CONTROLLER_ENDPOINT,
                Some(s.span),
                format!("`{host}:{port}` is a ZooKeeper endpoint, not a broker"),
            );
            continue;
        }
        if msk && is_serverless_host(host) {
            if port != 9098 {
                cx.report(
                    m,
                    &rules::SERVERLESS_PORT,
                    Some(s.span),
                    format!("`{host}:{port}` is an MSK Serverless broker; those listen on 9098 (IAM) only"),
                );
            }
            continue;
        }
        if msk && !expected.contains(&port) {
            cx.report(
                m,
                &rules::BOOTSTRAP_PORT_AUTH_MISMATCH,
                Some(s.span),
                format!(
                    "`{host}:{port}` is {} of an MSK broker, but the mapping authenticates with {auth}{}",
                    listener(port),
                    if expected.is_empty() {
                        String::new()
                    } else {
                        format!(" (served on {})", join_ports(expected))
                    }
                ),
            );
        }
    }
    if ports.len() > 1 {
        cx.report(
            m,
            &rules::MIXED_LISTENER_PORTS,
            m.bootstrap_servers().map(|v| v.span),
            format!(
                "the bootstrap servers use the ports {}; brokers of one listener share one port",
                join_ports(&ports.iter().copied().collect::<Vec<_>>())
            ),
        );
    }
}

fn join_ports(ports: &[u32]) -> String {
    ports
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
