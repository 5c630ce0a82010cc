//! Checks shared by the fuzz targets in `fuzz_targets/`.

use mskgate_validator::diag::render;
use mskgate_validator::input::SourceFile;
use mskgate_validator::{Options, Report, validate};

/// Validates `text` as the file `name` and renders the report every way: nothing panics, the
/// summary counts the error findings, the JSON report serializes, and SARIF has one result per
/// finding with a file. Only the SARIF results are serialized: the rule catalogue around them is
/// fixed (and checked by the validator's tests), and serializing every rule on every execution
/// would cost most of the run.
pub fn check_report(name: &str, text: String) -> Report {
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
    let sarif = render::sarif(&report);
    let located = report
        .diagnostics
        .iter()
        .filter(|d| d.location.file.and_then(|i| report.files.get(i)).is_some())
        .count();
    assert_eq!(sarif.results().len(), located);
    serde_json::to_vec(sarif.results()).expect("the SARIF results serialize");
    report
}
