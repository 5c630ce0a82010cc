//! Every secret fixture judged: usable, Lambda-compatible, and the codes found.

use mskgate_auth::{InspectOptions, SecretKind, Severity, inspect, x509};
use time::macros::datetime;

use crate::{NOW, read};

/// (file, kind, usable, lambda_compatible, codes that must be present)
const CASES: &[(&str, SecretKind, bool, bool, &[&str])] = &[
    ("mtls-rsa-plain.json", SecretKind::Mtls, true, true, &[]),
    (
        "mtls-rsa-pbes2.json",
        SecretKind::Mtls,
        true,
        false,
        &["CRT005"],
    ),
    (
        "mtls-rsa-pkcs12-3des.json",
        SecretKind::Mtls,
        true,
        true,
        &[],
    ),
    (
        "mtls-rsa-pbe-md5-des.json",
        SecretKind::Mtls,
        true,
        true,
        &[],
    ),
    (
        "mtls-rsa-leaf-root.json",
        SecretKind::Mtls,
        false,
        false,
        &["CRT002", "CRT011"],
    ),
    (
        "mtls-rsa-leaf-only.json",
        SecretKind::Mtls,
        false,
        false,
        &["CRT011"],
    ),
    (
        "mtls-rsa-wrong-order.json",
        SecretKind::Mtls,
        false,
        false,
        &["CRT002"],
    ),
    (
        "mtls-rsa-swapped.json",
        SecretKind::Mtls,
        false,
        false,
        &["CRT002"],
    ),
    (
        "mtls-rsa-expired.json",
        SecretKind::Mtls,
        false,
        false,
        &["CRT003"],
    ),
    (
        "mtls-rsa-not-yet-valid.json",
        SecretKind::Mtls,
        false,
        false,
        &["CRT003"],
    ),
    (
        "mtls-rsa-key-mismatch.json",
        SecretKind::Mtls,
        false,
        false,
        &["CRT007"],
    ),
    (
        "mtls-rsa-pkcs1.json",
        SecretKind::Mtls,
        true,
        false,
        &["CRT004"],
    ),
    (
        "mtls-rsa-traditional-encrypted.json",
        SecretKind::Mtls,
        false,
        false,
        &["CRT004"],
    ),
    (
        "mtls-rsa-flattened.json",
        SecretKind::Mtls,
        false,
        false,
        &["CRT001"],
    ),
    (
        "mtls-rsa-no-password.json",
        SecretKind::Mtls,
        false,
        false,
        &["CRT006"],
    ),
    (
        "mtls-rsa-pkcs12-no-password.json",
        SecretKind::Mtls,
        false,
        false,
        &["CRT006"],
    ),
    (
        "mtls-rsa-password-unneeded.json",
        SecretKind::Mtls,
        true,
        true,
        &["CRT006"],
    ),
    (
        "mtls-rsa-wrong-password.json",
        SecretKind::Mtls,
        false,
        false,
        &["CRT006"],
    ),
    (
        "mtls-rsa-weak.json",
        SecretKind::Mtls,
        false,
        false,
        &["CRT009"],
    ),
    (
        "mtls-rsa-noclientauth.json",
        SecretKind::Mtls,
        false,
        false,
        &["CRT008"],
    ),
    (
        "mtls-rsa-rc4.json",
        SecretKind::Mtls,
        false,
        false,
        &["CRT014"],
    ),
    ("mtls-ec-plain.json", SecretKind::Mtls, true, true, &[]),
    (
        "mtls-ec-sec1.json",
        SecretKind::Mtls,
        true,
        false,
        &["CRT004"],
    ),
    (
        "mtls-ec-pkcs12-3des.json",
        SecretKind::Mtls,
        true,
        true,
        &[],
    ),
    (
        "mtls-ec-key-mismatch.json",
        SecretKind::Mtls,
        false,
        false,
        &["CRT007"],
    ),
    ("mtls-p384-plain.json", SecretKind::Mtls, true, true, &[]),
    ("mtls-ed25519-plain.json", SecretKind::Mtls, true, true, &[]),
    (
        "mtls-ed25519-pbes2.json",
        SecretKind::Mtls,
        true,
        false,
        &["CRT005"],
    ),
    ("mtls-rogue.json", SecretKind::Mtls, true, true, &[]),
    (
        "mtls-unknown-key.json",
        SecretKind::Mtls,
        true,
        true,
        &["SEC012"],
    ),
    ("scram.json", SecretKind::Scram, true, true, &[]),
    (
        "scram-empty-password.json",
        SecretKind::Scram,
        false,
        false,
        &["SEC001"],
    ),
    (
        "scram-missing-username.json",
        SecretKind::Scram,
        false,
        false,
        &["SEC001"],
    ),
    (
        "scram-number-password.json",
        SecretKind::Scram,
        false,
        false,
        &["SEC001"],
    ),
    (
        "scram-unknown-key.json",
        SecretKind::Scram,
        true,
        true,
        &["SEC012"],
    ),
    ("root-ca.json", SecretKind::RootCa, true, true, &[]),
    ("root-ca-bundle.json", SecretKind::RootCa, true, true, &[]),
    (
        "root-ca-leaf.json",
        SecretKind::RootCa,
        false,
        false,
        &["CRT013"],
    ),
    (
        "not-json.txt",
        SecretKind::Unknown,
        false,
        false,
        &["SEC011"],
    ),
    ("array.json", SecretKind::Unknown, false, false, &["SEC011"]),
    (
        "oversize.json",
        SecretKind::Scram,
        false,
        false,
        &["SEC008"],
    ),
];

