//! The librdkafka client context: logs into `tracing`, errors into Lambda's processing states,
//! statistics into the lag gauges, MSK IAM tokens for OAUTHBEARER, and rebalances (including
//! `AT_TIMESTAMP` starting positions) handed to the engine.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use mskgate_auth::iam::{TokenRequest, generate_token};
use rdkafka::client::{ClientContext, OAuthToken};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, RebalanceProtocol};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::statistics::Statistics;
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{Offset, TopicPartitionList, config::RDKafkaLogLevel};
use time::OffsetDateTime;

use crate::kafka::IamTokenSource;
use crate::metrics::Status;
use crate::record::TopicPartition;
use crate::state::ProcessingState;

/// How long a rebalance callback may wait for the committed offsets and the offsets-for-times of
/// newly assigned partitions (`AT_TIMESTAMP` only).
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);

/// A change of this process's partitions, for the engine to act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RebalanceEvent {
    /// These partitions are now ours.
    Assigned(Vec<TopicPartition>),
    /// These partitions are no longer ours: drop their buffered records, do not commit for them.
    Revoked(Vec<TopicPartition>),
}

/// The context of the runtime's consumer (and of the `kafka://` destination producer).
#[derive(Debug)]
pub struct RuntimeContext {
    status: Arc<Status>,
    iam: Option<IamTokenSource>,
    at_timestamp_ms: Option<i64>,
    events: Mutex<Vec<RebalanceEvent>>,
    lag: Mutex<BTreeMap<TopicPartition, i64>>,
    topics: Mutex<BTreeMap<String, Arc<str>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl RuntimeContext {
    /// A context reporting into `status`; `iam` signs OAUTHBEARER tokens; `at_timestamp_ms` is the
    /// `AT_TIMESTAMP` starting position, applied to partitions without a committed offset.
    pub fn new(
        status: Arc<Status>,
        iam: Option<IamTokenSource>,
        at_timestamp_ms: Option<i64>,
    ) -> Self {
        Self {
            status,
            iam,
            at_timestamp_ms,
            events: Mutex::new(Vec::new()),
            lag: Mutex::new(BTreeMap::new()),
            topics: Mutex::new(BTreeMap::new()),
        }
    }

    /// The shared status.
    pub fn status(&self) -> &Arc<Status> {
        &self.status
    }

    /// The rebalance events since the last call.
    pub fn take_events(&self) -> Vec<RebalanceEvent> {
        std::mem::take(&mut *lock(&self.events))
    }

    /// The topic name as the shared `Arc<str>` records carry.
    pub fn topic(&self, name: &str) -> Arc<str> {
        let mut topics = lock(&self.topics);
        if let Some(t) = topics.get(name) {
            return Arc::clone(t);
        }
        let t: Arc<str> = Arc::from(name);
        topics.insert(name.to_owned(), Arc::clone(&t));
        t
    }

    /// The last known offset lag of each assigned partition (from librdkafka's statistics).
    pub fn lag(&self) -> BTreeMap<TopicPartition, i64> {
        lock(&self.lag).clone()
    }

    fn partitions(&self, tpl: &TopicPartitionList) -> Vec<TopicPartition> {
        tpl.elements()
            .iter()
            .map(|e| TopicPartition {
                topic: self.topic(e.topic()),
                partition: e.partition(),
            })
            .collect()
    }

    /// Sets the offsets of partitions that have no committed offset to the first offset at or
    /// after the `AT_TIMESTAMP` instant.
    fn apply_timestamp(&self, consumer: &BaseConsumer<Self>, tpl: &mut TopicPartitionList) {
        let Some(ts) = self.at_timestamp_ms else {
            return;
        };
        let committed = match consumer.committed_offsets(tpl.clone(), LOOKUP_TIMEOUT) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "AT_TIMESTAMP: committed offsets unavailable; using the group's offsets or auto.offset.reset");
                return;
            }
        };
        let mut lookup = TopicPartitionList::new();
        for e in committed.elements() {
            if !matches!(e.offset(), Offset::Offset(_)) {
                let _ = lookup.add_partition_offset(e.topic(), e.partition(), Offset::Offset(ts));
            }
        }
        if lookup.count() == 0 {
            return;
        }
        match consumer.offsets_for_times(lookup, LOOKUP_TIMEOUT) {
            Ok(found) => {
                for e in found.elements() {
                    let offset = match e.offset() {
                        Offset::Offset(o) => Offset::Offset(o),
                        _ => Offset::End,
                    };
                    let _ = tpl.set_partition_offset(e.topic(), e.partition(), offset);
                    tracing::info!(topic = e.topic(), partition = e.partition(), offset = ?offset, "AT_TIMESTAMP starting position");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "AT_TIMESTAMP: offsets for the timestamp unavailable; using auto.offset.reset");
            }
        }
    }
}

