//! AWS managed policies whose documents are bundled (version-stamped copies in
//! `data/managed-policies/`).

use super::policy::{Origin, Policy};

/// (name, JSON of `{PolicyName, Arn, VersionId, CreateDate, Document}`).
pub static MANAGED: &[(&str, &str)] = &[
    (
        "AWSLambdaMSKExecutionRole",
        include_str!("../../data/managed-policies/AWSLambdaMSKExecutionRole.json"),
    ),
    (
        "AWSLambdaBasicExecutionRole",
        include_str!("../../data/managed-policies/AWSLambdaBasicExecutionRole.json"),
    ),
    (
        "AWSLambdaVPCAccessExecutionRole",
        include_str!("../../data/managed-policies/AWSLambdaVPCAccessExecutionRole.json"),
    ),
];

/// The bundled document of an AWS managed policy, by ARN (any partition) or by name
/// (`service-role/AWSLambdaMSKExecutionRole`, `AWSLambdaMSKExecutionRole`).
pub fn managed(arn_or_name: &str, origin: Origin) -> Option<Policy> {
    let name = match arn_or_name.strip_prefix("arn:") {
        Some(rest) => {
            let (_, path) = rest.split_once(":iam::aws:policy/")?;
            path
        }
        None => arn_or_name,
    };
    let name = name.strip_prefix("service-role/").unwrap_or(name);
    let (n, text) = MANAGED.iter().find(|(n, _)| *n == name)?;
    let version = crate::input::parse_json(text)
        .ok()
        .and_then(|p| p.root)
        .and_then(|r| {
            r.get("VersionId")
                .and_then(crate::input::Node::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_default();
    Policy::from_json_text(
        format!("{n} (AWS managed, {version})"),
        Origin {
            resource: Some(format!("arn:aws:iam::aws:policy/service-role/{n}")),
            ..origin
        },
        text,
        false,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::{Decision, PolicySet, Sym, evaluate};

    #[test]
    fn the_msk_execution_role_grants_control_plane_but_no_data_plane() {
        let p = managed(
            "arn:aws:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole",
            Origin::default(),
        )
        .expect("bundled");
        assert!(p.name.contains("v2"));
        let set = PolicySet {
            identity: std::slice::from_ref(&p),
            boundary: None,
            missing: &[],
        };
        let cluster = Sym::lit("arn:aws:kafka:us-east-1:1:cluster/demo/abcd-1");
        assert_eq!(
            evaluate(set, "kafka:GetBootstrapBrokers", &cluster),
            Decision::Allowed
        );
        assert_eq!(
            evaluate(set, "kafka-cluster:Connect", &cluster),
            Decision::NotAllowed
        );
        for (n, _) in MANAGED {
            assert!(managed(n, Origin::default()).is_some_and(|p| !p.statements.is_empty()));
        }
        assert!(
            managed(
                "arn:aws:iam::aws:policy/AdministratorAccess",
                Origin::default()
            )
            .is_none()
        );
    }
}
