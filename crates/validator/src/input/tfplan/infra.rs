//! The resources of a Terraform plan the MSK and NET rules judge ([`crate::infra`]), converted
//! to CloudFormation's shapes. Values known after apply stay unknown; references in
//! `configuration` link resources the plan cannot name yet.

use super::super::tree::Node;
use super::{Change, block, config_resource, split_address, value};
use crate::infra::{
    Association, At, Cluster, Configuration, Endpoint, Infra, Peer, Ref, ResourceId, Route,
    RouteTable, RouteTarget, ScramAssociation, SecurityGroup, SgRule, StandaloneRule, Subnet,
};
use crate::model::{V, Val};

/// A view of one resource change.
struct Res<'r, 'a> {
    root: &'r Node,
    c: &'r Change<'a>,
    tf: Option<V>,
    module: String,
}

impl Res<'_, '_> {
    /// The value at a path of keys (blocks descend into their first item).
    fn get(&self, path: &[&str]) -> Option<V> {
        let (last, parents) = path.split_last()?;
        let mut v = self.tf.as_ref()?;
        for k in parents {
            v = block(v.get(k))?;
        }
        let v = v.get(last)?;
        // A block (a list of objects) is its first item; scalars and lists of scalars as they are.
        let v = match v.items() {
            Some([first, ..]) if first.is_map() => first,
            _ => v,
        };
        (!matches!(v.val, Val::Null)).then(|| v.clone())
    }

    /// The value of `path` where the last key is a list attribute (not descended into).
    fn list(&self, path: &[&str]) -> Option<V> {
        let (last, parents) = path.split_last()?;
        let mut v = self.tf.as_ref()?;
        for k in parents {
            v = block(v.get(k))?;
        }
        v.get(last).filter(|x| !matches!(x.val, Val::Null)).cloned()
    }

    fn str(&self, path: &[&str]) -> Option<String> {
        self.get(path)
            .and_then(|v| v.as_str().map(str::to_owned))
            .filter(|s| !s.is_empty())
    }

    fn at(&self) -> At {
        At {
            file: 0,
            span: self.c.span,
            json_path: Some(format!("/resource_changes/{}", self.c.index)),
        }
    }

    fn id(&self) -> ResourceId {
        ResourceId {
            resource: self.c.address.to_owned(),
            literal: self.str(&["id"]).or_else(|| self.str(&["arn"])),
        }
    }

    /// The references `configuration` records for the expression at `path`.
    fn config_refs(&self, path: &[&str]) -> Option<Vec<Ref>> {
        let mut e = config_resource(self.root, self.c.address)?.get("expressions")?;
        for k in path {
            e = e.get(k)?;
            if let Some(items) = e.items() {
                e = items.first()?;
            }
        }
        let refs = e.get("references")?.items()?;
        let mut out: Vec<Ref> = Vec::new();
        for r in refs.iter().filter_map(Node::as_str) {
            let parsed = if r.starts_with("aws_") {
                let mut parts = r.split('.');
                let ty = parts.next().unwrap_or_default();
                let name = parts.next().unwrap_or_default();
                let name = name.split('[').next().unwrap_or_default();
                let local = format!("{ty}.{name}");
                Ref::Resource(if self.module.is_empty() {
                    local
                } else {
                    format!("{}.{local}", self.module)
                })
            } else {
                Ref::Unknown(format!("`{r}` is not a resource of this plan"))
            };
            if !out.contains(&parsed) {
                out.push(parsed);
            }
        }
        // `var.x` and `var.x.y` name one input: keep the first.
        let mut seen_unknown = false;
        out.retain(|r| match r {
            Ref::Unknown(_) if seen_unknown => false,
            Ref::Unknown(_) => {
                seen_unknown = true;
                true
            }
            _ => true,
        });
        Some(out)
    }

