//! What a mapping's execution role needs, by configuration (MSK or self-managed, the
//! authentication, secrets and their keys, destinations, schema registry, serverless,
//! cross-account VPC connections).

use mskgate_auth::Rule;

use super::sym::{Sym, Tok, Var};
use super::{MappingIam, SecretNeed};
use crate::diag::registry::rules;
use crate::model::{Known, Mapping, SourceKind, V, Val, known_list, known_str};

/// `kafka-cluster` actions (Service Authorization Reference) with the resource type each
/// applies to and the actions it requires.
pub static KAFKA_CLUSTER_ACTIONS: &[(&str, ResourceKind, &[&str])] = &[
    ("Connect", ResourceKind::Cluster, &[]),
    ("DescribeCluster", ResourceKind::Cluster, &["Connect"]),
    (
        "AlterCluster",
        ResourceKind::Cluster,
        &["Connect", "DescribeCluster"],
    ),
    (
        "DescribeClusterDynamicConfiguration",
        ResourceKind::Cluster,
        &["Connect"],
    ),
    (
        "AlterClusterDynamicConfiguration",
        ResourceKind::Cluster,
        &["Connect", "DescribeClusterDynamicConfiguration"],
    ),
    (
        "WriteDataIdempotently",
        ResourceKind::Cluster,
        &["Connect", "WriteData"],
    ),
    ("WriteTxnMarkers", ResourceKind::Cluster, &["Connect"]),
    ("CreateTopic", ResourceKind::Topic, &["Connect"]),
    ("DescribeTopic", ResourceKind::Topic, &["Connect"]),
    (
        "AlterTopic",
        ResourceKind::Topic,
        &["Connect", "DescribeTopic"],
    ),
    (
        "DeleteTopic",
        ResourceKind::Topic,
        &["Connect", "DescribeTopic"],
    ),
    (
        "DescribeTopicDynamicConfiguration",
        ResourceKind::Topic,
        &["Connect"],
    ),
    (
        "AlterTopicDynamicConfiguration",
        ResourceKind::Topic,
        &["Connect", "DescribeTopicDynamicConfiguration"],
    ),
    (
        "ReadData",
        ResourceKind::Topic,
        &["Connect", "DescribeTopic", "AlterGroup"],
    ),
    (
        "WriteData",
        ResourceKind::Topic,
        &["Connect", "DescribeTopic"],
    ),
    ("DescribeGroup", ResourceKind::Group, &["Connect"]),
    (
        "AlterGroup",
        ResourceKind::Group,
        &["Connect", "DescribeGroup"],
    ),
    (
        "DeleteGroup",
        ResourceKind::Group,
        &["Connect", "DescribeGroup"],
    ),
    (
        "DescribeTransactionalId",
        ResourceKind::TransactionalId,
        &["Connect"],
    ),
    (
        "AlterTransactionalId",
        ResourceKind::TransactionalId,
        &["Connect", "DescribeTransactionalId", "WriteData"],
    ),
];

/// The resource types of `kafka-cluster` actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceKind {
    /// `cluster/<name>/<uuid>`.
    Cluster,
    /// `topic/<cluster>/<uuid>/<topic>`.
    Topic,
    /// `group/<cluster>/<uuid>/<group>`.
    Group,
    /// `transactional-id/<cluster>/<uuid>/<id>`.
    TransactionalId,
}

impl ResourceKind {
    /// The ARN segment.
    pub fn segment(self) -> &'static str {
        match self {
            Self::Cluster => "cluster",
            Self::Topic => "topic",
            Self::Group => "group",
            Self::TransactionalId => "transactional-id",
        }
    }
}

/// The resource type of a `kafka` ARN (pattern), from the segment after the account.
pub fn resource_kind(arn: &Sym) -> Option<ResourceKind> {
    let fields = arn.split_colon(6);
    if fields.len() != 6 || fields[2].as_literal().as_deref() != Some("kafka") {
        return None;
    }
    let rest = fields[5].literal_prefix();
    let seg = rest.split('/').next().unwrap_or_default();
    [
        ResourceKind::Cluster,
        ResourceKind::Topic,
        ResourceKind::Group,
        ResourceKind::TransactionalId,
    ]
    .into_iter()
    .find(|k| k.segment() == seg)
}

