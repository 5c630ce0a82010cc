//! MSK IAM tokens: the known vector, round trips in every partition, tampering, lifetimes, parity
//! with AWS's official Python signer, and "never panics" properties of the verifier.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mskgate_auth::SecretString;
use mskgate_auth::iam::{
    AwsCredentials, DEFAULT_USER_AGENT, MskToken, TokenReport, TokenRequest, VerifyOptions,
    generate_token, verify_token,
};
use proptest::prelude::*;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;

const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// Shaped like an STS session token: base64 with `/`, `+` and padding.
const SESSION: &str =
    "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+mskgate/example+session+token==";
const AT: OffsetDateTime = datetime!(2024-01-01 0:00 UTC);

/// The python signer's token for AKID/SECRET at AT in us-east-1 (docs: crates.md §5, re-checked
/// by `matches_the_official_python_signer`).
const KNOWN_TOKEN: &str = "aHR0cHM6Ly9rYWZrYS51cy1lYXN0LTEuYW1hem9uYXdzLmNvbS8_QWN0aW9uPWthZmthLWNsdXN0ZXIlM0FDb25uZWN0JlgtQW16LUFsZ29yaXRobT1BV1M0LUhNQUMtU0hBMjU2JlgtQW16LUNyZWRlbnRpYWw9QUtJQUlPU0ZPRE5ON0VYQU1QTEUlMkYyMDI0MDEwMSUyRnVzLWVhc3QtMSUyRmthZmthLWNsdXN0ZXIlMkZhd3M0X3JlcXVlc3QmWC1BbXotRGF0ZT0yMDI0MDEwMVQwMDAwMDBaJlgtQW16LUV4cGlyZXM9OTAwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCZYLUFtei1TaWduYXR1cmU9MDgzYWMwNjQ5MTI0Yjk5YzAyMmFjODc0ZDIwYjcxMjM1ZDVkNGQxMGYyZjg4ZjhjY2ExMzczZDM4ZDdhMTRkMiZVc2VyLUFnZW50PWF3cy1tc2staWFtLXNhc2wtc2lnbmVyLXB5dGhvbiUyRjEuMC4y";
const KNOWN_SIGNATURE: &str = "083ac0649124b99c022ac874d20b71235d5d4d10f2f88f8cca1373d38d7a14d2";
const PYTHON_USER_AGENT: &str = "aws-msk-iam-sasl-signer-python/1.0.2";

/// One region of every partition, with its signing host.
const REGIONS: [(&str, &str); 9] = [
    ("us-east-1", "kafka.us-east-1.amazonaws.com"),
    ("eu-central-2", "kafka.eu-central-2.amazonaws.com"),
    ("cn-north-1", "kafka.cn-north-1.amazonaws.com.cn"),
    ("us-gov-west-1", "kafka.us-gov-west-1.amazonaws.com"),
    ("us-iso-east-1", "kafka.us-iso-east-1.c2s.ic.gov"),
    ("us-isob-east-1", "kafka.us-isob-east-1.sc2s.sgov.gov"),
    ("eu-isoe-west-1", "kafka.eu-isoe-west-1.cloud.adc-e.uk"),
    ("us-isof-south-1", "kafka.us-isof-south-1.csp.hci.ic.gov"),
    ("eusc-de-east-1", "kafka.eusc-de-east-1.amazonaws.eu"),
];

fn creds(session: Option<&str>) -> AwsCredentials {
    AwsCredentials::new(
        AKID,
        SecretString::from(SECRET),
        session.map(SecretString::from),
        None,
    )
}

fn decode(token: &str) -> String {
    String::from_utf8(URL_SAFE_NO_PAD.decode(token).expect("base64url")).expect("utf-8")
}

fn encode(url: &str) -> String {
    URL_SAFE_NO_PAD.encode(url)
}

fn url_of(t: &MskToken) -> String {
    decode(t.token.expose_secret())
}

/// The decoded query of a token URL, as a map (no parameter repeats in a good token).
fn query_map(url: &str) -> BTreeMap<String, String> {
    let query = url.split_once('?').expect("query").1;
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let map: BTreeMap<String, String> = pairs.iter().cloned().collect();
    assert_eq!(map.len(), pairs.len(), "repeated parameter in {url}");
    map
}

