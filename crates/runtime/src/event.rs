//! Lambda's Kafka event JSON, written straight into a byte buffer.
//!
//! The shape is the one Lambda sends for Amazon MSK (`"eventSource":"aws:kafka"` with
//! `eventSourceArn`) and for self-managed Kafka (`"eventSource":"SelfManagedKafka"`, no ARN):
//!
//! ```json
//! {"eventSource":"aws:kafka","eventSourceArn":"arn:…","bootstrapServers":"b-1:9098,b-2:9098",
//!  "records":{"mytopic-0":[{"topic":"mytopic","partition":0,"offset":15,
//!   "timestamp":1545084650987,"timestampType":"CREATE_TIME","key":"<base64>","value":"<base64>",
//!   "headers":[{"headerKey":[104,-61,-85]}]}]}}
//! ```
//!
//! - `records` is keyed `"<topic>-<partition>"`; each partition's records keep their order.
//! - `key` and `value` are standard base64 (with padding) and are **omitted** when null.
//! - Header values are arrays of *signed* bytes (Java's `byte`, −128..127); duplicate header keys
//!   stay as separate single-key objects, in record order; a header with a null value is written
//!   as an empty object `{}` (what Lambda sends; see `docs/runtime.md`).
//!
//! No `serde_json::Value`, no per-record allocation: [`EventEncoder`] precomputes the envelope,
//! and [`EventEncoder::record_len`] gives the exact size of a record's JSON so the batcher can
//! stay under Lambda's 6 MB payload cap byte for byte.
//!
//! ```
//! use std::sync::Arc;
//! use mskgate_runtime::event::{EventEncoder, EventSource};
//! use mskgate_runtime::{Record, TimestampType};
//!
//! let enc = EventEncoder::new(EventSource::SelfManaged, &["b1:9092".to_owned()]);
//! let record = Record::new(Arc::from("orders"), 0, 7, None, Some(b"hi"), [])
//!     .with_timestamp(1, TimestampType::CreateTime);
//! let json = enc.encode(&[&record]);
//! assert_eq!(json.len(), enc.event_len(&[&record]));
//! assert!(json.starts_with(br#"{"eventSource":"SelfManagedKafka","bootstrapServers":"b1:9092""#));
//! ```

use std::borrow::Borrow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::record::{Record, TopicPartition};

/// Lambda's synchronous invocation payload limit, which caps an event: 6 MB (6,291,456 bytes).
pub const MAX_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;

/// Which kind of event source the event names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventSource {
    /// Amazon MSK: `"eventSource":"aws:kafka"` and the cluster's `eventSourceArn`.
    Msk {
        /// The MSK cluster ARN Lambda puts in `eventSourceArn`.
        event_source_arn: String,
    },
    /// Self-managed Apache Kafka: `"eventSource":"SelfManagedKafka"`, no ARN.
    SelfManaged,
}

/// Writes Lambda Kafka events. Cheap to share: the envelope is computed once.
#[derive(Clone, Debug)]
pub struct EventEncoder {
    /// `{"eventSource":…,"records":{`
    prefix: Vec<u8>,
}

/// The bytes that close the envelope: the `records` object and the event object.
const SUFFIX: &[u8] = b"}}";

impl EventEncoder {
    /// An encoder for events from `source`, listing `bootstrap_servers` comma-separated as
    /// Lambda does.
    pub fn new(source: EventSource, bootstrap_servers: &[String]) -> Self {
        let mut prefix = Vec::with_capacity(256);
        prefix.extend_from_slice(b"{\"eventSource\":");
        match &source {
            EventSource::Msk { event_source_arn } => {
                prefix.extend_from_slice(b"\"aws:kafka\",\"eventSourceArn\":");
                write_json_str(&mut prefix, event_source_arn);
            }
            EventSource::SelfManaged => prefix.extend_from_slice(b"\"SelfManagedKafka\""),
        }
        prefix.extend_from_slice(b",\"bootstrapServers\":");
        write_json_str(&mut prefix, &bootstrap_servers.join(","));
        prefix.extend_from_slice(b",\"records\":{");
        Self { prefix }
    }

