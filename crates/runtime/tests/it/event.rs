//! The Lambda Kafka event, checked three ways: serde_json parses it, it deserializes into
//! `aws_lambda_events::event::kafka::KafkaEvent` with equal fields, and AWS Lambda Powertools
//! (Python) validates and decodes it (`tests/oracles/powertools_kafka.py`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use aws_lambda_events::event::kafka::KafkaEvent;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use mskgate_runtime::event::{EventEncoder, EventSource};
use mskgate_runtime::{Header, Record, TimestampType};

const ARN: &str =
    "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd1234-abcd-cafe-abab-9876543210ab-4";

fn servers() -> Vec<String> {
    vec![
        "b-1.demo.kafka.us-east-1.amazonaws.com:9098".into(),
        "b-2.demo.kafka.us-east-1.amazonaws.com:9098".into(),
    ]
}

fn msk() -> EventEncoder {
    EventEncoder::new(
        EventSource::Msk {
            event_source_arn: ARN.into(),
        },
        &servers(),
    )
}

fn self_managed() -> EventEncoder {
    EventEncoder::new(EventSource::SelfManaged, &servers())
}

fn rec(topic: &str, partition: i32, offset: i64) -> Record {
    Record::new(
        Arc::from(topic),
        partition,
        offset,
        Some(format!("key-{offset}").as_bytes()),
        Some(format!("{{\"n\":{offset}}}").as_bytes()),
        [Header {
            key: "trace",
            value: Some(b"abc"),
        }],
    )
    .with_timestamp(1_700_000_000_123 + offset, TimestampType::CreateTime)
}

/// The same record with other headers (key and value kept).
fn with_headers(r: Record, headers: &[Header<'_>]) -> Record {
    let (key, value) = (r.key().map(<[u8]>::to_vec), r.value().map(<[u8]>::to_vec));
    r.with_contents(key.as_deref(), value.as_deref(), headers.iter().copied())
}

/// One event per case: every shape Lambda can send.
fn cases() -> Vec<(&'static str, EventEncoder, Vec<Record>)> {
    let r = rec("orders", 0, 1);
    let null_key = r.clone().with_contents(None, r.value(), r.headers());
    let r = rec("orders", 0, 2);
    let tombstone = r.clone().with_contents(r.key(), None, r.headers());
    let r = rec("orders", 0, 3);
    let binary = r.clone().with_contents(
        Some(&[0x80, 0x81]),
        Some(&[0xff, 0x00, 0xfe, 0x80, 0x7f, 0xc3]),
        r.headers(),
    );
    let high_headers = with_headers(
        rec("orders", 0, 4),
        &[
            Header {
                key: "ë",
                value: Some("ë".as_bytes()),
            },
            Header {
                key: "bytes",
                value: Some(&[0x80, 0xff, 0x7f, 0x00, 0x01]),
            },
            Header {
                key: "empty",
                value: Some(&[]),
            },
        ],
    );
    let dup_headers = with_headers(
        rec("orders", 0, 5),
        &[
            Header {
                key: "x",
                value: Some(b"1"),
            },
            Header {
                key: "x",
                value: Some(b"2"),
            },
            Header {
                key: "x",
                value: Some(b"1"),
            },
        ],
    );
    let null_header = with_headers(
        rec("orders", 0, 6),
        &[
            Header {
                key: "traceparent",
                value: Some(b"00-ab"),
            },
            Header {
                key: "tracestate",
                value: None,
            },
        ],
    );
    let mut log_append = rec("orders", 0, 7);
    log_append.timestamp_type = TimestampType::LogAppendTime;
    let unicode = rec("tópic-\"quoted\"\\back\u{1}-ünï", 3, 8);
    let multi = vec![
        rec("a-b", 0, 10),
        rec("a-b", 0, 11),
        rec("a-b", 12, 0),
        rec("c", 1, 100),
        rec("c", 1, 101),
        rec("a-b", 1, 7),
    ];
    let all = vec![
        null_key.clone(),
        tombstone.clone(),
        binary.clone(),
        high_headers.clone(),
        dup_headers.clone(),
        null_header.clone(),
        log_append.clone(),
    ];
    vec![
        ("msk_null_key", msk(), vec![null_key.clone()]),
        ("msk_tombstone", msk(), vec![tombstone]),
        ("msk_binary", msk(), vec![binary.clone()]),
        ("msk_high_header_bytes", msk(), vec![high_headers]),
        ("msk_duplicate_headers", msk(), vec![dup_headers]),
        ("msk_null_header_value", msk(), vec![null_header]),
        ("msk_log_append_time", msk(), vec![log_append]),
        ("msk_unicode_topic", msk(), vec![unicode.clone()]),
        ("msk_multi_partition_topic", msk(), multi.clone()),
        ("msk_everything", msk(), all.clone()),
        ("self_managed_multi", self_managed(), multi),
        ("self_managed_everything", self_managed(), all),
        (
            "self_managed_unicode_binary",
            self_managed(),
            vec![unicode, null_key, binary],
        ),
    ]
}

fn signed(bytes: &[u8]) -> Vec<i8> {
    bytes.iter().map(|&b| b as i8).collect()
}

#[test]
fn parses_as_json_with_lambdas_key_order() {
    for (name, enc, records) in cases() {
        let out = enc.encode(&records);
        assert_eq!(out.len(), enc.event_len(&records), "{name}");
        let v: serde_json::Value =
            serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = String::from_utf8(out).expect("utf-8");
        let order = ["\"eventSource\"", "\"bootstrapServers\"", "\"records\""];
        let pos: Vec<usize> = order.iter().map(|k| text.find(k).expect(k)).collect();
        assert!(
            pos.windows(2).all(|w| w[0] < w[1]),
            "{name}: envelope key order"
        );
        let first = text.find("{\"topic\":").expect("a record");
        let keys = [
            "\"topic\"",
            "\"partition\"",
            "\"offset\"",
            "\"timestamp\"",
            "\"timestampType\"",
        ];
        let rpos: Vec<usize> = keys
            .iter()
            .map(|k| first + text[first..].find(k).expect(k))
            .collect();
        assert!(
            rpos.windows(2).all(|w| w[0] < w[1]),
            "{name}: record key order"
        );
        match v["eventSource"].as_str() {
            Some("aws:kafka") => assert_eq!(v["eventSourceArn"], ARN),
            Some("SelfManagedKafka") => assert!(v.get("eventSourceArn").is_none(), "{name}"),
            other => panic!("{name}: eventSource {other:?}"),
        }
    }
}

#[test]
fn deserializes_into_aws_lambda_events_with_equal_fields() {
    for (name, enc, records) in cases() {
        let out = enc.encode(&records);
        let ev: KafkaEvent = serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            ev.bootstrap_servers.as_deref(),
            Some(servers().join(",").as_str()),
            "{name}"
        );
        let total: usize = ev.records.values().map(Vec::len).sum();
        assert_eq!(total, records.len(), "{name}");
        for r in &records {
            let list = &ev.records[&r.topic_partition().event_key()];
            let got = list
                .iter()
                .find(|k| k.offset == r.offset)
                .expect("record present");
            assert_eq!(got.topic.as_deref(), Some(&*r.topic), "{name}");
            assert_eq!(got.partition, i64::from(r.partition));
            // aws_lambda_events turns milliseconds into seconds through an f64 and truncates
            // (encodings/time.rs), so it can be 1 ms low; the exact number is checked below.
            let ms = got.timestamp.0.timestamp_millis();
            assert!(
                ms == r.timestamp || ms == r.timestamp - 1,
                "{name}: {ms} vs {}",
                r.timestamp
            );
            assert_eq!(
                got.timestamp_type.as_deref(),
                Some(r.timestamp_type.as_str())
            );
            assert_eq!(got.key, r.key().map(|k| STANDARD.encode(k)), "{name}");
            assert_eq!(got.value, r.value().map(|v| STANDARD.encode(v)), "{name}");
            let want: Vec<HashMap<String, Vec<i8>>> = r
                .headers()
                .map(|h| match h.value {
                    Some(v) => HashMap::from([(h.key.to_owned(), signed(v))]),
                    None => HashMap::new(),
                })
                .collect();
            assert_eq!(got.headers, want, "{name}");
        }
        let raw: serde_json::Value = serde_json::from_slice(&out).expect("json");
        for r in &records {
            let list = raw["records"][r.topic_partition().event_key().as_str()]
                .as_array()
                .expect("partition");
            let got = list
                .iter()
                .find(|k| k["offset"] == r.offset)
                .expect("record present");
            assert_eq!(got["timestamp"].as_i64(), Some(r.timestamp), "{name}");
        }
        // Each partition keeps its order.
        for list in ev.records.values() {
            assert!(list.windows(2).all(|w| w[0].offset < w[1].offset), "{name}");
        }
    }
}

