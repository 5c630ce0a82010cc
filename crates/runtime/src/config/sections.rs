//! mskgate's own sections: `secrets`, `bootstrap_servers`, `handler`, `aws`, `tls`, `metrics`,
//! `concurrency`, `logging`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use mskgate_auth::load::SecretSource;
use serde_json::Value;

use super::tree::{Obj, kind};
use super::{
    AuthConfig, AwsSection, ConcurrencyConfig, ConfigError, EventSource, HandlerConfig,
    HandlerKind, LogFormat, LoggingConfig, SourceConfig, TlsConfig,
};

/// The default metrics address.
const METRICS_DEFAULT: &str = "127.0.0.1:9464";

/// `secrets`: SourceAccessConfiguration URI → secret source (`file:` relative to the config's
/// directory).
pub(super) fn secrets(
    top: &Obj<'_>,
    resolve: &dyn Fn(&str) -> PathBuf,
) -> Result<BTreeMap<String, SecretSource>, ConfigError> {
    let Some(map) = top.obj("secrets", "secrets")? else {
        return Ok(BTreeMap::new());
    };
    let mut out = BTreeMap::new();
    for (uri, value) in map.map {
        let path = format!("secrets.{uri}");
        let Value::String(text) = value else {
            return Err(top.ctx.invalid(
                &path,
                format!("expected a string, found {}", kind(value)),
                "write where the secret comes from: \"file:PATH\", \"env:VAR\", \"sm:NAME\" or a Secrets Manager ARN",
            ));
        };
        let source = SecretSource::parse(text).map_err(|e| {
            // The auth crate's message never echoes the input.
            top.ctx.invalid(
                &path,
                e.to_string(),
                "write \"file:PATH\" (relative to this file's directory), \"env:VAR\", \"sm:NAME\" or a Secrets Manager ARN",
            )
        })?;
        let source = match source {
            SecretSource::File(p) => SecretSource::File(resolve(&p.to_string_lossy())),
            other => other,
        };
        out.insert(uri.clone(), source);
    }
    Ok(out)
}

/// Every `secrets` key must be a URI of `SourceAccessConfigurations`: a typo would otherwise
/// silently fall back to Secrets Manager.
pub(super) fn unused_secrets(
    top: &Obj<'_>,
    secrets: &BTreeMap<String, SecretSource>,
    source: &SourceConfig,
) -> Result<(), ConfigError> {
    let used: Vec<&str> = source
        .auth
        .secret()
        .into_iter()
        .chain(source.root_ca.as_ref())
        .map(|s| s.uri.as_str())
        .collect();
    for uri in secrets.keys() {
        if !used.contains(&uri.as_str()) {
            let known: Vec<&str> = used.clone();
            let suggestions = super::tree::closest(uri, &known);
            return Err(top.ctx.invalid(
                &format!("secrets.{uri}"),
                "no SourceAccessConfigurations entry has this URI",
                if suggestions.is_empty() {
                    format!(
                        "each key of `secrets` is the URI of an auth entry of `source.SourceAccessConfigurations`; the URIs are: {}",
                        if used.is_empty() { "(none)".to_owned() } else { used.join(", ") }
                    )
                } else {
                    format!("did you mean `{}`?", suggestions.join("` or `"))
                },
            ));
        }
    }
    Ok(())
}

/// `bootstrap_servers`: MSK only (self-managed brokers are in the source).
pub(super) fn bootstrap_servers(
    top: &Obj<'_>,
    source: &SourceConfig,
) -> Result<Option<Vec<String>>, ConfigError> {
    let Some(servers) = top.strings("bootstrap_servers")? else {
        return Ok(None);
    };
    if let EventSource::SelfManaged { .. } = source.event_source {
        return Err(top.ctx.invalid(
            "bootstrap_servers",
            "set for a self-managed source",
            "remove it: a self-managed source lists its brokers in source.SelfManagedEventSource.Endpoints.KAFKA_BOOTSTRAP_SERVERS (bootstrap_servers is for an MSK EventSourceArn)",
        ));
    }
    super::source::check_servers(top.ctx, "bootstrap_servers", &servers)?;
    Ok(Some(servers.into_iter().map(str::to_owned).collect()))
}

