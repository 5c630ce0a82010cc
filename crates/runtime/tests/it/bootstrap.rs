//! `kafka:GetBootstrapBrokers` through the real AWS SDK (`bootstrap::resolve`), against a
//! one-shot responder on loopback: moto 5.2.5's kafka backend has no `get_bootstrap_brokers`, so
//! the responder answers as the MSK API documents it (`GET /v1/clusters/{ClusterArn}/bootstrap-brokers`,
//! a JSON body of camelCase `bootstrapBrokerString*` fields (the API model's `jsonName`s), errors as `x-amzn-ErrorType` + `message`). What
//! is under test is mskgate's side: the request the SDK signs (path, region of the ARN), the
//! listener picked for the auth mode, and the error text.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;

use mskgate_runtime::config::AuthConfig;
use mskgate_runtime::config::bootstrap;

const ARN: &str =
    "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/abcd1234-ef56-7890-abcd-1234567890ab-2";

/// Serves one request with `status`, `headers` and `body`; sends back the request line and
/// headers it received.
fn respond_once(
    status: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, mpsc::Receiver<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = mpsc::channel();
    let (status, body) = (status.to_owned(), body.to_owned());
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            lines.push(line.trim_end().to_owned());
        }
        let mut response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
            body.len()
        );
        for (k, v) in &headers {
            response.push_str(&format!("{k}: {v}\r\n"));
        }
        response.push_str("\r\n");
        response.push_str(&body);
        let _ = stream.write_all(response.as_bytes());
        let _ = tx.send(lines);
    });
    (port, rx)
}

/// An SDK configuration in a region other than the ARN's, pointing at `port`, without retries
/// (the responder answers once).
async fn sdk(port: u16) -> aws_types::SdkConfig {
    crate::moto::sdk_loader(&format!("http://127.0.0.1:{port}"), "us-east-1")
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await
}

#[tokio::test]
async fn resolves_the_iam_listener_signed_for_the_clusters_region() {
    let body = r#"{"bootstrapBrokerString":"b-1.orders.kafka.eu-west-1.amazonaws.com:9092,b-2.orders.kafka.eu-west-1.amazonaws.com:9092",
        "bootstrapBrokerStringTls":"b-1.orders.kafka.eu-west-1.amazonaws.com:9094",
        "bootstrapBrokerStringSaslIam":"b-1.orders.kafka.eu-west-1.amazonaws.com:9098,b-2.orders.kafka.eu-west-1.amazonaws.com:9098"}"#;
    let (port, request) = respond_once("200 OK", &[], body);
    let servers = bootstrap::resolve(&sdk(port).await, ARN, &AuthConfig::Iam)
        .await
        .expect("brokers");
    assert_eq!(
        servers,
        [
            "b-1.orders.kafka.eu-west-1.amazonaws.com:9098",
            "b-2.orders.kafka.eu-west-1.amazonaws.com:9098"
        ]
    );
    let lines = request.recv().expect("the request");
    let first = &lines[0];
    assert!(
        first.starts_with(
            "GET /v1/clusters/arn%3Aaws%3Akafka%3Aeu-west-1%3A123456789012%3Acluster%2Forders%2F"
        ) && first.contains("/bootstrap-brokers"),
        "{first}"
    );
    let auth = lines
        .iter()
        .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
        .expect("a signed request");
    assert!(
        auth.contains("AWS4-HMAC-SHA256") && auth.contains("/eu-west-1/kafka/aws4_request"),
        "signed for the ARN's region and the kafka service: {auth}"
    );
}

#[tokio::test]
async fn an_access_denied_names_the_action_region_and_fixes() {
    let (port, _request) = respond_once(
        "403 Forbidden",
        &[("x-amzn-ErrorType", "ForbiddenException")],
        r#"{"message":"User is not authorized to perform: kafka:GetBootstrapBrokers"}"#,
    );
    let err = bootstrap::resolve(&sdk(port).await, ARN, &AuthConfig::Iam)
        .await
        .expect_err("denied");
    let text = err.to_string();
    for part in [
        "kafka:GetBootstrapBrokers in eu-west-1 failed",
        "ForbiddenException",
        "not authorized",
        "bootstrap_servers",
    ] {
        assert!(text.contains(part), "{part:?} missing from: {text}");
    }
    assert!(!text.contains("test-secret"), "{text}");
}

#[tokio::test]
async fn a_cluster_without_the_listener_of_the_auth_mode_is_refused() {
    let (port, _request) = respond_once(
        "200 OK",
        &[],
        r#"{"bootstrapBrokerStringTls":"b-1.orders.kafka.eu-west-1.amazonaws.com:9094"}"#,
    );
    let err = bootstrap::resolve(&sdk(port).await, ARN, &AuthConfig::Iam)
        .await
        .expect_err("no IAM listener");
    let text = err.to_string();
    assert!(text.contains("BootstrapBrokerStringSaslIam"), "{text}");
    assert!(text.contains("does not fall back"), "{text}");
    assert!(
        !text.contains(":9094"),
        "the TLS listener is not offered instead: {text}"
    );
}
