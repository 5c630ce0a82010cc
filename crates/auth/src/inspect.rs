//! One verdict on a secret: what it is, whether mskgate and AWS Lambda can use it, and why not.

use serde::Serialize;
use time::OffsetDateTime;

use crate::error::KeyError;
use crate::finding::{Finding, Severity, rules};
use crate::pem_text::{self, Block};
use crate::pkcs8::{self, KeyAlgorithm, KeyEncryption, KeyFormat, PrivateKey};
use crate::secret::{Field, MAX_SECRET_BYTES, SecretDocument, SecretKind};
use crate::sensitive::SecretString;
use crate::tls::{self, ClientIdentity};
use crate::x509::{self, CertInfo, Certificate};

/// What an inspection needs besides the secret.
#[derive(Clone, Debug)]
pub struct InspectOptions {
    /// The instant validity is judged at.
    pub now: OffsetDateTime,
    /// Extra trust anchors: the chain must end in one of them (when non-empty).
    pub trust: Vec<Certificate>,
    /// The kind to judge the secret as; guessed from its keys when `None`.
    pub kind: Option<SecretKind>,
}

impl InspectOptions {
    /// Options for judging at `now`, kind guessed, no extra trust anchors.
    pub fn at(now: OffsetDateTime) -> Self {
        Self {
            now,
            trust: Vec::new(),
            kind: None,
        }
    }
}

/// The key, as reports show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyReport {
    /// Key algorithm.
    pub algorithm: KeyAlgorithm,
    /// Key size in bits (RSA modulus, EC curve); `null` for Ed25519.
    pub bits: Option<u32>,
    /// Encryption family.
    pub encryption: KeyEncryption,
    /// Encryption scheme name, `none` when unencrypted.
    pub scheme: String,
    /// Whether the key belongs to the client certificate.
    pub matches_leaf: bool,
}

/// Usable credentials out of a secret.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Credentials {
    /// SASL user name and password (SCRAM or PLAIN).
    UserPassword {
        /// The user name.
        username: String,
        /// The password.
        password: SecretString,
    },
    /// A client certificate and key.
    ClientCertificate(ClientIdentity),
    /// CA certificates to verify the brokers with.
    RootCa(Vec<Certificate>),
}

/// The verdict on one secret.
#[derive(Clone, Debug, Serialize)]
pub struct Inspection {
    /// What the secret is.
    pub kind: SecretKind,
    /// The mskgate runtime can use it as given: no error-level finding.
    pub usable: bool,
    /// AWS Lambda would accept it too.
    pub lambda_compatible: bool,
    /// The certificates, in the order given.
    pub certificates: Vec<CertInfo>,
    /// The private key, when one could be decoded.
    pub key: Option<KeyReport>,
    /// Everything found, errors first.
    pub findings: Vec<Finding>,
    #[serde(skip)]
    credentials: Option<Credentials>,
}

impl Inspection {
    /// The credentials, when the secret is usable.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    /// Consumes the inspection, yielding the credentials when the secret is usable.
    pub fn into_credentials(self) -> Option<Credentials> {
        self.credentials
    }
}

