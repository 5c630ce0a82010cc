//! One model of "a Kafka event source mapping", whatever artifact it came from: the properties
//! in the Lambda API's shape (`EventSourceArn`, `Topics`, `SourceAccessConfigurations`…), each
//! value evaluated as far as it can be before deploy and carrying where it was written.

use crate::input::Span;

/// An evaluated value with the place it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct V {
    /// The value.
    pub val: Val,
    /// Where it was written (for a parameter, where the parameter is used).
    pub span: Span,
}

/// A value as far as it is known before deploy.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// `null`, or a missing optional value.
    Null,
    /// A scalar, as text (`10`, `true`, `LATEST`); see [`V::as_i64`], [`V::as_bool`].
    Scalar(String),
    /// A list.
    List(Vec<V>),
    /// An object, in document order.
    Map(Vec<(String, V)>),
    /// Not knowable before deploy.
    Unknown(Unknown),
}

/// Why a value is unknown, and what is known about it anyway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unknown {
    /// Why, e.g. "`!ImportValue MSK-Arn`" or "parameter `Topic` has no default".
    pub reason: String,
    /// The value with each unknown part replaced by `*`, when it is a string (`arn:*:kafka:…`).
    pub shape: Option<String>,
    /// The template resource (logical id or Terraform address) the value is an attribute of.
    pub resource: Option<String>,
}

/// What a property is, known or not.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Known<'a, T> {
    /// Absent (or null).
    Absent,
    /// Not knowable before deploy.
    Unknown(&'a V),
    /// Known.
    Value(T),
    /// Present but of another type than expected.
    WrongType(&'a V),
}

impl V {
    /// An unknown value.
    pub fn unknown(span: Span, reason: impl Into<String>) -> Self {
        Self {
            val: Val::Unknown(Unknown {
                reason: reason.into(),
                shape: None,
                resource: None,
            }),
            span,
        }
    }

    /// The scalar text.
    pub fn as_str(&self) -> Option<&str> {
        match &self.val {
            Val::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar as an integer (CloudFormation accepts `"10"` and `10`).
    pub fn as_i64(&self) -> Option<i64> {
        let s = self.as_str()?.trim();
        s.parse::<i64>().ok().or_else(|| {
            let f = s.parse::<f64>().ok()?;
            // An integral float such as 10.0; the conversion is exact in this range.
            (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
        })
    }

    /// The scalar as a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self.as_str()?.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// The unknown part, if the value is unknown.
    pub fn unknown_part(&self) -> Option<&Unknown> {
        match &self.val {
            Val::Unknown(u) => Some(u),
            _ => None,
        }
    }

    /// The items of a list.
    pub fn items(&self) -> Option<&[V]> {
        match &self.val {
            Val::List(l) => Some(l),
            _ => None,
        }
    }

    /// The value under `key`, for an object.
    pub fn get(&self, key: &str) -> Option<&V> {
        match &self.val {
            Val::Map(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value at a path of keys; `Null` counts as absent.
    pub fn at(&self, path: &[&str]) -> Option<&V> {
        let mut v = self;
        for k in path {
            v = v.get(k)?;
        }
        (!matches!(v.val, Val::Null)).then_some(v)
    }

    /// Whether this is an object.
    pub fn is_map(&self) -> bool {
        matches!(self.val, Val::Map(_))
    }
}

/// Classifies an optional value as a string.
pub fn known_str(v: Option<&V>) -> Known<'_, &str> {
    match v {
        None => Known::Absent,
        Some(v) => match &v.val {
            Val::Null => Known::Absent,
            Val::Scalar(s) => Known::Value(s),
            Val::Unknown(_) => Known::Unknown(v),
            _ => Known::WrongType(v),
        },
    }
}

/// Classifies an optional value as an integer.
pub fn known_i64(v: Option<&V>) -> Known<'_, i64> {
    match v {
        None => Known::Absent,
        Some(x) => match &x.val {
            Val::Null => Known::Absent,
            Val::Unknown(_) => Known::Unknown(x),
            Val::Scalar(_) => x.as_i64().map_or(Known::WrongType(x), Known::Value),
            _ => Known::WrongType(x),
        },
    }
}

/// Classifies an optional value as a list.
pub fn known_list(v: Option<&V>) -> Known<'_, &[V]> {
    match v {
        None => Known::Absent,
        Some(x) => match &x.val {
            Val::Null => Known::Absent,
            Val::List(l) => Known::Value(l),
            Val::Unknown(_) => Known::Unknown(x),
            _ => Known::WrongType(x),
        },
    }
}

/// The artifact a mapping was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// `AWS::Lambda::EventSourceMapping` in a CloudFormation template.
    CloudFormation,
    /// An `MSK` or `SelfManagedKafka` event of `AWS::Serverless::Function`.
    Sam,
    /// `aws_lambda_event_source_mapping` in `terraform show -json`.
    TerraformPlan,
    /// Lambda API JSON (`get-event-source-mapping`, `--cli-input-json`).
    EsmApi,
    /// The `source` of an mskgate runtime configuration.
    MskgateConfig,
}

/// A secret a mapping's `SourceAccessConfigurations` names, as far as the artifact declares it.
#[derive(Clone, Debug, PartialEq)]
pub struct SecretInfo {
    /// Index of the `SourceAccessConfigurations` entry.
    pub access_index: usize,
    /// The declaring resource (logical id or Terraform address).
    pub resource: String,
    /// Where the resource is declared (file index, span).
    pub declared_at: (usize, Span),
    /// `Name` / `name` (absent: generated, which never starts with `AmazonMSK_`).
    pub name: Option<V>,
    /// `KmsKeyId` / `kms_key_id` (absent: the default `aws/secretsmanager` key).
    pub kms_key: Option<V>,
    /// An inline `SecretString` / `secret_string`.
    pub secret_string: Option<V>,
    /// Whether a `GenerateSecretString` makes the value (CloudFormation).
    pub generated: bool,
}

/// The MSK cluster a mapping's `EventSourceArn` names, when the artifact declares it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterInfo {
    /// The declaring resource (logical id or Terraform address).
    pub resource: String,
    /// Where it is declared (file index, span).
    pub declared_at: (usize, Span),
    /// MSK Serverless (IAM only).
    pub serverless: bool,
    /// `ClientAuthentication` in CloudFormation's shape (`Sasl.Scram.Enabled`, `Sasl.Iam.Enabled`,
    /// `Tls.Enabled`, `Unauthenticated.Enabled`); `None` when not given.
    pub client_authentication: Option<V>,
    /// `EncryptionInfo.EncryptionInTransit.ClientBroker` (`TLS`, `TLS_PLAINTEXT`, `PLAINTEXT`).
    pub client_broker: Option<V>,
}

impl ClusterInfo {
    /// Whether a client authentication method is enabled (`path` below `ClientAuthentication`).
    pub fn enabled(&self, path: &[&str]) -> Known<'_, bool> {
        let Some(ca) = &self.client_authentication else {
            return Known::Absent;
        };
        if let Some(u) = ca.unknown_part().map(|_| ca) {
            return Known::Unknown(u);
        }
        match ca.at(path) {
            None => Known::Absent,
            Some(v) if v.unknown_part().is_some() => Known::Unknown(v),
            Some(v) => v.as_bool().map_or(Known::WrongType(v), Known::Value),
        }
    }
}

/// One Kafka event source mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct Mapping {
    /// Human name: `MyEsm`, `Consumer.Events.Orders`, `aws_lambda_event_source_mapping.this["a"]`.
    pub name: String,
    /// The resource it belongs to (logical id, Terraform address, or the file for ESM JSON).
    pub resource: String,
    /// Index into [`crate::Report::files`].
    pub file: usize,
    /// Where the mapping is declared.
    pub span: Span,
    /// JSON pointer of the mapping, for JSON inputs.
    pub json_path: Option<String>,
    /// The artifact kind.
    pub dialect: Dialect,
    /// The properties in the Lambda API's names and shapes.
    pub props: V,
    /// The target function's `Timeout`, when the artifact declares the function.
    pub function_timeout: Option<V>,
    /// Secrets declared in the artifact that `SourceAccessConfigurations` entries name.
    pub secrets: Vec<SecretInfo>,
    /// Deployed only under a condition that could not be evaluated.
    pub conditional: Option<String>,
    /// The MSK cluster, when the artifact declares it.
    pub cluster: Option<ClusterInfo>,
    /// The execution role and the ARNs its permissions are judged against, when the reader
    /// knows them (see [`crate::iam`]).
    pub iam: Option<Box<crate::iam::MappingIam>>,
}

