//! Handlers against real processes (python3 scripts), a real HTTP server on 127.0.0.1, moto's
//! Lambda and a local server speaking Lambda's Invoke protocol for the answers moto cannot give
//! (a function error, an unknown function).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Path as UrlPath;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use bytes::Bytes;
use mskgate_runtime::config::{Format, RuntimeConfig};
use mskgate_runtime::invoke::{
    CommandHandler, Handler, HttpHandler, InvocationStatus, InvokeError, LambdaHandler,
    MAX_RESPONSE_BYTES, from_config,
};

const EVENT: &[u8] = br#"{"eventSource":"SelfManagedKafka","bootstrapServers":"127.0.0.1:9092","records":{"orders-0":[{"topic":"orders","partition":0,"offset":7,"timestamp":1,"timestampType":"CREATE_TIME","value":"dg==","headers":[]}],"orders-1":[{"topic":"orders","partition":1,"offset":3,"timestamp":1,"timestampType":"CREATE_TIME","headers":[]}]}}"#;

fn script(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "handlers", name]
        .iter()
        .collect();
    assert!(path.is_file(), "missing test handler {}", path.display());
    path.display().to_string()
}

/// `python3` must exist: the command tests fail (not skip) without it.
fn python() -> String {
    let ok = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "python3 is needed by the command handler tests; install it (apt-get install python3)"
    );
    "python3".to_owned()
}

fn command(args: &[&str], timeout: Duration) -> CommandHandler {
    let mut argv = vec![python()];
    argv.extend(args.iter().map(|a| (*a).to_owned()));
    CommandHandler::new("test-cmd", argv, timeout).expect("handler")
}

fn failure(status: &InvocationStatus) -> (&str, &str) {
    match status {
        InvocationStatus::FunctionError { kind, reason } => (kind, reason),
        InvocationStatus::Success => panic!("expected a function error"),
    }
}

#[tokio::test]
async fn command_success_returns_stdout() {
    let h = command(&[&script("echo_ok.py")], Duration::from_secs(20));
    let out = h.invoke(Bytes::from_static(EVENT)).await.expect("invoke");
    assert_eq!(out.status, InvocationStatus::Success);
    let body: serde_json::Value = serde_json::from_slice(&out.body).expect("json");
    assert_eq!(body["records"], 2);
    assert_eq!(body["eventSource"], "SelfManagedKafka");
    assert_eq!(out.status_code, 200);
}

#[tokio::test]
async fn command_non_zero_exit_is_a_function_error() {
    let h = command(&[&script("fail.py"), "3"], Duration::from_secs(20));
    let out = h.invoke(Bytes::from_static(EVENT)).await.expect("invoke");
    assert_eq!(failure(&out.status), ("Unhandled", "exit status 3"));
}

#[tokio::test]
async fn command_partial_batch_response_comes_back_on_stdout() {
    let h = command(&[&script("partial.py")], Duration::from_secs(20));
    let out = h.invoke(Bytes::from_static(EVENT)).await.expect("invoke");
    assert!(out.status.is_success());
    let body: serde_json::Value = serde_json::from_slice(&out.body).expect("json");
    let failures = body["batchItemFailures"].as_array().expect("list");
    assert_eq!(failures.len(), 2);
    assert!(
        failures
            .iter()
            .any(|f| f["itemIdentifier"]
                == serde_json::json!({"partition": "orders-0", "offset": 7}))
    );
}

