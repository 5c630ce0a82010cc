//! MSK: the clusters themselves — every `AWS::MSK::Cluster` / `aws_msk_cluster` in the files,
//! also those no mapping uses (MSK001–MSK004, MSK006–MSK008) — and whether a mapping's SCRAM
//! secret is associated with its cluster (MSK005).

use std::collections::BTreeMap;

use mskgate_auth::{Rule, Severity};

use super::{Cx, access_types};
use crate::diag::registry::{code_of, rules};
use crate::diag::{Diagnostic, Location};
use crate::infra::{Cluster, Infra, Ref};
use crate::input::Span;
use crate::model::{Known, Mapping, SourceKind, V, known_str};

/// (file, span, resource) → (what, why, rules skipped, JSON pointer).
type Skipped = BTreeMap<(usize, Span, String), (String, String, Vec<&'static str>, Option<String>)>;

/// Values of resources (not mappings) some checks could not judge: one `ESM027` per value.
#[derive(Default)]
pub(crate) struct ResourceUnknowns {
    map: Skipped,
}

impl ResourceUnknowns {
    /// Records that `rule` could not judge `what` of cluster `c`.
    pub(crate) fn add(
        &mut self,
        c: &Cluster,
        what: &str,
        reason: &str,
        span: Span,
        rule: &'static Rule,
    ) {
        let e = self
            .map
            .entry((c.at.file, span, c.id.resource.clone()))
            .or_insert_with(|| {
                (
                    what.to_owned(),
                    reason.to_owned(),
                    Vec::new(),
                    c.at.json_path.clone(),
                )
            });
        if !e.2.contains(&rule.code) {
            e.2.push(rule.code);
        }
    }

    pub(crate) fn finish(self) -> Vec<Diagnostic> {
        self.map
            .into_iter()
            .map(
                |((file, span, resource), (what, reason, codes, json_path))| Diagnostic {
                    rule: &rules::CANNOT_EVALUATE,
                    severity: Severity::Info,
                    message: format!(
                        "cannot evaluate {what} before deploy ({reason}); not checked: {}",
                        codes.join(", ")
                    ),
                    help: code_of(&rules::CANNOT_EVALUATE)
                        .map_or("", |c| c.help)
                        .to_owned(),
                    location: Location {
                        file: Some(file),
                        span: Some(span),
                        json_path,
                    },
                    resource: Some(resource),
                    mapping: None,
                },
            )
            .collect()
    }
}

/// Reports `rule` about cluster `c` (no mapping).
pub(crate) fn report_cluster(
    cx: &mut Cx<'_>,
    c: &Cluster,
    rule: &'static Rule,
    span: Option<Span>,
    message: String,
) {
    cx.out.push(Diagnostic {
        rule,
        severity: rule.default_severity,
        message,
        help: code_of(rule).map_or("", |c| c.help).to_owned(),
        location: Location {
            file: Some(c.at.file),
            span: Some(span.unwrap_or(c.at.span)),
            json_path: c.at.json_path.clone(),
        },
        resource: Some(c.id.resource.clone()),
        mapping: None,
    });
}

/// `allow.everyone.if.no.acl.found` of a cluster's configuration.
enum AclDefault {
    /// Known (MSK's default is true); where it is set.
    Value(bool, Option<Span>),
    /// Not knowable before deploy.
    Unknown(String, Span),
}

/// The value of `allow.everyone.if.no.acl.found` in server properties text (the last one wins).
pub(crate) fn allow_everyone_in(text: &str) -> Option<bool> {
    let mut out = None;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = line.split_once('=')
            && k.trim() == "allow.everyone.if.no.acl.found"
        {
            out = v.trim().parse::<bool>().ok().or(out);
        }
    }
    out
}

fn acl_default(infra: &Infra, c: &Cluster) -> AclDefault {
    let Some(r) = &c.configuration else {
        return AclDefault::Value(true, None);
    };
    let span = c
        .get(&["ConfigurationInfo", "Arn"])
        .map_or(c.at.span, |v| v.span);
    if let Ref::Unknown(why) = r {
        return AclDefault::Unknown(why.clone(), span);
    }
    let Some(conf) = infra
        .configurations
        .iter()
        .find(|x| x.at.file == c.at.file && x.id.is(r))
    else {
        return AclDefault::Unknown(
            "its configuration is not declared in the validated files".into(),
            span,
        );
    };
    match conf.server_properties.as_ref() {
        None => AclDefault::Value(true, None),
        Some(v) => match known_str(Some(v)) {
            Known::Value(text) => {
                AclDefault::Value(allow_everyone_in(text).unwrap_or(true), Some(v.span))
            }
            Known::Unknown(u) => AclDefault::Unknown(
                u.unknown_part()
                    .map_or_else(|| "computed".into(), |u| u.reason.clone()),
                v.span,
            ),
            _ => AclDefault::Value(true, Some(v.span)),
        },
    }
}

