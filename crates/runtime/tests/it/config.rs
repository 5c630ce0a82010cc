//! The runtime configuration file: the fixtures in every format, the contract example, every
//! error (key path, value, range, fix), and "never panics" on arbitrary text.

use std::path::{Path, PathBuf};
use std::time::Duration;

use mskgate_auth::load::SecretSource;
use mskgate_runtime::config::{
    AuthConfig, ConfigError, EventSource, Format, HandlerKind, LogFormat, RuntimeConfig,
    SecurityProtocol, StartingPosition,
};
use mskgate_runtime::destination::Destination;
use proptest::prelude::*;
use serde_json::{Value, json};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/runtime")
}

/// The contract example of issue 5, verbatim.
const CONTRACT: &str = r#"{"source": {"SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["127.0.0.1:9092"]}},
            "Topics": ["orders"], "StartingPosition": "TRIM_HORIZON", "BatchSize": 100,
            "MaximumBatchingWindowInSeconds": 1,
            "SelfManagedKafkaEventSourceConfig": {"ConsumerGroupId": "orders-reader"}},
 "handler": {"command": ["python3", "handler.py"]}}"#;

fn base() -> Value {
    serde_json::from_str(CONTRACT).expect("contract JSON")
}

fn parse(v: &Value) -> Result<RuntimeConfig, ConfigError> {
    RuntimeConfig::parse(&v.to_string(), Format::Json, "test.json", None)
}

fn with(f: impl FnOnce(&mut Value)) -> Result<RuntimeConfig, ConfigError> {
    let mut v = base();
    f(&mut v);
    parse(&v)
}

/// The error text, checked to contain each of `parts`.
fn error_of(result: Result<RuntimeConfig, ConfigError>, parts: &[&str]) -> String {
    let err = match result {
        Ok(c) => panic!("expected an error containing {parts:?}, got {c:?}"),
        Err(e) => e.to_string(),
    };
    for part in parts {
        assert!(err.contains(part), "`{part}` not in: {err}");
    }
    err
}

const SCRAM_ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_x-AbCdEf";
const MSK_ARN: &str = "arn:aws:kafka:us-east-1:123456789012:cluster/c/0a1b-2";

fn msk(v: &mut Value) {
    let s = v["source"].as_object_mut().expect("source");
    s.remove("SelfManagedEventSource");
    s.remove("SelfManagedKafkaEventSourceConfig");
    s.insert("EventSourceArn".into(), json!(MSK_ARN));
    s.insert(
        "AmazonManagedKafkaEventSourceConfig".into(),
        json!({"ConsumerGroupId": "g"}),
    );
}

#[test]
fn parses_the_contract_example_with_lambdas_defaults() {
    let c = RuntimeConfig::from_str(CONTRACT, Format::Json).expect("contract");
    assert_eq!(
        c.source.event_source,
        EventSource::SelfManaged {
            bootstrap_servers: vec!["127.0.0.1:9092".into()]
        }
    );
    assert_eq!(c.source.topics, ["orders"]);
    assert_eq!(c.source.starting_position, StartingPosition::TrimHorizon);
    assert_eq!(c.source.batch_size, 100);
    assert_eq!(c.source.batching_window, Duration::from_secs(1));
    assert_eq!(c.group_id(), "orders-reader");
    assert_eq!(c.source.auth, AuthConfig::None);
    assert_eq!(c.security_protocol(), SecurityProtocol::Plaintext);
    assert_eq!(
        c.handler.kind,
        HandlerKind::Command {
            argv: vec!["python3".into(), "handler.py".into()]
        }
    );
    assert_eq!(c.handler.name, "python3");
    assert_eq!(c.handler.timeout, Duration::from_secs(3));
    assert_eq!(c.source.maximum_retry_attempts, None);
    assert_eq!(c.source.maximum_record_age, None);
    assert!(!c.source.bisect_batch_on_function_error);
    assert!(!c.source.report_batch_item_failures);
    assert!(c.source.enabled);
    assert_eq!(
        c.metrics_listen,
        Some("127.0.0.1:9464".parse().expect("addr"))
    );
    assert_eq!(c.concurrency.max, None);
    assert_eq!(c.concurrency.scale_interval, Duration::from_secs(60));
    assert_eq!(c.shutdown_timeout, Duration::from_secs(30));
    assert_eq!(c.on_failure, None);
    assert_eq!(c.logging.format, LogFormat::Text);
    assert_eq!(c.logging.level, "info");
    assert!(c.notes.is_empty());
}

