//! The least-privilege policy a mapping's execution role needs — what the Lambda console's
//! "Generate permissions" does, offline.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::needs::needs;
use super::sym::{Sym, Tok};
use crate::model::{Mapping, SourceKind, V, Val};

/// A generated policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    /// The policy document.
    pub document: Value,
    /// The `${Name}` placeholders left in it, with what to put there.
    pub placeholders: Vec<(String, String)>,
}

fn placeholder_help(name: &str) -> String {
    match name {
        "AWS::Region" => "the Region the stack or mapping is deployed in".into(),
        "AWS::AccountId" => "the account id the stack or mapping is deployed in".into(),
        "AWS::Partition" => "the partition (aws, aws-cn, aws-us-gov)".into(),
        "Topic" => "the topic name".into(),
        "ConsumerGroupId" => "the consumer group id".into(),
        "FunctionName" => "the function's name".into(),
        "ClusterName" => "the cluster's name".into(),
        "ClusterUuid" => {
            "the cluster's UUID, the last part of its ARN (aws kafka list-clusters-v2)".into()
        }
        n if n.ends_with(".Uuid") => format!(
            "the UUID of {} (known once it is created)",
            n.trim_end_matches(".Uuid")
        ),
        n => format!("the value of {n}, known at deploy"),
    }
}

/// Resources as policy text: fresh unknowns (the mapping's UUID as group name, schema names)
/// become `*`, the others `${Name}` placeholders.
fn render(s: &Sym, names: &mut BTreeSet<String>) -> String {
    let mut out = String::new();
    for t in &s.0 {
        match t {
            Tok::Lit(l) => out.push_str(l),
            Tok::Var(v) if v.name == "EsmUuid" || v.name == "SchemaName" => out.push('*'),
            Tok::Var(v) => {
                names.insert(v.name.clone());
                out.push_str(&format!("${{{}}}", v.name));
            }
        }
    }
    out
}

fn sid(rule: &str, i: usize) -> String {
    let mut s: String = rule
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    if i > 0 {
        s.push_str(&(i + 1).to_string());
    }
    s
}

/// The policy `m`'s execution role needs; unknown values become `${Name}` placeholders.
pub fn generate(m: &Mapping) -> Generated {
    let mut m = m.clone();
    let mut n = needs(&m, m.iam.as_deref());
    let mut replaced = false;
    if n.cluster.is_none() && m.source_kind() == Some(SourceKind::Msk) {
        if let Val::Map(entries) = &mut m.props.val {
            let span = m.span;
            entries.retain(|(k, _)| k != "EventSourceArn");
            entries.push((
                "EventSourceArn".into(),
                V {
                    val: Val::Scalar(
                        "arn:aws:kafka:${AWS::Region}:${AWS::AccountId}:cluster/${ClusterName}/${ClusterUuid}".into(),
                    ),
                    span,
                },
            ));
        }
        if let Some(i) = m.iam.as_mut() {
            i.cluster_arn = None;
        }
        n = needs(&m, m.iam.as_deref());
        replaced = true;
    }
    let mut names = BTreeSet::new();
    if replaced {
        for v in [
            "AWS::Region",
            "AWS::AccountId",
            "ClusterName",
            "ClusterUuid",
        ] {
            names.insert(v.to_owned());
        }
    }
    let mut statements: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    let mut used = BTreeSet::new();
    for need in &n.needs {
        let resource = render(&need.resource, &mut names);
        let actions: Vec<String> = if need.any_of {
            need.actions
                .first()
                .map(|a| (*a).to_owned())
                .into_iter()
                .collect()
        } else {
            need.actions.iter().map(|a| (*a).to_owned()).collect()
        };
        // One statement per resource; actions merged.
        if let Some(st) = statements
            .iter_mut()
            .find(|(_, _, r)| r == &vec![resource.clone()])
        {
            for a in actions {
                if !st.1.contains(&a) {
                    st.1.push(a);
                }
            }
            continue;
        }
        let mut i = 0;
        let base = need.rule.name;
        while used.contains(&sid(base, i)) {
            i += 1;
        }
        let s = sid(base, i);
        used.insert(s.clone());
        statements.push((s, actions, vec![resource]));
    }
    let document = json!({
        "Version": "2012-10-17",
        "Statement": statements.into_iter().map(|(sid, actions, resources)| json!({
            "Sid": sid,
            "Effect": "Allow",
            "Action": actions,
            "Resource": if resources.len() == 1 { json!(resources[0]) } else { json!(resources) },
        })).collect::<Vec<_>>(),
    });
    let mut placeholders: Vec<(String, String)> = names
        .into_iter()
        .map(|n| {
            let h = placeholder_help(&n);
            (n, h)
        })
        .collect();
    for (what, why, _) in &n.unknown {
        placeholders.push((what.clone(), why.clone()));
    }
    Generated {
        document,
        placeholders,
    }
}
