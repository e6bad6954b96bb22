//! The client against moto, a local implementation of the Lambda API: every operation
//! moto supports, with signature checking on and off.

mod common;

use std::collections::BTreeMap;

use lambda_blocking::Client;
use lambda_proto::credentials::Credentials;
use lambda_proto::operations::*;
use lambda_proto::types::{
    AliasRoutingConfiguration, Cors, DestinationConfig, Environment, FunctionCode,
    LayerVersionContentInput, OnFailure,
};
use lambda_proto::waiter::{
    function_active, function_active_v2, function_exists, function_updated_v2, Waiter,
    PUBLISHED_VERSION_ACTIVE,
};
use test_support::zip::stored_zip;
use test_support::MotoServer;

fn client_for(moto: &MotoServer, key_id: &str, secret: &str) -> Client {
    Client::builder()
        .region(MotoServer::REGION)
        .endpoint_url(moto.endpoint_url())
        .credentials(Credentials::new(key_id, secret, None, None))
        .build()
        .unwrap()
}

fn handler_zip(body: &str) -> Vec<u8> {
    stored_zip("index.py", body.as_bytes())
}

#[test]
fn every_operation_moto_supports() {
    let moto = MotoServer::start();
    let role = moto.create_role("lambda-exec");
    let queue_arn = moto.create_sqs_queue("events");
    let client = client_for(&moto, "AKIDEXAMPLE", "secret");
    let name = "echo";

    // --- Functions ---
    let zip = handler_zip("def handler(event, context):\n    return event\n");
    let created = client
        .send(
            CreateFunction::new(name, &role, FunctionCode::default().zip_file(zip.clone()))
                .runtime("python3.12")
                .handler("index.handler")
                .description("first")
                .timeout(30)
                .memory_size(256),
        )
        .unwrap();
    assert_eq!(created.function_name.as_deref(), Some(name));
    assert_eq!(
        created.runtime.as_ref().map(|r| r.as_str()),
        Some("python3.12")
    );
    assert_eq!(created.handler.as_deref(), Some("index.handler"));
    assert_eq!(created.role.as_deref(), Some(role.as_str()));
    assert_eq!(created.code_size, Some(zip.len() as i64));
    assert_eq!(created.timeout, Some(30));
    assert_eq!(created.memory_size, Some(256));
    assert_eq!(created.version.as_deref(), Some("$LATEST"));
    let function_arn = created.function_arn.clone().unwrap();
    assert!(function_arn.ends_with(":function:echo"), "{function_arn}");

    let active = client.wait(function_active_v2(name)).unwrap();
    assert_eq!(
        active.configuration.unwrap().state.unwrap().as_str(),
        "Active"
    );
    client.wait(function_exists(name)).unwrap();
    client.wait(function_active(name)).unwrap();

    let got = client.send(GetFunction::new(name)).unwrap();
    let config = got.configuration.unwrap();
    assert_eq!(config.code_sha256, created.code_sha256);
    assert_eq!(config.description.as_deref(), Some("first"));
    let config = client.send(GetFunctionConfiguration::new(name)).unwrap();
    assert_eq!(config.function_arn.as_deref(), Some(function_arn.as_str()));

    let names: Vec<String> = client
        .paginate(ListFunctions::new())
        .items()
        .map(|f| f.unwrap().function_name.unwrap())
        .collect();
    assert_eq!(names, vec![name.to_string()]);

    let new_zip = handler_zip("def handler(event, context):\n    return {'v': 2}\n");
    let updated = client
        .send(UpdateFunctionCode::new(name).zip_file(new_zip.clone()))
        .unwrap();
    assert_eq!(updated.code_size, Some(new_zip.len() as i64));
    assert_ne!(updated.code_sha256, created.code_sha256);
    let mut vars = BTreeMap::new();
    vars.insert("STAGE".to_string(), "test".to_string());
    let reconfigured = client
        .send(
            UpdateFunctionConfiguration::new(name)
                .description("second")
                .timeout(60)
                .environment(Environment::default().variables(vars.clone())),
        )
        .unwrap();
    assert_eq!(reconfigured.description.as_deref(), Some("second"));
    assert_eq!(reconfigured.timeout, Some(60));
    assert_eq!(
        reconfigured.environment.and_then(|e| e.variables),
        Some(vars)
    );
    client.wait(function_updated_v2(name)).unwrap();

    // --- Versions and aliases ---
    let v1 = client
        .send(PublishVersion::new(name).description("v1"))
        .unwrap();
    assert_eq!(v1.version.as_deref(), Some("1"));
    client
        .send(
            UpdateFunctionCode::new(name)
                .zip_file(handler_zip("def handler(e, c):\n    return 3\n")),
        )
        .unwrap();
    let v2 = client.send(PublishVersion::new(name)).unwrap();
    assert_eq!(v2.version.as_deref(), Some("2"));
    client
        .wait(Waiter::new(
            &PUBLISHED_VERSION_ACTIVE,
            GetFunctionConfiguration::new(name).qualifier("1"),
        ))
        .unwrap();
    let versions: Vec<String> = client
        .paginate(ListVersionsByFunction::new(name))
        .items()
        .map(|v| v.unwrap().version.unwrap())
        .collect();
    assert_eq!(versions, vec!["$LATEST", "1", "2"]);

    let mut weights = BTreeMap::new();
    weights.insert("2".to_string(), 0.25);
    let alias = client
        .send(
            CreateAlias::new(name, "live", "1")
                .description("production")
                .routing_config(
                    AliasRoutingConfiguration::default()
                        .additional_version_weights(weights.clone()),
                ),
        )
        .unwrap();
    assert_eq!(alias.name.as_deref(), Some("live"));
    assert_eq!(alias.function_version.as_deref(), Some("1"));
    assert_eq!(
        alias
            .routing_config
            .and_then(|r| r.additional_version_weights),
        Some(weights)
    );
    let alias_arn = alias.alias_arn.unwrap();
    assert!(alias_arn.ends_with(":function:echo:live"), "{alias_arn}");
    let got = client.send(GetAlias::new(name, "live")).unwrap();
    assert_eq!(got.description.as_deref(), Some("production"));
    let moved = client
        .send(
            UpdateAlias::new(name, "live")
                .function_version("2")
                .description("moved"),
        )
        .unwrap();
    assert_eq!(moved.function_version.as_deref(), Some("2"));
    assert_eq!(moved.description.as_deref(), Some("moved"));
    let aliases: Vec<_> = client
        .paginate(ListAliases::new(name))
        .items()
        .map(|a| a.unwrap().name.unwrap())
        .collect();
    assert_eq!(aliases, vec!["live"]);

    // --- Permissions ---
    let added = client
        .send(
            AddPermission::new(
                name,
                "allow-s3",
                "lambda:InvokeFunction",
                "s3.amazonaws.com",
            )
            .source_arn("arn:aws:s3:::my-bucket"),
        )
        .unwrap();
    let statement: serde_json::Value =
        serde_json::from_str(added.statement.as_deref().unwrap()).unwrap();
    assert_eq!(statement["Sid"], "allow-s3");
    assert_eq!(statement["Action"], "lambda:InvokeFunction");
    let policy = client.send(GetPolicy::new(name)).unwrap();
    let policy: serde_json::Value = serde_json::from_str(&policy.policy.unwrap()).unwrap();
    assert_eq!(policy["Statement"][0]["Sid"], "allow-s3");
    client
        .send(RemovePermission::new(name, "allow-s3"))
        .unwrap();
    let after = client.send(GetPolicy::new(name));
    match after {
        Err(e) => assert_eq!(e.code(), Some("ResourceNotFoundException")),
        Ok(p) => {
            let policy: serde_json::Value =
                serde_json::from_str(p.policy.as_deref().unwrap_or("{}")).unwrap();
            assert!(!policy.to_string().contains("allow-s3"), "{policy}");
        }
    }

    // --- Tags ---
    let mut tags = BTreeMap::new();
    tags.insert("team".to_string(), "blue".to_string());
    tags.insert("cost".to_string(), "42".to_string());
    client
        .send(TagResource::new(&function_arn, tags.clone()))
        .unwrap();
    let listed = client.send(ListTags::new(&function_arn)).unwrap();
    assert_eq!(listed.tags, Some(tags));
    client
        .send(UntagResource::new(&function_arn, vec!["cost".to_string()]))
        .unwrap();
    let listed = client
        .send(ListTags::new(&function_arn))
        .unwrap()
        .tags
        .unwrap();
    assert_eq!(listed.keys().collect::<Vec<_>>(), vec!["team"]);

    // --- Concurrency ---
    let put = client.send(PutFunctionConcurrency::new(name, 5)).unwrap();
    assert_eq!(put.reserved_concurrent_executions, Some(5));
    let got = client.send(GetFunctionConcurrency::new(name)).unwrap();
    assert_eq!(got.reserved_concurrent_executions, Some(5));
    client.send(DeleteFunctionConcurrency::new(name)).unwrap();
    let got = client.send(GetFunctionConcurrency::new(name)).unwrap();
    assert_eq!(got.reserved_concurrent_executions, None);

    // --- Event invoke configs ---
    let destination = DestinationConfig::default()
        .on_failure(OnFailure::default().destination(queue_arn.clone()));
    let put = client
        .send(
            PutFunctionEventInvokeConfig::new(name)
                .maximum_retry_attempts(1)
                .maximum_event_age_in_seconds(300)
                .destination_config(destination),
        )
        .unwrap();
    assert_eq!(put.maximum_retry_attempts, Some(1));
    assert_eq!(put.maximum_event_age_in_seconds, Some(300));
    let got = client
        .send(GetFunctionEventInvokeConfig::new(name))
        .unwrap();
    assert_eq!(
        got.destination_config
            .and_then(|d| d.on_failure)
            .and_then(|o| o.destination),
        Some(queue_arn.clone())
    );
    let updated = client
        .send(UpdateFunctionEventInvokeConfig::new(name).maximum_retry_attempts(0))
        .unwrap();
    assert_eq!(updated.maximum_retry_attempts, Some(0));
    let listed: Vec<_> = client
        .paginate(ListFunctionEventInvokeConfigs::new(name))
        .items()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(listed.len(), 1);
    client
        .send(DeleteFunctionEventInvokeConfig::new(name))
        .unwrap();
    let gone = client
        .send(GetFunctionEventInvokeConfig::new(name))
        .unwrap_err();
    assert_eq!(gone.code(), Some("ResourceNotFoundException"));

    // --- Layers ---
    let layer_zip = stored_zip("python/util.py", b"X = 1\n");
    let layer = client
        .send(
            PublishLayerVersion::new(
                "shared-code",
                LayerVersionContentInput::default().zip_file(layer_zip),
            )
            .description("shared code")
            .compatible_runtimes(vec!["python3.12".into()]),
        )
        .unwrap();
    assert_eq!(layer.version, Some(1));
    assert_eq!(layer.description.as_deref(), Some("shared code"));
    let layer_version_arn = layer.layer_version_arn.clone().unwrap();
    assert!(
        layer_version_arn.ends_with(":layer:shared-code:1"),
        "{layer_version_arn}"
    );
    let layers: Vec<_> = client
        .paginate(ListLayers::new())
        .items()
        .map(|l| l.unwrap().layer_name.unwrap())
        .collect();
    assert_eq!(layers, vec!["shared-code"]);
    let versions: Vec<_> = client
        .paginate(ListLayerVersions::new("shared-code"))
        .items()
        .map(|l| l.unwrap().version.unwrap())
        .collect();
    assert_eq!(versions, vec![1]);
    let got = client.send(GetLayerVersion::new("shared-code", 1)).unwrap();
    assert_eq!(
        got.layer_version_arn.as_deref(),
        Some(layer_version_arn.as_str())
    );
    let granted = client
        .send(AddLayerVersionPermission::new(
            "shared-code",
            1,
            "share",
            "lambda:GetLayerVersion",
            "123456789012",
        ))
        .unwrap();
    assert!(granted.statement.unwrap().contains("share"));
    let policy = client
        .send(GetLayerVersionPolicy::new("shared-code", 1))
        .unwrap();
    assert!(policy.policy.unwrap().contains("lambda:GetLayerVersion"));
    client
        .send(RemoveLayerVersionPermission::new("shared-code", 1, "share"))
        .unwrap();
    match client.send(GetLayerVersionPolicy::new("shared-code", 1)) {
        Err(e) => assert_eq!(e.code(), Some("ResourceNotFoundException")),
        Ok(p) => assert!(
            !p.policy.unwrap_or_default().contains("share"),
            "still granted"
        ),
    }
    client
        .send(DeleteLayerVersion::new("shared-code", 1))
        .unwrap();
    let gone = client
        .send(GetLayerVersion::new("shared-code", 1))
        .unwrap_err();
    assert!(gone.service_error().is_some(), "{gone:?}");

    // --- Event source mappings ---
    let mapping = client
        .send(
            CreateEventSourceMapping::new(name)
                .event_source_arn(queue_arn.clone())
                .batch_size(5),
        )
        .unwrap();
    assert_eq!(mapping.batch_size, Some(5));
    assert_eq!(
        mapping.event_source_arn.as_deref(),
        Some(queue_arn.as_str())
    );
    let uuid = mapping.uuid.unwrap();
    let got = client.send(GetEventSourceMapping::new(&uuid)).unwrap();
    assert_eq!(got.function_arn.as_deref(), Some(function_arn.as_str()));
    let listed: Vec<_> = client
        .paginate(ListEventSourceMappings::new().function_name(name))
        .items()
        .map(|m| m.unwrap().uuid.unwrap())
        .collect();
    assert_eq!(listed, vec![uuid.clone()]);
    let updated = client
        .send(UpdateEventSourceMapping::new(&uuid).batch_size(7))
        .unwrap();
    assert_eq!(updated.batch_size, Some(7));
    client.send(DeleteEventSourceMapping::new(&uuid)).unwrap();
    let gone = client.send(GetEventSourceMapping::new(&uuid)).unwrap_err();
    assert_eq!(gone.code(), Some("ResourceNotFoundException"));

    // --- Function URLs ---
    let url = client
        .send(
            CreateFunctionUrlConfig::new(name, "NONE")
                .cors(Cors::default().allow_origins(vec!["https://example.com".to_string()])),
        )
        .unwrap();
    assert_eq!(url.auth_type.as_ref().map(|t| t.as_str()), Some("NONE"));
    let function_url = url.function_url.clone().expect("a function URL");
    assert!(function_url.starts_with("https://"), "{function_url}");
    let got = client.send(GetFunctionUrlConfig::new(name)).unwrap();
    assert_eq!(got.function_url, url.function_url);
    assert_eq!(
        got.cors.and_then(|c| c.allow_origins),
        Some(vec!["https://example.com".to_string()])
    );
    let updated = client
        .send(UpdateFunctionUrlConfig::new(name).auth_type("AWS_IAM"))
        .unwrap();
    assert_eq!(
        updated.auth_type.as_ref().map(|t| t.as_str()),
        Some("AWS_IAM")
    );
    client.send(DeleteFunctionUrlConfig::new(name)).unwrap();
    let gone = client.send(GetFunctionUrlConfig::new(name)).unwrap_err();
    assert!(gone.service_error().is_some(), "{gone:?}");

    // --- Code signing ---
    // moto's stub answers `"CodeSigningConfigArn": null` (no config attached): a required
    // output member the service did not give stays absent, never an invented "".
    let signing = client
        .send(GetFunctionCodeSigningConfig::new(name))
        .unwrap();
    assert_eq!(signing.function_name.as_deref(), Some(name));
    assert_eq!(signing.code_signing_config_arn, None);

    // --- Invoke ---
    let echoed = client
        .send(
            Invoke::new(name)
                .payload(br#"{"hello":"world"}"#.to_vec())
                .log_type("Tail"),
        )
        .unwrap();
    assert_eq!(echoed.status_code, Some(200));
    assert_eq!(
        echoed.payload.as_deref(),
        Some(&br#"{"hello":"world"}"#[..])
    );
    moto.queue_invoke_results(&[r#"{"queued":true}"#]);
    let queued = client
        .send(Invoke::new(name).payload(b"{}".to_vec()))
        .unwrap();
    assert_eq!(queued.payload.as_deref(), Some(&br#"{"queued":true}"#[..]));
    let event = client
        .send(
            Invoke::new(name)
                .invocation_type("Event")
                .payload(b"{}".to_vec()),
        )
        .unwrap();
    assert_eq!(event.status_code, Some(202));
    let dry = client
        .send(Invoke::new(name).invocation_type("DryRun"))
        .unwrap();
    assert_eq!(dry.status_code, Some(204));
    // moto answers InvokeAsync 202 with a body that is not JSON; the output has no body
    // members, so only the status counts.
    let legacy = client
        .send(InvokeAsync::new(name, br#"{"a":1}"#.to_vec()))
        .unwrap();
    assert_eq!(legacy.status, Some(202));

    // --- Clean up ---
    client.send(DeleteAlias::new(name, "live")).unwrap();
    let gone = client.send(GetAlias::new(name, "live")).unwrap_err();
    assert_eq!(gone.code(), Some("ResourceNotFoundException"));
    client.send(DeleteFunction::new(name)).unwrap();
    let gone = client.send(GetFunction::new(name)).unwrap_err();
    assert_eq!(gone.code(), Some("ResourceNotFoundException"));
    assert_eq!(gone.service_error().unwrap().status(), 404);
}

#[test]
fn signatures_are_checked() {
    let moto = MotoServer::start();
    let role = moto.create_role("signed-exec");
    let key = moto.create_user_with_lambda_access("deployer");
    moto.enable_auth();

    let wrong = client_for(&moto, &key.access_key_id, "not-the-secret");
    let err = wrong.send(ListFunctions::new()).unwrap_err();
    let service = err.service_error().expect("a service error");
    assert_eq!(service.status(), 403, "{err:?}");
    // moto answers with an XML body and no x-amzn-ErrorType: the code and message come
    // from its <Error> element.
    assert_eq!(service.code(), "SignatureDoesNotMatch", "{err:?}");
    let message = service.message();
    assert!(message.contains("signature"), "{message}");

    let right = client_for(&moto, &key.access_key_id, &key.secret_access_key);
    let listed = right.send(ListFunctions::new()).unwrap();
    assert_eq!(listed.functions.unwrap_or_default().len(), 0);
    // GET with a query string and a path with a colon (an ARN) pass too.
    let err = right
        .send(
            GetFunction::new("arn:aws:lambda:us-east-1:123456789012:function:nope").qualifier("1"),
        )
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));

    // Signed requests with a body: create a function, tag it, change its configuration.
    let zip = handler_zip("def handler(event, context):\n    return event\n");
    let created = right
        .send(
            CreateFunction::new("signed", &role, FunctionCode::default().zip_file(zip))
                .runtime("python3.12")
                .handler("index.handler"),
        )
        .unwrap();
    let arn = created.function_arn.unwrap();
    right
        .send(TagResource::new(
            &arn,
            BTreeMap::from([("team".to_string(), "core".to_string())]),
        ))
        .unwrap();
    let tags = right.send(ListTags::new(&arn)).unwrap();
    assert_eq!(
        tags.tags.unwrap_or_default(),
        BTreeMap::from([("team".to_string(), "core".to_string())])
    );
    let updated = right
        .send(UpdateFunctionConfiguration::new("signed").description("signed body"))
        .unwrap();
    assert_eq!(updated.description.as_deref(), Some("signed body"));
    // The same body with the wrong secret is refused.
    let err = wrong
        .send(UpdateFunctionConfiguration::new("signed").description("forged"))
        .unwrap_err();
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"), "{err:?}");
    let read = right.send(GetFunctionConfiguration::new("signed")).unwrap();
    assert_eq!(read.description.as_deref(), Some("signed body"));

    let unknown = client_for(&moto, "AKIAUNKNOWNKEY000000", "whatever");
    let err = unknown.send(ListFunctions::new()).unwrap_err();
    assert_eq!(err.service_error().unwrap().status(), 403);
}
