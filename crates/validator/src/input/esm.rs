//! Lambda API JSON (`aws lambda get-event-source-mapping`, `create-event-source-mapping
//! --cli-input-json`, `list-event-source-mappings`) and mskgate's runtime configuration, whose
//! `source` is the same shape.

use super::tree::{Node, NodeKind};
use super::{PropertySet, Read, is_esm_shape, unknown_properties};
use crate::model::{Dialect, Mapping, V, Val};

/// A JSON node as a value: no intrinsics, `null` is absent.
pub(super) fn plain(node: &Node) -> V {
    let val = match &node.kind {
        NodeKind::Scalar { text, plain } => {
            if *plain && text == "null" {
                Val::Null
            } else {
                Val::Scalar(text.clone())
            }
        }
        NodeKind::Seq(items) => Val::List(items.iter().map(plain).collect()),
        NodeKind::Map(entries) => Val::Map(
            entries
                .iter()
                .map(|e| (e.key.clone(), plain(&e.value)))
                .collect(),
        ),
    };
    V {
        val,
        span: node.span,
    }
}

fn mapping(node: &Node, file: usize, name: String, json_path: String, dialect: Dialect) -> Mapping {
    Mapping {
        resource: name.clone(),
        name,
        file,
        span: node.span,
        json_path: Some(json_path),
        dialect,
        props: plain(node),
        function_timeout: None,
        secrets: Vec::new(),
        conditional: None,
        cluster: None,
        iam: None,
    }
}

fn describe(node: &Node, display: &str) -> String {
    node.get("UUID")
        .and_then(Node::as_str)
        .map_or_else(|| display.to_owned(), str::to_owned)
}

pub(super) fn read_api(root: &Node, file: usize, display: &str, r: &mut Read) {
    if is_esm_shape(root) {
        unknown_properties(root, PropertySet::Api, file, display, r);
        r.mappings.push(mapping(
            root,
            file,
            describe(root, display),
            String::new(),
            Dialect::EsmApi,
        ));
        return;
    }
    if let Some(items) = root.get("EventSourceMappings").and_then(Node::items) {
        for (i, item) in items.iter().enumerate().filter(|(_, n)| is_esm_shape(n)) {
            unknown_properties(item, PropertySet::Api, file, display, r);
            r.mappings.push(mapping(
                item,
                file,
                describe(item, &format!("{display}#{i}")),
                format!("/EventSourceMappings/{i}"),
                Dialect::EsmApi,
            ));
        }
    }
}

pub(super) fn read_config(root: &Node, file: usize, display: &str, r: &mut Read) {
    if let Some(source) = root.get("source") {
        unknown_properties(source, PropertySet::Api, file, display, r);
        r.mappings.push(mapping(
            source,
            file,
            format!("{display}#source"),
            "/source".into(),
            Dialect::MskgateConfig,
        ));
    }
}
