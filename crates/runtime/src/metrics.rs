//! Observability: Prometheus metrics, the processing state with Lambda's `LastProcessingResult`
//! titles, and the HTTP endpoint serving `/metrics`, `/health` and `/status`.
//!
//! Nothing here carries a secret or record data: labels are topics, partitions, states and error
//! reasons chosen by mskgate; `/status` repeats the same facts as JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use serde::Serialize;

use crate::record::TopicPartition;
use crate::state::ProcessingState;

type Labels = Vec<(&'static str, String)>;

/// The runtime's Prometheus metrics (names prefixed `mskgate_`).
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Records handed to the handler in batches that succeeded.
    pub records_processed: Counter,
    /// Batches that finished (succeeded, routed or discarded).
    pub batches_processed: Counter,
    /// Handler invocations, by outcome.
    pub invocations: Family<Labels, Counter>,
    /// Handler invocation latency.
    pub invoke_duration: Histogram,
    /// Retries of failed batches (not counting first attempts).
    pub retries: Counter,
    /// Records dropped by `FilterCriteria` (committed without invoking).
    pub records_filtered: Counter,
    /// Records written to the on-failure destination.
    pub records_sent_to_destination: Counter,
    /// Records dropped after retries were exhausted with no destination configured.
    pub records_discarded: Counter,
    /// Errors reported by librdkafka, by processing state.
    pub kafka_errors: Family<Labels, Counter>,
    /// Offset lag per partition: high watermark minus the consumer's position.
    pub offset_lag: Family<Labels, Gauge>,
    /// Batches allowed in flight at once (scaled by lag).
    pub concurrency: Gauge,
    /// Batches in flight now.
    pub in_flight: Gauge,
    /// Partitions assigned to this process.
    pub assigned_partitions: Gauge,
    /// 1 for the current processing state, 0 for the others.
    pub processing_state: Family<Labels, Gauge>,
    /// MSK IAM OAUTHBEARER tokens signed (librdkafka asks again before each expires).
    pub iam_tokens_signed: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("mskgate");
        let m = Self {
            registry: Registry::default(),
            records_processed: Counter::default(),
            batches_processed: Counter::default(),
            invocations: Family::default(),
            invoke_duration: Histogram::new(exponential_buckets(0.001, 2.0, 16)),
            retries: Counter::default(),
            records_filtered: Counter::default(),
            records_sent_to_destination: Counter::default(),
            records_discarded: Counter::default(),
            kafka_errors: Family::default(),
            offset_lag: Family::default(),
            concurrency: Gauge::default(),
            in_flight: Gauge::default(),
            assigned_partitions: Gauge::default(),
            processing_state: Family::default(),
            iam_tokens_signed: Counter::default(),
        };
        registry.register(
            "records_processed",
            "Records handed to the handler in batches that succeeded",
            m.records_processed.clone(),
        );
        registry.register(
            "batches_processed",
            "Batches that finished: succeeded, sent to the on-failure destination or discarded",
            m.batches_processed.clone(),
        );
        registry.register(
            "invocations",
            "Handler invocations by outcome (success, function_error, failure)",
            m.invocations.clone(),
        );
        registry.register(
            "invoke_duration_seconds",
            "Handler invocation latency",
            m.invoke_duration.clone(),
        );
        registry.register("retries", "Retried handler invocations", m.retries.clone());
        registry.register(
            "records_filtered",
            "Records dropped by FilterCriteria and committed without invoking",
            m.records_filtered.clone(),
        );
        registry.register(
            "records_sent_to_destination",
            "Records written to the on-failure destination",
            m.records_sent_to_destination.clone(),
        );
        registry.register(
            "records_discarded",
            "Records dropped after retries were exhausted and no destination was configured",
            m.records_discarded.clone(),
        );
        registry.register(
            "kafka_errors",
            "Errors reported by librdkafka, by processing state",
            m.kafka_errors.clone(),
        );
        registry.register(
            "offset_lag",
            "Offset lag per partition (Lambda's OffsetLag): high watermark minus consumer position",
            m.offset_lag.clone(),
        );
        registry.register(
            "concurrency",
            "Batches allowed in flight at once",
            m.concurrency.clone(),
        );
        registry.register("in_flight", "Batches in flight", m.in_flight.clone());
        registry.register(
            "assigned_partitions",
            "Partitions assigned to this process",
            m.assigned_partitions.clone(),
        );
        registry.register(
            "processing_state",
            "1 for the current processing state (Lambda's LastProcessingResult title)",
            m.processing_state.clone(),
        );
        registry.register(
            "iam_tokens_signed",
            "MSK IAM OAUTHBEARER tokens signed for librdkafka",
            m.iam_tokens_signed.clone(),
        );
        Self { registry, ..m }
    }

    /// Counts one handler invocation with `outcome` and its duration.
    pub fn observe_invocation(&self, outcome: &'static str, duration: Duration) {
        self.invocations
            .get_or_create(&vec![("outcome", outcome.to_owned())])
            .inc();
        self.invoke_duration.observe(duration.as_secs_f64());
    }

    /// Sets the lag gauge of one partition.
    pub fn set_lag(&self, tp: &TopicPartition, lag: i64) {
        self.offset_lag
            .get_or_create(&partition_labels(tp))
            .set(lag);
    }

    /// Removes the lag gauge of a partition this process no longer owns.
    pub fn forget_partition(&self, tp: &TopicPartition) {
        self.offset_lag.remove(&partition_labels(tp));
    }

    /// The text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

