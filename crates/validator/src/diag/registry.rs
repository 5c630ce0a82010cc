//! Every rule the validator reports, its family, default severity and help — including the
//! `SEC`/`CRT` rules of `mskgate_auth::finding`, which are taken over, not re-implemented.

use std::collections::BTreeMap;

use mskgate_auth::finding::rules as auth;
use mskgate_auth::{Rule, Severity};

use crate::Error;

/// A rule family: the code prefix and the page under `docs/rules/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// Event source mapping configuration (and reading the inputs).
    Esm,
    /// Authentication semantics.
    Auth,
    /// Ports and listeners.
    Prt,
    /// MSK cluster settings.
    Msk,
    /// Secrets.
    Sec,
    /// Certificates and keys.
    Crt,
    /// IAM permissions.
    Iam,
    /// Network path.
    Net,
}

impl Family {
    /// The code prefix, e.g. `PRT`.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Esm => "ESM",
            Self::Auth => "AUTH",
            Self::Prt => "PRT",
            Self::Msk => "MSK",
            Self::Sec => "SEC",
            Self::Crt => "CRT",
            Self::Iam => "IAM",
            Self::Net => "NET",
        }
    }

    /// The documentation page, relative to the repository root.
    pub fn doc_page(self) -> &'static str {
        match self {
            Self::Esm => "docs/rules/esm.md",
            Self::Auth => "docs/rules/auth.md",
            Self::Prt => "docs/rules/port.md",
            Self::Msk => "docs/rules/msk.md",
            Self::Sec => "docs/rules/secret.md",
            Self::Crt => "docs/rules/cert.md",
            Self::Iam => "docs/rules/iam.md",
            Self::Net => "docs/rules/net.md",
        }
    }
}

/// A registered rule: the shared [`Rule`] plus what the validator adds.
#[derive(Debug)]
pub struct Code {
    /// Code, name, default severity and description.
    pub rule: &'static Rule,
    /// The family.
    pub family: Family,
    /// The usual fix, in one sentence.
    pub help: &'static str,
}

macro_rules! validator_rules {
    ($($ident:ident = ($code:literal, $name:literal, $sev:ident, $desc:literal, $help:literal);)*) => {
        /// The rules this crate implements (the `SEC`/`CRT` rules of `mskgate-auth` are in
        /// [`mskgate_auth::finding::rules`]).
        pub mod rules {
            use mskgate_auth::{Rule, Severity};
            $(
                #[doc = $code]
                pub static $ident: Rule = Rule {
                    code: $code,
                    name: $name,
                    default_severity: Severity::$sev,
                    description: $desc,
                };
            )*
            pub(super) static HELP: &[(&str, &str)] = &[$(($code, $help)),*];
            pub(super) static OWN: &[&Rule] = &[$(&$ident),*];
        }
    };
}

