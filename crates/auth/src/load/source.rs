//! Where a secret comes from: a file, an environment variable or Secrets Manager.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use zeroize::{Zeroize, Zeroizing};

use super::credentials::AwsLoader;
use super::options::AwsOptions;
use crate::error::LoadError;
use crate::sensitive::SecretString;

/// The largest secret file mskgate reads (Secrets Manager's own limit is 64 KiB; certificate
/// bundles in files can be larger, but not this large).
pub const MAX_SECRET_FILE_BYTES: u64 = 1024 * 1024;

const EXPECTED: &str =
    "expected file:PATH, env:VAR, sm:NAME or a Secrets Manager ARN (arn:aws:secretsmanager:…)";

/// Where a secret comes from; every mskgate command that takes a secret takes one of these.
///
/// | form | meaning |
/// |---|---|
/// | `file:PATH` | the file's contents, exactly (a trailing newline is kept) |
/// | `env:VAR` | the environment variable's value |
/// | `sm:NAME` | the Secrets Manager secret named `NAME`, in the configured region |
/// | `arn:aws:secretsmanager:<region>:<account>:secret:<name>` | that secret, in the ARN's region |
///
/// A bare string is refused, even when a file of that name exists: a bare word reads equally
/// well as a path and as a secret name (Lambda takes names and ARNs), and guessing by whether a
/// file happens to exist would make the same command mean different things in different
/// directories. The error says which prefix to add.
///
/// `Display` gives back the source (`file:/run/secret.json`, `env:MSK_SECRET`, `sm:name`, the ARN),
/// never the value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretSource {
    /// A file, read whole (at most [`MAX_SECRET_FILE_BYTES`]).
    File(PathBuf),
    /// An environment variable.
    Env(String),
    /// A Secrets Manager secret, by name or ARN.
    SecretsManager(String),
}

impl SecretSource {
    /// Parses `file:PATH`, `env:VAR`, `sm:NAME` or a Secrets Manager ARN. Errors never echo
    /// the input, which might be a secret pasted by mistake.
    pub fn parse(input: &str) -> Result<Self, LoadError> {
        let invalid = |reason: String| LoadError::InvalidSource {
            scheme: scheme(input),
            reason,
        };
        if let Some(path) = input.strip_prefix("file:") {
            if path.is_empty() {
                return Err(invalid("the path after `file:` is empty".to_owned()));
            }
            return Ok(Self::File(PathBuf::from(path)));
        }
        if let Some(var) = input.strip_prefix("env:") {
            if var.is_empty() || var.contains(['=', '\0']) {
                return Err(invalid(
                    "the variable name after `env:` is empty or contains `=` or NUL".to_owned(),
                ));
            }
            return Ok(Self::Env(var.to_owned()));
        }
        if let Some(id) = input.strip_prefix("sm:") {
            if id.starts_with("arn:") {
                secret_arn(id).map_err(invalid)?;
            } else if !is_secret_name(id) {
                return Err(invalid(
                    "a Secrets Manager name has 1 to 512 characters from A-Z a-z 0-9 / _ + = . @ -"
                        .to_owned(),
                ));
            }
            return Ok(Self::SecretsManager(id.to_owned()));
        }
        if input.starts_with("arn:") {
            secret_arn(input).map_err(invalid)?;
            return Ok(Self::SecretsManager(input.to_owned()));
        }
        if scheme(input).is_some() {
            return Err(invalid(format!("unknown scheme; {EXPECTED}")));
        }
        if Path::new(input).is_file() {
            // The input names an existing file, so it is a path, not a value: safe to show.
            return Err(LoadError::InvalidSource {
                scheme: None,
                reason: format!("`{input}` is a file: write file:{input}"),
            });
        }
        Err(invalid(format!(
            "no scheme; {EXPECTED} (for a secret name write sm:NAME)"
        )))
    }

    /// The secret's value: the file's contents, the variable's value or the secret's
    /// `SecretString`. Secrets Manager is called with credentials loaded for `aws` (build an
    /// [`AwsLoader`] and use [`fetch_with`](Self::fetch_with) to fetch several).
    pub async fn fetch(&self, aws: &AwsOptions) -> Result<SecretString, LoadError> {
        let value = match self {
            Self::SecretsManager(id) => AwsLoader::new(aws).await?.secret_string(id).await?,
            Self::File(path) => self.read_file(path).await?,
            Self::Env(var) => self.read_env(var)?,
        };
        self.non_empty(value)
    }

