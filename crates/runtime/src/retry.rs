//! Driving one batch to resolution: retries, bisection, partial failures, record age.
//!
//! Pure state machine: the engine asks [`BatchRun::next_attempt`] what to invoke (which records,
//! after which delay), invokes the handler, reports the [`Outcome`], and repeats until
//! [`BatchRun::next_attempt`] returns `None`; then [`BatchRun::finish`] says what to commit and
//! what to send to the on-failure destination. Time comes in as `now_ms` (milliseconds since the
//! Unix epoch, the unit of record timestamps); randomness for backoff jitter comes in as a `u64`.
//!
//! Semantics (sources and deliberate differences in `docs/runtime.md`):
//!
//! - **Whole-batch retry** by default: a failed invocation is retried with the same records.
//! - **`MaximumRetryAttempts`** counts retries, not the first attempt; `-1` is infinite, but
//!   infinite with an on-failure destination is capped at 10 retries, as Lambda does.
//! - **Partial batch response** (`ReportBatchItemFailures`): in each partition named, the records
//!   before the lowest failed offset succeeded; the retry starts at that offset (later records of
//!   that partition are retried too, so order holds). Other partitions succeeded. It counts as
//!   a retry.
//! - **`BisectBatchOnFunctionError`**: a failed group of two or more records is split in two
//!   halves (the split does not use up a retry); the first half is resolved completely before
//!   the second is tried, so each partition's records still go in order.
//! - **`MaximumRecordAgeInSeconds`** is checked before every attempt, the first included: records
//!   older than it are not invoked; they go to the destination (or are discarded) as too old.
//! - **Retries exhausted**: the group goes to the destination, or is discarded without one, and
//!   the run moves on.
//! - Infinite retries and no destination: the run never resolves a failing record; it keeps
//!   retrying and [`BatchRun::status`] says since when and how often.
//! - Backoff between retries: exponential with full jitter,
//!   `random(0 ..= min(cap, base × 2^(retry−1)))`; the first attempt and bisected halves start
//!   without delay.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use crate::batch::Batch;
use crate::record::{Record, TopicPartition};
use crate::response::{BatchResponse, ResponseError};

/// Lambda caps infinite retries at this many when an on-failure destination is configured.
pub const DESTINATION_RETRY_CAP: u32 = 10;

/// The error-handling settings of an event source mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// `MaximumRetryAttempts`: `None` is `-1` (infinite), else 0..=10,000 retries after the first
    /// attempt.
    pub maximum_retry_attempts: Option<u32>,
    /// `MaximumRecordAgeInSeconds`: `None` is `-1` (infinite), else 60..=604,800 s.
    pub maximum_record_age: Option<Duration>,
    /// `BisectBatchOnFunctionError`.
    pub bisect_batch_on_function_error: bool,
    /// `FunctionResponseTypes` contains `ReportBatchItemFailures`.
    pub report_batch_item_failures: bool,
    /// An on-failure destination is configured.
    pub has_destination: bool,
    /// First retry's backoff ceiling.
    pub backoff_base: Duration,
    /// Largest backoff ceiling.
    pub backoff_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            maximum_retry_attempts: None,
            maximum_record_age: None,
            bisect_batch_on_function_error: false,
            report_batch_item_failures: false,
            has_destination: false,
            backoff_base: Duration::from_millis(100),
            backoff_cap: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The retry limit in force: `None` for infinite; infinite with a destination is
    /// [`DESTINATION_RETRY_CAP`].
    pub fn effective_retry_limit(&self) -> Option<u32> {
        match (self.maximum_retry_attempts, self.has_destination) {
            (Some(n), _) => Some(n),
            (None, true) => Some(DESTINATION_RETRY_CAP),
            (None, false) => None,
        }
    }

    /// The full-jitter backoff before retry number `retry` (1-based; 0 → no delay), drawing
    /// from `random`.
    pub fn backoff(&self, retry: u32, random: u64) -> Duration {
        if retry == 0 {
            return Duration::ZERO;
        }
        let base = self.backoff_base.as_nanos();
        let shift = (retry - 1).min(64);
        let ceiling = base
            .checked_shl(shift)
            .unwrap_or(u128::MAX)
            .min(self.backoff_cap.as_nanos());
        let ceiling = u64::try_from(ceiling).unwrap_or(u64::MAX);
        let nanos = if ceiling == u64::MAX {
            random
        } else {
            random % (ceiling + 1)
        };
        Duration::from_nanos(nanos)
    }
}

