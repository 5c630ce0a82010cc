//! Legacy password-based encryption of PKCS#8 keys, written by hand.
//!
//! RustCrypto's `pkcs5` decrypts every PBES2 variant but refuses PBES1 ("won't fix") and does not
//! know the PKCS#12 PBE identifiers at all, while these are exactly the schemes AWS Lambda accepts
//! for `privateKeyPassword` and the ones OpenSSL 1.x produced by default. The pieces are small:
//!
//! - PBKDF1 (RFC 8018 §5.1) with MD5 or SHA-1, feeding DES-CBC or RC2-CBC (64-bit effective key)
//!   for `pbeWith{MD5,SHA1}And{DES,RC2}-CBC` (RFC 8018 §6.1);
//! - the PKCS#12 key derivation (RFC 7292 Appendix B.2) with SHA-1 over the BMPString password,
//!   feeding 3-key or 2-key triple DES, or RC2-CBC with 128- or 40-bit keys (RFC 7292 Appendix C).
//!
//! The ciphers themselves come from RustCrypto (`des`, `rc2`, `cbc`). Every scheme is tested
//! against keys OpenSSL encrypted (see `fixtures/keys/`).

use cbc::cipher::{BlockModeDecrypt, InnerIvInit, KeyIvInit, block_padding::Pkcs7};
use der::asn1::OctetStringRef;
use der::oid::ObjectIdentifier;
use der::{Decode, Sequence};
use md5::Md5;
use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

/// Iteration counts above this are refused: no real key uses them and they would stall a parser.
pub(crate) const MAX_ITERATIONS: u32 = 10_000_000;

/// The hash behind a PBES1 scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hash {
    Md5,
    Sha1,
}

/// The cipher behind a legacy scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cipher {
    Des,
    TripleDes3Key,
    TripleDes2Key,
    /// RC2 with this effective key length in bits (and key length in bytes = bits / 8).
    Rc2(usize),
}

/// A legacy scheme mskgate decrypts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// PKCS#5 v1.5 PBES1: PBKDF1 + DES or RC2.
    Pbes1(Hash, Cipher),
    /// PKCS#12 PBE: the Appendix B KDF with SHA-1 + triple DES or RC2.
    Pkcs12(Cipher),
}

/// What the OID of a legacy scheme says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// Supported, with its conventional name.
    Supported(Scheme, &'static str),
    /// A known legacy scheme mskgate refuses (MD2, RC4), with its name.
    Refused(&'static str, bool),
    /// Not a legacy PBE scheme.
    Unknown,
}

const PBE_MD2_DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.1");
const PBE_MD2_RC2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.4");
const PBE_MD5_DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.3");
const PBE_MD5_RC2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.6");
const PBE_SHA1_DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.10");
const PBE_SHA1_RC2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.11");
const P12_RC4_128: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.1");
const P12_RC4_40: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.2");
const P12_3DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
const P12_2DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.4");
const P12_RC2_128: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.5");
const P12_RC2_40: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");

/// Names a legacy scheme by OID. The `bool` of `Refused` says whether it is PKCS#12 (else PBES1).
pub(crate) fn lookup(oid: &ObjectIdentifier) -> Lookup {
    use Cipher::*;
    use Hash::*;
    match *oid {
        PBE_MD5_DES => Lookup::Supported(Scheme::Pbes1(Md5, Des), "pbeWithMD5AndDES-CBC"),
        PBE_MD5_RC2 => Lookup::Supported(Scheme::Pbes1(Md5, Rc2(64)), "pbeWithMD5AndRC2-CBC"),
        PBE_SHA1_DES => Lookup::Supported(Scheme::Pbes1(Sha1, Des), "pbeWithSHA1AndDES-CBC"),
        PBE_SHA1_RC2 => Lookup::Supported(Scheme::Pbes1(Sha1, Rc2(64)), "pbeWithSHA1AndRC2-CBC"),
        P12_3DES => Lookup::Supported(
            Scheme::Pkcs12(TripleDes3Key),
            "pbeWithSHAAnd3-KeyTripleDES-CBC",
        ),
        P12_2DES => Lookup::Supported(
            Scheme::Pkcs12(TripleDes2Key),
            "pbeWithSHAAnd2-KeyTripleDES-CBC",
        ),
        P12_RC2_128 => Lookup::Supported(Scheme::Pkcs12(Rc2(128)), "pbeWithSHAAnd128BitRC2-CBC"),
        P12_RC2_40 => Lookup::Supported(Scheme::Pkcs12(Rc2(40)), "pbeWithSHAAnd40BitRC2-CBC"),
        PBE_MD2_DES => Lookup::Refused("pbeWithMD2AndDES-CBC", false),
        PBE_MD2_RC2 => Lookup::Refused("pbeWithMD2AndRC2-CBC", false),
        P12_RC4_128 => Lookup::Refused("pbeWithSHAAnd128BitRC4", true),
        P12_RC4_40 => Lookup::Refused("pbeWithSHAAnd40BitRC4", true),
        _ => Lookup::Unknown,
    }
}

/// `PBEParameter` (RFC 8018 A.3) and `pkcs-12PbeParams` (RFC 7292 C) share this shape.
#[derive(Sequence)]
struct PbeParameter<'a> {
    salt: &'a OctetStringRef,
    iterations: u32,
}