    /// Like [`fetch`](Self::fetch), with an existing loader (its credentials cache is shared).
    pub async fn fetch_with(&self, aws: &AwsLoader) -> Result<SecretString, LoadError> {
        let value = match self {
            Self::SecretsManager(id) => aws.secret_string(id).await?,
            Self::File(path) => self.read_file(path).await?,
            Self::Env(var) => self.read_env(var)?,
        };
        self.non_empty(value)
    }

    async fn read_file(&self, path: &Path) -> Result<SecretString, LoadError> {
        read_limited(path, MAX_SECRET_FILE_BYTES)
            .await
            .map_err(|e| match e {
                ReadError::Io(source) => LoadError::File {
                    path: path.to_path_buf(),
                    source,
                },
                ReadError::TooLarge => LoadError::FileTooLarge {
                    path: path.to_path_buf(),
                    limit: MAX_SECRET_FILE_BYTES,
                },
                ReadError::NotUtf8 => LoadError::NotText {
                    source_name: self.to_string(),
                },
            })
    }

    fn read_env(&self, var: &str) -> Result<SecretString, LoadError> {
        let value = std::env::var_os(var).ok_or_else(|| LoadError::EnvNotSet {
            var: var.to_owned(),
        })?;
        value.into_string().map(SecretString::new).map_err(|value| {
            use std::os::unix::ffi::OsStringExt;
            value.into_vec().zeroize();
            LoadError::NotText {
                source_name: self.to_string(),
            }
        })
    }

    fn non_empty(&self, value: SecretString) -> Result<SecretString, LoadError> {
        if value.is_empty() {
            Err(LoadError::EmptySecret {
                source_name: self.to_string(),
            })
        } else {
            Ok(value)
        }
    }
}

impl FromStr for SecretSource {
    type Err = LoadError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path) => write!(f, "file:{}", path.display()),
            Self::Env(var) => write!(f, "env:{var}"),
            Self::SecretsManager(id) if id.starts_with("arn:") => f.write_str(id),
            Self::SecretsManager(name) => write!(f, "sm:{name}"),
        }
    }
}

/// The part before the first `:`, when it looks like a scheme (short, alphanumeric). Only this
/// much of a bad input is ever shown.
fn scheme(input: &str) -> Option<String> {
    let (scheme, _) = input.split_once(':')?;
    let plausible = (1..=16).contains(&scheme.len())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    plausible.then(|| scheme.to_owned())
}

fn is_secret_name(name: &str) -> bool {
    (1..=512).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c))
}

/// The region of a Secrets Manager ARN, checking its shape:
/// `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>`.
fn secret_arn(arn: &str) -> Result<&str, String> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    if let Some(service) = parts.get(2).filter(|s| **s != "secretsmanager") {
        let shown = (1..=32).contains(&service.len())
            && service
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        return Err(if shown {
            format!("this is an ARN of `{service}`, not of a Secrets Manager secret")
        } else {
            "this is not a Secrets Manager ARN".to_owned()
        });
    }
    let [_, partition, _, region, account, resource, name] = parts[..] else {
        return Err(format!(
            "a Secrets Manager ARN has 7 `:`-separated parts, this one {}",
            parts.len()
        ));
    };
    if !partition.starts_with("aws") {
        return Err(format!("`{partition}` is not an AWS partition"));
    }
    if region.is_empty()
        || !region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err("the ARN's region is missing or malformed".to_owned());
    }
    if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
        return Err("the ARN's account id is not 12 digits".to_owned());
    }
    if resource != "secret" || !is_secret_name(name) {
        return Err("the ARN does not end in secret:<name>".to_owned());
    }
    Ok(region)
}

/// The region of `secret_id` when it is a Secrets Manager ARN.
pub(crate) fn secret_arn_region(secret_id: &str) -> Option<&str> {
    secret_arn(secret_id).ok()
}

pub(crate) enum ReadError {
    Io(std::io::Error),
    TooLarge,
    NotUtf8,
}

/// Reads a whole text file of at most `limit` bytes into zeroizing memory.
pub(crate) fn read_file(path: &Path, limit: u64) -> Result<SecretString, ReadError> {
    use std::io::Read;

    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let expected = file.metadata().map(|m| m.len()).unwrap_or(0).min(limit) as usize;
    // Sized up front: growing a Vec leaves copies of the secret in freed memory.
    let mut bytes = Zeroizing::new(Vec::with_capacity(expected + 1));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge);
    }
    String::from_utf8(std::mem::take(&mut *bytes))
        .map(SecretString::new)
        .map_err(|e| {
            e.into_bytes().zeroize();
            ReadError::NotUtf8
        })
}

