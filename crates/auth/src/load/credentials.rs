//! AWS credentials: the default chain, web identity and assume-role, under stable session names.

use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;

use aws_config::identity::IdentityCache;
use aws_config::{BehaviorVersion, ConfigLoader, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_types::os_shim_internal::{Env, Fs};
use time::{Duration, OffsetDateTime};
use tokio::sync::Mutex;

use super::aws_error::{Failure, chain, is_expired_credentials, is_rejected_credentials};
use super::options::AwsOptions;
use super::session_name::{session_name_in, validate_session_name};
use super::source::{read_limited, secret_arn_region};
use crate::error::LoadError;
use crate::iam::AwsCredentials;
use crate::sensitive::SecretString;

/// Cached credentials are replaced this long before they expire, so a token signed with them
/// always has minutes left.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::minutes(5);
/// Credentials without an expiry (access keys) are looked up again after this long, so a rotated
/// key in a credentials file is picked up by a long-running process.
const RELOAD_NON_EXPIRING_AFTER: Duration = Duration::minutes(15);
/// STS is global; without a configured region its calls go to us-east-1, as the AWS CLI's do.
const STS_DEFAULT_REGION: &str = "us-east-1";
/// Web identity tokens are JWTs of a few kilobytes.
const MAX_TOKEN_FILE_BYTES: u64 = 64 * 1024;

/// Credentials for MSK IAM tokens, loaded once per call from the default chain and, when
/// `role_arn` is set, `AssumeRole`: a convenience over [`AwsLoader::new`] +
/// [`AwsLoader::credentials`]. Long-running callers keep an [`AwsLoader`] instead, which caches.
pub async fn load_credentials(aws: &AwsOptions) -> Result<AwsCredentials, LoadError> {
    AwsLoader::new(aws).await?.credentials().await
}

/// Loads AWS credentials and Secrets Manager secrets for one set of [`AwsOptions`].
///
/// Build it once and keep it: [`credentials`](Self::credentials) caches and refreshes five
/// minutes before expiry, always under the same role session name.
pub struct AwsLoader {
    options: AwsOptions,
    sdk: SdkConfig,
    sts: aws_sdk_sts::Client,
    base: Base,
    role: Option<Role>,
    session_name: String,
    cache: Mutex<Option<Cached>>,
}

/// Where the credentials a role is assumed with (or that are used as they are) come from.
enum Base {
    /// aws-config's default chain, or the provider a caller configured.
    Chain {
        provider: Option<SharedCredentialsProvider>,
        profile: Option<String>,
    },
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`, called by mskgate itself so that the
    /// session name is stable and the endpoint override applies.
    WebIdentity(WebIdentity),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct WebIdentity {
    token_file: PathBuf,
    role_arn: String,
    session_name: String,
}

struct Role {
    arn: String,
    external_id: Option<String>,
}

struct Cached {
    credentials: AwsCredentials,
    fetched_at: OffsetDateTime,
}

impl Cached {
    fn fresh(&self, now: OffsetDateTime) -> bool {
        match self.credentials.expires_at() {
            Some(expires_at) => now < expires_at - REFRESH_BEFORE_EXPIRY,
            None => now < self.fetched_at + RELOAD_NON_EXPIRING_AFTER,
        }
    }
}

impl AwsLoader {
    /// A loader over the process environment and aws-config's default chain, with `options`
    /// applied on top.
    ///
    /// Two things differ from the plain chain, both to keep the role session name stable:
    /// - with `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN` set (EKS IRSA), no
    ///   `AWS_ACCESS_KEY_ID` and no profile named (option or `AWS_PROFILE`), mskgate calls
    ///   `AssumeRoleWithWebIdentity` itself with `AWS_ROLE_SESSION_NAME` or the stable name;
    /// - a selected profile with `role_arn` but no `role_session_name` gets the stable name.
    ///
    /// Nothing is fetched yet (region lookup aside): the first [`credentials`](Self::credentials)
    /// call resolves credentials.
    pub async fn new(options: &AwsOptions) -> Result<Self, LoadError> {
        validate(options)?;
        let env = Env::real();
        let session_name = options
            .session_name
            .clone()
            .unwrap_or_else(|| session_name_in(&env));
        let mut loader = apply(options, aws_config::defaults(BehaviorVersion::latest()));
        let web_identity = web_identity_from_env(options, &env, &session_name);
        if web_identity.is_none()
            && let Some(files) =
                profile_files_with_session_name(options, &env, &Fs::real(), &session_name).await
        {
            loader = loader.profile_files(files);
        }
        let sdk = loader.load().await;
        let base = match web_identity {
            Some(web_identity) => Base::WebIdentity(web_identity),
            None => Base::Chain {
                provider: sdk.credentials_provider(),
                profile: selected_profile(options, &env),
            },
        };
        Ok(Self::assemble(options, sdk, base, session_name))
    }

    /// A loader over a caller-built aws-config [`ConfigLoader`] (explicit credentials provider,
    /// profile files, HTTP client…), with `options` applied on top of it. The caller's loader is
    /// used as it is: no web identity or profile adjustments (see [`new`](Self::new)); the role
    /// in `options`, if any, is still assumed under a stable session name.
    pub async fn from_config_loader(
        options: &AwsOptions,
        loader: ConfigLoader,
    ) -> Result<Self, LoadError> {
        validate(options)?;
        let session_name = options
            .session_name
            .clone()
            .unwrap_or_else(|| session_name_in(&Env::real()));
        let sdk = apply(options, loader).load().await;
        let base = Base::Chain {
            provider: sdk.credentials_provider(),
            profile: options.profile.clone(),
        };
        Ok(Self::assemble(options, sdk, base, session_name))
    }

    fn assemble(options: &AwsOptions, sdk: SdkConfig, base: Base, session_name: String) -> Self {
        let sts_region = sdk
            .region()
            .cloned()
            .unwrap_or_else(|| Region::from_static(STS_DEFAULT_REGION));
        // Credentials are passed per call (they are mskgate's own cached ones), so the client
        // needs no identity cache of its own.
        let sts = aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(&sdk)
                .region(sts_region)
                .identity_cache(IdentityCache::no_cache())
                .build(),
        );
        let role = options.role_arn.clone().map(|arn| Role {
            arn,
            external_id: options.external_id.clone(),
        });
        tracing::debug!(
            base = match &base {
                Base::Chain { .. } => "default chain",
                Base::WebIdentity(_) => "web identity",
            },
            role_arn = role.as_ref().map(|r| r.arn.as_str()),
            session_name = %session_name,
            "AWS credentials configured"
        );
        Self {
            options: options.clone(),
            sdk,
            sts,
            base,
            role,
            session_name,
            cache: Mutex::new(None),
        }
    }

    /// The options this loader was built from.
    pub fn options(&self) -> &AwsOptions {
        &self.options
    }

    /// The region resolved from the options, environment and profile, if any.
    pub fn region(&self) -> Option<&str> {
        self.sdk.region().map(Region::as_ref)
    }

    /// The session name of the roles mskgate assumes itself (`role_arn`, web identity, a
    /// profile's `role_arn`): the configured one or the stable default.
    pub fn session_name(&self) -> &str {
        &self.session_name
    }

    /// The aws-config configuration (region, endpoint, retry and timeout settings), for building
    /// other AWS clients with the same settings.
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.sdk
    }

    /// Credentials to sign with, with their expiry. Cached: a new set is fetched five minutes
    /// before the current one expires (access keys without expiry: every 15 minutes). Concurrent
    /// callers wait for one refresh.
    pub async fn credentials(&self) -> Result<AwsCredentials, LoadError> {
        let mut cache = self.cache.lock().await;
        let now = OffsetDateTime::now_utc();
        if let Some(cached) = cache.as_ref().filter(|c| c.fresh(now)) {
            return Ok(cached.credentials.clone());
        }
        let credentials = self.resolve(now).await?;
        *cache = Some(Cached {
            credentials: credentials.clone(),
            fetched_at: now,
        });
        Ok(credentials)
    }

    /// The ARN of the principal the credentials act as (`sts:GetCallerIdentity`), e.g.
    /// `arn:aws:sts::123456789012:assumed-role/msk-consumer/mskgate-alice@build-01` — the
    /// principal MSK sees.
    pub async fn caller_identity(&self) -> Result<String, LoadError> {
        let credentials = self.credentials().await?;
        let out = self
            .sts
            .get_caller_identity()
            .customize()
            .config_override(
                aws_sdk_sts::config::Builder::default()
                    .credentials_provider(sdk_credentials(&credentials)),
            )
            .send()
            .await
            .map_err(|e| sts_error("GetCallerIdentity", Failure::from_sdk(e)))?;
        Ok(out.arn.unwrap_or_default())
    }

    /// The `SecretString` of a Secrets Manager secret, by name or ARN (an ARN's region wins over
    /// the configured one), read with [`credentials`](Self::credentials).
    pub async fn secret_string(&self, secret_id: &str) -> Result<SecretString, LoadError> {
        let region = secret_arn_region(secret_id)
            .or_else(|| self.region())
            .map(str::to_owned)
            .ok_or(LoadError::NoRegion {
                service: "Secrets Manager",
            })?;
        let credentials = self.credentials().await?;
        let client = aws_sdk_secretsmanager::Client::from_conf(
            aws_sdk_secretsmanager::config::Builder::from(&self.sdk)
                .region(Region::new(region.clone()))
                .credentials_provider(sdk_credentials(&credentials))
                .identity_cache(IdentityCache::no_cache())
                .build(),
        );
        let mut out = client
            .get_secret_value()
            .secret_id(secret_id)
            .send()
            .await
            .map_err(|e| secret_error(secret_id, &region, Failure::from_sdk(e)))?;
        match (out.secret_string.take(), out.secret_binary.take()) {
            (Some(value), _) => Ok(SecretString::new(value)),
            (None, Some(_)) => Err(LoadError::SecretBinary {
                secret_id: secret_id.to_owned(),
            }),
            (None, None) => Err(LoadError::SecretNoValue {
                secret_id: secret_id.to_owned(),
            }),
        }
    }

    async fn resolve(&self, now: OffsetDateTime) -> Result<AwsCredentials, LoadError> {
        let base = match &self.base {
            Base::Chain { provider, profile } => {
                chain_credentials(provider.as_ref(), profile.as_deref()).await?
            }
            Base::WebIdentity(web_identity) => self.web_identity(web_identity).await?,
        };
        not_expired(&base, now)?;
        let Some(role) = &self.role else {
            return Ok(base);
        };
        let assumed = self.assume_role(role, &base).await?;
        not_expired(&assumed, now)?;
        Ok(assumed)
    }

    async fn web_identity(&self, web_identity: &WebIdentity) -> Result<AwsCredentials, LoadError> {
        let path = &web_identity.token_file;
        let token = read_limited(path, MAX_TOKEN_FILE_BYTES)
            .await
            .map_err(|e| LoadError::WebIdentityToken {
                path: path.clone(),
                source: e.into_io(MAX_TOKEN_FILE_BYTES),
            })?;
        let out = self
            .sts
            .assume_role_with_web_identity()
            .role_arn(&web_identity.role_arn)
            .role_session_name(&web_identity.session_name)
            .web_identity_token(token.expose_secret())
            .send()
            .await
            .map_err(|e| role_error(&web_identity.role_arn, Failure::from_sdk(e)))?;
        sts_credentials(out.credentials, &web_identity.role_arn)
    }

    async fn assume_role(
        &self,
        role: &Role,
        base: &AwsCredentials,
    ) -> Result<AwsCredentials, LoadError> {
        let out = self
            .sts
            .assume_role()
            .role_arn(&role.arn)
            .role_session_name(&self.session_name)
            .set_external_id(role.external_id.clone())
            .customize()
            .config_override(
                aws_sdk_sts::config::Builder::default().credentials_provider(sdk_credentials(base)),
            )
            .send()
            .await
            .map_err(|e| role_error(&role.arn, Failure::from_sdk(e)))?;
        sts_credentials(out.credentials, &role.arn)
    }
}

impl fmt::Debug for AwsLoader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsLoader")
            .field("options", &self.options)
            .field("region", &self.region())
            .field(
                "base",
                &match &self.base {
                    Base::Chain { .. } => "default chain",
                    Base::WebIdentity(_) => "web identity",
                },
            )
            .field("session_name", &self.session_name)
            .finish_non_exhaustive()
    }
}

/// Rejects options AWS would reject, before any call. Messages never echo the external id.
fn validate(options: &AwsOptions) -> Result<(), LoadError> {
    let invalid = |option, reason: &str| {
        Err(LoadError::InvalidOption {
            option,
            reason: reason.to_owned(),
        })
    };
    if let Some(name) = &options.session_name {
        validate_session_name(name)?;
    }
    if let Some(region) = &options.region
        && (region.is_empty()
            || !region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
    {
        return invalid(
            "region",
            &format!("`{region}` is not a region name (like eu-west-1)"),
        );
    }
    if let Some(profile) = &options.profile
        && profile.trim().is_empty()
    {
        return invalid("profile", "the profile name is empty");
    }
    if let Some(arn) = &options.role_arn
        && !(arn.starts_with("arn:") && arn.split(':').count() >= 6 && arn.contains(":role/"))
    {
        return invalid(
            "role ARN",
            &format!("`{arn}` is not a role ARN (arn:aws:iam::<account>:role/<name>)"),
        );
    }
    if let Some(id) = &options.external_id {
        let len = id.chars().count();
        if !(2..=1224).contains(&len) {
            return invalid(
                "external id",
                &format!("it has {len} characters; STS takes 2 to 1224"),
            );
        }
        if options.role_arn.is_none() {
            return invalid("external id", "it is only used with a role ARN to assume");
        }
    }
    if let Some(url) = &options.endpoint_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return invalid(
            "endpoint URL",
            &format!("`{url}` is not an http:// or https:// URL"),
        );
    }
    Ok(())
}

fn apply(options: &AwsOptions, mut loader: ConfigLoader) -> ConfigLoader {
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader
}

fn nonblank(env: &Env, var: &str) -> Option<String> {
    env.get(var).ok().filter(|v| !v.trim().is_empty())
}

fn selected_profile(options: &AwsOptions, env: &Env) -> Option<String> {
    options
        .profile
        .clone()
        .or_else(|| nonblank(env, "AWS_PROFILE"))
}

/// The web identity mskgate calls itself: `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN` set,
/// and neither access keys in the environment nor a profile chosen (those come first in the chain).
fn web_identity_from_env(
    options: &AwsOptions,
    env: &Env,
    session_name: &str,
) -> Option<WebIdentity> {
    if selected_profile(options, env).is_some() || nonblank(env, "AWS_ACCESS_KEY_ID").is_some() {
        return None;
    }
    Some(WebIdentity {
        token_file: nonblank(env, "AWS_WEB_IDENTITY_TOKEN_FILE")?.into(),
        role_arn: nonblank(env, "AWS_ROLE_ARN")?,
        session_name: nonblank(env, "AWS_ROLE_SESSION_NAME")
            .unwrap_or_else(|| session_name.to_owned()),
    })
}

/// When the selected profile assumes a role (`role_arn`) without a `role_session_name`, the SDK
/// would name each session after the clock; these profile files add the stable name to it (an
/// extra in-memory config file that the SDK merges into the user's).
async fn profile_files_with_session_name(
    options: &AwsOptions,
    env: &Env,
    fs: &Fs,
    session_name: &str,
) -> Option<EnvConfigFiles> {
    let name = selected_profile(options, env).unwrap_or_else(|| "default".to_owned());
    let profiles = aws_config::profile::load(
        fs,
        env,
        &EnvConfigFiles::default(),
        Some(Cow::Owned(name.clone())),
    )
    .await
    .ok()?;
    let profile = profiles.get_profile(&name)?;
    if profile.get("role_arn").is_none() || profile.get("role_session_name").is_some() {
        return None;
    }
    tracing::debug!(profile = %name, session_name, "profile assumes a role without role_session_name; using the stable name");
    Some(
        EnvConfigFiles::builder()
            .include_default_config_file(true)
            .include_default_credentials_file(true)
            .with_contents(
                EnvConfigFileKind::Config,
                format!("[profile {name}]\nrole_session_name = {session_name}\n"),
            )
            .build(),
    )
}

async fn chain_credentials(
    provider: Option<&SharedCredentialsProvider>,
    profile: Option<&str>,
) -> Result<AwsCredentials, LoadError> {
    let no_credentials = |source| LoadError::NoCredentials {
        profile: profile.map(str::to_owned),
        source,
    };
    let Some(provider) = provider else {
        return Err(no_credentials(
            "no credentials provider is configured".into(),
        ));
    };
    let credentials = provider.provide_credentials().await.map_err(|e| match &e {
        CredentialsError::CredentialsNotLoaded(_) => no_credentials(chain(&e)),
        CredentialsError::ProviderTimedOut(_) => LoadError::Unreachable {
            service: "credential provider",
            source: chain(&e),
        },
        _ => LoadError::CredentialsProvider {
            provider: profile.map_or_else(
                || "the default credential chain".to_owned(),
                |p| format!("profile `{p}`"),
            ),
            source: chain(&e),
        },
    })?;
    Ok(AwsCredentials::new(
        credentials.access_key_id(),
        SecretString::from(credentials.secret_access_key()),
        credentials.session_token().map(SecretString::from),
        credentials.expiry().map(OffsetDateTime::from),
    ))
}

fn sts_credentials(
    credentials: Option<aws_sdk_sts::types::Credentials>,
    role_arn: &str,
) -> Result<AwsCredentials, LoadError> {
    let credentials = credentials.ok_or_else(|| LoadError::AssumeRole {
        role_arn: role_arn.to_owned(),
        code: None,
        source: "STS answered without credentials".into(),
    })?;
    let expiration = &credentials.expiration;
    let expires_at = OffsetDateTime::from_unix_timestamp(expiration.secs())
        .ok()
        .map(|t| t + Duration::nanoseconds(i64::from(expiration.subsec_nanos())));
    Ok(AwsCredentials::new(
        credentials.access_key_id,
        SecretString::new(credentials.secret_access_key),
        Some(SecretString::new(credentials.session_token)),
        expires_at,
    ))
}

/// The SDK form of credentials, to sign one call with.
fn sdk_credentials(credentials: &AwsCredentials) -> Credentials {
    Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key().expose_secret(),
        credentials
            .session_token()
            .map(|t| t.expose_secret().to_owned()),
        credentials.expires_at().map(Into::into),
        "mskgate",
    )
}

fn not_expired(credentials: &AwsCredentials, now: OffsetDateTime) -> Result<(), LoadError> {
    match credentials.expires_at() {
        Some(expired_at) if expired_at <= now => Err(LoadError::CredentialsExpired {
            expired_at: Some(expired_at),
        }),
        _ => Ok(()),
    }
}

fn role_error(role_arn: &str, failure: Failure) -> LoadError {
    match failure {
        Failure::Service {
            code: Some(code),
            source,
        } if code == "AccessDenied" => LoadError::AssumeRoleDenied {
            role_arn: role_arn.to_owned(),
            source,
        },
        Failure::Service {
            code: Some(code), ..
        } if is_expired_credentials(&code) => LoadError::CredentialsExpired { expired_at: None },
        Failure::Service {
            code: Some(code), ..
        } if is_rejected_credentials(&code) => LoadError::CredentialsRejected {
            service: "STS",
            code,
        },
        Failure::Service { code, source } => LoadError::AssumeRole {
            role_arn: role_arn.to_owned(),
            code,
            source,
        },
        Failure::Unreachable { source } => LoadError::Unreachable {
            service: "STS",
            source,
        },
        Failure::Other { source } => LoadError::AssumeRole {
            role_arn: role_arn.to_owned(),
            code: None,
            source,
        },
    }
}

fn sts_error(operation: &'static str, failure: Failure) -> LoadError {
    match failure {
        Failure::Service {
            code: Some(code), ..
        } if is_expired_credentials(&code) => LoadError::CredentialsExpired { expired_at: None },
        Failure::Service {
            code: Some(code), ..
        } if is_rejected_credentials(&code) => LoadError::CredentialsRejected {
            service: "STS",
            code,
        },
        Failure::Service { code, source } => LoadError::Sts {
            operation,
            code,
            source,
        },
        Failure::Unreachable { source } => LoadError::Unreachable {
            service: "STS",
            source,
        },
        Failure::Other { source } => LoadError::Sts {
            operation,
            code: None,
            source,
        },
    }
}

fn secret_error(secret_id: &str, region: &str, failure: Failure) -> LoadError {
    let secret_id = secret_id.to_owned();
    match failure {
        Failure::Service {
            code: Some(code),
            source,
        } => match code.as_str() {
            "ResourceNotFoundException" => LoadError::SecretNotFound {
                secret_id,
                region: region.to_owned(),
            },
            "AccessDeniedException" | "AccessDenied" => {
                LoadError::SecretAccessDenied { secret_id, source }
            }
            "DecryptionFailure" => LoadError::SecretDecryption { secret_id },
            c if is_expired_credentials(c) => LoadError::CredentialsExpired { expired_at: None },
            c if is_rejected_credentials(c) => LoadError::CredentialsRejected {
                service: "Secrets Manager",
                code,
            },
            _ => LoadError::SecretsManager {
                secret_id,
                code: Some(code),
                source,
            },
        },
        Failure::Service { code: None, source } | Failure::Other { source } => {
            LoadError::SecretsManager {
                secret_id,
                code: None,
                source,
            }
        }
        Failure::Unreachable { source } => LoadError::Unreachable {
            service: "Secrets Manager",
            source,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role_options() -> AwsOptions {
        AwsOptions {
            role_arn: Some("arn:aws:iam::123456789012:role/msk".into()),
            ..AwsOptions::default()
        }
    }

    #[test]
    fn validates_options_without_echoing_the_external_id() {
        assert!(validate(&AwsOptions::default()).is_ok());
        let cases = [
            (
                AwsOptions {
                    region: Some("EU West".into()),
                    ..AwsOptions::default()
                },
                "invalid region",
            ),
            (
                AwsOptions {
                    profile: Some(" ".into()),
                    ..AwsOptions::default()
                },
                "invalid profile",
            ),
            (
                AwsOptions {
                    role_arn: Some("msk-role".into()),
                    ..AwsOptions::default()
                },
                "invalid role ARN",
            ),
            (
                AwsOptions {
                    session_name: Some("a b".into()),
                    ..role_options()
                },
                "invalid role session name",
            ),
            (
                AwsOptions {
                    external_id: Some("x".into()),
                    ..role_options()
                },
                "invalid external id",
            ),
            (
                AwsOptions {
                    external_id: Some("ext-CANARY".into()),
                    ..AwsOptions::default()
                },
                "invalid external id",
            ),
            (
                AwsOptions {
                    endpoint_url: Some("localhost:5000".into()),
                    ..AwsOptions::default()
                },
                "invalid endpoint URL",
            ),
        ];
        for (options, want) in cases {
            let err = validate(&options).expect_err(want).to_string();
            assert!(err.starts_with(want), "{err}");
            assert!(!err.contains("CANARY"), "{err}");
        }
        let ok = AwsOptions {
            region: Some("eu-west-1".into()),
            external_id: Some("ext-1".into()),
            session_name: Some("mskgate-ci".into()),
            endpoint_url: Some("http://127.0.0.1:5000".into()),
            ..role_options()
        };
        assert!(validate(&ok).is_ok());
    }

    #[test]
    fn web_identity_is_used_only_when_nothing_earlier_in_the_chain_applies() {
        let irsa = [
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/token"),
            ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa"),
        ];
        let chosen =
            web_identity_from_env(&AwsOptions::default(), &Env::from_slice(&irsa), "stable")
                .expect("web identity");
        assert_eq!(
            chosen,
            WebIdentity {
                token_file: "/var/run/secrets/token".into(),
                role_arn: "arn:aws:iam::123456789012:role/irsa".into(),
                session_name: "stable".into(),
            }
        );
        let named = [irsa[0], irsa[1], ("AWS_ROLE_SESSION_NAME", "mine")];
        let chosen =
            web_identity_from_env(&AwsOptions::default(), &Env::from_slice(&named), "stable");
        assert_eq!(chosen.map(|w| w.session_name).as_deref(), Some("mine"));

        for extra in [("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_PROFILE", "dev")] {
            let env = Env::from_slice(&[irsa[0], irsa[1], extra]);
            assert_eq!(
                web_identity_from_env(&AwsOptions::default(), &env, "s"),
                None
            );
        }
        let with_profile = AwsOptions {
            profile: Some("dev".into()),
            ..AwsOptions::default()
        };
        assert_eq!(
            web_identity_from_env(&with_profile, &Env::from_slice(&irsa), "s"),
            None
        );
        assert_eq!(
            web_identity_from_env(&AwsOptions::default(), &Env::from_slice(&irsa[..1]), "s"),
            None
        );
    }

    async fn override_for(config: &str, env: &[(&str, &str)], options: &AwsOptions) -> bool {
        let fs = Fs::from_slice(&[("/home/u/.aws/config", config)]);
        let mut vars = vec![("HOME", "/home/u")];
        vars.extend_from_slice(env);
        profile_files_with_session_name(options, &Env::from_slice(&vars), &fs, "stable")
            .await
            .is_some()
    }

    #[tokio::test]
    async fn profile_roles_without_a_session_name_get_the_stable_one() {
        let config = "[default]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = keys\n\
                      [profile keys]\naws_access_key_id = AKID\naws_secret_access_key = s\n\
                      [profile named]\nrole_arn = arn:aws:iam::1:role/b\nrole_session_name = mine\nsource_profile = keys\n";
        let none = AwsOptions::default();
        assert!(override_for(config, &[], &none).await);
        assert!(!override_for(config, &[("AWS_PROFILE", "keys")], &none).await);
        assert!(!override_for(config, &[("AWS_PROFILE", "named")], &none).await);
        assert!(!override_for(config, &[("AWS_PROFILE", "missing")], &none).await);
        let keys = AwsOptions {
            profile: Some("keys".into()),
            ..AwsOptions::default()
        };
        assert!(!override_for(config, &[], &keys).await);
        assert!(!override_for("", &[], &none).await);
    }

    #[test]
    fn cached_credentials_are_refreshed_before_they_expire() {
        let now = OffsetDateTime::now_utc();
        let cached = |expires_at| Cached {
            credentials: AwsCredentials::new("AKID", SecretString::from("s"), None, expires_at),
            fetched_at: now,
        };
        assert!(cached(Some(now + Duration::minutes(6))).fresh(now));
        assert!(!cached(Some(now + Duration::minutes(4))).fresh(now));
        assert!(cached(None).fresh(now + Duration::minutes(14)));
        assert!(!cached(None).fresh(now + Duration::minutes(16)));
    }
}
