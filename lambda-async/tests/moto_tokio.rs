//! The client against a local Lambda API (moto), on tokio: the life cycle of a function
//! and of the resources around it, with the values the server returns checked.
#![cfg(feature = "tokio")]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::creds;
use futures_util::StreamExt;
use lambda_async::Client;
use lambda_proto::credentials::Credentials;
use lambda_proto::operations::*;
use lambda_proto::types::{
    AliasRoutingConfiguration, Environment, FunctionCode, FunctionUrlAuthType, InvocationType,
    LayerVersionContentInput, Runtime,
};
use lambda_proto::waiter::{
    function_active_v2, function_updated_v2, Waiter, PUBLISHED_VERSION_ACTIVE,
};
use test_support::zip::stored_zip;
use test_support::MotoServer;

const CODE: &str = "def handler(event, context):\n    return event\n";

fn client_for(moto: &MotoServer, credentials: Credentials) -> Client {
    Client::builder()
        .region(MotoServer::REGION)
        .endpoint_url(moto.endpoint_url())
        .credentials(credentials)
        .build()
        .unwrap()
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_life_cycle() {
    let moto = tokio::task::spawn_blocking(MotoServer::start)
        .await
        .unwrap();
    let role = moto.create_role("lambda-exec");
    let queue_arn = moto.create_sqs_queue("jobs");
    let client = client_for(&moto, creds());
    let zip = stored_zip("index.py", CODE.as_bytes());

    // Create, wait, read back.
    let created = client
        .send(
            CreateFunction::new(
                "hello",
                role.clone(),
                FunctionCode::new().zip_file(zip.clone()),
            )
            .runtime(Runtime::Python312)
            .handler("index.handler")
            .description("first")
            .environment(Environment::new().variables(map(&[("MODE", "test")])))
            .tags(map(&[("team", "core")])),
        )
        .await
        .unwrap();
    assert_eq!(created.function_name.as_deref(), Some("hello"));
    assert_eq!(created.runtime, Some(Runtime::Python312));
    assert_eq!(created.handler.as_deref(), Some("index.handler"));
    assert_eq!(created.code_size, Some(zip.len() as i64));
    assert_eq!(created.role.as_deref(), Some(role.as_str()));
    let function_arn = created.function_arn.clone().unwrap();
    assert_eq!(
        function_arn,
        format!(
            "arn:aws:lambda:us-east-1:{}:function:hello",
            MotoServer::ACCOUNT_ID
        )
    );

    client
        .wait(function_active_v2("hello"), Duration::from_secs(30))
        .await
        .unwrap();
    let got = client.send(GetFunction::new("hello")).await.unwrap();
    let config = got.configuration.unwrap();
    assert_eq!(config.description.as_deref(), Some("first"));
    assert_eq!(
        config
            .environment
            .unwrap()
            .variables
            .unwrap()
            .get("MODE")
            .map(String::as_str),
        Some("test")
    );
    assert_eq!(
        got.tags.unwrap().get("team").map(String::as_str),
        Some("core")
    );
    let config = client
        .send(GetFunctionConfiguration::new("hello"))
        .await
        .unwrap();
    assert_eq!(config.function_arn.as_deref(), Some(function_arn.as_str()));

    let names: Vec<String> = client
        .items(ListFunctions::new())
        .map(|f| f.unwrap().function_name.unwrap())
        .collect()
        .await;
    assert_eq!(names, ["hello"]);

    // Updates and versions.
    let updated = client
        .send(
            UpdateFunctionConfiguration::new("hello")
                .description("second")
                .memory_size(256),
        )
        .await
        .unwrap();
    assert_eq!(updated.description.as_deref(), Some("second"));
    assert_eq!(updated.memory_size, Some(256));
    client
        .wait(function_updated_v2("hello"), Duration::from_secs(30))
        .await
        .unwrap();
    let v1 = client.send(PublishVersion::new("hello")).await.unwrap();
    assert_eq!(v1.version.as_deref(), Some("1"));
    client
        .wait(
            Waiter::new(
                &PUBLISHED_VERSION_ACTIVE,
                GetFunctionConfiguration::new("hello").qualifier("1"),
            ),
            Duration::from_secs(30),
        )
        .await
        .unwrap();

    let new_zip = stored_zip("index.py", b"def handler(event, context):\n    return {}\n");
    let code = client
        .send(UpdateFunctionCode::new("hello").zip_file(new_zip.clone()))
        .await
        .unwrap();
    assert_eq!(code.code_size, Some(new_zip.len() as i64));
    assert_ne!(code.code_sha256, created.code_sha256);
    let v2 = client
        .send(PublishVersion::new("hello").description("v2"))
        .await
        .unwrap();
    assert_eq!(v2.version.as_deref(), Some("2"));
    let versions: Vec<String> = client
        .items(ListVersionsByFunction::new("hello"))
        .map(|v| v.unwrap().version.unwrap())
        .collect()
        .await;
    assert_eq!(versions, ["$LATEST", "1", "2"]);

    // Aliases with weighted routing.
    let routing = AliasRoutingConfiguration::new()
        .additional_version_weights(BTreeMap::from([("2".to_string(), 0.25)]));
    let alias = client
        .send(CreateAlias::new("hello", "live", "1").routing_config(routing))
        .await
        .unwrap();
    assert_eq!(alias.function_version.as_deref(), Some("1"));
    let got = client.send(GetAlias::new("hello", "live")).await.unwrap();
    let weights = got
        .routing_config
        .unwrap()
        .additional_version_weights
        .unwrap();
    assert_eq!(weights.get("2"), Some(&0.25));
    let moved = client
        .send(
            UpdateAlias::new("hello", "live")
                .function_version("2")
                .description("moved"),
        )
        .await
        .unwrap();
    assert_eq!(moved.function_version.as_deref(), Some("2"));
    let aliases: Vec<String> = client
        .items(ListAliases::new("hello"))
        .map(|a| a.unwrap().name.unwrap())
        .collect()
        .await;
    assert_eq!(aliases, ["live"]);

    // Resource policy.
    let added = client
        .send(AddPermission::new(
            "hello",
            "allow-s3",
            "lambda:InvokeFunction",
            "s3.amazonaws.com",
        ))
        .await
        .unwrap();
    assert!(added.statement.unwrap().contains("allow-s3"));
    let policy = client.send(GetPolicy::new("hello")).await.unwrap();
    let policy: serde_json::Value = serde_json::from_str(&policy.policy.unwrap()).unwrap();
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 1);
    assert_eq!(statements[0]["Sid"], "allow-s3");
    assert_eq!(statements[0]["Principal"]["Service"], "s3.amazonaws.com");
    client
        .send(RemovePermission::new("hello", "allow-s3"))
        .await
        .unwrap();
    // The statement is gone: no policy at all, or one without it.
    match client.send(GetPolicy::new("hello")).await {
        Err(e) => assert_eq!(e.code(), Some("ResourceNotFoundException")),
        Ok(p) => assert!(!p.policy.unwrap_or_default().contains("allow-s3")),
    }

    // Tags.
    client
        .send(TagResource::new(
            function_arn.clone(),
            map(&[("env", "test")]),
        ))
        .await
        .unwrap();
    let tags = client
        .send(ListTags::new(function_arn.clone()))
        .await
        .unwrap();
    assert_eq!(
        tags.tags.unwrap(),
        map(&[("env", "test"), ("team", "core")])
    );
    client
        .send(UntagResource::new(
            function_arn.clone(),
            vec!["team".to_string()],
        ))
        .await
        .unwrap();
    let tags = client
        .send(ListTags::new(function_arn.clone()))
        .await
        .unwrap();
    assert_eq!(tags.tags.unwrap(), map(&[("env", "test")]));

    // Reserved concurrency.
    let put = client
        .send(PutFunctionConcurrency::new("hello", 5))
        .await
        .unwrap();
    assert_eq!(put.reserved_concurrent_executions, Some(5));
    let got = client
        .send(GetFunctionConcurrency::new("hello"))
        .await
        .unwrap();
    assert_eq!(got.reserved_concurrent_executions, Some(5));
    client
        .send(DeleteFunctionConcurrency::new("hello"))
        .await
        .unwrap();
    let got = client
        .send(GetFunctionConcurrency::new("hello"))
        .await
        .unwrap();
    assert_eq!(got.reserved_concurrent_executions, None);

    // Event invoke configuration.
    let put = client
        .send(
            PutFunctionEventInvokeConfig::new("hello")
                .maximum_retry_attempts(1)
                .maximum_event_age_in_seconds(120),
        )
        .await
        .unwrap();
    assert_eq!(put.maximum_retry_attempts, Some(1));
    let updated = client
        .send(UpdateFunctionEventInvokeConfig::new("hello").maximum_retry_attempts(2))
        .await
        .unwrap();
    assert_eq!(updated.maximum_retry_attempts, Some(2));
    let got = client
        .send(GetFunctionEventInvokeConfig::new("hello"))
        .await
        .unwrap();
    // moto keeps the configuration of the first put (its update appends another one).
    assert_eq!(got.maximum_event_age_in_seconds, Some(120));
    assert_eq!(got.function_arn.as_deref(), Some(function_arn.as_str()));
    let listed: Vec<_> = client
        .items(ListFunctionEventInvokeConfigs::new("hello"))
        .collect()
        .await;
    assert_eq!(listed.len(), 1);
    client
        .send(DeleteFunctionEventInvokeConfig::new("hello"))
        .await
        .unwrap();
    let gone = client
        .send(GetFunctionEventInvokeConfig::new("hello"))
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Some("ResourceNotFoundException"));

    // Layers.
    let layer_zip = stored_zip("python/util.py", b"X = 1\n");
    let layer = client
        .send(
            PublishLayerVersion::new("deps", LayerVersionContentInput::new().zip_file(layer_zip))
                .compatible_runtimes(vec![Runtime::Python312])
                .description("utilities"),
        )
        .await
        .unwrap();
    assert_eq!(layer.version, Some(1));
    let layer_arn = layer.layer_version_arn.clone().unwrap();
    assert!(layer_arn.ends_with(":layer:deps:1"), "{layer_arn}");
    let layers: Vec<String> = client
        .items(ListLayers::new())
        .map(|l| l.unwrap().layer_name.unwrap())
        .collect()
        .await;
    assert_eq!(layers, ["deps"]);
    let versions: Vec<i64> = client
        .items(ListLayerVersions::new("deps"))
        .map(|l| l.unwrap().version.unwrap())
        .collect()
        .await;
    assert_eq!(versions, [1]);
    let got = client.send(GetLayerVersion::new("deps", 1)).await.unwrap();
    assert_eq!(got.description.as_deref(), Some("utilities"));
    client
        .send(AddLayerVersionPermission::new(
            "deps",
            1,
            "public",
            "lambda:GetLayerVersion",
            "*",
        ))
        .await
        .unwrap();
    let policy = client
        .send(GetLayerVersionPolicy::new("deps", 1))
        .await
        .unwrap();
    assert!(policy.policy.unwrap().contains("public"));
    client
        .send(RemoveLayerVersionPermission::new("deps", 1, "public"))
        .await
        .unwrap();
    match client.send(GetLayerVersionPolicy::new("deps", 1)).await {
        Err(e) => assert_eq!(e.code(), Some("ResourceNotFoundException")),
        Ok(p) => assert!(
            !p.policy.unwrap_or_default().contains("public"),
            "still granted"
        ),
    }
    client
        .send(UpdateFunctionConfiguration::new("hello").layers(vec![layer_arn.clone()]))
        .await
        .unwrap();
    client
        .send(DeleteLayerVersion::new("deps", 1))
        .await
        .unwrap();
    let gone = client
        .send(GetLayerVersion::new("deps", 1))
        .await
        .unwrap_err();
    assert!(gone.service_error().is_some(), "{gone:?}");

    // Event source mapping on an SQS queue.
    let mapping = client
        .send(
            CreateEventSourceMapping::new("hello")
                .event_source_arn(queue_arn.clone())
                .batch_size(5),
        )
        .await
        .unwrap();
    assert_eq!(
        mapping.event_source_arn.as_deref(),
        Some(queue_arn.as_str())
    );
    assert_eq!(mapping.batch_size, Some(5));
    let uuid = mapping.uuid.unwrap();
    let got = client
        .send(GetEventSourceMapping::new(uuid.clone()))
        .await
        .unwrap();
    assert_eq!(got.function_arn.as_deref(), Some(function_arn.as_str()));
    let listed: Vec<String> = client
        .items(ListEventSourceMappings::new().function_name("hello"))
        .map(|m| m.unwrap().uuid.unwrap())
        .collect()
        .await;
    assert_eq!(listed, std::slice::from_ref(&uuid));
    let updated = client
        .send(UpdateEventSourceMapping::new(uuid.clone()).batch_size(7))
        .await
        .unwrap();
    assert_eq!(updated.batch_size, Some(7));
    client
        .send(DeleteEventSourceMapping::new(uuid.clone()))
        .await
        .unwrap();
    let gone = client
        .send(GetEventSourceMapping::new(uuid.clone()))
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Some("ResourceNotFoundException"));

    // Function URL.
    let url = client
        .send(CreateFunctionUrlConfig::new(
            "hello",
            FunctionUrlAuthType::None,
        ))
        .await
        .unwrap();
    assert_eq!(url.auth_type, Some(FunctionUrlAuthType::None));
    let function_url = url.function_url.clone().expect("a function URL");
    assert!(function_url.starts_with("http"), "{function_url}");
    let updated = client
        .send(UpdateFunctionUrlConfig::new("hello").auth_type(FunctionUrlAuthType::AwsIam))
        .await
        .unwrap();
    assert_eq!(updated.auth_type, Some(FunctionUrlAuthType::AwsIam));
    let got = client
        .send(GetFunctionUrlConfig::new("hello"))
        .await
        .unwrap();
    assert_eq!(got.auth_type, Some(FunctionUrlAuthType::AwsIam));
    client
        .send(DeleteFunctionUrlConfig::new("hello"))
        .await
        .unwrap();
    let gone = client
        .send(GetFunctionUrlConfig::new("hello"))
        .await
        .unwrap_err();
    assert!(gone.service_error().is_some(), "{gone:?}");

    // Invocations of every type.
    let out = client
        .send(Invoke::new("hello").payload(br#"{"a":1}"#.to_vec()))
        .await
        .unwrap();
    assert_eq!(out.status_code, Some(200));
    assert_eq!(out.payload.as_deref(), Some(&br#"{"a":1}"#[..]));
    let event = client
        .send(Invoke::new("hello").invocation_type(InvocationType::Event))
        .await
        .unwrap();
    assert_eq!(event.status_code, Some(202));
    let dry = client
        .send(Invoke::new("hello").invocation_type(InvocationType::DryRun))
        .await
        .unwrap();
    assert_eq!(dry.status_code, Some(204));
    moto.queue_invoke_results(&[r#"{"answer":42}"#]);
    let queued = client
        .send(Invoke::new("hello").qualifier("live"))
        .await
        .unwrap();
    assert_eq!(queued.payload.as_deref(), Some(&br#"{"answer":42}"#[..]));
    // moto puts the text of its Docker-less runner in the body; the service sends none.
    let asynchronous = client
        .send(InvokeAsync::new("hello", br#"{"b":2}"#.to_vec()))
        .await
        .unwrap();
    assert_eq!(asynchronous.status, Some(202));

    // A stub in moto: no code-signing configuration.
    let signing = client
        .send(GetFunctionCodeSigningConfig::new("hello"))
        .await
        .unwrap();
    assert_eq!(signing.function_name.as_deref(), Some("hello"));
    assert_eq!(
        signing.code_signing_config_arn, None,
        "moto answers null: absent"
    );

    // Deletes.
    client
        .send(DeleteAlias::new("hello", "live"))
        .await
        .unwrap();
    let gone = client
        .send(GetAlias::new("hello", "live"))
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Some("ResourceNotFoundException"));
    client.send(DeleteFunction::new("hello")).await.unwrap();
    let gone = client.send(GetFunction::new("hello")).await.unwrap_err();
    assert!(
        matches!(
            gone.service_error().unwrap().kind(),
            GetFunctionError::ResourceNotFoundException(_)
        ),
        "{gone:?}"
    );
}

#[tokio::test]
async fn signatures_are_checked_by_the_server() {
    let moto = tokio::task::spawn_blocking(MotoServer::start)
        .await
        .unwrap();
    let role = moto.create_role("signed-exec");
    let key = moto.create_user_with_lambda_access("deployer");
    moto.enable_auth();
    let good = client_for(
        &moto,
        Credentials::new(
            key.access_key_id.clone(),
            key.secret_access_key.clone(),
            None,
            None,
        ),
    );
    let listed = good.send(ListFunctions::new()).await.unwrap();
    assert_eq!(listed.functions.unwrap_or_default().len(), 0);
    let missing = good.send(GetFunction::new("nope")).await.unwrap_err();
    assert_eq!(missing.code(), Some("ResourceNotFoundException"));

    let bad = client_for(
        &moto,
        Credentials::new(key.access_key_id.clone(), "not-the-secret", None, None),
    );
    let err = bad.send(ListFunctions::new()).await.unwrap_err();
    let service = err.service_error().expect("a service error");
    assert_eq!(service.status(), 403);
    // moto answers with an XML body and no x-amzn-ErrorType: the code and message come
    // from its <Error> element.
    assert_eq!(service.code(), "SignatureDoesNotMatch", "{err:?}");
    let message = service.message();
    assert!(message.contains("signature"), "{message}");

    // Signed requests with a body: create a function, tag it, change its configuration.
    let zip = stored_zip("index.py", CODE.as_bytes());
    let created = good
        .send(
            CreateFunction::new("signed", role, FunctionCode::new().zip_file(zip))
                .runtime("python3.12")
                .handler("index.handler"),
        )
        .await
        .unwrap();
    let arn = created.function_arn.unwrap();
    good.send(TagResource::new(arn.clone(), map(&[("team", "core")])))
        .await
        .unwrap();
    let tags = good.send(ListTags::new(arn)).await.unwrap();
    assert_eq!(tags.tags.unwrap_or_default(), map(&[("team", "core")]));
    let updated = good
        .send(UpdateFunctionConfiguration::new("signed").description("signed body"))
        .await
        .unwrap();
    assert_eq!(updated.description.as_deref(), Some("signed body"));
    // The same body with the wrong secret is refused.
    let err = bad
        .send(UpdateFunctionConfiguration::new("signed").description("forged"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"), "{err:?}");
    let read = good
        .send(GetFunctionConfiguration::new("signed"))
        .await
        .unwrap();
    assert_eq!(read.description.as_deref(), Some("signed body"));
}
