//! `mskgate probe`.

use std::fmt::Write as _;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use mskgate_auth::tls::{client_config, root_store};
use mskgate_auth::{Credentials, InspectOptions, SecretKind, SecretString, x509};
use mskgate_runtime::probe::{AuthMode, ProbeConfig, ProbeReport, SaslCredentials, probe};
use time::OffsetDateTime;

use crate::args::{AuthArg, Format, Global, ProbeArgs};
use crate::exit;
use crate::output::Style;
use crate::secret::load_secret;

pub(crate) fn run(args: &ProbeArgs, global: &Global) -> Result<u8> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run_async(args, global))
}

async fn run_async(args: &ProbeArgs, global: &Global) -> Result<u8> {
    let auth = match args.auth {
        AuthArg::None => AuthMode::None,
        AuthArg::Tls => AuthMode::Tls,
        AuthArg::Mtls => AuthMode::Mtls,
        AuthArg::Scram512 => AuthMode::Scram512,
        AuthArg::Scram256 => AuthMode::Scram256,
        AuthArg::Iam => AuthMode::Iam,
    };
    for b in &args.bootstrap {
        let port_ok = b
            .rsplit_once(':')
            .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
        if !port_ok {
            bail!("--bootstrap {b:?} is not HOST:PORT");
        }
    }
    let uses_tls = match auth {
        AuthMode::None => false,
        AuthMode::Tls | AuthMode::Mtls => true,
        _ => !args.allow_plaintext_sasl,
    };
    if args.allow_plaintext_sasl && matches!(auth, AuthMode::None | AuthMode::Tls | AuthMode::Mtls)
    {
        bail!("--allow-plaintext-sasl only applies to --auth scram-512, scram-256 or iam");
    }
    if args.allow_plaintext_sasl {
        tracing::warn!(
            "--allow-plaintext-sasl: SASL credentials will cross the network without TLS"
        );
    }
    let now = OffsetDateTime::now_utc();
    let secret = match &args.secret {
        Some(source) => Some(
            load_secret(
                source,
                &crate::token::aws_options(&args.aws, args.region.as_deref()),
            )
            .await?,
        ),
        None => None,
    };
    let needs_secret = matches!(
        auth,
        AuthMode::Mtls | AuthMode::Scram512 | AuthMode::Scram256
    );
    if needs_secret && secret.is_none() {
        bail!("--auth {:?} needs --secret", args.auth);
    }
    let inspected = |kind: SecretKind| -> Result<Credentials> {
        let text = secret
            .as_ref()
            .map(SecretString::expose_secret)
            .unwrap_or_default();
        let verdict = mskgate_auth::inspect(
            text,
            &InspectOptions {
                kind: Some(kind),
                ..InspectOptions::at(now)
            },
        );
        let problems: Vec<String> = verdict
            .findings
            .iter()
            .filter(|f| f.severity == mskgate_auth::Severity::Error)
            .map(|f| format!("{}: {}", f.code.code, f.message))
            .collect();
        verdict.into_credentials().with_context(|| {
            format!(
                "the secret is not a usable {} secret (Provided certificate or private key is invalid / SASL credentials unusable):\n  {}",
                kind.as_str(),
                problems.join("\n  ")
            )
        })
    };

    let mut identity = None;
    let mut sasl = None;
    match auth {
        AuthMode::Mtls => {
            if let Credentials::ClientCertificate(id) = inspected(SecretKind::Mtls)? {
                identity = Some(id);
            }
        }
        AuthMode::Scram512 | AuthMode::Scram256 => {
            if let Credentials::UserPassword { username, password } = inspected(SecretKind::Scram)?
            {
                sasl = Some(SaslCredentials::Scram {
                    sha512: auth == AuthMode::Scram512,
                    username,
                    password,
                });
            }
        }
        AuthMode::Iam => sasl = Some(crate::token::probe_credentials(args, now).await?),
        AuthMode::None | AuthMode::Tls => {}
    }

    let tls = if uses_tls {
        let roots = match &args.ca {
            Some(path) => {
                let pem = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read --ca {}", path.display()))?;
                let cas = x509::certificates_from_pem(&pem, &path.display().to_string())
                    .with_context(|| format!("--ca {} holds no CA certificate", path.display()))?;
                root_store(&cas)?
            }
            None => system_roots()?,
        };
        Some(Arc::new(client_config(roots, identity.as_ref())?))
    } else {
        None
    };

    let config = ProbeConfig {
        brokers: args.bootstrap.clone(),
        auth,
        tls,
        sasl,
        step_timeout: Duration::from_millis(args.timeout_ms),
    };
    let report = probe(&config).await;
    let out = match args.format {
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Text => render(&report, Style::new(global.color)),
    };
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(if report.ok { exit::OK } else { exit::FINDINGS })
}

fn system_roots() -> Result<rustls::RootCertStore> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        bail!("no system CA certificates found; pass the brokers' CA with --ca FILE");
    }
    Ok(roots)
}

fn render(report: &ProbeReport, style: Style) -> String {
    let mut out = String::new();
    for b in &report.brokers {
        let verdict = if b.ok {
            style.yes_no(true)
        } else {
            style.yes_no(false)
        };
        let _ = writeln!(
            out,
            "{} {} — ok: {verdict} — {}",
            style.bold("broker"),
            b.broker,
            b.state.title()
        );
        for w in &b.warnings {
            let _ = writeln!(
                out,
                "  {} {w}",
                style.severity(mskgate_auth::Severity::Warning, "warning:")
            );
        }
        for s in &b.steps {
            let mark = if s.ok { "ok  " } else { "FAIL" };
            let step = serde_json::to_value(s.step)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = writeln!(out, "  {mark} {step:<17} {:>5} ms  {}", s.ms, s.detail);
        }
        if !b.ok {
            let _ = writeln!(out, "  likely causes:");
            for c in &b.likely_causes {
                let _ = writeln!(out, "    - {c}");
            }
        }
    }
    out
}
