//! A YAML/JSON document tree that keeps where every node came from, CloudFormation tags and
//! duplicate keys — built from `saphyr-parser` events.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YSpan};

/// Where a node is in its file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset after the last byte.
    pub end: usize,
    /// 1-based line of `start`.
    pub line: u32,
    /// 1-based column of `start`, in characters.
    pub column: u32,
}

/// A node of the tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The content.
    pub kind: NodeKind,
    /// An explicit local tag such as `!Ref` (`None` when untagged or a core `!!` tag).
    pub tag: Option<String>,
    /// Where it is.
    pub span: Span,
}

/// The content of a node.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    /// A scalar; `plain` when unquoted (so `true`, `10`, `null` may mean a boolean, number, null).
    Scalar {
        /// The text.
        text: String,
        /// Unquoted.
        plain: bool,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<Entry>),
}

/// One key and value of a mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The key (complex keys are flattened to their text, or empty).
    pub key: String,
    /// Where the key is.
    pub key_span: Span,
    /// The value.
    pub value: Node,
}

impl Node {
    /// The value under `key`, for a mapping (the last one if the key is repeated).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?
            .iter()
            .rev()
            .find(|e| e.key == key)
            .map(|e| &e.value)
    }

    /// The entry under `key`, for a mapping.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries()?.iter().rev().find(|e| e.key == key)
    }

    /// The entries of a mapping.
    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items of a sequence.
    pub fn items(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The text of an untagged scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { text, .. } if self.tag.is_none() => Some(text),
            _ => None,
        }
    }
}

/// A document that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where (line and column 1-based).
    pub span: Span,
    /// What the parser said (it names characters and positions, never whole values).
    pub message: String,
}

/// A parsed document and what was noticed on the way.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    /// The first document, `None` for an empty stream.
    pub root: Option<Node>,
    /// Keys repeated in one mapping: (key, first, repeat).
    pub duplicates: Vec<(String, Span, Span)>,
    /// Byte ranges of values under secret-looking keys, redacted in every snippet.
    pub sensitive: Vec<Range<usize>>,
}

/// Keys whose values are never shown (compared case-insensitively, `_` ignored).
const SENSITIVE_KEYS: &[&str] = &[
    "secretstring",
    "password",
    "privatekey",
    "privatekeypassword",
    "secretstringwo",
    "secretbinary",
    "secretkey",
    "secretaccesskey",
    "sessiontoken",
    "token",
    "clientsecret",
    "oauthclientsecret",
    "oauthprivatekey",
];

/// Whether values under `key` are secret.
pub fn is_sensitive_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    SENSITIVE_KEYS.contains(&k.as_str())
}

/// Most nodes one document may expand to (aliases included): a bound on "billion laughs".
const MAX_NODES: usize = 2_000_000;
/// Deepest nesting accepted.
const MAX_DEPTH: usize = 256;

enum Frame {
    Seq {
        anchor: usize,
        tag: Option<String>,
        start: Span,
        items: Vec<Node>,
    },
    Map {
        anchor: usize,
        tag: Option<String>,
        start: Span,
        entries: Vec<Entry>,
        pending_key: Option<(String, Span)>,
    },
}

struct Positions<'a> {
    text: &'a str,
    /// Byte offset of each character, when the text is not ASCII.
    offsets: Option<Vec<usize>>,
}

impl<'a> Positions<'a> {
    fn new(text: &'a str) -> Self {
        let offsets = (!text.is_ascii()).then(|| text.char_indices().map(|(i, _)| i).collect());
        Self { text, offsets }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.offsets {
            None => char_index.min(self.text.len()),
            Some(o) => o.get(char_index).copied().unwrap_or(self.text.len()),
        }
    }

    fn span(&self, s: &YSpan) -> Span {
        Span {
            start: self.byte(s.start.index()),
            end: self.byte(s.end.index()).max(self.byte(s.start.index())),
            line: u32::try_from(s.start.line()).unwrap_or(u32::MAX).max(1),
            column: u32::try_from(s.start.col() + 1).unwrap_or(u32::MAX),
        }
    }
}

fn tag_name(tag: Option<Cow<'_, saphyr_parser::Tag>>) -> Option<String> {
    let tag = tag?;
    if tag.handle == "!" {
        Some(format!("!{}", tag.suffix))
    } else {
        None
    }
}

