//! Chain checks: order, gaps, signatures, validity, CA constraints, key usage and strength.

use rustls_pki_types::{CertificateDer, UnixTime};
use time::OffsetDateTime;
use x509_parser::error::X509Error;
use x509_parser::oid_registry::{
    OID_PKCS1_MD5WITHRSAENC, OID_PKCS1_RSASSAPSS, OID_PKCS1_SHA1WITHRSA, OID_PKCS1_SHA256WITHRSA,
    OID_PKCS1_SHA384WITHRSA, OID_PKCS1_SHA512WITHRSA, OID_SHA1_WITH_RSA, OID_SIG_ECDSA_WITH_SHA256,
    OID_SIG_ECDSA_WITH_SHA384, OID_SIG_ED25519,
};
use x509_parser::prelude::X509Certificate;
use x509_parser::public_key::PublicKey;

use super::Certificate;
use crate::finding::{Finding, rules};

/// Chains longer than this are not analysed link by link (every pair is compared, so the work
/// grows with the square of the length); real client chains have two to four certificates.
pub(crate) const MAX_CHAIN: usize = 16;

/// Days before expiry from which a warning is given.
pub(crate) const EXPIRY_WARNING_DAYS: i64 = 30;

/// How a certificate relates to a candidate issuer.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Link {
    /// Names chain and the signature verifies.
    Verified,
    /// Names chain; the signature could not be checked (the reason names the algorithm).
    Unverifiable(String),
    /// Names chain but the signature does not verify.
    BadSignature,
    /// The issuer name is not the candidate's subject.
    Unrelated,
}

impl Link {
    fn holds(&self) -> bool {
        matches!(self, Self::Verified | Self::Unverifiable(_))
    }
}

fn link(child: &X509Certificate<'_>, parent: &X509Certificate<'_>) -> Link {
    if child.issuer().as_raw() != parent.subject().as_raw() {
        return Link::Unrelated;
    }
    if let Some(why) = unverifiable(child, parent) {
        return Link::Unverifiable(why);
    }
    match child.verify_signature(Some(parent.public_key())) {
        Ok(()) => Link::Verified,
        Err(X509Error::SignatureUnsupportedAlgorithm) => {
            Link::Unverifiable(signature_name(child).to_owned())
        }
        Err(_) => Link::BadSignature,
    }
}

/// Why mskgate's crypto provider cannot check `child`'s signature by `parent`, if it cannot.
fn unverifiable(child: &X509Certificate<'_>, parent: &X509Certificate<'_>) -> Option<String> {
    let alg = &child.signature_algorithm.algorithm;
    let known = [
        OID_PKCS1_SHA1WITHRSA,
        OID_SHA1_WITH_RSA,
        OID_PKCS1_SHA256WITHRSA,
        OID_PKCS1_SHA384WITHRSA,
        OID_PKCS1_SHA512WITHRSA,
        OID_PKCS1_RSASSAPSS,
        OID_SIG_ECDSA_WITH_SHA256,
        OID_SIG_ECDSA_WITH_SHA384,
        OID_SIG_ED25519,
    ];
    if !known.contains(alg) {
        return Some(format!("the signature algorithm {}", signature_name(child)));
    }
    if *alg == OID_SIG_ED25519 {
        return None;
    }
    match parent.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) if rsa.key_size() < 2048 => {
            Some(format!("an RSA-{} issuer key", rsa.key_size()))
        }
        Ok(PublicKey::EC(ec)) if ec.key_size() > 384 => {
            Some(format!("an EC P-{} issuer key", ec.key_size()))
        }
        Ok(PublicKey::Unknown(_)) | Err(_) => Some("the issuer's key algorithm".to_owned()),
        _ => None,
    }
}

