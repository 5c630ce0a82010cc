//! The policy evaluator: identity policies, an optional permissions boundary, explicit deny
//! over any allow, conditions reported as such. Pure; SCPs, session policies and resource
//! policies are out of scope.

use super::policy::{Effect, Items, Policy, Statement};
use super::sym::{Sym, Tri, action_match, arn_match};

/// The answer to "may the role call `action` on `resource`?".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// An Allow statement grants it and nothing denies it.
    Allowed,
    /// An explicit Deny, or the permissions boundary, blocks it.
    Denied {
        /// The policy and statement that block it.
        by: String,
    },
    /// No statement grants it (implicit deny).
    NotAllowed,
    /// Only statements with a `Condition` grant it (or may deny it).
    Conditional {
        /// The policy and statement.
        by: String,
    },
    /// Depends on values unknown before deploy, or on a policy whose document is not known.
    Unknown {
        /// Why.
        reason: String,
    },
}

/// What the role's permissions are made of.
#[derive(Clone, Copy, Debug)]
pub struct PolicySet<'a> {
    /// Identity policies (inline, managed, SAM-generated).
    pub identity: &'a [Policy],
    /// The permissions boundary, when one is set.
    pub boundary: Option<&'a [Policy]>,
    /// Policies attached to the role whose documents are not known (their names).
    pub missing: &'a [String],
}

/// Whether a statement's `Action`/`NotAction` covers `action`.
pub fn covers_action(st: &Statement, action: &str) -> Tri {
    let any = |list: &[Option<String>]| {
        let mut t = Tri::No;
        for a in list {
            match a {
                Some(p) if action_match(p, action) => return Tri::Yes,
                Some(_) => {}
                None => t = Tri::Maybe,
            }
        }
        t
    };
    match &st.actions {
        Items::Only(l) => any(l),
        Items::Not(l) => match any(l) {
            Tri::Yes => Tri::No,
            Tri::Maybe => Tri::Maybe,
            Tri::No => Tri::Yes,
        },
        Items::Missing => Tri::Maybe,
    }
}

/// Whether a statement's `Resource`/`NotResource` covers `resource`.
pub fn covers_resource(st: &Statement, resource: &Sym) -> Tri {
    let any = |list: &[Option<Sym>]| {
        let mut t = Tri::No;
        for r in list {
            let m = r.as_ref().map_or(Tri::Maybe, |p| arn_match(p, resource));
            if m == Tri::Yes {
                return Tri::Yes;
            }
            t = t.max(m);
        }
        t
    };
    match &st.resources {
        Items::Only(l) => any(l),
        Items::Not(l) => match any(l) {
            Tri::Yes => Tri::No,
            Tri::Maybe => Tri::Maybe,
            Tri::No => Tri::Yes,
        },
        Items::Missing => Tri::Maybe,
    }
}

fn describe(p: &Policy, st: &Statement) -> String {
    match &st.sid {
        Some(sid) => format!("{} (statement `{sid}`)", p.name),
        None => format!("{} (statement {})", p.name, st.index + 1),
    }
}

/// One set of policies on its own (identity or boundary).
fn evaluate_one(policies: &[Policy], action: &str, resource: &Sym) -> Decision {
    let mut allow: Option<String> = None;
    let mut allow_cond: Option<String> = None;
    let mut maybe: Option<String> = None;
    let mut deny_maybe: Option<String> = None;
    for p in policies {
        if let Some(why) = &p.unknown {
            maybe.get_or_insert_with(|| format!("{} cannot be read before deploy ({why})", p.name));
        }
        for st in &p.statements {
            let applies = covers_action(st, action).and(covers_resource(st, resource));
            if applies == Tri::No {
                continue;
            }
            match st.effect {
                Some(Effect::Deny) if applies == Tri::Yes && !st.conditional => {
                    return Decision::Denied {
                        by: describe(p, st),
                    };
                }
                Some(Effect::Deny) | None => {
                    deny_maybe.get_or_insert_with(|| describe(p, st));
                }
                Some(Effect::Allow) if applies == Tri::Yes && !st.conditional => {
                    allow.get_or_insert_with(|| describe(p, st));
                }
                Some(Effect::Allow) if applies == Tri::Yes => {
                    allow_cond.get_or_insert_with(|| describe(p, st));
                }
                Some(Effect::Allow) => {
                    maybe.get_or_insert_with(|| {
                        format!(
                            "whether {} covers it depends on values known at deploy",
                            describe(p, st)
                        )
                    });
                }
            }
        }
    }
    match (allow, allow_cond, maybe, deny_maybe) {
        (Some(_), _, _, Some(by)) => Decision::Conditional {
            by: format!("{by} may deny it"),
        },
        (Some(_), _, _, None) => Decision::Allowed,
        (None, Some(by), _, _) => Decision::Conditional { by },
        (None, None, Some(reason), _) => Decision::Unknown { reason },
        (None, None, None, _) => Decision::NotAllowed,
    }
}

