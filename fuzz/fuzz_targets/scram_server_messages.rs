//! Any bytes as a server-first and a server-final message to a SCRAM client: never panics, and
//! nothing but a correct server signature authenticates.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mskgate_auth::SecretString;
use mskgate_auth::scram::{Mechanism, ScramClient};

/// Iteration counts the client would accept but that would make each run slow (up to
/// `scram::MAX_ITERATIONS`) are skipped: the parser and checks run before PBKDF2 anyway.
const FUZZ_MAX_ITERATIONS: u64 = 20_000;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the mechanism; a newline separates server-first from server-final.
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let mechanism = if selector & 1 == 0 {
        Mechanism::ScramSha512
    } else {
        Mechanism::ScramSha256
    };
    let (first, last) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    if iteration_count(first).is_some_and(|i| i > FUZZ_MAX_ITERATIONS) {
        return;
    }
    let password = SecretString::from("fuzz-password");
    let mut client = ScramClient::with_nonce(mechanism, "fuzz,user=", &password, "fuzzcnonce")
        .expect("valid client");
    let _ = client.client_first();
    if client.handle_server_first(first).is_ok() {
        let _ = client.handle_server_final(last);
    } else {
        assert!(client.handle_server_final(last).is_err());
    }
    // A random server cannot know the password.
    assert!(!client.is_authenticated());
});

/// The digits after the first `,i=`, if any.
fn iteration_count(msg: &[u8]) -> Option<u64> {
    let at = msg.windows(3).position(|w| w == b",i=")? + 3;
    let digits: Vec<u8> = msg[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    if digits.is_empty() {
        return None;
    }
    Some(
        std::str::from_utf8(&digits)
            .ok()?
            .parse()
            .unwrap_or(u64::MAX),
    )
}