/// Judges a Secrets Manager `SecretString`.
pub fn inspect(text: &str, opts: &InspectOptions) -> Inspection {
    let mut findings = Vec::new();
    if text.len() > MAX_SECRET_BYTES {
        findings.push(Finding::error(
            &rules::SECRET_TOO_LARGE,
            format!("the secret is {} bytes; Secrets Manager stores at most {MAX_SECRET_BYTES}", text.len()),
            "drop what the consumer does not need (e.g. keep only the chain up to the root, without extra bundles)",
        ));
    }
    let doc = match SecretDocument::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            findings.push(Finding::error(
                &rules::SECRET_NOT_JSON,
                format!("the secret string is not a JSON object: {}", e.0),
                "store the secret as JSON, e.g. {\"username\": \"…\", \"password\": \"…\"} or {\"certificate\": \"…\", \"privateKey\": \"…\"}",
            ));
            return finish(
                opts.kind.unwrap_or(SecretKind::Unknown),
                findings,
                Vec::new(),
                None,
                None,
            );
        }
    };
    for dup in doc.duplicates() {
        findings.push(Finding::warning(
            &rules::SECRET_DUPLICATE_KEY,
            format!("the key `{dup}` appears more than once; only its last value counts"),
            "keep one entry per key",
        ));
    }
    let kind = opts.kind.unwrap_or_else(|| doc.guess_kind());
    let allowed = kind.keys();
    if kind != SecretKind::Unknown {
        for key in doc.keys().filter(|k| !allowed.contains(k)) {
            findings.push(Finding::warning(
                &rules::SECRET_UNKNOWN_KEY,
                format!(
                    "the key `{key}` is not used by a {} secret and is ignored",
                    kind.as_str()
                ),
                format!(
                    "remove it; a {} secret uses {}",
                    kind.as_str(),
                    join_keys(allowed)
                ),
            ));
        }
    }
    match kind {
        SecretKind::Scram | SecretKind::Basic => {
            let credentials = user_password(&doc, &mut findings);
            finish(kind, findings, Vec::new(), None, credentials)
        }
        SecretKind::Mtls => mtls(&doc, opts, findings),
        SecretKind::RootCa => root_ca(&doc, opts, findings),
        SecretKind::Unknown => {
            let keys: Vec<&str> = doc.keys().collect();
            findings.push(Finding::error(
                &rules::SECRET_KIND_UNKNOWN,
                if keys.is_empty() {
                    "the secret is an empty JSON object".to_owned()
                } else {
                    format!("the secret's keys ({}) match no secret type", join_keys(&keys))
                },
                "SCRAM/BASIC secrets use `username` and `password`; client-certificate secrets `certificate`, `privateKey` and optionally `privateKeyPassword`; root CA secrets `certificate`",
            ));
            finish(kind, findings, Vec::new(), None, None)
        }
    }
}

fn join_keys(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn finish(
    kind: SecretKind,
    mut findings: Vec<Finding>,
    certificates: Vec<CertInfo>,
    key: Option<KeyReport>,
    credentials: Option<Credentials>,
) -> Inspection {
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let usable = !findings.iter().any(|f| f.severity == Severity::Error);
    let lambda_compatible = usable && !findings.iter().any(|f| f.blocks_lambda);
    Inspection {
        kind,
        usable,
        lambda_compatible,
        certificates,
        key,
        findings,
        credentials: if usable { credentials } else { None },
    }
}

/// A required string field; reports absence, wrong type and emptiness under `rule`.
fn required<'d>(
    doc: &'d SecretDocument,
    key: &str,
    rule: &'static crate::finding::Rule,
    findings: &mut Vec<Finding>,
) -> Option<&'d SecretString> {
    let help = format!("set `{key}` to a non-empty JSON string");
    match doc.get(key) {
        None => findings.push(Finding::error(
            rule,
            format!("the key `{key}` is missing"),
            help,
        )),
        Some(Field::Other(t)) => findings.push(Finding::error(
            rule,
            format!("`{key}` is a JSON {t}, not a string"),
            help,
        )),
        Some(Field::Text(s)) if s.is_empty() => {
            findings.push(Finding::error(rule, format!("`{key}` is empty"), help));
        }
        Some(Field::Text(s)) => return Some(s),
    }
    None
}

fn user_password(doc: &SecretDocument, findings: &mut Vec<Finding>) -> Option<Credentials> {
    let username = required(doc, "username", &rules::SCRAM_SECRET_SHAPE, findings);
    let password = required(doc, "password", &rules::SCRAM_SECRET_SHAPE, findings);
    Some(Credentials::UserPassword {
        username: username?.expose_secret().to_owned(),
        password: password?.clone(),
    })
}

