//! One finding with its place, and the totals.

use mskgate_auth::{Rule, Severity};
use serde::Serialize;

use crate::input::Span;

/// Where a finding points.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// Index into [`crate::Report::files`]; `None` for findings about no file.
    pub file: Option<usize>,
    /// The node the finding is about, when known.
    pub span: Option<Span>,
    /// JSON pointer of the resource in a Terraform plan or ESM JSON (e.g. `/resource_changes/0`).
    pub json_path: Option<String>,
}

impl Location {
    /// 1-based line, when known.
    pub fn line(&self) -> Option<u32> {
        self.span.map(|s| s.line)
    }

    /// 1-based column (in characters), when known.
    pub fn column(&self) -> Option<u32> {
        self.span.map(|s| s.column)
    }
}

/// A finding: a rule, a severity, what is wrong, how to fix it, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule.
    pub rule: &'static Rule,
    /// The severity after `--target` and overrides.
    pub severity: Severity,
    /// What is wrong, naming the place; never a secret value.
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// Where.
    pub location: Location,
    /// The resource: CloudFormation logical id, Terraform address, or file.
    pub resource: Option<String>,
    /// The event source mapping, when the finding is about one.
    pub mapping: Option<String>,
}

/// Totals of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Files recognised as deploy artifacts.
    pub files: usize,
    /// Kafka event source mappings found.
    pub mappings: usize,
    /// Error findings.
    pub errors: usize,
    /// Warning findings.
    pub warnings: usize,
    /// Info findings.
    pub infos: usize,
}

impl Summary {
    pub(crate) fn count(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }
}
