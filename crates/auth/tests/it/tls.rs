//! TLS material from usable secrets.

use mskgate_auth::tls::{client_config, root_store};
use mskgate_auth::{Credentials, InspectOptions, inspect, x509};

use crate::{NOW, read};

fn identity(file: &str) -> mskgate_auth::tls::ClientIdentity {
    match inspect(&read(&format!("secrets/{file}")), &InspectOptions::at(NOW)).into_credentials() {
        Some(Credentials::ClientCertificate(id)) => id,
        other => panic!("{file}: expected a client certificate, got {other:?}"),
    }
}

#[test]
fn builds_a_rustls_client_config_for_every_key_type() {
    let roots =
        root_store(&x509::certificates_from_pem(&read("pki/rsa/root.pem"), "ca").expect("ca"))
            .expect("roots");
    for file in [
        "mtls-rsa-pkcs12-3des.json",
        "mtls-ec-plain.json",
        "mtls-ed25519-pbes2.json",
        "mtls-rsa-pkcs1.json",
        "mtls-ec-sec1.json",
    ] {
        let id = identity(file);
        let cfg = client_config(roots.clone(), Some(&id)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(cfg.client_auth_cert_resolver.has_certs(), "{file}");
    }
}

#[test]
fn orders_the_chain_client_first_for_librdkafka() {
    let id = identity("mtls-rsa-pbe-md5-des.json");
    let pem = id.librdkafka_pem();
    let certs = x509::certificates_from_pem(&pem.certificate_pem, "pem").expect("certs");
    assert_eq!(certs.len(), 3);
    assert!(certs[0].info().subject.contains("client.rsa"));
    assert!(
        pem.key_pem
            .expose_secret()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    assert!(!pem.key_pem.expose_secret().contains("ENCRYPTED"));
}
