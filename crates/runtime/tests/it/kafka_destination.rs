//! The `kafka://` on-failure destination against the real test broker (tansu, `mskgate-e2e`): one
//! message per failed record, with the record's key, Lambda's failure metadata and a one-record
//! event in the value — over PLAINTEXT and over SASL_SSL/SCRAM with the consumer's own client
//! configuration.

use std::sync::Arc;
use std::time::Duration;

use mskgate_e2e::{Broker, Listener, client, unique_name};
use mskgate_runtime::destination::{
    DestinationError, FailedBatch, FailureCondition, MappingInfo, OnFailureSink, ResponseContext,
};
use mskgate_runtime::record::{Record, TimestampType};
use serde_json::Value;

fn record(offset: i64, key: Option<&str>) -> Record {
    Record::new(
        Arc::from("orders"),
        0,
        offset,
        key.map(str::as_bytes),
        Some(format!("value-{offset}").as_bytes()),
        [],
    )
    .with_timestamp(1_735_689_600_000 + offset, TimestampType::CreateTime)
}

fn mapping(bootstrap: &str) -> MappingInfo {
    MappingInfo {
        uuid: "u-kafka".into(),
        function_arn: "mskgate:handler:orders".into(),
        event_source_arn: None,
        bootstrap_servers: bootstrap.into(),
        consumer_group: "orders-reader".into(),
        source_topic: "orders".into(),
        handler: "orders".into(),
    }
}

fn produce_and_read_back(listener: Listener) {
    let broker = Broker::shared();
    let topic = unique_name("dlq");
    broker
        .create_topic(listener, &topic, 1)
        .expect("create the destination topic");
    let pairs = broker.client_config(listener);
    let sink = OnFailureSink::kafka(
        &topic,
        &client::config(&pairs),
        mapping(broker.bootstrap(listener)),
    )
    .expect("producer");
    let batch = FailedBatch {
        records: vec![record(41, Some("k-41")), record(42, None)],
        condition: FailureCondition::RetryAttemptsExhausted,
        approximate_invoke_count: 11,
        response: Some(ResponseContext {
            status_code: 200,
            executed_version: "$LATEST".into(),
            function_error: Some("Unhandled".into()),
        }),
        payload: None,
        reason: "exit status 1".into(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let delivered = runtime.block_on(sink.send(&batch)).expect("produce");
    assert_eq!(delivered.messages, 2);
    let mut got = client::consume_and_commit(
        &pairs,
        &topic,
        &unique_name("dlq-reader"),
        2,
        Duration::from_secs(60),
    )
    .expect("read the destination topic");
    got.sort_by_key(|r| r.offset);
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0].key.as_deref(),
        Some(&b"k-41"[..]),
        "the record's own key"
    );
    assert_eq!(got[1].key, None);
    for (message, offset) in got.iter().zip([41, 42]) {
        let v: Value = serde_json::from_slice(&message.payload).expect("JSON value");
        assert_eq!(v["requestContext"]["condition"], "RetryAttemptsExhausted");
        assert_eq!(v["requestContext"]["approximateInvokeCount"], 11);
        assert_eq!(v["responseContext"]["functionError"], "Unhandled");
        assert_eq!(v["version"], "1.0");
        let info = &v["KafkaBatchInfo"];
        assert_eq!(info["batchSize"], 1);
        assert_eq!(info["recordInfo"]["offset"], offset.to_string());
        assert!(info.get("recordsInfo").is_none());
        let event = &v["payload"];
        assert_eq!(event["eventSource"], "SelfManagedKafka");
        let r = &event["records"]["orders-0"][0];
        assert_eq!(r["offset"], offset);
        assert_eq!(
            info["payloadSize"].as_u64(),
            Some(event.to_string().len() as u64)
        );
    }
}

#[test]
fn kafka_destination_over_plaintext() {
    produce_and_read_back(Listener::Plaintext);
}

#[test]
fn kafka_destination_over_scram_tls_with_the_consumers_settings() {
    produce_and_read_back(Listener::ScramTls);
}

#[test]
fn kafka_destination_refuses_the_source_topic() {
    let config = rdkafka::ClientConfig::new();
    let err =
        OnFailureSink::kafka("orders", &config, mapping("127.0.0.1:9092")).expect_err("same topic");
    assert!(matches!(err, DestinationError::SameTopic { .. }));
    assert!(!err.is_retryable());
}
