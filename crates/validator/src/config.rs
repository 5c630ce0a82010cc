//! The validator's configuration file (`mskgate validate --config FILE`), TOML or JSON:
//!
//! ```toml
//! target = "lambda"            # or "runtime"
//! [severity]
//! ESM016 = "deny"              # codes or kebab names; allow | warn | deny
//! cannot-evaluate = "allow"
//! ```
//!
//! Command-line `--deny/--warn/--allow` and `--target` win over the file: apply the file first.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::diag::Level;
use crate::diag::registry::lookup;
use crate::{Error, Options, Target};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    target: Option<String>,
    #[serde(default)]
    severity: BTreeMap<String, String>,
}

/// A parsed configuration file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// `target`, when given.
    pub target: Option<Target>,
    /// `[severity]`: rule code → level, in file order of codes.
    pub severity: Vec<(&'static str, Level)>,
}

impl Config {
    /// Reads `text`; JSON when it starts with `{` or `path` ends in `.json`, TOML otherwise.
    /// `path` only names the file in errors.
    pub fn parse(path: &str, text: &str) -> Result<Self, Error> {
        let err = |message: String| Error::Config {
            path: path.to_owned(),
            message,
        };
        let json =
            path.to_ascii_lowercase().ends_with(".json") || text.trim_start().starts_with('{');
        let raw: Raw = if json {
            serde_json::from_str(text)
                .map_err(|e| err(format!("not a valid configuration (JSON): {e}")))?
        } else {
            toml::from_str(text).map_err(|e| {
                err(format!(
                    "not a valid configuration (TOML): {}",
                    e.to_string().trim_end()
                ))
            })?
        };
        let target = match raw.target.as_deref() {
            None => None,
            Some("lambda") => Some(Target::Lambda),
            Some("runtime") => Some(Target::Runtime),
            Some(other) => {
                return Err(err(format!(
                    "`target = \"{other}\"`: use \"lambda\" or \"runtime\""
                )));
            }
        };
        let mut severity = Vec::new();
        for (rule, level) in raw.severity {
            let code = lookup(&rule).ok_or_else(|| {
                err(format!(
                    "[severity] names `{rule}`, which is no rule; `mskgate rules` lists the codes and names"
                ))
            })?;
            let level = match level.to_ascii_lowercase().as_str() {
                "allow" | "off" => Level::Allow,
                "warn" | "warning" => Level::Warn,
                "deny" | "error" => Level::Deny,
                _ => {
                    return Err(err(format!(
                        "[severity] {rule} = \"{level}\": use \"allow\", \"warn\" or \"deny\""
                    )));
                }
            };
            severity.push((code.rule.code, level));
        }
        Ok(Self { target, severity })
    }

    /// Sets `opts`' target and overrides from the file. Apply before the command-line flags,
    /// which then win.
    pub fn apply(&self, opts: &mut Options) -> Result<(), Error> {
        if let Some(t) = self.target {
            opts.target = t;
        }
        for (code, level) in &self.severity {
            opts.overrides.set(code, *level)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mskgate_auth::Severity;

    use crate::diag::registry::rules;

    #[test]
    fn reads_toml_and_json_with_codes_and_names() {
        let t = Config::parse(
            "mskgate.toml",
            "target = \"runtime\"\n[severity]\nESM016 = \"deny\"\ncannot-evaluate = \"allow\"\n",
        )
        .expect("toml");
        assert_eq!(t.target, Some(Target::Runtime));
        assert_eq!(
            t.severity,
            vec![("ESM016", Level::Deny), ("ESM027", Level::Allow)]
        );
        let j = Config::parse("c.json", r#"{"severity": {"topics-exactly-one": "warn"}}"#)
            .expect("json");
        assert_eq!(j.target, None);
        assert_eq!(j.severity, vec![("ESM001", Level::Warn)]);
        let mut opts = Options::at(time::OffsetDateTime::UNIX_EPOCH);
        t.apply(&mut opts).expect("apply");
        assert_eq!(opts.target, Target::Runtime);
        assert_eq!(
            opts.overrides
                .apply(&rules::INFINITE_RETRIES, Severity::Warning),
            Some(Severity::Error)
        );
        assert_eq!(
            opts.overrides
                .apply(&rules::CANNOT_EVALUATE, Severity::Info),
            None
        );
    }

    #[test]
    fn names_what_is_wrong() {
        let e = |p: &str, t: &str| Config::parse(p, t).expect_err("error").to_string();
        assert!(
            e("c.toml", "[severity]\nESM999 = \"deny\"\n").contains("`ESM999`, which is no rule")
        );
        assert!(
            e("c.toml", "[severity]\nESM001 = \"loud\"\n")
                .contains("use \"allow\", \"warn\" or \"deny\"")
        );
        assert!(e("c.toml", "target = \"lambada\"\n").contains("\"lambda\" or \"runtime\""));
        assert!(e("c.toml", "[severty]\nESM001 = \"deny\"\n").contains("unknown field"));
        assert!(
            e("c.json", "{\"severity\": ").starts_with("c.json: not a valid configuration (JSON)")
        );
    }
}