pub(super) fn handler(top: &Obj<'_>, source: &SourceConfig) -> Result<HandlerConfig, ConfigError> {
    let ctx = top.ctx;
    const HELP: &str = "set one of {\"command\": [\"program\", \"arg\"…]}, {\"http\": {\"url\": \"http://…\"}} or {\"lambda\": {\"function_name\": \"…\"}}";
    let Some(h) = top.obj("handler", "handler")? else {
        return Err(ctx.invalid("handler", "missing", HELP));
    };
    h.check_keys(
        &[
            "command",
            "http",
            "lambda",
            "noop",
            "timeout_seconds",
            "name",
        ],
        &[],
    )?;
    let chosen: Vec<&str> = ["command", "http", "lambda", "noop"]
        .into_iter()
        .filter(|k| h.get(k).is_some())
        .collect();
    if chosen.len() != 1 {
        return Err(ctx.invalid(
            "handler",
            if chosen.is_empty() {
                "no handler kind".to_owned()
            } else {
                format!("several handler kinds ({})", chosen.join(", "))
            },
            HELP,
        ));
    }
    let (kind, default_name) = match chosen[0] {
        "noop" => (HandlerKind::Noop, "noop".to_owned()),
        "command" => {
            let argv = h.strings("command")?.unwrap_or_default();
            let Some(program) = argv.first().filter(|p| !p.is_empty()) else {
                return Err(ctx.invalid(
                    "handler.command",
                    "empty",
                    "list the program and its arguments, e.g. [\"python3\", \"handler.py\"]",
                ));
            };
            if argv.iter().any(|a| a.contains('\0')) {
                return Err(ctx.invalid(
                    "handler.command",
                    "an argument contains a NUL character",
                    "remove it",
                ));
            }
            let name = std::path::Path::new(program).file_name().map_or_else(
                || (*program).to_owned(),
                |n| n.to_string_lossy().into_owned(),
            );
            (
                HandlerKind::Command {
                    argv: argv.iter().map(|a| (*a).to_owned()).collect(),
                },
                name,
            )
        }
        "http" => {
            let http = h
                .obj("http", "handler.http")?
                .ok_or_else(|| ctx.invalid("handler.http", "missing", HELP))?;
            http.check_keys(&["url"], &[])?;
            let Some(url) = http.str("url")? else {
                return Err(ctx.invalid(
                    "handler.http.url",
                    "missing",
                    "add \"url\": \"http://127.0.0.1:9000/2015-03-31/functions/function/invocations\" (the Lambda Runtime Interface Emulator's path) or any http(s) URL",
                ));
            };
            let host = http_host(url).ok_or_else(|| {
                ctx.invalid(
                    "handler.http.url",
                    format!("`{url}` is not an http:// or https:// URL with a host"),
                    "write http://host[:port]/path or https://host[:port]/path",
                )
            })?;
            (
                HandlerKind::Http {
                    url: url.to_owned(),
                },
                host,
            )
        }
        _ => {
            let lambda = h
                .obj("lambda", "handler.lambda")?
                .ok_or_else(|| ctx.invalid("handler.lambda", "missing", HELP))?;
            lambda.check_keys(&["function_name", "region", "endpoint_url"], &[])?;
            let function_name = match lambda.str("function_name")? {
                Some(f) if !f.is_empty() => f.to_owned(),
                _ => source.function_name.clone().ok_or_else(|| {
                    ctx.invalid(
                        "handler.lambda.function_name",
                        "missing, and the source has no FunctionName",
                        "add \"function_name\": the function's name or ARN",
                    )
                })?,
            };
            if function_name.len() > 256 || function_name.chars().any(char::is_whitespace) {
                return Err(ctx.invalid(
                    "handler.lambda.function_name",
                    format!("`{function_name}` is not a function name or ARN"),
                    "a function name or ARN has at most 256 characters and no spaces",
                ));
            }
            let region = lambda.str("region")?.map(str::to_owned);
            if let Some(r) = &region {
                check_region(top, "handler.lambda.region", r)?;
            }
            let endpoint_url = lambda.str("endpoint_url")?.map(str::to_owned);
            if let Some(u) = &endpoint_url
                && http_host(u).is_none()
            {
                return Err(ctx.invalid(
                    "handler.lambda.endpoint_url",
                    format!("`{u}` is not an http(s) URL"),
                    "write http://host:port (an emulator) or https://…",
                ));
            }
            let name = function_name
                .rsplit(':')
                .find(|p| !p.is_empty() && *p != "$LATEST")
                .unwrap_or(&function_name)
                .to_owned();
            let name = if function_name.starts_with("arn:") {
                function_name.split(':').nth(6).unwrap_or(&name).to_owned()
            } else {
                name
            };
            (
                HandlerKind::Lambda {
                    function_name,
                    region,
                    endpoint_url,
                },
                name,
            )
        }
    };
    let timeout = h
        .int(
            "timeout_seconds",
            1,
            840,
            "a whole number of seconds from 1 to 840 (default 3, like Lambda; 840 is Lambda's limit for Kafka)",
        )?
        .map_or(3, |n| n.unsigned_abs());
    let name = match h.str("name")? {
        Some(n) if !n.is_empty() => n.to_owned(),
        _ => default_name,
    };
    Ok(HandlerConfig {
        kind,
        timeout: Duration::from_secs(timeout),
        name,
    })
}

