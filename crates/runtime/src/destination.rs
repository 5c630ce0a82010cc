//! (being written: see docs/runtime.md)

/// Why a failed batch could not be delivered to its on-failure destination.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DestinationError {}
