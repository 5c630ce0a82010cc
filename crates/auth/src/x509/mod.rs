//! X.509 certificates: reading PEM bundles, describing certificates and checking chains.
//!
//! `x509-parser` reads the details each finding names (subjects, validity, extensions, key sizes)
//! and checks each signature link; `rustls-webpki` then cross-checks the whole path as a TLS peer
//! would. Nothing here reads the clock: every check takes `now`.

mod chain;

use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x509_parser::prelude::{FromDer, X509Certificate};

pub(crate) use chain::check_and_order;
pub use chain::{check_ca_bundle, check_client_chain};

use crate::error::CertificateError;
use crate::pem_text;

/// A certificate as DER, checked to parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    info: CertInfo,
}

/// What output formats say about a certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// SHA-256 of the DER, lowercase hex.
    pub sha256: String,
    /// basicConstraints CA:TRUE.
    pub is_ca: bool,
    /// End of validity, seconds since the Unix epoch (for day counts).
    #[serde(skip)]
    pub not_after_unix: i64,
}

impl Certificate {
    /// Parses DER, refusing anything `x509-parser` cannot read.
    pub fn from_der(der: Vec<u8>) -> Option<Self> {
        let info = {
            let (rest, cert) = X509Certificate::from_der(&der).ok()?;
            if !rest.is_empty() {
                return None;
            }
            describe(&cert)
        };
        Some(Self { der, info })
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The description used in reports.
    pub fn info(&self) -> &CertInfo {
        &self.info
    }

    /// The parsed view (re-parsed on demand; parsing was proven to succeed).
    pub(crate) fn parsed(&self) -> X509Certificate<'_> {
        match X509Certificate::from_der(&self.der) {
            Ok((_, c)) => c,
            // Invariant: `from_der` checked that these bytes parse.
            Err(_) => unreachable!("certificate DER was validated at construction"),
        }
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn describe(cert: &X509Certificate<'_>) -> CertInfo {
    let v = cert.validity();
    CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_before: rfc3339(v.not_before.to_datetime()),
        not_after: rfc3339(v.not_after.to_datetime()),
        sha256: hex::encode(Sha256::digest(cert.as_raw())),
        is_ca: cert.is_ca(),
        not_after_unix: v.not_after.timestamp(),
    }
}

/// Every certificate in PEM `text`; `place` names the text in errors (e.g. `the certificate field`).
///
/// Layout mistakes (flattened newlines) are repaired; report them with [`crate::inspect`].
/// Blocks that are not certificates are skipped.
pub fn certificates_from_pem(
    text: &str,
    place: &str,
) -> Result<Vec<Certificate>, CertificateError> {
    let parsed = pem_text::parse(text).map_err(|e| match e {
        pem_text::Unreadable::NoBlocks => CertificateError::NoCertificate(place.to_owned()),
        pem_text::Unreadable::Broken(why) => CertificateError::MalformedPem {
            place: place.to_owned(),
            why,
        },
    })?;
    let mut out = Vec::new();
    for block in parsed.blocks.iter().filter(|b| b.label == "CERTIFICATE") {
        let cert =
            Certificate::from_der(block.der.to_vec()).ok_or(CertificateError::Unparsable {
                place: place.to_owned(),
                index: out.len() + 1,
            })?;
        out.push(cert);
    }
    if out.is_empty() {
        return Err(CertificateError::NoCertificate(place.to_owned()));
    }
    Ok(out)
}
