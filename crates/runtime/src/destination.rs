//! On-failure destinations: where a batch goes when its records exhaust their retries (or
//! exceed their maximum age), in Lambda's invocation-record shape.
//!
//! | destination | what is written | Lambda source |
//! |---|---|---|
//! | SQS queue ARN | one `SendMessage` per batch: the invocation record (`requestContext`, `responseContext`, `version`, `timestamp`, `KafkaBatchInfo` with `recordsInfo` per `"<topic>-<partition>"`) — metadata only | kafka-on-failure ("SNS and SQS example invocation record") |
//! | SNS topic ARN | the same record with `Publish` | same |
//! | S3 bucket ARN | the same record plus `payload`: the whole event as a JSON string, at `aws/lambda/<UUID>/<topic>-<partition>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>` | kafka-on-failure ("S3 destination example invocation record"); the key convention is the one Lambda documents for stream sources, with the partition as the shard |
//! | `kafka://<topic>` | one message per failed record, the record's own key (so the same partitioning), value = the record with `KafkaBatchInfo.recordInfo` and `payload` = a one-record event object | kafka-on-failure-destination ("Record format for a Kafka destination", "Partition key behavior") |
//! | a local file (`on_failure_file`) | one JSON line per batch: the S3 record (with `payload`, as an object) plus an `mskgate` member (reason, consumer group, handler); `fsync`ed; created with mode 0600 | mskgate's own |
//!
//! A failed write is a [`DestinationError`]; the engine should retry it with backoff and not
//! commit past the batch until it succeeds (see `docs/runtime.md`, "On-failure destinations").

use std::fmt;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_types::SdkConfig;
use aws_types::region::Region;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rdkafka::ClientConfig;
use rdkafka::client::{ClientContext, DefaultClientContext};
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::config::bootstrap::sdk_message;
use crate::record::Record;

pub use crate::config::destination::Destination;

impl Destination {
    /// The region of an SQS or SNS ARN.
    fn region(&self) -> Option<&str> {
        match self {
            Self::Sqs { arn } | Self::Sns { arn } => arn.split(':').nth(3),
            _ => None,
        }
    }
}

/// Why a batch went to the destination: `requestContext.condition`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureCondition {
    /// `RetryAttemptsExhausted`: `MaximumRetryAttempts` reached.
    RetryAttemptsExhausted,
    /// `RecordAgeExceeded`: a record is older than `MaximumRecordAgeInSeconds`.
    RecordAgeExceeded,
    /// `MaximumPayloadSizeExceeded`: one record alone makes an event above 6 MB; it was never
    /// invoked (`responseContext` is null).
    MaximumPayloadSizeExceeded,
}

impl FailureCondition {
    /// The word Lambda writes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RetryAttemptsExhausted => "RetryAttemptsExhausted",
            Self::RecordAgeExceeded => "RecordAgeExceeded",
            Self::MaximumPayloadSizeExceeded => "MaximumPayloadSizeExceeded",
        }
    }
}

/// `responseContext`: the outcome of the last invocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseContext {
    /// `statusCode`: 200 for an invocation that ran (a function error is still 200 in
    /// Lambda), else the handler's status (HTTP status; 0 when there was none, e.g. a timeout).
    pub status_code: u16,
    /// `executedVersion` (`$LATEST` for non-Lambda handlers).
    pub executed_version: String,
    /// `functionError`: `Unhandled`, `Handled`, or mskgate's kind (e.g. `Timeout`); `None`
    /// when the invocation succeeded with a partial batch response.
    pub function_error: Option<String>,
}

/// One batch that failed for good, as the engine hands it over.
#[derive(Clone, Debug)]
pub struct FailedBatch {
    /// The failed records, each partition's in offset order.
    pub records: Vec<Record>,
    /// Why they are given up.
    pub condition: FailureCondition,
    /// `approximateInvokeCount`: invocations made (initial + retries).
    pub approximate_invoke_count: u32,
    /// The last invocation's outcome; `None` if never invoked.
    pub response: Option<ResponseContext>,
    /// The event JSON of the last invocation (the S3 / file `payload`, and `payloadSize`);
    /// `None` if never built.
    pub payload: Option<Arc<[u8]>>,
    /// mskgate's reason in words (`"timeout after 3s"`, `"exit status 1"`…), for logs and the
    /// JSONL file — never a payload.
    pub reason: String,
}

