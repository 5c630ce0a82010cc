//! CloudFormation and SAM templates: parameters (with `--parameter` overrides), conditions,
//! mappings and the intrinsic functions, evaluated as far as they can be before deploy.
//! References keep the resource they name, so a secret URI leads to its
//! `AWS::SecretsManager::Secret` and a function name to its `Timeout`.

use std::collections::BTreeMap;

mod iam;

use super::tree::{Node, NodeKind, Span};
use super::{PropertySet, Read, rules_help, unknown_properties};
use crate::Options;
use crate::diag::registry::rules;
use crate::model::{ClusterInfo, Dialect, Mapping, SecretInfo, Unknown, V, Val};

mod infra;

/// Deepest evaluation (intrinsics inside intrinsics, condition chains).
const MAX_EVAL_DEPTH: usize = 48;

struct Param<'a> {
    ty: String,
    default: Option<&'a Node>,
}

struct Resource<'a> {
    id: &'a str,
    ty: String,
    props: Option<&'a Node>,
    condition: Option<&'a str>,
    span: Span,
}

struct Template<'a> {
    params: BTreeMap<&'a str, Param<'a>>,
    conditions: Option<&'a Node>,
    mappings: Option<&'a Node>,
    resources: Vec<Resource<'a>>,
    globals_function: Option<&'a Node>,
    overrides: &'a BTreeMap<String, String>,
}

impl<'a> Template<'a> {
    fn new(root: &'a Node, overrides: &'a BTreeMap<String, String>) -> Self {
        let params = root
            .get("Parameters")
            .and_then(Node::entries)
            .unwrap_or_default()
            .iter()
            .map(|e| {
                (
                    e.key.as_str(),
                    Param {
                        ty: e
                            .value
                            .get("Type")
                            .and_then(Node::as_str)
                            .unwrap_or("String")
                            .to_owned(),
                        default: e.value.get("Default"),
                    },
                )
            })
            .collect();
        let resources = root
            .get("Resources")
            .and_then(Node::entries)
            .unwrap_or_default()
            .iter()
            .map(|e| Resource {
                id: e.key.as_str(),
                ty: e
                    .value
                    .get("Type")
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                props: e.value.get("Properties"),
                condition: e.value.get("Condition").and_then(Node::as_str),
                span: e.key_span,
            })
            .collect();
        Self {
            params,
            conditions: root.get("Conditions"),
            mappings: root.get("Mappings"),
            resources,
            globals_function: root.get("Globals").and_then(|g| g.get("Function")),
            overrides,
        }
    }

    fn resource(&self, id: &str) -> Option<&Resource<'a>> {
        self.resources.iter().find(|r| r.id == id)
    }
}

/// The function an intrinsic calls and its argument.
fn intrinsic(node: &Node) -> Option<(String, Node)> {
    if let Some(tag) = &node.tag {
        let name = match tag.as_str() {
            "!Ref" => "Ref".to_owned(),
            "!Condition" => "Condition".to_owned(),
            t => format!("Fn::{}", &t[1..]),
        };
        let mut arg = node.clone();
        arg.tag = None;
        return Some((name, arg));
    }
    match node.entries() {
        Some([e]) if e.key == "Ref" || e.key.starts_with("Fn::") => {
            Some((e.key.clone(), e.value.clone()))
        }
        _ => None,
    }
}

fn unknown(span: Span, reason: String, shape: Option<String>, resource: Option<String>) -> V {
    V {
        val: Val::Unknown(Unknown {
            reason,
            shape,
            resource,
        }),
        span,
    }
}

fn scalar(s: impl Into<String>, span: Span) -> V {
    V {
        val: Val::Scalar(s.into()),
        span,
    }
}

/// The shape of what `Ref` returns for a resource type.
fn ref_shape(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "AWS::SecretsManager::Secret" => "arn:*:secretsmanager:*:*:secret:*",
        "AWS::MSK::Cluster" | "AWS::MSK::ServerlessCluster" => "arn:*:kafka:*:*:cluster/*/*",
        "AWS::SNS::Topic" => "arn:*:sns:*:*:*",
        "AWS::MSK::VpcConnection" => "arn:*:kafka:*:*:vpc-connection/*/*/*",
        _ => return None,
    })
}

