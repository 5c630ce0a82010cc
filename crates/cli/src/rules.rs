//! `mskgate rules`: every rule the validator reports.

use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::{Context, Result};
use mskgate_validator::diag::registry::codes;
use serde_json::json;

use crate::args::{Format, RulesArgs};
use crate::exit;

pub(crate) fn run(args: &RulesArgs) -> Result<u8> {
    let out = match args.format {
        Format::Json => {
            let rules: Vec<_> = codes()
                .iter()
                .map(|c| {
                    json!({
                        "code": c.rule.code,
                        "name": c.rule.name,
                        "family": c.family.prefix(),
                        "severity": c.rule.default_severity.as_str(),
                        "description": c.rule.description,
                        "help": c.help,
                        "doc": format!("{}#{}", c.family.doc_page(), c.rule.code.to_ascii_lowercase()),
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&rules).context("cannot encode the rules")?;
            s.push('\n');
            s
        }
        Format::Text => {
            let mut s = String::new();
            for c in codes() {
                let _ = writeln!(
                    s,
                    "{:<8} {:<36} {:<8} {}",
                    c.rule.code,
                    c.rule.name,
                    c.rule.default_severity.as_str(),
                    c.rule.description
                );
            }
            s
        }
    };
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(exit::OK)
}