/// [`read_file`] off the async runtime's threads (a path can name a slow disk or a FIFO).
pub(crate) async fn read_limited(path: &Path, limit: u64) -> Result<SecretString, ReadError> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || read_file(&path, limit))
        .await
        .map_err(|e| ReadError::Io(std::io::Error::other(e)))?
}

impl ReadError {
    /// As an IO error, for callers that report one.
    pub(crate) fn into_io(self, limit: u64) -> std::io::Error {
        match self {
            ReadError::Io(e) => e,
            ReadError::TooLarge => std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("larger than {limit} bytes"),
            ),
            ReadError::NotUtf8 => {
                std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str =
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_orders-a1B2c3";

    #[test]
    fn parses_every_form_and_displays_it_back() {
        let cases = [
            (
                "file:/run/secrets/msk.json",
                SecretSource::File("/run/secrets/msk.json".into()),
            ),
            (
                "file:relative/s.json",
                SecretSource::File("relative/s.json".into()),
            ),
            ("env:MSK_SECRET", SecretSource::Env("MSK_SECRET".into())),
            (
                "sm:AmazonMSK_orders",
                SecretSource::SecretsManager("AmazonMSK_orders".into()),
            ),
            (
                "sm:team/prod/msk-1",
                SecretSource::SecretsManager("team/prod/msk-1".into()),
            ),
            (ARN, SecretSource::SecretsManager(ARN.into())),
        ];
        for (input, want) in cases {
            let got: SecretSource = input.parse().expect(input);
            assert_eq!(got, want);
            assert_eq!(got.to_string(), input);
        }
        let via_sm: SecretSource = format!("sm:{ARN}").parse().expect("sm:ARN");
        assert_eq!(via_sm, SecretSource::SecretsManager(ARN.into()));
        assert_eq!(via_sm.to_string(), ARN);
    }

    #[test]
    fn arn_regions() {
        assert_eq!(secret_arn_region(ARN), Some("eu-west-1"));
        assert_eq!(
            secret_arn_region("arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x"),
            Some("cn-north-1")
        );
        assert_eq!(secret_arn_region("AmazonMSK_orders"), None);
    }

    #[test]
    fn rejects_bad_sources_without_echoing_them() {
        let canary = r#"{"username":"u","password":"pw-CANARY"}"#;
        let cases = [
            ("", "invalid secret source: no scheme"),
            (canary, "invalid secret source: no scheme"),
            (
                "file:",
                "invalid secret source `file:…`: the path after `file:` is empty",
            ),
            ("env:", "invalid secret source `env:…`: the variable name"),
            (
                "env:A=pw-CANARY",
                "invalid secret source `env:…`: the variable name",
            ),
            (
                "sm:",
                "invalid secret source `sm:…`: a Secrets Manager name",
            ),
            (
                "sm:pw CANARY",
                "invalid secret source `sm:…`: a Secrets Manager name",
            ),
            (
                "s3:bucket/key-CANARY",
                "invalid secret source `s3:…`: unknown scheme",
            ),
            (
                "arn:aws:kms:eu-west-1:123456789012:key/CANARY",
                "invalid secret source `arn:…`: this is an ARN of `kms`",
            ),
            (
                "arn:aws:secretsmanager:eu-west-1:123:secret:CANARY",
                "invalid secret source `arn:…`: the ARN's account id",
            ),
            (
                "arn:aws:secretsmanager:eu-west-1:CANARY",
                "invalid secret source `arn:…`: a Secrets Manager ARN has 7",
            ),
            ("pw-CANARY-no-scheme", "invalid secret source: no scheme"),
        ];
        for (input, want) in cases {
            let err = SecretSource::parse(input).expect_err(input);
            let text = format!("{err} {err:?}");
            assert!(text.starts_with(want), "{input}: {text}");
            assert!(!text.contains("CANARY"), "{input}: {text}");
        }
    }

    #[test]
    fn a_bare_existing_path_gets_a_hint() {
        let err = SecretSource::parse("Cargo.toml")
            .expect_err("bare path")
            .to_string();
        assert_eq!(
            err,
            "invalid secret source: `Cargo.toml` is a file: write file:Cargo.toml"
        );
    }
}
