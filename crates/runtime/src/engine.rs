//! The consumer loop: poll → batch → invoke → commit, as Lambda's Kafka event source mapping.
//!
//! One engine task owns the rdkafka consumer and the [`Batcher`]. It receives records, drops the
//! ones `FilterCriteria` rejects (committing past them), forms batches from partitions that have no
//! batch in flight, and hands each batch to a worker task. A worker drives the batch through
//! [`BatchRun`] (retries, bisection, partial batch responses, record age), routes what is left to
//! the on-failure destination, and reports back; only then does the engine commit the batch's
//! offsets — exactly the next offset after the batch, per partition — and free its partitions.
//!
//! Partitions lost in a rebalance are dropped from the buffer, and a batch in flight for them is
//! finished but not committed: the new owner redelivers it (at-least-once, like Lambda).
//!
//! Memory stays flat under any backlog: while the records buffered for partitions still fetching
//! reach a bound, the engine stops taking records from the consumer (librdkafka's own prefetch
//! queue is bounded too) and only dispatches and completes batches. A partition that holds half
//! that bound and has made no progress for a second (its batch retrying, a slow handler) is
//! paused, so it cannot hold the others back, and resumed once its buffer has drained to a
//! quarter. Healthy partitions are never paused: a pause makes librdkafka drop what it had
//! prefetched and fetch it again.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::FutureExt as _;
use futures_util::StreamExt as _;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Headers as _, Message as _};
use rdkafka::{ClientConfig, Offset, Timestamp, TopicPartitionList};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::batch::{Batch, BatchPolicy, Batcher};
use crate::config::StartingPosition;
use crate::context::{RebalanceEvent, RuntimeContext};
use crate::destination::{
    Destination, FailedBatch, FailureCondition, MappingInfo, OnFailureSink, ResponseContext,
};
use crate::error::Error;
use crate::event::EventEncoder;
use crate::filter::FilterCriteria;
use crate::invoke::{Handler, InvocationStatus};
use crate::kafka::{KafkaAuth, KafkaSettings};
use crate::metrics::{Stall, Status, now_ms};
use crate::record::{Header, Record, TimestampType, TopicPartition};
use crate::retry::{BatchRun, FailedGroup, FailureReason, Outcome, RetryPolicy, RouteReason};
use crate::scale::Scaler;
use crate::state::ProcessingState;

/// How the engine runs, decided from the configuration.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// The topics to subscribe to (Lambda: exactly one).
    pub topics: Vec<String>,
    /// The consumer group.
    pub group_id: String,
    /// Where a partition without a committed offset starts.
    pub starting_position: StartingPosition,
    /// Batch size, window and payload cap.
    pub batch: BatchPolicy,
    /// Retries, record age, bisection, partial batch responses.
    pub retry: RetryPolicy,
    /// `FilterCriteria`, when set.
    pub filters: Option<Arc<FilterCriteria>>,
    /// Batches in flight at most; `None` = one per assigned partition.
    pub max_concurrency: Option<usize>,
    /// How often the concurrency is re-evaluated from the lag (Lambda: every minute).
    pub scale_interval: Duration,
    /// How long shutdown waits for batches in flight.
    pub shutdown_timeout: Duration,
    /// After this long in an authentication failure state the consumer is rebuilt with freshly
    /// loaded credentials (doubling, with jitter, up to five minutes).
    pub reconnect_after: Duration,
    /// Stop by itself after this long with nothing received and nothing in flight (demos, tests).
    pub stop_when_idle: Option<Duration>,
    /// Records (and filtered entries) buffered for partitions still fetching before the engine
    /// stops taking records from the consumer; see the module docs for when a partition pauses.
    pub buffer_limit: usize,
    /// A name for the handler, for logs and destination records.
    pub handler_name: String,
    /// The on-failure destination, opened each time the consumer is built (a `kafka://`
    /// destination produces with the consumer's own settings).
    pub destination: Option<Destination>,
    /// What destination records say about the mapping.
    pub mapping: MappingInfo,
    /// AWS settings for SQS/SNS/S3 destinations.
    pub sdk: Option<aws_types::SdkConfig>,
}

/// Supplies fresh client settings: on start, and again whenever the consumer is rebuilt after an
/// authentication failure (so a fixed secret is picked up without a restart).
pub trait SettingsSource: Send + Sync {
    /// Loads the settings (fetches secrets, credentials).
    fn load(&self) -> Pin<Box<dyn Future<Output = Result<KafkaSettings, Error>> + Send + '_>>;
}