    /// Bytes of an event with no records: everything but the partitions and records.
    pub fn envelope_len(&self) -> usize {
        self.prefix.len() + SUFFIX.len()
    }

    /// Bytes a partition adds to an event besides its records and separators:
    /// `"<topic>-<partition>":[]`.
    pub fn partition_overhead(tp: &TopicPartition) -> usize {
        partition_overhead(&tp.topic, tp.partition)
    }

    /// Exact bytes of `record`'s JSON object in an event.
    pub fn record_len(record: &Record) -> usize {
        Self::record_len_with_topic(record, json_str_content_len(&record.topic))
    }

    /// [`EventEncoder::record_len`] with the escaped length of the record's topic (without
    /// quotes) already known: the batcher computes it once per partition, not once per record.
    pub(crate) fn record_len_with_topic(record: &Record, topic_len: usize) -> usize {
        let mut n = b"{\"topic\":".len() + topic_len + 2;
        n += b",\"partition\":".len() + int_len(i64::from(record.partition));
        n += b",\"offset\":".len() + int_len(record.offset);
        n += b",\"timestamp\":".len() + int_len(record.timestamp);
        n += b",\"timestampType\":".len() + record.timestamp_type.as_str().len() + 2;
        if let Some(key) = record.key() {
            n += b",\"key\":".len() + base64_len(key.len()) + 2;
        }
        if let Some(value) = record.value() {
            n += b",\"value\":".len() + base64_len(value.len()) + 2;
        }
        n += b",\"headers\":[".len();
        for (i, h) in record.headers().enumerate() {
            if i > 0 {
                n += 1;
            }
            n += match h.value {
                // {"<key>":[…]}: braces, colon, brackets
                Some(v) => {
                    let bytes: usize = v.iter().map(|&b| SIGNED[usize::from(b)].1 as usize).sum();
                    let commas = v.len().saturating_sub(1);
                    json_str_content_len(h.key) + 2 + 5 + bytes + commas
                }
                None => 2,
            };
        }
        n + 2 // "]}"
    }

    /// Exact bytes of the event [`EventEncoder::encode`] writes for `records`: the envelope, one
    /// [`EventEncoder::partition_overhead`] per distinct partition, every
    /// [`EventEncoder::record_len`], and `records.len() - 1` commas.
    pub fn event_len<R: Borrow<Record>>(&self, records: &[R]) -> usize {
        let mut seen: Vec<(&str, i32)> = Vec::new();
        let mut n = self.envelope_len();
        for r in records {
            let r = r.borrow();
            if !seen
                .iter()
                .any(|(t, p)| *t == &*r.topic && *p == r.partition)
            {
                seen.push((&r.topic, r.partition));
                n += partition_overhead(&r.topic, r.partition);
            }
            n += Self::record_len(r);
        }
        n + records.len().saturating_sub(1)
    }

