//! Handlers: what a batch's event JSON is handed to.
//!
//! [`Handler`] is object-safe (`Box<dyn Handler>`): the engine holds one and calls
//! [`Handler::invoke`] once per batch attempt. Four kinds:
//!
//! - [`CommandHandler`] — a process per batch (`{"command": [argv…]}`): the event on stdin;
//!   exit 0 = success and stdout is the response (it may carry a partial batch response);
//!   a non-zero exit, a signal or the timeout = a function error. On timeout the process
//!   group is killed.
//! - [`HttpHandler`] — `POST` to a URL (`{"http": {"url": …}}`): 2xx = success unless the
//!   response has `X-Amz-Function-Error` (Lambda's header, which the Runtime Interface Emulator
//!   sends too); any other status = a function error.
//! - [`LambdaHandler`] — AWS Lambda `Invoke` (RequestResponse) through the AWS SDK;
//!   `FunctionError` in the answer = a function error.
//! - [`FnHandler`] — a Rust closure or async fn, for library users and benchmarks.
//!
//! An [`InvokeError`] means the handler could not be reached at all (no such program,
//! connection refused, an AWS error); [`InvocationStatus::FunctionError`] means it ran and
//! failed. Both count as a failed attempt for retries. Responses are capped at
//! [`MAX_RESPONSE_BYTES`] (Lambda's 6 MB synchronous response limit).
//!
//! ```
//! use mskgate_runtime::invoke::{FnHandler, Handler, InvocationStatus};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let noop = FnHandler::new("noop", |_event: bytes::Bytes| async { Ok::<_, String>(Vec::new()) });
//! let outcome = noop.invoke(bytes::Bytes::from_static(b"{}")).await?;
//! assert_eq!(outcome.status, InvocationStatus::Success);
//! # Ok::<(), mskgate_runtime::invoke::InvokeError>(())
//! # }).unwrap();
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::process::Stdio;
use std::time::{Duration, Instant};

use aws_types::SdkConfig;
use aws_types::region::Region;
use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use crate::config::bootstrap::sdk_message;
use crate::config::{HandlerConfig, HandlerKind};

/// The largest response read from a handler: 6 MB, Lambda's synchronous invocation response
/// limit (6,291,556 bytes). A larger response is a function error.
pub const MAX_RESPONSE_BYTES: usize = 6_291_556;

/// The most stderr kept from one command invocation (the rest is drained and dropped).
pub const MAX_STDERR_BYTES: usize = 64 * 1024;

/// How an invocation ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvocationStatus {
    /// The handler succeeded; [`Invocation::body`] is its response.
    Success,
    /// The handler ran and failed.
    FunctionError {
        /// Lambda's word (`Unhandled`, `Handled`, or the `X-Amz-Function-Error` /
        /// `FunctionError` value) — what an on-failure record puts in
        /// `responseContext.functionError`.
        kind: String,
        /// mskgate's reason: `exit status 1`, `killed by signal 9`, `timeout after 3s`,
        /// `http status 500`, `response larger than 6291556 bytes`… Never the payload.
        reason: String,
    },
}

impl InvocationStatus {
    fn failed(kind: &str, reason: impl Into<String>) -> Self {
        Self::FunctionError {
            kind: kind.to_owned(),
            reason: reason.into(),
        }
    }

    /// Whether the handler succeeded.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Success)
    }
}

/// One invocation's outcome.
#[derive(Clone, PartialEq, Eq)]
pub struct Invocation {
    /// Success or function error.
    pub status: InvocationStatus,
    /// The response payload (stdout, HTTP body, Lambda payload), at most
    /// [`MAX_RESPONSE_BYTES`]; may hold a partial batch response.
    pub body: Vec<u8>,
    /// Wall time of the invocation.
    pub duration: Duration,
    /// The status code to report (`responseContext.statusCode`): 200 for a command or
    /// in-process handler that ran, the HTTP / Lambda status otherwise, 0 when none.
    pub status_code: u16,
}

impl fmt::Debug for Invocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body is user data: its length only.
        f.debug_struct("Invocation")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .field("duration", &self.duration)
            .field("status_code", &self.status_code)
            .finish()
    }
}