#[tokio::test]
async fn command_timeout_kills_the_process_group() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pid_file = dir.path().join("grandchild.pid");
    let h = command(
        &[
            &script("sleep.py"),
            "30",
            "child",
            &pid_file.display().to_string(),
        ],
        Duration::from_secs(2),
    );
    let started = Instant::now();
    let out = h.invoke(Bytes::from_static(EVENT)).await.expect("invoke");
    assert_eq!(failure(&out.status), ("Unhandled", "timeout after 2s"));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // The grandchild was in the handler's process group: it must be gone too.
    let pid = std::fs::read_to_string(&pid_file).expect("the handler wrote its grandchild's pid");
    let proc_dir = PathBuf::from(format!("/proc/{}", pid.trim()));
    let deadline = Instant::now() + Duration::from_secs(5);
    while proc_dir.exists() && Instant::now() < deadline {
        // A killed process stays as a zombie until reaped by init; its state is Z.
        let state = std::fs::read_to_string(proc_dir.join("stat")).unwrap_or_default();
        if state.split_whitespace().nth(2) == Some("Z") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let state = std::fs::read_to_string(proc_dir.join("stat")).unwrap_or_default();
    assert!(
        state.is_empty() || state.split_whitespace().nth(2) == Some("Z"),
        "grandchild {pid} still running: {state}"
    );
}

#[tokio::test]
async fn command_huge_output_is_bounded_and_a_function_error() {
    let h = command(
        &[&script("huge.py"), &(8 * 1024 * 1024).to_string()],
        Duration::from_secs(30),
    );
    let out = h.invoke(Bytes::from_static(EVENT)).await.expect("invoke");
    let (_, reason) = failure(&out.status);
    assert_eq!(
        reason,
        format!("response larger than {MAX_RESPONSE_BYTES} bytes")
    );
    assert!(out.body.is_empty());
    // Just under the limit is fine.
    let h = command(&[&script("huge.py"), "1000000"], Duration::from_secs(30));
    let out = h.invoke(Bytes::from_static(EVENT)).await.expect("invoke");
    assert!(out.status.is_success());
    assert_eq!(out.body.len(), 1_000_000);
}

