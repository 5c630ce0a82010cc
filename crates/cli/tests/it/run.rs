//! `mskgate run` end to end: the real binary against the harness brokers (tansu behind stunnel), a
//! Python handler that keeps a ledger of every record it is given, and committed offsets read back
//! from the broker.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use mskgate_e2e::{Broker, Listener, ScramMechanism, client, unique_name};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use serde_json::{Value, json};

use crate::repo;

const TIMEOUT: Duration = Duration::from_secs(60);

fn broker() -> &'static Broker {
    Broker::shared()
}

/// One record to produce.
#[derive(Clone, Debug)]
pub(crate) struct Out {
    pub(crate) partition: i32,
    pub(crate) key: Option<String>,
    pub(crate) value: String,
    pub(crate) timestamp_ms: Option<i64>,
}

pub(crate) fn out(partition: i32, value: impl Into<String>) -> Out {
    Out {
        partition,
        key: Some(format!("k-{partition}")),
        value: value.into(),
        timestamp_ms: None,
    }
}

/// Produces `records` with a header each (`h` = b"\xc3\xab", "ë", signed -61,-85 in the event).
pub(crate) fn produce(listener: Listener, topic: &str, records: &[Out]) {
    let config = client::config(&broker().client_config(listener));
    let producer: ThreadedProducer<DefaultProducerContext> = config.create().expect("producer");
    for r in records {
        let headers = OwnedHeaders::new().insert(Header {
            key: "h",
            value: Some("ë".as_bytes()),
        });
        let mut rec = BaseRecord::to(topic)
            .partition(r.partition)
            .payload(&r.value)
            .headers(headers);
        if let Some(k) = &r.key {
            rec = rec.key(k);
        }
        if let Some(ts) = r.timestamp_ms {
            rec = rec.timestamp(ts);
        }
        producer.send(rec).map_err(|(e, _)| e).expect("enqueue");
    }
    producer.flush(TIMEOUT).expect("flush");
}

/// A topic with `partitions` partitions on `listener`.
pub(crate) fn topic(listener: Listener, prefix: &str, partitions: i32) -> String {
    let name = unique_name(prefix);
    broker()
        .create_topic(listener, &name, partitions)
        .expect("create topic");
    name
}

/// A working directory with the config, secrets, ledger and handler state of one test.
pub(crate) struct Work {
    pub(crate) dir: tempfile::TempDir,
}

impl Work {
    pub(crate) fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    /// The ledger's lines.
    pub(crate) fn ledger(&self) -> Vec<Value> {
        read_jsonl(&self.path("ledger.jsonl"))
    }

    pub(crate) fn events(&self) -> Vec<Value> {
        read_jsonl(&self.path("events.jsonl"))
    }
}

