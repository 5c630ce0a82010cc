//! The one record type every stage shares: what the consumer copies out of librdkafka, what the
//! batcher queues, what the event encoder writes and what destinations forward.
//!
//! A record's bytes (key, value, header keys and values) live in **one** allocation: the consumer
//! copies each record out of librdkafka once, and the hot path pays one `malloc`/`free` per record
//! instead of one per field (see `docs/runtime.md`, benchmark).

use std::fmt;
use std::sync::Arc;

/// How the broker stamped [`Record::timestamp`], named as Lambda names it in the event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum TimestampType {
    /// The producer's clock (`CREATE_TIME`).
    #[default]
    CreateTime,
    /// The broker's clock when it appended the record (`LOG_APPEND_TIME`).
    LogAppendTime,
    /// No timestamp (`NO_TIMESTAMP_TYPE`; Kafka < 0.10 message formats).
    NoTimestamp,
}

impl TimestampType {
    /// The string Lambda puts in `timestampType`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreateTime => "CREATE_TIME",
            Self::LogAppendTime => "LOG_APPEND_TIME",
            Self::NoTimestamp => "NO_TIMESTAMP_TYPE",
        }
    }
}

/// One Kafka record header, borrowed from a [`Record`] (or given to [`Record::new`]). Duplicate
/// keys are kept, in order, as Kafka keeps them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// The header key (UTF-8; librdkafka rejects others).
    pub key: &'a str,
    /// The value bytes; `None` for a null header value.
    pub value: Option<&'a [u8]>,
}

/// One consumed Kafka record, owned.
///
/// ```
/// use std::sync::Arc;
/// use mskgate_runtime::{Header, Record, TimestampType};
///
/// let r = Record::new(Arc::from("orders"), 0, 7, None, Some(b"hi"),
///     [Header { key: "trace", value: Some(b"1") }])
///     .with_timestamp(1_700_000_000_000, TimestampType::CreateTime);
/// assert_eq!(r.value(), Some(&b"hi"[..]));
/// assert_eq!(r.key(), None);
/// assert_eq!(r.headers().collect::<Vec<_>>(), [Header { key: "trace", value: Some(b"1") }]);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Record {
    /// Topic name, shared between the records of one topic.
    pub topic: Arc<str>,
    /// Partition number.
    pub partition: i32,
    /// Offset within the partition.
    pub offset: i64,
    /// Milliseconds since the Unix epoch (`-1` when the broker has none).
    pub timestamp: i64,
    /// What [`Record::timestamp`] means.
    pub timestamp_type: TimestampType,
    /// Key bytes, then value bytes, then each header as `key length (u32 LE), key, value length
    /// (u32 LE, `u32::MAX` for null), value`.
    data: Box<[u8]>,
    /// Length of the key at the start of `data`; `None` for a null key.
    key_len: Option<u32>,
    /// Length of the value after the key; `None` for a null value.
    value_len: Option<u32>,
}

/// Marks a null header value in [`Record`]'s byte layout.
const NULL_LEN: u32 = u32::MAX;

impl Record {
    /// A record with these contents, stamped [`TimestampType::NoTimestamp`] (`-1`); set the
    /// broker's timestamp with [`Record::with_timestamp`].
    ///
    /// Keys, values and headers longer than 4 GiB cannot come from Kafka (its records are far
    /// smaller); such a field is cut at 4 GiB − 2 bytes rather than wrapping.
    pub fn new<'h, H>(
        topic: Arc<str>,
        partition: i32,
        offset: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: H,
    ) -> Self
    where
        H: IntoIterator<Item = Header<'h>>,
        H::IntoIter: Clone,
    {
        let headers = headers.into_iter();
        let key = key.map(clamp);
        let value = value.map(clamp);
        let header_bytes: usize = headers
            .clone()
            .map(|h| 8 + clamp(h.key.as_bytes()).len() + h.value.map_or(0, |v| clamp(v).len()))
            .sum();
        let mut data = Vec::with_capacity(
            key.map_or(0, <[u8]>::len) + value.map_or(0, <[u8]>::len) + header_bytes,
        );
        data.extend_from_slice(key.unwrap_or_default());
        data.extend_from_slice(value.unwrap_or_default());
        for h in headers {
            let k = clamp(h.key.as_bytes());
            data.extend_from_slice(&len_u32(k).to_le_bytes());
            data.extend_from_slice(k);
            match h.value.map(clamp) {
                Some(v) => {
                    data.extend_from_slice(&len_u32(v).to_le_bytes());
                    data.extend_from_slice(v);
                }
                None => data.extend_from_slice(&NULL_LEN.to_le_bytes()),
            }
        }
        Self {
            topic,
            partition,
            offset,
            timestamp: -1,
            timestamp_type: TimestampType::NoTimestamp,
            data: data.into_boxed_slice(),
            key_len: key.map(len_u32),
            value_len: value.map(len_u32),
        }
    }

    /// The same record with this timestamp.
    #[must_use]
    pub fn with_timestamp(mut self, timestamp: i64, timestamp_type: TimestampType) -> Self {
        self.timestamp = timestamp;
        self.timestamp_type = timestamp_type;
        self
    }

    /// The same record with other contents (topic, partition, offset and timestamp kept).
    #[must_use]
    pub fn with_contents<'h, H>(self, key: Option<&[u8]>, value: Option<&[u8]>, headers: H) -> Self
    where
        H: IntoIterator<Item = Header<'h>>,
        H::IntoIter: Clone,
    {
        let (timestamp, timestamp_type) = (self.timestamp, self.timestamp_type);
        Self::new(self.topic, self.partition, self.offset, key, value, headers)
            .with_timestamp(timestamp, timestamp_type)
    }

    /// The key; `None` when the record has a null key (Lambda then omits `key`).
    pub fn key(&self) -> Option<&[u8]> {
        let k = self.key_len? as usize;
        self.data.get(..k)
    }

    /// The value; `None` for a null value (a tombstone; Lambda then omits `value`).
    pub fn value(&self) -> Option<&[u8]> {
        let v = self.value_len? as usize;
        let k = self.key_len.unwrap_or(0) as usize;
        self.data.get(k..k + v)
    }

    /// Headers in record order.
    pub fn headers(&self) -> Headers<'_> {
        let start = self.key_len.unwrap_or(0) as usize + self.value_len.unwrap_or(0) as usize;
        Headers {
            rest: self.data.get(start..).unwrap_or_default(),
        }
    }

    /// The record's topic and partition.
    pub fn topic_partition(&self) -> TopicPartition {
        TopicPartition {
            topic: Arc::clone(&self.topic),
            partition: self.partition,
        }
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("topic", &self.topic)
            .field("partition", &self.partition)
            .field("offset", &self.offset)
            .field("timestamp", &self.timestamp)
            .field("timestamp_type", &self.timestamp_type)
            .field("key", &self.key())
            .field("value", &self.value())
            .field("headers", &self.headers().collect::<Vec<_>>())
            .finish()
    }
}

