//! Lambda event filtering (`FilterCriteria`) on Kafka records.
//!
//! Each filter is a JSON string holding an EventBridge-style pattern; a record passes when **any**
//! filter matches (an empty criteria passes everything). For Kafka, Lambda filters only on the
//! record's `value`, decoded as UTF-8:
//!
//! - a value that is a JSON object (or array) is matched field by field:
//!   `{"value": {"device_ID": [{"prefix": "AB"}]}}`;
//! - any other value is a plain string, matched by a leaf rule on `value` itself:
//!   `{"value": [{"anything-but": ["error"]}]}`;
//! - a null value (tombstone) has no `value` field: only `{"exists": false}` matches it;
//! - when the value's form and the pattern's form for `value` differ (object pattern, plain
//!   string value; leaf pattern, JSON value; or a value that is not UTF-8), the filter does not
//!   match — Lambda's format table: "Plain string | Valid JSON → Lambda drops the message" and
//!   "Valid JSON | Plain string → Lambda drops the message".
//!
//! Operators: exact strings, numbers, booleans and `null`; `""` (empty); `prefix`, `suffix`
//! (optionally `{"equals-ignore-case": …}` inside); `equals-ignore-case`; `anything-but` (values,
//! `prefix`, `suffix`, `equals-ignore-case`, `wildcard`); `numeric` (`=`, `<`, `<=`, `>`, `>=`,
//! one lower and one upper bound); `exists`; `wildcard`; `cidr`; and `$or`. Lambda's filtering
//! page documents a subset of these (see `docs/runtime.md`); [`Pattern::lambda_extensions`] names
//! the ones a pattern uses beyond it.
//!
//! ```
//! use mskgate_runtime::filter::FilterCriteria;
//! let f = FilterCriteria::parse(&[r#"{"value": {"device_ID": [{"prefix": "AB"}]}}"#]).unwrap();
//! assert!(f.matches_value(Some(br#"{"device_ID":"AB1234"}"#)));
//! assert!(!f.matches_value(Some(br#"{"device_ID":"CD1234"}"#)));
//! ```

use std::net::IpAddr;

use serde_json::{Map, Number, Value};

use crate::record::Record;

/// Most filters an event source mapping can have (Lambda: 5 by default, up to 10 on request).
pub const MAX_FILTERS: usize = 10;

/// What is wrong with a filter pattern.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterErrorKind {
    /// The pattern string is not JSON.
    #[error("the pattern is not valid JSON (line {line}, column {column})")]
    NotJson {
        /// Line of the syntax error.
        line: usize,
        /// Column of the syntax error.
        column: usize,
    },
    /// The pattern, or a nested part of it, is not a JSON object.
    #[error("{path} must be a JSON object")]
    NotAnObject {
        /// Where, as a dotted path.
        path: String,
    },
    /// A top-level key other than `value` (Kafka filters only on `value`).
    #[error("Kafka event source mappings filter only on \"value\", not {key:?}")]
    UnsupportedKey {
        /// The key (truncated to 64 characters).
        key: String,
    },
    /// A field's rule is neither a list of matchers nor a nested object.
    #[error("{path} must be a list of matchers or a nested object")]
    NotAList {
        /// Where.
        path: String,
    },
    /// An operator object has an unknown key.
    #[error("{path}: unknown operator {operator:?}")]
    UnknownOperator {
        /// Where.
        path: String,
        /// The operator (truncated to 64 characters).
        operator: String,
    },
    /// An operator has the wrong kind of operand.
    #[error("{path}: {operator} expects {expected}")]
    BadOperand {
        /// Where.
        path: String,
        /// The operator.
        operator: &'static str,
        /// What it takes.
        expected: &'static str,
    },
    /// A `numeric` rule is malformed.
    #[error("{path}: numeric {problem}")]
    BadNumeric {
        /// Where.
        path: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// `$or` is not a list of at least two patterns.
    #[error("{path}: $or must be a list of at least two objects")]
    BadOr {
        /// Where.
        path: String,
    },
}

/// A filter that could not be parsed, by its index in `Filters`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("FilterCriteria.Filters[{index}].Pattern: {kind}")]
pub struct FilterError {
    /// Index in `Filters`.
    pub index: usize,
    /// What is wrong.
    pub kind: FilterErrorKind,
}

/// Too many filters.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("FilterCriteria has {count} filters; Lambda allows at most {MAX_FILTERS}")]
pub struct TooManyFilters {
    /// How many were given.
    pub count: usize,
}

