//! End-to-end tests against real brokers on loopback (see `docs/test-harness.md`).

mod broker;
mod runtime;
