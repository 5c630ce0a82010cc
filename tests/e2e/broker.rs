//! Proof that the test brokers behave like the MSK listeners they stand in for: records make a full round trip
//! (produce, consumer group, commit) through every listener, and each kind of bad credential produces the error
//! class mskgate will have to recognise.

use std::fs;
use std::time::{Duration, Instant};

use mskgate_e2e::client::{self, ClientError, RecordingContext};
use mskgate_e2e::{Broker, HarnessError, Listener, ScramMechanism, unique_name};
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::producer::{BaseProducer, Producer};

/// Records per round trip.
const RECORDS: usize = 50;
/// Partitions of each round-trip topic (several, so the commit covers more than one partition).
const PARTITIONS: i32 = 3;
/// Deadline of each produce or consume.
const IO_TIMEOUT: Duration = Duration::from_secs(60);
/// Deadline for a misconfigured client to report its error.
const ERROR_TIMEOUT: Duration = Duration::from_secs(20);

/// Produces [`RECORDS`] records through `listener`, consumes them in a fresh consumer group, commits, and checks
/// the broker stored the commit.
fn round_trip(listener: Listener, mechanism: ScramMechanism) -> Result<(), HarnessError> {
    let broker = Broker::shared();
    let started = Instant::now();
    let topic = unique_name(&format!("round-trip-{listener}"));
    let group = unique_name(&format!("group-{listener}"));
    broker.create_topic(listener, &topic, PARTITIONS)?;
    let config = broker.client_config_scram(listener, mechanism);

    let payloads: Vec<String> = (0..RECORDS).map(|i| format!("{topic}/{i}")).collect();
    client::produce(&config, &topic, &payloads, IO_TIMEOUT)?;
    let records = client::consume_and_commit(&config, &topic, &group, RECORDS, IO_TIMEOUT)?;

    let mut got: Vec<String> = records
        .iter()
        .map(|r| String::from_utf8_lossy(&r.payload).into_owned())
        .collect();
    got.sort();
    let mut want = payloads;
    want.sort();
    assert_eq!(got, want, "every produced record comes back exactly once");

    // The commit is on the broker: a fresh consumer of the group reads, per partition, the offset after the last
    // record consumed from it.
    let expected: Vec<Option<i64>> = (0..PARTITIONS)
        .map(|p| {
            records
                .iter()
                .filter(|r| r.partition == p)
                .map(|r| r.offset + 1)
                .max()
        })
        .collect();
    let committed = client::committed_offsets(&config, &topic, &group, PARTITIONS, IO_TIMEOUT)?;
    assert_eq!(committed, expected, "committed offsets of group {group}");
    assert_eq!(committed.iter().flatten().sum::<i64>(), RECORDS as i64);
    let label = match listener {
        Listener::ScramTls | Listener::ScramPlaintext => {
            format!("{listener} {}", mechanism.as_str())
        }
        _ => listener.to_string(),
    };
    eprintln!(
        "{label}: round trip of {RECORDS} records in {:.2?}",
        started.elapsed()
    );
    Ok(())
}

#[test]
fn produces_consumes_and_commits_over_plaintext() -> Result<(), HarnessError> {
    round_trip(Listener::Plaintext, ScramMechanism::default())
}

#[test]
fn produces_consumes_and_commits_over_tls() -> Result<(), HarnessError> {
    round_trip(Listener::Tls, ScramMechanism::default())
}

#[test]
fn produces_consumes_and_commits_over_mtls() -> Result<(), HarnessError> {
    round_trip(Listener::Mtls, ScramMechanism::default())
}

#[test]
fn produces_consumes_and_commits_over_scram_sha512_tls() -> Result<(), HarnessError> {
    round_trip(Listener::ScramTls, ScramMechanism::Sha512)
}

#[test]
fn produces_consumes_and_commits_over_scram_sha256_tls() -> Result<(), HarnessError> {
    round_trip(Listener::ScramTls, ScramMechanism::Sha256)
}