fn signature_name(c: &X509Certificate<'_>) -> &'static str {
    let alg = &c.signature_algorithm.algorithm;
    let names = [
        (OID_PKCS1_MD5WITHRSAENC, "md5WithRSAEncryption"),
        (OID_PKCS1_SHA1WITHRSA, "sha1WithRSAEncryption"),
        (OID_SHA1_WITH_RSA, "sha1WithRSAEncryption"),
        (OID_PKCS1_SHA256WITHRSA, "sha256WithRSAEncryption"),
        (OID_PKCS1_SHA384WITHRSA, "sha384WithRSAEncryption"),
        (OID_PKCS1_SHA512WITHRSA, "sha512WithRSAEncryption"),
        (OID_PKCS1_RSASSAPSS, "RSASSA-PSS"),
        (OID_SIG_ECDSA_WITH_SHA256, "ecdsa-with-SHA256"),
        (OID_SIG_ECDSA_WITH_SHA384, "ecdsa-with-SHA384"),
        (OID_SIG_ED25519, "Ed25519"),
    ];
    match names.iter().find(|(oid, _)| oid == alg) {
        Some((_, name)) => name,
        None => match alg.to_id_string().as_str() {
            "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
            "1.3.101.113" => "Ed448",
            _ => "an unrecognised algorithm",
        },
    }
}

fn self_signed(c: &X509Certificate<'_>) -> bool {
    link(c, c).holds()
}

fn label(c: &Certificate) -> String {
    format!("'{}'", c.info().subject)
}

const ORDER_HELP: &str = "put the client certificate first, then each intermediate in order, and the root last, each PEM block on its own line";

/// Checks a client-certificate chain as given in an mTLS secret: the client certificate first,
/// then intermediates, then the root. `trust` holds extra CA certificates the brokers trust.
pub fn check_client_chain(
    chain: &[Certificate],
    now: OffsetDateTime,
    trust: &[Certificate],
) -> Vec<Finding> {
    check_and_order(chain, now, trust).0
}

/// [`check_client_chain`], plus the issuing path it found (indexes into `chain`, client first);
/// empty when the chain was not analysed.
pub(crate) fn check_and_order(
    chain: &[Certificate],
    now: OffsetDateTime,
    trust: &[Certificate],
) -> (Vec<Finding>, Vec<usize>) {
    let mut findings = Vec::new();
    if chain.is_empty() {
        return (findings, Vec::new());
    }
    if chain.len() > MAX_CHAIN {
        findings.push(Finding::error(
            &rules::CHAIN_ORDER,
            format!(
                "the chain has {} certificates; mskgate checks chains of at most {MAX_CHAIN}",
                chain.len()
            ),
            "keep only the client certificate, its intermediates and the root",
        ));
        return (findings, Vec::new());
    }
    let parsed: Vec<X509Certificate<'_>> = chain.iter().map(Certificate::parsed).collect();
    let n = chain.len();
    let links: Vec<Vec<Link>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    if i == j {
                        Link::Unrelated
                    } else {
                        link(&parsed[i], &parsed[j])
                    }
                })
                .collect()
        })
        .collect();

    // The path: from the client certificate (one that issues nothing else here), upwards.
    let issues_another = |j: usize| (0..n).any(|i| links[i][j].holds());
    let start = if issues_another(0) {
        (0..n).find(|&j| !issues_another(j)).unwrap_or(0)
    } else {
        0
    };
    let mut path = vec![start];
    while let Some(next) =
        (0..n).find(|&j| !path.contains(&j) && links[*path.last().unwrap_or(&0)][j].holds())
    {
        path.push(next);
    }

    let given: Vec<usize> = (0..n).collect();
    if path.len() == n && path != given {
        let expected: Vec<String> = path.iter().map(|&i| label(&chain[i])).collect();
        findings.push(Finding::error(
            &rules::CHAIN_ORDER,
            format!(
                "the certificate chain is in the wrong order; the right order is {}",
                expected.join(" → ")
            ),
            ORDER_HELP,
        ));
    }
    for j in (0..n).filter(|j| !path.contains(j)) {
        let parent_of_path_end = links[*path.last().unwrap_or(&0)][j] == Link::BadSignature;
        let msg = if parent_of_path_end {
            format!(
                "certificate {} ({}) has the issuer's name but its key did not sign {}",
                j + 1,
                label(&chain[j]),
                label(&chain[*path.last().unwrap_or(&0)])
            )
        } else {
            format!(
                "certificate {} ({}) is not part of the chain of the client certificate {}",
                j + 1,
                label(&chain[j]),
                label(&chain[start])
            )
        };
        findings.push(Finding::error(&rules::CHAIN_ORDER, msg, ORDER_HELP));
    }
    for pair in path.windows(2) {
        if let Link::Unverifiable(why) = &links[pair[0]][pair[1]] {
            findings.push(Finding::warning(
                &rules::SIGNATURE_UNVERIFIABLE,
                format!(
                    "the signature on {} by {} uses {why}, which mskgate cannot verify; that link was not checked",
                    label(&chain[pair[0]]),
                    label(&chain[pair[1]])
                ),
                "use RSA (2048 bits or more) with SHA-256/384/512, ECDSA P-256/P-384 with SHA-256/384, or Ed25519",
            ));
        }
    }

    // Where the path ends: a self-signed root, or a certificate whose issuer must be supplied.
    let top = *path.last().unwrap_or(&0);
    let top_cert = &parsed[top];
    let top_is_root = self_signed(top_cert);
    let trusted_issuer = trust.iter().any(|t| {
        let t = t.parsed();
        link(top_cert, &t).holds() || (top_is_root && t.as_raw() == top_cert.as_raw())
    });
    if !top_is_root && !trusted_issuer {
        findings.push(Finding::error(
            &rules::CHAIN_MISSING_ISSUER,
            format!(
                "{} is issued by '{}', which is not in the chain (a missing intermediate or root)",
                label(&chain[top]),
                top_cert.issuer()
            ),
            "append the issuing certificate(s) to `certificate`, up to and including the root: client, intermediates, root",
        ));
    }
    if !trust.is_empty() && !trusted_issuer {
        findings.push(Finding::error(
            &rules::MTLS_CA_NOT_TRUSTED,
            format!(
                "the chain ends in {}, which is not one of the {} trusted CA certificate(s) given",
                label(&chain[top]),
                trust.len()
            ),
            "issue the client certificate from a CA the brokers trust (for MSK: a CA in the cluster's CertificateAuthorityArnList)",
        ));
    }

    for (pos, &i) in path.iter().enumerate() {
        check_validity(&chain[i], &parsed[i], now, &mut findings);
        check_strength(
            &chain[i],
            &parsed[i],
            top_is_root && i == top,
            &mut findings,
        );
        if pos == 0 {
            check_client_usage(&chain[i], &parsed[i], &mut findings);
        } else {
            check_issuer(&chain[i], &parsed[i], pos - 1, &mut findings);
        }
    }

    let has_error = findings
        .iter()
        .any(|f| f.severity == crate::finding::Severity::Error);
    let has_unverifiable = findings
        .iter()
        .any(|f| f.code == &rules::SIGNATURE_UNVERIFIABLE);
    if !has_error
        && !has_unverifiable
        && let Some(why) = webpki_rejects(chain, &path, top_is_root, trust, now)
    {
        {
            findings.push(Finding::error(
                &rules::CHAIN_ORDER,
                format!("path validation (rustls-webpki) rejects the chain: {why}"),
                ORDER_HELP,
            ));
        }
    }
    (findings, path)
}

