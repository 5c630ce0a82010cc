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
    run_with(config, fail_first, Duration::ZERO, None)
}

/// [`run_collecting`], each call taking `delay`, with an optional engine buffer bound.
fn run_with(
    config: RuntimeConfig,
    fail_first: usize,
    delay: Duration,
    buffer_limit: Option<usize>,
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
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
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
        buffer_limit,
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

/// Every record once, in offset order per partition: `(partition → offsets)` from the events.
fn offsets_by_partition(events: &[Value]) -> std::collections::BTreeMap<i64, Vec<i64>> {
    let mut by: std::collections::BTreeMap<i64, Vec<i64>> = std::collections::BTreeMap::new();
    for e in events {
        for records in e["records"].as_object().expect("records").values() {
            for r in records.as_array().expect("array") {
                by.entry(r["partition"].as_i64().expect("partition"))
                    .or_default()
                    .push(r["offset"].as_i64().expect("offset"));
            }
        }
    }
    by
}

/// A backlog many times the engine's buffer bound drains completely, each record once and in
/// order, and a handler that keeps up never causes a pause (a pause makes librdkafka drop and
/// fetch again what it had prefetched).
#[test]
fn a_backlog_far_larger_than_the_buffer_drains_in_order_without_pausing() {
    let broker = Broker::shared();
    let listener = Listener::Plaintext;
    let topic = unique_name("rt-backlog");
    let group = unique_name("g");
    broker.create_topic(listener, &topic, 3).expect("topic");
    let payloads: Vec<String> = (0..900).map(|i| format!("value-{i}")).collect();
    let pairs = broker.client_config(listener);
    client::produce(&pairs, &topic, &payloads, TIMEOUT).expect("produce");

    let (events, summary) = run_with(
        config(listener, &topic, &group, json!({"BatchSize": 10})),
        0,
        Duration::ZERO,
        Some(30),
    );
    assert_eq!(summary.records_processed, 900, "{summary:?}");
    assert_eq!(summary.pauses, 0, "{summary:?}");
    let by = offsets_by_partition(&events.lock().expect("lock"));
    let total: usize = by.values().map(Vec::len).sum();
    assert_eq!(total, 900, "each record exactly once");
    for (p, offsets) in &by {
        assert!(
            offsets.windows(2).all(|w| w[1] == w[0] + 1),
            "partition {p}: offsets in order without gaps or repeats"
        );
    }
    let committed =
        client::committed_offsets(&pairs, &topic, &group, 3, TIMEOUT).expect("committed");
    assert_eq!(
        committed.iter().map(|c| c.unwrap_or(0)).sum::<i64>(),
        900,
        "{committed:?}"
    );
}

/// A handler slower than the stall limit (1 s) with a buffer bound of two batches: partitions
/// waiting behind the batch in flight are paused and resumed, and still every record arrives
/// once and in order.
#[test]
fn partitions_behind_a_slow_handler_pause_and_resume_without_losing_or_repeating_records() {
    let broker = Broker::shared();
    let listener = Listener::Plaintext;
    let topic = unique_name("rt-slow");
    let group = unique_name("g");
    broker.create_topic(listener, &topic, 2).expect("topic");
    let payloads: Vec<String> = (0..60).map(|i| format!("value-{i}")).collect();
    let pairs = broker.client_config(listener);
    client::produce(&pairs, &topic, &payloads, TIMEOUT).expect("produce");

    let mut cfg = config(listener, &topic, &group, json!({"BatchSize": 10}));
    cfg.concurrency.max = Some(1);
    let (events, summary) = run_with(cfg, 0, Duration::from_millis(1300), Some(20));
    assert_eq!(summary.records_processed, 60, "{summary:?}");
    assert!(
        summary.pauses > 0,
        "the slow handler caused no pause: {summary:?}"
    );
    let by = offsets_by_partition(&events.lock().expect("lock"));
    for (p, offsets) in &by {
        assert!(
            offsets.windows(2).all(|w| w[1] == w[0] + 1),
            "partition {p}: offsets in order without gaps or repeats: {offsets:?}"
        );
    }
    assert_eq!(by.values().map(Vec::len).sum::<usize>(), 60);
}