/// Facts about the mapping that every record carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappingInfo {
    /// The mapping's `UUID`, else the consumer group id (S3 keys).
    pub uuid: String,
    /// `functionArn`: the Lambda function ARN, or `mskgate:handler:<name>` for other handlers.
    pub function_arn: String,
    /// `eventSourceArn` (MSK only).
    pub event_source_arn: Option<String>,
    /// `bootstrapServers`, comma-separated.
    pub bootstrap_servers: String,
    /// The consumer group.
    pub consumer_group: String,
    /// The source topic (a `kafka://` destination must differ).
    pub source_topic: String,
    /// The handler's name.
    pub handler: String,
}

/// Why a failed batch could not be delivered to its on-failure destination. Messages name the
/// destination and the operation; never a record's content.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DestinationError {
    /// A `kafka://` destination naming the source topic.
    #[error(
        "the on-failure destination kafka://{topic} is the source topic; use another topic (Lambda refuses this too, to prevent recursion)"
    )]
    SameTopic {
        /// The topic.
        topic: String,
    },
    /// The local file could not be opened or written.
    #[error("cannot write the on-failure file {}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An AWS call failed.
    #[error("on-failure destination {destination}: {operation} failed: {message}")]
    Aws {
        /// The destination ARN.
        destination: String,
        /// `SendMessage`, `Publish`, `PutObject`, `GetQueueUrl`.
        operation: &'static str,
        /// The AWS error code and message, or the transport error.
        message: String,
    },
    /// The Kafka producer failed.
    #[error("on-failure destination kafka://{topic}: {message}")]
    Kafka {
        /// The topic.
        topic: String,
        /// librdkafka's error.
        message: String,
    },
    /// This kind of destination needs something the caller did not give (AWS settings for
    /// SQS/SNS/S3, a client configuration for `kafka://`).
    #[error("on-failure destination {destination}: {problem}")]
    Setup {
        /// The destination.
        destination: String,
        /// What is missing.
        problem: String,
    },
}

impl DestinationError {
    /// Whether trying again later can succeed (IO, AWS and Kafka errors), as opposed to a
    /// configuration mistake.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::File { .. } | Self::Aws { .. } | Self::Kafka { .. }
        )
    }
}

/// What a successful delivery wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivered {
    /// The destination.
    pub destination: String,
    /// Messages / objects / lines written (one per record for `kafka://`, else one).
    pub messages: usize,
    /// The S3 key, SQS message id or SNS message id, when there is one.
    pub id: Option<String>,
}

/// Something that produces to Kafka (an rdkafka `FutureProducer` of any context).
trait Produce: Send + Sync {
    fn produce<'a>(
        &'a self,
        topic: &'a str,
        key: Option<&'a [u8]>,
        value: &'a [u8],
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
}

impl<C: ClientContext + 'static> Produce for FutureProducer<C> {
    fn produce<'a>(
        &'a self,
        topic: &'a str,
        key: Option<&'a [u8]>,
        value: &'a [u8],
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            let mut record = FutureRecord::<[u8], [u8]>::to(topic).payload(value);
            if let Some(key) = key {
                record = record.key(key);
            }
            self.send(record, Duration::from_secs(30))
                .await
                .map(|_| ())
                .map_err(|(e, _)| e.to_string())
        })
    }
}

enum Target {
    File {
        path: PathBuf,
        file: Arc<Mutex<std::fs::File>>,
    },
    Kafka {
        topic: String,
        producer: Arc<dyn Produce>,
    },
    Sqs {
        arn: String,
        client: aws_sdk_sqs::Client,
        queue_url: tokio::sync::OnceCell<String>,
    },
    Sns {
        arn: String,
        client: aws_sdk_sns::Client,
    },
    S3 {
        arn: String,
        bucket: String,
        client: aws_sdk_s3::Client,
    },
}

/// An open on-failure destination.
pub struct OnFailureSink {
    target: Target,
    mapping: MappingInfo,
}

impl fmt::Debug for OnFailureSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnFailureSink")
            .field("destination", &self.destination())
            .field("mapping", &self.mapping)
            .finish()
    }
}

