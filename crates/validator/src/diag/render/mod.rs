//! Renderers: codespan-style text, the JSON envelope and SARIF 2.1.0.

mod json;
mod sarif;
mod text;

pub use json::json;
pub use sarif::{SarifLog, sarif};
pub use text::text;

use crate::input::SourceFile;

/// The source line a span starts on, with values under secret-looking keys replaced by
/// `[redacted]`, and the 0-based character range to underline in the returned text.
pub(crate) fn snippet(
    file: &SourceFile,
    span: crate::input::Span,
) -> Option<(String, usize, usize)> {
    let text = &file.text;
    let line_no = span.line as usize;
    let mut start = 0;
    let mut line = None;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line_no {
            line = Some((start, l.trim_end_matches(['\n', '\r'])));
            break;
        }
        start += l.len();
    }
    let (line_start, line) = line?;
    let line_end = line_start + line.len();
    // Redacted byte ranges within the line.
    let mut hidden: Vec<(usize, usize)> = file
        .sensitive
        .iter()
        .filter(|r| r.start < line_end && r.end > line_start)
        .map(|r| {
            (
                r.start.max(line_start) - line_start,
                r.end.min(line_end) - line_start,
            )
        })
        .collect();
    hidden.sort_unstable();
    let mut out = String::new();
    let mut col_map = Vec::with_capacity(line.len() + 1); // byte offset → display char column
    let mut display_col = 0;
    let mut i = 0;
    let mut h = hidden.iter().peekable();
    while i < line.len() {
        if let Some(&&(hs, he)) = h.peek()
            && i >= hs
        {
            h.next();
            if he > i {
                out.push_str("[redacted]");
                for _ in i..he {
                    col_map.push(display_col);
                }
                display_col += "[redacted]".len();
                i = he;
            }
            continue;
        }
        let Some(c) = line[i..].chars().next() else {
            break;
        };
        out.push(c);
        for _ in 0..c.len_utf8() {
            col_map.push(display_col);
        }
        display_col += 1;
        i += c.len_utf8();
    }
    col_map.push(display_col);
    let from = span.start.saturating_sub(line_start).min(line.len());
    let to = span.end.saturating_sub(line_start).clamp(from, line.len());
    let a = col_map.get(from).copied().unwrap_or(display_col);
    let mut b = col_map.get(to).copied().unwrap_or(display_col);
    if b <= a {
        b = a + 1;
    }
    // Underline the visible part of the line only (trailing spaces excluded).
    let visible = out.trim_end().chars().count().max(a + 1);
    Some((out, a, b.min(visible)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{SourceFile, Span, parse_yaml};

    #[test]
    fn redacts_values_under_secret_keys() {
        let text = "S:\n  SecretString: '{\"password\": \"hunter2\"}'\n  Name: AmazonMSK_x\n";
        let mut f = SourceFile::new("t.yaml", text);
        f.sensitive = parse_yaml(text).expect("yaml").sensitive;
        let (line, a, b) = snippet(
            &f,
            Span {
                start: 5,
                end: 17,
                line: 2,
                column: 3,
            },
        )
        .expect("snippet");
        assert_eq!(line, "  SecretString: [redacted]");
        assert_eq!((a, b), (2, 14));
    }
}