/// The host of an http(s) URL, if it is one (with a valid port, if any).
fn http_host(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        let (inside, after) = bracketed.split_once(']')?;
        (format!("[{inside}]"), after.strip_prefix(':'))
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (host_port.to_owned(), None),
        }
    };
    if let Some(p) = port
        && p.parse::<u16>().is_err()
    {
        return None;
    }
    let valid = !host.is_empty() && host != "[]" && !host.contains(char::is_whitespace);
    valid.then_some(host)
}

fn check_region(top: &Obj<'_>, path: &str, region: &str) -> Result<(), ConfigError> {
    let valid = !region.is_empty()
        && region.len() <= 32
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(top.ctx.invalid(
            path,
            format!("`{region}` is not a region name"),
            "write a region such as us-east-1",
        ))
    }
}

pub(super) fn aws(top: &Obj<'_>) -> Result<AwsSection, ConfigError> {
    let Some(aws) = top.obj("aws", "aws")? else {
        return Ok(AwsSection::default());
    };
    aws.check_keys(&["region", "profile", "role_arn", "endpoint_url"], &[])?;
    let region = aws.str("region")?.map(str::to_owned);
    if let Some(r) = &region {
        check_region(top, "aws.region", r)?;
    }
    let endpoint_url = aws.str("endpoint_url")?.map(str::to_owned);
    if let Some(u) = &endpoint_url
        && http_host(u).is_none()
    {
        return Err(top.ctx.invalid(
            "aws.endpoint_url",
            format!("`{u}` is not an http(s) URL"),
            "write http://host:port (an emulator such as moto) or https://…",
        ));
    }
    let role_arn = aws.str("role_arn")?.map(str::to_owned);
    if let Some(arn) = &role_arn
        && !(arn.starts_with("arn:") && arn.contains(":iam::") && arn.contains(":role/"))
    {
        return Err(top.ctx.invalid(
            "aws.role_arn",
            format!("`{arn}` is not an IAM role ARN"),
            "write arn:aws:iam::<account>:role/<name>",
        ));
    }
    Ok(AwsSection {
        region,
        profile: aws.str("profile")?.map(str::to_owned),
        role_arn,
        endpoint_url,
    })
}

pub(super) fn tls(
    top: &Obj<'_>,
    source: &SourceConfig,
    resolve: &dyn Fn(&str) -> PathBuf,
) -> Result<TlsConfig, ConfigError> {
    let ctx = top.ctx;
    let section = top.obj("tls", "tls")?;
    if let Some(t) = &section {
        t.check_keys(&["enabled", "ca_file", "allow_plaintext_sasl"], &[])?;
    }
    let get_bool = |key: &str| section.as_ref().map_or(Ok(None), |t| t.bool(key));
    let ca_file = match section.as_ref().map_or(Ok(None), |t| t.str("ca_file"))? {
        Some("") => {
            return Err(ctx.invalid(
                "tls.ca_file",
                "empty path",
                "write the path of a PEM file, or remove the key",
            ));
        }
        other => other.map(resolve),
    };
    let allow_plaintext_sasl = get_bool("allow_plaintext_sasl")?.unwrap_or(false);
    let msk = matches!(source.event_source, EventSource::Msk { .. });
    let needs_tls = msk
        || !matches!(source.auth, AuthConfig::None)
        || source.root_ca.is_some()
        || ca_file.is_some();
    let enabled = get_bool("enabled")?.unwrap_or(needs_tls);
    if !enabled {
        if let AuthConfig::Mtls { .. } = source.auth {
            return Err(ctx.invalid(
                "tls.enabled",
                "false with CLIENT_CERTIFICATE_TLS_AUTH",
                "mutual TLS is TLS: remove `tls.enabled: false`",
            ));
        }
        if source.auth.is_sasl() && !allow_plaintext_sasl {
            return Err(ctx.invalid(
                "tls.enabled",
                format!("false with {} (SASL over plaintext)", source.auth.name()),
                "Lambda never sends SASL credentials without TLS; remove `tls.enabled: false`, or, for a test broker only, set `tls.allow_plaintext_sasl: true`",
            ));
        }
        if source.root_ca.is_some() || ca_file.is_some() {
            return Err(ctx.invalid(
                "tls.enabled",
                "false with a root CA (SERVER_ROOT_CA_CERTIFICATE or tls.ca_file)",
                "a CA only matters with TLS: remove `tls.enabled: false` or the CA",
            ));
        }
    }
    Ok(TlsConfig {
        enabled,
        ca_file,
        allow_plaintext_sasl,
    })
}

