//! Endpoint resolution against the public Lambda endpoint test suite and the partition data.
//!
//! `tests/data/endpoint-tests-1.json` holds the test cases of the `smithy.rules#endpointTests`
//! trait of the Lambda service model, transcribed from the model published in the
//! aws/aws-sdk-js-v3 repository (`codegen/sdk-codegen/aws-models/lambda.json`, commit
//! 01476cf7a303a04f994968d03d16f6fffb372ad8), whose rule set is the one in `model/`. The
//! file uses the `{"testCases": [...]}` layout of botocore's
//! `tests/functional/endpoint-rules/<service>/endpoint-tests-1.json`.

use lambda_proto::endpoint::{
    resolve, Endpoint, EndpointErrorKind, EndpointParams, EndpointResolver,
};
use proptest::prelude::*;
use serde_json::Value;

const TESTS: &str = include_str!("data/endpoint-tests-1.json");
const PARTITIONS: &str = include_str!("../model/partitions.json");
const RULES: &str = include_str!("../model/endpoint-rule-set-1.json");

fn params_from(case: &Value) -> EndpointParams {
    let p = &case["params"];
    EndpointParams {
        region: p["Region"].as_str().map(str::to_string),
        use_fips: p["UseFIPS"].as_bool().unwrap_or(false),
        use_dual_stack: p["UseDualStack"].as_bool().unwrap_or(false),
        endpoint: p["Endpoint"].as_str().map(str::to_string),
    }
}

#[test]
fn official_test_cases() {
    let doc: Value = serde_json::from_str(TESTS).expect("test data is JSON");
    let cases = doc["testCases"].as_array().expect("testCases array");
    assert_eq!(cases.len(), 71);
    let (mut endpoints, mut errors) = (0, 0);
    for case in cases {
        let name = case["documentation"].as_str().expect("documentation");
        let got = resolve(&params_from(case));
        let expect = &case["expect"];
        if let Some(url) = expect["endpoint"]["url"].as_str() {
            let e = got.unwrap_or_else(|e| panic!("{name}: expected {url}, got error {e}"));
            assert_eq!(e.url(), url, "{name}");
            endpoints += 1;
        } else {
            let message = expect["error"].as_str().expect("expect.error");
            let e = got.expect_err(name);
            assert_eq!(e.kind(), EndpointErrorKind::Rule, "{name}");
            assert_eq!(e.message(), message, "{name}");
            errors += 1;
        }
    }
    assert_eq!((endpoints, errors), (68, 3));
}

/// Every region listed in the partition data, in every variant, against that partition's
/// own suffixes (read here straight from `partitions.json`).
#[test]
fn every_listed_region_of_every_partition() {
    let data: Value = serde_json::from_str(PARTITIONS).expect("partition data is JSON");
    let resolver = EndpointResolver::new().expect("embedded model");
    let mut seen = Vec::new();
    for p in data["partitions"].as_array().expect("partitions") {
        let id = p["id"].as_str().expect("id");
        let dns = p["outputs"]["dnsSuffix"].as_str().expect("dnsSuffix");
        let dual = p["outputs"]["dualStackDnsSuffix"]
            .as_str()
            .expect("dualStackDnsSuffix");
        seen.push(id.to_string());
        for region in p["regions"].as_object().expect("regions").keys() {
            assert_eq!(resolver.partition(region).expect("partition").name(), id);
            for (fips, dual_stack) in [(false, false), (true, false), (false, true), (true, true)] {
                let params = EndpointParams::new(region.as_str())
                    .with_fips(fips)
                    .with_dual_stack(dual_stack);
                let e = resolver.resolve(&params).expect(region);
                let expected = format!(
                    "https://lambda{}.{region}.{}",
                    if fips { "-fips" } else { "" },
                    if dual_stack { dual } else { dns }
                );
                assert_eq!(e.url(), expected);
                assert_eq!(e.path_prefix(), "");
            }
        }
    }
    let expected = [
        "aws",
        "aws-cn",
        "aws-eusc",
        "aws-iso",
        "aws-iso-b",
        "aws-iso-e",
        "aws-iso-f",
        "aws-us-gov",
    ];
    seen.sort();
    assert_eq!(seen, expected);
}

