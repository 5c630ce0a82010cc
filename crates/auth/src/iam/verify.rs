//! Reading an MSK IAM token back: is it what the official signers produce, for which region, until
//! when, and — given the credentials — is the signature right.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use percent_encoding::utf8_percent_encode;
use serde::Serialize;
use subtle::ConstantTimeEq as _;
use time::{Date, Month, OffsetDateTime, Time};
use zeroize::Zeroizing;

use super::credentials::AwsCredentials;
use super::partition::{Partition, Redactor, is_region_name, shown};
use super::token::{ACTION, CredentialParts, Presign, QUERY_VALUE, SERVICE, presign};
use crate::error::rfc3339;

/// Longest token read: real ones are under 1 KiB, or about 2.5 KiB with a large session token.
const MAX_TOKEN_LEN: usize = 16 * 1024;

/// How far in the future a token's `X-Amz-Date` may be (SigV4's allowed clock skew).
const MAX_SKEW: time::Duration = time::Duration::minutes(5);

/// The SigV4 parameters of a presigned URL (not part of the signed request itself).
const AUTH_PARAMS: [&str; 7] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
];

const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const LENIENT_STANDARD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// What a token is checked against.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// The region the token must be for; any region when `None`.
    pub region: Option<String>,
    /// The instant expiry is judged at.
    pub at: OffsetDateTime,
    /// Credentials to recompute the signature with (only when their access key id is the
    /// token's).
    pub credentials: Option<AwsCredentials>,
}

impl VerifyOptions {
    /// Checks at `at`, any region, no signature check.
    pub fn at(at: OffsetDateTime) -> Self {
        Self {
            region: None,
            at,
            credentials: None,
        }
    }

    /// The same options, requiring `region`.
    #[must_use]
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The same options, checking the signature with `credentials`.
    #[must_use]
    pub fn with_credentials(mut self, credentials: AwsCredentials) -> Self {
        self.credentials = Some(credentials);
        self
    }
}

/// The verdict on a token. Problems are sentences that never quote the signature, a secret key or
/// a session token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenReport {
    /// No problem found.
    pub valid: bool,
    /// `at` is at or past `X-Amz-Date + X-Amz-Expires`.
    pub expired: bool,
    /// The signing region (from `X-Amz-Credential`, else from the host), when readable.
    pub region: Option<String>,
    /// `X-Amz-Date + X-Amz-Expires` in Unix milliseconds, when readable.
    pub expires_at_ms: Option<i64>,
    /// The signature was recomputed with the given credentials and compared (a mismatch is a
    /// problem).
    pub signature_checked: bool,
    /// What is wrong, one sentence each.
    pub problems: Vec<String>,
}

/// Checks that `token` is an MSK IAM token as the official signers make it, and whether it has
/// expired at `opts.at`. Never panics, whatever the input.
pub fn verify_token(token: &str, opts: &VerifyOptions) -> TokenReport {
    let mut report = TokenReport {
        valid: false,
        expired: false,
        region: None,
        expires_at_ms: None,
        signature_checked: false,
        problems: Vec::new(),
    };
    let mut secrets = Vec::new();
    if let Some(creds) = &opts.credentials {
        secrets.push(Zeroizing::new(
            creds.secret_access_key().expose_secret().to_owned(),
        ));
        if let Some(token) = creds.session_token() {
            secrets.push(Zeroizing::new(token.expose_secret().to_owned()));
        }
    }
    check(token.trim(), opts, &mut report, &mut secrets);
    if !report.problems.is_empty() {
        let redactor = Redactor::new(&secrets);
        for problem in &mut report.problems {
            redactor.redact(problem);
        }
    }
    report.valid = report.problems.is_empty();
    report
}

