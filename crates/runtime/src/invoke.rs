//! (being written: see docs/runtime.md)

/// Why a handler invocation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InvokeError {}