#[test]
fn produces_consumes_and_commits_over_scram_sha512_plaintext() -> Result<(), HarnessError> {
    round_trip(Listener::ScramPlaintext, ScramMechanism::Sha512)
}

/// What a client with a bad setting sees: the first error with `code` from the error callback, whether a
/// metadata request ever succeeded, and everything recorded.
struct Rejection {
    error: ClientError,
    metadata_succeeded: bool,
    context: RecordingContext,
}

/// Creates a client from `config` and keeps asking for metadata (serving callbacks) until the error callback
/// reports `code`, or [`ERROR_TIMEOUT`] passes.
fn rejection(
    config: &[(String, String)],
    code: RDKafkaErrorCode,
) -> Result<Rejection, HarnessError> {
    let started = Instant::now();
    let context = RecordingContext::default();
    let producer: BaseProducer<RecordingContext> = client::config(config)
        .create_with_context(context.clone())
        .map_err(|e| HarnessError::Unexpected(format!("creating the client: {e}")))?;
    let mut metadata_succeeded = false;
    let error = client::wait_until(
        &format!("an error callback with {code:?}"),
        ERROR_TIMEOUT,
        || {
            metadata_succeeded |= producer
                .client()
                .fetch_metadata(None, Duration::from_millis(500))
                .is_ok();
            producer.poll(Duration::from_millis(100));
        },
        || context.error_with(code),
    )
    .map_err(|e| {
        HarnessError::Unexpected(format!(
            "{e}; recorded: {}; logs: {:?}",
            context.describe_errors(),
            context.logs()
        ))
    })?;
    eprintln!(
        "{code:?} after {:.2?}: {} / {}",
        started.elapsed(),
        error.error,
        error.reason
    );
    Ok(Rejection {
        error,
        metadata_succeeded,
        context,
    })
}

#[test]
fn wrong_scram_password_is_an_authentication_error() -> Result<(), HarnessError> {
    let broker = Broker::shared();
    for listener in [Listener::ScramTls, Listener::ScramPlaintext] {
        let mut config = broker.client_config(listener);
        client::set(&mut config, "sasl.password", "not-the-password");
        let rejected = rejection(&config, RDKafkaErrorCode::Authentication)?;
        // librdkafka: `_AUTHENTICATION` (-169), "<proto>://127.0.0.1:<port>/bootstrap: SASL authentication error:
        // SASL SCRAM authentication failed: broker responded with invalid-proof (...)". MSK's text after the
        // prefix differs, so only the class and the prefix are asserted.
        assert!(
            rejected.error.reason.contains("SASL authentication error"),
            "{}",
            rejected.error.reason
        );
        assert!(
            !rejected.metadata_succeeded,
            "a client with a wrong password must not get metadata"
        );
    }
    Ok(())
}

#[test]
fn mtls_without_client_certificate_is_a_transport_error() -> Result<(), HarnessError> {
    let broker = Broker::shared();
    let mut config = broker.client_config(Listener::Mtls);
    client::unset(&mut config, "ssl.certificate.location");
    client::unset(&mut config, "ssl.key.location");
    let rejected = rejection(&config, RDKafkaErrorCode::BrokerTransportFailure)?;
    // Under TLS 1.3 the client's handshake completes before the server checks the certificate, so this is
    // `_TRANSPORT` in state APIVERSION_QUERY ("tlsv13 alert certificate required"), not `_SSL`.
    assert!(
        rejected.error.reason.contains("certificate required"),
        "{}",
        rejected.error.reason
    );
    assert!(
        !rejected.metadata_succeeded,
        "the mTLS listener must refuse a client without a certificate"
    );
    Ok(())
}