    /// References of an attribute (one id or a list of ids): the known values, and for values
    /// known after apply the resources `configuration` names.
    fn refs(&self, path: &[&str]) -> Vec<Ref> {
        let v = self.list(path);
        let mut out = Vec::new();
        let mut unknown = false;
        match v.as_ref().map(|v| (&v.val, v)) {
            None => {}
            Some((Val::List(items), _)) => {
                for i in items {
                    match i.as_str() {
                        Some(s) if !s.is_empty() => out.push(Ref::Literal(s.to_owned())),
                        Some(_) => {}
                        None => unknown = true,
                    }
                }
            }
            Some((Val::Scalar(s), _)) if s.is_empty() => {}
            Some((Val::Scalar(s), _)) => out.push(Ref::Literal(s.clone())),
            Some(_) => unknown = true,
        }
        if unknown {
            match self.config_refs(path) {
                Some(refs) if !refs.is_empty() => out.extend(refs),
                _ => out.push(Ref::Unknown("known after apply".into())),
            }
        }
        out
    }

    fn one_ref(&self, path: &[&str]) -> Ref {
        self.refs(path)
            .into_iter()
            .next()
            .unwrap_or(Ref::Unknown(format!("no `{}`", path.join("."))))
    }
}

fn map(entries: Vec<(&str, Option<V>)>, span: crate::input::Span) -> Option<V> {
    let e: Vec<(String, V)> = entries
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_owned(), v?)))
        .collect();
    (!e.is_empty()).then_some(V {
        val: Val::Map(e),
        span,
    })
}

fn enabled(v: Option<V>) -> Option<V> {
    let v = v?;
    let span = v.span;
    map(vec![("Enabled", Some(v))], span)
}

fn actions(root: &Node, index: usize) -> Vec<String> {
    root.get("resource_changes")
        .and_then(Node::items)
        .and_then(|i| i.get(index))
        .and_then(|rc| rc.get("change")?.get("actions")?.items())
        .unwrap_or_default()
        .iter()
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect()
}

