//! Any bytes as a handler's partial batch response: parsing never panics, a parsed response
//! re-encodes to an equal one, the lowest-failed lookup against a fixed invocation never panics,
//! and no error message quotes the body.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use mskgate_runtime::response::{encode, parse};
use mskgate_runtime::{Record, TimestampType};

fuzz_target!(|data: &[u8]| {
    let records: Vec<Record> = (0..4)
        .map(|o| {
            Record::new(
                Arc::from(if o % 2 == 0 { "my-topic" } else { "t" }),
                o % 3,
                i64::from(o),
                None,
                None,
                [],
            )
            .with_timestamp(0, TimestampType::CreateTime)
        })
        .collect();
    match parse(data) {
        Ok(r) => {
            assert_eq!(
                parse(&encode(&r.failures)).expect("re-encoded response parses"),
                r
            );
            let _ = r.lowest_failed(&records);
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.len() < 200, "bounded message");
        }
    }
});
