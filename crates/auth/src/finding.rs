//! Findings about credentials: stable rule codes, severities, messages with a fix.
//!
//! The codes are shared with `mskgate-validator` (families `SEC` and `CRT`), so a problem found by
//! `mskgate secret inspect` and by `mskgate validate` carries the same code and name.

use std::fmt;

use serde::Serialize;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing is wrong.
    Info,
    /// Likely wrong or risky, but it works.
    Warning,
    /// It will not work.
    Error,
}

impl Severity {
    /// The lowercase name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule: a stable code, a kebab-case name, its usual severity and what it checks.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    /// Stable identifier such as `CRT002`; never reused.
    pub code: &'static str,
    /// Kebab-case alias such as `chain-order`.
    pub name: &'static str,
    /// The severity the rule usually reports with.
    pub default_severity: Severity,
    /// One sentence: what the rule checks.
    pub description: &'static str,
}

macro_rules! rules {
    ($($(#[$doc:meta])* $ident:ident = ($code:literal, $name:literal, $sev:ident, $desc:literal);)*) => {
        /// Every secret and certificate rule, in code order.
        pub mod rules {
            use super::{Rule, Severity};
            $(
                $(#[$doc])*
                pub static $ident: Rule = Rule {
                    code: $code,
                    name: $name,
                    default_severity: Severity::$sev,
                    description: $desc,
                };
            )*
            /// All rules of this crate, in code order.
            pub static ALL: &[&Rule] = &[$(&$ident),*];
        }
    };
}

rules! {
    /// SEC001
    SCRAM_SECRET_SHAPE = ("SEC001", "scram-secret-shape", Error,
        "a SASL/SCRAM or BASIC_AUTH secret is a JSON object with non-empty string `username` and `password`");
    /// SEC002
    MTLS_SECRET_SHAPE = ("SEC002", "mtls-secret-shape", Error,
        "a client-certificate secret has string `certificate` and `privateKey`, and optionally `privateKeyPassword`");
    /// SEC003
    ROOT_CA_SECRET_SHAPE = ("SEC003", "root-ca-secret-shape", Error,
        "a server root CA secret is `{\"certificate\": \"<PEM>\"}`");
    /// SEC008
    SECRET_TOO_LARGE = ("SEC008", "secret-too-large", Error,
        "a Secrets Manager secret holds at most 65,536 bytes");
    /// SEC011
    SECRET_NOT_JSON = ("SEC011", "secret-not-json", Error,
        "the secret string must be a JSON object");
    /// SEC012
    SECRET_UNKNOWN_KEY = ("SEC012", "secret-unknown-key", Warning,
        "keys other than the ones the secret type uses are ignored by Lambda and mskgate");
    /// SEC013
    SECRET_DUPLICATE_KEY = ("SEC013", "secret-duplicate-key", Warning,
        "a key appears twice in the secret JSON; only the last value counts");
    /// SEC014
    SECRET_KIND_UNKNOWN = ("SEC014", "secret-kind-unknown", Error,
        "the secret has none of the key sets of a SCRAM, BASIC, client-certificate or root CA secret");
    /// CRT001
    PEM_MALFORMED = ("CRT001", "pem-malformed", Error,
        "PEM blocks must be parsable, each starting on its own line, with the newlines kept");
    /// CRT002
    CHAIN_ORDER = ("CRT002", "chain-order", Error,
        "the certificate chain runs client certificate, intermediates, root, each signed by the next");
    /// CRT003
    CERT_EXPIRY = ("CRT003", "cert-expiry", Error,
        "every certificate in the chain is valid now and not about to expire");
    /// CRT004
    KEY_NOT_PKCS8 = ("CRT004", "key-not-pkcs8", Error,
        "the private key is PKCS#8 (`PRIVATE KEY` or `ENCRYPTED PRIVATE KEY`), not PKCS#1, SEC1 or OpenSSL's traditional encrypted PEM");
    /// CRT005
    KEY_PBES2 = ("CRT005", "key-pbes2", Error,
        "AWS Lambda decrypts PBES1-family keys only, not PBES2");
    /// CRT006
    KEY_PASSWORD_MISMATCH = ("CRT006", "key-password-mismatch", Error,
        "an encrypted key needs the right `privateKeyPassword`; a plain key needs none");
    /// CRT007
    KEY_CERT_MISMATCH = ("CRT007", "key-cert-mismatch", Error,
        "the private key belongs to the client (first) certificate");
    /// CRT008
    CLIENT_CERT_USAGE = ("CRT008", "client-cert-usage", Error,
        "the client certificate may be used for TLS client authentication (EKU clientAuth, key usage digitalSignature)");
    /// CRT009
    WEAK_CRYPTO = ("CRT009", "weak-crypto", Error,
        "keys and signatures are strong enough (RSA of 2048 bits or more, no MD5 or SHA-1 signatures)");
    /// CRT010
    MTLS_CA_NOT_TRUSTED = ("CRT010", "mtls-ca-not-trusted", Error,
        "the chain ends in a certificate authority the brokers trust");
    /// CRT011
    CHAIN_MISSING_ISSUER = ("CRT011", "chain-missing-issuer", Error,
        "every certificate's issuer is in the chain, up to a self-signed root (or a trusted CA)");
    /// CRT012
    SIGNATURE_UNVERIFIABLE = ("CRT012", "signature-unverifiable", Warning,
        "signatures use algorithms mskgate's crypto provider can verify");
    /// CRT013
    ISSUER_NOT_CA = ("CRT013", "issuer-not-ca", Error,
        "certificates that issue others are CAs (basicConstraints CA:TRUE, keyCertSign, path length respected)");
    /// CRT014
    KEY_UNSUPPORTED = ("CRT014", "key-unsupported", Error,
        "the key algorithm and its encryption scheme are ones mskgate and Lambda can use");
}

/// One problem (or remark) about a secret, with the fix.
///
/// Messages name what is wrong (a key, a certificate subject, a date) and never contain a secret
/// value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule.
    #[serde(serialize_with = "serialize_code")]
    pub code: &'static Rule,
    /// Severity for the mskgate runtime.
    pub severity: Severity,
    /// What is wrong, naming the place.
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// AWS Lambda rejects the secret because of this, even where the runtime copes.
    #[serde(skip)]
    pub blocks_lambda: bool,
}

fn serialize_code<S: serde::Serializer>(rule: &&'static Rule, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(rule.code)
}

impl Finding {
    /// A finding of `rule` at `severity`.
    pub fn new(
        rule: &'static Rule,
        severity: Severity,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Self {
            code: rule,
            severity,
            message: message.into(),
            help: help.into(),
            blocks_lambda: severity == Severity::Error,
        }
    }

    /// An error: neither Lambda nor the runtime can use the secret.
    pub fn error(rule: &'static Rule, message: impl Into<String>, help: impl Into<String>) -> Self {
        Self::new(rule, Severity::Error, message, help)
    }

    /// A warning that does not stop the runtime.
    pub fn warning(
        rule: &'static Rule,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        Self::new(rule, Severity::Warning, message, help)
    }

    /// An informational remark.
    pub fn info(rule: &'static Rule, message: impl Into<String>, help: impl Into<String>) -> Self {
        Self::new(rule, Severity::Info, message, help)
    }

    /// Marks the finding as one AWS Lambda cannot live with, whatever its runtime severity.
    #[must_use]
    pub fn blocking_lambda(mut self) -> Self {
        self.blocks_lambda = true;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_kebab_named() {
        let codes: Vec<&str> = rules::ALL.iter().map(|r| r.code).collect();
        for pair in codes.windows(2) {
            if pair[0][..3] == pair[1][..3] {
                assert!(pair[0] < pair[1], "codes out of order: {pair:?}");
            }
        }
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), codes.len(), "rule codes must be unique");
        for rule in rules::ALL {
            assert!(
                rule.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} name {} is not kebab-case",
                rule.code,
                rule.name
            );
        }
    }

    #[test]
    fn errors_block_lambda_and_warnings_do_not_unless_marked() {
        let e = Finding::error(&rules::CHAIN_ORDER, "m", "h");
        assert!(e.blocks_lambda);
        let w = Finding::warning(&rules::KEY_PBES2, "m", "h");
        assert!(!w.blocks_lambda);
        assert!(w.blocking_lambda().blocks_lambda);
    }

    #[test]
    fn serializes_code_as_its_id() {
        let f = Finding::warning(&rules::SECRET_UNKNOWN_KEY, "unknown key `x`", "remove it");
        let v = serde_json::to_value(&f).expect("serialize");
        assert_eq!(
            v,
            serde_json::json!({"code": "SEC012", "severity": "warning",
                "message": "unknown key `x`", "help": "remove it"})
        );
    }
}