/// Consumer-only librdkafka properties removed from the client configuration before it builds
/// the destination producer (librdkafka would warn about each).
const CONSUMER_ONLY: &[&str] = &[
    "group.id",
    "group.instance.id",
    "group.protocol",
    "group.remote.assignor",
    "partition.assignment.strategy",
    "session.timeout.ms",
    "heartbeat.interval.ms",
    "max.poll.interval.ms",
    "enable.auto.commit",
    "auto.commit.interval.ms",
    "enable.auto.offset.store",
    "auto.offset.reset",
    "enable.partition.eof",
    "queued.min.messages",
    "queued.max.messages.kbytes",
    "fetch.wait.max.ms",
    "fetch.message.max.bytes",
    "fetch.max.bytes",
    "fetch.min.bytes",
    "fetch.error.backoff.ms",
    "isolation.level",
    "check.crcs",
    "allow.auto.create.topics",
];

impl OnFailureSink {
    /// A local JSONL file, created (mode 0600) if absent, appended to.
    pub fn file(path: &Path, mapping: MappingInfo) -> Result<Self, DestinationError> {
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options
            .open(path)
            .map_err(|source| DestinationError::File {
                path: path.to_owned(),
                source,
            })?;
        Ok(Self {
            target: Target::File {
                path: path.to_owned(),
                file: Arc::new(Mutex::new(file)),
            },
            mapping,
        })
    }

    /// `kafka://<topic>` with a producer built from the consumer's client configuration (same
    /// brokers, security and credentials).
    pub fn kafka(
        topic: &str,
        client: &ClientConfig,
        mapping: MappingInfo,
    ) -> Result<Self, DestinationError> {
        Self::kafka_with_context(topic, client, DefaultClientContext, mapping)
    }

