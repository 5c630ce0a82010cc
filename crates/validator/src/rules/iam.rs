//! IAM001–IAM020: whether the execution role of each mapping's function may do what the event
//! source mapping needs, judged by the policy evaluator over the policies the artifacts declare
//! (or the `--policy` documents when they declare no role).

use mskgate_auth::{Rule, Severity};

use super::Cx;
use crate::diag::registry::rules;
use crate::iam::{
    Decision, Effect, Items, KAFKA_CLUSTER_ACTIONS, Need, Policy, ResourceKind, Role, RoleInfo,
    Sym, Tri, covers_action, dependent_actions, evaluate, needs, resource_kind,
};
use crate::input::Span;
use crate::model::{Mapping, V};

/// Rules skipped when the role is not known.
const ALL: &[&Rule] = &[
    &rules::MISSING_DESCRIBE_CLUSTER,
    &rules::MISSING_GET_BOOTSTRAP_BROKERS,
    &rules::MISSING_ENI_PERMISSIONS,
    &rules::MISSING_LOGS_PERMISSIONS,
    &rules::IAM_AUTH_DATAPLANE_MISSING,
    &rules::SECRET_READ_MISSING,
    &rules::SECRET_KMS_DECRYPT_MISSING,
];

/// The role a mapping is judged with: the declared one, else the `--policy` documents.
fn role_of(m: &Mapping, cx: &Cx<'_>) -> Option<Role> {
    match m.iam.as_ref().and_then(|i| i.role.clone()) {
        Some(r) => Some(r),
        None if !cx.opts.policies.is_empty() => Some(Role::Known(RoleInfo {
            name: "the --policy documents".into(),
            policies: cx.opts.policies.clone(),
            ..RoleInfo::default()
        })),
        None => None,
    }
}

pub(crate) fn check(m: &Mapping, cx: &mut Cx<'_>) {
    let Some(role) = role_of(m, cx) else {
        return;
    };
    let n = needs(m, m.iam.as_deref());
    if n.needs.is_empty() && n.unknown.is_empty() {
        return;
    }
    let info = match role {
        Role::Unknown { reason, span } => {
            let v = V::unknown(span, reason);
            for r in ALL {
                cx.unknown(m, "the execution role's permissions", &v, r);
            }
            return;
        }
        Role::Known(info) => info,
    };
    let role_span = info
        .declared_at
        .filter(|(f, _)| *f == m.file)
        .map(|(_, s)| s);
    for (what, why, rule) in &n.unknown {
        let v = V::unknown(m.span, format!("{what}: {why}"));
        cx.unknown(m, "the execution role's permissions", &v, rule);
    }
    let mut assumed = Vec::new();
    for need in &n.needs {
        // The data-plane needs (those with a kafka-cluster resource type) hold only with IAM
        // access control; when that is assumed they are reported together, as one info.
        if n.iam_auth_assumed.is_some() && need.kind.is_some() {
            assumed.push(need);
        } else {
            judge(m, cx, &info, need, role_span);
        }
    }
    if let Some(why) = &n.iam_auth_assumed {
        assumed_iam(m, cx, &info, &assumed, why);
    }
    policy_checks(m, cx, &info, n.serverless, n.cluster.as_ref());
}