const PEM_HELP: &str = "keep the PEM newlines: in JSON they are written \\n; build the secret with e.g. `jq -n --rawfile c chain.pem --rawfile k key.pem '{certificate: $c, privateKey: $k}'`";

/// Reads a PEM field, reporting layout mistakes and unreadable text under CRT001.
fn pem_field(key: &str, text: &SecretString, findings: &mut Vec<Finding>) -> Option<Vec<Block>> {
    match pem_text::parse(text.expose_secret()) {
        Ok(parsed) => {
            for layout in parsed.layout {
                findings.push(Finding::error(
                    &rules::PEM_MALFORMED,
                    format!(
                        "the PEM in `{key}` is damaged: {} (mskgate repaired it to check the rest)",
                        layout.describe()
                    ),
                    PEM_HELP,
                ));
            }
            Some(parsed.blocks)
        }
        Err(pem_text::Unreadable::NoBlocks) => {
            findings.push(Finding::error(
                &rules::PEM_MALFORMED,
                format!("`{key}` holds no PEM block (no `-----BEGIN` line)"),
                PEM_HELP,
            ));
            None
        }
        Err(pem_text::Unreadable::Broken(why)) => {
            findings.push(Finding::error(
                &rules::PEM_MALFORMED,
                format!("the PEM in `{key}` is malformed: {why}"),
                PEM_HELP,
            ));
            None
        }
    }
}

fn certificates(key: &str, blocks: &[Block], findings: &mut Vec<Finding>) -> Vec<Certificate> {
    let mut out = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        if block.label != "CERTIFICATE" {
            let what = if block.label.contains("PRIVATE KEY") {
                "a private key"
            } else {
                "not a certificate"
            };
            findings.push(Finding::error(
                &rules::PEM_MALFORMED,
                format!(
                    "PEM block {} in `{key}` is `{}` ({what})",
                    i + 1,
                    block.label
                ),
                format!("`{key}` holds only `-----BEGIN CERTIFICATE-----` blocks"),
            ));
            continue;
        }
        match Certificate::from_der(block.der.to_vec()) {
            Some(c) => out.push(c),
            None => findings.push(Finding::error(
                &rules::PEM_MALFORMED,
                format!("certificate {} in `{key}` is not valid X.509 DER", i + 1),
                "export the certificate again in PEM format (`openssl x509 -in cert -outform PEM`)",
            )),
        }
    }
    out
}

fn mtls(doc: &SecretDocument, opts: &InspectOptions, mut findings: Vec<Finding>) -> Inspection {
    let shape = &rules::MTLS_SECRET_SHAPE;
    let cert_text = required(doc, "certificate", shape, &mut findings);
    let key_text = required(doc, "privateKey", shape, &mut findings);
    let password = match doc.get("privateKeyPassword") {
        Some(Field::Other(t)) => {
            findings.push(Finding::error(
                shape,
                format!("`privateKeyPassword` is a JSON {t}, not a string"),
                "write the password as a JSON string",
            ));
            None
        }
        Some(Field::Text(s)) if !s.is_empty() => Some(s),
        _ => None,
    };

    let chain = cert_text
        .and_then(|t| pem_field("certificate", t, &mut findings))
        .map(|blocks| certificates("certificate", &blocks, &mut findings))
        .unwrap_or_default();
    if cert_text.is_some()
        && chain.is_empty()
        && !findings.iter().any(|f| f.severity == Severity::Error)
    {
        findings.push(Finding::error(
            shape,
            "`certificate` holds no certificate",
            PEM_HELP,
        ));
    }
    let (chain_findings, path) = x509::check_and_order(&chain, opts.now, &opts.trust);
    findings.extend(chain_findings);
    let ordered = in_issuing_order(&chain, &path);

    let key = key_text
        .and_then(|t| pem_field("privateKey", t, &mut findings))
        .and_then(|blocks| decode_key(&blocks, password, &mut findings));

    let mut key_report = None;
    let mut credentials = None;
    if let Some(key) = key {
        let info = key.info().clone();
        let matches = ordered
            .first()
            .map(|leaf| tls::key_matches_certificate(&key, leaf));
        let matches_leaf = match matches {
            Some(Some(m)) => m,
            Some(None) => {
                findings.push(Finding::error(
                    &rules::KEY_UNSUPPORTED,
                    "the private key cannot be loaded for TLS signing".to_owned(),
                    "use an RSA key of 2048 bits or more, an EC P-256/P-384 key or an Ed25519 key",
                ));
                false
            }
            None => false,
        };
        if matches == Some(Some(false)) {
            findings.push(Finding::error(
                &rules::KEY_CERT_MISMATCH,
                format!(
                    "the private key does not belong to the client certificate '{}'",
                    ordered.first().map(|c| c.info().subject.as_str()).unwrap_or("")
                ),
                "pair the certificate with the key it was issued for; compare `openssl x509 -noout -pubkey -in cert.pem` with `openssl pkey -pubout -in key.pem`",
            ));
        }
        key_report = Some(KeyReport {
            algorithm: info.algorithm,
            bits: info.bits,
            encryption: info.encryption,
            scheme: info.scheme,
            matches_leaf,
        });
        if !ordered.is_empty() {
            credentials = Some(Credentials::ClientCertificate(ClientIdentity::new(
                ordered, key,
            )));
        }
    }
    let infos = chain.iter().map(|c| c.info().clone()).collect();
    finish(SecretKind::Mtls, findings, infos, key_report, credentials)
}

