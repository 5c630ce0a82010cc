//! The resources of a template the MSK and NET rules judge ([`crate::infra`]): MSK clusters,
//! configurations and SCRAM associations, security groups and their rules, subnets, routes and
//! VPC endpoints, plus `GenerateSecretString` of secrets (SEC009).

use super::{Eval, Resource};
use crate::infra::{
    Association, At, Cluster, Configuration, Endpoint, GeneratedSecret, Infra, Peer, Ref,
    ResourceId, Route, RouteTable, RouteTarget, ScramAssociation, SecurityGroup, SgRule,
    StandaloneRule, Subnet,
};
use crate::model::{V, Val};

fn at(file: usize, res: &Resource<'_>) -> At {
    At {
        file,
        span: res.span,
        json_path: None,
    }
}

fn id(res: &Resource<'_>) -> ResourceId {
    ResourceId {
        resource: res.id.to_owned(),
        literal: None,
    }
}

/// Reads the resources of `ev`'s template into `out`. `conditional` gives, per resource, the
/// condition it depends on when that could not be evaluated; `None` from it skips the resource.
pub(super) fn read(
    ev: &Eval<'_, '_>,
    file: usize,
    conditional: &dyn Fn(&Resource<'_>) -> Option<Option<String>>,
    out: &mut Infra,
) {
    for res in &ev.t.resources {
        let Some(cond) = conditional(res) else {
            continue;
        };
        let props = || {
            res.props.map_or(
                V {
                    val: Val::Map(Vec::new()),
                    span: res.span,
                },
                |p| ev.eval_or_null(p, 0),
            )
        };
        match res.ty.as_str() {
            "AWS::MSK::Cluster" => {
                let p = props();
                out.clusters.push(Cluster {
                    id: id(res),
                    at: at(file, res),
                    serverless: false,
                    creating: true,
                    conditional: cond,
                    subnets: Ref::list(p.at(&["BrokerNodeGroupInfo", "ClientSubnets"])),
                    security_groups: Ref::list(p.at(&["BrokerNodeGroupInfo", "SecurityGroups"])),
                    configuration: p.at(&["ConfigurationInfo", "Arn"]).map(Ref::of),
                    props: p,
                });
            }
            "AWS::MSK::ServerlessCluster" => {
                let p = props();
                let (mut subnets, mut groups) = (Vec::new(), Vec::new());
                match p.at(&["VpcConfigs"]) {
                    Some(v) if v.items().is_some() => {
                        for c in v.items().unwrap_or_default() {
                            subnets.extend(Ref::list(c.at(&["SubnetIds"])));
                            groups.extend(Ref::list(c.at(&["SecurityGroups"])));
                        }
                    }
                    Some(v) => {
                        subnets.push(Ref::of(v));
                        groups.push(Ref::of(v));
                    }
                    None => {}
                }
                out.clusters.push(Cluster {
                    id: id(res),
                    at: at(file, res),
                    serverless: true,
                    creating: true,
                    conditional: cond,
                    subnets,
                    security_groups: groups,
                    configuration: None,
                    props: p,
                });
            }
            "AWS::MSK::Configuration" => {
                let p = props();
                out.configurations.push(Configuration {
                    id: id(res),
                    at: at(file, res),
                    server_properties: p.at(&["ServerProperties"]).cloned(),
                });
            }
            "AWS::MSK::BatchScramSecret" => {
                let p = props();
                let list = p.at(&["SecretArnList"]).cloned();
                out.scram_associations.push(ScramAssociation {
                    id: id(res),
                    at: at(file, res),
                    cluster: p
                        .at(&["ClusterArn"])
                        .map_or(Ref::Unknown("no ClusterArn".into()), Ref::of),
                    secrets: match &list {
                        None => Some(Vec::new()),
                        Some(l) if l.items().is_some() => Some(Ref::list(Some(l))),
                        Some(_) => None,
                    },
                    list,
                });
            }
            "AWS::EC2::SecurityGroup" => {
                let p = props();
                let ingress = rules(p.at(&["SecurityGroupIngress"]), false, res.span);
                let egress_v = p.at(&["SecurityGroupEgress"]);
                let egress = match egress_v {
                    None => Some(Vec::new()),
                    Some(v) if v.unknown_part().is_some() => None,
                    Some(v) => Some(rules(Some(v), true, res.span)),
                };
                out.security_groups.push(SecurityGroup {
                    id: id(res),
                    at: at(file, res),
                    vpc: p.at(&["VpcId"]).map(Ref::of),
                    ingress,
                    egress,
                    default_egress: egress_v.is_none(),
                });
            }
            ty @ ("AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress") => {
                let p = props();
                let egress = ty.ends_with("Egress");
                let group = p
                    .at(&["GroupId"])
                    .map(Ref::of)
                    .or_else(|| p.at(&["GroupName"]).map(Ref::of))
                    .unwrap_or(Ref::Unknown("no GroupId".into()));
                out.rules.push(StandaloneRule {
                    at: at(file, res),
                    group,
                    egress,
                    rule: rule(&p, egress),
                });
            }
            "AWS::EC2::Subnet" => {
                let p = props();
                out.subnets.push(Subnet {
                    id: id(res),
                    at: at(file, res),
                    vpc: p.at(&["VpcId"]).map(Ref::of),
                    cidr: p.at(&["CidrBlock"]).and_then(V::as_str).map(str::to_owned),
                });
            }
            "AWS::EC2::RouteTable" => out.route_tables.push(RouteTable {
                id: id(res),
                at: at(file, res),
            }),
            "AWS::EC2::Route" => {
                let p = props();
                out.routes.push(Route {
                    at: at(file, res),
                    table: p
                        .at(&["RouteTableId"])
                        .map_or(Ref::Unknown("no RouteTableId".into()), Ref::of),
                    destination: p
                        .at(&["DestinationCidrBlock"])
                        .and_then(V::as_str)
                        .map(str::to_owned),
                    target: target(ev, &p),
                });
            }
            "AWS::EC2::SubnetRouteTableAssociation" => {
                let p = props();
                let r = |k: &str| p.at(&[k]).map_or(Ref::Unknown(format!("no {k}")), Ref::of);
                out.associations.push(Association {
                    at: at(file, res),
                    subnet: r("SubnetId"),
                    table: r("RouteTableId"),
                });
            }
            "AWS::EC2::VPCEndpoint" => {
                let p = props();
                out.endpoints.push(Endpoint {
                    id: id(res),
                    at: at(file, res),
                    service: p.at(&["ServiceName"]).and_then(crate::infra::service_of),
                    interface: p.at(&["VpcEndpointType"]).and_then(V::as_str) == Some("Interface"),
                    vpc: p.at(&["VpcId"]).map(Ref::of),
                    subnets: Ref::list(p.at(&["SubnetIds"])),
                    security_groups: Ref::list(p.at(&["SecurityGroupIds"])),
                });
            }
            "AWS::SecretsManager::Secret" => {
                let Some(g) = res
                    .props
                    .and_then(|p| p.get("GenerateSecretString"))
                    .map(|n| ev.eval_or_null(n, 0))
                else {
                    continue;
                };
                out.generated_secrets.push(GeneratedSecret {
                    resource: res.id.to_owned(),
                    at: at(file, res),
                    template: g.at(&["SecretStringTemplate"]).cloned(),
                    key: g.at(&["GenerateStringKey"]).cloned(),
                    value: g,
                });
            }
            _ => {}
        }
    }
}

fn target(ev: &Eval<'_, '_>, p: &V) -> RouteTarget {
    if p.at(&["NatGatewayId"]).is_some() {
        return RouteTarget::NatGateway;
    }
    let Some(gw) = p.at(&["GatewayId"]) else {
        return if [
            "TransitGatewayId",
            "VpcPeeringConnectionId",
            "InstanceId",
            "NetworkInterfaceId",
            "VpcEndpointId",
            "CarrierGatewayId",
            "LocalGatewayId",
            "EgressOnlyInternetGatewayId",
            "CoreNetworkArn",
        ]
        .iter()
        .any(|k| p.at(&[k]).is_some())
        {
            RouteTarget::Other
        } else {
            RouteTarget::Unknown
        };
    };
    match Ref::of(gw) {
        Ref::Literal(s) if s.starts_with("igw-") => RouteTarget::InternetGateway,
        Ref::Literal(_) => RouteTarget::Other,
        Ref::Resource(r) => match ev.t.resource(&r).map(|x| x.ty.as_str()) {
            Some("AWS::EC2::InternetGateway") => RouteTarget::InternetGateway,
            Some(_) => RouteTarget::Other,
            None => RouteTarget::Unknown,
        },
        Ref::Unknown(_) => RouteTarget::Unknown,
    }
}

fn rules(v: Option<&V>, egress: bool, span: crate::input::Span) -> Vec<SgRule> {
    let Some(v) = v else { return Vec::new() };
    match v.items() {
        Some(items) => items.iter().map(|r| rule(r, egress)).collect(),
        None => vec![SgRule {
            span: if v.span == crate::input::Span::default() {
                span
            } else {
                v.span
            },
            protocol: None,
            from: None,
            to: None,
            peer: Peer::Unknown(
                v.unknown_part()
                    .map_or_else(|| "not a list".to_owned(), |u| u.reason.clone()),
            ),
        }],
    }
}

/// One rule in CloudFormation's property names.
fn rule(r: &V, egress: bool) -> SgRule {
    let int = |k: &str| r.at(&[k]).and_then(V::as_i64);
    let protocol = r.at(&["IpProtocol"]).and_then(V::as_str).map(str::to_owned);
    let keys: &[(&str, u8)] = if egress {
        &[
            ("CidrIp", 0),
            ("CidrIpv6", 0),
            ("DestinationSecurityGroupId", 1),
            ("DestinationPrefixListId", 2),
        ]
    } else {
        &[
            ("CidrIp", 0),
            ("CidrIpv6", 0),
            ("SourceSecurityGroupId", 1),
            ("SourceSecurityGroupName", 1),
            ("SourcePrefixListId", 2),
        ]
    };
    let mut peer = Peer::Unknown("no source or destination".into());
    for (k, kind) in keys {
        if let Some(v) = r.at(&[k]) {
            peer = match (kind, v.as_str()) {
                (0, Some(c)) => Peer::Cidr(c.to_owned()),
                (0, None) => Peer::Unknown(
                    v.unknown_part()
                        .map_or_else(|| "a computed CIDR".to_owned(), |u| u.reason.clone()),
                ),
                (1, _) => Peer::Group(Ref::of(v)),
                _ => Peer::PrefixList,
            };
            break;
        }
    }
    SgRule {
        span: r.span,
        protocol,
        from: int("FromPort"),
        to: int("ToPort"),
        peer,
    }
}
