//! `terraform show -json` plans: `aws_lambda_event_source_mapping` changes, in the Lambda API's
//! names. Values known only after apply stay unknown; references in `configuration` link a
//! mapping to its function and secrets.

mod iam;

use super::Read;
use super::esm::plain;
use super::tree::{Node, Span};
use crate::model::{ClusterInfo, Dialect, Mapping, SecretInfo, Unknown, V, Val};

mod infra;

/// One resource change.
struct Change<'a> {
    index: usize,
    address: &'a str,
    ty: &'a str,
    after: Option<&'a Node>,
    after_unknown: Option<&'a Node>,
    span: Span,
}

fn changes(root: &Node) -> Vec<Change<'_>> {
    let Some(items) = root.get("resource_changes").and_then(Node::items) else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(index, rc)| {
            let change = rc.get("change")?;
            let deleted_only = change
                .get("actions")
                .and_then(Node::items)
                .is_some_and(|a| a.iter().all(|x| x.as_str() == Some("delete")));
            if deleted_only || rc.get("mode").and_then(Node::as_str) == Some("data") {
                return None;
            }
            Some(Change {
                index,
                address: rc.get("address").and_then(Node::as_str).unwrap_or_default(),
                ty: rc.get("type").and_then(Node::as_str).unwrap_or_default(),
                after: change.get("after").filter(|a| a.entries().is_some()),
                after_unknown: change.get("after_unknown"),
                span: rc.span,
            })
        })
        .collect()
}

/// A value of `after`, with `after_unknown: true` parts made unknown.
fn value(after: Option<&Node>, unknown: Option<&Node>, span: Span) -> Option<V> {
    if unknown.and_then(Node::as_str) == Some("true") {
        return Some(V {
            val: Val::Unknown(Unknown {
                reason: "known after apply".into(),
                shape: None,
                resource: None,
            }),
            span: after.map_or(span, |a| a.span),
        });
    }
    let after = after?;
    if let (Some(entries), Some(_)) = (after.entries(), unknown.and_then(Node::entries)) {
        let mut out: Vec<(String, V)> = Vec::new();
        for e in entries {
            if let Some(v) = value(
                Some(&e.value),
                unknown.and_then(|u| u.get(&e.key)),
                e.value.span,
            ) {
                out.push((e.key.clone(), v));
            }
        }
        for u in unknown.and_then(Node::entries).unwrap_or_default() {
            if after.get(&u.key).is_none()
                && let Some(v) = value(None, Some(&u.value), after.span)
            {
                out.push((u.key.clone(), v));
            }
        }
        return Some(V {
            val: Val::Map(out),
            span: after.span,
        });
    }
    if let (Some(items), Some(uitems)) = (after.items(), unknown.and_then(Node::items)) {
        let out = items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| value(Some(n), uitems.get(i), n.span))
            .collect();
        return Some(V {
            val: Val::List(out),
            span: after.span,
        });
    }
    Some(plain(after))
}

/// The first element of a Terraform block list (blocks are lists even with one item).
fn block(v: Option<&V>) -> Option<&V> {
    match &v?.val {
        Val::List(items) => items.first(),
        Val::Map(_) | Val::Unknown(_) => v,
        _ => None,
    }
}

fn put(out: &mut Vec<(String, V)>, key: &str, v: Option<V>) {
    if let Some(v) = v
        && !matches!(v.val, Val::Null)
    {
        out.push((key.to_owned(), v));
    }
}

fn map(entries: Vec<(String, V)>, span: Span) -> Option<V> {
    (!entries.is_empty()).then_some(V {
        val: Val::Map(entries),
        span,
    })
}

