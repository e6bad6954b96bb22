//! `Client::from_env` reads the environment and the shared files (one test per process:
//! it changes the environment).
#![cfg(feature = "tokio")]

mod common;

use lambda_async::Client;
use lambda_proto::operations::GetFunction;
use test_support::{LoopbackServer, Step};

#[tokio::test]
async fn from_env_uses_profile_files_and_endpoint_override() {
    let server = LoopbackServer::start(vec![Step::json(200, common::function_json("f", "Active"))]);
    let dir = std::env::temp_dir().join(format!("lambda-async-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config");
    let credentials = dir.join("credentials");
    std::fs::write(
        &config,
        format!(
            "[profile dev]\nregion = eu-central-1\nendpoint_url = {}\nmax_attempts = 5\n",
            server.url()
        ),
    )
    .unwrap();
    std::fs::write(
        &credentials,
        "[dev]\naws_access_key_id = AKIDFROMFILE\naws_secret_access_key = secretfromfile\n",
    )
    .unwrap();
    for var in [
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_LAMBDA",
        "AWS_MAX_ATTEMPTS",
        "AWS_RETRY_MODE",
    ] {
        std::env::remove_var(var);
    }
    std::env::set_var("AWS_CONFIG_FILE", &config);
    std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", &credentials);
    std::env::set_var("AWS_PROFILE", "dev");

    let client = Client::from_env().await.unwrap();
    assert_eq!(client.config().region(), "eu-central-1");
    assert_eq!(client.config().retry().max_attempts(), 5);
    assert_eq!(client.config().endpoint().url(), server.url());
    client.send(GetFunction::new("f")).await.unwrap();
    let auth = server.requests()[0]
        .header("authorization")
        .unwrap()
        .to_string();
    assert!(
        auth.contains("Credential=AKIDFROMFILE/") && auth.contains("/eu-central-1/lambda/"),
        "{auth}"
    );

    // Environment variables win over the profile.
    std::env::set_var("AWS_REGION", "ap-south-1");
    let client = Client::from_env().await.unwrap();
    assert_eq!(client.config().region(), "ap-south-1");

    // A profile without credentials and the instance metadata service turned off: an
    // error that lists what was tried.
    std::fs::write(&credentials, "").unwrap();
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    let err = Client::from_env().await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("no credentials found"), "{text}");
    assert!(
        text.contains("profile `dev` (no credential settings)"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