/// The shape of `Fn::GetAtt` results.
fn attr_shape(ty: &str, attr: &str) -> Option<&'static str> {
    Some(match (ty, attr) {
        ("AWS::MSK::Cluster" | "AWS::MSK::ServerlessCluster", "Arn") => {
            "arn:*:kafka:*:*:cluster/*/*"
        }
        ("AWS::SQS::Queue", "Arn") => "arn:*:sqs:*:*:*",
        ("AWS::SNS::Topic", "TopicArn") => "arn:*:sns:*:*:*",
        ("AWS::S3::Bucket", "Arn") => "arn:*:s3:::*",
        ("AWS::SecretsManager::Secret", "Id") => "arn:*:secretsmanager:*:*:secret:*",
        ("AWS::KMS::Key", "Arn") => "arn:*:kms:*:*:key/*",
        ("AWS::Lambda::Function" | "AWS::Serverless::Function", "Arn") => {
            "arn:*:lambda:*:*:function:*"
        }
        _ => return None,
    })
}

struct Eval<'t, 'a> {
    t: &'t Template<'a>,
}

impl Eval<'_, '_> {
    /// Evaluates a node; `None` is `AWS::NoValue` (the property is removed).
    fn eval(&self, node: &Node, depth: usize) -> Option<V> {
        if depth > MAX_EVAL_DEPTH {
            return Some(V::unknown(node.span, "nested too deeply to evaluate"));
        }
        if let Some((name, arg)) = intrinsic(node) {
            return self.call(&name, &arg, node.span, depth + 1);
        }
        Some(match &node.kind {
            NodeKind::Scalar { text, plain } => {
                if *plain && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL") {
                    V {
                        val: Val::Null,
                        span: node.span,
                    }
                } else {
                    scalar(text.clone(), node.span)
                }
            }
            NodeKind::Seq(items) => V {
                val: Val::List(
                    items
                        .iter()
                        .filter_map(|n| self.eval(n, depth + 1))
                        .collect(),
                ),
                span: node.span,
            },
            NodeKind::Map(entries) => V {
                val: Val::Map(
                    entries
                        .iter()
                        .filter_map(|e| Some((e.key.clone(), self.eval(&e.value, depth + 1)?)))
                        .collect(),
                ),
                span: node.span,
            },
        })
    }

    fn eval_or_null(&self, node: &Node, depth: usize) -> V {
        self.eval(node, depth).unwrap_or(V {
            val: Val::Null,
            span: node.span,
        })
    }

    fn call(&self, name: &str, arg: &Node, span: Span, depth: usize) -> Option<V> {
        let items = arg.items().unwrap_or_default();
        match name {
            "Ref" => match self.eval(arg, depth)?.as_str() {
                Some(target) => self.reference(target, span),
                None => Some(V::unknown(span, "`Ref` to a computed name")),
            },
            "Fn::GetAtt" => {
                let (res, attr) = match (&arg.kind, items) {
                    (NodeKind::Scalar { text, .. }, _) => match text.split_once('.') {
                        Some((r, a)) => (r.to_owned(), a.to_owned()),
                        None => (text.clone(), String::new()),
                    },
                    (_, [r, a]) => (
                        r.as_str().unwrap_or_default().to_owned(),
                        self.eval(a, depth)
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                    ),
                    _ => return Some(V::unknown(span, "malformed `Fn::GetAtt`")),
                };
                Some(self.get_att(&res, &attr, span))
            }
            "Fn::Sub" => Some(self.sub(arg, span, depth)),
            "Fn::Join" => {
                let [delim, list] = items else {
                    return Some(V::unknown(span, "malformed `Fn::Join`"));
                };
                let delim = self.eval(delim, depth)?;
                let list = self.eval_or_null(list, depth);
                match (delim.as_str(), list.items()) {
                    (Some(d), Some(parts)) => Some(concat(parts, d, span, "`Fn::Join`")),
                    _ => Some(carry_unknown(&list, span, "`Fn::Join` of a computed list")),
                }
            }
            "Fn::Select" => {
                let [index, list] = items else {
                    return Some(V::unknown(span, "malformed `Fn::Select`"));
                };
                let index = self.eval_or_null(index, depth);
                let list = self.eval_or_null(list, depth);
                match (index.as_i64(), list.items()) {
                    (Some(i), Some(parts)) => {
                        match usize::try_from(i).ok().and_then(|i| parts.get(i)) {
                            Some(v) => Some(V { span, ..v.clone() }),
                            None => Some(V::unknown(span, "`Fn::Select` index out of range")),
                        }
                    }
                    _ => Some(carry_unknown(
                        &list,
                        span,
                        "`Fn::Select` of a computed list",
                    )),
                }
            }
            "Fn::Split" => {
                let [delim, text] = items else {
                    return Some(V::unknown(span, "malformed `Fn::Split`"));
                };
                let delim = self.eval_or_null(delim, depth);
                let text = self.eval_or_null(text, depth);
                match (delim.as_str(), text.as_str()) {
                    (Some(d), Some(t)) if !d.is_empty() => Some(V {
                        val: Val::List(t.split(d).map(|p| scalar(p, span)).collect()),
                        span,
                    }),
                    _ => Some(carry_unknown(
                        &text,
                        span,
                        "`Fn::Split` of a computed string",
                    )),
                }
            }
            "Fn::If" => {
                let [cond, yes, no] = items else {
                    return Some(V::unknown(span, "malformed `Fn::If`"));
                };
                let cond_name = cond.as_str().unwrap_or_default();
                match self.condition_named(cond_name, depth) {
                    Some(true) => self.eval(yes, depth),
                    Some(false) => self.eval(no, depth),
                    None => {
                        let (a, b) = (self.eval(yes, depth), self.eval(no, depth));
                        match (a, b) {
                            (Some(a), Some(b)) if a.val == b.val => Some(V { span, ..a }),
                            _ => Some(V::unknown(
                                span,
                                format!("depends on condition `{cond_name}`"),
                            )),
                        }
                    }
                }
            }
            "Fn::FindInMap" => {
                let [map, k1, k2, ..] = items else {
                    return Some(V::unknown(span, "malformed `Fn::FindInMap`"));
                };
                let keys: Vec<V> = [map, k1, k2]
                    .iter()
                    .map(|n| self.eval_or_null(n, depth))
                    .collect();
                match (keys[0].as_str(), keys[1].as_str(), keys[2].as_str()) {
                    (Some(m), Some(a), Some(b)) => {
                        match self.t.mappings.and_then(|x| x.get(m)?.get(a)?.get(b)) {
                            Some(n) => self.eval(n, depth).map(|v| V { span, ..v }),
                            None => Some(V::unknown(
                                span,
                                format!("`Fn::FindInMap` finds no {m}.{a}.{b}"),
                            )),
                        }
                    }
                    _ => Some(V::unknown(span, "`Fn::FindInMap` with computed keys")),
                }
            }
            "Fn::ImportValue" => {
                let what = self
                    .eval(arg, depth)
                    .and_then(|v| {
                        v.as_str()
                            .map(str::to_owned)
                            .or_else(|| v.unknown_part().and_then(|u| u.shape.clone()))
                    })
                    .unwrap_or_else(|| "a computed name".into());
                Some(V::unknown(
                    span,
                    format!("`Fn::ImportValue {what}` is another stack's output"),
                ))
            }
            other => Some(V::unknown(
                span,
                format!("`{other}` is evaluated at deploy"),
            )),
        }
    }

    fn reference(&self, target: &str, span: Span) -> Option<V> {
        if target == "AWS::NoValue" {
            return None;
        }
        if target.starts_with("AWS::") {
            return Some(unknown(
                span,
                format!("`{target}` is known at deploy"),
                Some("*".into()),
                None,
            ));
        }
        if let Some(p) = self.t.params.get(target) {
            return Some(self.parameter(target, p, span));
        }
        if let Some(r) = self.t.resource(target) {
            return Some(unknown(
                span,
                format!("`Ref` to resource `{target}` ({})", r.ty),
                ref_shape(&r.ty).map(str::to_owned),
                Some(target.to_owned()),
            ));
        }
        Some(V::unknown(
            span,
            format!("`{target}` is neither a parameter nor a resource of this template"),
        ))
    }

    fn parameter(&self, name: &str, p: &Param<'_>, span: Span) -> V {
        if p.ty.starts_with("AWS::SSM::Parameter::Value") {
            return V::unknown(
                span,
                format!("parameter `{name}` is read from SSM at deploy"),
            );
        }
        let text = match self.t.overrides.get(name) {
            Some(v) => v.clone(),
            None => match p.default {
                Some(d) => match &d.kind {
                    NodeKind::Scalar { text, .. } => text.clone(),
                    NodeKind::Seq(items) => items
                        .iter()
                        .filter_map(|i| i.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    NodeKind::Map(_) => {
                        return V::unknown(
                            span,
                            format!("parameter `{name}` has an object default"),
                        );
                    }
                },
                None => {
                    return V::unknown(
                        span,
                        format!("parameter `{name}` has no default (pass --parameter {name}=…)"),
                    );
                }
            },
        };
        if p.ty.starts_with("CommaDelimitedList") || p.ty.starts_with("List<") {
            V {
                val: Val::List(text.split(',').map(|s| scalar(s.trim(), span)).collect()),
                span,
            }
        } else {
            scalar(text, span)
        }
    }

    fn get_att(&self, res: &str, attr: &str, span: Span) -> V {
        match self.t.resource(res) {
            Some(r) => unknown(
                span,
                format!("`Fn::GetAtt {res}.{attr}` is known at deploy"),
                attr_shape(&r.ty, attr).map(str::to_owned),
                Some(res.to_owned()),
            ),
            None => V::unknown(
                span,
                format!("`Fn::GetAtt` names `{res}`, which is not a resource of this template"),
            ),
        }
    }

    fn sub(&self, arg: &Node, span: Span, depth: usize) -> V {
        let (template, vars) = match (&arg.kind, arg.items()) {
            (NodeKind::Scalar { text, .. }, _) => (text.clone(), None),
            (_, Some([t, vars])) => match t.as_str() {
                Some(s) => (s.to_owned(), Some(vars)),
                None => return V::unknown(span, "malformed `Fn::Sub`"),
            },
            _ => return V::unknown(span, "malformed `Fn::Sub`"),
        };
        let mut parts: Vec<V> = Vec::new();
        let mut rest = template.as_str();
        while let Some(i) = rest.find("${") {
            parts.push(scalar(&rest[..i], span));
            let after = &rest[i + 2..];
            let Some(end) = after.find('}') else {
                parts.push(scalar(&rest[i..], span));
                rest = "";
                break;
            };
            let var = after[..end].trim();
            if let Some(lit) = var.strip_prefix('!') {
                parts.push(scalar(format!("${{{lit}}}"), span));
            } else {
                let bound = vars.and_then(|m| m.get(var));
                let v = match bound {
                    Some(n) => self.eval_or_null(n, depth),
                    None => match var.split_once('.') {
                        Some((r, a)) if self.t.resource(r).is_some() => self.get_att(r, a, span),
                        _ => self
                            .reference(var, span)
                            .unwrap_or_else(|| scalar("", span)),
                    },
                };
                parts.push(v);
            }
            rest = &after[end + 1..];
        }
        parts.push(scalar(rest, span));
        concat(&parts, "", span, "`Fn::Sub`")
    }

    fn condition_named(&self, name: &str, depth: usize) -> Option<bool> {
        if depth > MAX_EVAL_DEPTH {
            return None;
        }
        let node = self.t.conditions?.get(name)?;
        self.condition(node, depth + 1)
    }

    fn condition(&self, node: &Node, depth: usize) -> Option<bool> {
        if depth > MAX_EVAL_DEPTH {
            return None;
        }
        if let Some(name) = node.as_str() {
            return self.condition_named(name, depth + 1);
        }
        let (f, arg) = intrinsic(node).or_else(|| match node.entries() {
            Some([e]) if e.key == "Condition" => Some(("Condition".into(), e.value.clone())),
            _ => None,
        })?;
        let items = arg.items().unwrap_or_default();
        match f.as_str() {
            "Condition" => self.condition_named(arg.as_str()?, depth + 1),
            "Fn::Equals" => {
                let [a, b] = items else { return None };
                let a = self.eval(a, depth + 1)?;
                let b = self.eval(b, depth + 1)?;
                Some(a.as_str()? == b.as_str()?)
            }
            "Fn::Not" => Some(!self.condition(items.first()?, depth + 1)?),
            "Fn::And" => {
                let vals: Vec<_> = items.iter().map(|c| self.condition(c, depth + 1)).collect();
                if vals.contains(&Some(false)) {
                    Some(false)
                } else if vals.iter().all(Option::is_some) {
                    Some(true)
                } else {
                    None
                }
            }
            "Fn::Or" => {
                let vals: Vec<_> = items.iter().map(|c| self.condition(c, depth + 1)).collect();
                if vals.contains(&Some(true)) {
                    Some(true)
                } else if vals.iter().all(Option::is_some) {
                    Some(false)
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}

/// Joins parts: known when every part is, otherwise an unknown with a `*` shape.
fn concat(parts: &[V], delim: &str, span: Span, what: &str) -> V {
    let mut text = String::new();
    let mut shape = String::new();
    let mut first_unknown: Option<&Unknown> = None;
    let mut unknowns = 0;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            text.push_str(delim);
            shape.push_str(delim);
        }
        match &p.val {
            Val::Scalar(s) => {
                text.push_str(s);
                shape.push_str(s);
            }
            Val::Null => {}
            Val::Unknown(u) => {
                unknowns += 1;
                first_unknown.get_or_insert(u);
                shape.push_str(u.shape.as_deref().unwrap_or("*"));
            }
            Val::List(_) | Val::Map(_) => {
                unknowns += 1;
                shape.push('*');
            }
        }
    }
    if unknowns == 0 {
        return scalar(text, span);
    }
    let nonempty = parts
        .iter()
        .filter(|p| !matches!(&p.val, Val::Scalar(s) if s.is_empty()))
        .count();
    unknown(
        span,
        first_unknown.map_or_else(
            || format!("{what} of a computed value"),
            |u| u.reason.clone(),
        ),
        Some(shape),
        // "${Secret}" alone still names the secret.
        first_unknown
            .filter(|_| unknowns == 1 && nonempty == 1)
            .and_then(|u| u.resource.clone()),
    )
}

fn carry_unknown(v: &V, span: Span, fallback: &str) -> V {
    match v.unknown_part() {
        Some(u) => unknown(span, u.reason.clone(), None, None),
        None => V::unknown(span, fallback),
    }
}

/// Reads the Kafka event source mappings of a template.
pub(super) fn read(root: &Node, file: usize, opts: &Options, r: &mut Read) {
    let t = Template::new(root, &opts.parameters);
    let ev = Eval { t: &t };
    for res in &t.resources {
        let conditional = match res.condition {
            None => None,
            Some(c) => match ev.condition_named(c, 0) {
                Some(true) => None,
                Some(false) => continue,
                None => Some(c.to_owned()),
            },
        };
        match res.ty.as_str() {
            "AWS::Lambda::EventSourceMapping" => {
                let props = res.props.map_or_else(
                    || V {
                        val: Val::Map(Vec::new()),
                        span: res.span,
                    },
                    |p| ev.eval_or_null(p, 0),
                );
                if !is_kafka(&props, &t) {
                    continue;
                }
                if let Some(p) = res.props {
                    unknown_properties(p, PropertySet::CloudFormation, file, res.id, r);
                }
                let props = rename(
                    props,
                    &[(
                        &[
                            "SelfManagedEventSource",
                            "Endpoints",
                            "KafkaBootstrapServers",
                        ],
                        "KAFKA_BOOTSTRAP_SERVERS",
                    )],
                );
                let function_timeout = function_timeout(&ev, props.get("FunctionName"));
                let mut m = Mapping {
                    name: res.id.to_owned(),
                    resource: res.id.to_owned(),
                    file,
                    span: res.span,
                    json_path: None,
                    dialect: Dialect::CloudFormation,
                    props,
                    function_timeout,
                    secrets: Vec::new(),
                    conditional: conditional.clone(),
                    cluster: None,
                    iam: None,
                };
                m.secrets = secrets(&ev, &m, file);
                m.cluster = cluster(&ev, &m, file);
                m.iam = Some(Box::new(ev.mapping_iam(res.props, None, file)));
                r.mappings.push(m);
            }
            "AWS::Serverless::Function" => {
                sam_events(&ev, res, file, conditional.as_deref(), r);
            }
            "AWS::SecretsManager::Secret" => {
                if let Some(p) = res.props
                    && let Some(entry) = p.entry("SecretString")
                {
                    let v = ev.eval_or_null(&entry.value, 0);
                    let literal = match &v.val {
                        Val::Scalar(s) => !s.trim_start().starts_with("{{resolve:"),
                        Val::Unknown(u) => u
                            .shape
                            .as_deref()
                            .is_some_and(|s| s.chars().filter(|c| *c != '*').count() > 8),
                        _ => false,
                    };
                    if literal {
                        r.diag(
                            &rules::PLAINTEXT_SECRET_IN_ARTIFACT,
                            file,
                            Some(entry.key_span),
                            Some(res.id),
                            format!(
                                "the secret `{}` has its SecretString written in the template",
                                res.id
                            ),
                            rules_help(&rules::PLAINTEXT_SECRET_IN_ARTIFACT),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    let conditional = |res: &Resource<'_>| match res.condition {
        None => Some(None),
        Some(c) => match ev.condition_named(c, 0) {
            Some(true) => Some(None),
            Some(false) => None,
            None => Some(Some(c.to_owned())),
        },
    };
    infra::read(&ev, file, &conditional, &mut r.infra);
}

fn is_kafka(props: &V, t: &Template<'_>) -> bool {
    if let Some(arn) = props.at(&["EventSourceArn"]) {
        match &arn.val {
            Val::Scalar(s) => return s.contains(":kafka:"),
            Val::Unknown(u) => {
                if let Some(res) = u.resource.as_deref().and_then(|id| t.resource(id)) {
                    return res.ty.starts_with("AWS::MSK::");
                }
                if let Some(shape) = &u.shape
                    && shape.starts_with("arn:")
                    && shape.split(':').nth(2).is_some_and(|s| s != "*")
                {
                    return shape.contains(":kafka:");
                }
            }
            _ => {}
        }
    }
    [
        "Topics",
        "SelfManagedEventSource",
        "AmazonManagedKafkaEventSourceConfig",
        "SelfManagedKafkaEventSourceConfig",
    ]
    .iter()
    .any(|k| props.at(&[k]).is_some())
}

/// Moves the value at `path` to the sibling key `to`.
fn rename(mut v: V, moves: &[(&[&str], &str)]) -> V {
    for (path, to) in moves {
        rename_at(&mut v, path, to);
    }
    v
}

fn rename_at(v: &mut V, path: &[&str], to: &str) {
    let Val::Map(entries) = &mut v.val else {
        return;
    };
    match path {
        [] => {}
        [last] => {
            for (k, _) in entries.iter_mut() {
                if k == last {
                    *k = to.to_owned();
                }
            }
        }
        [first, rest @ ..] => {
            for (k, child) in entries.iter_mut() {
                if k == first {
                    rename_at(child, rest, to);
                }
            }
        }
    }
}

fn function_timeout(ev: &Eval<'_, '_>, name: Option<&V>) -> Option<V> {
    let name = name?;
    let res = match &name.val {
        Val::Unknown(u) => ev.t.resource(u.resource.as_deref()?)?,
        Val::Scalar(s) => ev.t.resources.iter().find(|r| {
            r.ty.ends_with("::Function")
                && r.props
                    .and_then(|p| p.get("FunctionName"))
                    .and_then(|n| ev.eval(n, 0))
                    .is_some_and(|v| v.as_str() == Some(s.as_str()))
        })?,
        _ => return None,
    };
    timeout_of(ev, res)
}

fn timeout_of(ev: &Eval<'_, '_>, res: &Resource<'_>) -> Option<V> {
    match res.ty.as_str() {
        "AWS::Lambda::Function" => ev.eval(res.props?.get("Timeout")?, 0),
        "AWS::Serverless::Function" => {
            let node = res
                .props
                .and_then(|p| p.get("Timeout"))
                .or_else(|| ev.t.globals_function.and_then(|g| g.get("Timeout")))?;
            ev.eval(node, 0)
        }
        _ => None,
    }
}

fn secrets(ev: &Eval<'_, '_>, m: &Mapping, file: usize) -> Vec<SecretInfo> {
    let mut out = Vec::new();
    for (i, (_, uri)) in m.access_configs().into_iter().enumerate() {
        let Some(id) = uri
            .and_then(V::unknown_part)
            .and_then(|u| u.resource.as_deref())
        else {
            continue;
        };
        let Some(res) = ev.t.resource(id) else {
            continue;
        };
        if res.ty != "AWS::SecretsManager::Secret" {
            continue;
        }
        let prop = |k: &str| res.props.and_then(|p| p.get(k)).and_then(|n| ev.eval(n, 0));
        out.push(SecretInfo {
            access_index: i,
            resource: id.to_owned(),
            declared_at: (file, res.span),
            name: prop("Name"),
            kms_key: prop("KmsKeyId"),
            secret_string: prop("SecretString"),
            generated: res
                .props
                .and_then(|p| p.get("GenerateSecretString"))
                .is_some(),
        });
    }
    out
}

/// The `AWS::MSK::Cluster` / `AWS::MSK::ServerlessCluster` that `EventSourceArn` names.
fn cluster(ev: &Eval<'_, '_>, m: &Mapping, file: usize) -> Option<ClusterInfo> {
    let id = m
        .get(&["EventSourceArn"])?
        .unknown_part()?
        .resource
        .as_deref()?;
    let res = ev.t.resource(id)?;
    let serverless = match res.ty.as_str() {
        "AWS::MSK::Cluster" => false,
        "AWS::MSK::ServerlessCluster" => true,
        _ => return None,
    };
    Some(ClusterInfo {
        resource: id.to_owned(),
        declared_at: (file, res.span),
        serverless,
        client_authentication: res
            .props
            .and_then(|p| p.get("ClientAuthentication"))
            .and_then(|n| ev.eval(n, 0)),
        client_broker: res
            .props
            .and_then(|p| {
                p.get("EncryptionInfo")?
                    .get("EncryptionInTransit")?
                    .get("ClientBroker")
            })
            .and_then(|n| ev.eval(n, 0)),
    })
}

/// SAM `MSK` and `SelfManagedKafka` events, in the Lambda API's shape.
fn sam_events(
    ev: &Eval<'_, '_>,
    res: &Resource<'_>,
    file: usize,
    conditional: Option<&str>,
    r: &mut Read,
) {
    let Some(events) = res
        .props
        .and_then(|p| p.get("Events"))
        .and_then(Node::entries)
    else {
        return;
    };
    for e in events {
        let ty = e
            .value
            .get("Type")
            .and_then(Node::as_str)
            .unwrap_or_default();
        let self_managed = match ty {
            "MSK" => false,
            "SelfManagedKafka" => true,
            _ => continue,
        };
        let name = format!("{}.Events.{}", res.id, e.key);
        if let Some(p) = e.value.get("Properties") {
            unknown_properties(p, PropertySet::Sam, file, res.id, r);
        }
        let props = match e.value.get("Properties") {
            None => V {
                val: Val::Map(Vec::new()),
                span: e.key_span,
            },
            Some(p) => ev.eval_or_null(p, 0),
        };
        let Val::Map(entries) = props.val else {
            r.diag(
                &rules::PROPERTY_TYPE,
                file,
                Some(props.span),
                Some(res.id),
                format!("the Properties of event `{name}` are not an object"),
                rules_help(&rules::PROPERTY_TYPE),
            );
            continue;
        };
        let mut api: Vec<(String, V)> = Vec::new();
        let mut config: Vec<(String, V)> = Vec::new();
        for (k, v) in entries {
            match k.as_str() {
                "Stream" => api.push(("EventSourceArn".into(), v)),
                "ConsumerGroupId" | "SchemaRegistryConfig" => config.push((k, v)),
                "KafkaBootstrapServers" => {
                    let span = v.span;
                    api.push((
                        "SelfManagedEventSource".into(),
                        V {
                            val: Val::Map(vec![(
                                "Endpoints".into(),
                                V {
                                    val: Val::Map(vec![("KAFKA_BOOTSTRAP_SERVERS".into(), v)]),
                                    span,
                                },
                            )]),
                            span,
                        },
                    ));
                }
                "SecretsManagerKmsKeyId" => {}
                _ => api.push((k, v)),
            }
        }
        if !config.is_empty() {
            let span = config[0].1.span;
            api.push((
                if self_managed {
                    "SelfManagedKafkaEventSourceConfig".into()
                } else {
                    "AmazonManagedKafkaEventSourceConfig".into()
                },
                V {
                    val: Val::Map(config),
                    span,
                },
            ));
        }
        api.push((
            "FunctionName".into(),
            unknown(
                e.key_span,
                format!("the function `{}`", res.id),
                None,
                Some(res.id.to_owned()),
            ),
        ));
        let mut m = Mapping {
            name,
            resource: res.id.to_owned(),
            file,
            span: e.key_span,
            json_path: None,
            dialect: Dialect::Sam,
            props: V {
                val: Val::Map(api),
                span: props.span,
            },
            function_timeout: timeout_of(ev, res),
            secrets: Vec::new(),
            conditional: conditional.map(str::to_owned),
            cluster: None,
            iam: None,
        };
        m.secrets = secrets(ev, &m, file);
        m.cluster = cluster(ev, &m, file);
        m.iam = Some(Box::new(ev.mapping_iam(
            e.value.get("Properties"),
            Some(res),
            file,
        )));
        r.mappings.push(m);
    }
}

/// Whether a value is a literal string (for tests of the evaluator).
#[cfg(test)]
fn lit(v: &V) -> Option<&str> {
    match crate::model::known_str(Some(v)) {
        crate::model::Known::Value(s) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::tree::parse_yaml;

    fn eval_prop(template: &str, prop: &str, overrides: &[(&str, &str)]) -> V {
        let root = parse_yaml(template).expect("yaml").root.expect("root");
        let o: BTreeMap<String, String> = overrides
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let t = Template::new(&root, &o);
        let ev = Eval { t: &t };
        let node = root
            .get("Resources")
            .and_then(|r| r.get("X"))
            .and_then(|x| x.get("Properties"))
            .and_then(|p| p.get(prop))
            .expect("prop");
        ev.eval_or_null(node, 0)
    }

    const T: &str = "Parameters:\n  Topic: {Type: String, Default: orders}\n  Topics: {Type: CommaDelimitedList, Default: 'a,b'}\n  NoDefault: {Type: String}\n  Env: {Type: String, Default: prod}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nMappings:\n  M: {prod: {Size: '50'}}\nResources:\n  Secret: {Type: AWS::SecretsManager::Secret}\n  X:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties:\n      A: !Ref Topic\n      B: !Sub 'arn:${AWS::Partition}:secretsmanager:us-east-1:1:secret:${Topic}'\n      C: !Join [',', !Ref Topics]\n      D: !If [IsProd, 10, 20]\n      E: !Ref NoDefault\n      F: {'Fn::FindInMap': [M, !Ref Env, Size]}\n      G: !Ref Secret\n      H: !Select [1, !Ref Topics]\n      I: !Sub '${Secret}'\n      J: [!Ref 'AWS::NoValue', x]\n";

    #[test]
    fn evaluates_intrinsics_and_keeps_unknowns_as_such() {
        assert_eq!(lit(&eval_prop(T, "A", &[])), Some("orders"));
        assert_eq!(lit(&eval_prop(T, "A", &[("Topic", "x")])), Some("x"));
        let b = eval_prop(T, "B", &[]);
        assert_eq!(
            b.unknown_part().and_then(|u| u.shape.as_deref()),
            Some("arn:*:secretsmanager:us-east-1:1:secret:orders")
        );
        assert_eq!(lit(&eval_prop(T, "C", &[])), Some("a,b"));
        assert_eq!(lit(&eval_prop(T, "D", &[])), Some("10"));
        assert_eq!(lit(&eval_prop(T, "D", &[("Env", "dev")])), Some("20"));
        let e = eval_prop(T, "E", &[]);
        assert!(
            e.unknown_part()
                .expect("unknown")
                .reason
                .contains("--parameter NoDefault")
        );
        assert_eq!(lit(&eval_prop(T, "F", &[])), Some("50"));
        let g = eval_prop(T, "G", &[]);
        assert_eq!(
            g.unknown_part().and_then(|u| u.resource.as_deref()),
            Some("Secret")
        );
        assert_eq!(lit(&eval_prop(T, "H", &[])), Some("b"));
        let i = eval_prop(T, "I", &[]);
        assert_eq!(
            i.unknown_part().and_then(|u| u.resource.as_deref()),
            Some("Secret")
        );
        assert_eq!(eval_prop(T, "J", &[]).items().map(<[V]>::len), Some(1));
    }
}
