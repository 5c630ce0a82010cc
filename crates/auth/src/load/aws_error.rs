//! AWS SDK errors, reduced to what is safe to keep and useful to show.
//!
//! An `SdkError` keeps the raw HTTP response, and its `Debug` prints it. For a response that failed
//! to parse, that body could be a `GetSecretValue` answer — a secret. So no SDK error is stored
//! as is: [`Failure`] keeps the AWS error code and the `Display` chain (which the SDK writes from
//! error codes, messages and IO errors, never from bodies) and drops the rest.
//!
//! One exception reads an error body: when the SDK found no error code in a service error, the
//! `<Code>`/`<Message>` of the EC2-style `<ErrorResponse><Errors><Error>` wrapper are taken from
//! it. Some emulators (moto's IAM enforcement, for one) answer STS and Secrets Manager that way,
//! and without the code an access-denied error could not be told from any other.

use std::error::Error as StdError;
use std::fmt;

use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};

use crate::error::BoxError;

/// What kind of failure an SDK call had.
#[derive(Debug)]
pub(crate) enum Failure {
    /// AWS answered with an error code.
    Service {
        code: Option<String>,
        source: BoxError,
    },
    /// The request never got an answer: connection, DNS, TLS, timeout.
    Unreachable { source: BoxError },
    /// Anything else (request construction, an unreadable response).
    Other { source: BoxError },
}

impl Failure {
    pub(crate) fn from_sdk<E>(err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        match &err {
            SdkError::ServiceError(context) if err.code().is_none() => {
                match context.raw().body().bytes().and_then(wrapped_error) {
                    Some((code, message)) => Failure::Service {
                        source: Box::new(Message(format!("{code}: {message}"))),
                        code: Some(code),
                    },
                    None => Failure::Service {
                        code: None,
                        source: chain(&err),
                    },
                }
            }
            SdkError::ServiceError(_) => Failure::Service {
                code: err.code().map(str::to_owned),
                source: chain(&err),
            },
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => Failure::Unreachable {
                source: chain(&err),
            },
            _ => Failure::Other {
                source: chain(&err),
            },
        }
    }
}

/// `(code, message)` of an `<ErrorResponse><Errors><Error>` body. The code must look like one
/// (a short identifier); the message is cut at 512 characters.
fn wrapped_error(body: &[u8]) -> Option<(String, String)> {
    let body = std::str::from_utf8(body).ok()?;
    let error = between(body, "<Errors>", "</Errors>")?;
    let code = between(error, "<Code>", "</Code>")?.trim();
    let plausible = (1..=64).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    if !plausible {
        return None;
    }
    let message = between(error, "<Message>", "</Message>")
        .unwrap_or("")
        .trim()
        .chars()
        .take(512)
        .collect();
    Some((code.to_owned(), message))
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let len = text[start..].find(close)?;
    Some(&text[start..start + len])
}

/// An error's `Display` chain (`outer: inner: innermost`) as a plain error value.
pub(crate) fn chain(err: &(dyn StdError + 'static)) -> BoxError {
    let mut text = err.to_string();
    let mut next = err.source();
    while let Some(e) = next {
        let part = e.to_string();
        // SDK errors often repeat their source's text in their own; say it once.
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        next = e.source();
    }
    Box::new(Message(text))
}

/// A message that stands for an SDK error.
struct Message(String);

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for Message {}

/// AWS error codes that mean "these credentials are not valid", across services.
pub(crate) fn is_rejected_credentials(code: &str) -> bool {
    matches!(
        code,
        "InvalidClientTokenId"
            | "SignatureDoesNotMatch"
            | "UnrecognizedClientException"
            | "InvalidSignatureException"
            | "InvalidAccessKeyId"
            | "IncompleteSignature"
    )
}

/// AWS error codes that mean "these credentials have expired".
pub(crate) fn is_expired_credentials(code: &str) -> bool {
    matches!(
        code,
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("dispatch failure")
        }
    }
    impl StdError for Outer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn reads_codes_from_wrapped_error_bodies() {
        let body = br#"<?xml version="1.0" encoding="utf-8"?>
<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/u is not authorized to perform: sts:AssumeRole</Message><Type>Sender</Type></Error></Errors></ErrorResponse>"#;
        let (code, message) = wrapped_error(body).expect("wrapped");
        assert_eq!(code, "AccessDenied");
        assert!(message.ends_with("sts:AssumeRole"), "{message}");
        assert_eq!(
            wrapped_error(b"<ErrorResponse><Error><Code>X</Code></Error></ErrorResponse>"),
            None
        );
        assert_eq!(
            wrapped_error(b"<Errors><Error><Code>not a code</Code></Error></Errors>"),
            None
        );
        assert_eq!(wrapped_error(b"{\"__type\":\"x\"}"), None);
        assert_eq!(wrapped_error(&[0xff, 0xfe]), None);
    }

    #[test]
    fn keeps_the_display_chain_only() {
        let err = Outer(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "connection refused",
        ));
        let c = chain(&err);
        assert_eq!(c.to_string(), "dispatch failure: connection refused");
        assert_eq!(format!("{c:?}"), "\"dispatch failure: connection refused\"");
        assert!(c.source().is_none());
    }
}
