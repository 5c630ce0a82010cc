//! The IAM side of Terraform plans: `aws_lambda_function.role` → `aws_iam_role` (by ARN, or by
//! the references in `configuration` when the ARN is known only after apply), its
//! `inline_policy` blocks and `managed_policy_arns`, `aws_iam_role_policy`,
//! `aws_iam_role_policy_attachment` (+ `aws_iam_policy`) and `permissions_boundary`.
//! Policy documents are JSON strings, or unknown until apply.

use super::{Change, config_resource, find, references, split_address};
use crate::iam::{MappingIam, Origin, Policy, Role, RoleInfo, Sym};
use crate::input::tree::Node;
use crate::model::{V, Val};

fn after_str<'a>(c: &'a Change<'_>, key: &str) -> Option<&'a str> {
    c.after?.get(key)?.as_str()
}

fn is_unknown(c: &Change<'_>, key: &str) -> bool {
    c.after_unknown
        .and_then(|u| u.get(key))
        .and_then(Node::as_str)
        == Some("true")
}

fn origin(c: &Change<'_>, file: usize) -> Origin {
    Origin {
        file: Some(file),
        span: Some(c.span),
        resource: Some(c.address.to_owned()),
    }
}

/// A policy from a JSON string attribute, or a record that it is not known.
fn policy_of(c: &Change<'_>, key: &str, name: String, file: usize) -> Policy {
    match after_str(c, key) {
        Some(text) => Policy::from_json_text(name.clone(), origin(c, file), text, false)
            .unwrap_or_else(|e| Policy {
                name,
                origin: origin(c, file),
                statements: Vec::new(),
                unknown: Some(format!("the policy JSON cannot be read: {e}")),
            }),
        None => Policy {
            name,
            origin: origin(c, file),
            statements: Vec::new(),
            unknown: Some(if is_unknown(c, key) {
                "the document is known after apply".into()
            } else {
                "the document is missing".into()
            }),
        },
    }
}

/// Whether `c`'s attribute `key` names the role (by name, ARN or reference).
fn names_role(root: &Node, c: &Change<'_>, key: &str, role: &Change<'_>) -> bool {
    if let Some(v) = after_str(c, key) {
        let name = after_str(role, "name");
        let arn = after_str(role, "arn");
        if Some(v) == name || Some(v) == arn {
            return true;
        }
    }
    let (module, _) = split_address(c.address);
    let expr = config_resource(root, c.address)
        .and_then(|x| x.get("expressions"))
        .and_then(|e| e.get(key));
    let (rmod, rlocal) = split_address(role.address);
    references(expr, &module)
        .iter()
        .any(|r| split_address(r) == (rmod.clone(), rlocal.clone()))
}

