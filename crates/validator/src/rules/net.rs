//! NET: the network path of an MSK mapping whose cluster is declared in the files — the
//! cluster's security groups (NET001, NET002), its subnets' routes and the VPC endpoints
//! (NET003–NET007) — as <https://docs.aws.amazon.com/lambda/latest/dg/with-msk-cluster-network.html>
//! describes them: the mapping's network interfaces use the cluster's subnets and security
//! groups. Anything not declared is "cannot evaluate", never an error.

use mskgate_auth::msk::{Listener, Network};

use super::{AUTH_MECHANISMS, Cx, access_types};
use crate::diag::registry::rules;
use crate::infra::{Cluster, Endpoint, Infra, Peer, Ref, RouteTarget, SecurityGroup, SgRule};
use crate::input::Span;
use crate::model::{Known, Mapping, SourceKind, V, known_str};

/// Whether something holds: yes, no, or cannot tell.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tri {
    Yes,
    No,
    Maybe(String),
}

/// The listener Lambda connects to: mTLS secret → TLS, SCRAM secret → SCRAM, no secret and IAM
/// on → IAM, else TLS when offered, else plaintext.
fn broker_port(m: &Mapping, c: &Cluster) -> Result<u16, String> {
    let types: Vec<&str> = access_types(m).into_iter().map(|(t, _, _)| t).collect();
    let port = |l: Listener| l.port(Network::Private).unwrap_or(9094);
    if c.serverless {
        return Ok(port(Listener::SaslIam));
    }
    if types.contains(&"CLIENT_CERTIFICATE_TLS_AUTH") {
        return Ok(port(Listener::Tls));
    }
    if types.contains(&"SASL_SCRAM_512_AUTH") {
        return Ok(port(Listener::SaslScram));
    }
    if types.iter().any(|t| AUTH_MECHANISMS.contains(t)) {
        return Err("the mapping's authentication has no MSK listener".into());
    }
    match c.flag(&["ClientAuthentication", "Sasl", "Iam", "Enabled"]) {
        Known::Value(true) => return Ok(port(Listener::SaslIam)),
        Known::Unknown(_) => {
            return Err("whether the cluster enables IAM is known at deploy".into());
        }
        _ => {}
    }
    match c
        .get(&["EncryptionInfo", "EncryptionInTransit", "ClientBroker"])
        .map(|v| (v.as_str(), v))
    {
        Some((Some("PLAINTEXT"), _)) => Ok(port(Listener::Plaintext)),
        Some((None, _)) => Err("the cluster's ClientBroker is known at deploy".into()),
        _ => Ok(port(Listener::Tls)),
    }
}

/// Parses `a.b.c.d/n`.
fn cidr4(s: &str) -> Option<(u32, u32)> {
    let (ip, len) = s.split_once('/')?;
    let len: u32 = len.parse().ok()?;
    if len > 32 {
        return None;
    }
    let mut n: u32 = 0;
    let mut parts = 0;
    for p in ip.split('.') {
        n = (n << 8) | p.parse::<u8>().ok()? as u32;
        parts += 1;
    }
    (parts == 4).then_some((n, len))
}

/// Whether `outer` contains `inner` (IPv4 CIDRs).
fn contains(outer: &str, inner: &str) -> Option<bool> {
    let (o, ol) = cidr4(outer)?;
    let (i, il) = cidr4(inner)?;
    if ol > il {
        return Some(false);
    }
    let mask = if ol == 0 { 0 } else { u32::MAX << (32 - ol) };
    Some(o & mask == i & mask)
}

/// The security groups of the cluster, resolved; `Err` names what is not declared.
fn groups<'i>(
    infra: &'i Infra,
    file: usize,
    refs: &[Ref],
) -> Result<Vec<&'i SecurityGroup>, String> {
    if refs.is_empty() {
        return Err("no security groups are given, so the VPC's default group applies".into());
    }
    refs.iter()
        .map(|r| {
            infra.security_group(file, r).ok_or_else(|| match r {
                Ref::Unknown(why) => why.clone(),
                Ref::Resource(x) | Ref::Literal(x) => {
                    format!("the security group `{x}` is not declared in the validated files")
                }
            })
        })
        .collect()
}