    /// The event for `records`, grouped by topic-partition in order of first appearance, each
    /// partition's records in the order given.
    pub fn encode<R: Borrow<Record>>(&self, records: &[R]) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(records, &mut out);
        out
    }

    /// Appends the event for `records` to `out` (reuse `out` between batches to avoid
    /// allocating).
    pub fn encode_into<R: Borrow<Record>>(&self, records: &[R], out: &mut Vec<u8>) {
        out.reserve(self.prefix.len() + records.len() * 160);
        let mut topic = TopicJson::default();
        out.extend_from_slice(&self.prefix);
        if is_grouped(records) {
            let mut prev: Option<&Record> = None;
            for r in records {
                let r = r.borrow();
                match prev {
                    Some(p) if p.partition == r.partition && p.topic == r.topic => out.push(b','),
                    Some(_) => {
                        out.extend_from_slice(b"],");
                        write_partition_key(out, r);
                    }
                    None => write_partition_key(out, r),
                }
                write_record(out, r, topic.get(&r.topic));
                prev = Some(r);
            }
            if prev.is_some() {
                out.push(b']');
            }
        } else {
            // Partitions interleave: list each partition's records in the given order.
            let mut order: Vec<usize> = Vec::with_capacity(records.len());
            let mut groups: Vec<(&str, i32)> = Vec::new();
            let mut group_of: Vec<usize> = Vec::with_capacity(records.len());
            for r in records {
                let r = r.borrow();
                let g = match groups
                    .iter()
                    .position(|(t, p)| *t == &*r.topic && *p == r.partition)
                {
                    Some(g) => g,
                    None => {
                        groups.push((&r.topic, r.partition));
                        groups.len() - 1
                    }
                };
                group_of.push(g);
            }
            for g in 0..groups.len() {
                order.extend((0..records.len()).filter(|&i| group_of[i] == g));
            }
            let mut prev_group = None;
            for i in order {
                let r = records[i].borrow();
                let g = group_of[i];
                match prev_group {
                    Some(p) if p == g => out.push(b','),
                    Some(_) => {
                        out.extend_from_slice(b"],");
                        write_partition_key(out, r);
                    }
                    None => write_partition_key(out, r),
                }
                write_record(out, r, topic.get(&r.topic));
                prev_group = Some(g);
            }
            if prev_group.is_some() {
                out.push(b']');
            }
        }
        out.extend_from_slice(SUFFIX);
    }
}

/// `"<topic>-<partition>":[]`: quotes, '-', ':', '[' and ']' around the escaped topic and number.
fn partition_overhead(topic: &str, partition: i32) -> usize {
    json_str_content_len(topic) + int_len(i64::from(partition)) + 6
}

/// Whether each partition's records form one contiguous run (the batcher's output does).
fn is_grouped<R: Borrow<Record>>(records: &[R]) -> bool {
    let mut seen: Vec<(&str, i32)> = Vec::new();
    let mut prev: Option<(&str, i32)> = None;
    for r in records {
        let r = r.borrow();
        let cur = (&*r.topic, r.partition);
        if prev != Some(cur) {
            if seen.contains(&cur) {
                return false;
            }
            seen.push(cur);
            prev = Some(cur);
        }
    }
    true
}

fn write_partition_key(out: &mut Vec<u8>, r: &Record) {
    out.push(b'"');
    write_json_str_content(out, &r.topic);
    out.push(b'-');
    write_int(out, i64::from(r.partition));
    out.extend_from_slice(b"\":[");
}

/// The topic as a JSON string (quotes included), escaped once for a run of records of one topic
/// rather than once per record.
#[derive(Default)]
struct TopicJson<'a> {
    topic: Option<&'a str>,
    json: Vec<u8>,
}

impl<'a> TopicJson<'a> {
    fn get(&mut self, topic: &'a str) -> &[u8] {
        if self.topic != Some(topic) {
            self.json.clear();
            write_json_str(&mut self.json, topic);
            self.topic = Some(topic);
        }
        &self.json
    }
}

/// Writes `r`'s JSON object; `topic` is [`TopicJson::get`] of its topic.
fn write_record(out: &mut Vec<u8>, r: &Record, topic: &[u8]) {
    out.extend_from_slice(b"{\"topic\":");
    out.extend_from_slice(topic);
    out.extend_from_slice(b",\"partition\":");
    write_int(out, i64::from(r.partition));
    out.extend_from_slice(b",\"offset\":");
    write_int(out, r.offset);
    out.extend_from_slice(b",\"timestamp\":");
    write_int(out, r.timestamp);
    out.extend_from_slice(b",\"timestampType\":\"");
    out.extend_from_slice(r.timestamp_type.as_str().as_bytes());
    out.push(b'"');
    if let Some(key) = r.key() {
        out.extend_from_slice(b",\"key\":\"");
        write_base64(out, key);
        out.push(b'"');
    }
    if let Some(value) = r.value() {
        out.extend_from_slice(b",\"value\":\"");
        write_base64(out, value);
        out.push(b'"');
    }
    out.extend_from_slice(b",\"headers\":[");
    for (i, h) in r.headers().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match h.value {
            Some(v) => {
                out.push(b'{');
                write_json_str(out, h.key);
                out.extend_from_slice(b":[");
                write_signed_bytes(out, v);
                out.extend_from_slice(b"]}");
            }
            None => out.extend_from_slice(b"{}"),
        }
    }
    out.extend_from_slice(b"]}");
}