/// Why a handler could not be invoked. Messages name the handler and what was tried, never the
/// event or response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InvokeError {
    /// The program could not be started.
    #[error(
        "handler {handler}: cannot run `{program}`; check that it exists, is executable and is in PATH"
    )]
    Spawn {
        /// The handler's name.
        handler: String,
        /// `argv[0]`.
        program: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Talking to the process failed (its pipes).
    #[error("handler {handler}: {what}")]
    Io {
        /// The handler's name.
        handler: String,
        /// What failed.
        what: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP request could not be sent or its answer not read.
    #[error("handler {handler}: POST {url} failed: {reason}")]
    Http {
        /// The handler's name.
        handler: String,
        /// The URL.
        url: String,
        /// The connection / TLS / protocol error.
        reason: String,
    },
    /// The Lambda `Invoke` call failed (not a function error: the function did not run).
    #[error("handler {handler}: lambda:Invoke of {function} failed: {message}")]
    Lambda {
        /// The handler's name.
        handler: String,
        /// The function name or ARN.
        function: String,
        /// The AWS error code and message, or the transport error.
        message: String,
    },
    /// The handler cannot be built from its configuration.
    #[error("handler {handler}: {problem}")]
    Setup {
        /// The handler's name.
        handler: String,
        /// What is wrong.
        problem: String,
    },
}

/// The future [`Handler::invoke`] returns.
pub type InvokeFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Invocation, InvokeError>> + Send + 'a>>;

/// Something a batch's event JSON can be handed to.
pub trait Handler: Send + Sync + fmt::Debug {
    /// The name for logs and metrics.
    fn name(&self) -> &str;

    /// Invokes the handler with one event (the Lambda Kafka event JSON).
    fn invoke(&self, event: Bytes) -> InvokeFuture<'_>;
}

/// Builds the handler `config` describes. `sdk` (AWS settings, e.g. from
/// [`config::bootstrap::sdk_config`](crate::config::bootstrap::sdk_config)) is needed for a
/// `lambda` handler only.
pub fn from_config(
    config: &HandlerConfig,
    sdk: Option<&SdkConfig>,
) -> Result<Box<dyn Handler>, InvokeError> {
    Ok(match &config.kind {
        HandlerKind::Noop => Box::new(NoopHandler {
            name: config.name.clone(),
        }),
        HandlerKind::Command { argv } => Box::new(CommandHandler::new(
            &config.name,
            argv.clone(),
            config.timeout,
        )?),
        HandlerKind::Http { url } => Box::new(HttpHandler::new(&config.name, url, config.timeout)?),
        HandlerKind::Lambda {
            function_name,
            region,
            endpoint_url,
        } => {
            let sdk = sdk.ok_or_else(|| InvokeError::Setup {
                handler: config.name.clone(),
                problem: "a lambda handler needs AWS settings".to_owned(),
            })?;
            Box::new(LambdaHandler::new(
                &config.name,
                function_name,
                sdk,
                region.as_deref(),
                endpoint_url.as_deref(),
                config.timeout,
            ))
        }
    })
}

/// `{"noop": {}}`: accepts every batch at once without looking at it (benchmarks, dry runs).
#[derive(Debug)]
pub struct NoopHandler {
    name: String,
}

impl NoopHandler {
    /// A no-op handler called `name`.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
        }
    }
}

impl Handler for NoopHandler {
    fn name(&self) -> &str {
        &self.name
    }

    fn invoke(&self, _event: Bytes) -> InvokeFuture<'_> {
        Box::pin(async {
            Ok(Invocation {
                status: InvocationStatus::Success,
                body: Vec::new(),
                duration: Duration::ZERO,
                status_code: 200,
            })
        })
    }
}

fn timeout_reason(timeout: Duration) -> String {
    format!("timeout after {}s", timeout.as_secs_f64())
}

// ---------------------------------------------------------------------------------------------
// command

/// A process per invocation: the event on stdin, the response on stdout.
#[derive(Debug, Clone)]
pub struct CommandHandler {
    name: String,
    argv: Vec<String>,
    timeout: Duration,
}

impl CommandHandler {
    /// A handler running `argv` (program first) with `timeout` per invocation.
    pub fn new(name: &str, argv: Vec<String>, timeout: Duration) -> Result<Self, InvokeError> {
        if argv.first().is_none_or(String::is_empty) {
            return Err(InvokeError::Setup {
                handler: name.to_owned(),
                problem: "the command is empty".to_owned(),
            });
        }
        Ok(Self {
            name: name.to_owned(),
            argv,
            timeout,
        })
    }