/// Whether TLS client authentication is on: `Tls.Enabled`, or a `Tls` block with CAs and no
/// `Enabled`.
fn tls_enabled(c: &Cluster) -> Known<'_, bool> {
    match c.flag(&["ClientAuthentication", "Tls", "Enabled"]) {
        Known::Absent
            if c.get(&["ClientAuthentication", "Tls", "CertificateAuthorityArnList"])
                .is_some() =>
        {
            Known::Value(true)
        }
        k => k,
    }
}

fn is_true(k: Known<'_, bool>) -> bool {
    matches!(k, Known::Value(true))
}

fn is_false(k: Known<'_, bool>) -> bool {
    matches!(k, Known::Value(false))
}

pub(super) fn check(
    mappings: &[Mapping],
    infra: &Infra,
    cx: &mut Cx<'_>,
    res: &mut ResourceUnknowns,
) {
    for c in infra.clusters.iter().filter(|c| !c.serverless) {
        public_access(infra, c, cx, res);
        sasl_prereq(c, cx);
        tls_prereq(c, cx);
        acl(infra, c, cx, res);
        multi_vpc(infra, c, cx, res);
    }
    for a in &infra.scram_associations {
        if let Some(secrets) = &a.secrets
            && secrets.len() > 10
        {
            cx.out.push(Diagnostic {
                rule: &rules::SCRAM_ASSOCIATION_LIMITS,
                severity: rules::SCRAM_ASSOCIATION_LIMITS.default_severity,
                message: format!(
                    "`{}` associates {} secrets; MSK's BatchAssociateScramSecret takes at most 10 per call",
                    a.id.resource,
                    secrets.len()
                ),
                help: code_of(&rules::SCRAM_ASSOCIATION_LIMITS).map_or("", |c| c.help).to_owned(),
                location: Location {
                    file: Some(a.at.file),
                    span: Some(a.list.as_ref().map_or(a.at.span, |l| l.span)),
                    json_path: a.at.json_path.clone(),
                },
                resource: Some(a.id.resource.clone()),
                mapping: None,
            });
        }
    }
    for m in mappings {
        scram_associated(m, infra, cx);
    }
}