fn webpki_rejects(
    chain: &[Certificate],
    path: &[usize],
    top_is_root: bool,
    trust: &[Certificate],
    now: OffsetDateTime,
) -> Option<String> {
    let leaf = CertificateDer::from(chain[path[0]].der());
    let end_entity = match webpki::EndEntityCert::try_from(&leaf) {
        Ok(e) => e,
        Err(e) => return Some(e.to_string()),
    };
    let anchor_ders: Vec<CertificateDer<'_>> = if trust.is_empty() && top_is_root {
        vec![CertificateDer::from(chain[*path.last()?].der())]
    } else {
        trust
            .iter()
            .map(|t| CertificateDer::from(t.der()))
            .collect()
    };
    let mut anchors = Vec::new();
    for d in &anchor_ders {
        match webpki::anchor_from_trusted_cert(d) {
            Ok(a) => anchors.push(a),
            Err(e) => return Some(format!("the root cannot be a trust anchor: {e}")),
        }
    }
    let intermediates: Vec<CertificateDer<'_>> = path[1..]
        .iter()
        .map(|&i| CertificateDer::from(chain[i].der()))
        .collect();
    let secs = u64::try_from(now.unix_timestamp()).unwrap_or(0);
    let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs));
    end_entity
        .verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &anchors,
            &intermediates,
            time,
            webpki::KeyUsage::client_auth(),
            None,
            None,
        )
        .err()
        .map(|e| e.to_string())
}

fn check_validity(
    c: &Certificate,
    p: &X509Certificate<'_>,
    now: OffsetDateTime,
    out: &mut Vec<Finding>,
) {
    let v = p.validity();
    let (nb, na) = (v.not_before.to_datetime(), v.not_after.to_datetime());
    let renew = "issue a new certificate and update the secret";
    if now < nb {
        out.push(Finding::error(
            &rules::CERT_EXPIRY,
            format!("{} is not valid yet: valid from {} (now {})", label(c), c.info().not_before, super::rfc3339(now)),
            "check the clock of the machine that issued it, or wait until the certificate becomes valid",
        ));
    } else if now > na {
        out.push(Finding::error(
            &rules::CERT_EXPIRY,
            format!(
                "{} expired on {} (now {})",
                label(c),
                c.info().not_after,
                super::rfc3339(now)
            ),
            renew,
        ));
    } else {
        let days = (na - now).whole_days();
        if days < EXPIRY_WARNING_DAYS {
            out.push(Finding::warning(
                &rules::CERT_EXPIRY,
                format!(
                    "{} expires in {days} day(s), on {}",
                    label(c),
                    c.info().not_after
                ),
                renew,
            ));
        }
    }
}

