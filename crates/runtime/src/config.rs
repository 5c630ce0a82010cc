//! (being written: see docs/runtime.md)

/// What is wrong with a runtime configuration file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {}
