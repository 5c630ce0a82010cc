//! RFC 5802 §7 grammar: the server messages a client reads, and the text a client writes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::error::ScramError;

/// The longest `e=` reason passed on to the caller.
const MAX_REASON_LEN: usize = 128;

/// A checked server-first message.
pub(super) struct ServerFirst<'a> {
    /// The whole message, as it enters the AuthMessage.
    pub(super) text: &'a str,
    /// Client nonce + server nonce (`r=`).
    pub(super) nonce: &'a str,
    /// The decoded salt (`s=`); may be empty (the caller refuses that).
    pub(super) salt: Vec<u8>,
    /// The iteration count (`i=`), not yet checked against the limits.
    pub(super) iterations: u64,
}

/// What a server-final message says.
pub(super) enum ServerFinal {
    /// `v=`: the decoded server signature.
    Verifier(Vec<u8>),
    /// `e=`: the server's reason.
    Error(String),
}

/// `printable = %x21-2B / %x2D-7E` (RFC 5802 §7): what a nonce is made of.
pub(super) fn is_printable_nonce(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| matches!(b, 0x21..=0x2B | 0x2D..=0x7E))
}

/// Usernames and passwords: non-empty printable ASCII (SASLprep maps these to themselves).
pub(super) fn check_credential(field: &'static str, value: &str) -> Result<(), ScramError> {
    if value.is_empty() {
        return Err(ScramError::EmptyCredential { field });
    }
    if !value.bytes().all(|b| matches!(b, 0x20..=0x7E)) {
        return Err(ScramError::UnsupportedCharacters { field });
    }
    Ok(())
}

/// `saslname` (RFC 5802 §5.1): `,` → `=2C` and `=` → `=3D`.
pub(super) fn escape_username(username: &str) -> String {
    let mut out = String::with_capacity(username.len());
    for c in username.chars() {
        match c {
            ',' => out.push_str("=2C"),
            '=' => out.push_str("=3D"),
            c => out.push(c),
        }
    }
    out
}

/// `server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]`
pub(super) fn parse_server_first(msg: &[u8]) -> Result<ServerFirst<'_>, ScramError> {
    let malformed = |detail| ScramError::Malformed {
        message: "server-first",
        detail,
    };
    let text = std::str::from_utf8(msg).map_err(|_| malformed("it is not UTF-8"))?;
    let mut attributes = text.split(',');
    let first = attributes.next().unwrap_or_default();
    if first.starts_with("m=") {
        return Err(ScramError::MandatoryExtension);
    }
    let nonce = first
        .strip_prefix("r=")
        .ok_or(malformed("it does not start with the nonce (r=)"))?;
    if !is_printable_nonce(nonce) {
        return Err(malformed("the nonce (r=) is empty or not printable ASCII"));
    }
    let salt = attributes
        .next()
        .and_then(|a| a.strip_prefix("s="))
        .ok_or(malformed("the salt (s=) does not follow the nonce"))?;
    let salt = BASE64
        .decode(salt)
        .map_err(|_| ScramError::InvalidSalt("is not valid base64"))?;
    let iterations = attributes
        .next()
        .and_then(|a| a.strip_prefix("i="))
        .ok_or(malformed(
            "the iteration count (i=) does not follow the salt",
        ))?;
    let iterations = parse_positive(iterations).ok_or(malformed(
        "the iteration count (i=) is not a positive decimal number",
    ))?;
    if !attributes.all(is_extension) {
        return Err(malformed(
            "an extension after the iteration count is malformed",
        ));
    }
    Ok(ServerFirst {
        text,
        nonce,
        salt,
        iterations,
    })
}

