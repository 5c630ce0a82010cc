//! TLS material from a checked secret: a rustls `ClientConfig` and the PEM strings librdkafka takes.

use std::fmt;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls_pki_types::CertificateDer;

use crate::error::Error;
use crate::pkcs8::PrivateKey;
use crate::sensitive::SecretString;
use crate::x509::Certificate;

/// The one crypto provider of the whole build (aws-lc-rs, which the AWS SDK brings anyway).
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// A client certificate chain (client first, root last) and its decrypted key.
#[derive(Clone)]
pub struct ClientIdentity {
    chain: Vec<Certificate>,
    key: PrivateKey,
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("client", &self.chain.first().map(|c| &c.info().subject))
            .field("chain_len", &self.chain.len())
            .field("key", &self.key)
            .finish()
    }
}

/// The PEM strings for librdkafka: `ssl.certificate.pem` (the chain) and `ssl.key.pem` (the plain
/// PKCS#8 key, held zeroizing; no password needed).
#[derive(Clone, Debug)]
pub struct LibrdkafkaPem {
    /// The certificate chain, client first.
    pub certificate_pem: String,
    /// The decrypted private key.
    pub key_pem: SecretString,
}

impl ClientIdentity {
    /// Pairs a chain in the right order with its key. Call [`crate::inspect`] first: this does
    /// no checking beyond what rustls does when the config is built.
    pub fn new(chain: Vec<Certificate>, key: PrivateKey) -> Self {
        Self { chain, key }
    }

    /// The chain, client certificate first.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// The decrypted key.
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// The PEM strings librdkafka takes.
    pub fn librdkafka_pem(&self) -> LibrdkafkaPem {
        let blocks: Vec<pem::Pem> = self
            .chain
            .iter()
            .map(|c| pem::Pem::new("CERTIFICATE", c.der().to_vec()))
            .collect();
        let certificate_pem = pem::encode_many_config(
            &blocks,
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        );
        LibrdkafkaPem {
            certificate_pem,
            key_pem: self.key.to_pkcs8_pem(),
        }
    }
}

/// A rustls client configuration (TLS 1.2 and 1.3 only, server certificates verified against
/// `roots`), presenting `identity` when given.
pub fn client_config(
    roots: RootCertStore,
    identity: Option<&ClientIdentity>,
) -> Result<rustls::ClientConfig, Error> {
    let builder = rustls::ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .map_err(Error::Tls)?
        .with_root_certificates(roots);
    match identity {
        None => Ok(builder.with_no_client_auth()),
        Some(id) => {
            let chain: Vec<CertificateDer<'static>> = id
                .chain
                .iter()
                .map(|c| CertificateDer::from(c.der().to_vec()))
                .collect();
            builder
                .with_client_auth_cert(chain, id.key.to_rustls())
                .map_err(Error::Tls)
        }
    }
}

/// A root store from CA certificates.
pub fn root_store(cas: &[Certificate]) -> Result<RootCertStore, Error> {
    let mut roots = RootCertStore::empty();
    for ca in cas {
        roots
            .add(CertificateDer::from(ca.der().to_vec()))
            .map_err(Error::Tls)?;
    }
    Ok(roots)
}

/// Whether `key` is the private half of `leaf`'s public key, as rustls decides it. `None` when
/// the provider cannot load the key or derive its public key.
pub fn key_matches_certificate(key: &PrivateKey, leaf: &Certificate) -> Option<bool> {
    let signing = crypto_provider()
        .key_provider
        .load_private_key(key.to_rustls())
        .ok()?;
    let spki = signing.public_key()?;
    let leaf = leaf.parsed();
    Some(spki.as_ref() == leaf.public_key().raw)
}
