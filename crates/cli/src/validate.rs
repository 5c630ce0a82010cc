//! `mskgate validate`: deploy artifacts in, rule-coded findings out.

use std::io::Write;

use anyhow::{Context, Result};
use mskgate_validator::config::Config;
use mskgate_validator::diag::{Level, render};
use mskgate_validator::input::discover;
use mskgate_validator::{Options, Target, split_assignment, validate};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::args::{Global, ReportFormat, TargetArg, ValidateArgs};
use crate::exit;
use crate::output::Style;

pub(crate) fn run(args: &ValidateArgs, global: &Global) -> Result<u8> {
    let now = match &args.now {
        Some(s) => OffsetDateTime::parse(s, &Rfc3339).with_context(|| {
            format!("--now {s:?} is not an RFC 3339 instant such as 2027-01-01T00:00:00Z")
        })?,
        None => OffsetDateTime::now_utc(),
    };
    let mut opts = Options::at(now);
    if let Some(path) = &args.config {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read --config {}", path.display()))?;
        Config::parse(&path.display().to_string(), &text)?.apply(&mut opts)?;
    }
    if let Some(t) = args.target {
        opts.target = match t {
            TargetArg::Lambda => Target::Lambda,
            TargetArg::Runtime => Target::Runtime,
        };
    }
    for p in &args.parameter {
        opts.parameter(p).context("--parameter")?;
    }
    for s in &args.secret {
        let (id, file) = split_assignment(s, "ID=FILE").context("--secret")?;
        let text = crate::secret::read_input(std::path::Path::new(file))
            .with_context(|| format!("--secret {id}"))?;
        opts.secrets.push((id.to_owned(), text));
    }
    for p in &args.policy {
        opts.policies.push(crate::policy::read_policy(p)?);
    }
    for (codes, level) in [
        (&args.allow, Level::Allow),
        (&args.warn, Level::Warn),
        (&args.deny, Level::Deny),
    ] {
        for c in codes {
            opts.overrides.set(c, level)?;
        }
    }
    let base = std::env::current_dir().ok();
    let files = discover(&args.paths, base.as_deref())?;
    let report = validate(files, &opts);
    tracing::debug!(
        files = report.summary.files,
        mappings = report.summary.mappings,
        findings = report.diagnostics.len(),
        "validated"
    );
    let rendered = match args.format {
        ReportFormat::Text => render::text(&report, Style::new(global.color).is_on()),
        ReportFormat::Json => pretty(&render::json(&report))?,
        ReportFormat::Sarif => pretty(&render::sarif(&report))?,
    };
    std::io::stdout().lock().write_all(rendered.as_bytes())?;
    Ok(if report.has_errors() {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

fn pretty(v: &impl serde::Serialize) -> Result<String> {
    let mut s = serde_json::to_string_pretty(v).context("cannot encode the report as JSON")?;
    s.push('\n');
    Ok(s)
}
