//! The handler's partial batch response (`FunctionResponseTypes: ["ReportBatchItemFailures"]`).
//!
//! For Kafka the item identifier is an object naming the record's partition key and offset:
//!
//! ```json
//! {"batchItemFailures":[{"itemIdentifier":{"partition":"mytopic-0","offset":15}}]}
//! ```
//!
//! The rules (Lambda's documented rules for stream sources, applied to Kafka; see
//! `docs/runtime.md`):
//!
//! - **success** — an empty body, `null`, an object without `batchItemFailures`, or a
//!   `batchItemFailures` that is `null` or `[]`;
//! - **partial failure** — for each partition named, the records from the lowest failed offset
//!   on are retried; the records before it, and every record of partitions not named, succeeded;
//! - **the whole batch failed** — malformed JSON, a body that is not an object, a
//!   `batchItemFailures` that is not a list, or any item whose identifier is missing, empty, not
//!   `"<topic>-<partition>"` plus an integer offset, or names a record that was not in the
//!   invocation.
//!
//! The partition key is split at its **last** `-`, so topics containing `-` work. Errors say
//! which item is wrong and how, never what the body contained (it is user data).
//!
//! ```
//! use mskgate_runtime::response::parse;
//! let r = parse(br#"{"batchItemFailures":[{"itemIdentifier":{"partition":"my-topic-3","offset":42}}]}"#).unwrap();
//! assert_eq!(r.failures[0].topic, "my-topic");
//! assert_eq!(r.failures[0].partition, 3);
//! assert_eq!(r.failures[0].offset, 42);
//! assert!(parse(b"").unwrap().is_success());
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::record::{Record, TopicPartition};

/// One failed record the handler reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemFailure {
    /// Topic, from the part of `partition` before its last `-`.
    pub topic: String,
    /// Partition number, from the part after the last `-`.
    pub partition: i32,
    /// The failed record's offset.
    pub offset: i64,
}

/// A parsed partial batch response.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchResponse {
    /// Reported failures, in the order given (duplicates kept).
    pub failures: Vec<ItemFailure>,
}

/// What is wrong with an item of `batchItemFailures`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ItemProblem {
    /// The item is not an object.
    NotAnObject,
    /// `itemIdentifier` is missing or `null`.
    MissingIdentifier,
    /// `itemIdentifier` is not an object with `partition` and `offset` (a string identifier,
    /// as SQS and Kinesis use, is not accepted for Kafka).
    IdentifierNotAnObject,
    /// `partition` is missing, empty or not a string.
    MissingPartition,
    /// `partition` is not `"<topic>-<partition number>"`.
    BadPartition,
    /// `offset` is missing or not a non-negative integer.
    BadOffset,
}

impl std::fmt::Display for ItemProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NotAnObject => "is not an object",
            Self::MissingIdentifier => "has no itemIdentifier",
            Self::IdentifierNotAnObject => {
                "has an itemIdentifier that is not an object {\"partition\", \"offset\"}"
            }
            Self::MissingPartition => "has no partition string in its itemIdentifier",
            Self::BadPartition => "has a partition that is not \"<topic>-<partition number>\"",
            Self::BadOffset => "has an offset that is not a non-negative integer",
        })
    }
}

/// Why a response means the whole batch failed. Never quotes the body.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// Not JSON.
    #[error("the batch response is not valid JSON (line {line}, column {column})")]
    Malformed {
        /// Line of the syntax error (1-based).
        line: usize,
        /// Column of the syntax error (1-based).
        column: usize,
    },
    /// JSON, but not an object (nor `null`).
    #[error("the batch response is not a JSON object")]
    NotAnObject,
    /// `batchItemFailures` is neither a list nor `null`.
    #[error("batchItemFailures is not a list")]
    FailuresNotAList,
    /// An item is malformed.
    #[error("batchItemFailures[{index}] {problem}")]
    Item {
        /// Index in `batchItemFailures`.
        index: usize,
        /// What is wrong.
        problem: ItemProblem,
    },
    /// An item names a record that was not in the invocation.
    #[error(
        "batchItemFailures[{index}] names offset {offset} of a partition, which was not in the invocation"
    )]
    UnknownItem {
        /// Index in `batchItemFailures`.
        index: usize,
        /// The offset named.
        offset: i64,
    },
}

