//! Kafka client helpers for tests: a context that records what librdkafka reports, and bounded produce,
//! consume and commit helpers built on rdkafka's synchronous clients.
//!
//! Every helper takes a timeout and fails with [`HarnessError::Timeout`] when it passes; none waits forever.
//! The helpers tolerate the transient disconnects tansu causes on SCRAM listeners (see [`is_transient`]).

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{DeliveryResult, Message};
use rdkafka::producer::{BaseRecord, ProducerContext};
use rdkafka::{ClientContext, Offset, TopicPartitionList};

use crate::HarnessError;

/// How often the helpers poll librdkafka.
const POLL: Duration = Duration::from_millis(100);

/// Builds an rdkafka [`ClientConfig`] from `key, value` pairs (as returned by
/// [`Broker::client_config`](crate::Broker::client_config)), with the log level at `Warning` so that a
/// [`RecordingContext`] sees librdkafka's warnings.
pub fn config(pairs: &[(String, String)]) -> ClientConfig {
    let mut config = ClientConfig::new();
    for (key, value) in pairs {
        config.set(key, value);
    }
    config.set_log_level(RDKafkaLogLevel::Warning);
    config
}

/// Replaces (or adds) `key` in a list of client properties.
pub fn set(pairs: &mut Vec<(String, String)>, key: &str, value: &str) {
    pairs.retain(|(k, _)| k != key);
    pairs.push((key.to_owned(), value.to_owned()));
}

/// Removes `key` from a list of client properties.
pub fn unset(pairs: &mut Vec<(String, String)>, key: &str) {
    pairs.retain(|(k, _)| k != key);
}

/// Whether a librdkafka error is a transient connection problem the helpers ride out.
///
/// tansu announces a 60 s SASL session lifetime but refuses the re-authentication librdkafka attempts after
/// ~54 s, so on SCRAM listeners a long-lived client sees `_TRANSPORT` and `_ALL_BROKERS_DOWN` once a minute,
/// reconnects, and carries on (see `docs/test-harness.md`).
pub fn is_transient(code: RDKafkaErrorCode) -> bool {
    matches!(
        code,
        RDKafkaErrorCode::AllBrokersDown | RDKafkaErrorCode::BrokerTransportFailure
    )
}

/// One error reported through librdkafka's error callback.
#[derive(Clone, Debug)]
pub struct ClientError {
    /// The librdkafka error code, when the error carries one.
    pub code: Option<RDKafkaErrorCode>,
    /// The error as rdkafka prints it, e.g. `Global error: Authentication (Local: Authentication failure)`.
    pub error: String,
    /// librdkafka's description, e.g.
    /// `sasl_ssl://127.0.0.1:19096/bootstrap: SASL authentication error: ...`.
    pub reason: String,
}

/// A client context that records errors, warnings and delivery reports instead of only logging them, so tests
/// can assert on the exact error class a misconfigured client gets.
///
/// rdkafka delivers errors and log lines through the client's queue, so they are recorded only while the client
/// is polled; poll with a timeout (e.g. 100 ms), not `Duration::ZERO`, or the log lines (one event per poll
/// iteration) hold the errors back. Cheap to clone: clones share the records.
#[derive(Clone, Debug, Default)]
pub struct RecordingContext {
    inner: Arc<Recorded>,
}

#[derive(Debug, Default)]
struct Recorded {
    errors: Mutex<Vec<ClientError>>,
    logs: Mutex<Vec<String>>,
    delivered: AtomicUsize,
    failed: Mutex<Vec<String>>,
}

