//! `mskgate run`: the consumer runtime, from one configuration file.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use mskgate_runtime::config::{Format as ConfigFormat, LogFormat, RuntimeConfig};
use mskgate_runtime::runner::{RunOptions, run as run_consumer};
use mskgate_validator::diag::render;
use mskgate_validator::input::SourceFile;
use mskgate_validator::{Options, Target, validate};
use time::OffsetDateTime;

use crate::args::{Global, RunArgs};
use crate::exit;
use crate::output::Style;

pub(crate) fn run(args: &RunArgs, global: &Global) -> Result<u8> {
    let config = match RuntimeConfig::load(&args.config) {
        Ok(c) => c,
        Err(e) => {
            crate::init_logging(global.verbose, global.quiet, "info", false, true);
            bail!("{e}");
        }
    };
    crate::init_logging(
        global.verbose,
        global.quiet,
        &config.logging.level,
        config.logging.format == LogFormat::Json,
        true,
    );
    if !args.no_validate {
        let (code, text) = validate_config(&args.config, global)?;
        if code != exit::OK {
            eprint!("{text}");
            eprintln!(
                "error: {} has error-level findings; fix them (or pass --no-validate to run anyway)",
                args.config.display()
            );
            return Ok(exit::FINDINGS);
        }
    }
    if args.check {
        println!("{}: configuration OK", args.config.display());
        return Ok(exit::OK);
    }
    // One thread for the engine, the batches and the metrics server: the work is mostly waiting
    // (librdkafka fetches on its own threads, handlers are processes or remote calls), and a
    // multi-threaded scheduler cost 60 % more CPU per record in the consumer benchmark, waking
    // threads to steal each batch.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let options = RunOptions {
        stop_when_idle: args.stop_when_idle.map(Duration::from_secs_f64),
        reconnect_after: args.reconnect_after.map(Duration::from_secs_f64),
        ..RunOptions::default()
    };
    let summary = runtime
        .block_on(run_consumer(config, options, shutdown_signal()))
        .context("the consumer stopped")?;
    tracing::info!(
        records = summary.records_processed,
        batches = summary.batches,
        to_destination = summary.records_to_destination,
        discarded = summary.records_discarded,
        filtered = summary.records_filtered,
        "stopped"
    );
    if args.summary {
        let json = serde_json::json!({
            "records_processed": summary.records_processed,
            "batches": summary.batches,
            "records_to_destination": summary.records_to_destination,
            "records_discarded": summary.records_discarded,
            "records_filtered": summary.records_filtered,
            "reconnects": summary.reconnects,
            "pauses": summary.pauses,
        });
        println!("{json}");
    }
    Ok(exit::OK)
}

/// Resolves on SIGTERM or SIGINT.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot listen for SIGTERM");
            std::future::pending::<()>().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: shutting down"),
    }
}

/// Runs the validator over the configuration (its `source` is an event source mapping), judged
/// for the mskgate runtime. TOML is validated as the equivalent JSON.
fn validate_config(path: &Path, global: &Global) -> Result<(u8, String)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let display = path.display().to_string();
    let file = match ConfigFormat::from_path(path) {
        Ok(ConfigFormat::Toml) => {
            let value: serde_json::Value =
                toml::from_str(&text).with_context(|| format!("{display} is not valid TOML"))?;
            SourceFile::new(
                format!("{display} (as JSON)"),
                serde_json::to_string_pretty(&value)?,
            )
        }
        _ => SourceFile::new(display, text),
    };
    let mut opts = Options::at(OffsetDateTime::now_utc());
    opts.target = Target::Runtime;
    let report = validate(vec![file], &opts);
    let rendered = render::text(&report, Style::new(global.color).is_on());
    Ok((
        if report.has_errors() {
            exit::FINDINGS
        } else {
            exit::OK
        },
        rendered,
    ))
}
