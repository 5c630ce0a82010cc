//! Amazon MSK's client listeners and the ports they are served on — pure data, the one table the
//! validator's PRT rules and the runtime's `probe` both read.
//!
//! Source: <https://docs.aws.amazon.com/msk/latest/developerguide/port-info.html>. Inside the VPC
//! the listeners are on 9092/9094/9096/9098, through public access on 9194/9196/9198 (plaintext
//! is never public), and on dual-stack clusters' IPv6 addresses on 20092/20094/20096/20098.
//! ZooKeeper (2181 plaintext, 2182 TLS) is never a broker; MSK Serverless serves IAM on 9098 only.
//!
//! ```
//! use mskgate_auth::msk::{Listener, Network, listener_of};
//!
//! assert_eq!(Listener::SaslScram.port(Network::Private), Some(9096));
//! assert_eq!(Listener::Plaintext.port(Network::Public), None);
//! assert_eq!(listener_of(9198), Some((Listener::SaslIam, Network::Public)));
//! ```

/// A client listener of an MSK broker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Listener {
    /// No TLS, no authentication (`ClientBroker` PLAINTEXT or TLS_PLAINTEXT).
    Plaintext,
    /// TLS: unauthenticated TLS, or mutual TLS with a client certificate.
    Tls,
    /// SASL/SCRAM-SHA-512 over TLS.
    SaslScram,
    /// SASL/OAUTHBEARER with an MSK IAM token, over TLS.
    SaslIam,
}

/// Where a client reaches the broker from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Network {
    /// Inside the VPC (or a peered one), over IPv4.
    Private,
    /// Through public access (`ConnectivityInfo.PublicAccess` SERVICE_PROVIDED_EIPS).
    Public,
    /// A dual-stack cluster's IPv6 addresses.
    Ipv6,
}

/// Every listener, in port order.
pub const LISTENERS: [Listener; 4] = [
    Listener::Plaintext,
    Listener::Tls,
    Listener::SaslScram,
    Listener::SaslIam,
];

/// ZooKeeper's ports on ZooKeeper-mode clusters (plaintext, TLS); never public, never a broker.
pub const ZOOKEEPER_PORTS: [u16; 2] = [2181, 2182];

/// The one port of MSK Serverless brokers (IAM).
pub const SERVERLESS_PORT: u16 = 9098;

impl Listener {
    /// The port of this listener on `network`; `None` where MSK does not serve it (plaintext is
    /// never public).
    pub const fn port(self, network: Network) -> Option<u16> {
        match (self, network) {
            (Self::Plaintext, Network::Private) => Some(9092),
            (Self::Plaintext, Network::Public) => None,
            (Self::Plaintext, Network::Ipv6) => Some(20092),
            (Self::Tls, Network::Private) => Some(9094),
            (Self::Tls, Network::Public) => Some(9194),
            (Self::Tls, Network::Ipv6) => Some(20094),
            (Self::SaslScram, Network::Private) => Some(9096),
            (Self::SaslScram, Network::Public) => Some(9196),
            (Self::SaslScram, Network::Ipv6) => Some(20096),
            (Self::SaslIam, Network::Private) => Some(9098),
            (Self::SaslIam, Network::Public) => Some(9198),
            (Self::SaslIam, Network::Ipv6) => Some(20098),
        }
    }

    /// The IPv4 ports (inside the VPC, then public), as `probe` checks them.
    pub const fn ipv4_ports(self) -> &'static [u16] {
        match self {
            Self::Plaintext => &[9092],
            Self::Tls => &[9094, 9194],
            Self::SaslScram => &[9096, 9196],
            Self::SaslIam => &[9098, 9198],
        }
    }

    /// Every port of this listener: inside the VPC, public, IPv6.
    pub const fn ports(self) -> &'static [u16] {
        match self {
            Self::Plaintext => &[9092, 20092],
            Self::Tls => &[9094, 9194, 20094],
            Self::SaslScram => &[9096, 9196, 20096],
            Self::SaslIam => &[9098, 9198, 20098],
        }
    }

    /// How MSK's documentation names the listener.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Plaintext => "plaintext",
            Self::Tls => "TLS / mTLS",
            Self::SaslScram => "SASL/SCRAM",
            Self::SaslIam => "IAM",
        }
    }
}

/// The listener and network a port belongs to, `None` for a port MSK brokers do not serve.
pub const fn listener_of(port: u16) -> Option<(Listener, Network)> {
    Some(match port {
        9092 => (Listener::Plaintext, Network::Private),
        20092 => (Listener::Plaintext, Network::Ipv6),
        9094 => (Listener::Tls, Network::Private),
        9194 => (Listener::Tls, Network::Public),
        20094 => (Listener::Tls, Network::Ipv6),
        9096 => (Listener::SaslScram, Network::Private),
        9196 => (Listener::SaslScram, Network::Public),
        20096 => (Listener::SaslScram, Network::Ipv6),
        9098 => (Listener::SaslIam, Network::Private),
        9198 => (Listener::SaslIam, Network::Public),
        20098 => (Listener::SaslIam, Network::Ipv6),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_port_maps_back_to_its_listener_and_network() {
        for l in LISTENERS {
            for n in [Network::Private, Network::Public, Network::Ipv6] {
                if let Some(p) = l.port(n) {
                    assert_eq!(listener_of(p), Some((l, n)), "{p}");
                    assert!(l.ports().contains(&p), "{p}");
                }
            }
            for p in l.ipv4_ports() {
                assert_eq!(listener_of(*p).map(|x| x.0), Some(l));
            }
        }
        assert_eq!(listener_of(2181), None);
        assert_eq!(listener_of(9093), None);
    }
}