/// The data-plane permissions of a mapping whose IAM authentication is only assumed (no secret,
/// and the cluster is not declared or its access control is not known): the cluster may as well
/// allow unauthenticated or TLS access, so what the role lacks is one "cannot evaluate" info,
/// never an error.
fn assumed_iam(m: &Mapping, cx: &mut Cx<'_>, role: &RoleInfo, needs: &[&Need], why: &str) {
    let set = role.set();
    let mut rule = None;
    let mut missing = Vec::new();
    for need in needs {
        let mut lacking = Vec::new();
        let mut notes = Vec::new();
        for a in &need.actions {
            let note = match evaluate(set, a, &need.resource) {
                Decision::Allowed => continue,
                Decision::NotAllowed => {
                    let (_, extra) = classify(role, need, a);
                    let extra = extra.trim();
                    let extra = extra
                        .strip_prefix('(')
                        .and_then(|e| e.strip_suffix(')'))
                        .unwrap_or(extra);
                    (!extra.is_empty()).then(|| format!("{a}: {extra}"))
                }
                Decision::Denied { by } => Some(format!("{a} is blocked by {by}")),
                Decision::Conditional { by } => {
                    Some(format!("{a} is granted only under a condition ({by})"))
                }
                Decision::Unknown { reason } => {
                    Some(format!("whether {a} is granted is not known ({reason})"))
                }
            };
            lacking.push(*a);
            notes.extend(note);
        }
        if lacking.is_empty() {
            continue;
        }
        rule.get_or_insert(need.rule);
        notes.insert(0, need.why.clone());
        missing.push(format!(
            "{} on {} ({})",
            lacking.join(", "),
            need.resource,
            notes.join("; ")
        ));
    }
    let Some(rule) = rule else { return };
    let (advice, help) = if m.cluster.is_none() {
        (
            "declare the cluster in the validated files to have this checked",
            "declare the cluster (AWS::MSK::Cluster, aws_msk_cluster) in the validated files; if it uses IAM access control, grant the listed actions (`mskgate policy generate` prints them)",
        )
    } else {
        (
            "give its ClientAuthentication a value known before deploy (--parameter) to have this checked",
            "pass --parameter KEY=VALUE for the parameters the cluster's ClientAuthentication depends on; if it uses IAM access control, grant the listed actions (`mskgate policy generate` prints them)",
        )
    };
    let span = m.get(&["EventSourceArn"]).map(|v| v.span);
    cx.report_as(
        m,
        rule,
        Severity::Info,
        span,
        format!(
            "cannot evaluate: {why}; if it uses IAM access control, {} also needs {}; {advice}",
            role.name,
            missing.join("; ")
        ),
        Some(help.into()),
    );
}

fn span_of(m: &Mapping, p: &Policy, st_span: Option<Span>) -> Option<Span> {
    if p.origin.file == Some(m.file) {
        st_span.or(p.origin.span)
    } else {
        None
    }
}

fn judge(m: &Mapping, cx: &mut Cx<'_>, role: &RoleInfo, need: &Need, role_span: Option<Span>) {
    let set = role.set();
    let decisions: Vec<(&str, Decision)> = need
        .actions
        .iter()
        .map(|a| (*a, evaluate(set, a, &need.resource)))
        .collect();
    let who = &role.name;
    if need.any_of {
        if decisions.iter().any(|(_, d)| *d == Decision::Allowed) {
            if need.rule.code == rules::MISSING_DESCRIBE_CLUSTER.code
                && decisions
                    .first()
                    .is_some_and(|(_, d)| *d != Decision::Allowed)
            {
                cx.report_as(
                    m,
                    &rules::DESCRIBECLUSTER_V1_ONLY,
                    rules::DESCRIBECLUSTER_V1_ONLY.default_severity,
                    role_span,
                    format!(
                        "{who} allows kafka:DescribeCluster but not kafka:DescribeClusterV2 on {}; Lambda plans to remove DescribeCluster from AWSLambdaMSKExecutionRole",
                        need.resource
                    ),
                    None,
                );
            }
            return;
        }
        // Judge by the first (preferred) action.
        if let Some((a, d)) = decisions.into_iter().next() {
            report(m, cx, role, need, a, d, role_span);
        }
        return;
    }
    for (a, d) in decisions {
        if d != Decision::Allowed {
            report(m, cx, role, need, a, d, role_span);
        }
    }
}

fn report(
    m: &Mapping,
    cx: &mut Cx<'_>,
    role: &RoleInfo,
    need: &Need,
    action: &str,
    d: Decision,
    role_span: Option<Span>,
) {
    let who = &role.name;
    let res = &need.resource;
    match d {
        Decision::Allowed => {}
        Decision::Denied { by } => cx.report_as(
            m,
            &rules::EXPLICIT_DENY,
            rules::EXPLICIT_DENY.default_severity,
            role_span,
            format!("{action} on {res} ({}) is blocked by {by}", need.why),
            None,
        ),
        Decision::Conditional { by } => cx.report_as(
            m,
            need.rule,
            Severity::Info,
            role_span,
            format!(
                "{action} on {res} ({}) is granted only under a condition ({by}); whether it holds for Lambda's poller cannot be told before deploy",
                need.why
            ),
            None,
        ),
        Decision::Unknown { reason } => {
            let v = V::unknown(role_span.unwrap_or(m.span), reason);
            cx.unknown(m, &format!("whether {who} allows {action}"), &v, need.rule);
        }
        Decision::NotAllowed => {
            let (rule, extra) = classify(role, need, action);
            cx.report_as(
                m,
                rule,
                rule.default_severity,
                role_span,
                format!(
                    "{who} does not allow {action} on {res}, needed for {}{extra}",
                    need.why
                ),
                None,
            );
        }
    }
}

