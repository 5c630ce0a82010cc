//! The resources around the mappings that the MSK and NET rules judge: MSK clusters (also
//! those no mapping uses), their configurations and SCRAM secret associations, security groups
//! and their rules, subnets, route tables and VPC endpoints — from CloudFormation templates and
//! Terraform plans, in CloudFormation's shapes, with unknown values kept unknown.
//!
//! Resources refer to each other through [`Ref`]s: a resource of the same file (logical id or
//! Terraform address), a literal id (`sg-0123…`), or something not knowable before deploy.

use crate::input::Span;
use crate::model::{Known, V};

/// A reference from one resource to another.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ref {
    /// A resource of the same file: logical id or Terraform address.
    Resource(String),
    /// A literal id or ARN (`sg-0123…`, `subnet-…`, `arn:…`).
    Literal(String),
    /// Not knowable before deploy; the reason.
    Unknown(String),
}

impl Ref {
    /// A reference from an evaluated value.
    pub fn of(v: &V) -> Self {
        match (v.as_str(), v.unknown_part()) {
            (Some(s), _) => Self::Literal(s.to_owned()),
            (None, Some(u)) => match &u.resource {
                Some(r) => Self::Resource(r.clone()),
                None => Self::Unknown(u.reason.clone()),
            },
            (None, None) => Self::Unknown("not a string".into()),
        }
    }

    /// The references of a list value (a single value counts as a list of one; an unknown list
    /// as one unknown reference).
    pub fn list(v: Option<&V>) -> Vec<Self> {
        let Some(v) = v else { return Vec::new() };
        match v.items() {
            Some(items) => items.iter().map(Self::of).collect(),
            None => vec![Self::of(v)],
        }
    }
}

/// Identity of a resource: its logical id / address, and the literal id when known (Terraform
/// plans know the ids of existing resources).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ResourceId {
    /// Logical id or Terraform address.
    pub resource: String,
    /// `sg-…`, `subnet-…`, `rtb-…`, `vpc-…` or an ARN, when known.
    pub literal: Option<String>,
}

impl ResourceId {
    /// Whether `r` points at this resource.
    pub fn is(&self, r: &Ref) -> bool {
        match r {
            // A Terraform reference names every instance of a counted resource.
            Ref::Resource(x) => {
                *x == self.resource
                    || self
                        .resource
                        .strip_prefix(x.as_str())
                        .is_some_and(|rest| rest.starts_with('['))
            }
            Ref::Literal(x) => self.literal.as_deref() == Some(x.as_str()),
            Ref::Unknown(_) => false,
        }
    }
}

/// Where a resource is written.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct At {
    /// Index into [`crate::Report::files`].
    pub file: usize,
    /// The resource's key (CloudFormation) or change (Terraform).
    pub span: Span,
    /// JSON pointer, for Terraform plans.
    pub json_path: Option<String>,
}

/// An `AWS::MSK::Cluster`, `AWS::MSK::ServerlessCluster`, `aws_msk_cluster` or
/// `aws_msk_serverless_cluster`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    /// Logical id or address.
    pub id: ResourceId,
    /// Where.
    pub at: At,
    /// MSK Serverless.
    pub serverless: bool,
    /// Being created by this deploy (CloudFormation: always; Terraform: `create` among the
    /// actions).
    pub creating: bool,
    /// Deployed only under a condition that could not be evaluated.
    pub conditional: Option<String>,
    /// The properties in CloudFormation's names: `ClientAuthentication`, `EncryptionInfo`,
    /// `BrokerNodeGroupInfo` (`ClientSubnets`, `SecurityGroups`, `InstanceType`,
    /// `ConnectivityInfo.PublicAccess.Type`, `ConnectivityInfo.VpcConnectivity`), `KafkaVersion`,
    /// `ClusterName`, `ConfigurationInfo`.
    pub props: V,
    /// The client subnets (serverless: `VpcConfigs[].SubnetIds`).
    pub subnets: Vec<Ref>,
    /// The security groups (serverless: `VpcConfigs[].SecurityGroups`); empty when not given.
    pub security_groups: Vec<Ref>,
    /// `ConfigurationInfo.Arn`, the `AWS::MSK::Configuration` the brokers use.
    pub configuration: Option<Ref>,
}

impl Cluster {
    /// A property by path.
    pub fn get(&self, path: &[&str]) -> Option<&V> {
        self.props.at(path)
    }

    /// Whether a boolean below the cluster is true.
    pub fn flag(&self, path: &[&str]) -> Known<'_, bool> {
        match self.get(path) {
            None => Known::Absent,
            Some(v) if v.unknown_part().is_some() => Known::Unknown(v),
            Some(v) => v.as_bool().map_or(Known::WrongType(v), Known::Value),
        }
    }
}