impl BatchResponse {
    /// No failures reported: the whole batch succeeded.
    pub fn is_success(&self) -> bool {
        self.failures.is_empty()
    }

    /// The lowest failed offset of each partition named, checked against the records that were
    /// invoked: an item naming a record not among `records` fails the whole batch.
    pub fn lowest_failed<'r, I>(
        &self,
        records: I,
    ) -> Result<Vec<(TopicPartition, i64)>, ResponseError>
    where
        I: IntoIterator<Item = &'r Record>,
    {
        type Offsets = (Arc<str>, Vec<i64>);
        let mut known: BTreeMap<(&str, i32), Offsets> = BTreeMap::new();
        let records: Vec<&Record> = records.into_iter().collect();
        for r in &records {
            known
                .entry((&r.topic, r.partition))
                .or_insert_with(|| (Arc::clone(&r.topic), Vec::new()))
                .1
                .push(r.offset);
        }
        let mut lowest: BTreeMap<(&str, i32), (Arc<str>, i64)> = BTreeMap::new();
        for (index, f) in self.failures.iter().enumerate() {
            let Some((topic, offsets)) = known.get(&(f.topic.as_str(), f.partition)) else {
                return Err(ResponseError::UnknownItem {
                    index,
                    offset: f.offset,
                });
            };
            if !offsets.contains(&f.offset) {
                return Err(ResponseError::UnknownItem {
                    index,
                    offset: f.offset,
                });
            }
            let e = lowest
                .entry((f.topic.as_str(), f.partition))
                .or_insert_with(|| (Arc::clone(topic), f.offset));
            e.1 = e.1.min(f.offset);
        }
        Ok(lowest
            .into_iter()
            .map(|((_, partition), (topic, offset))| (TopicPartition { topic, partition }, offset))
            .collect())
    }
}

/// Parses a handler's response body by the rules in the module documentation.
pub fn parse(body: &[u8]) -> Result<BatchResponse, ResponseError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(BatchResponse::default());
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| ResponseError::Malformed {
        line: e.line(),
        column: e.column(),
    })?;
    let obj = match v {
        Value::Null => return Ok(BatchResponse::default()),
        Value::Object(o) => o,
        _ => return Err(ResponseError::NotAnObject),
    };
    let items = match obj.get("batchItemFailures") {
        None | Some(Value::Null) => return Ok(BatchResponse::default()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ResponseError::FailuresNotAList),
    };
    let mut failures = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let err = |problem| ResponseError::Item { index, problem };
        let item = item.as_object().ok_or(err(ItemProblem::NotAnObject))?;
        let id = match item.get("itemIdentifier") {
            None | Some(Value::Null) => return Err(err(ItemProblem::MissingIdentifier)),
            Some(Value::Object(id)) => id,
            Some(Value::String(s)) if s.is_empty() => {
                return Err(err(ItemProblem::MissingIdentifier));
            }
            Some(_) => return Err(err(ItemProblem::IdentifierNotAnObject)),
        };
        let partition = match id.get("partition") {
            Some(Value::String(s)) if !s.is_empty() => s,
            _ => return Err(err(ItemProblem::MissingPartition)),
        };
        let (topic, number) = partition
            .rsplit_once('-')
            .ok_or(err(ItemProblem::BadPartition))?;
        if topic.is_empty() || number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err(ItemProblem::BadPartition));
        }
        let partition: i32 = number.parse().map_err(|_| err(ItemProblem::BadPartition))?;
        let offset = match id.get("offset") {
            Some(Value::Number(n)) => n.as_i64(),
            // Lenient: a decimal string, as some handlers write offsets.
            Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse().ok()
            }
            _ => None,
        };
        let offset = offset
            .filter(|o| *o >= 0)
            .ok_or(err(ItemProblem::BadOffset))?;
        failures.push(ItemFailure {
            topic: topic.to_owned(),
            partition,
            offset,
        });
    }
    Ok(BatchResponse { failures })
}