validator_rules! {
    TOPICS_EXACTLY_ONE = ("ESM001", "topics-exactly-one", Error,
        "a Kafka event source mapping reads exactly one topic",
        "list exactly one topic; create one mapping per topic");
    TOPIC_NAME_INVALID = ("ESM002", "topic-name-invalid", Error,
        "topic names are 1-249 characters of [a-zA-Z0-9._-], not `.` or `..`",
        "use the topic's real name; Kafka topic names allow letters, digits, `.`, `_` and `-`");
    STARTING_POSITION_REQUIRED = ("ESM003", "starting-position-required", Error,
        "MSK and self-managed Kafka mappings need StartingPosition LATEST, TRIM_HORIZON or AT_TIMESTAMP",
        "set StartingPosition to LATEST, TRIM_HORIZON or AT_TIMESTAMP");
    AT_TIMESTAMP_NEEDS_TIMESTAMP = ("ESM004", "at-timestamp-needs-timestamp", Error,
        "StartingPosition AT_TIMESTAMP needs StartingPositionTimestamp, and a timestamp needs AT_TIMESTAMP",
        "give StartingPositionTimestamp with AT_TIMESTAMP, or drop it with LATEST/TRIM_HORIZON");
    TIMESTAMP_UNITS = ("ESM005", "timestamp-units", Warning,
        "StartingPositionTimestamp is in seconds in CloudFormation and SAM (RFC 3339 in Terraform)",
        "give the timestamp in seconds since the epoch, not milliseconds");
    BATCH_SIZE_RANGE = ("ESM006", "batch-size-range", Error,
        "BatchSize is an integer from 1 to 10,000 for Kafka",
        "set BatchSize between 1 and 10000 (default 100)");
    BATCHING_WINDOW_RANGE = ("ESM007", "batching-window-range", Error,
        "MaximumBatchingWindowInSeconds is an integer from 0 to 300",
        "set MaximumBatchingWindowInSeconds between 0 and 300, or leave it out to keep Kafka's 500 ms default");
    CONSUMER_GROUP_ID_INVALID = ("ESM008", "consumer-group-id-invalid", Error,
        "ConsumerGroupId is 1-200 characters of [a-zA-Z0-9-/*:_+=.@]",
        "use 1-200 characters from a-z A-Z 0-9 - / * : _ + = . @");
    CONSUMER_GROUP_ID_DUPLICATE = ("ESM009", "consumer-group-id-duplicate", Error,
        "a ConsumerGroupId is unique among all Kafka event source mappings",
        "give each mapping its own ConsumerGroupId");
    SOURCE_KIND_EXCLUSIVE = ("ESM010", "source-kind-exclusive", Error,
        "exactly one of EventSourceArn (MSK) and SelfManagedEventSource; the MSK config block only with EventSourceArn, the self-managed block only with SelfManagedEventSource",
        "keep EventSourceArn + AmazonManagedKafkaEventSourceConfig for MSK, or SelfManagedEventSource + SelfManagedKafkaEventSourceConfig for self-managed Kafka");
    MSK_EVENT_SOURCE_ARN_FORMAT = ("ESM011", "msk-event-source-arn-format", Error,
        "an MSK EventSourceArn is arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid> (or a vpc-connection ARN)",
        "use the cluster ARN from `aws kafka list-clusters-v2` (with the `-N` suffix of its UUID)");
    BOOTSTRAP_SERVERS_FORMAT = ("ESM012", "bootstrap-servers-format", Error,
        "self-managed Kafka lists 1-10 unique host:port bootstrap servers with ports 1-65535",
        "list the brokers as host:port, at most 10, no duplicates, no scheme");
    NON_KAFKA_PARAMETER = ("ESM013", "non-kafka-parameter", Warning,
        "ParallelizationFactor, TumblingWindowInSeconds, Queues, ScalingConfig and DocumentDBEventSourceConfig do not apply to Kafka",
        "remove the property; it belongs to other event sources");
    ON_FAILURE_DESTINATION_KIND = ("ESM014", "on-failure-destination-kind", Error,
        "an on-failure destination is an SQS, SNS or S3 ARN or kafka://<topic>; on-success destinations are not supported",
        "point OnFailure at an SQS queue, SNS topic, S3 bucket ARN or kafka://<topic>; remove OnSuccess");
    KAFKA_DESTINATION_RECURSION = ("ESM015", "kafka-destination-recursion", Error,
        "a kafka:// on-failure destination is not the topic the mapping reads",
        "send failed records to a different topic, e.g. <topic>-dlq");
    INFINITE_RETRIES = ("ESM016", "infinite-retries", Warning,
        "MaximumRetryAttempts -1 (the Kafka default) without an on-failure destination retries a poison record forever and stalls its partition",
        "set MaximumRetryAttempts (and MaximumRecordAgeInSeconds) and an OnFailure destination");
    PROVISIONED_POLLER_RANGE = ("ESM017", "provisioned-poller-range", Error,
        "ProvisionedPollerConfig: MinimumPollers 1-200, MaximumPollers 1-2000, minimum at most maximum, PollerGroupName up to 128 of [a-zA-Z0-9-_]",
        "keep MinimumPollers within 1-200 and at most MaximumPollers (1-2000)");
    SCHEMA_REGISTRY_NEEDS_PROVISIONED = ("ESM019", "schema-registry-needs-provisioned", Error,
        "a schema registry configuration requires provisioned mode (ProvisionedPollerConfig)",
        "add ProvisionedPollerConfig with MinimumPollers and MaximumPollers");
    METRICS_CONFIG = ("ESM021", "metrics-config", Error,
        "MetricsConfig.Metrics holds up to three distinct values of EventCount, ErrorCount, KafkaMetrics",
        "use only EventCount, ErrorCount and KafkaMetrics, each once");
    FUNCTION_TIMEOUT_OVER_14MIN = ("ESM022", "function-timeout-over-14min", Error,
        "functions behind MSK and self-managed Kafka mappings have a timeout of at most 840 seconds",
        "set the function's Timeout to 840 seconds or less");
    SOURCE_ACCESS_CONFIG_LIMITS = ("ESM023", "source-access-config-limits", Error,
        "at most 22 SourceAccessConfigurations, each URI 1-200 characters of [ a-zA-Z0-9-/*:_+=.@-]",
        "keep the list short and the URIs to ARNs or subnet:/security_group: ids");
    UNKNOWN_SOURCE_ACCESS_TYPE = ("ESM024", "unknown-source-access-type", Warning,
        "a SourceAccessConfigurations Type is one Lambda knows for Kafka",
        "use BASIC_AUTH, SASL_SCRAM_256_AUTH, SASL_SCRAM_512_AUTH, CLIENT_CERTIFICATE_TLS_AUTH, SERVER_ROOT_CA_CERTIFICATE, VPC_SUBNET, VPC_SECURITY_GROUP or an OAUTHBEARER/IAM type");
    FILTER_PATTERN_INVALID = ("ESM025", "filter-pattern-invalid", Error,
        "each FilterCriteria pattern is a JSON object of at most 4096 characters",
        "write the pattern as a JSON object, e.g. {\"value\": {\"kind\": [\"order\"]}}");
    TEMPLATE_MALFORMED = ("ESM026", "template-malformed", Error,
        "the deploy artifact parses as YAML or JSON of its format",
        "fix the syntax error at the reported position");
    CANNOT_EVALUATE = ("ESM027", "cannot-evaluate", Info,
        "a value the checks need cannot be known before deploy, so those checks were skipped",
        "pass --parameter KEY=VALUE for template parameters, or validate the plan of a later stage");
    DUPLICATE_KEY = ("ESM028", "duplicate-key", Error,
        "a mapping key appears once; CloudFormation rejects duplicates and other readers keep only the last",
        "remove one of the two entries");
    PROPERTY_TYPE = ("ESM029", "property-type", Error,
        "a property has the type its schema requires (list, object, string, number, boolean)",
        "write the property in the documented shape");
    UNKNOWN_PROPERTY = ("ESM030", "unknown-property", Warning,
        "every property of a mapping is one its format defines; a misspelt one is ignored or rejected",
        "fix the spelling, or remove the property");
    MSK_UNSUPPORTED_AUTH_TYPE = ("AUTH001", "msk-unsupported-auth-type", Error,
        "an MSK mapping uses only SASL_SCRAM_512_AUTH or CLIENT_CERTIFICATE_TLS_AUTH (or IAM/unauthenticated without a secret)",
        "for MSK use SASL_SCRAM_512_AUTH or CLIENT_CERTIFICATE_TLS_AUTH, or no SourceAccessConfigurations for IAM");
    SINGLE_AUTH_MECHANISM = ("AUTH002", "single-auth-mechanism", Error,
        "at most one of BASIC_AUTH, SASL_SCRAM_256_AUTH, SASL_SCRAM_512_AUTH, CLIENT_CERTIFICATE_TLS_AUTH (SERVER_ROOT_CA_CERTIFICATE may be added)",
        "keep one authentication mechanism");
    SMK_VPC_PAIR = ("AUTH003", "smk-vpc-pair", Error,
        "VPC_SUBNET and VPC_SECURITY_GROUP come together, with URIs subnet:<id> and security_group:<id>",
        "give both VPC_SUBNET (subnet:subnet-…) and VPC_SECURITY_GROUP (security_group:sg-…) entries, or neither");
    AUTH_NOT_ENABLED_ON_CLUSTER = ("AUTH004", "auth-not-enabled-on-cluster", Error,
        "the cluster enables the authentication the mapping uses (Lambda does not fall back to a weaker one)",
        "enable the method in the cluster's ClientAuthentication, or change the mapping's SourceAccessConfigurations");
    SERVERLESS_NON_IAM_AUTH = ("AUTH005", "serverless-non-iam-auth", Error,
        "an MSK Serverless cluster accepts IAM only: no secret-based authentication",
        "remove SourceAccessConfigurations and grant the function's role kafka-cluster permissions");
    SASL_OVER_PLAINTEXT = ("AUTH006", "sasl-over-plaintext", Error,
        "Lambda sends SASL/SCRAM and SASL/PLAIN credentials over TLS only (SASL_SSL), never to a plaintext listener",
        "point the mapping at the brokers' SASL_SSL listener");
    BOOTSTRAP_PORT_AUTH_MISMATCH = ("PRT001", "bootstrap-port-auth-mismatch", Error,
        "an MSK broker's port matches the authentication: 9092 plaintext, 9094 TLS/mTLS, 9096 SASL/SCRAM, 9098 IAM (91xx public, 200xx IPv6)",
        "use the bootstrap string of the listener for the mapping's authentication (`aws kafka get-bootstrap-brokers`)");
    ZOOKEEPER_OR_CONTROLLER_ENDPOINT = ("PRT002", "zookeeper-or-controller-endpoint", Error,
        "bootstrap servers are brokers, not ZooKeeper (2181/2182) or controller nodes",
        "use the broker bootstrap string, not the ZooKeeper connection string");
    MIXED_LISTENER_PORTS = ("PRT003", "mixed-listener-ports", Warning,
        "all bootstrap servers use the same listener port",
        "list brokers of one listener only");
    SERVERLESS_PORT = ("PRT004", "serverless-port", Error,
        "MSK Serverless brokers listen on 9098 (IAM) only",
        "use port 9098 with IAM authentication");
    LISTENER_NOT_EXPOSED = ("PRT006", "listener-not-exposed", Error,
        "the cluster's in-transit encryption opens the listener the mapping needs: SASL/SCRAM, IAM and mTLS listen over TLS only",
        "set EncryptionInfo.EncryptionInTransit.ClientBroker to TLS (or TLS_PLAINTEXT)");
    POLLER_GROUP_CAPACITY = ("ESM018", "poller-group-capacity", Error,
        "a poller group (ProvisionedPollerConfig.PollerGroupName) holds at most 100 mappings whose MaximumPollers add up to at most 2000",
        "spread the mappings over more poller groups, or lower their MaximumPollers");
    SCHEMA_REGISTRY_CONFIG = ("ESM020", "schema-registry-config", Error,
        "SchemaRegistryConfig has a Glue registry ARN or https URL, EventRecordFormat JSON or SOURCE, SchemaValidationConfigs of KEY/VALUE, and access configs of BASIC_AUTH, CLIENT_CERTIFICATE_TLS_AUTH or SERVER_ROOT_CA_CERTIFICATE with secret ARNs",
        "give SchemaRegistryURI, EventRecordFormat and SchemaValidationConfigs in the documented shape");
    PUBLIC_ENDPOINT_WITHOUT_PUBLIC_ACCESS = ("PRT005", "public-endpoint-without-public-access", Error,
        "a public MSK endpoint (91xx port, b-N-public host) is used only when the cluster has public access (SERVICE_PROVIDED_EIPS)",
        "use the private bootstrap string (9094/9096/9098), or turn on public access on the cluster");
    PUBLIC_ACCESS_ON_CREATE = ("MSK001", "public-access-on-create", Error,
        "a cluster is created with PublicAccess DISABLED; public access can only be turned on afterwards",
        "create the cluster with PublicAccess.Type DISABLED, then update it to SERVICE_PROVIDED_EIPS");
    PUBLIC_ACCESS_PRECONDITIONS = ("MSK002", "public-access-preconditions", Error,
        "public access needs unauthenticated access off, IAM, SASL/SCRAM or mTLS on, in-cluster encryption, no plaintext, and allow.everyone.if.no.acl.found=false for SCRAM/mTLS",
        "turn off Unauthenticated and plaintext, keep InCluster true, enable IAM/SCRAM/mTLS and set allow.everyone.if.no.acl.found=false");
    SASL_ENCRYPTION_PREREQ = ("MSK003", "sasl-encryption-prereq", Error,
        "SASL (SCRAM or IAM) needs InCluster true and ClientBroker TLS or TLS_PLAINTEXT (TLS_PLAINTEXT only with Unauthenticated on)",
        "set EncryptionInTransit InCluster true and ClientBroker TLS");
    TLS_AUTH_PREREQ = ("MSK004", "tls-auth-prereq", Error,
        "TLS client authentication needs ClientBroker TLS, InCluster true and a CertificateAuthorityArnList",
        "set ClientBroker TLS and list the ACM Private CA ARNs in Tls.CertificateAuthorityArnList");
    SCRAM_SECRET_NOT_ASSOCIATED = ("MSK005", "scram-secret-not-associated", Warning,
        "a mapping's SCRAM secret is associated with its cluster (AWS::MSK::BatchScramSecret / aws_msk_scram_secret_association)",
        "add the secret to the cluster's BatchScramSecret (aws_msk_scram_secret_association) SecretArnList");
    SCRAM_ASSOCIATION_LIMITS = ("MSK006", "scram-association-limits", Warning,
        "one SCRAM secret association names at most 10 secrets (BatchAssociateScramSecret)",
        "split the secrets over several associations of at most 10");
    ACL_DEFAULT_ALLOW = ("MSK007", "acl-default-allow", Info,
        "with SASL/SCRAM or mTLS, allow.everyone.if.no.acl.found decides whether clients without ACLs get access (true by default) or need ACLs (false)",
        "set allow.everyone.if.no.acl.found=false and grant the consumer's user Read on the topic and group and Describe on the cluster");
    MULTI_VPC_AUTH = ("MSK008", "multi-vpc-auth", Error,
        "multi-VPC connectivity needs unauthenticated access off, allow.everyone.if.no.acl.found=false for SCRAM, and a broker type other than kafka.t3.small",
        "turn off Unauthenticated, set allow.everyone.if.no.acl.found=false and use kafka.m5.large or larger");
    GENERATED_SECRET_KEYS = ("SEC009", "generated-secret-keys", Error,
        "a generated SCRAM/BASIC secret yields {\"username\", \"password\"}: SecretStringTemplate is a JSON object with username and GenerateStringKey is password",
        "use SecretStringTemplate '{\"username\": \"…\"}' with GenerateStringKey password");
    SG_INBOUND_BROKER_PORT = ("NET001", "sg-inbound-broker-port", Error,
        "a cluster security group lets the mapping's broker port in from the cluster's security groups (a self-referencing rule) or its subnets",
        "add an inbound TCP rule for the broker port (9094 mTLS/TLS, 9096 SCRAM, 9098 IAM) with the cluster's security group as source");
    SG_OUTBOUND = ("NET002", "sg-outbound", Error,
        "a cluster security group lets traffic out on 443 (AWS endpoints) or on the broker port to itself",
        "allow outbound TCP 443, or outbound on the broker port to the cluster's security group");
    ON_DEMAND_EGRESS_PATH = ("NET003", "on-demand-egress-path", Error,
        "an on-demand mapping on a cluster in private subnets needs a NAT gateway route or Lambda and STS (and Secrets Manager) interface endpoints",
        "add a 0.0.0.0/0 route to a NAT gateway, VPC endpoints for lambda, sts (and secretsmanager), or use provisioned mode");
    PUBLIC_SUBNET_NEEDS_ENDPOINTS = ("NET004", "public-subnet-needs-endpoints", Error,
        "an on-demand mapping on a cluster in public subnets needs Lambda and STS interface endpoints (a NAT gateway does not help)",
        "add VPC interface endpoints for lambda and sts (and secretsmanager) in the cluster's VPC, or use provisioned mode");
    ENDPOINT_SG_443 = ("NET005", "endpoint-sg-443", Error,
        "the security groups of the interface endpoints let TCP 443 in from the cluster's security groups",
        "add an inbound TCP 443 rule with the cluster's security group as source to the endpoint's security group");
    SECRETSMANAGER_ENDPOINT_MISSING = ("NET006", "secretsmanager-endpoint-missing", Error,
        "a mapping with a secret that reaches AWS through VPC endpoints has a Secrets Manager endpoint too",
        "add a secretsmanager interface endpoint in the cluster's VPC");
    DESTINATION_ENDPOINT_MISSING = ("NET007", "destination-endpoint-missing", Warning,
        "an on-failure destination (SQS, SNS, S3) is reachable from the cluster's VPC: through a NAT gateway or a VPC endpoint of its service",
        "add a VPC endpoint for the destination's service (sqs, sns or an s3 gateway endpoint) or a NAT gateway route");
    SCRAM_SECRET_NAME_PREFIX = ("SEC004", "scram-secret-name-prefix", Error,
        "an MSK SCRAM secret's name starts with AmazonMSK_",
        "create the secret with a name starting AmazonMSK_ and associate it with the cluster");
    SCRAM_SECRET_NEEDS_CMK = ("SEC005", "scram-secret-needs-cmk", Error,
        "an MSK SCRAM secret is encrypted with a customer managed KMS key, not the default aws/secretsmanager key",
        "set KmsKeyId to a customer managed symmetric KMS key");
    SECRET_REGION_ACCOUNT = ("SEC006", "secret-region-account", Error,
        "an MSK SCRAM secret is in the cluster's account and Region; other secrets are in the mapping's Region",
        "create the secret in the Region (and, for SCRAM, the account) of the cluster");
    SECRET_URI_NOT_ARN = ("SEC007", "secret-uri-not-arn", Error,
        "an authentication URI is a Secrets Manager secret ARN, not a name or a {{resolve:…}} value",
        "reference the secret's ARN (in CloudFormation `!Ref TheSecret`)");
    PLAINTEXT_SECRET_IN_ARTIFACT = ("SEC010", "plaintext-secret-in-artifact", Warning,
        "secret values are not written into templates or plans, where everyone who can read the artifact sees them",
        "create the secret outside the template, or use GenerateSecretString, and reference it by ARN");
    MISSING_DESCRIBE_CLUSTER = ("IAM001", "missing-describe-cluster", Error,
        "the execution role may call kafka:DescribeClusterV2 (serverless) or kafka:DescribeClusterV2/kafka:DescribeCluster (provisioned) on the cluster",
        "allow kafka:DescribeClusterV2 on the cluster ARN (attach AWSLambdaMSKExecutionRole or add a statement)");
    MISSING_GET_BOOTSTRAP_BROKERS = ("IAM002", "missing-get-bootstrap-brokers", Error,
        "the execution role may call kafka:GetBootstrapBrokers on the cluster",
        "allow kafka:GetBootstrapBrokers on the cluster ARN");
    MISSING_ENI_PERMISSIONS = ("IAM003", "missing-eni-permissions", Error,
        "the execution role may create, describe and delete network interfaces and describe VPCs, subnets and security groups (Resource \"*\")",
        "allow ec2:CreateNetworkInterface, DescribeNetworkInterfaces, DescribeVpcs, DeleteNetworkInterface, DescribeSubnets and DescribeSecurityGroups on \"*\"");
    MISSING_LOGS_PERMISSIONS = ("IAM004", "missing-logs-permissions", Warning,
        "the execution role may write the function's logs (logs:CreateLogGroup, CreateLogStream, PutLogEvents)",
        "attach AWSLambdaBasicExecutionRole or allow the three logs actions on the function's log group");
    IAM_AUTH_DATAPLANE_MISSING = ("IAM005", "iam-auth-dataplane-missing", Error,
        "with IAM authentication the execution role may Connect, DescribeClusterDynamicConfiguration (cluster), DescribeTopic, ReadData (topic), DescribeGroup, AlterGroup (group); AWSLambdaMSKExecutionRole grants none of these",
        "add a statement allowing the kafka-cluster actions on the cluster, topic and group ARNs (`mskgate policy generate` prints one)");
    KAFKA_CLUSTER_RESOURCE_TYPE = ("IAM006", "kafka-cluster-resource-type", Error,
        "each kafka-cluster action is granted on its resource type: Connect/Describe*Cluster* on the cluster, *Topic/ReadData/WriteData on topics, *Group on groups",
        "grant topic actions on arn:…:topic/<cluster>/<uuid>/<topic> and group actions on arn:…:group/<cluster>/<uuid>/<group>, not on the cluster ARN");
    KAFKA_ARN_MALFORMED = ("IAM007", "kafka-arn-malformed", Error,
        "kafka ARNs in the role's policies are well formed: service kafka, type cluster/topic/group/transactional-id, the cluster UUID, the cluster's Region and account",
        "write arn:aws:kafka:<region>:<account>:topic/<cluster-name>/<cluster-uuid>/<topic> (likewise group/, cluster/)");
    GROUP_ARN_MISMATCH = ("IAM008", "group-arn-mismatch", Error,
        "the group resource covers the mapping's consumer group; without ConsumerGroupId the group is the mapping's UUID, so it must be wildcarded",
        "grant the group actions on arn:…:group/<cluster>/<uuid>/<ConsumerGroupId>, or on …/* when no ConsumerGroupId is set");
    TOPIC_ARN_MISMATCH = ("IAM009", "topic-arn-mismatch", Error,
        "the topic resource covers the topic the mapping reads (and the kafka:// topic it writes failed records to)",
        "grant the topic actions on arn:…:topic/<cluster>/<uuid>/<topic> for the mapping's topic");
    KAFKA_DEPENDENT_ACTIONS = ("IAM010", "kafka-dependent-actions", Error,
        "a granted kafka-cluster action comes with the actions it requires (e.g. ReadData needs Connect, DescribeTopic and AlterGroup)",
        "add the required actions listed in the message");
    SECRET_READ_MISSING = ("IAM011", "secret-read-missing", Error,
        "the execution role may call secretsmanager:GetSecretValue on every authentication and root-CA secret (SAM grants it only for mTLS on MSK, and on the wrong ARN for a self-managed root CA)",
        "allow secretsmanager:GetSecretValue on the secret's ARN (e.g. SAM AWSSecretsManagerGetSecretValuePolicy)");
    SECRET_KMS_DECRYPT_MISSING = ("IAM012", "secret-kms-decrypt-missing", Error,
        "the execution role may call kms:Decrypt on the customer managed key of each secret it reads (always the case for MSK SCRAM)",
        "allow kms:Decrypt on the key's ARN");
    DESTINATION_PERMISSIONS = ("IAM013", "destination-permissions", Error,
        "the execution role may send failed records to the on-failure destination: sqs:SendMessage, sns:Publish, s3:PutObject and s3:ListBucket, or kafka-cluster:WriteData",
        "allow the destination's action on its ARN");
    SCHEMA_REGISTRY_PERMISSIONS = ("IAM014", "schema-registry-permissions", Error,
        "with a Glue schema registry the execution role may call glue:GetRegistry and glue:GetSchemaVersion",
        "allow glue:GetRegistry on the registry and glue:GetSchemaVersion on arn:…:schema/<registry>/*");
    CROSS_ACCOUNT_VPC_CONNECTION = ("IAM015", "cross-account-vpc-connection", Error,
        "a mapping on a multi-VPC (vpc-connection) source needs kafka:DescribeVpcConnection",
        "allow kafka:DescribeVpcConnection on the VPC connection ARN");
    DESCRIBECLUSTER_V1_ONLY = ("IAM016", "describecluster-v1-only", Warning,
        "the role allows kafka:DescribeCluster but not kafka:DescribeClusterV2, which Lambda plans to require",
        "allow kafka:DescribeClusterV2 as well");
    EXPLICIT_DENY = ("IAM017", "explicit-deny", Error,
        "no explicit Deny or permissions boundary in the artifacts blocks an action the mapping needs",
        "narrow the Deny statement or extend the permissions boundary");
    KAFKA_CLUSTER_STAR = ("IAM018", "kafka-cluster-star", Warning,
        "a consumer role does not need kafka-cluster:* on every resource",
        "grant the read actions on the cluster, topic and group ARNs only (`mskgate policy generate`)");
    UNKNOWN_KAFKA_ACTION = ("IAM019", "unknown-kafka-action", Error,
        "every kafka-cluster action exists; data-plane actions are kafka-cluster:*, not kafka:* (kafka:ReadData does not exist)",
        "use the kafka-cluster service prefix and an action from the Service Authorization Reference");
    SERVERLESS_UNSUPPORTED_ACTION = ("IAM020", "serverless-unsupported-action", Info,
        "DescribeClusterDynamicConfiguration, AlterCluster and AlterClusterDynamicConfiguration do not apply to MSK Serverless",
        "drop the action from the policy of a serverless consumer");
}