#[test]
fn mtls_with_rogue_ca_certificate_is_refused() -> Result<(), HarnessError> {
    let broker = Broker::shared();
    let mut config = broker.client_config(Listener::Mtls);
    let pki = broker.pki();
    client::set(
        &mut config,
        "ssl.certificate.location",
        &pki.rogue_client_cert.display().to_string(),
    );
    client::set(
        &mut config,
        "ssl.key.location",
        &pki.rogue_client_key.display().to_string(),
    );
    let rejected = rejection(&config, RDKafkaErrorCode::BrokerTransportFailure)?;
    assert!(
        rejected.error.reason.contains("certificate required"),
        "{}",
        rejected.error.reason
    );
    assert!(
        !rejected.metadata_succeeded,
        "the mTLS listener must refuse a certificate from an unknown CA"
    );
    // librdkafka withholds a certificate whose issuer is not among the CAs the server lists, and says so.
    let logs = rejected.context.logs();
    assert!(
        logs.iter()
            .any(|l| l
                .contains("No matching issuer found in server trusted certificate authorities")),
        "expected librdkafka's warning about the unmatched issuer; logs: {logs:?}"
    );
    Ok(())
}

#[test]
fn tls_client_not_trusting_the_server_ca_gets_an_ssl_error() -> Result<(), HarnessError> {
    let broker = Broker::shared();
    let mut config = broker.client_config(Listener::Tls);
    client::set(
        &mut config,
        "ssl.ca.location",
        &broker.pki().rogue_ca.display().to_string(),
    );
    let rejected = rejection(&config, RDKafkaErrorCode::SSL)?;
    assert!(
        rejected.error.reason.contains("certificate verify failed"),
        "{}",
        rejected.error.reason
    );
    assert!(!rejected.metadata_succeeded);
    Ok(())
}

#[test]
fn scram_credentials_match_the_secret_fixture() {
    let broker = Broker::shared();
    let path = mskgate_e2e::tools::repo_root().join("fixtures/secrets/scram.json");
    let text =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let secret: serde_json::Value = serde_json::from_str(&text).expect("scram.json is JSON");
    assert_eq!(secret["username"].as_str(), Some(broker.scram_user()));
    assert!(
        secret["password"].as_str() == Some(broker.expose_scram_password()),
        "the brokers' SCRAM password (MSKGATE_SCRAM_PASSWORD) differs from {}",
        path.display()
    );
}

#[test]
fn dropping_a_broker_stops_every_process() -> Result<(), HarnessError> {
    let broker = Broker::start()?;
    eprintln!("second broker set started in {:.2?}", broker.startup_time());
    let work = broker.work_dir().to_path_buf();
    let pids: Vec<u32> = fs::read_dir(&work)
        .map_err(|e| HarnessError::Unexpected(format!("reading {}: {e}", work.display())))?
        .flatten()
        .filter(|f| f.path().extension().is_some_and(|x| x == "pid"))
        .filter_map(|f| fs::read_to_string(f.path()).ok()?.trim().parse().ok())
        .collect();
    // plain, tls, mtls, scram, sasl_plain, stunnel, watchdog (+ memory when MSKGATE_BROKER_MEMORY=1)
    assert!(
        pids.len() >= 7,
        "expected at least 7 processes, found {pids:?}"
    );
    assert!(
        pids.iter().all(|pid| running(*pid)),
        "every process runs: {pids:?}"
    );
    // The brokers serve clients before being stopped.
    broker.create_topic(Listener::Plaintext, &unique_name("drop"), 1)?;

    broker.stop()?;
    let still_running: Vec<u32> = pids.iter().copied().filter(|pid| running(*pid)).collect();
    assert!(
        still_running.is_empty(),
        "still running after stop: {still_running:?}"
    );
    assert!(
        !work.exists(),
        "the work directory {} is removed",
        work.display()
    );
    Ok(())
}

/// Whether `pid` is a live process (zombies count as gone: the stopped brokers are not our children).
fn running(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(") ")
                .map(|(_, rest)| !rest.starts_with(['Z', 'X']))
        })
        .unwrap_or(false)
}