    /// Like [`kafka`](Self::kafka), with a client context (e.g. the engine's OAUTHBEARER token
    /// context for IAM).
    pub fn kafka_with_context<C: ClientContext + 'static>(
        topic: &str,
        client: &ClientConfig,
        context: C,
        mapping: MappingInfo,
    ) -> Result<Self, DestinationError> {
        if topic == mapping.source_topic {
            return Err(DestinationError::SameTopic {
                topic: topic.to_owned(),
            });
        }
        let mut config = client.clone();
        for key in CONSUMER_ONLY {
            config.remove(key);
        }
        let producer: FutureProducer<C> =
            config
                .create_with_context(context)
                .map_err(|e| DestinationError::Kafka {
                    topic: topic.to_owned(),
                    message: format!("cannot create the producer: {e}"),
                })?;
        Ok(Self {
            target: Target::Kafka {
                topic: topic.to_owned(),
                producer: Arc::new(producer),
            },
            mapping,
        })
    }

    /// An SQS, SNS or S3 destination with the AWS SDK (`sdk` from
    /// [`config::bootstrap::sdk_config`](crate::config::bootstrap::sdk_config); its endpoint
    /// override applies).
    pub fn aws(
        destination: &Destination,
        sdk: &SdkConfig,
        mapping: MappingInfo,
    ) -> Result<Self, DestinationError> {
        let region = destination.region().map(|r| Region::new(r.to_owned()));
        let target = match destination {
            Destination::Sqs { arn } => {
                let mut b = aws_sdk_sqs::config::Builder::from(sdk);
                if let Some(r) = region {
                    b = b.region(r);
                }
                Target::Sqs {
                    arn: arn.clone(),
                    client: aws_sdk_sqs::Client::from_conf(b.build()),
                    queue_url: tokio::sync::OnceCell::new(),
                }
            }
            Destination::Sns { arn } => {
                let mut b = aws_sdk_sns::config::Builder::from(sdk);
                if let Some(r) = region {
                    b = b.region(r);
                }
                Target::Sns {
                    arn: arn.clone(),
                    client: aws_sdk_sns::Client::from_conf(b.build()),
                }
            }
            Destination::S3 { arn } => Target::S3 {
                arn: arn.clone(),
                bucket: arn.rsplit(':').next().unwrap_or_default().to_owned(),
                client: aws_sdk_s3::Client::from_conf(
                    aws_sdk_s3::config::Builder::from(sdk)
                        // Emulators and VPC endpoints serve buckets by path.
                        .force_path_style(sdk.endpoint_url().is_some())
                        .build(),
                ),
            },
            other => {
                return Err(DestinationError::Setup {
                    destination: other.to_string(),
                    problem: "not an AWS destination".to_owned(),
                });
            }
        };
        Ok(Self { target, mapping })
    }

    /// Opens any destination: `sdk` is needed for SQS/SNS/S3, `client` for `kafka://`.
    pub fn open(
        destination: &Destination,
        mapping: MappingInfo,
        sdk: Option<&SdkConfig>,
        client: Option<&ClientConfig>,
    ) -> Result<Self, DestinationError> {
        let setup = |problem: &str| DestinationError::Setup {
            destination: destination.to_string(),
            problem: problem.to_owned(),
        };
        match destination {
            Destination::File { path } => Self::file(path, mapping),
            Destination::Kafka { topic } => Self::kafka(
                topic,
                client.ok_or_else(|| setup("no Kafka client configuration given"))?,
                mapping,
            ),
            aws => Self::aws(
                aws,
                sdk.ok_or_else(|| setup("no AWS configuration given"))?,
                mapping,
            ),
        }
    }

    /// Where this sink writes.
    pub fn destination(&self) -> String {
        match &self.target {
            Target::File { path, .. } => path.display().to_string(),
            Target::Kafka { topic, .. } => format!("kafka://{topic}"),
            Target::Sqs { arn, .. } | Target::Sns { arn, .. } | Target::S3 { arn, .. } => {
                arn.clone()
            }
        }
    }

    /// Writes `batch`.
    pub async fn send(&self, batch: &FailedBatch) -> Result<Delivered, DestinationError> {
        let now = OffsetDateTime::now_utc();
        let destination = self.destination();
        match &self.target {
            Target::File { path, file } => {
                let mut record = invocation_record(&self.mapping, batch, now, None);
                if let (Value::Object(map), Some(payload)) = (&mut record, &batch.payload) {
                    map.insert(
                        "payload".to_owned(),
                        serde_json::from_slice(payload).unwrap_or_else(|_| {
                            Value::String(String::from_utf8_lossy(payload).into_owned())
                        }),
                    );
                    map.insert(
                        "mskgate".to_owned(),
                        json!({
                            "reason": batch.reason,
                            "consumerGroupId": self.mapping.consumer_group,
                            "handler": self.mapping.handler,
                        }),
                    );
                }
                let mut line = record.to_string();
                line.push('\n');
                let file = Arc::clone(file);
                let path = path.clone();
                let written = tokio::task::spawn_blocking(move || {
                    let mut f = file.lock().unwrap_or_else(|p| p.into_inner());
                    f.write_all(line.as_bytes())?;
                    f.sync_data()
                })
                .await
                .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
                written.map_err(|source| DestinationError::File { path, source })?;
                Ok(Delivered {
                    destination,
                    messages: 1,
                    id: None,
                })
            }
            Target::Sqs {
                arn,
                client,
                queue_url,
            } => {
                let url = queue_url
                    .get_or_try_init(|| async {
                        let mut parts = arn.split(':');
                        let account = parts.nth(4).unwrap_or_default();
                        let name = parts.next().unwrap_or_default();
                        client
                            .get_queue_url()
                            .queue_name(name)
                            .queue_owner_aws_account_id(account)
                            .send()
                            .await
                            .map_err(|e| aws_error(arn, "GetQueueUrl", sdk_message(&e)))?
                            .queue_url
                            .ok_or_else(|| {
                                aws_error(
                                    arn,
                                    "GetQueueUrl",
                                    "no QueueUrl in the answer".to_owned(),
                                )
                            })
                    })
                    .await?;
                let body = invocation_record(&self.mapping, batch, now, None).to_string();
                let out = client
                    .send_message()
                    .queue_url(url)
                    .message_body(body)
                    .send()
                    .await
                    .map_err(|e| aws_error(arn, "SendMessage", sdk_message(&e)))?;
                Ok(Delivered {
                    destination,
                    messages: 1,
                    id: out.message_id,
                })
            }
            Target::Sns { arn, client } => {
                let body = invocation_record(&self.mapping, batch, now, None).to_string();
                let out = client
                    .publish()
                    .topic_arn(arn)
                    .message(body)
                    .send()
                    .await
                    .map_err(|e| aws_error(arn, "Publish", sdk_message(&e)))?;
                Ok(Delivered {
                    destination,
                    messages: 1,
                    id: out.message_id,
                })
            }
            Target::S3 {
                arn,
                bucket,
                client,
            } => {
                let payload = batch
                    .payload
                    .as_ref()
                    .map(|p| String::from_utf8_lossy(p).into_owned());
                let body = invocation_record(&self.mapping, batch, now, payload).to_string();
                let key = s3_key(&self.mapping.uuid, batch, now);
                client
                    .put_object()
                    .bucket(bucket)
                    .key(&key)
                    .content_type("application/json")
                    .body(body.into_bytes().into())
                    .send()
                    .await
                    .map_err(|e| aws_error(arn, "PutObject", sdk_message(&e)))?;
                Ok(Delivered {
                    destination,
                    messages: 1,
                    id: Some(key),
                })
            }
            Target::Kafka { topic, producer } => {
                for record in &batch.records {
                    let event = single_record_event(&self.mapping, record);
                    let event_text = event.to_string();
                    let mut message = invocation_record(&self.mapping, batch, now, None);
                    if let Value::Object(map) = &mut message {
                        map.insert(
                            "KafkaBatchInfo".to_owned(),
                            kafka_batch_info(
                                &self.mapping,
                                1,
                                event_text.len(),
                                "recordInfo",
                                json!({
                                    "offset": record.offset.to_string(),
                                    "timestamp": iso_millis(record.timestamp),
                                }),
                            ),
                        );
                        map.insert("payload".to_owned(), event);
                    }
                    let value = message.to_string();
                    producer
                        .produce(topic, record.key(), value.as_bytes())
                        .await
                        .map_err(|message| DestinationError::Kafka {
                            topic: topic.clone(),
                            message,
                        })?;
                }
                Ok(Delivered {
                    destination,
                    messages: batch.records.len(),
                    id: None,
                })
            }
        }
    }
}

