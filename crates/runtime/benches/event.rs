//! Event encoding cost: ns per record for 100-record batches of ~100-byte values with a key and
//! a header (the shape of the consumer benchmark). `cargo bench -p mskgate-runtime --bench event`
//! prints one JSON line; no criterion, so it also runs as a quick smoke check.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use mskgate_runtime::event::{EventEncoder, EventSource};
use mskgate_runtime::{Header, Record, TimestampType};

fn main() {
    let enc = EventEncoder::new(
        EventSource::Msk {
            event_source_arn: "arn:aws:kafka:us-east-1:123456789012:cluster/bench/abcd1234-abcd-cafe-abab-9876543210ab-4"
                .into(),
        },
        &["b-1.bench.kafka.us-east-1.amazonaws.com:9098".into()],
    );
    let topic: Arc<str> = Arc::from("bench-topic");
    let records: Vec<Record> = (0..100)
        .map(|i| {
            Record::new(
                Arc::clone(&topic),
                i % 4,
                1_000_000 + i64::from(i),
                Some(format!("key-{i:08}").as_bytes()),
                Some(&[b'x'.wrapping_add((i % 26) as u8); 100]),
                [Header {
                    key: "traceparent",
                    value: Some(b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
                }],
            )
            .with_timestamp(1_700_000_000_000 + i64::from(i), TimestampType::CreateTime)
        })
        .collect();
    // Group per partition, as the batcher hands batches over.
    let mut grouped = records.clone();
    grouped.sort_by_key(|r| (r.partition, r.offset));

    let mut out = Vec::with_capacity(64 * 1024);
    let iterations = std::env::var("MSKGATE_BENCH_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000u32);
    for _ in 0..1_000 {
        out.clear();
        enc.encode_into(&grouped, &mut out);
    }
    let run = |recs: &[Record], out: &mut Vec<u8>| {
        let t = Instant::now();
        for _ in 0..iterations {
            out.clear();
            enc.encode_into(black_box(recs), out);
            black_box(&out);
        }
        t.elapsed().as_nanos() as f64 / (f64::from(iterations) * recs.len() as f64)
    };
    let grouped_ns = run(&grouped, &mut out);
    let bytes = out.len();
    let interleaved_ns = run(&records, &mut out);
    // Context for a loaded machine: copying the finished event costs this much per record.
    let event = out.clone();
    let mut copy = Vec::with_capacity(event.len());
    let t = Instant::now();
    for _ in 0..iterations {
        copy.clear();
        copy.extend_from_slice(black_box(&event));
        black_box(&copy);
    }
    let copy_ns = t.elapsed().as_nanos() as f64 / (f64::from(iterations) * 100.0);
    let t = Instant::now();
    for _ in 0..iterations {
        black_box(enc.event_len(black_box(&grouped)));
    }
    let len_ns = t.elapsed().as_nanos() as f64 / (f64::from(iterations) * 100.0);
    println!(
        "{{\"bench\":\"event_encode\",\"records_per_batch\":100,\"value_bytes\":100,\"event_bytes\":{bytes},\"ns_per_record\":{grouped_ns:.1},\"ns_per_record_interleaved\":{interleaved_ns:.1},\"ns_per_record_len\":{len_ns:.1},\"ns_per_record_memcpy\":{copy_ns:.1},\"iterations\":{iterations}}}"
    );
}
