//! `mskgate policy generate`: the least-privilege IAM policy a mapping's execution role needs,
//! offline (what the Lambda console's "Generate permissions" does), and reading `--policy` files.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use mskgate_validator::iam::{Origin, Policy, generate};
use mskgate_validator::input::discover;
use mskgate_validator::{Options, validate};
use serde_json::json;
use time::OffsetDateTime;

use crate::args::{Format, PolicyGenerateArgs};
use crate::exit;

/// Reads a `--policy` file: a policy document, or `aws iam get-role-policy` /
/// `get-policy-version` output.
pub(crate) fn read_policy(path: &Path) -> Result<Policy> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read --policy {}", path.display()))?;
    Policy::from_json_text(
        format!("the --policy document {}", path.display()),
        Origin {
            resource: Some(path.display().to_string()),
            ..Origin::default()
        },
        &text,
        false,
    )
    .map_err(|e| {
        anyhow!(
            "--policy {}: {e}; give an IAM policy document or the output of `aws iam get-role-policy` / `aws iam get-policy-version`",
            path.display()
        )
    })
}

pub(crate) fn run(args: &PolicyGenerateArgs) -> Result<u8> {
    let mut opts = Options::at(OffsetDateTime::now_utc());
    for p in &args.parameter {
        opts.parameter(p).context("--parameter")?;
    }
    let base = std::env::current_dir().ok();
    let files = discover(&args.paths, base.as_deref())?;
    let report = validate(files, &opts);
    let all: Vec<_> = report.mappings.iter().collect();
    let chosen: Vec<_> = match &args.mapping {
        Some(id) => all
            .iter()
            .copied()
            .filter(|m| {
                m.name == *id
                    || m.resource == *id
                    || m.get(&["UUID"]).and_then(|v| v.as_str()) == Some(id.as_str())
            })
            .collect(),
        None => all.clone(),
    };
    if chosen.is_empty() {
        let names: Vec<&str> = all.iter().map(|m| m.name.as_str()).collect();
        if names.is_empty() {
            bail!("no Kafka event source mapping found in the given files");
        }
        bail!(
            "no mapping named {:?}; the files hold: {}",
            args.mapping.as_deref().unwrap_or_default(),
            names.join(", ")
        );
    }
    let mut out = String::new();
    let mut docs = Vec::new();
    let mut stderr = std::io::stderr().lock();
    for m in &chosen {
        let g = generate(m);
        for (name, what) in &g.placeholders {
            let _ = writeln!(
                stderr,
                "note: {}: replace {} with {what}",
                m.name,
                if name.contains(' ') {
                    name.clone()
                } else {
                    format!("${{{name}}}")
                }
            );
        }
        match args.format {
            Format::Text => {
                if chosen.len() > 1 {
                    out.push_str(&format!("# {}\n", m.name));
                }
                out.push_str(&serde_json::to_string_pretty(&g.document)?);
                out.push('\n');
            }
            Format::Json => docs.push(json!({
                "mapping": m.name,
                "resource": m.resource,
                "policy": g.document,
                "placeholders": g.placeholders.iter().map(|(n, w)| json!({"name": n, "replace_with": w})).collect::<Vec<_>>(),
            })),
        }
    }
    if args.format == Format::Json {
        out = serde_json::to_string_pretty(&json!({ "policies": docs }))?;
        out.push('\n');
    }
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(exit::OK)
}