fn check_strength(c: &Certificate, p: &X509Certificate<'_>, is_root: bool, out: &mut Vec<Finding>) {
    if let Ok(PublicKey::RSA(rsa)) = p.public_key().parsed()
        && rsa.key_size() < 2048
    {
        {
            out.push(Finding::error(
                &rules::WEAK_CRYPTO,
                format!("{} has an RSA-{} key; at least 2048 bits are required", label(c), rsa.key_size()),
                "issue a new certificate for an RSA-2048 (or larger) or EC P-256 key: `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`",
            ));
        }
    }
    if is_root {
        // A root's self-signature is never checked by TLS peers.
        return;
    }
    let alg = &p.signature_algorithm.algorithm;
    if *alg == OID_PKCS1_MD5WITHRSAENC {
        out.push(Finding::error(
            &rules::WEAK_CRYPTO,
            format!("{} is signed with MD5, which TLS peers reject", label(c)),
            "re-issue the certificate with SHA-256 (`openssl x509 -req -sha256 ...`)",
        ));
    } else if *alg == OID_PKCS1_SHA1WITHRSA || *alg == OID_SHA1_WITH_RSA {
        out.push(Finding::warning(
            &rules::WEAK_CRYPTO,
            format!(
                "{} is signed with SHA-1, which many TLS peers reject",
                label(c)
            ),
            "re-issue the certificate with SHA-256 (`openssl x509 -req -sha256 ...`)",
        ));
    }
}

fn check_client_usage(c: &Certificate, p: &X509Certificate<'_>, out: &mut Vec<Finding>) {
    if let Ok(Some(eku)) = p.extended_key_usage() {
        let e = eku.value;
        if !e.client_auth && !e.any {
            out.push(Finding::error(
                &rules::CLIENT_CERT_USAGE,
                format!("the client certificate {} does not allow TLS client authentication (its extended key usage lacks clientAuth)", label(c)),
                "issue it with `extendedKeyUsage = clientAuth` (openssl: `-addext extendedKeyUsage=clientAuth`)",
            ));
        }
    }
    if let Ok(Some(ku)) = p.key_usage()
        && !ku.value.digital_signature()
    {
        {
            out.push(Finding::error(
                &rules::CLIENT_CERT_USAGE,
                format!("the client certificate {} does not allow digital signatures (key usage lacks digitalSignature), which TLS client authentication needs", label(c)),
                "issue it with `keyUsage = digitalSignature` (plus keyEncipherment for RSA)",
            ));
        }
    }
}

fn check_issuer(c: &Certificate, p: &X509Certificate<'_>, below: usize, out: &mut Vec<Finding>) {
    let help = "a certificate that signs others needs basicConstraints CA:TRUE and keyUsage keyCertSign; re-issue it as a CA";
    match p.basic_constraints() {
        Ok(Some(bc)) if bc.value.ca => {
            if let Some(limit) = bc.value.path_len_constraint
                && below > limit as usize
            {
                {
                    out.push(Finding::error(
                        &rules::ISSUER_NOT_CA,
                        format!("{} allows {limit} intermediate(s) below it (pathLen) but {below} follow", label(c)),
                        "shorten the chain or re-issue the CA with a larger pathLen",
                    ));
                }
            }
        }
        _ => out.push(Finding::error(
            &rules::ISSUER_NOT_CA,
            format!(
                "{} issues a certificate but is not a CA (basicConstraints CA:TRUE missing)",
                label(c)
            ),
            help,
        )),
    }
    if let Ok(Some(ku)) = p.key_usage()
        && !ku.value.key_cert_sign()
    {
        {
            out.push(Finding::error(
                &rules::ISSUER_NOT_CA,
                format!(
                    "{} issues a certificate but its key usage lacks keyCertSign",
                    label(c)
                ),
                help,
            ));
        }
    }
}

/// Checks the certificates of a `SERVER_ROOT_CA_CERTIFICATE` secret (or a `--ca` file): each must
/// be a CA certificate valid at `now`.
pub fn check_ca_bundle(certs: &[Certificate], now: OffsetDateTime) -> Vec<Finding> {
    let mut findings = Vec::new();
    for c in certs {
        let p = c.parsed();
        check_validity(c, &p, now, &mut findings);
        if !p.is_ca() {
            findings.push(Finding::error(
                &rules::ISSUER_NOT_CA,
                format!("{} is not a CA certificate (basicConstraints CA:TRUE missing)", label(c)),
                "put the CA certificate that signed the brokers' certificates here, not a server or client certificate",
            ));
        }
        check_strength(c, &p, self_signed(&p), &mut findings);
    }
    findings
}
