//! Every rule: a fixture that triggers it and one that does not.
//!
//! `fixtures/validator/<CODE>/bad*.{json,yaml}` must report `<CODE>`, not merely as an info;
//! each `good*` must not report it; each `info*` (a value the rule cannot know) must report it as
//! an info only, and nothing as an error.
//! The `SEC`/`CRT` rules of `mskgate-auth` are exercised through `--secret` with the secret
//! fixtures of `fixtures/secrets/` (one implementation, shared with `secret inspect`).

use std::collections::BTreeSet;
use std::path::Path;

use mskgate_auth::{SecretString, Severity};
use mskgate_validator::diag::registry::codes;
use mskgate_validator::input::SourceFile;
use mskgate_validator::{Target, validate};

use crate::{options, repo, run};

fn codes_of(report: &mskgate_validator::Report) -> BTreeSet<&'static str> {
    report.diagnostics.iter().map(|d| d.rule.code).collect()
}

/// Rules reachable only through `mskgate secret inspect` options the validator does not take.
const NOT_REACHABLE: &[(&str, &str)] = &[
    (
        "SEC014",
        "the validator judges a secret as the kind its SourceAccessConfigurations type names",
    ),
    ("CRT010", "needs trust anchors (`secret inspect --trust`)"),
    (
        "CRT012",
        "no fixture with an unverifiable signature algorithm yet",
    ),
];

