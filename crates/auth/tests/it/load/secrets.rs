//! Secrets Manager through `SecretSource`: by name, by ARN (whose region wins), and the errors.

use aws_config::Region;
use mskgate_auth::load::{AwsLoader, AwsOptions, LoadError, SecretSource};
use mskgate_auth::{InspectOptions, SecretKind, inspect};
use time::macros::datetime;

use super::{
    REGION, Value, all_text, at, create_secret, hermetic, loader, role_arn, shared, static_keys,
};

const SCRAM: &str = r#"{"username":"orders","password":"scram-CANARY-pw"}"#;

#[tokio::test]
async fn fetches_a_secret_by_name() {
    let moto = shared();
    create_secret(moto, REGION, "AmazonMSK_by_name", Value::Text(SCRAM)).await;
    let source: SecretSource = "sm:AmazonMSK_by_name".parse().expect("source");
    let value = source
        .fetch_with(&loader(moto, AwsOptions::default()).await)
        .await
        .expect("GetSecretValue");
    assert_eq!(value.expose_secret(), SCRAM);
    let verdict = inspect(
        value.expose_secret(),
        &InspectOptions::at(datetime!(2026-06-01 0:00 UTC)),
    );
    assert_eq!(verdict.kind, SecretKind::Scram);
}

#[tokio::test]
async fn secrets_are_read_with_the_assumed_role() {
    let moto = shared();
    create_secret(moto, REGION, "AmazonMSK_with_role", Value::Text(SCRAM)).await;
    // (`fetch`, which builds its loader from the process environment, runs in `child.rs`.)
    let loader = loader(
        moto,
        AwsOptions {
            role_arn: Some(role_arn("msk-secret-reader")),
            ..AwsOptions::default()
        },
    )
    .await;
    let value = SecretSource::SecretsManager("AmazonMSK_with_role".into())
        .fetch_with(&loader)
        .await
        .expect("read with the assumed role");
    assert_eq!(value.expose_secret(), SCRAM);
}

#[tokio::test]
async fn the_region_of_an_arn_wins_over_the_configured_one() {
    let moto = shared();
    let arn = create_secret(
        moto,
        "eu-west-1",
        "AmazonMSK_in_ireland",
        Value::Text(SCRAM),
    )
    .await;
    assert!(
        arn.starts_with(
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_in_ireland-"
        ),
        "{arn}"
    );
    let loader = loader(moto, AwsOptions::default()).await;
    assert_eq!(loader.region(), Some(REGION));

    let by_arn: SecretSource = arn.parse().expect("ARN source");
    assert_eq!(by_arn.to_string(), arn);
    let value = by_arn
        .fetch_with(&loader)
        .await
        .expect("by ARN, in eu-west-1");
    assert_eq!(value.expose_secret(), SCRAM);

    // By name, the configured region (us-east-1) is asked, and does not have it.
    let err = SecretSource::parse("sm:AmazonMSK_in_ireland")
        .expect("source")
        .fetch_with(&loader)
        .await
        .expect_err("not in us-east-1");
    assert!(
        matches!(&err, LoadError::SecretNotFound { region, .. } if region == REGION),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_missing_secret_is_named() {
    let moto = shared();
    let err = SecretSource::parse("sm:team/does-not-exist")
        .expect("source")
        .fetch_with(&loader(moto, AwsOptions::default()).await)
        .await
        .expect_err("missing");
    assert_eq!(
        err.to_string(),
        "secret team/does-not-exist not found in Secrets Manager (us-east-1); check the name or \
         ARN, the region and the account"
    );
}

#[tokio::test]
async fn a_binary_secret_is_a_clear_error_without_its_bytes() {
    let moto = shared();
    create_secret(
        moto,
        REGION,
        "AmazonMSK_binary",
        Value::Binary(b"bin-CANARY\x00\x01"),
    )
    .await;
    let err = SecretSource::parse("sm:AmazonMSK_binary")
        .expect("source")
        .fetch_with(&loader(moto, AwsOptions::default()).await)
        .await
        .expect_err("binary");
    assert!(matches!(err, LoadError::SecretBinary { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("secret AmazonMSK_binary holds a binary value (SecretBinary)"),
        "{err}"
    );
    assert!(!all_text(&err).contains("CANARY"));
}

#[tokio::test]
async fn a_name_without_any_region_says_how_to_give_one() {
    let moto = shared();
    let sdk_loader = hermetic(Some(static_keys("AKID", "s"))).region(None::<Region>);
    let loader = AwsLoader::from_config_loader(
        &AwsOptions {
            endpoint_url: Some(moto.endpoint().to_owned()),
            ..AwsOptions::default()
        },
        sdk_loader,
    )
    .await
    .expect("loader");
    assert_eq!(loader.region(), None);
    let err = SecretSource::parse("sm:AmazonMSK_anywhere")
        .expect("source")
        .fetch_with(&loader)
        .await
        .expect_err("no region");
    assert!(
        matches!(
            err,
            LoadError::NoRegion {
                service: "Secrets Manager"
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("set AWS_REGION"), "{err}");

    // An ARN carries its region, so no configured region is needed.
    let arn = create_secret(
        moto,
        "ap-southeast-2",
        "AmazonMSK_sydney",
        Value::Text(SCRAM),
    )
    .await;
    let value = SecretSource::parse(&arn)
        .expect("source")
        .fetch_with(&loader)
        .await
        .expect("by ARN without a configured region");
    assert_eq!(value.expose_secret(), SCRAM);
}

#[tokio::test]
async fn options_point_both_sts_and_secrets_manager_at_the_endpoint() {
    let moto = shared();
    create_secret(moto, "eu-north-1", "AmazonMSK_endpoint", Value::Text(SCRAM)).await;
    let options = at(
        moto,
        AwsOptions {
            region: Some("eu-north-1".into()),
            role_arn: Some(role_arn("msk-endpoint")),
            ..AwsOptions::default()
        },
    );
    let loader =
        AwsLoader::from_config_loader(&options, hermetic(Some(static_keys("AKIDEP", "ep"))))
            .await
            .expect("loader");
    assert!(
        loader
            .caller_identity()
            .await
            .expect("STS via the override")
            .contains("msk-endpoint")
    );
    let value = loader
        .secret_string("AmazonMSK_endpoint")
        .await
        .expect("Secrets Manager via the override");
    assert_eq!(value.expose_secret(), SCRAM);
}
