//! The consumer runtime in-process (`mskgate_runtime::runner::run`) against the real brokers: a
//! collecting in-process handler, events checked against `aws_lambda_events`, offsets committed
//! only after success.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mskgate_e2e::{Broker, Listener, client, unique_name};
use mskgate_runtime::config::{Format, RuntimeConfig};
use mskgate_runtime::invoke::FnHandler;
use mskgate_runtime::runner::{RunOptions, run};
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(60);

fn config(listener: Listener, topic: &str, group: &str, extra_source: Value) -> RuntimeConfig {
    let broker = Broker::shared();
    let mut source = json!({
        "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": [broker.bootstrap(listener)]}},
        "Topics": [topic],
        "StartingPosition": "TRIM_HORIZON",
        "BatchSize": 7,
        "MaximumBatchingWindowInSeconds": 1,
        "SelfManagedKafkaEventSourceConfig": {"ConsumerGroupId": group},
    });
    if let (Value::Object(a), Value::Object(b)) = (&mut source, extra_source) {
        a.extend(b);
    }
    let c = json!({
        "source": source,
        "handler": {"command": ["true"]},
        "metrics": {"listen": "127.0.0.1:0"},
    });
    RuntimeConfig::from_str(&c.to_string(), Format::Json).expect("config")
}

type Events = Arc<Mutex<Vec<Value>>>;

/// Runs `config` until idle with a handler that records every event and fails the first
/// `fail_first` invocations.
fn run_collecting(
    config: RuntimeConfig,
    fail_first: usize,
) -> (Events, mskgate_runtime::engine::RunSummary) {
    let events: Events = Arc::new(Mutex::new(Vec::new()));
    let calls = Arc::new(Mutex::new(0usize));
    let sink = Arc::clone(&events);
    let handler = FnHandler::new("collect", move |event: bytes::Bytes| {
        let sink = Arc::clone(&sink);
        let calls = Arc::clone(&calls);
        async move {
            let n = {
                let mut c = calls.lock().expect("lock");
                *c += 1;
                *c
            };
            if n <= fail_first {
                return Err(format!("failing call {n} on purpose"));
            }
            let v: Value = serde_json::from_slice(&event).map_err(|e| e.to_string())?;
            sink.lock().expect("lock").push(v);
            Ok(Vec::new())
        }
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let options = RunOptions {
        stop_when_idle: Some(Duration::from_secs(3)),
        handler: Some(Arc::new(handler)),
        ..RunOptions::default()
    };
    let summary = rt
        .block_on(async {
            tokio::time::timeout(
                Duration::from_secs(120),
                run(config, options, std::future::pending()),
            )
            .await
        })
        .expect("the runtime stops when idle")
        .expect("run");
    (events, summary)
}

#[test]
fn in_process_handler_gets_lambda_events_in_order_and_offsets_are_committed() {
    let broker = Broker::shared();
    let listener = Listener::Plaintext;
    let topic = unique_name("rt-inproc");
    let group = unique_name("g");
    broker.create_topic(listener, &topic, 3).expect("topic");
    let payloads: Vec<String> = (0..30).map(|i| format!("value-{i}")).collect();
    let pairs = broker.client_config(listener);
    client::produce(&pairs, &topic, &payloads, TIMEOUT).expect("produce");

    let (events, summary) = run_collecting(config(listener, &topic, &group, json!({})), 1);
    let events = events.lock().expect("lock").clone();
    assert_eq!(summary.records_processed, 30, "{summary:?}");
    let mut seen = 0;
    let mut last_offset = std::collections::BTreeMap::new();
    for e in &events {
        let parsed: aws_lambda_events::event::kafka::KafkaEvent =
            serde_json::from_value(e.clone()).expect("aws_lambda_events KafkaEvent");
        assert_eq!(parsed.event_source.as_deref(), Some("SelfManagedKafka"));
        let n: usize = parsed.records.values().map(Vec::len).sum();
        assert!(n <= 7, "BatchSize 7: {n}");
        for (key, records) in &parsed.records {
            for r in records {
                assert_eq!(*key, format!("{topic}-{}", r.partition));
                let prev = last_offset.insert(r.partition, r.offset).unwrap_or(-1);
                assert!(r.offset > prev, "offsets in order per partition");
                seen += 1;
            }
        }
    }
    assert_eq!(
        seen, 30,
        "each record once (the failed first call was retried, not recorded)"
    );
    let committed =
        client::committed_offsets(&pairs, &topic, &group, 3, TIMEOUT).expect("committed");
    let total: i64 = committed.iter().map(|c| c.unwrap_or(0)).sum();
    assert_eq!(total, 30, "{committed:?}");
}