/// MSK001 and MSK002.
fn public_access(infra: &Infra, c: &Cluster, cx: &mut Cx<'_>, res: &mut ResourceUnknowns) {
    let path = [
        "BrokerNodeGroupInfo",
        "ConnectivityInfo",
        "PublicAccess",
        "Type",
    ];
    let Some(ty) = c.get(&path) else { return };
    let text = match known_str(Some(ty)) {
        Known::Value(t) => t,
        Known::Unknown(v) => {
            let reason = v
                .unknown_part()
                .map_or_else(|| "computed".into(), |u| u.reason.clone());
            res.add(
                c,
                &format!("the public access of `{}`", c.id.resource),
                &reason,
                ty.span,
                &rules::PUBLIC_ACCESS_ON_CREATE,
            );
            res.add(
                c,
                &format!("the public access of `{}`", c.id.resource),
                &reason,
                ty.span,
                &rules::PUBLIC_ACCESS_PRECONDITIONS,
            );
            return;
        }
        _ => return,
    };
    if text != "SERVICE_PROVIDED_EIPS" {
        return;
    }
    if c.creating {
        report_cluster(
            cx,
            c,
            &rules::PUBLIC_ACCESS_ON_CREATE,
            Some(ty.span),
            format!(
                "`{}` is created with PublicAccess SERVICE_PROVIDED_EIPS; MSK accepts only DISABLED when a cluster is created",
                c.id.resource
            ),
        );
    }
    let mut unmet = Vec::new();
    if is_true(c.flag(&["ClientAuthentication", "Unauthenticated", "Enabled"])) {
        unmet.push("unauthenticated access is on".to_owned());
    }
    let iam = c.flag(&["ClientAuthentication", "Sasl", "Iam", "Enabled"]);
    let scram = c.flag(&["ClientAuthentication", "Sasl", "Scram", "Enabled"]);
    let tls = tls_enabled(c);
    if !is_true(iam)
        && !is_true(scram)
        && !is_true(tls)
        && ![iam, scram, tls]
            .iter()
            .any(|k| matches!(k, Known::Unknown(_)))
    {
        unmet.push("none of IAM, SASL/SCRAM and TLS client authentication is on".to_owned());
    }
    if is_false(c.flag(&["EncryptionInfo", "EncryptionInTransit", "InCluster"])) {
        unmet.push("InCluster encryption is off".to_owned());
    }
    if let Some(cb) = c
        .get(&["EncryptionInfo", "EncryptionInTransit", "ClientBroker"])
        .and_then(V::as_str)
        && cb != "TLS"
    {
        unmet.push(format!("ClientBroker is {cb} (plaintext must be off)"));
    }
    if is_true(scram) || is_true(tls) {
        match acl_default(infra, c) {
            AclDefault::Value(true, _) => unmet.push(
                "SASL/SCRAM or mTLS is on but allow.everyone.if.no.acl.found is not false"
                    .to_owned(),
            ),
            AclDefault::Value(false, _) => {}
            AclDefault::Unknown(why, span) => res.add(
                c,
                &format!("allow.everyone.if.no.acl.found of `{}`", c.id.resource),
                &why,
                span,
                &rules::PUBLIC_ACCESS_PRECONDITIONS,
            ),
        }
    }
    if !unmet.is_empty() {
        report_cluster(
            cx,
            c,
            &rules::PUBLIC_ACCESS_PRECONDITIONS,
            Some(ty.span),
            format!(
                "`{}` has public access, but {}",
                c.id.resource,
                unmet.join("; ")
            ),
        );
    }
}

/// MSK003.
fn sasl_prereq(c: &Cluster, cx: &mut Cx<'_>) {
    let scram = is_true(c.flag(&["ClientAuthentication", "Sasl", "Scram", "Enabled"]));
    let iam = is_true(c.flag(&["ClientAuthentication", "Sasl", "Iam", "Enabled"]));
    if !scram && !iam {
        return;
    }
    let which = match (scram, iam) {
        (true, true) => "SASL/SCRAM and IAM",
        (true, false) => "SASL/SCRAM",
        _ => "IAM",
    };
    let in_cluster = c.get(&["EncryptionInfo", "EncryptionInTransit", "InCluster"]);
    if is_false(c.flag(&["EncryptionInfo", "EncryptionInTransit", "InCluster"])) {
        report_cluster(
            cx,
            c,
            &rules::SASL_ENCRYPTION_PREREQ,
            in_cluster.map(|v| v.span),
            format!(
                "`{}` enables {which} but has InCluster encryption off; SASL needs it on",
                c.id.resource
            ),
        );
    }
    let cb = c.get(&["EncryptionInfo", "EncryptionInTransit", "ClientBroker"]);
    match cb.and_then(V::as_str) {
        Some("PLAINTEXT") => report_cluster(
            cx,
            c,
            &rules::SASL_ENCRYPTION_PREREQ,
            cb.map(|v| v.span),
            format!(
                "`{}` enables {which} but ClientBroker is PLAINTEXT; SASL needs TLS or TLS_PLAINTEXT",
                c.id.resource
            ),
        ),
        Some("TLS_PLAINTEXT")
            if is_false(c.flag(&["ClientAuthentication", "Unauthenticated", "Enabled"]))
                || c.get(&["ClientAuthentication", "Unauthenticated", "Enabled"])
                    .is_none() =>
        {
            report_cluster(
                cx,
                c,
                &rules::SASL_ENCRYPTION_PREREQ,
                cb.map(|v| v.span),
                format!(
                    "`{}` enables {which} with ClientBroker TLS_PLAINTEXT, which needs Unauthenticated enabled; use ClientBroker TLS",
                    c.id.resource
                ),
            );
        }
        _ => {}
    }
}