fn aws_error(arn: &str, operation: &'static str, message: String) -> DestinationError {
    DestinationError::Aws {
        destination: arn.to_owned(),
        operation,
        message,
    }
}

/// Lambda's invocation record for a failed Kafka batch (SQS/SNS shape; with `payload` as a
/// string for S3).
pub fn invocation_record(
    mapping: &MappingInfo,
    batch: &FailedBatch,
    now: OffsetDateTime,
    payload: Option<String>,
) -> Value {
    let response = batch.response.as_ref().map_or(Value::Null, |r| {
        let mut m = Map::new();
        m.insert("statusCode".into(), json!(r.status_code));
        m.insert("executedVersion".into(), json!(r.executed_version));
        if let Some(e) = &r.function_error {
            m.insert("functionError".into(), json!(e));
        }
        Value::Object(m)
    });
    let mut records_info = Map::new();
    for record in &batch.records {
        let key = record.topic_partition().event_key();
        let entry = records_info.entry(key).or_insert_with(|| {
            json!({
                "firstRecordOffset": record.offset.to_string(),
                "lastRecordOffset": record.offset.to_string(),
                "firstRecordTimestamp": iso_millis(record.timestamp),
                "lastRecordTimestamp": iso_millis(record.timestamp),
            })
        });
        if let Value::Object(e) = entry {
            e.insert("lastRecordOffset".into(), json!(record.offset.to_string()));
            e.insert(
                "lastRecordTimestamp".into(),
                json!(iso_millis(record.timestamp)),
            );
        }
    }
    let payload_size = batch.payload.as_ref().map_or(0, |p| p.len());
    let mut out = Map::new();
    out.insert(
        "requestContext".into(),
        json!({
            "requestId": random_uuid(),
            "functionArn": mapping.function_arn,
            "condition": batch.condition.as_str(),
            "approximateInvokeCount": batch.approximate_invoke_count,
        }),
    );
    out.insert("responseContext".into(), response);
    out.insert("version".into(), json!("1.0"));
    out.insert("timestamp".into(), json!(iso(now)));
    out.insert(
        "KafkaBatchInfo".into(),
        kafka_batch_info(
            mapping,
            batch.records.len(),
            payload_size,
            "recordsInfo",
            Value::Object(records_info),
        ),
    );
    if let Some(p) = payload {
        out.insert("payload".into(), Value::String(p));
    }
    Value::Object(out)
}