fn check(
    token: &str,
    opts: &VerifyOptions,
    report: &mut TokenReport,
    secrets: &mut Vec<Zeroizing<String>>,
) {
    let problems = &mut report.problems;
    let Some(bytes) = decode(token, problems) else {
        return;
    };
    let Ok(url) = std::str::from_utf8(&bytes) else {
        problems.push("the decoded token is not UTF-8 text".to_owned());
        return;
    };
    let Some(parts) = split_url(url, problems) else {
        return;
    };
    let host_region = check_host(parts.host, problems);
    if parts.path != "/" {
        problems.push(format!(
            "the URL path is `{}`; the official signers sign `/`",
            shown(parts.path)
        ));
    }
    let params = Params::parse(parts.query, problems);
    for (name, value) in &params.pairs {
        if name == "X-Amz-Security-Token" || name == "X-Amz-Signature" {
            secrets.push(value.clone());
        }
    }

    match params.get("Action") {
        None => problems.push("the `Action` parameter is missing".to_owned()),
        Some(a) if a != ACTION => {
            problems.push(format!("the action is `{}`, not `{ACTION}`", shown(a)))
        }
        Some(_) => {}
    }
    match params.get("X-Amz-Algorithm") {
        None => problems.push("the `X-Amz-Algorithm` parameter is missing".to_owned()),
        Some(a) if a != "AWS4-HMAC-SHA256" => problems.push(format!(
            "`X-Amz-Algorithm` is `{}`, not `AWS4-HMAC-SHA256`",
            shown(a)
        )),
        Some(_) => {}
    }
    let date_text = params.get("X-Amz-Date");
    let signed_at = match date_text {
        None => {
            problems.push("the `X-Amz-Date` parameter is missing".to_owned());
            None
        }
        Some(d) => {
            let parsed = parse_amz_date(d);
            if parsed.is_none() {
                problems.push(format!(
                    "`X-Amz-Date` `{}` is not a UTC time of the form yyyymmddThhmmssZ",
                    shown(d)
                ));
            }
            parsed
        }
    };
    let expires_in = match params.get("X-Amz-Expires") {
        None => {
            problems.push("the `X-Amz-Expires` parameter is missing".to_owned());
            None
        }
        Some(e) => match parse_seconds(e) {
            None => {
                problems.push(format!(
                    "`X-Amz-Expires` `{}` is not a number of seconds",
                    shown(e)
                ));
                None
            }
            Some(secs) => {
                if !(1..=900).contains(&secs) {
                    problems.push(format!(
                        "`X-Amz-Expires` is {secs}; MSK accepts 1 to 900 seconds"
                    ));
                }
                Some(secs)
            }
        },
    };
    let scope = match params.get("X-Amz-Credential") {
        None => {
            problems.push("the `X-Amz-Credential` parameter is missing".to_owned());
            None
        }
        Some(c) => check_scope(c, date_text, problems),
    };
    match params.get("X-Amz-SignedHeaders") {
        None => problems.push("the `X-Amz-SignedHeaders` parameter is missing".to_owned()),
        Some(h) if h != "host" => problems.push(format!(
            "`X-Amz-SignedHeaders` is `{}`; the official signers sign only `host`",
            shown(h)
        )),
        Some(_) => {}
    }
    let signature = params.get("X-Amz-Signature");
    let signature_ok = match signature {
        None => {
            problems.push("the `X-Amz-Signature` parameter is missing".to_owned());
            false
        }
        Some(s) => {
            let ok = s.len() == 64
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !ok {
                problems.push(format!(
                    "`X-Amz-Signature` is not 64 lowercase hex digits (it has {} characters)",
                    s.chars().count()
                ));
            }
            ok
        }
    };
    let session_token = params.get("X-Amz-Security-Token");
    if session_token.is_some_and(str::is_empty) {
        problems.push("`X-Amz-Security-Token` is empty".to_owned());
    }

    // Region: the signature's scope decides; the host must agree with it.
    let scope_region = scope.as_ref().and_then(|s| s.region.clone());
    if let (Some(h), Some(s)) = (&host_region, &scope_region)
        && h != s
    {
        problems.push(format!(
            "the host is for region {h} but the signature's scope is for region {s}"
        ));
    }
    report.region = scope_region.or(host_region);
    if let Some(want) = &opts.region {
        match &report.region {
            Some(have) if have != want => problems.push(format!(
                "the token is for region {have}, not {}",
                shown(want)
            )),
            _ => {}
        }
    }

    // Lifetime.
    let expires_at = match (signed_at, expires_in) {
        (Some(t), Some(secs)) => i64::try_from(secs)
            .ok()
            .and_then(|s| t.checked_add(time::Duration::seconds(s))),
        _ => None,
    };
    if let Some(expires_at) = expires_at {
        report.expires_at_ms = i64::try_from(expires_at.unix_timestamp_nanos() / 1_000_000).ok();
        if opts.at >= expires_at {
            report.expired = true;
            problems.push(format!(
                "the token expired at {}, {} before {}",
                rfc3339(expires_at),
                human(opts.at - expires_at),
                rfc3339(opts.at)
            ));
        }
    }
    if let Some(t) = signed_at
        && t > opts.at + MAX_SKEW
    {
        problems.push(format!(
            "the token is signed at {}, more than 5 minutes after {}: not valid yet",
            rfc3339(t),
            rfc3339(opts.at)
        ));
    }

    // Signature, with the caller's credentials when they are the token's.
    let Some(creds) = &opts.credentials else {
        return;
    };
    let Some(scope) = scope else { return };
    if creds.access_key_id() != scope.access_key_id {
        return;
    }
    if let (Some(expires_at), Some(creds_expire)) = (expires_at, creds.expires_at())
        && expires_at > creds_expire
    {
        problems.push(format!(
            "the token outlives its credentials: it expires at {}, the credentials at {}",
            rfc3339(expires_at),
            rfc3339(creds_expire)
        ));
    }
    match (creds.session_token(), session_token) {
        (Some(mine), Some(theirs))
            if !bool::from(mine.expose_secret().as_bytes().ct_eq(theirs.as_bytes())) =>
        {
            problems.push(
                "the token's session token is not the one of the given credentials".to_owned(),
            );
        }
        (Some(_), None) => problems.push(
            "the token carries no session token, but the given (temporary) credentials have one"
                .to_owned(),
        ),
        _ => {}
    }
    let (Some(region), Some(at), Some(secs), Some(signature), true) = (
        scope.region.as_deref(),
        signed_at,
        expires_in,
        signature,
        signature_ok,
    ) else {
        problems.push(
            "the signature cannot be recomputed: the parameters above are missing or malformed"
                .to_owned(),
        );
        return;
    };
    let mut path_and_query = Zeroizing::new(parts.path.to_owned());
    let mut first = true;
    for (name, value) in params.pairs.iter() {
        if AUTH_PARAMS.contains(&name.as_str()) || name == "User-Agent" {
            continue;
        }
        path_and_query.push(if first { '?' } else { '&' });
        first = false;
        path_and_query.extend(utf8_percent_encode(name, QUERY_VALUE));
        path_and_query.push('=');
        path_and_query.extend(utf8_percent_encode(value, QUERY_VALUE));
    }
    let signer = CredentialParts {
        access_key_id: creds.access_key_id(),
        secret_access_key: creds.secret_access_key().expose_secret(),
        session_token,
    };
    let recomputed = presign(&Presign {
        service: &scope.service,
        host: parts.host,
        path_and_query: &path_and_query,
        region,
        creds: signer,
        at,
        expires_in: Duration::from_secs(secs),
    });
    match recomputed.as_ref().map(|s| s.signature()) {
        Ok(Some(expected)) => {
            report.signature_checked = true;
            if !bool::from(expected.as_bytes().ct_eq(signature.as_bytes())) {
                problems.push(
                    "the signature does not match the given credentials (the token was altered \
                     or signed with another secret key)"
                        .to_owned(),
                );
            }
        }
        Ok(None) => problems.push("the signature cannot be recomputed".to_owned()),
        Err(e) => problems.push(format!("the signature cannot be recomputed: {e}")),
    }
}

