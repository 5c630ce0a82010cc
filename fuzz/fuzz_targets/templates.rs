//! Any bytes as a deploy artifact (YAML and JSON readers, the CloudFormation evaluator, the
//! Terraform-plan and ESM readers, every rule and renderer): nothing panics, and the summary
//! counts what the findings say. Each execution reads the bytes under one of three file names
//! (`.yaml`, `.json`, or `.template`, which is sniffed), picked by the input's length so that no
//! byte of a real template is spent on the choice; mutations change lengths, so every input is
//! soon read all three ways.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mskgate_fuzz::check_report;

fuzz_target!(|data: &[u8]| {
    let name = ["t.yaml", "t.json", "t.template"][data.len() % 3];
    check_report(name, String::from_utf8_lossy(data).into_owned());
});