/// `metrics`: absent → the default address; `null`, `"off"`, `{"listen": null}` or
/// `{"listen": "off"}` → disabled.
pub(super) fn metrics(top: &Obj<'_>) -> Result<Option<SocketAddr>, ConfigError> {
    let ctx = top.ctx;
    let listen = match top.map.get("metrics") {
        None => Some(METRICS_DEFAULT.to_owned()),
        Some(Value::Null) => None,
        Some(Value::String(s)) if s == "off" => None,
        Some(value @ Value::Object(_)) => {
            let m = Obj::new(ctx, "metrics", value)?;
            m.check_keys(&["listen"], &[])?;
            match m.map.get("listen") {
                None => Some(METRICS_DEFAULT.to_owned()),
                Some(Value::Null) => None,
                Some(Value::String(s)) if s == "off" => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => return Err(m.wrong_type("listen", "a string", other)),
            }
        }
        Some(other) => {
            return Err(ctx.invalid(
                "metrics",
                format!("expected an object, \"off\" or null, found {}", kind(other)),
                "write {\"listen\": \"127.0.0.1:9464\"}, or \"off\"",
            ));
        }
    };
    listen
        .map(|l| {
            l.parse::<SocketAddr>().map_err(|_| {
                ctx.invalid(
                    "metrics.listen",
                    format!("`{l}` is not an IP address and port"),
                    "write ip:port such as 127.0.0.1:9464 or 0.0.0.0:9464 (or \"off\")",
                )
            })
        })
        .transpose()
}

pub(super) fn concurrency(top: &Obj<'_>) -> Result<ConcurrencyConfig, ConfigError> {
    let Some(c) = top.obj("concurrency", "concurrency")? else {
        return Ok(ConcurrencyConfig {
            max: None,
            scale_interval: Duration::from_secs(60),
        });
    };
    c.check_keys(&["max", "scale_interval_seconds"], &[])?;
    Ok(ConcurrencyConfig {
        max: c
            .int(
                "max",
                1,
                1000,
                "a whole number from 1 to 1000 (absent: one batch in flight per assigned partition)",
            )?
            .map(|n| n.unsigned_abs() as u32),
        scale_interval: Duration::from_secs(
            c.int(
                "scale_interval_seconds",
                1,
                3600,
                "a whole number of seconds from 1 to 3600 (default 60, like Lambda)",
            )?
            .map_or(60, |n| n.unsigned_abs()),
        ),
    })
}

pub(super) fn logging(top: &Obj<'_>) -> Result<LoggingConfig, ConfigError> {
    let ctx = top.ctx;
    let Some(l) = top.obj("logging", "logging")? else {
        return Ok(LoggingConfig {
            format: LogFormat::Text,
            level: "info".to_owned(),
        });
    };
    l.check_keys(&["format", "level"], &[])?;
    let format = match l.str("format")? {
        None | Some("text") => LogFormat::Text,
        Some("json") => LogFormat::Json,
        Some(other) => {
            return Err(ctx.invalid(
                "logging.format",
                format!("`{other}` is not a log format"),
                "use text or json",
            ));
        }
    };
    let level = l.str("level")?.unwrap_or("info");
    let is_level = |s: &str| matches!(s, "error" | "warn" | "info" | "debug" | "trace" | "off");
    let valid = is_level(level)
        || (!level.is_empty()
            && level.split(',').all(|d| match d.rsplit_once('=') {
                Some((target, lvl)) => {
                    !target.is_empty()
                        && target
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "_:-.".contains(c))
                        && is_level(lvl)
                }
                None => is_level(d),
            }));
    if !valid {
        return Err(ctx.invalid(
            "logging.level",
            format!("`{level}` is not a log level"),
            "use error, warn, info, debug or trace, or directives such as info,mskgate_runtime=debug",
        ));
    }
    Ok(LoggingConfig {
        format,
        level: level.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_hosts() {
        assert_eq!(
            http_host("http://127.0.0.1:9000/x").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(
            http_host("https://example.com").as_deref(),
            Some("example.com")
        );
        assert_eq!(http_host("https://[::1]:8443/").as_deref(), Some("[::1]"));
        assert_eq!(http_host("ftp://example.com"), None);
        assert_eq!(http_host("http://"), None);
        assert_eq!(http_host("http://host:notaport/"), None);
    }
}
