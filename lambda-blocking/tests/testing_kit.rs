//! The testing kit: canned typed answers through the real client path, recorded requests,
//! and a clear error when the code under test sends something else.

use lambda_blocking::testing::{stub_client, StubResponses, STUB_MISMATCH};
use lambda_proto::operations::{GetFunction, ListFunctions};
use lambda_proto::types::{FunctionConfiguration, ListFunctionsResponse};

fn function(name: &str) -> FunctionConfiguration {
    let mut f = FunctionConfiguration::default();
    f.function_name = Some(name.into());
    f
}

#[test]
fn pages_errors_and_mismatches_through_the_real_client() {
    let mut first = ListFunctionsResponse::default();
    first.functions = Some(vec![function("a"), function("b")]);
    first.next_marker = Some("m1".into());
    let mut second = ListFunctionsResponse::default();
    second.functions = Some(vec![function("c")]);
    let (client, stub) = stub_client(
        StubResponses::new()
            .output::<ListFunctions>(&first)
            .output::<ListFunctions>(&second)
            .error::<GetFunction>(404, "ResourceNotFoundException", "no such function"),
    );
    let names: Vec<String> = client
        .paginate(ListFunctions::new())
        .items()
        .map(|f| f.unwrap().function_name.unwrap())
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
    let requests = stub.responses().requests();
    assert_eq!(requests[1].input["Marker"], "m1");

    let err = client.send(GetFunction::new("gone")).unwrap_err();
    let service = err.service_error().unwrap();
    assert_eq!(
        (service.status(), service.code()),
        (404, "ResourceNotFoundException")
    );
    assert_eq!(service.message(), "no such function");

    // Nothing queued: the code under test is told so.
    let err = client.send(GetFunction::new("more")).unwrap_err();
    assert_eq!(err.code(), Some(STUB_MISMATCH));
    // The wrong operation: named in the error.
    let (client, _) = stub_client(StubResponses::new().output::<ListFunctions>(&first));
    let err = client.send(GetFunction::new("f")).unwrap_err();
    assert_eq!(err.code(), Some(STUB_MISMATCH));
    assert!(
        err.to_string().contains("expected a ListFunctions request"),
        "{err}"
    );
}