fn partition_labels(tp: &TopicPartition) -> Labels {
    vec![
        ("topic", tp.topic.to_string()),
        ("partition", tp.partition.to_string()),
    ]
}

/// A partition whose batch keeps failing with infinite retries: Lambda's "stalled partition".
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Stall {
    /// `"<topic>-<partition>"`.
    pub partition: String,
    /// First offset of the failing batch.
    pub first_offset: i64,
    /// Attempts so far.
    pub attempts: u32,
    /// Unix milliseconds of the first failure.
    pub since_ms: u64,
    /// The last failure, as the handler reported it (no payload).
    pub reason: String,
}

/// What `/status` shows.
#[derive(Clone, Debug, Serialize)]
pub struct StatusSnapshot {
    /// Lambda's `LastProcessingResult` title of the current state.
    #[serde(rename = "LastProcessingResult")]
    pub last_processing_result: &'static str,
    /// The machine-readable state.
    pub state: &'static str,
    /// What caused the state (an error reason from librdkafka or the handler; no secrets).
    pub detail: Option<String>,
    /// Unix milliseconds since the state holds.
    pub since_ms: u64,
    /// The consumer group.
    pub group_id: String,
    /// The topics consumed.
    pub topics: Vec<String>,
    /// Partitions assigned to this process, as `"<topic>-<partition>"`.
    pub assigned_partitions: Vec<String>,
    /// Batches allowed in flight at once.
    pub concurrency: usize,
    /// Batches in flight now.
    pub in_flight: usize,
    /// Records processed successfully so far.
    pub records_processed: u64,
    /// Partitions whose batch keeps failing (infinite retries).
    pub stalled: Vec<Stall>,
    /// MSK IAM tokens signed so far (0 unless the mapping uses IAM).
    pub iam_tokens_signed: u64,
}

#[derive(Debug)]
struct StatusInner {
    state: ProcessingState,
    detail: Option<String>,
    since_ms: u64,
    group_id: String,
    topics: Vec<String>,
    assigned: BTreeSet<TopicPartition>,
    concurrency: usize,
    in_flight: usize,
    stalled: BTreeMap<String, Stall>,
}

/// The shared runtime status: written by the engine and the librdkafka callbacks, read by
/// `/status`, `/health` and tests.
#[derive(Debug)]
pub struct Status {
    inner: Mutex<StatusInner>,
    metrics: Arc<Metrics>,
    records_processed: AtomicU64,
}