/// Help for the rules of `mskgate-auth`, whose findings carry their own help.
static AUTH_HELP: &[(&str, &str)] = &[
    (
        "SEC001",
        "store {\"username\": \"…\", \"password\": \"…\"} with non-empty strings",
    ),
    (
        "SEC002",
        "store {\"certificate\": \"<PEM chain>\", \"privateKey\": \"<PKCS#8 PEM>\"} and privateKeyPassword for an encrypted key",
    ),
    ("SEC003", "store {\"certificate\": \"<PEM of the CA>\"}"),
    ("SEC008", "keep only what the consumer needs in the secret"),
    ("SEC011", "store the secret as a JSON object"),
    ("SEC012", "remove keys the secret type does not use"),
    ("SEC013", "keep one entry per key"),
    (
        "SEC014",
        "use the keys of a SCRAM, BASIC, client-certificate or root CA secret",
    ),
    (
        "CRT001",
        "keep the PEM newlines (\\n in JSON), one block after another",
    ),
    (
        "CRT002",
        "order the chain client certificate, intermediates, root",
    ),
    ("CRT003", "renew the certificate"),
    (
        "CRT004",
        "convert the key to PKCS#8: `openssl pkcs8 -topk8 …`",
    ),
    (
        "CRT005",
        "re-encrypt the key with a PBES1-family scheme: `openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES …`",
    ),
    (
        "CRT006",
        "give the key's password as privateKeyPassword (or none for a plain key)",
    ),
    (
        "CRT007",
        "store the key that belongs to the client certificate",
    ),
    (
        "CRT008",
        "issue the client certificate with EKU clientAuth and key usage digitalSignature",
    ),
    (
        "CRT009",
        "use RSA ≥ 2048 bits or EC keys and SHA-256 signatures",
    ),
    (
        "CRT010",
        "issue the client certificate from a CA the cluster trusts",
    ),
    ("CRT011", "include every intermediate up to the root"),
    (
        "CRT012",
        "use RSA or ECDSA P-256/P-384 signatures with SHA-256/384",
    ),
    (
        "CRT013",
        "issue certificates from CA certificates (basicConstraints CA:TRUE, keyCertSign)",
    ),
    (
        "CRT014",
        "use an RSA, EC P-256/P-384 or Ed25519 key in a supported encryption",
    ),
];