/// An attached policy ARN: an `aws_iam_policy` of the plan, a bundled AWS managed policy, or
/// not known.
fn attach(
    root: &Node,
    all: &[Change<'_>],
    holder: &Change<'_>,
    key: &str,
    arn: Option<&str>,
    file: usize,
    info: &mut RoleInfo,
) -> Option<Policy> {
    if let Some(arn) = arn {
        if let Some(p) = all
            .iter()
            .find(|p| p.ty == "aws_iam_policy" && after_str(p, "arn") == Some(arn))
        {
            return Some(policy_of(
                p,
                "policy",
                format!("policy {}", p.address),
                file,
            ));
        }
        if let Some(p) = crate::iam::managed(arn, origin(holder, file)) {
            return Some(p);
        }
        info.missing.push(format!("managed policy `{arn}`"));
        return None;
    }
    let (module, _) = split_address(holder.address);
    let expr = config_resource(root, holder.address)
        .and_then(|x| x.get("expressions"))
        .and_then(|e| e.get(key));
    if let Some(p) = references(expr, &module)
        .iter()
        .find_map(|a| find(all, a).filter(|p| p.ty == "aws_iam_policy"))
    {
        return Some(policy_of(
            p,
            "policy",
            format!("policy {}", p.address),
            file,
        ));
    }
    info.missing.push(format!(
        "a policy attached by {} (known after apply)",
        holder.address
    ));
    None
}

fn role_info(root: &Node, all: &[Change<'_>], role: &Change<'_>, file: usize) -> RoleInfo {
    let mut info = RoleInfo {
        name: format!("role {}", role.address),
        declared_at: Some((file, role.span)),
        ..RoleInfo::default()
    };
    if let Some(blocks) = role
        .after
        .and_then(|a| a.get("inline_policy"))
        .and_then(Node::items)
    {
        for b in blocks {
            let name = b.get("name").and_then(Node::as_str).unwrap_or("(unnamed)");
            let pname = format!("inline policy {name} of role {}", role.address);
            info.policies
                .push(match b.get("policy").and_then(Node::as_str) {
                    Some(text) => {
                        Policy::from_json_text(pname.clone(), origin(role, file), text, false)
                            .unwrap_or_else(|e| Policy {
                                name: pname,
                                origin: origin(role, file),
                                statements: Vec::new(),
                                unknown: Some(e),
                            })
                    }
                    None => Policy {
                        name: pname,
                        origin: origin(role, file),
                        statements: Vec::new(),
                        unknown: Some("the document is known after apply".into()),
                    },
                });
        }
    }
    if let Some(arns) = role
        .after
        .and_then(|a| a.get("managed_policy_arns"))
        .and_then(Node::items)
    {
        for a in arns {
            if let Some(p) = attach(
                root,
                all,
                role,
                "managed_policy_arns",
                a.as_str(),
                file,
                &mut info,
            ) {
                info.policies.push(p);
            }
        }
    } else if is_unknown(role, "managed_policy_arns")
        && config_resource(root, role.address)
            .and_then(|x| x.get("expressions"))
            .and_then(|e| e.get("managed_policy_arns"))
            .is_some()
    {
        // Set in the configuration but computed. When the configuration does not set it, the
        // unknown is only the provider's computed view of the attachments, which are read below.
        info.missing.push(format!(
            "the managed_policy_arns of {} (known after apply)",
            role.address
        ));
    }
    if let Some(b) = after_str(role, "permissions_boundary") {
        let mut scratch = RoleInfo::default();
        let mut ps: Vec<Policy> = attach(
            root,
            all,
            role,
            "permissions_boundary",
            Some(b),
            file,
            &mut scratch,
        )
        .into_iter()
        .collect();
        for why in scratch.missing {
            ps.push(Policy {
                name: why,
                origin: origin(role, file),
                statements: Vec::new(),
                unknown: Some("its document is not known".into()),
            });
        }
        info.boundary = Some(ps);
    }
    for c in all {
        match c.ty {
            "aws_iam_role_policy" if names_role(root, c, "role", role) => {
                info.policies.push(policy_of(
                    c,
                    "policy",
                    format!("role policy {}", c.address),
                    file,
                ));
            }
            "aws_iam_role_policy_attachment" if names_role(root, c, "role", role) => {
                if let Some(p) = attach(
                    root,
                    all,
                    c,
                    "policy_arn",
                    after_str(c, "policy_arn"),
                    file,
                    &mut info,
                ) {
                    info.policies.push(p);
                }
            }
            "aws_iam_policy_attachment" => {
                let roles = c.after.and_then(|a| a.get("roles")).and_then(Node::items);
                let named = roles.is_some_and(|rs| {
                    rs.iter()
                        .any(|r| r.as_str().is_some() && r.as_str() == after_str(role, "name"))
                }) || names_role(root, c, "roles", role);
                if named
                    && let Some(p) = attach(
                        root,
                        all,
                        c,
                        "policy_arn",
                        after_str(c, "policy_arn"),
                        file,
                        &mut info,
                    )
                {
                    info.policies.push(p);
                }
            }
            _ => {}
        }
    }
    info
}

/// The IAM side of one mapping of a plan.
pub(super) fn mapping_iam(
    root: &Node,
    all: &[Change<'_>],
    function: Option<&Change<'_>>,
    esm: &Change<'_>,
    props: &V,
    file: usize,
) -> MappingIam {
    let role = function.map(|f| {
        let by_arn = after_str(f, "role").and_then(|arn| {
            all.iter()
                .find(|r| r.ty == "aws_iam_role" && after_str(r, "arn") == Some(arn))
        });
        let (module, _) = split_address(f.address);
        let by_ref = || {
            let expr = config_resource(root, f.address)
                .and_then(|x| x.get("expressions"))
                .and_then(|e| e.get("role"));
            references(expr, &module)
                .iter()
                .find_map(|a| find(all, a).filter(|r| r.ty == "aws_iam_role"))
        };
        match by_arn.or_else(by_ref) {
            Some(r) => Role::Known(role_info(root, all, r, file)),
            None => Role::Unknown {
                reason: match after_str(f, "role") {
                    Some(arn) => format!(
                        "the role `{arn}` is not in the plan (pass its policies with --policy)"
                    ),
                    None => format!(
                        "the role of {} is known after apply and not linked to a role of the plan",
                        f.address
                    ),
                },
                span: f.span,
            },
        }
    });
    let cluster_arn = match props.get("EventSourceArn").map(|v| &v.val) {
        Some(Val::Scalar(s)) => Some(Sym::lit(s.clone())),
        _ => {
            let (module, _) = split_address(esm.address);
            let expr = config_resource(root, esm.address)
                .and_then(|x| x.get("expressions"))
                .and_then(|e| e.get("event_source_arn"));
            references(expr, &module)
                .iter()
                .find_map(|a| find(all, a))
                .map(|c| Sym::var(format!("{}.arn", c.address), false))
        }
    };
    let function_name = function
        .and_then(|f| after_str(f, "function_name"))
        .map(Sym::lit);
    MappingIam {
        role,
        cluster_arn,
        function_name,
        ..MappingIam::default()
    }
}
