//! Generating the MSK IAM OAUTHBEARER token: a SigV4 query presign of
//! `GET https://kafka.<region>.<suffix>/?Action=kafka-cluster%3AConnect`, base64url-encoded.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::credentials::AwsCredentials;
use super::partition::{redact, signing_host};
use crate::error::TokenError;
use crate::sensitive::SecretString;

/// The SigV4 service name MSK signs for.
pub const SERVICE: &str = "kafka-cluster";
/// The IAM action a token asks for.
pub const ACTION: &str = "kafka-cluster:Connect";
/// The longest lifetime MSK accepts, and the official signers' fixed lifetime.
pub const MAX_LIFETIME: Duration = Duration::from_secs(900);
/// The `User-Agent` parameter mskgate appends (unsigned) after the signature.
pub const DEFAULT_USER_AGENT: &str = concat!("mskgate/", env!("CARGO_PKG_VERSION"));

/// Query values are written as RFC 3986 unreserved characters plus `%XX` — the encoding SigV4
/// canonicalises to, and the one botocore's `urlencode` produces for these values.
pub(crate) const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The request parameter that precedes the SigV4 parameters, already encoded.
pub(crate) const ACTION_QUERY: &str = "Action=kafka-cluster%3AConnect";

/// What to sign: where, when, for how long.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenRequest {
    /// The cluster's region (`us-east-1`, `cn-north-1`, …); picks the signing host's partition.
    pub region: String,
    /// The requested lifetime, 1..=900 s (default 900, as the official signers). Shortened to the
    /// credentials' remaining lifetime when they expire sooner.
    pub expires_in: Duration,
    /// The signing instant (`X-Amz-Date`, truncated to the second).
    pub at: OffsetDateTime,
    /// The unsigned `User-Agent` parameter; [`DEFAULT_USER_AGENT`] when `None`.
    pub user_agent: Option<String>,
}

impl TokenRequest {
    /// A request for a 900-second token for `region`, signed at `at`.
    pub fn new(region: impl Into<String>, at: OffsetDateTime) -> Self {
        Self {
            region: region.into(),
            expires_in: MAX_LIFETIME,
            at,
            user_agent: None,
        }
    }

    /// The same request with another lifetime.
    #[must_use]
    pub fn with_expires_in(mut self, expires_in: Duration) -> Self {
        self.expires_in = expires_in;
        self
    }

    /// The same request with another `User-Agent` parameter.
    #[must_use]
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }
}

/// A signed token, ready to hand to librdkafka's OAUTHBEARER refresh callback.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct MskToken {
    /// The token: base64url (no padding) of the presigned URL. A credential: it carries the
    /// session token, and anyone holding it can connect as the signer until it expires.
    pub token: SecretString,
    /// When MSK stops accepting it: `X-Amz-Date + X-Amz-Expires`, in Unix milliseconds.
    pub expires_at_ms: i64,
    /// The region it was signed for.
    pub region: String,
    /// `X-Amz-Date`: the signing instant, truncated to the second.
    pub signed_at: OffsetDateTime,
    /// `X-Amz-Expires`: the requested lifetime, or less when the credentials expire sooner.
    pub lifetime: Duration,
}