/// An `AWS::MSK::Configuration` / `aws_msk_configuration`.
#[derive(Clone, Debug, PartialEq)]
pub struct Configuration {
    /// Logical id or address (literal: its ARN when known).
    pub id: ResourceId,
    /// Where.
    pub at: At,
    /// `ServerProperties` / `server_properties`, the broker properties text.
    pub server_properties: Option<V>,
}

/// An `AWS::MSK::BatchScramSecret` / `aws_msk_scram_secret_association`.
#[derive(Clone, Debug, PartialEq)]
pub struct ScramAssociation {
    /// Logical id or address.
    pub id: ResourceId,
    /// Where.
    pub at: At,
    /// The cluster.
    pub cluster: Ref,
    /// The secrets; `None` when the list itself is unknown.
    pub secrets: Option<Vec<Ref>>,
    /// The list value (for locations).
    pub list: Option<V>,
}

/// A peer of a security group rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Peer {
    /// An IPv4 or IPv6 CIDR.
    Cidr(String),
    /// Another (or the same) security group.
    Group(Ref),
    /// The group the rule belongs to (`self = true` in Terraform).
    SelfRef,
    /// A managed prefix list.
    PrefixList,
    /// Not knowable before deploy.
    Unknown(String),
}

/// One ingress or egress rule.
#[derive(Clone, Debug, PartialEq)]
pub struct SgRule {
    /// Where it is written.
    pub span: Span,
    /// `tcp`, `udp`, `icmp`, `-1` (all); `None` when unknown.
    pub protocol: Option<String>,
    /// First port; `None` when unknown (or all ports with protocol `-1`).
    pub from: Option<i64>,
    /// Last port.
    pub to: Option<i64>,
    /// The other side.
    pub peer: Peer,
}

impl SgRule {
    /// Whether the rule lets TCP traffic on `port` through: `Some(true/false)`, or `None`
    /// when protocol or ports are unknown.
    pub fn covers_tcp(&self, port: u16) -> Option<bool> {
        let proto = self.protocol.as_deref()?.to_ascii_lowercase();
        match proto.as_str() {
            "-1" | "all" => Some(true),
            "tcp" | "6" => {
                let (from, to) = (self.from?, self.to?);
                let port = i64::from(port);
                // from -1 / to -1 means all ports in the EC2 API.
                Some((from == -1 && to == -1) || (from <= port && port <= to))
            }
            _ => Some(false),
        }
    }
}

/// An `AWS::EC2::SecurityGroup` / `aws_security_group`.
#[derive(Clone, Debug, PartialEq)]
pub struct SecurityGroup {
    /// Logical id or address; literal `sg-…` when known.
    pub id: ResourceId,
    /// Where.
    pub at: At,
    /// `VpcId`.
    pub vpc: Option<Ref>,
    /// Inline ingress rules.
    pub ingress: Vec<SgRule>,
    /// Inline egress rules; `None` when unknown.
    pub egress: Option<Vec<SgRule>>,
    /// The group keeps AWS's default allow-all egress rule (CloudFormation without
    /// `SecurityGroupEgress`; Terraform removes it).
    pub default_egress: bool,
}

/// A rule of its own: `AWS::EC2::SecurityGroupIngress/Egress`, `aws_security_group_rule`,
/// `aws_vpc_security_group_ingress_rule/egress_rule`.
#[derive(Clone, Debug, PartialEq)]
pub struct StandaloneRule {
    /// Where.
    pub at: At,
    /// The group the rule belongs to.
    pub group: Ref,
    /// Egress (otherwise ingress).
    pub egress: bool,
    /// The rule.
    pub rule: SgRule,
}

/// An `AWS::EC2::Subnet` / `aws_subnet`.
#[derive(Clone, Debug, PartialEq)]
pub struct Subnet {
    /// Logical id or address; literal `subnet-…` when known.
    pub id: ResourceId,
    /// Where.
    pub at: At,
    /// `VpcId`.
    pub vpc: Option<Ref>,
    /// `CidrBlock` (IPv4), when known.
    pub cidr: Option<String>,
}

/// Where a route sends traffic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteTarget {
    /// An internet gateway (`igw-…`): the subnet is public.
    InternetGateway,
    /// A NAT gateway.
    NatGateway,
    /// Something else (peering, transit gateway, instance, endpoint…).
    Other,
    /// Not knowable before deploy.
    Unknown,
}

/// A route of a route table.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    /// Where.
    pub at: At,
    /// The route table.
    pub table: Ref,
    /// `DestinationCidrBlock`; `None` when unknown or IPv6 / prefix list.
    pub destination: Option<String>,
    /// The target.
    pub target: RouteTarget,
}

