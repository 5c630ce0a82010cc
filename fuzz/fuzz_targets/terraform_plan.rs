//! Any bytes as `terraform show -json` output: the Terraform-plan reader, the rules and the
//! renderers never panic. The bytes are read twice: as the whole plan (mutations of real plans),
//! and spliced in as the `after` value of an `aws_lambda_event_source_mapping` change, so that
//! almost every input reaches the plan reader's value walk. A file that starts like a plan is
//! always recognised as one (or as a template, if the input injected `Resources`), or reported
//! as malformed — never silently ignored.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mskgate_fuzz::check_report;
use mskgate_validator::input::Format;

const HEAD: &str = r#"{"format_version":"1.2","resource_changes":[{"address":"aws_lambda_event_source_mapping.f","mode":"managed","type":"aws_lambda_event_source_mapping","change":{"actions":["create"],"after":"#;
const TAIL: &str = r#","after_unknown":{"uuid":true}}}]}"#;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check_report("plan.json", text.clone().into_owned());
    let report = check_report("plan.json", format!("{HEAD}{text}{TAIL}"));
    let format = report.files[0].format;
    let malformed = report.diagnostics.iter().any(|d| d.rule.code == "ESM026");
    assert!(
        matches!(format, Some(Format::TerraformPlan | Format::CloudFormation)) || malformed,
        "a plan-shaped file was neither read nor reported: {format:?}"
    );
});
