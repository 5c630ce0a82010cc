//! Any bytes as an IAM policy document (or `get-role-policy` / `get-policy-version` output) and
//! any action/resource: reading and evaluating never panic, an explicit `Deny *` always wins and
//! `Allow *` always allows when nothing denies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mskgate_validator::iam::{Decision, Origin, Policy, PolicySet, Sym, evaluate};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\u{1f}');
    let doc = parts.next().unwrap_or_default();
    let action = parts.next().unwrap_or("kafka-cluster:ReadData");
    let resource = Sym::parse(
        parts
            .next()
            .unwrap_or("arn:aws:kafka:us-east-1:1:topic/c/u/t"),
    );
    let Ok(p) = Policy::from_json_text("fuzz", Origin::default(), doc, false) else {
        return;
    };
    let star = Policy::from_json_text(
        "star",
        Origin::default(),
        r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#,
        false,
    )
    .expect("valid");
    let deny = Policy::from_json_text(
        "deny",
        Origin::default(),
        r#"{"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}"#,
        false,
    )
    .expect("valid");
    let set = |ps: &[Policy]| {
        evaluate(
            PolicySet {
                identity: ps,
                boundary: None,
                missing: &[],
            },
            action,
            &resource,
        )
    };
    let _ = set(std::slice::from_ref(&p));
    assert!(matches!(
        set(&[p.clone(), deny.clone()]),
        Decision::Denied { .. }
    ));
    assert!(!matches!(
        set(&[star.clone(), p.clone()]),
        Decision::NotAllowed
    ));
    let boundary = [p];
    let _ = evaluate(
        PolicySet {
            identity: &[star],
            boundary: Some(&boundary),
            missing: &[],
        },
        action,
        &resource,
    );
});
