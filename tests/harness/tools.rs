//! Finding the programs the brokers need: tansu, stunnel, openssl, bash, setsid.

use std::env;
use std::path::{Path, PathBuf};

use crate::HarnessError;

/// The repository root (the parent of `tests/`).
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The install cache of `scripts/install-test-deps.sh`: `$MSKGATE_CACHE`, else `~/.cache/mskgate`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = env::var_os("MSKGATE_CACHE").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from);
    home.join(".cache").join("mskgate")
}

/// The tansu binary: `$MSKGATE_TANSU`, else the install cache (`<cache>/tansu/bin/tansu`), else `tansu` on `PATH`.
///
/// Only existence is checked here; `scripts/broker.sh` checks the version (0.6.0) and the `libsql` feature and
/// says what to do when they are wrong.
pub fn tansu() -> Result<PathBuf, HarnessError> {
    if let Some(path) = env::var_os("MSKGATE_TANSU").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(HarnessError::MissingTool {
                tool: "tansu",
                searched: format!("MSKGATE_TANSU={} does not exist", path.display()),
            })
        };
    }
    let cached = cache_dir().join("tansu").join("bin").join("tansu");
    if cached.is_file() {
        return Ok(cached);
    }
    on_path("tansu").ok_or_else(|| HarnessError::MissingTool {
        tool: "tansu",
        searched: format!("MSKGATE_TANSU unset, no {}, none on PATH", cached.display()),
    })
}

/// A program that must be on `PATH`.
pub fn require(tool: &'static str) -> Result<PathBuf, HarnessError> {
    on_path(tool).ok_or_else(|| HarnessError::MissingTool {
        tool,
        searched: "not on PATH".to_owned(),
    })
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