/// The actions a `kafka-cluster` action requires, `None` for an action not in the table.
pub fn dependent_actions(action: &str) -> Option<&'static [&'static str]> {
    let name = action.split_once(':').map_or(action, |(_, n)| n);
    KAFKA_CLUSTER_ACTIONS
        .iter()
        .find(|(a, _, _)| a.eq_ignore_ascii_case(name))
        .map(|(_, _, d)| *d)
}

/// One permission the role needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Need {
    /// The rule reported when it is missing.
    pub rule: &'static Rule,
    /// The actions (all needed, or one of them with [`Need::any_of`]).
    pub actions: Vec<&'static str>,
    /// One of the actions suffices.
    pub any_of: bool,
    /// The resource.
    pub resource: Sym,
    /// The `kafka-cluster` resource type, for data-plane actions.
    pub kind: Option<ResourceKind>,
    /// What it is for, e.g. `reading topic orders`.
    pub why: String,
}

/// What a mapping needs, and what could not be derived.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Needs {
    /// The permissions.
    pub needs: Vec<Need>,
    /// (what, why, rule) for needs whose resource is not known.
    pub unknown: Vec<(String, String, &'static Rule)>,
    /// The mapping reads an MSK Serverless cluster.
    pub serverless: bool,
    /// The mapping authenticates with IAM (known, or assumed: see [`Needs::iam_auth_assumed`]).
    pub iam_auth: bool,
    /// Why IAM authentication is only assumed — no secret is configured, but the cluster is not
    /// declared (or its `ClientAuthentication` is not known before deploy), so it may as well
    /// allow unauthenticated or TLS access. The needs with a [`Need::kind`] then hold only if
    /// the cluster uses IAM access control.
    pub iam_auth_assumed: Option<String>,
    /// The cluster ARN, when derived.
    pub cluster: Option<Sym>,
}

/// A known string value as a symbolic one; an unknown one as a named unknown when it names a
/// resource.
pub(crate) fn sym_of(v: Option<&V>) -> Option<Sym> {
    let v = v?;
    match &v.val {
        Val::Scalar(s) => Some(Sym::lit(s.clone())),
        Val::Unknown(u) => u
            .resource
            .as_ref()
            .map(|r| Sym::var(format!("{r}.Arn"), false)),
        _ => None,
    }
}

const ENI: &[&str] = &[
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeVpcs",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
];

const LOGS: &[&str] = &[
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];

fn var(name: &str) -> Tok {
    Tok::Var(Var {
        name: name.to_owned(),
        fresh: false,
    })
}

/// Partition, Region and account of an ARN (unknowns as `${AWS::…}`).
fn arn_fields(arn: Option<&Sym>) -> (Sym, Sym, Sym) {
    let default = (
        Sym::lit("aws"),
        Sym(vec![var("AWS::Region")]),
        Sym(vec![var("AWS::AccountId")]),
    );
    let Some(arn) = arn else { return default };
    let f = arn.split_colon(6);
    if f.len() != 6 {
        return default;
    }
    let or = |s: &Sym, d: Sym| if s.0.is_empty() { d } else { s.clone() };
    (
        or(&f[1], default.0.clone()),
        or(&f[3], default.1.clone()),
        or(&f[4], default.2.clone()),
    )
}

fn build(parts: &[&Sym]) -> Sym {
    let mut s = Sym::default();
    for p in parts {
        s.append(p);
    }
    s
}

/// The topic, group or transactional-id ARN of a cluster: `cluster/` swapped for the type,
/// the name appended.
pub(crate) fn kafka_child(cluster: &Sym, kind: ResourceKind, name: &Sym) -> Sym {
    let mut out = match cluster.replace_first(":cluster/", &format!(":{}/", kind.segment())) {
        Some(s) => s,
        None => {
            // The whole ARN is unknown: keep its parts named after it.
            let base = cluster.to_string().replace(['$', '{', '}'], "");
            let (p, r, a) = arn_fields(None);
            build(&[
                &Sym::lit("arn:"),
                &p,
                &Sym::lit(":kafka:"),
                &r,
                &Sym::lit(":"),
                &a,
                &Sym::lit(format!(":{}/", kind.segment())),
                &Sym(vec![var(&format!("{base}.Name"))]),
                &Sym::lit("/"),
                &Sym(vec![var(&format!("{base}.Uuid"))]),
            ])
        }
    };
    out.push_str("/");
    out.append(name);
    out
}