/// Unix milliseconds now.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Status {
    /// A status for `group_id` consuming `topics`, starting as Lambda starts: "No records
    /// processed".
    pub fn new(group_id: String, topics: Vec<String>, metrics: Arc<Metrics>) -> Self {
        let status = Self {
            inner: Mutex::new(StatusInner {
                state: ProcessingState::NoRecordsProcessed,
                detail: None,
                since_ms: now_ms(),
                group_id,
                topics,
                assigned: BTreeSet::new(),
                concurrency: 1,
                in_flight: 0,
                stalled: BTreeMap::new(),
            }),
            metrics,
            records_processed: AtomicU64::new(0),
        };
        status.publish_state(ProcessingState::NoRecordsProcessed);
        status
    }

    fn lock(&self) -> MutexGuard<'_, StatusInner> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn publish_state(&self, state: ProcessingState) {
        for s in ProcessingState::ALL {
            self.metrics
                .processing_state
                .get_or_create(&vec![("state", s.title().to_owned())])
                .set(i64::from(s == state));
        }
    }

    /// The metrics this status publishes to.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Sets the processing state; `detail` says why (never a secret).
    pub fn set_state(&self, state: ProcessingState, detail: Option<String>) {
        let changed = {
            let mut inner = self.lock();
            let changed = inner.state != state;
            if changed {
                inner.since_ms = now_ms();
            }
            inner.state = state;
            inner.detail = detail;
            changed
        };
        if changed {
            self.publish_state(state);
        }
    }

    /// Records a connection or authentication failure. A plain "Connection error" (librdkafka's
    /// "all brokers are down", which follows every refused login) does not replace a more telling
    /// failure already shown.
    pub fn report_failure(&self, state: ProcessingState, detail: String) {
        let current = self.state();
        if state == ProcessingState::ConnectionError
            && current.is_connection_failure()
            && current != ProcessingState::ConnectionError
        {
            return;
        }
        self.set_state(state, Some(detail));
    }

    /// `OK` after a batch succeeded (or records flowed again) — unless a partition is stalled.
    pub fn set_ok(&self) {
        let stalled = !self.lock().stalled.is_empty();
        let current = self.state();
        if !stalled && current != ProcessingState::Ok {
            self.set_state(ProcessingState::Ok, None);
        }
    }

    /// The current state.
    pub fn state(&self) -> ProcessingState {
        self.lock().state
    }

    /// Records a partition assignment change.
    pub fn set_assigned(&self, assigned: BTreeSet<TopicPartition>) {
        let len = assigned.len();
        let lost: Vec<TopicPartition> = {
            let mut inner = self.lock();
            let lost = inner.assigned.difference(&assigned).cloned().collect();
            inner.assigned = assigned;
            lost
        };
        for tp in &lost {
            self.metrics.forget_partition(tp);
        }
        self.metrics
            .assigned_partitions
            .set(i64::try_from(len).unwrap_or(i64::MAX));
    }

    /// The partitions assigned now.
    pub fn assigned(&self) -> BTreeSet<TopicPartition> {
        self.lock().assigned.clone()
    }

    /// Records the concurrency and the batches in flight.
    pub fn set_load(&self, concurrency: usize, in_flight: usize) {
        {
            let mut inner = self.lock();
            inner.concurrency = concurrency;
            inner.in_flight = in_flight;
        }
        self.metrics
            .concurrency
            .set(i64::try_from(concurrency).unwrap_or(i64::MAX));
        self.metrics
            .in_flight
            .set(i64::try_from(in_flight).unwrap_or(i64::MAX));
    }

    /// Marks a partition stalled (or updates its stall); the state becomes "function call failed".
    pub fn set_stalled(&self, stall: Stall) {
        let reason = stall.reason.clone();
        self.lock().stalled.insert(stall.partition.clone(), stall);
        self.set_state(ProcessingState::FunctionCallFailed, Some(reason));
    }

    /// Clears a partition's stall once its batch resolved.
    pub fn clear_stalled(&self, partition: &str) {
        let now_empty = {
            let mut inner = self.lock();
            inner.stalled.remove(partition);
            inner.stalled.is_empty()
        };
        if now_empty && self.state() == ProcessingState::FunctionCallFailed {
            self.set_state(ProcessingState::Ok, None);
        }
    }

    /// Counts records processed successfully.
    pub fn add_processed(&self, n: u64) {
        self.records_processed.fetch_add(n, Ordering::Relaxed);
        self.metrics.records_processed.inc_by(n);
    }

    /// What `/status` shows now.
    pub fn snapshot(&self) -> StatusSnapshot {
        let inner = self.lock();
        StatusSnapshot {
            last_processing_result: inner.state.title(),
            state: inner.state.code(),
            detail: inner.detail.clone(),
            since_ms: inner.since_ms,
            group_id: inner.group_id.clone(),
            topics: inner.topics.clone(),
            assigned_partitions: inner
                .assigned
                .iter()
                .map(TopicPartition::event_key)
                .collect(),
            concurrency: inner.concurrency,
            in_flight: inner.in_flight,
            records_processed: self.records_processed.load(Ordering::Relaxed),
            stalled: inner.stalled.values().cloned().collect(),
            iam_tokens_signed: self.metrics.iam_tokens_signed.get(),
        }
    }
}

