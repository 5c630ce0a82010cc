//! The IAM side of CloudFormation and SAM templates: the execution role of a mapping's
//! function (`AWS::Lambda::Function.Role` → `AWS::IAM::Role`, SAM `Role` or the role SAM
//! generates), every policy that applies to it, and the ARNs the mapping needs access to —
//! evaluated symbolically, so `!Ref MskCluster` in a policy covers the cluster that
//! `EventSourceArn: !Ref MskCluster` names.

use super::{Eval, MAX_EVAL_DEPTH, Resource, intrinsic};
use crate::iam::{
    Effect, Items, MappingIam, Origin, PNode, PVal, Policy, Role, RoleInfo, SecretNeed, Statement,
    Sym, Tok, Var,
};
use crate::input::tree::{Node, NodeKind, Span};
use crate::model::Val;

fn var(name: impl Into<String>, fresh: bool) -> Tok {
    Tok::Var(Var {
        name: name.into(),
        fresh,
    })
}

fn region() -> Sym {
    Sym(vec![var("AWS::Region", false)])
}

fn account() -> Sym {
    Sym(vec![var("AWS::AccountId", false)])
}

fn join(parts: &[Sym]) -> Sym {
    let mut s = Sym::default();
    for p in parts {
        s.append(p);
    }
    s
}

fn pstr(s: Sym, span: Span) -> PNode {
    PNode {
        val: PVal::Str(s),
        span: Some(span),
    }
}

fn punknown(reason: impl Into<String>, span: Span) -> PNode {
    PNode {
        val: PVal::Unknown(reason.into()),
        span: Some(span),
    }
}

/// The resource ids a value references (`Ref`, `Fn::GetAtt`, `${X}` in `Fn::Sub`).
pub(super) fn referenced(node: &Node, out: &mut Vec<String>, depth: usize) {
    if depth > MAX_EVAL_DEPTH {
        return;
    }
    if let Some((name, arg)) = intrinsic(node) {
        match name.as_str() {
            "Ref" => {
                if let Some(t) = arg.as_str() {
                    out.push(t.to_owned());
                }
            }
            "Fn::GetAtt" => match (&arg.kind, arg.items()) {
                (NodeKind::Scalar { text, .. }, _) => {
                    out.push(text.split('.').next().unwrap_or_default().to_owned());
                }
                (_, Some([r, ..])) => {
                    if let Some(r) = r.as_str() {
                        out.push(r.to_owned());
                    }
                }
                _ => {}
            },
            "Fn::Sub" => {
                let text = arg
                    .as_str()
                    .or_else(|| arg.items().and_then(|i| i.first()).and_then(Node::as_str))
                    .unwrap_or_default();
                let mut rest = text;
                while let Some(i) = rest.find("${") {
                    let after = &rest[i + 2..];
                    let Some(end) = after.find('}') else { break };
                    let v = &after[..end];
                    if !v.starts_with('!') {
                        out.push(v.split('.').next().unwrap_or_default().to_owned());
                    }
                    rest = &after[end + 1..];
                }
                if let Some([_, vars]) = arg.items() {
                    referenced(vars, out, depth + 1);
                }
            }
            _ => referenced(&arg, out, depth + 1),
        }
        return;
    }
    match &node.kind {
        NodeKind::Scalar { .. } => {}
        NodeKind::Seq(items) => items.iter().for_each(|n| referenced(n, out, depth + 1)),
        NodeKind::Map(entries) => entries
            .iter()
            .for_each(|e| referenced(&e.value, out, depth + 1)),
    }
}