/// base64url with or without padding; the standard alphabet is accepted with a problem.
fn decode(token: &str, problems: &mut Vec<String>) -> Option<Zeroizing<Vec<u8>>> {
    if token.is_empty() {
        problems.push("the token is empty".to_owned());
        return None;
    }
    if token.len() > MAX_TOKEN_LEN {
        problems.push(format!(
            "the token is {} bytes long; MSK IAM tokens are a few KiB at most (read up to {MAX_TOKEN_LEN})",
            token.len()
        ));
        return None;
    }
    match LENIENT_URL_SAFE.decode(token) {
        Ok(bytes) => Some(Zeroizing::new(bytes)),
        Err(err) => {
            if let Ok(bytes) = LENIENT_STANDARD.decode(token) {
                problems.push(
                    "the token uses the standard base64 alphabet (`+`, `/`); MSK expects \
                     base64url (`-`, `_`)"
                        .to_owned(),
                );
                return Some(Zeroizing::new(bytes));
            }
            let why = match err {
                base64::DecodeError::InvalidByte(at, _) => {
                    format!("an invalid character at offset {at}")
                }
                base64::DecodeError::InvalidLength(len) => format!("an impossible length ({len})"),
                base64::DecodeError::InvalidLastSymbol(at, _) => {
                    format!("an invalid last character at offset {at}")
                }
                base64::DecodeError::InvalidPadding => "invalid padding".to_owned(),
            };
            problems.push(format!("the token is not base64url: {why}"));
            None
        }
    }
}

