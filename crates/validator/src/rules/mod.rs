//! The checks, one module per family. Each reads [`Mapping`]s and reports [`Diagnostic`]s
//! through [`Cx`]; a check that needs a value that is unknown before deploy records that instead
//! of guessing, and those records become one `ESM027 cannot-evaluate` info per value.

mod auth;
mod esm;
mod esm_more;
mod iam;
mod msk;
mod net;
mod port;
mod secret;

use std::collections::BTreeMap;

use mskgate_auth::{Rule, Severity};

use crate::Options;
use crate::diag::registry::{code_of, rules};
use crate::diag::{Diagnostic, Location};
use crate::input::Span;
use crate::model::{Mapping, V};

/// A value some checks could not judge: (what, why, rules skipped, resource).
type Skipped = (String, String, Vec<&'static str>, String);

/// What the checks collect.
pub(crate) struct Cx<'a> {
    pub(crate) opts: &'a Options,
    /// Display names of the files, by index.
    pub(crate) files: &'a [String],
    pub(crate) out: Vec<Diagnostic>,
    /// (file, span, mapping) → what could not be evaluated.
    unknowns: BTreeMap<(usize, Span, String), Skipped>,
}

impl<'a> Cx<'a> {
    fn new(opts: &'a Options, files: &'a [String]) -> Self {
        Self {
            opts,
            files,
            out: Vec::new(),
            unknowns: BTreeMap::new(),
        }
    }

    /// Reports `rule` at its default severity.
    pub(crate) fn report(
        &mut self,
        m: &Mapping,
        rule: &'static Rule,
        span: Option<Span>,
        message: String,
    ) {
        self.report_as(m, rule, rule.default_severity, span, message, None);
    }

    /// Reports `rule` at `severity`, with `help` instead of the rule's.
    pub(crate) fn report_as(
        &mut self,
        m: &Mapping,
        rule: &'static Rule,
        severity: Severity,
        span: Option<Span>,
        message: String,
        help: Option<String>,
    ) {
        self.out.push(Diagnostic {
            rule,
            severity,
            message,
            help: help.unwrap_or_else(|| code_of(rule).map_or("", |c| c.help).to_owned()),
            location: Location {
                file: Some(m.file),
                span: Some(span.unwrap_or(m.span)),
                json_path: m.json_path.clone(),
            },
            resource: Some(m.resource.clone()),
            mapping: Some(m.name.clone()),
        });
    }

    /// Records that `rule` could not judge `what` because `v` is unknown.
    pub(crate) fn unknown(&mut self, m: &Mapping, what: &str, v: &V, rule: &'static Rule) {
        let reason = v.unknown_part().map_or_else(
            || "it is not declared in the validated files".to_owned(),
            |u| u.reason.clone(),
        );
        let e = self
            .unknowns
            .entry((m.file, v.span, m.name.clone()))
            .or_insert_with(|| (what.to_owned(), reason, Vec::new(), m.resource.clone()));
        if !e.2.contains(&rule.code) {
            e.2.push(rule.code);
        }
    }

    fn finish(mut self, mappings: &[Mapping]) -> Vec<Diagnostic> {
        for ((file, span, mapping), (what, reason, codes, resource)) in
            std::mem::take(&mut self.unknowns)
        {
            let json_path = mappings
                .iter()
                .find(|m| m.name == mapping && m.file == file)
                .and_then(|m| m.json_path.clone());
            self.out.push(Diagnostic {
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
                mapping: Some(mapping),
            });
        }
        self.out
    }
}

/// Runs every check over every mapping.
pub(crate) fn check(mappings: &[Mapping], opts: &Options, files: &[String]) -> Vec<Diagnostic> {
    let mut cx = Cx::new(opts, files);
    for m in mappings {
        esm::check(m, &mut cx);
        auth::check(m, &mut cx);
        port::check(m, &mut cx);
        secret::check(m, &mut cx);
        iam::check(m, &mut cx);
    }
    esm::check_all(mappings, &mut cx);
    cx.finish(mappings)
}

/// The checks that need the resources around the mappings (MSK, NET, PRT005, MSK005, SEC009),
/// and those across mappings or of other blocks (ESM018, ESM020, SEC006 for self-managed Kafka).
pub(crate) fn check_infra(
    mappings: &[Mapping],
    infra: &crate::infra::Infra,
    opts: &Options,
    files: &[String],
) -> Vec<Diagnostic> {
    let mut cx = Cx::new(opts, files);
    let mut res = msk::ResourceUnknowns::default();
    msk::check(mappings, infra, &mut cx, &mut res);
    net::check(mappings, infra, &mut cx);
    esm_more::check(mappings, infra, &mut cx);
    let mut out = cx.finish(mappings);
    out.extend(res.finish());
    out
}

/// Authentication types that carry credentials (at most one per mapping).
pub(crate) const AUTH_MECHANISMS: &[&str] = &[
    "BASIC_AUTH",
    "SASL_SCRAM_256_AUTH",
    "SASL_SCRAM_512_AUTH",
    "CLIENT_CERTIFICATE_TLS_AUTH",
];

/// The known `Type`s of a mapping's `SourceAccessConfigurations`, with their entries.
pub(crate) fn access_types(m: &Mapping) -> Vec<(&str, &V, Option<&V>)> {
    m.access_configs()
        .into_iter()
        .filter_map(|(t, u)| t.and_then(|t| Some((t.as_str()?, t, u))))
        .collect()
}