impl Eval<'_, '_> {
    /// A node as a policy value, with references kept symbolic; `None` is `AWS::NoValue`.
    pub(super) fn sym_node(&self, node: &Node, depth: usize) -> Option<PNode> {
        let span = node.span;
        if depth > MAX_EVAL_DEPTH {
            return Some(punknown("nested too deeply to evaluate", span));
        }
        if let Some((name, arg)) = intrinsic(node) {
            return self.sym_call(&name, &arg, node, depth + 1);
        }
        Some(match &node.kind {
            NodeKind::Scalar { text, plain } => {
                if *plain && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL") {
                    PNode {
                        val: PVal::Null,
                        span: Some(span),
                    }
                } else {
                    pstr(Sym::lit(text.clone()), span)
                }
            }
            NodeKind::Seq(items) => PNode {
                val: PVal::List(
                    items
                        .iter()
                        .filter_map(|n| self.sym_node(n, depth + 1))
                        .collect(),
                ),
                span: Some(span),
            },
            NodeKind::Map(entries) => PNode {
                val: PVal::Map(
                    entries
                        .iter()
                        .filter_map(|e| Some((e.key.clone(), self.sym_node(&e.value, depth + 1)?)))
                        .collect(),
                ),
                span: Some(span),
            },
        })
    }

    /// A node as a symbolic string, when it is one.
    pub(super) fn sym_str(&self, node: &Node) -> Option<Sym> {
        match self.sym_node(node, 0)?.val {
            PVal::Str(s) => Some(s),
            _ => None,
        }
    }

    fn sym_call(&self, name: &str, arg: &Node, node: &Node, depth: usize) -> Option<PNode> {
        let span = node.span;
        match name {
            "Ref" => match arg.as_str() {
                Some(t) => self.sym_ref(t, span, depth),
                None => Some(punknown("`Ref` to a computed name", span)),
            },
            "Fn::GetAtt" => {
                let (res, attr) = match (&arg.kind, arg.items()) {
                    (NodeKind::Scalar { text, .. }, _) => match text.split_once('.') {
                        Some((r, a)) => (r.to_owned(), a.to_owned()),
                        None => (text.clone(), String::new()),
                    },
                    (_, Some([r, a])) => (
                        r.as_str().unwrap_or_default().to_owned(),
                        a.as_str().unwrap_or_default().to_owned(),
                    ),
                    _ => return Some(punknown("malformed `Fn::GetAtt`", span)),
                };
                Some(self.sym_resource(&res, &attr, span, depth))
            }
            "Fn::Sub" => Some(self.sym_sub(arg, span, depth)),
            "Fn::Join" => {
                let Some([delim, list]) = arg.items() else {
                    return Some(punknown("malformed `Fn::Join`", span));
                };
                let d = delim.as_str().unwrap_or_default();
                let list = self.sym_node(list, depth)?;
                let PVal::List(items) = list.val else {
                    return Some(punknown("`Fn::Join` of a computed list", span));
                };
                let mut s = Sym::default();
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        s.push_str(d);
                    }
                    match &it.val {
                        PVal::Str(x) => s.append(x),
                        _ => return Some(punknown("`Fn::Join` of a computed value", span)),
                    }
                }
                Some(pstr(s, span))
            }
            "Fn::If" => {
                let Some([cond, yes, no]) = arg.items() else {
                    return Some(punknown("malformed `Fn::If`", span));
                };
                let c = cond.as_str().unwrap_or_default();
                match self.condition_named(c, depth) {
                    Some(true) => self.sym_node(yes, depth),
                    Some(false) => self.sym_node(no, depth),
                    None => {
                        let (a, b) = (self.sym_node(yes, depth), self.sym_node(no, depth));
                        match (a, b) {
                            (Some(a), Some(b)) if a.val == b.val => Some(a),
                            _ => Some(punknown(format!("depends on condition `{c}`"), span)),
                        }
                    }
                }
            }
            _ => self.eval(node, depth).map(|v| pnode_of(&v)),
        }
    }

    fn sym_ref(&self, target: &str, span: Span, depth: usize) -> Option<PNode> {
        match target {
            "AWS::NoValue" => return None,
            "AWS::Partition" => return Some(pstr(Sym::lit("aws"), span)),
            "AWS::URLSuffix" => return Some(pstr(Sym::lit("amazonaws.com"), span)),
            t if t.starts_with("AWS::") => return Some(pstr(Sym(vec![var(t, false)]), span)),
            _ => {}
        }
        if let Some(p) = self.t.params.get(target) {
            let v = self.parameter(target, p, span);
            return Some(match &v.val {
                Val::Unknown(_) => pstr(Sym(vec![var(target, false)]), span),
                _ => pnode_of(&v),
            });
        }
        if self.t.resource(target).is_some() {
            return Some(self.sym_resource(target, "Ref", span, depth));
        }
        Some(punknown(
            format!("`{target}` is neither a parameter nor a resource of this template"),
            span,
        ))
    }

    fn prop_sym(&self, res: &Resource<'_>, key: &str, depth: usize) -> Option<Sym> {
        let n = res.props?.get(key)?;
        if depth > 8 {
            return None;
        }
        match self.sym_node(n, depth + 1)?.val {
            PVal::Str(s) => Some(s),
            _ => None,
        }
    }

    /// `Ref` / `Fn::GetAtt` of a resource: ARNs built from the resource's own properties,
    /// with what AWS makes up at creation as fresh unknowns.
    fn sym_resource(&self, id: &str, attr: &str, span: Span, depth: usize) -> PNode {
        let Some(res) = self.t.resource(id) else {
            return punknown(
                format!("`Fn::GetAtt` names `{id}`, which is not a resource of this template"),
                span,
            );
        };
        let name = |key: &str| {
            self.prop_sym(res, key, depth)
                .unwrap_or_else(|| Sym(vec![var(format!("{id}.{key}"), true)]))
        };
        let arn = |service: &str, rest: Sym| {
            join(&[
                Sym::lit(format!("arn:aws:{service}:")),
                region(),
                Sym::lit(":"),
                account(),
                Sym::lit(":"),
                rest,
            ])
        };
        let s = match (res.ty.as_str(), attr) {
            ("AWS::MSK::Cluster" | "AWS::MSK::ServerlessCluster", "Ref" | "Arn") => arn(
                "kafka",
                join(&[
                    Sym::lit("cluster/"),
                    name("ClusterName"),
                    Sym::lit("/"),
                    Sym(vec![var(format!("{id}.Uuid"), true)]),
                ]),
            ),
            ("AWS::SecretsManager::Secret", "Ref" | "Id") => arn(
                "secretsmanager",
                join(&[
                    Sym::lit("secret:"),
                    name("Name"),
                    Sym::lit("-"),
                    Sym(vec![var(format!("{id}.Suffix"), true)]),
                ]),
            ),
            ("AWS::KMS::Key", "Ref" | "KeyId") => Sym(vec![var(format!("{id}.KeyId"), true)]),
            ("AWS::KMS::Key", "Arn") => arn(
                "kms",
                join(&[
                    Sym::lit("key/"),
                    Sym(vec![var(format!("{id}.KeyId"), true)]),
                ]),
            ),
            ("AWS::SQS::Queue", "Arn") => arn("sqs", name("QueueName")),
            ("AWS::SNS::Topic", "Ref" | "TopicArn") => arn("sns", name("TopicName")),
            ("AWS::S3::Bucket", "Arn") => join(&[Sym::lit("arn:aws:s3:::"), name("BucketName")]),
            ("AWS::S3::Bucket", "Ref") => name("BucketName"),
            ("AWS::IAM::Role", "Arn") => join(&[
                Sym::lit("arn:aws:iam::"),
                account(),
                Sym::lit(":role/"),
                name("RoleName"),
            ]),
            ("AWS::IAM::Role", "Ref") => name("RoleName"),
            ("AWS::IAM::ManagedPolicy", "Ref" | "PolicyArn") => join(&[
                Sym::lit("arn:aws:iam::"),
                account(),
                Sym::lit(":policy/"),
                name("ManagedPolicyName"),
            ]),
            ("AWS::Lambda::Function" | "AWS::Serverless::Function", "Ref") => name("FunctionName"),
            ("AWS::Lambda::Function" | "AWS::Serverless::Function", "Arn") => arn(
                "lambda",
                join(&[Sym::lit("function:"), name("FunctionName")]),
            ),
            ("AWS::Glue::Registry", "Ref" | "Arn") => {
                arn("glue", join(&[Sym::lit("registry/"), name("Name")]))
            }
            _ => Sym(vec![var(format!("{id}.{attr}"), false)]),
        };
        pstr(s, span)
    }

    fn sym_sub(&self, arg: &Node, span: Span, depth: usize) -> PNode {
        let (template, vars) = match (&arg.kind, arg.items()) {
            (NodeKind::Scalar { text, .. }, _) => (text.clone(), None),
            (_, Some([t, vars])) => match t.as_str() {
                Some(s) => (s.to_owned(), Some(vars)),
                None => return punknown("malformed `Fn::Sub`", span),
            },
            _ => return punknown("malformed `Fn::Sub`", span),
        };
        let mut out = Sym::default();
        let mut rest = template.as_str();
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[i..]);
                rest = "";
                break;
            };
            let v = after[..end].trim();
            if let Some(lit) = v.strip_prefix('!') {
                out.push_str(&format!("${{{lit}}}"));
            } else {
                let part = match vars.and_then(|m| m.get(v)) {
                    Some(n) => self.sym_node(n, depth),
                    None => match v.split_once('.') {
                        Some((r, a)) if self.t.resource(r).is_some() => {
                            Some(self.sym_resource(r, a, span, depth))
                        }
                        _ => self.sym_ref(v, span, depth),
                    },
                };
                match part.map(|p| p.val) {
                    Some(PVal::Str(s)) => out.append(&s),
                    None | Some(PVal::Null) => {}
                    Some(PVal::Unknown(why)) => return punknown(why, span),
                    Some(_) => return punknown("`Fn::Sub` of a list or object", span),
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        pstr(out, span)
    }
}

