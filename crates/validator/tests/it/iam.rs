//! IAM: the policy `policy generate` prints, fed back as `--policy`, leaves no IAM error; an
//! empty policy leaves plenty; the evaluator never panics and an explicit deny always wins.

use std::path::Path;

use mskgate_auth::Severity;
use mskgate_validator::iam::{Decision, Origin, Policy, PolicySet, Role, Sym, evaluate, generate};
use proptest::prelude::*;

use crate::{options, run};

const ROUND_TRIP: &[&str] = &[
    "fixtures/policy/msk-iam.json",
    "fixtures/policy/msk-scram.json",
    "fixtures/policy/smk-root-ca.json",
    "fixtures/policy/template-symbolic.yaml",
    "fixtures/validator/ESM001/good.json",
    "fixtures/validator/ESM027/good.yaml",
];

fn iam_errors(path: &str, policy: Option<Policy>) -> Vec<String> {
    let mut opts = options();
    opts.policies.extend(policy);
    run(&[Path::new(path)], &opts)
        .diagnostics
        .iter()
        .filter(|d| d.rule.code.starts_with("IAM") && d.severity == Severity::Error)
        .map(|d| format!("{}: {}", d.rule.code, d.message))
        .collect()
}

#[test]
fn generated_policy_round_trips_without_iam_errors() {
    for path in ROUND_TRIP {
        let report = run(&[Path::new(path)], &options());
        assert!(!report.mappings.is_empty(), "{path}");
        for m in &report.mappings {
            let doc = serde_json::to_string(&generate(m).document).expect("json");
            let policy = Policy::from_json_text("generated", Origin::default(), &doc, false)
                .expect("policy");
            let errors = iam_errors(path, Some(policy));
            assert!(errors.is_empty(), "{path}: {doc}\n{errors:#?}");
        }
        let empty = Policy::from_json_text(
            "empty",
            Origin::default(),
            r#"{"Version": "2012-10-17", "Statement": []}"#,
            false,
        )
        .expect("policy");
        assert!(
            !iam_errors(path, Some(empty)).is_empty(),
            "{path}: an empty policy must leave IAM errors"
        );
    }
}

#[test]
fn generated_policy_scopes_topic_and_wildcards_the_uuid_group() {
    let report = run(&[Path::new("fixtures/policy/msk-iam.json")], &options());
    let doc = generate(&report.mappings[0]).document.to_string();
    assert!(doc.contains(
        "arn:aws:kafka:us-east-1:123456789012:topic/demo/6357e0b2-0e6a-4b86-a0b4-70df934c2e31-5/orders"
    ));
    assert!(doc.contains(
        "arn:aws:kafka:us-east-1:123456789012:group/demo/6357e0b2-0e6a-4b86-a0b4-70df934c2e31-5/*"
    ));
    assert!(
        doc.contains("kafka-cluster:WriteData"),
        "kafka:// destination"
    );
    assert!(
        !doc.contains("\"*\"") || doc.contains("ec2:"),
        "only ENI actions on *"
    );
}

#[test]
fn terraform_plan_role_is_found_through_the_function_with_inline_and_attached_policies() {
    // The function's `role` is known after apply: the role comes from the configuration's
    // references; its inline policy is a JSON string, AWSLambdaMSKExecutionRole is attached by
    // name, and `managed_policy_arns` (not set, so only computed) hides nothing.
    for (path, lacks_secret_read) in [
        ("fixtures/validator/IAM011/bad-plan.json", true),
        ("fixtures/validator/IAM011/good-plan.json", false),
    ] {
        let report = run(&[Path::new(path)], &options());
        assert_eq!(report.mappings.len(), 1, "{path}");
        let m = &report.mappings[0];
        let Some(Role::Known(role)) = m.iam.as_ref().and_then(|i| i.role.as_ref()) else {
            panic!("{path}: the role is not resolved: {:#?}", m.iam);
        };
        assert_eq!(role.name, "role aws_iam_role.consumer");
        let names: Vec<&str> = role.policies.iter().map(|p| p.name.as_str()).collect();
        assert!(
            names.contains(&"inline policy consumer of role aws_iam_role.consumer"),
            "{path}: {names:?}"
        );
        assert!(
            names
                .iter()
                .any(|n| n.contains("AWSLambdaMSKExecutionRole")),
            "{path}: {names:?}"
        );
        assert!(role.missing.is_empty(), "{path}: {:?}", role.missing);
        let iam: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.rule.code.starts_with("IAM") || d.rule.code == "ESM027")
            .collect();
        if lacks_secret_read {
            assert_eq!(iam.len(), 1, "{path}: {iam:#?}");
            let d = iam[0];
            assert_eq!((d.rule.code, d.severity), ("IAM011", Severity::Error));
            assert!(
                d.message.starts_with("role aws_iam_role.consumer does not allow secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_orders-AbCdEf"),
                "{}",
                d.message
            );
            assert_eq!(d.location.json_path.as_deref(), Some("/resource_changes/0"));
        } else {
            assert!(iam.is_empty(), "{path}: {iam:#?}");
        }
    }
}