    async fn run(&self, event: Bytes) -> Result<Invocation, InvokeError> {
        let started = Instant::now();
        let program = &self.argv[0];
        let mut command = tokio::process::Command::new(program);
        command
            .args(&self.argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        #[cfg(unix)]
        command.process_group(0);
        let mut child = command.spawn().map_err(|source| InvokeError::Spawn {
            handler: self.name.clone(),
            program: program.clone(),
            source,
        })?;
        let pid = child.id();
        let io = |what: &str, source| InvokeError::Io {
            handler: self.name.clone(),
            what: what.to_owned(),
            source,
        };
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| io("no stdin pipe", std::io::Error::other("missing")))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| io("no stdout pipe", std::io::Error::other("missing")))?;
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| io("no stderr pipe", std::io::Error::other("missing")))?;
        let write = async move {
            // A handler that exits without reading stdin closes the pipe: not an error here,
            // its exit status decides.
            let result = stdin.write_all(&event).await;
            drop(stdin);
            match result {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e),
                _ => Ok(()),
            }
        };
        let work = async {
            let (written, out, err, status) = tokio::join!(
                write,
                read_bounded(stdout, MAX_RESPONSE_BYTES),
                read_bounded(stderr, MAX_STDERR_BYTES),
                child.wait()
            );
            (written, out, err, status)
        };
        let finished = tokio::time::timeout(self.timeout, work).await;
        let Ok((written, out, err, status)) = finished else {
            kill_group(pid);
            let _ = child.kill().await;
            return Ok(Invocation {
                status: InvocationStatus::failed("Unhandled", timeout_reason(self.timeout)),
                body: Vec::new(),
                duration: started.elapsed(),
                status_code: 200,
            });
        };
        let status = status.map_err(|e| io("waiting for the process failed", e))?;
        let (stdout, overflow) = out.map_err(|e| io("reading stdout failed", e))?;
        if let Ok((stderr, cut)) = &err {
            log_stderr(&self.name, stderr, *cut);
        }
        if let Err(e) = written {
            return Err(io("writing the event to stdin failed", e));
        }
        let result = if overflow {
            InvocationStatus::failed(
                "Unhandled",
                format!("response larger than {MAX_RESPONSE_BYTES} bytes"),
            )
        } else if status.success() {
            InvocationStatus::Success
        } else {
            InvocationStatus::failed("Unhandled", exit_reason(status))
        };
        Ok(Invocation {
            status: result,
            body: if overflow { Vec::new() } else { stdout },
            duration: started.elapsed(),
            status_code: 200,
        })
    }
}

impl Handler for CommandHandler {
    fn name(&self) -> &str {
        &self.name
    }

    fn invoke(&self, event: Bytes) -> InvokeFuture<'_> {
        Box::pin(self.run(event))
    }
}

/// Reads at most `limit` bytes, then drains the rest (so the writer never blocks); says whether
/// there was more.
async fn read_bounded<R: AsyncRead + Unpin>(
    mut reader: R,
    limit: usize,
) -> std::io::Result<(Vec<u8>, bool)> {
    let mut kept = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut overflow = false;
    loop {
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            return Ok((kept, overflow));
        }
        let room = limit.saturating_sub(kept.len());
        if n > room {
            overflow = true;
        }
        kept.extend_from_slice(&buf[..n.min(room)]);
    }
}

fn exit_reason(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("killed by signal {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => "exited abnormally".to_owned(),
    }
}