pub(crate) fn read_jsonl(path: &Path) -> Vec<Value> {
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("jsonl"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The secret files and `SourceAccessConfigurations` for a listener: (entries, `secrets`, `tls`).
pub(crate) fn auth_for(listener: Listener, work: &Work) -> (Value, Value, Value) {
    let b = broker();
    let root_uri = "arn:aws:secretsmanager:us-east-1:123456789012:secret:root-ca";
    let root = json!({"Type": "SERVER_ROOT_CA_CERTIFICATE", "URI": root_uri});
    let mut secrets = serde_json::Map::new();
    let with_root = |secrets: &mut serde_json::Map<String, Value>| {
        let ca_secret = json!({"certificate": std::fs::read_to_string(&b.pki().ca).expect("ca")});
        let ca_path = work.write("root-ca.json", &ca_secret.to_string());
        secrets.insert(
            root_uri.to_owned(),
            json!(format!("file:{}", ca_path.display())),
        );
    };
    let scram_secret = |secrets: &mut serde_json::Map<String, Value>| {
        let scram = json!({"username": b.scram_user(), "password": b.expose_scram_password()});
        let p = work.write("scram.json", &scram.to_string());
        let uri = "arn:aws:secretsmanager:us-east-1:123456789012:secret:scram";
        secrets.insert(uri.into(), json!(format!("file:{}", p.display())));
        uri
    };
    let (sacs, tls) = match listener {
        Listener::Plaintext => (json!([]), json!({})),
        Listener::Tls => {
            with_root(&mut secrets);
            (json!([root]), json!({}))
        }
        Listener::Mtls => {
            with_root(&mut secrets);
            let mtls = repo().join("fixtures/secrets/mtls-rsa-plain.json");
            let uri = "arn:aws:secretsmanager:us-east-1:123456789012:secret:client-cert";
            secrets.insert(uri.into(), json!(format!("file:{}", mtls.display())));
            (
                json!([root, {"Type": "CLIENT_CERTIFICATE_TLS_AUTH", "URI": uri}]),
                json!({}),
            )
        }
        Listener::ScramTls => {
            with_root(&mut secrets);
            let uri = scram_secret(&mut secrets);
            (
                json!([root, {"Type": "SASL_SCRAM_512_AUTH", "URI": uri}]),
                json!({}),
            )
        }
        Listener::ScramPlaintext => {
            let uri = scram_secret(&mut secrets);
            (
                json!([{"Type": "SASL_SCRAM_512_AUTH", "URI": uri}]),
                json!({"enabled": false, "allow_plaintext_sasl": true}),
            )
        }
    };
    (sacs, Value::Object(secrets), tls)
}

/// A config for `topic` on `listener` with the ledger handler; `source` and `top` are merged in.
pub(crate) fn config(
    listener: Listener,
    work: &Work,
    topic: &str,
    group: &str,
    source: Value,
    top: Value,
) -> PathBuf {
    let (sacs, secrets, tls) = auth_for(listener, work);
    let mut src = json!({
        "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [broker().bootstrap(listener)]}},
        "Topics": [topic],
        "StartingPosition": "TRIM_HORIZON",
        "BatchSize": 10,
        "MaximumBatchingWindowInSeconds": 1,
        "SelfManagedKafkaEventSourceConfig": {"ConsumerGroupId": group},
        "SourceAccessConfigurations": sacs,
    });
    merge(&mut src, source);
    let handler = repo().join("crates/cli/tests/handlers/ledger.py");
    let mut c = json!({
        "source": src,
        "handler": {"command": ["python3", handler.display().to_string()], "timeout_seconds": 30},
        "secrets": secrets,
        "tls": tls,
        "metrics": {"listen": "127.0.0.1:0"},
        "kafka": {"session.timeout.ms": "10000", "heartbeat.interval.ms": "1000"},
        "shutdown_timeout_seconds": 20,
    });
    if c["source"]["SourceAccessConfigurations"]
        .as_array()
        .is_some_and(Vec::is_empty)
    {
        c["source"]
            .as_object_mut()
            .expect("object")
            .remove("SourceAccessConfigurations");
    }
    merge(&mut c, top);
    work.write(
        "config.json",
        &serde_json::to_string_pretty(&c).expect("json"),
    )
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, from) {
        for (k, v) in b {
            a.insert(k, v);
        }
    }
}

/// A running `mskgate run`; its stderr is collected (and echoed when the test fails).
pub(crate) struct Running {
    pub(crate) child: Child,
    pub(crate) stderr: Arc<Mutex<String>>,
}

impl Running {
    pub(crate) fn log(&self) -> String {
        self.stderr.lock().expect("lock").clone()
    }

    /// Waits for the process to exit by itself.
    pub(crate) fn wait(mut self, timeout: Duration) -> (i32, String) {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                thread::sleep(Duration::from_millis(100));
                return (status.code().unwrap_or(-1), self.log());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("mskgate run did not stop in {timeout:?}:\n{}", self.log());
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGTERM, then wait.
    pub(crate) fn terminate(self, timeout: Duration) -> (i32, String) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        self.wait(timeout)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `mskgate run --config <config>` with the ledger in `work`.
pub(crate) fn start(work: &Work, config: &Path, extra: &[&str], env: &[(&str, String)]) -> Running {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mskgate"));
    cmd.args(["run", "--config"])
        .arg(config)
        .args(extra)
        .current_dir(repo())
        .env_remove("MSKGATE_LOG")
        .env("NO_COLOR", "1")
        .env("LEDGER", work.path("ledger.jsonl"))
        .env("EVENTS", work.path("events.jsonl"))
        .env("STATE_DIR", work.dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn mskgate run");
    let stderr = Arc::new(Mutex::new(String::new()));
    let pipe = child.stderr.take().expect("stderr");
    let sink = Arc::clone(&stderr);
    thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let mut s = sink.lock().expect("lock");
            s.push_str(&line);
            s.push('\n');
        }
    });
    Running { child, stderr }
}

/// Runs until idle and returns (exit code, stderr).
pub(crate) fn run_until_idle(work: &Work, config: &Path, env: &[(&str, String)]) -> (i32, String) {
    start(work, config, &["--stop-when-idle", "4"], env).wait(Duration::from_secs(120))
}

pub(crate) fn committed(
    listener: Listener,
    topic: &str,
    group: &str,
    partitions: i32,
) -> Vec<Option<i64>> {
    client::committed_offsets(
        &broker().client_config(listener),
        topic,
        group,
        partitions,
        TIMEOUT,
    )
    .expect("committed offsets")
}

/// The values the ledger saw succeed, by partition, in order.
pub(crate) fn delivered(ledger: &[Value]) -> BTreeMap<i64, Vec<(i64, String)>> {
    let mut by: BTreeMap<i64, Vec<(i64, String)>> = BTreeMap::new();
    for l in ledger.iter().filter(|l| l["ok"] == true) {
        by.entry(l["partition"].as_i64().expect("partition"))
            .or_default()
            .push((
                l["offset"].as_i64().expect("offset"),
                l["value"].as_str().unwrap_or_default().to_owned(),
            ));
    }
    by
}

fn check_event_shape(event: &Value, topic: &str) {
    assert_eq!(event["eventSource"], "SelfManagedKafka");
    assert!(event.get("eventSourceArn").is_none());
    assert!(event["bootstrapServers"].as_str().is_some());
    let parsed: aws_lambda_events::event::kafka::KafkaEvent =
        serde_json::from_value(event.clone()).expect("aws_lambda_events KafkaEvent");
    for (key, records) in &parsed.records {
        assert!(key.starts_with(topic), "{key}");
        for r in records {
            assert_eq!(r.topic.as_deref(), Some(topic));
            assert_eq!(format!("{topic}-{}", r.partition), *key);
        }
    }
    let first = &event["records"]
        .as_object()
        .expect("records")
        .values()
        .next()
        .expect("a partition")[0];
    assert_eq!(
        first["headers"],
        json!([{"h": [-61, -85]}]),
        "signed header bytes"
    );
    assert_eq!(first["timestampType"], "CREATE_TIME");
}

#[test]
fn run_delivers_lambda_events_and_commits_on_every_listener() {
    for listener in [
        Listener::Plaintext,
        Listener::Tls,
        Listener::Mtls,
        Listener::ScramTls,
    ] {
        let topic = topic(listener, &format!("run-{}", listener.name()), 2);
        let group = unique_name("g");
        let records: Vec<Out> = (0..24).map(|i| out(i % 2, format!("v{i}"))).collect();
        produce(listener, &topic, &records);
        let work = Work::new();
        let cfg = config(listener, &work, &topic, &group, json!({}), json!({}));
        let (code, log) = run_until_idle(&work, &cfg, &[]);
        assert_eq!(code, 0, "{listener}: {log}");
        let by = delivered(&work.ledger());
        for p in 0..2i64 {
            let got: Vec<String> = by
                .get(&p)
                .map(|v| v.iter().map(|x| x.1.clone()).collect())
                .unwrap_or_default();
            let want: Vec<String> = (0..24)
                .filter(|i| i % 2 == p)
                .map(|i| format!("v{i}"))
                .collect();
            assert_eq!(got, want, "{listener} partition {p}: {log}");
            let offsets: Vec<i64> = by[&p].iter().map(|x| x.0).collect();
            assert_eq!(
                offsets,
                (0..12).collect::<Vec<_>>(),
                "{listener}: in offset order"
            );
        }
        for e in work.events() {
            check_event_shape(&e, &topic);
            let n: usize = e["records"]
                .as_object()
                .expect("records")
                .values()
                .map(|v| v.as_array().map_or(0, Vec::len))
                .sum();
            assert!(n <= 10, "BatchSize 10 respected: {n}");
        }
        assert_eq!(
            committed(listener, &topic, &group, 2),
            vec![Some(12), Some(12)],
            "{listener}: {log}"
        );
    }
}

#[test]
fn scram_sha256_works_and_plaintext_sasl_needs_the_opt_in() {
    let listener = Listener::ScramTls;
    let topic = topic(listener, "run-scram256", 1);
    produce(listener, &topic, &[out(0, "a"), out(0, "b")]);
    let work = Work::new();
    let group = unique_name("g");
    let (_, secrets, _) = auth_for(listener, &work);
    let uri = "arn:aws:secretsmanager:us-east-1:123456789012:secret:scram";
    let cfg = config(
        listener,
        &work,
        &topic,
        &group,
        json!({"SourceAccessConfigurations": [
            {"Type": "SERVER_ROOT_CA_CERTIFICATE", "URI": "arn:aws:secretsmanager:us-east-1:123456789012:secret:root-ca"},
            {"Type": "SASL_SCRAM_256_AUTH", "URI": uri}]}),
        json!({"secrets": secrets}),
    );
    let (code, log) = run_until_idle(&work, &cfg, &[]);
    assert_eq!(code, 0, "{log}");
    assert_eq!(delivered(&work.ledger())[&0].len(), 2, "{log}");
    let _ = ScramMechanism::Sha256;

    // SASL over plaintext: refused unless tls.allow_plaintext_sasl.
    let pl = Listener::ScramPlaintext;
    let topic = self::topic(pl, "run-saslplain", 1);
    produce(pl, &topic, &[out(0, "x")]);
    let work = Work::new();
    let cfg = config(
        pl,
        &work,
        &topic,
        &unique_name("g"),
        json!({}),
        json!({"tls": {"enabled": false}}),
    );
    let (code, log) = run_until_idle(&work, &cfg, &[]);
    assert_eq!(code, 2, "refused: {log}");
    assert!(log.contains("allow_plaintext_sasl"), "{log}");
    let cfg = config(pl, &work, &topic, &unique_name("g"), json!({}), json!({}));
    let (code, log) = run_until_idle(&work, &cfg, &[]);
    assert_eq!(code, 0, "{log}");
    assert_eq!(delivered(&work.ledger())[&0].len(), 1, "{log}");
}

#[test]
fn failed_batches_are_retried_then_routed_and_nothing_is_committed_before() {
    let listener = Listener::Plaintext;
    let topic = topic(listener, "run-retry", 1);
    let records: Vec<Out> = (0..10).map(|i| out(0, format!("v{i}"))).collect();
    produce(listener, &topic, &records);
    let work = Work::new();
    let group = unique_name("g");
    let dlq = work.path("failed.jsonl");
    // The first two invocations fail; MaximumRetryAttempts 3 lets the third succeed.
    let cfg = config(
        listener,
        &work,
        &topic,
        &group,
        json!({"MaximumRetryAttempts": 3, "BatchSize": 10}),
        json!({"on_failure_file": dlq.display().to_string()}),
    );
    let (code, log) = run_until_idle(&work, &cfg, &[("FAIL_FIRST", "2".into())]);
    assert_eq!(code, 0, "{log}");
    let ledger = work.ledger();
    let invocations: std::collections::BTreeSet<i64> = ledger
        .iter()
        .map(|l| l["invocation"].as_i64().expect("n"))
        .collect();
    assert_eq!(invocations.len(), 3, "two failures and a success: {log}");
    assert_eq!(delivered(&ledger)[&0].len(), 10);
    assert!(read_jsonl(&dlq).is_empty(), "nothing routed");
    assert_eq!(committed(listener, &topic, &group, 1), vec![Some(10)]);
}

#[test]
fn a_poison_record_is_isolated_by_bisection_and_lands_in_the_destination() {
    let listener = Listener::Plaintext;
    let topic = topic(listener, "run-poison", 1);
    let records: Vec<Out> = (0..8)
        .map(|i| {
            out(
                0,
                if i == 5 {
                    "poison".to_owned()
                } else {
                    format!("v{i}")
                },
            )
        })
        .collect();
    produce(listener, &topic, &records);
    let work = Work::new();
    let group = unique_name("g");
    let dlq = work.path("failed.jsonl");
    let cfg = config(
        listener,
        &work,
        &topic,
        &group,
        json!({"MaximumRetryAttempts": 0, "BisectBatchOnFunctionError": true, "BatchSize": 8, "MaximumBatchingWindowInSeconds": 2}),
        json!({"on_failure_file": dlq.display().to_string()}),
    );
    let (code, log) = run_until_idle(&work, &cfg, &[("FAIL_VALUE", "poison".into())]);
    assert_eq!(code, 0, "{log}");
    let ok: Vec<String> = delivered(&work.ledger())[&0]
        .iter()
        .map(|x| x.1.clone())
        .collect();
    assert_eq!(ok, ["v0", "v1", "v2", "v3", "v4", "v6", "v7"], "{log}");
    let failed = read_jsonl(&dlq);
    assert_eq!(failed.len(), 1, "{failed:?}");
    let text = failed[0].to_string();
    assert!(
        text.contains("\"topic\"") || text.contains(&topic),
        "{text}"
    );
    assert_eq!(committed(listener, &topic, &group, 1), vec![Some(8)]);
}

#[test]
fn partial_batch_responses_retry_from_the_failed_record_and_filters_skip_without_invoking() {
    let listener = Listener::Plaintext;
    let topic = topic(listener, "run-partial", 1);
    let mut records: Vec<Out> = (0..6)
        .map(|i| out(0, format!("{{\"kind\":\"keep\",\"n\":{i}}}")))
        .collect();
    records.push(out(0, "{\"kind\":\"drop\",\"n\":6}"));
    records.push(out(0, "poison"));
    records.push(out(0, "{\"kind\":\"keep\",\"n\":8}"));
    produce(listener, &topic, &records);
    let work = Work::new();
    let group = unique_name("g");
    let dlq = work.path("failed.jsonl");
    let cfg = config(
        listener,
        &work,
        &topic,
        &group,
        json!({"MaximumRetryAttempts": 1, "FunctionResponseTypes": ["ReportBatchItemFailures"], "BatchSize": 20,
               "FilterCriteria": {"Filters": [{"Pattern": "{\"value\": {\"kind\": [\"keep\"]}}"}, {"Pattern": "{\"value\": [\"poison\"]}"}]}}),
        json!({"on_failure_file": dlq.display().to_string()}),
    );
    let (code, log) = run_until_idle(
        &work,
        &cfg,
        &[("FAIL_VALUE", "poison".into()), ("PARTIAL", "1".into())],
    );
    assert_eq!(code, 0, "{log}");
    let ledger = work.ledger();
    assert!(
        ledger
            .iter()
            .all(|l| !l["value"].as_str().unwrap_or_default().contains("drop")),
        "filtered record never invoked"
    );
    let ok: Vec<i64> = delivered(&ledger)[&0].iter().map(|x| x.0).collect();
    // Lambda checkpoints at the lowest failed record: 7 and everything after it are retried
    // (once: MaximumRetryAttempts 1), then routed together; 0–5 succeeded the first time.
    assert_eq!(ok, [0, 1, 2, 3, 4, 5], "{log}");
    let retried: Vec<i64> = ledger
        .iter()
        .filter(|l| l["invocation"] == 1)
        .map(|l| l["offset"].as_i64().expect("offset"))
        .collect();
    assert_eq!(
        retried,
        [7, 8],
        "the retry starts at the failed record and skips the filtered one"
    );
    let failed = read_jsonl(&dlq);
    assert_eq!(failed.len(), 1, "one routed group: {failed:?}");
    let text = failed[0].to_string();
    assert!(
        !text.contains("kind"),
        "the destination record carries metadata, not values: {text}"
    );
    assert_eq!(
        committed(listener, &topic, &group, 1),
        vec![Some(9)],
        "committed past filtered and routed records"
    );
}

#[test]
fn infinite_retries_stall_the_partition_and_status_says_so() {
    let listener = Listener::Plaintext;
    let topic = topic(listener, "run-stall", 1);
    produce(listener, &topic, &[out(0, "poison"), out(0, "after")]);
    let work = Work::new();
    let group = unique_name("g");
    let port = free_port();
    let cfg = config(
        listener,
        &work,
        &topic,
        &group,
        json!({"MaximumRetryAttempts": -1}),
        json!({"metrics": {"listen": format!("127.0.0.1:{port}")}}),
    );
    let running = start(&work, &cfg, &[], &[("FAIL_VALUE", "poison".into())]);
    let status = wait_for_status(port, Duration::from_secs(60), |s| {
        s["LastProcessingResult"] == "PROBLEM: Function call failed"
    })
    .unwrap_or_else(|| panic!("no stall reported:\n{}", running.log()));
    assert_eq!(status["stalled"][0]["partition"], format!("{topic}-0"));
    assert!(status["stalled"][0]["attempts"].as_u64().unwrap_or(0) >= 2);
    let (code, log) = running.terminate(Duration::from_secs(60));
    assert_eq!(code, 0, "{log}");
    assert!(
        delivered(&work.ledger()).is_empty(),
        "nothing past the poison record"
    );
    let c = committed(listener, &topic, &group, 1);
    assert!(
        matches!(c[0], None | Some(0)),
        "nothing committed past the poison record: {c:?}"
    );
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Polls `http://127.0.0.1:<port>/status` until `done`.
pub(crate) fn wait_for_status(
    port: u16,
    timeout: Duration,
    done: impl Fn(&Value) -> bool,
) -> Option<Value> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Some(v) = http_get_json(port, "/status")
            && done(&v)
        {
            return Some(v);
        }
        thread::sleep(Duration::from_millis(250));
    }
    None
}