/// Signs an MSK IAM token with `creds`, as the official signers do (see the module docs for what
/// mskgate does beyond them).
///
/// # Errors
/// [`TokenError`] for a malformed region, a lifetime outside 1..=900 s, empty credentials,
/// credentials expired at `req.at`, or a signing time SigV4 cannot express.
pub fn generate_token(creds: &AwsCredentials, req: &TokenRequest) -> Result<MskToken, TokenError> {
    let host = signing_host(&req.region).map_err(|mut e| {
        // A secret pasted into the region field is not quoted back.
        if let TokenError::InvalidRegion { region } = &mut e {
            let secret = creds.secret_access_key().expose_secret();
            let session = creds
                .session_token()
                .map_or("", SecretString::expose_secret);
            redact(region, &[secret, session]);
        }
        e
    })?;
    let requested = req.expires_in.as_secs();
    if !(1..=MAX_LIFETIME.as_secs()).contains(&requested) {
        return Err(TokenError::InvalidLifetime { seconds: requested });
    }
    let signed_at = req.at.replace_nanosecond(0).unwrap_or(req.at);
    let lifetime = match creds.expires_at() {
        None => requested,
        Some(expires_at) => {
            let remaining = (expires_at - signed_at).whole_seconds();
            if expires_at <= req.at || remaining < 1 {
                return Err(TokenError::CredentialsExpired {
                    expires_at,
                    at: req.at,
                });
            }
            requested.min(remaining.unsigned_abs())
        }
    };
    let signed = presign(&Presign {
        service: SERVICE,
        host: &host,
        path_and_query: &format!("/?{ACTION_QUERY}"),
        region: &req.region,
        creds: CredentialParts::of(creds)?,
        at: signed_at,
        expires_in: Duration::from_secs(lifetime),
    })?;

    let user_agent = req.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT);
    let mut url = Zeroizing::new(String::with_capacity(512));
    url.push_str("https://");
    url.push_str(&host);
    url.push_str("/?");
    url.push_str(ACTION_QUERY);
    for (name, value) in &signed.ordered() {
        push_param(&mut url, name, value);
    }
    push_param(&mut url, "User-Agent", user_agent);

    let lifetime_ms = i64::try_from(lifetime * 1000).unwrap_or(i64::MAX);
    Ok(MskToken {
        token: SecretString::new(URL_SAFE_NO_PAD.encode(url.as_bytes())),
        expires_at_ms: (signed_at.unix_timestamp() * 1000).saturating_add(lifetime_ms),
        region: req.region.clone(),
        signed_at,
        lifetime: Duration::from_secs(lifetime),
    })
}

fn push_param(url: &mut String, name: &str, value: &str) {
    url.push('&');
    url.push_str(name);
    url.push('=');
    url.extend(utf8_percent_encode(value, QUERY_VALUE));
}

/// The secret parts of a credential, borrowed.
#[derive(Clone, Copy)]
pub(crate) struct CredentialParts<'a> {
    pub(crate) access_key_id: &'a str,
    pub(crate) secret_access_key: &'a str,
    pub(crate) session_token: Option<&'a str>,
}

impl<'a> CredentialParts<'a> {
    pub(crate) fn of(creds: &'a AwsCredentials) -> Result<Self, TokenError> {
        if creds.access_key_id().is_empty() {
            return Err(TokenError::EmptyCredentials {
                field: "access key id",
            });
        }
        if creds.secret_access_key().is_empty() {
            return Err(TokenError::EmptyCredentials {
                field: "secret access key",
            });
        }
        Ok(Self {
            access_key_id: creds.access_key_id(),
            secret_access_key: creds.secret_access_key().expose_secret(),
            session_token: creds.session_token().map(SecretString::expose_secret),
        })
    }
}

/// One SigV4 query presign.
pub(crate) struct Presign<'a> {
    /// The SigV4 service name (`kafka-cluster`).
    pub(crate) service: &'a str,
    /// The host signed (the only signed header).
    pub(crate) host: &'a str,
    /// Path and the request's own query (e.g. `/?Action=…`), encoded.
    pub(crate) path_and_query: &'a str,
    pub(crate) region: &'a str,
    pub(crate) creds: CredentialParts<'a>,
    /// Whole seconds.
    pub(crate) at: OffsetDateTime,
    pub(crate) expires_in: Duration,
}

/// The SigV4 parameters aws-sigv4 computed.
pub(crate) struct Signed {
    params: Vec<(&'static str, Cow<'static, str>)>,
}