/// Why an invocation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailureReason {
    /// The handler returned an error (Lambda: a function error).
    FunctionError(String),
    /// The handler did not answer within its timeout.
    Timeout,
    /// The handler could not be invoked (transport, throttling, payload refused).
    InvokeError(String),
    /// `ReportBatchItemFailures` is on and the response means the whole batch failed.
    InvalidResponse(ResponseError),
}

impl std::fmt::Display for FailureReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::FunctionError(m) => write!(f, "function error: {m}"),
            Self::Timeout => f.write_str("the handler timed out"),
            Self::InvokeError(m) => write!(f, "invoke error: {m}"),
            Self::InvalidResponse(e) => write!(f, "invalid batch response: {e}"),
        }
    }
}

/// What an invocation came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every record succeeded.
    Success,
    /// The invocation failed as a whole.
    Failed(FailureReason),
    /// A partial batch response: the lowest failed offset per partition, checked against the
    /// attempt's records (see [`BatchRun::outcome_from_response`]).
    Partial(Vec<(TopicPartition, i64)>),
}

/// Why records left the run without succeeding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteReason {
    /// Retries exhausted; the last failure.
    RetriesExhausted(FailureReason),
    /// Older than `MaximumRecordAgeInSeconds` before an attempt.
    RecordTooOld,
}

/// One invocation to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// Pass back to [`BatchRun::report`].
    pub id: u64,
    /// Indices into [`BatchRun::records`], grouped per partition, each in offset order.
    pub records: Vec<usize>,
    /// Sleep this long before invoking.
    pub delay: Duration,
    /// How many times these records have been invoked before, plus one.
    pub number: u32,
    /// Retries already used by these records (0 on a first attempt).
    pub retry: u32,
}

/// Records that go to the destination or are discarded, with why.
#[derive(Clone, Debug)]
pub struct FailedGroup {
    /// The records, in batch order.
    pub records: Vec<Record>,
    /// Why.
    pub reason: RouteReason,
    /// Invocations these records were part of.
    pub attempts: u32,
    /// `(partition, first offset, last offset)` for each partition in the group.
    pub ranges: Vec<(TopicPartition, i64, i64)>,
}

/// Progress of a run, for status reporting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunStatus {
    /// Invocations made so far.
    pub invocations: u32,
    /// Records not yet resolved.
    pub pending_records: usize,
    /// Retries the current group has used.
    pub current_retries: u32,
    /// When the current group first failed (ms since the epoch); `Some` means it is retrying.
    pub failing_since_ms: Option<i64>,
    /// The current group's last failure.
    pub last_failure: Option<FailureReason>,
}

/// What a run came to.
#[derive(Clone, Debug)]
pub struct Resolution {
    /// Next offset to commit per partition: everything when the run resolved, else the
    /// resolved prefix of each partition.
    pub commit_offsets: Vec<(TopicPartition, i64)>,
    /// Indices of records that succeeded.
    pub succeeded: Vec<usize>,
    /// Groups for the on-failure destination.
    pub routed: Vec<FailedGroup>,
    /// Groups dropped (no destination).
    pub discarded: Vec<FailedGroup>,
    /// Invocations made.
    pub invocations: u32,
    /// Every record resolved (`false`: the run was abandoned while retrying).
    pub complete: bool,
}

/// Why [`BatchRun::report`] refused an outcome.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RetryError {
    /// No attempt with this id is outstanding.
    #[error("attempt {0} is not outstanding")]
    UnknownAttempt(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Pending,
    Succeeded,
    Routed,
    Discarded,
}

#[derive(Debug)]
struct Group {
    idx: Vec<usize>,
    retries: u32,
    invocations: u32,
    failing_since_ms: Option<i64>,
    last_failure: Option<FailureReason>,
}

/// One batch's way to resolution. See the module documentation.
#[derive(Debug)]
pub struct BatchRun {
    records: Vec<Record>,
    policy: RetryPolicy,
    state: Vec<State>,
    queue: VecDeque<Group>,
    outstanding: Option<(u64, Group)>,
    next_id: u64,
    invocations: u32,
    /// Next offset to commit per partition once everything is resolved (includes filtered
    /// entries of the batch).
    full_commit: BTreeMap<TopicPartition, i64>,
    routed: Vec<FailedGroup>,
    discarded: Vec<FailedGroup>,
}

