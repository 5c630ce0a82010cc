//! Every key scheme the fixtures hold, decrypted and compared with openssl's `-nocrypt` output.

use mskgate_auth::pkcs8::{KeyAlgorithm, KeyEncryption, KeyFormat, decode_pem};
use mskgate_auth::{KeyError, SecretString};

use crate::{KEY_PASSWORD, read, read_bytes};

fn pw() -> SecretString {
    SecretString::from(KEY_PASSWORD)
}

#[track_caller]
fn decrypts_to_openssl_der(file: &str, nocrypt: &str, encryption: KeyEncryption, scheme: &str) {
    let key = decode_pem(&read(&format!("keys/{file}")), Some(&pw()))
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(
        key.pkcs8_der().expose_secret(),
        read_bytes(&format!("keys/{nocrypt}")).as_slice(),
        "{file}: decrypted DER differs from openssl -nocrypt"
    );
    assert_eq!(key.info().encryption, encryption, "{file}");
    assert_eq!(key.info().scheme, scheme, "{file}");
    assert_eq!(key.info().format, KeyFormat::Pkcs8, "{file}");
}

#[test]
fn decrypts_every_pbes2_variant() {
    let cases = [
        (
            "rsa-pbes2-aes256-sha256.pem",
            "PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC",
        ),
        (
            "rsa-pbes2-aes128-sha1.pem",
            "PBES2/PBKDF2-HMAC-SHA1/AES-128-CBC",
        ),
        (
            "rsa-pbes2-aes192-sha512.pem",
            "PBES2/PBKDF2-HMAC-SHA512/AES-192-CBC",
        ),
        (
            "rsa-pbes2-des3.pem",
            "PBES2/PBKDF2-HMAC-SHA256/DES-EDE3-CBC",
        ),
        ("rsa-pbes2-scrypt.pem", "PBES2/scrypt/AES-256-CBC"),
    ];
    for (file, scheme) in cases {
        decrypts_to_openssl_der(file, "rsa.nocrypt.der", KeyEncryption::Pbes2, scheme);
    }
    decrypts_to_openssl_der(
        "ec-pbes2-aes256-sha256.pem",
        "ec.nocrypt.der",
        KeyEncryption::Pbes2,
        "PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC",
    );
    decrypts_to_openssl_der(
        "ed25519-pbes2-aes256-sha256.pem",
        "ed25519.nocrypt.der",
        KeyEncryption::Pbes2,
        "PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC",
    );
}

#[test]
fn decrypts_every_pkcs5_pbes1_scheme() {
    let cases = [
        ("rsa-pbe-md5-des.pem", "pbeWithMD5AndDES-CBC"),
        ("rsa-pbe-sha1-des.pem", "pbeWithSHA1AndDES-CBC"),
        ("rsa-pbe-md5-rc2-64.pem", "pbeWithMD5AndRC2-CBC"),
        ("rsa-pbe-sha1-rc2-64.pem", "pbeWithSHA1AndRC2-CBC"),
    ];
    for (file, scheme) in cases {
        decrypts_to_openssl_der(file, "rsa.nocrypt.der", KeyEncryption::Pbes1, scheme);
    }
    decrypts_to_openssl_der(
        "ec-pbe-sha1-des.pem",
        "ec.nocrypt.der",
        KeyEncryption::Pbes1,
        "pbeWithSHA1AndDES-CBC",
    );
}

#[test]
fn decrypts_every_pkcs12_pbe_scheme() {
    let cases = [
        ("rsa-pkcs12-3des.pem", "pbeWithSHAAnd3-KeyTripleDES-CBC"),
        ("rsa-pkcs12-2des.pem", "pbeWithSHAAnd2-KeyTripleDES-CBC"),
        ("rsa-pkcs12-rc2-128.pem", "pbeWithSHAAnd128BitRC2-CBC"),
        ("rsa-pkcs12-rc2-40.pem", "pbeWithSHAAnd40BitRC2-CBC"),
    ];
    for (file, scheme) in cases {
        decrypts_to_openssl_der(file, "rsa.nocrypt.der", KeyEncryption::Pkcs12Pbe, scheme);
    }
    decrypts_to_openssl_der(
        "ec-pkcs12-3des.pem",
        "ec.nocrypt.der",
        KeyEncryption::Pkcs12Pbe,
        "pbeWithSHAAnd3-KeyTripleDES-CBC",
    );
    decrypts_to_openssl_der(
        "ed25519-pkcs12-3des.pem",
        "ed25519.nocrypt.der",
        KeyEncryption::Pkcs12Pbe,
        "pbeWithSHAAnd3-KeyTripleDES-CBC",
    );
}

