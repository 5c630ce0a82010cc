//! The one record type every stage shares: what the consumer copies out of librdkafka, what the
//! batcher queues, what the event encoder writes and what destinations forward.

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

/// One Kafka record header. Duplicate keys are kept, in order, as Kafka keeps them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The header key (UTF-8; librdkafka rejects others).
    pub key: String,
    /// The value bytes; `None` for a null header value.
    pub value: Option<Vec<u8>>,
}

/// One consumed Kafka record, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// The key; `None` when the record has a null key (Lambda then omits `key`).
    pub key: Option<Vec<u8>>,
    /// The value; `None` for a null value (a tombstone; Lambda then omits `value`).
    pub value: Option<Vec<u8>>,
    /// Headers in record order.
    pub headers: Vec<Header>,
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

impl Record {
    /// The record's topic and partition.
    pub fn topic_partition(&self) -> TopicPartition {
        TopicPartition {
            topic: Arc::clone(&self.topic),
            partition: self.partition,
        }
    }
}