/// MSK004.
fn tls_prereq(c: &Cluster, cx: &mut Cx<'_>) {
    if !is_true(tls_enabled(c)) {
        return;
    }
    let rule = &rules::TLS_AUTH_PREREQ;
    let cb = c.get(&["EncryptionInfo", "EncryptionInTransit", "ClientBroker"]);
    if let Some(b) = cb.and_then(V::as_str)
        && b != "TLS"
    {
        report_cluster(
            cx,
            c,
            rule,
            cb.map(|v| v.span),
            format!(
                "`{}` enables TLS client authentication but ClientBroker is {b}; it must be TLS",
                c.id.resource
            ),
        );
    }
    if is_false(c.flag(&["EncryptionInfo", "EncryptionInTransit", "InCluster"])) {
        report_cluster(
            cx,
            c,
            rule,
            c.get(&["EncryptionInfo", "EncryptionInTransit", "InCluster"])
                .map(|v| v.span),
            format!(
                "`{}` enables TLS client authentication but InCluster encryption is off",
                c.id.resource
            ),
        );
    }
    let cas = c.get(&["ClientAuthentication", "Tls", "CertificateAuthorityArnList"]);
    let empty = match cas {
        None => true,
        Some(v) => v.items().is_some_and(<[V]>::is_empty),
    };
    if empty {
        report_cluster(
            cx,
            c,
            rule,
            cas.map(|v| v.span)
                .or_else(|| c.get(&["ClientAuthentication", "Tls"]).map(|v| v.span)),
            format!(
                "`{}` enables TLS client authentication without a CertificateAuthorityArnList; MSK trusts client certificates of the listed ACM Private CAs only",
                c.id.resource
            ),
        );
    }
}

/// MSK007.
fn acl(infra: &Infra, c: &Cluster, cx: &mut Cx<'_>, res: &mut ResourceUnknowns) {
    let scram = is_true(c.flag(&["ClientAuthentication", "Sasl", "Scram", "Enabled"]));
    let tls = is_true(tls_enabled(c));
    if !scram && !tls {
        return;
    }
    let which = if scram { "SASL/SCRAM" } else { "mTLS" };
    match acl_default(infra, c) {
        AclDefault::Value(true, span) => report_cluster(
            cx,
            c,
            &rules::ACL_DEFAULT_ALLOW,
            span,
            format!(
                "`{}` authenticates {which} clients, but allow.everyone.if.no.acl.found is {}: every authenticated client may read every topic that has no ACL",
                c.id.resource,
                if span.is_some() {
                    "true"
                } else {
                    "true by default"
                }
            ),
        ),
        AclDefault::Value(false, span) => report_cluster(
            cx,
            c,
            &rules::ACL_DEFAULT_ALLOW,
            span,
            format!(
                "`{}` sets allow.everyone.if.no.acl.found=false: the mapping's {which} user needs ACLs (Describe and Read on the topic, Describe and Read on the group, Describe on the cluster)",
                c.id.resource
            ),
        ),
        AclDefault::Unknown(why, span) => res.add(
            c,
            &format!("allow.everyone.if.no.acl.found of `{}`", c.id.resource),
            &why,
            span,
            &rules::ACL_DEFAULT_ALLOW,
        ),
    }
}

/// MSK008.
fn multi_vpc(infra: &Infra, c: &Cluster, cx: &mut Cx<'_>, res: &mut ResourceUnknowns) {
    let base = [
        "BrokerNodeGroupInfo",
        "ConnectivityInfo",
        "VpcConnectivity",
        "ClientAuthentication",
    ];
    let flag = |rest: &[&str]| {
        let p: Vec<&str> = base.iter().chain(rest).copied().collect();
        is_true(c.flag(&p))
    };
    let scram = flag(&["Sasl", "Scram", "Enabled"]);
    let on = scram || flag(&["Sasl", "Iam", "Enabled"]) || flag(&["Tls", "Enabled"]);
    if !on {
        return;
    }
    let span = c.get(&base).map(|v| v.span);
    let rule = &rules::MULTI_VPC_AUTH;
    if is_true(c.flag(&["ClientAuthentication", "Unauthenticated", "Enabled"])) {
        report_cluster(
            cx,
            c,
            rule,
            span,
            format!(
                "`{}` turns on multi-VPC connectivity with unauthenticated access on; multi-VPC connectivity needs it off",
                c.id.resource
            ),
        );
    }
    if let Some(t) = c
        .get(&["BrokerNodeGroupInfo", "InstanceType"])
        .and_then(V::as_str)
        && t == "kafka.t3.small"
    {
        report_cluster(
            cx,
            c,
            rule,
            c.get(&["BrokerNodeGroupInfo", "InstanceType"])
                .map(|v| v.span),
            format!(
                "`{}` turns on multi-VPC connectivity on kafka.t3.small brokers, which do not support it",
                c.id.resource
            ),
        );
    }
    if scram {
        match acl_default(infra, c) {
            AclDefault::Value(true, _) => report_cluster(
                cx,
                c,
                rule,
                span,
                format!(
                    "`{}` offers SASL/SCRAM over multi-VPC connectivity, which needs allow.everyone.if.no.acl.found=false",
                    c.id.resource
                ),
            ),
            AclDefault::Value(false, _) => {}
            AclDefault::Unknown(why, s) => res.add(
                c,
                &format!("allow.everyone.if.no.acl.found of `{}`", c.id.resource),
                &why,
                s,
                rule,
            ),
        }
    }
}