#[test]
fn every_rule_has_a_bad_and_a_good_fixture() {
    let dir = repo().join("fixtures/validator");
    let mut covered = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("fixtures/validator") {
        let entry = entry.expect("entry");
        if !entry.file_type().expect("type").is_dir() {
            continue;
        }
        let code = entry.file_name().to_string_lossy().into_owned();
        let mut files: Vec<_> = std::fs::read_dir(entry.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert!(
            files.iter().any(|f| f.starts_with("bad")),
            "{code} has no bad fixture"
        );
        assert!(
            files.iter().any(|f| f.starts_with("good")),
            "{code} has no good fixture"
        );
        for f in files {
            let rel = format!("fixtures/validator/{code}/{f}");
            let report = run(&[Path::new(&rel)], &options());
            let found = codes_of(&report);
            assert!(
                report.summary.mappings > 0
                    || !report.infra.clusters.is_empty()
                    || code == "ESM026",
                "{rel}: no mapping or cluster read"
            );
            if f.starts_with("bad") {
                assert!(
                    report.diagnostics.iter().any(|d| d.rule.code == code
                        && (d.severity != Severity::Info
                            || d.rule.default_severity == Severity::Info)),
                    "{rel} should report {code} (not merely as a cannot-evaluate info), reports {:#?}",
                    report.diagnostics
                );
            } else if f.starts_with("info") {
                let of_code: Vec<_> = report
                    .diagnostics
                    .iter()
                    .filter(|d| d.rule.code == code)
                    .collect();
                assert!(
                    !of_code.is_empty() && of_code.iter().all(|d| d.severity == Severity::Info),
                    "{rel} should report {code} as an info only: {:#?}",
                    report.diagnostics
                );
                assert!(
                    !report.has_errors(),
                    "{rel} shows an info but has errors: {:#?}",
                    report.diagnostics
                );
            } else {
                assert!(
                    !found.contains(code.as_str()),
                    "{rel} must not report {code}: {:#?}",
                    report.diagnostics
                );
                assert!(
                    !report.has_errors(),
                    "{rel} is a good fixture but has errors: {:#?}",
                    report.diagnostics
                );
            }
        }
        covered.insert(code);
    }
    for (code, _) in SECRET_PAIRS {
        covered.insert((*code).to_owned());
    }
    for (code, _) in NOT_REACHABLE {
        covered.insert((*code).to_owned());
    }
    let missing: Vec<_> = codes()
        .iter()
        .map(|c| c.rule.code)
        .filter(|c| !covered.contains(*c))
        .collect();
    assert!(missing.is_empty(), "rules without fixtures: {missing:?}");
}

/// (code, [type, bad secret, good secret]).
const SECRET_PAIRS: &[(&str, [&str; 3])] = &[
    (
        "SEC001",
        [
            "SASL_SCRAM_512_AUTH",
            "scram-missing-username.json",
            "scram.json",
        ],
    ),
    (
        "SEC002",
        [
            "CLIENT_CERTIFICATE_TLS_AUTH",
            "root-ca.json",
            "mtls-rsa-plain.json",
        ],
    ),
    (
        "SEC003",
        ["SERVER_ROOT_CA_CERTIFICATE", "scram.json", "root-ca.json"],
    ),
    (
        "SEC008",
        ["SASL_SCRAM_512_AUTH", "oversize.json", "scram.json"],
    ),
    (
        "SEC011",
        ["SASL_SCRAM_512_AUTH", "not-json.txt", "scram.json"],
    ),
    (
        "SEC012",
        [
            "SASL_SCRAM_512_AUTH",
            "scram-unknown-key.json",
            "scram.json",
        ],
    ),
    (
        "SEC013",
        [
            "SASL_SCRAM_512_AUTH",
            "../validator-secrets/scram-duplicate-key.json",
            "scram.json",
        ],
    ),
    (
        "CRT001",
        [
            "CLIENT_CERTIFICATE_TLS_AUTH",
            "mtls-rsa-flattened.json",
            "mtls-rsa-plain.json",
        ],
    ),
    (
        "CRT002",
        [
            "CLIENT_CERTIFICATE_TLS_AUTH",
            "mtls-rsa-wrong-order.json",
            "mtls-rsa-plain.json",
        ],
    ),
    (
        "CRT003",
        [
            "CLIENT_CERTIFICATE_TLS_AUTH",
            "mtls-rsa-expired.json",
            "mtls-rsa-plain.json",
        ],
    ),
    (
        "CRT004",
        [
            "CLIENT_CERTIFICATE_TLS_AUTH",
            "mtls-rsa-pkcs1.json",
            "mtls-rsa-plain.json",
        ],
    ),
    (
        "CRT005",
        [
            "CLIENT_CERTIFICATE_TLS_AUTH",
            "mtls-rsa-pbes2.json",
            "mtls-rsa-pkcs12-3des.json",
        ],
    ),
    (
        "CRT006",
        [
            "CLIENT_CERTIFICATE_TLS_AUTH",
            "mtls-rsa-wrong-password.json",
            "mtls-rsa-plain.json",
        ],
    ),
    (
        "CRT007",
        [
            "CLIENT_CERTIFICATE_TLS_AUTH",
            "mtls-rsa-key-mismatch.json",
            "mtls-rsa-plain.json",
        ],
    ),
    (
        "CRT008",
        [
            "CLIENT_CERTIFICATE_TLS_AUTH",
            "mtls-rsa-noclientauth.json",
            "mtls-rsa-plain.json",
        ],
    ),
    (
        "CRT009",
        [
            "CLIENT_CERTIFICATE_TLS_AUTH",
            "mtls-rsa-weak.json",
            "mtls-rsa-plain.json",
        ],
    ),
    (
        "CRT011",
        [
            "CLIENT_CERTIFICATE_TLS_AUTH",
            "mtls-rsa-leaf-only.json",
            "mtls-rsa-plain.json",
        ],
    ),
    (
        "CRT013",
        [
            "SERVER_ROOT_CA_CERTIFICATE",
            "root-ca-leaf.json",
            "root-ca.json",
        ],
    ),
    (
        "CRT014",
        [
            "CLIENT_CERTIFICATE_TLS_AUTH",
            "mtls-rsa-rc4.json",
            "mtls-rsa-plain.json",
        ],
    ),
];

fn with_secret(ty: &str, secret_file: &str, target: Target) -> mskgate_validator::Report {
    let esm = format!(
        r#"{{"FunctionName": "f", "Topics": ["orders"], "StartingPosition": "LATEST",
            "SelfManagedEventSource": {{"Endpoints": {{"KAFKA_BOOTSTRAP_SERVERS": ["b1.kafka.example.com:9096"]}}}},
            "MaximumRetryAttempts": 3, "DestinationConfig": {{"OnFailure": {{"Destination": "kafka://dlq"}}}},
            "SourceAccessConfigurations": [{{"Type": "{ty}",
              "URI": "arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_fixture-AbCdEf"}}]}}"#
    );
    let text =
        std::fs::read(repo().join("fixtures/secrets").join(secret_file)).expect("secret fixture");
    let mut opts = crate::options();
    opts.target = target;
    opts.secrets.push((
        "AmazonMSK_fixture".into(),
        SecretString::new(String::from_utf8_lossy(&text).into_owned()),
    ));
    validate(vec![SourceFile::new("esm.json", esm)], &opts)
}

#[test]
fn secret_rules_come_from_mskgate_auth_through_secret_material() {
    for (code, [ty, bad, good]) in SECRET_PAIRS {
        let b = with_secret(ty, bad, Target::Lambda);
        assert!(
            codes_of(&b).contains(code),
            "{code}: {bad} as {ty} reports {:?}",
            codes_of(&b)
        );
        let g = with_secret(ty, good, Target::Lambda);
        assert!(
            !codes_of(&g).contains(code),
            "{code}: {good} must not report it: {:#?}",
            g.diagnostics
        );
    }
}

#[test]
fn target_decides_rules_that_differ_between_lambda_and_the_runtime() {
    let sev = |t| {
        with_secret("CLIENT_CERTIFICATE_TLS_AUTH", "mtls-rsa-pbes2.json", t)
            .diagnostics
            .iter()
            .find(|d| d.rule.code == "CRT005")
            .map(|d| d.severity)
    };
    assert_eq!(sev(Target::Lambda), Some(mskgate_auth::Severity::Error));
    assert_eq!(sev(Target::Runtime), Some(mskgate_auth::Severity::Warning));
}