/// Why a legacy decryption failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The algorithm parameters are not a valid `PBEParameter`.
    BadParameters,
    /// The iteration count is above [`MAX_ITERATIONS`].
    TooManyIterations(u32),
    /// The padding did not check out: almost always the wrong password.
    Padding,
}

/// Decrypts `ciphertext` with `scheme`, whose DER parameters are `params`.
pub(crate) fn decrypt(
    scheme: Scheme,
    params: &[u8],
    password: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let p = PbeParameter::from_der(params).map_err(|_| Failure::BadParameters)?;
    if p.iterations == 0 {
        return Err(Failure::BadParameters);
    }
    if p.iterations > MAX_ITERATIONS {
        return Err(Failure::TooManyIterations(p.iterations));
    }
    let salt = p.salt.as_bytes();
    let (cipher, key, iv) = match scheme {
        Scheme::Pbes1(hash, cipher) => {
            if salt.len() != 8 {
                return Err(Failure::BadParameters);
            }
            let dk = match hash {
                Hash::Md5 => pbkdf1::<Md5>(password, salt, p.iterations),
                Hash::Sha1 => pbkdf1::<Sha1>(password, salt, p.iterations),
            };
            (
                cipher,
                Zeroizing::new(dk[..8].to_vec()),
                Zeroizing::new(dk[8..16].to_vec()),
            )
        }
        Scheme::Pkcs12(cipher) => {
            let key_len = match cipher {
                Cipher::Des => 8,
                Cipher::TripleDes3Key => 24,
                Cipher::TripleDes2Key => 16,
                Cipher::Rc2(bits) => bits / 8,
            };
            let bmp = bmp_password(password);
            (
                cipher,
                pkcs12_kdf(&bmp, salt, p.iterations, 1, key_len),
                pkcs12_kdf(&bmp, salt, p.iterations, 2, 8),
            )
        }
    };
    cbc_decrypt(cipher, &key, &iv, ciphertext)
}

fn cbc_decrypt(
    cipher: Cipher,
    key: &[u8],
    iv: &[u8],
    ct: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let out = match cipher {
        Cipher::Des => cbc::Decryptor::<des::Des>::new_from_slices(key, iv)
            .map_err(|_| Failure::BadParameters)?
            .decrypt_padded_vec::<Pkcs7>(ct),
        Cipher::TripleDes3Key => cbc::Decryptor::<des::TdesEde3>::new_from_slices(key, iv)
            .map_err(|_| Failure::BadParameters)?
            .decrypt_padded_vec::<Pkcs7>(ct),
        Cipher::TripleDes2Key => cbc::Decryptor::<des::TdesEde2>::new_from_slices(key, iv)
            .map_err(|_| Failure::BadParameters)?
            .decrypt_padded_vec::<Pkcs7>(ct),
        Cipher::Rc2(bits) => {
            let rc2 = rc2::Rc2::new_with_eff_key_len(key, bits);
            cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(rc2, iv)
                .map_err(|_| Failure::BadParameters)?
                .decrypt_padded_vec::<Pkcs7>(ct)
        }
    };
    out.map(Zeroizing::new).map_err(|_| Failure::Padding)
}

/// PBKDF1 (RFC 8018 §5.1): T = H^c(P || S); 16 bytes are needed (DES/RC2 key + IV).
fn pbkdf1<D: Digest>(password: &[u8], salt: &[u8], iterations: u32) -> Zeroizing<Vec<u8>> {
    let mut t = Zeroizing::new(
        D::new()
            .chain_update(password)
            .chain_update(salt)
            .finalize()
            .to_vec(),
    );
    for _ in 1..iterations {
        *t = D::digest(&*t).to_vec();
    }
    t
}

/// The PKCS#12 password: BMPString (UTF-16 big-endian) with a two-byte NUL terminator.
fn bmp_password(password: &[u8]) -> Zeroizing<Vec<u8>> {
    let text = String::from_utf8_lossy(password);
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() * 2 + 2));
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out.extend_from_slice(&[0, 0]);
    out
}

