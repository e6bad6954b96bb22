//! Lists the functions of the account, configured from the environment and the shared
//! files (`AWS_REGION`, `AWS_PROFILE`, `~/.aws/config`, ...).
//!
//! ```text
//! cargo run -p lambda-blocking --example list_functions
//! ```

use lambda_blocking::Client;
use lambda_proto::operations::ListFunctions;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    for function in client.paginate(ListFunctions::new()).items() {
        let function = function?;
        println!(
            "{}\t{}",
            function.function_name.unwrap_or_default(),
            function.runtime.as_ref().map_or("-", |r| r.as_str())
        );
    }
    Ok(())
}