#[tokio::test]
async fn command_that_does_not_exist_is_a_spawn_error_naming_it() {
    let h = CommandHandler::new(
        "missing",
        vec!["/nonexistent/mskgate-handler".into()],
        Duration::from_secs(3),
    )
    .expect("handler");
    let err = h
        .invoke(Bytes::from_static(EVENT))
        .await
        .expect_err("spawn fails");
    assert!(matches!(err, InvokeError::Spawn { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("/nonexistent/mskgate-handler") && text.contains("missing"),
        "{text}"
    );
}

#[tokio::test]
async fn a_big_event_reaches_a_handler_that_reads_it() {
    // 5 MB on stdin while the handler writes stdout: no pipe deadlock.
    let big = format!(
        r#"{{"eventSource":"SelfManagedKafka","records":{{"t-0":[{{"value":"{}"}}]}}}}"#,
        "A".repeat(5 * 1024 * 1024)
    );
    let h = command(&[&script("echo_ok.py")], Duration::from_secs(30));
    let out = h.invoke(Bytes::from(big)).await.expect("invoke");
    assert!(out.status.is_success(), "{:?}", out.status);
}

// --- http -------------------------------------------------------------------------------------

/// A local server: `/ok` echoes, `/fail` answers 500, `/function-error` sets
/// `X-Amz-Function-Error`, `/slow` sleeps, and Lambda's Invoke path
/// (`/2015-03-31/functions/<name>/invocations`) echoes, except for the function `failing`
/// (a function error) and `missing` (ResourceNotFoundException).
async fn server() -> String {
    async fn invocations(
        UrlPath(name): UrlPath<String>,
        body: Bytes,
    ) -> (StatusCode, HeaderMap, Bytes) {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "application/json".parse().expect("header"));
        match name.as_str() {
            "failing" => {
                headers.insert("x-amz-function-error", "Unhandled".parse().expect("header"));
                headers.insert("x-amz-executed-version", "$LATEST".parse().expect("header"));
                (
                    StatusCode::OK,
                    headers,
                    Bytes::from_static(br#"{"errorMessage":"boom","errorType":"Error"}"#),
                )
            }
            "missing" => {
                headers.insert(
                    "x-amzn-errortype",
                    "ResourceNotFoundException".parse().expect("header"),
                );
                (
                    StatusCode::NOT_FOUND,
                    headers,
                    Bytes::from_static(br#"{"Type":"User","message":"Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing"}"#),
                )
            }
            _ => (StatusCode::OK, headers, body),
        }
    }
    let app = Router::new()
        .route("/ok", post(|body: Bytes| async move { body }))
        .route(
            "/fail",
            post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "oops") }),
        )
        .route(
            "/function-error",
            post(|| async {
                (
                    StatusCode::OK,
                    [("X-Amz-Function-Error", "Unhandled")],
                    r#"{"errorMessage":"x"}"#,
                )
            }),
        )
        .route(
            "/slow",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        )
        .route(
            "/2015-03-31/functions/{name}/invocations",
            post(invocations),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn http_2xx_is_success_with_the_body() {
    let base = server().await;
    let h =
        HttpHandler::new("http", &format!("{base}/ok"), Duration::from_secs(5)).expect("handler");
    let out = h.invoke(Bytes::from_static(EVENT)).await.expect("invoke");
    assert!(out.status.is_success());
    assert_eq!(out.body, EVENT);
    assert_eq!(out.status_code, 200);
}

#[tokio::test]
async fn http_runtime_interface_emulator_path_works() {
    let base = server().await;
    let h = HttpHandler::new(
        "rie",
        &format!("{base}/2015-03-31/functions/function/invocations"),
        Duration::from_secs(5),
    )
    .expect("handler");
    let out = h.invoke(Bytes::from_static(EVENT)).await.expect("invoke");
    assert!(out.status.is_success());
    assert_eq!(out.body, EVENT);
}

#[tokio::test]
async fn http_500_and_function_error_header_are_function_errors() {
    let base = server().await;
    let h =
        HttpHandler::new("http", &format!("{base}/fail"), Duration::from_secs(5)).expect("handler");
    let out = h.invoke(Bytes::from_static(EVENT)).await.expect("invoke");
    assert_eq!(failure(&out.status), ("Unhandled", "http status 500"));
    assert_eq!(out.status_code, 500);
    let h = HttpHandler::new(
        "http",
        &format!("{base}/function-error"),
        Duration::from_secs(5),
    )
    .expect("handler");
    let out = h.invoke(Bytes::from_static(EVENT)).await.expect("invoke");
    assert_eq!(
        failure(&out.status),
        ("Unhandled", "X-Amz-Function-Error: Unhandled")
    );
}

#[tokio::test]
async fn http_timeout_is_a_function_error() {
    let base = server().await;
    let h =
        HttpHandler::new("http", &format!("{base}/slow"), Duration::from_secs(1)).expect("handler");
    let started = Instant::now();
    let out = h.invoke(Bytes::from_static(EVENT)).await.expect("invoke");
    assert_eq!(failure(&out.status), ("Unhandled", "timeout after 1s"));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn http_connection_refused_is_an_invoke_error_with_the_reason() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let url = format!("http://127.0.0.1:{port}/x");
    let h = HttpHandler::new("http", &url, Duration::from_secs(3)).expect("handler");
    let err = h
        .invoke(Bytes::from_static(EVENT))
        .await
        .expect_err("refused");
    let text = err.to_string();
    assert!(
        text.contains(&url) && text.to_lowercase().contains("connect"),
        "{text}"
    );
}

// --- lambda -----------------------------------------------------------------------------------

#[tokio::test]
async fn lambda_invoke_through_moto() {
    let moto = super::moto::shared();
    let region = "ap-south-1";
    let sdk = moto.sdk_config(region).await;
    let h = LambdaHandler::new(
        "orders",
        "orders-fn",
        &sdk,
        None,
        None,
        Duration::from_secs(30),
    );
    // moto's Docker-free backend answers with the request payload…
    let out = h.invoke(Bytes::from_static(EVENT)).await.expect("invoke");
    assert!(out.status.is_success(), "{:?}", out.status);
    assert_eq!(out.status_code, 200);
    assert_eq!(out.body, EVENT);
    // …or with the results queued for it: here a partial batch response.
    let partial =
        r#"{"batchItemFailures":[{"itemIdentifier":{"partition":"orders-0","offset":7}}]}"#;
    moto.queue_lambda_results(region, &[partial]);
    let out = h.invoke(Bytes::from_static(EVENT)).await.expect("invoke");
    assert!(out.status.is_success());
    assert_eq!(out.body, partial.as_bytes());
}

#[tokio::test]
async fn lambda_handler_from_config_uses_the_endpoint_override() {
    let moto = super::moto::shared();
    let region = "ap-southeast-2";
    let text = format!(
        r#"{{"source": {{"SelfManagedEventSource": {{"Endpoints": {{"KAFKA_BOOTSTRAP_SERVERS": ["127.0.0.1:9092"]}}}},
             "Topics": ["orders"], "StartingPosition": "LATEST", "UUID": "u-1", "FunctionName": "orders-fn"}},
            "handler": {{"lambda": {{"region": "{region}", "endpoint_url": "{}"}}, "timeout_seconds": 30}}}}"#,
        moto.endpoint()
    );
    let config = RuntimeConfig::from_str(&text, Format::Json).expect("config");
    // The base SDK config points elsewhere: the handler's own settings must win.
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:9")
        .credentials_provider(aws_credential_types::Credentials::new(
            "AKID", "s", None, None, "t",
        ))
        .load()
        .await;
    let h = from_config(&config.handler, Some(&sdk)).expect("handler");
    assert_eq!(h.name(), "orders-fn");
    moto.queue_lambda_results(region, &["{\"ok\":true}"]);
    let out = h.invoke(Bytes::from_static(EVENT)).await.expect("invoke");
    assert_eq!(out.body, b"{\"ok\":true}");
}

