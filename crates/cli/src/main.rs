//! `mskgate`: the command-line front of mskgate-auth, -validator and -runtime.
//!
//! Thin by design: parse arguments, install logging, call a library, print, choose the exit code
//! (0 success, 1 findings or failures, 2 usage, IO or internal error).

mod args;
mod output;
mod policy;
mod probe;
mod rules;
mod run;
mod secret;
mod token;
mod validate;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command, SecretCommand};

/// Exit codes shared by every subcommand.
pub(crate) mod exit {
    /// Success: no error-level finding.
    pub(crate) const OK: u8 = 0;
    /// The command ran and found errors (unusable secret, failing check).
    pub(crate) const FINDINGS: u8 = 1;
    /// Usage, IO or internal error.
    pub(crate) const USAGE: u8 = 2;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `run` installs logging itself, once its configuration says how.
    if !matches!(cli.command, Command::Run(_)) {
        init_logging(cli.global.verbose, cli.global.quiet, "warn", false, false);
    }
    let result = match &cli.command {
        Command::Secret {
            command: SecretCommand::Inspect(a),
        } => secret::inspect(a, &cli.global),
        Command::Probe(a) => probe::run(a, &cli.global),
        Command::Token(t) => match &t.command {
            Some(args::TokenSubcommand::Verify(v)) => token::verify(v, &cli.global),
            None => token::generate(&t.generate, &cli.global),
        },
        Command::Validate(a) => validate::run(a, &cli.global),
        Command::Rules(a) => rules::run(a),
        Command::Policy {
            command: args::PolicyCommand::Generate(a),
        } => policy::run(a),
        Command::Run(a) => run::run(a, &cli.global),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) if is_broken_pipe(&err) => ExitCode::from(exit::OK),
        Err(err) => {
            let _ = writeln!(io::stderr(), "error: {err:#}");
            ExitCode::from(exit::USAGE)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Third-party crates whose verbose output can carry secret material (signed requests with session
/// tokens, HTTP response bodies holding secret values): capped whatever `-v` or `MSKGATE_LOG` ask for.
const CAPPED_TARGETS: &[&str] = &[
    "aws_sigv4=off",
    "aws_smithy_runtime=info",
    "aws_smithy_runtime_api=info",
    "aws_smithy_http=info",
    "aws_config=info",
    "aws_sdk_sts=info",
    "aws_sdk_secretsmanager=info",
    "aws_sdk_lambda=info",
    "aws_sdk_sqs=info",
    "aws_sdk_sns=info",
    "aws_sdk_s3=info",
    "aws_sdk_kafka=info",
    "reqwest=info",
    "h2=info",
    "hyper=info",
    "hyper_util=info",
    "rustls=info",
];

/// Installs the log subscriber: `-q`/`-v` win over `default_level`; `MSKGATE_LOG` wins over both.
pub(crate) fn init_logging(
    verbose: u8,
    quiet: bool,
    default_level: &str,
    json: bool,
    timestamps: bool,
) {
    use std::io::IsTerminal;
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => default_level,
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let mut filter = tracing_subscriber::EnvFilter::try_from_env("MSKGATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    for directive in CAPPED_TARGETS {
        if let Ok(d) = directive.parse() {
            filter = filter.add_directive(d);
        }
    }
    let ansi =
        io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    if json {
        let _ = tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(io::stderr)
            .try_init();
    } else if timestamps {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(io::stderr)
            .with_ansi(ansi)
            .try_init();
    } else {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(io::stderr)
            .with_ansi(ansi)
            .without_time()
            .try_init();
    }
}
