//! JSON: `{"findings": [...], "summary": {...}}`, documented in docs/output-formats.md.

use serde_json::{Value, json};

use crate::Report;

/// Renders the report as the JSON envelope.
pub fn json(report: &Report) -> Value {
    let findings: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            json!({
                "code": d.rule.code,
                "name": d.rule.name,
                "severity": d.severity.as_str(),
                "message": d.message,
                "help": d.help,
                "file": d.location.file.and_then(|i| report.files.get(i)).map(|f| f.display.clone()),
                "line": d.location.line(),
                "column": d.location.column(),
                "json_path": d.location.json_path.as_deref().filter(|p| !p.is_empty()),
                "resource": d.resource,
                "mapping": d.mapping,
            })
        })
        .collect();
    json!({ "findings": findings, "summary": report.summary })
}
