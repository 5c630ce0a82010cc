//! On-failure destinations: the local JSONL file, and SQS, SNS and S3 through the real AWS SDK
//! against moto's server; each read back and checked against Lambda's invocation record.

use std::sync::Arc;

use mskgate_runtime::destination::{
    Destination, DestinationError, FailedBatch, FailureCondition, MappingInfo, OnFailureSink,
    ResponseContext,
};
use mskgate_runtime::record::{Header, Record, TimestampType};
use serde_json::Value;

fn record(partition: i32, offset: i64) -> Record {
    Record::new(
        Arc::from("orders"),
        partition,
        offset,
        Some(format!("key-{offset}").as_bytes()),
        Some(b"{\"status\":\"paid\"}"),
        [Header {
            key: "trace",
            value: Some(&[0xc3, 0xab]),
        }],
    )
    .with_timestamp(1_735_689_600_000 + offset, TimestampType::CreateTime)
}

fn batch() -> FailedBatch {
    let payload = br#"{"eventSource":"SelfManagedKafka","bootstrapServers":"127.0.0.1:9092","records":{"orders-0":[]}}"#;
    FailedBatch {
        records: vec![record(0, 10), record(0, 11), record(2, 4)],
        condition: FailureCondition::RetryAttemptsExhausted,
        approximate_invoke_count: 4,
        response: Some(ResponseContext {
            status_code: 200,
            executed_version: "$LATEST".into(),
            function_error: Some("Unhandled".into()),
        }),
        payload: Some(Arc::from(&payload[..])),
        reason: "exit status 1".into(),
    }
}

fn mapping() -> MappingInfo {
    MappingInfo {
        uuid: "7c1e2f3a-0000-4000-8000-00000000abcd".into(),
        function_arn: "mskgate:handler:orders".into(),
        event_source_arn: Some("arn:aws:kafka:us-east-1:123456789012:cluster/c/1".into()),
        bootstrap_servers: "127.0.0.1:9092".into(),
        consumer_group: "orders-reader".into(),
        source_topic: "orders".into(),
        handler: "orders".into(),
    }
}

/// The members Lambda's SNS/SQS record has, with this batch's values.
fn check_lambda_record(v: &Value) {
    assert_eq!(v["version"], "1.0");
    let ts = v["timestamp"].as_str().expect("timestamp");
    assert!(ts.ends_with('Z') && ts.len() == 24, "{ts}");
    let rc = &v["requestContext"];
    assert_eq!(rc["condition"], "RetryAttemptsExhausted");
    assert_eq!(rc["approximateInvokeCount"], 4);
    assert_eq!(rc["functionArn"], "mskgate:handler:orders");
    assert_eq!(rc["requestId"].as_str().map(str::len), Some(36));
    assert_eq!(v["responseContext"]["statusCode"], 200);
    assert_eq!(v["responseContext"]["executedVersion"], "$LATEST");
    assert_eq!(v["responseContext"]["functionError"], "Unhandled");
    let info = &v["KafkaBatchInfo"];
    assert_eq!(info["batchSize"], 3);
    assert_eq!(
        info["eventSourceArn"],
        "arn:aws:kafka:us-east-1:123456789012:cluster/c/1"
    );
    assert_eq!(info["bootstrapServers"], "127.0.0.1:9092");
    assert!(info["payloadSize"].as_u64().is_some_and(|n| n > 0));
    let p0 = &info["recordsInfo"]["orders-0"];
    assert_eq!(p0["firstRecordOffset"], "10");
    assert_eq!(p0["lastRecordOffset"], "11");
    assert_eq!(p0["firstRecordTimestamp"], "2025-01-01T00:00:00.010Z");
    assert_eq!(p0["lastRecordTimestamp"], "2025-01-01T00:00:00.011Z");
    assert_eq!(info["recordsInfo"]["orders-2"]["firstRecordOffset"], "4");
}

#[tokio::test]
async fn jsonl_file_appends_one_private_line_per_batch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("failed.jsonl");
    let sink = OnFailureSink::open(
        &Destination::File { path: path.clone() },
        mapping(),
        None,
        None,
    )
    .expect("open");
    sink.send(&batch()).await.expect("first");
    sink.send(&batch()).await.expect("second");
    let text = std::fs::read_to_string(&path).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    for line in lines {
        let v: Value = serde_json::from_str(line).expect("json line");
        check_lambda_record(&v);
        assert_eq!(v["payload"]["eventSource"], "SelfManagedKafka");
        assert_eq!(v["mskgate"]["reason"], "exit status 1");
        assert_eq!(v["mskgate"]["consumerGroupId"], "orders-reader");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }
}

#[tokio::test]
async fn jsonl_file_that_cannot_be_created_is_a_clear_error() {
    let err = OnFailureSink::file(std::path::Path::new("/nonexistent-dir/f.jsonl"), mapping())
        .expect_err("no such directory");
    assert!(matches!(err, DestinationError::File { .. }));
    assert!(
        err.to_string().contains("/nonexistent-dir/f.jsonl"),
        "{err}"
    );
}