#[derive(Clone, Debug, PartialEq)]
enum Matcher {
    Exact(Value),
    Prefix(String, bool),
    Suffix(String, bool),
    EqualsIgnoreCase(String),
    AnythingBut(Vec<Matcher>),
    Numeric(Option<(f64, bool)>, Option<(f64, bool)>),
    Exists(bool),
    Wildcard(String),
    Cidr(IpAddr, u8),
}

#[derive(Clone, Debug, PartialEq)]
enum Rule {
    Leaf(Vec<Matcher>),
    Object(Node),
}

#[derive(Clone, Debug, PartialEq, Default)]
struct Node {
    fields: Vec<(String, Rule)>,
    ors: Vec<Vec<Node>>,
}

/// One parsed filter pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    root: Node,
    extensions: Vec<&'static str>,
}

/// Parsed `FilterCriteria`: records pass when any pattern matches.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FilterCriteria {
    patterns: Vec<Pattern>,
}

impl FilterCriteria {
    /// Parses each `Filters[].Pattern` string; errors name the filter's index.
    pub fn parse<S: AsRef<str>>(patterns: &[S]) -> Result<Self, FilterError> {
        let patterns = patterns
            .iter()
            .enumerate()
            .map(|(index, p)| {
                Pattern::parse(p.as_ref()).map_err(|kind| FilterError { index, kind })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { patterns })
    }

    /// Checks Lambda's limit on the number of filters.
    pub fn check_count(&self) -> Result<(), TooManyFilters> {
        if self.patterns.len() > MAX_FILTERS {
            Err(TooManyFilters {
                count: self.patterns.len(),
            })
        } else {
            Ok(())
        }
    }

    /// The parsed patterns.
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// No filters: everything passes.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether `record` passes (its `value` matches any filter).
    pub fn matches(&self, record: &Record) -> bool {
        self.matches_value(record.value())
    }

    /// Whether a record with this value passes.
    pub fn matches_value(&self, value: Option<&[u8]>) -> bool {
        if self.patterns.is_empty() {
            return true;
        }
        let data = Data::of(value);
        self.patterns.iter().any(|p| p.matches_data(&data))
    }
}

/// A record value as the filter sees it.
enum Data {
    /// Null value: no `value` field.
    Absent,
    /// UTF-8 text that is not a JSON object or array.
    Plain(Value),
    /// A JSON object or array.
    Json(Value),
    /// Not UTF-8.
    Opaque,
}

impl Data {
    fn of(value: Option<&[u8]>) -> Self {
        let Some(bytes) = value else {
            return Data::Absent;
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Data::Opaque;
        };
        let trimmed = text.trim_start();
        if (trimmed.starts_with('{') || trimmed.starts_with('['))
            && let Ok(v @ (Value::Object(_) | Value::Array(_))) =
                serde_json::from_str::<Value>(text)
        {
            return Data::Json(v);
        }
        Data::Plain(Value::String(text.to_owned()))
    }
}

impl Pattern {
    /// Parses one pattern string.
    pub fn parse(text: &str) -> Result<Self, FilterErrorKind> {
        let v: Value = serde_json::from_str(text).map_err(|e| FilterErrorKind::NotJson {
            line: e.line(),
            column: e.column(),
        })?;
        let Value::Object(obj) = v else {
            return Err(FilterErrorKind::NotAnObject {
                path: "the pattern".into(),
            });
        };
        let mut extensions = Vec::new();
        let root = parse_node(&obj, "", &mut extensions)?;
        check_kafka_keys(&root)?;
        extensions.sort_unstable();
        extensions.dedup();
        Ok(Self { root, extensions })
    }

    /// Operators this pattern uses that Lambda's filtering documentation does not list
    /// (`wildcard`, `cidr`, `anything-but` with `prefix`/`suffix`/`equals-ignore-case`/
    /// `wildcard`, `prefix`/`suffix` with `equals-ignore-case`).
    pub fn lambda_extensions(&self) -> &[&'static str] {
        &self.extensions
    }