fn kafka_batch_info(
    mapping: &MappingInfo,
    batch_size: usize,
    payload_size: usize,
    info_key: &str,
    info: Value,
) -> Value {
    let mut m = Map::new();
    m.insert("batchSize".into(), json!(batch_size));
    if let Some(arn) = &mapping.event_source_arn {
        m.insert("eventSourceArn".into(), json!(arn));
    }
    m.insert("bootstrapServers".into(), json!(mapping.bootstrap_servers));
    m.insert("payloadSize".into(), json!(payload_size));
    m.insert(info_key.into(), info);
    Value::Object(m)
}

/// The one-record event of a Kafka destination message's `payload`.
fn single_record_event(mapping: &MappingInfo, record: &Record) -> Value {
    let mut r = Map::new();
    r.insert("topic".into(), json!(&*record.topic));
    r.insert("partition".into(), json!(record.partition));
    r.insert("offset".into(), json!(record.offset));
    r.insert("timestamp".into(), json!(record.timestamp));
    r.insert(
        "timestampType".into(),
        json!(record.timestamp_type.as_str()),
    );
    if let Some(k) = record.key() {
        r.insert("key".into(), json!(BASE64.encode(k)));
    }
    if let Some(v) = record.value() {
        r.insert("value".into(), json!(BASE64.encode(v)));
    }
    let headers: Vec<Value> = record
        .headers()
        .map(|h| {
            let bytes: Vec<i8> = h
                .value
                .unwrap_or_default()
                .iter()
                .map(|b| i8::from_ne_bytes([*b]))
                .collect();
            let mut one = Map::new();
            one.insert(h.key.to_owned(), json!(bytes));
            Value::Object(one)
        })
        .collect();
    r.insert("headers".into(), Value::Array(headers));
    let mut event = Map::new();
    match &mapping.event_source_arn {
        Some(arn) => {
            event.insert("eventSource".into(), json!("aws:kafka"));
            event.insert("eventSourceArn".into(), json!(arn));
        }
        None => {
            event.insert("eventSource".into(), json!("SelfManagedKafka"));
        }
    }
    event.insert("bootstrapServers".into(), json!(mapping.bootstrap_servers));
    let mut records = Map::new();
    records.insert(
        record.topic_partition().event_key(),
        Value::Array(vec![Value::Object(r)]),
    );
    event.insert("records".into(), Value::Object(records));
    Value::Object(event)
}

/// `aws/lambda/<UUID>/<topic>-<partition>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>`.
fn s3_key(uuid: &str, batch: &FailedBatch, now: OffsetDateTime) -> String {
    let shard = batch
        .records
        .first()
        .map_or_else(|| "unknown".to_owned(), |r| r.topic_partition().event_key());
    let day = now
        .format(format_description!("[year]/[month]/[day]"))
        .unwrap_or_default();
    let stamp = now
        .format(format_description!(
            "[year]-[month]-[day]T[hour].[minute].[second]"
        ))
        .unwrap_or_default();
    format!("aws/lambda/{uuid}/{shard}/{day}/{stamp}-{}", random_uuid())
}

/// `2019-11-14T00:38:06.021Z`.
fn iso(t: OffsetDateTime) -> String {
    t.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    ))
    .unwrap_or_default()
}

/// A record timestamp (ms since the epoch) as [`iso`]; out-of-range values as the epoch.
fn iso_millis(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    iso(t)
}