/// An evaluated value as a policy value.
fn pnode_of(v: &crate::model::V) -> PNode {
    let val = match &v.val {
        Val::Null => PVal::Null,
        Val::Scalar(s) => PVal::Str(Sym::lit(s.clone())),
        Val::List(items) => PVal::List(items.iter().map(pnode_of).collect()),
        Val::Map(entries) => PVal::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), pnode_of(v)))
                .collect(),
        ),
        Val::Unknown(u) => PVal::Unknown(u.reason.clone()),
    };
    PNode {
        val,
        span: Some(v.span),
    }
}

fn allow(index: usize, actions: &[&str], resources: Vec<Sym>) -> Statement {
    Statement {
        sid: None,
        index,
        effect: Some(Effect::Allow),
        actions: Items::Only(actions.iter().map(|a| Some((*a).to_owned())).collect()),
        resources: Items::Only(resources.into_iter().map(Some).collect()),
        conditional: false,
        span: None,
    }
}

fn origin(file: usize, span: Span, resource: &str) -> Origin {
    Origin {
        file: Some(file),
        span: Some(span),
        resource: Some(resource.to_owned()),
    }
}

/// Whether a resource's condition excludes it for sure.
fn excluded(ev: &Eval<'_, '_>, res: &Resource<'_>) -> bool {
    res.condition
        .is_some_and(|c| ev.condition_named(c, 0) == Some(false))
}