#[test]
fn unknown_cluster_turns_data_plane_errors_into_one_info() {
    let report = run(
        &[Path::new(
            "fixtures/validator/IAM005/info-unknown-cluster.yaml",
        )],
        &options(),
    );
    let iam: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.rule.code.starts_with("IAM"))
        .collect();
    assert_eq!(iam.len(), 1, "{iam:#?}");
    let d = iam[0];
    assert_eq!((d.rule.code, d.severity), ("IAM005", Severity::Info));
    assert!(
        d.message
            .starts_with("cannot evaluate: the cluster is not in these files; if it uses IAM access control, role Role also needs kafka-cluster:Connect"),
        "{}",
        d.message
    );
    for action in [
        "kafka-cluster:DescribeClusterDynamicConfiguration",
        "kafka-cluster:DescribeTopic",
        "kafka-cluster:ReadData",
        "kafka-cluster:DescribeGroup",
        "kafka-cluster:AlterGroup",
        // The kafka:// destination (IAM013) is folded in too.
        "kafka-cluster:WriteData on arn:aws:kafka:us-east-1:123456789012:topic/demo/6357e0b2-0e6a-4b86-a0b4-70df934c2e31-5/orders-dlq",
    ] {
        assert!(d.message.contains(action), "{action}: {}", d.message);
    }
    assert!(
        d.message
            .ends_with("declare the cluster in the validated files to have this checked")
    );
    // The same mapping on a declared cluster with IAM enabled: errors.
    let declared = run(
        &[Path::new("fixtures/validator/IAM005/bad.yaml")],
        &options(),
    );
    assert!(
        declared
            .diagnostics
            .iter()
            .filter(|d| d.rule.code == "IAM005")
            .all(|d| d.severity == Severity::Error)
    );
}

fn statement() -> impl Strategy<Value = String> {
    let effect = prop_oneof![Just("Allow"), Just("Deny")];
    let key = prop_oneof![Just("Action"), Just("NotAction")];
    let rkey = prop_oneof![Just("Resource"), Just("NotResource")];
    let action = "(kafka-cluster|kafka|sqs|\\*):[A-Za-z*?]{0,12}";
    let resource = "(\\*|arn:aws:(kafka|sqs):[a-z0-9*?-]{0,10}:[0-9*]{0,12}:[a-z/*?0-9-]{0,30})";
    (
        effect,
        key,
        rkey,
        prop::collection::vec(action, 0..3),
        prop::collection::vec(resource, 0..3),
        any::<bool>(),
    )
        .prop_map(|(e, k, rk, a, r, cond)| {
            format!(
                r#"{{"Effect": "{e}", "{k}": {}, "{rk}": {}{}}}"#,
                serde_json::to_string(&a).unwrap_or_default(),
                serde_json::to_string(&r).unwrap_or_default(),
                if cond {
                    r#", "Condition": {"Bool": {"aws:SecureTransport": "true"}}"#
                } else {
                    ""
                }
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn evaluator_never_panics_on_arbitrary_text(s in ".{0,300}", action in ".{0,40}", res in ".{0,80}") {
        if let Ok(p) = Policy::from_json_text("p", Origin::default(), &s, false) {
            let _ = evaluate(PolicySet { identity: &[p], boundary: None, missing: &[] }, &action, &Sym::parse(&res));
        }
    }

    #[test]
    fn deny_always_wins_and_star_allows_everything(
        stmts in prop::collection::vec(statement(), 0..5),
        action in "(kafka-cluster|kafka|sqs):[A-Za-z]{1,12}",
        res in "arn:aws:(kafka|sqs):[a-z0-9-]{1,10}:[0-9]{12}:[a-z/0-9-]{1,30}",
    ) {
        let doc = format!(r#"{{"Statement": [{}]}}"#, stmts.join(","));
        let p = Policy::from_json_text("p", Origin::default(), &doc, false).expect("generated JSON");
        let star = Policy::from_json_text("star", Origin::default(),
            r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#, false).expect("star");
        let deny = Policy::from_json_text("deny", Origin::default(),
            r#"{"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}"#, false).expect("deny");
        let r = Sym::lit(res);
        let set = |ps: &[Policy]| evaluate(PolicySet { identity: ps, boundary: None, missing: &[] }, &action, &r);
        // `*` allows everything unless something denies it.
        let with_star = set(&[star.clone(), p.clone()]);
        let not_allowed = matches!(with_star, Decision::NotAllowed);
        prop_assert!(!not_allowed, "{:?}", with_star);
        prop_assert_eq!(set(&[star]), Decision::Allowed);
        // An unconditional explicit deny wins over anything.
        let denied = matches!(set(&[p, deny]), Decision::Denied { .. });
        prop_assert!(denied);
    }
}