/// The chain along the issuing path the chain check found (client first), then any certificate
/// off that path in the order given.
fn in_issuing_order(chain: &[Certificate], path: &[usize]) -> Vec<Certificate> {
    path.iter()
        .copied()
        .chain((0..chain.len()).filter(|i| !path.contains(i)))
        .map(|i| chain[i].clone())
        .collect()
}

const CONVERT_TO_PBES1: &str =
    "openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES -in key.pem -out key-pkcs8.pem";

fn decode_key(
    blocks: &[Block],
    password: Option<&SecretString>,
    findings: &mut Vec<Finding>,
) -> Option<PrivateKey> {
    let keys: Vec<&Block> = blocks
        .iter()
        .filter(|b| b.label.contains("PRIVATE KEY"))
        .collect();
    let block = match keys.as_slice() {
        [one] => *one,
        [] => {
            let labels: Vec<&str> = blocks.iter().map(|b| b.label.as_str()).collect();
            findings.push(Finding::error(
                &rules::PEM_MALFORMED,
                format!("`privateKey` holds no private key (blocks found: {})", labels.join(", ")),
                "put the PKCS#8 private key (`-----BEGIN PRIVATE KEY-----` or `-----BEGIN ENCRYPTED PRIVATE KEY-----`) in `privateKey`",
            ));
            return None;
        }
        more => {
            findings.push(Finding::error(
                &rules::PEM_MALFORMED,
                format!(
                    "`privateKey` holds {} private keys; it takes exactly one",
                    more.len()
                ),
                "keep only the key of the client certificate",
            ));
            return None;
        }
    };
    match pkcs8::decode_block(block, password) {
        Ok(key) => {
            judge_key(&key, password.is_some(), findings);
            Some(key)
        }
        Err(e) => {
            findings.push(key_error_finding(&e));
            None
        }
    }
}