/// Writes `bytes` as comma-separated signed decimals. Hot (every header byte becomes up to five
/// characters), so digits go through a stack buffer in fixed-size copies.
fn write_signed_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut buf = [0u8; 512];
    let mut pos = 0;
    for &b in bytes {
        if pos > buf.len() - 8 {
            out.extend_from_slice(&buf[..pos]);
            pos = 0;
        }
        let (digits, len) = &SIGNED_COMMA[usize::from(b)];
        buf[pos..pos + 8].copy_from_slice(digits);
        pos += usize::from(*len);
    }
    // Drop the trailing comma.
    out.extend_from_slice(&buf[..pos.saturating_sub(1)]);
}

/// [`SIGNED`] with a comma after the digits, padded to 8 bytes for fixed-size copies.
static SIGNED_COMMA: [([u8; 8], u8); 256] = signed_comma_table();

const fn signed_comma_table() -> [([u8; 8], u8); 256] {
    let mut t = [([0u8; 8], 0u8); 256];
    let mut i = 0;
    while i < 256 {
        let (d, len) = SIGNED_TABLE[i];
        let mut out = [0u8; 8];
        let mut j = 0;
        while j < len as usize {
            out[j] = d[j];
            j += 1;
        }
        out[j] = b',';
        t[i] = (out, len + 1);
        i += 1;
    }
    t
}

fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

fn write_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    let start = out.len();
    out.resize(start + base64_len(bytes.len()), 0);
    // The slice is exactly the padded encoded length, so encoding cannot run out of room.
    let written = STANDARD.encode_slice(bytes, &mut out[start..]).unwrap_or(0);
    out.truncate(start + written);
}

/// Decimal digits of every byte read as a signed Java byte, indexed by the unsigned byte.
static SIGNED: [([u8; 4], u8); 256] = SIGNED_TABLE;
const SIGNED_TABLE: [([u8; 4], u8); 256] = signed_table();

const fn signed_table() -> [([u8; 4], u8); 256] {
    let mut t = [([0u8; 4], 0u8); 256];
    let mut i = 0;
    while i < 256 {
        let v = i as u8 as i8 as i16;
        let mut digits = [0u8; 4];
        let mut len = 0;
        let mut m = if v < 0 {
            digits[0] = b'-';
            len = 1;
            -v
        } else {
            v
        };
        let start = len;
        // write digits reversed, then flip
        loop {
            digits[len] = b'0' + (m % 10) as u8;
            len += 1;
            m /= 10;
            if m == 0 {
                break;
            }
        }
        let (mut a, mut b) = (start, len - 1);
        while a < b {
            let tmp = digits[a];
            digits[a] = digits[b];
            digits[b] = tmp;
            a += 1;
            b -= 1;
        }
        t[i] = (digits, len as u8);
        i += 1;
    }
    t
}

/// Decimal length of `v`.
fn int_len(v: i64) -> usize {
    let digits = v
        .unsigned_abs()
        .checked_ilog10()
        .map_or(1, |d| d as usize + 1);
    digits + usize::from(v < 0)
}

fn write_int(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut m = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

/// Whether byte `b` needs escaping inside a JSON string.
#[inline]
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Length of `s` escaped, without the quotes.
pub(crate) fn json_str_content_len(s: &str) -> usize {
    s.bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            b if b < 0x20 => 6,
            _ => 1,
        })
        .sum()
}

