//! The smallest useful program of the blocking client, for its binary size: one
//! GetFunction with static credentials against the endpoint URL given, printing the
//! function's ARN.
//!
//! ```text
//! size-probe http://127.0.0.1:PORT
//! ```
#![forbid(unsafe_code)]

use lambda_proto::credentials::Credentials;
use lambda_proto::operations::GetFunction;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::args()
        .nth(1)
        .ok_or("usage: size-probe http://127.0.0.1:PORT")?;
    let client = lambda_blocking::Client::builder()
        .region("us-east-1")
        .endpoint_url(endpoint)
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None, None))
        .build()?;
    let out = client.send(GetFunction::new("bench-function"))?;
    let arn = out.configuration.and_then(|c| c.function_arn);
    println!("{}", arn.unwrap_or_default());
    Ok(())
}