    fn matches_data(&self, data: &Data) -> bool {
        match_value_node(&self.root, data)
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}

fn check_kafka_keys(node: &Node) -> Result<(), FilterErrorKind> {
    for (key, _) in &node.fields {
        if key != "value" {
            return Err(FilterErrorKind::UnsupportedKey { key: truncate(key) });
        }
    }
    for branches in &node.ors {
        for b in branches {
            check_kafka_keys(b)?;
        }
    }
    Ok(())
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        truncate(key)
    } else {
        format!("{path}.{}", truncate(key))
    }
}

fn parse_node(
    obj: &Map<String, Value>,
    path: &str,
    ext: &mut Vec<&'static str>,
) -> Result<Node, FilterErrorKind> {
    let mut node = Node::default();
    for (key, v) in obj {
        let here = join(path, key);
        if key == "$or" {
            let Value::Array(items) = v else {
                return Err(FilterErrorKind::BadOr { path: here });
            };
            if items.len() < 2 {
                return Err(FilterErrorKind::BadOr { path: here });
            }
            let mut branches = Vec::with_capacity(items.len());
            for item in items {
                let Value::Object(o) = item else {
                    return Err(FilterErrorKind::BadOr { path: here });
                };
                branches.push(parse_node(o, path, ext)?);
            }
            node.ors.push(branches);
            continue;
        }
        let rule = match v {
            Value::Object(o) => Rule::Object(parse_node(o, &here, ext)?),
            Value::Array(items) => Rule::Leaf(
                items
                    .iter()
                    .map(|m| parse_matcher(m, &here, ext))
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Err(FilterErrorKind::NotAList { path: here }),
        };
        node.fields.push((key.clone(), rule));
    }
    Ok(node)
}

fn bad(path: &str, operator: &'static str, expected: &'static str) -> FilterErrorKind {
    FilterErrorKind::BadOperand {
        path: path.to_owned(),
        operator,
        expected,
    }
}

fn single_op<'a>(
    m: &'a Map<String, Value>,
    path: &str,
) -> Result<(&'a str, &'a Value), FilterErrorKind> {
    let mut it = m.iter();
    match (it.next(), it.next()) {
        (Some((k, v)), None) => Ok((k.as_str(), v)),
        (None, _) => Err(FilterErrorKind::UnknownOperator {
            path: path.to_owned(),
            operator: String::new(),
        }),
        (Some(_), Some((k, _))) => Err(FilterErrorKind::UnknownOperator {
            path: path.to_owned(),
            operator: truncate(k),
        }),
    }
}

/// `"s"` or `{"equals-ignore-case": "s"}` for prefix/suffix.
fn string_or_eic(
    v: &Value,
    path: &str,
    op: &'static str,
    ext: &mut Vec<&'static str>,
) -> Result<(String, bool), FilterErrorKind> {
    match v {
        Value::String(s) => Ok((s.clone(), false)),
        Value::Object(m) => match single_op(m, path)? {
            ("equals-ignore-case", Value::String(s)) => {
                ext.push("prefix/suffix with equals-ignore-case");
                Ok((s.to_lowercase(), true))
            }
            _ => Err(bad(
                path,
                op,
                "a string or {\"equals-ignore-case\": string}",
            )),
        },
        _ => Err(bad(
            path,
            op,
            "a string or {\"equals-ignore-case\": string}",
        )),
    }
}

fn parse_matcher(
    m: &Value,
    path: &str,
    ext: &mut Vec<&'static str>,
) -> Result<Matcher, FilterErrorKind> {
    let obj = match m {
        Value::Object(o) => o,
        Value::Array(_) => {
            return Err(bad(
                path,
                "a matcher",
                "a value or an operator object, not a list",
            ));
        }
        other => return Ok(Matcher::Exact(other.clone())),
    };
    let (op, v) = single_op(obj, path)?;
    Ok(match op {
        "prefix" => {
            let (s, ic) = string_or_eic(v, path, "prefix", ext)?;
            Matcher::Prefix(s, ic)
        }
        "suffix" => {
            let (s, ic) = string_or_eic(v, path, "suffix", ext)?;
            Matcher::Suffix(s, ic)
        }
        "equals-ignore-case" => match v {
            Value::String(s) => Matcher::EqualsIgnoreCase(s.to_lowercase()),
            _ => return Err(bad(path, "equals-ignore-case", "a string")),
        },
        "exists" => match v {
            Value::Bool(b) => Matcher::Exists(*b),
            _ => return Err(bad(path, "exists", "true or false")),
        },
        "wildcard" => match v {
            Value::String(s) => {
                ext.push("wildcard");
                Matcher::Wildcard(check_wildcard(s, path)?)
            }
            _ => return Err(bad(path, "wildcard", "a string")),
        },
        "cidr" => match v {
            Value::String(s) => {
                ext.push("cidr");
                parse_cidr(s).ok_or_else(|| {
                    bad(
                        path,
                        "cidr",
                        "an IPv4 or IPv6 network such as \"10.0.0.0/24\"",
                    )
                })?
            }
            _ => return Err(bad(path, "cidr", "a string")),
        },
        "numeric" => parse_numeric(v, path)?,
        "anything-but" => Matcher::AnythingBut(parse_anything_but(v, path, ext)?),
        other => {
            return Err(FilterErrorKind::UnknownOperator {
                path: path.to_owned(),
                operator: truncate(other),
            });
        }
    })
}

fn parse_anything_but(
    v: &Value,
    path: &str,
    ext: &mut Vec<&'static str>,
) -> Result<Vec<Matcher>, FilterErrorKind> {
    const EXPECTED: &str =
        "a value, a list of values, or {prefix|suffix|equals-ignore-case|wildcard: …}";
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => {
                    Ok(Matcher::Exact(i.clone()))
                }
                _ => Err(bad(path, "anything-but", EXPECTED)),
            })
            .collect(),
        Value::Object(m) => {
            let (op, operand) = single_op(m, path)?;
            ext.push("anything-but with an operator");
            let strings = |operand: &Value| -> Result<Vec<String>, FilterErrorKind> {
                match operand {
                    Value::String(s) => Ok(vec![s.clone()]),
                    Value::Array(a) if !a.is_empty() => a
                        .iter()
                        .map(|x| {
                            x.as_str()
                                .map(str::to_owned)
                                .ok_or_else(|| bad(path, "anything-but", EXPECTED))
                        })
                        .collect(),
                    _ => Err(bad(path, "anything-but", EXPECTED)),
                }
            };
            match op {
                "prefix" => Ok(strings(operand)?
                    .into_iter()
                    .map(|s| Matcher::Prefix(s, false))
                    .collect()),
                "suffix" => Ok(strings(operand)?
                    .into_iter()
                    .map(|s| Matcher::Suffix(s, false))
                    .collect()),
                "equals-ignore-case" => Ok(strings(operand)?
                    .into_iter()
                    .map(|s| Matcher::EqualsIgnoreCase(s.to_lowercase()))
                    .collect()),
                "wildcard" => strings(operand)?
                    .into_iter()
                    .map(|s| check_wildcard(&s, path).map(Matcher::Wildcard))
                    .collect(),
                _ => Err(bad(path, "anything-but", EXPECTED)),
            }
        }
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => {
            Ok(vec![Matcher::Exact(v.clone())])
        }
    }
}

