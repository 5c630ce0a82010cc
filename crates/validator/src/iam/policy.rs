//! IAM policy documents as read from templates, plans and `--policy` files: statements with
//! `Effect`, `Action`/`NotAction`, `Resource`/`NotResource` and whether a `Condition` applies,
//! with values that may be unknown before deploy.

use super::sym::Sym;
use crate::input::{Node, NodeKind, Span, parse_json};

/// A policy value before it is read as a document: text (possibly with unknowns), lists and
/// objects, or something not knowable before deploy.
#[derive(Clone, Debug, PartialEq)]
pub enum PVal {
    /// `null` or removed (`AWS::NoValue`).
    Null,
    /// A string (numbers and booleans as their text).
    Str(Sym),
    /// A list.
    List(Vec<PNode>),
    /// An object, in document order.
    Map(Vec<(String, PNode)>),
    /// Not knowable before deploy, and why.
    Unknown(String),
}

/// A policy value with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct PNode {
    /// The value.
    pub val: PVal,
    /// Where it was written, when the document is the artifact's own text.
    pub span: Option<Span>,
}

impl PNode {
    /// The value under `key` of an object (the last one wins, as in JSON readers).
    pub fn get(&self, key: &str) -> Option<&PNode> {
        match &self.val {
            PVal::Map(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The literal text of a string.
    pub fn as_literal(&self) -> Option<String> {
        match &self.val {
            PVal::Str(s) => s.as_literal(),
            _ => None,
        }
    }

    /// A JSON node (no intrinsics): strings may hold `${Name}` placeholders.
    pub fn from_json(node: &Node, spans: bool) -> PNode {
        let val = match &node.kind {
            NodeKind::Scalar { text, plain } => {
                if *plain && text == "null" {
                    PVal::Null
                } else {
                    PVal::Str(Sym::parse(text))
                }
            }
            NodeKind::Seq(items) => {
                PVal::List(items.iter().map(|n| PNode::from_json(n, spans)).collect())
            }
            NodeKind::Map(entries) => PVal::Map(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), PNode::from_json(&e.value, spans)))
                    .collect(),
            ),
        };
        PNode {
            val,
            span: spans.then_some(node.span),
        }
    }
}

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Grants.
    Allow,
    /// Blocks, over any grant.
    Deny,
}

/// `Action`/`Resource` (the listed items) or `NotAction`/`NotResource` (everything else);
/// `None` items are not knowable before deploy.
#[derive(Clone, Debug, PartialEq)]
pub enum Items<T> {
    /// The listed items.
    Only(Vec<Option<T>>),
    /// Everything but the listed items.
    Not(Vec<Option<T>>),
    /// The element is missing or unreadable.
    Missing,
}

/// One statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// `Sid`, when given.
    pub sid: Option<String>,
    /// Position in the document.
    pub index: usize,
    /// `Effect`; `None` when unknown before deploy.
    pub effect: Option<Effect>,
    /// `Action` / `NotAction` (text, lower-cased on comparison).
    pub actions: Items<String>,
    /// `Resource` / `NotResource`.
    pub resources: Items<Sym>,
    /// Whether a `Condition` restricts the statement.
    pub conditional: bool,
    /// Where the statement is written.
    pub span: Option<Span>,
}

/// Where a policy comes from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Origin {
    /// File index, when the artifact holds it.
    pub file: Option<usize>,
    /// Where it is written.
    pub span: Option<Span>,
    /// The resource (logical id, Terraform address, managed policy ARN, `--policy` file).
    pub resource: Option<String>,
}

/// A policy document.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// A name for messages: `inline policy KafkaAccess of role ConsumerRole`,
    /// `AWSLambdaMSKExecutionRole (AWS managed, v2)`.
    pub name: String,
    /// Where it comes from.
    pub origin: Origin,
    /// The statements.
    pub statements: Vec<Statement>,
    /// Set when (part of) the document cannot be known before deploy.
    pub unknown: Option<String>,
}

fn strings(v: &PNode) -> Vec<Option<Sym>> {
    match &v.val {
        PVal::Str(s) => vec![Some(s.clone())],
        PVal::List(items) => items
            .iter()
            .flat_map(|i| match &i.val {
                PVal::Null => Vec::new(),
                PVal::List(_) => strings(i),
                PVal::Str(s) => vec![Some(s.clone())],
                _ => vec![None],
            })
            .collect(),
        PVal::Null => Vec::new(),
        _ => vec![None],
    }
}

fn items<T>(st: &PNode, only: &str, not: &str, conv: impl Fn(Sym) -> Option<T>) -> Items<T> {
    let list = |v: &PNode| strings(v).into_iter().map(|s| s.and_then(&conv)).collect();
    match (st.get(only), st.get(not)) {
        (Some(v), None) => Items::Only(list(v)),
        (None, Some(v)) => Items::Not(list(v)),
        _ => Items::Missing,
    }
}