/// Maps a librdkafka error to Lambda's processing state; `None` for errors that are not about
/// reaching or authenticating to the cluster.
pub fn classify(code: RDKafkaErrorCode, reason: &str) -> Option<ProcessingState> {
    let r = reason.to_ascii_lowercase();
    match code {
        RDKafkaErrorCode::Authentication => Some(if r.contains("ssl") && !r.contains("sasl") {
            ProcessingState::ServerFailedToAuthenticate
        } else {
            ProcessingState::SaslAuthenticationFailed
        }),
        RDKafkaErrorCode::SaslAuthenticationFailed => {
            Some(ProcessingState::SaslAuthenticationFailed)
        }
        RDKafkaErrorCode::SSL => Some(
            if r.contains("certificate verify failed") || r.contains("broker certificate") {
                ProcessingState::FailedToAuthenticateServer
            } else if r.contains("certificate required") || r.contains("unknown ca") {
                ProcessingState::ServerFailedToAuthenticate
            } else {
                ProcessingState::TlsHandshakeFailed
            },
        ),
        RDKafkaErrorCode::TopicAuthorizationFailed
        | RDKafkaErrorCode::GroupAuthorizationFailed
        | RDKafkaErrorCode::ClusterAuthorizationFailed => {
            Some(ProcessingState::ClusterFailedToAuthorize)
        }
        RDKafkaErrorCode::BrokerTransportFailure => Some(
            if r.contains("certificate required")
                || r.contains("unknown ca")
                || r.contains("bad certificate")
            {
                ProcessingState::ServerFailedToAuthenticate
            } else if r.contains("sasl") {
                ProcessingState::SaslAuthenticationFailed
            } else {
                ProcessingState::ConnectionError
            },
        ),
        RDKafkaErrorCode::AllBrokersDown | RDKafkaErrorCode::Resolve => {
            Some(ProcessingState::ConnectionError)
        }
        _ => None,
    }
}

impl ClientContext for RuntimeContext {
    const ENABLE_REFRESH_OAUTH_TOKEN: bool = true;

    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error => {
                tracing::error!(target: "librdkafka", facility = fac, "{log_message}");
            }
            RDKafkaLogLevel::Warning => {
                tracing::warn!(target: "librdkafka", facility = fac, "{log_message}");
            }
            RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
                tracing::info!(target: "librdkafka", facility = fac, "{log_message}");
            }
            RDKafkaLogLevel::Debug => {
                tracing::debug!(target: "librdkafka", facility = fac, "{log_message}");
            }
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        let code = error.rdkafka_error_code();
        let state = code.and_then(|c| classify(c, reason));
        match state {
            Some(state) => {
                self.status
                    .metrics()
                    .kafka_errors
                    .get_or_create(&vec![("state", state.title().to_owned())])
                    .inc();
                tracing::warn!(target: "librdkafka", state = state.title(), "{reason}");
                self.status.report_failure(state, reason.to_owned());
            }
            None => tracing::warn!(target: "librdkafka", error = %error, "{reason}"),
        }
    }

    fn stats(&self, statistics: Statistics) {
        let mut lag = lock(&self.lag);
        lag.clear();
        for (name, topic) in &statistics.topics {
            for (id, p) in &topic.partitions {
                if *id < 0 || p.consumer_lag < 0 {
                    continue;
                }
                let tp = TopicPartition {
                    topic: self.topic(name),
                    partition: *id,
                };
                self.status.metrics().set_lag(&tp, p.consumer_lag);
                lag.insert(tp, p.consumer_lag);
            }
        }
    }

    fn generate_oauth_token(
        &self,
        _oauthbearer_config: Option<&str>,
    ) -> Result<OAuthToken, Box<dyn std::error::Error>> {
        let Some(iam) = &self.iam else {
            return Err("OAUTHBEARER needs MSK IAM credentials, and none are configured".into());
        };
        let Some(credentials) = iam.credentials() else {
            return Err("no AWS credentials loaded yet for the MSK IAM token".into());
        };
        let request = TokenRequest::new(iam.region(), OffsetDateTime::now_utc())
            .with_expires_in(iam.lifetime());
        let token = generate_token(&credentials, &request).map_err(|e| e.to_string())?;
        self.status.metrics().iam_tokens_signed.inc();
        tracing::debug!(
            region = iam.region(),
            expires_at_ms = token.expires_at_ms,
            "signed an MSK IAM token"
        );
        Ok(OAuthToken {
            token: token.token.expose_secret().to_owned(),
            principal_name: credentials.access_key_id().to_owned(),
            lifetime_ms: token.expires_at_ms,
        })
    }
}

