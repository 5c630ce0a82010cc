//! The mskgate runtime: Lambda's Kafka event source mapping, open and local.
//!
//! So far: [`probe`] — a live, step-by-step credential probe of Kafka brokers — and
//! [`state::ProcessingState`], Lambda's `LastProcessingResult` titles. The consumer itself
//! arrives with issue 5. This crate does network IO (tokio).
#![warn(missing_docs)]

pub mod probe;
pub mod state;