impl RecordingContext {
    /// Every error the error callback received so far. A `BaseProducer` reports each error twice (rdkafka 0.39
    /// calls the callback from both its client and its producer poll path).
    pub fn errors(&self) -> Vec<ClientError> {
        self.inner
            .errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Every log line (warning or worse) so far, as `FACILITY message`.
    pub fn logs(&self) -> Vec<String> {
        self.inner
            .logs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The first recorded error with `code`.
    pub fn error_with(&self, code: RDKafkaErrorCode) -> Option<ClientError> {
        self.errors().into_iter().find(|e| e.code == Some(code))
    }

    /// How many produced records were acknowledged by the broker.
    pub fn delivered(&self) -> usize {
        self.inner.delivered.load(Ordering::SeqCst)
    }

    /// The delivery failures so far.
    pub fn failed_deliveries(&self) -> Vec<String> {
        self.inner
            .failed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// A one-line summary of the recorded errors, for failure messages.
    pub fn describe_errors(&self) -> String {
        let errors = self.errors();
        if errors.is_empty() {
            return "no client errors recorded".to_owned();
        }
        errors
            .iter()
            .map(|e| format!("[{}] {}", e.error, e.reason))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl ClientContext for RecordingContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        use RDKafkaLogLevel::{Alert, Critical, Emerg, Error, Warning};
        if matches!(level, Emerg | Alert | Critical | Error | Warning) {
            self.inner
                .logs
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(format!("{fac} {log_message}"));
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        let recorded = ClientError {
            code: error.rdkafka_error_code(),
            error: error.to_string(),
            reason: reason.to_owned(),
        };
        self.inner
            .errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(recorded);
    }
}

impl ConsumerContext for RecordingContext {}

impl ProducerContext for RecordingContext {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: Self::DeliveryOpaque) {
        match result {
            Ok(_) => {
                self.inner.delivered.fetch_add(1, Ordering::SeqCst);
            }
            Err((error, _)) => {
                self.inner
                    .failed
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(error.to_string());
            }
        }
    }
}

/// Produces `payloads` to `topic` (key = the payload's index) and waits until the broker acknowledged all of them.
pub fn produce(
    pairs: &[(String, String)],
    topic: &str,
    payloads: &[String],
    timeout: Duration,
) -> Result<(), HarnessError> {
    let deadline = Instant::now() + timeout;
    let context = RecordingContext::default();
    let mut config = config(pairs);
    config.set("message.timeout.ms", timeout.as_millis().to_string());
    let producer: rdkafka::producer::BaseProducer<RecordingContext> = config
        .create_with_context(context.clone())
        .map_err(|e| HarnessError::kafka(format!("creating a producer for {topic}"), e))?;
    let timed_out = |what: String| HarnessError::Timeout {
        what: format!("{what} ({})", context.describe_errors()),
        after: timeout,
    };
    for (index, payload) in payloads.iter().enumerate() {
        let key = index.to_string();
        let mut record = BaseRecord::to(topic).key(&key).payload(payload);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    if Instant::now() >= deadline {
                        return Err(timed_out(format!("queueing record {index} for {topic}")));
                    }
                    producer.poll(POLL);
                    record = back;
                }
                Err((e, _)) => {
                    return Err(HarnessError::kafka(
                        format!("producing record {index} to {topic}"),
                        e,
                    ));
                }
            }
        }
    }
    while context.delivered() + context.failed_deliveries().len() < payloads.len() {
        if Instant::now() >= deadline {
            return Err(timed_out(format!(
                "acknowledgement of {} records on {topic} ({} acknowledged)",
                payloads.len(),
                context.delivered()
            )));
        }
        producer.poll(POLL);
    }
    let failed = context.failed_deliveries();
    if let Some(first) = failed.first() {
        return Err(HarnessError::Unexpected(format!(
            "{} of {} records to {topic} were not delivered; first: {first}",
            failed.len(),
            payloads.len()
        )));
    }
    Ok(())
}

/// One consumed record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Partition it came from.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
    /// Its key, if any.
    pub key: Option<Vec<u8>>,
    /// Its value (empty for a null value).
    pub payload: Vec<u8>,
}

