//! The canned answers of the loopback server, shaped like the real service's.
//!
//! Generated in code (deterministic: the same bytes every run) rather than committed as
//! files. GetFunction is about 3.8 KB (a configuration with environment, layers, VPC,
//! file system, dead-letter queue, logging and SnapStart settings, a pre-signed code
//! location, tags and reserved concurrency); ListFunctions holds 50 configurations, about
//! 73 KB.

use serde_json::{json, Value};

const ACCOUNT: &str = "123456789012";

/// The configuration of function number `i` named `name`, as ListFunctions and
/// GetFunction return it.
pub fn function_configuration(name: &str, i: usize) -> Value {
    let arn = format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}");
    json!({
        "FunctionName": name,
        "FunctionArn": arn,
        "Runtime": "python3.12",
        "Role": format!("arn:aws:iam::{ACCOUNT}:role/service-role/{name}-role-k3b9x2qa"),
        "Handler": "app.handler",
        "CodeSize": 52_481 + i * 17,
        "Description": format!("Order events, shard {i}"),
        "Timeout": 30,
        "MemorySize": 512,
        "LastModified": format!("2024-05-{:02}T07:08:09.{:03}+0000", 1 + i % 28, i % 1000),
        "CodeSha256": "hD9Ne4s1Yx8Mnb7Ysg1M8oj0n0LHeM3Hc6ZN2x8Xbdw=",
        "Version": "$LATEST",
        "VpcConfig": {
            "SubnetIds": ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"],
            "SecurityGroupIds": ["sg-0123456789abcdef0"],
            "VpcId": "vpc-0a1b2c3d4e5f67890",
            "Ipv6AllowedForDualStack": false
        },
        "Environment": {
            "Variables": {
                "STAGE": "prod",
                "LOG_LEVEL": "info",
                "TABLE_NAME": format!("orders-ledger-{i}"),
                "QUEUE_URL": format!("https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/orders-{i}")
            }
        },
        "KMSKeyArn": format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
        "TracingConfig": {"Mode": "Active"},
        "RevisionId": format!("5a3e0f3c-{:04x}-4000-8000-000000000000", i),
        "Layers": [
            {
                "Arn": format!("arn:aws:lambda:us-east-1:{ACCOUNT}:layer:shared-deps:42"),
                "CodeSize": 8_388_608
            },
            {
                "Arn": "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:78",
                "CodeSize": 2_846_912
            }
        ],
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": ["arm64"],
        "EphemeralStorage": {"Size": 512},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": format!("/aws/lambda/{name}")}
    })
}

/// The configuration of the function GetFunction returns: [`function_configuration`]
/// plus the members set on a fuller function (file system, dead-letter queue, signing).
fn full_configuration(name: &str) -> Value {
    let mut config = function_configuration(name, 0);
    let extra = json!({
        "RuntimeVersionConfig": {
            "RuntimeVersionArn": "arn:aws:lambda:us-east-1::runtime:edb5a058bfa782cb9cedc6d534ac8b8c193bc28e9a9879d9f5ebaaf619cd0fc0"
        },
        "Description": "Processes order events and writes them to the ledger table, one shard per function",
        "Environment": {
            "Variables": {
                "STAGE": "prod",
                "LOG_LEVEL": "info",
                "TABLE_NAME": "orders-ledger-0",
                "QUEUE_URL": format!("https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/orders-0"),
                "POWERTOOLS_SERVICE_NAME": "orders",
                "POWERTOOLS_METRICS_NAMESPACE": "Payments",
                "FEATURE_FLAGS": "ledger-v2,idempotency,batch-writes"
            }
        },
        "DeadLetterConfig": {"TargetArn": format!("arn:aws:sqs:us-east-1:{ACCOUNT}:{name}-dlq")},
        "FileSystemConfigs": [{
            "Arn": format!("arn:aws:elasticfilesystem:us-east-1:{ACCOUNT}:access-point/fsap-0123456789abcdef0"),
            "LocalMountPath": "/mnt/shared"
        }],
        "SigningProfileVersionArn": format!("arn:aws:signer:us-east-1:{ACCOUNT}:/signing-profiles/release/abcdefghij"),
        "SigningJobArn": format!("arn:aws:signer:us-east-1:{ACCOUNT}:/signing-jobs/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d"),
        "LoggingConfig": {
            "LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN",
            "LogGroup": format!("/aws/lambda/{name}")
        }
    });
    let (Value::Object(config_map), Value::Object(extra)) = (&mut config, extra) else {
        unreachable!("objects")
    };
    config_map.extend(extra);
    config
}