fn check_wildcard(s: &str, path: &str) -> Result<String, FilterErrorKind> {
    if s.contains("**") {
        return Err(bad(path, "wildcard", "a string without consecutive '*'"));
    }
    Ok(s.to_owned())
}

fn parse_numeric(v: &Value, path: &str) -> Result<Matcher, FilterErrorKind> {
    let err = |problem| FilterErrorKind::BadNumeric {
        path: path.to_owned(),
        problem,
    };
    let Value::Array(items) = v else {
        return Err(err("must be a list like [\">\", 0, \"<=\", 5]"));
    };
    if items.is_empty() || items.len() % 2 != 0 || items.len() > 4 {
        return Err(err("must be one or two operator/number pairs"));
    }
    let mut lower: Option<(f64, bool)> = None;
    let mut upper: Option<(f64, bool)> = None;
    let mut equals: Option<f64> = None;
    for pair in items.chunks(2) {
        let Value::String(op) = &pair[0] else {
            return Err(err("operators must be strings"));
        };
        let n = pair[1]
            .as_f64()
            .filter(|n| n.is_finite())
            .ok_or(err("operands must be numbers"))?;
        match op.as_str() {
            "=" => {
                if items.len() != 2 {
                    return Err(err("\"=\" must stand alone"));
                }
                equals = Some(n);
            }
            ">" | ">=" => {
                if lower.is_some() {
                    return Err(err("has two lower bounds"));
                }
                lower = Some((n, op == ">="));
            }
            "<" | "<=" => {
                if upper.is_some() {
                    return Err(err("has two upper bounds"));
                }
                upper = Some((n, op == "<="));
            }
            _ => return Err(err("operator must be one of =, <, <=, >, >=")),
        }
    }
    if let Some(n) = equals {
        return Ok(Matcher::Numeric(Some((n, true)), Some((n, true))));
    }
    if let (Some((lo, _)), Some((hi, _))) = (lower, upper)
        && lo > hi
    {
        return Err(err("lower bound is above the upper bound"));
    }
    Ok(Matcher::Numeric(lower, upper))
}

fn parse_cidr(s: &str) -> Option<Matcher> {
    let (addr, bits) = s.split_once('/')?;
    let ip: IpAddr = addr.parse().ok()?;
    let bits: u8 = bits.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some(Matcher::Cidr(ip, bits))
}