/// An `AWS::EC2::RouteTable` / `aws_route_table`.
#[derive(Clone, Debug, PartialEq)]
pub struct RouteTable {
    /// Logical id or address; literal `rtb-…` when known.
    pub id: ResourceId,
    /// Where.
    pub at: At,
}

/// An `AWS::EC2::SubnetRouteTableAssociation` / `aws_route_table_association`.
#[derive(Clone, Debug, PartialEq)]
pub struct Association {
    /// Where.
    pub at: At,
    /// The subnet.
    pub subnet: Ref,
    /// The route table.
    pub table: Ref,
}

/// An `AWS::EC2::VPCEndpoint` / `aws_vpc_endpoint`.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    /// Logical id or address.
    pub id: ResourceId,
    /// Where.
    pub at: At,
    /// The service: the last part of the service name (`lambda`, `sts`, `secretsmanager`,
    /// `sqs`, `sns`, `s3`); `None` when unknown.
    pub service: Option<String>,
    /// `Interface` (default in Terraform is `Gateway`).
    pub interface: bool,
    /// `VpcId`.
    pub vpc: Option<Ref>,
    /// `SubnetIds`.
    pub subnets: Vec<Ref>,
    /// `SecurityGroupIds`.
    pub security_groups: Vec<Ref>,
}

/// A `GenerateSecretString` of an `AWS::SecretsManager::Secret`.
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratedSecret {
    /// Logical id.
    pub resource: String,
    /// Where.
    pub at: At,
    /// `SecretStringTemplate`.
    pub template: Option<V>,
    /// `GenerateStringKey`.
    pub key: Option<V>,
    /// The `GenerateSecretString` value.
    pub value: V,
}

/// Everything of the above in the validated files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Infra {
    /// MSK clusters.
    pub clusters: Vec<Cluster>,
    /// MSK configurations.
    pub configurations: Vec<Configuration>,
    /// SCRAM secret associations.
    pub scram_associations: Vec<ScramAssociation>,
    /// Security groups.
    pub security_groups: Vec<SecurityGroup>,
    /// Security group rules of their own.
    pub rules: Vec<StandaloneRule>,
    /// Subnets.
    pub subnets: Vec<Subnet>,
    /// Route tables.
    pub route_tables: Vec<RouteTable>,
    /// Routes (CloudFormation `AWS::EC2::Route`, Terraform inline and `aws_route`).
    pub routes: Vec<Route>,
    /// Subnet ↔ route table associations.
    pub associations: Vec<Association>,
    /// VPC endpoints.
    pub endpoints: Vec<Endpoint>,
    /// Generated secrets.
    pub generated_secrets: Vec<GeneratedSecret>,
}

impl Infra {
    /// Appends another file's resources.
    pub fn extend(&mut self, other: Self) {
        self.clusters.extend(other.clusters);
        self.configurations.extend(other.configurations);
        self.scram_associations.extend(other.scram_associations);
        self.security_groups.extend(other.security_groups);
        self.rules.extend(other.rules);
        self.subnets.extend(other.subnets);
        self.route_tables.extend(other.route_tables);
        self.routes.extend(other.routes);
        self.associations.extend(other.associations);
        self.endpoints.extend(other.endpoints);
        self.generated_secrets.extend(other.generated_secrets);
    }

    /// The cluster declared as `resource` in `file`.
    pub fn cluster(&self, file: usize, resource: &str) -> Option<&Cluster> {
        self.clusters
            .iter()
            .find(|c| c.at.file == file && c.id.resource == resource)
    }

    /// The security group `r` names in `file`.
    pub fn security_group(&self, file: usize, r: &Ref) -> Option<&SecurityGroup> {
        self.security_groups
            .iter()
            .find(|g| g.at.file == file && g.id.is(r))
    }

    /// The subnet `r` names in `file`.
    pub fn subnet(&self, file: usize, r: &Ref) -> Option<&Subnet> {
        self.subnets
            .iter()
            .find(|s| s.at.file == file && s.id.is(r))
    }
}

/// The service of a VPC endpoint service name (`com.amazonaws.us-east-1.lambda` → `lambda`),
/// also from the shape of a `!Sub` (`com.amazonaws.*.lambda`).
pub fn service_of(v: &V) -> Option<String> {
    let text = v
        .as_str()
        .or_else(|| v.unknown_part().and_then(|u| u.shape.as_deref()))?;
    let last = text.rsplit('.').next()?;
    (!last.is_empty() && !last.contains('*')).then(|| last.to_ascii_lowercase())
}