#[test]
fn batching_window_defaults_to_500_ms() {
    let c = with(|v| {
        v["source"]
            .as_object_mut()
            .expect("source")
            .remove("MaximumBatchingWindowInSeconds");
    })
    .expect("config");
    assert_eq!(c.source.batching_window, Duration::from_millis(500));
    let c = with(|v| v["source"]["MaximumBatchingWindowInSeconds"] = json!(0)).expect("zero");
    assert_eq!(c.source.batching_window, Duration::ZERO);
}

#[test]
fn json_yaml_and_toml_fixtures_are_the_same_config() {
    let dir = fixtures();
    let load = |name: &str| {
        let mut c = RuntimeConfig::load(&dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        c.path = None;
        c
    };
    let json = load("self-managed-plaintext.json");
    assert_eq!(json, load("self-managed-plaintext.yaml"));
    assert_eq!(json, load("self-managed-plaintext.toml"));
    assert_eq!(json.kafka["session.timeout.ms"], "45000");
    assert_eq!(
        json.on_failure,
        Some(Destination::File {
            path: dir.join("failed-orders.jsonl")
        })
    );
    assert_eq!(json.source.filter_patterns.len(), 1);
    assert!(json.source.report_batch_item_failures);
    assert_eq!(json.source.maximum_retry_attempts, Some(3));
    assert_eq!(json.logging.format, LogFormat::Json);
}

#[test]
fn every_fixture_parses_with_its_auth_mode() {
    let dir = fixtures();
    let load =
        |name: &str| RuntimeConfig::load(&dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));

    let iam = load("msk-iam.json");
    assert_eq!(iam.source.auth, AuthConfig::Iam);
    assert_eq!(iam.security_protocol(), SecurityProtocol::SaslSsl);
    assert_eq!(iam.group_id(), "orders-iam");
    assert!(matches!(iam.on_failure, Some(Destination::Sqs { .. })));
    // Infinite retries with an on-failure destination: Lambda applies 10.
    assert_eq!(iam.effective_maximum_retry_attempts(), Some(10));
    match &iam.handler.kind {
        HandlerKind::Lambda {
            function_name,
            region,
            ..
        } => {
            assert_eq!(
                function_name,
                "arn:aws:lambda:us-east-1:123456789012:function:orders-handler"
            );
            assert_eq!(region.as_deref(), Some("us-east-1"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(iam.handler.name, "orders-handler");
    assert!(matches!(
        iam.source.event_source,
        EventSource::Msk {
            bootstrap_servers: None,
            ..
        }
    ));

    let scram = load("msk-scram512.json");
    match &scram.source.auth {
        AuthConfig::Scram512 { secret } => {
            assert_eq!(
                secret.source,
                SecretSource::File(dir.join("../secrets/scram.json"))
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        scram.source.starting_position,
        StartingPosition::AtTimestamp(1_735_689_600_000)
    );
    assert!(
        matches!(&scram.source.event_source, EventSource::Msk { bootstrap_servers: Some(b), .. } if b.len() == 2)
    );
    assert_eq!(
        scram.on_failure,
        Some(Destination::Kafka {
            topic: "orders-failed".into()
        })
    );

    let mtls = load("msk-mtls.json");
    assert!(matches!(mtls.source.auth, AuthConfig::Mtls { .. }));
    assert_eq!(mtls.security_protocol(), SecurityProtocol::Ssl);
    assert!(matches!(mtls.on_failure, Some(Destination::S3 { .. })));

    let s256 = load("self-managed-scram256.json");
    match &s256.source.auth {
        AuthConfig::Scram256 { secret } => {
            assert_eq!(
                secret.source,
                SecretSource::Env("ORDERS_SCRAM_SECRET".into())
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(s256.source.root_ca.is_some());
    assert_eq!(s256.notes.len(), 1, "{:?}", s256.notes);
    assert!(s256.notes[0].contains("VPC_SUBNET and VPC_SECURITY_GROUP ignored"));

    let basic = load("self-managed-basic.json");
    assert!(matches!(basic.source.auth, AuthConfig::Plain { .. }));
    assert_eq!(basic.tls.ca_file, Some(dir.join("../pki/rsa/root.pem")));
    assert_eq!(basic.security_protocol(), SecurityProtocol::SaslSsl);

    let smtls = load("self-managed-mtls.json");
    assert!(matches!(smtls.source.auth, AuthConfig::Mtls { .. }));
    assert_eq!(smtls.group_id(), "0d6c1c4e-3b9a-4f2e-9c1d-7a8b9c0d1e2f");
    assert_eq!(smtls.metrics_listen, None);
}

#[test]
fn fixture_secret_files_exist() {
    // The `file:` sources of the fixtures point at real fixture secrets.
    for name in [
        "msk-scram512.json",
        "msk-mtls.json",
        "self-managed-basic.json",
        "self-managed-mtls.json",
    ] {
        let c = RuntimeConfig::load(&fixtures().join(name)).expect(name);
        for secret in c
            .source
            .auth
            .secret()
            .into_iter()
            .chain(c.source.root_ca.as_ref())
        {
            if let SecretSource::File(p) = &secret.source {
                assert!(p.is_file(), "{name}: {}", p.display());
            }
        }
    }
}

#[test]
fn unknown_keys_name_the_path_and_the_closest_known_key() {
    error_of(
        with(|v| v["source"]["BatchSzie"] = json!(10)),
        &[
            "test.json",
            "unknown key `BatchSzie` at `source.BatchSzie`",
            "did you mean `BatchSize`?",
        ],
    );
    error_of(
        with(|v| v["handler"]["timeout"] = json!(10)),
        &["`handler.timeout`", "`timeout_seconds`"],
    );
    error_of(
        with(|v| v["logging"] = json!({"fromat": "json"})),
        &["`logging.fromat`", "did you mean `format`?"],
    );
    error_of(
        with(|v| v["handlr"] = json!({})),
        &["`handlr`", "did you mean `handler`?"],
    );
    let e = error_of(
        with(|v| v["zzz_unrelated"] = json!(1)),
        &["`zzz_unrelated`", "known here are"],
    );
    assert!(!e.contains("did you mean"), "{e}");
}

#[test]
fn read_only_keys_of_get_event_source_mapping_are_accepted() {
    let c = with(|v| {
        let s = v["source"].as_object_mut().expect("source");
        for (k, val) in [
            (
                "FunctionArn",
                json!("arn:aws:lambda:us-east-1:123456789012:function:f"),
            ),
            ("LastModified", json!(1_700_000_000.5)),
            ("LastProcessingResult", json!("OK")),
            ("State", json!("Enabled")),
            ("StateTransitionReason", json!("USER_INITIATED")),
            (
                "EventSourceMappingArn",
                json!("arn:aws:lambda:us-east-1:123456789012:event-source-mapping:x"),
            ),
            ("UUID", json!("x-1")),
            ("Enabled", json!(false)),
            ("MetricsConfig", json!({"Metrics": ["EventCount"]})),
        ] {
            s.insert(k.into(), val);
        }
    })
    .expect("config");
    assert!(!c.source.enabled);
    assert_eq!(
        c.source.function_name.as_deref(),
        Some("arn:aws:lambda:us-east-1:123456789012:function:f")
    );
    assert!(c.notes.iter().any(|n| n.contains("MetricsConfig")));
}

#[test]
fn keys_of_other_event_sources_are_refused() {
    error_of(
        with(|v| v["source"]["ParallelizationFactor"] = json!(2)),
        &["`source.ParallelizationFactor`", "does not apply to Kafka"],
    );
}

#[test]
fn numbers_out_of_range_show_the_value_and_the_range() {
    for (key, value, range) in [
        ("BatchSize", json!(0), "from 1 to 10000"),
        ("BatchSize", json!(10_001), "from 1 to 10000"),
        (
            "MaximumBatchingWindowInSeconds",
            json!(301),
            "from 0 to 300",
        ),
        ("MaximumRetryAttempts", json!(-2), "0 to 10000"),
        ("MaximumRetryAttempts", json!(10_001), "0 to 10000"),
        ("MaximumRecordAgeInSeconds", json!(59), "60 to 604800"),
        ("MaximumRecordAgeInSeconds", json!(604_801), "60 to 604800"),
    ] {
        let shown = value.to_string();
        error_of(
            with(|v| v["source"][key] = value),
            &[
                &format!("`source.{key}`"),
                &format!("{shown} is out of range"),
                range,
            ],
        );
    }
    error_of(
        with(|v| v["source"]["BatchSize"] = json!(1.5)),
        &["`source.BatchSize`", "whole number"],
    );
    error_of(
        with(|v| v["source"]["BatchSize"] = json!("100")),
        &[
            "`source.BatchSize`",
            "expected a whole number, found a string",
        ],
    );
    error_of(
        with(|v| v["handler"]["timeout_seconds"] = json!(841)),
        &[
            "`handler.timeout_seconds`",
            "841 is out of range",
            "from 1 to 840",
        ],
    );
}

#[test]
fn retry_and_age_limits_are_typed() {
    let c = with(|v| {
        v["source"]["MaximumRetryAttempts"] = json!(0);
        v["source"]["MaximumRecordAgeInSeconds"] = json!(60);
    })
    .expect("config");
    assert_eq!(c.source.maximum_retry_attempts, Some(0));
    assert_eq!(c.effective_maximum_retry_attempts(), Some(0));
    assert_eq!(c.source.maximum_record_age, Some(Duration::from_secs(60)));
    let c = with(|v| {
        v["source"]["MaximumRetryAttempts"] = json!(-1);
        v["source"]["MaximumRecordAgeInSeconds"] = json!(-1);
    })
    .expect("config");
    assert_eq!(c.effective_maximum_retry_attempts(), None);
    assert_eq!(c.source.maximum_record_age, None);
}

#[test]
fn the_event_source_must_be_one_of_two() {
    error_of(
        with(|v| v["source"]["EventSourceArn"] = json!(MSK_ARN)),
        &["both EventSourceArn and SelfManagedEventSource"],
    );
    error_of(
        with(|v| {
            v["source"]
                .as_object_mut()
                .expect("source")
                .remove("SelfManagedEventSource");
        }),
        &[
            "no event source",
            "EventSourceArn",
            "SelfManagedEventSource",
        ],
    );
    error_of(
        with(|v| {
            msk(v);
            v["source"]["EventSourceArn"] = json!("arn:aws:kafka:us-east-1:123456789012:topic/x");
        }),
        &["`source.EventSourceArn`", "is not an MSK cluster ARN"],
    );
    error_of(
        with(|v| {
            v["source"]["SelfManagedEventSource"]["Endpoints"]["KAFKA_BOOTSTRAP_SERVERS"] =
                json!(["PLAINTEXT://h:9092"])
        }),
        &[
            "KAFKA_BOOTSTRAP_SERVERS[0]",
            "`PLAINTEXT://h:9092` is not host:port",
        ],
    );
    error_of(
        with(|v| {
            v["source"]["SelfManagedEventSource"]["Endpoints"]["KAFKA_BOOTSTRAP_SERVERS"] =
                json!([])
        }),
        &["0 bootstrap servers", "1 to 10"],
    );
}

#[test]
fn exactly_one_topic() {
    error_of(
        with(|v| v["source"]["Topics"] = json!(["a", "b"])),
        &["`source.Topics`", "2 topics", "exactly one"],
    );
    error_of(
        with(|v| v["source"]["Topics"] = json!(["bad topic"])),
        &[
            "`source.Topics[0]`",
            "`bad topic` is not a valid topic name",
        ],
    );
    error_of(
        with(|v| {
            v["source"]
                .as_object_mut()
                .expect("source")
                .remove("Topics");
        }),
        &["`source.Topics`", "missing"],
    );
}

#[test]
fn starting_positions() {
    error_of(
        with(|v| v["source"]["StartingPosition"] = json!("EARLIEST")),
        &[
            "`EARLIEST` is not a starting position",
            "TRIM_HORIZON, LATEST or AT_TIMESTAMP",
        ],
    );
    error_of(
        with(|v| {
            v["source"]
                .as_object_mut()
                .expect("source")
                .remove("StartingPosition");
        }),
        &["`source.StartingPosition`", "missing"],
    );
    error_of(
        with(|v| v["source"]["StartingPosition"] = json!("AT_TIMESTAMP")),
        &[
            "`source.StartingPositionTimestamp`",
            "AT_TIMESTAMP needs a timestamp",
        ],
    );
    error_of(
        with(|v| v["source"]["StartingPositionTimestamp"] = json!(1)),
        &["set without StartingPosition AT_TIMESTAMP"],
    );
    for (ts, ms) in [
        (json!(1_735_689_600), 1_735_689_600_000),
        (json!(1_735_689_600.25), 1_735_689_600_250),
        (json!("2025-01-01T00:00:00Z"), 1_735_689_600_000),
        (json!("2025-01-01T01:00:00.5+01:00"), 1_735_689_600_500),
    ] {
        let c = with(|v| {
            v["source"]["StartingPosition"] = json!("AT_TIMESTAMP");
            v["source"]["StartingPositionTimestamp"] = ts.clone();
        })
        .unwrap_or_else(|e| panic!("{ts}: {e}"));
        assert_eq!(
            c.source.starting_position,
            StartingPosition::AtTimestamp(ms),
            "{ts}"
        );
    }
    error_of(
        with(|v| {
            v["source"]["StartingPosition"] = json!("AT_TIMESTAMP");
            v["source"]["StartingPositionTimestamp"] = json!("yesterday");
        }),
        &["`\"yesterday\"` is not a usable time", "RFC 3339"],
    );
}

#[test]
fn a_consumer_group_id_is_required() {
    let e = error_of(
        with(|v| {
            v["source"]
                .as_object_mut()
                .expect("source")
                .remove("SelfManagedKafkaEventSourceConfig");
        }),
        &[
            "no consumer group id",
            "SelfManagedKafkaEventSourceConfig",
            "ConsumerGroupId",
        ],
    );
    assert!(e.contains("UUID"), "{e}");
    let c = with(|v| {
        v["source"]
            .as_object_mut()
            .expect("source")
            .remove("SelfManagedKafkaEventSourceConfig");
        v["source"]["UUID"] = json!("9f8e7d6c-0000-4000-8000-000000000001");
    })
    .expect("uuid");
    assert_eq!(c.group_id(), "9f8e7d6c-0000-4000-8000-000000000001");
    error_of(
        with(|v| {
            v["source"]["SelfManagedKafkaEventSourceConfig"]["ConsumerGroupId"] = json!("has space")
        }),
        &[
            "`has space` is not a valid consumer group id",
            "1 to 200 characters",
        ],
    );
    error_of(
        with(|v| {
            v["source"]["AmazonManagedKafkaEventSourceConfig"] = json!({"ConsumerGroupId": "x"});
        }),
        &[
            "`source.AmazonManagedKafkaEventSourceConfig`",
            "rename it to SelfManagedKafkaEventSourceConfig",
        ],
    );
}

#[test]
fn msk_allows_only_its_auth_types() {
    let c = with(msk).expect("msk");
    assert_eq!(
        c.source.auth,
        AuthConfig::Iam,
        "no auth on MSK is IAM, like Lambda"
    );
    for (kind, hint) in [
        ("SASL_SCRAM_256_AUTH", "SHA-512 only"),
        ("BASIC_AUTH", "does not support SASL/PLAIN"),
        ("SERVER_ROOT_CA_CERTIFICATE", "Amazon Trust Services"),
        ("VPC_SUBNET", "through the MSK API"),
    ] {
        error_of(
            with(|v| {
                msk(v);
                v["source"]["SourceAccessConfigurations"] =
                    json!([{"Type": kind, "URI": SCRAM_ARN}]);
            }),
            &[
                "SourceAccessConfigurations[0].Type",
                &format!("`{kind}` is not allowed for an MSK source"),
                hint,
            ],
        );
    }
    let c = with(|v| {
        msk(v);
        v["source"]["SourceAccessConfigurations"] =
            json!([{"Type": "SASL_SCRAM_512_AUTH", "URI": SCRAM_ARN}]);
    })
    .expect("scram-512 on MSK");
    match c.source.auth {
        AuthConfig::Scram512 { secret } => {
            assert_eq!(secret.uri, SCRAM_ARN);
            assert_eq!(
                secret.source,
                SecretSource::SecretsManager(SCRAM_ARN.into())
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn one_auth_entry_at_most() {
    error_of(
        with(|v| {
            v["source"]["SourceAccessConfigurations"] = json!([
                {"Type": "SASL_SCRAM_512_AUTH", "URI": SCRAM_ARN},
                {"Type": "CLIENT_CERTIFICATE_TLS_AUTH", "URI": SCRAM_ARN}
            ]);
        }),
        &[
            "SourceAccessConfigurations[1].Type",
            "a second authentication entry (CLIENT_CERTIFICATE_TLS_AUTH, after SASL_SCRAM_512_AUTH)",
        ],
    );
    error_of(
        with(|v| {
            v["source"]["SourceAccessConfigurations"] =
                json!([{"Type": "OAUTHBEARER_AUTH", "URI": SCRAM_ARN}])
        }),
        &["`OAUTHBEARER_AUTH` is not supported by mskgate"],
    );
    error_of(
        with(|v| v["source"]["SourceAccessConfigurations"] = json!([{"Type": "BASIC_AUTH"}])),
        &["SourceAccessConfigurations[0].URI", "missing"],
    );
    let c = with(|v| v["source"]["SourceAccessConfigurations"] = json!([{"Type": "IAM_AUTH"}]))
        .expect("iam");
    assert_eq!(c.source.auth, AuthConfig::Iam);
}

#[test]
fn secrets_map_uris_to_sources() {
    let c = RuntimeConfig::parse(
        &with_scram(json!({SCRAM_ARN: "file:secret.json"})).to_string(),
        Format::Json,
        "/etc/mskgate/c.json",
        Some(Path::new("/etc/mskgate")),
    )
    .expect("config");
    assert_eq!(
        c.source.auth.secret().map(|s| &s.source),
        Some(&SecretSource::File(PathBuf::from(
            "/etc/mskgate/secret.json"
        )))
    );
    error_of(
        parse(&with_scram(
            json!({"arn:aws:secretsmanager:us-east-1:123456789012:secret:typo": "env:X"}),
        )),
        &[
            "`secrets.arn:aws:secretsmanager:us-east-1:123456789012:secret:typo`",
            "no SourceAccessConfigurations entry has this URI",
        ],
    );
    // A bare word is refused, and the error does not echo it.
    let e = error_of(
        parse(&with_scram(json!({SCRAM_ARN: "CANARY-pasted-password"}))),
        &[&format!("`secrets.{SCRAM_ARN}`")],
    );
    assert!(!e.contains("CANARY"), "{e}");
    // A URI that is not an ARN needs a `secrets` entry.
    let mut v = base();
    v["source"]["SourceAccessConfigurations"] = json!([{"Type": "BASIC_AUTH", "URI": "my-secret"}]);
    error_of(
        parse(&v),
        &["`my-secret` is not a Secrets Manager ARN", "\"secrets\""],
    );
}

fn with_scram(secrets: Value) -> Value {
    let mut v = base();
    v["source"]["SourceAccessConfigurations"] =
        json!([{"Type": "SASL_SCRAM_512_AUTH", "URI": SCRAM_ARN}]);
    v["secrets"] = secrets;
    v
}

#[test]
fn kafka_properties_that_carry_security_are_refused_without_echoing_them() {
    for (name, owner) in [
        ("sasl.password", "SourceAccessConfigurations"),
        ("ssl.key.pem", "SourceAccessConfigurations"),
        ("security.protocol", "`tls`"),
        ("enable.ssl.certificate.verification", "`secrets`"),
        ("bootstrap.servers", "KAFKA_BOOTSTRAP_SERVERS"),
        ("group.id", "ConsumerGroupId"),
        ("auto.offset.reset", "StartingPosition"),
        ("enable.auto.commit", "commits only after a batch succeeds"),
        ("enable.auto.offset.store", "commits only after"),
        ("plugin.library.paths", "load code"),
    ] {
        let e = error_of(
            with(|v| v["kafka"] = json!({name: "CANARY-value"})),
            &[
                &format!("`kafka.{name}`"),
                "cannot be set in `kafka`",
                owner,
            ],
        );
        assert!(!e.contains("CANARY"), "{e}");
    }
    let c = with(|v| {
        v["kafka"] = json!({"session.timeout.ms": 45000, "check.crcs": true, "client.id": "x"})
    })
    .expect("tuning");
    assert_eq!(c.kafka["session.timeout.ms"], "45000");
    assert_eq!(c.kafka["check.crcs"], "true");
    error_of(
        with(|v| v["kafka"] = json!({"fetch.max.bytes": [1]})),
        &["`kafka.fetch.max.bytes`", "found a list"],
    );
    error_of(
        with(|v| v["kafka"] = json!({"Session Timeout": "1"})),
        &["not a librdkafka property name"],
    );
    // The commit interval is tunable, but never 0 (no periodic commits) nor unbounded.
    for bad in [json!(0), json!("0"), json!(60_001), json!("soon")] {
        error_of(
            with(|v| v["kafka"] = json!({"auto.commit.interval.ms": bad})),
            &["`kafka.auto.commit.interval.ms`", "from 1 to 60000"],
        );
    }
    let c = with(|v| v["kafka"] = json!({"auto.commit.interval.ms": 500})).expect("interval");
    assert_eq!(c.kafka["auto.commit.interval.ms"], "500");
    // Debug shows the keys, never the values.
    let c = with(|v| v["kafka"] = json!({"client.id": "CANARY-client"})).expect("config");
    let debug = format!("{c:?}");
    assert!(
        debug.contains("client.id") && !debug.contains("CANARY"),
        "{debug}"
    );
}

#[test]
fn bootstrap_servers_belong_to_msk_sources() {
    error_of(
        with(|v| v["bootstrap_servers"] = json!(["h:9092"])),
        &["`bootstrap_servers`", "set for a self-managed source"],
    );
    let c = with(|v| {
        msk(v);
        v["bootstrap_servers"] = json!(["b-1:9098"]);
    })
    .expect("msk");
    assert_eq!(
        c.source.event_source,
        EventSource::Msk {
            arn: MSK_ARN.into(),
            bootstrap_servers: Some(vec!["b-1:9098".into()])
        }
    );
}

#[test]
fn on_failure_destinations() {
    error_of(
        with(|v| {
            v["on_failure_file"] = json!("f.jsonl");
            v["source"]["DestinationConfig"] = json!({"OnFailure": {"Destination": "kafka://dlq"}});
        }),
        &["`on_failure_file`", "keep one on-failure destination"],
    );
    error_of(
        with(|v| {
            v["source"]["DestinationConfig"] =
                json!({"OnFailure": {"Destination": "kafka://orders"}})
        }),
        &[
            "the destination topic `orders` is the source topic",
            "recursion",
        ],
    );
    error_of(
        with(
            |v| v["source"]["DestinationConfig"] = json!({"OnFailure": {"Destination": "arn:aws:lambda:us-east-1:123456789012:function:f"}}),
        ),
        &["`lambda` ARNs cannot be on-failure destinations"],
    );
    let c = with(|v| {
        v["source"]["DestinationConfig"] =
            json!({"OnFailure": {"Destination": ""}, "OnSuccess": {}})
    })
    .expect("empty");
    assert_eq!(c.on_failure, None);
}

#[test]
fn handlers() {
    error_of(
        with(|v| v["handler"] = json!({})),
        &["`handler`", "no handler kind"],
    );
    error_of(
        with(|v| v["handler"]["http"] = json!({"url": "http://h/"})),
        &["several handler kinds (command, http)"],
    );
    error_of(
        with(|v| v["handler"] = json!({"command": []})),
        &["`handler.command`", "empty"],
    );
    error_of(
        with(|v| v["handler"] = json!({"http": {"url": "ftp://h/"}})),
        &["`ftp://h/` is not an http:// or https:// URL"],
    );
    error_of(
        with(|v| v["handler"] = json!({"lambda": {}})),
        &["`handler.lambda.function_name`", "missing"],
    );
    let c = with(|v| v["handler"] = json!({"http": {"url": "http://127.0.0.1:9000/2015-03-31/functions/function/invocations"}, "timeout_seconds": 840, "name": "rie"})).expect("http");
    assert_eq!(c.handler.timeout, Duration::from_secs(840));
    assert_eq!(c.handler.name, "rie");
    let c = with(|v| {
        v["handler"] = json!({"lambda": {"endpoint_url": "http://127.0.0.1:5000"}});
        v["source"]["FunctionName"] = json!("orders-fn");
    })
    .expect("lambda");
    assert_eq!(
        c.handler.kind,
        HandlerKind::Lambda {
            function_name: "orders-fn".into(),
            region: None,
            endpoint_url: Some("http://127.0.0.1:5000".into())
        }
    );
}

#[test]
fn tls_and_sasl_over_plaintext() {
    let scram = |v: &mut Value| {
        v["source"]["SourceAccessConfigurations"] =
            json!([{"Type": "SASL_SCRAM_512_AUTH", "URI": SCRAM_ARN}]);
    };
    let c = with(scram).expect("scram");
    assert!(c.tls.enabled);
    assert_eq!(c.security_protocol(), SecurityProtocol::SaslSsl);
    error_of(
        with(|v| {
            scram(v);
            v["tls"] = json!({"enabled": false});
        }),
        &[
            "`tls.enabled`",
            "SASL over plaintext",
            "allow_plaintext_sasl",
        ],
    );
    let c = with(|v| {
        scram(v);
        v["tls"] = json!({"enabled": false, "allow_plaintext_sasl": true});
    })
    .expect("opt-in");
    assert_eq!(c.security_protocol(), SecurityProtocol::SaslPlaintext);
    let c = with(|v| v["tls"] = json!({"enabled": true})).expect("tls without auth");
    assert_eq!(c.security_protocol(), SecurityProtocol::Ssl);
    error_of(
        with(|v| {
            v["source"]["SourceAccessConfigurations"] =
                json!([{"Type": "CLIENT_CERTIFICATE_TLS_AUTH", "URI": SCRAM_ARN}]);
            v["tls"] = json!({"enabled": false});
        }),
        &["mutual TLS is TLS"],
    );
}

#[test]
fn runtime_sections() {
    let c = with(|v| v["metrics"] = json!("off")).expect("off");
    assert_eq!(c.metrics_listen, None);
    let c = with(|v| v["metrics"] = Value::Null).expect("null");
    assert_eq!(c.metrics_listen, None);
    let c = with(|v| v["metrics"] = json!({"listen": "0.0.0.0:9100"})).expect("listen");
    assert_eq!(
        c.metrics_listen,
        Some("0.0.0.0:9100".parse().expect("addr"))
    );
    error_of(
        with(|v| v["metrics"] = json!({"listen": "localhost"})),
        &[
            "`metrics.listen`",
            "`localhost` is not an IP address and port",
        ],
    );
    error_of(
        with(|v| v["concurrency"] = json!({"max": 0})),
        &["`concurrency.max`", "0 is out of range"],
    );
    error_of(
        with(|v| v["logging"] = json!({"format": "xml"})),
        &["`logging.format`", "text or json"],
    );
    error_of(
        with(|v| v["logging"] = json!({"level": "loud"})),
        &["`logging.level`", "`loud` is not a log level"],
    );
    let c =
        with(|v| v["logging"] = json!({"level": "info,mskgate_runtime=debug"})).expect("directive");
    assert_eq!(c.logging.level, "info,mskgate_runtime=debug");
    error_of(
        with(|v| v["shutdown_timeout_seconds"] = json!(0)),
        &["`shutdown_timeout_seconds`", "from 1 to 3600"],
    );
    error_of(
        with(|v| v["aws"] = json!({"region": "US East"})),
        &["`aws.region`", "not a region name"],
    );
    error_of(
        with(|v| v["aws"] = json!({"endpoint_url": "localhost:5000"})),
        &["`aws.endpoint_url`"],
    );
    let c = with(|v| {
        v["aws"] =
            json!({"region": "eu-west-1", "profile": "p", "endpoint_url": "http://127.0.0.1:5000"})
    })
    .expect("aws");
    let o = c.aws_options();
    assert_eq!(o.region.as_deref(), Some("eu-west-1"));
    assert_eq!(o.endpoint_url.as_deref(), Some("http://127.0.0.1:5000"));
}

#[test]
fn file_level_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ini = dir.path().join("c.ini");
    std::fs::write(&ini, "x").expect("write");
    error_of(
        RuntimeConfig::load(&ini),
        &["c.ini", "extension `.ini`", ".json, .yaml, .yml or .toml"],
    );
    error_of(
        RuntimeConfig::load(&dir.path().join("missing.json")),
        &["cannot read", "missing.json"],
    );
    // Syntax errors give the position and reason, never a snippet of the text.
    for (name, text) in [
        ("bad.json", "{\"source\": {\"x\": \"CANARY-secret\" \"y\"}}"),
        ("bad.yaml", "source:\n  x: \"CANARY-secret\n  - y: [\n"),
        ("bad.toml", "[source]\nx = \"CANARY-secret\" y\n"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let e = error_of(RuntimeConfig::load(&path), &[name, "not valid"]);
        assert!(!e.contains("CANARY"), "{e}");
        assert!(e.contains("line"), "{e}");
    }
    error_of(
        RuntimeConfig::from_str("[1, 2]", Format::Json),
        &["(top level)", "expected an object"],
    );
    error_of(
        RuntimeConfig::from_str("", Format::Toml),
        &["`source`", "missing"],
    );
}

#[test]
fn yaml_and_toml_values_keep_their_types() {
    // In YAML `100` is a number and `"100"` a string: BatchSize takes the number only.
    let yaml = "source:\n  SelfManagedEventSource: {Endpoints: {KAFKA_BOOTSTRAP_SERVERS: ['h:9092']}}\n  Topics: [t]\n  StartingPosition: LATEST\n  BatchSize: '100'\n  UUID: u\nhandler: {command: [x]}\n";
    error_of(
        RuntimeConfig::from_str(yaml, Format::Yaml),
        &["`source.BatchSize`", "found a string"],
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        for format in [Format::Json, Format::Yaml, Format::Toml] {
            let _ = RuntimeConfig::from_str(&text, format);
        }
    }

    #[test]
    fn arbitrary_changes_to_a_valid_config_never_panic(
        key in prop::sample::select(vec!["BatchSize", "Topics", "StartingPosition", "StartingPositionTimestamp",
            "MaximumRetryAttempts", "MaximumRecordAgeInSeconds", "SourceAccessConfigurations", "FilterCriteria",
            "DestinationConfig", "EventSourceArn", "FunctionResponseTypes", "UUID"]),
        value in arb_json(),
    ) {
        let mut v = base();
        v["source"][key] = value;
        let _ = parse(&v);
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[A-Za-z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