/// For a missing `kafka-cluster` permission: granted on the wrong resource type (IAM006), on
/// other topics (IAM009) or groups (IAM008), or not at all (the need's own rule).
fn classify(role: &RoleInfo, need: &Need, action: &str) -> (&'static Rule, String) {
    let Some(kind) = need.kind else {
        return (need.rule, String::new());
    };
    let mut same = Vec::new();
    let mut other = Vec::new();
    for p in &role.policies {
        for st in &p.statements {
            if st.effect != Some(Effect::Allow) || covers_action(st, action) != Tri::Yes {
                continue;
            }
            let Items::Only(list) = &st.resources else {
                continue;
            };
            for r in list.iter().flatten() {
                match resource_kind(r) {
                    Some(k) if k == kind => same.push(r.to_string()),
                    Some(k) => other.push((k, r.to_string())),
                    None => {}
                }
            }
        }
    }
    if !same.is_empty() {
        let rule = match kind {
            ResourceKind::Group => &rules::GROUP_ARN_MISMATCH,
            _ => &rules::TOPIC_ARN_MISMATCH,
        };
        if kind == ResourceKind::Cluster {
            return (
                need.rule,
                format!(" (it is granted on {})", same.join(", ")),
            );
        }
        return (
            rule,
            format!(" (it is granted on {} only)", same.join(", ")),
        );
    }
    if let Some((k, r)) = other.first() {
        return (
            &rules::KAFKA_CLUSTER_RESOURCE_TYPE,
            format!(
                " (it is granted on {r}, a {} resource; {action} applies to {} resources)",
                k.segment(),
                kind.segment()
            ),
        );
    }
    (need.rule, String::new())
}

/// Data-plane action names that exist only under `kafka-cluster:`.
const DATA_PLANE_ONLY: &[&str] = &[
    "Connect",
    "ReadData",
    "WriteData",
    "WriteDataIdempotently",
    "DescribeGroup",
    "AlterGroup",
    "DeleteGroup",
    "DescribeTransactionalId",
    "AlterTransactionalId",
    "DescribeClusterDynamicConfiguration",
    "AlterClusterDynamicConfiguration",
    "DescribeTopicDynamicConfiguration",
    "AlterTopicDynamicConfiguration",
];