struct UrlParts<'a> {
    host: &'a str,
    path: &'a str,
    query: &'a str,
}

fn split_url<'a>(url: &'a str, problems: &mut Vec<String>) -> Option<UrlParts<'a>> {
    let Some((scheme, rest)) = url.split_once("://") else {
        problems.push("the decoded token is not a URL".to_owned());
        return None;
    };
    if scheme != "https" {
        problems.push(format!(
            "the URL's scheme is `{}`, not `https`",
            shown(scheme)
        ));
    }
    let rest = match rest.split_once('#') {
        Some((before, _)) => {
            problems.push("the URL has a fragment (`#…`)".to_owned());
            before
        }
        None => rest,
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, q),
        None => {
            problems
                .push("the URL has no query string: the SigV4 parameters are missing".to_owned());
            (rest, "")
        }
    };
    let (authority, path) = match before_query.find('/') {
        Some(i) => before_query.split_at(i),
        None => (before_query, ""),
    };
    let mut host = authority;
    if let Some((_, h)) = authority.rsplit_once('@') {
        problems.push("the URL carries user information before the host".to_owned());
        host = h;
    }
    if let Some((h, _)) = host.split_once(':') {
        problems.push("the URL's host carries a port; the official signers sign none".to_owned());
        host = h;
    }
    Some(UrlParts { host, path, query })
}

/// `kafka.<region>.<suffix of the region's partition>`; returns the host's region when readable.
fn check_host(host: &str, problems: &mut Vec<String>) -> Option<String> {
    let Some((region, suffix)) = host
        .strip_prefix("kafka.")
        .and_then(|rest| rest.split_once('.'))
    else {
        problems.push(format!(
            "the host `{}` is not of the form kafka.<region>.<partition DNS suffix>",
            shown(host)
        ));
        return None;
    };
    let Ok(partition) = Partition::of_region(region) else {
        problems.push(format!(
            "the host `{}` does not name an AWS region",
            shown(host)
        ));
        return None;
    };
    if suffix != partition.dns_suffix() {
        problems.push(format!(
            "the host `{}` ends in `{}`, but region {region} is in partition {partition}, whose \
             DNS suffix is `{}`",
            shown(host),
            shown(suffix),
            partition.dns_suffix()
        ));
    }
    Some(region.to_owned())
}

/// The decoded query, in order. Values are wiped on drop (one of them is the session token).
struct Params {
    pairs: Vec<(String, Zeroizing<String>)>,
}

impl Params {
    fn parse(query: &str, problems: &mut Vec<String>) -> Self {
        let pairs: Vec<(String, Zeroizing<String>)> = form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), Zeroizing::new(v.into_owned())))
            .collect();
        // Each distinct name with its count, in the order of first appearance: one pass, so a
        // query of many parameters costs linear time, not quadratic.
        let mut order: Vec<(&str, usize)> = Vec::new();
        let mut at: HashMap<&str, usize> = HashMap::new();
        for (name, _) in &pairs {
            let i = *at.entry(name.as_str()).or_insert_with(|| {
                order.push((name.as_str(), 0));
                order.len() - 1
            });
            order[i].1 += 1;
        }
        for (name, count) in order {
            if count > 1 {
                problems.push(format!(
                    "the parameter `{}` appears {count} times",
                    shown(name)
                ));
            }
            if name != "Action" && name != "User-Agent" && !AUTH_PARAMS.contains(&name) {
                problems.push(format!("unknown parameter `{}`", shown(name)));
            }
        }
        Self { pairs }
    }

    /// The first value of `name`.
    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `X-Amz-Credential`: `<akid>/<yyyymmdd>/<region>/kafka-cluster/aws4_request`.
struct Scope {
    access_key_id: String,
    region: Option<String>,
    service: String,
}