/// The oracle venv's python: `MSKGATE_PYTHON`, else `~/.cache/mskgate/venv/bin/python`.
fn oracle_python() -> PathBuf {
    let python = std::env::var_os("MSKGATE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
            PathBuf::from(home).join(".cache/mskgate/venv/bin/python")
        });
    assert!(
        python.exists(),
        "the Powertools oracle needs a Python with aws-lambda-powertools[parser]: {} does not \
         exist. Run scripts/install-test-deps.sh (or set MSKGATE_PYTHON to such a python)",
        python.display()
    );
    python
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn powertools_validates_and_decodes_every_case() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = cases();
    for (name, enc, records) in &cases {
        std::fs::write(
            dir.path().join(format!("{name}.event.json")),
            enc.encode(records),
        )
        .expect("write");
        let source = if name.starts_with("msk") {
            "msk"
        } else {
            "self-managed"
        };
        let expect = serde_json::json!({
            "source": source,
            "records": records.iter().map(|r| serde_json::json!({
                "key": r.topic_partition().event_key(),
                "topic": &*r.topic,
                "partition": r.partition,
                "offset": r.offset,
                "timestamp": r.timestamp,
                "timestampType": r.timestamp_type.as_str(),
                "key_hex": r.key().map(hex),
                "value_hex": r.value().map(hex),
                "headers": r.headers().map(|h| serde_json::json!([h.key, h.value.map(hex)])).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        });
        std::fs::write(
            dir.path().join(format!("{name}.expect.json")),
            expect.to_string(),
        )
        .expect("write");
    }
    let python = oracle_python();
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/powertools_kafka.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the Powertools oracle failed ({}); is aws-lambda-powertools[parser] installed in {}? \
         Run scripts/install-test-deps.sh.\n{stdout}\n{}",
        out.status,
        python.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let (versions, results) = lines.split_last().expect("versions line");
    assert_eq!(results.len(), cases.len(), "one result per case:\n{stdout}");
    assert!(results.iter().all(|r| r["ok"] == true), "{stdout}");
    assert!(versions["powertools"].is_string(), "{stdout}");
}