impl BatchRun {
    /// A run over `records` (grouped per partition, each in offset order, as a [`Batch`] holds
    /// them).
    pub fn new(records: Vec<Record>, policy: &RetryPolicy) -> Self {
        let mut full_commit = BTreeMap::new();
        for r in &records {
            let e = full_commit.entry(r.topic_partition()).or_insert(i64::MIN);
            *e = (*e).max(r.offset.saturating_add(1));
        }
        let n = records.len();
        let mut queue = VecDeque::new();
        if n > 0 {
            queue.push_back(Group {
                idx: (0..n).collect(),
                retries: 0,
                invocations: 0,
                failing_since_ms: None,
                last_failure: None,
            });
        }
        Self {
            records,
            policy: policy.clone(),
            state: vec![State::Pending; n],
            queue,
            outstanding: None,
            next_id: 1,
            invocations: 0,
            full_commit,
            routed: Vec::new(),
            discarded: Vec::new(),
        }
    }

    /// A run over a batch's records; its commit offsets include the batch's filtered entries.
    pub fn from_batch(batch: Batch, policy: &RetryPolicy) -> Self {
        let mut run = Self::new(batch.records, policy);
        for p in batch.partitions {
            let e = run.full_commit.entry(p.tp).or_insert(i64::MIN);
            *e = (*e).max(p.commit_offset);
        }
        run
    }

    /// The run's records; [`Attempt::records`] indexes into them.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The records of `attempt`, ready for [`crate::event::EventEncoder::encode`].
    pub fn attempt_records(&self, attempt: &Attempt) -> Vec<&Record> {
        attempt
            .records
            .iter()
            .filter_map(|&i| self.records.get(i))
            .collect()
    }

