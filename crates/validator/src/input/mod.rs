//! Reading deploy artifacts: finding files, telling formats apart by content, and turning each
//! into [`Mapping`]s with source locations.
//!
//! This is the only module that touches the file system ([`discover`]); everything else works
//! on text.

mod cfn;
mod esm;
mod tfplan;
mod tree;

use std::ops::Range;
use std::path::{Path, PathBuf};

pub use tree::{
    Entry, Node, NodeKind, Parsed, Span, SyntaxError, is_sensitive_key, parse_json, parse_yaml,
};

use crate::diag::registry::rules;
use crate::diag::{Diagnostic, Location};
use crate::model::Mapping;
use crate::{Error, Options};

/// What a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// A CloudFormation template (JSON or YAML), SAM included.
    CloudFormation,
    /// `terraform show -json` output.
    TerraformPlan,
    /// Lambda API JSON of one mapping (or `list-event-source-mappings` output).
    EsmJson,
    /// An mskgate runtime configuration (`{"source": {...}, "handler": {...}}`).
    MskgateConfig,
    /// Terraform HCL source, which this version does not evaluate.
    TerraformHcl,
}

impl Format {
    /// A short name for logs and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CloudFormation => "cloudformation",
            Self::TerraformPlan => "terraform-plan",
            Self::EsmJson => "esm-json",
            Self::MskgateConfig => "mskgate-config",
            Self::TerraformHcl => "terraform-hcl",
        }
    }
}

/// A file given to the validator.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as reported (relative to the base directory when below it, `/`-separated).
    pub display: String,
    /// The text.
    pub text: String,
    /// The detected format, `None` until recognised.
    pub format: Option<Format>,
    /// Byte ranges never shown in snippets (values under secret-looking keys).
    pub sensitive: Vec<Range<usize>>,
}

impl SourceFile {
    /// A file from text, for callers that read files themselves.
    pub fn new(display: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            display: display.into(),
            text: text.into(),
            format: None,
            sensitive: Vec::new(),
        }
    }
}

/// Extensions looked at when walking directories.
const EXTENSIONS: &[&str] = &["json", "yaml", "yml", "template", "tf", "tfplan"];
/// Directories never entered.
const SKIP_DIRS: &[&str] = &[".git", "target", "node_modules", ".terraform", ".aws-sam"];
/// Files larger than this are skipped when found in a directory.
const MAX_DISCOVERED_BYTES: u64 = 16 * 1024 * 1024;

/// Reads the files named by `paths`, walking directories (sorted, hidden and build directories
/// skipped). Paths are reported relative to `base` when below it.
pub fn discover(paths: &[PathBuf], base: Option<&Path>) -> Result<Vec<SourceFile>, Error> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| Error::Io {
            path: p.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(p, base, &mut out)?;
        } else {
            let bytes = std::fs::read(p).map_err(|source| Error::Io {
                path: p.clone(),
                source,
            })?;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            out.push(SourceFile::new(display(p, base), text));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, base: Option<&Path>, out: &mut Vec<SourceFile>) -> Result<(), Error> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for e in entries {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if !name.starts_with('.') && !SKIP_DIRS.contains(&name.as_str()) {
                walk(&path, base, out)?;
            }
            continue;
        }
        let ext = path
            .extension()
            .map(|x| x.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if !ft.is_file() || !EXTENSIONS.contains(&ext.as_str()) {
            continue;
        }
        if e.metadata()
            .map_or(true, |m| m.len() > MAX_DISCOVERED_BYTES)
        {
            tracing::debug!(path = %path.display(), "skipped: too large");
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            tracing::debug!(path = %path.display(), "skipped: unreadable");
            continue;
        };
        match String::from_utf8(bytes) {
            Ok(text) => out.push(SourceFile::new(display(&path, base), text)),
            Err(_) => tracing::debug!(path = %path.display(), "skipped: not UTF-8"),
        }
    }
    Ok(())
}

