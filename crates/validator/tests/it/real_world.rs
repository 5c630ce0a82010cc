//! Real templates and Terraform written by others (`<repo>/../shared/real-world`): every file
//! reads without a panic, and the findings are reviewed and pinned in a snapshot.

use std::path::PathBuf;

use mskgate_validator::diag::render;
use mskgate_validator::input::discover;
use mskgate_validator::validate;

use crate::{options, repo, snapshot};

fn real_world() -> PathBuf {
    let dir = repo().join("../shared/real-world");
    assert!(
        dir.is_dir(),
        "{} is missing: the real-world artifacts are checked out beside the repository (shared/real-world)",
        dir.display()
    );
    dir
}

#[test]
fn every_real_world_artifact_reads_and_the_findings_match_the_snapshot() {
    let base = real_world();
    let paths: Vec<PathBuf> = ["cfn", "sam", "terraform"]
        .iter()
        .map(|d| base.join(d))
        .collect();
    let files = discover(&paths, Some(&base)).expect("read real-world files");
    let names: Vec<String> = files.iter().map(|f| f.display.clone()).collect();
    assert!(
        names.len() >= 30,
        "expected the real-world set, found {names:?}"
    );
    let report = validate(files, &options());
    for f in &report.files {
        if f.display.starts_with("cfn/") || f.display.starts_with("sam/") {
            assert!(f.format.is_some(), "{} was not recognised", f.display);
        }
    }
    let mut out = serde_json::to_string_pretty(&render::json(&report)).expect("json");
    out.push('\n');
    snapshot("real-world.json", &out);
}