/// A minimal HTTP/1.0 GET on loopback (test client only).
pub(crate) fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let code = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n")?.1.to_owned();
    Some((code, body))
}

pub(crate) fn http_get_json(port: u16, path: &str) -> Option<Value> {
    serde_json::from_str(&http_get(port, path)?.1).ok()
}

#[test]
fn sigterm_finishes_the_batch_in_flight_commits_and_exits() {
    let listener = Listener::Plaintext;
    let topic = topic(listener, "run-sigterm", 1);
    produce(
        listener,
        &topic,
        &(0..5).map(|i| out(0, format!("v{i}"))).collect::<Vec<_>>(),
    );
    let work = Work::new();
    let group = unique_name("g");
    let port = free_port();
    let cfg = config(
        listener,
        &work,
        &topic,
        &group,
        json!({"BatchSize": 5}),
        json!({"metrics": {"listen": format!("127.0.0.1:{port}")}}),
    );
    let running = start(&work, &cfg, &[], &[("SLEEP", "3".into())]);
    wait_for_status(port, Duration::from_secs(60), |s| {
        s["in_flight"].as_u64() == Some(1)
    })
    .unwrap_or_else(|| panic!("no batch in flight:\n{}", running.log()));
    let started = Instant::now();
    let (code, log) = running.terminate(Duration::from_secs(60));
    assert_eq!(code, 0, "{log}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "bounded shutdown"
    );
    assert_eq!(
        delivered(&work.ledger())[&0].len(),
        5,
        "the batch in flight finished: {log}"
    );
    assert_eq!(
        committed(listener, &topic, &group, 1),
        vec![Some(5)],
        "and was committed: {log}"
    );
}

