//! Credentials: explicit providers, profiles from files, assume-role with stable session names,
//! caching, and the errors users meet.

use std::time::{Duration as StdDuration, SystemTime};

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use mskgate_auth::load::{AwsLoader, AwsOptions, LoadError, default_session_name};
use time::{Duration, OffsetDateTime};

use super::{Moto, REGION, all_text, at, hermetic, loader, role_arn, shared, static_keys};

#[tokio::test]
async fn explicit_credentials_come_back_with_token_and_expiry() {
    let expiry = SystemTime::now() + StdDuration::from_secs(3600);
    let provider = Credentials::new(
        "AKIDEXPLICIT",
        "explicit-secret",
        Some("explicit-token".to_owned()),
        Some(expiry),
        "test",
    );
    let loader = AwsLoader::from_config_loader(&AwsOptions::default(), hermetic(Some(provider)))
        .await
        .expect("loader");
    let c = loader.credentials().await.expect("credentials");
    assert_eq!(c.access_key_id(), "AKIDEXPLICIT");
    assert_eq!(c.secret_access_key().expose_secret(), "explicit-secret");
    assert_eq!(
        c.session_token().map(|t| t.expose_secret()),
        Some("explicit-token")
    );
    assert_eq!(c.expires_at(), Some(OffsetDateTime::from(expiry)));
    assert_eq!(loader.region(), Some(REGION));
}

#[tokio::test]
async fn caller_identity_of_plain_keys() {
    let moto = shared();
    let arn = loader(moto, AwsOptions::default())
        .await
        .caller_identity()
        .await
        .expect("GetCallerIdentity");
    assert!(arn.starts_with("arn:aws:sts::123456789012:"), "{arn}");
}

#[tokio::test]
async fn assume_role_uses_the_stable_default_session_name() {
    let moto = shared();
    let role = role_arn("msk-consumer-default");
    let loader = loader(
        moto,
        AwsOptions {
            role_arn: Some(role),
            ..AwsOptions::default()
        },
    )
    .await;
    assert_eq!(loader.session_name(), default_session_name());

    let before = OffsetDateTime::now_utc();
    let c = loader.credentials().await.expect("AssumeRole");
    assert_ne!(
        c.access_key_id(),
        "AKIDMOTOTESTKEY",
        "assumed credentials, not the base keys"
    );
    assert!(c.session_token().is_some());
    let expires_at = c.expires_at().expect("STS credentials expire");
    assert!(
        expires_at > before + Duration::minutes(50) && expires_at < before + Duration::minutes(70),
        "default AssumeRole duration is one hour: {expires_at}"
    );

    let arn = loader.caller_identity().await.expect("GetCallerIdentity");
    assert_eq!(
        arn,
        format!(
            "arn:aws:sts::123456789012:assumed-role/msk-consumer-default/{}",
            default_session_name()
        )
    );
}

#[tokio::test]
async fn assume_role_with_external_id_and_configured_session_name() {
    let moto = shared();
    let loader = loader(
        moto,
        AwsOptions {
            role_arn: Some(role_arn("msk-cross-account")),
            external_id: Some("ext-7f3a9c".into()),
            session_name: Some("orders-consumer".into()),
            ..AwsOptions::default()
        },
    )
    .await;
    let arn = loader.caller_identity().await.expect("GetCallerIdentity");
    assert_eq!(
        arn,
        "arn:aws:sts::123456789012:assumed-role/msk-cross-account/orders-consumer"
    );
}