/// `url` with parameter `name` set to `value` (encoded here), in place.
fn with_param(url: &str, name: &str, value: &str) -> String {
    let (base, query) = url.split_once('?').expect("query");
    let encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let query: Vec<String> = query
        .split('&')
        .map(|kv| {
            if kv.split_once('=').expect("pair").0 == name {
                format!("{name}={encoded}")
            } else {
                kv.to_owned()
            }
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

fn checked(at: OffsetDateTime, session: Option<&str>) -> VerifyOptions {
    VerifyOptions::at(at).with_credentials(creds(session))
}

fn assert_problem(report: &TokenReport, needle: &str) {
    assert!(!report.valid, "{report:?}");
    assert!(
        report.problems.iter().any(|p| p.contains(needle)),
        "no problem mentions {needle:?}: {:?}",
        report.problems
    );
}

#[test]
fn matches_the_known_token_bytes() {
    let req = TokenRequest::new("us-east-1", AT).with_user_agent(PYTHON_USER_AGENT);
    let t = generate_token(&creds(None), &req).expect("token");
    assert_eq!(t.token.expose_secret(), KNOWN_TOKEN);
    assert_eq!(t.expires_at_ms, 1_704_068_100_000);

    // With mskgate's own User-Agent only the unsigned tail differs.
    let ours =
        url_of(&generate_token(&creds(None), &TokenRequest::new("us-east-1", AT)).expect("token"));
    let theirs = decode(KNOWN_TOKEN);
    let signed = |u: &str| {
        u.split_once("&User-Agent=")
            .expect("user agent")
            .0
            .to_owned()
    };
    assert_eq!(signed(&ours), signed(&theirs));
    assert!(signed(&ours).ends_with(&format!("&X-Amz-Signature={KNOWN_SIGNATURE}")));
    assert!(ours.ends_with(&format!(
        "&User-Agent=mskgate%2F{}",
        env!("CARGO_PKG_VERSION")
    )));
    assert_eq!(
        DEFAULT_USER_AGENT,
        format!("mskgate/{}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn round_trips_in_every_partition() {
    for (region, host) in REGIONS {
        for session in [None, Some(SESSION)] {
            let t = generate_token(&creds(session), &TokenRequest::new(region, AT)).expect(region);
            let url = url_of(&t);
            assert!(
                url.starts_with(&format!("https://{host}/?Action=kafka-cluster%3AConnect&")),
                "{url}"
            );
            let q = query_map(&url);
            assert_eq!(
                q["X-Amz-Credential"],
                format!("{AKID}/20240101/{region}/kafka-cluster/aws4_request")
            );
            assert_eq!(q.get("X-Amz-Security-Token").map(String::as_str), session);
            let r = verify_token(
                t.token.expose_secret(),
                &checked(AT + Duration::from_secs(899), session).with_region(region),
            );
            assert_eq!(
                r,
                TokenReport {
                    valid: true,
                    expired: false,
                    region: Some(region.to_owned()),
                    expires_at_ms: Some(t.expires_at_ms),
                    signature_checked: true,
                    problems: vec![],
                },
                "{region} {session:?}"
            );
        }
    }
}

#[test]
fn verifies_without_credentials_but_does_not_claim_a_signature_check() {
    let t = generate_token(&creds(None), &TokenRequest::new("eu-west-1", AT)).expect("token");
    let r = verify_token(t.token.expose_secret(), &VerifyOptions::at(AT));
    assert!(r.valid && !r.signature_checked, "{r:?}");
    // Credentials of another key id: nothing to check the signature with.
    let other = AwsCredentials::new("AKIAOTHEROTHEROTHER1", SecretString::from("x"), None, None);
    let r = verify_token(
        t.token.expose_secret(),
        &VerifyOptions::at(AT).with_credentials(other),
    );
    assert!(r.valid && !r.signature_checked, "{r:?}");
}

#[test]
fn tampering_is_caught_with_a_clear_problem() {
    let url = url_of(
        &generate_token(&creds(Some(SESSION)), &TokenRequest::new("us-east-1", AT)).expect("token"),
    );
    let opts = checked(AT, Some(SESSION));
    let sig_mismatch = "the signature does not match the given credentials";
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "action",
            with_param(&url, "Action", "kafka-cluster:DescribeCluster"),
            vec![
                "the action is `kafka-cluster:DescribeCluster`, not `kafka-cluster:Connect`",
                sig_mismatch,
            ],
        ),
        (
            "scope region",
            with_param(
                &url,
                "X-Amz-Credential",
                &format!("{AKID}/20240101/us-west-2/kafka-cluster/aws4_request"),
            ),
            vec![
                "the host is for region us-east-1 but the signature's scope is for region us-west-2",
                sig_mismatch,
            ],
        ),
        (
            "host region",
            url.replace("kafka.us-east-1.", "kafka.us-west-2."),
            vec![
                "the host is for region us-west-2 but the signature's scope is for region us-east-1",
                sig_mismatch,
            ],
        ),
        (
            "date",
            with_param(&url, "X-Amz-Date", "20240101T000100Z"),
            vec![sig_mismatch],
        ),
        (
            "date of another day",
            with_param(&url, "X-Amz-Date", "20240102T000000Z"),
            vec![
                "the date 20240101 in `X-Amz-Credential` is not the date of `X-Amz-Date` (20240102T000000Z)",
                sig_mismatch,
            ],
        ),
        (
            "malformed date",
            with_param(&url, "X-Amz-Date", "2024-01-01T00:00:00Z"),
            vec![
                "`X-Amz-Date` `2024-01-01T00:00:00Z` is not a UTC time of the form yyyymmddThhmmssZ",
                "cannot be recomputed",
            ],
        ),
        (
            "expires",
            with_param(&url, "X-Amz-Expires", "899"),
            vec![sig_mismatch],
        ),
        (
            "expires too long",
            with_param(&url, "X-Amz-Expires", "3600"),
            vec![
                "`X-Amz-Expires` is 3600; MSK accepts 1 to 900 seconds",
                sig_mismatch,
            ],
        ),
        (
            "expires not a number",
            with_param(&url, "X-Amz-Expires", "-5"),
            vec!["`X-Amz-Expires` `-5` is not a number of seconds"],
        ),
        (
            "signature",
            with_param(&url, "X-Amz-Signature", &"0".repeat(64)),
            vec![sig_mismatch],
        ),
        (
            "short signature",
            with_param(&url, "X-Amz-Signature", "abc"),
            vec!["`X-Amz-Signature` is not 64 lowercase hex digits (it has 3 characters)"],
        ),
        (
            "session token",
            with_param(&url, "X-Amz-Security-Token", "SOMEOTHERTOKEN"),
            vec![
                "the token's session token is not the one of the given credentials",
                sig_mismatch,
            ],
        ),
        (
            "algorithm",
            with_param(&url, "X-Amz-Algorithm", "AWS4-HMAC-SHA1"),
            vec!["`X-Amz-Algorithm` is `AWS4-HMAC-SHA1`, not `AWS4-HMAC-SHA256`"],
        ),
        (
            "signed headers",
            with_param(&url, "X-Amz-SignedHeaders", "host;x-amz-date"),
            vec![
                "`X-Amz-SignedHeaders` is `host;x-amz-date`; the official signers sign only `host`",
            ],
        ),
        (
            "service",
            with_param(
                &url,
                "X-Amz-Credential",
                &format!("{AKID}/20240101/us-east-1/kafka/aws4_request"),
            ),
            vec![
                "the service in `X-Amz-Credential` is `kafka`, not `kafka-cluster`",
                sig_mismatch,
            ],
        ),
        (
            "scheme",
            url.replacen("https://", "http://", 1),
            vec!["the URL's scheme is `http`, not `https`"],
        ),
        (
            "path",
            url.replacen(".com/?", ".com/x?", 1),
            vec![
                "the URL path is `/x`; the official signers sign `/`",
                sig_mismatch,
            ],
        ),
        (
            "port",
            url.replacen(".com/?", ".com:9098/?", 1),
            vec!["the URL's host carries a port"],
        ),
        (
            "unknown parameter",
            format!("{url}&X-Amz-Foo=1"),
            vec!["unknown parameter `X-Amz-Foo`"],
        ),
        (
            "repeated parameter",
            format!("{url}&Action=kafka-cluster%3AConnect"),
            vec!["the parameter `Action` appears 2 times"],
        ),
        (
            "missing parameter",
            url.replace("&X-Amz-SignedHeaders=host", ""),
            vec!["the `X-Amz-SignedHeaders` parameter is missing"],
        ),
        (
            "partition",
            url.replace(
                "kafka.us-east-1.amazonaws.com",
                "kafka.us-east-1.amazonaws.com.cn",
            ),
            vec![
                "the host `kafka.us-east-1.amazonaws.com.cn` ends in `amazonaws.com.cn`, but region us-east-1 is in partition aws, whose DNS suffix is `amazonaws.com`",
            ],
        ),
    ];
    for (what, tampered, needles) in cases {
        let r = verify_token(&encode(&tampered), &opts);
        for needle in needles {
            assert_problem(&r, needle);
        }
        assert!(!r.expired, "{what}: {r:?}");
    }
    // The session token taken out: the credentials say it is needed, the signature breaks.
    let stripped = url.replace(
        &format!(
            "&X-Amz-Security-Token={}",
            query_value(&url, "X-Amz-Security-Token")
        ),
        "",
    );
    let r = verify_token(&encode(&stripped), &opts);
    assert_problem(
        &r,
        "the token carries no session token, but the given (temporary) credentials have one",
    );
    assert_problem(&r, sig_mismatch);
    // Signed with another secret key.
    let wrong = AwsCredentials::new(
        AKID,
        SecretString::from("another-secret"),
        Some(SecretString::from(SESSION)),
        None,
    );
    let r = verify_token(
        &encode(&url),
        &VerifyOptions::at(AT).with_credentials(wrong),
    );
    assert!(r.signature_checked);
    assert_problem(&r, sig_mismatch);
}

/// The raw (still encoded) value of `name` in `url`.
fn query_value(url: &str, name: &str) -> String {
    url.split_once('?')
        .expect("query")
        .1
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_owned))
        .expect(name)
}

#[test]
fn the_region_must_be_the_one_asked_for() {
    let t = generate_token(&creds(None), &TokenRequest::new("eu-west-1", AT)).expect("token");
    let r = verify_token(
        t.token.expose_secret(),
        &VerifyOptions::at(AT).with_region("eu-west-2"),
    );
    assert_eq!(r.region.as_deref(), Some("eu-west-1"));
    assert_eq!(
        r.problems,
        ["the token is for region eu-west-1, not eu-west-2"]
    );
}

#[test]
fn reports_expired_tokens_with_both_times() {
    let t = generate_token(&creds(None), &TokenRequest::new("us-east-1", AT)).expect("token");
    let later = AT + Duration::from_secs(3600);
    let r = verify_token(t.token.expose_secret(), &checked(later, None));
    assert!(r.expired && !r.valid && r.signature_checked, "{r:?}");
    assert_eq!(
        r.problems,
        ["the token expired at 2024-01-01T00:15:00Z, 45m 0s before 2024-01-01T01:00:00Z"]
    );
    assert_eq!(r.expires_at_ms, Some(1_704_068_100_000));
}

#[test]
fn clamps_the_lifetime_to_the_credentials_and_verify_agrees() {
    let expiry = datetime!(2024-01-01 0:07:30 UTC);
    let c = AwsCredentials::new(
        AKID,
        SecretString::from(SECRET),
        Some(SecretString::from(SESSION)),
        Some(expiry),
    );
    let t = generate_token(&c, &TokenRequest::new("us-east-1", AT)).expect("token");
    assert_eq!(t.lifetime, Duration::from_secs(450));
    assert_eq!(t.expires_at_ms, expiry.unix_timestamp() * 1000);
    assert_eq!(query_map(&url_of(&t))["X-Amz-Expires"], "450");
    let r = verify_token(
        t.token.expose_secret(),
        &VerifyOptions::at(AT).with_credentials(c.clone()),
    );
    assert!(r.valid && r.signature_checked, "{r:?}");
    assert_eq!(r.expires_at_ms, Some(t.expires_at_ms));

    // A requested lifetime shorter than the credentials' is kept.
    let t = generate_token(
        &c,
        &TokenRequest::new("us-east-1", AT).with_expires_in(Duration::from_secs(60)),
    )
    .expect("token");
    assert_eq!(t.lifetime, Duration::from_secs(60));

    // An official-style 900-second token from the same credentials outlives them.
    let unclamped =
        generate_token(&creds(Some(SESSION)), &TokenRequest::new("us-east-1", AT)).expect("token");
    let r = verify_token(
        unclamped.token.expose_secret(),
        &VerifyOptions::at(AT).with_credentials(c),
    );
    assert_eq!(
        r.problems,
        [
            "the token outlives its credentials: it expires at 2024-01-01T00:15:00Z, the credentials at 2024-01-01T00:07:30Z"
        ]
    );
}

#[test]
fn refuses_expired_credentials() {
    let c = AwsCredentials::new(
        AKID,
        SecretString::from(SECRET),
        None,
        Some(datetime!(2023-12-31 23:00 UTC)),
    );
    let err = generate_token(&c, &TokenRequest::new("us-east-1", AT)).expect_err("expired");
    assert_eq!(
        err.to_string(),
        "the credentials expire at 2023-12-31T23:00:00Z, which leaves no time for a token signed at 2024-01-01T00:00:00Z"
    );
    let crate_err: mskgate_auth::Error = err.into();
    assert!(matches!(crate_err, mskgate_auth::Error::Token(_)));
}

#[test]
fn flags_the_official_signers_host_in_china() {
    // What the official signers produce for cn-north-1: the commercial suffix.
    let ours =
        url_of(&generate_token(&creds(None), &TokenRequest::new("cn-north-1", AT)).expect("token"));
    let official_style = ours.replace("amazonaws.com.cn", "amazonaws.com");
    let r = verify_token(&encode(&official_style), &VerifyOptions::at(AT));
    assert_eq!(
        r.problems,
        [
            "the host `kafka.cn-north-1.amazonaws.com` ends in `amazonaws.com`, but region cn-north-1 is in partition aws-cn, whose DNS suffix is `amazonaws.com.cn`"
        ]
    );
}

// --- parity with aws-msk-iam-sasl-signer-python ---------------------------------------------------

/// The oracle venv's python: `MSKGATE_PYTHON`, else `~/.cache/mskgate/venv/bin/python`.
fn oracle_python() -> PathBuf {
    let python = std::env::var_os("MSKGATE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
            PathBuf::from(home).join(".cache/mskgate/venv/bin/python")
        });
    assert!(
        python.exists(),
        "the parity test needs AWS's official Python signer: {} does not exist. Run \
         scripts/install-test-deps.sh (or set MSKGATE_PYTHON to a python with \
         aws-msk-iam-sasl-signer-python installed)",
        python.display()
    );
    python
}