impl Eval<'_, '_> {
    /// A managed policy reference (`ManagedPolicyArns` item, SAM `Policies` string, boundary):
    /// a template `AWS::IAM::ManagedPolicy`, a bundled AWS managed policy, or not known.
    fn managed_ref(
        &self,
        node: &Node,
        what: &str,
        file: usize,
        info: &mut RoleInfo,
    ) -> Vec<Policy> {
        let mut ids = Vec::new();
        referenced(node, &mut ids, 0);
        if let Some(mp) = ids
            .iter()
            .filter_map(|id| self.t.resource(id))
            .find(|r| r.ty == "AWS::IAM::ManagedPolicy")
        {
            let doc = mp
                .props
                .and_then(|p| p.get("PolicyDocument"))
                .and_then(|n| self.sym_node(n, 0))
                .unwrap_or_else(|| punknown("no PolicyDocument", mp.span));
            return vec![Policy::from_doc(
                format!("managed policy {}", mp.id),
                origin(file, mp.span, mp.id),
                &doc,
            )];
        }
        match self.sym_str(node) {
            Some(s) => match s.as_literal() {
                Some(arn) => match crate::iam::managed(&arn, origin(file, node.span, what)) {
                    Some(p) => vec![p],
                    None => {
                        info.missing.push(format!("managed policy `{arn}`"));
                        Vec::new()
                    }
                },
                None => {
                    info.missing
                        .push(format!("the managed policy `{s}` ({what})"));
                    Vec::new()
                }
            },
            None => {
                info.missing
                    .push(format!("a managed policy computed at deploy ({what})"));
                Vec::new()
            }
        }
    }