fn check_scope(credential: &str, date: Option<&str>, problems: &mut Vec<String>) -> Option<Scope> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [akid, day, region, service, terminator] = parts[..] else {
        problems.push(format!(
            "`X-Amz-Credential` has {} parts; expected <access key id>/<yyyymmdd>/<region>/kafka-cluster/aws4_request",
            parts.len()
        ));
        return None;
    };
    if akid.is_empty() || !akid.bytes().all(|b| b.is_ascii_alphanumeric()) {
        problems.push(format!(
            "the access key id `{}` in `X-Amz-Credential` is not letters and digits",
            shown(akid)
        ));
    }
    if day.len() != 8 || !day.bytes().all(|b| b.is_ascii_digit()) {
        problems.push(format!(
            "the date `{}` in `X-Amz-Credential` is not yyyymmdd",
            shown(day)
        ));
    } else if let Some(d) = date
        && d.get(..8) != Some(day)
    {
        problems.push(format!(
            "the date {day} in `X-Amz-Credential` is not the date of `X-Amz-Date` ({})",
            shown(d)
        ));
    }
    let region = if is_region_name(region) {
        Some(region.to_owned())
    } else {
        problems.push(format!(
            "the region `{}` in `X-Amz-Credential` is not an AWS region name",
            shown(region)
        ));
        None
    };
    if service != SERVICE {
        problems.push(format!(
            "the service in `X-Amz-Credential` is `{}`, not `{SERVICE}`",
            shown(service)
        ));
    }
    if terminator != "aws4_request" {
        problems.push(format!(
            "`X-Amz-Credential` ends in `{}`, not `aws4_request`",
            shown(terminator)
        ));
    }
    Some(Scope {
        access_key_id: akid.to_owned(),
        region,
        service: service.to_owned(),
    })
}

/// `yyyymmddThhmmssZ`, UTC.
fn parse_amz_date(text: &str) -> Option<OffsetDateTime> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(digits(4..6)?).ok()?).ok()?;
    let day = u8::try_from(digits(6..8)?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(
        u8::try_from(digits(9..11)?).ok()?,
        u8::try_from(digits(11..13)?).ok()?,
        u8::try_from(digits(13..15)?).ok()?,
    )
    .ok()?;
    Some(date.with_time(time).assume_utc())
}

