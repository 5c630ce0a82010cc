//! No secret value — secret key, session token, external id, secret string or binary, pasted
//! secret — reaches `Display` or `Debug` of `SecretSource`, `AwsOptions`, `AwsLoader`,
//! `AwsCredentials` or any `LoadError` (with its source chain).

use aws_credential_types::Credentials;
use mskgate_auth::load::{AwsLoader, AwsOptions, LoadError, SecretSource};

use super::{REGION, Value, all_text, at, create_secret, hermetic, role_arn, shared};

const SECRET_KEY: &str = "secret-key-CANARY-a1";
const SESSION_TOKEN: &str = "session-token-CANARY-b2";
const EXTERNAL_ID: &str = "external-id-CANARY-c3";
const SECRET_STRING: &str = r#"{"username":"u","password":"secret-string-CANARY-d4"}"#;
const SECRET_BINARY: &[u8] = b"secret-binary-CANARY-e5\x00";

fn assert_clean(what: &str, text: &str) {
    for canary in [
        SECRET_KEY,
        SESSION_TOKEN,
        EXTERNAL_ID,
        "secret-string-CANARY",
        "secret-binary-CANARY",
        "CANARY",
    ] {
        assert!(!text.contains(canary), "{what} shows {canary:?}: {text}");
    }
}

#[tokio::test]
async fn no_secret_value_reaches_display_or_debug() {
    let moto = shared();
    create_secret(moto, REGION, "canary/text", Value::Text(SECRET_STRING)).await;
    create_secret(moto, REGION, "canary/binary", Value::Binary(SECRET_BINARY)).await;

    let base = || {
        Credentials::new(
            "AKIDBASEKEYS",
            SECRET_KEY,
            Some(SESSION_TOKEN.to_owned()),
            None,
            "canary",
        )
    };
    let options = at(
        moto,
        AwsOptions {
            role_arn: Some(role_arn("msk-canary")),
            external_id: Some(EXTERNAL_ID.into()),
            ..AwsOptions::default()
        },
    );
    let loader = AwsLoader::from_config_loader(&options, hermetic(Some(base())))
        .await
        .expect("loader");
    let credentials = loader.credentials().await.expect("assumed");
    let value = loader.secret_string("canary/text").await.expect("secret");
    assert_eq!(value.expose_secret(), SECRET_STRING);

    let mut texts = vec![
        ("AwsOptions", format!("{options:?} {options:#?}")),
        ("AwsLoader", format!("{loader:?} {loader:#?}")),
        ("AwsCredentials", format!("{credentials:?}")),
        ("SecretString", format!("{value:?}")),
    ];
    for source in ["sm:canary/text", "file:/run/secret.json", "env:MSK_SECRET"] {
        let source = SecretSource::parse(source).expect("source");
        texts.push(("SecretSource", format!("{source} {source:?}")));
    }

    let mut errors: Vec<LoadError> = vec![
        SecretSource::parse(SECRET_STRING).expect_err("pasted value"),
        SecretSource::parse(&format!("sm:{SECRET_STRING}")).expect_err("pasted after sm:"),
        SecretSource::parse(&format!("file-{SECRET_KEY}")).expect_err("no scheme"),
        loader
            .secret_string("canary/binary")
            .await
            .expect_err("binary"),
        loader
            .secret_string("canary/missing")
            .await
            .expect_err("missing"),
        AwsLoader::from_config_loader(
            &AwsOptions {
                external_id: Some(EXTERNAL_ID.into()),
                ..AwsOptions::default()
            },
            hermetic(Some(base())),
        )
        .await
        .expect_err("external id without a role"),
    ];
    // A role call that cannot reach STS, with the external id and base keys in the request.
    let closed_port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let unreachable = AwsOptions {
        endpoint_url: Some(format!("http://127.0.0.1:{closed_port}")),
        ..options.clone()
    };
    errors.push(
        AwsLoader::from_config_loader(&unreachable, hermetic(Some(base())))
            .await
            .expect("loader")
            .credentials()
            .await
            .expect_err("unreachable"),
    );

    for err in errors {
        texts.push(("LoadError", all_text(&err)));
        // And wrapped in the crate's error, as callers see it.
        texts.push(("Error", all_text(&mskgate_auth::Error::from(err))));
    }
    for (what, text) in &texts {
        assert_clean(what, text);
    }
}