/// Regions no partition lists, resolved through the partitions' region patterns.
/// Suffixes are the values of `partitions.json`.
#[test]
fn unlisted_regions_by_pattern() {
    let cases = [
        (
            "us-east-7",
            false,
            false,
            "https://lambda.us-east-7.amazonaws.com",
        ),
        (
            "il-central-2",
            true,
            false,
            "https://lambda-fips.il-central-2.amazonaws.com",
        ),
        (
            "cn-south-2",
            false,
            false,
            "https://lambda.cn-south-2.amazonaws.com.cn",
        ),
        (
            "cn-south-2",
            true,
            true,
            "https://lambda-fips.cn-south-2.api.amazonwebservices.com.cn",
        ),
        (
            "us-gov-north-1",
            true,
            false,
            "https://lambda-fips.us-gov-north-1.amazonaws.com",
        ),
        (
            "us-gov-north-1",
            false,
            true,
            "https://lambda.us-gov-north-1.api.aws",
        ),
        (
            "us-iso-south-1",
            false,
            true,
            "https://lambda.us-iso-south-1.api.aws.ic.gov",
        ),
        (
            "us-isob-west-2",
            false,
            false,
            "https://lambda.us-isob-west-2.sc2s.sgov.gov",
        ),
        (
            "us-isob-west-2",
            true,
            true,
            "https://lambda-fips.us-isob-west-2.api.aws.scloud",
        ),
        (
            "eu-isoe-north-1",
            false,
            false,
            "https://lambda.eu-isoe-north-1.cloud.adc-e.uk",
        ),
        (
            "eu-isoe-north-1",
            true,
            true,
            "https://lambda-fips.eu-isoe-north-1.api.cloud-aws.adc-e.uk",
        ),
        (
            "us-isof-west-1",
            true,
            false,
            "https://lambda-fips.us-isof-west-1.csp.hci.ic.gov",
        ),
        (
            "us-isof-west-1",
            false,
            true,
            "https://lambda.us-isof-west-1.api.aws.hci.ic.gov",
        ),
        (
            "eusc-de-west-1",
            false,
            false,
            "https://lambda.eusc-de-west-1.amazonaws.eu",
        ),
        (
            "eusc-de-west-1",
            true,
            true,
            "https://lambda-fips.eusc-de-west-1.api.amazonwebservices.eu",
        ),
        // No partition pattern matches: the aws partition is the default.
        ("local", false, false, "https://lambda.local.amazonaws.com"),
        (
            "mars-north-1",
            false,
            true,
            "https://lambda.mars-north-1.api.aws",
        ),
    ];
    for (region, fips, dual_stack, url) in cases {
        let params = EndpointParams::new(region)
            .with_fips(fips)
            .with_dual_stack(dual_stack);
        assert_eq!(resolve(&params).expect(region).url(), url);
    }
}

#[test]
fn custom_endpoint_keeps_its_path_prefix() {
    let cases = [
        ("https://example.com", "https", "example.com", ""),
        ("http://localhost:9001/", "http", "localhost:9001", ""),
        (
            "http://127.0.0.1:5000/proxy/lambda/",
            "http",
            "127.0.0.1:5000",
            "/proxy/lambda",
        ),
        ("https://[::1]:8443/a", "https", "[::1]:8443", "/a"),
    ];
    for (url, scheme, authority, prefix) in cases {
        for region in [None, Some("eu-west-1")] {
            let params = EndpointParams {
                region: region.map(str::to_string),
                endpoint: Some(url.to_string()),
                ..EndpointParams::default()
            };
            let e = resolve(&params).expect(url);
            assert_eq!(
                (e.scheme(), e.authority(), e.path_prefix()),
                (scheme, authority, prefix)
            );
        }
    }
}

#[test]
fn bad_custom_endpoints_are_refused() {
    for url in [
        "ftp://example.com",
        "example.com",
        "https://user:pw@example.com",
        "https://example.com/?a=b",
        "https://example.com/#top",
        "https://example.com:70000",
        "",
    ] {
        let e = resolve(&EndpointParams::default().with_endpoint(url)).expect_err(url);
        assert_eq!(e.kind(), EndpointErrorKind::InvalidUrl, "{url}");
    }
}

#[test]
fn invalid_regions_are_errors() {
    for region in [
        "",
        "us-east-1.evil.com",
        "us-east-1/../x",
        "us-east-1@evil.com",
        "us-east-1:443",
        "us east 1",
        "us-east-1\n",
        "-us-east-1",
        "us-east-1-",
        "us_east_1",
        "\u{fc}s-east-1",
    ] {
        let e = resolve(&EndpointParams::new(region)).expect_err(region);
        assert_eq!(e.kind(), EndpointErrorKind::InvalidRegion, "{region:?}");
    }
}

/// The rule set's error rules for partitions lacking FIPS or dual-stack, exercised with
/// partition data edited to turn those features off.
#[test]
fn partition_capability_errors() {
    let mut data: Value = serde_json::from_str(PARTITIONS).expect("partition data is JSON");
    for p in data["partitions"].as_array_mut().expect("partitions") {
        match p["id"].as_str() {
            Some("aws-iso-b") => p["outputs"]["supportsFIPS"] = Value::Bool(false),
            Some("aws-iso-e") => p["outputs"]["supportsDualStack"] = Value::Bool(false),
            _ => {}
        }
    }
    let resolver =
        EndpointResolver::from_json(RULES, &data.to_string()).expect("edited data loads");
    let cases = [
        (
            "us-isob-east-1",
            true,
            false,
            "FIPS is enabled but this partition does not support FIPS",
        ),
        (
            "us-isob-east-1",
            true,
            true,
            "FIPS and DualStack are enabled, but this partition does not support one or both",
        ),
        (
            "eu-isoe-west-1",
            false,
            true,
            "DualStack is enabled but this partition does not support DualStack",
        ),
        (
            "eu-isoe-west-1",
            true,
            true,
            "FIPS and DualStack are enabled, but this partition does not support one or both",
        ),
    ];
    for (region, fips, dual_stack, message) in cases {
        let params = EndpointParams::new(region)
            .with_fips(fips)
            .with_dual_stack(dual_stack);
        let e = resolver.resolve(&params).expect_err(region);
        assert_eq!(e.kind(), EndpointErrorKind::Rule);
        assert_eq!(e.message(), message);
    }
    // Features the edit left alone still resolve.
    let ok = resolver
        .resolve(&EndpointParams::new("us-isob-east-1").with_dual_stack(true))
        .expect("dual-stack still supported");
    assert_eq!(ok.url(), "https://lambda.us-isob-east-1.api.aws.scloud");
}