/// Kills the process group the child leads (`process_group(0)`), so grandchildren die with it.
/// Uses the `kill` program: no `unsafe` signal call in this crate.
fn kill_group(pid: Option<u32>) {
    #[cfg(unix)]
    if let Some(pid) = pid {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    #[cfg(not(unix))]
    let _ = pid;
}

/// Handler stderr goes to tracing at debug (it may hold user data), line by line.
fn log_stderr(handler: &str, stderr: &[u8], cut: bool) {
    if stderr.is_empty() {
        return;
    }
    for line in String::from_utf8_lossy(stderr).lines() {
        tracing::debug!(handler, stderr = line, "handler stderr");
    }
    if cut {
        tracing::debug!(
            handler,
            "handler stderr longer than {MAX_STDERR_BYTES} bytes; the rest was dropped"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// http

/// `POST` the event to a URL.
#[derive(Debug, Clone)]
pub struct HttpHandler {
    name: String,
    url: String,
    timeout: Duration,
    client: reqwest::Client,
}

impl HttpHandler {
    /// A handler posting to `url` (http or https; certificates verified).
    pub fn new(name: &str, url: &str, timeout: Duration) -> Result<Self, InvokeError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| InvokeError::Setup {
                handler: name.to_owned(),
                problem: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Self {
            name: name.to_owned(),
            url: url.to_owned(),
            timeout,
            client,
        })
    }

    async fn run(&self, event: Bytes) -> Result<Invocation, InvokeError> {
        let started = Instant::now();
        let failed = |e: reqwest::Error| InvokeError::Http {
            handler: self.name.clone(),
            url: self.url.clone(),
            reason: error_chain(&e),
        };
        let sent = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(event)
            .send()
            .await;
        let mut response = match sent {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Ok(self.timed_out(started)),
            Err(e) => return Err(failed(e)),
        };
        let status = response.status();
        let function_error = response
            .headers()
            .get("x-amz-function-error")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let mut body = Vec::new();
        let mut overflow = false;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = MAX_RESPONSE_BYTES.saturating_sub(body.len());
                    if chunk.len() > room {
                        overflow = true;
                        break;
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if e.is_timeout() => return Ok(self.timed_out(started)),
                Err(e) => return Err(failed(e)),
            }
        }
        let result = match (function_error, status.is_success()) {
            (Some(kind), _) => {
                let reason = format!("X-Amz-Function-Error: {kind}");
                InvocationStatus::failed(if kind.is_empty() { "Unhandled" } else { &kind }, reason)
            }
            (None, false) => {
                InvocationStatus::failed("Unhandled", format!("http status {}", status.as_u16()))
            }
            (None, true) if overflow => InvocationStatus::failed(
                "Unhandled",
                format!("response larger than {MAX_RESPONSE_BYTES} bytes"),
            ),
            (None, true) => InvocationStatus::Success,
        };
        Ok(Invocation {
            status: result,
            body: if overflow { Vec::new() } else { body },
            duration: started.elapsed(),
            status_code: status.as_u16(),
        })
    }

    fn timed_out(&self, started: Instant) -> Invocation {
        Invocation {
            status: InvocationStatus::failed("Unhandled", timeout_reason(self.timeout)),
            body: Vec::new(),
            duration: started.elapsed(),
            status_code: 0,
        }
    }
}

impl Handler for HttpHandler {
    fn name(&self) -> &str {
        &self.name
    }

    fn invoke(&self, event: Bytes) -> InvokeFuture<'_> {
        Box::pin(self.run(event))
    }
}

/// An error and its causes, joined (reqwest's `Display` stops at the outermost).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

// ---------------------------------------------------------------------------------------------
// lambda

/// AWS Lambda `Invoke` (RequestResponse).
#[derive(Debug, Clone)]
pub struct LambdaHandler {
    name: String,
    function: String,
    timeout: Duration,
    client: aws_sdk_lambda::Client,
}

impl LambdaHandler {
    /// A handler invoking `function` (name, ARN or partial ARN, optionally `:qualifier`) with
    /// `sdk`'s settings, `region` and `endpoint_url` overriding them.
    pub fn new(
        name: &str,
        function: &str,
        sdk: &SdkConfig,
        region: Option<&str>,
        endpoint_url: Option<&str>,
        timeout: Duration,
    ) -> Self {
        let mut builder = aws_sdk_lambda::config::Builder::from(sdk);
        if let Some(r) = region {
            builder = builder.region(Region::new(r.to_owned()));
        }
        if let Some(u) = endpoint_url {
            builder = builder.endpoint_url(u);
        }
        Self {
            name: name.to_owned(),
            function: function.to_owned(),
            timeout,
            client: aws_sdk_lambda::Client::from_conf(builder.build()),
        }
    }

    async fn run(&self, event: Bytes) -> Result<Invocation, InvokeError> {
        let started = Instant::now();
        let call = self
            .client
            .invoke()
            .function_name(&self.function)
            .invocation_type(aws_sdk_lambda::types::InvocationType::RequestResponse)
            .payload(aws_sdk_lambda::primitives::Blob::new(event.to_vec()))
            .send();
        let Ok(result) = tokio::time::timeout(self.timeout, call).await else {
            return Ok(Invocation {
                status: InvocationStatus::failed("Unhandled", timeout_reason(self.timeout)),
                body: Vec::new(),
                duration: started.elapsed(),
                status_code: 0,
            });
        };
        let out = result.map_err(|e| InvokeError::Lambda {
            handler: self.name.clone(),
            function: self.function.clone(),
            message: sdk_message(&e),
        })?;
        let status_code = u16::try_from(out.status_code).unwrap_or(0);
        let body = out.payload.map(|b| b.into_inner()).unwrap_or_default();
        let status = match out.function_error {
            Some(kind) => InvocationStatus::failed(&kind, format!("FunctionError: {kind}")),
            None if body.len() > MAX_RESPONSE_BYTES => InvocationStatus::failed(
                "Unhandled",
                format!("response larger than {MAX_RESPONSE_BYTES} bytes"),
            ),
            None => InvocationStatus::Success,
        };
        Ok(Invocation {
            status,
            body,
            duration: started.elapsed(),
            status_code,
        })
    }
}

impl Handler for LambdaHandler {
    fn name(&self) -> &str {
        &self.name
    }

    fn invoke(&self, event: Bytes) -> InvokeFuture<'_> {
        Box::pin(self.run(event))
    }
}