/// Reads the plan's MSK and network resources into `out`.
pub(super) fn read(root: &Node, all: &[Change<'_>], file: usize, out: &mut Infra) {
    for c in all {
        let (module, _) = split_address(c.address);
        let r = Res {
            root,
            c,
            tf: value(c.after, c.after_unknown, c.span),
            module,
        };
        let mut at = r.at();
        at.file = file;
        match c.ty {
            "aws_msk_cluster" => cluster(&r, at, file, out),
            "aws_msk_serverless_cluster" => {
                let span = c.span;
                let info = super::cluster_info(c, file);
                let props = map(
                    vec![("ClientAuthentication", info.client_authentication)],
                    span,
                )
                .unwrap_or(V {
                    val: Val::Map(Vec::new()),
                    span,
                });
                out.clusters.push(Cluster {
                    id: r.id(),
                    at,
                    serverless: true,
                    creating: actions(root, c.index).iter().any(|a| a == "create"),
                    conditional: None,
                    props,
                    subnets: r.refs(&["vpc_config", "subnet_ids"]),
                    security_groups: r.refs(&["vpc_config", "security_group_ids"]),
                    configuration: None,
                });
            }
            "aws_msk_configuration" => out.configurations.push(Configuration {
                id: r.id(),
                at,
                server_properties: r.get(&["server_properties"]),
            }),
            "aws_msk_scram_secret_association" => {
                let list = r.list(&["secret_arn_list"]);
                let secrets = match list.as_ref().map(|l| &l.val) {
                    None => Some(Vec::new()),
                    Some(Val::List(items)) if items.iter().all(|i| i.as_str().is_some()) => {
                        Some(r.refs(&["secret_arn_list"]))
                    }
                    Some(_) => match r.config_refs(&["secret_arn_list"]) {
                        Some(refs)
                            if !refs.is_empty()
                                && !refs.iter().any(|x| matches!(x, Ref::Unknown(_))) =>
                        {
                            Some(refs)
                        }
                        _ => None,
                    },
                };
                out.scram_associations.push(ScramAssociation {
                    id: r.id(),
                    at,
                    cluster: r.one_ref(&["cluster_arn"]),
                    secrets,
                    list,
                });
            }
            "aws_security_group" => {
                let rules = |k: &str| -> Option<Vec<SgRule>> {
                    match r.list(&[k]) {
                        None => Some(Vec::new()),
                        Some(v) => match &v.val {
                            Val::List(items) => Some(items.iter().flat_map(inline_rule).collect()),
                            _ => None,
                        },
                    }
                };
                out.security_groups.push(SecurityGroup {
                    id: r.id(),
                    at,
                    vpc: Some(r.one_ref(&["vpc_id"])),
                    ingress: rules("ingress").unwrap_or_else(|| {
                        vec![SgRule {
                            span: c.span,
                            protocol: None,
                            from: None,
                            to: None,
                            peer: Peer::Unknown("the ingress rules are known after apply".into()),
                        }]
                    }),
                    egress: rules("egress"),
                    default_egress: false,
                });
            }
            "aws_security_group_rule" => {
                let egress = r.str(&["type"]).as_deref() == Some("egress");
                let peers = peers(
                    &r,
                    &[
                        ("cidr_blocks", 0),
                        ("ipv6_cidr_blocks", 0),
                        ("source_security_group_id", 1),
                        ("prefix_list_ids", 2),
                    ],
                );
                for peer in peers {
                    out.rules.push(StandaloneRule {
                        at: at.clone(),
                        group: r.one_ref(&["security_group_id"]),
                        egress,
                        rule: SgRule {
                            span: c.span,
                            protocol: r.str(&["protocol"]),
                            from: r.get(&["from_port"]).and_then(|v| v.as_i64()),
                            to: r.get(&["to_port"]).and_then(|v| v.as_i64()),
                            peer,
                        },
                    });
                }
            }
            ty @ ("aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule") => {
                let mut ps = peers(
                    &r,
                    &[
                        ("cidr_ipv4", 0),
                        ("cidr_ipv6", 0),
                        ("referenced_security_group_id", 1),
                        ("prefix_list_id", 2),
                    ],
                );
                let protocol = r.str(&["ip_protocol"]);
                let all = protocol.as_deref() == Some("-1");
                out.rules.push(StandaloneRule {
                    at: at.clone(),
                    group: r.one_ref(&["security_group_id"]),
                    egress: ty.ends_with("egress_rule"),
                    rule: SgRule {
                        span: c.span,
                        protocol,
                        from: if all {
                            Some(-1)
                        } else {
                            r.get(&["from_port"]).and_then(|v| v.as_i64())
                        },
                        to: if all {
                            Some(-1)
                        } else {
                            r.get(&["to_port"]).and_then(|v| v.as_i64())
                        },
                        peer: if ps.is_empty() {
                            Peer::Unknown("no peer".into())
                        } else {
                            ps.remove(0)
                        },
                    },
                });
            }
            "aws_subnet" => out.subnets.push(Subnet {
                id: r.id(),
                at,
                vpc: Some(r.one_ref(&["vpc_id"])),
                cidr: r.str(&["cidr_block"]),
            }),
            "aws_route_table" => {
                out.route_tables.push(RouteTable {
                    id: r.id(),
                    at: at.clone(),
                });
                if let Some(Val::List(routes)) = r.list(&["route"]).map(|v| v.val) {
                    for rt in routes {
                        let s = |k: &str| {
                            rt.get(k)
                                .and_then(V::as_str)
                                .filter(|s| !s.is_empty())
                                .map(str::to_owned)
                        };
                        let target = if s("nat_gateway_id").is_some() {
                            RouteTarget::NatGateway
                        } else if let Some(g) = s("gateway_id") {
                            if g.starts_with("igw-") {
                                RouteTarget::InternetGateway
                            } else {
                                RouteTarget::Other
                            }
                        } else if rt
                            .get("gateway_id")
                            .is_some_and(|g| g.unknown_part().is_some())
                        {
                            match r.config_refs(&["route", "gateway_id"]).as_deref() {
                                Some([Ref::Resource(x)]) if x.contains("aws_internet_gateway.") => {
                                    RouteTarget::InternetGateway
                                }
                                _ => RouteTarget::Unknown,
                            }
                        } else if rt
                            .get("nat_gateway_id")
                            .is_some_and(|g| g.unknown_part().is_some())
                        {
                            RouteTarget::NatGateway
                        } else {
                            RouteTarget::Other
                        };
                        out.routes.push(Route {
                            at: at.clone(),
                            table: Ref::Resource(c.address.to_owned()),
                            destination: s("cidr_block"),
                            target,
                        });
                    }
                }
            }
            "aws_route" => {
                let target = if r.list(&["nat_gateway_id"]).is_some() {
                    RouteTarget::NatGateway
                } else if r.list(&["gateway_id"]).is_some() {
                    match r.one_ref(&["gateway_id"]) {
                        Ref::Literal(g) if g.starts_with("igw-") => RouteTarget::InternetGateway,
                        Ref::Resource(x) if x.contains("aws_internet_gateway.") => {
                            RouteTarget::InternetGateway
                        }
                        Ref::Unknown(_) => RouteTarget::Unknown,
                        _ => RouteTarget::Other,
                    }
                } else {
                    RouteTarget::Other
                };
                out.routes.push(Route {
                    at,
                    table: r.one_ref(&["route_table_id"]),
                    destination: r.str(&["destination_cidr_block"]),
                    target,
                });
            }
            "aws_route_table_association" if r.list(&["subnet_id"]).is_some() => {
                out.associations.push(Association {
                    at,
                    subnet: r.one_ref(&["subnet_id"]),
                    table: r.one_ref(&["route_table_id"]),
                });
            }
            "aws_vpc_endpoint" => out.endpoints.push(Endpoint {
                id: r.id(),
                at,
                service: r
                    .get(&["service_name"])
                    .and_then(|v| crate::infra::service_of(&v)),
                interface: r.str(&["vpc_endpoint_type"]).as_deref() == Some("Interface"),
                vpc: Some(r.one_ref(&["vpc_id"])),
                subnets: r.refs(&["subnet_ids"]),
                security_groups: r.refs(&["security_group_ids"]),
            }),
            _ => {}
        }
    }
}

/// The peers of a Terraform rule, by (attribute, kind: 0 CIDR, 1 group, 2 prefix list).
fn peers(r: &Res<'_, '_>, keys: &[(&str, u8)]) -> Vec<Peer> {
    let mut out = Vec::new();
    for (k, kind) in keys {
        for x in r.refs(&[k]) {
            out.push(match (kind, x) {
                (0, Ref::Literal(c)) => Peer::Cidr(c),
                (0, Ref::Unknown(why)) => Peer::Unknown(why),
                (0, Ref::Resource(res)) => Peer::Unknown(format!("a CIDR computed from `{res}`")),
                (1, g) => Peer::Group(g),
                _ => Peer::PrefixList,
            });
        }
    }
    if r.get(&["self"]).and_then(|v| v.as_bool()) == Some(true) {
        out.push(Peer::SelfRef);
    }
    out
}

/// One inline `ingress`/`egress` entry of an `aws_security_group`, one rule per peer.
fn inline_rule(i: &V) -> Vec<SgRule> {
    let protocol = i.get("protocol").and_then(V::as_str).map(str::to_owned);
    let port = |k: &str| i.get(k).and_then(V::as_i64);
    let mut peers = Vec::new();
    for (k, kind) in [
        ("cidr_blocks", 0),
        ("ipv6_cidr_blocks", 0),
        ("security_groups", 1),
        ("prefix_list_ids", 2),
    ] {
        match i.get(k) {
            None => {}
            Some(v) => match v.items() {
                Some(items) => {
                    for x in items {
                        peers.push(match (kind, x.as_str()) {
                            (0, Some(c)) => Peer::Cidr(c.to_owned()),
                            (1, Some(g)) => Peer::Group(Ref::Literal(g.to_owned())),
                            (2, _) => Peer::PrefixList,
                            _ => Peer::Unknown("known after apply".into()),
                        });
                    }
                }
                None if v.unknown_part().is_some() => {
                    peers.push(Peer::Unknown("known after apply".into()))
                }
                None => {}
            },
        }
    }
    if i.get("self").and_then(V::as_bool) == Some(true) {
        peers.push(Peer::SelfRef);
    }
    peers
        .into_iter()
        .map(|peer| SgRule {
            span: i.span,
            protocol: protocol.clone(),
            from: port("from_port"),
            to: port("to_port"),
            peer,
        })
        .collect()
}

fn cluster(r: &Res<'_, '_>, at: At, file: usize, out: &mut Infra) {
    let c = r.c;
    let span = c.span;
    let info = super::cluster_info(c, file);
    let g = |p: &[&str]| r.get(p);
    let bn = ["broker_node_group_info"];
    let vpc_ca = [
        "broker_node_group_info",
        "connectivity_info",
        "vpc_connectivity",
        "client_authentication",
    ];
    let path = |base: &[&str], rest: &[&str]| -> Vec<String> {
        base.iter().chain(rest).map(|s| (*s).to_owned()).collect()
    };
    let gp = |p: Vec<String>| {
        let p: Vec<&str> = p.iter().map(String::as_str).collect();
        r.get(&p)
    };
    let props = map(
        vec![
            ("ClusterName", g(&["cluster_name"])),
            ("KafkaVersion", g(&["kafka_version"])),
            ("ClientAuthentication", info.client_authentication),
            (
                "EncryptionInfo",
                map(
                    vec![(
                        "EncryptionInTransit",
                        map(
                            vec![
                                ("ClientBroker", info.client_broker),
                                (
                                    "InCluster",
                                    g(&["encryption_info", "encryption_in_transit", "in_cluster"]),
                                ),
                            ],
                            span,
                        ),
                    )],
                    span,
                ),
            ),
            (
                "BrokerNodeGroupInfo",
                map(
                    vec![
                        ("InstanceType", gp(path(&bn, &["instance_type"]))),
                        (
                            "ClientSubnets",
                            r.list(&["broker_node_group_info", "client_subnets"]),
                        ),
                        (
                            "SecurityGroups",
                            r.list(&["broker_node_group_info", "security_groups"]),
                        ),
                        (
                            "ConnectivityInfo",
                            map(
                                vec![
                                    (
                                        "PublicAccess",
                                        map(
                                            vec![(
                                                "Type",
                                                gp(path(
                                                    &bn,
                                                    &["connectivity_info", "public_access", "type"],
                                                )),
                                            )],
                                            span,
                                        ),
                                    ),
                                    (
                                        "VpcConnectivity",
                                        map(
                                            vec![(
                                                "ClientAuthentication",
                                                map(
                                                    vec![
                                                        (
                                                            "Sasl",
                                                            map(
                                                                vec![
                                                                    (
                                                                        "Scram",
                                                                        enabled(gp(path(
                                                                            &vpc_ca,
                                                                            &["sasl", "scram"],
                                                                        ))),
                                                                    ),
                                                                    (
                                                                        "Iam",
                                                                        enabled(gp(path(
                                                                            &vpc_ca,
                                                                            &["sasl", "iam"],
                                                                        ))),
                                                                    ),
                                                                ],
                                                                span,
                                                            ),
                                                        ),
                                                        (
                                                            "Tls",
                                                            enabled(gp(path(&vpc_ca, &["tls"]))),
                                                        ),
                                                    ],
                                                    span,
                                                ),
                                            )],
                                            span,
                                        ),
                                    ),
                                ],
                                span,
                            ),
                        ),
                    ],
                    span,
                ),
            ),
            (
                "ConfigurationInfo",
                map(vec![("Arn", g(&["configuration_info", "arn"]))], span),
            ),
        ],
        span,
    )
    .unwrap_or(V {
        val: Val::Map(Vec::new()),
        span,
    });
    let configuration = r
        .list(&["configuration_info"])
        .map(|_| r.one_ref(&["configuration_info", "arn"]));
    out.clusters.push(Cluster {
        id: r.id(),
        at,
        serverless: false,
        creating: actions(r.root, c.index).iter().any(|a| a == "create"),
        conditional: None,
        props,
        subnets: r.refs(&["broker_node_group_info", "client_subnets"]),
        security_groups: r.refs(&["broker_node_group_info", "security_groups"]),
        configuration,
    });
}
