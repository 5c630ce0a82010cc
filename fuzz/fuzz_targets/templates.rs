//! Any bytes as a deploy artifact (YAML and JSON readers, the CloudFormation evaluator, the
//! Terraform-plan and ESM readers, every rule and renderer): nothing panics, and the summary
//! counts what the findings say.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mskgate_validator::diag::render;
use mskgate_validator::input::SourceFile;
use mskgate_validator::{Options, validate};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    for name in ["t.yaml", "t.json", "t.template"] {
        let report = validate(
            vec![SourceFile::new(name, text.clone())],
            &Options::at(time::OffsetDateTime::UNIX_EPOCH),
        );
        let errors = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == mskgate_auth::Severity::Error)
            .count();
        assert_eq!(errors, report.summary.errors);
        let _ = render::text(&report, true);
        let _ = render::json(&report);
        let _ = render::sarif(&report);
    }
});