/// RFC 7292 Appendix B.2 with SHA-1 (u = 20, v = 64). `id` 1 = key, 2 = IV, 3 = MAC key.
fn pkcs12_kdf(bmp: &[u8], salt: &[u8], iterations: u32, id: u8, len: usize) -> Zeroizing<Vec<u8>> {
    const V: usize = 64;
    let fill = |src: &[u8]| -> Zeroizing<Vec<u8>> {
        if src.is_empty() {
            return Zeroizing::new(Vec::new());
        }
        let n = V * src.len().div_ceil(V);
        Zeroizing::new(src.iter().copied().cycle().take(n).collect())
    };
    let d = [id; V];
    let mut i = fill(salt);
    i.extend_from_slice(&fill(bmp));
    let mut out = Zeroizing::new(Vec::with_capacity(len));
    while out.len() < len {
        let mut a = Sha1::new().chain_update(d).chain_update(&*i).finalize();
        for _ in 1..iterations {
            a = Sha1::digest(a);
        }
        let take = (len - out.len()).min(a.len());
        out.extend_from_slice(&a[..take]);
        if out.len() >= len {
            break;
        }
        // B = A repeated to v bytes; each v-byte block I_j = (I_j + B + 1) mod 2^(8v).
        let b: Vec<u8> = a.iter().copied().cycle().take(V).collect();
        for block in i.chunks_mut(V) {
            let mut carry = 1u16;
            for k in (0..V).rev() {
                let sum = u16::from(block[k]) + u16::from(b[k]) + carry;
                block[k] = sum as u8;
                carry = sum >> 8;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// External vectors, computed by OpenSSL 3.0 over the BMPString password, e.g.
    /// `openssl kdf -keylen 24 -kdfopt digest:SHA1 -kdfopt hexpass:0073006D006500670000
    ///  -kdfopt hexsalt:0A58CF64530D823F -kdfopt iter:1 -kdfopt id:1 PKCS12KDF`
    /// (the "smeg" pair also appears in BouncyCastle's PKCS#12 tests).
    #[test]
    fn pkcs12_kdf_matches_published_vectors() {
        let bmp = bmp_password(b"smeg");
        let salt = hex::decode("0A58CF64530D823F").expect("hex");
        let key = pkcs12_kdf(&bmp, &salt, 1, 1, 24);
        assert_eq!(
            hex::encode_upper(&*key),
            "8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3"
        );
        let iv = pkcs12_kdf(&bmp, &salt, 1, 2, 8);
        assert_eq!(hex::encode_upper(&*iv), "79993DFE048D3B76");
        let salt2 = hex::decode("642B99AB44FB4B1F").expect("hex");
        let key1000 = pkcs12_kdf(&bmp_password(b"queeg"), &salt2, 1000, 1, 24);
        assert_eq!(
            hex::encode_upper(&*key1000),
            "25357DC600C5802E650F8F5DD4EB51883A29E6FAD238F2BD"
        );
    }

    #[test]
    fn pbkdf1_is_iterated_hash() {
        // T1 = MD5(P||S); T2 = MD5(T1).
        let once = pbkdf1::<Md5>(b"pw", b"saltsalt", 1);
        assert_eq!(&*once, Md5::digest(b"pwsaltsalt").as_slice());
        let twice = pbkdf1::<Md5>(b"pw", b"saltsalt", 2);
        assert_eq!(&*twice, Md5::digest(Md5::digest(b"pwsaltsalt")).as_slice());
    }

    #[test]
    fn bmp_password_is_utf16be_with_terminator() {
        assert_eq!(&*bmp_password(b"ab"), &[0, b'a', 0, b'b', 0, 0]);
        assert_eq!(&*bmp_password(b""), &[0, 0]);
    }

    #[test]
    fn refuses_huge_iteration_counts_and_bad_parameters() {
        use der::Encode;
        let salt = OctetStringRef::new(&[1u8; 8]).expect("octets");
        let p = PbeParameter {
            salt,
            iterations: MAX_ITERATIONS + 1,
        }
        .to_der()
        .expect("der");
        let s = Scheme::Pkcs12(Cipher::TripleDes3Key);
        assert_eq!(
            decrypt(s, &p, b"pw", &[0; 16]).unwrap_err(),
            Failure::TooManyIterations(MAX_ITERATIONS + 1)
        );
        assert_eq!(
            decrypt(s, b"\x30\x00", b"pw", &[0; 16]).unwrap_err(),
            Failure::BadParameters
        );
    }
}