/// Decimal digits only (no sign, no spaces), as a u64.
fn parse_seconds(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A duration for messages: `42s`, `3m 20s`, `2h 5m`, `3d 4h`.
fn human(d: time::Duration) -> String {
    let s = d.whole_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {}s", s / 60, s % 60),
        3600..86_400 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
    use time::macros::datetime;

    use super::*;
    use crate::iam::{TokenRequest, generate_token};
    use crate::sensitive::SecretString;

    const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const AT: OffsetDateTime = datetime!(2024-01-01 0:00 UTC);

    fn creds() -> AwsCredentials {
        AwsCredentials::new(AKID, SecretString::from(SECRET), None, None)
    }

    fn url() -> String {
        let t = generate_token(&creds(), &TokenRequest::new("us-east-1", AT)).expect("token");
        String::from_utf8(
            URL_SAFE_NO_PAD
                .decode(t.token.expose_secret())
                .expect("b64"),
        )
        .expect("utf-8")
    }

    fn verify_url(url: &str, opts: &VerifyOptions) -> TokenReport {
        verify_token(&URL_SAFE_NO_PAD.encode(url), opts)
    }

    #[test]
    fn accepts_a_fresh_token_and_checks_its_signature() {
        let opts = VerifyOptions::at(AT + Duration::from_secs(60))
            .with_region("us-east-1")
            .with_credentials(creds());
        let r = verify_url(&url(), &opts);
        assert_eq!(
            r,
            TokenReport {
                valid: true,
                expired: false,
                region: Some("us-east-1".to_owned()),
                expires_at_ms: Some(1_704_068_100_000),
                signature_checked: true,
                problems: vec![],
            }
        );
    }

    #[test]
    fn counts_each_repeated_parameter_once_in_order_of_first_appearance() {
        let mut problems = Vec::new();
        let q = "Action=a&X-Amz-Foo=1&Action=b&Bar&X-Amz-Foo=2&Action=c&X-Amz-Date=d";
        let params = Params::parse(q, &mut problems);
        assert_eq!(
            problems,
            [
                "the parameter `Action` appears 3 times",
                "the parameter `X-Amz-Foo` appears 2 times",
                "unknown parameter `X-Amz-Foo`",
                "unknown parameter `Bar`",
            ]
        );
        assert_eq!(params.get("Action"), Some("a"), "the first value wins");
        // Many parameters: every one read, each distinct name reported once.
        let many: String = (0..20_000)
            .map(|i| format!("p{}={i}", i % 5_000))
            .collect::<Vec<_>>()
            .join("&");
        let mut problems = Vec::new();
        let params = Params::parse(&many, &mut problems);
        assert_eq!(params.pairs.len(), 20_000);
        assert_eq!(problems.len(), 10_000, "5,000 repeated and unknown names");
        assert_eq!(problems[0], "the parameter `p0` appears 4 times");
    }

    #[test]
    fn accepts_padding_and_surrounding_whitespace() {
        let padded = URL_SAFE.encode(url());
        assert!(padded.ends_with('='));
        let r = verify_token(&format!("  {padded}\n"), &VerifyOptions::at(AT));
        assert!(r.valid, "{:?}", r.problems);
    }

    #[test]
    fn names_the_standard_alphabet() {
        // A URL whose base64 has `/` or `+` in it: `?` at the right offset gives `/`.
        let text = format!("{}&User-Agent=a%3F%3F%3F", url());
        let standard = STANDARD.encode(&text);
        assert!(standard.contains(['+', '/']), "{standard}");
        let r = verify_token(&standard, &VerifyOptions::at(AT));
        assert_eq!(r.region.as_deref(), Some("us-east-1"));
        assert!(!r.problems.is_empty() && r.problems[0].contains("standard base64 alphabet"));
    }

    #[test]
    fn reports_expiry_at_the_boundary() {
        let end = AT + Duration::from_secs(900);
        let before = verify_url(&url(), &VerifyOptions::at(end - Duration::from_secs(1)));
        assert!(before.valid && !before.expired);
        let at = verify_url(&url(), &VerifyOptions::at(end));
        assert!(!at.valid && at.expired);
        assert_eq!(
            at.problems,
            ["the token expired at 2024-01-01T00:15:00Z, 0s before 2024-01-01T00:15:00Z"]
        );
    }

    #[test]
    fn reports_tokens_from_the_future() {
        let r = verify_url(&url(), &VerifyOptions::at(AT - Duration::from_secs(301)));
        assert!(!r.valid && !r.expired);
        assert!(r.problems[0].contains("not valid yet"), "{:?}", r.problems);
        assert!(verify_url(&url(), &VerifyOptions::at(AT - Duration::from_secs(300))).valid);
    }

    #[test]
    fn reports_garbage_plainly() {
        let at = VerifyOptions::at(AT);
        assert_eq!(verify_token("", &at).problems, ["the token is empty"]);
        assert_eq!(
            verify_token("a", &at).problems,
            ["the token is not base64url: an impossible length (1)"]
        );
        assert_eq!(
            verify_token("!!!!", &at).problems,
            ["the token is not base64url: an invalid character at offset 0"]
        );
        assert_eq!(
            verify_token(&URL_SAFE_NO_PAD.encode([0xff, 0xfe]), &at).problems,
            ["the decoded token is not UTF-8 text"]
        );
        assert_eq!(
            verify_token(&URL_SAFE_NO_PAD.encode("hello"), &at).problems,
            ["the decoded token is not a URL"]
        );
    }

    #[test]
    fn refuses_huge_tokens_without_reading_them() {
        let r = verify_token(&"A".repeat(MAX_TOKEN_LEN + 4), &VerifyOptions::at(AT));
        assert_eq!(
            r.problems,
            [
                "the token is 16388 bytes long; MSK IAM tokens are a few KiB at most (read up to 16384)"
            ]
        );
    }

    #[test]
    fn parses_amz_dates_strictly() {
        assert_eq!(
            parse_amz_date("20240229T235959Z"),
            Some(datetime!(2024-02-29 23:59:59 UTC))
        );
        for bad in [
            "20230229T000000Z",
            "20240101T240000Z",
            "20240101 000000Z",
            "20240101T000000",
            "2024-01-01T00:00",
            "+2024010T000000Z",
            "２0240101T00000Z",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_durations_for_people() {
        assert_eq!(human(time::Duration::seconds(42)), "42s");
        assert_eq!(human(time::Duration::seconds(200)), "3m 20s");
        assert_eq!(human(time::Duration::seconds(7500)), "2h 5m");
        assert_eq!(human(time::Duration::seconds(273_600)), "3d 4h");
    }
}