#[tokio::test]
async fn credentials_are_cached_and_the_principal_never_changes() {
    let moto = shared();
    let options = AwsOptions {
        role_arn: Some(role_arn("msk-cache")),
        ..AwsOptions::default()
    };
    let first_loader = loader(moto, options.clone()).await;
    let a = first_loader.credentials().await.expect("first");
    let b = first_loader.credentials().await.expect("second");
    assert_eq!(
        a.access_key_id(),
        b.access_key_id(),
        "served from the cache"
    );

    // A new loader assumes the role again: new keys (moto mints new ones per call), same principal.
    let second_loader = loader(moto, options).await;
    let c = second_loader.credentials().await.expect("third");
    assert_ne!(a.access_key_id(), c.access_key_id());
    assert_eq!(
        first_loader
            .caller_identity()
            .await
            .expect("first identity"),
        second_loader
            .caller_identity()
            .await
            .expect("second identity"),
    );
}

#[tokio::test]
async fn profile_credentials_from_files_then_a_role() {
    let moto = shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    let credentials = dir.path().join("credentials");
    std::fs::write(&config, "[profile analytics]\nregion = eu-central-1\n").expect("config");
    std::fs::write(
        &credentials,
        "[analytics]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = profile-secret\n",
    )
    .expect("credentials");
    let files = || {
        EnvConfigFiles::builder()
            .with_file(EnvConfigFileKind::Config, &config)
            .with_file(EnvConfigFileKind::Credentials, &credentials)
            .build()
    };
    // The SDK's own profile provider over these files only: no process environment involved.
    let provider = SharedCredentialsProvider::new(
        ProfileFileCredentialsProvider::builder()
            .profile_files(files())
            .profile_name("analytics")
            .build(),
    );
    let sdk_loader = || {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .profile_files(files())
            .profile_name("analytics")
            .credentials_provider(provider.clone())
    };

    let plain = AwsLoader::from_config_loader(
        &AwsOptions {
            endpoint_url: Some(moto.endpoint().to_owned()),
            ..AwsOptions::default()
        },
        sdk_loader(),
    )
    .await
    .expect("loader");
    assert_eq!(
        plain.region(),
        Some("eu-central-1"),
        "region from the profile"
    );
    let c = plain.credentials().await.expect("profile credentials");
    assert_eq!(c.access_key_id(), "AKIDFROMPROFILE");
    assert_eq!(c.secret_access_key().expose_secret(), "profile-secret");
    assert_eq!(c.expires_at(), None);

    let with_role = AwsLoader::from_config_loader(
        &at(
            moto,
            AwsOptions {
                role_arn: Some(role_arn("msk-from-profile")),
                ..AwsOptions::default()
            },
        ),
        sdk_loader(),
    )
    .await
    .expect("loader");
    let arn = with_role
        .caller_identity()
        .await
        .expect("GetCallerIdentity");
    assert!(
        arn.ends_with(&format!(
            "assumed-role/msk-from-profile/{}",
            default_session_name()
        )),
        "{arn}"
    );
}

#[tokio::test]
async fn expired_credentials_are_refused_with_their_expiry() {
    let expired = SystemTime::now() - StdDuration::from_secs(60);
    let provider = Credentials::new("AKIDOLD", "old", Some("tok".into()), Some(expired), "test");
    let loader = AwsLoader::from_config_loader(&AwsOptions::default(), hermetic(Some(provider)))
        .await
        .expect("loader");
    let err = loader.credentials().await.expect_err("expired");
    assert!(
        matches!(err, LoadError::CredentialsExpired { expired_at: Some(t) } if t == OffsetDateTime::from(expired)),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("the AWS credentials have expired (at "),
        "{err}"
    );
}