#[test]
fn judges_every_secret_fixture() {
    let opts = InspectOptions::at(NOW);
    let mut failures = Vec::new();
    for &(file, kind, usable, lambda, codes) in CASES {
        let v = inspect(&read(&format!("secrets/{file}")), &opts);
        let found: Vec<&str> = v.findings.iter().map(|f| f.code.code).collect();
        let ok = v.kind == kind
            && v.usable == usable
            && v.lambda_compatible == lambda
            && codes.iter().all(|c| found.contains(c))
            && v.credentials().is_some() == usable;
        if !ok {
            failures.push(format!(
                "{file}: kind {:?} usable {} lambda {} codes {found:?}\n  {:#?}",
                v.kind, v.usable, v.lambda_compatible, v.findings
            ));
        }
        // A clean fixture has no finding at all, not even a warning.
        if codes.is_empty() && !v.findings.is_empty() {
            failures.push(format!(
                "{file}: expected no findings, got {:#?}",
                v.findings
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_fixture_secret_is_covered() {
    let dir = crate::fixture("secrets");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("secrets dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut covered: Vec<String> = CASES.iter().map(|c| c.0.to_owned()).collect();
    covered.sort();
    assert_eq!(names, covered);
}

#[test]
fn reports_the_right_order_for_a_reversed_chain() {
    let v = inspect(
        &read("secrets/mtls-rsa-wrong-order.json"),
        &InspectOptions::at(NOW),
    );
    let order = v
        .findings
        .iter()
        .find(|f| f.code.code == "CRT002")
        .expect("CRT002");
    let client = order.message.find("client.rsa").expect("names the client");
    let inter = order
        .message
        .find("intermediate")
        .expect("names the intermediate");
    let root = order.message.rfind("root").expect("names the root");
    assert!(client < inter && inter < root, "{}", order.message);
}

#[test]
fn describes_the_chain_and_key() {
    let v = inspect(
        &read("secrets/mtls-rsa-pkcs12-3des.json"),
        &InspectOptions::at(NOW),
    );
    assert_eq!(v.certificates.len(), 3);
    assert!(
        v.certificates[0]
            .subject
            .contains("client.rsa.mskgate.test")
    );
    assert!(!v.certificates[0].is_ca && v.certificates[1].is_ca && v.certificates[2].is_ca);
    assert_eq!(v.certificates[0].not_after, "2045-01-01T00:00:00Z");
    assert_eq!(v.certificates[0].sha256.len(), 64);
    let key = v.key.as_ref().expect("key");
    assert_eq!(key.scheme, "pbeWithSHAAnd3-KeyTripleDES-CBC");
    assert_eq!(key.bits, Some(2048));
    assert!(key.matches_leaf);
    let json = serde_json::to_value(&v).expect("json");
    assert_eq!(json["key"]["encryption"], "pkcs12-pbe");
    assert_eq!(json["key"]["algorithm"], "rsa");
    assert_eq!(json["kind"], "mtls");
}

#[test]
fn judges_validity_at_the_given_instant() {
    let text = read("secrets/mtls-rsa-plain.json");
    let late = inspect(&text, &InspectOptions::at(datetime!(2046-01-01 0:00 UTC)));
    assert!(!late.usable);
    assert!(
        late.findings
            .iter()
            .any(|f| f.code.code == "CRT003" && f.message.contains("expired"))
    );
    let soon = inspect(&text, &InspectOptions::at(datetime!(2044-12-20 0:00 UTC)));
    assert!(soon.usable, "a warning only: {:#?}", soon.findings);
    let w = soon
        .findings
        .iter()
        .find(|f| f.code.code == "CRT003")
        .expect("expiry warning");
    assert_eq!(w.severity, Severity::Warning);
    assert!(w.message.contains("expires in 12 day"), "{}", w.message);
}

#[test]
fn checks_the_chain_ends_in_a_trusted_ca() {
    let text = read("secrets/mtls-rsa-plain.json");
    let trust_rsa = x509::certificates_from_pem(&read("pki/rsa/root.pem"), "trust").expect("root");
    let trust_rogue =
        x509::certificates_from_pem(&read("pki/rogue/root.pem"), "trust").expect("rogue");
    let ok = inspect(
        &text,
        &InspectOptions {
            trust: trust_rsa.clone(),
            ..InspectOptions::at(NOW)
        },
    );
    assert!(ok.usable, "{:#?}", ok.findings);
    let bad = inspect(
        &text,
        &InspectOptions {
            trust: trust_rogue,
            ..InspectOptions::at(NOW)
        },
    );
    assert!(!bad.usable);
    assert!(bad.findings.iter().any(|f| f.code.code == "CRT010"));
    // A chain without its root passes when its issuer is a trusted CA.
    let leaf_inter = format!(
        "{}{}",
        read("pki/rsa/client.pem"),
        read("pki/rsa/inter.pem")
    );
    let secret =
        serde_json::json!({"certificate": leaf_inter, "privateKey": read("keys/rsa-plain.pem")})
            .to_string();
    let v = inspect(
        &secret,
        &InspectOptions {
            trust: trust_rsa,
            ..InspectOptions::at(NOW)
        },
    );
    assert!(v.usable, "{:#?}", v.findings);
    assert!(!inspect(&secret, &InspectOptions::at(NOW)).usable);
}

#[test]
fn judges_as_the_kind_asked_for() {
    let text = read("secrets/scram.json");
    let basic = inspect(
        &text,
        &InspectOptions {
            kind: Some(SecretKind::Basic),
            ..InspectOptions::at(NOW)
        },
    );
    assert_eq!(basic.kind, SecretKind::Basic);
    assert!(basic.usable);
    let as_mtls = inspect(
        &text,
        &InspectOptions {
            kind: Some(SecretKind::Mtls),
            ..InspectOptions::at(NOW)
        },
    );
    assert!(!as_mtls.usable);
    assert!(as_mtls.findings.iter().any(|f| f.code.code == "SEC002"));
}

#[test]
fn every_finding_says_how_to_fix_it() {
    let opts = InspectOptions::at(NOW);
    for &(file, ..) in CASES {
        for f in inspect(&read(&format!("secrets/{file}")), &opts).findings {
            assert!(!f.message.is_empty() && f.help.len() > 10, "{file}: {f:?}");
        }
    }
}

#[test]
fn refuses_to_analyse_absurdly_long_chains() {
    let one = read("pki/rsa/inter.pem");
    let certs = x509::certificates_from_pem(&one.repeat(40), "chain").expect("certs");
    let findings = x509::check_client_chain(&certs, NOW, &[]);
    assert_eq!(findings.len(), 1);
    assert!(
        findings[0].message.contains("40 certificates"),
        "{}",
        findings[0].message
    );
}
