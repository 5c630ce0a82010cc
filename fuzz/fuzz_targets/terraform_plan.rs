//! Any bytes as `terraform show -json` output: the Terraform-plan reader, the rules and the
//! renderers never panic. The bytes are read twice: as the whole plan (mutations of real plans),
//! and spliced in as the `after` value of an `aws_lambda_event_source_mapping` change, so that
//! almost every input reaches the plan reader's value walk. A file that starts like a plan is
//! always recognised as one (or as a template, if the input injected `Resources`), or reported
//! as malformed — never silently ignored.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mskgate_validator::diag::render;
use mskgate_validator::input::{Format, SourceFile};
use mskgate_validator::{Options, Report, validate};

const HEAD: &str = r#"{"format_version":"1.2","resource_changes":[{"address":"aws_lambda_event_source_mapping.f","mode":"managed","type":"aws_lambda_event_source_mapping","change":{"actions":["create"],"after":"#;
const TAIL: &str = r#","after_unknown":{"uuid":true}}}]}"#;

fn check(text: String) -> Report {
    let report = validate(
        vec![SourceFile::new("plan.json", text)],
        &Options::at(time::OffsetDateTime::UNIX_EPOCH),
    );
    let errors = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == mskgate_auth::Severity::Error)
        .count();
    assert_eq!(errors, report.summary.errors);
    let _ = render::text(&report, true);
    serde_json::to_vec(&render::json(&report)).expect("the JSON report serializes");
    // The results: the rule catalogue around them is fixed (and checked by the validator's
    // tests); serializing every rule on every execution would cost most of the run.
    let sarif = render::sarif(&report);
    assert_eq!(
        sarif.results().len(),
        report
            .diagnostics
            .iter()
            .filter(|d| d.location.file.and_then(|i| report.files.get(i)).is_some())
            .count()
    );
    serde_json::to_vec(sarif.results()).expect("the SARIF results serialize");
    report
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check(text.clone().into_owned());
    let report = check(format!("{HEAD}{text}{TAIL}"));
    let format = report.files[0].format;
    let malformed = report.diagnostics.iter().any(|d| d.rule.code == "ESM026");
    assert!(
        matches!(format, Some(Format::TerraformPlan | Format::CloudFormation)) || malformed,
        "a plan-shaped file was neither read nor reported: {format:?}"
    );
});