/// A pre-signed S3 URL like the code location GetFunction returns (about 1.3 KB: the
/// session token makes most of it).
fn code_location(name: &str) -> String {
    let token: String = (0..760)
        .map(|i| {
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[i * 7 % 62] as char
        })
        .collect();
    format!(
        "https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/snapshots/{ACCOUNT}/{name}-3f1c2a7e-9b8d-4c6e-a5f4-0d1e2f3a4b5c\
         ?versionId=Lq3uWvY9zXa1b2c3d4e5f6g7h8i9j0kL\
         &X-Amz-Security-Token=IQoJb3JpZ2luX2VjE{token}%3D\
         &X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20240506T070809Z&X-Amz-SignedHeaders=host\
         &X-Amz-Expires=600&X-Amz-Credential=ASIA25DCYHY3EXAMPLE7%2F20240506%2Fus-east-1%2Fs3%2Faws4_request\
         &X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    )
}

/// The GetFunction answer for `name` (about 3.8 KB).
pub fn get_function(name: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "Configuration": full_configuration(name),
        "Code": {"RepositoryType": "S3", "Location": code_location(name)},
        "Tags": {
            "team": "payments", "service": "orders", "environment": "production",
            "cost-center": "cc-4711", "owner": "orders-oncall@example.com"
        },
        "Concurrency": {"ReservedConcurrentExecutions": 100}
    }))
    .expect("JSON")
}

/// The ListFunctions answer: 50 functions and no `NextMarker` (about 73 KB).
pub fn list_functions() -> Vec<u8> {
    let functions: Vec<Value> = (0..50)
        .map(|i| function_configuration(&format!("orders-processor-{i:02}"), i))
        .collect();
    serde_json::to_vec(&json!({ "Functions": functions })).expect("JSON")
}

#[cfg(test)]
mod tests {
    use lambda_proto::operations::{GetFunction, ListFunctions};
    use lambda_proto::Operation;

    fn response(body: Vec<u8>) -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .header("x-amzn-RequestId", "5a3e0f3c-0000-4000-8000-000000000000")
            .body(body)
            .expect("response")
    }

    #[test]
    fn get_function_parses_and_has_the_size_of_the_issue() {
        let body = super::get_function("bench-function");
        assert!((3_500..4_200).contains(&body.len()), "{} bytes", body.len());
        let out = GetFunction::parse(response(body)).expect("typed parse");
        let config = out.configuration.expect("configuration");
        assert_eq!(config.function_name.as_deref(), Some("bench-function"));
        assert_eq!(config.layers.map(|l| l.len()), Some(2));
        assert!(config.vpc_config.is_some() && config.environment.is_some());
        assert_eq!(out.tags.map(|t| t.len()), Some(5));
        assert!(out.code.and_then(|c| c.location).is_some());
    }

    #[test]
    fn list_functions_parses_and_has_the_size_of_the_issue() {
        let body = super::list_functions();
        assert!(
            (68_000..78_000).contains(&body.len()),
            "{} bytes",
            body.len()
        );
        let out = ListFunctions::parse(response(body)).expect("typed parse");
        assert_eq!(out.functions.map(|f| f.len()), Some(50));
        assert_eq!(out.next_marker, None);
    }

    #[test]
    fn bodies_are_deterministic() {
        assert_eq!(super::list_functions(), super::list_functions());
        assert_eq!(super::get_function("f"), super::get_function("f"));
    }
}
