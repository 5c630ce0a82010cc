//! PRT: bootstrap servers against MSK's listener ports.

use std::collections::BTreeSet;

use mskgate_auth::msk::{Listener, SERVERLESS_PORT, ZOOKEEPER_PORTS, listener_of};

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

/// MSK ports (private, public, IPv6) that serve what the mapping authenticates with, from the
/// one port table (`mskgate_auth::msk`).
fn expected_ports(types: &[&str]) -> (Vec<u16>, &'static str) {
    if types.contains(&"CLIENT_CERTIFICATE_TLS_AUTH") {
        (Listener::Tls.ports().to_vec(), "mTLS")
    } else if types.contains(&"SASL_SCRAM_512_AUTH") {
        (Listener::SaslScram.ports().to_vec(), "SASL/SCRAM")
    } else if types.contains(&"SASL_SCRAM_256_AUTH") {
        (Vec::new(), "SASL/SCRAM-SHA-256, which MSK does not offer,")
    } else if types.contains(&"BASIC_AUTH") {
        (Vec::new(), "SASL/PLAIN, which MSK does not offer,")
    } else if types.contains(&"IAM_AUTH") {
        (Listener::SaslIam.ports().to_vec(), "IAM")
    } else {
        let mut p = Listener::Plaintext.ports().to_vec();
        p.extend_from_slice(Listener::Tls.ports());
        p.sort_unstable();
        (p, "no credentials (plaintext or TLS)")
    }
}

fn listener(port: u32) -> &'static str {
    match u16::try_from(port).ok().and_then(listener_of) {
        Some((Listener::Plaintext, _)) => "the plaintext listener",
        Some((Listener::Tls, _)) => "the TLS/mTLS listener",
        Some((Listener::SaslScram, _)) => "the SASL/SCRAM listener",
        Some((Listener::SaslIam, _)) => "the IAM listener",
        None if u16::try_from(port).is_ok_and(|p| ZOOKEEPER_PORTS.contains(&p)) => "ZooKeeper",
        None => "no MSK listener",
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
        if u16::try_from(port).is_ok_and(|p| ZOOKEEPER_PORTS.contains(&p)) || zk_host {
            cx.report(
                m,
                &rules::ZOOKEEPER_OR_CONTROLLER_ENDPOINT,
                Some(s.span),
                format!("`{host}:{port}` is a ZooKeeper endpoint, not a broker"),
            );
            continue;
        }
        if msk && is_serverless_host(host) {
            if port != u32::from(SERVERLESS_PORT) {
                cx.report(
                    m,
                    &rules::SERVERLESS_PORT,
                    Some(s.span),
                    format!("`{host}:{port}` is an MSK Serverless broker; those listen on 9098 (IAM) only"),
                );
            }
            continue;
        }
        if msk && !u16::try_from(port).is_ok_and(|p| expected.contains(&p)) {
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
                        format!(
                            " (served on {})",
                            join_ports(&expected.iter().map(|p| u32::from(*p)).collect::<Vec<_>>())
                        )
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
