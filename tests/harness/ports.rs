//! `ports.env`, the description of a running broker set written by `scripts/broker.sh start`.

use std::collections::BTreeMap;
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use crate::HarnessError;

/// The `KEY='value'` lines of a `ports.env` file.
#[derive(Clone, Debug)]
pub(crate) struct PortsEnv {
    path: PathBuf,
    values: BTreeMap<String, String>,
}

impl PortsEnv {
    /// Reads and parses `path`.
    pub(crate) fn read(path: &Path) -> Result<Self, HarnessError> {
        let text = fs::read_to_string(path)
            .map_err(|e| HarnessError::io(format!("reading {}", path.display()), e))?;
        Self::parse(path, &text)
    }

    fn parse(path: &Path, text: &str) -> Result<Self, HarnessError> {
        let mut values = BTreeMap::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |message: &str| HarnessError::PortsEnv {
                path: path.to_path_buf(),
                message: format!("line {}: {message}", number + 1),
            };
            let (key, value) = line.split_once('=').ok_or_else(|| bad("no '='"))?;
            let value = value
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .ok_or_else(|| bad("value is not single-quoted"))?;
            values.insert(key.to_owned(), value.to_owned());
        }
        Ok(Self {
            path: path.to_path_buf(),
            values,
        })
    }

    /// A value that must be present.
    pub(crate) fn get(&self, key: &str) -> Result<&str, HarnessError> {
        self.values
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| HarnessError::PortsEnv {
                path: self.path.clone(),
                message: format!("{key} is missing"),
            })
    }

    /// A value that may be absent.
    pub(crate) fn optional(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// A path value that must name an existing file.
    pub(crate) fn file(&self, key: &str) -> Result<PathBuf, HarnessError> {
        let path = PathBuf::from(self.get(key)?);
        if path.is_file() {
            Ok(path)
        } else {
            Err(HarnessError::PortsEnv {
                path: self.path.clone(),
                message: format!("{key}={} does not exist", path.display()),
            })
        }
    }
}

/// `count` distinct free TCP ports on 127.0.0.1: each is bound to port 0 and released once all are chosen, so
/// the kernel never hands out the same one twice.
pub(crate) fn free_ports(count: usize) -> Result<Vec<u16>, HarnessError> {
    let listeners = (0..count)
        .map(|_| TcpListener::bind(("127.0.0.1", 0)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| HarnessError::io("binding 127.0.0.1:0 to pick a free port", e))?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| HarnessError::io("reading a picked port", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_single_quoted_values_and_skips_comments() {
        let env = PortsEnv::parse(Path::new("p"), "# c\n\nA='1:2'\nB=''\n").expect("parses");
        assert_eq!(env.get("A").expect("A"), "1:2");
        assert_eq!(env.get("B").expect("B"), "");
        assert!(env.optional("C").is_none());
        assert!(env.get("C").is_err());
    }

    #[test]
    fn rejects_unquoted_values() {
        let err = PortsEnv::parse(Path::new("p"), "A=1\n").expect_err("unquoted");
        assert_eq!(
            err.to_string(),
            "bad ports file p: line 1: value is not single-quoted"
        );
    }

    #[test]
    fn free_ports_are_distinct() {
        let mut ports = free_ports(9).expect("ports");
        ports.sort_unstable();
        ports.dedup();
        assert_eq!(ports.len(), 9);
    }
}