fn oracle_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/msk_signer.py")
}

struct Official {
    token: String,
    expiry_ms: i64,
}

/// Tokens from the official signer for `(region, session token, instant)` requests, one process.
fn official_tokens(requests: &[(&str, Option<&str>, OffsetDateTime)]) -> (Vec<Official>, String) {
    let python = oracle_python();
    let mut child = Command::new(&python)
        .arg(oracle_script())
        .arg("tokens")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let mut input = String::new();
    for (region, session, at) in requests {
        let req = serde_json::json!({
            "region": region,
            "access_key_id": AKID,
            "secret_access_key": SECRET,
            "session_token": session,
            "at": at.format(&Rfc3339).expect("rfc3339"),
        });
        input.push_str(&req.to_string());
        input.push('\n');
    }
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write requests");
    let out = child.wait_with_output().expect("oracle output");
    assert!(
        out.status.success(),
        "the official signer oracle failed ({}); is aws-msk-iam-sasl-signer-python installed in {}? \
         Run scripts/install-test-deps.sh.\n{}",
        out.status,
        python.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let (versions, results) = lines.split_last().expect("versions line");
    assert_eq!(results.len(), requests.len());
    let tokens = results
        .iter()
        .map(|v| Official {
            token: v["token"].as_str().expect("token").to_owned(),
            expiry_ms: v["expiry_ms"].as_i64().expect("expiry"),
        })
        .collect();
    (
        tokens,
        versions["signer"].as_str().expect("signer").to_owned(),
    )
}

#[test]
fn matches_the_official_python_signer() {
    // The Python signer hard-codes `kafka.<region>.amazonaws.com`, so byte parity is possible only
    // where that is the right host: the commercial and GovCloud partitions.
    let regions = [
        "us-east-1",
        "eu-west-1",
        "ap-southeast-2",
        "sa-east-1",
        "me-central-1",
        "us-gov-west-1",
    ];
    let instants = [
        AT,
        datetime!(2026-06-01 12:34:56 UTC),
        datetime!(2031-02-28 23:59:59 UTC),
    ];
    let mut requests = Vec::new();
    for region in regions {
        for session in [None, Some(SESSION)] {
            for at in instants {
                requests.push((region, session, at));
            }
        }
    }
    let (official, signer) = official_tokens(&requests);
    assert!(
        signer.starts_with("aws-msk-iam-sasl-signer-python/"),
        "{signer}"
    );
    for ((region, session, at), theirs) in requests.iter().zip(&official) {
        let what = format!("{region} session={} at={at}", session.is_some());
        let ours =
            generate_token(&creds(*session), &TokenRequest::new(*region, *at)).expect("token");
        let (ours_url, theirs_url) = (url_of(&ours), decode(&theirs.token));
        let (mut q_ours, mut q_theirs) = (query_map(&ours_url), query_map(&theirs_url));
        assert_eq!(
            q_ours["X-Amz-Signature"], q_theirs["X-Amz-Signature"],
            "{what}"
        );
        assert_eq!(
            q_theirs.remove("User-Agent").as_deref(),
            Some(signer.as_str()),
            "{what}"
        );
        q_ours.remove("User-Agent");
        assert_eq!(q_ours, q_theirs, "{what}");
        assert_eq!(ours.expires_at_ms, theirs.expiry_ms, "{what}");
        // Same parameter order and encoding too: with the Python User-Agent, identical bytes.
        let same_agent = generate_token(
            &creds(*session),
            &TokenRequest::new(*region, *at).with_user_agent(signer.as_str()),
        )
        .expect("token");
        assert_eq!(same_agent.token.expose_secret(), theirs.token, "{what}");
        // And mskgate's verifier accepts the official token, signature checked.
        let r = verify_token(&theirs.token, &checked(*at, *session).with_region(*region));
        assert!(r.valid && r.signature_checked, "{what}: {r:?}");
    }
    // The known vector is what the official signer makes today.
    assert_eq!(official[0].token, KNOWN_TOKEN);
}

#[test]
fn the_official_signer_uses_the_commercial_host_in_china() {
    let (official, _) = official_tokens(&[("cn-north-1", None, AT)]);
    let theirs = decode(&official[0].token);
    assert!(
        theirs.starts_with("https://kafka.cn-north-1.amazonaws.com/?"),
        "{theirs}"
    );
    let r = verify_token(&official[0].token, &checked(AT, None));
    assert!(r.signature_checked, "{r:?}");
    assert_eq!(
        r.problems,
        [
            "the host `kafka.cn-north-1.amazonaws.com` ends in `amazonaws.com`, but region cn-north-1 is in partition aws-cn, whose DNS suffix is `amazonaws.com.cn`"
        ]
    );
    let ours =
        url_of(&generate_token(&creds(None), &TokenRequest::new("cn-north-1", AT)).expect("token"));
    assert!(
        ours.starts_with("https://kafka.cn-north-1.amazonaws.com.cn/?"),
        "{ours}"
    );
    assert_ne!(
        query_map(&ours)["X-Amz-Signature"],
        query_map(&theirs)["X-Amz-Signature"]
    );
}

// --- the verifier never panics ---------------------------------------------------------------------

/// A good token's URL with bytes flipped, dropped or inserted.
fn mutated_url() -> impl Strategy<Value = String> {
    let base = url_of(
        &generate_token(&creds(Some(SESSION)), &TokenRequest::new("us-east-1", AT)).expect("token"),
    );
    let len = base.len();
    prop::collection::vec((0..len, any::<u8>(), 0..3u8), 0..6).prop_map(move |edits| {
        let mut bytes = base.clone().into_bytes();
        for (pos, byte, op) in edits {
            let pos = pos.min(bytes.len().saturating_sub(1));
            match op {
                0 if !bytes.is_empty() => bytes[pos] = byte,
                1 if !bytes.is_empty() => {
                    bytes.remove(pos);
                }
                _ => bytes.insert(pos, byte),
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn verify_never_panics_on_any_text(text in ".{0,400}") {
        let r = verify_token(&text, &checked(AT, Some(SESSION)));
        prop_assert_eq!(r.valid, r.problems.is_empty());
    }

    #[test]
    fn verify_never_panics_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let r = verify_token(&encode_bytes(&bytes), &checked(AT, Some(SESSION)));
        prop_assert!(!r.valid || r.problems.is_empty());
    }

    #[test]
    fn verify_never_panics_on_mutated_tokens(url in mutated_url()) {
        let r = verify_token(&encode(&url), &checked(AT, Some(SESSION)));
        prop_assert_eq!(r.valid, r.problems.is_empty());
        prop_assert!(!r.expired || !r.valid);
    }
}

fn encode_bytes(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}
