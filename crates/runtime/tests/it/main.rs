//! Integration tests of mskgate-runtime (one test binary; one module per area).

mod event;
mod config;
mod destination;
mod invoke;
mod moto;
mod kafka_destination;
