//! Pre-deploy checks for AWS Lambda event source mappings on Amazon MSK and self-managed Kafka.
//!
//! Deploy artifacts go in — CloudFormation (JSON or YAML, short-form tags included), SAM `MSK`
//! and `SelfManagedKafka` events, `terraform show -json` plans, Lambda API JSON and mskgate's
//! runtime configuration — and rule-coded findings come out, rendered as text, JSON or SARIF.
//!
//! - [`input`] detects formats and reads each into [`model::Mapping`]s whose values keep where
//!   they were written; values unknown before deploy stay unknown (`ESM027 cannot-evaluate`),
//!   never guessed;
//! - [`rules`](crate::diag::registry) checks them (families ESM, AUTH, PRT, SEC, and CRT through
//!   [`mskgate_auth::inspect`]);
//! - [`diag`] holds the registry, findings and renderers.
//!
//! IO: only [`input::discover`] reads files; [`validate`] works on text and returns a
//! [`Report`]. Nothing prints. Secret values are never part of a message, and snippets redact
//! values under secret-looking keys.
//!
//! ```
//! use mskgate_validator::{Options, input::SourceFile, validate};
//! use time::macros::datetime;
//!
//! let esm = r#"{"EventSourceArn": "arn:aws:kafka:us-east-1:123456789012:cluster/c/abcd-1",
//!               "Topics": ["orders", "payments"], "StartingPosition": "LATEST"}"#;
//! let report = validate(vec![SourceFile::new("esm.json", esm)], &Options::at(datetime!(2026-01-01 0:00 UTC)));
//! assert!(report.diagnostics.iter().any(|d| d.rule.code == "ESM001"));
//! assert_eq!(report.summary.mappings, 1);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
pub mod diag;
mod error;
pub mod iam;
pub mod infra;
pub mod input;
pub mod model;
mod rules;

use std::collections::BTreeMap;

use mskgate_auth::SecretString;
use time::OffsetDateTime;

pub use diag::{Diagnostic, Location, Summary};
pub use error::Error;
use input::SourceFile;
use model::Mapping;

/// Which consumer the artifacts are for; decides rules that differ (e.g. a PBES2-encrypted key
/// is an error for Lambda, fine for the mskgate runtime).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Target {
    /// AWS Lambda's event source mapping.
    #[default]
    Lambda,
    /// The mskgate runtime.
    Runtime,
}

/// What a validation run uses besides the files.
#[derive(Debug)]
pub struct Options {
    /// Template parameter values (`--parameter KEY=VALUE`), over the defaults.
    pub parameters: BTreeMap<String, String>,
    /// Secret material by ARN, name or logical id (`--secret ID=FILE`).
    pub secrets: Vec<(String, SecretString)>,
    /// IAM policy documents given with `--policy`: evaluated as the execution role's policies
    /// of every mapping whose role the artifacts do not declare.
    pub policies: Vec<iam::Policy>,
    /// Lambda or the runtime.
    pub target: Target,
    /// `--deny/--warn/--allow`.
    pub overrides: diag::Overrides,
    /// The instant certificates and timestamps are judged at.
    pub now: OffsetDateTime,
}

impl Options {
    /// Defaults, judging time-dependent things at `now`.
    pub fn at(now: OffsetDateTime) -> Self {
        Self {
            parameters: BTreeMap::new(),
            secrets: Vec::new(),
            policies: Vec::new(),
            target: Target::Lambda,
            overrides: diag::Overrides::new(),
            now,
        }
    }

    /// Adds a `KEY=VALUE` template parameter.
    pub fn parameter(&mut self, assignment: &str) -> Result<(), Error> {
        let (k, v) = split_assignment(assignment, "KEY=VALUE")?;
        self.parameters.insert(k.to_owned(), v.to_owned());
        Ok(())
    }
}

/// Splits `KEY=VALUE` at the first `=`.
pub fn split_assignment<'a>(arg: &'a str, what: &'static str) -> Result<(&'a str, &'a str), Error> {
    match arg.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim(), v)),
        _ => Err(Error::BadAssignment {
            arg: arg.to_owned(),
            what,
        }),
    }
}

/// The result of a run.
#[derive(Debug)]
pub struct Report {
    /// Every file looked at (recognised or not).
    pub files: Vec<SourceFile>,
    /// The Kafka event source mappings found.
    pub mappings: Vec<Mapping>,
    /// MSK clusters and network resources found (judged also when no mapping uses them).
    pub infra: infra::Infra,
    /// The findings, by file, line, column and code.
    pub diagnostics: Vec<Diagnostic>,
    /// Totals.
    pub summary: Summary,
}

impl Report {
    /// Whether any finding is an error (exit status 1).
    pub fn has_errors(&self) -> bool {
        self.summary.errors > 0
    }
}

/// Reads `files`, checks every Kafka event source mapping in them and returns the findings.
pub fn validate(mut files: Vec<SourceFile>, opts: &Options) -> Report {
    let mut diagnostics = Vec::new();
    let mut mappings = Vec::new();
    let mut infra = infra::Infra::default();
    let mut recognised = 0;
    for (i, f) in files.iter_mut().enumerate() {
        let read = input::read(f, i, opts);
        if read.recognised {
            recognised += 1;
        }
        diagnostics.extend(read.diagnostics);
        mappings.extend(read.mappings);
        infra.extend(read.infra);
    }
    let names: Vec<String> = files.iter().map(|f| f.display.clone()).collect();
    diagnostics.extend(rules::check(&mappings, opts, &names));
    diagnostics.extend(rules::check_infra(&mappings, &infra, opts, &names));
    let mut kept: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter_map(|mut d| {
            d.severity = opts.overrides.apply(d.rule, d.severity)?;
            Some(d)
        })
        .collect();
    kept.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            (
                d.location.file.map(|i| files[i].display.clone()),
                d.location.line(),
                d.location.column(),
                d.rule.code,
                d.message.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    kept.dedup();
    let mut summary = Summary {
        files: recognised,
        mappings: mappings.len(),
        ..Summary::default()
    };
    for d in &kept {
        summary.count(d.severity);
    }
    Report {
        files,
        mappings,
        infra,
        diagnostics: kept,
        summary,
    }
}