#[test]
fn two_processes_share_the_group_and_deliver_every_record() {
    let listener = Listener::Plaintext;
    let topic = topic(listener, "run-two", 4);
    let work = Work::new();
    let group = unique_name("g");
    let cfg = config(
        listener,
        &work,
        &topic,
        &group,
        json!({"BatchSize": 5}),
        json!({}),
    );
    let a = start(&work, &cfg, &[], &[]);
    let b = start(&work, &cfg, &[], &[]);
    thread::sleep(Duration::from_secs(8));
    let records: Vec<Out> = (0..80).map(|i| out(i % 4, format!("v{i}"))).collect();
    produce(listener, &topic, &records);
    let deadline = Instant::now() + Duration::from_secs(90);
    while delivered(&work.ledger())
        .values()
        .map(Vec::len)
        .sum::<usize>()
        < 80
        && Instant::now() < deadline
    {
        thread::sleep(Duration::from_millis(300));
    }
    let (ca, la) = a.terminate(Duration::from_secs(60));
    let (cb, lb) = b.terminate(Duration::from_secs(60));
    assert_eq!((ca, cb), (0, 0), "{la}\n{lb}");
    let ledger = work.ledger();
    let mut values: Vec<String> = ledger
        .iter()
        .filter(|l| l["ok"] == true)
        .map(|l| l["value"].as_str().unwrap_or_default().to_owned())
        .collect();
    values.sort();
    values.dedup();
    assert_eq!(values.len(), 80, "every record delivered:\n{la}\n{lb}");
    let pids: std::collections::BTreeSet<String> = ledger
        .iter()
        .filter_map(|l| l.get("pid").map(ToString::to_string))
        .collect();
    let _ = pids;
    assert!(
        la.contains("partitions assigned") && lb.contains("partitions assigned"),
        "both joined:\n{la}\n{lb}"
    );
    assert_eq!(committed(listener, &topic, &group, 4), vec![Some(20); 4]);
}

