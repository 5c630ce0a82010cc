//! `mskgate secret inspect`.

use std::fmt::Write as _;
use std::io::{Read, Write};

use anyhow::{Context, Result};
use mskgate_auth::{InspectOptions, Inspection, SecretKind, SecretString, x509};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::args::{Format, Global, InspectArgs};
use crate::exit;
use crate::output::Style;

pub(crate) fn inspect(args: &InspectArgs, global: &Global) -> Result<u8> {
    let text = read_input(&args.input)?;
    let now = match &args.now {
        Some(s) => OffsetDateTime::parse(s, &Rfc3339).with_context(|| {
            format!("--now {s:?} is not an RFC 3339 instant such as 2027-01-01T00:00:00Z")
        })?,
        None => OffsetDateTime::now_utc(),
    };
    let mut trust = Vec::new();
    for path in &args.trust {
        let pem = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read --trust {}", path.display()))?;
        trust.extend(
            x509::certificates_from_pem(&pem, &path.display().to_string()).with_context(|| {
                format!("--trust {} holds no usable CA certificate", path.display())
            })?,
        );
    }
    let kind = args
        .kind
        .as_deref()
        .map(str::parse::<SecretKind>)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let verdict = mskgate_auth::inspect(text.expose_secret(), &InspectOptions { now, trust, kind });
    tracing::debug!(
        kind = verdict.kind.as_str(),
        usable = verdict.usable,
        findings = verdict.findings.len(),
        "inspected secret"
    );
    let rendered = match args.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&verdict)
                .context("cannot encode the verdict as JSON")?;
            s.push('\n');
            s
        }
        Format::Text => render_text(&verdict, now, Style::new(global.color)),
    };
    std::io::stdout().lock().write_all(rendered.as_bytes())?;
    Ok(if verdict.usable {
        exit::OK
    } else {
        exit::FINDINGS
    })
}

pub(crate) fn read_input(path: &std::path::Path) -> Result<SecretString> {
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read the secret from standard input")?;
    } else {
        bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    }
    let text = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    Ok(SecretString::new(text))
}

fn render_text(v: &Inspection, now: OffsetDateTime, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} secret — usable by mskgate: {}, accepted by AWS Lambda: {}",
        style.bold("secret:"),
        v.kind.as_str(),
        style.yes_no(v.usable),
        style.yes_no(v.lambda_compatible)
    );
    if !v.certificates.is_empty() {
        let _ = writeln!(out, "{}", style.bold("certificates (as given):"));
        for (i, c) in v.certificates.iter().enumerate() {
            let days = (c.not_after_unix - now.unix_timestamp()).div_euclid(86_400);
            let left = if days >= 0 {
                format!("{days} days left")
            } else {
                format!("expired {} days ago", -days)
            };
            let _ = writeln!(
                out,
                "  {}. {}{}",
                i + 1,
                c.subject,
                if c.is_ca { "  [CA]" } else { "" }
            );
            let _ = writeln!(out, "     issuer  {}", c.issuer);
            let _ = writeln!(
                out,
                "     valid   {} → {} ({left})",
                c.not_before, c.not_after
            );
            let _ = writeln!(out, "     sha256  {}", c.sha256);
        }
    }
    if let Some(k) = &v.key {
        let bits = k.bits.map(|b| format!(" {b}-bit")).unwrap_or_default();
        let alg = serde_json::to_value(k.algorithm)
            .ok()
            .and_then(|a| a.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{} {alg}{bits}, encryption {}, {}",
            style.bold("key:"),
            k.scheme,
            if k.matches_leaf {
                "matches the client certificate"
            } else {
                "does NOT match the client certificate"
            }
        );
    }
    if v.findings.is_empty() {
        let _ = writeln!(out, "no findings");
    }
    for f in &v.findings {
        let head = format!("{}[{}]", f.severity, f.code.code);
        let _ = writeln!(
            out,
            "{} {}: {}",
            style.severity(f.severity, &head),
            f.code.name,
            f.message
        );
        let _ = writeln!(out, "  {} {}", style.bold("help:"), f.help);
        if f.blocks_lambda && f.severity != mskgate_auth::Severity::Error {
            let _ = writeln!(out, "  note: AWS Lambda rejects this");
        }
    }
    out
}

/// Reads a secret from a source: `file:PATH`, `env:VAR`, `sm:NAME` or a Secrets Manager ARN.
pub(crate) async fn load_secret(
    source: &str,
    aws: &mskgate_auth::load::AwsOptions,
) -> Result<SecretString> {
    let source = mskgate_auth::load::SecretSource::parse(source)?;
    Ok(source.fetch(aws).await?)
}
