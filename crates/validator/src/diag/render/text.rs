//! Text: one codespan-style block per finding, then the totals.

use std::fmt::Write as _;

use mskgate_auth::Severity;

use super::snippet;
use crate::Report;

fn paint(on: bool, code: &str, text: &str) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

fn severity_colour(s: Severity) -> &'static str {
    match s {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Info => "1;36",
    }
}

/// Renders the report as text; `colour` adds ANSI colours.
pub fn text(report: &Report, colour: bool) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        let head = format!("{}[{}]", d.severity, d.rule.code);
        let _ = writeln!(
            out,
            "{} {}: {}",
            paint(colour, severity_colour(d.severity), &head),
            paint(colour, "1", d.rule.name),
            d.message
        );
        let file = d.location.file.and_then(|i| report.files.get(i));
        let mut gutter = 2;
        if let Some(f) = file {
            let line = d.location.line();
            let snip = d.location.span.and_then(|s| snippet(f, s));
            gutter = line.map_or(1, |l| l.to_string().len()) + 1;
            let pad = " ".repeat(gutter);
            let place = match (line, d.location.column()) {
                (Some(l), Some(c)) if l > 0 => format!("{}:{l}:{c}", f.display),
                _ => f.display.clone(),
            };
            let _ = writeln!(out, "{pad}{} {place}", paint(colour, "1;34", "┌─"));
            if let (Some(l), Some((text, a, b))) = (line, snip) {
                let bar = paint(colour, "1;34", "│");
                let _ = writeln!(out, "{pad}{bar}");
                let _ = writeln!(
                    out,
                    "{} {bar} {text}",
                    paint(colour, "1;34", &format!("{l:>w$}", w = gutter - 1))
                );
                let carets = "^".repeat(b.saturating_sub(a).max(1));
                let _ = writeln!(
                    out,
                    "{pad}{bar} {}{}",
                    " ".repeat(a),
                    paint(colour, severity_colour(d.severity), &carets)
                );
            }
        }
        let pad = " ".repeat(gutter);
        if let Some(m) = &d.mapping {
            let res = d.resource.as_deref().filter(|r| r != m);
            let _ = writeln!(
                out,
                "{pad}= mapping: {m}{}",
                res.map(|r| format!(" (resource {r})")).unwrap_or_default()
            );
        } else if let Some(r) = &d.resource {
            let _ = writeln!(out, "{pad}= resource: {r}");
        }
        if let Some(p) = &d.location.json_path
            && !p.is_empty()
        {
            let _ = writeln!(out, "{pad}= at: {p}");
        }
        if !d.help.is_empty() {
            let _ = writeln!(out, "{pad}= {} {}", paint(colour, "1", "help:"), d.help);
        }
        out.push('\n');
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "{}: {} error{}, {} warning{}, {} info{} — {} file{}, {} mapping{}",
        paint(colour, "1", "summary"),
        s.errors,
        plural(s.errors),
        s.warnings,
        plural(s.warnings),
        s.infos,
        plural(s.infos),
        s.files,
        plural(s.files),
        s.mappings,
        plural(s.mappings)
    );
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