/// Parses YAML (or JSON, a subset), keeping positions and `!Tags`.
pub fn parse_yaml(text: &str) -> Result<Parsed, SyntaxError> {
    let pos = Positions::new(text);
    let mut out = Parsed::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut budget = MAX_NODES;
    let mut done = false;
    for item in Parser::new_from_str(text) {
        let (event, yspan) = item.map_err(|e| {
            let m = e.marker();
            SyntaxError {
                span: Span {
                    start: pos.byte(m.index()),
                    end: pos.byte(m.index()),
                    line: u32::try_from(m.line()).unwrap_or(u32::MAX).max(1),
                    column: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
                },
                message: e.info().to_owned(),
            }
        })?;
        if done {
            // Only the first document counts; keep scanning so later syntax errors still show.
            continue;
        }
        let span = pos.span(&yspan);
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentStart(_) => {
                continue;
            }
            Event::DocumentEnd => {
                done = true;
                continue;
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(n) => {
                    let size = count(n);
                    if size > budget {
                        return Err(too_big(span));
                    }
                    budget -= size;
                    let mut n = n.clone();
                    n.span = span;
                    n
                }
                None => {
                    return Err(SyntaxError {
                        span,
                        message: "alias to an unknown anchor".into(),
                    });
                }
            },
            Event::Scalar(value, style, anchor, tag) => {
                let node = Node {
                    kind: NodeKind::Scalar {
                        text: value.into_owned(),
                        plain: style == ScalarStyle::Plain,
                    },
                    tag: tag_name(tag),
                    span,
                };
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::SequenceStart(anchor, tag) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(too_deep(span));
                }
                stack.push(Frame::Seq {
                    anchor,
                    tag: tag_name(tag),
                    start: span,
                    items: Vec::new(),
                });
                continue;
            }
            Event::MappingStart(anchor, tag) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(too_deep(span));
                }
                stack.push(Frame::Map {
                    anchor,
                    tag: tag_name(tag),
                    start: span,
                    entries: Vec::new(),
                    pending_key: None,
                });
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    anchor,
                    tag,
                    start,
                    items,
                }) => {
                    let node = Node {
                        kind: NodeKind::Seq(items),
                        tag,
                        span: join(start, span),
                    };
                    if anchor > 0 {
                        anchors.insert(anchor, node.clone());
                    }
                    node
                }
                _ => return Err(unbalanced(span)),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    anchor,
                    tag,
                    start,
                    entries,
                    ..
                }) => {
                    let mut seen: HashMap<&str, Span> = HashMap::new();
                    for e in &entries {
                        if let Some(first) = seen.insert(&e.key, e.key_span) {
                            out.duplicates.push((e.key.clone(), first, e.key_span));
                        }
                        if is_sensitive_key(&e.key) {
                            out.sensitive.push(e.value.span.start..e.value.span.end);
                        }
                    }
                    let node = Node {
                        kind: NodeKind::Map(entries),
                        tag,
                        span: join(start, span),
                    };
                    if anchor > 0 {
                        anchors.insert(anchor, node.clone());
                    }
                    node
                }
                _ => return Err(unbalanced(span)),
            },
        };
        budget = budget.checked_sub(1).ok_or_else(|| too_big(span))?;
        match stack.last_mut() {
            None => {
                out.root = Some(node);
                done = true;
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => {
                    let key = match &node.kind {
                        NodeKind::Scalar { text, .. } => text.clone(),
                        _ => String::new(),
                    };
                    *pending_key = Some((key, node.span));
                }
                Some((key, key_span)) => entries.push(Entry {
                    key,
                    key_span,
                    value: node,
                }),
            },
        }
    }
    Ok(out)
}

fn join(start: Span, end: Span) -> Span {
    Span {
        end: end.end.max(start.start),
        ..start
    }
}

fn count(n: &Node) -> usize {
    1 + match &n.kind {
        NodeKind::Scalar { .. } => 0,
        NodeKind::Seq(items) => items.iter().map(count).sum(),
        NodeKind::Map(entries) => entries.iter().map(|e| 1 + count(&e.value)).sum(),
    }
}

fn too_big(span: Span) -> SyntaxError {
    SyntaxError {
        span,
        message: format!("the document expands to more than {MAX_NODES} nodes (aliases)"),
    }
}

fn too_deep(span: Span) -> SyntaxError {
    SyntaxError {
        span,
        message: format!("nesting deeper than {MAX_DEPTH} levels"),
    }
}

fn unbalanced(span: Span) -> SyntaxError {
    SyntaxError {
        span,
        message: "unbalanced collection".into(),
    }
}

