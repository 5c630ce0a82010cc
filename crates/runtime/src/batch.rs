//! The batching policy: which buffered records go into the next invocation, and when.
//!
//! Pure: no rdkafka types, no clock. The engine pushes each consumed record with the instant it
//! saw it, asks [`Batcher::take_ready`] for a batch at any instant, and calls
//! [`Batcher::complete`] once the batch is resolved (committed). Lambda's rules:
//!
//! - a batch holds up to `BatchSize` records (1–10,000, default 100) and closes when it is full,
//!   when the batching window (`MaximumBatchingWindowInSeconds`, default 500 ms for Kafka) has
//!   passed since the first buffered record, or when the next record would take the event past
//!   the 6 MB payload cap ([`crate::event::MAX_PAYLOAD_BYTES`]); a single record larger than the
//!   cap goes alone and the batch says so ([`Batch::oversize`]);
//! - records of several partitions may share a batch; each partition's records stay in offset
//!   order, and a partition never has two batches in flight: while one of its batches is being
//!   processed its newer records wait;
//! - records that `FilterCriteria` dropped still move the commit position: push them as
//!   filtered, and the batch carries, per partition, the next offset to commit even when none of
//!   its records is invoked ([`Batch::is_commit_only`]).
//!
//! ```
//! use std::sync::Arc;
//! use std::time::{Duration, Instant};
//! use mskgate_runtime::batch::{BatchPolicy, Batcher};
//! use mskgate_runtime::event::{EventEncoder, EventSource};
//! use mskgate_runtime::{Record, TimestampType};
//!
//! let enc = EventEncoder::new(EventSource::SelfManaged, &["b:9092".to_owned()]);
//! let policy = BatchPolicy { batch_size: 2, ..BatchPolicy::default() };
//! let mut b = Batcher::new(policy, &enc);
//! let t0 = Instant::now();
//! for offset in 0..3 {
//!     let r = Record::new(Arc::from("t"), 0, offset, None, None, [])
//!         .with_timestamp(0, TimestampType::CreateTime);
//!     b.push(r, false, t0).unwrap();
//! }
//! let first = b.take_ready(t0).expect("full batch");
//! assert_eq!(first.records.len(), 2);
//! assert!(b.take_ready(t0 + Duration::from_secs(1)).is_none()); // partition 0 is in flight
//! b.complete(&first);
//! assert_eq!(b.take_ready(t0 + Duration::from_secs(1)).unwrap().records[0].offset, 2);
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use crate::event::{EventEncoder, MAX_PAYLOAD_BYTES};
use crate::record::{Record, TopicPartition};

/// Lambda's batching parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchPolicy {
    /// `BatchSize`: most records per batch (Lambda: 1–10,000, default 100). 0 is treated as 1.
    pub batch_size: usize,
    /// `MaximumBatchingWindowInSeconds`: how long the first buffered record may wait for more
    /// (Lambda's Kafka default is 500 ms; 0–300 s).
    pub window: Duration,
    /// Most bytes of one event (Lambda: the 6 MB synchronous payload limit).
    pub max_payload_bytes: usize,
}

impl Default for BatchPolicy {
    fn default() -> Self {
        Self {
            batch_size: 100,
            window: Duration::from_millis(500),
            max_payload_bytes: MAX_PAYLOAD_BYTES,
        }
    }
}

/// Why a record could not be buffered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// A partition's offsets must increase; a rewind needs [`Batcher::revoke`] first.
    #[error("offset {offset} of {topic}-{partition} is not after the last buffered offset {last}")]
    OutOfOrder {
        /// Topic.
        topic: String,
        /// Partition.
        partition: i32,
        /// The rejected offset.
        offset: i64,
        /// The partition's last accepted offset.
        last: i64,
    },
}

/// One partition's part of a [`Batch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionSlice {
    /// The partition.
    pub tp: TopicPartition,
    /// Lowest offset in the batch for this partition, invoked or filtered.
    pub first_offset: i64,
    /// Highest offset in the batch for this partition, invoked or filtered.
    pub last_offset: i64,
    /// The offset to commit once the batch is resolved: `last_offset + 1`.
    pub commit_offset: i64,
    /// Records of this partition the handler receives.
    pub records: usize,
    /// Records of this partition that the filter dropped (committed, never invoked).
    pub filtered: usize,
}