/// Joins consumer group `group`, subscribes to `topic` from the earliest offset, consumes until `expected`
/// records arrived, commits the consumed offsets synchronously, and leaves the group.
///
/// Auto-commit is off, so the commit is the one this function makes. Transient connection errors are
/// ridden out; any other consume error fails.
pub fn consume_and_commit(
    pairs: &[(String, String)],
    topic: &str,
    group: &str,
    expected: usize,
    timeout: Duration,
) -> Result<Vec<Record>, HarnessError> {
    let deadline = Instant::now() + timeout;
    let context = RecordingContext::default();
    let mut config = config(pairs);
    config
        .set("group.id", group)
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false");
    let consumer: BaseConsumer<RecordingContext> = config
        .create_with_context(context.clone())
        .map_err(|e| HarnessError::kafka(format!("creating a consumer in group {group}"), e))?;
    consumer
        .subscribe(&[topic])
        .map_err(|e| HarnessError::kafka(format!("subscribing to {topic}"), e))?;
    let mut records = Vec::with_capacity(expected);
    while records.len() < expected {
        if Instant::now() >= deadline {
            return Err(HarnessError::Timeout {
                what: format!(
                    "consuming {expected} records from {topic} in group {group} (got {}; {})",
                    records.len(),
                    context.describe_errors()
                ),
                after: timeout,
            });
        }
        match consumer.poll(POLL) {
            None => {}
            Some(Ok(message)) => records.push(Record {
                partition: message.partition(),
                offset: message.offset(),
                key: message.key().map(<[u8]>::to_vec),
                payload: message.payload().map(<[u8]>::to_vec).unwrap_or_default(),
            }),
            Some(Err(e)) if e.rdkafka_error_code().is_some_and(is_transient) => {}
            Some(Err(e)) => {
                return Err(HarnessError::kafka(
                    format!("consuming {topic} in group {group}"),
                    e,
                ));
            }
        }
    }
    loop {
        match consumer.commit_consumer_state(CommitMode::Sync) {
            Ok(()) => break,
            Err(e)
                if e.rdkafka_error_code().is_some_and(is_transient)
                    && Instant::now() < deadline =>
            {
                thread::sleep(POLL);
            }
            Err(e) => {
                return Err(HarnessError::kafka(
                    format!("committing {topic} offsets of group {group}"),
                    e,
                ));
            }
        }
    }
    Ok(records)
}

/// The offsets group `group` has committed for partitions `0..partitions` of `topic`, read through a fresh
/// consumer (so they come from the broker, not from a client's memory). `None` = nothing committed.
pub fn committed_offsets(
    pairs: &[(String, String)],
    topic: &str,
    group: &str,
    partitions: i32,
    timeout: Duration,
) -> Result<Vec<Option<i64>>, HarnessError> {
    let mut config = config(pairs);
    config
        .set("group.id", group)
        .set("enable.auto.commit", "false");
    let consumer: BaseConsumer<RecordingContext> = config
        .create_with_context(RecordingContext::default())
        .map_err(|e| HarnessError::kafka(format!("creating a consumer in group {group}"), e))?;
    let mut wanted = TopicPartitionList::new();
    for partition in 0..partitions {
        wanted.add_partition(topic, partition);
    }
    let committed = consumer.committed_offsets(wanted, timeout).map_err(|e| {
        HarnessError::kafka(
            format!("reading committed offsets of group {group} on {topic}"),
            e,
        )
    })?;
    Ok((0..partitions)
        .map(|partition| {
            match committed
                .find_partition(topic, partition)
                .map(|p| p.offset())
            {
                Some(Offset::Offset(offset)) => Some(offset),
                _ => None,
            }
        })
        .collect())
}

/// Polls a client's `probe` (e.g. a metadata request plus a `poll` that serves callbacks) until `done` says so,
/// or fails when `timeout` passes. Returns what `done` returned.
pub fn wait_until<T>(
    what: &str,
    timeout: Duration,
    mut probe: impl FnMut(),
    mut done: impl FnMut() -> Option<T>,
) -> Result<T, HarnessError> {
    let deadline = Instant::now() + timeout;
    loop {
        probe();
        if let Some(value) = done() {
            return Ok(value);
        }
        if Instant::now() >= deadline {
            return Err(HarnessError::Timeout {
                what: what.to_owned(),
                after: timeout,
            });
        }
        thread::sleep(POLL);
    }
}

/// Runs a future to completion on the current thread, for rdkafka's admin futures (they are completed by
/// rdkafka's own polling thread and need no async runtime). Returns `None` when `timeout` passes first.
///
/// Hand-written (a thread-parking waker, ~10 lines) so the harness needs no executor dependency; it works inside
/// or outside an async runtime (it blocks the calling thread).
pub fn block_on<F: Future>(future: F, timeout: Duration) -> Option<F::Output> {
    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let deadline = Instant::now() + timeout;
    let waker = Arc::new(Unpark(thread::current())).into();
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return Some(output);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        thread::park_timeout(deadline - now);
    }
}
