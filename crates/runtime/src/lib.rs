//! The mskgate runtime: Lambda's Kafka event source mapping, open and local.
//!
//! A consumer that polls Kafka with rdkafka, batches records into the exact Lambda Kafka event
//! JSON, invokes a handler, commits offsets only after success, retries and routes failures like
//! Lambda, and exposes lag and health metrics — plus [`probe`], a live, step-by-step credential
//! probe of Kafka brokers, and [`state::ProcessingState`], Lambda's `LastProcessingResult`
//! titles. This crate does network and process IO (tokio, librdkafka). The pure parts —
//! [`batch`], [`event`], [`filter`], [`response`], [`retry`], [`config`] parsing — take values
//! and return values, and are tested without a broker.
//!
//! The semantics, and every place they differ from AWS Lambda, are in `docs/runtime.md`.
#![warn(missing_docs)]

pub mod batch;
pub mod config;
#[cfg(feature = "kafka")]
pub mod context;
#[cfg(feature = "kafka")]
pub mod destination;
#[cfg(feature = "kafka")]
pub mod engine;
pub mod error;
pub mod event;
pub mod filter;
pub mod invoke;
#[cfg(feature = "kafka")]
pub mod kafka;
pub mod metrics;
pub mod probe;
pub mod record;
pub mod response;
pub mod retry;
#[cfg(feature = "kafka")]
pub mod runner;
pub mod scale;
pub mod state;

pub use error::Error;
pub use record::{Header, Record, TimestampType, TopicPartition};
