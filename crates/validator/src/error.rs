//! The crate's one error type: failures of the command itself, never findings about the input.

use std::path::PathBuf;

/// Why validation could not run. A malformed template is not an error: it is a finding
/// (`ESM026`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A path given on the command line (or found under one) cannot be read.
    #[error("cannot read {path}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A severity override names no rule.
    #[error("unknown rule `{0}`; `mskgate rules` lists the codes and names")]
    UnknownRule(String),
    /// A `--config` file that cannot be read as the validator's configuration.
    #[error("{path}: {message}")]
    Config {
        /// The file as given.
        path: String,
        /// What is wrong (positions, key names; the file has no secrets).
        message: String,
    },
    /// A `KEY=VALUE` argument without `=` or with an empty key.
    #[error("`{arg}` is not of the form {what}")]
    BadAssignment {
        /// The argument as given.
        arg: String,
        /// The expected form, e.g. `KEY=VALUE`.
        what: &'static str,
    },
}