fn family_of(code: &str) -> Family {
    let prefix: String = code.chars().take_while(char::is_ascii_alphabetic).collect();
    match prefix.as_str() {
        "AUTH" => Family::Auth,
        "PRT" => Family::Prt,
        "MSK" => Family::Msk,
        "SEC" => Family::Sec,
        "CRT" => Family::Crt,
        "IAM" => Family::Iam,
        "NET" => Family::Net,
        _ => Family::Esm,
    }
}

fn family_order(f: Family) -> u8 {
    f as u8
}

/// Every rule, ordered by family (ESM, AUTH, PRT, MSK, SEC, CRT, IAM, NET) then code.
pub fn codes() -> &'static [Code] {
    use std::sync::OnceLock;
    static ALL: OnceLock<Vec<Code>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<Code> = rules::OWN
            .iter()
            .copied()
            .chain(auth::ALL.iter().copied())
            .map(|rule| {
                let help = rules::HELP
                    .iter()
                    .chain(AUTH_HELP)
                    .find(|(c, _)| *c == rule.code)
                    .map_or("", |(_, h)| *h);
                Code {
                    rule,
                    family: family_of(rule.code),
                    help,
                }
            })
            .collect();
        all.sort_by(|a, b| {
            (family_order(a.family), a.rule.code).cmp(&(family_order(b.family), b.rule.code))
        });
        all
    })
}