// ---- matching ----

/// The top level: the `value` field against the record's value, by Lambda's format rules.
fn match_value_node(node: &Node, data: &Data) -> bool {
    for (_, rule) in &node.fields {
        // Only "value" survives parsing at the top level.
        let ok = match (rule, data) {
            (Rule::Leaf(ms), Data::Plain(v)) => leaf_matches(ms, Some(v)),
            (Rule::Object(n), Data::Json(v)) => object_matches(n, v),
            (Rule::Leaf(ms), Data::Absent) => leaf_matches(ms, None),
            (Rule::Object(_), Data::Absent) => false,
            // Form mismatch or not UTF-8: Lambda drops the message.
            (Rule::Leaf(_), Data::Json(_))
            | (Rule::Object(_), Data::Plain(_))
            | (_, Data::Opaque) => false,
        };
        if !ok {
            return false;
        }
    }
    node.ors
        .iter()
        .all(|branches| branches.iter().any(|b| match_value_node(b, data)))
}

/// A nested pattern object against a JSON value (arrays of objects match element-wise).
fn object_matches(node: &Node, v: &Value) -> bool {
    match v {
        Value::Object(obj) => node_matches(node, obj),
        Value::Array(items) => items.iter().any(|i| object_matches(node, i)),
        _ => false,
    }
}

fn node_matches(node: &Node, obj: &Map<String, Value>) -> bool {
    node.fields.iter().all(|(key, rule)| {
        let field = obj.get(key);
        match rule {
            Rule::Leaf(ms) => leaf_matches(ms, field),
            Rule::Object(n) => field.is_some_and(|f| object_matches(n, f)),
        }
    }) && node
        .ors
        .iter()
        .all(|branches| branches.iter().any(|b| node_matches(b, obj)))
}

fn leaf_matches(ms: &[Matcher], field: Option<&Value>) -> bool {
    ms.iter().any(|m| match field {
        None => matches!(m, Matcher::Exists(false)),
        Some(Value::Array(items)) => match m {
            Matcher::Exists(e) => *e,
            _ => items.iter().any(|i| matcher_matches(m, i)),
        },
        Some(v) => matcher_matches(m, v),
    })
}

fn numbers_equal(a: &Number, b: &Number) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn exact(want: &Value, v: &Value) -> bool {
    match (want, v) {
        (Value::Number(a), Value::Number(b)) => numbers_equal(a, b),
        (a, b) => a == b,
    }
}

fn matcher_matches(m: &Matcher, v: &Value) -> bool {
    match m {
        Matcher::Exact(want) => exact(want, v),
        Matcher::Exists(e) => *e,
        Matcher::Prefix(p, ic) => v.as_str().is_some_and(|s| {
            if *ic {
                s.to_lowercase().starts_with(p.as_str())
            } else {
                s.starts_with(p.as_str())
            }
        }),
        Matcher::Suffix(p, ic) => v.as_str().is_some_and(|s| {
            if *ic {
                s.to_lowercase().ends_with(p.as_str())
            } else {
                s.ends_with(p.as_str())
            }
        }),
        Matcher::EqualsIgnoreCase(p) => v.as_str().is_some_and(|s| s.to_lowercase() == *p),
        Matcher::AnythingBut(list) => {
            // Strings against string operators, numbers against numbers; the field must be a
            // scalar of a comparable kind.
            !matches!(v, Value::Object(_)) && !list.iter().any(|x| matcher_matches(x, v))
        }
        Matcher::Numeric(lo, hi) => v.as_f64().is_some_and(|n| {
            lo.is_none_or(|(l, inc)| if inc { n >= l } else { n > l })
                && hi.is_none_or(|(h, inc)| if inc { n <= h } else { n < h })
        }),
        Matcher::Wildcard(p) => v.as_str().is_some_and(|s| wildcard(p, s)),
        Matcher::Cidr(net, bits) => v
            .as_str()
            .and_then(|s| s.parse::<IpAddr>().ok())
            .is_some_and(|ip| in_network(*net, *bits, ip)),
    }
}