/// Terraform's arguments in the Lambda API's names and shapes.
fn to_api(tf: &V) -> V {
    let mut out = Vec::new();
    for (from, to) in [
        ("event_source_arn", "EventSourceArn"),
        ("function_name", "FunctionName"),
        ("topics", "Topics"),
        ("starting_position", "StartingPosition"),
        ("starting_position_timestamp", "StartingPositionTimestamp"),
        ("batch_size", "BatchSize"),
        (
            "maximum_batching_window_in_seconds",
            "MaximumBatchingWindowInSeconds",
        ),
        ("maximum_retry_attempts", "MaximumRetryAttempts"),
        ("maximum_record_age_in_seconds", "MaximumRecordAgeInSeconds"),
        (
            "bisect_batch_on_function_error",
            "BisectBatchOnFunctionError",
        ),
        ("enabled", "Enabled"),
        ("parallelization_factor", "ParallelizationFactor"),
        ("tumbling_window_in_seconds", "TumblingWindowInSeconds"),
        ("queues", "Queues"),
        ("kms_key_arn", "KMSKeyArn"),
    ] {
        put(&mut out, to, tf.get(from).cloned());
    }
    for (from, to) in [
        (
            "amazon_managed_kafka_event_source_config",
            "AmazonManagedKafkaEventSourceConfig",
        ),
        (
            "self_managed_kafka_event_source_config",
            "SelfManagedKafkaEventSourceConfig",
        ),
    ] {
        if let Some(b) = block(tf.get(from)) {
            let mut inner = Vec::new();
            put(
                &mut inner,
                "ConsumerGroupId",
                b.get("consumer_group_id").cloned(),
            );
            put(
                &mut inner,
                "SchemaRegistryConfig",
                block(b.get("schema_registry_config")).map(schema_registry),
            );
            if let Some(v) = map(inner, b.span).or_else(|| {
                b.is_map().then(|| V {
                    val: Val::Map(Vec::new()),
                    span: b.span,
                })
            }) {
                out.push((to.to_owned(), v));
            }
        }
    }
    if let Some(b) = block(tf.get("self_managed_event_source")) {
        let servers = b
            .get("endpoints")
            .and_then(|e| e.get("KAFKA_BOOTSTRAP_SERVERS"));
        let endpoints = match servers {
            Some(V {
                val: Val::Scalar(s),
                span,
            }) => Some(V {
                val: Val::List(
                    s.split(',')
                        .map(|x| V {
                            val: Val::Scalar(x.trim().to_owned()),
                            span: *span,
                        })
                        .collect(),
                ),
                span: *span,
            }),
            other => other.cloned(),
        };
        let endpoints = map(
            endpoints
                .map(|e| vec![("KAFKA_BOOTSTRAP_SERVERS".to_owned(), e)])
                .unwrap_or_default(),
            b.span,
        );
        out.push((
            "SelfManagedEventSource".into(),
            V {
                val: Val::Map(
                    endpoints
                        .map(|e| vec![("Endpoints".into(), e)])
                        .unwrap_or_default(),
                ),
                span: b.span,
            },
        ));
    }
    if let Some(sacs) = tf.get("source_access_configuration") {
        let v = match &sacs.val {
            Val::List(items) => V {
                val: Val::List(
                    items
                        .iter()
                        .map(|i| {
                            let mut e = Vec::new();
                            put(&mut e, "Type", i.get("type").cloned());
                            put(&mut e, "URI", i.get("uri").cloned());
                            V {
                                val: Val::Map(e),
                                span: i.span,
                            }
                        })
                        .collect(),
                ),
                span: sacs.span,
            },
            _ => sacs.clone(),
        };
        if !v.items().is_some_and(<[V]>::is_empty) {
            out.push(("SourceAccessConfigurations".into(), v));
        }
    }
    if let Some(pp) = block(tf.get("provisioned_poller_config")) {
        let mut p = Vec::new();
        put(&mut p, "MinimumPollers", pp.get("minimum_pollers").cloned());
        put(&mut p, "MaximumPollers", pp.get("maximum_pollers").cloned());
        put(
            &mut p,
            "PollerGroupName",
            pp.get("poller_group_name").cloned(),
        );
        out.push((
            "ProvisionedPollerConfig".into(),
            V {
                val: Val::Map(p),
                span: pp.span,
            },
        ));
    }
    if let Some(dc) = block(tf.get("destination_config")) {
        let mut d = Vec::new();
        if let Some(of) = block(dc.get("on_failure")) {
            let mut f = Vec::new();
            put(&mut f, "Destination", of.get("destination_arn").cloned());
            put(&mut d, "OnFailure", map(f, of.span));
        }
        if let Some(os) = block(dc.get("on_success")) {
            let mut f = Vec::new();
            put(&mut f, "Destination", os.get("destination_arn").cloned());
            put(&mut d, "OnSuccess", map(f, os.span));
        }
        put(&mut out, "DestinationConfig", map(d, dc.span));
    }
    V {
        val: Val::Map(out),
        span: tf.span,
    }
}

/// `schema_registry_config` in the API's names.
fn schema_registry(b: &V) -> V {
    let mut s = Vec::new();
    put(
        &mut s,
        "SchemaRegistryURI",
        b.get("schema_registry_uri").cloned(),
    );
    put(
        &mut s,
        "EventRecordFormat",
        b.get("event_record_format").cloned(),
    );
    let list = |key: &str, fields: &[(&str, &str)]| {
        b.get(key).map(|l| match &l.val {
            Val::List(items) => V {
                val: Val::List(
                    items
                        .iter()
                        .map(|i| {
                            let mut e = Vec::new();
                            for (from, to) in fields {
                                put(&mut e, to, i.get(from).cloned());
                            }
                            V {
                                val: Val::Map(e),
                                span: i.span,
                            }
                        })
                        .collect(),
                ),
                span: l.span,
            },
            _ => l.clone(),
        })
    };
    put(
        &mut s,
        "AccessConfigs",
        list("access_config", &[("type", "Type"), ("uri", "URI")]),
    );
    put(
        &mut s,
        "SchemaValidationConfigs",
        list("schema_validation_config", &[("attribute", "Attribute")]),
    );
    V {
        val: Val::Map(s),
        span: b.span,
    }
}

