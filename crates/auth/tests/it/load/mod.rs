//! `mskgate_auth::load` through the real AWS SDK against moto, the AWS emulator (see `moto.rs`).
//!
//! In-process tests never touch the process environment (tests run on parallel threads): they
//! give aws-config explicit credentials providers and profile files. What only the process
//! environment can show (the default chain, web identity, `AWS_ENDPOINT_URL`, profiles selected
//! by `AWS_PROFILE`) runs in a child process of this test binary (`child.rs`).

mod canary;
mod child;
mod credentials;
mod moto;
mod secrets;
mod sources;

use aws_config::{BehaviorVersion, ConfigLoader, Region};
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use mskgate_auth::load::{AwsLoader, AwsOptions};

pub(crate) use self::moto::{Moto, shared};

pub(crate) const REGION: &str = "us-east-1";
pub(crate) const ACCOUNT: &str = "123456789012";

/// A role ARN in moto's default account (moto does not check that roles exist).
pub(crate) fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

/// Access keys handed to aws-config as an explicit provider, not through the environment.
pub(crate) fn static_keys(access_key_id: &str, secret: &str) -> Credentials {
    Credentials::new(access_key_id, secret, None, None, "mskgate-tests")
}

/// An aws-config loader that reads no profile files and uses `credentials` (or none).
pub(crate) fn hermetic(credentials: Option<Credentials>) -> ConfigLoader {
    let loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::from_static(REGION))
        // One empty in-memory config file: the machine's ~/.aws is not read.
        .profile_files(
            EnvConfigFiles::builder()
                .with_contents(EnvConfigFileKind::Config, "")
                .build(),
        );
    match credentials {
        Some(credentials) => loader.credentials_provider(credentials),
        None => loader.no_credentials(),
    }
}

/// `options` pointed at `moto`, in [`REGION`] unless they say otherwise.
pub(crate) fn at(moto: &Moto, options: AwsOptions) -> AwsOptions {
    AwsOptions {
        endpoint_url: Some(moto.endpoint().to_owned()),
        region: options.region.clone().or_else(|| Some(REGION.to_owned())),
        ..options
    }
}

/// A loader with static keys, pointed at `moto`.
pub(crate) async fn loader(moto: &Moto, options: AwsOptions) -> AwsLoader {
    AwsLoader::from_config_loader(
        &at(moto, options),
        hermetic(Some(static_keys("AKIDMOTOTESTKEY", "moto-test-secret"))),
    )
    .await
    .expect("loader")
}

/// What a secret holds.
pub(crate) enum Value<'a> {
    Text(&'a str),
    Binary(&'a [u8]),
}

/// Creates a secret in moto through the SDK; returns its ARN.
pub(crate) async fn create_secret(
    moto: &Moto,
    region: &str,
    name: &str,
    value: Value<'_>,
) -> String {
    let sdk = hermetic(Some(static_keys("AKIDSETUP", "setup")))
        .region(Region::new(region.to_owned()))
        .endpoint_url(moto.endpoint())
        .load()
        .await;
    let client = aws_sdk_secretsmanager::Client::new(&sdk);
    let request = client.create_secret().name(name);
    let request = match value {
        Value::Text(text) => request.secret_string(text),
        Value::Binary(bytes) => {
            request.secret_binary(aws_sdk_secretsmanager::primitives::Blob::new(bytes))
        }
    };
    let out = request.send().await.expect("CreateSecret in moto");
    out.arn.expect("CreateSecret returns the ARN")
}

/// `err`, its `Debug` forms and every `source()` in its chain, as text.
pub(crate) fn all_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = format!("{err}\n{err:?}\n{err:#?}");
    let mut next = err.source();
    while let Some(e) = next {
        text.push_str(&format!("\n{e}\n{e:?}"));
        next = e.source();
    }
    text
}
