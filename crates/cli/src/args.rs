//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Run and ship Kafka consumers on Amazon MSK with AWS Lambda's credentials, checks and event
/// semantics.
#[derive(Debug, Parser)]
#[command(
    name = "mskgate",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags every subcommand takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// Colour in text output: auto (when stdout is a terminal and NO_COLOR is unset), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
    /// More log output on stderr (-v info, -vv debug, -vvv trace). MSKGATE_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Work with Secrets Manager secrets.
    Secret {
        #[command(subcommand)]
        command: SecretCommand,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum SecretCommand {
    /// Judge a secret: is it usable by mskgate, would AWS Lambda accept it, and why not.
    #[command(after_help = "\
Examples:
  mskgate secret inspect fixtures/secrets/mtls-rsa-pkcs12-3des.json
  aws secretsmanager get-secret-value --secret-id AmazonMSK_alice --query SecretString --output text \\
    | mskgate secret inspect - --format json
  mskgate secret inspect client-secret.json --trust msk-private-ca.pem --now 2027-01-01T00:00:00Z

Exit status: 0 usable, 1 not usable, 2 usage or IO error.")]
    Inspect(InspectArgs),
}

#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// The secret's SecretString JSON: a file, or - for standard input.
    #[arg(value_name = "FILE|-")]
    pub(crate) input: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Judge validity at this instant (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub(crate) now: Option<String>,
    /// PEM file of CA certificates the brokers trust; the client chain must end in one of them.
    #[arg(long, value_name = "FILE")]
    pub(crate) trust: Vec<PathBuf>,
    /// Judge the secret as this kind instead of guessing from its keys.
    #[arg(long, value_parser = ["scram", "basic", "mtls", "root-ca"])]
    pub(crate) kind: Option<String>,
}