#[test]
fn wrong_scram_password_is_reported_then_recovers_when_the_secret_is_fixed() {
    let listener = Listener::ScramTls;
    let topic = topic(listener, "run-authfix", 1);
    produce(listener, &topic, &[out(0, "a"), out(0, "b"), out(0, "c")]);
    let work = Work::new();
    let group = unique_name("g");
    let port = free_port();
    let cfg = config(
        listener,
        &work,
        &topic,
        &group,
        json!({}),
        json!({"metrics": {"listen": format!("127.0.0.1:{port}")}}),
    );
    let good = std::fs::read_to_string(work.path("scram.json")).expect("secret");
    work.write(
        "scram.json",
        &json!({"username": broker().scram_user(), "password": "wrong-CANARY-pw-77"}).to_string(),
    );
    let running = start(&work, &cfg, &["--reconnect-after", "2"], &[]);
    let status = wait_for_status(port, Duration::from_secs(60), |s| {
        s["LastProcessingResult"] == "SASL authentication failed"
    })
    .unwrap_or_else(|| panic!("auth failure not reported:\n{}", running.log()));
    assert!(!status.to_string().contains("wrong-CANARY-pw-77"));
    std::fs::write(work.path("scram.json"), good).expect("fix secret");
    let deadline = Instant::now() + Duration::from_secs(90);
    while delivered(&work.ledger()).get(&0).map_or(0, Vec::len) < 3 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(300));
    }
    let ok = wait_for_status(port, Duration::from_secs(10), |s| {
        s["LastProcessingResult"] == "OK"
    });
    let (code, log) = running.terminate(Duration::from_secs(60));
    assert_eq!(code, 0, "{log}");
    assert!(ok.is_some(), "state back to OK: {log}");
    assert_eq!(delivered(&work.ledger())[&0].len(), 3, "{log}");
    assert!(
        !log.contains("wrong-CANARY-pw-77") && !log.contains(broker().expose_scram_password()),
        "no password in logs"
    );
}