fn display(path: &Path, base: Option<&Path>) -> String {
    let rel = base.and_then(|b| path.strip_prefix(b).ok()).unwrap_or(path);
    let s = rel.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_owned).unwrap_or(s)
}

/// What reading one file produced.
#[derive(Debug, Default)]
pub(crate) struct Read {
    pub(crate) mappings: Vec<Mapping>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Whether the file is a deploy artifact (counted in the summary).
    pub(crate) recognised: bool,
    /// Clusters and network resources (MSK and NET rules).
    pub(crate) infra: crate::infra::Infra,
}

impl Read {
    pub(crate) fn diag(
        &mut self,
        rule: &'static crate::diag::Rule,
        file: usize,
        span: Option<Span>,
        resource: Option<&str>,
        message: String,
        help: impl Into<String>,
    ) {
        self.diagnostics.push(Diagnostic {
            rule,
            severity: rule.default_severity,
            message,
            help: help.into(),
            location: Location {
                file: Some(file),
                span,
                json_path: None,
            },
            resource: resource.map(str::to_owned),
            mapping: None,
        });
    }
}

fn looks_like_json(text: &str) -> bool {
    matches!(
        text.trim_start_matches('\u{feff}')
            .trim_start()
            .chars()
            .next(),
        Some('{' | '[')
    )
}

