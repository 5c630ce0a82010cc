//! Integration tests of mskgate-runtime (one test binary; one module per area).

mod bootstrap;
mod config;
mod destination;
mod event;
mod invoke;
mod kafka_destination;
mod moto;