/// MSK005: a mapping's SCRAM secret against the associations of its (declared) cluster.
fn scram_associated(m: &Mapping, infra: &Infra, cx: &mut Cx<'_>) {
    if m.source_kind() != Some(SourceKind::Msk) {
        return;
    }
    let Some(info) = &m.cluster else { return };
    let Some(c) = infra.cluster(info.declared_at.0, &info.resource) else {
        return;
    };
    if c.serverless {
        return;
    }
    let rule = &rules::SCRAM_SECRET_NOT_ASSOCIATED;
    for (index, (ty, _, uri)) in access_types(m).into_iter().enumerate() {
        if ty != "SASL_SCRAM_512_AUTH" {
            continue;
        }
        let secret = match m.secrets.iter().find(|s| s.access_index == index) {
            Some(s) => Ref::Resource(s.resource.clone()),
            None => match uri {
                Some(u) => Ref::of(u),
                None => continue,
            },
        };
        let span = uri.map(|u| u.span);
        let associations: Vec<_> = infra
            .scram_associations
            .iter()
            .filter(|a| a.at.file == c.at.file && c.id.is(&a.cluster))
            .collect();
        let unknown_cluster = infra
            .scram_associations
            .iter()
            .any(|a| a.at.file == c.at.file && matches!(a.cluster, Ref::Unknown(_)));
        let found = associations
            .iter()
            .any(|a| a.secrets.as_ref().is_some_and(|s| s.contains(&secret)));
        if found {
            continue;
        }
        let uncertain = unknown_cluster
            || matches!(secret, Ref::Unknown(_))
            || associations.iter().any(|a| match &a.secrets {
                None => true,
                Some(s) => s.iter().any(|x| {
                    matches!(x, Ref::Unknown(_))
                        || matches!(
                            (x, &secret),
                            (Ref::Resource(_), Ref::Literal(_))
                                | (Ref::Literal(_), Ref::Resource(_))
                        )
                }),
            });
        if uncertain {
            let v = uri
                .cloned()
                .unwrap_or_else(|| V::unknown(m.span, "unknown"));
            let v = if v.unknown_part().is_some() {
                v
            } else {
                V::unknown(v.span, "a secret list of the association is computed")
            };
            cx.unknown(
                m,
                "whether the SCRAM secret is associated with the cluster",
                &v,
                rule,
            );
            continue;
        }
        cx.report(
            m,
            rule,
            span,
            if associations.is_empty() {
                format!(
                    "the SCRAM secret is not associated with `{}`: no BatchScramSecret (aws_msk_scram_secret_association) for the cluster is declared",
                    c.id.resource
                )
            } else {
                format!(
                    "the SCRAM secret is not in the SecretArnList of {} for `{}`",
                    associations.iter().map(|a| format!("`{}`", a.id.resource)).collect::<Vec<_>>().join(", "),
                    c.id.resource
                )
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_acl_default_from_server_properties() {
        assert_eq!(
            allow_everyone_in("a=b\nallow.everyone.if.no.acl.found = false\n"),
            Some(false)
        );
        assert_eq!(
            allow_everyone_in("# allow.everyone.if.no.acl.found=false\n"),
            None
        );
        assert_eq!(
            allow_everyone_in(
                "allow.everyone.if.no.acl.found=false\nallow.everyone.if.no.acl.found=true"
            ),
            Some(true)
        );
    }
}