/// Where a mapping reads from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// Amazon MSK (`EventSourceArn`).
    Msk,
    /// Self-managed Kafka (`SelfManagedEventSource`).
    SelfManaged,
}

impl Mapping {
    /// A property by API path.
    pub fn get(&self, path: &[&str]) -> Option<&V> {
        self.props.at(path)
    }

    /// MSK or self-managed, when exactly one of `EventSourceArn` / `SelfManagedEventSource`.
    pub fn source_kind(&self) -> Option<SourceKind> {
        match (
            self.get(&["EventSourceArn"]).is_some(),
            self.get(&["SelfManagedEventSource"]).is_some(),
        ) {
            (true, false) => Some(SourceKind::Msk),
            (false, true) => Some(SourceKind::SelfManaged),
            _ => None,
        }
    }

    /// The `SourceAccessConfigurations` entries as (type, URI), in order.
    pub fn access_configs(&self) -> Vec<(Option<&V>, Option<&V>)> {
        match known_list(self.get(&["SourceAccessConfigurations"])) {
            Known::Value(items) => items
                .iter()
                .map(|e| (e.at(&["Type"]), e.at(&["URI"])))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The bootstrap servers of a self-managed source.
    pub fn bootstrap_servers(&self) -> Option<&V> {
        self.get(&[
            "SelfManagedEventSource",
            "Endpoints",
            "KAFKA_BOOTSTRAP_SERVERS",
        ])
    }

    /// The consumer group id, from whichever config block holds it.
    pub fn consumer_group_id(&self) -> Option<&V> {
        self.get(&["AmazonManagedKafkaEventSourceConfig", "ConsumerGroupId"])
            .or_else(|| self.get(&["SelfManagedKafkaEventSourceConfig", "ConsumerGroupId"]))
    }
}