#[tokio::test]
async fn sqs_receives_the_invocation_record() {
    let moto = super::moto::shared();
    let sdk = moto.sdk_config("us-east-1").await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let url = sqs
        .create_queue()
        .queue_name("mskgate-dlq-sqs")
        .send()
        .await
        .expect("CreateQueue")
        .queue_url
        .expect("url");
    let dest =
        Destination::parse("arn:aws:sqs:us-east-1:123456789012:mskgate-dlq-sqs").expect("arn");
    let sink = OnFailureSink::open(&dest, mapping(), Some(&sdk), None).expect("open");
    let delivered = sink.send(&batch()).await.expect("SendMessage");
    assert!(delivered.id.is_some());
    let body = receive_one(&sqs, &url).await;
    let v: Value = serde_json::from_str(&body).expect("json");
    check_lambda_record(&v);
    assert!(
        v.get("payload").is_none(),
        "SQS records carry metadata only"
    );
    assert!(
        !body.contains("exit status"),
        "mskgate's reason stays out of Lambda's shape"
    );
}

#[tokio::test]
async fn sqs_queue_that_does_not_exist_is_a_retryable_error() {
    let moto = super::moto::shared();
    let sdk = moto.sdk_config("us-east-1").await;
    let dest = Destination::parse("arn:aws:sqs:us-east-1:123456789012:mskgate-no-such-queue")
        .expect("arn");
    let sink = OnFailureSink::open(&dest, mapping(), Some(&sdk), None).expect("open");
    let err = sink.send(&batch()).await.expect_err("no queue");
    assert!(err.is_retryable());
    let text = err.to_string();
    assert!(
        text.contains("GetQueueUrl") && text.contains("mskgate-no-such-queue"),
        "{text}"
    );
}

#[tokio::test]
async fn sns_publishes_the_invocation_record() {
    let moto = super::moto::shared();
    let sdk = moto.sdk_config("us-east-1").await;
    let sns = aws_sdk_sns::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let topic = sns
        .create_topic()
        .name("mskgate-dlq-sns")
        .send()
        .await
        .expect("CreateTopic")
        .topic_arn
        .expect("arn");
    let url = sqs
        .create_queue()
        .queue_name("mskgate-dlq-sns-reader")
        .send()
        .await
        .expect("CreateQueue")
        .queue_url
        .expect("url");
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint("arn:aws:sqs:us-east-1:123456789012:mskgate-dlq-sns-reader")
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .expect("Subscribe");
    let dest = Destination::parse(&topic).expect("arn");
    let sink = OnFailureSink::open(&dest, mapping(), Some(&sdk), None).expect("open");
    sink.send(&batch()).await.expect("Publish");
    let body = receive_one(&sqs, &url).await;
    let v: Value = serde_json::from_str(&body).expect("json");
    check_lambda_record(&v);
}

#[tokio::test]
async fn s3_stores_the_record_with_the_whole_event() {
    let moto = super::moto::shared();
    let sdk = moto.sdk_config("us-east-1").await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket()
        .bucket("mskgate-dlq-s3")
        .send()
        .await
        .expect("CreateBucket");
    let dest = Destination::parse("arn:aws:s3:::mskgate-dlq-s3").expect("arn");
    let sink = OnFailureSink::open(&dest, mapping(), Some(&sdk), None).expect("open");
    let delivered = sink.send(&batch()).await.expect("PutObject");
    let key = delivered.id.expect("key");
    assert!(
        key.starts_with("aws/lambda/7c1e2f3a-0000-4000-8000-00000000abcd/orders-0/"),
        "{key}"
    );
    let listed = s3
        .list_objects_v2()
        .bucket("mskgate-dlq-s3")
        .prefix("aws/lambda/")
        .send()
        .await
        .expect("List");
    assert_eq!(listed.contents().len(), 1);
    let object = s3
        .get_object()
        .bucket("mskgate-dlq-s3")
        .key(&key)
        .send()
        .await
        .expect("GetObject");
    let bytes = object.body.collect().await.expect("body").into_bytes();
    let v: Value = serde_json::from_slice(&bytes).expect("json");
    check_lambda_record(&v);
    // "the payload field contains the original invocation record as an escaped JSON string"
    let payload = v["payload"].as_str().expect("payload is a string");
    let event: Value = serde_json::from_str(payload).expect("payload JSON");
    assert_eq!(event["eventSource"], "SelfManagedKafka");
}

async fn receive_one(sqs: &aws_sdk_sqs::Client, url: &str) -> String {
    for _ in 0..20 {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("ReceiveMessage");
        if let Some(m) = out.messages().first() {
            return m.body().expect("body").to_owned();
        }
    }
    panic!("no message arrived in {url}");
}