/// Counts of what a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Records handed to the handler in successful invocations.
    pub records_processed: u64,
    /// Batches finished.
    pub batches: u64,
    /// Records sent to the on-failure destination.
    pub records_to_destination: u64,
    /// Records discarded (retries exhausted or too old, no destination).
    pub records_discarded: u64,
    /// Records dropped by filters (and committed).
    pub records_filtered: u64,
    /// Times the consumer was rebuilt after authentication failures.
    pub reconnects: u32,
    /// Times a partition's fetch was paused because its batches were not draining.
    pub pauses: u64,
}

/// The parts a worker needs.
struct WorkerShared {
    encoder: EventEncoder,
    handler: Arc<dyn Handler>,
    retry: RetryPolicy,
    status: Arc<Status>,
}

/// What a worker reports when a batch is resolved (or abandoned on shutdown).
struct Completion {
    partitions: Vec<TopicPartition>,
    commit: Vec<(TopicPartition, i64)>,
    epoch: BTreeMap<TopicPartition, u64>,
    processed: u64,
    to_destination: u64,
    discarded: u64,
    /// The batch gave up its concurrency slot when it started retrying.
    released: bool,
}

/// The consumer runtime.
pub struct Engine {
    options: EngineOptions,
    settings: Arc<dyn SettingsSource>,
    shared: Arc<WorkerShared>,
    iam: Option<crate::kafka::IamTokenSource>,
    /// Settings already loaded by the caller, used for the first consumer instead of loading
    /// them again.
    initial: Option<KafkaSettings>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("group_id", &self.options.group_id)
            .field("topics", &self.options.topics)
            .finish_non_exhaustive()
    }
}

enum Exit {
    Shutdown,
    Reconnect,
}