/// Finds a rule by code (`ESM001`) or name (`topics-exactly-one`), case-insensitively.
pub fn lookup(code_or_name: &str) -> Option<&'static Code> {
    codes().iter().find(|c| {
        c.rule.code.eq_ignore_ascii_case(code_or_name)
            || c.rule.name.eq_ignore_ascii_case(code_or_name)
    })
}

/// The registry entry of a rule.
pub fn code_of(rule: &Rule) -> Option<&'static Code> {
    codes().iter().find(|c| c.rule.code == rule.code)
}

/// A level set by `--deny`, `--warn` or `--allow`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Report as an error.
    Deny,
    /// Report as a warning.
    Warn,
    /// Do not report.
    Allow,
}

/// Per-rule severity overrides; the last one given for a rule wins.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    levels: BTreeMap<&'static str, Level>,
}

impl Overrides {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the level of a rule named by code or name.
    pub fn set(&mut self, code_or_name: &str, level: Level) -> Result<(), Error> {
        let code =
            lookup(code_or_name).ok_or_else(|| Error::UnknownRule(code_or_name.to_owned()))?;
        self.levels.insert(code.rule.code, level);
        Ok(())
    }

    /// The severity a finding of `rule` is reported with, or `None` when allowed.
    pub fn apply(&self, rule: &Rule, severity: Severity) -> Option<Severity> {
        match self.levels.get(rule.code) {
            None => Some(severity),
            Some(Level::Allow) => None,
            Some(Level::Warn) => Some(Severity::Warning),
            Some(Level::Deny) => Some(Severity::Error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_help_and_a_unique_code_in_its_family() {
        let mut seen = std::collections::BTreeSet::new();
        for c in codes() {
            assert!(!c.help.is_empty(), "{} has no help", c.rule.code);
            assert!(
                c.rule.code.starts_with(c.family.prefix()),
                "{}",
                c.rule.code
            );
            assert!(seen.insert(c.rule.code), "duplicate {}", c.rule.code);
            assert!(
                c.rule
                    .name
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'),
                "{} is not kebab-case",
                c.rule.name
            );
        }
        let names: std::collections::BTreeSet<_> = codes().iter().map(|c| c.rule.name).collect();
        assert_eq!(names.len(), codes().len(), "names are unique");
    }

    #[test]
    fn overrides_accept_codes_and_names_and_reject_unknown_ones() {
        let mut o = Overrides::new();
        o.set("esm016", Level::Deny).expect("code");
        o.set("key-pbes2", Level::Allow).expect("auth rule by name");
        assert_eq!(
            o.apply(&rules::INFINITE_RETRIES, Severity::Warning),
            Some(Severity::Error)
        );
        assert_eq!(o.apply(&auth::KEY_PBES2, Severity::Error), None);
        assert!(matches!(
            o.set("ESM999", Level::Warn),
            Err(Error::UnknownRule(_))
        ));
    }
}
