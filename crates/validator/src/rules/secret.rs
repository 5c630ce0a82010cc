//! SEC (and CRT through `mskgate_auth::inspect`): the secrets a mapping authenticates with —
//! how they are referenced, named and encrypted, and, when the material is at hand (`--secret`
//! or an inline `SecretString`), their contents.

use mskgate_auth::{InspectOptions, SecretKind, Severity, inspect};

use super::{Cx, access_types};
use crate::Target;
use crate::diag::registry::rules;
use crate::model::{Known, Mapping, SecretInfo, SourceKind, V, Val, known_str};

/// Types whose URI is a Secrets Manager secret.
fn secret_kind(ty: &str) -> Option<SecretKind> {
    Some(match ty {
        "SASL_SCRAM_512_AUTH" | "SASL_SCRAM_256_AUTH" => SecretKind::Scram,
        "BASIC_AUTH" => SecretKind::Basic,
        "CLIENT_CERTIFICATE_TLS_AUTH" => SecretKind::Mtls,
        "SERVER_ROOT_CA_CERTIFICATE" => SecretKind::RootCa,
        _ => return None,
    })
}

/// The name part of a secret ARN (`…:secret:NAME-AbCdEf` → `NAME-AbCdEf`).
fn arn_secret_name(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    (parts.len() == 7 && parts[0] == "arn" && parts[2] == "secretsmanager" && parts[5] == "secret")
        .then(|| parts[6])
}

fn is_secret_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(7, ':').collect();
    parts.len() == 7
        && parts[0] == "arn"
        && matches!(parts[2], "secretsmanager" | "*")
        && matches!(parts[5], "secret" | "*")
        && !parts[6].is_empty()
}

pub(super) fn check(m: &Mapping, cx: &mut Cx<'_>) {
    for (index, (ty, _, uri)) in access_types(m).into_iter().enumerate() {
        let Some(kind) = secret_kind(ty) else {
            continue;
        };
        let info = m.secrets.iter().find(|s| s.access_index == index);
        uri_is_arn(m, cx, ty, uri, info);
        region_account(m, cx, ty, uri);
        if m.source_kind() == Some(SourceKind::Msk) && ty == "SASL_SCRAM_512_AUTH" {
            scram_name(m, cx, uri, info);
            scram_cmk(m, cx, uri, info);
        }
        contents(m, cx, ty, kind, uri, info);
    }
}

fn uri_is_arn(m: &Mapping, cx: &mut Cx<'_>, ty: &str, uri: Option<&V>, info: Option<&SecretInfo>) {
    let rule = &rules::SECRET_URI_NOT_ARN;
    match known_str(uri) {
        Known::Absent => cx.report(m, rule, None, format!("the `{ty}` entry has no URI")),
        Known::Value(s) => {
            let why = if s.trim_start().starts_with("{{resolve:") {
                Some(
                    "is a dynamic reference that resolves to the secret's value; give the secret's ARN",
                )
            } else if s.is_empty() {
                Some("is empty")
            } else if !is_secret_arn(s) {
                Some("is not a Secrets Manager secret ARN")
            } else {
                None
            };
            if let Some(why) = why {
                cx.report(
                    m,
                    rule,
                    uri.map(|v| v.span),
                    if s.contains("{{resolve:") {
                        format!("the `{ty}` URI {why}")
                    } else {
                        format!("the `{ty}` URI `{s}` {why}")
                    },
                );
            }
        }
        Known::Unknown(v) => {
            let shape = v.unknown_part().and_then(|u| u.shape.as_deref());
            if info.is_some() || shape.is_some_and(is_secret_arn) {
                return;
            }
            if shape.is_some_and(|s| s.contains("{{resolve:")) {
                cx.report(
                    m,
                    rule,
                    Some(v.span),
                    format!("the `{ty}` URI is a dynamic reference that resolves to the secret's value; give the secret's ARN"),
                );
            } else {
                cx.unknown(m, &format!("the `{ty}` URI"), v, rule);
            }
        }
        Known::WrongType(v) => cx.report(
            m,
            rule,
            Some(v.span),
            format!("the `{ty}` URI is not a string"),
        ),
    }
}

/// Region and account of an ARN (or of its shape), `None` where unknown (`*` or empty).
fn arn_region_account(arn: &str) -> (Option<&str>, Option<&str>) {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let known = |s: &&&str| !s.is_empty() && !s.contains('*');
    (
        parts.get(3).filter(known).copied(),
        parts.get(4).filter(known).copied(),
    )
}

/// The text of a value or of its shape.
fn text_or_shape(v: Option<&V>) -> Option<&str> {
    let v = v?;
    v.as_str()
        .or_else(|| v.unknown_part().and_then(|u| u.shape.as_deref()))
        .filter(|s| s.starts_with("arn:"))
}

/// SEC006: the secret's Region (and for MSK SCRAM, account) against the MSK cluster's.
fn region_account(m: &Mapping, cx: &mut Cx<'_>, ty: &str, uri: Option<&V>) {
    if m.source_kind() != Some(SourceKind::Msk) {
        return;
    }
    let (Some(secret), Some(cluster)) = (
        text_or_shape(uri),
        text_or_shape(m.get(&["EventSourceArn"])),
    ) else {
        return;
    };
    let (s_region, s_account) = arn_region_account(secret);
    let (c_region, c_account) = arn_region_account(cluster);
    let scram = ty == "SASL_SCRAM_512_AUTH";
    let rule = &rules::SECRET_REGION_ACCOUNT;
    if let (Some(s), Some(c)) = (s_region, c_region)
        && s != c
    {
        cx.report_as(
            m,
            rule,
            if scram {
                Severity::Error
            } else {
                Severity::Warning
            },
            uri.map(|v| v.span),
            format!("the {ty} secret is in {s} but the cluster is in {c}"),
            None,
        );
    }
    if let (Some(s), Some(c)) = (s_account, c_account)
        && s != c
    {
        cx.report_as(
            m,
            rule,
            if scram { Severity::Error } else { Severity::Warning },
            uri.map(|v| v.span),
            if scram {
                format!("the SCRAM secret is in account {s} but the cluster is in account {c}; MSK associates secrets of its own account only")
            } else {
                format!("the {ty} secret is in account {s} but the cluster is in account {c}; reading it needs a resource policy and KMS grants across accounts")
            },
            None,
        );
    }
}