/// `*` matches any run of characters; `\*` is a literal star; `\\` a literal backslash.
fn wildcard(pattern: &str, s: &str) -> bool {
    // Tokens: literal chars or Star.
    let mut tokens: Vec<Option<char>> = Vec::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => tokens.push(Some(n)),
                None => tokens.push(Some('\\')),
            },
            '*' => tokens.push(None),
            c => tokens.push(Some(c)),
        }
    }
    let text: Vec<char> = s.chars().collect();
    // Greedy matching with backtracking to the last star: linear-ish, no recursion.
    let (mut t, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match tokens.get(p) {
            Some(Some(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            Some(None) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    tokens[p..].iter().all(Option::is_none)
}

fn in_network(net: IpAddr, bits: u8, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            (u32::from(n) & mask) == (u32::from(i) & mask)
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            (u128::from(n) & mask) == (u128::from(i) & mask)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn f(p: &str) -> FilterCriteria {
        FilterCriteria::parse(&[p]).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    fn m(p: &str, value: &str) -> bool {
        f(p).matches_value(Some(value.as_bytes()))
    }

    #[test]
    fn aws_kafka_examples() {
        // kafka-filtering: device_ID begins with AB.
        let p = r#"{ "value" : { "device_ID" : [ { "prefix": "AB" } ] } }"#;
        assert!(m(
            p,
            r#"{"device_ID":"AB1234","session":{"start_time":"x","duration":162}}"#
        ));
        assert!(!m(p, r#"{"device_ID":"CD1234"}"#));
        assert!(!m(p, r#"{"session":{}}"#));
        // kafka-filtering: plain strings other than "error".
        let p = r#"{ "value" : [ { "anything-but": [ "error" ] } ] }"#;
        assert!(m(p, "all good"));
        assert!(!m(p, "error"));
    }

    #[test]
    fn lambda_rule_syntax_table() {
        let j = r#"{"UserID":null,"LastName":"","Name":"Alice","Count":5,"Weight":7.5,"Flag":true,
                    "Location":"New York","Day":"Monday","State":"initializing","Path":"/lib/x.png",
                    "Region":"us-east-1","Ip":"10.0.0.7","Tags":["a","b"],"Nested":{"x":{"y":1}}}"#;
        let p = |rule: &str| format!(r#"{{"value": {rule}}}"#);
        let yes = |rule: &str| assert!(m(&p(rule), j), "should match: {rule}");
        let no = |rule: &str| assert!(!m(&p(rule), j), "should not match: {rule}");
        yes(r#"{"UserID": [null]}"#);
        no(r#"{"Name": [null]}"#);
        yes(r#"{"LastName": [""]}"#);
        yes(r#"{"Name": ["Alice"]}"#);
        no(r#"{"Name": ["alice"]}"#);
        yes(r#"{"Name": [{"equals-ignore-case": "aLiCe"}]}"#);
        yes(r#"{"Location": ["New York"], "Day": ["Monday"]}"#);
        no(r#"{"Location": ["New York"], "Day": ["Tuesday"]}"#);
        yes(r#"{"Day": ["Sunday", "Monday"]}"#);
        yes(r#"{"$or": [{"Location": ["Paris"]}, {"Day": ["Monday"]}]}"#);
        no(r#"{"$or": [{"Location": ["Paris"]}, {"Day": ["Sunday"]}]}"#);
        yes(r#"{"Name": [{"anything-but": ["Bob"]}]}"#);
        no(r#"{"Name": [{"anything-but": ["Alice"]}]}"#);
        no(r#"{"Missing": [{"anything-but": ["Alice"]}]}"#);
        yes(r#"{"Count": [{"numeric": ["=", 5]}]}"#);
        yes(r#"{"Count": [5]}"#);
        yes(r#"{"Count": [5.0]}"#);
        yes(r#"{"Weight": [{"numeric": [">", 0, "<=", 7.5]}]}"#);
        no(r#"{"Weight": [{"numeric": [">", 0, "<", 7.5]}]}"#);
        no(r#"{"Name": [{"numeric": [">", 0]}]}"#);
        yes(r#"{"Flag": [true]}"#);
        no(r#"{"Flag": ["true"]}"#);
        yes(r#"{"Name": [{"exists": true}]}"#);
        no(r#"{"Missing": [{"exists": true}]}"#);
        yes(r#"{"Missing": [{"exists": false}]}"#);
        no(r#"{"Name": [{"exists": false}]}"#);
        yes(r#"{"Region": [{"prefix": "us-"}]}"#);
        yes(r#"{"Path": [{"suffix": ".png"}]}"#);
        yes(r#"{"Path": [{"suffix": {"equals-ignore-case": ".PNG"}}]}"#);
        no(r#"{"Region": [{"anything-but": {"prefix": "us-"}}]}"#);
        yes(r#"{"Path": [{"anything-but": {"suffix": ".jpg"}}]}"#);
        no(r#"{"State": [{"anything-but": {"equals-ignore-case": ["INITIALIZING"]}}]}"#);
        yes(r#"{"Path": [{"wildcard": "/lib/*.png"}]}"#);
        no(r#"{"Path": [{"wildcard": "/bin/*"}]}"#);
        no(r#"{"Path": [{"anything-but": {"wildcard": "*/lib/*"}}]}"#);
        yes(r#"{"Ip": [{"cidr": "10.0.0.0/24"}]}"#);
        no(r#"{"Ip": [{"cidr": "10.0.1.0/24"}]}"#);
        yes(r#"{"Tags": ["b"]}"#);
        no(r#"{"Tags": ["c"]}"#);
        yes(r#"{"Nested": {"x": {"y": [1]}}}"#);
        no(r#"{"Nested": {"x": {"y": [2]}}}"#);
        no(r#"{"Name": {"x": [1]}}"#);
        no(r#"{"Name": []}"#);
    }

    #[test]
    fn any_filter_passes_and_empty_criteria_pass_all() {
        let c =
            FilterCriteria::parse(&[r#"{"value":["a"]}"#, r#"{"value":["b"]}"#]).expect("parses");
        assert!(c.matches_value(Some(b"a")));
        assert!(c.matches_value(Some(b"b")));
        assert!(!c.matches_value(Some(b"c")));
        let none: [&str; 0] = [];
        assert!(
            FilterCriteria::parse(&none)
                .expect("empty")
                .matches_value(Some(b"x"))
        );
    }

    #[test]
    fn value_forms() {
        let object = f(r#"{"value":{"a":[1]}}"#);
        let leaf = f(r#"{"value":[{"prefix":"he"}]}"#);
        // Form mismatch or non-UTF-8: the filter does not match (Lambda drops the message).
        assert!(!object.matches_value(Some(b"hello")));
        assert!(!leaf.matches_value(Some(br#"{"a":2}"#)));
        assert!(!object.matches_value(Some(&[0xff, 0xfe])));
        // Same forms are evaluated.
        assert!(!object.matches_value(Some(br#"{"a":2}"#)));
        assert!(leaf.matches_value(Some(b"hello")));
        assert!(!leaf.matches_value(Some(b"world")));
        // A JSON scalar is a plain string.
        assert!(f(r#"{"value":["42"]}"#).matches_value(Some(b"42")));
        // Tombstones: no value field.
        assert!(!object.matches_value(None));
        assert!(!leaf.matches_value(None));
        assert!(f(r#"{"value":[{"exists":false}]}"#).matches_value(None));
        assert!(!f(r#"{"value":[{"exists":false}]}"#).matches_value(Some(b"x")));
    }

    #[test]
    fn arrays_of_objects_match_element_wise() {
        assert!(m(
            r#"{"value":{"items":{"sku":["x"]}}}"#,
            r#"{"items":[{"sku":"y"},{"sku":"x"}]}"#
        ));
        assert!(m(r#"{"value":{"sku":["x"]}}"#, r#"[{"sku":"x"}]"#));
    }

    #[test]
    fn parse_errors_name_the_filter_and_the_problem() {
        let e = FilterCriteria::parse(&[r#"{"value":["a"]}"#, "{"]).expect_err("bad");
        assert_eq!(e.index, 1);
        assert!(matches!(e.kind, FilterErrorKind::NotJson { .. }));
        assert!(
            e.to_string()
                .starts_with("FilterCriteria.Filters[1].Pattern: ")
        );
        let kind = |p: &str| Pattern::parse(p).expect_err(p);
        assert_eq!(
            kind("[1]"),
            FilterErrorKind::NotAnObject {
                path: "the pattern".into()
            }
        );
        assert_eq!(
            kind(r#"{"key":["a"]}"#),
            FilterErrorKind::UnsupportedKey { key: "key".into() }
        );
        assert_eq!(
            kind(r#"{"$or":[{"value":["a"]},{"topic":["t"]}]}"#),
            FilterErrorKind::UnsupportedKey {
                key: "topic".into()
            }
        );
        assert_eq!(
            kind(r#"{"value":"a"}"#),
            FilterErrorKind::NotAList {
                path: "value".into()
            }
        );
        assert!(
            matches!(kind(r#"{"value":[{"begins-with":"a"}]}"#), FilterErrorKind::UnknownOperator { operator, .. } if operator == "begins-with")
        );
        assert!(matches!(
            kind(r#"{"value":[{"prefix":1}]}"#),
            FilterErrorKind::BadOperand {
                operator: "prefix",
                ..
            }
        ));
        assert!(matches!(
            kind(r#"{"value":[{"exists":"yes"}]}"#),
            FilterErrorKind::BadOperand {
                operator: "exists",
                ..
            }
        ));
        assert!(
            matches!(kind(r#"{"value":{"a":[{"numeric":[">", "x"]}]}}"#), FilterErrorKind::BadNumeric { path, .. } if path == "value.a")
        );
        assert!(matches!(
            kind(r#"{"value":[{"numeric":["!=", 1]}]}"#),
            FilterErrorKind::BadNumeric { .. }
        ));
        assert!(matches!(
            kind(r#"{"value":[{"numeric":[">", 1, ">", 2]}]}"#),
            FilterErrorKind::BadNumeric { .. }
        ));
        assert!(matches!(
            kind(r#"{"value":[{"numeric":[">", 5, "<", 2]}]}"#),
            FilterErrorKind::BadNumeric { .. }
        ));
        assert!(matches!(
            kind(r#"{"value":[{"numeric":["=", 1, "<", 2]}]}"#),
            FilterErrorKind::BadNumeric { .. }
        ));
        assert!(matches!(
            kind(r#"{"value":[{"wildcard":"a**b"}]}"#),
            FilterErrorKind::BadOperand {
                operator: "wildcard",
                ..
            }
        ));
        assert!(matches!(
            kind(r#"{"value":[{"cidr":"10.0.0.0/33"}]}"#),
            FilterErrorKind::BadOperand {
                operator: "cidr",
                ..
            }
        ));
        assert!(matches!(
            kind(r#"{"$or":[{"value":["a"]}]}"#),
            FilterErrorKind::BadOr { .. }
        ));
        assert!(matches!(
            kind(r#"{"value":[{"prefix":"a","suffix":"b"}]}"#),
            FilterErrorKind::UnknownOperator { .. }
        ));
    }

    #[test]
    fn names_operators_beyond_lambdas_documented_set() {
        assert!(
            Pattern::parse(r#"{"value":[{"prefix":"a"}]}"#)
                .expect("ok")
                .lambda_extensions()
                .is_empty()
        );
        let p = Pattern::parse(r#"{"value":{"a":[{"wildcard":"x*"}],"b":[{"cidr":"::/0"}]}}"#)
            .expect("ok");
        assert_eq!(p.lambda_extensions(), &["cidr", "wildcard"]);
    }

    #[test]
    fn too_many_filters() {
        let p = vec![r#"{"value":["a"]}"#; 11];
        let c = FilterCriteria::parse(&p).expect("parses");
        assert_eq!(c.check_count(), Err(TooManyFilters { count: 11 }));
    }

    #[test]
    fn wildcard_matching() {
        assert!(wildcard("*", ""));
        assert!(wildcard("a*c", "abbbc"));
        assert!(wildcard("a*c*", "acxc"));
        assert!(!wildcard("a*c", "abbb"));
        assert!(wildcard(r"a\*c", "a*c"));
        assert!(!wildcard(r"a\*c", "abc"));
        assert!(wildcard("*.png", "x.png.png"));
    }

    proptest! {
        #[test]
        fn parser_never_panics(s in "\\PC{0,64}") {
            let _ = Pattern::parse(&s);
        }

        #[test]
        fn parser_never_panics_on_json_like(s in r#"\{"value":[\[\{\}\]"a-z:0-9,.\-=<>*/ ]{0,40}"#) {
            let _ = Pattern::parse(&s);
        }

        #[test]
        fn matching_never_panics(value in prop::collection::vec(any::<u8>(), 0..64), json in r#"\{("[a-z]":("x"|1|null|\[1,"y"\]|\{"b":2\}),?){0,3}\}"#) {
            let c = FilterCriteria::parse(&[
                r#"{"value":{"a":[{"numeric":[">",0]},{"prefix":"x"},{"anything-but":[1]},{"exists":false},{"wildcard":"*x*"},{"cidr":"1.2.3.0/24"}],"b":{"c":[null]}}}"#,
                r#"{"value":[{"suffix":"z"},{"equals-ignore-case":"Q"}]}"#,
                r#"{"$or":[{"value":{"a":["x"]}},{"value":[""]}]}"#,
            ]).expect("parses");
            let _ = c.matches_value(Some(&value));
            let _ = c.matches_value(Some(json.as_bytes()));
            let _ = c.matches_value(None);
        }

        #[test]
        fn wildcard_star_matches_everything(s in "\\PC{0,20}") {
            prop_assert!(wildcard("*", &s));
            let escaped = format!("*{}", s.replace('\\', "\\\\").replace('*', "\\*"));
            prop_assert!(wildcard(&escaped, &s), "{}", escaped);
        }
    }
}
