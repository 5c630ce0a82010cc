//! `file:` sources (no AWS involved); `env:` sources run in `child.rs`, where the environment is
//! the test's own.

use mskgate_auth::load::{AwsOptions, LoadError, MAX_SECRET_FILE_BYTES, SecretSource};

use super::all_text;

fn file_source(path: &std::path::Path) -> SecretSource {
    format!("file:{}", path.display())
        .parse()
        .expect("file source")
}

#[tokio::test]
async fn a_file_is_read_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("msk.json");
    let content = "{\"username\":\"u\",\"password\":\"p\"}\n";
    std::fs::write(&path, content).expect("write");
    let value = file_source(&path)
        .fetch(&AwsOptions::default())
        .await
        .expect("read");
    assert_eq!(
        value.expose_secret(),
        content,
        "byte for byte, trailing newline kept"
    );
}

#[tokio::test]
async fn file_errors_name_the_file_and_never_the_content() {
    let dir = tempfile::tempdir().expect("tempdir");
    let aws = AwsOptions::default();

    let missing = dir.path().join("missing.json");
    let err = file_source(&missing)
        .fetch(&aws)
        .await
        .expect_err("missing");
    assert!(matches!(err, LoadError::File { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("cannot read the secret file {}", missing.display())
    );
    assert!(
        all_text(&err).contains("No such file"),
        "{}",
        all_text(&err)
    );

    let big = dir.path().join("big.pem");
    let chunk = "big-CANARY-".repeat(1000);
    let copies = usize::try_from(MAX_SECRET_FILE_BYTES).expect("fits") / chunk.len() + 1;
    std::fs::write(&big, chunk.repeat(copies)).expect("write");
    let err = file_source(&big).fetch(&aws).await.expect_err("too large");
    assert!(
        matches!(
            err,
            LoadError::FileTooLarge {
                limit: MAX_SECRET_FILE_BYTES,
                ..
            }
        ),
        "{err:?}"
    );

    let binary = dir.path().join("key.der");
    std::fs::write(&binary, b"\x30\x82bin-CANARY\xff\xfe").expect("write");
    let err = file_source(&binary)
        .fetch(&aws)
        .await
        .expect_err("not text");
    assert_eq!(
        err.to_string(),
        format!(
            "the secret from file:{} is not UTF-8 text",
            binary.display()
        )
    );

    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "").expect("write");
    let err = file_source(&empty).fetch(&aws).await.expect_err("empty");
    assert_eq!(
        err.to_string(),
        format!("the secret from file:{} is empty", empty.display())
    );

    let err = file_source(dir.path())
        .fetch(&aws)
        .await
        .expect_err("a directory");
    assert!(matches!(err, LoadError::File { .. }), "{err:?}");

    for err in [
        file_source(&big).fetch(&aws).await.expect_err("too large"),
        file_source(&binary)
            .fetch(&aws)
            .await
            .expect_err("not text"),
    ] {
        assert!(!all_text(&err).contains("CANARY"), "{}", all_text(&err));
    }
}