impl Signed {
    /// The parameters in the official signers' order: botocore puts `X-Amz-Security-Token` right
    /// after `X-Amz-SignedHeaders` and `X-Amz-Signature` last; aws-sigv4 puts the token last.
    fn ordered(&self) -> Vec<(&'static str, &str)> {
        let mut out: Vec<(&'static str, &str)> = self
            .params
            .iter()
            .filter(|(name, _)| *name != "X-Amz-Signature")
            .map(|(name, value)| (*name, value.as_ref()))
            .collect();
        out.extend(self.signature().map(|s| ("X-Amz-Signature", s)));
        out
    }

    /// `X-Amz-Signature`.
    pub(crate) fn signature(&self) -> Option<&str> {
        self.params
            .iter()
            .find(|(name, _)| *name == "X-Amz-Signature")
            .map(|(_, value)| value.as_ref())
    }
}

impl Drop for Signed {
    fn drop(&mut self) {
        use zeroize::Zeroize as _;
        for (_, value) in &mut self.params {
            if let Cow::Owned(s) = value {
                s.zeroize();
            }
        }
    }
}

/// Presigns with aws-sigv4 (service `kafka-cluster`, signature in the query, only `host` signed,
/// session token included in the canonical request).
pub(crate) fn presign(p: &Presign<'_>) -> Result<Signed, TokenError> {
    if !(1970..=9999).contains(&p.at.year()) {
        return Err(TokenError::TimeOutOfRange { at: p.at });
    }
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(p.expires_in);
    let identity = Credentials::new(
        p.creds.access_key_id,
        p.creds.secret_access_key,
        p.creds.session_token.map(str::to_owned),
        None,
        "mskgate",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(p.region)
        .name(p.service)
        .time(SystemTime::from(p.at))
        .settings(settings)
        .build()
        .map_err(|e| TokenError::Signing(Box::new(e)))?
        .into();
    let uri = format!("https://{}{}", p.host, p.path_and_query);
    let request = SignableRequest::new(
        "GET",
        uri.as_str(),
        std::iter::empty(),
        SignableBody::Bytes(&[]),
    )
    .map_err(|e| TokenError::Signing(Box::new(e)))?;
    let (instructions, _signature) = sign(request, &params)
        .map_err(|e| TokenError::Signing(Box::new(e)))?
        .into_parts();
    let (_headers, params) = instructions.into_parts();
    Ok(Signed { params })
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use time::macros::datetime;

    use super::*;

    const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    fn creds(expires_at: Option<OffsetDateTime>) -> AwsCredentials {
        AwsCredentials::new(AKID, SecretString::from(SECRET), None, expires_at)
    }

    fn url_of(token: &MskToken) -> String {
        let bytes = URL_SAFE_NO_PAD
            .decode(token.token.expose_secret())
            .expect("base64url");
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn signs_the_known_vector() {
        let req = TokenRequest::new("us-east-1", datetime!(2024-01-01 0:00 UTC));
        let t = generate_token(&creds(None), &req).expect("token");
        let url = url_of(&t);
        assert!(url.contains("&X-Amz-Signature=083ac0649124b99c022ac874d20b71235d5d4d10f2f88f8cca1373d38d7a14d2&User-Agent=mskgate%2F"), "{url}");
        assert_eq!(t.expires_at_ms, 1_704_068_100_000);
        assert_eq!(t.lifetime, MAX_LIFETIME);
    }

    #[test]
    fn truncates_the_signing_time_to_the_second() {
        let req = TokenRequest::new("us-east-1", datetime!(2024-01-01 0:00:00.999 UTC));
        let t = generate_token(&creds(None), &req).expect("token");
        assert_eq!(t.signed_at, datetime!(2024-01-01 0:00 UTC));
        assert!(url_of(&t).contains("X-Amz-Signature=083ac064"));
    }

    #[test]
    fn clamps_the_lifetime_to_the_credentials() {
        let at = datetime!(2024-01-01 0:00:00.5 UTC);
        let req = TokenRequest::new("us-east-1", at);
        let t = generate_token(&creds(Some(datetime!(2024-01-01 0:05:00.25 UTC))), &req)
            .expect("token");
        assert_eq!(t.lifetime, Duration::from_secs(300));
        assert!(url_of(&t).contains("X-Amz-Expires=300&"));
        assert_eq!(t.expires_at_ms, 1_704_067_500_000);
        // Less than a second of credential left, measured from the truncated signing time, still
        // gives a one-second token that ends before the credentials do.
        let t =
            generate_token(&creds(Some(datetime!(2024-01-01 0:00:01.2 UTC))), &req).expect("token");
        assert_eq!(t.lifetime, Duration::from_secs(1));
    }

    #[test]
    fn refuses_expired_credentials_naming_both_times() {
        let req = TokenRequest::new("us-east-1", datetime!(2024-01-01 0:10 UTC));
        for expiry in [
            datetime!(2024-01-01 0:00 UTC),
            datetime!(2024-01-01 0:10 UTC),
        ] {
            let err = generate_token(&creds(Some(expiry)), &req).expect_err("expired");
            assert!(matches!(err, TokenError::CredentialsExpired { .. }));
            let msg = err.to_string();
            assert!(msg.contains("2024-01-01T00:10:00Z"), "{msg}");
            assert!(msg.contains("2024-01-01T00:"), "{msg}");
        }
    }

    #[test]
    fn refuses_lifetimes_outside_one_to_900_seconds() {
        let at = datetime!(2024-01-01 0:00 UTC);
        for secs in [0, 901, 3600] {
            let req = TokenRequest::new("us-east-1", at).with_expires_in(Duration::from_secs(secs));
            let err = generate_token(&creds(None), &req).expect_err("lifetime");
            assert_eq!(
                err.to_string(),
                format!("a token lifetime of {secs}s is outside 1..=900 seconds")
            );
        }
        let req = TokenRequest::new("us-east-1", at).with_expires_in(Duration::from_millis(999));
        assert!(generate_token(&creds(None), &req).is_err());
    }

    #[test]
    fn refuses_empty_credentials_and_bad_regions() {
        let at = datetime!(2024-01-01 0:00 UTC);
        let empty = AwsCredentials::new("", SecretString::from(SECRET), None, None);
        let err = generate_token(&empty, &TokenRequest::new("us-east-1", at)).expect_err("empty");
        assert_eq!(
            err.to_string(),
            "the access key id of the credentials is empty"
        );
        let empty = AwsCredentials::new(AKID, SecretString::default(), None, None);
        assert!(generate_token(&empty, &TokenRequest::new("us-east-1", at)).is_err());
        let err =
            generate_token(&creds(None), &TokenRequest::new("US-East-1", at)).expect_err("region");
        assert!(matches!(err, TokenError::InvalidRegion { .. }));
    }

    #[test]
    fn refuses_times_sigv4_cannot_write() {
        let req = TokenRequest::new("us-east-1", datetime!(1969-12-31 23:59 UTC));
        let err = generate_token(&creds(None), &req).expect_err("range");
        assert!(matches!(err, TokenError::TimeOutOfRange { .. }));
    }

    #[test]
    fn puts_the_session_token_where_botocore_does() {
        let c = AwsCredentials::new(
            AKID,
            SecretString::from(SECRET),
            Some(SecretString::from("FwoG/ZXIvYXdz+EXAMPLE==")),
            None,
        );
        let req = TokenRequest::new("eu-west-1", datetime!(2024-01-01 0:00 UTC))
            .with_user_agent("my agent/1");
        let url = url_of(&generate_token(&c, &req).expect("token"));
        let names: Vec<&str> = url
            .split_once('?')
            .expect("query")
            .1
            .split('&')
            .map(|kv| kv.split_once('=').expect("pair").0)
            .collect();
        assert_eq!(
            names,
            [
                "Action",
                "X-Amz-Algorithm",
                "X-Amz-Credential",
                "X-Amz-Date",
                "X-Amz-Expires",
                "X-Amz-SignedHeaders",
                "X-Amz-Security-Token",
                "X-Amz-Signature",
                "User-Agent"
            ]
        );
        assert!(url.contains("X-Amz-Security-Token=FwoG%2FZXIvYXdz%2BEXAMPLE%3D%3D&"));
        assert!(url.ends_with("&User-Agent=my%20agent%2F1"));
    }

    #[test]
    fn debug_of_a_token_is_redacted() {
        let req = TokenRequest::new("us-east-1", datetime!(2024-01-01 0:00 UTC));
        let t = generate_token(&creds(None), &req).expect("token");
        let d = format!("{t:?}");
        assert!(d.contains("token: [redacted]"), "{d}");
        assert!(!d.contains("aHR0cHM6"), "{d}");
    }
}