#[test]
fn iam_tokens_are_signed_and_refreshed_and_a_refusing_broker_shows_sasl_failed() {
    // tansu offers OAUTHBEARER on its SASL listener but accepts no token (docs/test-harness.md):
    // the runtime must sign tokens (and sign again when they near expiry) and report the refusal.
    let listener = Listener::ScramTls;
    let topic = topic(listener, "run-iam", 1);
    let work = Work::new();
    let port = free_port();
    let cfg = config(
        listener,
        &work,
        &topic,
        &unique_name("g"),
        json!({"SourceAccessConfigurations": [
            {"Type": "SERVER_ROOT_CA_CERTIFICATE", "URI": "arn:aws:secretsmanager:us-east-1:123456789012:secret:root-ca"},
            {"Type": "IAM_AUTH"}]}),
        json!({"metrics": {"listen": format!("127.0.0.1:{port}")}, "aws": {"region": "us-east-1"}, "iam": {"token_lifetime_seconds": 5},
               "secrets": {"arn:aws:secretsmanager:us-east-1:123456789012:secret:root-ca":
                   format!("file:{}", work.path("root-ca.json").display())}}),
    );
    let running = start(
        &work,
        &cfg,
        &[],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE".into()),
            ("AWS_SECRET_ACCESS_KEY", "iam-secret-CANARY-q8Z".into()),
            ("AWS_SESSION_TOKEN", "iam-session-CANARY-r2W".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ],
    );
    let status = wait_for_status(port, Duration::from_secs(60), |s| {
        s["LastProcessingResult"] == "SASL authentication failed"
            && s["iam_tokens_signed"].as_u64().unwrap_or(0) >= 2
    })
    .unwrap_or_else(|| {
        panic!(
            "no refused IAM login with refreshed tokens:\n{}",
            running.log()
        )
    });
    let (_, log) = running.terminate(Duration::from_secs(60));
    for canary in ["iam-secret-CANARY-q8Z", "iam-session-CANARY-r2W"] {
        assert!(
            !log.contains(canary) && !status.to_string().contains(canary),
            "{canary} leaked"
        );
    }
}