/// `server-final-message = (server-error / verifier) ["," extensions]`
pub(super) fn parse_server_final(msg: &[u8]) -> Result<ServerFinal, ScramError> {
    let malformed = |detail| ScramError::Malformed {
        message: "server-final",
        detail,
    };
    let text = std::str::from_utf8(msg).map_err(|_| malformed("it is not UTF-8"))?;
    let mut attributes = text.split(',');
    let first = attributes.next().unwrap_or_default();
    let outcome = if let Some(reason) = first.strip_prefix("e=") {
        let shown = !reason.is_empty()
            && reason.len() <= MAX_REASON_LEN
            && reason.bytes().all(|b| matches!(b, 0x20..=0x7E));
        if !shown {
            return Err(malformed(
                "the server error (e=) is empty, too long or not printable ASCII",
            ));
        }
        ServerFinal::Error(reason.to_owned())
    } else if let Some(verifier) = first.strip_prefix("v=") {
        let signature = BASE64
            .decode(verifier)
            .map_err(|_| malformed("the server signature (v=) is not valid base64"))?;
        ServerFinal::Verifier(signature)
    } else {
        return Err(malformed(
            "it starts with neither a server signature (v=) nor an error (e=)",
        ));
    };
    if !attributes.all(is_extension) {
        return Err(malformed(
            "an extension after the first attribute is malformed",
        ));
    }
    Ok(outcome)
}

/// `posit-number = %x31-39 *DIGIT`, as a number; `None` if malformed or beyond `u64`.
fn parse_positive(s: &str) -> Option<u64> {
    let well_formed = s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0');
    if well_formed { s.parse().ok() } else { None }
}

/// `attr-val = ALPHA "=" value` (extensions are ignored, but must have this shape).
fn is_extension(attribute: &str) -> bool {
    let b = attribute.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b'='
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_comma_and_equals_in_usernames() {
        assert_eq!(escape_username("user"), "user");
        assert_eq!(escape_username("a,b=c"), "a=2Cb=3Dc");
        assert_eq!(escape_username("=2C"), "=3D2C");
    }

    #[test]
    fn nonces_are_printable_without_commas() {
        assert!(is_printable_nonce("fyko+d2lbbFgONRv9qkxdawL"));
        assert!(is_printable_nonce("%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"));
        assert!(!is_printable_nonce(""));
        assert!(!is_printable_nonce("a,b"));
        assert!(!is_printable_nonce("a b"));
        assert!(!is_printable_nonce("é"));
    }

    #[test]
    fn iteration_counts_follow_the_grammar() {
        assert_eq!(parse_positive("4096"), Some(4096));
        assert_eq!(parse_positive("18446744073709551615"), Some(u64::MAX));
        for bad in [
            "",
            "0",
            "04096",
            "+4096",
            "-1",
            "4096 ",
            "4e3",
            "18446744073709551616",
        ] {
            assert_eq!(parse_positive(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn server_first_attributes_must_come_in_order() {
        let ok = parse_server_first(b"r=abc,s=QSXCR+Q6sek8bf92,i=4096,x=ext").expect("valid");
        assert_eq!((ok.nonce, ok.iterations), ("abc", 4096));
        for (msg, want) in [
            (&b"s=QSXCR+Q6sek8bf92,r=abc,i=4096"[..], "nonce (r=)"),
            (b"r=abc,i=4096,s=QSXCR+Q6sek8bf92", "salt (s=)"),
            (b"r=abc,s=QSXCR+Q6sek8bf92", "iteration count (i=)"),
            (b"r=abc,s=QSXCR+Q6sek8bf92,i=4096,", "extension"),
            (b"r=,s=QSXCR+Q6sek8bf92,i=4096", "nonce (r=)"),
            (b"r=abc,s=QSXCR+Q6sek8bf92,i=four", "iteration count (i=)"),
            (b"\xff", "UTF-8"),
            (b"", "nonce (r=)"),
        ] {
            let err = parse_server_first(msg).err().expect("malformed");
            assert!(err.to_string().contains(want), "{msg:?}: {err}");
        }
    }

    #[test]
    fn server_final_is_a_verifier_or_an_error() {
        assert!(matches!(
            parse_server_final(b"v=AAEC,x=ext"),
            Ok(ServerFinal::Verifier(v)) if v == [0, 1, 2]
        ));
        assert!(matches!(
            parse_server_final(b"e=invalid-proof"),
            Ok(ServerFinal::Error(r)) if r == "invalid-proof"
        ));
        for msg in [
            &b""[..],
            b"x=1",
            b"v=***",
            b"e=",
            b"e=\x01",
            b"v=AAEC,",
            b"E=other-error",
        ] {
            assert!(parse_server_final(msg).is_err(), "{msg:?}");
        }
        let long = format!("e={}", "x".repeat(MAX_REASON_LEN + 1));
        assert!(parse_server_final(long.as_bytes()).is_err());
    }
}
