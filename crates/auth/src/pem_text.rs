//! Reading PEM text as people paste it into Secrets Manager.
//!
//! Strict PEM readers (RFC 7468) reject or skip what users most often get wrong, and they drop the
//! labels and headers a diagnosis needs. This module finds every block with its label, notes the
//! layout mistakes (newlines flattened to spaces, `\n` left escaped, a block not starting on its
//! own line), repairs the text where that is unambiguous so the rest can still be checked, and
//! decodes each block with the `pem` crate.

use zeroize::Zeroizing;

/// A layout mistake in PEM text. The text was repaired to check the rest; the secret stays unusable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    /// Newlines were replaced by spaces (typical of pasting into a single-line field).
    Flattened,
    /// The two characters `\` `n` stand where newlines should be (JSON escaping applied twice).
    EscapedNewlines,
    /// A `-----BEGIN` marker follows other text on the same line.
    BeginNotOnOwnLine,
}

impl Layout {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Flattened => "its newlines were replaced by spaces",
            Self::EscapedNewlines => "it contains the two characters `\\n` instead of newlines",
            Self::BeginNotOnOwnLine => "a `-----BEGIN` line does not start on a new line",
        }
    }
}

/// One decoded PEM block.
#[derive(Debug)]
pub(crate) struct Block {
    /// The label between `BEGIN ` and `-----`, e.g. `CERTIFICATE`.
    pub(crate) label: String,
    /// The decoded contents (zeroized on drop; it may be a private key).
    pub(crate) der: Zeroizing<Vec<u8>>,
    /// `DEK-Info` of OpenSSL's traditional encrypted PEM, when present (`Proc-Type: 4,ENCRYPTED`).
    pub(crate) dek_info: Option<String>,
}

/// What reading PEM text found.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub(crate) blocks: Vec<Block>,
    pub(crate) layout: Vec<Layout>,
}

/// Why PEM text could not be read at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Unreadable {
    /// No `-----BEGIN` marker anywhere.
    NoBlocks,
    /// A block is broken; the text says how (never the contents).
    Broken(String),
}

/// Reads every PEM block in `text`.
pub(crate) fn parse(text: &str) -> Result<Parsed, Unreadable> {
    if !text.contains("-----BEGIN ") {
        return Err(Unreadable::NoBlocks);
    }
    let mut layout = Vec::new();
    let mut repaired: Option<Zeroizing<String>> = None;
    if text.contains("\\n") {
        layout.push(Layout::EscapedNewlines);
        repaired = Some(Zeroizing::new(
            text.replace("\\r\\n", "\n").replace("\\n", "\n"),
        ));
    }
    let current = repaired.as_deref().map_or(text, |s| s.as_str());
    if let Some(fixed) = unflatten(current) {
        layout.push(Layout::Flattened);
        repaired = Some(fixed);
    }
    let current = repaired.as_deref().map_or(text, |s| s.as_str());
    if begins_mid_line(current) {
        layout.push(Layout::BeginNotOnOwnLine);
    }
    let current = repaired.as_deref().map_or(text, |s| s.as_str());
    let pems = pem::parse_many(current).map_err(|e| Unreadable::Broken(describe_pem_error(&e)))?;
    if pems.is_empty() {
        return Err(Unreadable::Broken(
            "a `-----BEGIN` marker has no matching `-----END` marker".into(),
        ));
    }
    let blocks = pems
        .into_iter()
        .map(|p| {
            let encrypted = p
                .headers()
                .get("Proc-Type")
                .is_some_and(|v| v.contains("ENCRYPTED"));
            let dek_info = encrypted.then(|| {
                p.headers()
                    .get("DEK-Info")
                    .map(|v| v.split(',').next().unwrap_or(v).trim().to_owned())
                    .unwrap_or_else(|| "unknown cipher".to_owned())
            });
            Block {
                label: p.tag().to_owned(),
                dek_info,
                der: Zeroizing::new(p.into_contents()),
            }
        })
        .collect();
    Ok(Parsed { blocks, layout })
}

fn describe_pem_error(e: &pem::PemError) -> String {
    match e {
        pem::PemError::MismatchedTags(b, e) => {
            format!("a `BEGIN {b}` block ends with `END {e}`")
        }
        pem::PemError::MissingEndTag => "a block has no `-----END` line".into(),
        pem::PemError::MissingBeginTag => "a block has no `-----BEGIN` line".into(),
        pem::PemError::MissingData => "a block is empty".into(),
        pem::PemError::InvalidData(_) => "a block's body is not valid base64".into(),
        pem::PemError::InvalidHeader(_) => "a block has a malformed header line".into(),
        _ => "a block is malformed".into(),
    }
}