/// `module.a.module.b` and `type.name` of an address (index removed).
fn split_address(address: &str) -> (String, String) {
    let base = match address.rfind('[') {
        Some(i) if address.ends_with(']') => &address[..i],
        _ => address,
    };
    let parts: Vec<&str> = base.split('.').collect();
    if parts.len() < 2 {
        return (String::new(), base.to_owned());
    }
    let (module, local) = parts.split_at(parts.len() - 2);
    (module.join("."), local.join("."))
}

/// The `configuration` entry of a resource.
fn config_resource<'a>(root: &'a Node, address: &str) -> Option<&'a Node> {
    let (module, local) = split_address(address);
    let mut m = root.get("configuration")?.get("root_module")?;
    let mut parts = module.split('.').filter(|p| !p.is_empty());
    while let Some(kw) = parts.next() {
        if kw != "module" {
            return None;
        }
        m = m.get("module_calls")?.get(parts.next()?)?.get("module")?;
    }
    m.get("resources")?
        .items()?
        .iter()
        .find(|r| r.get("address").and_then(Node::as_str) == Some(local.as_str()))
}

/// The resource addresses an expression references (`aws_x.y`, in the same module).
fn references(expr: Option<&Node>, module: &str) -> Vec<String> {
    expr.and_then(|e| e.get("references"))
        .and_then(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .filter(|r| r.starts_with("aws_"))
        .map(|r| {
            let local: Vec<&str> = r.split('.').take(2).collect();
            let local = local.join(".");
            if module.is_empty() {
                local
            } else {
                format!("{module}.{local}")
            }
        })
        .collect()
}

fn find<'c, 'a>(changes: &'c [Change<'a>], address: &str) -> Option<&'c Change<'a>> {
    changes.iter().find(|c| {
        c.address == address
            || split_address(c.address) == split_address(address) && c.address.starts_with(address)
    })
}

pub(super) fn read(root: &Node, file: usize, r: &mut Read) {
    let all = changes(root);
    for c in all
        .iter()
        .filter(|c| c.ty == "aws_lambda_event_source_mapping")
    {
        let Some(tf) = value(c.after, c.after_unknown, c.span) else {
            continue;
        };
        let props = to_api(&tf);
        let is_kafka = props.get("Topics").is_some()
            || props.get("SelfManagedEventSource").is_some()
            || props
                .get("EventSourceArn")
                .and_then(V::as_str)
                .is_some_and(|a| a.contains(":kafka:"));
        if !is_kafka {
            continue;
        }
        let (module, _) = split_address(c.address);
        let config = config_resource(root, c.address);
        let expr = |k: &str| {
            config
                .and_then(|x| x.get("expressions"))
                .and_then(|e| e.get(k))
        };
        // The function: by reference, else by name.
        let function = references(expr("function_name"), &module)
            .iter()
            .find_map(|a| find(&all, a).filter(|f| f.ty == "aws_lambda_function"))
            .or_else(|| {
                let name = props.get("FunctionName")?.as_str()?;
                all.iter().find(|f| {
                    f.ty == "aws_lambda_function"
                        && f.after.is_some_and(|a| {
                            a.get("function_name").and_then(Node::as_str) == Some(name)
                                || a.get("arn").and_then(Node::as_str) == Some(name)
                        })
                })
            });
        let function_timeout = function.and_then(|f| {
            let t = f.after?.get("timeout")?;
            Some(plain(t))
        });
        let mut secrets = Vec::new();
        let sac_exprs = expr("source_access_configuration")
            .and_then(Node::items)
            .unwrap_or_default();
        for (i, (_, uri)) in {
            let m = Mapping {
                name: String::new(),
                resource: String::new(),
                file,
                span: c.span,
                json_path: None,
                dialect: Dialect::TerraformPlan,
                props: props.clone(),
                function_timeout: None,
                secrets: Vec::new(),
                conditional: None,
                cluster: None,
                iam: None,
            };
            m.access_configs()
                .into_iter()
                .map(|(t, u)| (t.cloned(), u.cloned()))
                .collect::<Vec<_>>()
        }
        .into_iter()
        .enumerate()
        {
            let by_ref = sac_exprs
                .get(i)
                .map(|e| references(e.get("uri"), &module))
                .unwrap_or_default();
            let secret = by_ref
                .iter()
                .find_map(|a| find(&all, a).filter(|s| s.ty == "aws_secretsmanager_secret"))
                .or_else(|| {
                    let arn = uri.as_ref()?.as_str()?.to_owned();
                    all.iter().find(|s| {
                        s.ty == "aws_secretsmanager_secret"
                            && s.after.and_then(|a| a.get("arn")).and_then(Node::as_str)
                                == Some(arn.as_str())
                    })
                });
            if let Some(s) = secret {
                let get = |k: &str| {
                    s.after
                        .and_then(|a| a.get(k))
                        .map(plain)
                        .filter(|v| !matches!(v.val, Val::Null))
                };
                secrets.push(SecretInfo {
                    access_index: i,
                    resource: s.address.to_owned(),
                    declared_at: (file, s.span),
                    name: get("name").or_else(|| get("name_prefix")),
                    kms_key: get("kms_key_id"),
                    secret_string: None,
                    generated: false,
                });
            }
        }
        let cluster = references(expr("event_source_arn"), &module)
            .iter()
            .find_map(|a| {
                find(&all, a)
                    .filter(|x| matches!(x.ty, "aws_msk_cluster" | "aws_msk_serverless_cluster"))
            })
            .or_else(|| {
                let arn = props.get("EventSourceArn")?.as_str()?.to_owned();
                all.iter().find(|x| {
                    matches!(x.ty, "aws_msk_cluster" | "aws_msk_serverless_cluster")
                        && x.after.and_then(|a| a.get("arn")).and_then(Node::as_str)
                            == Some(arn.as_str())
                })
            })
            .map(|x| cluster_info(x, file));
        let mapping_iam = iam::mapping_iam(root, &all, function, c, &props, file);
        r.mappings.push(Mapping {
            name: c.address.to_owned(),
            resource: c.address.to_owned(),
            file,
            span: c.span,
            json_path: Some(format!("/resource_changes/{}", c.index)),
            dialect: Dialect::TerraformPlan,
            props,
            function_timeout,
            secrets,
            conditional: None,
            cluster,
            iam: Some(Box::new(mapping_iam)),
        });
    }
    infra::read(root, &all, file, &mut r.infra);
}

