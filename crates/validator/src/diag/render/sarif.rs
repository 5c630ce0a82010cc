//! SARIF 2.1.0 as GitHub code scanning reads it: `rules[]` from the registry, relative
//! `artifactLocation.uri`, `region.startLine`, `partialFingerprints`.

use std::collections::BTreeMap;

use mskgate_auth::Severity;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::snippet;
use crate::Report;
use crate::diag::registry::codes;

const SCHEMA: &str = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn uri(path: &str) -> String {
    path.replace('%', "%25").replace(' ', "%20")
}

/// Renders the report as a SARIF log with one run. Findings about no file (none today but the
/// `--policy` notice) have no location and are left out, as GitHub requires one.
pub fn sarif(report: &Report) -> Value {
    let rules: Vec<Value> = codes()
        .iter()
        .map(|c| {
            json!({
                "id": c.rule.code,
                "name": c.rule.name,
                "shortDescription": {"text": c.rule.description},
                "fullDescription": {"text": c.rule.description},
                "help": {
                    "text": format!("{}. See {}.", c.help, c.family.doc_page()),
                    "markdown": format!("{}. See [{}]({}#{}).", c.help, c.family.doc_page(), c.family.doc_page(), c.rule.code.to_ascii_lowercase()),
                },
                "defaultConfiguration": {"level": level(c.rule.default_severity)},
                "properties": {"tags": ["kafka", "msk", "lambda", c.family.prefix().to_ascii_lowercase()]},
            })
        })
        .collect();
    let index: BTreeMap<&str, usize> = codes()
        .iter()
        .enumerate()
        .map(|(i, c)| (c.rule.code, i))
        .collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut results = Vec::new();
    for d in &report.diagnostics {
        let Some(file) = d.location.file.and_then(|i| report.files.get(i)) else {
            continue;
        };
        let line = d.location.line().unwrap_or(1).max(1);
        let text_line = d
            .location
            .span
            .and_then(|s| snippet(file, s))
            .map(|(t, _, _)| t.trim().to_owned())
            .unwrap_or_default();
        let key = format!(
            "{}\0{}\0{}\0{}",
            d.rule.code,
            file.display,
            d.mapping.as_deref().or(d.resource.as_deref()).unwrap_or(""),
            text_line
        );
        let n = seen.entry(key.clone()).or_insert(0);
        *n += 1;
        let fingerprint = hex(&Sha256::digest(format!("{key}\0{n}").as_bytes()));
        let mut region = json!({"startLine": line});
        if let Some(c) = d.location.column() {
            region["startColumn"] = json!(c.max(1));
        }
        let mut location = json!({
            "physicalLocation": {
                "artifactLocation": {"uri": uri(&file.display), "uriBaseId": "%SRCROOT%"},
                "region": region,
            }
        });
        if let Some(m) = d.mapping.as_deref().or(d.resource.as_deref()) {
            location["logicalLocations"] = json!([{"fullyQualifiedName": m, "kind": "resource"}]);
        }
        results.push(json!({
            "ruleId": d.rule.code,
            "ruleIndex": index.get(d.rule.code).copied().unwrap_or(0),
            "level": level(d.severity),
            "message": {"text": if d.help.is_empty() { d.message.clone() } else { format!("{}\nhelp: {}", d.message, d.help) }},
            "locations": [location],
            "partialFingerprints": {"mskgate/v1": fingerprint},
        }));
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "mskgate",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "automationDetails": {"id": "mskgate/validate/"},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
