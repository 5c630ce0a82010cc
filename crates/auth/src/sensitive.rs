//! Zeroizing holders for secret values.
//!
//! Every password, private key and token that passes through mskgate lives in one of these types:
//! the memory is wiped on drop, `Debug` prints `[redacted]`, and there is no `Display` or
//! `Serialize`, so a secret cannot reach a log line or an output document by accident. The value
//! is reached only through `expose_secret()`, which makes every use easy to find.

use std::fmt;

use zeroize::Zeroizing;

/// A secret text value (password, PEM private key, token).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps `value`; the string is wiped when the last holder is dropped.
    pub fn new(value: String) -> Self {
        Self(Zeroizing::new(value))
    }

    /// The secret value. Never log or print it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the value is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self::new(value.to_owned())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Secret binary data (decrypted key DER, derived keys).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Wraps `value`; the bytes are wiped when the last holder is dropped.
    pub fn new(value: Vec<u8>) -> Self {
        Self(Zeroizing::new(value))
    }

    /// The secret bytes. Never log or print them.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(value: Vec<u8>) -> Self {
        Self::new(value)
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_is_redacted() {
        let s = SecretString::from("hunter2-canary");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{:#?}", Some(&s)), "Some(\n    [redacted],\n)");
        let b = SecretBytes::new(b"key-bytes".to_vec());
        assert_eq!(format!("{b:?}"), "[redacted]");
    }

    #[test]
    fn exposes_the_value_only_on_request() {
        let s = SecretString::from("pw");
        assert_eq!(s.expose_secret(), "pw");
        assert!(!s.is_empty());
        assert!(SecretString::default().is_empty());
    }
}
