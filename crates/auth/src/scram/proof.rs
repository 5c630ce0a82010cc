//! RFC 5802 §3, generic over the hash:
//!
//! ```text
//! SaltedPassword  := Hi(Normalize(password), salt, i)      (PBKDF2 with HMAC)
//! ClientKey       := HMAC(SaltedPassword, "Client Key")
//! StoredKey       := H(ClientKey)
//! ClientSignature := HMAC(StoredKey, AuthMessage)
//! ClientProof     := ClientKey XOR ClientSignature
//! ServerKey       := HMAC(SaltedPassword, "Server Key")
//! ServerSignature := HMAC(ServerKey, AuthMessage)
//! ```

use hmac::{EagerHash, Hmac, KeyInit, Mac};
use zeroize::{Zeroize, Zeroizing};

/// What the client sends (`p=`) and what it expects back (`v=`).
pub(super) struct Proof {
    pub(super) client_proof: Zeroizing<Vec<u8>>,
    pub(super) server_signature: Zeroizing<Vec<u8>>,
}

/// Every intermediate value is wiped when dropped.
pub(super) fn prove<D: EagerHash>(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    auth_message: &[u8],
) -> Proof {
    let mut salted_password = Zeroizing::new(vec![0u8; <D as hmac::digest::Digest>::output_size()]);
    pbkdf2::pbkdf2_hmac::<D>(password, salt, iterations, &mut salted_password);
    let client_key = hmac::<D>(&salted_password, b"Client Key");
    let stored_key = hash::<D>(&client_key);
    let client_signature = hmac::<D>(&stored_key, auth_message);
    let server_key = hmac::<D>(&salted_password, b"Server Key");
    let server_signature = hmac::<D>(&server_key, auth_message);

    let mut client_proof = client_key;
    for (p, s) in client_proof.iter_mut().zip(client_signature.iter()) {
        *p ^= s;
    }
    Proof {
        client_proof,
        server_signature,
    }
}

fn hmac<D: EagerHash>(key: &[u8], data: &[u8]) -> Zeroizing<Vec<u8>> {
    // Invariant: HMAC takes keys of any length (longer ones are hashed), so this cannot fail.
    let mut mac = <Hmac<D> as KeyInit>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    let mut out = mac.finalize().into_bytes();
    let copy = Zeroizing::new(out.to_vec());
    out.as_mut_slice().zeroize();
    copy
}

fn hash<D: EagerHash>(data: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = D::digest(data);
    let copy = Zeroizing::new(out.to_vec());
    out.as_mut_slice().zeroize();
    copy
}