fn judge_key(key: &PrivateKey, password_given: bool, findings: &mut Vec<Finding>) {
    let info = key.info();
    match info.format {
        KeyFormat::Pkcs8 => {}
        KeyFormat::Pkcs1 | KeyFormat::Sec1 => {
            let (label, what) = if info.format == KeyFormat::Pkcs1 {
                ("RSA PRIVATE KEY", "PKCS#1")
            } else {
                ("EC PRIVATE KEY", "SEC1")
            };
            findings.push(
                Finding::warning(
                    &rules::KEY_NOT_PKCS8,
                    format!("the private key is a {what} `{label}`, not PKCS#8; mskgate converts it, AWS Lambda does not"),
                    format!("convert it to PKCS#8: `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem` (or, encrypted for Lambda, `{CONVERT_TO_PBES1}`)"),
                )
                .blocking_lambda(),
            );
        }
    }
    if info.encryption == KeyEncryption::Pbes2 {
        findings.push(
            Finding::warning(
                &rules::KEY_PBES2,
                format!("the private key is encrypted with {}; mskgate decrypts it, but AWS Lambda accepts only PBES1-family schemes", info.scheme),
                format!("re-encrypt it with a PBES1-family scheme: `{CONVERT_TO_PBES1}`"),
            )
            .blocking_lambda(),
        );
    }
    if info.encryption == KeyEncryption::None && password_given {
        findings.push(Finding::warning(
            &rules::KEY_PASSWORD_MISMATCH,
            "`privateKeyPassword` is set but the private key is not encrypted; the password is ignored",
            "remove `privateKeyPassword`, or encrypt the key with it",
        ));
    }
}

fn key_error_finding(e: &KeyError) -> Finding {
    match e {
        KeyError::TraditionalEncrypted { label, cipher } => Finding::error(
            &rules::KEY_NOT_PKCS8,
            format!(
                "the private key is OpenSSL's traditional encrypted `{label}` ({cipher}), which neither mskgate nor AWS Lambda reads"
            ),
            format!(
                "convert it to encrypted PKCS#8: `{CONVERT_TO_PBES1}` (openssl asks for the old and the new password)"
            ),
        ),
        KeyError::PasswordRequired { scheme } => Finding::error(
            &rules::KEY_PASSWORD_MISMATCH,
            format!(
                "the private key is encrypted ({scheme}) but the secret has no `privateKeyPassword`"
            ),
            "add `privateKeyPassword` with the key's password",
        ),
        KeyError::WrongPassword { scheme } => Finding::error(
            &rules::KEY_PASSWORD_MISMATCH,
            format!("`privateKeyPassword` does not decrypt the private key ({scheme})"),
            "set `privateKeyPassword` to the password the key was encrypted with; check it with `openssl pkey -in key.pem -noout`",
        ),
        KeyError::UnsupportedScheme(_) | KeyError::ExcessiveCost { .. } => Finding::error(
            &rules::KEY_UNSUPPORTED,
            format!("{e}"),
            format!("re-encrypt the key with a supported scheme: `{CONVERT_TO_PBES1}`"),
        ),
        KeyError::UnsupportedAlgorithm(_) => Finding::error(
            &rules::KEY_UNSUPPORTED,
            format!("{e}"),
            "use an RSA (2048 bits or more), EC P-256/P-384 or Ed25519 key",
        ),
        _ => Finding::error(
            &rules::PEM_MALFORMED,
            format!("{e}"),
            "export the key again as PKCS#8 PEM: `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem`",
        ),
    }
}

fn root_ca(doc: &SecretDocument, opts: &InspectOptions, mut findings: Vec<Finding>) -> Inspection {
    let text = required(
        doc,
        "certificate",
        &rules::ROOT_CA_SECRET_SHAPE,
        &mut findings,
    );
    let certs = text
        .and_then(|t| pem_field("certificate", t, &mut findings))
        .map(|blocks| certificates("certificate", &blocks, &mut findings))
        .unwrap_or_default();
    if text.is_some() && certs.is_empty() && !findings.iter().any(|f| f.severity == Severity::Error)
    {
        findings.push(Finding::error(
            &rules::ROOT_CA_SECRET_SHAPE,
            "`certificate` holds no certificate",
            PEM_HELP,
        ));
    }
    findings.extend(x509::check_ca_bundle(&certs, opts.now));
    let infos = certs.iter().map(|c| c.info().clone()).collect();
    let credentials = (!certs.is_empty()).then(|| Credentials::RootCa(certs));
    finish(SecretKind::RootCa, findings, infos, None, credentials)
}