/// The rules of `g` in one direction: inline (plus the default egress) and standalone.
fn rules_of<'i>(infra: &'i Infra, g: &'i SecurityGroup, egress: bool) -> (Vec<&'i SgRule>, Tri) {
    let mut out: Vec<&SgRule> = Vec::new();
    let mut state = Tri::Yes;
    if egress {
        match &g.egress {
            Some(r) => out.extend(r.iter()),
            None => {
                state = Tri::Maybe(format!(
                    "the egress rules of `{}` are known after apply",
                    g.id.resource
                ))
            }
        }
    } else {
        out.extend(g.ingress.iter());
    }
    for s in infra
        .rules
        .iter()
        .filter(|s| s.egress == egress && s.at.file == g.at.file)
    {
        if g.id.is(&s.group) {
            out.push(&s.rule);
        } else if let Ref::Unknown(why) = &s.group {
            state = Tri::Maybe(format!("a rule's group is not known ({why})"));
        }
    }
    (out, state)
}

/// Whether a peer is one of `groups` (or the rule's own group) or a CIDR covering `subnets`.
fn peer_ok(
    p: &Peer,
    own: &SecurityGroup,
    groups: &[&SecurityGroup],
    subnet_cidrs: &[Option<String>],
) -> Tri {
    match p {
        Peer::SelfRef => {
            if groups.iter().any(|g| g.id == own.id) {
                Tri::Yes
            } else {
                Tri::No
            }
        }
        Peer::Group(Ref::Unknown(why)) => Tri::Maybe(why.clone()),
        Peer::Group(r) => {
            if groups.iter().any(|g| g.id.is(r)) {
                Tri::Yes
            } else {
                Tri::No
            }
        }
        Peer::Cidr(c) if c == "0.0.0.0/0" || c == "::/0" => Tri::Yes,
        Peer::Cidr(c) => {
            if subnet_cidrs.is_empty() || subnet_cidrs.iter().any(Option::is_none) {
                return Tri::Maybe(format!("whether {c} covers the cluster's subnets"));
            }
            let all: Vec<Option<bool>> = subnet_cidrs
                .iter()
                .map(|s| s.as_deref().and_then(|s| contains(c, s)))
                .collect();
            if all.iter().all(|x| *x == Some(true)) {
                Tri::Yes
            } else if all.iter().any(Option::is_none) {
                Tri::Maybe(format!("whether {c} covers the cluster's subnets"))
            } else {
                Tri::No
            }
        }
        Peer::PrefixList => Tri::Maybe("a prefix list".into()),
        Peer::Unknown(why) => Tri::Maybe(why.clone()),
    }
}

/// Whether any rule of the groups lets `port` through from an acceptable peer.
fn allows(
    infra: &Infra,
    owners: &[&SecurityGroup],
    egress: bool,
    accept: &dyn Fn(&SgRule, &SecurityGroup) -> Tri,
) -> Tri {
    let mut maybe: Option<String> = None;
    for g in owners {
        if egress && g.default_egress {
            return Tri::Yes;
        }
        let (rules, state) = rules_of(infra, g, egress);
        if let Tri::Maybe(w) = state {
            maybe.get_or_insert(w);
        }
        for r in rules {
            match accept(r, g) {
                Tri::Yes => return Tri::Yes,
                Tri::Maybe(w) => {
                    maybe.get_or_insert(w);
                }
                Tri::No => {}
            }
        }
    }
    maybe.map_or(Tri::No, Tri::Maybe)
}

fn and(a: Option<bool>, b: Tri) -> Tri {
    match (a, b) {
        (Some(false), _) | (_, Tri::No) => Tri::No,
        (None, _) => Tri::Maybe("a rule's protocol or ports are computed".into()),
        (Some(true), t) => t,
    }
}

/// How one subnet reaches the internet.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Egress {
    Public,
    Nat,
    None,
    Unknown(String),
}

fn subnet_egress(infra: &Infra, file: usize, r: &Ref) -> Egress {
    let Some(s) = infra.subnet(file, r) else {
        return Egress::Unknown(match r {
            Ref::Unknown(w) => w.clone(),
            Ref::Resource(x) | Ref::Literal(x) => {
                format!("the subnet `{x}` is not declared in the validated files")
            }
        });
    };
    let tables: Vec<&Ref> = infra
        .associations
        .iter()
        .filter(|a| a.at.file == file && s.id.is(&a.subnet))
        .map(|a| &a.table)
        .collect();
    if tables.is_empty() {
        return Egress::Unknown(format!(
            "`{}` has no route table association, so the VPC's main route table applies",
            s.id.resource
        ));
    }
    let mut best = Egress::None;
    for t in tables {
        let table = infra
            .route_tables
            .iter()
            .find(|x| x.at.file == file && x.id.is(t));
        let Some(table) = table else {
            return Egress::Unknown(
                "the route table is not declared in the validated files".into(),
            );
        };
        for route in infra
            .routes
            .iter()
            .filter(|x| x.at.file == file && table.id.is(&x.table))
        {
            match (route.destination.as_deref(), &route.target) {
                (Some("0.0.0.0/0"), RouteTarget::InternetGateway) => return Egress::Public,
                (Some("0.0.0.0/0"), RouteTarget::NatGateway) => best = Egress::Nat,
                (Some("0.0.0.0/0"), RouteTarget::Other | RouteTarget::Unknown) | (None, _)
                    if best == Egress::None =>
                {
                    best = Egress::Unknown("a route's destination or target is not known".into());
                }
                _ => {}
            }
        }
    }
    best
}

