//! Any bytes as a deploy artifact (YAML and JSON readers, the CloudFormation evaluator, the
//! Terraform-plan and ESM readers, every rule and renderer): nothing panics, and the summary
//! counts what the findings say. Each execution reads the bytes under one of three file names
//! (`.yaml`, `.json`, or `.template`, which is sniffed), picked by the input's length so that no
//! byte of a real template is spent on the choice; mutations change lengths, so every input is
//! soon read all three ways.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mskgate_validator::diag::render;
use mskgate_validator::input::SourceFile;
use mskgate_validator::{Options, validate};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let name = ["t.yaml", "t.json", "t.template"][data.len() % 3];
    let report = validate(
        vec![SourceFile::new(name, text)],
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
});
