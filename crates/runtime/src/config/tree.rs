//! A walk over the parsed document (JSON, YAML and TOML all become a `serde_json::Value`) that
//! knows where it is: every accessor takes a key and reports errors with the full key path
//! (`source.BatchSize`), and [`Obj::check_keys`] refuses keys nobody reads, with the known keys
//! closest to the one written ("did you mean").

use serde_json::{Map, Value};

use super::ConfigError;

/// The walk's context: the file's display name, for errors.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ctx<'a> {
    pub(super) file: &'a str,
}

impl Ctx<'_> {
    pub(super) fn invalid(
        &self,
        path: &str,
        problem: impl Into<String>,
        help: impl Into<String>,
    ) -> ConfigError {
        ConfigError::Invalid {
            file: self.file.to_owned(),
            path: path.to_owned(),
            problem: problem.into(),
            help: help.into(),
        }
    }
}

/// One JSON object at a key path.
#[derive(Clone, Copy, Debug)]
pub(super) struct Obj<'a> {
    pub(super) ctx: Ctx<'a>,
    pub(super) path: &'a str,
    pub(super) map: &'a Map<String, Value>,
}

/// `parent.key`, or `key` at the top.
pub(super) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// What a value is, for "expected a number, found a string".
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

impl<'a> Obj<'a> {
    /// The object at `value`, or an error saying it must be one.
    pub(super) fn new(ctx: Ctx<'a>, path: &'a str, value: &'a Value) -> Result<Self, ConfigError> {
        match value {
            Value::Object(map) => Ok(Self { ctx, path, map }),
            other => Err(ctx.invalid(
                if path.is_empty() { "(top level)" } else { path },
                format!("expected an object, found {}", kind(other)),
                "write a JSON object / YAML mapping / TOML table here",
            )),
        }
    }

    /// Refuses every key not in `known` (nor in `ignored`, keys accepted and not used).
    pub(super) fn check_keys(&self, known: &[&str], ignored: &[&str]) -> Result<(), ConfigError> {
        for key in self.map.keys() {
            if known.contains(&key.as_str()) || ignored.contains(&key.as_str()) {
                continue;
            }
            let mut suggestions = closest(key, known);
            suggestions.truncate(3);
            return Err(ConfigError::UnknownKey {
                file: self.ctx.file.to_owned(),
                path: join(self.path, key),
                key: key.clone(),
                suggestions,
                known: known.iter().map(|k| (*k).to_owned()).collect(),
            });
        }
        Ok(())
    }

    /// The value at `key`; `null` counts as absent.
    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub(super) fn path_of(&self, key: &str) -> String {
        join(self.path, key)
    }

    pub(super) fn wrong_type(&self, key: &str, expected: &str, found: &Value) -> ConfigError {
        self.ctx.invalid(
            &self.path_of(key),
            format!("expected {expected}, found {}", kind(found)),
            format!("write {expected}"),
        )
    }

    pub(super) fn str(&self, key: &str) -> Result<Option<&'a str>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong_type(key, "a string", other)),
        }
    }

    pub(super) fn bool(&self, key: &str) -> Result<Option<bool>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.wrong_type(key, "true or false", other)),
        }
    }

    /// An integer in `min..=max`; `range` says the allowed values in words for the error.
    pub(super) fn int(
        &self,
        key: &str,
        min: i64,
        max: i64,
        range: &str,
    ) -> Result<Option<i64>, ConfigError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let Some(n) = value.as_i64() else {
            return Err(match value {
                Value::Number(n) => self.ctx.invalid(
                    &self.path_of(key),
                    format!("{n} is not a whole number in range"),
                    format!("use a whole number, {range}"),
                ),
                other => self.wrong_type(key, "a whole number", other),
            });
        };
        if n < min || n > max {
            return Err(self.ctx.invalid(
                &self.path_of(key),
                format!("{n} is out of range"),
                format!("use {range}"),
            ));
        }
        Ok(Some(n))
    }

    pub(super) fn obj(&self, key: &str, path: &'a str) -> Result<Option<Obj<'a>>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(value) => Obj::new(self.ctx, path, value).map(Some),
        }
    }

    pub(super) fn list(&self, key: &str) -> Result<Option<&'a [Value]>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(other) => Err(self.wrong_type(key, "a list", other)),
        }
    }

    /// A list of strings.
    pub(super) fn strings(&self, key: &str) -> Result<Option<Vec<&'a str>>, ConfigError> {
        let Some(items) = self.list(key)? else {
            return Ok(None);
        };
        let path = self.path_of(key);
        items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.as_str()),
                other => Err(self.ctx.invalid(
                    &format!("{path}[{i}]"),
                    format!("expected a string, found {}", kind(other)),
                    "write each item as a string",
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

/// Known keys within edit distance 3 (or equal ignoring case and `_`), closest first.
pub(super) fn closest(key: &str, known: &[&str]) -> Vec<String> {
    let norm = |s: &str| s.to_ascii_lowercase().replace(['_', '-', '.'], "");
    let key_norm = norm(key);
    let mut scored: Vec<(usize, &str)> = known
        .iter()
        .filter_map(|k| {
            let k_norm = norm(k);
            let d = if k_norm == key_norm {
                0
            } else if key_norm.len() >= 4
                && (k_norm.starts_with(&key_norm) || key_norm.starts_with(&k_norm))
            {
                1
            } else {
                edit_distance(&k.to_ascii_lowercase(), &key.to_ascii_lowercase())
            };
            (d <= 3.max(key.len() / 4)).then_some((d, *k))
        })
        .collect();
    scored.sort();
    scored.into_iter().map(|(_, k)| k.to_owned()).collect()
}

/// Levenshtein distance over chars (inputs are short: keys of a config file; bounded by the
/// caller to 200 chars so a hostile key cannot make this quadratic in a large input).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(200).collect();
    let b: Vec<char> = b.chars().take(200).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            let next = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
            cur.push(next);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_first() {
        let known = ["BatchSize", "BisectBatchOnFunctionError", "Topics"];
        assert_eq!(closest("BatchSzie", &known), vec!["BatchSize".to_owned()]);
        assert_eq!(closest("batch_size", &known), vec!["BatchSize".to_owned()]);
        assert!(closest("zzzzzzzz", &known).is_empty());
        assert_eq!(
            closest("timeout", &["command", "timeout_seconds"]),
            vec!["timeout_seconds".to_owned()]
        );
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