    /// The next invocation to make, or `None` when the run is resolved or an attempt is
    /// outstanding. Drops records older than `MaximumRecordAgeInSeconds` at `now_ms` first.
    pub fn next_attempt(&mut self, now_ms: i64, random: u64) -> Option<Attempt> {
        if self.outstanding.is_some() {
            return None;
        }
        loop {
            let mut group = self.queue.pop_front()?;
            if let Some(max_age) = self.policy.maximum_record_age {
                let max_ms = i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX);
                let (old, young): (Vec<usize>, Vec<usize>) = group.idx.iter().partition(|&&i| {
                    let ts = self.records[i].timestamp;
                    ts >= 0 && now_ms.saturating_sub(ts) > max_ms
                });
                if !old.is_empty() {
                    self.route(old, RouteReason::RecordTooOld, group.invocations);
                    group.idx = young;
                }
            }
            if group.idx.is_empty() {
                continue;
            }
            let id = self.next_id;
            self.next_id += 1;
            let attempt = Attempt {
                id,
                records: group.idx.clone(),
                delay: self.policy.backoff(group.retries, random),
                number: group.invocations + 1,
                retry: group.retries,
            };
            self.outstanding = Some((id, group));
            return Some(attempt);
        }
    }

    /// Turns a handler's response body into an [`Outcome`] for `attempt`: without
    /// `ReportBatchItemFailures` any answer is a success (Lambda ignores the body); with it, the
    /// rules of [`crate::response`].
    pub fn outcome_from_response(&self, attempt: &Attempt, body: &[u8]) -> Outcome {
        if !self.policy.report_batch_item_failures {
            return Outcome::Success;
        }
        let parsed: Result<BatchResponse, ResponseError> = crate::response::parse(body);
        match parsed.and_then(|r| r.lowest_failed(self.attempt_records(attempt))) {
            Ok(low) if low.is_empty() => Outcome::Success,
            Ok(low) => Outcome::Partial(low),
            Err(e) => Outcome::Failed(FailureReason::InvalidResponse(e)),
        }
    }

    /// Reports how attempt `attempt_id` went, at `now_ms`.
    pub fn report(
        &mut self,
        attempt_id: u64,
        outcome: Outcome,
        now_ms: i64,
    ) -> Result<(), RetryError> {
        let (id, mut group) = match self.outstanding.take() {
            Some((id, g)) if id == attempt_id => (id, g),
            other => {
                self.outstanding = other;
                return Err(RetryError::UnknownAttempt(attempt_id));
            }
        };
        debug_assert_eq!(id, attempt_id);
        self.invocations += 1;
        group.invocations += 1;
        match outcome {
            Outcome::Success => {
                for &i in &group.idx {
                    self.state[i] = State::Succeeded;
                }
            }
            Outcome::Partial(lowest) => {
                let (ok, failed): (Vec<usize>, Vec<usize>) = group.idx.iter().partition(|&&i| {
                    let r = &self.records[i];
                    !lowest.iter().any(|(tp, o)| {
                        tp.partition == r.partition && tp.topic == r.topic && r.offset >= *o
                    })
                });
                for &i in &ok {
                    self.state[i] = State::Succeeded;
                }
                if failed.is_empty() {
                    return Ok(());
                }
                group.idx = failed;
                let reason = FailureReason::FunctionError("partial batch failure".to_owned());
                self.retry_or_route(group, reason, now_ms);
            }
            Outcome::Failed(reason) => {
                if self.policy.bisect_batch_on_function_error && group.idx.len() > 1 {
                    let second = group.idx.split_off(group.idx.len() / 2);
                    let since = group.failing_since_ms.or(Some(now_ms));
                    let half = |idx| Group {
                        idx,
                        retries: group.retries,
                        invocations: group.invocations,
                        failing_since_ms: since,
                        last_failure: Some(reason.clone()),
                    };
                    let (a, b) = (half(group.idx.clone()), half(second));
                    self.queue.push_front(b);
                    self.queue.push_front(a);
                } else {
                    self.retry_or_route(group, reason, now_ms);
                }
            }
        }
        Ok(())
    }

    fn retry_or_route(&mut self, mut group: Group, reason: FailureReason, now_ms: i64) {
        group.retries += 1;
        group.failing_since_ms.get_or_insert(now_ms);
        let exhausted = self
            .policy
            .effective_retry_limit()
            .is_some_and(|limit| group.retries > limit);
        if exhausted {
            self.route(
                group.idx,
                RouteReason::RetriesExhausted(reason),
                group.invocations,
            );
        } else {
            group.last_failure = Some(reason);
            self.queue.push_front(group);
        }
    }

    fn route(&mut self, idx: Vec<usize>, reason: RouteReason, attempts: u32) {
        let to_destination = self.policy.has_destination;
        let state = if to_destination {
            State::Routed
        } else {
            State::Discarded
        };
        let mut ranges: Vec<(TopicPartition, i64, i64)> = Vec::new();
        for &i in &idx {
            self.state[i] = state;
            let r = &self.records[i];
            match ranges
                .iter_mut()
                .find(|(tp, _, _)| tp.partition == r.partition && tp.topic == r.topic)
            {
                Some((_, first, last)) => {
                    *first = (*first).min(r.offset);
                    *last = (*last).max(r.offset);
                }
                None => ranges.push((r.topic_partition(), r.offset, r.offset)),
            }
        }
        let group = FailedGroup {
            records: idx.iter().map(|&i| self.records[i].clone()).collect(),
            reason,
            attempts,
            ranges,
        };
        if to_destination {
            self.routed.push(group);
        } else {
            self.discarded.push(group);
        }
    }

    /// Whether every record is resolved.
    pub fn is_resolved(&self) -> bool {
        self.outstanding.is_none() && self.queue.is_empty()
    }

    /// Progress, for status reporting (a run that keeps retrying shows since when).
    pub fn status(&self) -> RunStatus {
        let current = self
            .outstanding
            .as_ref()
            .map(|(_, g)| g)
            .or_else(|| self.queue.front());
        RunStatus {
            invocations: self.invocations,
            pending_records: self.state.iter().filter(|s| **s == State::Pending).count(),
            current_retries: current.map_or(0, |g| g.retries),
            failing_since_ms: current.and_then(|g| g.failing_since_ms),
            last_failure: current.and_then(|g| g.last_failure.clone()),
        }
    }

    /// Next offset to commit per partition now: the batch's end for partitions whose records are
    /// all resolved, else the offset of the partition's first unresolved record.
    pub fn commit_offsets(&self) -> Vec<(TopicPartition, i64)> {
        let mut first_pending: BTreeMap<(Arc<str>, i32), i64> = BTreeMap::new();
        for (i, r) in self.records.iter().enumerate() {
            if self.state[i] == State::Pending {
                let e = first_pending
                    .entry((Arc::clone(&r.topic), r.partition))
                    .or_insert(r.offset);
                *e = (*e).min(r.offset);
            }
        }
        self.full_commit
            .iter()
            .map(|(tp, &end)| {
                let at = first_pending
                    .get(&(Arc::clone(&tp.topic), tp.partition))
                    .copied()
                    .unwrap_or(end);
                (tp.clone(), at)
            })
            .collect()
    }

    /// Ends the run: what to commit, route and drop. Call when [`BatchRun::next_attempt`]
    /// returned `None` (or to abandon a run that keeps retrying: `complete` is then `false`).
    pub fn finish(self) -> Resolution {
        let commit_offsets = self.commit_offsets();
        let complete = self.is_resolved();
        Resolution {
            commit_offsets,
            succeeded: (0..self.records.len())
                .filter(|&i| self.state[i] == State::Succeeded)
                .collect(),
            routed: self.routed,
            discarded: self.discarded,
            invocations: self.invocations,
            complete,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::record::TimestampType;

    const NOW: i64 = 1_700_000_000_000;

    fn rec(topic: &str, partition: i32, offset: i64, ts: i64) -> Record {
        Record::new(Arc::from(topic), partition, offset, None, None, [])
            .with_timestamp(ts, TimestampType::CreateTime)
    }

    fn batch(n: i64) -> Vec<Record> {
        (0..n).map(|o| rec("t", 0, o, NOW)).collect()
    }

    fn tp(t: &str, p: i32) -> TopicPartition {
        TopicPartition {
            topic: Arc::from(t),
            partition: p,
        }
    }

    fn offsets(run: &BatchRun, a: &Attempt) -> Vec<i64> {
        run.attempt_records(a).iter().map(|r| r.offset).collect()
    }

    fn fail() -> Outcome {
        Outcome::Failed(FailureReason::FunctionError("boom".into()))
    }

    #[test]
    fn success_commits_everything() {
        let mut run = BatchRun::new(batch(3), &RetryPolicy::default());
        let a = run.next_attempt(NOW, 0).expect("attempt");
        assert_eq!(a.delay, Duration::ZERO);
        assert_eq!((a.number, a.retry), (1, 0));
        assert!(run.next_attempt(NOW, 0).is_none(), "one attempt at a time");
        run.report(a.id, Outcome::Success, NOW).expect("report");
        assert!(run.next_attempt(NOW, 0).is_none());
        let res = run.finish();
        assert!(res.complete);
        assert_eq!(res.commit_offsets, vec![(tp("t", 0), 3)]);
        assert_eq!(res.succeeded, vec![0, 1, 2]);
    }

    #[test]
    fn rejects_unknown_attempt_ids() {
        let mut run = BatchRun::new(batch(1), &RetryPolicy::default());
        let a = run.next_attempt(NOW, 0).expect("attempt");
        assert_eq!(
            run.report(a.id + 1, Outcome::Success, NOW),
            Err(RetryError::UnknownAttempt(a.id + 1))
        );
        run.report(a.id, Outcome::Success, NOW)
            .expect("still outstanding");
    }

    #[test]
    fn whole_batch_retried_until_retries_exhausted_then_discarded() {
        let policy = RetryPolicy {
            maximum_retry_attempts: Some(2),
            ..RetryPolicy::default()
        };
        let mut run = BatchRun::new(batch(4), &policy);
        let mut numbers = vec![];
        while let Some(a) = run.next_attempt(NOW, u64::MAX) {
            assert_eq!(offsets(&run, &a), vec![0, 1, 2, 3]);
            numbers.push((a.number, a.retry));
            run.report(a.id, fail(), NOW).expect("report");
        }
        assert_eq!(
            numbers,
            vec![(1, 0), (2, 1), (3, 2)],
            "first attempt + 2 retries"
        );
        let res = run.finish();
        assert!(res.complete);
        assert_eq!(res.discarded.len(), 1);
        assert!(res.routed.is_empty());
        assert_eq!(res.discarded[0].attempts, 3);
        assert_eq!(res.discarded[0].ranges, vec![(tp("t", 0), 0, 3)]);
        assert!(matches!(
            res.discarded[0].reason,
            RouteReason::RetriesExhausted(FailureReason::FunctionError(_))
        ));
        assert_eq!(res.commit_offsets, vec![(tp("t", 0), 4)], "moves on");
    }

    #[test]
    fn zero_retries_means_one_attempt() {
        let policy = RetryPolicy {
            maximum_retry_attempts: Some(0),
            has_destination: true,
            ..RetryPolicy::default()
        };
        let mut run = BatchRun::new(batch(2), &policy);
        let a = run.next_attempt(NOW, 0).expect("attempt");
        run.report(a.id, Outcome::Failed(FailureReason::Timeout), NOW)
            .expect("report");
        assert!(run.next_attempt(NOW, 0).is_none());
        let res = run.finish();
        assert_eq!(res.routed.len(), 1);
        assert_eq!(
            res.routed[0].reason,
            RouteReason::RetriesExhausted(FailureReason::Timeout)
        );
    }

    #[test]
    fn infinite_retries_with_a_destination_are_capped_at_ten() {
        let policy = RetryPolicy {
            has_destination: true,
            ..RetryPolicy::default()
        };
        assert_eq!(policy.effective_retry_limit(), Some(10));
        let mut run = BatchRun::new(batch(1), &policy);
        let mut n = 0;
        while let Some(a) = run.next_attempt(NOW, 7) {
            n += 1;
            run.report(a.id, fail(), NOW).expect("report");
        }
        assert_eq!(n, 11);
        assert_eq!(run.finish().routed.len(), 1);
    }

    #[test]
    fn infinite_retries_without_destination_stall_and_report_status() {
        let mut run = BatchRun::new(batch(2), &RetryPolicy::default());
        for i in 0..50 {
            let a = run.next_attempt(NOW + i, 3).expect("keeps retrying");
            assert_eq!(a.retry, u32::try_from(i).expect("small"));
            run.report(a.id, fail(), NOW + i).expect("report");
        }
        let st = run.status();
        assert_eq!(st.invocations, 50);
        assert_eq!(st.current_retries, 50);
        assert_eq!(st.failing_since_ms, Some(NOW));
        assert_eq!(st.pending_records, 2);
        assert!(!run.is_resolved());
        let res = run.finish();
        assert!(!res.complete);
        assert_eq!(
            res.commit_offsets,
            vec![(tp("t", 0), 0)],
            "nothing past the stuck record"
        );
    }

    #[test]
    fn partial_failure_commits_the_prefix_and_retries_from_the_lowest_failed_offset() {
        let policy = RetryPolicy {
            report_batch_item_failures: true,
            ..RetryPolicy::default()
        };
        let records = vec![
            rec("t", 0, 10, NOW),
            rec("t", 0, 11, NOW),
            rec("t", 0, 12, NOW),
            rec("t", 0, 13, NOW),
            rec("u", 1, 5, NOW),
            rec("u", 1, 6, NOW),
        ];
        let mut run = BatchRun::new(records, &policy);
        let a = run.next_attempt(NOW, 0).expect("attempt");
        let body = br#"{"batchItemFailures":[{"itemIdentifier":{"partition":"t-0","offset":13}},{"itemIdentifier":{"partition":"t-0","offset":12}}]}"#;
        let outcome = run.outcome_from_response(&a, body);
        assert_eq!(outcome, Outcome::Partial(vec![(tp("t", 0), 12)]));
        run.report(a.id, outcome, NOW).expect("report");
        assert_eq!(
            run.commit_offsets(),
            vec![(tp("t", 0), 12), (tp("u", 1), 7)]
        );
        let b = run.next_attempt(NOW, 0).expect("retry");
        assert_eq!(offsets(&run, &b), vec![12, 13]);
        assert_eq!(b.retry, 1);
        run.report(b.id, Outcome::Success, NOW).expect("report");
        let res = run.finish();
        assert_eq!(res.commit_offsets, vec![(tp("t", 0), 14), (tp("u", 1), 7)]);
        assert_eq!(res.succeeded.len(), 6);
    }

    #[test]
    fn invalid_partial_response_fails_the_whole_attempt() {
        let policy = RetryPolicy {
            report_batch_item_failures: true,
            ..RetryPolicy::default()
        };
        let mut run = BatchRun::new(batch(2), &policy);
        let a = run.next_attempt(NOW, 0).expect("attempt");
        for body in [
            &b"{"[..],
            br#"{"batchItemFailures":[{"itemIdentifier":{"partition":"t-0","offset":9}}]}"#,
        ] {
            assert!(matches!(
                run.outcome_from_response(&a, body),
                Outcome::Failed(FailureReason::InvalidResponse(_))
            ));
        }
        assert_eq!(run.outcome_from_response(&a, b"{}"), Outcome::Success);
        let off = BatchRun::new(batch(1), &RetryPolicy::default());
        assert_eq!(
            off.outcome_from_response(&a, b"{"),
            Outcome::Success,
            "body ignored without ReportBatchItemFailures"
        );
    }

    #[test]
    fn bisect_isolates_the_poison_record_and_keeps_order() {
        let policy = RetryPolicy {
            bisect_batch_on_function_error: true,
            maximum_retry_attempts: Some(0),
            has_destination: true,
            ..RetryPolicy::default()
        };
        let mut run = BatchRun::new(batch(8), &policy);
        let mut seen = vec![];
        while let Some(a) = run.next_attempt(NOW, 0) {
            let offs = offsets(&run, &a);
            assert_eq!(a.delay, Duration::ZERO, "splits do not back off");
            let outcome = if offs.contains(&5) {
                fail()
            } else {
                Outcome::Success
            };
            seen.push(offs);
            run.report(a.id, outcome, NOW).expect("report");
        }
        assert_eq!(
            seen,
            vec![
                vec![0, 1, 2, 3, 4, 5, 6, 7],
                vec![0, 1, 2, 3],
                vec![4, 5, 6, 7],
                vec![4, 5],
                vec![4],
                vec![5],
                vec![6, 7]
            ]
        );
        let res = run.finish();
        assert_eq!(res.routed.len(), 1);
        assert_eq!(res.routed[0].records.len(), 1);
        assert_eq!(res.routed[0].records[0].offset, 5);
        assert_eq!(res.routed[0].attempts, 4);
        assert_eq!(res.commit_offsets, vec![(tp("t", 0), 8)]);
        assert_eq!(res.succeeded.len(), 7);
    }

    #[test]
    fn too_old_records_are_routed_before_the_first_attempt() {
        let policy = RetryPolicy {
            maximum_record_age: Some(Duration::from_secs(60)),
            has_destination: true,
            ..RetryPolicy::default()
        };
        let records = vec![
            rec("t", 0, 0, NOW - 61_000),
            rec("t", 0, 1, NOW - 60_000),
            rec("t", 0, 2, -1),
        ];
        let mut run = BatchRun::new(records, &policy);
        let a = run.next_attempt(NOW, 0).expect("attempt");
        assert_eq!(
            offsets(&run, &a),
            vec![1, 2],
            "exactly 60 s is not too old; no timestamp never is"
        );
        run.report(a.id, Outcome::Success, NOW).expect("report");
        let res = run.finish();
        assert_eq!(res.routed.len(), 1);
        assert_eq!(res.routed[0].reason, RouteReason::RecordTooOld);
        assert_eq!(res.routed[0].attempts, 0);
    }

    #[test]
    fn records_age_out_while_retrying() {
        let policy = RetryPolicy {
            maximum_record_age: Some(Duration::from_secs(60)),
            ..RetryPolicy::default()
        };
        let mut run = BatchRun::new(batch(2), &policy);
        let a = run.next_attempt(NOW, 0).expect("attempt");
        run.report(a.id, fail(), NOW).expect("report");
        assert!(
            run.next_attempt(NOW + 60_001, 0).is_none(),
            "all too old now"
        );
        let res = run.finish();
        assert!(res.complete);
        assert_eq!(res.discarded[0].reason, RouteReason::RecordTooOld);
        assert_eq!(res.discarded[0].attempts, 1);
        assert_eq!(res.commit_offsets, vec![(tp("t", 0), 2)]);
    }

    #[test]
    fn backoff_is_full_jitter_and_capped() {
        let p = RetryPolicy {
            backoff_base: Duration::from_millis(100),
            backoff_cap: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        assert_eq!(p.backoff(0, u64::MAX), Duration::ZERO);
        assert_eq!(p.backoff(1, 0), Duration::ZERO);
        assert_eq!(p.backoff(1, 100_000_000), Duration::from_millis(100));
        assert_eq!(
            p.backoff(1, 100_000_001),
            Duration::ZERO,
            "wraps within 0..=ceiling"
        );
        assert_eq!(p.backoff(3, 400_000_000), Duration::from_millis(400));
        assert_eq!(
            p.backoff(30, 1_000_000_000),
            Duration::from_secs(1),
            "capped"
        );
        assert!(p.backoff(200, u64::MAX) <= Duration::from_secs(1));
    }

    #[test]
    fn from_batch_commits_filtered_entries_too() {
        use crate::batch::{BatchPolicy, Batcher};
        let mut b = Batcher::with_envelope_len(BatchPolicy::default(), 10);
        let t0 = std::time::Instant::now();
        b.push(rec("t", 0, 0, NOW), false, t0).expect("push");
        b.push(rec("t", 0, 1, NOW), true, t0).expect("push");
        let batch = b.flush().expect("batch");
        let mut run = BatchRun::from_batch(batch, &RetryPolicy::default());
        let a = run.next_attempt(NOW, 0).expect("attempt");
        run.report(a.id, Outcome::Success, NOW).expect("report");
        assert_eq!(run.finish().commit_offsets, vec![(tp("t", 0), 2)]);
    }

    fn arb_records() -> impl Strategy<Value = Vec<Record>> {
        prop::collection::vec((0..3i32, 0..3i64, prop::bool::ANY), 0..24).prop_map(|spec| {
            let mut next = [0i64; 3];
            let mut v: Vec<Record> = spec
                .into_iter()
                .map(|(p, gap, old)| {
                    let o = next[p as usize] + gap;
                    next[p as usize] = o + 1;
                    rec("t", p, o, if old { NOW - 1_000_000 } else { NOW })
                })
                .collect();
            v.sort_by_key(|r| (r.partition, r.offset));
            v
        })
    }

    proptest! {
        #[test]
        fn no_record_lost_and_partition_order_kept(
            records in arb_records(),
            bisect in any::<bool>(),
            partial in any::<bool>(),
            dest in any::<bool>(),
            retries in prop::option::of(0..3u32),
            age in any::<bool>(),
            script in prop::collection::vec(0..4u8, 0..200),
        ) {
            let policy = RetryPolicy {
                maximum_retry_attempts: retries.or(Some(2)),
                maximum_record_age: age.then(|| Duration::from_secs(60)),
                bisect_batch_on_function_error: bisect,
                report_batch_item_failures: partial,
                has_destination: dest,
                ..RetryPolicy::default()
            };
            let n = records.len();
            let mut run = BatchRun::new(records.clone(), &policy);
            let mut step = 0usize;
            // Per partition, the highest offset that has been resolved as succeeded.
            while let Some(a) = run.next_attempt(NOW, step as u64) {
                prop_assert!(step < 10_000, "terminates");
                let recs = run.attempt_records(&a);
                prop_assert!(!recs.is_empty());
                for w in recs.windows(2) {
                    if w[0].partition == w[1].partition {
                        prop_assert!(w[0].offset < w[1].offset);
                    }
                }
                let pick = script.get(step).copied().unwrap_or(0);
                let outcome = match pick {
                    0 => Outcome::Success,
                    1 | 2 => fail(),
                    _ => {
                        let r = recs[recs.len() / 2];
                        if partial {
                            Outcome::Partial(vec![(r.topic_partition(), r.offset)])
                        } else {
                            fail()
                        }
                    }
                };
                run.report(a.id, outcome, NOW).expect("report");
                step += 1;
            }
            let res = run.finish();
            prop_assert!(res.complete);
            let mut count = vec![0u8; n];
            for &i in &res.succeeded { count[i] += 1; }
            for g in res.routed.iter().chain(&res.discarded) {
                for r in &g.records {
                    let i = records.iter().position(|x| x == r).expect("from the batch");
                    count[i] += 1;
                }
            }
            prop_assert!(count.iter().all(|&c| c == 1), "every record exactly once: {count:?}");
            if dest { prop_assert!(res.discarded.is_empty()); } else { prop_assert!(res.routed.is_empty()); }
            for (tp, c) in &res.commit_offsets {
                let last = records.iter().filter(|r| r.partition == tp.partition).map(|r| r.offset).max().expect("partition");
                prop_assert_eq!(*c, last + 1);
            }
        }
    }
}