impl Policy {
    /// Reads a policy document (`{"Version", "Statement"}`); never fails — what cannot be read
    /// is recorded as unknown.
    pub fn from_doc(name: impl Into<String>, origin: Origin, doc: &PNode) -> Policy {
        let mut p = Policy {
            name: name.into(),
            origin,
            statements: Vec::new(),
            unknown: None,
        };
        let stmts = match &doc.val {
            PVal::Map(_) => doc.get("Statement"),
            PVal::Unknown(why) => {
                p.unknown = Some(why.clone());
                return p;
            }
            _ => {
                p.unknown = Some("the policy document is not an object".into());
                return p;
            }
        };
        let list: Vec<&PNode> = match stmts.map(|s| &s.val) {
            Some(PVal::List(items)) => items.iter().collect(),
            Some(PVal::Map(_)) => stmts.into_iter().collect(),
            Some(PVal::Null) | None => Vec::new(),
            Some(PVal::Unknown(why)) => {
                p.unknown = Some(why.clone());
                return p;
            }
            Some(PVal::Str(_)) => {
                p.unknown = Some("`Statement` is a string".into());
                return p;
            }
        };
        for (index, st) in list.into_iter().enumerate() {
            match &st.val {
                PVal::Map(_) => {}
                PVal::Null => continue,
                PVal::Unknown(why) => {
                    p.unknown.get_or_insert_with(|| why.clone());
                    continue;
                }
                _ => {
                    p.unknown
                        .get_or_insert_with(|| format!("statement {index} is not an object"));
                    continue;
                }
            }
            let effect = match st.get("Effect").and_then(PNode::as_literal).as_deref() {
                Some("Allow") => Some(Effect::Allow),
                Some("Deny") => Some(Effect::Deny),
                _ => None,
            };
            let conditional = st
                .get("Condition")
                .is_some_and(|c| !matches!(&c.val, PVal::Null) && c.val != PVal::Map(Vec::new()));
            p.statements.push(Statement {
                sid: st.get("Sid").and_then(PNode::as_literal),
                index,
                effect,
                actions: items(st, "Action", "NotAction", |s| s.as_literal()),
                resources: items(st, "Resource", "NotResource", Some),
                conditional,
                span: st.span,
            });
        }
        p
    }

    /// Reads JSON text: a policy document, `aws iam get-role-policy` output (`PolicyDocument`),
    /// `aws iam get-policy-version` output (`PolicyVersion.Document`), or a document given as
    /// a JSON string. `spans` keeps positions (when the text is the file itself).
    pub fn from_json_text(
        name: impl Into<String>,
        origin: Origin,
        text: &str,
        spans: bool,
    ) -> Result<Policy, String> {
        let parsed = parse_json(text).map_err(|e| {
            format!(
                "not valid JSON at line {}, column {}",
                e.span.line, e.span.column
            )
        })?;
        let root = parsed.root.ok_or("the file is empty")?;
        let doc = document_of(&root, 0).ok_or(
            "no policy document found (expected Statement, PolicyDocument or PolicyVersion.Document)",
        )?;
        match doc {
            Doc::Node(n) => Ok(Policy::from_doc(name, origin, &PNode::from_json(n, spans))),
            Doc::Text(t) => Policy::from_json_text(name, origin, &t, false),
        }
    }
}

enum Doc<'a> {
    Node(&'a Node),
    Text(String),
}

fn document_of(root: &Node, depth: usize) -> Option<Doc<'_>> {
    if depth > 3 {
        return None;
    }
    if root.get("Statement").is_some() {
        return Some(Doc::Node(root));
    }
    for key in ["PolicyDocument", "Document", "PolicyVersion", "policy"] {
        if let Some(n) = root.get(key) {
            if let Some(s) = n.as_str() {
                return Some(Doc::Text(s.to_owned()));
            }
            if let Some(d) = document_of(n, depth + 1) {
                return Some(d);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_statement_objects_lists_and_cli_output() {
        let one = Policy::from_json_text(
            "p",
            Origin::default(),
            r#"{"Statement": {"Effect": "Allow", "Action": "kafka:*", "Resource": "*"}}"#,
            true,
        )
        .expect("policy");
        assert_eq!(one.statements.len(), 1);
        assert_eq!(one.statements[0].effect, Some(Effect::Allow));
        let cli = Policy::from_json_text(
            "p",
            Origin::default(),
            r#"{"RoleName": "r", "PolicyName": "x", "PolicyDocument": {"Version": "2012-10-17",
               "Statement": [{"Effect": "Deny", "NotAction": ["s3:*"], "NotResource": "arn:aws:s3:::b",
               "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}"#,
            true,
        )
        .expect("policy");
        let st = &cli.statements[0];
        assert!(st.conditional);
        assert!(matches!(st.actions, Items::Not(_)));
        assert!(matches!(st.resources, Items::Not(_)));
        let version = Policy::from_json_text(
            "p",
            Origin::default(),
            r#"{"PolicyVersion": {"Document": "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}]}", "VersionId": "v1"}}"#,
            true,
        )
        .expect("policy");
        assert_eq!(version.statements.len(), 1);
        assert!(Policy::from_json_text("p", Origin::default(), "{\"a\": 1}", true).is_err());
    }
}