#[tokio::test]
async fn lambda_function_error_and_unknown_function() {
    // moto's Docker-free Lambda always succeeds, so these two answers come from a local server
    // speaking Lambda's Invoke protocol; the SDK is the real one, over HTTP.
    let base = server().await;
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::new(
            "AKID", "s", None, None, "t",
        ))
        .load()
        .await;
    let h = LambdaHandler::new(
        "f",
        "failing",
        &sdk,
        None,
        Some(&base),
        Duration::from_secs(10),
    );
    let out = h.invoke(Bytes::from_static(EVENT)).await.expect("invoke");
    assert_eq!(
        failure(&out.status),
        ("Unhandled", "FunctionError: Unhandled")
    );
    assert!(String::from_utf8_lossy(&out.body).contains("boom"));
    let h = LambdaHandler::new(
        "m",
        "missing",
        &sdk,
        None,
        Some(&base),
        Duration::from_secs(10),
    );
    let err = h
        .invoke(Bytes::from_static(EVENT))
        .await
        .expect_err("not found");
    let text = err.to_string();
    assert!(
        text.contains("ResourceNotFoundException") && text.contains("missing"),
        "{text}"
    );
}

#[tokio::test]
async fn from_config_builds_command_and_http_handlers() {
    let text = r#"{"source": {"SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["127.0.0.1:9092"]}},
        "Topics": ["orders"], "StartingPosition": "LATEST", "UUID": "u-1"},
        "handler": {"command": ["python3", "-c", "import sys; sys.stdin.read(); print('{}')"], "name": "inline"}}"#;
    let config = RuntimeConfig::from_str(text, Format::Json).expect("config");
    let _ = python();
    let h = from_config(&config.handler, None).expect("handler");
    assert_eq!(h.name(), "inline");
    let out = h.invoke(Bytes::from_static(EVENT)).await.expect("invoke");
    assert!(out.status.is_success());
    assert_eq!(out.body, b"{}\n");
    let lambda = text.replace(r#""command": ["python3", "-c", "import sys; sys.stdin.read(); print('{}')"], "name": "inline""#, r#""lambda": {"function_name": "f"}"#);
    let config = RuntimeConfig::from_str(&lambda, Format::Json).expect("config");
    let err = from_config(&config.handler, None).expect_err("needs AWS settings");
    assert!(err.to_string().contains("needs AWS settings"));
}
