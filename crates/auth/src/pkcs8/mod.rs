//! Private keys: PKCS#8 (plain or encrypted with PBES2, PBES1 or PKCS#12 PBE), plus the PKCS#1
//! and SEC1 keys people paste by mistake, all decoded to one zeroizing PKCS#8 `PrivateKeyInfo`.
//!
//! A decrypted key is accepted only when it parses as a `PrivateKeyInfo`: a wrong password makes
//! the padding check pass about once in 256 tries, so the padding alone proves nothing.

mod legacy;

use std::fmt;

use der::asn1::{AnyRef, OctetStringRef, UintRef};
use der::oid::ObjectIdentifier;
use der::{Decode, Encode, Sequence};
use pkcs8::PrivateKeyInfoRef;
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use serde::Serialize;
use spki::AlgorithmIdentifierRef;

use crate::error::KeyError;
use crate::pem_text::{self, Block};
use crate::sensitive::{SecretBytes, SecretString};

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
const PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");

/// The key algorithms mskgate (and Lambda) use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum KeyAlgorithm {
    /// RSA.
    #[serde(rename = "rsa")]
    Rsa,
    /// ECDSA on NIST P-256.
    #[serde(rename = "ec-p256")]
    EcP256,
    /// ECDSA on NIST P-384.
    #[serde(rename = "ec-p384")]
    EcP384,
    /// Ed25519.
    #[serde(rename = "ed25519")]
    Ed25519,
}

/// How the key was protected in the secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyEncryption {
    /// Not encrypted.
    None,
    /// PKCS#5 v1.5 PBES1 (PBKDF1 with DES or RC2).
    Pbes1,
    /// PKCS#12 PBE (SHA-1 KDF with triple DES or RC2), the other PBES1-family schemes Lambda takes.
    Pkcs12Pbe,
    /// PKCS#5 v2 PBES2 (PBKDF2 or scrypt with AES or DES); Lambda refuses these.
    Pbes2,
}

impl KeyEncryption {
    /// Whether AWS Lambda decrypts this scheme (it takes the PBES1 family only).
    pub fn lambda_supported(self) -> bool {
        !matches!(self, Self::Pbes2)
    }
}

/// The container the key came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyFormat {
    /// PKCS#8 `PRIVATE KEY` / `ENCRYPTED PRIVATE KEY`.
    Pkcs8,
    /// PKCS#1 `RSA PRIVATE KEY`.
    Pkcs1,
    /// SEC1 `EC PRIVATE KEY`.
    Sec1,
}

/// What is known about a key without revealing it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    /// The algorithm.
    pub algorithm: KeyAlgorithm,
    /// Modulus size for RSA, curve size for EC, `None` for Ed25519.
    pub bits: Option<u32>,
    /// The encryption scheme family.
    pub encryption: KeyEncryption,
    /// The scheme's name, e.g. `pbeWithSHAAnd3-KeyTripleDES-CBC` or
    /// `PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC`; `none` when unencrypted.
    pub scheme: String,
    /// The container format.
    pub format: KeyFormat,
}

/// A decoded private key, held as zeroizing PKCS#8 DER.
#[derive(Clone)]
pub struct PrivateKey {
    info: KeyInfo,
    pkcs8: SecretBytes,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("info", &self.info)
            .field("pkcs8", &self.pkcs8)
            .finish()
    }
}

impl PrivateKey {
    /// What the key is and how it was stored.
    pub fn info(&self) -> &KeyInfo {
        &self.info
    }

    /// The plain PKCS#8 `PrivateKeyInfo` DER.
    pub fn pkcs8_der(&self) -> &SecretBytes {
        &self.pkcs8
    }

    /// The plain key as `-----BEGIN PRIVATE KEY-----` PEM (what librdkafka's `ssl.key.pem` takes).
    pub fn to_pkcs8_pem(&self) -> SecretString {
        let block = pem::Pem::new("PRIVATE KEY", self.pkcs8.expose_secret().to_vec());
        let text = pem::encode_config(
            &block,
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        );
        SecretString::new(text)
    }

    /// The key for rustls.
    pub fn to_rustls(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            self.pkcs8.expose_secret().to_vec(),
        ))
    }
}