/// A random number for retry jitter (not for anything secret): splitmix64 over a process-wide
/// counter seeded once from the OS, instead of a `getrandom` system call per batch.
fn random_u64() -> u64 {
    const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;
    static STATE: OnceLock<AtomicU64> = OnceLock::new();
    let state = STATE.get_or_init(|| {
        let mut b = [0u8; 8];
        let seed = if getrandom::fill(&mut b).is_ok() {
            u64::from_le_bytes(b)
        } else {
            GOLDEN
        };
        AtomicU64::new(seed)
    });
    let mut z = state
        .fetch_add(GOLDEN, Ordering::Relaxed)
        .wrapping_add(GOLDEN);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Between half and the whole of `base`, at random.
fn jittered(base: Duration) -> Duration {
    #[allow(clippy::cast_precision_loss)]
    let unit = (random_u64() >> 11) as f64 / (1u64 << 53) as f64;
    base.mul_f64(0.5 + unit / 2.0)
}

struct Loop {
    batcher: Batcher,
    in_flight: usize,
    /// Batches in flight that hold a concurrency slot: a batch that is being retried gives its
    /// slot up, so a failing partition cannot starve the others (it still has its one batch).
    slots: usize,
    epochs: HashMap<TopicPartition, u64>,
    assigned: BTreeSet<TopicPartition>,
    paused: BTreeSet<TopicPartition>,
    /// When each partition was assigned or last had a batch dispatched or completed.
    progress: HashMap<TopicPartition, Instant>,
    committed: BTreeMap<TopicPartition, i64>,
    last_topic: Option<Arc<str>>,
}

impl Loop {
    /// Entries buffered for partitions that are not paused.
    fn fetching_backlog(&self) -> usize {
        self.batcher
            .partitions()
            .filter(|(tp, _)| !self.paused.contains(*tp))
            .map(|(_, b)| b.records + b.filtered)
            .sum()
    }
}

/// How long a partition holding a large buffer may go without progress before it is paused.
const STALL: Duration = Duration::from_secs(1);

/// How often librdkafka commits the offsets `complete` stored, unless the configuration's `kafka`
/// section sets `auto.commit.interval.ms`: a crash re-delivers at most this much of succeeded
/// work on top of the batches in flight.
const AUTO_COMMIT_INTERVAL_MS: &str = "100";

impl Engine {
    /// An engine for `options`, loading client settings from `settings`, invoking `handler`,
    /// encoding events with `encoder`, reporting into `status`.
    pub fn new(
        options: EngineOptions,
        settings: Arc<dyn SettingsSource>,
        encoder: EventEncoder,
        handler: Arc<dyn Handler>,
        status: Arc<Status>,
    ) -> Self {
        let shared = Arc::new(WorkerShared {
            encoder,
            handler,
            retry: options.retry.clone(),
            status,
        });
        Self {
            options,
            settings,
            shared,
            iam: None,
            initial: None,
        }
    }

    /// Starts with `settings` (already loaded, e.g. to learn the bootstrap brokers) instead of
    /// loading them again; later reconnects load afresh.
    #[must_use]
    pub fn with_initial_settings(mut self, settings: KafkaSettings) -> Self {
        self.initial = Some(settings);
        self
    }

    /// The shared status (what `/status` serves).
    pub fn status(&self) -> &Arc<Status> {
        &self.shared.status
    }

    fn consumer_config(&self, settings: &KafkaSettings) -> ClientConfig {
        let mut config = settings.client_config();
        config.set("group.id", &self.options.group_id);
        // Commit after success, coalesced: `complete` stores a resolved batch's offsets at once
        // (a local call), and librdkafka commits what is stored every `auto.commit.interval.ms`,
        // for partitions it is giving up (revoke) and on close. It never stores on its own
        // (`enable.auto.offset.store=false`), so nothing past an unprocessed record is committed.
        // One OffsetCommit per batch cost ~40 µs of CPU across three threads (docs/runtime.md).
        config.set("enable.auto.commit", "true");
        config.set("enable.auto.offset.store", "false");
        config.set("enable.partition.eof", "false");
        config.set(
            "auto.offset.reset",
            match self.options.starting_position {
                StartingPosition::Latest => "latest",
                StartingPosition::TrimHorizon | StartingPosition::AtTimestamp(_) => "earliest",
            },
        );
        for (key, default) in [
            ("partition.assignment.strategy", "cooperative-sticky"),
            ("statistics.interval.ms", "5000"),
            ("auto.commit.interval.ms", AUTO_COMMIT_INTERVAL_MS),
            // librdkafka's own prefetch queue: bounded so memory stays flat under any backlog.
            ("queued.max.messages.kbytes", "16384"),
        ] {
            if !settings.tuning.contains_key(key) {
                config.set(key, default);
            }
        }
        config
    }

    fn open_destination(
        &self,
        settings: &KafkaSettings,
    ) -> Result<Option<Arc<OnFailureSink>>, Error> {
        let Some(dest) = &self.options.destination else {
            return Ok(None);
        };
        let mapping = self.options.mapping.clone();
        let sink = match (dest, &settings.auth) {
            (Destination::Kafka { topic }, KafkaAuth::Iam(iam)) => {
                OnFailureSink::kafka_with_context(
                    topic,
                    &settings.client_config(),
                    RuntimeContext::new(Arc::clone(&self.shared.status), Some(iam.clone()), None),
                    mapping,
                )?
            }
            _ => OnFailureSink::open(
                dest,
                mapping,
                self.options.sdk.as_ref(),
                Some(&settings.client_config()),
            )?,
        };
        tracing::info!(destination = %sink.destination(), "on-failure destination ready");
        Ok(Some(Arc::new(sink)))
    }

    /// Runs until `shutdown` resolves (or, with `stop_when_idle`, until idle). After
    /// authentication failures the consumer is rebuilt with freshly loaded credentials, backing
    /// off with jitter, forever — as Lambda retries a mapping whose credentials are wrong.
    ///
    /// # Errors
    /// Only what retrying cannot fix: librdkafka refuses the client configuration (an invalid
    /// property), or the on-failure destination cannot be opened.
    pub async fn run(
        mut self,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<RunSummary, Error> {
        let mut shutdown = std::pin::pin!(shutdown.fuse());
        let mut summary = RunSummary::default();
        let mut backoff = self.options.reconnect_after;
        loop {
            let settings = loop {
                if let Some(s) = self.initial.take() {
                    break s;
                }
                match self.settings.load().await {
                    Ok(s) => break s,
                    Err(e) => {
                        let wait = jittered(backoff);
                        tracing::error!(error = %e, retry_in = ?wait, "could not load the client settings; retrying");
                        let state = if matches!(e, Error::UnusableSecret { .. }) {
                            ProcessingState::InvalidCertificateOrKey
                        } else {
                            ProcessingState::ConnectionError
                        };
                        self.shared.status.set_state(state, Some(e.to_string()));
                        tokio::select! {
                            () = &mut shutdown => return Ok(summary),
                            () = tokio::time::sleep(wait) => {}
                        }
                        backoff = (backoff * 2).min(Duration::from_secs(300));
                    }
                }
            };
            if let KafkaAuth::Iam(source) = &settings.auth {
                self.iam = Some(source.clone());
            }
            match self
                .run_consumer(&settings, &mut shutdown, &mut summary)
                .await?
            {
                Exit::Shutdown => return Ok(summary),
                Exit::Reconnect => {
                    summary.reconnects += 1;
                    let wait = jittered(backoff);
                    tokio::select! {
                        () = &mut shutdown => return Ok(summary),
                        () = tokio::time::sleep(wait) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(300));
                }
            }
        }
    }

    #[allow(clippy::too_many_lines)]
    async fn run_consumer<S: Future<Output = ()>>(
        &self,
        settings: &KafkaSettings,
        shutdown: &mut Pin<&mut futures_util::future::Fuse<S>>,
        summary: &mut RunSummary,
    ) -> Result<Exit, Error> {
        let at_ts = match self.options.starting_position {
            StartingPosition::AtTimestamp(ms) => Some(ms),
            _ => None,
        };
        let context = RuntimeContext::new(Arc::clone(&self.shared.status), self.iam.clone(), at_ts);
        let consumer: StreamConsumer<RuntimeContext> = match self
            .consumer_config(settings)
            .create_with_context(context)
        {
            Ok(c) => c,
            Err(e) => {
                let text = e.to_string();
                if text.contains("ssl.key") || text.contains("ssl.certificate") {
                    tracing::error!(error = %text, "the client certificate or key was refused; reloading later");
                    self.shared
                        .status
                        .set_state(ProcessingState::InvalidCertificateOrKey, Some(text));
                    return Ok(Exit::Reconnect);
                }
                return Err(Error::Kafka(e));
            }
        };
        let destination = self.open_destination(settings)?;
        let topics: Vec<&str> = self.options.topics.iter().map(String::as_str).collect();
        consumer.subscribe(&topics).map_err(Error::Kafka)?;
        tracing::info!(
            group_id = %self.options.group_id,
            topics = ?self.options.topics,
            security_protocol = settings.security_protocol(),
            mechanism = settings.auth.mechanism(),
            "consumer started"
        );

        let mut st = Loop {
            batcher: Batcher::new(self.options.batch.clone(), &self.shared.encoder),
            in_flight: 0,
            slots: 0,
            epochs: HashMap::new(),
            assigned: BTreeSet::new(),
            paused: BTreeSet::new(),
            progress: HashMap::new(),
            committed: BTreeMap::new(),
            last_topic: None,
        };
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Completion>();
        let (release_tx, mut release_rx) = mpsc::unbounded_channel::<()>();
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let max = self.options.max_concurrency.unwrap_or(1000);
        let mut scaler = Scaler::new(max, self.options.scale_interval);
        let mut concurrency = 1usize;
        let mut last_activity = Instant::now();
        let mut failing_since: Option<Instant> = None;
        let mut stopping: Option<Instant> = None;
        let mut scale_tick = tokio::time::interval(
            (self.options.scale_interval / 4).max(Duration::from_millis(250)),
        );
        scale_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut exit = Exit::Shutdown;
        // One message stream for the consumer's life: `consumer.recv()` builds (and registers a
        // waker slot for) a stream per call, two mutex round trips per record.
        let mut messages = consumer.stream();

        loop {
            self.apply_rebalances(&consumer, &mut st, &mut last_activity);

            if stopping.is_none() {
                while st.slots < concurrency {
                    let Some(batch) = st.batcher.take_ready(std::time::Instant::now()) else {
                        break;
                    };
                    let epoch: BTreeMap<TopicPartition, u64> = batch
                        .topic_partitions()
                        .map(|p| (p.clone(), st.epochs.get(p).copied().unwrap_or(0)))
                        .collect();
                    st.in_flight += 1;
                    st.slots += 1;
                    let now = Instant::now();
                    for p in epoch.keys() {
                        st.progress.insert(p.clone(), now);
                    }
                    let shared = Arc::clone(&self.shared);
                    let tx = done_tx.clone();
                    let release = release_tx.clone();
                    let dest = destination.clone();
                    let stop = stop_rx.clone();
                    tokio::spawn(async move {
                        let completion =
                            process_batch(shared, dest, batch, epoch, stop, release).await;
                        let _ = tx.send(completion);
                    });
                }
            }
            self.shared.status.set_load(concurrency, st.in_flight);

            if let Some(since) = stopping {
                if st.in_flight == 0 || since.elapsed() >= self.options.shutdown_timeout {
                    if st.in_flight > 0 {
                        tracing::warn!(
                            in_flight = st.in_flight,
                            "shutdown timeout: batches still in flight are abandoned uncommitted (they will be delivered again)"
                        );
                    }
                    break;
                }
            } else if let Some(idle) = self.options.stop_when_idle
                && st.in_flight == 0
                && st.batcher.is_empty()
                && !st.assigned.is_empty()
                && last_activity.elapsed() >= idle
            {
                tracing::info!(idle = ?idle, "idle: stopping");
                stopping = Some(Instant::now());
                let _ = stop_tx.send(true);
                continue;
            }

            let state = self.shared.status.state();
            let auth_failure = matches!(
                state,
                ProcessingState::SaslAuthenticationFailed
                    | ProcessingState::ServerFailedToAuthenticate
                    | ProcessingState::InvalidCertificateOrKey
                    | ProcessingState::FailedToAuthenticateServer
            );
            if auth_failure && stopping.is_none() {
                let since = *failing_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= self.options.reconnect_after && st.in_flight == 0 {
                    tracing::warn!(
                        state = state.title(),
                        "authentication keeps failing: reloading credentials and reconnecting"
                    );
                    exit = Exit::Reconnect;
                    break;
                }
            } else {
                failing_since = None;
            }

            summary.pauses += self.pause_stalled(&consumer, &mut st);
            // Backpressure: with this much buffered, take no more records until batches drain.
            let taking = st.fetching_backlog() < self.options.buffer_limit;

            let tick = Instant::now() + Duration::from_millis(250);
            let deadline = st
                .batcher
                .next_deadline()
                .map_or(tick, |d| Instant::from_std(d).min(tick));

            tokio::select! {
                biased;
                () = shutdown.as_mut(), if stopping.is_none() => {
                    tracing::info!(in_flight = st.in_flight, "shutting down: no new batches; waiting for the ones in flight");
                    stopping = Some(Instant::now());
                    let _ = stop_tx.send(true);
                }
                Some(done) = done_rx.recv() => {
                    st.in_flight -= 1;
                    if !done.released {
                        st.slots -= 1;
                    }
                    self.complete(&consumer, &mut st, done, summary);
                    self.resume_drained(&consumer, &mut st);
                    last_activity = Instant::now();
                }
                Some(()) = release_rx.recv() => {
                    st.slots -= 1;
                }
                msg = messages.next(), if taking => {
                    let Some(msg) = msg else {
                        break; // rdkafka's streams never end; stop as if shut down if one did
                    };
                    match msg {
                        Ok(m) => {
                            if stopping.is_none() {
                                // One clock read per drained chunk: the records of a chunk arrive
                                // together, and the batching window is far coarser than a chunk.
                                let now = std::time::Instant::now();
                                self.accept(&consumer, &m, &mut st, summary, now);
                                // Take what is already queued without going back to the scheduler,
                                // a batch's worth at a time so dispatching keeps pace.
                                for _ in 1..self.options.batch.batch_size.max(1) {
                                    match messages.next().now_or_never().flatten() {
                                        Some(Ok(m)) => self.accept(&consumer, &m, &mut st, summary, now),
                                        Some(Err(e)) => { self.recv_error(&e); break; }
                                        None => break,
                                    }
                                }
                                if self.shared.status.state().is_connection_failure() {
                                    self.shared.status.set_state(ProcessingState::Ok, None);
                                }
                            }
                            last_activity = Instant::now();
                        }
                        Err(e) => self.recv_error(&e),
                    }
                }
                _ = scale_tick.tick(), if stopping.is_none() => {
                    let lag: i64 = consumer.context().lag().values().sum();
                    concurrency = scaler.observe(
                        u64::try_from(lag).unwrap_or(0),
                        st.assigned.len(),
                        std::time::Instant::now(),
                    );
                }
                () = tokio::time::sleep_until(deadline) => {}
            }
        }

        drop(messages);
        // A last synchronous commit of what was resolved (never the fetch position), then close,
        // which leaves the group at once.
        let mut tpl = TopicPartitionList::new();
        for (tp, next) in &st.committed {
            if st.assigned.contains(tp) {
                let _ = tpl.add_partition_offset(&tp.topic, tp.partition, Offset::Offset(*next));
            }
        }
        if tpl.count() > 0
            && let Err(e) = consumer.commit(&tpl, CommitMode::Sync)
        {
            tracing::warn!(error = %e, "final commit failed; the asynchronous commits stand");
        }
        drop(consumer);
        tracing::info!("consumer closed");
        Ok(exit)
    }

    fn apply_rebalances(
        &self,
        consumer: &StreamConsumer<RuntimeContext>,
        st: &mut Loop,
        last_activity: &mut Instant,
    ) {
        for event in consumer.context().take_events() {
            match event {
                RebalanceEvent::Assigned(parts) => {
                    let now = Instant::now();
                    for p in parts {
                        *st.epochs.entry(p.clone()).or_default() += 1;
                        st.progress.insert(p.clone(), now);
                        st.assigned.insert(p);
                    }
                    *last_activity = Instant::now();
                }
                RebalanceEvent::Revoked(parts) => {
                    let dropped = st.batcher.revoke(&parts);
                    if dropped > 0 {
                        tracing::info!(
                            records = dropped,
                            "dropped buffered records of revoked partitions; their new owner reads them again"
                        );
                    }
                    for p in parts {
                        *st.epochs.entry(p.clone()).or_default() += 1;
                        st.assigned.remove(&p);
                        st.paused.remove(&p);
                        st.progress.remove(&p);
                        st.committed.remove(&p);
                    }
                }
            }
        }
    }

    fn accept(
        &self,
        consumer: &StreamConsumer<RuntimeContext>,
        m: &BorrowedMessage<'_>,
        st: &mut Loop,
        summary: &mut RunSummary,
        now: std::time::Instant,
    ) {
        let topic = match &st.last_topic {
            Some(t) if &**t == m.topic() => Arc::clone(t),
            _ => {
                let t = consumer.context().topic(m.topic());
                st.last_topic = Some(Arc::clone(&t));
                t
            }
        };
        let record = to_record(topic, m);
        let filtered = self
            .options
            .filters
            .as_ref()
            .is_some_and(|f| !f.matches(&record));
        if filtered {
            summary.records_filtered += 1;
            self.shared.status.metrics().records_filtered.inc();
        }
        if let Err(e) = st.batcher.push(record, filtered, now) {
            // librdkafka hands a record out again after a pause/resume or a broker returning a
            // whole record batch: this partition already has it (buffered, in flight or done).
            tracing::trace!(error = %e, "dropped a record delivered twice");
        }
    }

    fn recv_error(&self, e: &rdkafka::error::KafkaError) {
        let reason = e.to_string();
        if let Some(state) = e
            .rdkafka_error_code()
            .and_then(|c| crate::context::classify(c, &reason))
        {
            self.shared.status.report_failure(state, reason.clone());
        }
        tracing::warn!(error = %reason, "consume error");
    }

    /// Pauses partitions that hold half the buffer bound and made no progress for [`STALL`];
    /// returns how many.
    fn pause_stalled(&self, consumer: &StreamConsumer<RuntimeContext>, st: &mut Loop) -> u64 {
        let bound = self.options.buffer_limit / 2;
        let now = Instant::now();
        let stalled: Vec<TopicPartition> = st
            .batcher
            .partitions()
            .filter(|(tp, b)| {
                b.records + b.filtered >= bound
                    && st.assigned.contains(*tp)
                    && !st.paused.contains(*tp)
                    && st
                        .progress
                        .get(*tp)
                        .is_some_and(|t| now.duration_since(*t) >= STALL)
            })
            .map(|(tp, _)| tp.clone())
            .collect();
        if stalled.is_empty() {
            return 0;
        }
        let paused = stalled.len() as u64;
        let mut tpl = TopicPartitionList::new();
        for tp in stalled {
            tpl.add_partition(&tp.topic, tp.partition);
            st.paused.insert(tp);
        }
        tracing::debug!(
            partitions = tpl.count(),
            "a partition's batches are not draining: pausing its fetch"
        );
        if let Err(e) = consumer.pause(&tpl) {
            tracing::debug!(error = %e, "pause");
        }
        paused
    }

    /// Resumes paused partitions whose buffer has drained to a quarter of the bound.
    fn resume_drained(&self, consumer: &StreamConsumer<RuntimeContext>, st: &mut Loop) {
        let bound = self.options.buffer_limit / 4;
        let mut tpl = TopicPartitionList::new();
        let batcher = &st.batcher;
        st.paused.retain(|tp| {
            let b = batcher.buffered(tp);
            if b.records + b.filtered <= bound {
                tpl.add_partition(&tp.topic, tp.partition);
                false
            } else {
                true
            }
        });
        if tpl.count() > 0
            && let Err(e) = consumer.resume(&tpl)
        {
            tracing::debug!(error = %e, "resume");
        }
    }

    fn complete(
        &self,
        consumer: &StreamConsumer<RuntimeContext>,
        st: &mut Loop,
        done: Completion,
        summary: &mut RunSummary,
    ) {
        summary.batches += 1;
        summary.records_processed += done.processed;
        summary.records_to_destination += done.to_destination;
        summary.records_discarded += done.discarded;
        let mut tpl = TopicPartitionList::new();
        for (tp, next) in &done.commit {
            let current = st.epochs.get(tp).copied().unwrap_or(0);
            if done.epoch.get(tp).copied() != Some(current) {
                tracing::info!(partition = %tp.event_key(), "batch finished after its partition was revoked: not committed");
                continue;
            }
            if st.committed.get(tp).is_some_and(|c| c >= next) {
                continue;
            }
            let _ = tpl.add_partition_offset(&tp.topic, tp.partition, Offset::Offset(*next));
            st.committed.insert(tp.clone(), *next);
        }
        if tpl.count() > 0
            && let Err(e) = consumer.store_offsets(&tpl)
        {
            tracing::warn!(error = %e, "could not store offsets for commit; a later batch's offsets cover them");
        }
        let now = Instant::now();
        for tp in &done.partitions {
            st.progress.insert(tp.clone(), now);
        }
        st.batcher.complete_partitions(done.partitions.iter());
    }
}

fn to_record(topic: Arc<str>, m: &BorrowedMessage<'_>) -> Record {
    let (timestamp, timestamp_type) = match m.timestamp() {
        Timestamp::CreateTime(t) => (t, TimestampType::CreateTime),
        Timestamp::LogAppendTime(t) => (t, TimestampType::LogAppendTime),
        Timestamp::NotAvailable => (-1, TimestampType::NoTimestamp),
    };
    let headers = m.headers();
    let count = headers.map_or(0, |hs| hs.count());
    let headers = (0..count).filter_map(move |i| {
        headers.and_then(|hs| hs.try_get(i)).map(|h| Header {
            key: h.key,
            value: h.value,
        })
    });
    Record::new(
        topic,
        m.partition(),
        m.offset(),
        m.key(),
        m.payload(),
        headers,
    )
    .with_timestamp(timestamp, timestamp_type)
}

fn now_ms_i64() -> i64 {
    i64::try_from(now_ms()).unwrap_or(i64::MAX)
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Drives one batch to its resolution: invoke, retry, bisect, route failures. On shutdown, a
/// batch that is waiting to be retried is abandoned (its resolved prefix is committed).
async fn process_batch(
    shared: Arc<WorkerShared>,
    destination: Option<Arc<OnFailureSink>>,
    batch: Batch,
    epoch: BTreeMap<TopicPartition, u64>,
    mut stop: tokio::sync::watch::Receiver<bool>,
    release: mpsc::UnboundedSender<()>,
) -> Completion {
    let partitions: Vec<TopicPartition> = batch.topic_partitions().cloned().collect();
    // The span's fields are only evaluated when the span is enabled (info level).
    let span = tracing::info_span!("batch", id = batch.id, records = batch.records.len(), partitions = %describe(&batch.partitions));
    // Every attempt's event fits in the whole batch's event, whose exact size the batcher knows.
    let event_capacity = batch.encoded_bytes;
    let mut run = BatchRun::from_batch(batch, &shared.retry);
    let mut last: Option<(ResponseContext, bytes::Bytes)> = None;
    let mut stalled_key: Option<String> = None;
    let mut processed = 0u64;
    let mut released = false;
    while let Some(attempt) = run.next_attempt(now_ms_i64(), random_u64()) {
        if !attempt.delay.is_zero() {
            tokio::select! {
                () = tokio::time::sleep(attempt.delay) => {}
                _ = stop.wait_for(|s| *s) => {
                    tracing::info!(parent: &span, "shutdown: abandoning a batch that waits to be retried");
                    break;
                }
            }
        }
        if attempt.retry > 0 {
            shared.status.metrics().retries.inc();
            if !released {
                // Retrying: give the concurrency slot to other partitions' batches.
                released = release.send(()).is_ok();
            }
        }
        let (payload, first_key, first_offset, n) = {
            let records = run.attempt_records(&attempt);
            // Shared with the handler and the destination record without a copy.
            let mut event = Vec::with_capacity(event_capacity);
            shared.encoder.encode_into(&records, &mut event);
            (
                bytes::Bytes::from(event),
                records.first().map(|r| r.topic_partition().event_key()),
                records.first().map_or(0, |r| r.offset),
                records.len(),
            )
        };
        let started = std::time::Instant::now();
        let result = shared.handler.invoke(payload.clone()).await;
        let outcome = match result {
            Ok(inv) => {
                let (outcome, label) = match &inv.status {
                    InvocationStatus::Success => {
                        (run.outcome_from_response(&attempt, &inv.body), "success")
                    }
                    InvocationStatus::FunctionError { kind, reason } => {
                        let reason = if kind == "Timeout" || reason.starts_with("timeout") {
                            FailureReason::Timeout
                        } else {
                            FailureReason::FunctionError(format!("{kind}: {reason}"))
                        };
                        (Outcome::Failed(reason), "function_error")
                    }
                };
                shared
                    .status
                    .metrics()
                    .observe_invocation(label, inv.duration);
                let function_error = match &inv.status {
                    InvocationStatus::Success => None,
                    InvocationStatus::FunctionError { kind, .. } => Some(kind.clone()),
                };
                last = Some((
                    ResponseContext {
                        status_code: inv.status_code,
                        executed_version: "$LATEST".to_owned(),
                        function_error,
                    },
                    payload,
                ));
                outcome
            }
            Err(e) => {
                shared
                    .status
                    .metrics()
                    .observe_invocation("failure", started.elapsed());
                last = Some((
                    ResponseContext {
                        status_code: 0,
                        executed_version: "$LATEST".to_owned(),
                        function_error: Some("Unhandled".to_owned()),
                    },
                    payload,
                ));
                Outcome::Failed(FailureReason::InvokeError(e.to_string()))
            }
        };
        match &outcome {
            Outcome::Success => processed += count(n),
            Outcome::Partial(failed) => {
                tracing::warn!(parent: &span, failed = failed.len(), "partial batch response");
            }
            Outcome::Failed(reason) => {
                tracing::warn!(parent: &span, attempt = attempt.number, reason = %reason, "handler failed the batch");
            }
        }
        if let Err(e) = run.report(attempt.id, outcome, now_ms_i64()) {
            tracing::error!(parent: &span, error = %e, "retry state refused an outcome");
            break;
        }
        let status = run.status();
        if let (Some(since), Some(failure)) = (status.failing_since_ms, &status.last_failure) {
            if status.current_retries >= 1 {
                let key = first_key.clone().unwrap_or_default();
                shared.status.set_stalled(Stall {
                    partition: key.clone(),
                    first_offset,
                    attempts: status.current_retries + 1,
                    since_ms: u64::try_from(since).unwrap_or(0),
                    reason: failure.to_string(),
                });
                stalled_key = Some(key);
            }
        } else if let Some(key) = stalled_key.take() {
            shared.status.clear_stalled(&key);
        }
    }
    let resolution = run.finish();
    if let Some(key) = stalled_key {
        shared.status.clear_stalled(&key);
    }
    // Succeeded records of partial responses count too.
    processed = processed.max(count(resolution.succeeded.len()));
    let mut to_destination = 0u64;
    let mut discarded = 0u64;
    for group in resolution.routed {
        let n = count(group.records.len());
        let Some(dest) = &destination else {
            discarded += n;
            log_discarded(&group);
            continue;
        };
        let failed = failed_batch(group, last.as_ref());
        let mut wait = Duration::from_millis(200);
        loop {
            match dest.send(&failed).await {
                Ok(_) => break,
                Err(e) => {
                    tracing::error!(parent: &span, error = %e, retry_in = ?wait, "could not write to the on-failure destination; retrying (the batch stays uncommitted)");
                    tokio::time::sleep(jittered(wait)).await;
                    wait = (wait * 2).min(Duration::from_secs(60));
                }
            }
        }
        to_destination += n;
        shared
            .status
            .metrics()
            .records_sent_to_destination
            .inc_by(n);
    }
    for group in resolution.discarded {
        discarded += count(group.records.len());
        log_discarded(&group);
    }
    shared.status.metrics().records_discarded.inc_by(discarded);
    shared.status.add_processed(processed);
    shared.status.metrics().batches_processed.inc();
    if processed > 0 {
        shared.status.set_ok();
    }
    Completion {
        partitions,
        commit: resolution.commit_offsets,
        epoch,
        processed,
        to_destination,
        discarded,
        released,
    }
}

/// `topic-partition[first..=last]` of each partition of a batch, for its log span.
fn describe(partitions: &[crate::batch::PartitionSlice]) -> String {
    partitions
        .iter()
        .map(|p| {
            format!(
                "{}[{}..={}]",
                p.tp.event_key(),
                p.first_offset,
                p.last_offset
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn log_discarded(group: &FailedGroup) {
    for (tp, first, last) in &group.ranges {
        tracing::error!(partition = %tp.event_key(), first_offset = first, last_offset = last, reason = ?group.reason, "retries exhausted and no on-failure destination: records discarded");
    }
}

fn failed_batch(group: FailedGroup, last: Option<&(ResponseContext, bytes::Bytes)>) -> FailedBatch {
    let (condition, reason) = match &group.reason {
        RouteReason::RetriesExhausted(r) => {
            (FailureCondition::RetryAttemptsExhausted, r.to_string())
        }
        RouteReason::RecordTooOld => (
            FailureCondition::RecordAgeExceeded,
            "older than MaximumRecordAgeInSeconds".to_owned(),
        ),
    };
    let invoked = group.attempts > 0;
    FailedBatch {
        records: group.records,
        condition,
        approximate_invoke_count: group.attempts,
        response: last.filter(|_| invoked).map(|(r, _)| r.clone()),
        payload: last.filter(|_| invoked).map(|(_, p)| Arc::from(&p[..])),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_numbers_spread_over_the_whole_range() {
        let draws: Vec<u64> = (0..4096).map(|_| random_u64()).collect();
        let distinct: std::collections::HashSet<u64> = draws.iter().copied().collect();
        assert_eq!(distinct.len(), draws.len(), "no repeats in 4096 draws");
        // Each of the 64 bits is set in roughly half of the draws (binomial: 2048 ± 32 per σ).
        for bit in 0..64 {
            let ones = draws.iter().filter(|d| *d >> bit & 1 == 1).count();
            assert!((1700..=2400).contains(&ones), "bit {bit} set {ones} times");
        }
    }

    #[test]
    fn jittered_stays_between_half_and_the_whole() {
        let base = Duration::from_millis(200);
        let waits: Vec<Duration> = (0..1000).map(|_| jittered(base)).collect();
        assert!(waits.iter().all(|w| *w >= base / 2 && *w <= base));
        assert!(waits.iter().any(|w| *w < base * 3 / 4) && waits.iter().any(|w| *w > base * 3 / 4));
    }
}
