use super::*;

const RFC5802_SERVER_FIRST: &[u8] =
    b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
const RFC7677_SERVER_FIRST: &[u8] =
    b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const RFC7677_SERVER_FINAL: &[u8] = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

fn pencil() -> SecretString {
    SecretString::from("pencil")
}

fn rfc7677_client() -> ScramClient {
    ScramClient::with_nonce(
        Mechanism::ScramSha256,
        "user",
        &pencil(),
        "rOprNGfwEbeRWgbNEkqO",
    )
    .expect("valid client")
}

/// A SHA-256 client with nonce `abc` that has been sent `server_first`.
fn after(server_first: &str) -> (ScramClient, Result<String, ScramError>) {
    let mut c = ScramClient::with_nonce(Mechanism::ScramSha256, "user", &pencil(), "abc")
        .expect("valid client");
    let r = c.handle_server_first(server_first.as_bytes());
    (c, r)
}

#[test]
fn rfc5802_sha1_vector() {
    // RFC 5802 §5, through the same generic code the public mechanisms use.
    let mut c = ScramClient::build(Hash::Sha1, "user", &pencil(), "fyko+d2lbbFgONRv9qkxdawL")
        .expect("client");
    assert_eq!(c.mechanism_name(), "SCRAM-SHA-1");
    assert_eq!(c.client_first(), "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
    let client_final = c
        .handle_server_first(RFC5802_SERVER_FIRST)
        .expect("server-first");
    assert_eq!(
        client_final,
        "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
    );
    assert!(!c.is_authenticated());
    c.handle_server_final(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")
        .expect("server signature verifies");
    assert!(c.is_authenticated());
}

#[test]
fn rfc7677_sha256_vector() {
    let mut c = rfc7677_client();
    assert_eq!(c.mechanism_name(), "SCRAM-SHA-256");
    assert_eq!(c.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    let client_final = c
        .handle_server_first(RFC7677_SERVER_FIRST)
        .expect("server-first");
    assert_eq!(
        client_final,
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
         p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    );
    c.handle_server_final(RFC7677_SERVER_FINAL)
        .expect("server signature verifies");
    assert!(c.is_authenticated());
}

#[test]
fn rejects_a_server_signature_that_does_not_verify() {
    let mut c = rfc7677_client();
    c.handle_server_first(RFC7677_SERVER_FIRST)
        .expect("server-first");
    // One byte off, then a truncated signature.
    let err = c
        .handle_server_final(b"v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
        .unwrap_err();
    assert_eq!(err, ScramError::ServerSignatureMismatch);
    assert!(!c.is_authenticated());

    let mut c = rfc7677_client();
    c.handle_server_first(RFC7677_SERVER_FIRST)
        .expect("server-first");
    assert_eq!(
        c.handle_server_final(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5n")
            .unwrap_err(),
        ScramError::ServerSignatureMismatch
    );
}

#[test]
fn rejects_a_server_nonce_that_does_not_extend_ours() {
    for server_first in [
        "r=xyzdef,s=QSXCR+Q6sek8bf92,i=4096", // another prefix
        "r=abc,s=QSXCR+Q6sek8bf92,i=4096",    // ours, nothing added
        "r=ab,s=QSXCR+Q6sek8bf92,i=4096",     // shorter
        "r=Abcdef,s=QSXCR+Q6sek8bf92,i=4096", // case differs
    ] {
        let (c, r) = after(server_first);
        assert_eq!(r.unwrap_err(), ScramError::NonceMismatch, "{server_first}");
        assert_eq!(c.state.name(), "failed");
    }
}

#[test]
fn rejects_iteration_counts_outside_the_limits() {
    let (_, r) = after("r=abcdef,s=QSXCR+Q6sek8bf92,i=4095");
    let err = r.unwrap_err();
    assert_eq!(
        err,
        ScramError::TooFewIterations {
            iterations: 4095,
            minimum: MIN_ITERATIONS
        }
    );
    assert!(err.to_string().contains("4095"), "{err}");
    assert!(err.to_string().contains("4096"), "{err}");

    for (count, shown) in [
        ("10000001", 10_000_001),
        ("4294967296", 4_294_967_296),
        ("18446744073709551615", u64::MAX),
    ] {
        let (_, r) = after(&format!("r=abcdef,s=QSXCR+Q6sek8bf92,i={count}"));
        assert_eq!(
            r.unwrap_err(),
            ScramError::TooManyIterations {
                iterations: shown,
                maximum: MAX_ITERATIONS
            }
        );
    }
    let (_, r) = after("r=abcdef,s=QSXCR+Q6sek8bf92,i=4096");
    assert!(r.is_ok());
}

#[test]
fn rejects_an_empty_or_undecodable_salt() {
    let (_, r) = after("r=abcdef,s=,i=4096");
    assert_eq!(r.unwrap_err(), ScramError::InvalidSalt("is empty"));
    let (_, r) = after("r=abcdef,s=not*base64,i=4096");
    assert_eq!(
        r.unwrap_err(),
        ScramError::InvalidSalt("is not valid base64")
    );
}

#[test]
fn refuses_mandatory_extensions() {
    let (_, r) = after("m=channel-binding-required,r=abcdef,s=QSXCR+Q6sek8bf92,i=4096");
    assert_eq!(r.unwrap_err(), ScramError::MandatoryExtension);
}

#[test]
fn maps_server_errors_to_their_reason() {
    for reason in ["invalid-proof", "unknown-user", "other-error"] {
        let mut c = rfc7677_client();
        c.handle_server_first(RFC7677_SERVER_FIRST)
            .expect("server-first");
        let err = c
            .handle_server_final(format!("e={reason}").as_bytes())
            .unwrap_err();
        assert_eq!(
            err,
            ScramError::Server {
                reason: reason.to_owned()
            }
        );
        assert_eq!(
            err.to_string(),
            format!("the server rejected the SCRAM authentication: {reason}")
        );
    }
}

#[test]
fn steps_out_of_order_are_errors() {
    let mut c = rfc7677_client();
    assert!(matches!(
        c.handle_server_final(RFC7677_SERVER_FINAL),
        Err(ScramError::OutOfOrder(_))
    ));
    // Misuse leaves the exchange where it was.
    c.handle_server_first(RFC7677_SERVER_FIRST)
        .expect("server-first");
    assert!(matches!(
        c.handle_server_first(RFC7677_SERVER_FIRST),
        Err(ScramError::OutOfOrder(_))
    ));
    c.handle_server_final(RFC7677_SERVER_FINAL)
        .expect("server-final");
    assert!(matches!(
        c.handle_server_final(RFC7677_SERVER_FINAL),
        Err(ScramError::OutOfOrder(_))
    ));
    assert!(matches!(
        c.handle_server_first(RFC7677_SERVER_FIRST),
        Err(ScramError::OutOfOrder(_))
    ));
    assert!(c.is_authenticated());

    // After a failure nothing continues.
    let (mut c, r) = after("r=abc,s=QSXCR+Q6sek8bf92,i=4096");
    assert!(r.is_err());
    assert!(matches!(
        c.handle_server_final(b"v=AAAA"),
        Err(ScramError::OutOfOrder("the exchange is over"))
    ));
}

#[test]
fn escapes_the_username_in_client_first() {
    let c = ScramClient::with_nonce(Mechanism::ScramSha512, "a,b=c", &pencil(), "n0nce")
        .expect("client");
    assert_eq!(c.client_first(), "n,,n=a=2Cb=3Dc,r=n0nce");
}

#[test]
fn refuses_credentials_saslprep_would_change_or_forbid() {
    let nonce = "abc";
    let m = Mechanism::ScramSha512;
    let err = |u: &str, p: &str| {
        ScramClient::with_nonce(m, u, &SecretString::from(p), nonce).unwrap_err()
    };
    assert_eq!(
        err("", "pw"),
        ScramError::EmptyCredential { field: "username" }
    );
    assert_eq!(
        err("user", ""),
        ScramError::EmptyCredential { field: "password" }
    );
    assert_eq!(
        err("usér", "pw"),
        ScramError::UnsupportedCharacters { field: "username" }
    );
    assert_eq!(
        err("user", "p\u{00A0}w"),
        ScramError::UnsupportedCharacters { field: "password" }
    );
    assert_eq!(
        err("user", "p\tw"),
        ScramError::UnsupportedCharacters { field: "password" }
    );
    // Spaces and every printable ASCII character are fine.
    let all: String = (0x20u8..=0x7E).map(char::from).collect();
    assert!(ScramClient::with_nonce(m, &all, &SecretString::from(all.as_str()), nonce).is_ok());
}

#[test]
fn rejects_unusable_nonces() {
    for nonce in ["", "a,b", "a b", "ñ"] {
        assert_eq!(
            ScramClient::with_nonce(Mechanism::ScramSha512, "user", &pencil(), nonce).unwrap_err(),
            ScramError::InvalidNonce,
            "{nonce:?}"
        );
    }
}

#[test]
fn random_nonces_are_fresh_printable_and_long() {
    let a = ScramClient::new(Mechanism::ScramSha512, "user", &pencil()).expect("client");
    let b = ScramClient::new(Mechanism::ScramSha512, "user", &pencil()).expect("client");
    assert_ne!(a.client_nonce, b.client_nonce);
    assert_eq!(a.client_nonce.len(), 32);
    assert!(message::is_printable_nonce(&a.client_nonce));
    assert!(a.client_first().starts_with("n,,n=user,r="));
}

#[test]
fn debug_shows_no_secret() {
    let mut c = rfc7677_client();
    assert_eq!(
        format!("{c:?}"),
        r#"ScramClient { mechanism: "SCRAM-SHA-256", username: "user", state: "initial", .. }"#
    );
    c.handle_server_first(RFC7677_SERVER_FIRST)
        .expect("server-first");
    let d = format!("{c:?} {c:#?}");
    assert!(d.contains("awaiting server-final"), "{d}");
    assert!(!d.contains("pencil"), "{d}");
    assert!(!d.contains("6rriTRBi"), "{d}");
}

#[test]
fn mechanism_names_are_the_sasl_names() {
    assert_eq!(Mechanism::ScramSha512.name(), "SCRAM-SHA-512");
    assert_eq!(Mechanism::ScramSha256.name(), "SCRAM-SHA-256");
    assert_eq!(
        Mechanism::from_name("scram-sha-512"),
        Some(Mechanism::ScramSha512)
    );
    assert_eq!(Mechanism::from_name("SCRAM-SHA-1"), None);
    assert_eq!(Mechanism::from_name("PLAIN"), None);
}