/// Evaluates `action` on `resource` the way IAM does for one principal: an explicit deny
/// wins, then an allow is needed from the identity policies and — when set — from the
/// permissions boundary too.
pub fn evaluate(set: PolicySet<'_>, action: &str, resource: &Sym) -> Decision {
    let identity = evaluate_one(set.identity, action, resource);
    let identity = match identity {
        Decision::NotAllowed if !set.missing.is_empty() => Decision::Unknown {
            reason: format!("the documents of {} are not known", set.missing.join(", ")),
        },
        d => d,
    };
    let Some(boundary) = set.boundary else {
        return identity;
    };
    if matches!(identity, Decision::Denied { .. } | Decision::NotAllowed) {
        return identity;
    }
    match evaluate_one(boundary, action, resource) {
        Decision::Allowed => identity,
        Decision::Denied { by } => Decision::Denied {
            by: format!("{by} in the permissions boundary"),
        },
        Decision::NotAllowed => Decision::Denied {
            by: format!(
                "the permissions boundary ({}), which does not allow it",
                boundary
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        Decision::Conditional { by } => match identity {
            Decision::Unknown { .. } => identity,
            _ => Decision::Conditional {
                by: format!("{by} in the permissions boundary"),
            },
        },
        Decision::Unknown { reason } => Decision::Unknown {
            reason: format!("permissions boundary: {reason}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::policy::Origin;

    fn policy(json: &str) -> Policy {
        Policy::from_json_text("test policy", Origin::default(), json, true).expect("policy")
    }

    fn eval(policies: &[Policy], action: &str, resource: &str) -> Decision {
        evaluate(
            PolicySet {
                identity: policies,
                boundary: None,
                missing: &[],
            },
            action,
            &Sym::parse(resource),
        )
    }

    const TOPIC: &str = "arn:aws:kafka:us-east-1:123456789012:topic/demo/abcd-1/orders";

    /// Regression (fuzz/artifacts of 3 December 2026): an action longer than the glob's length
    /// bound made `Action: "*"` a `Maybe`, so an explicit `Deny *` did not win.
    #[test]
    fn star_statements_cover_actions_of_any_length() {
        let long = "kafka-cluster:".to_owned() + &"A".repeat(5_000);
        let deny = policy(r#"{"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}"#);
        let allow = policy(r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#);
        assert!(matches!(
            eval(&[allow.clone(), deny], &long, TOPIC),
            Decision::Denied { .. }
        ));
        assert_eq!(eval(&[allow], &long, TOPIC), Decision::Allowed);
    }

    #[test]
    fn allow_deny_and_implicit_deny() {
        let p = policy(
            r#"{"Statement": [
              {"Effect": "Allow", "Action": ["kafka-cluster:*"], "Resource": "*"},
              {"Sid": "NoWrites", "Effect": "Deny", "Action": "kafka-cluster:WriteData", "Resource": "*"}]}"#,
        );
        assert_eq!(
            eval(std::slice::from_ref(&p), "kafka-cluster:ReadData", TOPIC),
            Decision::Allowed
        );
        assert!(matches!(
            eval(std::slice::from_ref(&p), "kafka-cluster:WriteData", TOPIC),
            Decision::Denied { by } if by.contains("NoWrites")
        ));
        assert_eq!(
            eval(
                std::slice::from_ref(&p),
                "sqs:SendMessage",
                "arn:aws:sqs:us-east-1:1:q"
            ),
            Decision::NotAllowed
        );
    }

    #[test]
    fn not_action_not_resource_and_conditions() {
        let p = policy(
            r#"{"Statement": [
              {"Effect": "Allow", "NotAction": ["iam:*", "sqs:*"], "NotResource": "arn:aws:kafka:*:*:topic/demo/*/secret*"},
              {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}}]}"#,
        );
        let ps = std::slice::from_ref(&p);
        assert_eq!(eval(ps, "kafka-cluster:ReadData", TOPIC), Decision::Allowed);
        assert_eq!(
            eval(
                ps,
                "kafka-cluster:ReadData",
                "arn:aws:kafka:us-east-1:1:topic/demo/abcd-1/secrets"
            ),
            Decision::NotAllowed
        );
        assert_eq!(eval(ps, "iam:PassRole", "*"), Decision::NotAllowed);
        assert!(matches!(
            eval(ps, "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q"),
            Decision::Conditional { .. }
        ));
    }

    #[test]
    fn permissions_boundary_intersects() {
        let id = [policy(
            r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#,
        )];
        let b = [policy(
            r#"{"Statement": {"Effect": "Allow", "Action": "kafka-cluster:*", "Resource": "*"}}"#,
        )];
        let set = PolicySet {
            identity: &id,
            boundary: Some(&b),
            missing: &[],
        };
        assert_eq!(
            evaluate(set, "kafka-cluster:Connect", &Sym::parse(TOPIC)),
            Decision::Allowed
        );
        assert!(matches!(
            evaluate(set, "secretsmanager:GetSecretValue", &Sym::lit("arn:aws:secretsmanager:us-east-1:1:secret:x")),
            Decision::Denied { by } if by.contains("permissions boundary")
        ));
    }

    #[test]
    fn unknowns_are_never_a_denial() {
        let p = policy(
            r#"{"Statement": {"Effect": "Allow", "Action": "kafka-cluster:ReadData", "Resource": "arn:aws:kafka:${AWS::Region}:123456789012:topic/demo/*"}}"#,
        );
        let r = eval(std::slice::from_ref(&p), "kafka-cluster:ReadData", TOPIC);
        assert!(matches!(r, Decision::Unknown { .. }), "{r:?}");
        let missing = ["arn:aws:iam::aws:policy/Unbundled".to_owned()];
        let r = evaluate(
            PolicySet {
                identity: &[],
                boundary: None,
                missing: &missing,
            },
            "kafka:DescribeClusterV2",
            &Sym::parse(TOPIC),
        );
        assert!(matches!(r, Decision::Unknown { .. }));
    }
}