async fn metrics_handler(State(status): State<Arc<Status>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        status.metrics.encode(),
    )
        .into_response()
}

async fn status_handler(State(status): State<Arc<Status>>) -> Response {
    axum::Json(status.snapshot()).into_response()
}

async fn health_handler(State(status): State<Arc<Status>>) -> Response {
    let snapshot = status.snapshot();
    let state = status.state();
    let healthy = matches!(
        state,
        ProcessingState::Ok | ProcessingState::NoRecordsProcessed
    );
    let code = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "status": if healthy { "ok" } else { "degraded" },
        "LastProcessingResult": snapshot.last_processing_result,
    });
    (code, axum::Json(body)).into_response()
}

/// The router serving `/metrics`, `/health` and `/status` for `status`.
pub fn router(status: Arc<Status>) -> Router {
    Router::new()
        .route("/metrics", get(metrics_handler))
        .route("/status", get(status_handler))
        .route("/health", get(health_handler))
        .with_state(status)
}

/// Binds `addr` and serves [`router`] until `shutdown` resolves. Returns the bound address (useful
/// with port 0) and the server task.
///
/// # Errors
/// The address cannot be bound.
pub async fn serve(
    addr: SocketAddr,
    status: Arc<Status>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = router(status);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::warn!(error = %e, "metrics endpoint stopped");
        }
    });
    Ok((bound, task))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(p: i32) -> TopicPartition {
        TopicPartition {
            topic: Arc::from("orders"),
            partition: p,
        }
    }

    #[test]
    fn exposes_lag_and_state_in_text_format() {
        let metrics = Arc::new(Metrics::new());
        let status = Status::new("g".into(), vec!["orders".into()], Arc::clone(&metrics));
        metrics.set_lag(&tp(3), 42);
        status.set_state(ProcessingState::SaslAuthenticationFailed, None);
        let text = metrics.encode();
        assert!(
            text.contains(r#"mskgate_offset_lag{topic="orders",partition="3"} 42"#),
            "{text}"
        );
        assert!(
            text.contains(r#"mskgate_processing_state{state="SASL authentication failed"} 1"#),
            "{text}"
        );
        assert!(text.contains(r#"mskgate_processing_state{state="OK"} 0"#));
    }

    #[test]
    fn stalls_set_and_clear_the_function_state() {
        let status = Status::new("g".into(), vec![], Arc::new(Metrics::new()));
        status.set_stalled(Stall {
            partition: "orders-0".into(),
            first_offset: 5,
            attempts: 3,
            since_ms: 1,
            reason: "exit status 1".into(),
        });
        assert_eq!(status.state(), ProcessingState::FunctionCallFailed);
        status.set_ok();
        assert_eq!(status.state(), ProcessingState::FunctionCallFailed);
        status.clear_stalled("orders-0");
        assert_eq!(status.state(), ProcessingState::Ok);
        assert!(status.snapshot().stalled.is_empty());
    }

    #[test]
    fn forgets_lag_of_lost_partitions() {
        let metrics = Arc::new(Metrics::new());
        let status = Status::new("g".into(), vec![], Arc::clone(&metrics));
        status.set_assigned(BTreeSet::from([tp(0), tp(1)]));
        metrics.set_lag(&tp(1), 7);
        status.set_assigned(BTreeSet::from([tp(0)]));
        assert!(!metrics.encode().contains(r#"partition="1""#));
        assert_eq!(status.snapshot().assigned_partitions, vec!["orders-0"]);
    }
}