/// Parses JSON strictly (`serde_json` decides what is valid, and where it is not), then builds
/// the positioned tree.
pub fn parse_json(text: &str) -> Result<Parsed, SyntaxError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let checked: Result<serde::de::IgnoredAny, _> =
        serde::Deserialize::deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    if let Err(e) = checked {
        let line = u32::try_from(e.line()).unwrap_or(u32::MAX).max(1);
        let column = u32::try_from(e.column()).unwrap_or(u32::MAX).max(1);
        let start = byte_at(text, line, column);
        return Err(SyntaxError {
            span: Span {
                start,
                end: start,
                line,
                column,
            },
            message: json_error_text(&e),
        });
    }
    match parse_yaml(text) {
        Ok(p) => Ok(p),
        // Valid JSON the YAML reader refuses (e.g. escaped surrogate pairs): keep the content,
        // without positions.
        Err(_) => {
            let value: serde_json::Value = serde_json::from_str(text).map_err(|e| SyntaxError {
                span: Span::default(),
                message: json_error_text(&e),
            })?;
            let mut out = Parsed {
                root: Some(from_json(&value, 0)),
                ..Parsed::default()
            };
            out.sensitive.push(0..text.len());
            Ok(out)
        }
    }
}

fn json_error_text(e: &serde_json::Error) -> String {
    // serde_json's messages name the class of error and the position only.
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

fn from_json(v: &serde_json::Value, depth: usize) -> Node {
    let span = Span {
        line: 1,
        column: 1,
        ..Span::default()
    };
    let kind = match v {
        _ if depth > MAX_DEPTH => NodeKind::Scalar {
            text: String::new(),
            plain: true,
        },
        serde_json::Value::Null => NodeKind::Scalar {
            text: "null".into(),
            plain: true,
        },
        serde_json::Value::Bool(b) => NodeKind::Scalar {
            text: b.to_string(),
            plain: true,
        },
        serde_json::Value::Number(n) => NodeKind::Scalar {
            text: n.to_string(),
            plain: true,
        },
        serde_json::Value::String(s) => NodeKind::Scalar {
            text: s.clone(),
            plain: false,
        },
        serde_json::Value::Array(a) => {
            NodeKind::Seq(a.iter().map(|x| from_json(x, depth + 1)).collect())
        }
        serde_json::Value::Object(o) => NodeKind::Map(
            o.iter()
                .map(|(k, x)| Entry {
                    key: k.clone(),
                    key_span: span,
                    value: from_json(x, depth + 1),
                })
                .collect(),
        ),
    };
    Node {
        kind,
        tag: None,
        span,
    }
}

/// Byte offset of a 1-based line and column (characters).
pub(crate) fn byte_at(text: &str, line: u32, column: u32) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            let col = (column as usize).saturating_sub(1);
            return offset + l.char_indices().nth(col).map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_tags_and_duplicates() {
        let text = "Resources:\n  Esm:\n    Topics: [!Ref T]\n    Topics: x\n    Name: !Sub 'a-${AWS::Region}'\n";
        let p = parse_yaml(text).expect("parse");
        let root = p.root.expect("root");
        let esm = root
            .get("Resources")
            .and_then(|r| r.get("Esm"))
            .expect("esm");
        assert_eq!(esm.get("Topics").and_then(Node::as_str), Some("x"));
        let name = esm.get("Name").expect("name");
        assert_eq!(name.tag.as_deref(), Some("!Sub"));
        assert_eq!((name.span.line, name.span.column), (5, 11));
        assert_eq!(
            &text[name.span.start..name.span.end],
            "!Sub 'a-${AWS::Region}'"
        );
        assert_eq!(p.duplicates.len(), 1);
        assert_eq!(p.duplicates[0].0, "Topics");
    }

    #[test]
    fn json_errors_have_positions_and_no_values() {
        let e = parse_json("{\"a\": 1,\n \"password\": \"hunter2\" \"x\"}").expect_err("bad");
        assert_eq!(e.span.line, 2);
        assert!(!e.message.contains("hunter2"));
    }

    #[test]
    fn marks_sensitive_values_and_handles_non_ascii() {
        let text = "{\"Name\": \"ünïcode\", \"SecretString\": \"{\\\"password\\\": \\\"pw\\\"}\"}";
        let p = parse_json(text).expect("parse");
        assert_eq!(p.sensitive.len(), 1);
        assert!(text[p.sensitive[0].clone()].contains("pw"));
    }

    #[test]
    fn bounds_alias_expansion() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            text.push_str(&format!(
                "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = c;
        }
        assert!(parse_yaml(&text).is_err());
    }
}
