//! `mskgate token`, `mskgate token verify`, and IAM credentials for `mskgate probe --auth iam`.

use std::io::Write;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use mskgate_auth::iam::{TokenRequest, VerifyOptions, generate_token, verify_token};
use mskgate_auth::load::{AwsLoader, AwsOptions};
use mskgate_runtime::probe::SaslCredentials;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::args::{AwsArgs, Format, Global, ProbeArgs, TokenArgs, TokenVerifyArgs};
use crate::exit;

pub(crate) fn aws_options(aws: &AwsArgs, region: Option<&str>) -> AwsOptions {
    AwsOptions {
        region: region.map(str::to_owned),
        profile: aws.profile.clone(),
        role_arn: aws.role_arn.clone(),
        session_name: aws.session_name.clone(),
        external_id: aws.external_id.clone(),
        endpoint_url: aws.endpoint_url.clone(),
    }
}

fn parse_at(at: Option<&str>) -> Result<OffsetDateTime> {
    match at {
        Some(s) => OffsetDateTime::parse(s, &Rfc3339).with_context(|| {
            format!("--at {s:?} is not an RFC 3339 instant such as 2027-01-01T00:00:00Z")
        }),
        None => Ok(OffsetDateTime::now_utc()),
    }
}

fn block_on<T>(fut: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(fut)
}

/// `mskgate token`.
pub(crate) fn generate(args: &TokenArgs, _global: &Global) -> Result<u8> {
    let Some(region) = args.region.as_deref() else {
        bail!("--region is required (e.g. --region us-east-1)");
    };
    let at = parse_at(args.at.as_deref())?;
    let creds = block_on(async {
        let loader = AwsLoader::new(&aws_options(&args.aws, Some(region))).await?;
        Ok(loader.credentials().await?)
    })?;
    let token = generate_token(
        &creds,
        &TokenRequest::new(region, at).with_expires_in(Duration::from_secs(args.expires_in)),
    )?;
    let out = match args.format {
        Format::Text => format!("{}\n", token.token.expose_secret()),
        Format::Json => {
            serde_json::to_string_pretty(&serde_json::json!({
                "token": token.token.expose_secret(),
                "expires_at_ms": token.expires_at_ms,
                "region": token.region,
                "access_key_id": creds.access_key_id(),
            }))? + "\n"
        }
    };
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(exit::OK)
}

/// `mskgate token verify`.
pub(crate) fn verify(args: &TokenVerifyArgs, _global: &Global) -> Result<u8> {
    let at = parse_at(args.at.as_deref())?;
    let credentials = if args.no_signature_check {
        None
    } else {
        let options = aws_options(&args.aws, args.region.as_deref());
        match block_on(async {
            let loader = AwsLoader::new(&options).await?;
            Ok(loader.credentials().await?)
        }) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::info!("no credentials to recompute the signature with: {e:#}");
                None
            }
        }
    };
    let mut opts = VerifyOptions::at(at);
    if let Some(r) = &args.region {
        opts = opts.with_region(r.clone());
    }
    if let Some(c) = credentials {
        opts = opts.with_credentials(c);
    }
    let report = verify_token(args.token.trim(), &opts);
    let out = match args.format {
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Text => {
            let mut s = format!(
                "token: {} — region {}, expires {}{}\nsignature: {}\n",
                if report.valid { "valid" } else { "INVALID" },
                report.region.as_deref().unwrap_or("?"),
                report
                    .expires_at_ms
                    .and_then(|ms| OffsetDateTime::from_unix_timestamp(ms / 1000).ok())
                    .and_then(|t| t.format(&Rfc3339).ok())
                    .unwrap_or_else(|| "?".into()),
                if report.expired { " (expired)" } else { "" },
                if report.signature_checked {
                    "recomputed with the credentials of the token's access key: matches"
                } else {
                    "not recomputed (no credentials for the token's access key)"
                }
            );
            for p in &report.problems {
                s.push_str(&format!("problem: {p}\n"));
            }
            s
        }
    };
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(if report.valid {
        exit::OK
    } else {
        exit::FINDINGS
    })
}

/// The region of an MSK broker host name (`b-1.name.abc123.c2.kafka.us-east-1.amazonaws.com`).
fn region_from_host(host: &str) -> Option<String> {
    let labels: Vec<&str> = host.split('.').collect();
    let i = labels
        .iter()
        .position(|l| *l == "kafka" || *l == "kafka-serverless")?;
    labels.get(i + 1).map(|r| (*r).to_owned())
}

/// An OAUTHBEARER MSK IAM token for the IAM probe, from the credential chain.
pub(crate) async fn probe_credentials(
    args: &ProbeArgs,
    now: OffsetDateTime,
) -> Result<SaslCredentials> {
    let region = match &args.region {
        Some(r) => r.clone(),
        None => args
            .bootstrap
            .iter()
            .find_map(|b| region_from_host(b.rsplit_once(':').map_or(b.as_str(), |(h, _)| h)))
            .context("--auth iam needs --region (it cannot be read from the broker host names)")?,
    };
    let loader = AwsLoader::new(&aws_options(&args.aws, Some(&region))).await?;
    let creds = loader.credentials().await?;
    let token = generate_token(&creds, &TokenRequest::new(region.clone(), now))?;
    let check = verify_token(
        token.token.expose_secret(),
        &VerifyOptions::at(now)
            .with_region(region.clone())
            .with_credentials(creds.clone()),
    );
    if !check.valid {
        bail!(
            "the generated IAM token does not verify: {}",
            check.problems.join("; ")
        );
    }
    let expires = OffsetDateTime::from_unix_timestamp(token.expires_at_ms / 1000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default();
    Ok(SaslCredentials::OAuthBearer {
        token: token.token,
        description: format!(
            "MSK IAM token for {region}, access key {}, expires {expires}, verified well-formed and signed",
            creds.access_key_id()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::region_from_host;

    #[test]
    fn reads_the_region_of_msk_host_names() {
        assert_eq!(
            region_from_host("b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com").as_deref(),
            Some("us-east-1")
        );
        assert_eq!(
            region_from_host("boot-x.c1.kafka-serverless.eu-west-1.amazonaws.com").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(region_from_host("127.0.0.1"), None);
    }
}