/// `client_authentication` of an `aws_msk_cluster` in CloudFormation's shape.
fn cluster_info(c: &Change<'_>, file: usize) -> ClusterInfo {
    let serverless = c.ty == "aws_msk_serverless_cluster";
    let tf = value(c.after, c.after_unknown, c.span);
    let ca = tf
        .as_ref()
        .and_then(|t| block(t.get("client_authentication")));
    let client_authentication = ca.map(|ca| {
        let flag = |v: Option<&V>| {
            v.cloned().map(|v| {
                let span = v.span;
                V {
                    val: Val::Map(vec![("Enabled".into(), v)]),
                    span,
                }
            })
        };
        let mut out: Vec<(String, V)> = Vec::new();
        if let Some(sasl) = block(ca.get("sasl")) {
            let mut s = Vec::new();
            put(&mut s, "Scram", flag(sasl.get("scram")));
            // Serverless: `sasl { iam { enabled = true } }`.
            let iam = sasl.get("iam").and_then(|i| {
                if i.is_map() || i.items().is_some() {
                    block(Some(i)).and_then(|b| b.get("enabled"))
                } else {
                    Some(i)
                }
            });
            put(&mut s, "Iam", flag(iam));
            put(&mut out, "Sasl", map(s, sasl.span));
        }
        if let Some(tls) = block(ca.get("tls")) {
            let mut t = vec![(
                "Enabled".to_owned(),
                V {
                    val: Val::Scalar("true".into()),
                    span: tls.span,
                },
            )];
            put(
                &mut t,
                "CertificateAuthorityArnList",
                tls.get("certificate_authority_arns").cloned(),
            );
            put(&mut out, "Tls", map(t, tls.span));
        }
        put(&mut out, "Unauthenticated", flag(ca.get("unauthenticated")));
        V {
            val: Val::Map(out),
            span: ca.span,
        }
    });
    let client_broker = tf.as_ref().and_then(|t| {
        block(block(t.get("encryption_info"))?.get("encryption_in_transit"))?
            .get("client_broker")
            .cloned()
    });
    ClusterInfo {
        resource: c.address.to_owned(),
        declared_at: (file, c.span),
        serverless,
        client_authentication,
        client_broker,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_addresses() {
        assert_eq!(
            split_address("module.a.aws_lambda_event_source_mapping.this[\"x.y\"]"),
            (
                "module.a".into(),
                "aws_lambda_event_source_mapping.this".into()
            )
        );
        assert_eq!(
            split_address("aws_msk_cluster.c"),
            (String::new(), "aws_msk_cluster.c".into())
        );
    }
}