/// A closed batch: what to invoke and what to commit afterwards.
#[derive(Clone, Debug)]
pub struct Batch {
    /// Increasing per [`Batcher`].
    pub id: u64,
    /// Records to invoke, grouped by partition, each partition in offset order.
    pub records: Vec<Record>,
    /// Every partition the batch covers (with records or only filtered entries), in the order
    /// its records appear.
    pub partitions: Vec<PartitionSlice>,
    /// Exact bytes of the event for [`Batch::records`] (see [`EventEncoder::event_len`]).
    pub encoded_bytes: usize,
    /// When the oldest entry of the batch was pushed.
    pub opened_at: Instant,
    /// A single record whose event exceeds the payload cap (Lambda cannot invoke it either; the
    /// engine decides: fail it to the destination or try anyway).
    pub oversize: bool,
}

impl Batch {
    /// Records the handler receives.
    pub fn record_count(&self) -> usize {
        self.records.len()
    }

    /// Nothing to invoke: every entry was filtered; just commit.
    pub fn is_commit_only(&self) -> bool {
        self.records.is_empty()
    }

    /// `(partition, next offset to commit)` for every partition the batch covers.
    pub fn commit_offsets(&self) -> impl Iterator<Item = (&TopicPartition, i64)> {
        self.partitions.iter().map(|p| (&p.tp, p.commit_offset))
    }

    /// The partitions the batch covers.
    pub fn topic_partitions(&self) -> impl Iterator<Item = &TopicPartition> {
        self.partitions.iter().map(|p| &p.tp)
    }
}

#[derive(Debug)]
enum Entry {
    Record {
        record: Record,
        len: usize,
        at: Instant,
    },
    Filtered {
        offset: i64,
        at: Instant,
    },
}

impl Entry {
    fn at(&self) -> Instant {
        match self {
            Entry::Record { at, .. } | Entry::Filtered { at, .. } => *at,
        }
    }
    fn offset(&self) -> i64 {
        match self {
            Entry::Record { record, .. } => record.offset,
            Entry::Filtered { offset, .. } => *offset,
        }
    }
}

#[derive(Debug, Default)]
struct PartitionBuf {
    entries: VecDeque<Entry>,
    records: usize,
    bytes: usize,
    in_flight: bool,
    last_offset: Option<i64>,
    /// Bytes of `"<topic>-<partition>":[]` in an event.
    overhead: usize,
    /// Escaped length of the topic name (without quotes), which every record's object repeats.
    topic_len: usize,
}

/// Buffered entries of one partition, for backpressure decisions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Buffered {
    /// Records waiting to be invoked.
    pub records: usize,
    /// Filtered entries waiting to be committed.
    pub filtered: usize,
    /// Event bytes of the waiting records (their JSON objects).
    pub bytes: usize,
    /// Whether a batch of this partition is in flight.
    pub in_flight: bool,
}

/// Buffers records per partition and cuts batches by Lambda's rules.
#[derive(Debug)]
pub struct Batcher {
    policy: BatchPolicy,
    envelope: usize,
    partitions: BTreeMap<TopicPartition, PartitionBuf>,
    next_id: u64,
    total_records: usize,
    total_bytes: usize,
}

impl Batcher {
    /// A batcher for events written by `encoder` (its envelope size counts towards the cap).
    pub fn new(policy: BatchPolicy, encoder: &EventEncoder) -> Self {
        Self::with_envelope_len(policy, encoder.envelope_len())
    }

