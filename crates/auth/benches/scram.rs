//! SCRAM client exchanges per second: `cargo bench -p mskgate-auth --bench scram`.
//!
//! One exchange is the client's whole side — `with_nonce`, `client_first`, `handle_server_first`
//! (PBKDF2 at 4096 iterations, then the proof) and `handle_server_final` (the constant-time
//! signature check) — against server messages computed once up front by an independent server
//! written here on the RustCrypto primitives. Plain `main`, no harness: it prints figures.

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{EagerHash, Hmac, KeyInit, Mac};
use mskgate_auth::SecretString;
use mskgate_auth::scram::{Mechanism, ScramClient};

const USER: &str = "bench-user";
const PASSWORD: &str = "bench-password";
const CLIENT_NONCE: &str = "bench-client-nonce-0123456789ab";
const ITERATIONS: u32 = 4096;
const SALT: &[u8] = b"sixteen-byte-slt";
const RUN_FOR: Duration = Duration::from_secs(3);

/// The server-first and server-final messages a correct server sends this client.
fn server_messages<D: EagerHash>() -> (String, String) {
    let nonce = format!("{CLIENT_NONCE}bench-server-nonce");
    let server_first = format!("r={nonce},s={},i={ITERATIONS}", BASE64.encode(SALT));
    let auth_message = format!("n={USER},r={CLIENT_NONCE},{server_first},c=biws,r={nonce}");
    let mut salted = vec![0u8; <D as hmac::digest::Digest>::output_size()];
    pbkdf2::pbkdf2_hmac::<D>(PASSWORD.as_bytes(), SALT, ITERATIONS, &mut salted);
    let mac = |key: &[u8], data: &[u8]| {
        let mut m = <Hmac<D> as KeyInit>::new_from_slice(key).expect("any key length");
        m.update(data);
        m.finalize().into_bytes().to_vec()
    };
    let server_key = mac(&salted, b"Server Key");
    let signature = mac(&server_key, auth_message.as_bytes());
    (server_first, format!("v={}", BASE64.encode(signature)))
}

fn exchange(mechanism: Mechanism, password: &SecretString, first: &[u8], last: &[u8]) {
    let mut client =
        ScramClient::with_nonce(mechanism, USER, password, CLIENT_NONCE).expect("client");
    black_box(client.client_first());
    black_box(client.handle_server_first(first).expect("server-first"));
    client
        .handle_server_final(last)
        .expect("server-final verifies");
}

fn measure(mechanism: Mechanism, (first, last): (String, String)) {
    let password = SecretString::from(PASSWORD);
    for _ in 0..20 {
        exchange(mechanism, &password, first.as_bytes(), last.as_bytes());
    }
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < RUN_FOR {
        exchange(mechanism, &password, first.as_bytes(), last.as_bytes());
        n += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{:<14} i={ITERATIONS}: {:>8.1} exchanges/s  ({:.3} ms/exchange, {n} exchanges in {secs:.2} s)",
        mechanism.name(),
        f64::from(n) / secs,
        secs * 1000.0 / f64::from(n),
    );
}

fn main() {
    println!("SCRAM client, one thread, full client side of an exchange:");
    measure(Mechanism::ScramSha512, server_messages::<sha2::Sha512>());
    measure(Mechanism::ScramSha256, server_messages::<sha2::Sha256>());
}