#[test]
fn reads_plain_keys_with_algorithm_and_size() {
    let cases = [
        (
            "rsa-plain.pem",
            "rsa.nocrypt.der",
            KeyAlgorithm::Rsa,
            Some(2048),
        ),
        (
            "ec-plain.pem",
            "ec.nocrypt.der",
            KeyAlgorithm::EcP256,
            Some(256),
        ),
        (
            "ed25519-plain.pem",
            "ed25519.nocrypt.der",
            KeyAlgorithm::Ed25519,
            None,
        ),
    ];
    for (file, der, alg, bits) in cases {
        let key = decode_pem(&read(&format!("keys/{file}")), None).expect(file);
        assert_eq!(
            key.pkcs8_der().expose_secret(),
            read_bytes(&format!("keys/{der}")).as_slice()
        );
        assert_eq!(
            (key.info().algorithm, key.info().bits),
            (alg, bits),
            "{file}"
        );
        assert_eq!(key.info().encryption, KeyEncryption::None);
        assert_eq!(key.info().scheme, "none");
    }
    let p384 = decode_pem(&read("keys/p384-plain.pem"), None).expect("p384");
    assert_eq!(p384.info().algorithm, KeyAlgorithm::EcP384);
}

#[test]
fn converts_pkcs1_and_sec1_keys_to_the_same_pkcs8_key() {
    let rsa = decode_pem(&read("keys/rsa-pkcs1.pem"), None).expect("pkcs1");
    assert_eq!(rsa.info().format, KeyFormat::Pkcs1);
    assert_eq!(
        rsa.pkcs8_der().expose_secret(),
        read_bytes("keys/rsa.nocrypt.der").as_slice()
    );
    let ec = decode_pem(&read("keys/ec-sec1.pem"), None).expect("sec1");
    assert_eq!(ec.info().format, KeyFormat::Sec1);
    assert_eq!(ec.info().algorithm, KeyAlgorithm::EcP256);
    // The SEC1 form keeps its curve parameters inside, so compare the key the TLS stack sees.
    let plain = decode_pem(&read("keys/ec-plain.pem"), None).expect("plain");
    let pub_of = |k: &mskgate_auth::pkcs8::PrivateKey| {
        mskgate_auth::tls::crypto_provider()
            .key_provider
            .load_private_key(k.to_rustls())
            .expect("load")
            .public_key()
            .expect("spki")
            .as_ref()
            .to_vec()
    };
    assert_eq!(pub_of(&ec), pub_of(&plain));
}

#[test]
fn rejects_wrong_and_missing_passwords_for_every_encrypted_scheme() {
    let files = [
        "rsa-pbes2-aes256-sha256.pem",
        "rsa-pbes2-scrypt.pem",
        "rsa-pbe-md5-des.pem",
        "rsa-pbe-sha1-rc2-64.pem",
        "rsa-pkcs12-3des.pem",
        "rsa-pkcs12-2des.pem",
        "rsa-pkcs12-rc2-128.pem",
        "rsa-pkcs12-rc2-40.pem",
    ];
    let wrong = SecretString::from("not-the-password");
    for file in files {
        let text = read(&format!("keys/{file}"));
        assert!(
            matches!(
                decode_pem(&text, Some(&wrong)),
                Err(KeyError::WrongPassword { .. })
            ),
            "{file}: wrong password accepted or misreported"
        );
        assert!(
            matches!(
                decode_pem(&text, None),
                Err(KeyError::PasswordRequired { .. })
            ),
            "{file}: missing password not reported"
        );
    }
}

#[test]
fn names_unsupported_and_traditional_encryption() {
    let rc4 = decode_pem(&read("keys/rsa-pkcs12-rc4-128.pem"), Some(&pw())).unwrap_err();
    assert_eq!(
        rc4,
        KeyError::UnsupportedScheme("pbeWithSHAAnd128BitRC4".into())
    );
    let trad = decode_pem(&read("keys/rsa-traditional-encrypted.pem"), Some(&pw())).unwrap_err();
    assert_eq!(
        trad,
        KeyError::TraditionalEncrypted {
            label: "RSA PRIVATE KEY".into(),
            cipher: "AES-256-CBC".into()
        }
    );
}

#[test]
fn re_encodes_the_plain_key_as_pkcs8_pem() {
    let key = decode_pem(&read("keys/rsa-pkcs12-3des.pem"), Some(&pw())).expect("decrypt");
    let pem = key.to_pkcs8_pem();
    assert!(
        pem.expose_secret()
            .starts_with("-----BEGIN PRIVATE KEY-----\n")
    );
    let again = decode_pem(pem.expose_secret(), None).expect("re-read");
    assert_eq!(again.pkcs8_der(), key.pkcs8_der());
}