fn scram_name(m: &Mapping, cx: &mut Cx<'_>, uri: Option<&V>, info: Option<&SecretInfo>) {
    let rule = &rules::SCRAM_SECRET_NAME_PREFIX;
    let (name, span) = match info {
        Some(i) => match &i.name {
            None => {
                cx.report(
                    m,
                    rule,
                    uri.map(|v| v.span),
                    format!(
                        "the SCRAM secret `{}` has no name, so one is generated, and it will not start with AmazonMSK_",
                        i.resource
                    ),
                );
                return;
            }
            Some(v) => match known_str(Some(v)) {
                Known::Value(n) => (n.to_owned(), v.span),
                Known::Unknown(v) => {
                    cx.unknown(m, "the SCRAM secret's name", v, rule);
                    return;
                }
                _ => return,
            },
        },
        None => match uri.and_then(V::as_str).and_then(arn_secret_name) {
            Some(n) => (n.to_owned(), uri.map_or(m.span, |v| v.span)),
            None => {
                if let Some(u) = uri.filter(|u| u.unknown_part().is_some()) {
                    cx.unknown(m, "the SCRAM secret's name", u, rule);
                }
                return;
            }
        },
    };
    if !name.starts_with("AmazonMSK_") {
        cx.report(
            m,
            rule,
            Some(span),
            format!("the SCRAM secret's name `{name}` does not start with AmazonMSK_, so MSK cannot associate it with the cluster"),
        );
    }
}

fn scram_cmk(m: &Mapping, cx: &mut Cx<'_>, uri: Option<&V>, info: Option<&SecretInfo>) {
    let rule = &rules::SCRAM_SECRET_NEEDS_CMK;
    let Some(i) = info else {
        if let Some(u) = uri {
            cx.unknown(
                m,
                "the SCRAM secret's KMS key (the secret is not declared here)",
                u,
                rule,
            );
        }
        return;
    };
    match known_str(i.kms_key.as_ref()) {
        Known::Absent => cx.report(
            m,
            rule,
            uri.map(|v| v.span),
            format!(
                "the SCRAM secret `{}` has no KmsKeyId, so it is encrypted with the default aws/secretsmanager key, which MSK cannot use",
                i.resource
            ),
        ),
        Known::Value(k) if k.ends_with("alias/aws/secretsmanager") => cx.report(
            m,
            rule,
            i.kms_key.as_ref().map(|v| v.span),
            format!("the SCRAM secret `{}` uses the AWS managed key aws/secretsmanager, which MSK cannot use", i.resource),
        ),
        _ => {}
    }
}

/// The secret material for an entry: `--secret` first, then an inline `SecretString`.
fn material<'a>(
    cx: &'a Cx<'_>,
    uri: Option<&V>,
    info: Option<&'a SecretInfo>,
) -> Option<(String, &'a str)> {
    let uri_text = uri.and_then(V::as_str);
    let name = uri_text.and_then(arn_secret_name);
    let declared_name = info.and_then(|i| i.name.as_ref()).and_then(V::as_str);
    for (id, text) in &cx.opts.secrets {
        let matches = uri_text == Some(id.as_str())
            || name.is_some_and(|n| {
                n == id
                    || n.strip_prefix(id.as_str())
                        .is_some_and(|r| r.starts_with('-') && r.len() == 7)
            })
            || info.is_some_and(|i| i.resource == *id)
            || declared_name == Some(id.as_str());
        if matches {
            return Some((format!("--secret {id}"), text.expose_secret()));
        }
    }
    let i = info?;
    match &i.secret_string.as_ref()?.val {
        Val::Scalar(s) => Some((format!("the SecretString of `{}`", i.resource), s.as_str())),
        _ => None,
    }
}

fn contents(
    m: &Mapping,
    cx: &mut Cx<'_>,
    ty: &str,
    kind: SecretKind,
    uri: Option<&V>,
    info: Option<&SecretInfo>,
) {
    let Some((from, text)) = material(cx, uri, info) else {
        return;
    };
    let verdict = inspect(
        text,
        &InspectOptions {
            now: cx.opts.now,
            trust: Vec::new(),
            kind: Some(kind),
        },
    );
    let target = cx.opts.target;
    let findings: Vec<_> = verdict.findings.clone();
    for f in findings {
        let severity = if target == Target::Lambda && f.blocks_lambda {
            Severity::Error
        } else {
            f.severity
        };
        let note = if target == Target::Lambda && f.blocks_lambda && f.severity != Severity::Error {
            " (AWS Lambda rejects this; the mskgate runtime copes: see --target runtime)"
        } else {
            ""
        };
        cx.report_as(
            m,
            f.code,
            severity,
            uri.map(|v| v.span),
            format!("{ty} secret ({from}): {}{note}", f.message),
            Some(f.help.clone()),
        );
    }
}