/// (partition id, region prefix, dnsSuffix, dualStackDnsSuffix) from `partitions.json`.
const PREFIXES: [(&str, &str, &str); 9] = [
    ("us", "amazonaws.com", "api.aws"),
    ("ap", "amazonaws.com", "api.aws"),
    ("cn", "amazonaws.com.cn", "api.amazonwebservices.com.cn"),
    ("us-gov", "amazonaws.com", "api.aws"),
    ("us-iso", "c2s.ic.gov", "api.aws.ic.gov"),
    ("us-isob", "sc2s.sgov.gov", "api.aws.scloud"),
    ("eu-isoe", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"),
    ("us-isof", "csp.hci.ic.gov", "api.aws.hci.ic.gov"),
    ("eusc-de", "amazonaws.eu", "api.amazonwebservices.eu"),
];

fn all_suffixes(dual_stack: bool) -> Vec<&'static str> {
    PREFIXES
        .iter()
        .map(|(_, dns, dual)| if dual_stack { *dual } else { *dns })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any region string: an error, or exactly `lambda[-fips].<region>.<suffix>`.
    #[test]
    fn any_region_is_a_clean_host_or_an_error(
        region in prop_oneof![
            any::<String>(),
            "[a-zA-Z0-9._/@:-]{0,70}",
            "[a-z]{2,4}(-[a-z]{2,6}){0,2}-[0-9]{1,2}",
        ],
        fips in any::<bool>(),
        dual_stack in any::<bool>(),
    ) {
        let params = EndpointParams::new(region.clone()).with_fips(fips).with_dual_stack(dual_stack);
        match resolve(&params) {
            Ok(e) => {
                prop_assert_eq!(e.scheme(), "https");
                prop_assert_eq!(e.path_prefix(), "");
                let prefix = format!("lambda{}.{}.", if fips { "-fips" } else { "" }, region.to_ascii_lowercase());
                let suffix = e.authority().strip_prefix(&prefix);
                prop_assert!(suffix.is_some(), "{} does not start with {}", e.authority(), prefix);
                let suffix = suffix.unwrap_or_default();
                prop_assert!(all_suffixes(dual_stack).contains(&suffix), "unexpected suffix {}", suffix);
                prop_assert!(!region.is_empty() && region.len() <= 63);
                prop_assert!(region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
            }
            Err(e) => {
                prop_assert_eq!(e.kind(), EndpointErrorKind::InvalidRegion);
                let valid = !region.is_empty()
                    && region.len() <= 63
                    && !region.starts_with('-')
                    && !region.ends_with('-')
                    && region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
                prop_assert!(!valid, "valid region {:?} refused", region);
            }
        }
    }

    /// Regions shaped like a partition's names land in that partition.
    #[test]
    fn patterned_regions_pick_their_partition(
        index in 0..PREFIXES.len(),
        word in "[a-z]{1,10}",
        number in 0u32..100,
        fips in any::<bool>(),
        dual_stack in any::<bool>(),
    ) {
        let (prefix, dns, dual) = PREFIXES[index];
        let region = format!("{prefix}-{word}-{number}");
        let params = EndpointParams::new(region.clone()).with_fips(fips).with_dual_stack(dual_stack);
        let e = resolve(&params).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let expected = format!(
            "https://lambda{}.{region}.{}",
            if fips { "-fips" } else { "" },
            if dual_stack { dual } else { dns }
        );
        prop_assert_eq!(e.url(), expected);
    }

    /// Custom endpoints: accepted ones are http(s) without user info; never a panic.
    #[test]
    fn any_custom_endpoint_is_clean_or_an_error(url in prop_oneof![
        any::<String>(),
        "(https?|ftp)://[a-z0-9@:.\\[\\]_-]{0,20}(/[a-z0-9%?#]{0,8}){0,3}",
    ]) {
        match resolve(&EndpointParams::default().with_endpoint(url.clone())) {
            Ok(e) => {
                prop_assert!(e.scheme() == "http" || e.scheme() == "https");
                prop_assert!(!e.authority().is_empty() && !e.authority().contains('@'));
                prop_assert!(!e.path_prefix().ends_with('/'));
                prop_assert!(!url.contains(['?', '#', '@']));
                // The endpoint's own URL parses back to the same endpoint.
                prop_assert_eq!(Endpoint::parse(&e.url()).ok(), Some(e));
            }
            Err(e) => prop_assert_eq!(e.kind(), EndpointErrorKind::InvalidUrl),
        }
    }
}