/// A random (version 4) UUID.
fn random_uuid() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // No OS randomness: a request id only needs to be unique, so time will do.
        let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
        b = nanos.to_le_bytes();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Header, TimestampType};

    fn record(partition: i32, offset: i64) -> Record {
        Record::new(
            Arc::from("orders"),
            partition,
            offset,
            Some(b"k"),
            Some(b"v"),
            [Header {
                key: "h",
                value: Some("ë".as_bytes()),
            }],
        )
        .with_timestamp(1_700_000_000_123 + offset, TimestampType::CreateTime)
    }

    fn mapping() -> MappingInfo {
        MappingInfo {
            uuid: "11111111-2222-3333-4444-555555555555".into(),
            function_arn: "arn:aws:lambda:us-east-1:123456789012:function:f".into(),
            event_source_arn: None,
            bootstrap_servers: "b:9092".into(),
            consumer_group: "g".into(),
            source_topic: "orders".into(),
            handler: "f".into(),
        }
    }

    #[test]
    fn parses_destinations() {
        assert_eq!(
            Destination::parse("kafka://failed-orders"),
            Ok(Destination::Kafka {
                topic: "failed-orders".into()
            })
        );
        assert!(matches!(
            Destination::parse("arn:aws:sqs:us-east-1:123456789012:dlq"),
            Ok(Destination::Sqs { .. })
        ));
        assert!(matches!(
            Destination::parse("arn:aws:sns:eu-west-1:123456789012:t"),
            Ok(Destination::Sns { .. })
        ));
        assert!(matches!(
            Destination::parse("arn:aws:s3:::bucket"),
            Ok(Destination::S3 { .. })
        ));
        for bad in [
            "kafka://",
            "kafka://.x",
            "kafka://a b",
            "sqs://q",
            "arn:aws:s3:us-east-1:123456789012:bucket",
            "arn:aws:lambda:us-east-1:123456789012:function:f",
            "arn:aws:sqs:us-east-1:1:q",
        ] {
            assert!(Destination::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn record_has_lambdas_shape() {
        let batch = FailedBatch {
            records: vec![record(0, 5), record(0, 6), record(1, 9)],
            condition: FailureCondition::RetryAttemptsExhausted,
            approximate_invoke_count: 3,
            response: Some(ResponseContext {
                status_code: 200,
                executed_version: "$LATEST".into(),
                function_error: Some("Unhandled".into()),
            }),
            payload: Some(Arc::from(&b"{\"records\":{}}"[..])),
            reason: "exit status 1".into(),
        };
        let now = OffsetDateTime::from_unix_timestamp(1_573_692_286).expect("time");
        let v = invocation_record(&mapping(), &batch, now, None);
        assert_eq!(v["version"], "1.0");
        assert_eq!(v["timestamp"], "2019-11-14T00:44:46.000Z");
        assert_eq!(v["requestContext"]["condition"], "RetryAttemptsExhausted");
        assert_eq!(v["requestContext"]["approximateInvokeCount"], 3);
        assert_eq!(v["responseContext"]["functionError"], "Unhandled");
        let info = &v["KafkaBatchInfo"];
        assert_eq!(info["batchSize"], 3);
        assert_eq!(info["payloadSize"], 14);
        assert_eq!(info["bootstrapServers"], "b:9092");
        assert!(info.get("eventSourceArn").is_none());
        assert_eq!(info["recordsInfo"]["orders-0"]["firstRecordOffset"], "5");
        assert_eq!(info["recordsInfo"]["orders-0"]["lastRecordOffset"], "6");
        assert_eq!(
            info["recordsInfo"]["orders-0"]["lastRecordTimestamp"],
            "2023-11-14T22:13:20.129Z"
        );
        assert_eq!(info["recordsInfo"]["orders-1"]["firstRecordOffset"], "9");
        assert!(v.get("payload").is_none());
        // Never the reason, never record content in the Lambda-shaped record.
        let text = v.to_string();
        assert!(!text.contains("exit status"));
    }

    #[test]
    fn single_record_event_encodes_like_lambda() {
        let e = single_record_event(&mapping(), &record(2, 7));
        assert_eq!(e["eventSource"], "SelfManagedKafka");
        let r = &e["records"]["orders-2"][0];
        assert_eq!(r["key"], "aw==");
        assert_eq!(r["value"], "dg==");
        assert_eq!(r["headers"][0]["h"], json!([-61, -85]));
    }

    #[test]
    fn s3_keys_follow_the_documented_convention() {
        let batch = FailedBatch {
            records: vec![record(3, 1)],
            condition: FailureCondition::RecordAgeExceeded,
            approximate_invoke_count: 1,
            response: None,
            payload: None,
            reason: String::new(),
        };
        let now = OffsetDateTime::from_unix_timestamp(1_573_692_286).expect("time");
        let key = s3_key("u-1", &batch, now);
        let prefix = "aws/lambda/u-1/orders-3/2019/11/14/2019-11-14T00.44.46-";
        assert!(key.starts_with(prefix), "{key}");
        assert_eq!(key.len(), prefix.len() + 36, "{key}");
    }

    #[test]
    fn uuids_are_version_4() {
        let u = random_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_ne!(u, random_uuid());
    }
}