#[tokio::test]
async fn no_provider_at_all_is_no_credentials() {
    let loader = AwsLoader::from_config_loader(&AwsOptions::default(), hermetic(None))
        .await
        .expect("loader");
    let err = loader.credentials().await.expect_err("no credentials");
    assert!(matches!(err, LoadError::NoCredentials { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with("no AWS credentials found; tried: environment variables"),
        "{text}"
    );
    assert!(
        text.contains("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        "{text}"
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_is_named_as_such() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let options = AwsOptions {
        region: Some(REGION.into()),
        role_arn: Some(role_arn("msk-unreachable")),
        endpoint_url: Some(format!("http://127.0.0.1:{port}")),
        ..AwsOptions::default()
    };
    let loader = AwsLoader::from_config_loader(&options, hermetic(Some(static_keys("AKID", "s"))))
        .await
        .expect("loader");
    let err = loader.credentials().await.expect_err("unreachable");
    assert!(
        matches!(err, LoadError::Unreachable { service: "STS", .. }),
        "{err:?}"
    );
    let text = all_text(&err);
    assert!(text.contains("cannot reach AWS STS"), "{text}");
    assert!(text.to_lowercase().contains("connect"), "{text}");
}

/// One moto that enforces IAM (after the two setup calls): a user without policies, unknown
/// keys, and the secrets they may not read.
#[tokio::test]
async fn iam_enforcing_emulator_errors_are_clear_and_leak_nothing() {
    let moto = Moto::start_with_env(&[("INITIAL_NO_AUTH_ACTION_COUNT", "2")]);
    let keys = moto.python(
        "import boto3\n\
         iam = boto3.client('iam', endpoint_url=ENDPOINT)\n\
         iam.create_user(UserName='no-policies')\n\
         k = iam.create_access_key(UserName='no-policies')['AccessKey']\n\
         print(k['AccessKeyId'], k['SecretAccessKey'])\n",
    );
    let (akid, secret) = keys.trim().split_once(' ').expect("two words");
    let role = role_arn("msk-denied");
    let external_id = "ext-CANARY-8d1e";

    let moto = &moto;
    let user_loader = |options: AwsOptions| {
        let credentials = static_keys(akid, secret);
        async move {
            AwsLoader::from_config_loader(&at(moto, options), hermetic(Some(credentials)))
                .await
                .expect("loader")
        }
    };
    let denied = user_loader(AwsOptions {
        role_arn: Some(role.clone()),
        external_id: Some(external_id.into()),
        ..AwsOptions::default()
    })
    .await
    .credentials()
    .await
    .expect_err("no sts:AssumeRole permission");
    assert!(
        matches!(&denied, LoadError::AssumeRoleDenied { role_arn, .. } if *role_arn == role),
        "{denied:?}"
    );
    let text = all_text(&denied);
    assert!(
        text.starts_with(&format!(
            "access denied assuming {role}; the role's trust policy"
        )),
        "{text}"
    );
    assert!(
        text.contains("not authorized to perform: sts:AssumeRole"),
        "AWS's reason kept: {text}"
    );

    let secret_denied = user_loader(AwsOptions::default())
        .await
        .secret_string("msk/denied")
        .await
        .expect_err("no secretsmanager:GetSecretValue permission");
    assert!(
        matches!(&secret_denied, LoadError::SecretAccessDenied { secret_id, .. } if secret_id == "msk/denied"),
        "{secret_denied:?}"
    );
    assert!(
        secret_denied
            .to_string()
            .contains("secretsmanager:GetSecretValue"),
        "{secret_denied}"
    );

    let unknown_secret = "unknown-secret-CANARY-42";
    let rejected = AwsLoader::from_config_loader(
        &at(
            moto,
            AwsOptions {
                role_arn: Some(role.clone()),
                ..AwsOptions::default()
            },
        ),
        hermetic(Some(static_keys("AKIDUNKNOWN", unknown_secret))),
    )
    .await
    .expect("loader")
    .credentials()
    .await
    .expect_err("unknown keys");
    assert!(
        matches!(&rejected, LoadError::CredentialsRejected { service: "STS", code } if code == "InvalidClientTokenId"),
        "{rejected:?}"
    );

    for (err, canaries) in [
        (&denied, vec![external_id, secret]),
        (&secret_denied, vec![secret]),
        (&rejected, vec![unknown_secret]),
    ] {
        let text = all_text(err);
        for canary in canaries {
            assert!(!text.contains(canary), "error text leaks a secret: {text}");
        }
    }
}
