//! Many concurrent calls from one client share a bounded pool of connections and one
//! credentials lookup.
#![cfg(feature = "tokio")]

mod common;

use common::{function_json, CountingCredentials};
use lambda_async::Client;
use lambda_proto::operations::GetFunction;
use test_support::{LoopbackServer, Response};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_calls_over_bounded_connections() {
    const CALLS: usize = 200;
    const SLOTS: usize = 8;
    let server = LoopbackServer::with_handler(|request| {
        // The function name is the last path segment.
        let name = request
            .path()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        Response::json(200, function_json(&name, "Active"))
    });
    let credentials = CountingCredentials::default();
    let client = Client::builder()
        .region("us-east-1")
        .endpoint_url(server.url())
        .credentials_provider(credentials.clone())
        .max_concurrency(SLOTS)
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..CALLS)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                let name = format!("fn-{i}");
                let out = client.send(GetFunction::new(name.clone())).await?;
                Ok::<_, lambda_proto::Error<_>>((name, out))
            })
        })
        .collect();
    for task in tasks {
        let (name, out) = task.await.unwrap().unwrap();
        assert_eq!(out.configuration.unwrap().function_name, Some(name));
    }
    assert_eq!(server.request_count(), CALLS);
    let connections = server.connection_count();
    // At most SLOTS requests are in flight; a request that starts just before the pool
    // has taken back a finished connection opens another (hyper-util's pool gives no way
    // to wait for it), which is why the bound is not exactly SLOTS.
    assert!(
        (1..=SLOTS * 2).contains(&connections),
        "{connections} connections for {CALLS} calls"
    );
    assert_eq!(credentials.lookups(), 1);
    println!("{connections} connections for {CALLS} calls");
}