fn policy_checks(
    m: &Mapping,
    cx: &mut Cx<'_>,
    role: &RoleInfo,
    serverless: bool,
    cluster: Option<&Sym>,
) {
    let who = &role.name;
    let cluster_fields = cluster.map(|c| c.split_colon(6)).filter(|f| f.len() == 6);
    for p in &role.policies {
        for st in &p.statements {
            if st.effect != Some(Effect::Allow) {
                continue;
            }
            let span = span_of(m, p, st.span);
            let Items::Only(actions) = &st.actions else {
                continue;
            };
            let actions: Vec<&str> = actions.iter().flatten().map(String::as_str).collect();
            let kafka_cluster = actions.iter().any(|a| {
                a.split_once(':')
                    .is_some_and(|(s, _)| s.eq_ignore_ascii_case("kafka-cluster"))
            });
            for a in &actions {
                let Some((svc, name)) = a.split_once(':') else {
                    continue;
                };
                if svc.eq_ignore_ascii_case("kafka-cluster") {
                    let known = KAFKA_CLUSTER_ACTIONS
                        .iter()
                        .any(|(k, _, _)| crate::iam::action_match(name, k));
                    if !known {
                        cx.report(
                            m,
                            &rules::UNKNOWN_KAFKA_ACTION,
                            span,
                            format!(
                                "{} grants `{a}`, which is not a kafka-cluster action",
                                p.name
                            ),
                        );
                    }
                    if name == "*" && resources_star(st) {
                        cx.report(
                            m,
                            &rules::KAFKA_CLUSTER_STAR,
                            span,
                            format!("{} grants kafka-cluster:* on every resource", p.name),
                        );
                    }
                    if serverless
                        && [
                            "DescribeClusterDynamicConfiguration",
                            "AlterCluster",
                            "AlterClusterDynamicConfiguration",
                        ]
                        .iter()
                        .any(|x| x.eq_ignore_ascii_case(name))
                    {
                        cx.report(
                            m,
                            &rules::SERVERLESS_UNSUPPORTED_ACTION,
                            span,
                            format!(
                                "{} grants `{a}`, which does not apply to MSK Serverless",
                                p.name
                            ),
                        );
                    }
                    if let Some(deps) = dependent_actions(name) {
                        for dep in deps {
                            let action = format!("kafka-cluster:{dep}");
                            let granted = role.policies.iter().any(|q| {
                                q.statements.iter().any(|s| {
                                    s.effect == Some(Effect::Allow)
                                        && covers_action(s, &action) != Tri::No
                                })
                            });
                            if !granted {
                                cx.report(
                                    m,
                                    &rules::KAFKA_DEPENDENT_ACTIONS,
                                    span,
                                    format!("{} grants `{a}` but no policy of {who} grants {action}, which it requires", p.name),
                                );
                            }
                        }
                    }
                } else if svc.eq_ignore_ascii_case("kafka")
                    && DATA_PLANE_ONLY.iter().any(|x| x.eq_ignore_ascii_case(name))
                {
                    cx.report(
                        m,
                        &rules::UNKNOWN_KAFKA_ACTION,
                        span,
                        format!("{} grants `{a}`, which does not exist; data-plane actions use the prefix kafka-cluster (kafka-cluster:{name})", p.name),
                    );
                }
            }
            let kafka_actions = kafka_cluster
                || actions
                    .iter()
                    .any(|a| a.to_ascii_lowercase().starts_with("kafka:"));
            if kafka_actions && let Items::Only(resources) = &st.resources {
                for r in resources.iter().flatten() {
                    if let Some(problem) = malformed(r, cluster_fields.as_deref()) {
                        cx.report(
                            m,
                            &rules::KAFKA_ARN_MALFORMED,
                            span,
                            format!("{}: the resource `{r}` {problem}", p.name),
                        );
                    }
                }
            }
        }
    }
}

fn resources_star(st: &crate::iam::Statement) -> bool {
    match &st.resources {
        Items::Only(l) => l
            .iter()
            .flatten()
            .any(|r| r.as_literal().as_deref() == Some("*")),
        _ => false,
    }
}

/// What is wrong with a kafka ARN pattern, if anything.
fn malformed(r: &Sym, cluster: Option<&[Sym]>) -> Option<String> {
    let text = r.to_string();
    if !text.starts_with("arn:") {
        return None;
    }
    let f = r.split_colon(6);
    if f.len() != 6 {
        return None;
    }
    let service = f[2].to_string();
    if service == "kafka-cluster" {
        return Some("uses the service `kafka-cluster` in the ARN; kafka-cluster resources are `arn:…:kafka:…`".into());
    }
    if service != "kafka" {
        return None;
    }
    let rest = f[5].to_string();
    let (ty, path) = rest.split_once('/').unwrap_or((rest.as_str(), ""));
    let expected_parts = match ty {
        "cluster" => 2,
        "topic" | "group" | "transactional-id" => 3,
        "vpc-connection" | "configuration" | "replicator" | "*" => return None,
        t if t.contains('*') => return None,
        t => {
            let close = [
                "topics",
                "groups",
                "clusters",
                "transactional-ids",
                "consumer-group",
                "topic-name",
            ];
            return Some(if close.contains(&t) {
                format!(
                    "has the resource type `{t}/`; kafka uses `{}/`",
                    t.trim_end_matches('s')
                        .replace("consumer-", "")
                        .replace("-name", "")
                )
            } else {
                format!("has the resource type `{t}/`, which kafka does not define")
            });
        }
    };
    if !path.contains('*') && path.split('/').count() < expected_parts {
        return Some(format!(
            "lacks the cluster UUID: {ty} ARNs are `{ty}/<cluster-name>/<cluster-uuid>{}`",
            if expected_parts == 3 { "/<name>" } else { "" }
        ));
    }
    if let Some(c) = cluster {
        for (i, what) in [(3, "Region"), (4, "account")] {
            let (a, b) = (f[i].as_literal(), c[i].as_literal());
            if let (Some(a), Some(b)) = (a, b)
                && !a.contains(['*', '?'])
                && !a.is_empty()
                && a != b
            {
                return Some(format!(
                    "names {what} `{a}`, but the cluster is in {what} `{b}`"
                ));
            }
        }
    }
    None
}