/// Writes `s` as a JSON string, quotes included.
pub(crate) fn write_json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    write_json_str_content(out, s);
    out.push(b'"');
}

/// Writes `s` escaped for a JSON string, without quotes. Non-ASCII passes through as UTF-8.
pub(crate) fn write_json_str_content(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !needs_escape(b) {
            continue;
        }
        out.extend_from_slice(&bytes[run..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]),
        }
        run = i + 1;
    }
    out.extend_from_slice(&bytes[run..]);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::*;
    use crate::record::{Header, TimestampType};

    fn rec(topic: &str, partition: i32, offset: i64) -> Record {
        Record::new(
            Arc::from(topic),
            partition,
            offset,
            Some(b"recordKey"),
            Some(br#"{"key":"value"}"#),
            [Header {
                key: "headerKey",
                value: Some(b"headerValue"),
            }],
        )
        .with_timestamp(1_545_084_650_987, TimestampType::CreateTime)
    }

    fn msk() -> EventEncoder {
        EventEncoder::new(
            EventSource::Msk {
                event_source_arn: "arn:aws:kafka:us-east-1:0123456789019:cluster/SalesCluster/abcd1234-abcd-cafe-abab-9876543210ab-4".into(),
            },
            &[
                "b-2.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092".into(),
                "b-1.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092".into(),
            ],
        )
    }

    #[test]
    fn matches_the_powertools_msk_example_byte_for_byte() {
        // tests/events/kafkaEventMsk.json of powertools-lambda-python, whitespace removed.
        let expected = concat!(
            r#"{"eventSource":"aws:kafka","eventSourceArn":"arn:aws:kafka:us-east-1:0123456789019:cluster/SalesCluster/abcd1234-abcd-cafe-abab-9876543210ab-4","#,
            r#""bootstrapServers":"b-2.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092,b-1.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092","#,
            r#""records":{"mytopic-0":[{"topic":"mytopic","partition":0,"offset":15,"timestamp":1545084650987,"#,
            r#""timestampType":"CREATE_TIME","key":"cmVjb3JkS2V5","value":"eyJrZXkiOiJ2YWx1ZSJ9","#,
            r#""headers":[{"headerKey":[104,101,97,100,101,114,86,97,108,117,101]}]}]}}"#
        );
        let r = rec("mytopic", 0, 15);
        let out = msk().encode(&[&r]);
        assert_eq!(String::from_utf8(out).expect("utf-8"), expected);
    }

    #[test]
    fn omits_null_key_and_value_and_writes_null_header_as_empty_object() {
        let r = rec("t", 3, 0).with_contents(
            None,
            None,
            [
                Header {
                    key: "a",
                    value: None,
                },
                Header {
                    key: "a",
                    value: Some(&[0x80, 0xff, 0x7f, 0]),
                },
            ],
        );
        let out = String::from_utf8(EventEncoder::new(EventSource::SelfManaged, &[]).encode(&[&r]))
            .expect("utf-8");
        assert!(!out.contains("\"key\""), "{out}");
        assert!(!out.contains("\"value\""), "{out}");
        assert!(
            out.contains(r#""headers":[{},{"a":[-128,-1,127,0]}]"#),
            "{out}"
        );
    }

    #[test]
    fn signed_table_is_java_bytes() {
        for b in 0..=255u8 {
            let (d, n) = SIGNED[usize::from(b)];
            let s = std::str::from_utf8(&d[..usize::from(n)]).expect("ascii");
            assert_eq!(s, (b as i8).to_string());
        }
    }

    #[test]
    fn groups_interleaved_partitions_in_first_appearance_order() {
        let a0 = rec("a", 0, 1);
        let b0 = rec("b", 0, 5);
        let a1 = rec("a", 0, 2);
        let enc = msk();
        let out = enc.encode(&[&a0, &b0, &a1]);
        let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
        let a = v["records"]["a-0"].as_array().expect("a-0");
        assert_eq!(a.len(), 2);
        assert_eq!(a[0]["offset"], 1);
        assert_eq!(a[1]["offset"], 2);
        assert_eq!(v["records"]["b-0"][0]["offset"], 5);
        assert_eq!(out.len(), enc.event_len(&[&a0, &b0, &a1]));
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.find("\"a-0\"") < text.find("\"b-0\""));
    }

    #[test]
    fn empty_event_is_the_envelope() {
        let enc = msk();
        let none: [&Record; 0] = [];
        let out = enc.encode(&none);
        assert_eq!(out.len(), enc.envelope_len());
        let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
        assert!(v["records"].as_object().expect("records").is_empty());
    }

    #[test]
    fn int_helpers_agree_with_std() {
        for v in [
            0,
            9,
            10,
            -1,
            -10,
            99,
            100,
            i64::MAX,
            i64::MIN,
            1_545_084_650_987,
        ] {
            let mut out = Vec::new();
            write_int(&mut out, v);
            assert_eq!(String::from_utf8(out).expect("ascii"), v.to_string());
            assert_eq!(int_len(v), v.to_string().len());
        }
    }

    fn arb_record() -> impl Strategy<Value = Record> {
        (
            "\\PC{0,12}|[\"\\\\\u{0}-\u{1f}a-]{0,6}",
            any::<i32>(),
            any::<i64>(),
            any::<i64>(),
            prop::option::of(prop::collection::vec(any::<u8>(), 0..20)),
            prop::option::of(prop::collection::vec(any::<u8>(), 0..40)),
            prop::collection::vec(
                (
                    "\\PC{0,6}|[\"\\\\\u{0}-\u{1f}]{0,3}",
                    prop::option::of(prop::collection::vec(any::<u8>(), 0..8)),
                ),
                0..4,
            ),
            0..3u8,
        )
            .prop_map(
                |(topic, partition, offset, timestamp, key, value, headers, tt)| {
                    Record::new(
                        Arc::from(topic.as_str()),
                        partition,
                        offset,
                        key.as_deref(),
                        value.as_deref(),
                        headers.iter().map(|(key, value)| Header {
                            key,
                            value: value.as_deref(),
                        }),
                    )
                    .with_timestamp(
                        timestamp,
                        [
                            TimestampType::CreateTime,
                            TimestampType::LogAppendTime,
                            TimestampType::NoTimestamp,
                        ][usize::from(tt)],
                    )
                },
            )
    }

    proptest! {
        #[test]
        fn escaper_round_trips_through_serde_json(s in "\\PC*|[\u{0}-\u{7f}]*") {
            let mut out = Vec::new();
            write_json_str(&mut out, &s);
            prop_assert_eq!(out.len(), json_str_content_len(&s) + 2);
            let back: String = serde_json::from_slice(&out).expect("valid JSON string");
            prop_assert_eq!(back, s);
        }

        #[test]
        fn events_parse_and_lengths_are_exact(records in prop::collection::vec(arb_record(), 0..6)) {
            let enc = msk();
            let out = enc.encode(&records);
            prop_assert_eq!(out.len(), enc.event_len(&records));
            let v: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
            let map = v["records"].as_object().expect("records object");
            let total: usize = map.values().map(|l| l.as_array().map_or(0, Vec::len)).sum();
            prop_assert_eq!(total, records.len());
            for r in &records {
                let one = enc.encode(&[r]);
                let v: serde_json::Value = serde_json::from_slice(&one).expect("valid JSON");
                let key = r.topic_partition().event_key();
                let obj = &v["records"][key.as_str()][0];
                prop_assert_eq!(serde_json::to_vec(obj).expect("ser").len(), EventEncoder::record_len(r));
                prop_assert_eq!(obj["topic"].as_str(), Some(&*r.topic));
                prop_assert_eq!(obj["offset"].as_i64(), Some(r.offset));
            }
        }
    }
}