/// The interface endpoints in the cluster's VPC (or whose VPC cannot be told apart).
fn endpoints_in<'i>(infra: &'i Infra, c: &Cluster) -> Vec<&'i Endpoint> {
    let vpcs: Vec<&Ref> = c
        .subnets
        .iter()
        .filter_map(|r| infra.subnet(c.at.file, r)?.vpc.as_ref())
        .collect();
    infra
        .endpoints
        .iter()
        .filter(|e| e.at.file == c.at.file)
        .filter(|e| match &e.vpc {
            None | Some(Ref::Unknown(_)) => true,
            Some(v) => {
                vpcs.is_empty() || vpcs.iter().any(|x| *x == v || matches!(x, Ref::Unknown(_)))
            }
        })
        .collect()
}

fn has(endpoints: &[&Endpoint], service: &str) -> bool {
    endpoints
        .iter()
        .any(|e| e.service.as_deref() == Some(service))
}

fn skipped(
    cx: &mut Cx<'_>,
    m: &Mapping,
    what: &str,
    why: &str,
    span: Span,
    codes: &[&'static mskgate_auth::Rule],
) {
    let v = V::unknown(span, why);
    for r in codes {
        cx.unknown(m, what, &v, r);
    }
}

pub(super) fn check(mappings: &[Mapping], infra: &Infra, cx: &mut Cx<'_>) {
    for m in mappings {
        if m.source_kind() != Some(SourceKind::Msk) {
            continue;
        }
        let Some(info) = &m.cluster else { continue };
        let Some(c) = infra.cluster(info.declared_at.0, &info.resource) else {
            continue;
        };
        security_groups(m, c, infra, cx);
        egress_path(m, c, infra, cx);
    }
}

fn subnet_cidrs(infra: &Infra, c: &Cluster) -> Vec<Option<String>> {
    c.subnets
        .iter()
        .map(|r| infra.subnet(c.at.file, r).and_then(|s| s.cidr.clone()))
        .collect()
}

/// NET001 and NET002.
fn security_groups(m: &Mapping, c: &Cluster, infra: &Infra, cx: &mut Cx<'_>) {
    let what = format!("the security groups of `{}`", c.id.resource);
    let port = match broker_port(m, c) {
        Ok(p) => p,
        Err(why) => {
            skipped(
                cx,
                m,
                &what,
                &why,
                c.at.span,
                &[&rules::SG_INBOUND_BROKER_PORT, &rules::SG_OUTBOUND],
            );
            return;
        }
    };
    let gs = match groups(infra, c.at.file, &c.security_groups) {
        Ok(g) => g,
        Err(why) => {
            let span = c
                .get(&["BrokerNodeGroupInfo", "SecurityGroups"])
                .map_or(c.at.span, |v| v.span);
            skipped(
                cx,
                m,
                &what,
                &why,
                span,
                &[&rules::SG_INBOUND_BROKER_PORT, &rules::SG_OUTBOUND],
            );
            return;
        }
    };
    let cidrs = subnet_cidrs(infra, c);
    let names = gs
        .iter()
        .map(|g| format!("`{}`", g.id.resource))
        .collect::<Vec<_>>()
        .join(", ");
    let span = gs.first().map(|g| g.at.span);
    let inbound = allows(infra, &gs, false, &|r, own| {
        and(r.covers_tcp(port), peer_ok(&r.peer, own, &gs, &cidrs))
    });
    match inbound {
        Tri::Yes => {}
        Tri::No => cx.report(
            m,
            &rules::SG_INBOUND_BROKER_PORT,
            span,
            format!(
                "no inbound rule of {names} (the security groups of `{}`) lets TCP {port} in from the cluster's own security groups or subnets; the mapping's network interfaces use those groups",
                c.id.resource
            ),
        ),
        Tri::Maybe(why) => skipped(cx, m, &what, &why, span.unwrap_or(c.at.span), &[&rules::SG_INBOUND_BROKER_PORT]),
    }
    let outbound = allows(infra, &gs, true, &|r, own| {
        let https = and(
            r.covers_tcp(443),
            match &r.peer {
                Peer::Cidr(_) => Tri::Yes,
                p => peer_ok(p, own, &gs, &cidrs),
            },
        );
        if https == Tri::Yes {
            return Tri::Yes;
        }
        let broker = and(r.covers_tcp(port), peer_ok(&r.peer, own, &gs, &cidrs));
        match (https, broker) {
            (_, Tri::Yes) => Tri::Yes,
            (Tri::Maybe(w), _) | (_, Tri::Maybe(w)) => Tri::Maybe(w),
            _ => Tri::No,
        }
    });
    match outbound {
        Tri::Yes => {}
        Tri::No => cx.report(
            m,
            &rules::SG_OUTBOUND,
            span,
            format!(
                "no outbound rule of {names} lets TCP 443 out or TCP {port} out to the cluster's security groups; the mapping's network interfaces cannot reach the brokers or AWS"
            ),
        ),
        Tri::Maybe(why) => skipped(cx, m, &what, &why, span.unwrap_or(c.at.span), &[&rules::SG_OUTBOUND]),
    }
}

/// NET003–NET007.
fn egress_path(m: &Mapping, c: &Cluster, infra: &Infra, cx: &mut Cx<'_>) {
    let provisioned = m.get(&["ProvisionedPollerConfig"]).is_some();
    let what = format!("the network path of `{}`", c.id.resource);
    let subnets_span = c
        .get(&["BrokerNodeGroupInfo", "ClientSubnets"])
        .or_else(|| c.get(&["VpcConfigs"]))
        .map_or(c.at.span, |v| v.span);
    if c.subnets.is_empty() {
        return;
    }
    let egress: Vec<Egress> = c
        .subnets
        .iter()
        .map(|r| subnet_egress(infra, c.at.file, r))
        .collect();
    let endpoints = endpoints_in(infra, c);
    let secret = access_types(m)
        .iter()
        .any(|(t, _, _)| AUTH_MECHANISMS.contains(t));
    let on_demand: [&'static mskgate_auth::Rule; 4] = [
        &rules::ON_DEMAND_EGRESS_PATH,
        &rules::PUBLIC_SUBNET_NEEDS_ENDPOINTS,
        &rules::SECRETSMANAGER_ENDPOINT_MISSING,
        &rules::ENDPOINT_SG_443,
    ];
    if let Some(Egress::Unknown(why)) = egress.iter().find(|e| matches!(e, Egress::Unknown(_))) {
        if !provisioned && (!has(&endpoints, "lambda") || !has(&endpoints, "sts")) {
            skipped(cx, m, &what, why, subnets_span, &on_demand[..3]);
        }
        destination(m, c, &egress, &endpoints, cx, &what, subnets_span);
        return;
    }
    let lambda_sts = has(&endpoints, "lambda") && has(&endpoints, "sts");
    let no_nat = egress.contains(&Egress::None);
    let public = egress.contains(&Egress::Public);
    if !provisioned {
        let missing: Vec<&str> = ["lambda", "sts"]
            .into_iter()
            .chain(secret.then_some("secretsmanager"))
            .filter(|s| !has(&endpoints, s))
            .collect();
        if no_nat && !lambda_sts {
            cx.report(
                m,
                &rules::ON_DEMAND_EGRESS_PATH,
                Some(subnets_span),
                format!(
                    "the mapping is on-demand and a subnet of `{}` has no route to a NAT gateway, and the VPC has no {} endpoint; Lambda's pollers cannot reach AWS",
                    c.id.resource,
                    missing.join(", ")
                ),
            );
        }
        if public && !lambda_sts {
            cx.report(
                m,
                &rules::PUBLIC_SUBNET_NEEDS_ENDPOINTS,
                Some(subnets_span),
                format!(
                    "the mapping is on-demand and `{}` is in a public subnet (a route to an internet gateway), which needs the {} endpoints; a NAT gateway does not help",
                    c.id.resource,
                    missing.join(", ")
                ),
            );
        }
        if (no_nat || public) && lambda_sts && secret && !has(&endpoints, "secretsmanager") {
            cx.report(
                m,
                &rules::SECRETSMANAGER_ENDPOINT_MISSING,
                Some(subnets_span),
                format!(
                    "the mapping reads a secret and reaches AWS through VPC endpoints, but the VPC of `{}` has no secretsmanager endpoint",
                    c.id.resource
                ),
            );
        }
        if no_nat || public {
            endpoint_groups(m, c, infra, &endpoints, cx);
        }
    }
    destination(m, c, &egress, &endpoints, cx, &what, subnets_span);
}

/// NET005: the endpoint security groups let 443 in from the cluster's groups.
fn endpoint_groups(
    m: &Mapping,
    c: &Cluster,
    infra: &Infra,
    endpoints: &[&Endpoint],
    cx: &mut Cx<'_>,
) {
    let Ok(cluster_groups) = groups(infra, c.at.file, &c.security_groups) else {
        return;
    };
    let cidrs = subnet_cidrs(infra, c);
    for e in endpoints.iter().filter(|e| {
        e.interface
            && matches!(
                e.service.as_deref(),
                Some("lambda" | "sts" | "secretsmanager")
            )
    }) {
        let what = format!("the security groups of the endpoint `{}`", e.id.resource);
        let gs = match groups(infra, e.at.file, &e.security_groups) {
            Ok(g) => g,
            Err(why) => {
                skipped(cx, m, &what, &why, e.at.span, &[&rules::ENDPOINT_SG_443]);
                continue;
            }
        };
        let inbound = allows(infra, &gs, false, &|r, own| {
            and(
                r.covers_tcp(443),
                match &r.peer {
                    Peer::SelfRef if cluster_groups.iter().any(|g| g.id == own.id) => Tri::Yes,
                    Peer::SelfRef => Tri::No,
                    p => peer_ok(p, own, &cluster_groups, &cidrs),
                },
            )
        });
        match inbound {
            Tri::Yes => {}
            Tri::No => cx.report(
                m,
                &rules::ENDPOINT_SG_443,
                Some(e.at.span),
                format!(
                    "the {} endpoint `{}` does not let TCP 443 in from the security groups of `{}`",
                    e.service.as_deref().unwrap_or("interface"),
                    e.id.resource,
                    c.id.resource
                ),
            ),
            Tri::Maybe(why) => skipped(cx, m, &what, &why, e.at.span, &[&rules::ENDPOINT_SG_443]),
        }
    }
}

/// NET007: an SQS/SNS/S3 on-failure destination is reachable from the cluster's VPC.
fn destination(
    m: &Mapping,
    c: &Cluster,
    egress: &[Egress],
    endpoints: &[&Endpoint],
    cx: &mut Cx<'_>,
    what: &str,
    span: Span,
) {
    let dest = m.get(&["DestinationConfig", "OnFailure", "Destination"]);
    let text = match known_str(dest) {
        Known::Value(t) => t.to_owned(),
        Known::Unknown(v) => match v.unknown_part().and_then(|u| u.shape.clone()) {
            Some(s) => s,
            None => return,
        },
        _ => return,
    };
    let service = text.split(':').nth(2).unwrap_or_default().to_owned();
    if !matches!(service.as_str(), "sqs" | "sns" | "s3") {
        return;
    }
    if egress.iter().all(|e| *e == Egress::Nat) || has(endpoints, &service) {
        return;
    }
    if let Some(Egress::Unknown(why)) = egress.iter().find(|e| matches!(e, Egress::Unknown(_))) {
        skipped(
            cx,
            m,
            what,
            why,
            span,
            &[&rules::DESTINATION_ENDPOINT_MISSING],
        );
        return;
    }
    cx.report(
        m,
        &rules::DESTINATION_ENDPOINT_MISSING,
        dest.map(|v| v.span),
        format!(
            "the on-failure destination is {service}, but a subnet of `{}` has no NAT gateway route and its VPC has no {service} endpoint",
            c.id.resource
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_ipv4_cidrs() {
        assert_eq!(contains("10.0.0.0/16", "10.0.3.0/24"), Some(true));
        assert_eq!(contains("10.0.0.0/24", "10.0.3.0/24"), Some(false));
        assert_eq!(contains("0.0.0.0/0", "10.0.3.0/24"), Some(true));
        assert_eq!(contains("10.0.0.0/24", "10.0.0.0/16"), Some(false));
        assert_eq!(contains("x", "10.0.0.0/16"), None);
    }
}