/// Writes a partial batch response naming `failures` (what an in-process handler or a test
/// returns).
pub fn encode(failures: &[ItemFailure]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + failures.len() * 64);
    out.extend_from_slice(b"{\"batchItemFailures\":[");
    for (i, f) in failures.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"itemIdentifier\":{\"partition\":\"");
        crate::event::write_json_str_content(&mut out, &f.topic);
        out.extend_from_slice(format!("-{}\",\"offset\":{}}}}}", f.partition, f.offset).as_bytes());
    }
    out.extend_from_slice(b"]}");
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::record::TimestampType;

    fn rec(topic: &str, partition: i32, offset: i64) -> Record {
        Record::new(Arc::from(topic), partition, offset, None, None, [])
            .with_timestamp(0, TimestampType::CreateTime)
    }

    #[test]
    fn success_forms() {
        for body in [
            &b""[..],
            b"  \n",
            b"null",
            b"{}",
            b"{\"batchItemFailures\":null}",
            b"{\"batchItemFailures\":[]}",
            b"{\"statusCode\":200}",
        ] {
            assert!(
                parse(body).expect("success").is_success(),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn whole_batch_failure_forms() {
        assert!(matches!(parse(b"{"), Err(ResponseError::Malformed { .. })));
        assert_eq!(parse(b"\"ok\""), Err(ResponseError::NotAnObject));
        assert_eq!(parse(b"[1]"), Err(ResponseError::NotAnObject));
        assert_eq!(
            parse(br#"{"batchItemFailures":{}}"#),
            Err(ResponseError::FailuresNotAList)
        );
        let item = |json: &str| parse(format!(r#"{{"batchItemFailures":[{json}]}}"#).as_bytes());
        let problem = |p| {
            Err(ResponseError::Item {
                index: 0,
                problem: p,
            })
        };
        assert_eq!(item("1"), problem(ItemProblem::NotAnObject));
        assert_eq!(item("{}"), problem(ItemProblem::MissingIdentifier));
        assert_eq!(
            item(r#"{"itemIdentifier":null}"#),
            problem(ItemProblem::MissingIdentifier)
        );
        assert_eq!(
            item(r#"{"itemIdentifier":""}"#),
            problem(ItemProblem::MissingIdentifier)
        );
        assert_eq!(
            item(r#"{"itemIdentifier":"t-0-1"}"#),
            problem(ItemProblem::IdentifierNotAnObject)
        );
        assert_eq!(
            item(r#"{"itemIdentifier":{"offset":1}}"#),
            problem(ItemProblem::MissingPartition)
        );
        assert_eq!(
            item(r#"{"itemIdentifier":{"partition":"","offset":1}}"#),
            problem(ItemProblem::MissingPartition)
        );
        assert_eq!(
            item(r#"{"itemIdentifier":{"partition":"topic","offset":1}}"#),
            problem(ItemProblem::BadPartition)
        );
        assert_eq!(
            item(r#"{"itemIdentifier":{"partition":"-3","offset":1}}"#),
            problem(ItemProblem::BadPartition)
        );
        assert_eq!(
            item(r#"{"itemIdentifier":{"partition":"t-x","offset":1}}"#),
            problem(ItemProblem::BadPartition)
        );
        assert_eq!(
            item(r#"{"itemIdentifier":{"partition":"t-99999999999","offset":1}}"#),
            problem(ItemProblem::BadPartition)
        );
        assert_eq!(
            item(r#"{"itemIdentifier":{"partition":"t-0"}}"#),
            problem(ItemProblem::BadOffset)
        );
        assert_eq!(
            item(r#"{"itemIdentifier":{"partition":"t-0","offset":-1}}"#),
            problem(ItemProblem::BadOffset)
        );
        assert_eq!(
            item(r#"{"itemIdentifier":{"partition":"t-0","offset":1.5}}"#),
            problem(ItemProblem::BadOffset)
        );
        // The second item is the bad one.
        assert_eq!(
            parse(
                br#"{"batchItemFailures":[{"itemIdentifier":{"partition":"t-0","offset":1}},{}]}"#
            ),
            Err(ResponseError::Item {
                index: 1,
                problem: ItemProblem::MissingIdentifier
            })
        );
    }

    #[test]
    fn splits_at_the_last_dash_and_accepts_string_offsets() {
        let r = parse(
            br#"{"batchItemFailures":[{"itemIdentifier":{"partition":"a-b--c-12","offset":"7"}}]}"#,
        )
        .expect("parses");
        assert_eq!(
            r.failures,
            vec![ItemFailure {
                topic: "a-b--c".into(),
                partition: 12,
                offset: 7
            }]
        );
    }

    #[test]
    fn lowest_failed_offset_per_partition_checked_against_the_invocation() {
        let records = [
            rec("t", 0, 10),
            rec("t", 0, 11),
            rec("t", 0, 12),
            rec("u-x", 1, 5),
        ];
        let r = parse(
            br#"{"batchItemFailures":[
                {"itemIdentifier":{"partition":"t-0","offset":12}},
                {"itemIdentifier":{"partition":"t-0","offset":11}},
                {"itemIdentifier":{"partition":"u-x-1","offset":5}}]}"#,
        )
        .expect("parses");
        let low = r.lowest_failed(&records).expect("known");
        assert_eq!(low.len(), 2);
        assert!(
            low.iter()
                .any(|(tp, o)| &*tp.topic == "t" && tp.partition == 0 && *o == 11)
        );
        assert!(
            low.iter()
                .any(|(tp, o)| &*tp.topic == "u-x" && tp.partition == 1 && *o == 5)
        );

        let unknown =
            parse(br#"{"batchItemFailures":[{"itemIdentifier":{"partition":"t-0","offset":13}}]}"#)
                .expect("parses");
        assert_eq!(
            unknown.lowest_failed(&records),
            Err(ResponseError::UnknownItem {
                index: 0,
                offset: 13
            })
        );
        let other =
            parse(br#"{"batchItemFailures":[{"itemIdentifier":{"partition":"t-1","offset":10}}]}"#)
                .expect("parses");
        assert!(other.lowest_failed(&records).is_err());
    }

    #[test]
    fn errors_never_quote_the_body() {
        let canary = "SECRET-CANARY-VALUE";
        for body in [
            format!(
                r#"{{"batchItemFailures":[{{"itemIdentifier":{{"partition":"{canary}","offset":1}}}}]}}"#
            ),
            format!(r#"{{"batchItemFailures":"{canary}"}}"#),
            format!(r#"{{"{canary}""#),
            format!(r#""{canary}""#),
        ] {
            let e = parse(body.as_bytes()).expect_err("fails");
            assert!(!format!("{e} {e:?}").contains(canary));
        }
    }

    #[test]
    fn encode_round_trips() {
        let fs = vec![
            ItemFailure {
                topic: "a-\"b".into(),
                partition: 0,
                offset: 3,
            },
            ItemFailure {
                topic: "c".into(),
                partition: 7,
                offset: 0,
            },
        ];
        assert_eq!(parse(&encode(&fs)).expect("parses").failures, fs);
    }

    proptest! {
        #[test]
        fn parse_never_panics(body in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse(&body);
        }

        #[test]
        fn parse_never_panics_on_near_miss_json(
            partition in "\\PC{0,12}",
            offset in prop_oneof![any::<i64>().prop_map(|o| o.to_string()), "\\PC{0,6}".prop_map(|s| format!("{s:?}")), Just("null".to_owned()), Just("1e3".to_owned())],
        ) {
            let body = format!(r#"{{"batchItemFailures":[{{"itemIdentifier":{{"partition":{partition:?},"offset":{offset}}}}}]}}"#);
            let _ = parse(body.as_bytes());
        }

        #[test]
        fn encoded_failures_parse_back(items in prop::collection::vec(("[a-z.\\-_]{1,8}", 0..1000i32, 0..i64::MAX), 0..5)) {
            let fs: Vec<ItemFailure> = items.into_iter().map(|(topic, partition, offset)| ItemFailure { topic, partition, offset }).collect();
            prop_assert_eq!(parse(&encode(&fs)).expect("parses").failures, fs);
        }
    }
}