fn extension(display: &str) -> String {
    Path::new(display)
        .extension()
        .map(|x| x.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Detects the format of `file` and reads its mappings. Unrelated files yield nothing.
pub(crate) fn read(file: &mut SourceFile, index: usize, opts: &Options) -> Read {
    let mut r = Read::default();
    let ext = extension(&file.display);
    if ext == "tf" || (ext != "json" && !looks_like_json(&file.text) && looks_like_hcl(&file.text))
    {
        if file.text.contains("aws_lambda_event_source_mapping")
            || file.text.contains("aws_msk_cluster")
        {
            file.format = Some(Format::TerraformHcl);
            r.recognised = true;
            r.diag(
                &rules::CANNOT_EVALUATE,
                index,
                None,
                None,
                "Terraform configuration (HCL) is not evaluated; its mappings were not checked".into(),
                "validate the plan instead: `terraform plan -out plan.out && terraform show -json plan.out > plan.json && mskgate validate plan.json`",
            );
        }
        return r;
    }
    let json = looks_like_json(&file.text);
    let parsed = if json {
        parse_json(&file.text)
    } else {
        parse_yaml(file.text.trim_start_matches('\u{feff}'))
    };
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => {
            // Only files that claim to be deploy artifacts are reported as malformed.
            if claims_artifact(&file.text, &ext) {
                r.recognised = true;
                r.diag(
                    &rules::TEMPLATE_MALFORMED,
                    index,
                    Some(e.span),
                    None,
                    format!(
                        "the file is not valid {}: {}",
                        if json { "JSON" } else { "YAML" },
                        e.message
                    ),
                    rules_help(&rules::TEMPLATE_MALFORMED),
                );
            }
            return r;
        }
    };
    let Some(root) = parsed.root else { return r };
    let format = detect(&root);
    let Some(format) = format else {
        tracing::debug!(file = %file.display, "skipped: not a deploy artifact");
        return r;
    };
    file.format = Some(format);
    file.sensitive = parsed.sensitive;
    r.recognised = true;
    for (key, first, again) in parsed.duplicates {
        r.diag(
            &rules::DUPLICATE_KEY,
            index,
            Some(again),
            None,
            format!("the key `{key}` appears twice in one mapping (first on line {}); CloudFormation rejects the template, other readers keep only the last value", first.line),
            rules_help(&rules::DUPLICATE_KEY),
        );
    }
    match format {
        Format::CloudFormation => cfn::read(&root, index, opts, &mut r),
        Format::TerraformPlan => tfplan::read(&root, index, &mut r),
        Format::EsmJson => esm::read_api(&root, index, &file.display, &mut r),
        Format::MskgateConfig => esm::read_config(&root, index, &file.display, &mut r),
        Format::TerraformHcl => {}
    }
    r
}

/// Properties of `AWS::Lambda::EventSourceMapping` (CloudFormation registry schema).
const CFN_PROPERTIES: &[&str] = &[
    "AmazonManagedKafkaEventSourceConfig",
    "BatchSize",
    "BisectBatchOnFunctionError",
    "DestinationConfig",
    "DocumentDBEventSourceConfig",
    "Enabled",
    "EventSourceArn",
    "FilterCriteria",
    "FunctionName",
    "FunctionResponseTypes",
    "KmsKeyArn",
    "LoggingConfig",
    "MaximumBatchingWindowInSeconds",
    "MaximumRecordAgeInSeconds",
    "MaximumRetryAttempts",
    "MetricsConfig",
    "ParallelizationFactor",
    "ProvisionedPollerConfig",
    "Queues",
    "ScalingConfig",
    "SelfManagedEventSource",
    "SelfManagedKafkaEventSourceConfig",
    "SourceAccessConfigurations",
    "StartingPosition",
    "StartingPositionTimestamp",
    "Tags",
    "Topics",
    "TumblingWindowInSeconds",
];

/// Properties of SAM `MSK` / `SelfManagedKafka` events (sam.schema.json).
const SAM_PROPERTIES: &[&str] = &[
    "BatchSize",
    "BisectBatchOnFunctionError",
    "ConsumerGroupId",
    "DestinationConfig",
    "Enabled",
    "FilterCriteria",
    "FunctionResponseTypes",
    "KafkaBootstrapServers",
    "KmsKeyArn",
    "LoggingConfig",
    "MaximumBatchingWindowInSeconds",
    "MaximumRecordAgeInSeconds",
    "MaximumRetryAttempts",
    "MetricsConfig",
    "ProvisionedPollerConfig",
    "SchemaRegistryConfig",
    "SecretsManagerKmsKeyId",
    "SourceAccessConfigurations",
    "StartingPosition",
    "StartingPositionTimestamp",
    "Stream",
    "Topics",
];

/// Members of the Lambda API's mapping (request and `get-event-source-mapping` output).
const API_MEMBERS: &[&str] = &[
    "AmazonManagedKafkaEventSourceConfig",
    "BatchSize",
    "BisectBatchOnFunctionError",
    "DestinationConfig",
    "DocumentDBEventSourceConfig",
    "Enabled",
    "EventSourceArn",
    "EventSourceMappingArn",
    "FilterCriteria",
    "FilterCriteriaError",
    "FunctionArn",
    "FunctionName",
    "FunctionResponseTypes",
    "KMSKeyArn",
    "LastModified",
    "LastProcessingResult",
    "LoggingConfig",
    "MaximumBatchingWindowInSeconds",
    "MaximumRecordAgeInSeconds",
    "MaximumRetryAttempts",
    "MetricsConfig",
    "ParallelizationFactor",
    "ProvisionedPollerConfig",
    "Queues",
    "ScalingConfig",
    "SelfManagedEventSource",
    "SelfManagedKafkaEventSourceConfig",
    "SourceAccessConfigurations",
    "StartingPosition",
    "StartingPositionTimestamp",
    "State",
    "StateTransitionReason",
    "Tags",
    "Topics",
    "TumblingWindowInSeconds",
    "UUID",
];

/// Which property list applies.
#[derive(Clone, Copy, Debug)]
pub(crate) enum PropertySet {
    CloudFormation,
    Sam,
    Api,
}

/// Reports keys of `props` its format does not define (ESM030).
pub(crate) fn unknown_properties(
    props: &Node,
    set: PropertySet,
    file: usize,
    resource: &str,
    r: &mut Read,
) {
    let known = match set {
        PropertySet::CloudFormation => CFN_PROPERTIES,
        PropertySet::Sam => SAM_PROPERTIES,
        PropertySet::Api => API_MEMBERS,
    };
    for e in props.entries().unwrap_or_default() {
        if known.contains(&e.key.as_str()) {
            continue;
        }
        let close = known
            .iter()
            .find(|k| k.eq_ignore_ascii_case(&e.key) || edit_distance(k, &e.key) <= 2);
        r.diag(
            &rules::UNKNOWN_PROPERTY,
            file,
            Some(e.key_span),
            Some(resource),
            match close {
                Some(k) => format!(
                    "`{}` is not a property of this mapping; did you mean `{k}`?",
                    e.key
                ),
                None => format!("`{}` is not a property of this mapping", e.key),
            },
            rules_help(&rules::UNKNOWN_PROPERTY),
        );
    }
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

pub(crate) fn rules_help(rule: &crate::diag::Rule) -> &'static str {
    crate::diag::registry::code_of(rule).map_or("", |c| c.help)
}

fn looks_like_hcl(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with("resource \"")
            || l.starts_with("module \"")
            || l.starts_with("terraform {")
            || l.starts_with("variable \"")
            || l.starts_with("provider \"")
    })
}