    /// A batcher whose events have an envelope of `envelope` bytes.
    pub fn with_envelope_len(mut policy: BatchPolicy, envelope: usize) -> Self {
        policy.batch_size = policy.batch_size.max(1);
        Self {
            policy,
            envelope,
            partitions: BTreeMap::new(),
            next_id: 1,
            total_records: 0,
            total_bytes: 0,
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &BatchPolicy {
        &self.policy
    }

    /// Buffers `record`; `filtered` means FilterCriteria dropped it: only its offset is kept,
    /// so the commit moves past it.
    pub fn push(&mut self, record: Record, filtered: bool, now: Instant) -> Result<(), BatchError> {
        let tp = record.topic_partition();
        let buf = self
            .partitions
            .entry(tp)
            .or_insert_with_key(|tp| PartitionBuf {
                overhead: EventEncoder::partition_overhead(tp),
                topic_len: crate::event::json_str_content_len(&tp.topic),
                ..PartitionBuf::default()
            });
        if let Some(last) = buf.last_offset
            && record.offset <= last
        {
            return Err(BatchError::OutOfOrder {
                topic: record.topic.to_string(),
                partition: record.partition,
                offset: record.offset,
                last,
            });
        }
        buf.last_offset = Some(record.offset);
        if filtered {
            buf.entries.push_back(Entry::Filtered {
                offset: record.offset,
                at: now,
            });
        } else {
            let len = EventEncoder::record_len_with_topic(&record, buf.topic_len);
            buf.records += 1;
            buf.bytes += len;
            self.total_records += 1;
            self.total_bytes += len;
            buf.entries.push_back(Entry::Record {
                record,
                len,
                at: now,
            });
        }
        Ok(())
    }

    fn eligible(&self) -> impl Iterator<Item = (&TopicPartition, &PartitionBuf)> {
        self.partitions
            .iter()
            .filter(|(_, b)| !b.in_flight && !b.entries.is_empty())
    }

    /// When the window of the oldest waiting entry closes (`None`: nothing waits, or every
    /// partition with entries is in flight). A batch may be ready earlier (full or at the cap).
    pub fn next_deadline(&self) -> Option<Instant> {
        self.eligible()
            .filter_map(|(_, b)| b.entries.front().map(Entry::at))
            .min()
            .map(|t| t + self.policy.window)
    }

    /// Whether [`Batcher::take_ready`] would return a batch at `now`.
    pub fn is_ready(&self, now: Instant) -> bool {
        let mut records = 0usize;
        let mut bytes = self.envelope;
        let mut oldest: Option<Instant> = None;
        for (_, b) in self.eligible() {
            let front = b.entries.front().map(Entry::at);
            oldest = match (oldest, front) {
                (Some(o), Some(f)) => Some(o.min(f)),
                (o, f) => o.or(f),
            };
            records += b.records;
            if b.records > 0 {
                bytes += b.overhead + b.bytes + b.records;
            }
        }
        match oldest {
            None => false,
            Some(o) => {
                records >= self.policy.batch_size
                    || bytes.saturating_sub(1) > self.policy.max_payload_bytes
                    || now.saturating_duration_since(o) >= self.policy.window
            }
        }
    }

    /// The next batch if one is ready at `now` (full, at the byte cap, or its window passed);
    /// its partitions are in flight until [`Batcher::complete`].
    pub fn take_ready(&mut self, now: Instant) -> Option<Batch> {
        if !self.is_ready(now) {
            return None;
        }
        self.cut()
    }

    /// The next batch regardless of the window (for shutdown: drain what is buffered). `None`
    /// when nothing eligible is buffered.
    pub fn flush(&mut self) -> Option<Batch> {
        self.cut()
    }

    /// Every batch that can be cut now, regardless of windows (partitions already in flight
    /// keep their entries).
    pub fn drain(&mut self) -> Vec<Batch> {
        let mut out = Vec::new();
        while let Some(b) = self.cut() {
            out.push(b);
        }
        out
    }

    fn cut(&mut self) -> Option<Batch> {
        // Oldest partitions first, so a busy partition cannot starve the others.
        let mut order: Vec<(Instant, TopicPartition)> = self
            .eligible()
            .filter_map(|(tp, b)| b.entries.front().map(|e| (e.at(), tp.clone())))
            .collect();
        if order.is_empty() {
            return None;
        }
        order.sort();
        let cap = self.policy.max_payload_bytes;
        let size = self.policy.batch_size;
        let mut records = Vec::new();
        let mut partitions = Vec::new();
        let mut bytes = self.envelope;
        let mut opened_at: Option<Instant> = None;
        let mut oversize = false;
        let mut full = false;
        for (_, tp) in order {
            if full {
                break;
            }
            let Some(buf) = self.partitions.get_mut(&tp) else {
                continue;
            };
            let mut slice: Option<PartitionSlice> = None;
            while let Some(front) = buf.entries.front() {
                if let Entry::Record { len, .. } = front {
                    if records.len() >= size {
                        full = true;
                        break;
                    }
                    let first_of_partition = slice.as_ref().is_none_or(|s| s.records == 0);
                    let add = len
                        + usize::from(!records.is_empty())
                        + if first_of_partition { buf.overhead } else { 0 };
                    if bytes + add > cap {
                        if records.is_empty() {
                            oversize = true; // alone, and too big even so
                        } else {
                            full = true;
                            break;
                        }
                    }
                    bytes += add;
                }
                let Some(entry) = buf.entries.pop_front() else {
                    break;
                };
                let at = entry.at();
                opened_at = Some(opened_at.map_or(at, |o| o.min(at)));
                let offset = entry.offset();
                let s = slice.get_or_insert_with(|| PartitionSlice {
                    tp: tp.clone(),
                    first_offset: offset,
                    last_offset: offset,
                    commit_offset: offset.saturating_add(1),
                    records: 0,
                    filtered: 0,
                });
                s.last_offset = offset;
                s.commit_offset = offset.saturating_add(1);
                match entry {
                    Entry::Record { record, len, .. } => {
                        s.records += 1;
                        buf.records -= 1;
                        buf.bytes -= len;
                        self.total_records -= 1;
                        self.total_bytes -= len;
                        records.push(record);
                    }
                    Entry::Filtered { .. } => s.filtered += 1,
                }
                if oversize {
                    full = true;
                    break;
                }
            }
            if let Some(s) = slice {
                buf.in_flight = true;
                partitions.push(s);
            }
        }
        let opened_at = opened_at?;
        let id = self.next_id;
        self.next_id += 1;
        Some(Batch {
            id,
            encoded_bytes: bytes,
            records,
            partitions,
            opened_at,
            oversize,
        })
    }

    /// The batch is resolved: its partitions may be batched again.
    pub fn complete(&mut self, batch: &Batch) {
        self.complete_partitions(batch.topic_partitions());
    }

    /// Like [`Batcher::complete`], by partition.
    pub fn complete_partitions<'a>(&mut self, tps: impl IntoIterator<Item = &'a TopicPartition>) {
        for tp in tps {
            if let Some(b) = self.partitions.get_mut(tp) {
                b.in_flight = false;
            }
        }
    }

    /// Drops everything buffered for partitions this consumer lost (a rebalance); returns how
    /// many entries (records and filtered) were dropped. A batch of theirs still in flight is
    /// the engine's to abandon; its [`Batcher::complete`] is then a no-op.
    pub fn revoke(&mut self, tps: &[TopicPartition]) -> usize {
        let mut dropped = 0;
        for tp in tps {
            if let Some(b) = self.partitions.remove(tp) {
                dropped += b.entries.len();
                self.total_records -= b.records;
                self.total_bytes -= b.bytes;
            }
        }
        dropped
    }

    /// What `tp` has buffered (for pausing fetches when it grows past a bound).
    pub fn buffered(&self, tp: &TopicPartition) -> Buffered {
        self.partitions
            .get(tp)
            .map_or_else(Buffered::default, |b| Buffered {
                records: b.records,
                filtered: b.entries.len() - b.records,
                bytes: b.bytes,
                in_flight: b.in_flight,
            })
    }

    /// Every partition with buffered entries or a batch in flight.
    pub fn partitions(&self) -> impl Iterator<Item = (&TopicPartition, Buffered)> {
        self.partitions.iter().map(|(tp, b)| {
            (
                tp,
                Buffered {
                    records: b.records,
                    filtered: b.entries.len() - b.records,
                    bytes: b.bytes,
                    in_flight: b.in_flight,
                },
            )
        })
    }

    /// Records buffered across all partitions.
    pub fn buffered_records(&self) -> usize {
        self.total_records
    }

    /// Event bytes buffered across all partitions.
    pub fn buffered_bytes(&self) -> usize {
        self.total_bytes
    }

    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.partitions.values().all(|b| b.entries.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::*;
    use crate::event::EventSource;
    use crate::record::TimestampType;

    fn rec(topic: &str, partition: i32, offset: i64, value_len: usize) -> Record {
        Record::new(
            Arc::from(topic),
            partition,
            offset,
            None,
            Some(&vec![b'v'; value_len]),
            [],
        )
        .with_timestamp(0, TimestampType::CreateTime)
    }

    fn enc() -> EventEncoder {
        EventEncoder::new(EventSource::SelfManaged, &["b:9092".to_owned()])
    }

    fn batcher(batch_size: usize, window_ms: u64, cap: usize) -> Batcher {
        Batcher::new(
            BatchPolicy {
                batch_size,
                window: Duration::from_millis(window_ms),
                max_payload_bytes: cap,
            },
            &enc(),
        )
    }

    fn offsets(b: &Batch) -> Vec<(i32, i64)> {
        b.records.iter().map(|r| (r.partition, r.offset)).collect()
    }

    #[test]
    fn closes_when_full() {
        let t0 = Instant::now();
        let mut b = batcher(3, 500, MAX_PAYLOAD_BYTES);
        for o in 0..2 {
            b.push(rec("t", 0, o, 10), false, t0).expect("push");
        }
        assert!(b.take_ready(t0).is_none(), "2 of 3, window open");
        b.push(rec("t", 0, 2, 10), false, t0).expect("push");
        let batch = b.take_ready(t0).expect("full");
        assert_eq!(batch.record_count(), 3);
        assert_eq!(batch.id, 1);
        assert_eq!(batch.partitions[0].commit_offset, 3);
        assert_eq!(
            (
                batch.partitions[0].first_offset,
                batch.partitions[0].last_offset
            ),
            (0, 2)
        );
    }

    #[test]
    fn closes_when_the_window_passes_since_the_first_record() {
        let t0 = Instant::now();
        let mut b = batcher(100, 500, MAX_PAYLOAD_BYTES);
        b.push(rec("t", 0, 0, 10), false, t0).expect("push");
        b.push(rec("t", 0, 1, 10), false, t0 + Duration::from_millis(400))
            .expect("push");
        assert_eq!(b.next_deadline(), Some(t0 + Duration::from_millis(500)));
        assert!(b.take_ready(t0 + Duration::from_millis(499)).is_none());
        let batch = b
            .take_ready(t0 + Duration::from_millis(500))
            .expect("window");
        assert_eq!(batch.record_count(), 2);
        assert_eq!(batch.opened_at, t0);
        assert_eq!(b.next_deadline(), None, "nothing left");
    }

    #[test]
    fn zero_window_sends_at_once() {
        let t0 = Instant::now();
        let mut b = batcher(100, 0, MAX_PAYLOAD_BYTES);
        b.push(rec("t", 0, 0, 10), false, t0).expect("push");
        assert!(b.take_ready(t0).is_some());
    }

    #[test]
    fn stays_under_the_byte_cap_exactly() {
        let t0 = Instant::now();
        let e = enc();
        let one = rec("t", 0, 0, 300);
        let two = [rec("t", 0, 0, 300), rec("t", 0, 1, 300)];
        let cap = e.event_len(&two); // exactly two records fit
        let mut b = batcher(100, 500, cap);
        for o in 0..5 {
            b.push(rec("t", 0, o, 300), false, t0).expect("push");
        }
        let batch = b
            .take_ready(t0)
            .expect("over the cap: ready before the window");
        assert_eq!(batch.record_count(), 2);
        assert_eq!(batch.encoded_bytes, cap);
        assert_eq!(e.encode(&batch.records).len(), batch.encoded_bytes);
        assert!(!batch.oversize);
        assert!(e.event_len(&[&one]) < cap);
    }

    #[test]
    fn an_oversize_record_goes_alone_and_is_flagged() {
        let t0 = Instant::now();
        let mut b = batcher(100, 0, 400);
        b.push(rec("t", 0, 0, 10), false, t0).expect("push");
        b.push(rec("t", 0, 1, 1_000), false, t0).expect("push");
        b.push(rec("t", 0, 2, 10), false, t0).expect("push");
        let first = b.take_ready(t0).expect("batch");
        assert_eq!(offsets(&first), vec![(0, 0)]);
        assert!(!first.oversize);
        b.complete(&first);
        let big = b.take_ready(t0).expect("batch");
        assert_eq!(offsets(&big), vec![(0, 1)]);
        assert!(big.oversize);
        assert!(big.encoded_bytes > 400);
        b.complete(&big);
        assert_eq!(offsets(&b.take_ready(t0).expect("batch")), vec![(0, 2)]);
    }

    #[test]
    fn partitions_share_a_batch_but_never_have_two_in_flight() {
        let t0 = Instant::now();
        let mut b = batcher(4, 0, MAX_PAYLOAD_BYTES);
        b.push(rec("t", 0, 0, 1), false, t0).expect("push");
        b.push(rec("t", 1, 0, 1), false, t0).expect("push");
        b.push(rec("t", 0, 1, 1), false, t0).expect("push");
        let first = b.take_ready(t0).expect("batch");
        assert_eq!(
            offsets(&first),
            vec![(0, 0), (0, 1), (1, 0)],
            "grouped per partition, in order"
        );
        b.push(rec("t", 0, 2, 1), false, t0).expect("push");
        b.push(rec("t", 2, 0, 1), false, t0).expect("push");
        let second = b.take_ready(t0).expect("partition 2 is free");
        assert_eq!(offsets(&second), vec![(2, 0)]);
        assert!(b.take_ready(t0).is_none(), "partition 0 is in flight");
        assert_eq!(b.buffered(&first.partitions[0].tp).records, 1);
        assert!(b.buffered(&first.partitions[0].tp).in_flight);
        b.complete(&first);
        let third = b.take_ready(t0).expect("partition 0 again");
        assert_eq!(offsets(&third), vec![(0, 2)]);
        assert!(third.id > second.id && second.id > first.id);
    }

    #[test]
    fn filtered_entries_move_the_commit_and_can_make_a_commit_only_batch() {
        let t0 = Instant::now();
        let mut b = batcher(10, 0, MAX_PAYLOAD_BYTES);
        b.push(rec("t", 0, 0, 1), false, t0).expect("push");
        b.push(rec("t", 0, 1, 1), true, t0).expect("push");
        b.push(rec("t", 0, 2, 1), true, t0).expect("push");
        let batch = b.take_ready(t0).expect("batch");
        assert_eq!(batch.record_count(), 1);
        assert_eq!(batch.partitions[0].commit_offset, 3);
        assert_eq!(batch.partitions[0].filtered, 2);
        assert_eq!(batch.encoded_bytes, enc().event_len(&batch.records));
        b.complete(&batch);
        b.push(rec("t", 0, 3, 1), true, t0).expect("push");
        let only = b.take_ready(t0).expect("commit-only batch");
        assert!(only.is_commit_only());
        assert_eq!(only.commit_offsets().collect::<Vec<_>>()[0].1, 4);
        assert_eq!(only.encoded_bytes, enc().envelope_len());
    }

    #[test]
    fn filtered_entries_wait_for_the_window() {
        let t0 = Instant::now();
        let mut b = batcher(1, 500, MAX_PAYLOAD_BYTES);
        b.push(rec("t", 0, 0, 1), true, t0).expect("push");
        assert!(
            b.take_ready(t0).is_none(),
            "filtered entries do not fill a batch"
        );
        assert!(b.take_ready(t0 + Duration::from_millis(500)).is_some());
    }

    #[test]
    fn revoke_drops_buffered_entries() {
        let t0 = Instant::now();
        let mut b = batcher(10, 500, MAX_PAYLOAD_BYTES);
        b.push(rec("t", 0, 0, 5), false, t0).expect("push");
        b.push(rec("t", 0, 1, 5), true, t0).expect("push");
        b.push(rec("t", 1, 0, 5), false, t0).expect("push");
        let tp0 = rec("t", 0, 0, 0).topic_partition();
        assert_eq!(b.revoke(std::slice::from_ref(&tp0)), 2);
        assert_eq!(b.buffered_records(), 1);
        assert_eq!(b.buffered(&tp0), Buffered::default());
        // After revoke the partition may start again at any offset.
        b.push(rec("t", 0, 0, 5), false, t0).expect("re-assigned");
        assert_eq!(b.drain().len(), 1);
        assert!(b.is_empty());
    }

    #[test]
    fn rejects_offsets_that_go_back() {
        let t0 = Instant::now();
        let mut b = batcher(10, 500, MAX_PAYLOAD_BYTES);
        b.push(rec("t", 0, 5, 1), false, t0).expect("push");
        assert!(matches!(
            b.push(rec("t", 0, 5, 1), false, t0),
            Err(BatchError::OutOfOrder { last: 5, .. })
        ));
        assert!(b.push(rec("t", 0, 4, 1), true, t0).is_err());
    }

    #[test]
    fn flush_ignores_the_window() {
        let t0 = Instant::now();
        let mut b = batcher(10, 300_000, MAX_PAYLOAD_BYTES);
        b.push(rec("t", 0, 0, 1), false, t0).expect("push");
        assert!(b.take_ready(t0).is_none());
        assert_eq!(b.flush().expect("flush").record_count(), 1);
        assert!(b.flush().is_none());
    }

    #[test]
    fn paused_tokio_clock_drives_the_window() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("runtime");
        rt.block_on(async {
            let mut b = batcher(100, 500, MAX_PAYLOAD_BYTES);
            b.push(
                rec("t", 0, 0, 1),
                false,
                tokio::time::Instant::now().into_std(),
            )
            .expect("push");
            let deadline = b.next_deadline().expect("deadline");
            tokio::time::sleep(Duration::from_millis(499)).await;
            assert!(
                b.take_ready(tokio::time::Instant::now().into_std())
                    .is_none()
            );
            tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)).await;
            assert!(
                b.take_ready(tokio::time::Instant::now().into_std())
                    .is_some()
            );
        });
    }

    proptest! {
        #[test]
        fn every_offset_in_exactly_one_batch_in_order(
            ops in prop::collection::vec((0..3i32, 0..400usize, any::<bool>(), 0..700u64, any::<bool>()), 1..120),
            batch_size in 1..8usize,
            cap in 300..3_000usize,
        ) {
            let e = enc();
            let mut b = Batcher::new(BatchPolicy { batch_size, window: Duration::from_millis(250), max_payload_bytes: cap }, &e);
            let t0 = Instant::now();
            let mut next = [0i64; 3];
            let mut pushed: Vec<(i32, i64)> = vec![];
            let mut seen: Vec<(i32, i64)> = vec![];
            let mut last_commit = [i64::MIN; 3];
            let mut in_flight: Vec<Batch> = vec![];
            let mut now = t0;
            let check = |batch: &Batch, seen: &mut Vec<(i32, i64)>, last_commit: &mut [i64; 3]| -> Result<(), TestCaseError> {
                prop_assert_eq!(batch.encoded_bytes, e.event_len(&batch.records));
                prop_assert!(batch.record_count() <= batch_size);
                if batch.encoded_bytes > cap {
                    prop_assert!(batch.oversize && batch.record_count() == 1);
                }
                for p in &batch.partitions {
                    let i = p.tp.partition as usize;
                    prop_assert!(p.commit_offset > last_commit[i], "commit offsets increase");
                    last_commit[i] = p.commit_offset;
                    for o in p.first_offset..=p.last_offset {
                        seen.push((p.tp.partition, o));
                    }
                }
                Ok(())
            };
            for (p, len, filtered, dt, complete_one) in ops {
                now += Duration::from_millis(dt);
                let o = next[p as usize];
                next[p as usize] += 1;
                b.push(rec("t", p, o, len), filtered, now).expect("in order");
                pushed.push((p, o));
                while let Some(batch) = b.take_ready(now) {
                    for w in batch.records.windows(2) {
                        if w[0].partition == w[1].partition { prop_assert!(w[0].offset < w[1].offset); }
                    }
                    for other in &in_flight {
                        for tp in batch.topic_partitions() {
                            prop_assert!(!other.topic_partitions().any(|x| x == tp), "two batches in flight for a partition");
                        }
                    }
                    check(&batch, &mut seen, &mut last_commit)?;
                    in_flight.push(batch);
                }
                if complete_one && !in_flight.is_empty() {
                    let done = in_flight.remove(0);
                    b.complete(&done);
                }
            }
            loop {
                for done in in_flight.drain(..) { b.complete(&done); }
                let more = b.drain();
                if more.is_empty() { break; }
                for batch in &more { check(batch, &mut seen, &mut last_commit)?; }
                in_flight.extend(more);
            }
            prop_assert!(b.is_empty());
            seen.sort_unstable();
            pushed.sort_unstable();
            prop_assert_eq!(seen, pushed, "every offset in exactly one batch");
        }
    }
}
