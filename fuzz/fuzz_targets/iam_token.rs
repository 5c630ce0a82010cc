//! Any bytes as an MSK IAM token — raw, and base64url-encoded so the URL checks are reached:
//! verification never panics, its verdict is consistent, and no problem quotes the secret key.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use mskgate_auth::SecretString;
use mskgate_auth::iam::{AwsCredentials, VerifyOptions, verify_token};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fuzz_target!(|data: &[u8]| {
    let at = time::OffsetDateTime::from_unix_timestamp(1_704_067_200).expect("valid instant");
    // The key id of the seed tokens, so the signature is recomputed too.
    let creds = AwsCredentials::new(
        "AKIAIOSFODNN7EXAMPLE",
        SecretString::from(SECRET),
        None,
        None,
    );
    let opts = VerifyOptions::at(at).with_credentials(creds);
    let text = String::from_utf8_lossy(data);
    for token in [text.into_owned(), URL_SAFE_NO_PAD.encode(data)] {
        let r = verify_token(&token, &opts);
        assert_eq!(r.valid, r.problems.is_empty());
        assert!(!r.expired || !r.valid);
        assert!(r.problems.iter().all(|p| !p.contains(SECRET)));
    }
});