/// Decodes the one private key in `text` (PEM), decrypting it with `password` when it is encrypted.
///
/// Layout mistakes in the PEM (flattened newlines and the like) are repaired here; callers that
/// must report them use [`crate::inspect`].
pub fn decode_pem(text: &str, password: Option<&SecretString>) -> Result<PrivateKey, KeyError> {
    let parsed = pem_text::parse(text).map_err(|e| match e {
        pem_text::Unreadable::NoBlocks => KeyError::NotPem,
        pem_text::Unreadable::Broken(why) => KeyError::MalformedPem(why),
    })?;
    let keys: Vec<&Block> = parsed
        .blocks
        .iter()
        .filter(|b| b.label.contains("PRIVATE KEY"))
        .collect();
    match keys.as_slice() {
        [] => Err(KeyError::NoKeyBlock(
            parsed.blocks.iter().map(|b| b.label.clone()).collect(),
        )),
        [one] => decode_block(one, password),
        more => Err(KeyError::SeveralKeys(more.len())),
    }
}

pub(crate) fn decode_block(
    block: &Block,
    password: Option<&SecretString>,
) -> Result<PrivateKey, KeyError> {
    if let Some(cipher) = &block.dek_info {
        return Err(KeyError::TraditionalEncrypted {
            label: block.label.clone(),
            cipher: cipher.clone(),
        });
    }
    match block.label.as_str() {
        "PRIVATE KEY" => from_pkcs8(
            &block.der,
            KeyEncryption::None,
            "none".into(),
            KeyFormat::Pkcs8,
        ),
        "ENCRYPTED PRIVATE KEY" => decrypt(&block.der, password),
        "RSA PRIVATE KEY" => {
            let alg = AlgorithmIdentifierRef {
                oid: RSA_ENCRYPTION,
                parameters: Some(AnyRef::NULL),
            };
            let wrapped = wrap_pkcs8(alg, &block.der)?;
            from_pkcs8(
                &wrapped,
                KeyEncryption::None,
                "none".into(),
                KeyFormat::Pkcs1,
            )
        }
        "EC PRIVATE KEY" => {
            let ec = sec1::EcPrivateKey::from_der(&block.der)
                .map_err(|_| KeyError::Malformed("the SEC1 `EC PRIVATE KEY` structure".into()))?;
            let curve = ec
                .parameters
                .and_then(|p| p.named_curve())
                .ok_or_else(|| KeyError::Malformed("the SEC1 key's curve parameters".into()))?;
            let curve_der = curve
                .to_der()
                .map_err(|_| KeyError::Malformed("the curve".into()))?;
            let params = AnyRef::from_der(&curve_der)
                .map_err(|_| KeyError::Malformed("the curve".into()))?;
            let alg = AlgorithmIdentifierRef {
                oid: EC_PUBLIC_KEY,
                parameters: Some(params),
            };
            let wrapped = wrap_pkcs8(alg, &block.der)?;
            from_pkcs8(
                &wrapped,
                KeyEncryption::None,
                "none".into(),
                KeyFormat::Sec1,
            )
        }
        other => Err(KeyError::UnsupportedAlgorithm(format!(
            "a `{other}` PEM block"
        ))),
    }
}

fn wrap_pkcs8(
    alg: AlgorithmIdentifierRef<'_>,
    inner: &[u8],
) -> Result<zeroize::Zeroizing<Vec<u8>>, KeyError> {
    let octets = OctetStringRef::new(inner).map_err(|_| KeyError::Malformed("the key".into()))?;
    let info = PrivateKeyInfoRef::new(alg, octets);
    info.to_der()
        .map(zeroize::Zeroizing::new)
        .map_err(|_| KeyError::Malformed("the key".into()))
}

#[derive(Sequence)]
struct EncryptedPrivateKeyInfo<'a> {
    algorithm: AlgorithmIdentifierRef<'a>,
    encrypted_data: &'a OctetStringRef,
}

/// Names the encryption of an `EncryptedPrivateKeyInfo` without decrypting it.
pub fn encryption_of(der: &[u8]) -> Result<(KeyEncryption, String), KeyError> {
    let epki = EncryptedPrivateKeyInfo::from_der(der).map_err(|_| {
        KeyError::Malformed(
            "the `ENCRYPTED PRIVATE KEY` (EncryptedPrivateKeyInfo) structure".into(),
        )
    })?;
    describe_scheme(&epki.algorithm)
}

