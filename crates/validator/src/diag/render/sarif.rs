//! SARIF 2.1.0 as GitHub code scanning reads it: `rules[]` from the registry, relative
//! `artifactLocation.uri`, `region.startLine`, `partialFingerprints`.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use mskgate_auth::Severity;
use serde::Serialize;
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

/// A SARIF 2.1.0 log with one run, as [`sarif`] renders it: serialize it (`serde_json::to_string`,
/// or [`to_value`](Self::to_value) for a [`Value`] tree); `Display` writes compact JSON. The rule
/// catalogue is built once per process and borrowed, so rendering costs only the results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SarifLog {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    automation_details: AutomationDetails,
    column_kind: &'static str,
    results: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    semantic_version: &'static str,
    rules: &'static Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct AutomationDetails {
    id: &'static str,
}

impl SarifLog {
    /// The run's results, one per finding with a location (the part of the log that depends on
    /// the report; the rest is the fixed rule catalogue and tool metadata).
    pub fn results(&self) -> &[Value] {
        &self.runs[0].results
    }

    /// The log as a JSON value tree.
    pub fn to_value(&self) -> Value {
        // Serializing plain structs, strings and values to a `Value` cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl fmt::Display for SarifLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

/// The registry's rules as SARIF `rules[]`, and each code's index in it; built once.
fn catalogue() -> &'static (Value, HashMap<&'static str, usize>) {
    static CATALOGUE: OnceLock<(Value, HashMap<&'static str, usize>)> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let rules = codes()
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
        let index = codes()
            .iter()
            .enumerate()
            .map(|(i, c)| (c.rule.code, i))
            .collect();
        (Value::Array(rules), index)
    })
}

/// Renders the report as a SARIF log with one run. Findings about no file (none today but the
/// `--policy` notice) have no location and are left out, as GitHub requires one.
pub fn sarif(report: &Report) -> SarifLog {
    let (rules, index) = catalogue();
    let mut seen: HashMap<String, usize> = HashMap::new();
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
    SarifLog {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "mskgate",
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            automation_details: AutomationDetails {
                id: "mskgate/validate/",
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