fn first_topic(m: &Mapping) -> Sym {
    match known_list(m.get(&["Topics"])) {
        Known::Value(items) => match items.first().map(|v| &v.val) {
            Some(Val::Scalar(s)) => Sym::lit(s.clone()),
            _ => Sym(vec![var("Topic")]),
        },
        _ => Sym(vec![var("Topic")]),
    }
}

fn function_name(m: &Mapping, iam: Option<&MappingIam>) -> Sym {
    if let Some(f) = iam.and_then(|i| i.function_name.clone()) {
        return f;
    }
    match known_str(m.get(&["FunctionName"])) {
        Known::Value(s) => {
            let name = s.rsplit_once("function:").map_or(s, |(_, n)| n);
            Sym::lit(name.split(':').next().unwrap_or(name))
        }
        _ => Sym(vec![var("FunctionName")]),
    }
}

/// Whether the mapping uses IAM authentication: an MSK source, no credential secret, and a
/// cluster with IAM enabled (or serverless). `Some(reason)` when that is only assumed: the
/// cluster is not declared, or whether it enables IAM is not known before deploy.
fn uses_iam(m: &Mapping, has_secret: bool) -> Option<Option<String>> {
    if has_secret || m.source_kind() != Some(SourceKind::Msk) {
        return None;
    }
    match &m.cluster {
        None => Some(Some("the cluster is not in these files".into())),
        Some(c) if c.serverless => Some(None),
        Some(c) => match c.enabled(&["Sasl", "Iam", "Enabled"]) {
            Known::Absent | Known::Value(false) => None,
            Known::Unknown(v) => {
                let why = v
                    .unknown_part()
                    .map_or("it is computed", |u| u.reason.as_str());
                Some(Some(format!(
                    "whether cluster {} enables IAM access control is not known before deploy ({why})",
                    c.resource
                )))
            }
            _ => Some(None),
        },
    }
}