fn describe_scheme(alg: &AlgorithmIdentifierRef<'_>) -> Result<(KeyEncryption, String), KeyError> {
    if alg.oid == PBES2 {
        let scheme = pkcs5::EncryptionScheme::try_from(*alg).map_err(|_| {
            KeyError::UnsupportedScheme("PBES2 with parameters mskgate cannot read".into())
        })?;
        let params = scheme
            .pbes2()
            .ok_or_else(|| KeyError::Malformed("the PBES2 parameters".into()))?;
        return Ok((KeyEncryption::Pbes2, pbes2_name(params)));
    }
    match legacy::lookup(&alg.oid) {
        legacy::Lookup::Supported(scheme, name) => Ok((
            match scheme {
                legacy::Scheme::Pbes1(..) => KeyEncryption::Pbes1,
                legacy::Scheme::Pkcs12(_) => KeyEncryption::Pkcs12Pbe,
            },
            name.to_owned(),
        )),
        legacy::Lookup::Refused(name, _) => Err(KeyError::UnsupportedScheme(name.to_owned())),
        legacy::Lookup::Unknown => Err(KeyError::UnsupportedScheme(format!(
            "an unknown scheme (OID {})",
            alg.oid
        ))),
    }
}

fn pbes2_name(p: &pkcs5::pbes2::Parameters) -> String {
    use pkcs5::pbes2::{EncryptionScheme as E, Kdf, Pbkdf2Prf as Prf};
    let kdf = match &p.kdf {
        Kdf::Pbkdf2(k) => match k.prf {
            Prf::HmacWithSha1 => "PBKDF2-HMAC-SHA1",
            Prf::HmacWithSha224 => "PBKDF2-HMAC-SHA224",
            Prf::HmacWithSha256 => "PBKDF2-HMAC-SHA256",
            Prf::HmacWithSha384 => "PBKDF2-HMAC-SHA384",
            Prf::HmacWithSha512 => "PBKDF2-HMAC-SHA512",
            _ => "PBKDF2 with an unnamed PRF",
        },
        Kdf::Scrypt(_) => "scrypt",
        _ => "an unnamed KDF",
    };
    let cipher = match p.encryption {
        E::Aes128Cbc { .. } => "AES-128-CBC",
        E::Aes192Cbc { .. } => "AES-192-CBC",
        E::Aes256Cbc { .. } => "AES-256-CBC",
        E::Aes128Gcm { .. } => "AES-128-GCM",
        E::Aes256Gcm { .. } => "AES-256-GCM",
        E::DesEde3Cbc { .. } => "DES-EDE3-CBC",
        E::DesCbc { .. } => "DES-CBC",
        _ => "an unnamed cipher",
    };
    format!("PBES2/{kdf}/{cipher}")
}

fn pbes2_too_costly(p: &pkcs5::pbes2::Parameters) -> bool {
    match &p.kdf {
        pkcs5::pbes2::Kdf::Pbkdf2(k) => k.iteration_count > legacy::MAX_ITERATIONS,
        // N = 2^20 with r = 8 already needs 1 GiB; openssl's default is 2^14.
        pkcs5::pbes2::Kdf::Scrypt(s) => {
            s.cost_parameter * u64::from(s.block_size) * u64::from(s.parallelization)
                > (1 << 20) * 8
        }
        _ => false,
    }
}

fn decrypt(der: &[u8], password: Option<&SecretString>) -> Result<PrivateKey, KeyError> {
    let epki = EncryptedPrivateKeyInfo::from_der(der).map_err(|_| {
        KeyError::Malformed(
            "the `ENCRYPTED PRIVATE KEY` (EncryptedPrivateKeyInfo) structure".into(),
        )
    })?;
    let (encryption, scheme) = describe_scheme(&epki.algorithm)?;
    let Some(password) = password else {
        return Err(KeyError::PasswordRequired { scheme });
    };
    let pw = password.expose_secret().as_bytes();
    let ciphertext = epki.encrypted_data.as_bytes();
    let plain = if encryption == KeyEncryption::Pbes2 {
        let es = pkcs5::EncryptionScheme::try_from(epki.algorithm)
            .map_err(|_| KeyError::UnsupportedScheme(scheme.clone()))?;
        if es.pbes2().is_some_and(pbes2_too_costly) {
            return Err(KeyError::ExcessiveCost { scheme });
        }
        es.decrypt(pw, ciphertext)
            .map(zeroize::Zeroizing::new)
            .map_err(|e| match e {
                pkcs5::Error::DecryptFailed => KeyError::WrongPassword {
                    scheme: scheme.clone(),
                },
                _ => KeyError::UnsupportedScheme(scheme.clone()),
            })?
    } else {
        let legacy::Lookup::Supported(s, _) = legacy::lookup(&epki.algorithm.oid) else {
            return Err(KeyError::UnsupportedScheme(scheme));
        };
        let params = epki
            .algorithm
            .parameters
            .map(|p| p.to_der())
            .transpose()
            .ok()
            .flatten()
            .ok_or_else(|| KeyError::Malformed(format!("the {scheme} parameters")))?;
        legacy::decrypt(s, &params, pw, ciphertext).map_err(|f| match f {
            legacy::Failure::BadParameters => {
                KeyError::Malformed(format!("the {scheme} parameters"))
            }
            legacy::Failure::TooManyIterations(_) => KeyError::ExcessiveCost {
                scheme: scheme.clone(),
            },
            legacy::Failure::Padding => KeyError::WrongPassword {
                scheme: scheme.clone(),
            },
        })?
    };
    if PrivateKeyInfoRef::from_der(&plain).is_err() {
        // Padding happened to check out with a wrong password.
        return Err(KeyError::WrongPassword { scheme });
    }
    from_pkcs8(&plain, encryption, scheme, KeyFormat::Pkcs8)
}