#[test]
fn run_help_is_stable_and_has_examples() {
    let out = crate::mskgate(&["run", "--help"]);
    assert_eq!(crate::code(&out), 0);
    let help = String::from_utf8(out.stdout).expect("utf8");
    assert!(
        help.contains("Examples:") && help.contains("--config"),
        "{help}"
    );
    crate::snapshot("run-help.txt", &help);
}

#[test]
fn run_check_refuses_a_config_with_error_findings_and_accepts_a_good_one() {
    let work = Work::new();
    let good = json!({
        "source": {"SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["127.0.0.1:9"]}},
                   "Topics": ["orders"], "StartingPosition": "TRIM_HORIZON",
                   "SelfManagedKafkaEventSourceConfig": {"ConsumerGroupId": "g"},
                   "MaximumRetryAttempts": 3},
        "handler": {"noop": {}},
    });
    let path = work.write("good.json", &good.to_string());
    let out = crate::mskgate(&["run", "--config", &path.display().to_string(), "--check"]);
    assert_eq!(
        crate::code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // BatchSize outside Lambda's range: the configuration itself is refused (exit 2), naming the key.
    let mut bad = good.clone();
    bad["source"]["BatchSize"] = json!(20000);
    let path = work.write("bad.json", &bad.to_string());
    let out = crate::mskgate(&["run", "--config", &path.display().to_string(), "--check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(crate::code(&out), 2, "{err}");
    assert!(err.contains("BatchSize"), "{err}");
}
