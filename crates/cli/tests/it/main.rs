//! End-to-end tests of the `mskgate` binary: exit codes, output contracts, no leaks.

mod canary;
mod policy;
mod probe;
mod run;
mod secret_inspect;
mod token;
mod validate;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn mskgate(args: &[&str]) -> Output {
    mskgate_with_stdin(args, None)
}

pub(crate) fn mskgate_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Output {
    run(args, stdin, &[])
}

/// Runs mskgate with extra environment variables.
pub(crate) fn mskgate_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    run(args, None, env)
}

fn run(args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_mskgate"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(repo())
        .env_remove("NO_COLOR")
        .env_remove("MSKGATE_LOG")
        .env("COLUMNS", "100")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mskgate");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
    }
    child.wait_with_output().expect("wait")
}

pub(crate) fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
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
