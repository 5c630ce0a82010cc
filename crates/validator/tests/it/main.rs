//! Integration tests of mskgate-validator: every rule's fixture pair, the real-world artifacts,
//! the registry, SARIF structure, redaction and "never panics" properties.

mod fixtures;
mod iam;
mod properties;
mod real_world;
mod registry;
mod sarif;

use std::path::{Path, PathBuf};

use mskgate_validator::input::{SourceFile, discover};
use mskgate_validator::{Options, Report, validate};
use time::macros::datetime;

/// The repository root.
pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Options judging at a fixed instant.
pub(crate) fn options() -> Options {
    Options::at(datetime!(2026-06-01 0:00 UTC))
}

/// Validates files (relative to the repository root) with `opts`.
pub(crate) fn run(paths: &[&Path], opts: &Options) -> Report {
    let base = repo();
    let paths: Vec<PathBuf> = paths.iter().map(|p| base.join(p)).collect();
    let files = discover(&paths, Some(&base)).expect("read fixtures");
    validate(files, opts)
}

/// Validates one text.
pub(crate) fn run_text(name: &str, text: &str) -> Report {
    validate(vec![SourceFile::new(name, text)], &options())
}

/// Compares `actual` with `tests/snapshots/<name>`; `UPDATE_SNAPSHOTS=1` rewrites it.
pub(crate) fn snapshot(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}; run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    assert_eq!(
        actual, expected,
        "snapshot {name} differs; run with UPDATE_SNAPSHOTS=1 if intended"
    );
}