    /// An `AWS::IAM::Role` with its inline, managed and attached policies and its boundary.
    fn iam_role(&self, role: &Resource<'_>, file: usize) -> RoleInfo {
        let mut info = RoleInfo {
            name: format!("role {}", role.id),
            declared_at: Some((file, role.span)),
            ..RoleInfo::default()
        };
        let props = role.props;
        for (i, p) in props
            .and_then(|p| p.get("Policies"))
            .and_then(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let pname = p
                .get("PolicyName")
                .and_then(|n| self.eval(n, 0))
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("#{}", i + 1));
            let doc = p
                .get("PolicyDocument")
                .and_then(|n| self.sym_node(n, 0))
                .unwrap_or_else(|| punknown("no PolicyDocument", p.span));
            info.policies.push(Policy::from_doc(
                format!("inline policy {pname} of role {}", role.id),
                origin(file, p.span, role.id),
                &doc,
            ));
        }
        for m in props
            .and_then(|p| p.get("ManagedPolicyArns"))
            .and_then(Node::items)
            .unwrap_or_default()
        {
            let ps = self.managed_ref(m, role.id, file, &mut info);
            info.policies.extend(ps);
        }
        if let Some(b) = props.and_then(|p| p.get("PermissionsBoundary")) {
            let mut scratch = RoleInfo::default();
            let mut ps = self.managed_ref(b, role.id, file, &mut scratch);
            for why in scratch.missing {
                ps.push(Policy {
                    name: why.clone(),
                    origin: origin(file, b.span, role.id),
                    statements: Vec::new(),
                    unknown: Some("its document is not known".into()),
                });
            }
            info.boundary = Some(ps);
        }
        let role_name = props
            .and_then(|p| p.get("RoleName"))
            .and_then(|n| self.eval(n, 0))
            .and_then(|v| v.as_str().map(str::to_owned));
        for r in &self.t.resources {
            let key = match r.ty.as_str() {
                "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => "Roles",
                "AWS::IAM::RolePolicy" => "RoleName",
                _ => continue,
            };
            if excluded(self, r) {
                continue;
            }
            let Some(target) = r.props.and_then(|p| p.get(key)) else {
                continue;
            };
            let mut ids = Vec::new();
            referenced(target, &mut ids, 0);
            let by_name = role_name.as_deref().is_some_and(|n| {
                self.eval(target, 0).is_some_and(|v| match &v.val {
                    Val::Scalar(s) => s == n,
                    Val::List(l) => l.iter().any(|x| x.as_str() == Some(n)),
                    _ => false,
                })
            });
            if !ids.iter().any(|i| i == role.id) && !by_name {
                continue;
            }
            let doc = r
                .props
                .and_then(|p| p.get("PolicyDocument"))
                .and_then(|n| self.sym_node(n, 0))
                .unwrap_or_else(|| punknown("no PolicyDocument", r.span));
            info.policies.push(Policy::from_doc(
                format!("{} {}", r.ty.trim_start_matches("AWS::IAM::"), r.id),
                origin(file, r.span, r.id),
                &doc,
            ));
        }
        info
    }

    /// The role a function's `Role` property names.
    fn role_named(&self, node: &Node, file: usize) -> Role {
        let mut ids = Vec::new();
        referenced(node, &mut ids, 0);
        if let Some(r) = ids
            .iter()
            .filter_map(|id| self.t.resource(id))
            .find(|r| r.ty == "AWS::IAM::Role")
        {
            return Role::Known(self.iam_role(r, file));
        }
        let what = match self.sym_str(node).and_then(|s| s.as_literal()) {
            Some(arn) => {
                // A literal ARN of a role declared with a RoleName in this template.
                if let Some(r) = self.t.resources.iter().find(|r| {
                    r.ty == "AWS::IAM::Role"
                        && r.props
                            .and_then(|p| p.get("RoleName"))
                            .and_then(|n| self.eval(n, 0))
                            .and_then(|v| v.as_str().map(|n| arn.ends_with(&format!(":role/{n}"))))
                            .unwrap_or(false)
                }) {
                    return Role::Known(self.iam_role(r, file));
                }
                format!(
                    "the role `{arn}` is not declared in the validated files (pass its policies with --policy)"
                )
            }
            None => "the function's Role is computed at deploy (pass its policies with --policy)"
                .to_owned(),
        };
        Role::Unknown {
            reason: what,
            span: node.span,
        }
    }

    /// A SAM `Policies` item.
    fn sam_policy_item(&self, item: &Node, fname: &str, file: usize, info: &mut RoleInfo) {
        if intrinsic(item).is_some() || item.as_str().is_some() {
            let text = item.as_str().map(str::to_owned);
            let node = match text {
                Some(t) if !t.starts_with("arn:") => {
                    let arn = format!("arn:aws:iam::aws:policy/{t}");
                    match crate::iam::managed(&arn, origin(file, item.span, fname)) {
                        Some(p) => info.policies.push(p),
                        None => info.missing.push(format!("managed policy `{t}`")),
                    }
                    return;
                }
                _ => item,
            };
            let ps = self.managed_ref(node, fname, file, info);
            info.policies.extend(ps);
            return;
        }
        if item.get("Statement").is_some() {
            let doc = self
                .sym_node(item, 0)
                .unwrap_or_else(|| punknown("removed", item.span));
            info.policies.push(Policy::from_doc(
                format!("inline policy of {fname}"),
                origin(file, item.span, fname),
                &doc,
            ));
            return;
        }
        let Some([e]) = item.entries() else {
            info.missing
                .push(format!("a Policies item of {fname} that is not a document"));
            return;
        };
        let param = |k: &str| e.value.get(k).and_then(|n| self.sym_str(n));
        let arn = |svc: &str, rest: Sym| {
            join(&[
                Sym::lit(format!("arn:aws:{svc}:")),
                region(),
                Sym::lit(":"),
                account(),
                Sym::lit(":"),
                rest,
            ])
        };
        let statements = match e.key.as_str() {
            "AWSSecretsManagerGetSecretValuePolicy" => param("SecretArn")
                .map(|s| vec![allow(0, &["secretsmanager:GetSecretValue"], vec![s])]),
            "KMSDecryptPolicy" => param("KeyId").map(|k| {
                vec![allow(
                    0,
                    &["kms:Decrypt"],
                    vec![arn("kms", join(&[Sym::lit("key/"), k]))],
                )]
            }),
            "SQSSendMessagePolicy" => param("QueueName").map(|q| {
                vec![allow(
                    0,
                    &["sqs:SendMessage*", "sqs:ChangeMessageVisibility*"],
                    vec![arn("sqs", q)],
                )]
            }),
            "SNSPublishMessagePolicy" => {
                param("TopicName").map(|t| vec![allow(0, &["sns:Publish"], vec![arn("sns", t)])])
            }
            "VPCAccessPolicy" => Some(vec![allow(
                0,
                &[
                    "ec2:CreateNetworkInterface",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DetachNetworkInterface",
                ],
                vec![Sym::lit("*")],
            )]),
            _ => None,
        };
        match statements {
            Some(statements) => info.policies.push(Policy {
                name: format!("SAM policy template {} of {fname}", e.key),
                origin: origin(file, item.span, fname),
                statements,
                unknown: None,
            }),
            None => info
                .missing
                .push(format!("SAM policy template `{}`", e.key)),
        }
    }

    /// The role of a SAM function: its `Role`, or the role SAM generates (basic execution,
    /// `Policies`, and the MSK/SelfManagedKafka event permissions SAM adds).
    pub(super) fn sam_role(&self, res: &Resource<'_>, file: usize) -> Role {
        let props = res.props;
        if let Some(r) = props.and_then(|p| p.get("Role")) {
            return self.role_named(r, file);
        }
        let fname = res.id;
        let mut info = RoleInfo {
            name: format!("the role SAM generates for {fname}"),
            declared_at: Some((file, res.span)),
            ..RoleInfo::default()
        };
        info.attach_managed(
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            origin(file, res.span, fname),
        );
        match props.and_then(|p| p.get("Policies")) {
            Some(n) if n.items().is_some() && intrinsic(n).is_none() => {
                for item in n.items().unwrap_or_default() {
                    self.sam_policy_item(item, fname, file, &mut info);
                }
            }
            Some(n) => self.sam_policy_item(n, fname, file, &mut info),
            None => {}
        }
        for e in props
            .and_then(|p| p.get("Events"))
            .and_then(Node::entries)
            .unwrap_or_default()
        {
            let ty = e
                .value
                .get("Type")
                .and_then(Node::as_str)
                .unwrap_or_default();
            let ep = e.value.get("Properties");
            let get = |k: &str| ep.and_then(|p| p.get(k));
            let mut statements = Vec::new();
            let sacs: Vec<(String, Option<Sym>)> = get("SourceAccessConfigurations")
                .and_then(Node::items)
                .unwrap_or_default()
                .iter()
                .map(|s| {
                    (
                        s.get("Type")
                            .and_then(|n| self.eval(n, 0))
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                        s.get("URI").and_then(|n| self.sym_str(n)),
                    )
                })
                .collect();
            match ty {
                "MSK" => {
                    info.attach_managed(
                        "arn:aws:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole",
                        origin(file, e.key_span, fname),
                    );
                    for (t, uri) in &sacs {
                        if t == "CLIENT_CERTIFICATE_TLS_AUTH"
                            && let Some(u) = uri
                        {
                            statements.push(allow(
                                statements.len(),
                                &["secretsmanager:GetSecretValue"],
                                vec![u.clone()],
                            ));
                        }
                    }
                }
                "SelfManagedKafka" => {
                    let auth = sacs
                        .iter()
                        .find(|(t, _)| crate::rules::AUTH_MECHANISMS.contains(&t.as_str()))
                        .and_then(|(_, u)| u.clone());
                    for (t, _) in &sacs {
                        // SAM grants the root-CA statement on the authentication secret's ARN
                        // (samtranslator pull.py), never on the root-CA secret itself.
                        if (crate::rules::AUTH_MECHANISMS.contains(&t.as_str())
                            || t == "SERVER_ROOT_CA_CERTIFICATE")
                            && let Some(u) = &auth
                        {
                            statements.push(allow(
                                statements.len(),
                                &["secretsmanager:GetSecretValue"],
                                vec![u.clone()],
                            ));
                        }
                    }
                    if sacs.iter().any(|(t, _)| t == "VPC_SUBNET") {
                        statements.push(allow(
                            statements.len(),
                            &[
                                "ec2:CreateNetworkInterface",
                                "ec2:DescribeNetworkInterfaces",
                                "ec2:DeleteNetworkInterface",
                                "ec2:DescribeVpcs",
                                "ec2:DescribeSubnets",
                                "ec2:DescribeSecurityGroups",
                            ],
                            vec![Sym::lit("*")],
                        ));
                    }
                    if let Some(k) = get("SecretsManagerKmsKeyId").and_then(|n| self.sym_str(n)) {
                        statements.push(allow(
                            statements.len(),
                            &["kms:Decrypt"],
                            vec![join(&[
                                Sym::lit("arn:aws:kms:"),
                                region(),
                                Sym::lit(":"),
                                account(),
                                Sym::lit(":key/"),
                                k,
                            ])],
                        ));
                    }
                }
                _ => continue,
            }
            if let Some(reg) = get("SchemaRegistryConfig")
                .and_then(|s| s.get("SchemaRegistryURI"))
                .and_then(|n| self.sym_str(n))
                .filter(|r| r.literal_prefix().contains(":glue:"))
            {
                let mut res = vec![reg.clone()];
                if let Some(mut s) = reg.replace_first(":registry/", ":schema/") {
                    s.push_str("/*");
                    res.push(s);
                }
                statements.push(allow(
                    statements.len(),
                    &["glue:GetRegistry", "glue:GetSchemaVersion"],
                    res,
                ));
            }
            if let Some(of) = get("DestinationConfig").and_then(|d| d.get("OnFailure"))
                && let Some(dest) = of.get("Destination").and_then(|n| self.sym_str(n))
            {
                let kind = of.get("Type").and_then(Node::as_str).unwrap_or_default();
                let actions: &[&str] = match kind {
                    "SQS" => &["sqs:SendMessage"],
                    "SNS" => &["sns:Publish"],
                    "S3" => &["s3:PutObject", "s3:ListBucket"],
                    _ => &[],
                };
                if !actions.is_empty() {
                    let mut objects = dest.clone();
                    objects.push_str("/*");
                    statements.push(allow(statements.len(), actions, vec![dest, objects]));
                }
            }
            if !statements.is_empty() {
                info.policies.push(Policy {
                    name: format!(
                        "the {} SAM generates for event {}",
                        if ty == "MSK" {
                            "MSKExecutionRolePolicy"
                        } else {
                            "SelfManagedKafkaExecutionRolePolicy"
                        },
                        e.key
                    ),
                    origin: origin(file, e.key_span, fname),
                    statements,
                    unknown: None,
                });
            }
        }
        let boundary = props
            .and_then(|p| p.get("PermissionsBoundary"))
            .or_else(|| {
                self.t
                    .globals_function
                    .and_then(|g| g.get("PermissionsBoundary"))
            });
        if let Some(b) = boundary {
            let mut scratch = RoleInfo::default();
            let mut ps = self.managed_ref(b, fname, file, &mut scratch);
            for why in scratch.missing {
                ps.push(Policy {
                    name: why,
                    origin: origin(file, b.span, fname),
                    statements: Vec::new(),
                    unknown: Some("its document is not known".into()),
                });
            }
            info.boundary = Some(ps);
        }
        Role::Known(info)
    }

    /// The role of the function a mapping's `FunctionName` names, when the template declares
    /// the function.
    fn function_role(&self, function: Option<&Node>, file: usize) -> Option<(Role, Option<Sym>)> {
        let node = function?;
        let mut ids = Vec::new();
        referenced(node, &mut ids, 0);
        let res = ids
            .iter()
            .filter_map(|id| self.t.resource(id))
            .find(|r| r.ty.ends_with("::Function"))
            .or_else(|| {
                let name = self.eval(node, 0)?.as_str()?.to_owned();
                self.t.resources.iter().find(|r| {
                    r.ty.ends_with("::Function")
                        && r.props
                            .and_then(|p| p.get("FunctionName"))
                            .and_then(|n| self.eval(n, 0))
                            .is_some_and(|v| v.as_str() == Some(name.as_str()))
                })
            })?;
        let fname = self.sym_resource(res.id, "Ref", res.span, 0);
        let fname = match fname.val {
            PVal::Str(s) => Some(s),
            _ => None,
        };
        let role = match res.ty.as_str() {
            "AWS::Lambda::Function" => match res.props.and_then(|p| p.get("Role")) {
                Some(r) => self.role_named(r, file),
                None => Role::Unknown {
                    reason: format!("the function `{}` has no Role", res.id),
                    span: res.span,
                },
            },
            _ => self.sam_role(res, file),
        };
        Some((role, fname))
    }

    /// The IAM side of one mapping: `props` is the mapping's property node (CloudFormation
    /// `Properties` or the SAM event's), `function` the function resource for SAM events.
    pub(super) fn mapping_iam(
        &self,
        props: Option<&Node>,
        sam_function: Option<&Resource<'_>>,
        file: usize,
    ) -> MappingIam {
        let get = |k: &str| props.and_then(|p| p.get(k));
        let (role, function_name) = match sam_function {
            Some(f) => (
                Some(self.sam_role(f, file)),
                match self.sym_resource(f.id, "Ref", f.span, 0).val {
                    PVal::Str(s) => Some(s),
                    _ => None,
                },
            ),
            None => match self.function_role(get("FunctionName"), file) {
                Some((r, n)) => (Some(r), n),
                None => (None, None),
            },
        };
        let cluster_arn = get("EventSourceArn")
            .or_else(|| get("Stream"))
            .and_then(|n| self.sym_str(n));
        let self_managed =
            get("SelfManagedEventSource").is_some() || get("KafkaBootstrapServers").is_some();
        let mut secrets = Vec::new();
        for sac in get("SourceAccessConfigurations")
            .and_then(Node::items)
            .unwrap_or_default()
        {
            let t = sac
                .get("Type")
                .and_then(|n| self.eval(n, 0))
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            if !(crate::rules::AUTH_MECHANISMS.contains(&t.as_str())
                || t == "SERVER_ROOT_CA_CERTIFICATE")
            {
                continue;
            }
            let Some(uri) = sac.get("URI") else { continue };
            let Some(arn) = self.sym_str(uri) else {
                continue;
            };
            let mut ids = Vec::new();
            referenced(uri, &mut ids, 0);
            let secret = ids
                .iter()
                .filter_map(|id| self.t.resource(id))
                .find(|r| r.ty == "AWS::SecretsManager::Secret");
            let kms_key = match secret {
                Some(s) => s.props.and_then(|p| p.get("KmsKeyId")).map(|k| self.key_arn(k, &arn)),
                None => match get("SecretsManagerKmsKeyId").and_then(|n| self.sym_str(n)) {
                    Some(k) => Some(Ok(join(&[
                        Sym::lit("arn:aws:kms:"),
                        region(),
                        Sym::lit(":"),
                        account(),
                        Sym::lit(":key/"),
                        k,
                    ]))),
                    None if t == "SASL_SCRAM_512_AUTH" && !self_managed => Some(Err(
                        "the secret is not declared in the template; MSK SCRAM secrets are always under a customer managed key"
                            .into(),
                    )),
                    None => None,
                },
            };
            secrets.push(SecretNeed {
                what: format!("{t} secret"),
                arn,
                kms_key,
                span: uri.span,
            });
        }
        let destination = get("DestinationConfig")
            .and_then(|d| d.get("OnFailure"))
            .and_then(|o| o.get("Destination"))
            .and_then(|n| self.sym_str(n));
        let schema_registry = get("AmazonManagedKafkaEventSourceConfig")
            .or_else(|| get("SelfManagedKafkaEventSourceConfig"))
            .and_then(|c| c.get("SchemaRegistryConfig"))
            .or_else(|| get("SchemaRegistryConfig"))
            .and_then(|s| s.get("SchemaRegistryURI"))
            .and_then(|n| self.sym_str(n));
        MappingIam {
            role,
            cluster_arn,
            function_name,
            secrets,
            destination,
            schema_registry,
        }
    }

    /// A secret's `KmsKeyId` as a key ARN.
    fn key_arn(&self, node: &Node, secret_arn: &Sym) -> Result<Sym, String> {
        let mut ids = Vec::new();
        referenced(node, &mut ids, 0);
        if let Some(k) = ids
            .iter()
            .filter_map(|id| self.t.resource(id))
            .find(|r| r.ty == "AWS::KMS::Key")
            && let PVal::Str(s) = self.sym_resource(k.id, "Arn", k.span, 0).val
        {
            return Ok(s);
        }
        if ids
            .iter()
            .filter_map(|id| self.t.resource(id))
            .any(|r| r.ty == "AWS::KMS::Alias")
        {
            return Err("KmsKeyId names an alias; the key it points to is known at deploy".into());
        }
        match self.sym_str(node) {
            Some(s) => match s.as_literal() {
                Some(text) => crate::iam::key_from_text(&text, secret_arn),
                None => Err(format!("KmsKeyId `{s}` is not known before deploy")),
            },
            None => Err("KmsKeyId is not known before deploy".into()),
        }
    }
}