// ---------------------------------------------------------------------------------------------
// in-process

/// A Rust closure or async fn as a handler: `Ok(response)` is success, `Err(reason)` a function
/// error (kind `Unhandled`).
pub struct FnHandler<F> {
    name: String,
    f: F,
    timeout: Option<Duration>,
}

impl<F> fmt::Debug for FnHandler<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnHandler")
            .field("name", &self.name)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl<F, Fut> FnHandler<F>
where
    F: Fn(Bytes) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Vec<u8>, String>> + Send,
{
    /// Wraps `f`; no timeout.
    pub fn new(name: &str, f: F) -> Self {
        Self {
            name: name.to_owned(),
            f,
            timeout: None,
        }
    }

    /// Fails an invocation that takes longer than `timeout` (the future is dropped).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

impl<F, Fut> Handler for FnHandler<F>
where
    F: Fn(Bytes) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Vec<u8>, String>> + Send,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn invoke(&self, event: Bytes) -> InvokeFuture<'_> {
        Box::pin(async move {
            let started = Instant::now();
            let fut = (self.f)(event);
            let result = match self.timeout {
                Some(t) => match tokio::time::timeout(t, fut).await {
                    Ok(r) => r,
                    Err(_) => {
                        return Ok(Invocation {
                            status: InvocationStatus::failed("Unhandled", timeout_reason(t)),
                            body: Vec::new(),
                            duration: started.elapsed(),
                            status_code: 200,
                        });
                    }
                },
                None => fut.await,
            };
            let (status, body) = match result {
                Ok(body) => (InvocationStatus::Success, body),
                Err(reason) => (InvocationStatus::failed("Unhandled", reason), Vec::new()),
            };
            Ok(Invocation {
                status,
                body,
                duration: started.elapsed(),
                status_code: 200,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fn_handler_maps_ok_and_err() {
        let h = FnHandler::new("t", |e: Bytes| async move {
            if e.is_empty() {
                Err("empty".to_owned())
            } else {
                Ok(e.to_vec())
            }
        });
        let ok = h.invoke(Bytes::from_static(b"x")).await.expect("ok");
        assert!(ok.status.is_success());
        assert_eq!(ok.body, b"x");
        let err = h.invoke(Bytes::new()).await.expect("invoked");
        assert_eq!(
            err.status,
            InvocationStatus::FunctionError {
                kind: "Unhandled".into(),
                reason: "empty".into()
            }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn fn_handler_times_out() {
        let h = FnHandler::new("slow", |_e: Bytes| async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            Ok(Vec::new())
        })
        .with_timeout(Duration::from_secs(3));
        let out = h.invoke(Bytes::new()).await.expect("invoked");
        assert_eq!(
            out.status,
            InvocationStatus::FunctionError {
                kind: "Unhandled".into(),
                reason: "timeout after 3s".into()
            }
        );
    }

    #[tokio::test]
    async fn read_bounded_drains_past_the_limit() {
        let data = vec![7u8; 200_000];
        let (kept, overflow) = read_bounded(&data[..], 1000).await.expect("read");
        assert_eq!(kept.len(), 1000);
        assert!(overflow);
        let (kept, overflow) = read_bounded(&data[..], 200_000).await.expect("read");
        assert_eq!(kept.len(), 200_000);
        assert!(!overflow);
    }

    #[test]
    fn debug_never_prints_the_body() {
        let inv = Invocation {
            status: InvocationStatus::Success,
            body: b"CANARY-secret-response".to_vec(),
            duration: Duration::ZERO,
            status_code: 200,
        };
        assert!(!format!("{inv:?}").contains("CANARY"));
    }
}
