//! The crate's one error type: each variant wraps the error of one domain.

/// Everything that can go wrong in the runtime, by domain. Messages name the file, field, topic,
/// partition or offsets involved — never a secret value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The runtime configuration is unreadable or invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A handler could not be invoked or failed.
    #[error(transparent)]
    Invoke(#[from] crate::invoke::InvokeError),
    /// An on-failure destination could not be written.
    #[error(transparent)]
    Destination(#[from] crate::destination::DestinationError),
}
