//! IAM: the policy `policy generate` prints, fed back as `--policy`, leaves no IAM error; an
//! empty policy leaves plenty; the evaluator never panics and an explicit deny always wins.

use std::path::Path;

use mskgate_auth::Severity;
use mskgate_validator::iam::{Decision, Origin, Policy, PolicySet, Sym, evaluate, generate};
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