#[derive(Sequence)]
struct RsaPrivateKeyHead<'a> {
    version: u8,
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
    private_exponent: UintRef<'a>,
    prime1: UintRef<'a>,
    prime2: UintRef<'a>,
    exponent1: UintRef<'a>,
    exponent2: UintRef<'a>,
    coefficient: UintRef<'a>,
}

fn from_pkcs8(
    der: &[u8],
    encryption: KeyEncryption,
    scheme: String,
    format: KeyFormat,
) -> Result<PrivateKey, KeyError> {
    let pki = PrivateKeyInfoRef::from_der(der)
        .map_err(|_| KeyError::Malformed("the PKCS#8 PrivateKeyInfo structure".into()))?;
    let oid = pki.algorithm.oid;
    let (algorithm, bits) = if oid == RSA_ENCRYPTION {
        let rsa = RsaPrivateKeyHead::from_der(pki.private_key.as_bytes())
            .map_err(|_| KeyError::Malformed("the RSA private key".into()))?;
        let m = rsa.modulus.as_bytes();
        let bits = m
            .first()
            .map_or(0, |b| (m.len() as u32) * 8 - b.leading_zeros());
        (KeyAlgorithm::Rsa, Some(bits))
    } else if oid == EC_PUBLIC_KEY {
        let curve = pki
            .algorithm
            .parameters
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        match curve {
            Some(c) if c == P256 => (KeyAlgorithm::EcP256, Some(256)),
            Some(c) if c == P384 => (KeyAlgorithm::EcP384, Some(384)),
            Some(c) if c == P521 => {
                return Err(KeyError::UnsupportedAlgorithm(
                    "an EC key on curve P-521".into(),
                ));
            }
            Some(c) => {
                return Err(KeyError::UnsupportedAlgorithm(format!(
                    "an EC key on curve OID {c}"
                )));
            }
            None => return Err(KeyError::Malformed("the EC key's curve parameters".into())),
        }
    } else if oid == ED25519 {
        (KeyAlgorithm::Ed25519, None)
    } else if oid == ED448 {
        return Err(KeyError::UnsupportedAlgorithm("an Ed448 key".into()));
    } else {
        return Err(KeyError::UnsupportedAlgorithm(format!(
            "a key of algorithm OID {oid}"
        )));
    };
    Ok(PrivateKey {
        info: KeyInfo {
            algorithm,
            bits,
            encryption,
            scheme,
            format,
        },
        pkcs8: SecretBytes::new(der.to_vec()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_takes_pbes1_family_only() {
        assert!(KeyEncryption::None.lambda_supported());
        assert!(KeyEncryption::Pbes1.lambda_supported());
        assert!(KeyEncryption::Pkcs12Pbe.lambda_supported());
        assert!(!KeyEncryption::Pbes2.lambda_supported());
    }

    #[test]
    fn text_without_a_key_is_named() {
        let cert = "-----BEGIN CERTIFICATE-----\nTUlJQg==\n-----END CERTIFICATE-----\n";
        assert_eq!(
            decode_pem(cert, None).unwrap_err(),
            KeyError::NoKeyBlock(vec!["CERTIFICATE".into()])
        );
        assert_eq!(decode_pem("nothing", None).unwrap_err(), KeyError::NotPem);
    }

    #[test]
    fn garbage_inside_a_key_block_is_malformed_not_a_panic() {
        let text = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nTUlJQg==\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert!(matches!(
            decode_pem(text, None).unwrap_err(),
            KeyError::Malformed(_)
        ));
        let text = "-----BEGIN PRIVATE KEY-----\nTUlJQg==\n-----END PRIVATE KEY-----\n";
        assert!(matches!(
            decode_pem(text, None).unwrap_err(),
            KeyError::Malformed(_)
        ));
    }
}