/// The permissions `m`'s execution role needs.
pub fn needs(m: &Mapping, iam: Option<&MappingIam>) -> Needs {
    let mut n = Needs::default();
    let Some(kind) = m.source_kind() else {
        return n;
    };
    let types: Vec<(Option<String>, Option<&V>)> = m
        .access_configs()
        .into_iter()
        .map(|(t, u)| (t.and_then(V::as_str).map(str::to_owned), u))
        .collect();
    let has_secret = types.iter().any(|(t, _)| {
        t.as_deref()
            .is_some_and(|t| crate::rules::AUTH_MECHANISMS.contains(&t))
    });
    n.serverless = m.cluster.as_ref().is_some_and(|c| c.serverless);
    if let Some(assumed) = uses_iam(m, has_secret) {
        n.iam_auth = true;
        n.iam_auth_assumed = assumed;
    }
    let cluster = iam
        .and_then(|i| i.cluster_arn.clone())
        .or_else(|| sym_of(m.get(&["EventSourceArn"])));
    n.cluster.clone_from(&cluster);
    let (p, r, a) = arn_fields(cluster.as_ref());
    let mut push = |rule, actions: &[&'static str], any_of, resource: Sym, kind, why: String| {
        n.needs.push(Need {
            rule,
            actions: actions.to_vec(),
            any_of,
            resource,
            kind,
            why,
        });
    };
    let vpc_connection = cluster
        .as_ref()
        .is_some_and(|c| c.literal_prefix().contains(":vpc-connection/"));
    if kind == SourceKind::Msk {
        match &cluster {
            Some(c) if vpc_connection => push(
                &rules::CROSS_ACCOUNT_VPC_CONNECTION,
                &["kafka:DescribeVpcConnection"],
                false,
                c.clone(),
                None,
                "reading through a multi-VPC connection".into(),
            ),
            Some(c) => {
                let describe: &[&'static str] = if n.serverless {
                    &["kafka:DescribeClusterV2"]
                } else {
                    &["kafka:DescribeClusterV2", "kafka:DescribeCluster"]
                };
                push(
                    &rules::MISSING_DESCRIBE_CLUSTER,
                    describe,
                    true,
                    c.clone(),
                    None,
                    "describing the cluster".into(),
                );
                push(
                    &rules::MISSING_GET_BOOTSTRAP_BROKERS,
                    &["kafka:GetBootstrapBrokers"],
                    false,
                    c.clone(),
                    None,
                    "finding the brokers".into(),
                );
            }
            None => n.unknown.push((
                "the cluster ARN".into(),
                "EventSourceArn is not known before deploy".into(),
                &rules::MISSING_DESCRIBE_CLUSTER,
            )),
        }
    }
    let vpc = types
        .iter()
        .any(|(t, _)| t.as_deref() == Some("VPC_SUBNET"));
    if kind == SourceKind::Msk || vpc {
        push(
            &rules::MISSING_ENI_PERMISSIONS,
            ENI,
            false,
            Sym::lit("*"),
            None,
            "network interfaces in the cluster's VPC".into(),
        );
    }
    let log_group = build(&[
        &Sym::lit("arn:"),
        &p,
        &Sym::lit(":logs:"),
        &r,
        &Sym::lit(":"),
        &a,
        &Sym::lit(":log-group:/aws/lambda/"),
        &function_name(m, iam),
        &Sym::lit(":*"),
    ]);
    push(
        &rules::MISSING_LOGS_PERMISSIONS,
        LOGS,
        false,
        log_group,
        None,
        "the function's log group".into(),
    );
    let topic_name = first_topic(m);
    if n.iam_auth {
        match &cluster {
            Some(c) if !vpc_connection => {
                let topic = kafka_child(c, ResourceKind::Topic, &topic_name);
                let group_name = match m.consumer_group_id() {
                    Some(v) => match &v.val {
                        Val::Scalar(s) => Sym::lit(s.clone()),
                        _ => Sym(vec![var("ConsumerGroupId")]),
                    },
                    None => Sym::var("EsmUuid", true),
                };
                let group = kafka_child(c, ResourceKind::Group, &group_name);
                let mut cluster_actions = vec!["kafka-cluster:Connect"];
                if !n.serverless {
                    cluster_actions.push("kafka-cluster:DescribeClusterDynamicConfiguration");
                }
                push(
                    &rules::IAM_AUTH_DATAPLANE_MISSING,
                    &cluster_actions,
                    false,
                    c.clone(),
                    Some(ResourceKind::Cluster),
                    "connecting with IAM authentication".into(),
                );
                push(
                    &rules::IAM_AUTH_DATAPLANE_MISSING,
                    &["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
                    false,
                    topic,
                    Some(ResourceKind::Topic),
                    format!("reading topic {topic_name}"),
                );
                push(
                    &rules::IAM_AUTH_DATAPLANE_MISSING,
                    &["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"],
                    false,
                    group,
                    Some(ResourceKind::Group),
                    if m.consumer_group_id().is_some() {
                        format!("committing offsets of consumer group {group_name}")
                    } else {
                        "committing offsets of the consumer group, which without ConsumerGroupId is the mapping's UUID (unknown before deploy)".into()
                    },
                );
            }
            Some(_) => {}
            None => n.unknown.push((
                "the cluster ARN".into(),
                "EventSourceArn is not known before deploy".into(),
                &rules::IAM_AUTH_DATAPLANE_MISSING,
            )),
        }
    }
    // Secrets (and their keys).
    let secrets: Vec<SecretNeed> = match iam {
        Some(i) if !i.secrets.is_empty() => i.secrets.clone(),
        _ => secrets_of(m, &types),
    };
    for s in &secrets {
        push(
            &rules::SECRET_READ_MISSING,
            &["secretsmanager:GetSecretValue"],
            false,
            s.arn.clone(),
            None,
            format!("reading the {}", s.what),
        );
        match &s.kms_key {
            None => {}
            Some(Ok(key)) => push(
                &rules::SECRET_KMS_DECRYPT_MISSING,
                &["kms:Decrypt"],
                false,
                key.clone(),
                None,
                format!("decrypting the {}", s.what),
            ),
            Some(Err(why)) => n.unknown.push((
                format!("the KMS key of the {}", s.what),
                why.clone(),
                &rules::SECRET_KMS_DECRYPT_MISSING,
            )),
        }
    }
    for (t, u) in &types {
        let is_secret = t.as_deref().is_some_and(|t| {
            crate::rules::AUTH_MECHANISMS.contains(&t) || t == "SERVER_ROOT_CA_CERTIFICATE"
        });
        if is_secret && u.is_some_and(|u| u.as_str().is_none()) && iam.is_none() {
            n.unknown.push((
                format!("the {} secret ARN", t.as_deref().unwrap_or_default()),
                "its URI is not known before deploy".into(),
                &rules::SECRET_READ_MISSING,
            ));
        }
    }
    // Destination.
    let dest = iam
        .and_then(|i| i.destination.clone())
        .or_else(|| sym_of(m.get(&["DestinationConfig", "OnFailure", "Destination"])));
    if let Some(d) = dest {
        let text = d.literal_prefix();
        if let Some(topic) = text.strip_prefix("kafka://") {
            if n.iam_auth
                && let Some(c) = cluster.as_ref().filter(|_| !vpc_connection)
            {
                push(
                    &rules::DESTINATION_PERMISSIONS,
                    &["kafka-cluster:WriteData"],
                    false,
                    kafka_child(c, ResourceKind::Topic, &Sym::lit(topic)),
                    Some(ResourceKind::Topic),
                    format!("sending failed records to topic {topic}"),
                );
            }
        } else if text.contains(":sqs:") {
            push(
                &rules::DESTINATION_PERMISSIONS,
                &["sqs:SendMessage"],
                false,
                d.clone(),
                None,
                "sending failed records to the SQS queue".into(),
            );
        } else if text.contains(":sns:") {
            push(
                &rules::DESTINATION_PERMISSIONS,
                &["sns:Publish"],
                false,
                d.clone(),
                None,
                "sending failed records to the SNS topic".into(),
            );
        } else if text.contains(":s3:") {
            push(
                &rules::DESTINATION_PERMISSIONS,
                &["s3:ListBucket"],
                false,
                d.clone(),
                None,
                "sending failed records to the S3 bucket".into(),
            );
            let mut objects = d.clone();
            objects.push_str("/*");
            push(
                &rules::DESTINATION_PERMISSIONS,
                &["s3:PutObject"],
                false,
                objects,
                None,
                "writing failed records into the S3 bucket".into(),
            );
        } else if !d.is_literal() {
            n.unknown.push((
                "the on-failure destination".into(),
                "its ARN is not known before deploy".into(),
                &rules::DESTINATION_PERMISSIONS,
            ));
        }
    }
    // Glue schema registry.
    let registry = iam.and_then(|i| i.schema_registry.clone()).or_else(|| {
        sym_of(
            m.get(&[
                "AmazonManagedKafkaEventSourceConfig",
                "SchemaRegistryConfig",
                "SchemaRegistryURI",
            ])
            .or_else(|| {
                m.get(&[
                    "SelfManagedKafkaEventSourceConfig",
                    "SchemaRegistryConfig",
                    "SchemaRegistryURI",
                ])
            }),
        )
    });
    if let Some(reg) = registry
        && reg.literal_prefix().contains(":glue:")
    {
        let schemas = reg.replace_first(":registry/", ":schema/").map(|mut s| {
            s.push_str("/");
            s.push(var("SchemaName"));
            s
        });
        push(
            &rules::SCHEMA_REGISTRY_PERMISSIONS,
            &["glue:GetRegistry"],
            false,
            reg.clone(),
            None,
            "reading the Glue schema registry".into(),
        );
        if let Some(s) = schemas {
            push(
                &rules::SCHEMA_REGISTRY_PERMISSIONS,
                &["glue:GetSchemaVersion"],
                false,
                s,
                None,
                "reading schema versions of the registry".into(),
            );
        }
    }
    n
}

/// Secrets named by literal ARNs, for artifacts without template context (ESM JSON).
fn secrets_of(m: &Mapping, types: &[(Option<String>, Option<&V>)]) -> Vec<SecretNeed> {
    let mut out = Vec::new();
    for (i, (t, u)) in types.iter().enumerate() {
        let Some(t) = t.as_deref() else { continue };
        let secret =
            crate::rules::AUTH_MECHANISMS.contains(&t) || t == "SERVER_ROOT_CA_CERTIFICATE";
        let Some(uri) = u.filter(|_| secret) else {
            continue;
        };
        let Some(arn) = uri.as_str().filter(|a| a.starts_with("arn:")) else {
            continue;
        };
        let declared = m.secrets.iter().find(|s| s.access_index == i);
        let kms_key = match declared {
            Some(s) => key_of(s.kms_key.as_ref(), &Sym::lit(arn)),
            None if t == "SASL_SCRAM_512_AUTH" && m.source_kind() == Some(SourceKind::Msk) => {
                Some(Err("the secret is not declared in the validated files; MSK SCRAM secrets are always under a customer managed key".into()))
            }
            None => None,
        };
        out.push(SecretNeed {
            what: format!("{t} secret"),
            arn: Sym::lit(arn),
            kms_key,
            span: uri.span,
        });
    }
    out
}

/// The key ARN of a `KmsKeyId` value (key ARN, key id, alias), relative to the secret's ARN.
pub(crate) fn key_of(v: Option<&V>, secret_arn: &Sym) -> Option<Result<Sym, String>> {
    let v = v?;
    match &v.val {
        Val::Null => None,
        Val::Scalar(s) => Some(key_from_text(s, secret_arn)),
        Val::Unknown(u) => Some(match &u.resource {
            Some(r) => Ok(Sym::var(format!("{r}.Arn"), false)),
            None => Err(format!(
                "KmsKeyId is not known before deploy ({})",
                u.reason
            )),
        }),
        _ => Some(Err("KmsKeyId is not a string".into())),
    }
}

/// A key ARN from a literal `KmsKeyId`.
pub(crate) fn key_from_text(s: &str, secret_arn: &Sym) -> Result<Sym, String> {
    if s.contains(":alias/") || s.starts_with("alias/") {
        return Err(format!(
            "KmsKeyId `{s}` is an alias; the key it names is known only in the account"
        ));
    }
    if s.starts_with("arn:") {
        return Ok(Sym::lit(s));
    }
    let (p, r, a) = arn_fields(Some(secret_arn));
    Ok(build(&[
        &Sym::lit("arn:"),
        &p,
        &Sym::lit(":kms:"),
        &r,
        &Sym::lit(":"),
        &a,
        &Sym::lit(":key/"),
        &Sym::lit(s),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_and_group_arns_are_derived_from_the_cluster_arn() {
        let c = Sym::lit("arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1");
        assert_eq!(
            kafka_child(&c, ResourceKind::Topic, &Sym::lit("orders")).to_string(),
            "arn:aws:kafka:us-east-1:123456789012:topic/demo/abcd-1/orders"
        );
        let unknown = Sym::var("Cluster.Arn", false);
        assert_eq!(
            kafka_child(&unknown, ResourceKind::Group, &Sym::lit("g")).to_string(),
            "arn:aws:kafka:${AWS::Region}:${AWS::AccountId}:group/${Cluster.Arn.Name}/${Cluster.Arn.Uuid}/g"
        );
        assert_eq!(
            resource_kind(&Sym::lit("arn:aws:kafka:*:*:group/demo/*")),
            Some(ResourceKind::Group)
        );
        assert_eq!(
            resource_kind(&Sym::lit("arn:aws:kafka:*:*:groups/demo/*")),
            None
        );
        assert_eq!(
            dependent_actions("kafka-cluster:ReadData").map(<[_]>::len),
            Some(3)
        );
    }
}