impl ConsumerContext for RuntimeContext {
    fn rebalance(
        &self,
        base_consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        let cooperative = matches!(
            base_consumer.rebalance_protocol(),
            RebalanceProtocol::Cooperative
        );
        match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                self.apply_timestamp(base_consumer, tpl);
                let result = if cooperative {
                    base_consumer.incremental_assign(tpl)
                } else {
                    base_consumer.assign(tpl)
                };
                if let Err(e) = result {
                    tracing::error!(error = %e, "could not take the assigned partitions");
                }
                let parts = self.partitions(tpl);
                tracing::info!(partitions = ?parts.iter().map(TopicPartition::event_key).collect::<Vec<_>>(), "partitions assigned");
                let mut all: BTreeSet<TopicPartition> = self.status.assigned();
                all.extend(parts.iter().cloned());
                self.status.set_assigned(all);
                lock(&self.events).push(RebalanceEvent::Assigned(parts));
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                let parts = self.partitions(tpl);
                tracing::info!(partitions = ?parts.iter().map(TopicPartition::event_key).collect::<Vec<_>>(), "partitions revoked");
                lock(&self.events).push(RebalanceEvent::Revoked(parts.clone()));
                let result = if cooperative {
                    base_consumer.incremental_unassign(tpl)
                } else {
                    base_consumer.unassign()
                };
                if let Err(e) = result {
                    tracing::error!(error = %e, "could not give up the revoked partitions");
                }
                let mut all: BTreeSet<TopicPartition> = self.status.assigned();
                if cooperative {
                    for p in &parts {
                        all.remove(p);
                    }
                } else {
                    all.clear();
                }
                self.status.set_assigned(all);
                let mut lag = lock(&self.lag);
                for p in &parts {
                    lag.remove(p);
                }
            }
            other => {
                let code: RDKafkaErrorCode = other.into();
                tracing::error!(error = %code, "rebalance failed");
                if cooperative {
                    let _ = base_consumer.incremental_unassign(tpl);
                } else {
                    let _ = base_consumer.unassign();
                }
            }
        }
    }

    fn commit_callback(
        &self,
        result: rdkafka::error::KafkaResult<()>,
        offsets: &TopicPartitionList,
    ) {
        match result {
            Ok(()) => tracing::debug!(offsets = ?offsets.to_topic_map(), "offsets committed"),
            Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
            Err(e) => tracing::warn!(error = %e, "offset commit failed; the next commit covers it"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_librdkafka_errors_as_lambda_states() {
        use ProcessingState as S;
        use RDKafkaErrorCode as C;
        let cases = [
            (
                C::Authentication,
                "sasl_ssl://127.0.0.1:1/bootstrap: SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512",
                S::SaslAuthenticationFailed,
            ),
            (
                C::SSL,
                "ssl://127.0.0.1:9094/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: broker certificate could not be verified",
                S::FailedToAuthenticateServer,
            ),
            (
                C::BrokerTransportFailure,
                "ssl://127.0.0.1:9095/bootstrap: Receive failed: error:0A00045C:SSL routines::tlsv13 alert certificate required: SSL alert number 116",
                S::ServerFailedToAuthenticate,
            ),
            (
                C::AllBrokersDown,
                "1/1 brokers are down",
                S::ConnectionError,
            ),
            (
                C::BrokerTransportFailure,
                "127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused",
                S::ConnectionError,
            ),
            (C::GroupAuthorizationFailed, "", S::ClusterFailedToAuthorize),
        ];
        for (code, reason, want) in cases {
            assert_eq!(classify(code, reason), Some(want), "{reason}");
        }
        assert_eq!(classify(C::MessageTimedOut, "x"), None);
    }
}
