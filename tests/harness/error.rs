//! The one error type of the harness.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use rdkafka::error::KafkaError;

/// Everything that can go wrong while starting, using or stopping the test brokers.
///
/// Messages name the file, port, listener or deadline involved, never a password. `Debug` prints the message and
/// its chain of causes (like `anyhow`), so a test returning `Result<(), HarnessError>` fails with a readable
/// report.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// A program the brokers need is not installed.
    #[error("{tool} not found ({searched}); run scripts/install-test-deps.sh")]
    MissingTool {
        /// The program, e.g. `tansu` or `stunnel`.
        tool: &'static str,
        /// Where it was looked for.
        searched: String,
    },
    /// `scripts/broker.sh` exited unsuccessfully.
    #[error("scripts/broker.sh {action} failed ({status}); its output ({log}):\n{output}")]
    Script {
        /// `start`, `stop` or `restart`.
        action: &'static str,
        /// The exit status as text.
        status: String,
        /// The file holding the script's output.
        log: PathBuf,
        /// The script's output (it never contains the SCRAM password).
        output: String,
    },
    /// A file or process operation failed.
    #[error("{context}")]
    Io {
        /// What was being done, with the path involved.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// `ports.env` written by `scripts/broker.sh` could not be understood.
    #[error("bad ports file {path}: {message}")]
    PortsEnv {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A Kafka client operation failed.
    #[error("{context}")]
    Kafka {
        /// What was being done (listener, topic, group).
        context: String,
        /// The librdkafka error.
        #[source]
        source: KafkaError,
    },
    /// Something did not happen before its deadline.
    #[error("{what} did not happen within {after:?}")]
    Timeout {
        /// What was waited for.
        what: String,
        /// The deadline that passed.
        after: Duration,
    },
    /// The broker answered, but not as expected.
    #[error("{0}")]
    Unexpected(String),
}

impl HarnessError {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        HarnessError::Io {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn kafka(context: impl Into<String>, source: KafkaError) -> Self {
        HarnessError::Kafka {
            context: context.into(),
            source,
        }
    }
}

impl fmt::Debug for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")?;
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            write!(f, "\n  caused by: {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}