fn claims_artifact(text: &str, ext: &str) -> bool {
    [
        "AWSTemplateFormatVersion",
        "Resources",
        "resource_changes",
        "EventSourceArn",
        "SelfManagedEventSource",
        "Transform",
    ]
    .iter()
    .any(|k| text.contains(k))
        || (ext == "template")
}

/// Keys of the Lambda API's event source mapping shape that identify one.
const ESM_KEYS: &[&str] = &[
    "EventSourceArn",
    "SelfManagedEventSource",
    "Topics",
    "AmazonManagedKafkaEventSourceConfig",
    "SelfManagedKafkaEventSourceConfig",
    "SourceAccessConfigurations",
];

pub(crate) fn is_esm_shape(node: &Node) -> bool {
    node.entries()
        .is_some_and(|es| es.iter().any(|e| ESM_KEYS.contains(&e.key.as_str())))
}

fn detect(root: &Node) -> Option<Format> {
    root.entries()?;
    if root.get("Resources").is_some() || root.get("AWSTemplateFormatVersion").is_some() {
        return Some(Format::CloudFormation);
    }
    if root.get("format_version").is_some()
        && (root.get("resource_changes").is_some()
            || root.get("planned_values").is_some()
            || root.get("terraform_version").is_some())
    {
        return Some(Format::TerraformPlan);
    }
    if let Some(source) = root.get("source")
        && is_esm_shape(source)
    {
        return Some(Format::MskgateConfig);
    }
    if is_esm_shape(root)
        || root
            .get("EventSourceMappings")
            .and_then(Node::items)
            .is_some_and(|items| items.iter().any(is_esm_shape))
    {
        return Some(Format::EsmJson);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format_of(name: &str, text: &str) -> Option<Format> {
        let mut f = SourceFile::new(name, text);
        let _ = read(&mut f, 0, &Options::at(time::OffsetDateTime::UNIX_EPOCH));
        f.format
    }

    #[test]
    fn detects_formats_from_content() {
        assert_eq!(
            format_of("t.yaml", "Resources: {}\n"),
            Some(Format::CloudFormation)
        );
        assert_eq!(
            format_of("x", "{\"AWSTemplateFormatVersion\": \"2010-09-09\"}"),
            Some(Format::CloudFormation)
        );
        assert_eq!(
            format_of(
                "p.json",
                r#"{"format_version": "1.2", "resource_changes": []}"#
            ),
            Some(Format::TerraformPlan)
        );
        assert_eq!(
            format_of("e.json", r#"{"Topics": ["a"], "FunctionName": "f"}"#),
            Some(Format::EsmJson)
        );
        assert_eq!(
            format_of("c.json", r#"{"source": {"Topics": ["a"]}, "handler": {}}"#),
            Some(Format::MskgateConfig)
        );
        assert_eq!(
            format_of(
                "event.json",
                r#"{"eventSource": "aws:kafka", "records": {}}"#
            ),
            None
        );
        assert_eq!(format_of("README.md", "# hello\n"), None);
    }
}