/// When the body of any block sits on its `BEGIN` line (newlines flattened), rebuild the text
/// with one base64 run per line.
fn unflatten(text: &str) -> Option<Zeroizing<String>> {
    let mut flattened = false;
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        out.push_str(&rest[..start]);
        let after_begin = &rest[start + "-----BEGIN ".len()..];
        let Some(label_end) = after_begin.find("-----") else {
            out.push_str(&rest[start..]);
            return flattened.then_some(out);
        };
        let label = &after_begin[..label_end];
        let body_and_rest = &after_begin[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = body_and_rest.find(&end_marker) else {
            out.push_str(&rest[start..]);
            return flattened.then_some(out);
        };
        let body = &body_and_rest[..end];
        let on_begin_line = body
            .chars()
            .take_while(|c| *c != '\n')
            .any(|c| !c.is_whitespace());
        out.push_str("-----BEGIN ");
        out.push_str(label);
        out.push_str("-----\n");
        if on_begin_line {
            flattened = true;
            for word in body.split_whitespace() {
                out.push_str(word);
                out.push('\n');
            }
        } else {
            out.push_str(body.trim_start_matches([' ', '\t', '\r', '\n']));
            if !out.ends_with('\n') {
                out.push('\n');
            }
        }
        out.push_str(&end_marker);
        out.push('\n');
        rest = body_and_rest[end + end_marker.len()..].trim_start_matches([' ', '\t']);
    }
    out.push_str(rest);
    flattened.then_some(out)
}

fn begins_mid_line(text: &str) -> bool {
    text.match_indices("-----BEGIN ").any(|(i, _)| {
        let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
        !text[line_start..i].trim().is_empty()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nTUlJQg==\n-----END CERTIFICATE-----\n";

    #[test]
    fn reads_a_clean_block() {
        let p = parse(CERT).expect("parse");
        assert!(p.layout.is_empty());
        assert_eq!(p.blocks.len(), 1);
        assert_eq!(p.blocks[0].label, "CERTIFICATE");
        assert_eq!(p.blocks[0].der.as_slice(), b"MIIB");
    }

    #[test]
    fn repairs_and_reports_flattened_pem() {
        let flat = "-----BEGIN CERTIFICATE----- TUlJ Qg== -----END CERTIFICATE----- \
                    -----BEGIN CERTIFICATE----- TUlJQg== -----END CERTIFICATE-----";
        let p = parse(flat).expect("parse");
        assert_eq!(p.layout, vec![Layout::Flattened]);
        assert_eq!(p.blocks.len(), 2);
        assert_eq!(p.blocks[1].der.as_slice(), b"MIIB");
    }

    #[test]
    fn repairs_and_reports_escaped_newlines() {
        let escaped = CERT.replace('\n', "\\n");
        let p = parse(&escaped).expect("parse");
        assert_eq!(p.layout, vec![Layout::EscapedNewlines]);
        assert_eq!(p.blocks.len(), 1);
    }

    #[test]
    fn reports_begin_marker_mid_line() {
        let text = format!("{}{}", CERT.trim_end(), CERT);
        let p = parse(&text).expect("parse");
        assert!(
            p.layout.contains(&Layout::BeginNotOnOwnLine),
            "{:?}",
            p.layout
        );
        assert_eq!(p.blocks.len(), 2);
    }

    #[test]
    fn text_without_blocks_is_not_pem() {
        assert_eq!(parse("MIIB").unwrap_err(), Unreadable::NoBlocks);
    }

    #[test]
    fn broken_base64_is_named_without_echoing_it() {
        let err = parse("-----BEGIN PRIVATE KEY-----\n!!secret!!\n-----END PRIVATE KEY-----\n")
            .unwrap_err();
        let Unreadable::Broken(msg) = err else {
            panic!("expected Broken")
        };
        assert!(!msg.contains("secret"), "{msg}");
    }

    #[test]
    fn notes_traditional_encryption_headers() {
        let text = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\
                    DEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\nTUlJQg==\n\
                    -----END RSA PRIVATE KEY-----\n";
        let p = parse(text).expect("parse");
        assert_eq!(p.blocks[0].dek_info.as_deref(), Some("AES-256-CBC"));
    }
}
