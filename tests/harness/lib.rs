//! Test support for mskgate's end-to-end tests: real Kafka-protocol brokers on loopback with MSK-like
//! listeners, and bounded Kafka client helpers.
//!
//! [`Broker::start`] runs `scripts/broker.sh start` (tansu 0.6.0 with sqlite storage, one process per listener,
//! stunnel in front of the TLS listeners) on free `127.0.0.1` ports, and stops it again on drop;
//! [`Broker::shared`] is one broker set per test binary. Each [`Listener`] is a separate broker with its own
//! storage: create topics (there is no auto-creation) on the listener you use, with names from
//! [`unique_name`].
//!
//! This crate does IO: it starts processes, binds ports and talks to the brokers. Nothing is mocked. When tansu
//! or stunnel are missing, starting fails with a message to run `scripts/install-test-deps.sh`; tests never
//! skip silently. See `docs/test-harness.md` for the listeners and tansu's limits.
//!
//! ```no_run
//! use std::time::Duration;
//! use mskgate_e2e::{Broker, Listener, client, unique_name};
//!
//! let broker = Broker::shared();
//! let topic = unique_name("example");
//! broker.create_topic(Listener::ScramTls, &topic, 1)?;
//! let config = broker.client_config(Listener::ScramTls);
//! client::produce(&config, &topic, &["hello".to_owned()], Duration::from_secs(30))?;
//! let records = client::consume_and_commit(&config, &topic, &unique_name("group"), 1, Duration::from_secs(30))?;
//! assert_eq!(records[0].payload, b"hello");
//! # Ok::<(), mskgate_e2e::HarnessError>(())
//! ```
#![warn(missing_docs)]

mod broker;
pub mod client;
mod error;
mod names;
mod ports;
pub mod tools;

pub use broker::{Broker, Listener, Pki, ScramMechanism};
pub use error::HarnessError;
pub use names::unique_name;