/// The headers of a [`Record`], in order ([`Record::headers`]).
#[derive(Clone, Debug)]
pub struct Headers<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Headers<'a> {
    type Item = Header<'a>;

    fn next(&mut self) -> Option<Header<'a>> {
        let (key, rest) = take_field(self.rest)?;
        let (value, rest) = take_field(rest)?;
        self.rest = rest;
        // Keys were written from a `&str`, so they are UTF-8.
        Some(Header {
            key: std::str::from_utf8(key?).unwrap_or_default(),
            value,
        })
    }
}

/// Splits a length-prefixed field off `bytes`: `Some((None, rest))` for a null field, `None` at
/// the end.
fn take_field(bytes: &[u8]) -> Option<(Option<&[u8]>, &[u8])> {
    let (len, rest) = bytes.split_first_chunk::<4>()?;
    let len = u32::from_le_bytes(*len);
    if len == NULL_LEN {
        return Some((None, rest));
    }
    let (field, rest) = rest.split_at_checked(len as usize)?;
    Some((Some(field), rest))
}

/// `bytes`, at most `u32::MAX - 1` long (the layout's lengths are `u32`; `u32::MAX` marks null).
fn clamp(bytes: &[u8]) -> &[u8] {
    &bytes[..bytes.len().min((NULL_LEN - 1) as usize)]
}

fn len_u32(bytes: &[u8]) -> u32 {
    u32::try_from(bytes.len()).unwrap_or(NULL_LEN - 1)
}

/// A topic and partition, the unit of ordering and of offset commits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    /// Topic name.
    pub topic: Arc<str>,
    /// Partition number.
    pub partition: i32,
}

impl TopicPartition {
    /// Lambda's key for this partition in the event's `records` map: `"<topic>-<partition>"`.
    pub fn event_key(&self) -> String {
        format!("{}-{}", self.topic, self.partition)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn null_and_empty_fields_stay_distinct() {
        let r = Record::new(
            Arc::from("t"),
            1,
            2,
            Some(b""),
            None,
            [
                Header {
                    key: "",
                    value: None,
                },
                Header {
                    key: "e",
                    value: Some(b""),
                },
            ],
        );
        assert_eq!(r.key(), Some(&b""[..]));
        assert_eq!(r.value(), None);
        let hs: Vec<_> = r.headers().collect();
        assert_eq!(
            hs,
            [
                Header {
                    key: "",
                    value: None
                },
                Header {
                    key: "e",
                    value: Some(&b""[..])
                }
            ]
        );
        assert_eq!(
            (r.timestamp, r.timestamp_type),
            (-1, TimestampType::NoTimestamp)
        );
    }

    #[test]
    fn debug_shows_fields_not_the_layout() {
        let r = Record::new(Arc::from("t"), 0, 0, Some(b"k"), Some(b"v"), []);
        let d = format!("{r:?}");
        assert!(d.contains("key: Some([107])"), "{d}");
        assert!(d.contains("value: Some([118])"), "{d}");
    }

    proptest! {
        #[test]
        fn fields_round_trip(
            key in prop::option::of(prop::collection::vec(any::<u8>(), 0..40)),
            value in prop::option::of(prop::collection::vec(any::<u8>(), 0..200)),
            headers in prop::collection::vec(
                ("\\PC{0,8}", prop::option::of(prop::collection::vec(any::<u8>(), 0..20))),
                0..6,
            ),
        ) {
            let given: Vec<Header<'_>> = headers
                .iter()
                .map(|(k, v)| Header { key: k, value: v.as_deref() })
                .collect();
            let r = Record::new(Arc::from("t"), 3, 9, key.as_deref(), value.as_deref(), given.iter().copied())
                .with_timestamp(5, TimestampType::LogAppendTime);
            prop_assert_eq!(r.key(), key.as_deref());
            prop_assert_eq!(r.value(), value.as_deref());
            prop_assert_eq!(r.headers().collect::<Vec<_>>(), given);
            let again = r.clone().with_contents(r.key(), r.value(), r.headers());
            prop_assert_eq!(again, r);
        }
    }
}
